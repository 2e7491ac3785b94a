"""Stage one of the audit (parse, lint, compress each file) in this process or in worker processes.

The work is pure Python, so threads would only take turns on the GIL. With lint or compress on and enough
files, the files go to a pool of forked worker processes (they inherit the loaded tokenizer, linter and
modules, so starting one costs milliseconds); results come back in file order. Below `forked.MIN_ITEMS_FOR_POOL`
files, with one CPU, or where `fork` is not the platform's safe default (only Linux), they are analysed here.
Workers only parse, lint and compress: they count small texts with tiktoken's single-threaded encoder and never
use the native thread pools (tiktoken's batch threads, the optional fast counter) a forked child would lack.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from tokcli import forked
from tokcli.audit.analyze import NotAPrompt, Parsed, analyze_document
from tokcli.audit.discover import FileProblem, SourceFile
from tokcli.errors import TokcliError

#: Files per task sent to a worker.
_CHUNK = 16

Outcome = Parsed | FileProblem | tuple[str, str]


def analyse_one(
    path: str,
    text: str,
    linter: Any,
    compress_level: str | None,
    text_tokens: int | None = None,
    unit: Any = None,
) -> Outcome:
    """A file's stage one: Parsed, or a FileProblem, or (path, reason) for a YAML/JSON file that is not a
    prompt."""
    try:
        return analyze_document(
            path, text, linter=linter, compress_level=compress_level, text_tokens=text_tokens, unit=unit
        )
    except NotAPrompt:
        return (path, "YAML/JSON without chat messages: not a prompt file")
    except TokcliError as error:
        return FileProblem(path, error.message, kind="invalid", line=error.line)
    except Exception as error:  # a bug must not hide the other files' results behind a traceback
        return FileProblem(path, f"could not be analysed ({type(error).__name__}: {error})", kind="invalid")


def _in_worker(state: tuple[Any, str | None], item: tuple[str, str, int | None, Any]) -> Outcome:
    linter, compress_level = state
    return analyse_one(item[0], item[1], linter, compress_level, item[2], item[3])


def process_count(files: int, linter: Any, compress_level: str | None, workers: int | None) -> int:
    """How many worker processes stage one uses (0: none, analyse in this process)."""
    if linter is None and compress_level is None:
        return 0  # parsing alone is cheaper than sending the documents back
    return forked.pool_processes(files, workers)


def _text_counts(files: Sequence[SourceFile], linter: Any) -> list[int | None]:
    """Each whole file counted in one batch with the linter's tokenizer (lint counts the prompt text of every
    file; for plain, markdown and Jinja files that is the whole text). Only for exact tokenizers, whose batch
    counts equal their single counts; otherwise lint counts as usual."""
    counter = getattr(linter, "counter", None)
    if counter is None or not getattr(counter, "exact", False) or not hasattr(counter, "count_batch"):
        return [None] * len(files)
    return list(counter.count_batch([file.text for file in files]))


def analyse_files(
    files: Sequence[SourceFile], linter: Any, compress_level: str | None, workers: int | None
) -> Iterator[Outcome]:
    """Stage one of every file, in file order."""
    processes = process_count(len(files), linter, compress_level, workers)
    totals = _text_counts(files, linter)
    if processes == 0:
        for file, tokens in zip(files, totals):
            yield analyse_one(file.path, file.text, linter, compress_level, tokens, file.unit)
        return
    # The first file is analysed here: what lint and compress build on first use (hundreds of compiled
    # patterns, the rules, tokenizer state) is then inherited by every worker instead of built again in each.
    yield analyse_one(files[0].path, files[0].text, linter, compress_level, totals[0], files[0].unit)
    items = [(file.path, file.text, tokens, file.unit) for file, tokens in zip(files[1:], totals[1:])]
    yield from forked.map_in_pool(_in_worker, (linter, compress_level), items, processes, _CHUNK)

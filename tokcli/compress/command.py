"""The work behind `tokcli compress`, without the command line: read, compress, verify, measure.

Returns a `CompressReport`; never prints and never writes (cli.py decides where the result goes).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokcli.compress.summary import CompressReport, measure
from tokcli.errors import InputError, TokcliError, UsageError
from tokcli.prompts import PromptDocument, load_prompt

STDIN = "-"


@dataclass(frozen=True)
class CompressRequest:
    method: str = "rules"
    level: str = "balanced"
    model_path: str | None = None
    rate: float | None = None
    target_tokens: int | None = None
    calls: int | None = None
    per: str = "day"
    units: Any = None  # tokcli.units.select.UnitSettings: compress prompts inside YAML/JSON and Python files


def read_source(path: str, encoding_errors: str = "strict") -> tuple[str, str]:
    """(shown name, text) of a file or of stdin ('-'). InputError for binary, non-UTF-8 or unreadable input."""
    from tokcli.inputs import decode_bytes, is_binary, read_text_file

    if path == STDIN:
        data = sys.stdin.buffer.read()
        if is_binary(data):
            raise InputError("binary input, not text", path="<stdin>")
        return "<stdin>", decode_bytes(data, "<stdin>", encoding_errors)
    return path, read_text_file(Path(path), encoding_errors)


def run_compress(
    path: str, text: str, request: CompressRequest, targets: Sequence[Any], table: Any = None
) -> CompressReport:
    """Compress `text` (the content of `path`) as asked and measure it for each target model.

    InputError (file, line, Jinja's message) when the template does not parse; TokcliError when an LLMLingua
    result fails verification (it is never returned).
    """
    hosted = _run_on_units(path, text, request, targets, table)
    if hosted is not None:
        return hosted
    document = load_prompt(path, text)
    if request.method == "rules":
        from tokcli.compress.rules_method import compress_document

        result = compress_document(document, level=request.level)
        report = CompressReport(
            path=path,
            method="rules",
            level=request.level,
            original=text,
            text=result.text,
            transforms=dict(result.transforms),
            rollbacks=list(result.rollbacks),
            removed=list(result.removed),
            notes=list(result.notes),
        )
    else:
        report = _run_llmlingua(document, request)
    if document.kind == "tools":
        # what a request sends is the whole rendered tool list (names, schemas, framing), as `count` shows it,
        # not only the descriptions compress edits
        report.models = measure(
            (),
            (),
            targets,
            table=table,
            calls=request.calls,
            per=request.per,
            tools=[(path, text)],
            tools_after=[(path, report.text)],
        )
    else:
        after = load_prompt(path, report.text) if report.changed else document
        report.models = measure(
            document.prompt_text, after.prompt_text, targets, table=table, calls=request.calls, per=request.per
        )
    report.calls, report.per = request.calls, request.per
    return report


def _run_on_units(
    path: str, text: str, request: CompressRequest, targets: Sequence[Any], table: Any
) -> CompressReport | None:
    """A YAML/JSON config or Python file: each prompt unit in it compressed, written back where exact."""
    from tokcli.units.scan import may_be_host

    if request.units is None or path == "<stdin>" or not may_be_host(path):
        return None
    from tokcli.units.jobs import compress_host

    hosted = compress_host(path, text, request.level, request.units)
    if hosted is None:
        return None
    if request.method != "rules":
        raise UsageError(f"--method {request.method} works on prompt files, not on prompts inside {path}")
    report = CompressReport(
        path=path,
        method="rules",
        level=request.level,
        original=text,
        text=hosted.text,
        transforms=hosted.transforms,
        notes=hosted.notes,
        without_prompts=hosted.without_prompts,
    )
    report.models = measure(
        hosted.units_before,
        hosted.units_after,
        targets,
        table=table,
        calls=request.calls,
        per=request.per,
        tools=hosted.tools,
    )
    report.calls, report.per = request.calls, request.per
    return report


def _run_llmlingua(document: PromptDocument, request: CompressRequest) -> CompressReport:
    from tokcli.compress.llmlingua_method import compress_with_llmlingua
    from tokcli.compress.protect import protect_document
    from tokcli.compress.verify import verify

    if document.kind in ("chat", "config"):
        raise UsageError(f"--method {request.method} works on text, markdown and template files, not chat files")
    assert request.model_path is not None  # checked with the other flags
    spans = protect_document(document.text, kind=document.kind, body_offset=document.body_offset)
    result = compress_with_llmlingua(
        document.text,
        [(span.start, span.end) for span in spans],
        method=request.method,  # type: ignore[arg-type]
        model_path=request.model_path,
        rate=request.rate,
        target_tokens=request.target_tokens,
    )
    report = verify(document.text, result.text, kind=document.kind, body_offset=document.body_offset)
    if not report.ok:
        problem = report.problems[0]
        raise TokcliError(
            f"{request.method} result failed verification ({problem.check}: {problem.message}); nothing written",
            path=document.path,
        )
    notes = [f"{result.changed} of {result.pieces} prose pieces shortened at rate {result.rate:.2f}"]
    return CompressReport(
        path=document.path,
        method=request.method,
        level=None,
        original=document.text,
        text=result.text,
        notes=notes,
    )

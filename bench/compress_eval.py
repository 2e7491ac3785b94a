"""How much of an expert editor's saving `tokcli compress` reaches, on prompts written independently of tokcli.

    python bench/compress_eval.py                    # both halves, every level, and the real-world check
    python bench/compress_eval.py --half dev --files # the half to tune on, file by file
    python bench/compress_eval.py --no-realworld     # skip the downloaded packages

The corpus in bench/compress_corpus/ was written by three writers who had not read tokcli's rules: per half,
`verbose/` prompts, `edited/` (an expert's hand edit of each, same file name: same instructions, constraints,
placeholders, numbers and negations), `tight/` prompts that have little to cut, and `manifest.json`. Tune on
`dev`; `test` is only measured.

Per half and level it prints:
- the share of the expert's saving reached, token-weighted (o200k_base): the sum of the tokens tokcli saved
  over the sum of the tokens the expert saved, on the verbose prompts;
- the share of tokens taken from the tight prompts (should stay near 0);
- the violations found by `compress_safety` (an independent check that does not use tokcli's verifier):
  template variables, tag sequences, numbers, negation words, front matter, sandboxed rendering.

The real-world check compresses the prompt files of the pinned open-source packages that `realworld.py`
downloads at bench time (never committed): no file may break or raise, and the savings are reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import compress_safety

from tokcli.compress.rules_method import compress_prompt
from tokcli.errors import InputError
from tokcli.prompts import load_prompt
from tokcli.registry import get_tokenizer
from tokcli.units.jobs import HostCompression, compress_host
from tokcli.units.scan import may_be_host
from tokcli.units.select import UnitSettings

CORPUS = Path(__file__).resolve().parent / "compress_corpus"
LEVELS = ("safe", "balanced", "aggressive")
HALVES = ("dev", "test")


@dataclass
class Tally:
    """Token sums over the files of one half at one level."""

    verbose_before: int = 0
    expert_saved: int = 0
    tokcli_saved: int = 0
    tight_before: int = 0
    tight_saved: int = 0
    files: int = 0
    violations: list[tuple[str, compress_safety.Violation]] = field(default_factory=list)
    rows: list[tuple[str, int, int, int]] = field(default_factory=list)  # file, before, expert saved, tokcli saved

    @property
    def share(self) -> float:
        return 100.0 * self.tokcli_saved / self.expert_saved if self.expert_saved else 0.0

    @property
    def tight_percent(self) -> float:
        return 100.0 * self.tight_saved / self.tight_before if self.tight_before else 0.0


def corpus_files(half: str) -> Iterator[tuple[str, Path, Path | None]]:
    """(kind, prompt, expert edit or None) for each file of a half, as listed in its manifest."""
    root = CORPUS / half
    for entry in json.loads((root / "manifest.json").read_text(encoding="utf-8")):
        prompt = root / entry["file"]
        if entry["kind"] == "verbose":
            edited = root / "edited" / prompt.name  # the brief: the same file name under edited/
            if not edited.exists():
                edited = root / entry["edited"]
            yield "verbose", prompt, edited
        else:
            yield "tight", prompt, None


def compressed(path: Path, text: str, level: str) -> str:
    return compress_prompt(str(path), text, level=level).text


def evaluate(half: str, level: str, count: Callable[[str], int]) -> Tally:
    tally = Tally()
    for _kind, path, edited in corpus_files(half):
        text = path.read_text(encoding="utf-8")
        result = compressed(path, text, level)
        before, saved = count(text), count(text) - count(result)
        tally.files += 1
        tally.violations.extend((path.name, found) for found in compress_safety.check(text, result))
        if edited is not None:
            expert = before - count(edited.read_text(encoding="utf-8"))
            tally.verbose_before += before
            tally.expert_saved += expert
            tally.tokcli_saved += saved
            tally.rows.append((path.name, before, expert, saved))
        else:
            tally.tight_before += before
            tally.tight_saved += saved
            tally.rows.append((path.name, before, 0, saved))
    return tally


@dataclass
class RealWorld:
    files: int = 0
    refused: int = 0  # files `count` does not accept either (not prompts tokcli reads)
    before: int = 0
    saved: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


def _prompt_text(path: Path, text: str) -> str:
    """The text a model reads, as `tokcli count` takes it; InputError when `count` refuses the file."""
    return load_prompt(str(path), text).prompt_text


def _hosted(path: Path, text: str, level: str) -> HostCompression | None:
    """The prompt units of a YAML/JSON config or Python file compressed as `tokcli compress` does; None for a
    prompt file of its own (or a host without prompts)."""
    if not may_be_host(str(path)):
        return None
    hosted = compress_host(str(path), text, level, UnitSettings())
    return hosted if hosted is not None and hosted.before else None


def real_world(count: Callable[[str], int]) -> RealWorld | str:
    """Compress every prompt file of the pinned packages at every level (a message when they are not at hand)."""
    try:
        import realworld  # bench/realworld.py: the pinned packages, downloaded at bench time
    except ImportError:
        return "bench/realworld.py (the pinned package list shared with lint's bench) is not present"
    try:
        paths = realworld.prompt_files()
    except realworld.DownloadError as error:
        return str(error)
    outcome = RealWorld()
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
            hosted = _hosted(path, text, "safe")
            before = count(hosted.before if hosted else _prompt_text(path, text))
        except (InputError, UnicodeDecodeError):
            outcome.refused += 1
            continue
        outcome.files += 1
        outcome.before += before
        document_kind = "host" if hosted else load_prompt(str(path), text).kind
        for level in LEVELS:
            try:
                if hosted:  # a YAML config or Python file: its prompt units, as the CLI compresses them
                    units = _hosted(path, text, level)
                    assert units is not None
                    original, result = units.before, units.after
                else:
                    result = compressed(path, text, level)
                    original = text
                after = count(result if hosted else _prompt_text(path, result))
            except Exception as error:  # any exception on a file `count` accepts is a finding
                outcome.errors.append(f"{path.name} ({level}): {type(error).__name__}: {error}")
                continue
            outcome.saved[level] = outcome.saved.get(level, 0) + before - after
            if document_kind == "chat":
                original_messages = compress_safety.chat_contents(text, str(path)) or ""
                new_messages = compress_safety.chat_contents(result, str(path)) or ""
                found = compress_safety.check(original_messages, new_messages)
            else:
                found = compress_safety.check(original, result)
            outcome.violations.extend(f"{path.name} ({level}): {v.check}: {v.message}" for v in found)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=HALVES, action="append", help="default: both")
    parser.add_argument("--level", choices=LEVELS, action="append", help="default: every level")
    parser.add_argument("--files", action="store_true", help="file by file figures")
    parser.add_argument("--no-realworld", action="store_true", help="skip the downloaded packages")
    args = parser.parse_args(argv)
    tokenizer = get_tokenizer("o200k_base")
    count: Callable[[str], int] = tokenizer.count
    violations = 0
    print("half  level       expert's saving reached     tight prompts changed   safety violations")
    for half in args.half or HALVES:
        for level in args.level or LEVELS:
            tally = evaluate(half, level, count)
            violations += len(tally.violations)
            print(
                f"{half:<5} {level:<11} {tally.share:5.1f} % ({tally.tokcli_saved:,} of {tally.expert_saved:,})"
                f"{'':<4} {tally.tight_percent:4.1f} % of {tally.tight_before:,}{'':<6}"
                f" {len(tally.violations)} in {tally.files} files"
            )
            for name, found in tally.violations:
                print(f"      violation: {name}: {found.check}: {found.message}")
            if args.files:
                for name, before, expert, saved in tally.rows:
                    expert_part = f"expert {expert:5,} ({100 * expert / before:4.1f} %)" if expert else "tight"
                    print(
                        f"      {name:<40} {before:6,}  {expert_part:<24} tokcli {saved:5,} ({100 * saved / before:4.1f} %)"
                    )
    if not args.no_realworld:
        outcome = real_world(count)
        if isinstance(outcome, str):
            print(f"real world: skipped: {outcome}")
        else:
            saved = ", ".join(
                f"{level} {outcome.saved.get(level, 0):,} ({100 * outcome.saved.get(level, 0) / max(outcome.before, 1):.1f} %)"
                for level in LEVELS
            )
            print(
                f"real world: {outcome.files} prompt files ({outcome.refused} that count refuses skipped), "
                f"{outcome.before:,} tokens; saved {saved}; {len(outcome.errors)} errors, "
                f"{len(outcome.violations)} safety violations"
            )
            for line in outcome.errors + outcome.violations:
                print(f"      {line}")
            violations += len(outcome.errors) + len(outcome.violations)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())

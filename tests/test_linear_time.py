"""Every lint rule and compress transform does work linear in its input, on the awkward shapes too.

No clock: the work is counted. `Steps` counts the Python interpreter's trace events (lines, calls, returns)
plus the characters handed to the tokenizer, for an input and for the same shape twice as large; linear work
about doubles (a quadratic loop or a recount of a whole line per finding quadruples it). Helpers rewritten to
avoid rescanning (a line start looked up per match, a prefix copied per finding) are checked against the
straightforward version they replace, and for the characters they read.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from work_support import trace_events

from tokcli.compress import protect, transforms
from tokcli.compress.rules_method import compress_text
from tokcli.lint.engine import Linter
from tokcli.lint.rules import base, verbosity
from tokcli.prompts import load_prompt

BENCH = Path(__file__).resolve().parents[1] / "bench"
#: Doubling the input may multiply the counted work by at most this (linear: ~2; quadratic: ~4).
GROWTH_LIMIT = 2.6


def _shapes() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_shapes", BENCH / "shapes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SHAPES = _shapes()


class CharCounter:
    """The linter's tokenizer, counting the characters it is asked to count."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.chars = 0

    def count(self, text: str) -> int:
        self.chars += len(text)
        return int(self.inner.count(text))


@pytest.fixture(scope="module")
def counter() -> Any:
    return Linter(model="gpt-4o").counter


def _lint_work(shape: str, size: int, counter: Any) -> int:
    name, text = SHAPES.make_shape(shape, size)
    metered = CharCounter(counter)
    linter = Linter(model="gpt-4o", counter=metered)
    linter.lint_text(name, text)  # warm: imports and compiled patterns are not the input's work
    metered.chars = 0
    events = trace_events(lambda: linter.lint_text(name, text))
    return events + metered.chars


def _compress_work(shape: str, size: int) -> int:
    name, text = SHAPES.make_shape(shape, size)
    document = load_prompt(name, text)
    compress_text(text, kind=document.kind, body_offset=document.body_offset)
    return trace_events(lambda: compress_text(text, kind=document.kind, body_offset=document.body_offset))


@pytest.mark.parametrize("shape", sorted(SHAPES.SHAPES))
def test_lint_work_grows_linearly(shape: str, counter: Any) -> None:
    small, large = _lint_work(shape, 12_000, counter), _lint_work(shape, 24_000, counter)
    assert large <= GROWTH_LIMIT * small, f"{shape}: {small} → {large}"


@pytest.mark.parametrize("shape", sorted(SHAPES.SHAPES))
def test_compress_work_grows_linearly(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKCLI_SINGLE_PROCESS", "1")
    small, large = _compress_work(shape, 12_000), _compress_work(shape, 24_000)
    assert large <= GROWTH_LIMIT * small, f"{shape}: {small} → {large}"


def test_savings_on_a_long_line_count_a_window_around_the_finding(counter: Any) -> None:
    """Zero-width spaces between letters: a finding every two characters of one line."""
    sizes = []
    for letters in (2_000, 4_000):
        metered = CharCounter(counter)
        text = "\u200b".join("abcdefghij"[index % 10] for index in range(letters))
        findings = Linter(model="gpt-4o", counter=metered).lint_text("z.md", text)
        assert sum(finding.code == "TK605" for finding in findings) == letters - 1
        sizes.append(metered.chars)
    assert sizes[1] <= GROWTH_LIMIT * sizes[0]


def test_savings_on_a_long_line_equal_those_on_the_whole_line(counter: Any) -> None:
    """The window is cut where a word is followed by a space and a word: a pre-tokenisation boundary, so
    the tokens saved are what counting the whole line gives."""
    words = ["Please", "note", "that", "the", "answer", "should", "be", "short", "and", "exact"]
    line = " ".join(words[index % len(words)] for index in range(3_000)) + " basically done"
    document = load_prompt("a.md", line + "\n")
    context = base.Context(document, counter)
    segment = context.segments[0]
    for phrase in ("Please note that ", "basically "):
        for match in list(re.finditer(re.escape(phrase), line))[:: max(1, line.count(phrase) // 7)]:
            start, end = match.start(), match.end()
            whole = counter.count(line) - counter.count(line[:start] + line[end:])
            assert context.savings(segment, start, end, "") == max(0, whole)


class MeteredText(str):
    """A str that counts the characters read through indexing, slicing, find and rfind."""

    read = 0

    def __getitem__(self, key: Any) -> str:
        value = str.__getitem__(self, key)
        MeteredText.read += len(value)
        return value

    def _span(self, start: int | None, end: int | None) -> int:
        return len(range(*slice(start, end).indices(len(self))))

    def rfind(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        MeteredText.read += self._span(start, end)
        return str.rfind(self, sub, start, end)

    def find(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        MeteredText.read += self._span(start, end)
        return str.find(self, sub, start, end)


def _read_per_call(check: Callable[[str, int], object], line_length: int) -> int:
    text = MeteredText("word " * (line_length // 5) + "please answer")
    MeteredText.read = 0
    check(text, len(text) - len("please answer"))
    return MeteredText.read


@pytest.mark.parametrize(
    "check",
    [transforms.at_sentence_start, protect._at_line_start, verbosity._starts_sentence],
    ids=["at_sentence_start", "at_line_start", "starts_sentence"],
)
def test_line_helpers_read_what_is_near_the_offset_only(check: Callable[[str, int], object]) -> None:
    assert _read_per_call(check, 200_000) == _read_per_call(check, 2_000) < 100


def test_example_detection_reads_a_bounded_window_of_a_long_line() -> None:
    from tokcli.compress.sentences import QUOTE_LOOKBACK, in_example

    # one line of prose, as long as the whole text: only the window before the sentence is read
    assert _read_per_call(in_example, 200_000) == _read_per_call(in_example, 20_000) < 5 * QUOTE_LOOKBACK


def _in_example_by_line(text: str, start: int) -> bool:
    """`in_example` reading the whole line, as it did before its window (same result on lines that fit)."""
    from tokcli.compress import sentences

    line_start = text.rfind("\n", 0, start) + 1
    if text.find(":", line_start, start + 48) < 0 and not any(quote in text[line_start:start] for quote in '"“'):
        return False
    field = sentences._FIELD_LABEL.match(text, line_start)
    if (
        field is not None
        and field.start("label") <= start
        and (field.group("quote") or sentences._is_field_name(field.group("label")))
    ):
        return True
    before = text[line_start:start]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


@given(st.text(alphabet=st.sampled_from(list('ab :\n"“”.Uuser')), max_size=60), st.data())
@settings(max_examples=300, deadline=None)
def test_example_detection_and_opening_lines_agree_with_whole_line_scans(text: str, data: st.DataObject) -> None:
    from tokcli.compress import sentences

    offset = data.draw(st.integers(0, len(text)))
    assert sentences.in_example(text, offset) == _in_example_by_line(text, offset)
    padded = "\n" + text
    expected = {match.start() for match in sentences._AT_LINE_START.finditer(padded)}
    for match in sentences._AFTER_STOP.finditer(padded):
        expected.add(padded.rfind("\n", 0, match.start()) if match.start() else 0)
    assert sentences._candidate_lines(text, text) == expected


def _at_sentence_start_by_line(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    lead = re.compile(r"[ \t]*(?:[-*+>][ \t]+|\d{1,3}[.)][ \t]+|\*\*?)?").match(text, line_start, start)
    if lead is not None and lead.end() == start:
        return True
    return re.compile(r"[.!?:][ \t]+\Z").search(text, max(line_start, start - 8), start) is not None


_LINE_TEXT = st.text(alphabet=st.sampled_from(list(" \t\n-*+>.):!?1٣aZ#_")), max_size=40)


@given(_LINE_TEXT, st.data())
@settings(max_examples=400, deadline=None)
def test_line_helpers_agree_with_scanning_the_whole_line(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    assert transforms.at_sentence_start(text, offset) == _at_sentence_start_by_line(text, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    assert protect._at_line_start(text, offset) == (text[line_start:offset].strip(" \t") == "")
    before = text[:offset].rstrip(" \t*_#>-")
    assert verbosity._starts_sentence(text, offset) == (not before or before[-1] in ".!?:\n")


@given(st.lists(st.text(max_size=30), min_size=1, max_size=6), st.data())
@settings(max_examples=200, deadline=None)
def test_chat_positions_in_json_follow_the_escaped_text(contents: list[str], data: st.DataObject) -> None:
    """Positions asked in any order (each rule scans forward again) match escaping each prefix afresh."""
    content = "".join(contents) or "hi"
    # a message holding template syntax is read as a template (a lone "{%" is a syntax error, exit 2 for users);
    # positions in plain text are what this checks
    assume(not any(opening in content for opening in ("{{", "{%", "{#")))
    file_text = json.dumps({"messages": [{"role": "user", "content": content}]}, ensure_ascii=False)
    document = load_prompt("chat.json", file_text)
    segment = base.build_segments(document)[0]
    assert segment.text == content
    for offset in data.draw(st.lists(st.integers(0, len(content)), max_size=8)):
        expected_end = segment.cache["json_anchor"] + len(json.dumps(content[:offset], ensure_ascii=False)) - 2
        expected = (file_text.count("\n", 0, expected_end) + 1, expected_end - file_text.rfind("\n", 0, expected_end))
        assert base.chat_position(file_text, segment, offset) == expected


def test_removed_sentences_listed_are_capped_so_their_searches_stay_bounded() -> None:
    from tokcli.compress.rules_method import EXPLAIN_MAX_REMOVED

    # each listed removal searches its segment: a one-line text with thousands of reasons lists only the first
    text = "".join(f"Keep item {number} short, because people skim. " for number in range(2_000))
    result = compress_text(text, level="aggressive")
    assert result.text.startswith("Keep item 0 short. Keep item 1 short.")
    assert len(result.removed) == EXPLAIN_MAX_REMOVED
    assert result.removed[0].reason == "rationale"


def _whitespace_findings(lines: int) -> tuple[str, list[Any]]:
    from tokcli.lint.finding import Edit, Finding

    text = "Please   be brief.\n" * lines
    findings = [
        Finding(
            "p.md",
            line + 1,
            7,
            line + 1,
            10,
            "TK103",
            "whitespace-run",
            "warning",
            "run",
            0,
            [Edit(at, at + 3, " ")],
            True,
        )
        for line, at in enumerate(range(6, len(text), len("Please   be brief.\n")))
    ]
    return text, findings


def test_fixes_of_many_findings_are_applied_in_linear_work() -> None:
    # each fix was compared with every fix chosen before it: 16,000 findings took 20 s in `lint --fix`
    from tokcli.lint.engine import apply_fixes

    text, findings = _whitespace_findings(3)
    assert apply_fixes(text, findings) == ("Please be brief.\n" * 3, 3)
    small, large = (trace_events(lambda size=size: apply_fixes(*_whitespace_findings(size))) for size in (500, 1000))
    assert 0 < large <= GROWTH_LIMIT * small, (small, large)


def _plain_apply_fixes(text: str, findings: list[Any]) -> tuple[str, int]:
    """`apply_fixes` as first written: each edit compared with every edit chosen before it."""
    chosen: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    applied = 0
    for finding in sorted(findings, key=lambda f: min(edit.start for edit in f.fix or [])):
        edits = [(edit.start, edit.end, edit.replacement) for edit in finding.fix or []]
        if not edits or any((s < b and a < e) or (s == e and a <= s <= b) for s, e, _ in edits for a, b in taken):
            continue
        chosen.extend(edits)
        taken.extend((s, e) for s, e, _ in edits)
        applied += 1
    parts, position = [], 0
    for start, end, replacement in sorted(chosen):
        parts += [text[position:start], replacement]
        position = end
    return "".join(parts) + text[position:], applied


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(0, 20), st.integers(0, 4), st.sampled_from(["", "x", "yz"])), min_size=1, max_size=3
        ),
        max_size=8,
    )
)
def test_the_fixes_applied_are_those_the_plain_overlap_check_chooses(spans: list[list[tuple[int, int, str]]]) -> None:
    from tokcli.lint.engine import apply_fixes
    from tokcli.lint.finding import Edit, Finding

    text = "abcdefghijklmnopqrstuvwxyz"
    findings = [
        Finding(
            "p.md", 1, 1, 1, 1, "TK103", "n", "warning", "m", 0, [Edit(a, a + width, r) for a, width, r in edits], True
        )
        for edits in spans
    ]
    assert apply_fixes(text, findings) == _plain_apply_fixes(text, findings)

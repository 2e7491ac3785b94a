"""Reading prompt units out of host files (JavaScript/TypeScript, notebooks) does work linear in the input, on
hostile shapes too.

No clock: the work is counted, for an input and for the same shape twice as large (linear about doubles it,
quadratic quadruples it). `Steps` counts the interpreter's trace events plus the characters handed to the
helpers that scan a whole value in C (a regex over a string built again per piece is invisible to tracing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from work_support import trace_events

from tokcli.units import js_source
from tokcli.units.select import UnitSettings

#: Doubling the input may multiply the counted work by at most this (linear: ~2; quadratic: ~4).
GROWTH_LIMIT = 2.6


def _steps(work: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> int:
    """Trace events of `work`, plus the characters whose template syntax it reads."""
    read_chars = 0
    read = js_source.infer_syntax

    def counted(text: str) -> str:
        nonlocal read_chars
        read_chars += len(text)
        return read(text)

    with monkeypatch.context() as patched:
        patched.setattr(js_source, "infer_syntax", counted)
        events = trace_events(work)
    return events + read_chars


def _concatenated(pieces: int) -> str:
    body = " +\n  ".join(['"You are a helpful assistant. "'] * pieces)
    return f'import OpenAI from "openai";\nexport const SYSTEM_PROMPT = {body};\n'


def test_a_javascript_string_of_many_pieces_joined_with_plus_is_read_in_linear_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def scan(pieces: int) -> Callable[[], object]:
        text = _concatenated(pieces)
        return lambda: js_source.scan_javascript("prompts.js", text, UnitSettings())

    found = js_source.scan_javascript("prompts.js", _concatenated(400), UnitSettings())
    assert [unit.text for unit in found.units] == ["You are a helpful assistant. " * 400]
    assert found.units[0].refusal == "JavaScript string built with +"
    small, large = _steps(scan(400), monkeypatch), _steps(scan(800), monkeypatch)
    assert 0 < large <= GROWTH_LIMIT * small, (small, large)


def _template_of_fields(fields: int) -> str:
    body = "".join(f"You are ${{x{number}}} helpful.\n" for number in range(fields))
    return f'import OpenAI from "openai";\nexport const SYSTEM_PROMPT = `{body}`;\n'


def test_a_javascript_template_of_many_fields_is_read_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def scan(fields: int) -> Callable[[], object]:
        text = _template_of_fields(fields)
        return lambda: js_source.scan_javascript("prompts.js", text, UnitSettings())

    found = js_source.scan_javascript("prompts.js", _template_of_fields(3), UnitSettings())
    assert [unit.text for unit in found.units] == [
        "You are {x0} helpful.\nYou are {x1} helpful.\nYou are {x2} helpful.\n"
    ]
    assert found.units[0].slot is not None  # written back: its text spells none of its fields
    small, large = _steps(scan(300), monkeypatch), _steps(scan(600), monkeypatch)
    assert 0 < large <= GROWTH_LIMIT * small, (small, large)


class _CountedText(str):
    """A value's text that adds up the characters its `find` and `replace` read (what tracing cannot see)."""

    reads = 0

    def find(self, sub: str, start: Any = 0, end: Any = None) -> int:  # type: ignore[override]
        found = str.find(self, sub, start, len(self) if end is None else end)
        _CountedText.reads += (found + len(sub) if found >= 0 else len(self)) - start
        return found

    def replace(self, old: str, new: str, count: Any = -1) -> str:  # type: ignore[override]
        _CountedText.reads += len(self)  # a new string is made, all of it copied
        return _CountedText(str.replace(self, old, new, count))

    def split(self, sep: Any = None, maxsplit: Any = -1) -> list[str]:  # type: ignore[override]
        _CountedText.reads += len(self)
        return str.split(self, sep, maxsplit)

    def count(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        start, end, _ = slice(start, end).indices(len(self))
        _CountedText.reads += max(0, end - start)
        return str.count(self, sub, start, end)


def test_whether_a_template_of_many_fields_reads_as_prose_is_told_in_linear_work() -> None:
    def reads(fields: int) -> int:
        names = [f"{{x{number}}}" for number in range(fields)]
        value = js_source._Value(
            _CountedText("".join(f"You are {name} helpful.\n" for name in names)),
            [],
            "format",
            None,
            None,
            tuple(names),
        )
        _CountedText.reads = 0
        assert value.prose
        return _CountedText.reads

    small, large = reads(1000), reads(2000)
    assert 0 < large <= GROWTH_LIMIT * small, (small, large)


@pytest.mark.parametrize(
    ("parts", "fields", "spelled"),
    [
        (["Say ", "."], ["{name}"], False),
        (["Say {name} ", "."], ["{name}"], True),
        (["{a} {", "b}"], ["{b}", "{a.b}"], False),
        (["x ", " {user.name}!"], ["{id}", "{user.name}"], True),
        (["{{name}}"], ["{name}"], True),
        ([], [], False),
    ],
)
def test_a_template_part_spelling_one_of_its_fields_is_found(
    parts: list[str], fields: list[str], spelled: bool
) -> None:
    assert js_source._spells_a_field(parts, fields) is spelled
    assert any(field in part for field in fields for part in parts) is spelled  # the plain reading agrees


def _long_unit(lines: int) -> Any:
    """A notebook unit of a prompt of `lines` lines, found as `lint` finds it, with one anchor per source line."""
    import json

    from tokcli.units.notebook import scan_notebook

    source = ['SYSTEM_PROMPT = """You are a helpful assistant.\n', *["Please   be brief.\n"] * lines, '"""\n']
    source.append(
        'client.chat.completions.create(model="gpt-4o", messages=[{"role": "system", "content": SYSTEM_PROMPT}])\n'
    )
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": source}], "nbformat": 4}
    (unit,) = scan_notebook("chat.ipynb", json.dumps(notebook, indent=1), UnitSettings()).units
    return unit


def _one_finding_per_line(unit: Any) -> list[Any]:
    from tokcli.lint.finding import Finding

    lines = unit.text.count("\n")
    return [
        Finding(unit.path, line, 7, line, 10, "TK103", "whitespace-run", "warning", "run") for line in range(2, lines)
    ]


def test_findings_on_every_line_of_a_long_unit_are_placed_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # each finding walked the unit's lines to its own and listed every anchor: 8,000 lines took 20 s in `lint`
    from tokcli.units.documents import map_finding

    def place(lines: int) -> Callable[[], object]:
        unit = _long_unit(lines)
        findings = _one_finding_per_line(unit)
        return lambda: [map_finding(unit, finding) for finding in findings]

    unit = _long_unit(3)
    placed = [map_finding(unit, finding) for finding in _one_finding_per_line(unit)]
    assert [(finding.line, finding.column, finding.end_column) for finding in placed] == [
        (9, 12, 15),  # the notebook file's line of the JSON string, past its indentation and quote
        (10, 12, 15),
    ]
    assert [finding.message for finding in placed] == [
        "[chat.SYSTEM_PROMPT] cell 1, line 2: run",
        "[chat.SYSTEM_PROMPT] cell 1, line 3: run",
    ]
    small, large = _steps(place(400), monkeypatch), _steps(place(800), monkeypatch)
    assert 0 < large <= GROWTH_LIMIT * small, (small, large)


def _plain_position(unit: Any, offset: int) -> tuple[int, int]:
    """`PromptUnit.position` as first written: the anchors listed and the text before `offset` scanned."""
    import bisect

    anchor = unit.anchors[max(0, bisect.bisect_right([a.offset for a in unit.anchors], offset) - 1)]
    head = unit.text[anchor.offset : offset]
    newline = head.rfind("\n")
    if newline >= 0:
        return anchor.line + head.count("\n"), offset - (anchor.offset + newline)
    return anchor.line, anchor.column + max(0, offset - anchor.offset)


def _plain_offset(text: str, line: int, column: int) -> int:
    position = 0
    for _ in range(line - 1):
        found = text.find("\n", position)
        if found < 0:
            return len(text)
        position = found + 1
    return min(len(text), position + column - 1)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="ab \n", max_size=40),
    anchors=st.lists(st.tuples(st.integers(0, 45), st.integers(1, 9), st.integers(1, 9)), min_size=1, max_size=6),
    offset=st.integers(0, 50),  # an offset into the text, or past its end
    line=st.integers(-1, 12),
    column=st.integers(1, 12),
)
def test_unit_positions_agree_with_scanning_the_text(
    text: str, anchors: list[tuple[int, int, int]], offset: int, line: int, column: int
) -> None:
    from tokcli.units.documents import _offset
    from tokcli.units.model import Anchor, CellAnchor, PromptUnit

    ordered = sorted(set(anchors))
    unit = PromptUnit(
        "h.ipynb",
        "k",
        text,
        1,
        1,
        "none",
        "python",
        anchors=tuple(Anchor(*anchor) for anchor in ordered),
        cells=tuple(CellAnchor(*anchor) for anchor in ordered),
    )
    assert unit.position(offset) == _plain_position(unit, offset)
    cell = unit.cells[max(0, sum(1 for anchor in ordered if anchor[0] <= offset) - 1)]
    assert unit.cell_place(offset) == (cell.cell, cell.line + text.count("\n", cell.offset, max(cell.offset, offset)))
    assert _offset(text, line, column) == _plain_offset(text, line, column)


def _tool_list(tools: int) -> str:
    import json

    listed = [{"name": f"tool_{n}", "description": "Look the city up.", "parameters": {}} for n in range(tools)]
    return json.dumps(listed, indent=2)


def test_the_lines_of_many_tools_are_found_in_linear_work() -> None:
    # each tool's line was counted from the start of the file: 4,000 tools took 95 s in `audit`
    import json

    from tokcli.tools import normalize_tools

    def reads(tools: int) -> int:
        text = _CountedText(_tool_list(tools))
        _CountedText.reads = 0
        found = normalize_tools("tools.json", json.loads(text), text)
        assert [tool.line for tool in found[:2]] == [3, 8]
        return _CountedText.reads

    small, large = reads(400), reads(800)
    assert 0 < large <= GROWTH_LIMIT * small, (small, large)


def test_findings_in_many_messages_of_a_chat_file_are_placed_in_linear_work() -> None:
    # each message split the whole file into lines to place its findings
    from tokcli.lint.rules.base import Segment, chat_position

    def reads(messages: int) -> int:
        lines = "".join(f"- role: user\n  content: |\n    Question {n}:   where?\n" for n in range(messages))
        text = _CountedText(lines)
        segments = [Segment(f"Question {n}:   where?\n", None, 3 * n + 3) for n in range(messages)]
        _CountedText.reads = 0
        places = [chat_position(text, segment, 12) for segment in segments]
        assert places[:2] == [(3, 17), (6, 17)]
        return _CountedText.reads

    small, large = reads(400), reads(800)
    assert 0 < large <= GROWTH_LIMIT * small, (small, large)

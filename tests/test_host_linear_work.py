"""Reading prompt units out of host files (JavaScript/TypeScript, notebooks) does work linear in the input, on
hostile shapes too.

No clock: the work is counted, for an input and for the same shape twice as large (linear about doubles it,
quadratic quadruples it). `Steps` counts the interpreter's trace events plus the characters handed to the
helpers that scan a whole value in C (a regex over a string built again per piece is invisible to tracing).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from tokcli.units import js_source
from tokcli.units.select import UnitSettings

#: Doubling the input may multiply the counted work by at most this (linear: ~2; quadratic: ~4).
GROWTH_LIMIT = 2.6


def _steps(work: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> int:
    """Trace events of `work`, plus the characters whose template syntax it reads."""
    events = 0
    read = js_source.infer_syntax

    def counted(text: str) -> str:
        nonlocal events
        events += len(text)
        return read(text)

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal events
        events += 1
        return tracer

    monkeypatch.setattr(js_source, "infer_syntax", counted)
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        work()
    finally:
        sys.settrace(previous)
        monkeypatch.setattr(js_source, "infer_syntax", read)
    return events


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

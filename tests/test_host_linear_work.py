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

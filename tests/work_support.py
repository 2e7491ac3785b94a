"""Counting work without a clock: the Python interpreter's trace events while a piece of work runs."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def trace_events(work: Callable[[], object]) -> int:
    """The trace events (lines, calls, returns) of running `work`."""
    events = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal events
        events += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        work()
    finally:
        sys.settrace(previous)
    return events

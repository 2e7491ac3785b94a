"""What a prompt keeps through any compression or fix, for the write-back property tests."""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{[a-z_]+\}")
NEGATIONS = re.compile(r"\b(?:not|never|no|must|only|at most|at least|without|cannot)\b|n't", re.IGNORECASE)
NUMBERS = re.compile(r"\d+")


def assert_prompt_invariants(before: str, after: str) -> None:
    """Placeholders in order, negation words, numbers: all kept."""
    assert PLACEHOLDER.findall(after) == PLACEHOLDER.findall(before)
    assert sorted(m.lower() for m in NEGATIONS.findall(after)) == sorted(m.lower() for m in NEGATIONS.findall(before))
    assert NUMBERS.findall(after) == NUMBERS.findall(before)

"""Patterns scanned over a whole text do work linear in a long run of the characters they open with.

A pattern that opens with a repeated class (`[ \\t]+…`) is tried by `finditer` at every character of a run
of that class; if each attempt reads to the end of the run, a run of n characters costs n²/2 steps (20 kB of
" \\t" took 6 s in `compress --level aggressive`, 40 kB 26 s). The regex engine's steps cannot be counted from
Python, so the work is bounded from below by what can be observed: an attempt whose result changes with the
text after the run has read the whole run. `_run_reads` adds up the characters those attempts read, for a run
and for one twice as long; linear work about doubles, the quadratic scan quadruples.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.compress import protect, sentences

#: Doubling the run may multiply the counted work by at most this (linear: ~2; quadratic: ~4).
GROWTH_LIMIT = 2.6


def _run_reads(pattern: re.Pattern[str], before: str, unit: str, size: int, ends: tuple[str, str]) -> int:
    """The characters of the run read by the attempts started in it whose result depends on what follows it
    (one end completes a match, the other does not)."""
    run = unit * (size // len(unit))
    first, second = (before + run + end for end in ends)
    start, stop = len(before), len(before) + len(run)
    reads = 0
    for position in range(start, stop):
        one, other = pattern.match(first, position), pattern.match(second, position)
        if (one and one.span()) != (other and other.span()):
            reads += stop - position
    return reads


#: The guard a pattern opens with so that it is tried only at the first character of a run.
GUARD = "(?<![ \\t])"

#: (pattern, text before the run, run unit, (an end that completes a match after the run, one that does not))
RUNS = {
    "reason-clause-dash": (sentences._REASON_CLAUSE, "Keep it short", " \t", ("— because it matters.", "x")),
    "reason-aside": (sentences._REASON_ASIDE, "Keep it short", " \t", ("(because it matters)", "(x")),
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_work_on_a_run_grows_linearly(name: str) -> None:
    pattern, before, unit, ends = RUNS[name]
    small, large = (_run_reads(pattern, before, unit, size, ends) for size in (400, 800))
    assert 0 < large <= GROWTH_LIMIT * small, f"{name}: {small} → {large}"


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_run_still_ends_in_its_match(name: str) -> None:
    """The guard changes where attempts start, not what is found: the match still takes the whole run."""
    pattern, before, unit, ends = RUNS[name]
    text = before + unit * 50 + ends[0]
    match = pattern.search(text)
    assert match is not None and match.start() == len(before) and match.end() >= len(text) - len(ends[0]) - 1


_PIECES = [" ", "\t", " \t ", ",", " — ", "–", "(", ")", "x", "."]
_PIECES += ["because", "since", "it is", "which", "so that we can"]


@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
@settings(max_examples=300, deadline=None)
def test_guarded_patterns_find_what_the_unguarded_found(text: str) -> None:
    for pattern, *_ in RUNS.values():
        assert GUARD in pattern.pattern
        unguarded = re.compile(pattern.pattern.replace(GUARD, ""), pattern.flags)
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in unguarded.finditer(text)]


#: the fence opening as it was, giving back its run of backticks one at a time (quadratic on a long run)
_FENCE_OPENING_BACKTRACKING = re.compile(r"\n[ \t]*(`{3,}|~{3,})[^\n]*\n")


@given(st.lists(st.sampled_from(["\n", "```", "`", "~~~", "~", " ", "\t", "py", "x"]), max_size=30).map("".join))
@settings(max_examples=300, deadline=None)
def test_fence_opening_takes_the_run_whole_and_finds_what_it_found(text: str) -> None:
    padded = "\n" + text
    for position in range(len(padded)):
        new, old = protect._FENCE_OPENING.search(padded, position), _FENCE_OPENING_BACKTRACKING.search(padded, position)
        assert (new and (new.span(), new.group(1))) == (old and (old.span(), old.group(1)))


def test_a_long_run_of_backticks_is_not_a_fence_and_splits_nothing() -> None:
    # 100,000 backticks and no line break after them: given back one at a time, this took minutes
    assert list(protect._fences("`" * 100_000)) == []
    # a shorter run does not close it: the fence runs to the end
    text = "`" * 100_000 + "\nx\n```\n"
    assert list(protect._fences(text)) == [(0, len(text))]

"""What a finding's fix saves: counted on a narrow window around the edits, the same as on the whole line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.lint.rules import base
from tokcli.prompts import load_prompt
from tokcli.registry import get_tokenizer

# Words (digits, non-ASCII letters, an apostrophe) and what separates them (mostly one space, as in prose; also
# runs of spaces, line breaks, tabs, punctuation, nothing): the cuts must hold next to all of them.
_WORDS = st.sampled_from(["answer", "the", "Note", "42", "2025", "don't", "é", "naïve", "日本", "-", "x"])
_SEPARATORS = st.sampled_from([" ", " ", " ", " ", "  ", "\n", "\n\n", ", ", ". ", "\t", "", " \n"])


@st.composite
def _line_and_edits(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    """Text of words and separators; edits from one piece boundary to another (as a finding's phrase is), so
    letters, spaces and letters meet the edits' ends often."""
    pieces = []
    for _ in range(draw(st.integers(1, 30))):
        pieces += [draw(_WORDS), draw(_SEPARATORS)]
    bounds = [0]
    for piece in pieces:
        bounds.append(bounds[-1] + len(piece))
    edits = []
    index = 0
    for _ in range(draw(st.integers(1, 3))):
        if index >= len(pieces):
            break
        first = draw(st.integers(index, len(pieces)))
        last = draw(st.integers(first, min(len(pieces), first + 4)))
        edits.append((bounds[first], bounds[last], draw(st.sampled_from(["", " ", "to", "x y", "\n", "A"]))))
        index = last + 1
    return "".join(pieces), edits


@settings(max_examples=400, deadline=None)
@given(case=_line_and_edits(), encoding=st.sampled_from(["o200k_base", "cl100k_base"]))
def test_the_narrow_window_saves_what_the_whole_window_saves(
    case: tuple[str, list[tuple[int, int, str]]], encoding: str
) -> None:
    text, edits = case
    counter = get_tokenizer(encoding)
    narrow = base.Context(load_prompt("a.txt", text), counter)
    whole = base.Context(load_prompt("a.txt", text), counter)
    whole._cuttable = False  # what was counted before: the lines around the edits, whole
    segment = narrow.segments[0]
    assert narrow.edit_difference(segment, edits) == whole.edit_difference(whole.segments[0], edits)


def test_only_exact_tokenizers_with_a_known_split_pattern_count_narrow_windows() -> None:
    assert base._counts_add_up_at_cuts(get_tokenizer("o200k_base"))
    assert not base._counts_add_up_at_cuts(get_tokenizer("claude-estimate"))


def test_the_window_is_cut_before_the_nearest_space_whose_neighbours_are_not_edited() -> None:
    text = "alpha beta gamma delta epsilon"
    gamma = (text.index("gamma"), text.index("gamma") + len("gamma"))
    # " beta" keeps its letters either side; after the edit, the space before "delta" touches the edited "a"
    assert base._cut_window(text, 0, len(text), *gamma) == (text.index(" beta"), text.index(" epsilon"))
    # "beta" edited: no cut before it is left, the window starts where it did
    assert base._cut_window(text, 0, len(text), text.index("beta"), gamma[1]) == (0, text.index(" epsilon"))

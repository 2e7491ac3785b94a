"""The phrase rules' scans. A segment whose words hold none of a pattern's needles is not scanned, which is only
right if the pattern never matches such a segment; an ASCII segment is scanned lower-cased, case-sensitively,
which must find the pattern's own matches. Checked on random texts against the patterns' own matches (case
variants, the non-ASCII characters case-insensitive matching equates with ASCII letters)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lint_support import hits

from tokcli.lint.rules.base import Segment, word_runs
from tokcli.lint.rules.verbosity import (
    _FRAME,
    FILLER,
    INTENSIFIERS,
    POLITENESS,
    VERBOSE,
    Shouting,
    StackedIntensifier,
    _lower_scan,
    _matches,
    _needles,
    _phrase_pattern,
)

_PHRASE_LISTS = [POLITENESS, FILLER, list(VERBOSE), ["don't", "fast-paced", "mp3 player", "Kelvin"]]
# Pieces the texts are made of: words of the phrases in every case, blanks, punctuation, digits and the
# characters `re.IGNORECASE` matches with an ASCII letter (İ ı ſ and the Kelvin sign) or that are word
# characters next to one (é, ß).
_WORDS = sorted({word for phrases in _PHRASE_LISTS for phrase in phrases for word in phrase.split()})
_LOOK_ALIKES = {
    "i": ["I", "\u0130", "\u0131"],
    "s": ["S", "\u017f"],
    "k": ["K", "\u212a"],
    "'": ["’"],
    " ": ["\n", "  "],
}


@st.composite
def _phrase_variant(draw: st.DrawFn) -> str:
    """A whole phrase of one list, some characters swapped for what matches them case-insensitively."""
    phrase = draw(st.sampled_from([phrase for phrases in _PHRASE_LISTS for phrase in phrases]))
    swaps = draw(st.lists(st.booleans(), min_size=len(phrase), max_size=len(phrase)))
    return "".join(
        draw(st.sampled_from(_LOOK_ALIKES.get(char.lower(), [char.upper()]))) if swap else char
        for char, swap in zip(phrase, swaps)
    )


_PIECES = st.one_of(
    _phrase_variant(),
    _phrase_variant(),
    st.sampled_from(_WORDS),
    st.sampled_from(_WORDS).map(str.upper),
    st.sampled_from(_WORDS).map(str.title),
    st.sampled_from([" ", "  ", "\n", "\t", ", ", ". ", "'", "’", "-", "7", "_", "\0", "é", "ß"]),
    st.sampled_from(["\u0130", "\u0131", "\u017f", "\u212a", "\u0130t", "\u017fay", "\u212aindly", "l\u0131ke"]),
    st.sampled_from(INTENSIFIERS),
    st.text(alphabet="abcdeiklnorstuyIKST ’'", max_size=6),
)
_TEXTS = st.lists(_PIECES, max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_TEXTS, which=st.integers(0, len(_PHRASE_LISTS) - 1))
def test_a_phrase_pattern_matches_only_where_a_needle_is_a_word(text: str, which: int) -> None:
    phrases = tuple(_PHRASE_LISTS[which])
    needles = _needles(phrases)
    assert needles is not None
    if _phrase_pattern(list(phrases)).search(text) is not None:
        assert not needles.isdisjoint(word_runs(text))


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS)
def test_stacked_intensifiers_match_only_where_an_intensifier_is_a_word(text: str) -> None:
    needles = _needles(tuple(INTENSIFIERS))
    assert needles is not None
    if StackedIntensifier._pattern.search(text) is not None:
        assert not needles.isdisjoint(word_runs(text))


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ABCDEOUN'’ ,;\t\nxy\0_7", max_size=40))
def test_a_capitals_run_holds_the_shouting_prefilter(text: str) -> None:
    if Shouting._caps_run.search(text) is not None:
        assert Shouting._capitals.search(text) is not None


def test_word_runs_see_letters_as_case_insensitive_matching_does() -> None:
    assert word_runs("It's a \u212aINDLY \u0130tem, fast-paced mp3") == {
        "it",
        "s",
        "a",
        "kindly",
        "item",
        "fast",
        "paced",
        "mp",
    }
    assert word_runs("\u017fure caf\u00e9") == {"sure", "caf"}


def test_phrases_without_ascii_letters_have_no_prefilter() -> None:
    assert _needles(("naïve", "please")) is None
    assert _needles(("...",)) is None
    assert _needles(("could you please", "don't")) == {"please", "don"}


def test_rules_still_find_phrases_in_non_ascii_case_variants() -> None:
    # "\u212a" (Kelvin) is matched by "k" case-insensitively: the prefilter must not hide "Kindly" written so
    assert [code for _, _, code in hits("\u212aindly summarize the text below.\n", "TK301", dedent=False)] == ["TK301"]
    assert hits("This is very very important.\n", "TK305", dedent=False) == [(1, 9, "TK305")]
    assert hits("This is important.\n", "TK305", dedent=False) == []


_SCANNED = [
    _phrase_pattern(POLITENESS),
    _phrase_pattern(FILLER),
    _phrase_pattern(list(VERBOSE)),
    _FRAME,
    StackedIntensifier._pattern,
]
_ALL_PHRASES = [phrase for phrases in _PHRASE_LISTS for phrase in phrases if phrase.isascii()]


@st.composite
def _phrase_in_any_case(draw: st.DrawFn) -> str:
    """A phrase between blanks, each letter in either case."""
    phrase = draw(st.sampled_from(_ALL_PHRASES))
    upper = draw(st.lists(st.booleans(), min_size=len(phrase), max_size=len(phrase)))
    return " " + "".join(char.upper() if flip else char for char, flip in zip(phrase, upper)) + " "


_ASCII_PIECES = st.one_of(
    _phrase_in_any_case(),
    _phrase_in_any_case(),
    _phrase_variant().map(lambda text: text.encode("ascii", "ignore").decode()),
    st.sampled_from(_WORDS).map(str.upper),
    st.sampled_from([*INTENSIFIERS, "it is very important to note that", "make sure to", "as mentioned above"]),
    st.sampled_from([" ", "\n", "\t", ", ", ". ", "'", "-", "7", "_", "\0", "x", "A"]),
    st.text(alphabet="abeilnorstuyIT '\0.", max_size=6),
)


@settings(max_examples=600, deadline=None)
@given(pieces=st.lists(_ASCII_PIECES, max_size=40), which=st.integers(0, len(_SCANNED) - 1))
def test_the_lower_cased_scan_finds_what_the_pattern_finds(pieces: list[str], which: int) -> None:
    text = "".join(pieces)
    pattern = _SCANNED[which]
    assert _lower_scan(pattern) is not None
    segment = Segment(text, 0, 1)
    expected = [(match.span(), match.group()) for match in pattern.finditer(segment.masked)]
    assert [(match.span(), match.group()) for match in _matches(segment, pattern)] == expected


def test_patterns_a_lower_cased_scan_would_change_keep_their_own_scan() -> None:
    import re

    assert _lower_scan(re.compile(r"(?<![\w\0])a\S+", re.IGNORECASE)) is None  # \S lower-cased is \s
    assert _lower_scan(re.compile("(?<![\\w\\0])\u212aelvin", re.IGNORECASE)) is None
    assert _lower_scan(Shouting._caps_run) is None  # case-sensitive
    text = "Use \u212aINDLY and kindly.\n"  # not ASCII: the pattern's own scan
    assert [match.group() for match in _matches(Segment(text, 0, 1), _phrase_pattern(POLITENESS))] == [
        "\u212aINDLY",
        "kindly",
    ]

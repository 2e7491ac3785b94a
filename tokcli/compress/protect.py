"""Protected spans: the parts of a prompt that compression must leave byte-for-byte.

Template tags (with their whitespace-control markers), front matter, code fences, inline code, JSON and YAML
examples, quoted strings, URLs, paths, numbers, identifiers, named entities and negation/constraint words are
found here. Everything else is static prose that the transforms may rewrite.

Block-level spans (templates, fences, JSON, YAML) are found first; one combined regex then scans the prose
between them, so the spans come out sorted and non-overlapping without a sort over every word.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any, NamedTuple

from tokcli import forked
from tokcli.phrases import EXAMPLE_TAG_NAME
from tokcli.prompts import Span

#: Kinds whose text may change under a semantic check (JSON is minified by the `minify_json` transform).
SEMANTIC_KINDS = frozenset({"json"})


class ProtectedSpan(NamedTuple):
    """A half-open range [start, end) of `text` that compression keeps (JSON: keeps equal as JSON).

    A named tuple: large prompts have tens of thousands of spans, made twice per run."""

    start: int
    end: int
    kind: str
    text: str


# A fence's opening line (with its line break), searched in "\n" + text so that the engine jumps between line
# breaks; its closing line starts with the same run of backticks or tildes (else the fence runs to the end). Any
# indentation, as lint reads it: a fence nested in a list item ("  - Output:\n    ```") is indented four spaces
# or more, and what it holds is often the very text the model is to write. The run is taken whole (a lookahead
# captures it, the engine does not go back into it): giving it back a character at a time, each time reading
# the rest of the line again, made a long run with no line break after it quadratic.
_FENCE_OPENING = re.compile(r"\n[ \t]*(?=(`{3,}|~{3,}))\1[^\n]*\n")
_FENCE_CLOSINGS: dict[str, re.Pattern[str]] = {}
_YAML_KEY = r"[ \t]*(?:-[ \t]+)?[a-z_][\w.-]*:(?:[ \t]+\S[^\n]*)?"
# starts with the line break before the block (searched in "\n" + text): the engine jumps between line breaks
# instead of trying `^` at every position
# A block is a key line and the lines after it that are key lines or indented; found line by line (one regex
# repeating over a block of megabytes keeps backtracking state for every line).
_YAML_FIRST = re.compile(rf"\n(?P<m>{_YAML_KEY}\n)")
_YAML_NEXT = re.compile(rf"(?:{_YAML_KEY}|[ \t]+\S[^\n]*)(?:\n|\Z)")
_YAML_KEY_LINE = re.compile(rf"^{_YAML_KEY}$", re.M)
# one literal first character each (a class or alternation first makes the engine try every position)
_JSON_STARTS = (
    re.compile(r"\{(?<![^\s:=(]\{)(?=\s*[\"}])"),
    re.compile(r"\[(?<![^\s:=(]\[)(?=\s*[\"{\[\]\d-])"),
)
_PROMPTY_ROLE = re.compile(r"^[ \t]*(?:system|user|assistant|developer|tool)[ \t]*:[ \t]*$", re.M | re.I)
# A speaker's turn in an example conversation ("User: Please could you …", or "Assistant:" on a line of its
# own with the turn on the lines below): what the speaker says is example data, kept as written. Searched in
# "\n" + text; group "same" is the rest of a labelled line, group "below" a label alone on its line.
# (and the fields of an example's input and output: "Review: It is very important to note that I love it!" is the
# reviewer's text, which a few-shot example shows as written)
_SPEAKERS = (
    "user", "human", "assistant", "ai", "customer", "client", "agent", "bot", "chatbot", "model", "guest", "caller",
    "patient", "student", "learner", "tutor", "visitor", "employee", "candidate", "buyer", "lead", "prospect", "q", "a",
    "review", "query", "question", "input", "text", "email", "message", "document", "transcript", "comment", "ticket",
    "sentence", "tweet", "post", "response", "reply", "answer", "ground truth", "history",
    # the steps of an agent's example trace ("THOUGHT: I need to …", "Observation: …")
    "thought", "observation",
)  # fmt: skip
# a word before the speaker that says whose or which ("AGENT_RESPONSE:", "Expected answer:", "CONVERSATION_HISTORY:"),
# and "turn" after it ("User turn 2:", with the turn on the lines below)
_SPEAKER_QUALIFIERS = (
    "expected", "final", "agent", "user", "assistant", "model", "ai", "tool", "conversation", "chat", "original",
    "predicted", "generated", "actual", "good", "bad", "correct", "incorrect", "candidate",
)  # fmt: skip


def _by_first_letter(words: Iterable[str]) -> dict[str, list[str]]:
    """First letter → the rests of the words that begin with it (escaped for a regex, longest first): the
    groups the patterns below are made of, so the engine tries one group per position, not every word."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words, key=len, reverse=True):
        groups.setdefault(word[0], []).append(re.escape(word[1:]))
    return groups


def _any_case(words: Iterable[str]) -> str:
    """Regex source for any of `words` in any case, grouped by a first-letter class ("[Uu](?i:ser)|…"): the
    engine checks that class before trying a group (a case-insensitive pattern would try every word)."""
    groups = _by_first_letter(words)
    return "|".join(f"[{letter.upper()}{letter}](?i:{'|'.join(rests)})" for letter, rests in groups.items())


_SPEAKER_LABEL = re.compile(
    # (the indent is taken whole, as an atomic group would: a deeply indented line is not tried at every blank)
    rf"\n(?=(?P<indent>[ \t>]*))(?P=indent)(?:[-*+][ \t]+)?(?:\*\*|__)?(?:(?:[Ee]xample|[Ss]ample)[ \t]*\d*[ \t]+)?"
    rf"(?:(?:{_any_case(_SPEAKER_QUALIFIERS)})[ _])?(?:{_any_case(_SPEAKERS)})(?:[ _][Tt](?i:urn))?"
    r"(?:[ \t]+\d{1,2})?(?:\*\*|__)?[ \t]*:(?:\*\*|__)?(?:[ \t]+(?P<same>\S[^\n]*)|[ \t]*(?P<below>(?=\n)))"
)
# the turn below a label alone on its line: its lines up to a blank line, the next label or a heading
_TURN_LINES = re.compile(r"(?:\n(?![ \t]*(?:\n|\Z|#))[^\n]+)+")

#: Negation and constraint words, by first letter. Multi-word forms first so "must not" is one span.
_NEGATION_WORDS = {
    "n": "ot|ever|one|or|o",
    "m": "ust[ \\t]+not|ust",
    "d": "o[ \\t]+not|oes[ \\t]+not|id[ \\t]+not",
    "s": "hould[ \\t]+not",
    "c": "an[ \\t]+not|annot",
    "a": "t[ \\t]+least|t[ \\t]+most",
    "o": "nly",
    "e": "xcept",
    "u": "nless",
    "w": "ithout",
}


class AfterNonWord:
    """Patterns for `body` (group "m") right after a non-word character, for `iter_after_non_word`: `ascii`
    after an ASCII non-word character, `other` after any other. Starting at a non-word character lets the
    engine skip the letters inside words without trying a match there, and an ASCII character class is
    checked much faster than `[^\\w]` (the second class rejects ASCII characters at once).

    Each is compiled on first use (compiling them all took ~85 ms of every `compress` start-up): a run needs
    only some of them, and `other` only for text with a non-ASCII character."""

    __slots__ = ("_ascii", "_other", "body")

    def __init__(self, body: str) -> None:
        self.body = body
        self._ascii: re.Pattern[str] | None = None
        self._other: re.Pattern[str] | None = None

    @property
    def ascii(self) -> re.Pattern[str]:
        if self._ascii is None:
            self._ascii = re.compile(f"[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\x7f](?P<m>{self.body})")
        return self._ascii

    @property
    def other(self) -> re.Pattern[str]:
        if self._other is None:
            self._other = re.compile(f"[^\\x00-\\x7f\\w](?P<m>{self.body})")
        return self._other

    def other_for(self, text: str) -> re.Pattern[str] | None:
        """`other`, or None when `text` is ASCII (where it cannot match)."""
        return None if text.isascii() else self.other


def after_non_word(body: str) -> AfterNonWord:
    return AfterNonWord(body)


def iter_after_non_word(patterns: AfterNonWord, padded: str) -> Iterator[re.Match[str]]:
    """Matches of `patterns` (see `after_non_word`) in `padded` (the text after one padding space): what one
    pattern `[^\\w](?P<m>body)` would find left to right, each search starting at the last character of the
    previous match (which may be the non-word character in front of the next one). Together the two classes
    are exactly `[^\\w]`; the next match is the earlier of the two patterns' next matches."""
    ascii_pattern, other_pattern = patterns.ascii, patterns.other_for(padded)
    position = 0
    ascii_match = ascii_pattern.search(padded)
    other_match = other_pattern.search(padded) if other_pattern is not None else None
    while ascii_match is not None or other_match is not None:
        if other_match is None or (ascii_match is not None and ascii_match.start() < other_match.start()):
            match = ascii_match
        else:
            match = other_match
        assert match is not None
        yield match
        position = match.end() - 1
        if ascii_match is not None and ascii_match.start() < position:
            ascii_match = ascii_pattern.search(padded, position)
        if other_match is not None and other_pattern is not None and other_match.start() < position:
            other_match = other_pattern.search(padded, position)


# Negation words are matched in the case-folded text (`fold`) after a non-word character (see `after_non_word`).
_NEGATION_BODY = "|".join(f"{c}(?:{rest})" for c, rest in _NEGATION_WORDS.items())
_NEGATION = after_non_word(f"(?:{_NEGATION_BODY})\\b")
_CONTRACTION = re.compile(r"n['’]t\b")  # in case-folded text
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_TOKEN_CHARS = _WORD_CHARS | {"-"}
_EMAIL_CHARS = _WORD_CHARS | {".", "+", "-"}

#: Capitalised words that do not begin a named entity (sentence openers), and the small words that may join
#: the capitalised words of one ("Bank of America"): shared with the transforms, which avoid making entities.
ENTITY_STOPWORDS = [
    "Please",
    "The",
    "A",
    "An",
    "You",
    "Your",
    "We",
    "Our",
    "I",
    "If",
    "When",
    "It",
    "This",
    "That",
    "These",
    "Those",
    "Always",
    "Never",
    "Do",
    "Be",
    "Use",
    "Make",
    "Note",
    "Remember",
    "And",
    "Or",
    "But",
    "For",
    "In",
    "On",
    "At",
    "To",
    "With",
    "As",
    "Each",
    "Every",
    "All",
    "Any",
    "Then",
    "Also",
    "Only",
    "Not",
    "No",
    "Hello",
    "Hi",
    "Dear",
    "Thanks",
    "Thank",
    # words that open a sentence rather than a name ("Okay I think …", "So We …")
    "Okay",
    "Ok",
    "So",
    "Now",
    "Yes",
    "Well",
    "Oh",
    "Hey",
    "Sure",
    "Just",
    "Here",
    "There",
    "Finally",
    "First",
    "Next",
    # nor do the words that open a clause or a question ("Where the Assistant is unsure", "Should Acme …")
    "Where",
    "What",
    "How",
    "Why",
    "Who",
    "Which",
    "Since",
    "While",
    "Because",
    "Although",
    "Unless",
    "Until",
    "After",
    "Before",
    "Once",
    "Whether",
    "Should",
    "Would",
    "Could",
    "Can",
    "Is",
    "Are",
    "Does",
    "Did",
    "However",
    "Otherwise",
    "Instead",
    "Sometimes",
    "Today",
]
ENTITY_JOINERS = "of|the|and|for|de|la|van|von|der|du"


def _rest_of_words(words: list[str]) -> str:
    """Regex source matching, right after a word's first letter, the rest of one of `words` (a lookbehind
    checks the first letter): the entity pattern matches its first letter before looking at the word."""
    groups = _by_first_letter(words)
    return "|".join(f"(?<={letter})(?:{'|'.join(rests)})\\b" for letter, rests in groups.items())


_AFTER_FIRST_LETTER_OF_STOPWORD = _rest_of_words(ENTITY_STOPWORDS)
# English words written in capitals for emphasis ("We are SO excited", "this is REALLY important"), not
# acronyms: alone they are prose (in a run of capitalised words they still make a name or a heading)
_EMPHASIS_CAPITALS = [
    "SO", "REALLY", "VERY", "SUPER", "EXTREMELY", "TOTALLY", "ABSOLUTELY", "DEFINITELY", "TRULY", "SERIOUSLY",
    "HUGE", "LOVE", "EXCITED", "AMAZING", "AWESOME", "IMPORTANT", "CRITICAL", "CRUCIAL", "ESSENTIAL", "VITAL",
    "CAREFUL", "CAREFULLY", "EXACTLY", "ALWAYS", "EVERY", "ALL", "MUCH", "WAY", "BIG",
]  # fmt: skip
_AFTER_FIRST_LETTER_OF_EMPHASIS = _rest_of_words(_EMPHASIS_CAPITALS)

# Each pattern begins with a literal or a small character class so the engine skips ahead fast; the checks
# on the preceding character are lookbehinds placed after that first character.
_URL_END = r"[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}]"
_PATTERNS: list[tuple[str, re.Pattern[str] | tuple[re.Pattern[str], ...]]] = [
    ("code", re.compile(r"`[^`\n]+`")),
    ("url", re.compile(r"www\.(?<![\w.]www\.)" + _URL_END)),
    ("quoted", (re.compile(r"\"[^\"\n]{1,300}\""), re.compile(r"“[^”\n]{1,300}”"))),  # see `_first_of`
    ("quoted", re.compile(r"'(?<![\w'’].)[^'\n]{1,300}'(?![\w'’])")),
    ("path", re.compile(r"/(?<![\w/~.]/)[\w.-]+(?:/[\w.-]+)*/?")),
    ("path", re.compile(r"~(?<![\w/~.]~)/[\w.-]+(?:/[\w.-]+)*/?")),
    ("path", re.compile(r"\.(?<![\w/~.]\.)\.?/[\w.-]+(?:/[\w.-]+)*/?")),
    ("path", re.compile(r"-(?<![\w-].)-?[A-Za-z][\w-]*")),
    (
        "entity",
        re.compile(
            rf"[A-Z](?<!\w.)(?!{_AFTER_FIRST_LETTER_OF_STOPWORD})"
            # the pronoun "I" goes on no name ("Okay I think", "Today I")
            rf"(?:[\w'’&-]*(?:[ \t]+(?:(?:{ENTITY_JOINERS})[ \t]+)?(?!I\b)[A-Z][\w'’&-]*)+"
            rf"|(?!{_AFTER_FIRST_LETTER_OF_EMPHASIS})[A-Z]+[A-Z0-9]*s?\b)"
        ),
    ),
]
_SCHEME = re.compile(r"://" + _URL_END)
_SCHEMES = ("http", "https", "ftp", "file", "HTTP", "HTTPS")
_DOTTED = re.compile(r"\.(?<=\w\.)(?=[A-Za-z_])")
_DOTTED_TAIL = re.compile(r"[\w-]*(?:\.[A-Za-z_][\w-]*)*(?<=\w)")
_UNDERSCORE = re.compile(r"__*")  # a literal first: the engine jumps between underscores
_CAMEL = re.compile(r"[A-Z](?<=[a-z0-9][A-Z])")
_DIGITS = re.compile(r"\d\d*")  # a class first (not a repeat): the engine skips to digits
_NUMBER_TAIL = re.compile(r"[\w.,:/%-]*[\w%]|")
_WORD_TAIL = re.compile(r"\w*")
_EMAIL_TAIL = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_LIST_MARKER_TAIL = re.compile(r"[.)][ \t]")
# "5.1 The Assistant shall …": a legal clause's number, as a list marker is
_CLAUSE_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2}){1,3}\.?[ \t]+(?=[A-Z])")


_FOLDED: dict[str, str] = {}  # large texts → their folds, for the transforms that fold the same text in turn
_FOLD_CACHE_SIZE = 4
_FOLD_CACHE_MIN = 65_536


def fold(text: str) -> str:
    """`text` lower-cased for case-insensitive matching with plain patterns, every offset kept.

    Like `re.IGNORECASE`, the dotted and dotless I and the long s count as i and s (İ, the one character
    whose lower case is two characters, would otherwise shift every offset after it). Folds of large texts
    recorded with `remember_fold` are looked up instead of computed.
    """
    cached = _FOLDED.get(text) if len(text) >= _FOLD_CACHE_MIN else None
    if cached is not None:
        return cached
    folded = text.lower()
    if len(folded) != len(text):
        folded = text.replace("\u0130", "I").lower()
    if "\u0131" in folded:
        folded = folded.replace("\u0131", "i")
    if "\u017f" in folded:
        folded = folded.replace("\u017f", "s")
    return folded


def remember_fold(text: str, folded: str) -> None:
    """Record `folded` as `fold(text)` (built alongside `text` from folded pieces, so cheaper than folding)."""
    if len(text) >= _FOLD_CACHE_MIN:
        while len(_FOLDED) >= _FOLD_CACHE_SIZE:
            _FOLDED.pop(next(iter(_FOLDED), ""), None)
        _FOLDED[text] = folded


def known_fold(text: str) -> str | None:
    """`fold(text)` when it is at hand (remembered), else None."""
    return _FOLDED.get(text) if len(text) >= _FOLD_CACHE_MIN else None


def forget_folds() -> None:
    _FOLDED.clear()


def _negation_words(folded: str) -> list[tuple[int, int]]:
    """(start, end) of every negation/constraint word (contractions aside) in case-folded text.

    What `iter_after_non_word(_NEGATION, " " + folded)` finds, with `finditer` between the (rare) matches after
    a non-ASCII character: a word ends with a letter, so no match can start at a match's last character,
    and a match after an ASCII character holds ASCII characters only, so none after a non-ASCII one starts
    inside it (the reverse can happen: "\u00a0must not" holds " not", which is skipped)."""
    padded = " " + folded
    ascii_pattern, other_pattern = _NEGATION.ascii, _NEGATION.other_for(padded)
    found: list[tuple[int, int]] = []
    position = 0
    while True:
        other = other_pattern.search(padded, position) if other_pattern is not None else None
        for match in ascii_pattern.finditer(padded, position):
            if other is not None and match.start() > other.start():
                break
            found.append((match.start("m") - 1, match.end("m") - 1))
        if other is None:
            return found
        found.append((other.start("m") - 1, other.end("m") - 1))
        position = other.end()


def find_protected_spans(
    text: str,
    *,
    template_spans: Iterable[tuple[int, int]] = (),
    extra_spans: Iterable[tuple[int, int, str]] = (),
    prompty: bool = False,
    negations: list[tuple[int, int]] | None = None,
    lines: list[tuple[int, int, str]] | None = None,
    line_memo: LineMemo | None = None,
) -> list[ProtectedSpan]:
    """Every protected span of `text`, sorted and non-overlapping (overlaps are merged).

    When `negations` is a list, the (start, end) of every negation/constraint word is appended to it (the
    same words `iter_negations` finds), so a caller can count them without scanning again. `lines` are
    `line_spans(text)` when already known (see `reuse_line_spans`); else a long text's are found through
    `line_memo` when given (see `known_line_spans`: without the spans its blocks hold, the same outcome).
    """
    blocks = block_spans(text, template_spans=template_spans, extra_spans=extra_spans, prompty=prompty)
    if lines is None:
        if line_memo is not None and len(text) >= LINE_MEMO_MIN_CHARS:
            lines = known_line_spans(text, line_memo, blocks)
        else:
            lines = line_spans(text)
    if negations is not None:
        negations.extend((start, end) for start, end, kind in lines if kind == "negation")
    merged = _merge(blocks + lines)
    del blocks, lines  # (what merging kept of them is in `merged`)
    # Made from the last, each range dropped as its span is made: a result of a long template has hundreds of
    # thousands, and both lists whole at once were the top of compress's peak memory.
    merged.reverse()
    make = tuple.__new__  # `ProtectedSpan(...)` without its Python-level `__new__`: tens of thousands per text
    return [make(ProtectedSpan, (start, end, kind, text[start:end])) for start, end, kind in _drained(merged)]


def _drained(items: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    """`items` from the last, each taken out of the list as it is handed on."""
    while items:
        yield items.pop()


def block_spans(
    text: str,
    *,
    template_spans: Iterable[tuple[int, int]] = (),
    extra_spans: Iterable[tuple[int, int, str]] = (),
    prompty: bool = False,
) -> list[tuple[int, int, str]]:
    """The block-level protected spans of `text` (template tags, `extra_spans`, code fences, JSON and YAML
    examples, prompty role lines), sorted and merged: `find_protected_spans` without the spans within lines."""
    blocks: list[tuple[int, int, str]] = [(start, end, "template") for start, end in template_spans]
    if blocks and ("---" in text or "===" in text or "***" in text):
        blocks.extend(_delimiters(text, blocks))
    blocks.extend(extra_spans)
    if "```" in text or "~~~" in text:
        blocks.extend((start, end, "code_fence") for start, end in _fences(text))
    if prompty:
        blocks.extend((m.start(), m.end(), "role") for m in _PROMPTY_ROLE.finditer(text))
    if ":" in text:
        front_matter = max((end for _, end, kind in blocks if kind == "front_matter"), default=0)
        blocks.extend(_example_turns(text, front_matter))
    if "<" in text:
        blocks.extend(_example_tags(text))
    if ":" in text:
        blocks.extend(_example_letters(text))
        blocks.extend(_example_code(text))
    blocks.extend(foreign_prose(text))
    blocks = _merge(blocks)
    found_json = _json_spans(text, blocks)
    blocks = _merge(blocks + found_json)
    if "#" in text:
        # an example section's JSON is still minified (whitespace only, the value checked equal): it is left out
        blocks = _merge(blocks + list(_outside(_example_sections(text), found_json)))
    padded = "\n" + text
    for start, end in _yaml_blocks(padded):
        # two key lines make it YAML (not a list of every one: a block may be megabytes long)
        keys = _YAML_KEY_LINE.finditer(padded, start, end)
        if next(keys, None) is not None and next(keys, None) is not None:
            blocks.append((start - 1, end - 1, "yaml"))
    # a block keeps its final newline outside, so the next line still starts a sentence for the transforms
    return [
        (start, end - 1 if end - start > 1 and text[end - 1] == "\n" else end, kind)
        for start, end, kind in _merge(blocks)
    ]


# Function words of other languages written with Latin letters (French, Spanish, German, Italian, Portuguese,
# Dutch) that English text does not use as words: the rules are English, and on other languages they do harm
# (French "Utilise" is not "utilise", and at `aggressive` French "a" is "has", not an article).
_FOREIGN_WORDS = [
    "le", "la", "les", "des", "du", "de", "une", "est", "sont", "avec", "dans", "sur", "pas", "ne", "que", "qui",
    "il", "elle", "nous", "vous", "tu", "je", "au", "aux", "ce", "cette", "ces", "mais", "toujours", "jamais",
    "très", "aussi", "être", "avoir", "fait", "el", "los", "las", "es", "para", "con", "por", "una", "su", "sus",
    "siempre", "nunca", "pero", "como", "muy", "también", "está", "están", "der", "die", "das", "und", "ist",
    "sind", "für", "mit", "zu", "auf", "nicht", "ein", "eine", "einen", "dem", "den", "im", "zum", "zur", "sich",
    "immer", "nie", "oder", "aber", "auch", "wenn", "wie", "werden", "wird", "kein", "keine", "gli", "della",
    "delle", "che", "sono", "è", "não", "uma", "com", "os", "em", "het", "een", "niet", "voor", "ook", "en"
]  # fmt: skip


# searched in "\n" + text; a blank or an opening mark first (a class first lets the engine skip ahead)
_FOREIGN_WORD = re.compile(
    r"[ \t\n(\"'«¿¡](?:"
    + "|".join(letter + "(?:" + "|".join(rests) + ")" for letter, rests in _by_first_letter(_FOREIGN_WORDS).items())
    + r")(?![\w-])"
)
_ENGLISH_WORD = re.compile(
    r"(?<![\w-])(?:the|and|of|to|is|are|you|your|that|with|for|this|be|it|not|or|if|when|should|must|will|can|an|as|at"
    r"|by|from|have|has|they|we|our|their|what|which|who|always|never|only|please|do|does|any|all|each|every|in|on)"
    r"(?![\w-])"
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_PROSE_LINE = re.compile(r"[^\s][^\n]*")


def foreign_prose(text: str) -> list[tuple[int, int, str]]:
    """The lines of the paragraphs written in another language than English, kept as they are: a paragraph
    whose function words are those of another language (at least two, and more than twice its English ones),
    and, in a text written mostly in another language, every paragraph too short to tell."""
    hits = [match.start() for match in _FOREIGN_WORD.finditer("\n" + text)]  # (the offset of the mark before)
    if not hits:
        return []
    breaks = [match.end() for match in _PARAGRAPH_BREAK.finditer(text)]
    starts = [0, *breaks]
    ends = [match.start() for match in _PARAGRAPH_BREAK.finditer(text)] + [len(text)]
    by_paragraph: dict[int, int] = {}
    for hit in hits:
        index = bisect.bisect_right(starts, hit) - 1
        by_paragraph[index] = by_paragraph.get(index, 0) + 1
    # (English words counted only until they outnumber half the foreign ones: an English text stops at once)
    english_words = itertools.islice(_ENGLISH_WORD.finditer(text), len(hits) // 2 + 1)
    mostly_foreign = sum(1 for _ in english_words) * 2 < len(hits)
    found: list[tuple[int, int, str]] = []
    for index, (start, end) in enumerate(zip(starts, ends)):
        foreign = by_paragraph.get(index, 0)
        if foreign < 2 and not mostly_foreign:
            continue
        english = len(_ENGLISH_WORD.findall(text, start, end))
        if (foreign >= 2 and foreign > 2 * english) or (mostly_foreign and foreign + english < 2):
            found.extend((m.start(), m.end(), "foreign") for m in _PROSE_LINE.finditer(text, start, end))
    return found


def _yaml_blocks(padded: str) -> Iterator[tuple[int, int]]:
    """(start, end) in `padded` ("\n" + text) of each run of a key line and at least one more key or indented
    line (its last line break included)."""
    position = 0
    while True:
        first = _YAML_FIRST.search(padded, position)
        if first is None:
            return
        end = first.end()
        while end < len(padded):
            following = _YAML_NEXT.match(padded, end)
            if following is None:
                break
            end = following.end()
        if end == first.end():  # a key line alone: the next one may start at its line break
            position = first.end() - 1
            continue
        yield first.start("m"), end
        position = end - 1  # a block ends with its line break, where the next one may start


def _example_turns(text: str, after: int = 0) -> Iterator[tuple[int, int, str]]:
    """What the speakers of example conversations say: the rest of a "User: …" line, and the lines below a
    speaker label alone on its line up to a blank line, a heading or the next speaker label. Only labels from
    `after` on are looked at (a front matter's `model:` key is no speaker)."""
    padded = "\n" + text
    match = _SPEAKER_LABEL.search(padded, after)
    while match is not None:
        if match.group("same") is not None:
            yield match.start("same") - 1, match.end("same") - 1, "example"
            resume = match.end()
        else:
            turn = _TURN_LINES.match(padded, match.end())
            resume = match.end()
            if turn is not None:
                end = turn.end()
                label = _SPEAKER_LABEL.search(padded, match.end(), end)
                if label is not None:
                    end = label.start()
                if end > match.end():
                    yield match.end(), end - 1, "example"
                    resume = end
        match = _SPEAKER_LABEL.search(padded, resume)


# An example set in XML-like tags ("<example>", "<good_example>", "<example_response>", "<sample_output>"), the
# way prompt guides recommend showing one: what is inside is shown to the model as written (an example email keeps
# its greeting and its "Thank you so much!").
_EXAMPLE_TAG = re.compile(rf"<(?P<name>{EXAMPLE_TAG_NAME})[^<>\n]*>", re.I)


def _example_tags(text: str) -> Iterator[tuple[int, int, str]]:
    """The span from each opening example tag to the end of its closing tag (an unclosed one protects nothing)."""
    position = 0
    unclosed: set[str] = set()  # names with no closing tag further on (each is looked for once)
    while (match := _EXAMPLE_TAG.search(text, position)) is not None:
        position = match.end()
        name = match.group("name")
        closing = -1 if name in unclosed else text.find(f"</{name}>", match.end())
        if closing < 0:
            unclosed.add(name)
            continue
        end = closing + len(name) + 3
        yield match.start(), end, "example"
        position = end


_SEPARATOR_LINE = re.compile(r"[ \t]*(?:-{3,}|={3,}|\*{3,}|_{3,}|~{3,})[ \t]*")


def _delimiters(text: str, tags: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    """The separator lines that fence off a line holding only template tags ("Task:\n{{task}}\n---\nYou're
    helping …"): the line after the variable marks where the inserted text ends and the instructions go on.
    `tags` are sorted; each line is looked at once."""
    index = 0
    while index < len(tags):
        line_start = text.rfind("\n", 0, tags[index][0]) + 1
        line_end = text.find("\n", tags[index][1])
        line_end = len(text) if line_end < 0 else line_end
        position, only_tags = line_start, True
        while index < len(tags) and tags[index][0] < line_end:
            only_tags = only_tags and not text[position : tags[index][0]].strip(" \t")
            position = max(position, tags[index][1])
            index += 1
        if not only_tags or text[position:line_end].strip(" \t") or position > line_end:
            continue
        for line in (_line_before(text, line_start), _line_after(text, line_end + 1)):
            if line is not None and _SEPARATOR_LINE.fullmatch(text, *line):
                yield line[0], line[1], "delimiter"


def _line_before(text: str, line_start: int) -> tuple[int, int] | None:
    """(start, end) of the last line before `line_start` that is not blank."""
    end = line_start - 1
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        if text[start:end].strip(" \t"):
            return start, end
        end = start - 1
    return None


def _line_after(text: str, start: int) -> tuple[int, int] | None:
    """(start, end) of the first line from `start` (a line start) on that is not blank."""
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if text[start:end].strip(" \t"):
            return start, end
        start = end + 1
    return None


# a markdown heading: "## Title", or a title line over a line of "=" (level 1) or "-" (level 2), not a list item's
_HEADING_LINE = re.compile(
    r"^[ \t]{0,3}(?:(?P<hashes>#{1,6})[ \t]+(?P<atx>[^\n]*)"
    # (the lookahead reads the line once; the title then ends at its last non-blank, with no backtracking over it)
    r"|(?=[^\n]*\n[ \t]{0,3}[=-])(?![-*+][ \t]|\d{1,9}[.)][ \t]|[=-]+[ \t]*$)(?P<setext>[^\n]*\S)[ \t]*\n"
    r"[ \t]{0,3}(?P<under>=+|-+)[ \t]*)$",
    re.M,
)
_EXAMPLE_TITLE = re.compile(r"\b(?:examples?|samples?|demonstrations?|few-shot)\b", re.I)
_EXAMPLE_PART = re.compile(
    r"\b(?:examples?|samples?|demonstrations?|few-shot|inputs?|outputs?|responses?|answers?|replies|reply|"
    r"conversation|transcript|dialogue|user|assistant|customer|agent|email|message|query|question|context|result|"
    r"score|scores)\b",
    re.I,
)


def _example_sections(text: str) -> Iterator[tuple[int, int, str]]:
    """What a section headed as examples holds ("## Example", "### Example 2: a refund", "## Sample output"), up to
    the next heading of its level or higher: shown to the model as written (as `lint` reads it too)."""
    words = ("exampl", "sampl", "demonstrat", "few-shot")
    # (written in lower case somewhere, most often: the text is then not copied in lower case to look)
    if not any(word in text for word in words):
        lowered = text.lower()
        if not any(word in lowered for word in words):
            return  # most texts: no heading can name examples, and the headings are not scanned
    first = _EXAMPLE_TITLE.search(text)
    if first is None:
        return
    open_level = 0  # the level of the example heading whose section is open (0: none)
    section_start = 0
    for match in _HEADING_LINE.finditer(text, max(0, text.rfind("\n", 0, text.rfind("\n", 0, first.start())) + 1)):
        hashes = match.group("hashes")
        level = len(hashes) if hashes else 1 if match.group("under")[0] == "=" else 2
        title = match.group("atx") if hashes else match.group("setext")
        # a subsection goes on showing the example when it names a part of one ("### Input", "### Example B");
        # one that does not ("### A few more things") holds rules again
        bounds = False
        if open_level and (level <= open_level or not _EXAMPLE_PART.search(title)):
            if match.start() > section_start:
                yield section_start, match.start(), "example"
            open_level = 0
            bounds = True
        if not open_level and len(title.split()) <= 8 and _EXAMPLE_TITLE.search(title):
            open_level = level
            section_start = _after_lead_in(text, match.end() + 1)
            bounds = True
        if bounds and not hashes:
            # the line under a title that bounds an example section stays, or the section would change its end
            yield match.start("under"), match.end(), "delimiter"
    if open_level and len(text) > section_start:
        yield section_start, len(text), "example"


# An example letter: a label alone on its line ("Example email:", "Sample reply:") over a greeting line ("Hi Sam,"):
# the example is the whole letter, its paragraphs down to the sign-off and the name under it, not only the
# paragraph after the label (a blank line does not end it).
#: A label alone on its line that puts what is under it in an example ("Example:", "**Sample output:**", "Expected
#: response 2:", "Example email:"), with its line break (a pattern source, matched with re.M | re.I).
EXAMPLE_LABEL_LINE = (
    r"^[ \t>]*(?:[-*+][ \t]+)?(?:\*\*|__)?(?:good |bad |correct |incorrect |expected |sample |example )?"
    r"(?:examples?|samples?|output|response|answer|reply|email|e-mail|message|letter)(?:[ \t]+\d{1,2})?(?:\*\*|__)?:"
    r"(?:\*\*|__)?[ \t]*\n"
)
# A label line ends with its colon (bold marks and blanks aside): the lines that end so are found first (a literal
# the engine skips ahead to), and a label pattern is tried at their starts only, not at every line start.
_LABEL_LINE_END = re.compile(r":(?:\*\*|__)?[ \t]*\n")


def iter_labels(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """What `pattern.finditer(text)` finds, for a `pattern` (re.M | re.I) that starts with `EXAMPLE_LABEL_LINE`:
    a match starts at the start of a line that `_LABEL_LINE_END` ends, after the end of the match before it."""
    resume = 0
    for line_end in _LABEL_LINE_END.finditer(text):
        line_start = text.rfind("\n", 0, line_end.start()) + 1
        if line_start < resume:
            continue  # inside the match before
        match = pattern.match(text, line_start)
        if match is not None:
            yield match
            resume = match.end()


_LETTER_LABEL = re.compile(
    EXAMPLE_LABEL_LINE + r"(?=[ \t>]*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n]{0,60}\n)",
    re.M | re.I,
)
_LETTER_CLOSE = re.compile(
    r"^[ \t>]*(?:(?:(?:kind|kindest|best|warm|warmest|many|with)[ \t]+)*(?:regards|wishes|thanks)|thank you|cheers|best"
    r"|(?:yours[ \t]+)?(?:sincerely|truly|faithfully)|all the best)[ \t]*[,!.]?[ \t]*$",
    re.M | re.I,
)
_LETTER_INTERRUPTED = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]|```|~~~)", re.M)
#: How far below its label a letter's sign-off is looked for.
_LETTER_REACH = 4000


def _example_letters(text: str) -> Iterator[tuple[int, int, str]]:
    """The letters shown as examples under a label (see `_LETTER_LABEL`), from the greeting to the name under
    the sign-off; a letter whose sign-off does not come before a heading or a fence is left to the other rules."""
    for label in iter_labels(_LETTER_LABEL, text):
        start = label.end()
        reach = min(len(text), start + _LETTER_REACH)
        close = _LETTER_CLOSE.search(text, start, reach)
        if close is None:
            continue
        interrupted = _LETTER_INTERRUPTED.search(text, start, close.start())
        if interrupted is not None:
            continue
        end = close.end()
        # the signer's name and title: the lines right under the sign-off, up to a blank line
        for _ in range(3):
            following = _line_after(text, end + 1) if end < len(text) else None
            if following is None or following[0] != end + 1:
                break
            end = following[1]
        yield start, end, "example"


#: An example label alone on its line and the lines right under it, up to a blank line (the example's data).
EXAMPLE_BLOCK = re.compile(EXAMPLE_LABEL_LINE + r"(?P<block>(?:[ \t]*\S[^\n]*(?:\n|\Z))+)", re.M | re.I)
_LINE = re.compile(r"[^\n]*(?:\n|\Z)")


def _example_code(text: str) -> Iterator[tuple[int, int, str]]:
    """The code under an example label ("Example 2:" over "def f(x):"): each run of lines that look like code
    (as `markdown_code` judges a line) or are indented under one, kept byte for byte; its spacing ("x = 1  # one")
    is the example's. A JSON example is left to the JSON rules (minified, its value checked)."""
    from tokcli.markdown_code import CODE_SIGNAL, indent_width

    for match in iter_labels(EXAMPLE_BLOCK, text):
        if text[match.start("block") : match.end("block")].lstrip()[:1] in ("{", "["):
            continue
        run_start = -1
        run_indent = 0
        position = match.start("block")
        while position < match.end("block"):
            line = _LINE.match(text, position)
            assert line is not None
            body = line.group().rstrip("\n")
            code = CODE_SIGNAL.search(body) is not None
            if run_start >= 0 and not code and indent_width(body) <= run_indent:
                yield run_start, position, "code_fence"
                run_start = -1
            if run_start < 0 and code:
                run_start, run_indent = position, indent_width(body)
            position = line.end() if line.end() > position else position + 1
        if run_start >= 0:
            yield run_start, match.end("block"), "code_fence"


_NEXT_LINE = re.compile(r"[ \t\n]*(?P<line>[^\n]*)(?:\n|\Z)")


def _after_lead_in(text: str, start: int) -> int:
    """Where an example section's data starts: after the lines that announce it ("Here are two examples that
    capture our voice:", "When evaluating a multi-turn conversation, consider its context:") and the example's
    own label ("**Example A**"), which are the author's and may be edited like any sentence."""
    while (lead_in := _NEXT_LINE.match(text, start)) is not None and lead_in.group("line").strip():
        line = lead_in.group("line").strip(" \t*_#")
        if not (line.endswith(":") or (len(line.split()) <= 4 and _EXAMPLE_TITLE.search(line))):
            break
        start = lead_in.end("line")
    return start


def _outside(
    spans: Iterable[tuple[int, int, str]], holes: list[tuple[int, int, str]]
) -> Iterator[tuple[int, int, str]]:
    """The parts of each span (in order) that no hole (sorted, not overlapping) covers."""
    starts = [hole[0] for hole in holes]
    for start, end, kind in spans:
        position = start
        for hole_start, hole_end, _ in holes[max(0, bisect.bisect_right(starts, start) - 1) :]:
            if hole_start >= end:
                break
            if hole_end <= position:
                continue
            if hole_start > position:
                yield position, hole_start, kind
            position = hole_end
        if position < end:
            yield position, end, kind


def _fences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each fenced code block: from a line of three or more backticks or tildes (indented or
    not) to a line that starts with the same run, its line break included, or to the end."""
    padded = "\n" + text
    opening = _FENCE_OPENING.search(padded)
    while opening is not None:
        run = opening.group(1)
        closing_pattern = _FENCE_CLOSINGS.get(run)
        if closing_pattern is None:
            closing_pattern = _FENCE_CLOSINGS.setdefault(run, re.compile(rf"\n[ \t]*{run}[`~]*[ \t]*(?:\n|\Z)"))
        # the line break that ends the opening line may also begin the closing line
        closing = closing_pattern.search(padded, opening.end() - 1)
        end = closing.end() if closing is not None else len(padded)
        yield opening.start(), end - 1
        opening = _FENCE_OPENING.search(padded, end - 1) if end < len(padded) else None


def line_spans(text: str) -> list[tuple[int, int, str]]:
    """The spans found within single lines (negations, inline kinds, identifiers, numbers …), in the order
    `find_protected_spans` merges them.

    None of these patterns crosses a line break or looks past the line breaks around its line, and each treats
    the start and end of the text like a line break: the spans of a line depend on that line alone (a test
    checks this). `reuse_line_spans` and `known_line_spans` rely on it to scan only some lines.
    """
    return list(itertools.chain.from_iterable(line_span_groups(text)))


def line_span_groups(text: str) -> list[list[tuple[int, int, str]]]:
    """`line_spans(text)` as the lists of its scans, in order (one list per pattern, each in text order)."""
    folded = fold(text)
    groups = [[(start, end, "negation") for start, end in _negation_words(folded)]]
    for kind, pattern in _PATTERNS:
        matches = _first_of(pattern, text) if isinstance(pattern, tuple) else pattern.finditer(text)
        if kind == "entity":
            matches = (m for m in matches if not _title_in_heading(text, m))
        groups.append([(m.start(), m.end(), kind) for m in matches])
    groups.extend(_anchored(text, folded))
    return groups


#: `known_line_spans`' memory: a line's text → its spans as (scan, start, end, kind), offsets in the line.
LineMemo = dict[str, tuple[tuple[int, int, int, str], ...]]
#: Texts at least this long have their line spans found line by line through a `LineMemo` (see
#: `known_line_spans`); shorter ones in one scan (a prompt: the bookkeeping would cost more than it saves).
LINE_MEMO_MIN_CHARS = 65_536
#: Lines at least this long are scanned each time they are met, not kept in a `LineMemo`.
MEMO_LINE_MAX_CHARS = 65_536
#: Lines at least this long in all (the distinct lines a scan needs) are scanned in two halves, the second in a
#: forked child process (see `known_line_spans`).
PARALLEL_MIN_CHARS = 1_000_000


def known_line_spans(
    text: str, memo: LineMemo, blocks: list[tuple[int, int, str]] | None = None
) -> list[tuple[int, int, str]]:
    """`line_spans(text)`, in the same order, scanning only the lines `memo` does not know, each distinct line
    once (the spans of a line depend on that line alone); `memo` learns the lines scanned (but very long ones). A compressed text
    keeps most lines of its original as they were, and a long document repeats many of its own lines.

    The scans of many lines run in two processes where a second CPU is there (see `line_spans_split`).

    With `blocks` (`block_spans(text)`), a span that lies inside a block is left out unless it is a negation
    word: merging puts it inside the block unchanged (see `find_protected_spans`). A JSON block of megabytes has
    one per number and string, and a template of many tags a few per tag."""
    lines = text.split("\n")
    missing = [line for line in dict.fromkeys(lines) if line not in memo]
    scanned = _scan_lines(missing) if missing else {}
    # A very long line (a minified JSON block) is not learnt: its spans, one per number and string, would stay
    # for the whole run, and such a line is seldom met again.
    memo.update(item for item in scanned.items() if len(item[0]) < MEMO_LINE_MAX_CHARS)
    # by scan, then in text order: what one scan of the text finds
    by_scan: list[list[tuple[int, int, str]]] = [[] for _ in range(_scan_count())]
    offset = 0
    inside = _InsideBlocks(blocks or [])
    blocks = blocks or []
    starts = [block[0] for block in blocks]
    for line in lines:
        spans = scanned[line] if line in scanned else memo[line]
        if spans:
            near = inside.overlaps(offset, offset + len(line))
            for scan, start, end, kind in spans:
                start += offset
                end += offset
                if kind == "negation" or not near or not _absorbed(blocks, starts, start, end):
                    by_scan[scan].append((start, end, kind))
        offset += len(line) + 1
    return list(itertools.chain.from_iterable(by_scan))


def _absorbed(blocks: list[tuple[int, int, str]], starts: list[int], start: int, end: int) -> bool:
    """Whether [start, end) lies inside the last block starting at or before it, starting before that block ends:
    merging puts it inside the block, unchanged (a span kept when this says no is merged as before)."""
    index = bisect.bisect_right(starts, start) - 1
    if index < 0:
        return False
    block_start, block_end, _ = blocks[index]
    return block_start <= start < block_end and end <= block_end


class _InsideBlocks:
    """The blocks (sorted, not overlapping) that overlap ranges asked in increasing order."""

    def __init__(self, blocks: list[tuple[int, int, str]]) -> None:
        self._blocks = blocks
        self._next = 0

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a block overlaps [start, end] (a block ending at `start` or starting at `end` too)."""
        blocks = self._blocks
        while self._next < len(blocks) and blocks[self._next][1] < start:
            self._next += 1
        return self._next < len(blocks) and blocks[self._next][0] <= end


@functools.cache
def _scan_count() -> int:
    """How many scans `line_span_groups` makes."""
    return len(line_span_groups(""))


def _scan_lines(lines: list[str]) -> LineMemo:
    """The spans of each of `lines` (distinct), found by scanning them joined by line breaks: in two halves, the
    second in a forked child process, when they are long and a second CPU is there."""
    joined = "\n".join(lines)
    split = 0
    if len(joined) >= PARALLEL_MIN_CHARS and forked.available():
        split = bisect.bisect_left(list(itertools.accumulate(len(line) + 1 for line in lines)), len(joined) // 2) + 1
    if split <= 0 or split >= len(lines):
        return _lines_memo(lines, line_span_groups(joined))
    first, second = lines[:split], lines[split:]
    child = forked.Child(lambda parent: line_span_groups("\n".join(second)))
    try:
        memo = _lines_memo(first, line_span_groups("\n".join(first)))
        try:
            groups = child.result()
        except forked.ChildFailed:
            groups = line_span_groups("\n".join(second))
    finally:
        child.close()  # after an error here: the child's pipe closes and it ends
    memo.update(_lines_memo(second, groups))
    return memo


def _lines_memo(lines: list[str], groups: list[list[tuple[int, int, str]]]) -> LineMemo:
    """Each of `lines` → its spans (scan, start, end, kind) from `groups`, the scans of `lines` joined by line
    breaks."""
    starts = list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    per_line: list[list[tuple[int, int, int, str]]] = [[] for _ in lines]
    for scan, spans in enumerate(groups):
        for start, end, kind in spans:
            index = bisect.bisect_right(starts, start) - 1
            line_start = starts[index]
            per_line[index].append((scan, start - line_start, end - line_start, kind))
    return {line: tuple(spans) for line, spans in zip(lines, per_line)}


#: A markdown heading's marks at a line start (with the blanks after them).
HEADING_START = re.compile(r"[ \t]{0,3}#{1,6}[ \t]+")


def _title_in_heading(text: str, match: re.Match[str]) -> bool:
    """A markdown heading in title case ("## A Few Final Words") is a heading, not a name: its words are prose.
    (An acronym in it, a single capitalised word, stays protected.)"""
    if " " not in match.group() and "\t" not in match.group():
        return False
    line_start = text.rfind("\n", 0, match.start()) + 1
    return HEADING_START.match(text, line_start) is not None


def line_spans_split(text: str, memo: LineMemo | None = None) -> list[tuple[int, int, str]]:
    """`line_spans(text)`, in the same order. A long text is scanned through `known_line_spans` with `memo`
    (or a new one): each distinct line once, none that `memo` knows, in two processes when the lines to scan
    are long and a second CPU is there (the spans of a line depend on that line alone)."""
    if len(text) < LINE_MEMO_MIN_CHARS:
        return line_spans(text)
    return known_line_spans(text, {} if memo is None else memo)


def _first_of(patterns: tuple[re.Pattern[str], ...], text: str) -> Iterator[re.Match[str]]:
    """What `finditer` of the alternation of `patterns` finds (each starts with its own literal character,
    so two never match at one position), with one fast literal search per pattern instead of a class."""
    pending = [pattern.search(text) for pattern in patterns]
    while True:
        found = [match for match in pending if match is not None]
        if not found:
            return
        match = min(found, key=lambda candidate: candidate.start())
        yield match
        position = match.end()
        pending = [
            pattern.search(text, position) if candidate is not None and candidate.start() < position else candidate
            for pattern, candidate in zip(patterns, pending)
        ]


MIN_REUSE = 256  # unchanged stretches shorter than this are scanned again
REUSE_MIN_SHARE = 0.4  # below this share of the text kept unchanged, `reuse_line_spans` scans it all


def reuse_line_spans(
    text: str, earlier: list[tuple[int, int, str]], earlier_length: int, copied: list[tuple[int, int, int]]
) -> list[tuple[int, int, str]]:
    """`line_spans(text)` (the same spans, in another order, but those with one start in the same order),
    computed by scanning only the lines an edit touched.

    `earlier` are the line spans of the text before the edit (sorted by start; `earlier_length` its length) and
    `copied` the ranges (start, end, shift) of `text`, sorted, that the edit left unchanged:
    `text[start:end]` equals the earlier `[start - shift:end - shift]`. A line lying inside one such range
    with the line breaks around it (or the text's start or end, on both sides) has the same spans as before,
    moved by `shift`; the lines in between are scanned again, all in one scan of them joined by line breaks
    (the spans of a line depend on that line alone).
    """
    scanned = 0  # the lines before this offset are done
    stretches: list[tuple[int, int]] = []  # (start, end) of the lines to scan again
    kept: list[tuple[int, int, int]] = []  # (first, last, shift) of the lines whose spans are moved
    length = len(text)
    for start, end, shift in copied:
        if start == 0 and shift == 0:
            first = 0
        else:
            first = text.find("\n", start, end) + 1
            if first == 0:
                continue  # no line break inside: no whole line either
        last = end if end == length and end - shift == earlier_length else text.rfind("\n", start, end)
        if last - first < MIN_REUSE:
            continue  # scanned with the changed lines around it
        if first > scanned:
            stretches.append((scanned, first - 1))
        kept.append((first, last, shift))
        scanned = last + 1
    if scanned <= length:
        stretches.append((scanned, length))
    if sum(last - first for first, last, _ in kept) < length * REUSE_MIN_SHARE:
        return line_spans_split(text)  # mostly changed: one scan of everything costs less than the stitching
    found: list[tuple[int, int, str]] = []
    starts = [span[0] for span in earlier]
    for first, last, shift in kept:
        low = bisect.bisect_left(starts, first - shift)
        high = bisect.bisect_left(starts, last - shift)
        found.extend((s + shift, e + shift, kind) for s, e, kind in earlier[low:high])
    if len(stretches) == 1:
        found.extend(_shifted(line_spans_split(text[stretches[0][0] : stretches[0][1]]), stretches[0][0]))
    elif stretches:
        joined_starts = list(itertools.accumulate((end - start + 1 for start, end in stretches[:-1]), initial=0))
        shifts = [start - joined for (start, _), joined in zip(stretches, joined_starts)]
        spans = line_spans_split("\n".join([text[start:end] for start, end in stretches]))
        spans.sort(key=_START)  # stable: the order within one line is kept
        low = 0
        for joined, shift in zip(joined_starts[1:], shifts):
            high = bisect.bisect_left(spans, joined, low, key=_START)
            found.extend((s + shift, e + shift, kind) for s, e, kind in spans[low:high])
            low = high
        shift = shifts[-1]
        found.extend((s + shift, e + shift, kind) for s, e, kind in spans[low:])
    return found


def _shifted(spans: list[tuple[int, int, str]], offset: int) -> list[tuple[int, int, str]]:
    return [(start + offset, end + offset, kind) for start, end, kind in spans] if offset else spans


_BLANKS = frozenset(" \t")


def _back(text: str, position: int, chars: frozenset[str]) -> int:
    """Start of the run of `chars` that ends at `position` (runs are short: one word)."""
    while position > 0 and text[position - 1] in chars:
        position -= 1
    return position


def _at_line_start(text: str, position: int) -> bool:
    blanks = _back(text, position, _BLANKS)
    return blanks == 0 or text[blanks - 1] == "\n"


def _anchored(text: str, folded: str) -> list[list[tuple[int, int, str]]]:
    """Spans found from a rare anchor character, then widened to their word: identifiers with `_` or inner
    capitals, words and numbers with digits, contractions ending in n't, e-mail addresses (one list per scan,
    each in text order)."""
    groups: list[list[tuple[int, int, str]]] = []
    # identifiers: a word with an underscore or an inner capital, a word.dotted.path
    for anchor, back, tail, step in (
        (_UNDERSCORE, _WORD_CHARS, _WORD_TAIL, 0),
        (_CAMEL, _WORD_CHARS, _WORD_TAIL, 1),
        (_DOTTED, _TOKEN_CHARS, _DOTTED_TAIL, 0),
    ):
        found: list[tuple[int, int, str]] = []
        groups.append(found)
        last = -1
        for match in anchor.finditer(text):
            if match.start() < last:
                continue
            start = _back(text, match.start() - step, back)
            last = tail.match(text, match.end()).end()  # type: ignore[union-attr]
            if anchor is not _UNDERSCORE or any(char.isalnum() for char in text[start:last]):
                found.append((start, last, "identifier"))
    found = []
    groups.append(found)
    last = -1
    for match in _DIGITS.finditer(text):
        if match.start() < last:
            continue
        start = _back(text, match.start(), _TOKEN_CHARS)
        while text[start] == "-":
            start += 1
        last = _NUMBER_TAIL.match(text, match.end()).end()  # type: ignore[union-attr]
        if (
            (last - start <= 3 and _LIST_MARKER_TAIL.match(text, last)) or _CLAUSE_NUMBER.match(text, start)
        ) and _at_line_start(text, start):
            continue  # "1." opening a numbered list item (or "5.1" a clause) is structure, not content
        found.append((start, last, "number" if start == match.start() else "identifier"))
    found = []
    groups.append(found)
    for match in _CONTRACTION.finditer(folded):
        start = _back(text, match.start(), _LETTERS)
        if start < match.start():
            found.append((start, match.end(), "negation"))
    found = []
    groups.append(found)
    for match in _SCHEME.finditer(text):
        start = _back(text, match.start(), _LETTERS)
        if text[start : match.start()] in _SCHEMES:
            found.append((start, match.end(), "url"))
    found = []
    groups.append(found)
    for match in _EMAIL_TAIL.finditer(text):
        start = _back(text, match.start(), _EMAIL_CHARS)
        if start < match.start():
            found.append((start, match.end(), "url"))
    return groups


_START = itemgetter(0)
_END = itemgetter(1)


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    # by start, the longest first among equal starts, else in the order found (two stable sorts)
    ordered = sorted(spans, key=_END, reverse=True)
    ordered.sort(key=_START)
    last_end = -1  # of merged[-1]; spans never start below 0
    for span in ordered:
        if span[0] < last_end:
            if span[1] > last_end:
                last_end = span[1]
                merged[-1] = (merged[-1][0], last_end, merged[-1][2])
        else:
            merged.append(span)
            last_end = span[1]
    return merged


def _json_spans(text: str, blocks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Embedded JSON objects/arrays that parse, outside the block spans found so far."""
    starts = [block[0] for block in blocks]
    found: list[tuple[int, int, str]] = []
    resume = 0
    candidates = [match.start() for pattern in _JSON_STARTS for match in pattern.finditer(text)]
    for index in sorted(candidates):
        if index < resume:
            continue
        block = bisect.bisect_right(starts, index) - 1
        if block >= 0 and blocks[block][1] > index:
            continue
        decoded = _decode_json(text, index)
        # Empty containers ("{}", "{ }") hold nothing to protect; counting them by length made "{ }" a span
        # that minifying turned into "{}", which was then "lost" and rolled the whole text back.
        if decoded is not None and isinstance(decoded[0], (dict, list)) and decoded[0]:
            found.append((index, decoded[1], "code" if _in_code(text, index, decoded[1]) else "json"))
            resume = decoded[1]
    return found


_CODE_BEFORE = re.compile(r"(?:[(=]|(?<![\w-])in)[ \t]*\Z")


def _in_code(text: str, start: int, end: int) -> bool:
    """Whether the JSON-shaped value at `start:end` is part of a line of code: an argument, an assigned value or
    what a loop runs over (`web_search({"q": "x"})`, `for city in ["Paris", "Rome"]:`). Kept as written, not
    minified: a few-shot example's code is shown in its author's style."""
    line_start = text.rfind("\n", 0, start) + 1
    if _CODE_BEFORE.search(text, max(line_start, start - 8), start):
        return True
    line_end = text.find("\n", end)
    after = text[end : len(text) if line_end < 0 else line_end].lstrip(" \t")
    # (a colon after it alone is no sign: "{"a": 1}:" may be a label's value; "for x in [...]:" has its "in")
    return after.startswith(")")


_DECODER = json.JSONDecoder()
_JSON_WINDOW = 4096
_JSON_LOOKAHEAD = 64  # the decoder reads at most this far past the offset it reports an error at (literals)


def _decode_json(text: str, index: int) -> tuple[Any, int] | None:
    """`json.JSONDecoder.raw_decode(text, index)` (value, end), or None when that raises.

    The decoder is run on a window of the text that grows until the answer cannot depend on what lies beyond
    it: a value that ends inside the window, or an error well before the window's end. (On the whole text each
    failed attempt costs time proportional to `index`: the error counts the lines before it.)
    """
    size = _JSON_WINDOW
    while True:
        end = index + size
        window = text[index:end] if end < len(text) else text[index:]
        try:
            value, stop = _DECODER.raw_decode(window)
            return value, index + stop
        except json.JSONDecodeError as error:
            if end >= len(text):
                return None
            if error.pos < len(window) - _JSON_LOOKAHEAD and not error.msg.startswith("Unterminated string"):
                return None
        except (ValueError, RecursionError):  # a number too long to convert, or nested past Python's stack
            return None
        size *= 4


def iter_negations(text: str) -> list[tuple[int, int]]:
    """(start, end) of every negation/constraint word, contractions such as "don't" included."""
    folded = fold(text)
    spans = _negation_words(folded)
    for match in _CONTRACTION.finditer(folded):
        start = _back(text, match.start(), _LETTERS)
        if start < match.start():
            spans.append((start, match.end()))
    return spans


def count_negations(text: str, spans: Iterable[tuple[int, int]] | None = None) -> Counter[str]:
    """How often each negation/constraint word occurs (case-folded, whitespace and apostrophes normalised).

    `spans` are the words' offsets when already found (see `find_protected_spans(negations=...)`).
    """
    found = iter_negations(text) if spans is None else spans
    return Counter(normal_negation(text[s:e]) for s, e in found)


def normal_negation(word: str) -> str:
    """A negation/constraint word as `count_negations` counts it: lower case, one space between its words,
    straight apostrophes."""
    lowered = word.lower()
    if lowered.isalpha():  # most are one plain word: no space or apostrophe to normalise
        return lowered
    return " ".join(lowered.replace("’", "'").split())


def json_equal(left: str, right: str) -> bool:
    try:
        return bool(json.loads(left) == json.loads(right))
    except (ValueError, RecursionError):
        return left == right


# a bare "not" that a cut left opening a request takes a "Do" ("to not share keys" → "Do not share keys")
_DO_NOT = frozenset({"Do not", "do not"})


def same_span_text(kind: str, before: str, after: str) -> bool:
    """Whether a protected span survived: identical bytes, or the same JSON value for JSON spans."""
    if before == after:
        return True
    if kind == "negation":  # capitalised where a cut made it open a sentence, or "not" given its "Do"
        return (before[1:] == after[1:] and before[:1].lower() == after[:1].lower()) or (
            before == "not" and after in _DO_NOT
        )
    return kind in SEMANTIC_KINDS and json_equal(before, after)


_RESERVED = re.compile("[\ue000\ue001\ue002]+")


#: The kind of a plain-text prompt whose `{field}`s are `str.format` placeholders (a prompt in Python code): each
#: field is protected as a template tag is, in the original and again in every result that is verified.
FORMAT_KIND = "format"


def protect_document(
    text: str,
    *,
    kind: str = "text",
    body_offset: int = 0,
    tags: list[Span] | None = None,
    negations: list[tuple[int, int]] | None = None,
    lines: list[tuple[int, int, str]] | None = None,
    line_memo: LineMemo | None = None,
) -> list[ProtectedSpan]:
    """Protected spans of a whole prompt file's text (front matter and template tags included).

    `tags` are the template spans and `lines` the `line_spans` when already found (else see `line_memo` in
    `find_protected_spans`). Raises InputError for an unclosed tag when `kind` is a
    template kind; for plain text and markdown stray braces are prose, as in the shared loader.
    """
    from tokcli.errors import InputError
    from tokcli.prompts import TEMPLATE_KINDS, find_template_spans, template_language

    if tags is None:
        try:
            tags = find_template_spans(text, start=body_offset, language=template_language(kind))
        except InputError:
            if kind in TEMPLATE_KINDS:
                raise
            tags = []
    from tokcli.prompts import front_matter_end

    # front matter in any kind of file (a markdown skill file's `name:`/`description:` header too)
    front_matter = body_offset or front_matter_end(text)
    extra = [(0, front_matter, "front_matter")] if front_matter else []
    if "\ue000" in text or "\ue001" in text or "\ue002" in text:
        extra.extend((m.start(), m.end(), "reserved") for m in _RESERVED.finditer(text))
    if kind == FORMAT_KIND and "{" in text:
        from tokcli.units.syntax import format_string_fields

        extra.extend((span.start, span.end, "template") for span in format_string_fields(text))
    if "\n    " in text or "\n\t" in text:
        from tokcli.markdown_code import indented_code_blocks

        # an indented code block is code in any kind of prompt, as `lint` reads it: kept as written (an example's
        # code under "Example:" and a blank line in a .txt or .j2 prompt too)
        extra.extend((start, end, "code_fence") for start, end in indented_code_blocks(text))
    return find_protected_spans(
        text,
        template_spans=[(tag.start, tag.end) for tag in tags],
        extra_spans=extra,
        prompty=kind == "prompty",
        negations=negations,
        lines=lines,
        line_memo=line_memo,
    )

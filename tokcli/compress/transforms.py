"""The `rules` transforms: each one a named, level-tagged rewrite of masked prose.

Transforms see text in which every protected span has been replaced by the single character `SENTINEL`
(see `rules_method`). None of their patterns match that character, so they cannot touch a protected span;
`rules_method` still checks the sentinel count after each one. Each transform returns the new text and how
many times it fired. All patterns are compiled once at import and run over the whole text (no per-character
Python loops), which keeps the method fast on large files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

SENTINEL = "\ue000"
LEVELS = ("safe", "balanced", "aggressive")


@dataclass(frozen=True)
class Transform:
    name: str
    level: str  # the lowest level that runs it
    description: str
    apply: Callable[[str], tuple[str, int]]


def _sub(pattern: re.Pattern[str], replacement: str | Callable[[re.Match[str]], str]) -> Callable:
    def apply(text: str) -> tuple[str, int]:
        return pattern.subn(replacement, text)

    return apply


def _phrases(phrases: list[str] | dict[str, str]) -> str:
    """Regex source for any of `phrases`: case-insensitive, any run of blanks between words, whole words.

    Alternatives are grouped by first letter behind one character class, so the engine skips quickly to
    positions where a phrase can start (a plain `\\b(?i:a|b|…)` is several times slower on large files).
    """
    groups: dict[str, list[str]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        groups.setdefault(phrase[0].lower(), []).append(phrase[1:])
    first = "".join(sorted(c + c.upper() for c in groups))
    branches = "|".join(
        f"(?<=[{c}{c.upper()}])(?:" + "|".join(re.escape(rest).replace(r"\ ", r"[ \t]+") for rest in rests) + ")"
        for c, rests in groups.items()
    )
    return f"[{first}](?<!\\w.)(?i:{branches})(?!\\w)"


_LINE_LEAD = re.compile(r"[ \t]*(?:[-*+>][ \t]+|\d{1,3}[.)][ \t]+|\*\*?)?")
_AFTER_STOP = re.compile(r"[.!?:][ \t]+\Z")


def _at_sentence_start(text: str, start: int) -> bool:
    """Whether `start` begins a sentence: at a line start (after a list marker) or after . ! ? :"""
    line_start = text.rfind("\n", 0, start) + 1
    lead = _LINE_LEAD.match(text, line_start, start)
    if lead is not None and lead.end() == start:
        return True
    return _AFTER_STOP.search(text, max(line_start, start - 8), start) is not None


def _capitalize_next(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].isalpha() else text


# ---- safe ----------------------------------------------------------------------------------------

_TRAILING_WS = re.compile(r"[ \t]+(?=\n|\Z)")
_INNER_WS = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_LEADING_BLANKS = re.compile(r"(?:[ \t]*\n)+")
_TRAILING_BLANKS = re.compile(r"\n(?:[ \t]*\n)+\Z")
_SEPARATOR = re.compile(r"^[ \t]*(?:<!--[ \t]*)?([-=*_#~─━═•·+])(?:[ \t]*\1){2,}[ \t]*(?:-->[ \t]*)?(?:\n|\Z)", re.M)
_REPEATED_PUNCTUATION = re.compile(r"!!+|\?\?+|\.\.\.\.+")
_BOLD = re.compile(r"(\*\*\*?|___?)(?=[^\s*_])([^\n*_]+?)(?<=[^\s*_])\1(?!\w)")
_ITALIC = re.compile(r"\*(?<![\w*]\*)(?=[^\s*])([^\n*]+?)(?<=[^\s*])\*(?![\w*])")
_ITALIC_UNDERSCORE = re.compile(r"_(?<![\w_]_)(?=[^\s_])([^\n_]+?)(?<=[^\s_])_(?![\w_])")
_HEADING_TAIL = re.compile(r"^([ \t]{0,3}#{1,6}[ \t][^\n]*?)[ \t]+#+[ \t]*$", re.M)


def trailing_whitespace(text: str) -> tuple[str, int]:
    """Spaces and tabs at the end of a line."""
    return _TRAILING_WS.subn("", text)


def inner_whitespace(text: str) -> tuple[str, int]:
    """Runs of spaces/tabs between words become one space (indentation is kept)."""
    return _INNER_WS.subn(" ", text)


def blank_lines(text: str) -> tuple[str, int]:
    """Several blank lines become one; blank lines at the start and end of the text go."""
    text, runs = _BLANK_RUNS.subn("\n\n", text)
    leading = _LEADING_BLANKS.match(text)
    if leading:
        text = text[leading.end() :]
    text, trailing = _TRAILING_BLANKS.subn("\n", text)
    return text, runs + bool(leading) + trailing


def separators(text: str) -> tuple[str, int]:
    """Decorative lines such as `-----`, `=====`, `*****`, `#####` (also inside an HTML comment)."""
    return _SEPARATOR.subn("", text)


def repeated_punctuation(text: str) -> tuple[str, int]:
    """`!!!` → `!`, `??` → `?`, `.....` → `...`."""
    return _REPEATED_PUNCTUATION.subn(lambda m: "..." if m.group()[0] == "." else m.group()[0], text)


def markdown_decoration(text: str) -> tuple[str, int]:
    """Bold/italic markers and closing `##` of headings; the words stay."""
    bold = 0
    for _ in range(3):  # nested markers: **__x__**
        text, found = _BOLD.subn(r"\2", text)
        bold += found
        if not found:
            break
    text, italic = _ITALIC.subn(r"\1", text)
    text, underscore = _ITALIC_UNDERSCORE.subn(r"\1", text)
    text, tails = _HEADING_TAIL.subn(r"\1", text)
    return text, bold + italic + underscore + tails


# minify_json works on protected JSON spans, not on masked prose; see `minify_json_text`.
_JSON_TOKENS = re.compile(r"(\"(?:[^\"\\]|\\.)*\")|\s+")


def minify_json_text(text: str) -> str:
    """JSON text without insignificant whitespace; strings and number spellings kept exactly."""
    return _JSON_TOKENS.sub(lambda m: m.group(1) or "", text)


# ---- balanced ------------------------------------------------------------------------------------

_FILLER_OPENERS = [
    "please note that",
    "please be aware that",
    "it is important to note that",
    "it is very very important that you",
    "it is very important that you",
    "it is important that you",
    "it's important that you",
    "it is crucial that you",
    "it is essential that you",
    "it is important to remember that",
    "it's important to note that",
    "it's important to remember that",
    "it is worth noting that",
    "it's worth noting that",
    "it should be noted that",
    "keep in mind that",
    "bear in mind that",
    "remember that",
    "note that",
    "i would like you to",
    "i'd like you to",
    "i want you to",
    "i need you to",
    "i would like to ask you to",
    "could you please",
    "can you please",
    "would you please",
    "would you kindly",
    "you will need to",
    "make sure that you",
    "make sure to",
    "be sure to",
    "please make sure to",
    "please make sure that you",
    "please ensure that you",
    "please remember to",
    "as an ai language model,",
    "as an ai assistant,",
    "of course,",
    "please,",
    "please",
    "kindly",
]
_OPENER_PHRASE = _phrases(_FILLER_OPENERS)
# chained openers ("I would like you to please make sure to …") go in one match
_FILLER_OPENER = re.compile(f"{_OPENER_PHRASE}(?:[ \\t]+{_OPENER_PHRASE})*" + r"[ \t]*(?P<next>[^\s\ue000])?")
_PLEASE_AT_END = re.compile(r"please(?=[.!?,])(?<=[ \t,]please)")
_FILLER_INLINE = re.compile(
    r"[pk](?<!\w.)(?:lease|indly)[ \t]+(?=[a-z])"
    r"|[mb](?<!\w.)(?:ake[ \t]+sure[ \t]+(?:to|that[ \t]+you)|e[ \t]+sure[ \t]+to)[ \t]+(?=[a-z])"
)
_POLITE_SENTENCE = re.compile(
    _phrases(
        [
            "thank you",
            "thank you so much",
            "thank you very much",
            "thank you in advance",
            "thank you for your help",
            "thank you for your time",
            "thank you for your assistance",
            "thanks",
            "thanks a lot",
            "thanks so much",
            "thanks in advance",
            "many thanks",
            "i hope this helps",
            "i hope that helps",
            "i appreciate your help",
            "i appreciate your time",
            "looking forward to your response",
            "looking forward to your answer",
            "i hope you are doing well",
            "i hope you're doing well",
            "hope you are well",
            "hope you're well",
            "great question",
            "good question",
            "i am happy to help you with that",
            "i'm happy to help you with that",
            "i am happy to help",
            "i'm happy to help",
            "i would be happy to help",
            "i'd be happy to help",
        ]
    )
    + r"[.!]+(?:[ \t]+|(?=\n|\Z))"
)


def _drop_with_separators(text: str, pattern: re.Pattern[str]) -> tuple[str, int]:
    """Remove each match of `pattern` together with the spaces and comma just before it ("…, please.")."""
    parts: list[str] = []
    position = count = 0
    for match in pattern.finditer(text):
        cut = match.start()
        while cut > position and text[cut - 1] in " \t,":
            cut -= 1
        parts.append(text[position:cut])
        position = match.end()
        count += 1
    if not count:
        return text, 0
    parts.append(text[position:])
    return "".join(parts), count


def filler_phrases(text: str) -> tuple[str, int]:
    """Politeness and filler: "Please note that", "I would like you to", "please", "Thank you!"."""
    fired = 0

    def opener(match: re.Match[str]) -> str:
        nonlocal fired
        if not _at_sentence_start(match.string, match.start()):
            return match.group()
        fired += 1
        return _capitalize_next(match.group("next") or "")

    def polite(match: re.Match[str]) -> str:
        nonlocal fired
        if not _at_sentence_start(match.string, match.start()):
            return match.group()
        fired += 1
        return ""

    text = _FILLER_OPENER.sub(opener, text)
    text, trailing = _drop_with_separators(text, _PLEASE_AT_END)
    text, inline = _FILLER_INLINE.subn("", text)
    text = _POLITE_SENTENCE.sub(polite, text)
    return text, fired + trailing + inline


_VERBOSE = {
    "in order to": "to",
    "so as to": "to",
    "due to the fact that": "because",
    "owing to the fact that": "because",
    "in light of the fact that": "because",
    "because of the fact that": "because",
    "despite the fact that": "although",
    "in spite of the fact that": "although",
    "for the purpose of": "for",
    "in the event that": "if",
    "in the case that": "if",
    "at this point in time": "now",
    "at the present time": "now",
    "at this moment in time": "now",
    "in the near future": "soon",
    "a large number of": "many",
    "a great number of": "many",
    "a large amount of": "much",
    "the majority of": "most",
    "a small number of": "a few",
    "with regard to": "about",
    "with regards to": "about",
    "in regard to": "about",
    "with respect to": "about",
    "in relation to": "about",
    "is able to": "can",
    "are able to": "can",
    "has the ability to": "can",
    "have the ability to": "can",
    "make use of": "use",
    "makes use of": "uses",
    "making use of": "using",
    "made use of": "used",
    "prior to": "before",
    "subsequent to": "after",
    "in close proximity to": "near",
    "take into account": "consider",
    "take into consideration": "consider",
    "give consideration to": "consider",
    "provide a description of": "describe",
    "provide an explanation of": "explain",
    "provide a summary of": "summarize",
    "provide an overview of": "outline",
    "come to a conclusion": "conclude",
    "in the form of": "as",
    "at all times": "always",
    "in a timely manner": "promptly",
    "on a daily basis": "daily",
    "on a regular basis": "regularly",
    "until such time as": "until",
    "each and every": "every",
    "first and foremost": "first",
    "in the process of": "",
    "it is possible that": "maybe",
    "for all intents and purposes": "effectively",
    "in addition to": "besides",
    "in an effort to": "to",
    "a wide variety of": "various",
    "a variety of": "various",
    "such as for example": "such as",
    "and also": "and",
    "any and all": "all",
    "that is called": "called",
    "which is called": "called",
    "happens to be": "is",
    "instead of that,": "instead,",
    "one single": "one",
    "at the very end": "at the end",
    "at the very beginning": "at the beginning",
    # doubled intensifiers
    **{" ".join([word] * times): word for word in ("very", "really", "extremely") for times in (2, 3)},
}
_VERBOSE_PHRASE = re.compile(_phrases(_VERBOSE))


def _verbose_replacement(match: re.Match[str]) -> str:
    found = match.group()
    short = _VERBOSE[" ".join(found.lower().split())]
    if found[:1].isupper():
        return _capitalize_next(short)
    return short


def verbose_phrases(text: str) -> tuple[str, int]:
    """Wordy phrases to short ones: "in order to" → "to", "due to the fact that" → "because", …"""
    return _VERBOSE_PHRASE.subn(_verbose_replacement, text)


_SENTENCE = re.compile(
    r"(?m)(?P<lead>^[ \t]*(?:[-*+][ \t]+|\d{1,3}[.)][ \t]+)?|(?<=[.!?])[ \t]+)"
    r"(?P<body>[^\s.!?\ue000][^.!?\n\ue000]*[.!?]+)(?=[ \t]|\n|\Z)"
)
_REMOVED = "\ue001"
_REMOVED_LINE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])?[ \t]*\ue001[ \t]*(?:\n|\Z)", re.M)
_REMOVED_MARK = re.compile(r"\ue001[ \t]*")
_NON_WORD = re.compile(r"[^\w]+")


def duplicate_sentences(text: str) -> tuple[str, int]:
    """A sentence or instruction repeated word for word (case, spacing and punctuation aside) is kept once.

    Only sentences without protected spans can go, so a repeated negation or placeholder always stays.
    """
    seen: set[str] = set()
    removed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal removed
        key = _NON_WORD.sub(" ", match.group("body").lower()).strip()
        if len(key) < 12:
            return match.group()
        if key not in seen:
            seen.add(key)
            return match.group()
        removed += 1
        start = match.start()
        if start == 0 or text[start - 1] == "\n":
            return match.group("lead") + _REMOVED  # the line (or list item) may go entirely
        return ""

    new = _SENTENCE.sub(replace, text)
    if removed:
        new = _REMOVED_MARK.sub("", _REMOVED_LINE.sub("", new))
    return new, removed


# ---- aggressive ----------------------------------------------------------------------------------

_PROSE_LINE = re.compile(r"^(?![ \t]*(?:#|\||```|~~~))[^\n]{100,}$", re.M)
_ARTICLE = re.compile(
    r"(?<![\w'’-])(?:the|a|an)[ \t]+(?=[a-z])"
    r"(?!(?:and|or|is|are|was|were|be|of|to|in|on|at|by|for|with|as|but|nor|so|if|then)\b)"
)
_LOW_INFO = re.compile(
    r"(?<![\w'’-])(?:very|really|quite|basically|actually|simply|literally|truly|certainly|definitely|"
    r"totally|absolutely|essentially|somewhat|extremely)[ \t]+(?=[a-z])"
)
_LIST_RUN = re.compile(
    r"^(?P<intro>[^\n]*:[ \t]*\n)?(?P<items>(?:(?P<indent>[ \t]*)[-*+][ \t]+[^\n]{1,40}(?:\n|\Z))"
    r"(?:(?P=indent)[-*+][ \t]+[^\n]{1,40}(?:\n|\Z)){2,})(?![ \t]+[-*+][ \t])",
    re.M,
)
_LIST_ITEM = re.compile(r"^[ \t]*[-*+][ \t]+([^\n]*)$", re.M)


def _in_prose_lines(pattern: re.Pattern[str], text: str) -> tuple[str, int]:
    """Delete `pattern`'s matches inside long prose lines only (headings, tables and short lines are kept)."""
    total = 0

    def in_line(match: re.Match[str]) -> str:
        nonlocal total
        line, count = pattern.subn("", match.group())
        total += count
        return line

    return _PROSE_LINE.sub(in_line, text), total


def articles(text: str) -> tuple[str, int]:
    """ "the", "a", "an" dropped inside long prose lines (headings, tables and short lines are left alone)."""
    return _in_prose_lines(_ARTICLE, text)


def low_information_words(text: str) -> tuple[str, int]:
    """Intensifiers and hedges ("very", "really", "basically", …) dropped inside long prose lines."""
    return _in_prose_lines(_LOW_INFO, text)


def _condense(match: re.Match[str]) -> str:
    items = [item.strip() for item in _LIST_ITEM.findall(match.group("items"))]
    if any(item[-1:] in ".!?:;" or len(item.split()) > 5 for item in items):
        return match.group()
    joiner = "; " if any("," in item for item in items) else ", "
    ending = "\n" if match.group("items").endswith("\n") else ""
    intro = match.group("intro")
    if intro:
        return intro.rstrip() + " " + joiner.join(items) + ending
    return match.group("indent") + "- " + joiner.join(items) + ending


def condense_lists(text: str) -> tuple[str, int]:
    """A bullet list of three or more short items (≤ 5 words, no sentences) becomes one comma-separated line."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        new = _condense(match)
        count += new != match.group()
        return new

    return _LIST_RUN.sub(replace, text), count


TRANSFORMS: tuple[Transform, ...] = (
    Transform("separators", "safe", "decorative separator lines", separators),
    Transform("markdown_decoration", "safe", "bold/italic markers, closing heading hashes", markdown_decoration),
    Transform("repeated_punctuation", "safe", "!!! and ?? and ....", repeated_punctuation),
    Transform("filler_phrases", "balanced", "politeness and filler phrases", filler_phrases),
    Transform("verbose_phrases", "balanced", "wordy phrases rewritten short", verbose_phrases),
    Transform("duplicate_sentences", "balanced", "repeated sentences and instructions", duplicate_sentences),
    Transform("articles", "aggressive", "articles in long prose lines", articles),
    Transform("low_information_words", "aggressive", "intensifiers in long prose lines", low_information_words),
    Transform("condense_lists", "aggressive", "short bullet lists onto one line", condense_lists),
    # whitespace last: it also tidies the gaps the word-level transforms leave
    Transform("inner_whitespace", "safe", "runs of spaces between words", inner_whitespace),
    Transform("trailing_whitespace", "safe", "spaces at line ends", trailing_whitespace),
    Transform("blank_lines", "safe", "repeated blank lines", blank_lines),
)
#: Applied to protected JSON spans rather than to prose (level `safe`).
MINIFY_JSON = "minify_json"


def transforms_for_level(level: str) -> list[Transform]:
    """The transforms a level runs, in application order."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    allowed = LEVELS[: LEVELS.index(level) + 1]
    return [transform for transform in TRANSFORMS if transform.level in allowed]

"""TK3xx — verbosity and filler: politeness, filler phrases, verbose phrases, emphasis inflation."""

from __future__ import annotations

import functools
import re
from typing import Any, ClassVar

from tokcli.lint.rules.base import Context, Rule, Segment, register
from tokcli.phrases import KINDLY_ASKS, set_against
from tokcli.prompts import line_col


def _keep_case(original: str, replacement: str) -> str:
    if replacement and original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    return _compile_phrases(tuple(phrases))


@functools.lru_cache(maxsize=64)
def _compile_phrases(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Built once per phrase list (rules ask for theirs on every document)."""
    ordered = sorted(phrases, key=len, reverse=True)
    # Alternatives that start with the same ASCII letter are grouped behind it, in their order: at a word start
    # the engine tries one group instead of every phrase. Groups exclude each other (no character matches two
    # letters, case-insensitively), so the first phrase that matches is the same one as in a flat list.
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for phrase in ordered:
        first = phrase[:1]
        if first.isascii() and first.isalpha():
            groups.setdefault(first.lower(), []).append(_phrase_regex(phrase[1:]))
        else:
            others.append(_phrase_regex(phrase))
    body = "|".join([*(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items()), *others])
    # The lookahead (the phrases' possible first characters) rejects most word starts with one class test.
    firsts = {r"\s" if first.isspace() else "'’" if first == "'" else re.escape(first) for first in _firsts(phrases)}
    lead = "(?=[" + "".join(sorted(firsts)) + "])" if firsts else ""
    return re.compile(r"(?<![\w\0])" + lead + "(?:" + body + r")(?![\w\0])", re.IGNORECASE)


def _phrase_regex(phrase: str) -> str:
    return re.escape(phrase).replace(r"\ ", r"\s+").replace("'", "['’]")


def _firsts(phrases: tuple[str, ...]) -> set[str]:
    return {phrase[0] for phrase in phrases if phrase}


@functools.lru_cache(maxsize=64)
def _needles(phrases: tuple[str, ...]) -> frozenset[str] | None:
    """One run of letters of each phrase (its longest), lower-cased: a pattern of these phrases (`_phrase_pattern`,
    matched case-insensitively between non-word characters) cannot match a segment whose `words()` hold none of
    them. None (no prefilter) when a phrase is not ASCII or has no letter."""
    needles = set()
    for phrase in phrases:
        runs = re.findall("[a-z]+", phrase.lower()) if phrase.isascii() else []
        if not runs:
            return None
        needles.add(max(runs, key=len))
    return frozenset(needles)


def _prose_matches(
    segment: Segment, pattern: re.Pattern[str], needles: frozenset[str] | None = None
) -> list[re.Match[str]]:
    """The matches of `pattern` in the author's prose; none without a scan when `needles` (see `_needles`) are
    given and the segment has none of them."""
    from tokcli.lint.layout import narrative

    if needles is not None and needles.isdisjoint(segment.words()):
        return []
    return [m for m in _matches(segment, pattern) if narrative(segment, m.start())]


_WORD_START = r"(?<![\w\0])"
#: An ASCII character that may come before a word start (not a word character, not NUL).
_BEFORE_WORD = r"[\x01-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
#: The characters a case-insensitive pattern equates with ASCII letters: a pattern holding one keeps its scan.
_LOOK_ALIKES = frozenset("\u0130\u0131\u017f\u212a")
_LOWER_SCANS: dict[re.Pattern[str], re.Pattern[str] | None] = {}


def _lower_scan(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """For a case-insensitive `(?<![\\w\\0])body` pattern: `[before a word](?P<m>body)` to search the lower-cased
    text of ASCII segments (prefixed with a space) case-sensitively. Starting with a character class lets the
    engine skip in C to the next candidate, and case-sensitive classes are tested faster (3× on prose). None when
    the pattern is not of that shape or its body has an escape a lower-casing would change (`\\S`)."""
    if pattern in _LOWER_SCANS:
        return _LOWER_SCANS[pattern]
    source, scan = pattern.pattern, None
    body = source[len(_WORD_START) :]
    if (
        source.startswith(_WORD_START)
        and pattern.flags & re.IGNORECASE
        and re.search(r"\\[A-Z]", body) is None
        and _LOOK_ALIKES.isdisjoint(body)
    ):
        scan = re.compile(f"{_BEFORE_WORD}(?P<m>{body.lower()})", pattern.flags & ~re.IGNORECASE)
    _LOWER_SCANS[pattern] = scan
    return scan


def _matches(segment: Segment, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """`pattern.finditer(segment.masked)`. For an ASCII segment, through `_lower_scan`: each place it finds is
    matched there by `pattern` itself (the match objects callers get are the pattern's, on the masked text)."""
    masked = segment.masked
    scan = _lower_scan(pattern) if masked.isascii() else None
    if scan is None:
        return list(pattern.finditer(masked))
    padded = segment.cache.get("lowered")
    if padded is None:
        padded = segment.cache["lowered"] = " " + masked.lower()  # lower-casing keeps an ASCII text's offsets
    found: list[re.Match[str]] = []
    position = 0
    while (candidate := scan.search(padded, position)) is not None:
        match = pattern.match(masked, candidate.start("m") - 1)
        if match is None or match.end() != candidate.end() - 1:  # cannot happen: the same alternatives, in order
            return list(pattern.finditer(masked))
        found.append(match)
        # the last character of this match may be the one before the next (in `padded`, one further on)
        position = candidate.end() - 1
    return found


_WORD_CHARS = re.compile(r"\w+")
_NON_SPACE = re.compile(r"\S")


def _removal(segment: Segment, start: int, end: int) -> tuple[int, int, str]:
    """Remove a phrase with one adjacent space and re-capitalise what starts the sentence."""
    text = segment.text
    if end < len(text) and text[end] in " ,":
        while end < len(text) and text[end] in " ,":
            end += 1
        before = start
        while before > 0 and text[before - 1] == " ":
            before -= 1
        sentence_start = start == 0 or text[before - 1 : before] in ("", ".", "!", "?", "\n", ":", '"')
        following = _WORD_CHARS.match(text, end)
        if sentence_start and following and following.group().islower():
            word = following.group()
            return (start, end + len(word), word[:1].upper() + word[1:])
        return (start, end, "")
    if start > 0 and text[start - 1] == " ":
        start -= 1
    return (start, end, "")


POLITENESS = [
    "could you please",
    "would you please",
    "can you please",
    "will you please",
    "would you kindly",
    "kindly",
    "i would like you to",
    "i'd like you to",
    "i want you to",
    "i need you to",
    "thank you in advance",
    "thanks in advance",
    "thank you so much",
    "thank you very much",
    "many thanks",
    "if you don't mind",
    "if you would be so kind as to",
    "if it's not too much trouble",
    "i would really appreciate it if you could",
    "i would appreciate it if you could",
]


@register
class Politeness(Rule):
    """Politeness formulas that cost tokens and do not change what the model does.

    A model follows an imperative as well as a request wrapped in courtesy.

    Wasteful:
        Could you please summarize the text below? Thank you in advance!
    Fixed:
        Summarize the text below.
    """

    code = "TK301"
    name = "politeness"
    options: ClassVar[dict[str, Any]] = {"flag-please": False, "extra-phrases": []}

    def check(self, ctx: Context) -> None:
        phrases = [*POLITENESS, *self.opts["extra-phrases"]]
        if self.opts["flag-please"]:
            phrases.append("please")
        pattern, needles = _phrase_pattern(phrases), _needles(tuple(phrases))
        for segment in ctx.segments:
            for match in _prose_matches(segment, pattern, needles):
                if match.group() == "kindly" and not _kindly_asks(segment.text, match.start()):
                    continue  # "tell them kindly that …": how to tell them
                edit = _removal(segment, match.start(), match.end())
                if _ASKS_BELOW_A_QUESTION_WORD.search(segment.text, max(0, match.start() - 12), match.start()) and (
                    match.group().lower().endswith(" to")
                ):
                    # "How I'd like you to give feedback" → "How to give feedback", not "How give feedback"
                    edit = (match.start(), match.end(), "to")
                ctx.report(
                    segment,
                    match.start(),
                    match.end(),
                    f"politeness phrase '{match.group()}'; state the instruction directly",
                    edits=[edit],
                )


def _kindly_asks(text: str, start: int) -> bool:
    before = text[max(0, start - 30) : start].rstrip(" \t")
    if not before or before[-1] in ",;:\n":
        return True  # opening a clause: "Instead, kindly refer them to HR"
    previous = _WORD_BEFORE.search(before)
    return previous is not None and previous.group(1).lower() in KINDLY_ASKS


_ASKS_BELOW_A_QUESTION_WORD = re.compile(r"\b(?:how|what|when|where|which)[ \t]+\Z", re.IGNORECASE)

FILLER = [
    "it is important to note that",
    "it's important to note that",
    "it is worth noting that",
    "it should be noted that",
    "please note that",
    "it goes without saying that",
    "needless to say",
    "as an ai language model",
    "as a large language model",
    "at the end of the day",
    "for all intents and purposes",
    "in today's fast-paced world",
    "in today's world",
    "all things considered",
    "as previously mentioned",
    "as mentioned above",
    "as mentioned earlier",
    "basically",
    "essentially",
    "i hope this helps",
]


# Filler is recognised by its grammar, not only by a list: a frame that announces the instruction instead of
# giving it ("it is <very> <important> <to note> that", "<please> <be sure|remember|don't forget> to",
# "<note|keep in mind|bear in mind> that", "as <previously> <mentioned|stated> <above>") and hedging adverbs.
_INTENSITY = r"(?:very|really|truly|extremely|absolutely|particularly|especially|super|most)"
_WEIGHT = (
    r"(?:important|essential|crucial|critical|vital|key|imperative|necessary|worth\s+(?:noting|mentioning|remembering))"
)
_MIND = r"(?:note|remember|mention|understand|keep\s+in\s+mind|bear\s+in\s+mind|realize|recognize|stress|emphasi[sz]e)"
_FRAMES = (
    # the weight alone frames a request only before "you": "It is essential that the disclosure is read" and "It is
    # important that this section contain no evaluation" hold the obligation ("This section contain …" is no rule)
    rf"it(?:\s+is|['’]s)\s+(?:{_INTENSITY}\s+)?{_WEIGHT}\s+(?:(?:for\s+you\s+)?to\s+{_MIND}\s+that|that(?=\s+you\b))",
    r"(?:please\s+)?(?:be\s+sure|make\s+sure|take\s+care|remember|don['’]t\s+forget|do\s+not\s+forget)\s+to",
    r"(?:please\s+)?(?:note|keep\s+in\s+mind|bear\s+in\s+mind|be\s+aware|remember)\s+that",
    r"as\s+(?:(?:previously|already|we)\s+)?(?:mentioned|noted|stated|described|discussed|explained)"
    r"(?:\s+(?:above|earlier|before|previously))?",
    # Not "actually" or "literally": in instructions they contrast the real with the claimed ("MUST actually
    # invoke the hook", "what did the agent actually deliver") and carry meaning.
    r"(?:basically|essentially|honestly)",
)
_FRAME = re.compile(r"(?<![\w\0])(?:" + "|".join(_FRAMES) + r")(?![\w\0])", re.IGNORECASE)
_NEGATION_AFTER = re.compile(r"[ \t]+not\b", re.IGNORECASE)
#: A weight frame ("it is important that") set against another weight ("it is not important that …; it is
#: important that …", "… more important than …") or against a "not that …": half of a contrast, which says
#: what matters by what does not. It carries the meaning there and is not filler.
_WEIGHT_FRAME = re.compile(rf"it(?:\s+is|['’]s)\s+(?:{_INTENSITY}\s+)?{_WEIGHT}\b", re.IGNORECASE)
_OTHER_WEIGHT = re.compile(
    rf"\b(?:(?:not|n['’]t|never|no\s+longer|more|less|least|equally|as|so)\s+(?:{_INTENSITY}\s+)?{_WEIGHT}"
    rf"|{_WEIGHT}\s+than)\b",
    re.IGNORECASE,
)
_NOT_THAT = re.compile(set_against("not"), re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n\s*\n")
#: How far back the sentence before a frame is looked for: enough for two sentences, and linear on long texts.
_CONTRAST_LOOKBACK = 1000


def _in_contrast(text: str, start: int, end: int) -> bool:
    """Is the weight frame at text[start:end] one half of a contrast, in its sentence or the one before?"""
    if not _WEIGHT_FRAME.match(text, start):
        return False
    window = max(0, start - _CONTRAST_LOOKBACK)
    ends = [match.end() for match in _SENTENCE_END.finditer(text, window, start)]
    before = ends[-2] if len(ends) > 1 else window  # from the start of the sentence before this one
    after = _SENTENCE_END.search(text, end)
    sentence_end = after.start() if after else len(text)
    return bool(
        _OTHER_WEIGHT.search(text, before, start)
        or _OTHER_WEIGHT.search(text, end, sentence_end)
        or _NOT_THAT.search(text, end, sentence_end)
    )


# Words of the filler list that also say something where they stand: "say so honestly," (how to say it),
# "Gently note that Lumi is no doctor" (what to tell the user), "switch off at the end of the day" (when).
_MANNER_ADVERB = frozenset(["honestly", "basically", "essentially"])
_CLAUSE_OPENS = frozenset(["and", "but", "or", "yet"])
_WORD_BEFORE = re.compile(r"([\w'’]+)[ \t]*\Z")
_NOTE_FRAME = re.compile(r"(?:please\s+)?(?:note|keep\s+in\s+mind|bear\s+in\s+mind|be\s+aware|remember)\s+that\Z", re.I)


def _says_something_here(text: str, start: int, end: int) -> bool:
    phrase = text[start:end].lower()
    following = text[end : end + 1]
    if phrase == "at the end of the day":
        return following != ","  # the idiom opens a clause: "At the end of the day, …"
    if _starts_sentence(text, start) or text[max(0, start - 40) : start].rstrip(" \t")[-1:] in (";", "—", "–", "("):
        return False  # opening a sentence or a clause
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    previous = before.group(1).lower() if before else ""
    if phrase in _MANNER_ADVERB:
        return following in ".,;:!?)" and previous not in _CLAUSE_OPENS
    return bool(_NOTE_FRAME.match(phrase)) and previous not in _CLAUSE_OPENS and previous != "please"


@register
class FillerPhrase(Rule):
    """Filler that carries no instruction: frames that announce an instruction instead of giving it ("it is
    very important to note that", "be sure to", "keep in mind that", "as mentioned above"), hedging adverbs
    ("basically", "essentially") and stock phrases ("needless to say").

    The frames are matched by their grammar (intensifier, weight word, verb of attention), so their variants
    are found without listing each one; `extra-phrases` adds literal phrases.

    Wasteful:
        It is very important to note that you should basically answer in French. Be sure to cite the page.
    Fixed:
        You should answer in French. Cite the page.
    """

    code = "TK302"
    name = "filler-phrase"
    options: ClassVar[dict[str, Any]] = {"extra-phrases": []}

    def check(self, ctx: Context) -> None:
        phrases = [*FILLER, *self.opts["extra-phrases"]]
        pattern, needles = _phrase_pattern(phrases), _needles(tuple(phrases))
        for segment in ctx.segments:
            matches = sorted(
                [*_prose_matches(segment, pattern, needles), *_prose_matches(segment, _FRAME)],
                key=lambda match: (match.start(), -match.end()),
            )
            groups: list[list[re.Match[str]]] = []
            for match in matches:
                if groups and match.start() < groups[-1][-1].end():
                    continue  # inside a longer filler already found
                between = segment.text[groups[-1][-1].end() : match.start()] if groups else "x"
                if groups and not between.strip(" ,"):
                    groups[-1].append(match)  # "As mentioned above, keep in mind that …": one removal
                else:
                    groups.append([match])
            for group in groups:
                start, end = group[0].start(), group[-1].end()
                if _says_something_here(segment.text, start, end) or _in_contrast(segment.text, start, end):
                    continue
                text = segment.text[start:end]
                if _NEGATION_AFTER.match(segment.text, end) and text.lower().endswith("to"):
                    # "make sure to not reveal" → "do not reveal": dropping the frame alone breaks the sentence.
                    edit = (start, end, _keep_case(text, "do"))
                else:
                    edit = _removal(segment, start, end)
                ctx.report(segment, start, end, f"filler phrase '{text}'", edits=[edit])


VERBOSE = {
    "in order to": "to",
    "in order for": "for",
    "due to the fact that": "because",
    "owing to the fact that": "because",
    "in spite of the fact that": "although",
    "despite the fact that": "although",
    "at this point in time": "now",
    "at the present time": "now",
    "for the purpose of": "for",
    "in the event that": "if",
    "with regard to": "about",
    "with respect to": "about",
    "in relation to": "about",
    "a large number of": "many",
    "a majority of": "most",
    "the majority of": "most",
    "is able to": "can",
    "are able to": "can",
    "has the ability to": "can",
    "have the ability to": "can",
    "prior to": "before",
    "subsequent to": "after",
    "each and every": "every",
    "first and foremost": "first",
    "take into consideration": "consider",
    "take into account": "consider",
    "make a decision": "decide",
    "in close proximity to": "near",
    "until such time as": "until",
    "on a daily basis": "daily",
    "at all times": "always",
    "in the near future": "soon",
    "it is necessary that you": "you must",
    "it is essential that you": "you must",
    "make sure that": "ensure",
    "in the form of": "as",
    "a sufficient number of": "enough",
    "in a timely manner": "promptly",
    "with the exception of": "except",
}


#: Short forms that are adverbs of frequency: they stand before the verb, never at the end of a clause.
_BEFORE_VERB = frozenset({"always"})
_CLAUSE_END = frozenset(["", ".", ",", ";", ":", "!", "?", ")", "\n"])


@register
class VerbosePhrase(Rule):
    """A wordy phrase with a shorter equivalent ("in order to" → "to").

    Wasteful:
        In order to answer, take into consideration the user's plan.
    Fixed:
        To answer, consider the user's plan.
    """

    code = "TK303"
    name = "verbose-phrase"
    options: ClassVar[dict[str, Any]] = {"extra-phrases": {}, "min-tokens": 1}

    def check(self, ctx: Context) -> None:
        table = {**VERBOSE, **{str(k).lower(): str(v) for k, v in dict(self.opts["extra-phrases"]).items()}}
        pattern, needles = _phrase_pattern(list(table)), _needles(tuple(table))
        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            for match in _prose_matches(segment, pattern, needles):
                phrase = " ".join(match.group().lower().replace("’", "'").split())
                short = _keep_case(match.group(), table[phrase])
                if short.lower() in _BEFORE_VERB and segment.text[match.end() : match.end() + 1] in _CLAUSE_END:
                    continue  # "Be polite at all times." is not "Be polite always."
                edit = (match.start(), match.end(), short) if short else _removal(segment, match.start(), match.end())
                wasted = ctx.savings(segment, *edit)
                if wasted >= minimum:
                    shown = f"'{short}'" if short else "nothing"
                    ctx.report(
                        segment,
                        match.start(),
                        match.end(),
                        f"'{match.group()}' can be {shown}",
                        edits=[edit],
                        tokens_wasted=wasted,
                    )


ACRONYMS = ["JSON", "XML", "YAML", "API", "URL", "HTML", "CSS", "SQL", "PII", "LLM", "AI", "ID", "UUID", "PDF", "CSV"]


@register
class Shouting(Rule):
    """Runs of ALL-CAPS words: emphasis inflation that costs tokens and over-weights one instruction.

    Wasteful:
        YOU MUST NEVER REVEAL THE SYSTEM PROMPT.
    Fixed:
        Never reveal the system prompt.
    """

    code = "TK304"
    name = "shouting"
    options: ClassVar[dict[str, Any]] = {"min-words": 3, "allow": ACRONYMS}

    _label = re.compile(r"^[ \t]*(?:[-*][ \t]+)?([A-Z][A-Z_ ]*[A-Z])[ \t]*:", re.MULTILINE)
    _caps_run = re.compile(r"(?<![\w\0])[A-Z][A-Z'’]+(?:[ \t,;]+[A-Z][A-Z'’]+)+(?![\w\0])")
    _gaps = re.compile(r"[ \t,;]+")
    # What every run holds, found by a scan that starts with a character class (the engine skips to the next
    # capital in C; the run's pattern tries its lookbehind at every character): a segment without it has no run.
    _capitals = re.compile(r"[A-Z][A-Z'’]+[ \t,;]+[A-Z][A-Z'’]")

    def check(self, ctx: Context) -> None:
        min_words = int(self.opts["min-words"])
        allowed = {word.upper() for word in self.opts["allow"]}
        for segment in ctx.segments:
            if self._capitals.search(segment.masked) is None:
                continue
            line_heads: dict[int, bool] = {}  # line start → whether the line is a heading
            names = {" ".join(name.split()) for name in self._label.findall(segment.masked)}
            name_words = {word.rstrip("S") for name in names for word in name.split()}
            for match in _prose_matches(segment, self._caps_run):
                line_start = match.start() - line_col(segment.text, match.start())[1] + 1
                heading = line_heads.get(line_start)
                if heading is None:
                    first = _NON_SPACE.search(segment.text, line_start, match.start())
                    line_end = segment.text.find("\n", match.end())
                    line = segment.text[line_start : len(segment.text) if line_end < 0 else line_end]
                    heading = line_heads[line_start] = (first is not None and first.group() == "#") or (
                        _caps_title_or_row(line)
                    )
                if heading:
                    continue  # a heading or table row in capitals is a label, not emphasis
                words_in_run = {word.rstrip("S") for word in re.findall(r"[A-Z'’]+", match.group())}
                if (
                    " ".join(match.group().split()) in names
                    or words_in_run <= name_words
                    or (match.start() > 0 and segment.text[match.start() - 1] in "\"'`[")
                ):
                    continue  # the name of a labelled input ("TOOL CALLS: …") or a quoted one: a name, not emphasis
                if all(re.search("[,;]", gap) for gap in self._gaps.findall(match.group())):
                    continue  # "BILLING, TECHNICAL, ACCOUNT": a list of values to answer with, not emphasis
                words = re.findall(r"[A-Z'’]+", match.group())
                # the words of a labelled input's name are a name ("ALL TOOL CALLS": one word shouted)
                shouted = [word for word in words if word not in allowed and word.rstrip("S") not in name_words]
                if len(shouted) < min_words:
                    continue
                calm = match.group().lower()
                if _starts_sentence(segment.text, match.start()):
                    calm = calm[:1].upper() + calm[1:]
                for acronym in allowed:
                    calm = re.sub(rf"\b{acronym.lower()}\b", acronym, calm)
                ctx.report(
                    segment,
                    match.start(),
                    match.end(),
                    f"{len(words)} words in ALL CAPS; plain case is as clear to the model",
                    replacement=calm,
                )


# A line in capitals that is a title, not a shouted sentence: "3. CONDUCT OF THE INTERVIEW", "OFFICE OF THE STATE
# ATTORNEY GENERAL", "STANDARD OPERATING INSTRUCTION LSU-AI-07 (REVISION 4)": short, no lower-case letter, no stop
# at its end, and no word that gives an order ("NEVER SHARE THE KEY" or "HARD RULES - NEVER BREAK THESE" on its own
# line is shouting). A table row ("LOAD | DRIVER | TRUCK") names columns, often of the output asked for.
_LINE_MARKERS = re.compile(r"[ \t]*(?:(?:[-*+>#]+|\d+(?:\.\d+)*[.)]?)[ \t]+)*[*_]*")
_ORDER_WORDS = frozenset(
    ["NEVER", "ALWAYS", "DO", "DON'T", "DON’T", "DONT", "YOU", "MUST", "ONLY", "PLEASE", "NOT", "NO", "STOP", "EVER"]
)
_TITLE_WORDS = 8


def _caps_title_or_row(line: str) -> bool:
    if line.count("|") >= 2:
        return True
    body = line[_LINE_MARKERS.match(line).end() :].rstrip(" \t*_")  # type: ignore[union-attr]
    if not body or any(char.islower() for char in body) or body[-1] in ".!?":
        return False
    words = [word.strip(":,;()—–-") for word in body.split()]
    return len(words) <= _TITLE_WORDS and _ORDER_WORDS.isdisjoint(words)


def _starts_sentence(text: str, offset: int) -> bool:
    position = offset  # back over markup to the character before it (no copy of the text before: linear)
    while position > 0 and text[position - 1] in " \t*_#>-":
        position -= 1
    return position == 0 or text[position - 1] in ".!?:\n"


INTENSIFIERS = [
    "very",
    "really",
    "extremely",
    "super",
    "truly",
    "absolutely",
    "incredibly",
    "highly",
    "critically",
    "totally",
    "utterly",
]


@register
class StackedIntensifier(Rule):
    """Stacked intensifiers ("very very", "really, really", "absolutely extremely").

    Wasteful:
        This is very very very important.
    Fixed:
        This is important.
    """

    code = "TK305"
    name = "stacked-intensifier"

    _words = "|".join(INTENSIFIERS)
    _firsts = "".join(sorted({re.escape(word[0]) for word in INTENSIFIERS}))
    _pattern = re.compile(
        rf"(?<![\w\0])(?=[{_firsts}])(?:(?:{_words})[ \t]*,?[ \t]+)+({_words})(?![\w\0])",
        re.IGNORECASE,
    )

    def check(self, ctx: Context) -> None:
        for segment in ctx.segments:
            # two intensifiers in a row: a segment without any has no match
            for match in _prose_matches(segment, self._pattern, _needles(tuple(INTENSIFIERS))):
                last = match.group(1)
                replacement = _keep_case(match.group(), last.lower())
                ctx.report(
                    segment,
                    match.start(),
                    match.end(),
                    f"stacked intensifiers '{match.group()}'",
                    replacement=replacement,
                )


@register
class RepeatedPunctuation(Rule):
    """Repeated exclamation or question marks ("!!!", "?!?") and over-long dot runs.

    Wasteful:
        Do not skip any step!!!
    Fixed:
        Do not skip any step.
    """

    code = "TK306"
    name = "repeated-punctuation"

    # [!?]{2,} | !+1+ | \.{4,}, written to start with one character class so the regex engine skips to the
    # next "!", "?" or "." in C (the same matches: each lookbehind re-checks that first character).
    _pattern = re.compile(r"[!?.](?:(?<=[!?])[!?]+|(?<=!)!*1+|(?<=\.)\.{3,})")

    def check(self, ctx: Context) -> None:
        for segment in ctx.segments:
            for match in _prose_matches(segment, self._pattern):
                text = match.group()
                before = segment.text[match.start() - 1 : match.start()] if match.start() else " "
                if not before.strip() or before in "(,`'\"":
                    continue  # a standalone "???" is a literal (a placeholder to look for), not emphasis
                replacement = "..." if text.startswith(".") else ("?" if "?" in text else "!")
                ctx.report(
                    segment, match.start(), match.end(), f"repeated punctuation '{text}'", replacement=replacement
                )

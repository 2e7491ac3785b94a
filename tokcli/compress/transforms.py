"""The `rules` transforms: each one a named, level-tagged rewrite of masked prose.

Transforms see text in which every protected span has been replaced by the single character `SENTINEL`
(see `rules_method`). None of their patterns match that character, so they cannot touch a protected span;
`rules_method` still checks the sentinel count after each one. Each transform returns the new text and how
many times it fired. All patterns are compiled once at import and run over the whole text (no per-character
Python loops), which keeps the method fast on large files.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tokcli.compress.protect import (
    ENTITY_JOINERS,
    ENTITY_STOPWORDS,
    EXAMPLE_BLOCK,
    HEADING_START,
    AfterNonWord,
    after_non_word,
    fold,
    iter_after_non_word,
    iter_labels,
    known_fold,
    remember_fold,
)
from tokcli.phrases import KINDLY_ASKS, set_against

SENTINEL = "\ue000"
#: Left by a cut just before a protected span that now opens a sentence: the span (a negation word) is
#: capitalised after verification ("Please don't" → "Don't"; see `rules_method`).
CAPITALISE = "\ue002"
LEVELS = ("safe", "balanced", "aggressive")
# the end of a request whose verb comes next ("… that you", "… to"): a template variable there is the verb
_ASKED_OF_YOU = re.compile(r"(?<![\w'’])(?:you|to|shall)[ \t]*\Z", re.I)
# after a bare "not" opening a sentence: a word it negates that is no verb ("Not all users …", "Not every …")
_NOT_BEFORE_NO_VERB = re.compile(
    r"[ \t]+(?:all|every\w*|each|only|just|a|an|the|any\w*|many|much|one|always|necessarily|quite|enough|yet|so|"
    r"too|very|even|because|if|that|this|these|those|to|at|in|on|for|by|until|unless|when|where|more|less|exactly)\b",
    re.I,
)


_STEP_NUMBER_AFTER = re.compile(r"[.)][ \t]+[a-z]")


def cannot_open_the_sentence(kind: str, word: str, before: str, after: str) -> bool:
    """Whether a protected span that a cut left opening a sentence cannot open it as it is: a bare "not" before a
    verb or after what asked ("It is important to not share keys" → "Not share keys", which then takes a "Do";
    "Not all users …" can open it), or a template variable
    that stood for what was asked ("It is important that you {{ rule }}" → "{{ rule }}": the variable may hold
    "are polite"). `before` is the segment as written up to the span, `after` the text after it."""
    if kind == "template":
        return _ASKED_OF_YOU.search(before) is not None
    if word[:1].isdigit() and _STEP_NUMBER_AFTER.match(after):
        return True  # numbered steps follow what asked ("You will need to 1. build …, then 2. make …")
    if word.lower() != "not":
        return False
    # after what asked ("to", "you", "shall") a verb follows the "not" somewhere: "shall not, in any event, guess"
    return _ASKED_OF_YOU.search(before) is not None or (
        bool(re.match(r"[ \t]+[a-z]", after)) and not _NOT_BEFORE_NO_VERB.match(after)
    )


@dataclass(frozen=True)
class Transform:
    name: str
    level: str  # the lowest level that runs it
    description: str
    apply: Callable[[str], tuple[str, int]]
    #: Whether applying it to two parts of a text split between two line breaks ("…\n" + "\n…") gives the
    #: two parts of applying it to the whole (no match reaches across a blank line, and the start and end of
    #: the text are not special): then large texts are transformed in parts, in parallel (`pipeline`).
    by_parts: bool = True
    #: For a transform that remembers what it saw (`duplicate_sentences`): `apply`, with the memory of the
    #: text before this one asked for from the callable (once; it is updated).
    apply_after: Callable[[str, Callable[[], set[str]]], tuple[str, int]] | None = None


_Trie = dict[str, "_Trie"]


def _phrases(phrases: list[str] | dict[str, str]) -> str:
    """Regex source for any of the lower-case `phrases` in case-folded text (`fold`): any run of blanks between
    words, the last word whole. The alternatives form a tree of their characters, so the engine compares one
    character per branch and follows only the phrases that begin like the text. Callers put a non-word
    character in front (see `protect.after_non_word`)."""
    trie: _Trie = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here
    return f"{_trie_source(trie)}(?!\\w)"


def _trie_source(node: _Trie) -> str:
    """The regex of a character tree: the longer phrases first (the engine takes the first that fits)."""
    branches = [
        (r"[ \t]+" if char == " " else re.escape(char)) + _trie_source(child) for char, child in node.items() if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


# (a legal clause's number, "5.1 The Assistant shall …", leads its line as a list marker does)
_LINE_LEAD = re.compile(r"[ \t]*(?:[-*+>][ \t]+|\d{1,3}[.)][ \t]+|\d{1,2}(?:\.\d{1,2}){1,3}\.?[ \t]+|\*\*?)?")
_AFTER_STOP = re.compile(r"[.!?:][ \t]+\Z")
_LEAD_CHARS = frozenset(" \t-*+>.)")


def at_sentence_start(text: str, start: int) -> bool:
    """Whether `start` begins a sentence: at a line start (after a list marker) or after . ! ? :"""
    # A line's lead is blanks, list-marker characters and digits: back over those only, not to the line start
    # (scanning back to it for every phrase made one long line quadratic).
    lead_start = start
    while lead_start > 0 and (text[lead_start - 1] in _LEAD_CHARS or text[lead_start - 1].isdecimal()):
        lead_start -= 1
    if lead_start == 0 or text[lead_start - 1] == "\n":
        lead = _LINE_LEAD.match(text, lead_start, start)
        if lead is not None and lead.end() == start:
            return True
        line_start = lead_start
    else:  # the lead cannot reach `start`; only a line start in the last 8 characters matters
        line_start = text.rfind("\n", max(0, start - 8), start) + 1
    return _AFTER_STOP.search(text, max(line_start, start - 8), start) is not None


def _capitalize_next(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].isalpha() else text


# Guards against making a protected span that was not there: the protected-span finder takes a run of
# capitalised words for one named entity ("Contact the FSF"), and "should" + "not" for one negation. A
# sentinel stands for a protected span, which may be a capitalised word or a negation word: it counts as both.
_STOPWORDS = frozenset(ENTITY_STOPWORDS)
# (the next word may still wear its own markers: "**Description** and **Details**" joins once both go)
_ENTITY_GOES_ON = re.compile(rf"[ \t]+(?:(?:{ENTITY_JOINERS})[ \t]+)?(?:\*{{1,3}}|_{{1,3}})?[A-Z{SENTINEL}]")
_WORD = re.compile(r"[\w'’&-]*")
_ENDS_CAPITALISED = re.compile(rf"(?:{SENTINEL}|(?<![\w'’&-])(?P<word>[A-Z][\w'’&-]*))\Z")
_ENDS_CAPITALISED_BEFORE_BLANKS = re.compile(
    rf"(?:{SENTINEL}|(?<![\w'’&-])(?P<word>[A-Z][\w'’&-]*))\**(?:[ \t]+(?:{ENTITY_JOINERS}))?[ \t]+\Z"
)
_NEGATION_FIRST_WORD = rf"(?:(?<![\w'’-])(?:do|does|did|should|can|must|at)|{SENTINEL})"
_ENDS_NEGATION_FIRST_WORD = re.compile(rf"{_NEGATION_FIRST_WORD}[ \t]*\Z", re.I)
_NEGATION_SECOND_WORD = re.compile(rf"[ \t]*(?:{SENTINEL}|(?:least|most)(?![\w'’-]))", re.I)
_CAPITAL_STARTS = frozenset(SENTINEL + "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WINDOW = 40  # characters looked at beside a marker: a cut word at the window's edge only keeps a marker


def _capitalised_word(match: re.Match[str] | None) -> bool:
    """Whether a match of `_ENDS_CAPITALISED…` is a sentinel or a capitalised word that may begin an entity."""
    return match is not None and match.group("word") not in _STOPWORDS


def may_capitalise(text: str, position: int) -> bool:
    """Whether the word at `position` may be capitalised (at a sentence start after a cut) without running into
    the capitalised words or protected spans after it as one named entity."""
    word = _WORD.match(text, position)
    assert word is not None
    capitalised = _capitalize_next(word.group())
    return capitalised in _STOPWORDS or _ENTITY_GOES_ON.match(text, word.end()) is None


def _may_capitalise_span(text: str, after: int) -> bool:
    """Whether a protected span ending at `after` may be capitalised without joining the capitalised words or
    spans after it into one named entity."""
    return _ENTITY_GOES_ON.match(text, after) is None


def _joins_across(text: str, start: int, end: int, inner: str) -> bool:
    """Whether taking the markers off `text[start:end]` (leaving `inner`) could join the words on either side
    of a marker into one protected span: a named entity, or a two-word negation ("should *not*"). Words join
    only across blanks, so the patterns run only where a blank touches a marker (and on a short window)."""
    before_char = text[start - 1 : start]
    after_char = text[end : end + 1]
    if before_char in (SENTINEL, "-") or after_char in (SENTINEL, "-"):
        return True  # glued to a protected span or a path-like word ("-*-x-*-", "/t*-*.c")
    if after_char in (" ", "\t"):
        after = text[end : end + _WINDOW]
        if _ENTITY_GOES_ON.match(after) and _capitalised_word(_ENDS_CAPITALISED.search(inner[-_WINDOW:])):
            return True
        if _NEGATION_SECOND_WORD.match(after) and _ENDS_NEGATION_FIRST_WORD.search(inner[-_WINDOW:]):
            return True
    if before_char in (" ", "\t"):
        before = text[max(start - _WINDOW, 0) : start]
        if inner[:1] in _CAPITAL_STARTS and _capitalised_word(_ENDS_CAPITALISED_BEFORE_BLANKS.search(before)):
            return True
        if _NEGATION_SECOND_WORD.match(inner) and _ENDS_NEGATION_FIRST_WORD.search(before):
            return True
    return False


# ---- safe ----------------------------------------------------------------------------------------

# Whitespace patterns start with literal characters, so the engine jumps between their (rare) occurrences
# instead of stopping at every space; the character before is checked after them.
_BLANKS_BEFORE_BREAK = (re.compile(" \n"), re.compile("\t\n"))
_INNER_WS = (  # runs of two or more blanks between non-blanks, by their first two characters
    re.compile(r"  (?<=\S  )[ \t]*(?=\S)"),
    re.compile(r" \t(?<=\S \t)[ \t]*(?=\S)"),
    re.compile(r"\t(?<=\S\t)[ \t]+(?=\S)"),
)
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_LEADING_BLANKS = re.compile(r"(?:[ \t]*\n)+")
_TRAILING_BLANKS = re.compile(r"\n(?:[ \t]*\n)+\Z")
# Line patterns start with the line break before the line (see `_line_matches`): the engine jumps from one
# line break to the next instead of trying `^` at every position.
# A line that may be a decorative separator (checked by `_decorative`: a regex repeating a group per character
# kept backtracking state for each one, hundreds of megabytes on a line of millions). Its second character
# but blanks is one of them too: list items and headings ("- item", "# Title") are not even looked at.
_SEPARATOR = re.compile(
    r"\n(?P<m>[ \t]*(?:<!--[ \t]*)?(?=[-=*_#~─━═•·+][ \t]*[-=*_#~─━═•·+])[-=*_#~─━═•·+][^\n]*(?:\n|\Z))"
)
_SEPARATOR_CHARS = frozenset("-=*_#~─━═•·+")


def _run_closing_a_word(mark: str) -> str:
    """`mark` (escaped) twice or more, right after a word, a closing bracket or a quote. A run is emphasis only
    when it closes a word ("Why??"); standing alone it is a token the prompt names ("flag placeholders (TODO,
    ???, …)", "print ?? for unknown"), kept as written. The pattern starts with a literal, so the engine jumps
    between candidates; the lookbehind after it checks the character before the run."""
    return rf"{mark}(?<=[\w)\]\"'’”]{mark}){mark}"


_REPEATED_PUNCTUATION = (
    (re.compile(_run_closing_a_word("!") + "!*"), "!"),
    (re.compile(_run_closing_a_word(r"\?") + r"\?*"), "?"),
    (re.compile(_run_closing_a_word(r"\.") + r"\.\.\.*"), "..."),
)
_BOLD = re.compile(r"(\*\*\*?|___?)(?=[^\s*_])([^\n*_]+?)(?<=[^\s*_])\1(?!\w)")
_ITALIC = re.compile(r"\*(?<![\w*]\*)(?=[^\s*])([^\n*]+?)(?<=[^\s*])\*(?![\w*])")
_ITALIC_UNDERSCORE = re.compile(r"_(?<![\w_]_)(?=[^\s_])([^\n_]+?)(?<=[^\s_])_(?![\w_])")
_HEADING_TAIL = re.compile(r"\n(?P<m>(?P<keep>[ \t]{0,3}#{1,6}[ \t][^\n]*?)[ \t]+#+[ \t]*$)", re.M)


def trailing_whitespace(text: str) -> tuple[str, int]:
    """Spaces and tabs at the end of a line."""
    breaks = sorted(match.start() + 1 for pattern in _BLANKS_BEFORE_BREAK for match in pattern.finditer(text))
    if text[-1:] in (" ", "\t"):
        breaks.append(len(text))
    if not breaks:
        return text, 0
    parts = []
    position = 0
    for end in breaks:  # each run of blanks ends at a line break (or the end); it starts after a non-blank
        start = end - 1
        while start > position and text[start - 1] in " \t":
            start -= 1
        parts.append(text[position:start])
        position = end
    parts.append(text[position:])
    return "".join(parts), len(breaks)


def inner_whitespace(text: str) -> tuple[str, int]:
    """Runs of spaces/tabs between words become one space (indentation is kept)."""
    total = 0
    for pattern in _INNER_WS if "\t" in text else _INNER_WS[:1]:
        text, count = pattern.subn(" ", text)
        total += count
    return text, total


def blank_lines(text: str) -> tuple[str, int]:
    """Several blank lines become one; blank lines at the start and end of the text go."""
    text, runs = _BLANK_RUNS.subn("\n\n", text)
    leading = _LEADING_BLANKS.match(text)
    if leading:
        text = text[leading.end() :]
    text, trailing = _TRAILING_BLANKS.subn("\n", text)
    return text, runs + bool(leading) + trailing


def _line_matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches of `pattern` (one character, then group "m") in "\\n" + `text`, left to right and not
    overlapping in their groups. A pattern starting with a line break finds what `^` before the group in
    MULTILINE mode would; the character may also be one a lookbehind would check."""
    padded = "\n" + text
    position = 0
    while True:
        match = pattern.search(padded, position)
        if match is None:
            return
        yield match
        position = match.end() - 1  # a match ending with a line break: the next line may match at once


def _replace_lines(
    pattern: re.Pattern[str], text: str, replace: Callable[[re.Match[str]], str | None]
) -> tuple[str, int]:
    """`text` with each group "m" of `pattern`'s line matches (see `_line_matches`) replaced (None: kept)."""
    edits = []
    for match in _line_matches(pattern, text):
        new = replace(match)
        if new is not None:
            edits.append((match.start("m") - 1, match.end("m") - 1, new))
    return _splice(text, edits)


def _splice(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, int]:
    """`text` with each range (start, end) of `edits` (sorted, not overlapping) replaced, and how many."""
    if not edits:
        return text, 0
    parts: list[str] = []
    position = 0
    for start, end, new in edits:
        parts.append(text[position:start])
        parts.append(new)
        position = end
    parts.append(text[position:])
    return "".join(parts), len(edits)


def separators(text: str) -> tuple[str, int]:
    """Decorative lines such as `-----`, `=====`, `*****`, `#####` (also inside an HTML comment). (One that fences
    off a template variable is protected: see `protect.block_spans`.)"""
    return _replace_lines(
        _SEPARATOR,
        text,
        lambda match: "" if _decorative(match.group("m")) and not _heading_underline(match) else None,
    )


_UNDERLINE = re.compile(r"[ ]{0,3}(?:=+|-+)[ \t]*\n?\Z")


def _heading_underline(match: re.Match[str]) -> bool:
    """Whether the line of group "m" underlines the line above it (a setext heading, `INPUT` over `=====` or
    `-----`): removing it would turn the heading into a line of the paragraph."""
    if _UNDERLINE.match(match.group("m")) is None:
        return False
    padded = match.string
    above_end = match.start("m") - 1  # the line break ending the line above (the padding one for the first line)
    if above_end <= 0:
        return False
    above = padded[padded.rfind("\n", 0, above_end) + 1 : above_end]
    return bool(above.strip(" \t")) and not _decorative(above)


def _decorative(line: str) -> bool:
    """One of `_SEPARATOR_CHARS` three times or more and nothing else but blanks between, optionally inside
    `<!--` … `-->`; `line` may end with its line break."""
    body = line.rstrip("\n").strip(" \t")
    if body.startswith("<!--"):
        body = body[4:].lstrip(" \t")
    if body.endswith("-->") and len(body.replace(" ", "").replace("\t", "")) > 3:
        trimmed = body[:-3].rstrip(" \t")
        if trimmed and trimmed[0] == trimmed[-1] and _decorative_run(trimmed):
            return True
    return _decorative_run(body)


def _decorative_run(body: str) -> bool:
    if not body or body[0] not in _SEPARATOR_CHARS:
        return False
    dense = body.replace(" ", "").replace("\t", "")
    return len(dense) >= 3 and dense.count(body[0]) == len(dense)


def repeated_punctuation(text: str) -> tuple[str, int]:
    """`!!!` → `!`, `??` → `?`, `.....` → `...`."""
    total = 0
    for pattern, short in _REPEATED_PUNCTUATION:
        if short[0] * 2 in text:
            text, count = pattern.subn(short, text)
            total += count
    return text, total


def markdown_decoration(text: str) -> tuple[str, int]:
    """Bold/italic markers and closing `##` of headings; the words stay. Markers whose removal would join the
    words around them into a named entity or a two-word negation stay too (see `_joins_across`), and so do the
    markers of a format the model is shown to follow (see `_format_blocks`)."""
    taken = 0
    if "*" in text or "_" in text:
        parts = []
        position = 0
        for block in _format_blocks(text) if ":" in text else ():
            part, count = _unwrap_markers(text[position : block.start("block")])
            parts += [part, block.group("block")]
            taken += count
            position = block.end("block")
        part, count = _unwrap_markers(text[position:])
        text = "".join([*parts, part])
        taken += count
    tails = 0
    if "#" in text:
        text, tails = _replace_lines(_HEADING_TAIL, text, lambda match: match.group("keep"))
    return text, taken + tails


# The paragraph after a line that announces a format ("Format of message (Slack markdown):", "EXPECTED OUTPUT:",
# "Use this template:", "It should look like this:"): its markers are part of what the model is to write
# ("*What happened:*" is bold in Slack), so they stay. Only a line that names the format itself: "Structure your
# reasoning as follows:" introduces steps, whose markers go.
_FORMAT_LEAD = re.compile(
    r"(?:[ \t>*_#-]*(?:(?:expected|example|sample|desired|final|output|response|reply|message|answer|email|report)"
    r"[ \t]+)*(?:format|template|output|example|response|layout)s?\b[^\n:]{0,60}"
    r"|[^\n]*\b(?:(?:this|the[ \t]+following|the[ \t]+same|exactly[ \t]+this)[ \t]+(?:format|template|layout|shape)"
    r"|looks?[ \t]+like[ \t]+this|formatted[ \t]+(?:as|like))\b[^\n:]{0,40})"
    r":[ \t*_]*",
    re.I,
)
# a line that ends with a colon (where a lead can end), then the paragraph after it
_COLON_LINE_END = re.compile(r":[ \t*_]*\n")
_PARAGRAPH_AFTER = re.compile(r"(?:[ \t]*\n)*(?P<block>(?:[^\n]*\S[^\n]*(?:\n|\Z))+)")


def _format_blocks(text: str) -> Iterator[re.Match[str]]:
    """The paragraphs after a line that names a format (`_FORMAT_LEAD`), in text order: only lines ending with a
    colon are looked at."""
    position = 0
    for colon in _COLON_LINE_END.finditer(text):
        if colon.start() < position:
            continue  # inside the paragraph found last
        line_start = text.rfind("\n", 0, colon.start()) + 1
        if _FORMAT_LEAD.fullmatch(text, line_start, colon.end() - 1):
            block = _PARAGRAPH_AFTER.match(text, colon.end())
            if block is not None and block.group("block"):
                position = block.end("block")
                yield block


def _unwrap_markers(text: str) -> tuple[str, int]:
    taken = 0

    def unwrap(group: int) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            nonlocal taken
            inner = match.group(group)
            if _joins_across(match.string, match.start(), match.end(), inner):
                return match.group()
            taken += 1
            return inner

        return replace

    for _ in range(3):  # nested markers: **__x__**
        if "**" not in text and "__" not in text:  # each pattern needs its marker: skip a pass without it
            break
        before = taken
        text = _BOLD.sub(unwrap(2), text)
        if taken == before:
            break
    if "*" in text:
        text = _ITALIC.sub(unwrap(1), text)
    if "_" in text:
        text = _ITALIC_UNDERSCORE.sub(unwrap(1), text)
    return text, taken


# minify_json works on protected JSON spans, not on masked prose, with `tokcli.json_text.minify_json_text`.


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
    "keep in mind that",
    "bear in mind that",
    "remember that",
    "note that",
    "it goes without saying that",
    # the legal register: what follows is said either way
    "for the avoidance of doubt,",
    "for the avoidance of any doubt,",
    "be aware that",
    "be advised that",
    "one thing to keep in mind is that",
    "one thing to note is that",
    "one thing to remember is that",
    "something to keep in mind is that",
    "i want to be clear that",
    "i want to make it clear that",
    "just to be clear,",
    "to be clear,",
    "as previously mentioned,",
    "as mentioned above,",
    "as mentioned earlier,",
    "as mentioned before,",
    "as stated above,",
    "as noted above,",
    "remember to",
    "try your best to",
    "you need to",
    "you have to",
    "we need you to",
    "we want you to",
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
    "ensure that you",
    "please remember to",
    "as an ai language model,",
    "as an ai assistant,",
    "of course,",
    "please,",
    "please",
    "kindly",
]
_OPENER_PHRASE = _phrases(_FILLER_OPENERS)
# Polite, indirect requests made direct: whatever the words around it, "<we'd be grateful | it would be great |
# we'd love> if you (could) X", "your task is to X", "it is <really> <important> that you X", "you should X"
# ask for X. Built from word classes, not from a list of our own sentences.
_B = "[ \\t]+"  # blanks between words
_DEGREE = f"(?:(?:really|very|most|so|truly|extremely|super|incredibly|absolutely|greatly|much){_B})*"
# verbs that, after "you" in the present tense, say what to do in a case ("you explain", "you stop")
_TASK_VERB = (
    "(?:explain|ask|add|stop|tell|say|write|output|give|offer|suggest|include|mark|reply|respond|list|summari[sz]e|"
    "classify|return|escalate|apologi[sz]e|refer|flag|send|confirm|check|redirect|remind|thank|greet|repeat)"
)
_DUTY = "(?:job|task|role|responsibility|duty)"
_INDIRECT_REQUEST = (
    "(?:"
    # "we would be really grateful if you could", "i'd appreciate it if you"
    f"(?:we|i)(?:['’]d|{_B}would|{_B}should){_B}(?:(?:really|very{_B}much|greatly|truly|also){_B})?"
    f"(?:be{_B}{_DEGREE}(?:grateful|thankful|happy|glad|delighted|pleased|obliged)|appreciate{_B}it|love{_B}it|"
    f"like{_B}it){_B}if{_B}you(?:{_B}(?:could|would|can|will))?"
    # "it would be great if you could", "it would please me greatly if you"
    f"|it{_B}would{_B}(?:also{_B})?(?:be{_B}{_DEGREE}(?:great|nice|helpful|ideal|good|wonderful|appreciated|best|lovely|"
    f"amazing|fantastic)|please{_B}(?:me|us)(?:{_B}(?:greatly|very{_B}much))?){_B}if{_B}you(?:{_B}(?:could|would|can))?"
    # "we'd love you to", "i would like for you to"
    f"|(?:we|i)(?:['’]d|{_B}would){_B}(?:(?:really|very{_B}much|also){_B})?(?:love|like|want|ask){_B}(?:for{_B})?"
    f"you{_B}to"
    f"|(?:we|i){_B}(?:(?:kindly|would){_B})?(?:ask|request){_B}that{_B}you"
    f"|your{_B}(?:(?:main|primary|core|key|only|sole){_B})?(?:job|task|work|role|goal|mission|responsibility|objective|"
    f"purpose|function|duty|aim|assignment)"
    # an aside between the noun and its verb: "Your mission, should you choose to accept it, is to …"
    f"(?:,[^,.!?\\n\ue000]{{1,40}},)?{_B}(?:here{_B})?(?:is|will{_B}be){_B}"
    f"(?:(?:essentially|basically|simply|mainly|mostly|primarily|really){_B})?to"
    f"|it(?:['’]s|{_B}is){_B}(?:your{_B}{_DUTY}|the{_B}{_DUTY}{_B}of{_B}the{_B}(?:assistant|agent|model|ai|bot|chatbot))"
    f"{_B}to"
    # asked in so many words: whatever the verb ("You are kindly requested to collect …")
    f"|you(?:['’]re|{_B}are){_B}(?:kindly{_B})?(?:asked|requested){_B}to(?={_B}[a-z])"
    f"|you(?:['’]re|{_B}are){_B}(?:expected{_B}|supposed{_B})?to(?={_B}(?:act|be|help|write|answer|review|draft|"
    f"prepare|produce|generate|assist|support|handle|respond|reply|provide|create|summari[sz]e|classify|"
    f"analy[sz]e|evaluate|check|translate|extract|suggest|recommend|explain|identify|list)\\b)"
    f"|it(?:['’]s|{_B}is){_B}(?:{_DEGREE}(?:important|crucial|essential|vital|critical|key|imperative)"
    # "It is of the utmost importance that you …"
    f"|of{_B}(?:the{_B})?(?:utmost|great|greatest|paramount|critical|vital|particular|special){_B}importance){_B}"
    # not before the writer's own act of saying: "It is important to emphasize that …" is not a request
    f"(?:that{_B}you|for{_B}you{_B}to|to(?!{_B}(?:emphasi[sz]e|stress|reiterate|mention|point{_B}out|add|clarify|"
    f"highlight|underline|repeat|say)\\b))"
    # "What you need to do is …", "All you have to do is …"
    f"|(?:what|all){_B}(?:you|we){_B}(?:need|have|want)(?:{_B}you)?{_B}to{_B}do{_B}is(?:{_B}to)?"
    f"|what{_B}(?:we|i)(?:['’]d|{_B}would)?{_B}(?:(?:really|truly){_B})?(?:love|like|want|need){_B}is{_B}"
    f"(?:for{_B}you{_B}to|that{_B}you)"
    f"(?!{_B}(?:note|remember|know){_B}that)"
    f"|you{_B}(?:have|need){_B}to"
    # the instruction in the present tense, after the clause that sets its case: "In this case, you explain to the
    # patient …", "If they mention chest pain, you stop giving advice"
    f"|you(?={_B}{_TASK_VERB}\\b)"
    # not before a verb of perceiving or receiving: "You should see a stable connection" expects, it does not ask
    # ("You should probably mention …" is a hedge: "Probably mention …" would read as if misspoken)
    f"|you{_B}should(?!{_B}(?:see|notice|hear|receive|get|now|already|probably|perhaps|maybe|possibly|ideally)\\b)"
    f"|you{_B}(?:may|might){_B}want{_B}to"
    # "You will review each diff" asks for it; "You will receive a transcript" tells, and stays
    f"|you(?:['’]ll|{_B}will)(?={_B}(?:write|answer|review|draft|prepare|produce|generate|respond|reply|provide|"
    f"create|summari[sz]e|classify|analy[sz]e|evaluate|translate|extract|return|output|list|identify|explain|"
    f"greet|format|rate|score|label|compare|suggest|recommend|assess|categori[sz]e|rewrite)\\b)"
    f"|(?:we|i){_B}(?:(?:really|would){_B})?(?:expect|ask|encourage|invite){_B}you{_B}to"
    f"|you(?:['’]re|{_B}are){_B}encouraged{_B}to"
    # "The goal is to get a reply" asks for it
    f"|the{_B}(?:(?:main|primary|overall|ultimate|real){_B})?(?:goal|aim|objective|task|idea){_B}(?:here{_B})?is{_B}to"
    # the formal register: the reader named in the third person, with "shall" ("The Assistant shall use …")
    f"|(?:the{_B}(?:assistant|agent|ai|bot|chatbot){_B}(?:shall|should|is{_B}(?:required|expected|asked){_B}to"
    # (before a protected word too: "The Assistant shall not guess" → "Do not guess", "shall never" → "Never")
    f"|will{_B}need{_B}to)|you{_B}shall)(?={_B}(?:[a-z]|{SENTINEL}))"
    # not a comparison: "it is better to say 'I don't know' than to guess" needs its "better" ("rather than" does not)
    f"|it(?:['’]s|{_B}is){_B}(?:(?:highly|strongly|generally|usually){_B})?(?:recommended|advisable|necessary|best|"
    f"a{_B}good{_B}idea|(?:preferable|better)(?![^.!?\\n]*?(?<!rather )\\bthan\\b)){_B}(?:that{_B}you|for{_B}you{_B}to|to)"
    ")(?!\\w)"
)
# chained openers ("I would like you to please make sure to …") go in one match
# openers stand at a sentence start (the handler checks `at_sentence_start`) or, for a request, after the
# comma closing a clause: the lookbehinds turn away the other words at once
_OPENER_MAY_STAND = r"(?<![^\n \t*+>.)!?:,0-9-][ \t])"
# The writer announcing what they say next ("I should mention, lastly, that …", "We'd like to stress that …",
# "Let me point out that …"), and an emphatic "do" before an opener ("please do keep in mind that …"): what
# follows is said either way.
_SPEAKER_NOTE = (
    f"(?:(?:i|we)(?:['’]d{_B}like{_B}to|{_B}(?:would{_B}like{_B}to|(?:just{_B}|also{_B})?want{_B}to|need{_B}to|should|must|"
    f"have{_B}to))?|let{_B}me|allow{_B}me{_B}to){_B}(?:also{_B})?(?:mention|add|note|point{_B}out|stress|emphasi[sz]e|"
    f"reiterate|clarify|highlight|underline|repeat)(?:,?{_B}(?:lastly|finally|again|also|once{_B}more|here|first),?)?{_B}that"
    f"|do(?={_B}(?:keep|bear|note|remember|make{_B}sure|be{_B}sure)\\b)"
)
# The same in the passive ("It should be emphasised that …", "It is hereby acknowledged that …", "It is to be
# understood that …"; not "must": a constraint word stays), and what the reader is told they know ("As you may be
# aware, …"): what follows is said either way.
_PASSIVE_NOTE = (
    f"it{_B}(?:is|should{_B}be|is{_B}to{_B}be|shall{_B}be)(?:{_B}(?:hereby|further|expressly|also|again)){{0,2}}{_B}"
    f"(?:noted|understood|acknowledged|emphasi[sz]ed|stressed|highlighted|underlined|pointed{_B}out|remembered|"
    f"reiterated|repeated|restated|"
    f"borne{_B}in{_B}mind|recalled|observed)(?:{_B}for{_B}the{_B}record)?{_B}that"
    f"|it(?:['’]s|{_B}is)(?:{_B}(?:perhaps|probably|also|therefore))?{_B}worth{_B}(?:noting|mentioning|stating|saying|"
    f"pointing{_B}out|remembering|emphasi[sz]ing|stressing|repeating)(?:{_B}(?:at{_B}the{_B}outset|here|again|first|"
    f"up(?:{_B})?front))?{_B}that"
    f"|as{_B}you{_B}(?:(?:may|might|probably|already|surely|well|likely){_B})*(?:know|be{_B}aware|are{_B}aware|"
    f"can{_B}imagine|can{_B}see|will{_B}see),"
)
_OPENER_ANY = f"(?:{_OPENER_PHRASE}|{_SPEAKER_NOTE}|{_PASSIVE_NOTE})"
_FILLER_OPENER = after_non_word(
    f"(?=[a-z]){_OPENER_MAY_STAND}(?:(?P<request>{_INDIRECT_REQUEST})|{_OPENER_ANY})(?:[ \\t]+{_OPENER_ANY})*"
    # a conjunction after an opener's comma goes with it: "For the avoidance of doubt, and notwithstanding …"
    + r"(?:(?<=,)[ \t]+(?:and|but)(?=[ \t]))?[ \t]*(?P<next>[^\s\ue000])?"
)
# An indirect request may also follow the comma that closes a clause before it ("If they ask, we'd love you to
# reply in French"): the rest is the same request made direct. Not after ", and" / ", but" / ", so": the bare
# verb would take the subject of the clause before ("We are a small team, and review first" reads as "we review").
_AFTER_CLAUSE = re.compile(r"[^\W\d_][\w'’)\]]*,[ \t]+\Z")
# "… to write …, and to avoid …", "… should take care …, and should provide …": the coordinated "to" or modal
# would dangle once the request before it is made direct (the window runs over protected spans: a number or a
# name between the two does not end the sentence)
# ("it" as a subject only, before a verb or a protected "should not": in "read it" it stands for a thing)
_ITS_LATER = re.compile(
    r"[^.!?\n]{0,300}?(?<![\w'’])(?:its|itself|it(?=['’]s\b|[ \t]+(?:\ue000|(?:should|shall|must|will|may|might|"
    r"can|cannot|could|would|is|was|does|did|has|needs?)\b)))(?!\w)",
    re.I,
)
_COORDINATED_TO = re.compile(
    r"[^.!?\n]{0,200}?[ \t,](?:and|or)[ \t]+"
    r"(?P<word>(?:to|should|shall|will|must|that(?:[ \t]+you)?|you[ \t]+should|if[ \t]+you(?:[ \t]+(?:could|would|can))?"
    rf"|you(?=[ \t]+{_TASK_VERB}\b))[ \t]+)"
)
# a list of three: "to summarise …, to list …, and to propose …": the middle one would dangle too
_LISTED_TO = re.compile(r",[ \t]+(?:to|should|shall|will|that[ \t]+you|you[ \t]+should|if[ \t]+you)[ \t]")
_COORDINATED_PROTECTED = re.compile(r"[^.!?\n]{0,200}?[ \t,](?:and|or)[ \t]+\ue000[ \t]+[a-z]")
# after the coordinated word: a subject ("and should the error persist, …" is a condition) or a determiner ("and
# to the manager") means it is not the second half of the request, which then stays as it is
_NOT_COORDINATED = re.compile(
    r"(?:the|a|an|it|they|this|that|there|you|we|he|she|any|your|our|their|them|him|her|me|us|all|each|every)\b"
    r"|\ue000"
)
# ("should not" is one protected span, so what follows "should" is "never", "only" …: never a bare "not", which
# "shall" and "will" may have)
_MODAL_WORD = re.compile(r"(?:you[ \t]+)?should\b|that[ \t]+you\b")
_PLEASE_AT_END = re.compile(r"please(?=[.!?,])(?<=[ \t,]please)")
#: Inline filler, case-sensitive (only lower-case uses are inline); each pattern starts with a literal word so
#: the engine jumps between its occurrences, and checks the character before it after that.
_FILLER_INLINE = tuple(
    re.compile(f"{word}(?<!\\w{word}){rest}[ \\t]+(?=[a-z])")
    for word, rest in (
        # not the verb: "it would please me", "hard to please"
        (
            "please",
            "".join(f"(?<!{modal} please)" for modal in ("would", "will", "to", "may", "might", "can", "could", "does"))
            + r"(?![ \t]+(?:me|us|him|her|them|everyone|everybody)\b)",
        ),
        # a politeness marker only after the words that ask ("we kindly ask"); "tell them kindly that …" and
        # "respond kindly and …" say how to do it
        (
            "kindly",
            "(?:"
            + "|".join(f"(?<=\\b[{w[0]}{w[0].upper()}]{w[1:]} kindly)" for w in KINDLY_ASKS)
            + "|(?<=, kindly)|(?<=; kindly))",  # opening a clause: "instead, kindly refer them"
        ),
        # ("and make sure that you are polite" would leave "and are polite")
        ("make", r"[ \t]+sure[ \t]+(?:to|that[ \t]+you(?![ \t]+are\b))"),
        ("be", r"[ \t]+sure[ \t]+to"),
    )
)
_POLITE_SENTENCE = after_non_word(
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
    cuts = []
    position = 0
    for match in pattern.finditer(text):
        cut = match.start()
        while cut > position and text[cut - 1] in " \t,":
            cut -= 1
        cuts.append((cut, match.end()))
        position = match.end()
    return _cut(text, cuts), len(cuts)


def _cut(text: str, cuts: list[tuple[int, int]]) -> str:
    """`text` without the ranges `cuts` (sorted, not overlapping); a known fold of it is cut alike."""
    if not cuts:
        return text

    def keep(source: str) -> str:
        return "".join(source[end:start] for (_, end), (start, _) in zip([(0, 0), *cuts], [*cuts, (len(source), 0)]))

    result = keep(text)
    folded = known_fold(text)
    if folded is not None:
        remember_fold(result, keep(folded))
    return result


def without_ranges(text: str, cuts: list[tuple[int, int]]) -> str:
    """`text` without the ranges `cuts` (sorted, not overlapping), for the transforms of other modules."""
    return _cut(text, cuts)


#: What a rewrite's `replace` returns: the new text for the match, or (start, new text) to replace from an earlier
#: offset (a word before the match that must change with it), or (start, new text, end) to replace up to a later
#: offset (a word after it: matches inside that stretch are then skipped), or None to keep the match.
Replacement = str | tuple[int, str] | tuple[int, str, int] | None


def _rewrite(
    text: str,
    patterns: AfterNonWord,
    replace: Callable[[int, int, re.Match[str]], Replacement],
) -> tuple[str, int]:
    """`text` with each group "m" of `patterns`, searched in the case-folded text (see `iter_after_non_word`),
    replaced by what `replace(start, end, match)` returns for it (offsets into `text`; see `Replacement`).

    The fold of the result is built alongside and remembered, for the next transform that folds it."""
    folded = fold(text)
    parts: list[str] = []
    folded_parts: list[str] = []
    position = count = 0
    for match in iter_after_non_word(patterns, " " + folded):
        start, end = match.start("m") - 1, match.end("m") - 1
        if start < position:
            continue  # inside the stretch a previous rewrite reached forward over
        new = replace(start, end, match)
        if isinstance(new, tuple):
            if new[0] < position:
                continue  # reaching back into the previous rewrite
            if len(new) == 3:
                start, new, end = new
            else:
                start, new = new
        if new is None:
            continue
        parts.append(text[position:start])
        parts.append(new)
        folded_parts.append(folded[position:start])
        folded_parts.append(fold(new))
        position = end
        count += 1
    if not count:
        return text, 0
    parts.append(text[position:])
    folded_parts.append(folded[position:])
    result = "".join(parts)
    remember_fold(result, "".join(folded_parts))
    return result, count


def rewrite(
    text: str,
    patterns: AfterNonWord,
    replace: Callable[[int, int, re.Match[str]], Replacement],
) -> tuple[str, int]:
    """`_rewrite` for the transforms of other modules (`rewording`): patterns made with `after_non_word`, run
    on the case-folded text."""
    return _rewrite(text, patterns, replace)


# Words that add nothing inside a sentence, cut with the blanks (and comma) before them: "under any
# circumstances" and "whatsoever" only stress the "never" or "no" beside them; "at your disposal" and "a total
# of" (before a number) say nothing the sentence does not
# Words that add nothing, each cut with the blanks before it; a pattern runs only on a text holding its words
# (`_EMPTY_HINTS`), and each starts with a literal or blanks, which the engine finds fast.
_EMPTY_WORDS = re.compile(
    r"[ \t]+(?:(?P<stress>under[ \t]+any[ \t]+circumstances(?:[ \t]+whatsoever)?(?:,(?=[ \t]))?|at[ \t]+your[ \t]+disposal"
    r"|a[ \t]+total[ \t]+of(?=[ \t]+\ue000))"
    # "you can then go ahead and explain"
    r"|(?P<filler>whatsoever|(?:go[ \t]+ahead[ \t]+and|take[ \t]+the[ \t]+time[ \t]+to)(?=[ \t]+[a-z])))(?![\w-])"
)
_CLAUSE_ENDS = frozenset(":;.!?")
_EMPTY_HINTS = ("whatsoever", "circumstances", "disposal", "total of", "ahead and", "the time to")
# an aside between commas: "and, to be honest, quite" → "and quite"; what the reader is told they know, also
# ending the clause: "which, as you can imagine, doesn't scale", "the biggest obstacle, as any teacher will tell
# you.", "the CEFR levels, which you probably know)"
_READER_KNOWS = (
    r"as[ \t]+(?:you|any(?:one|[ \t]+[a-z]+(?:[ \t]+[a-z]+)?))(?:[ \t]+(?:can|may|might|probably|already|surely|well"
    r"|will|would|likely))*[ \t]+(?:know|imagine|guess|see|tell[ \t]+you|agree|appreciate)"
    r"|which[ \t]+you(?:[ \t]+(?:probably|may|might|already|surely|likely))*[ \t]+know"
    r"|as[ \t]+I(?:['’]m|[ \t]+am)[ \t]+sure[ \t]+you(?:[ \t]+(?:will|can|would))?[ \t]+(?:know|appreciate|understand"
    r"|imagine|agree)"
)
_ASIDE = re.compile(
    r",[ \t]+(?:(?:to[ \t]+be[ \t]+honest|honestly|frankly|basically|of[ \t]+course|in[ \t]+fact|actually|obviously"
    rf"|{_READER_KNOWS}),(?=[ \t])|(?:{_READER_KNOWS})(?=[.;)]))"
)
_ASIDE_HINTS = (
    "sure you",
    "honest",
    "frankly",
    "basically",
    "of course",
    "as you",
    "as any",
    "you probably know",
    "in fact",
    "actually",
    "obviously",
    "you know",
    "tell you",
)


def _drop_empty_words(text: str) -> tuple[str, int]:
    """`_EMPTY_WORDS` (with the blanks before them) and `_ASIDE` cut, where what comes before fits."""
    cuts: list[tuple[int, int]] = []
    if any(word in text for word in _EMPTY_HINTS):
        for match in _EMPTY_WORDS.finditer(text):
            before = text[match.start() - 1 : match.start()]
            if before and (before in ",\ue000" or before.isalnum()) and (match.group("stress") or before.islower()):
                # ", under any circumstances," between commas, or before a stop ("never, under any circumstances:"):
                # the comma before goes too
                ends_clause = match.group().endswith(",") or text[match.end() : match.end() + 1] in _CLAUSE_ENDS
                start = match.start() - (before == "," and ends_clause)
                cuts.append((start, match.end()))
    if "," in text and any(word in text for word in _ASIDE_HINTS):
        cuts.extend(
            match.span() for match in _ASIDE.finditer(text) if text[match.start() - 1 : match.start()].isalpha()
        )
    if not cuts:
        return text, 0
    cuts.sort()
    kept = [cuts[0]]
    for cut in cuts[1:]:
        if cut[0] >= kept[-1][1]:
            kept.append(cut)
    return _cut(text, kept), len(kept)


# A request asked as a question ("Could you please summarise this report?"): its question mark becomes a full
# stop, so that with the opener gone it reads "Summarise this report." (and as a request if the opener stays).
# (one class first, which the engine skips ahead to; an alternation first is tried at every position)
_POLITE_QUESTION = re.compile(
    r"[CcWw](?:(?<=[Cc])(?:ould|an)|(?<=[Ww])ould)[ \t]+you[ \t]+(?:please|kindly)[ \t][^?.!\n]*\?"
)


_STOPS = frozenset(",.;:!?)")
_MODAL_BEFORE = re.compile(r"\b(?:should|must|shall|will|would|can|could|may|might|need)[ \t]+\Z", re.I)
_ENDS_CLAUSE = re.compile(r",(?:[ \t]+(?:and|but))?[ \t]*\Z")
# the request set against what it is not, later in its sentence: ", not that you …", "rather than that …"
_CONTRAST_NOT = f"{SENTINEL}|not"
_SET_AGAINST = re.compile(
    r"[^.!?\n]{0,200}?(?:" + set_against(_CONTRAST_NOT, r"rather[ \t]+than[ \t]+that") + ")", re.I
)
_ENDS_WITH_SHALL = re.compile(r"shall[ \t]*\Z", re.I)
# an opener that ends with its subject ("make sure that you", "ensure that you") before "are"
_ENDS_WITH_YOU = re.compile(r"you[ \t]*\Z")
_YOU_ARE = re.compile(r"are[ \t]")
_ARE_NEGATED = re.compile(rf"are[ \t]+(?:{SENTINEL}|not\b)", re.I)


_LIST_ITEM_START = re.compile(r"[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
# a list item that tells who does what: a subject other than the reader, or "you" with a verb that is no task
_NARRATED = re.compile(rf"(?:the|a|an|it|they|he|she|we|i)\b|you[ \t]+(?!{_TASK_VERB}\b)(?:[a-z]|{SENTINEL})", re.I)


def _narrated_list_item(text: str, start: int) -> bool:
    """Whether `start` opens a list item next to an item that narrates ("1. You issue a command", "2. The system
    runs it"): the present tense there tells the steps of a process, and one made an order would stand out."""
    line_start = text.rfind("\n", 0, start) + 1
    if not _LIST_ITEM_START.fullmatch(text, line_start, start):
        return False
    line_end = text.find("\n", start)
    previous_end = max(0, line_start - 1)  # (found in place: a copy of the text before it made a long text quadratic)
    siblings = [text[text.rfind("\n", 0, previous_end) + 1 : previous_end]] if line_start else []
    if line_end >= 0:
        next_end = text.find("\n", line_end + 1)
        siblings.append(text[line_end + 1 : len(text) if next_end < 0 else next_end])
    for sibling in siblings:
        marker = _LIST_ITEM_START.match(sibling)
        if marker is not None and _NARRATED.match(sibling, marker.end()):
            return True
    return False


def filler_phrases(text: str) -> tuple[str, int]:
    """Politeness and filler: "Please note that", "I would like you to", "please", "Thank you!"."""

    def opener(start: int, end: int, match: re.Match[str]) -> Replacement:
        coordinated = _COORDINATED_TO.match(text, end)
        opener_end = match.start("next") - 1 if match.group("next") else end
        if coordinated is not None and _ENDS_CLAUSE.search(text, start, opener_end):
            # "For the avoidance of doubt, …, and that …": after an opener that closes with its comma the sentence
            # is whole, and a later "and that" is its own
            coordinated = None
        if coordinated is None:
            if match.group("request") is not None and _COORDINATED_PROTECTED.match(text, end):
                return None  # "You should read it and should not guess": "should not" is one protected span
            return direct(start, end, match)
        # "I would ask you to write …, and to avoid …" → "Write …, and avoid …": the second "to" (or "should",
        # "shall", "will", "that you") goes with the request, or it would dangle; where it cannot go, both stay
        word = coordinated.group("word")
        # a protected word after a modal is its negation ("and you should never invent …" → "and never invent …");
        # after "to" it may be a name ("and to Acme Corp")
        negated_modal = _MODAL_WORD.match(word) and text[coordinated.end() : coordinated.end() + 1] == SENTINEL
        if word.startswith("must") or (_NOT_COORDINATED.match(text, coordinated.end()) and not negated_modal):
            return None
        if _COORDINATED_TO.match(text, coordinated.end()) or _LISTED_TO.search(text, end, coordinated.start("word")):
            return None  # a third part would still dangle
        new = direct(start, end, match)
        if not isinstance(new, str) or new == CAPITALISE:
            return None
        return start, new + text[end : coordinated.start("word")], coordinated.end()

    def direct(start: int, end: int, match: re.Match[str]) -> Replacement:
        if match.group("request") is not None and _SET_AGAINST.match(text, end):
            return None  # "It is important that you answer correctly, not that you answer quickly": a contrast
        if match.group("request") == "you" and _narrated_list_item(text, start):
            return None  # "3. You see the result(s)\n4. You write your next command(s)": a step told, not asked
        if text[start : start + 4].lower() == "the " and _ITS_LATER.match(text, end):
            return None  # "The Agent shall compose its answer", "…, and it should not …": "it" loses its referent
        if not at_sentence_start(text, start):
            if match.group("request") is None or not _AFTER_CLAUSE.search(text, max(0, start - 40), start):
                return None
            if not match.group("next"):
                # "When analysing the data, it is important that you <do not> invent numbers": a protected word
                # goes on the sentence, which needs no capital here
                # ("Accordingly, the Assistant shall <not> provide …" would leave "Accordingly, not provide …")
                if text[end : end + 1] != SENTINEL or _ENDS_WITH_SHALL.search(text, start, end):
                    return None
                return ""
            following = match.start("next") - 1
            return text[following] if text[following].islower() else None
        if not match.group("next"):
            after = match.end("m") - 1
            starts_capitalised = text[start : start + 1].isupper()
            if starts_capitalised and text[after : after + 1] == SENTINEL:
                # a span that cannot take the capital (another follows: "not only") would open the sentence in
                # lower case: the opener stays
                return CAPITALISE if _may_capitalise_span(text, after + 1) else None
            return ""
        following = match.start("next") - 1
        if text[following] in _STOPS:
            return None  # the opener's last word is a pronoun here: "I want to repeat that, because …"
        if _YOU_ARE.match(text, following) and _ENDS_WITH_YOU.search(text, start, following):
            # "Make sure that you are polite" → "Be polite"; "… you are not rude" keeps its opener ("Be not rude")
            if _ARE_NEGATED.match(text, following):
                return None
            return start, "Be", following + 3
        # where the next word cannot take a capital (it would run into a protected span as one name), the
        # opener stays: a sentence opening in lower case reads as a fragment
        return _capitalize_next(text[following]) if may_capitalise(text, following) else None

    def polite(start: int, end: int, match: re.Match[str]) -> str | None:
        return "" if at_sentence_start(text, start) else None

    if "you" in text:
        text = _POLITE_QUESTION.sub(
            lambda m: m.group()[:-1] + "." if at_sentence_start(text, m.start()) else m.group(), text
        )
    text, openers = _rewrite(text, _FILLER_OPENER, opener)
    text, trailing = _drop_with_separators(text, _PLEASE_AT_END)
    text, empty = _drop_empty_words(text)
    trailing += empty
    # the inline matches never overlap: each ends with blanks before a lower-case letter
    inline = sorted(
        match.span()
        for pattern in _FILLER_INLINE
        for match in pattern.finditer(text)
        # "be sure to include X and to round Y": the second "to" would dangle
        if not (match.group().endswith(("to ", "to\t", "you ", "you\t")) and _COORDINATED_TO.match(text, match.end()))
    )
    text = _cut(text, inline)
    text, polites = _rewrite(text, _POLITE_SENTENCE, polite)
    return text, openers + trailing + len(inline) + polites


_VERBOSE = {
    "in order to": "to",
    "utilize": "use",
    "utilise": "use",
    "utilizing": "using",
    "utilising": "using",
    "insofar as is practicable": "where practical",
    "insofar as possible": "where possible",
    "in so far as possible": "where possible",
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
    "at the very start": "at the start",
    "in lieu of": "instead of",
    "will be able to": "can",
    "based on the fact that": "because",
    "considered to be": "considered",
    "deemed to be": "deemed",
    "the reasons why": "why",
    "as to how": "how",
    "as to whether": "whether",
    "as to what": "what",
    "as to why": "why",
    "as to the": "about the",
    "avoid the use of": "avoid",
    "refrain from the use of": "avoid",
    "with the exception of": "except",
    "in the order indicated": "in order",
    "in the order given": "in order",
    "in the order specified": "in order",
    "in the order listed": "in order",
    "in the order shown": "in order",
    "as being": "as",
    "as you possibly can": "as possible",
    "as you can possibly": "as possible",
    "you will be acting as": "you are",
    "you'll be acting as": "you are",
    "whenever it is possible to do so": "whenever possible",
    "whenever it is possible": "whenever possible",
    "if it is possible to do so": "if possible",
    "where it is possible to do so": "where possible",
    "if at all possible": "if possible",
    "somewhere in the range of": "about",
    "in the range of": "about",
    "somewhere between": "between",
    "somewhere around": "around",
    "within a period of": "within",
    "for a period of": "for",
    "over a period of": "over",
    "let them know": "tell them",
    "let the user know": "tell the user",
    "let the customer know": "tell the customer",
    "let the guest know": "tell the guest",
    "refrain from": "avoid",
    "any kind of": "any",
    "any sort of": "any",
    "any type of": "any",
    "and shall": "and",
    "or shall": "or",
    "in the context of": "in",
    "with the help of": "with",
    "for the purposes of": "for",
    "for the sake of": "for",
    "in an attempt to": "to",
    "in its entirety": "in full",
    "at a later time": "later",
    "at a later date": "later",
    "the reason why": "why",
    "the question of whether": "whether",
    "in a timely fashion": "promptly",
    "on an ongoing basis": "continually",
    "provide you with": "give you",
    "provides you with": "gives you",
    "as well as": "and",
    # redundant pairs
    "end result": "result",
    "past history": "history",
    "future plans": "plans",
    "absolutely essential": "essential",
    "absolutely necessary": "necessary",
    "completely unique": "unique",
    "very unique": "unique",
    "general consensus": "consensus",
    "basic fundamentals": "fundamentals",
    "exact same": "same",
    "added bonus": "bonus",
    "advance warning": "warning",
    "combine together": "combine",
    "join together": "join",
    "merge together": "merge",
    "repeat again": "repeat",
    "revert back": "revert",
    "return back": "return",
    "each individual": "each",
    "every single": "every",
    "true facts": "facts",
    "actual facts": "facts",
    "period of time": "period",
    "all of the": "all the",
    "both of the": "both",
    "ensure that": "ensure",
    "make sure that": "ensure",
    "make sure": "ensure",
    "you will be provided with": "you will get",
    "you'll be provided with": "you'll get",
    "you will be given": "you will get",
    "you'll be given": "you'll get",
    "it is possible for you to": "you can",
    "the manner in which": "how",
    "the way in which": "how",
    "as a result of": "because of",
    "as a consequence of": "because of",
    "a sufficient number of": "enough",
    "in order that": "so that",
    "has the capacity to": "can",
    "have the capacity to": "can",
    # wordy and legal phrasing
    "in order for you to": "to",
    "so that you can": "to",
    "so that you are able to": "to",
    "so that you will be able to": "to",
    "in accordance with": "per",
    "pursuant to": "under",
    "in the course of": "during",
    "during the course of": "during",
    "for the duration of": "during",
    "on the basis of": "based on",
    "as set out below": "as below",
    "as set out above": "as above",
    "as described below": "as below",
    "as described above": "as above",
    "as outlined below": "as below",
    "as outlined above": "as above",
    "a number of": "several",
    "the vast majority of": "most",
    "a majority of": "most",
    "by means of": "by",
    "by virtue of": "by",
    "in conjunction with": "with",
    "for the reason that": "because",
    "on account of": "because of",
    "in the vicinity of": "near",
    "in excess of": "over",
    "is in a position to": "can",
    "are in a position to": "can",
    "have a tendency to": "tend to",
    "has a tendency to": "tends to",
    "on a weekly basis": "weekly",
    "on a monthly basis": "monthly",
    "on an annual basis": "annually",
    "on a case-by-case basis": "case by case",
    "on a pro-rata basis": "pro rata",
    "act in the capacity of": "act as",
    "in the capacity of": "as",
    "upon receipt of": "on receiving",
    "at such time as": "when",
    "as quickly as humanly possible": "quickly",
    "as quickly as possible": "quickly",
    "at your earliest convenience": "soon",
    "at their earliest convenience": "soon",
    "please be advised that": "",
    "each and every one of": "all",
    "any and every": "every",
    "is responsible for ensuring that": "ensures",
    "in most cases": "usually",
    "in some cases": "sometimes",
    "in many cases": "often",
    "really, really": "really",
    "very, very": "very",
    "extra, extra": "extra",
    "always, always": "always",
    "super, super": "super",
    # doubled intensifiers
    **{" ".join([word] * times): word for word in ("very", "really", "extremely") for times in (2, 3)},
}
_VERBOSE_PHRASE = after_non_word("(?=[a-z])" + _phrases(_VERBOSE))


def _verbose_replacement(text: str, start: int, end: int) -> str:
    short = _VERBOSE[" ".join(text[start:end].lower().split())]
    capitalised = _capitalize_next(short)
    # a one-word replacement capitalised before a capitalised word would begin a named entity with it
    if text[start].isupper() and (" " in short or capitalised in _STOPWORDS or not _ENTITY_GOES_ON.match(text, end)):
        return capitalised
    return short


#: Replacements that are adverbs of frequency: they stand before the verb, so not at the end of a clause
#: ("Be polite at all times." stays; "Be polite always." is not what an editor writes).
_BEFORE_VERB = frozenset({"always"})


#: Phrases whose short form cannot open a sentence ("As well as X, do Y" is not "And X, do Y").
_NOT_OPENING = frozenset({"as well as"})


def _fits_here(text: str, start: int, end: int) -> bool:
    """Whether the short form reads right where the phrase stands."""
    phrase = " ".join(text[start:end].lower().split())
    short = _VERBOSE[phrase]
    if phrase in _NOT_OPENING and at_sentence_start(text, start):
        return False
    written = text[start:end]
    if written[1:] != written[1:].lower():
        return False  # "ALL of the": capitals for emphasis are the writer's, not a phrase to shorten
    after = text[end : end + 1]
    # "one single, low-commitment question": the dropped word was one of a series of modifiers
    if after == "," and short and phrase.startswith(short + " "):
        return False
    # "Prior to Node.js 8" is not "before Node.js 8": where the short form cannot take the capital (it would run
    # into the capitalised words after it as one name), a sentence would open in lower case, so the phrase stays
    if short and text[start].isupper() and _verbose_replacement(text, start, end)[:1].islower():
        return False
    # "make sure to mention" is not "ensure to mention": "ensure" takes an object or a clause, never "to"
    if short == "ensure" and _TO_FOLLOWS.match(text, end):
        return False
    # "shall not provide X, and shall refer Y" is not "shall not provide X, and refer Y": the "not" would reach
    # over the second verb
    if phrase in _SECOND_SHALL:
        # the "shall" shared by both verbs must be there ("are prohibited and shall not be undertaken" has none)
        sentence_start = _sentence_start_before(text, start)
        if not _SHALL.search(text, sentence_start, start) or _NEGATED_SHALL.search(text, sentence_start, start):
            return False
    # "In the course of responding" is not "During responding"
    if short == "during" and _GERUND_FOLLOWS.match(text, end):
        return False
    # "Do not state a number of days" asks for no figure, not for no "several days": "a number of" means
    # "several" only after words that take an amount ("for a number of reasons", "there are a number of")
    if short == "several" and not at_sentence_start(text, start):
        previous = _WORD_BEFORE.search(text, max(0, start - 24), start)
        if previous is None or previous.group(1).lower() not in _TAKES_AN_AMOUNT:
            return False
    # "You should in order to help them always be polite": after a modal, "to" would read as its infinitive
    if short == "to" and _MODAL_BEFORE.search(text, max(0, start - 12), start):
        return False
    # "Rate the answer in relation to the reference" compares (it is not "about the reference"): where the sentence
    # judges or measures before the phrase, it means "relative to" and stays ("questions in relation to billing"
    # name a topic: "about")
    if phrase in _ABOUT_OR_RELATIVE_TO and _JUDGES_OR_MEASURES.search(text, _sentence_start_before(text, start), start):
        return False
    # "in the order given by the user" names whose order: "in order by the user" would not
    if short == "in order" and not (after == "" or after in ".,;:!?)\n"):
        return False
    return not (short in _BEFORE_VERB and (after == "" or after in ".,;:!?)\n"))


_SECOND_SHALL = frozenset({"and shall", "or shall"})
_SHALL = re.compile(r"\bshall\b", re.IGNORECASE)
_NEGATED_SHALL = re.compile(r"shall[ \t]+(?:\ue000|not\b)", re.IGNORECASE)


def _sentence_start_before(text: str, position: int) -> int:
    """Where the sentence holding `position` starts (looking back at most 300 characters)."""
    window = max(0, position - 300)
    return max(text.rfind(stop, window, position) for stop in (".", "!", "?", "\n")) + 1 or window


_GERUND_FOLLOWS = re.compile(r"[ \t]+[a-z]{2,}ing\b")
_WORD_BEFORE = re.compile(r"([\w'’]+)[ \t]+\Z")
_TAKES_AN_AMOUNT = frozenset(
    [
        "are",
        "were",
        "is",
        "was",
        "have",
        "has",
        "had",
        "hold",
        "holds",
        "include",
        "includes",
        "contain",
        "contains",
        "for",
        "in",
        "of",
        "with",
        "from",
        "among",
        "across",
        "over",
        "after",
        "on",
        "at",
        "by",
        "to",
        "there",
    ]
)
_TO_FOLLOWS = re.compile(r"[ \t]+to\b", re.IGNORECASE)
_ABOUT_OR_RELATIVE_TO = frozenset({"in relation to", "with respect to"})
_JUDGES_OR_MEASURES = re.compile(
    r"\b(?:rat(?:e|ed|es|ing)|scor(?:e|ed|es|ing)|evaluat(?:e|ed|es|ing|ion)|assess(?:ed|es|ing|ment)?|judg(?:e|ed|es|ing)"
    r"|grad(?:e|ed|es|ing)|compar(?:e|ed|es|ing)|measur(?:e|ed|es|ing)|rank(?:ed|s|ing)?|weigh(?:ed|s|ing)?"
    r"|relevan(?:ce|t)|accura(?:cy|te)|position(?:ed)?|proportion(?:al)?|relative|consisten(?:t|cy))\b",
    re.IGNORECASE,
)


def verbose_phrases(text: str) -> tuple[str, int]:
    """Wordy phrases to short ones: "in order to" → "to", "due to the fact that" → "because", …"""
    return _rewrite(
        text,
        _VERBOSE_PHRASE,
        lambda start, end, match: _verbose_replacement(text, start, end) if _fits_here(text, start, end) else None,
    )


# A sentence starts a line (after a list marker) or follows . ! ? and blanks. The pattern starts with the line
# break or punctuation before it (in "\n" + text, see `_line_matches`), so the engine stops only there.
_SENTENCE = re.compile(
    r"[\n.!?](?P<m>(?P<lead>(?<=\n)[ \t]*(?:[-*+][ \t]+|\d{1,3}[.)][ \t]+)?|(?<=[.!?])[ \t]+)"
    r"(?P<body>[^\s.!?\ue000][^.!?\n\ue000]*[.!?]+)(?=[ \t]|\n|\Z))"
)
_REMOVED = "\ue001"
_REMOVED_LINE = re.compile(r"\n(?P<m>[ \t]*(?:[-*+]|\d{1,3}[.)])?[ \t]*\ue001[ \t]*(?:\n|\Z))")
_REMOVED_MARK = re.compile(r"\ue001[ \t]*")
_WORD_RUN = re.compile(r"\w+")


# A section starts at a heading: a markdown heading, a short label line ending with ":", or a line that is one
# XML-like tag. Sections written one per case (per event type, per branch, per example) repeat sentences on
# purpose, so a sentence is dropped as a repeat only within its section, or in a recap section.
_HEADING = re.compile(
    r"\n(?P<m>[ \t]{0,3}(?:#{1,6}[ \t][^\n]*|[^\n.!?]{1,60}:[ \t]*|</?[A-Za-z][^\n<>]{0,80}>[ \t]*))(?=\n|\Z)"
)
_RECAP_HEADING = re.compile(
    r"\b(?:recap|reminders?|remember|tl;?dr|in short|to sum up|key points|"
    r"key rules|final (?:notes?|rules|checks?|words?|reminders?)|once again|again)\b",
    re.I,
)
# a sentence that says it repeats ("Remember: …", "Again, …") is a reminder wherever it stands
_RECAP_SENTENCE = re.compile(r"(?:remember|reminder|again|as (?:mentioned|stated|noted|said)|once more|to reiterate)\b")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")  # a paragraph never crosses a split between two parts (`pipeline`)
_PARALLEL = "\x1b"  # "\x1b<sentence>\x1f<heading shape>": met in a section with a heading of that shape
_HEADING_WORD = re.compile(r"[A-Za-z\ue000]+")
_ANY_SECTION = "\x1d"  # joins the heading shapes in the `_SECTIONS_SEEN` entry
_SECTIONS_SEEN = "\x1e"  # a memory entry "\x1e<headings so far>\x1e<0|1: the last section is a recap>\x1e<its shapes>"


def _heading_shapes(heading: str) -> list[str]:
    """Two sections are written one per case (per event, branch, example) when their headings are of one kind
    and level and share their first or their last word ("Event: order.created" / "Event: refund.issued",
    "Refund request" / "Cancellation request"): a sentence both hold is kept in each."""
    stripped = heading.strip()
    level = stripped[: len(stripped) - len(stripped.lstrip("#"))] or ("<" if stripped.startswith("<") else ":")
    words = _HEADING_WORD.findall(stripped.lower())
    if not words:
        return [level]
    return [f"{level}\x1ff:{words[0]}", f"{level}\x1fl:{words[-1]}"]


def duplicate_sentences(text: str, seen: set[str] | None = None) -> tuple[str, int]:
    """A sentence or instruction repeated word for word (case, spacing and punctuation aside) is kept once:
    within one section, or when it comes back in a recap section ("Summary", "Reminders"). Sections written
    one per case (per event type, per branch, per example) keep their sentences.

    Only sentences without protected spans can go, so a repeated negation or placeholder always stays.
    `seen` holds the sentences (normalised) met earlier, in text before this one; it is updated.
    """
    memory = set() if seen is None else seen
    return drop_repeated_sentences(text, lambda: memory)


def _section_memory(seen: set[str]) -> tuple[int, bool, list[str]]:
    """(headings in the earlier text, whether its last section is a recap, that section's heading shapes) from
    the memory, which is cleared of them."""
    marks = [entry for entry in seen if entry.startswith(_SECTIONS_SEEN)]
    if not marks:
        return 0, False, []
    seen.difference_update(marks)
    _, count, recap, shapes = marks[0].split(_SECTIONS_SEEN, 3)
    return int(count), recap == "1", shapes.split(_ANY_SECTION) if shapes else []


def drop_repeated_sentences(text: str, earlier: Callable[[], set[str]]) -> tuple[str, int]:
    """`duplicate_sentences`, with the memory of earlier text asked for (`earlier()`, once) only after this
    text's sentences are found: a later part of a text transformed in parallel finds its sentences while
    the earlier part is still being judged (see `pipeline`)."""
    repeated = repeated_sentences(text, earlier)
    marked, removed = _splice(text, repeated)
    if not removed:
        return text, 0
    return _REMOVED_MARK.sub("", _replace_lines(_REMOVED_LINE, marked, lambda match: "")[0]), removed


def _pasted_paragraphs(
    text: str,
    found: list[tuple[int, int, str, str, int]],
    repeats: list[tuple[int, int, str]],
    crossing: list[tuple[int, int, str]],
) -> list[tuple[int, int, str]]:
    """The repeats kept as one section's own case (`crossing`) that lie in a paragraph mostly made of repeats
    (two or more, over half its sentences): a paragraph pasted twice, whose repeats go too."""
    starts = [start for start, *_ in found]
    repeated_starts = sorted([start for start, _, _ in repeats] + [start for start, _, _ in crossing])
    pasted = []
    low = high = -1
    for start, end, replacement in crossing:  # in text order: a paragraph's bounds are found once
        if start >= high:
            after = _PARAGRAPH_BREAK.search(text, start)
            low, high = _paragraph_start(text, start), (after.start() if after else len(text))
        sentences = bisect.bisect_left(starts, high) - bisect.bisect_left(starts, low)
        repeated = bisect.bisect_left(repeated_starts, high) - bisect.bisect_left(repeated_starts, low)
        if repeated >= 2 and 2 * repeated > sentences:
            pasted.append((start, end, replacement))
    return pasted


def _paragraph_start(text: str, position: int) -> int:
    """Where the paragraph holding `position` starts: after the last blank line before it (or at 0)."""
    line_end = text.rfind("\n", 0, position)
    while line_end >= 0:
        previous = text.rfind("\n", 0, line_end)
        if previous >= 0 and not text[previous + 1 : line_end].strip(" \t"):
            return line_end + 1
        line_end = previous
    return 0


def repeated_sentences(text: str, earlier: Callable[[], set[str]]) -> list[tuple[int, int, str]]:
    """The (start, end, replacement) of each sentence `duplicate_sentences` drops from `text`."""
    from tokcli.compress.sentences import in_example

    headings = [(match.start("m") - 1, match.group("m")) for match in _line_matches(_HEADING, text)]
    heading_starts = [start for start, _ in headings]
    recaps = [_RECAP_HEADING.search(heading) is not None for _, heading in headings]
    # the sections before the first heading here continue the earlier text's last one: not a case of its own
    shapes_of: list[list[str]] = [[], *(_heading_shapes(heading) for _, heading in headings)]
    found: list[tuple[int, int, str, str, int]] = []  # start, end, normalised sentence, replacement, section
    for match in _line_matches(_SENTENCE, text):
        # its words joined by one space (case, spacing and punctuation aside): one `findall`, faster than
        # replacing the runs between them and stripping the ends
        key = " ".join(_WORD_RUN.findall(match.group("body").lower()))
        if len(key) < 12:
            continue
        # at a line start the line (or list item) may go entirely
        replacement = match.group("lead") + _REMOVED if match.string[match.start("m") - 1] == "\n" else ""
        start = match.start("m") - 1
        found.append((start, match.end("m") - 1, key, replacement, bisect.bisect_right(heading_starts, start)))
    seen = earlier()
    base, earlier_recap, earlier_shapes = _section_memory(seen)
    shapes_of[0] = earlier_shapes
    # A sentence's plain key says it was met anywhere; "<key>\x1f<section>" that it was met in that section
    # (section 0, before any heading, has the plain key only: nothing comes before it).
    repeated: list[tuple[int, int, str]] = []
    crossing: list[tuple[int, int, str]] = []  # repeats of a sentence of another section written as a case
    for start, end, key, replacement, local in found:
        section = base + local
        anywhere = key in seen
        if section:
            in_section = f"{key}\x1f{section}"
            own = in_section in seen
            seen.add(in_section)
        else:
            own = anywhere
        shapes = [f"{_PARALLEL}{key}\x1f{shape}" for shape in shapes_of[local]] if local or base else []
        if own:
            repeated.append((start, end, replacement))
        elif anywhere:
            recap = recaps[local - 1] if local else earlier_recap
            if recap or _RECAP_SENTENCE.match(key) is not None or not any(shape in seen for shape in shapes):
                repeated.append((start, end, replacement))
            else:
                crossing.append((start, end, replacement))
        seen.add(key)
        seen.update(shapes)
    last_recap = int(recaps[-1] if recaps else earlier_recap)
    last_shapes = _ANY_SECTION.join(shapes_of[-1])
    seen.add(_SECTIONS_SEEN.join(("", str(base + len(headings)), str(last_recap), last_shapes)))
    if crossing:
        repeated = sorted(repeated + _pasted_paragraphs(text, found, repeated, crossing))
    # example data ("Response: …", a quotation) repeats on purpose
    repeated = [
        (start, end, replacement)
        for start, end, replacement in repeated
        if not in_example(text, start + len(replacement) - 1 if replacement else start)
    ]
    return repeated


# ---- aggressive ----------------------------------------------------------------------------------

_PROSE_LINE = re.compile(r"^(?![ \t]*(?:#|\||```|~~~))[^\n]{100,}$", re.M)
_ARTICLE = re.compile(
    r"(?<![\w'’-])(?:the|a|an)[ \t]+(?=[a-z])"
    r"(?!(?:and|or|is|are|was|were|be|of|to|in|on|at|by|for|with|as|but|nor|so|if|then)\b)"
)
# not after "not" ("not quite ready" is almost ready, "not very long" is not short), and "quite" not before a
# quantity ("quite a few" are many, "a few" some)
# "literally" after its verb and before a place or a preposition says "verbatim" ("even if `{ARGS}` appears
# literally below", "take it literally as written"): it stays there
LITERALLY_VERBATIM = r"literally[ \t]+(?:below|above|here|there|as|in|into|on|at|from|to|and|or|but|than)\b"
_LOW_INFO = re.compile(
    r"(?<![\w'’-])(?<!not )(?:very|really|quite(?![ \t]+an?[ \t]+(?:few|bit|lot|little|number|while|couple)\b)|basically|"
    rf"actually|simply|(?!{LITERALLY_VERBATIM})literally|truly|certainly|definitely|totally|absolutely|essentially|"
    r"somewhat|extremely|super|incredibly|highly|fairly)[ \t]+(?=[a-z])"
)
_LIST_RUN = re.compile(
    r"^(?P<intro>[^\n]*:[ \t]*\n)?(?P<items>(?:(?P<indent>[ \t]*)[-*+][ \t]+[^\n]{1,40}(?:\n|\Z))"
    r"(?:(?P=indent)[-*+][ \t]+[^\n]{1,40}(?:\n|\Z)){2,})(?![ \t]+[-*+][ \t])",
    re.M,
)
_LIST_ITEM = re.compile(r"^[ \t]*[-*+][ \t]+([^\n]*)$", re.M)


# A label alone on its line ("Example:", "**Sample output:**", "Expected response 2:") puts the lines below it, up
# to a blank line, in an example: shown to the model as written, so the telegraphic transforms leave them alone.


def example_blocks(text: str) -> list[tuple[int, int]]:
    """The (start, end) of the lines under each example label (see `protect.EXAMPLE_BLOCK`)."""
    if ":" not in text:
        return []
    return [match.span("block") for match in iter_labels(EXAMPLE_BLOCK, text)]


def _edit_prose_lines(text: str, edit: Callable[[str], tuple[str, int]]) -> tuple[str, int]:
    """`edit` applied to each long prose line (headings, tables, short lines, the lines of an example and its
    labelled fields are kept); the total of the counts it returns."""
    from tokcli.compress.sentences import in_example

    total = 0
    examples = example_blocks(text)
    starts = [start for start, _ in examples]

    def in_line(match: re.Match[str]) -> str:
        nonlocal total
        before = bisect.bisect_right(starts, match.start()) - 1
        if before >= 0 and match.start() < examples[before][1]:
            return match.group()
        if in_example(text, match.end() - 1):
            return match.group()  # a labelled field of an example ("Thought: I will use the …", "User: …")
        line, count = edit(match.group())
        total += count
        return line

    return _PROSE_LINE.sub(in_line, text), total


def _in_prose_lines(pattern: re.Pattern[str], text: str) -> tuple[str, int]:
    """Delete `pattern`'s matches inside long prose lines only (see `_edit_prose_lines`)."""
    return _edit_prose_lines(text, lambda line: pattern.subn("", line))


# An article is part of a fixed expression, and dropping it changes the meaning or breaks the phrase, when it
# - makes a quantity with the next word ("a few" ≠ "few", "a little" ≠ "little", "a lot", "a couple of", "a ton
#   of", "a long time", "a moment");
# - means "per" after a number or a frequency ("7 days a week", "twice a day", "one at a time");
# - stands in a set prepositional phrase: preposition, article, one word, then the clause ends ("in a row.",
#   "on the fly,") or a word that makes it one ("as a result", "at the same time", "on the other hand").
_QUANTITY_NOUNS = frozenset(
    [
        "few",
        "little",
        "lot",
        "lots",
        "bit",
        "couple",
        "dozen",
        "handful",
        "number",
        "great",
        "good",
        "total",
        "maximum",
        "minimum",
        "half",
        "while",
        "ton",
        "tons",
        "bunch",
        "long",  # "for a long time"
        "moment",
        "whole",  # "a whole lot"
    ]
)
_PER_UNITS = frozenset(
    [
        "time",
        "times",
        "second",
        "minute",
        "hour",
        "day",
        "night",
        "week",
        "month",
        "quarter",
        "year",
        "call",
        "request",
        "session",
        "turn",
        "row",
        "person",
        "user",
        "message",
        "page",
        "item",
    ]
)
_FREQUENCY_WORDS = frozenset(
    [
        "once",
        "twice",
        "thrice",
        "times",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "dozen",
        "hundred",
        "thousand",
    ]
)
_PREPOSITIONS = frozenset(
    ["at", "in", "on", "by", "for", "as", "of", "from", "to", "with", "under", "over", "into", "all", "during"]
)
_SET_PHRASE_WORDS = frozenset(
    [
        "same",
        "other",
        "result",
        "rule",
        "whole",
        "moment",
        "meantime",
        "end",
        "way",
        "time",
        "latest",
        "earliest",
        "years",
        "past",
        "future",
        "morning",
        "afternoon",
        "evening",
        "weekend",
    ]
)
# adjectives that stand as a noun after "the" at a clause's end: "Do the following:"
_NOUN_ALONE = frozenset(["following", "above", "below", "latter", "former", "same", "opposite", "rest"])
_WORD_AFTER = re.compile(r"([\w'’-]+)([ \t]*)(.?)")
_CLAUSE_END = frozenset(".,;:!?)\n")


def _in_fixed_expression(line: str, start: int, end: int) -> bool:
    """Whether the article `line[start:end]` (with its blanks) belongs to a fixed expression (see above)."""
    article = line[start:end].split()[0].lower()
    following = _WORD_AFTER.match(line, end)
    next_word = following.group(1).lower() if following else ""
    before = _WORD_BEFORE.search(line, max(0, start - 30), start)
    previous = before.group(1).lower() if before else ""
    if article != "the" and next_word in _QUANTITY_NOUNS:
        return True
    if article == "the" and next_word == "one":
        return True  # "not just the one load" names it; "just one load" counts it
    if article == "the" and next_word in _NOUN_ALONE and following and following.group(3) in _CLAUSE_END:
        return True  # "do the following:", "include the above." ("following steps" loses nothing)
    if article != "the" and next_word in _PER_UNITS and (previous.isdigit() or previous in _FREQUENCY_WORDS):
        return True
    if article != "the" and next_word in _PER_UNITS and previous.endswith("s") and previous[:-1] in _PER_UNITS:
        return True  # "7 days a week", "3 times a day"
    if previous in _PREPOSITIONS:
        if next_word in _SET_PHRASE_WORDS:
            return True
        after = following.group(3) if following else ""
        return after in _CLAUSE_END or after == ""
    return False


def articles(text: str) -> tuple[str, int]:
    """ "the", "a", "an" dropped inside long prose lines (headings, tables and short lines are left alone),
    except in fixed expressions ("a few", "7 days a week", "one at a time", "on the other hand")."""

    def in_line(line: str) -> tuple[str, int]:
        cuts = [(m.start(), m.end()) for m in _ARTICLE.finditer(line) if not _in_fixed_expression(line, *m.span())]
        return _cut(line, cuts), len(cuts)

    return _edit_prose_lines(text, in_line)


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

    examples = example_blocks(text)
    starts = [start for start, _ in examples]

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        items = match.start("items")
        before = bisect.bisect_right(starts, items) - 1
        if before >= 0 and items < examples[before][1]:
            return match.group()  # an example's list is shown as written
        new = _condense(match)
        count += new != match.group()
        return new

    return _LIST_RUN.sub(replace, text), count


# Emoji that decorate rather than say: after the end of a sentence ("Thanks! 🙌", "No pressure! 😅") and at
# either end of a markdown heading ("## Your mission 🚀"). An emoji inside a sentence ("mark it ✅") may be the
# instruction and stays; so does one in example data.
_EMOJI_CHARS = "\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55\ufe0f\u200d"
_EMOJI_RUN = re.compile(rf"[{_EMOJI_CHARS}]+(?:[ \t]+[{_EMOJI_CHARS}]+)*")
_STOP_BEFORE = re.compile(r"[.!?][ \t]*\Z")


def decorative_emoji(text: str) -> tuple[str, int]:
    """Emoji after a sentence's end and around a heading's title."""
    from tokcli.compress.sentences import in_example

    cuts: list[tuple[int, int]] = []
    for match in _EMOJI_RUN.finditer(text):  # one scan for the (rare) emoji; each run is judged where it is
        start, end = match.span()
        # the line around it, within bounded windows (linear on a text that is one long line)
        window = max(0, start - 2_000)
        newline = text.rfind("\n", window, start)
        line_start = newline + 1 if newline >= 0 or window == 0 else window
        line_end = text.find("\n", end, end + 2_000)
        line_end = min(len(text), end + 2_000) if line_end < 0 else line_end
        before = text[line_start:start]
        after = text[end:line_end]
        heading = HEADING_START.match(text, line_start, line_end)
        if heading is not None:
            title_before, title_after = text[heading.end() : start].strip(), after.strip()
            if not title_before and title_after and heading.end() == start:  # "# 🏡 Listing": the emoji opens it
                cut_end = end
                while cut_end < line_end and text[cut_end] in " \t":
                    cut_end += 1
                cuts.append((start, cut_end))
            elif title_before and not title_after:  # "## Your mission 🚀": the emoji closes it
                cuts.append((start - (len(before) - len(before.rstrip(" \t"))), line_end))
            continue
        if _STOP_BEFORE.search(before) and (not after.strip() or after[:1] in " \t") and not in_example(text, start):
            cut_start = start - (len(before) - len(before.rstrip(" \t")))
            cut_end = end if after.strip() else line_end
            cuts.append((cut_start, cut_end))
    if not cuts:
        return text, 0
    return _cut(text, cuts), len(cuts)


def _reword(text: str) -> tuple[str, int]:
    from tokcli.compress.rewording import reword

    return reword(text)


def _non_instructions(text: str) -> tuple[str, int]:
    from tokcli.compress.sentences import drop_non_instructions

    return drop_non_instructions(text)


def _rationale(text: str) -> tuple[str, int]:
    from tokcli.compress.sentences import drop_rationale

    return drop_rationale(text)


TRANSFORMS: tuple[Transform, ...] = (
    Transform("separators", "safe", "decorative separator lines", separators),
    Transform("markdown_decoration", "safe", "bold/italic markers, closing heading hashes", markdown_decoration),
    Transform("repeated_punctuation", "safe", "!!! and ?? and ....", repeated_punctuation),
    Transform("filler_phrases", "balanced", "politeness and filler phrases", filler_phrases),
    Transform("verbose_phrases", "balanced", "wordy phrases rewritten short", verbose_phrases),
    Transform("rewording", "balanced", "hedges, synonym stacks, puffery, nominalisations", _reword),
    Transform(
        "duplicate_sentences",
        "balanced",
        "repeated sentences and instructions",
        duplicate_sentences,
        apply_after=drop_repeated_sentences,
    ),
    # sentence removals look back over the whole text (recaps): they run on it joined (see `pipeline`)
    Transform(
        "non_instructions",
        "balanced",
        "greetings, sign-offs, meta-commentary, transitions and recaps",
        _non_instructions,
        by_parts=False,
    ),
    Transform("decorative_emoji", "balanced", "emoji after a sentence's end and around headings", decorative_emoji),
    Transform("rationale", "aggressive", "why a rule exists", _rationale, by_parts=False),
    Transform("articles", "aggressive", "articles in long prose lines", articles),
    Transform("low_information_words", "aggressive", "intensifiers in long prose lines", low_information_words),
    Transform("condense_lists", "aggressive", "short bullet lists onto one line", condense_lists),
    # whitespace last: it also tidies the gaps the word-level transforms leave
    Transform("inner_whitespace", "safe", "runs of spaces between words", inner_whitespace),
    Transform("trailing_whitespace", "safe", "spaces at line ends", trailing_whitespace),
    # runs of blank lines may cross a split, and the text's first and last lines are special
    Transform("blank_lines", "safe", "repeated blank lines", blank_lines, by_parts=False),
)
#: Applied to protected JSON spans rather than to prose (level `safe`).
MINIFY_JSON = "minify_json"


def transforms_for_level(level: str) -> list[Transform]:
    """The transforms a level runs, in application order."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    allowed = LEVELS[: LEVELS.index(level) + 1]
    return [transform for transform in TRANSFORMS if transform.level in allowed]

"""What each line of a prompt is, so redundancy is judged between instructions only.

A prompt file mixes instructions with things that repeat by design: code, table rows, headings (that often
repeat a table of contents), HTML, labelled fields and worked examples that share their inputs, and the
alternative branches of `{% if %}…{% else %}` that never render together. Redundancy rules ask this module
which lines are instructions and which pairs of lines can reach the model in the same call.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

from tokcli.phrases import EXAMPLE_TAG_NAME

if TYPE_CHECKING:  # the rules import this module: a run-time import of theirs would be circular
    from tokcli.lint.rules.base import Segment

_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S")
_SETEXT = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$")
_HTML_LINE = re.compile(r"^[ \t]*</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>[ \t]*$")
_TOC_ENTRY = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[[^\]]+\]\(#[^)]*\)[ \t]*$")
_DATA = re.compile(r"^[ \t]*(?:[{}\[\]]|\"[^\"]*\"[ \t]*:)")
# A labelled field of an example or form ("**Context:** …", "INPUT:", "User turn 1:"), not a sentence.
_FIELD = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?[A-Za-z][\w ./-]{0,30}?(?:\*\*|__)?[ \t]*:(?:\*\*|__)?(?:[ \t]|$)"
)
_EXAMPLE_WORD = re.compile(r"\b(?:examples?|sample|demonstrations?|few-shot|illustrations?)\b", re.IGNORECASE)
_EXAMPLE_TAG = re.compile(rf"<(/?)({EXAMPLE_TAG_NAME})[^<>]*>", re.IGNORECASE)
_IF_TAG = re.compile(r"^\{%[-+]?\s*(if|elif|else|endif|for|endfor)\b")

_BULLET = re.compile(r"^(?:[-*+]|\d+[.)])[ \t]+")

PROSE = "prose"


@dataclass(frozen=True, slots=True)
class Line:
    start: int
    end: int
    kind: str  # "blank" | "code" | "table" | "heading" | "html" | "toc" | "data" | "field" | "example" | "prose"
    branch: tuple[tuple[int, int], ...]  # (if-block id, branch number) of every enclosing {% if %}


class Lines(Sequence[Line]):
    """A segment's lines, kept as columns (offsets in arrays, a shared kind string and branch tuple per line)
    and made into `Line` objects when read: a `Line` and two int objects per line, kept until the document is
    done, were 50 MB for 4 MB of short lines."""

    __slots__ = ("_headings_before", "branches", "ends", "kinds", "starts")

    def __init__(self) -> None:
        self.starts = array("q")
        self.ends = array("q")
        self.kinds: list[str] = []
        self.branches: list[tuple[tuple[int, int], ...]] = []
        self._headings_before: array[int] | None = None

    def heading_before(self, index: int) -> int:
        """The index of the last heading line before line `index` (-1: none). Indexed once: a scan back per
        question was quadratic on a long document without headings (4 s for 1 MB of list items)."""
        if self._headings_before is None:
            found = array("q", bytes(8 * len(self.kinds)))
            last = -1
            for position, kind in enumerate(self.kinds):
                found[position] = last
                if kind == "heading":
                    last = position
            self._headings_before = found
        return self._headings_before[index]

    def append(self, start: int, end: int, kind: str, branch: tuple[tuple[int, int], ...]) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.kinds.append(kind)
        self.branches.append(branch)

    def __len__(self) -> int:
        return len(self.kinds)

    @overload
    def __getitem__(self, index: int) -> Line: ...

    @overload
    def __getitem__(self, index: slice) -> list[Line]: ...

    def __getitem__(self, index: int | slice) -> Line | list[Line]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        return Line(self.starts[index], self.ends[index], self.kinds[index], self.branches[index])


def layout(segment: Segment) -> Lines:
    """Every line of the segment with its kind and template branch (cached on the segment)."""
    cached = segment.cache.get("layout")
    if cached is not None:
        return cached  # shared, not copied: callers only read it (a copy per call made lookups quadratic)
    from tokcli.lint.rules.base import with_next  # here: the rules import this module

    branches = _Branches(segment)
    lines = Lines()
    example_level: int | None = None  # heading level that opened the current example section (7: a label)
    in_example_tag = 0
    # The lines are read one ahead (a list of them all was 70 MB at 4 MB of short lines).
    for (start, end, text), next_line in with_next(segment.lines()):
        following = next_line[2] if next_line is not None else ""
        level = _heading_level(text, following)
        if level is not None and example_level is not None and level <= example_level:
            example_level = None
        for match in _EXAMPLE_TAG.finditer(text):
            in_example_tag += -1 if match.group(1) else 1
        in_example_tag = max(in_example_tag, 0)
        kind = _kind(segment, start, text, level)
        if _EXAMPLE_WORD.search(text) and kind in ("heading", "field", "prose") and len(text.split()) <= 8:
            # A heading or a label that announces examples: what follows, up to the next heading of the same
            # or a higher level (any heading, for a label), shows the format; it does not instruct.
            example_level = level if level is not None else 7
            if kind == "prose":
                kind = "field"
        elif kind not in ("blank", "heading") and (example_level is not None or in_example_tag):
            kind = "example"
        lines.append(start, end, kind, branches.at(start))
    segment.cache["layout"] = lines
    return lines


def _heading_level(text: str, following: str) -> int | None:
    if _HEADING.match(text):
        return len(text.lstrip(" \t")) - len(text.lstrip(" \t").lstrip("#"))
    if text.strip() and _SETEXT.match(following) and not _TABLE_ROW.match(text) and not _DATA.match(text):
        return 1 if following.strip().startswith("=") else 2
    return None


def _kind(segment: Segment, start: int, text: str, level: int | None) -> str:
    if not text.strip():
        return "blank"
    if segment.in_fence(start):
        return "code"
    if level is not None or _SETEXT.match(text):
        return "heading"
    if _TABLE_ROW.match(text):
        return "table"
    if _HTML_LINE.match(text) or _EXAMPLE_TAG.fullmatch(text.strip()):
        return "html"
    if _TOC_ENTRY.match(text):
        return "toc"
    if _DATA.match(text):
        return "data"
    if (_FIELD.match(text) and len(text.split()) <= 3) or _label_with_value(text):
        return "field"
    return PROSE


def _label_with_value(text: str) -> bool:
    """`**Context:** The company's profits …`: a bold or upper-case label followed by its value."""
    stripped = _BULLET.sub("", text.strip())
    if stripped.startswith(("**", "__")):
        label = stripped[2:].split("**" if stripped.startswith("**") else "__", 1)[0]
        return label.rstrip().endswith(":") and len(label.split()) <= 4
    head = stripped.split(":", 1)[0]
    return ":" in stripped and head.isupper() and len(head.split()) <= 3


class _Branches:
    """The stack of (if id, branch number) in force at the start of each line, asked for lines in order."""

    def __init__(self, segment: Segment) -> None:
        self.events: list[tuple[int, str]] = []
        for span in segment.spans:
            if span.kind == "block":
                match = _IF_TAG.match(segment.text[span.start : span.end])
                if match:
                    self.events.append((span.start, match.group(1)))
        self.stack: list[tuple[int, int]] = []
        self.position = 0
        #: One tuple per change of the stack, shared by the lines under it.
        self.current: tuple[tuple[int, int], ...] = ()

    def at(self, line_start: int) -> tuple[tuple[int, int], ...]:
        events, stack = self.events, self.stack
        while self.position < len(events) and events[self.position][0] < line_start:
            offset, keyword = events[self.position]
            if keyword in ("if", "for"):
                stack.append((offset, 0))
            elif keyword in ("elif", "else") and stack:
                stack[-1] = (stack[-1][0], stack[-1][1] + 1)
            elif keyword in ("endif", "endfor") and stack:
                stack.pop()
            self.position += 1
            self.current = tuple(stack)
        return self.current


def exclusive(a: Line, b: Line) -> bool:
    """Whether two lines sit in different branches of the same `{% if %}` (never rendered together)."""
    inner = dict(a.branch)
    return any(block in inner and inner[block] != number for block, number in b.branch)


#: How far back a list item's parent line is looked for.
_PARENT_WINDOW = 60


def parallel_parts(segment: Segment, first: int, second: int) -> bool:
    """Whether the lines at `first` and `second` say the same thing in parallel parts, each needed where it
    stands: in two sections written one per case ("## Level 4 (…)" / "## Level 5 (…)"; see `_one_kind`), or as
    list items under two different parent lines (the same field of two objects of a schema: "- name: name of
    the tool" under two lists)."""
    lines = layout(segment)
    starts = _starts(segment, lines)
    a, b = bisect.bisect_right(starts, first) - 1, bisect.bisect_right(starts, second) - 1
    if a < 0 or b < 0:
        return False
    heading_a, heading_b = _heading_above(segment, lines, a), _heading_above(segment, lines, b)
    if heading_a is not None and heading_b is not None and heading_a != heading_b and _one_kind(heading_a, heading_b):
        return True
    parents_a, parents_b = _parents(segment, lines, a), _parents(segment, lines, b)
    return parents_a is not None and parents_b is not None and parents_a != parents_b


def _heading_above(segment: Segment, lines: Lines, index: int) -> str | None:
    position = lines.heading_before(index)
    if position < 0:
        return None
    return segment.masked[lines.starts[position] : lines.ends[position]].strip()


def _one_kind(a: str, b: str) -> bool:
    """Two headings for two cases of one kind: equal once what names the case is taken out (numbers, an aside in
    brackets, the value after a label's colon): "## [Level: 4] (Retried)" / "## [Level: 5] (Optimal)", "## Event:
    order.created" / "## Event: refund.issued". ("## Pre-Execution Checks" / "## Post-Execution Checks" are two
    steps, and a rule said in both is said twice.)"""
    return _case_kind(a) == _case_kind(b)


def _case_kind(heading: str) -> str:
    kind = _DIGITS.sub("#", _ASIDE.sub("", heading)).strip()
    colon = kind.find(":")
    return kind[: colon + 1] if colon > 0 else kind


_ASIDE = re.compile(r"\([^()]*\)")
_DIGITS = re.compile(r"\d+")


def _parents(segment: Segment, lines: Lines, index: int) -> tuple[str, ...] | None:
    """The texts of the lines an indented list item sits under, nearest first, each indented less than the one
    below it (None: not such an item, or no parent near)."""
    masked, starts, ends = segment.masked, lines.starts, lines.ends
    text = masked[starts[index] : ends[index]]
    indent = len(text) - len(text.lstrip(" \t"))
    if not indent or not _BULLET.match(text.lstrip(" \t")):
        return None
    found: list[str] = []
    for position in range(index - 1, max(0, index - _PARENT_WINDOW) - 1, -1):
        above = masked[starts[position] : ends[position]]
        above_indent = len(above) - len(above.lstrip(" \t"))
        if above.strip() and above_indent < indent:
            found.append(above.strip())
            indent = above_indent
            if not indent:
                break
    return tuple(found) or None


def line_at(segment: Segment, offset: int) -> Line | None:
    """The line of `segment` holding `offset` (a binary search)."""
    lines = layout(segment)
    index = bisect.bisect_right(lines.starts, offset) - 1
    return lines[index] if index >= 0 else None


def kind_at(segment: Segment, offset: int) -> str | None:
    """The kind of the line of `segment` holding `offset` (what most callers of `line_at` want, without making
    the line's object)."""
    lines = layout(segment)
    index = bisect.bisect_right(lines.starts, offset) - 1
    return lines.kinds[index] if index >= 0 else None


def kinds_between(segment: Segment, start: int, end: int) -> list[str]:
    """The kinds of the lines of `segment` that start in [start, end) (a binary search and a slice)."""
    lines = layout(segment)
    starts = _starts(segment, lines)
    return lines.kinds[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]


def _starts(segment: Segment, lines: Lines) -> array[int]:
    return lines.starts


#: Lines whose words are not the prompt author's instructions: code, data, and the inputs and outputs shown
#: in worked examples. Wording rules (verbosity, punctuation) leave them alone.
NOT_NARRATIVE = frozenset({"code", "data", "example", "html"})


#: Labels that introduce someone else's words in an example or a form ("Customer: …", "Review: …", "Email: …").
_SPEAKER_LABELS = frozenset(
    {
        "user", "human", "assistant", "ai", "bot", "customer", "client", "caller", "patient", "student", "guest",
        "review", "email", "e-mail", "message", "transcript", "tweet", "comment", "post", "draft", "reply",
        "response", "answer", "question", "query", "q", "a", "thought", "observation",
    }
)  # fmt: skip
_LABEL = re.compile(
    r"[ \t>]*(?:[-*+][ \t]+)?(?:\*\*|__)?(?P<label>[A-Za-z][\w -]{0,24}?)(?:\*\*|__)?[ \t]*:(?:\*\*|__)?[ \t]"
)


def narrative(segment: Segment, offset: int) -> bool:
    """Whether `offset` is in the author's own prose: not code, data or a worked example, nor someone else's
    words shown on the line: after a speaker's or a sample's label ("Customer: …", "Review: …") or inside a
    quotation opened earlier on the line ("Reply \"…\"")."""
    lines = layout(segment)
    index = bisect.bisect_right(lines.starts, offset) - 1
    if index < 0:
        return True
    if lines.kinds[index] in NOT_NARRATIVE:
        return False
    line_start = lines.starts[index]
    label = _LABEL.match(segment.masked, line_start, offset)
    if label is not None and label.group("label").lower().split()[-1] in _SPEAKER_LABELS:
        return False
    text = segment.masked
    if offset - line_start < _LONG_LINE:  # counted in place, no slice; a long line's quotes are indexed once
        return text.count('"', line_start, offset) % 2 == 0 and text.count("“", line_start, offset) <= text.count(
            "”", line_start, offset
        )
    straight, opening, closing = _quotes(segment, index, line_start)
    return bisect.bisect_left(straight, offset) % 2 == 0 and bisect.bisect_left(opening, offset) <= bisect.bisect_left(
        closing, offset
    )


#: From this far into a line on, a finding's quotation check looks the line's quotes up by bisection: counting
#: them per finding made a long line quadratic (2 MB on one line: 11.9 s), and indexing every short line would
#: keep an index per line.
_LONG_LINE = 2048


def _quotes(segment: Segment, index: int, line_start: int) -> tuple[array[int], array[int], array[int]]:
    """The offsets of the straight, opening and closing double quotes on line `index` (found once per line)."""
    key = ("quotes", index)
    found = segment.cache.get(key)
    if found is None:
        line_end = segment.masked.find("\n", line_start)
        line_end = len(segment.masked) if line_end < 0 else line_end
        found = tuple(array("q", _offsets(segment.masked, mark, line_start, line_end)) for mark in '"“”')
        segment.cache[key] = found
    return found


def _offsets(text: str, mark: str, start: int, end: int) -> list[int]:
    offsets = []
    position = text.find(mark, start, end)
    while position >= 0:
        offsets.append(position)
        position = text.find(mark, position + 1, end)
    return offsets

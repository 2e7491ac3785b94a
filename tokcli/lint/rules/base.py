"""The rule protocol, the per-document context rules read from, and the rule registry."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

from tokcli.errors import InputError, unknown_name
from tokcli.lint.finding import Edit, RuleInfo
from tokcli.lint.finding_table import FindingTable
from tokcli.markdown_code import indented_code_blocks
from tokcli.prompts import PromptDocument, Span, find_template_spans, line_col

# Fences may be indented (inside list items of agent command files), so any indentation counts.
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*$", re.MULTILINE)
_HTML_CODE_OPEN = re.compile(r"<(pre|script|style|code)\b[^>]*>", re.IGNORECASE)
# What marks a line of an indented block as code rather than indented prose: operators, brackets and
# punctuation that prose rarely has, or a comment marker.


class Counter(Protocol):
    def count(self, text: str) -> int: ...


@dataclass
class Segment:
    """A stretch of prompt text that rules scan.

    For plain, markdown, Jinja, prompty and dotprompt files there is one segment, the body, whose offsets map
    straight onto the file (`start` is its offset in `document.text`). Chat files give one segment per
    message; their text was decoded from YAML/JSON, so positions are approximate and fixes are not offered.
    """

    text: str
    start: int | None
    line: int
    role: str | None = None
    spans: list[Span] = field(default_factory=list)
    fences: list[tuple[int, int]] = field(default_factory=list)
    cache: dict[Any, Any] = field(default_factory=dict)
    _masked: str | None = None
    _span_starts: list[int] = field(default_factory=list)
    _fence_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._span_starts = [span.start for span in self.spans]
        self.fences = self.fences or find_code_blocks(self.text)
        self._fence_starts = [start for start, _ in self.fences]

    @property
    def masked(self) -> str:
        """The text with template syntax replaced by NUL characters (newlines kept), so regexes skip it."""
        if self._masked is None:
            self._masked = mask_spans(self.text, self.spans)
        return self._masked

    def touches_template(self, start: int, end: int) -> bool:
        index = bisect.bisect_right(self._span_starts, end - 1) - 1
        while index >= 0:
            span = self.spans[index]
            if span.end <= start:
                return False
            if span.start < end:
                return True
            index -= 1
        return False

    def in_fence(self, offset: int) -> bool:
        """Whether `offset` is inside code: a fenced or indented code block, or an HTML `<pre>`/`<script>`."""
        index = bisect.bisect_right(self._fence_starts, offset) - 1
        return index >= 0 and self.fences[index][0] <= offset < self.fences[index][1]

    def lines(self) -> Iterator[tuple[int, int, str]]:
        """(start, end, masked line text) for every line, end excluding the newline (no empty line is
        yielded after a final newline)."""
        text = self.masked
        position = 0
        length = len(text)
        while position < length:
            newline = text.find("\n", position)
            end = length if newline < 0 else newline
            yield position, end, text[position:end]
            if newline < 0:
                return
            position = newline + 1

    def words(self) -> frozenset[str]:
        """The runs of ASCII letters of the masked text, lower-cased as case-insensitive matching sees them: a
        case-insensitive pattern of ASCII words bounded by non-word characters matches only where each of its
        letter runs is one of these (see `word_runs`). Found once per segment, shared by the phrase rules."""
        found: frozenset[str] | None = self.cache.get("words")
        if found is None:
            found = self.cache["words"] = word_runs(self.masked)
        return found

    def lines_then_none(self) -> Iterator[tuple[int, int, str] | None]:
        """`lines()` followed by None, for rules that close a run of lines at the end (streamed: a list of every
        line was 70 MB at 4 MB of short lines)."""
        yield from self.lines()
        yield None


T = TypeVar("T")


def with_next(items: Iterable[T]) -> Iterator[tuple[T, T | None]]:
    """Each item with the one after it (None after the last)."""
    iterator = iter(items)
    for current in iterator:
        for following in iterator:
            yield current, following
            current = following
        yield current, None


_NOT_NEWLINE = re.compile(r"[^\n]")
_LETTER_RUN = re.compile("[a-z]+")
#: The characters besides ASCII ones that a case-insensitive ASCII letter matches (`re.IGNORECASE`): İ and ı
#: match i, ſ matches s, the Kelvin sign matches k. No other character lower-cases to an ASCII letter.
_LETTER_LIKE = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def word_runs(text: str) -> frozenset[str]:
    """The maximal runs of letters a-z in `text` lower-cased (after mapping the characters a case-insensitive
    ASCII letter also matches onto that letter). Where a case-insensitive pattern of ASCII phrases, each bounded
    by characters that are not letters, matches `text`, every run of letters of the matched phrase is one of
    these: the prefilter of the phrase rules."""
    lowered = text.lower() if text.isascii() else text.translate(_LETTER_LIKE).lower()
    return frozenset(_LETTER_RUN.findall(lowered))


class RangeSet:
    """Membership of an offset in a union of [start, end) ranges, in log time (a scan of every range per
    offset made rules quadratic on files with many findings). Overlapping ranges are merged."""

    def __init__(self, ranges: list[tuple[int, int]] | None = None) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(ranges or []):
            if start >= end:
                continue
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def contains(self, offset: int) -> bool:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index >= 0 and offset < self.ends[index]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) shares a character with a range."""
        index = bisect.bisect_left(self.starts, end) - 1
        return index >= 0 and start < self.ends[index]

    def add(self, start: int, end: int) -> None:
        """Add a range that overlaps none already there (callers check with `overlaps`)."""
        index = bisect.bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.ends.insert(index, end)


def mask_spans(text: str, spans: list[Span]) -> str:
    """`text` with the characters of `spans` replaced by NUL (newlines kept): same offsets, no template syntax."""
    if not spans:
        return text
    parts = []
    position = 0
    for span in spans:
        parts.append(text[position : span.start])
        parts.append(_NOT_NEWLINE.sub("\0", text[span.start : span.end]))
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def find_fences(text: str) -> list[tuple[int, int]]:
    """[start, end) of every fenced code block (``` or ~~~), the fence lines included."""
    fences = []
    opener: re.Match[str] | None = None
    for match in _FENCE.finditer(text):
        marker = match.group(1)
        if opener is None:
            opener = match
        elif (
            marker[0] == opener.group(1)[0]
            and len(marker) >= len(opener.group(1))
            and not match.group(0).strip()[len(marker) :].strip()
        ):
            fences.append((opener.start(), match.end()))
            opener = None
    if opener is not None:
        fences.append((opener.start(), len(text)))
    return fences


def find_code_blocks(text: str) -> list[tuple[int, int]]:
    """[start, end) of every stretch of code, sorted and disjoint: fenced blocks, indented code blocks and
    HTML `<pre>`, `<code>`, `<script>`, `<style>` elements. Rules leave code alone (never judge or fix it)."""
    fences = find_fences(text)
    found = list(fences)
    for start, end in indented_code_blocks(text):
        if not any(a <= start < b for a, b in fences):
            found.append((start, end))
    lowered = text.lower() if "<" in text else text
    for match in _HTML_CODE_OPEN.finditer(text):
        close = lowered.find(f"</{match.group(1).lower()}>", match.end())
        if close >= 0 and not any(a <= match.start() < b for a, b in fences):
            found.append((match.start(), close + len(match.group(1)) + 3))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class Context:
    """Everything a rule sees about one document; rules call `report` to add findings."""

    def __init__(self, document: PromptDocument, counter: Counter, *, model: str = "", provider: str = "") -> None:
        self.document = document
        self.counter = counter
        self.model = model
        self.provider = provider
        #: What the rules found, as columns (a file can have a million findings).
        self.findings = FindingTable(document.path)
        self.segments = build_segments(document)
        self._counts: dict[str, int] = {}
        self._total: int | None = None
        self._cuttable: bool | None = None  # see `edit_savings`
        self.rule: Rule | None = None
        #: Set by the engine before meta rules run: parsed suppression comments and the enabled codes.
        self.directives: list[Any] = []
        self.enabled_codes: set[str] = set()
        #: What several rules of a family work out once per document (e.g. the tools it defines).
        self.shared: dict[str, Any] = {}
        #: How the application renders Jinja templates (`lint: {jinja: {trim-blocks: true}}`).
        self.jinja: dict[str, bool] = {}

    def seed_counts(self, known: dict[str, int]) -> None:
        """Counts made elsewhere with the same tokenizer, so `count` answers them without encoding."""
        self._counts.update(known)

    def count(self, text: str) -> int:
        if not text:
            return 0
        cached = self._counts.get(text)
        if cached is None:
            cached = self.counter.count(text)
            if len(text) < 2000:
                self._counts[text] = cached
        return cached

    @property
    def total_tokens(self) -> int:
        if self._total is None:
            self._total = self.count(self.document.prompt_text)
        return self._total

    def position(self, segment: Segment, offset: int) -> tuple[int, int]:
        if segment.start is not None:
            return line_col(self.document.text, segment.start + offset)
        return chat_position(self.document.text, segment, offset)

    def savings(self, segment: Segment, start: int, end: int, replacement: str) -> int:
        """Tokens saved by replacing `segment.text[start:end]` (see `edit_savings`)."""
        return self.edit_savings(segment, [(start, end, replacement)])

    def edit_savings(self, segment: Segment, edits: list[tuple[int, int, str]]) -> int:
        """Tokens a set of edits really saves: the text around them is counted before and after the edits.

        The window is cut where tokenizers never merge across: at the start of a line that begins with a
        visible character, at least one line away from the edits (a removed blank line often saves nothing,
        because the tokenizer merges a run of newlines into one token).
        """
        return max(0, self.edit_difference(segment, edits)) if edits else 0

    def edit_difference(self, segment: Segment, edits: list[tuple[int, int, str]]) -> int:
        """Tokens of the window around `edits` before them minus after them (negative when they add tokens)."""
        text = segment.text
        first, last = min(a for a, _, _ in edits), max(b for _, b, _ in edits)
        # Bounded searches: on a very long line, an unbounded scan for its ends per finding was quadratic.
        previous_newline = text.rfind("\n", max(0, first - _SAVINGS_LINE_MAX), first)
        if previous_newline < 0 and first > _SAVINGS_LINE_MAX:
            window_start = first - _SAVINGS_LINE_MAX
        else:
            window_start = _stable_line_start(text, previous_newline)
        next_newline = text.find("\n", last, last + _SAVINGS_LINE_MAX)
        if next_newline < 0:
            window_end = min(len(text), last + _SAVINGS_LINE_MAX)
        else:
            window_end = _stable_line_start(text, next_newline + 1, forward=True)
        if window_end - window_start >= _SAVINGS_LINE_MAX:
            # A very long line: count a window around the edits cut at word boundaries, so that many findings
            # on one line stay linear.
            window_start, window_end = _savings_window(text, window_start, window_end, first, last)
        if self._cuttable is None:
            self._cuttable = _counts_add_up_at_cuts(self.counter)
        if self._cuttable:
            # The same difference on a narrower window: the nearest places either side where the tokenizer's
            # pieces are cut whatever comes around them (`tokcli.streaming`), each untouched by the edits. It
            # counts a few words instead of the whole line twice per finding.
            window_start, window_end = _cut_window(text, window_start, window_end, first, last)
        parts = []
        position = window_start
        for a, b, replacement in sorted(edits):
            parts.append(text[position:a])
            parts.append(replacement)
            position = b
        parts.append(text[position:window_end])
        return self.count(text[window_start:window_end]) - self.count("".join(parts))

    def report(
        self,
        segment: Segment,
        start: int,
        end: int,
        message: str,
        *,
        replacement: str | None = None,
        tokens_wasted: int | None = None,
        edits: list[tuple[int, int, str]] | None = None,
        cacheable_tokens: int = 0,
        over_budget_tokens: int = 0,
    ) -> None:
        """Add a finding for `segment.text[start:end]`.

        `replacement` is the fixed text for that range (used for the fix and, unless `tokens_wasted` is
        given, for measuring the tokens it saves). `edits` gives several (start, end, replacement) ranges.
        """
        rule = self.rule
        assert rule is not None, "report() is only called from inside a rule"
        if replacement is not None and edits is None:
            edits = [(start, end, replacement)]
        if edits:
            # What the fix saves, recounted: a rule's own estimate is only used for findings without a fix.
            tokens_wasted = self.edit_savings(segment, edits)
        elif tokens_wasted is None:
            tokens_wasted = 0
        fix = None
        if edits and segment.start is not None:
            base = segment.start
            fix = [Edit(base + a, base + b, r) for a, b, r in edits]
        elif edits and rule.safe_fix and self.document.kind == "chat":
            fix = self._message_fix(segment, edits)
        line, column = self.position(segment, start)
        end_line, end_column = self.position(segment, max(start, end))
        self.findings.add(
            (rule.code, rule.name, rule.severity_level, rule.safe_fix),
            line,
            column,
            end_line,
            end_column,
            message,
            tokens_wasted,
            fix,
            cacheable_tokens=cacheable_tokens,
            over_budget_tokens=over_budget_tokens,
        )

    def _message_fix(self, segment: Segment, edits: list[tuple[int, int, str]]) -> list[Edit] | None:
        """A chat message's fix as `lint --fix` writes it (`chat_fix`): its content scalar rewritten."""
        from tokcli.lint import chat_fix

        if "message scalars" not in self.shared:
            self.shared["message scalars"] = chat_fix.message_scalars(self.document)
        nodes = self.shared["message scalars"]
        index = segment.cache.get("message")
        if nodes is None or index is None or nodes[index] is None:  # None: its text is read elsewhere too
            return None
        fix: list[Edit] | None = chat_fix.message_fix(self.document, nodes[index], segment.text, edits, segment.cache)
        return fix


#: Lines shorter than this are counted whole when measuring a finding's savings; on a longer line the count is
#: made on a window reaching _SAVINGS_CONTEXT characters either side of the edit, cut where a word is
#: followed by a space and a word (a boundary of the tokenizers' pre-tokenisation, so the difference
#: is the same as on the whole line).
_SAVINGS_LINE_MAX = 2000
_SAVINGS_CONTEXT = 160


#: A place where a tokenizer whose pieces `tokcli.streaming` may cut splits its pieces: before the space of
#: `_CUT_BEFORE_SPACE`'s lookahead (a space between two ASCII letters or digits).
_CUT_BEFORE_SPACE = re.compile(r"[A-Za-z0-9](?= [A-Za-z0-9])")


@functools.lru_cache(maxsize=16)
def _cuttable_pattern(pattern: str | None) -> bool:
    from tokcli.streaming import streamable_pattern

    return streamable_pattern(pattern)


def _counts_add_up_at_cuts(counter: Any) -> bool:
    """Whether `counter`'s count of a text equals the sum of its parts' when cut before a space between two
    ASCII letters or digits: an exact tokenizer with a split pattern tokcli ships (see `tokcli.streaming`,
    whose property tests check such cuts). Estimates round their figures, so their parts do not add up."""
    return bool(getattr(counter, "exact", False)) and _cuttable_pattern(getattr(counter, "split_pattern", None))


def _cut_window(text: str, window_start: int, window_end: int, first: int, last: int) -> tuple[int, int]:
    """[window_start, window_end) narrowed to the nearest cuts before `first` and after `last` whose three
    characters (letter or digit, space, letter or digit) lie outside [first, last): the edits change nothing
    on either side of the cuts, so counting the narrower window gives the same difference."""
    left = window_start
    if first - 1 > window_start:
        # endpos keeps the lookahead's letter before `first`; the last match is the nearest cut
        for match in _CUT_BEFORE_SPACE.finditer(text, max(window_start, first - 64), first):
            left = match.end()
        if left == window_start and first - 64 > window_start:
            for match in _CUT_BEFORE_SPACE.finditer(text, window_start, first):
                left = match.end()
    right = window_end
    if last < window_end:
        following = _CUT_BEFORE_SPACE.search(text, last, window_end)
        if following is not None:
            right = following.end()
    return left, right


def _savings_window(text: str, line_start: int, line_end: int, start: int, end: int) -> tuple[int, int]:
    left = start - _SAVINGS_CONTEXT
    if left <= line_start:
        left = line_start
    else:
        left = _word_boundary_before(text, left, max(line_start, left - _SAVINGS_CONTEXT))
    right = end + _SAVINGS_CONTEXT
    if right >= line_end:
        right = line_end
    else:
        right = _word_boundary_after(text, right, min(line_end, right + _SAVINGS_CONTEXT))
    return left, right


def _word_boundary_before(text: str, position: int, floor: int) -> int:
    """The nearest offset at or before `position` (not below `floor`) where a space sits between two word
    characters, the space starting the piece after it; `position` itself when there is none."""
    space = text.rfind(" ", floor, position + 1)
    while space > floor:
        if text[space - 1].isalnum() and space + 1 < len(text) and text[space + 1].isalnum():
            return space
        space = text.rfind(" ", floor, space)
    return position


def _word_boundary_after(text: str, position: int, ceiling: int) -> int:
    space = text.find(" ", position, ceiling)
    while 0 < space < ceiling:
        if text[space - 1].isalnum() and space + 1 < len(text) and text[space + 1].isalnum():
            return space
        space = text.find(" ", space + 1, ceiling)
    return position


def _stable_line_start(text: str, position: int, *, forward: bool = False) -> int:
    """The nearest start of a line that begins with a visible character, from `position` backwards (or
    forwards): a place where BPE pre-tokenization splits whatever comes before it."""
    if forward:
        if position <= 0:
            return len(text)
        limit = position + _SAVINGS_LINE_MAX  # a bounded search: beyond it the window is cut by word instead
        while position < min(len(text), limit) and text[position].isspace():
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline + 1
        return min(position, len(text))
    floor = position - _SAVINGS_LINE_MAX
    while position > 0:
        line_start = text.rfind("\n", 0, position) + 1
        if line_start == 0 or (text[line_start : line_start + 1] and not text[line_start].isspace()):
            return line_start
        if line_start <= floor:
            return line_start
        position = line_start - 1
    return 0


@functools.lru_cache(maxsize=2)
def _file_lines(file_text: str) -> list[str]:
    """A chat file's lines, split once for all its messages (once per message was quadratic in a file of
    thousands: a tool list)."""
    return file_text.split("\n")


def chat_position(file_text: str, segment: Segment, offset: int) -> tuple[int, int]:
    """Best (line, column) in a chat file for an offset into a message's decoded content.

    JSON: the content is one escaped string literal; YAML: each content line is looked up on its file line.
    """
    import json

    anchor = segment.cache.get("json_anchor")
    if anchor is not None and anchor >= 0:
        # JSON escapes character by character, so the escaped length of a prefix is extended from the last
        # one asked for (escaping each prefix from the start made many findings in a long message quadratic)
        known, escaped_length = segment.cache.get("json_prefix", (0, 0))
        if offset < known:
            known, escaped_length = 0, 0
        escaped_length += len(json.dumps(segment.text[known:offset], ensure_ascii=False)) - 2
        segment.cache["json_prefix"] = (offset, escaped_length)
        return line_col(file_text, anchor + escaped_length)
    line, column = line_col(segment.text, offset)
    file_line_no = segment.line + line - 1
    file_lines = _file_lines(file_text)
    if 0 < file_line_no <= len(file_lines):
        content_lines = segment.cache.get("content_lines")
        if content_lines is None:  # split once per message: per finding, it was quadratic in a long one
            content_lines = segment.cache["content_lines"] = segment.text.split("\n")
        content_line = content_lines[line - 1]
        probe = content_line.strip()[:24]
        lead = len(content_line) - len(content_line.lstrip())
        # a block scalar has each content line on its own file line; a quoted one ("…\n…") may hold several on
        # one: looked for back to the message's first line
        for candidate in range(file_line_no, max(segment.line, 1) - 1, -1) if probe else ():
            found = file_lines[candidate - 1].find(probe)
            if found >= 0:
                return candidate, found - lead + column
    return file_line_no, column


def _json_anchors(document: PromptDocument, segments: list[Segment]) -> None:
    import json

    position = 0
    for segment in segments:
        for ascii_only in (False, True):
            encoded = json.dumps(segment.text, ensure_ascii=ascii_only)[1:-1]
            found = document.text.find(encoded, position) if encoded else -1
            if found >= 0:
                segment.cache["json_anchor"] = found
                segment.cache["json_ascii"] = ascii_only  # how the file escapes it (a fix escapes so too)
                position = found + len(encoded)
                break


def build_segments(document: PromptDocument) -> list[Segment]:
    if document.kind in ("chat", "tools", "config"):
        segments = []
        for index, message in enumerate(document.messages):
            try:
                spans = find_template_spans(message.content)
            except InputError:
                spans = []
            segment = Segment(message.content, None, message.line, role=message.role, spans=spans)
            segment.cache["message"] = index  # its `content` scalar, for a fix (`chat_fix.message_scalars`)
            segments.append(segment)
        if document.path.lower().endswith(".json"):
            _json_anchors(document, segments)
        return segments
    body_offset = document.body_offset
    spans = [
        Span(span.start - body_offset, span.end - body_offset, span.kind)
        for span in document.template_spans
        if span.start >= body_offset
    ]
    first_line = document.text.count("\n", 0, body_offset) + 1
    return [Segment(document.body, body_offset, first_line, spans=spans)]


class Rule:
    """One lint rule. Subclasses set the class attributes, write a docstring whose first line is the
    summary and which shows a wasteful and a fixed example, and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[str] = "warning"
    safe_fix: ClassVar[bool] = False
    default_enabled: ClassVar[bool] = True
    #: Meta rules run after suppressions are applied (they report on the suppressions themselves).
    meta: ClassVar[bool] = False
    options: ClassVar[dict[str, Any]] = {}
    #: Whether the rule reports waste: then a finding whose fix saves 0 tokens is dropped (it is not worth a
    #: warning). Rules about correctness, caching, budgets or suppressions set it to False.
    measures_waste: ClassVar[bool] = True
    #: Document kinds this rule applies to; None means every kind.
    kinds: ClassVar[frozenset[str] | None] = None

    def __init__(self, options: dict[str, Any] | None = None, severity: str | None = None) -> None:
        self.opts: dict[str, Any] = {**self.options, **(options or {})}
        self.severity_level = severity or self.severity

    def applies_to(self, document: PromptDocument) -> bool:
        return self.kinds is None or document.kind in self.kinds

    def check(self, ctx: Context) -> None:
        raise NotImplementedError

    @classmethod
    def info(cls) -> RuleInfo:
        first, _, rest = _dedent_doc(cls.__doc__ or "").partition("\n\n")
        return RuleInfo(
            code=cls.code,
            name=cls.name,
            severity=cls.severity,
            summary=" ".join(first.split()),
            description=rest.strip("\n"),
            safe_fix=cls.safe_fix,
            options=dict(cls.options),
        )


def _dedent_doc(doc: str) -> str:
    """A docstring without its indentation (the first line is not indented in the source)."""
    import textwrap

    first, _, rest = doc.strip().partition("\n")
    return (first + "\n" + textwrap.dedent(rest)).strip("\n")


RULES: dict[str, type[Rule]] = {}
_CODE = re.compile(r"^TK\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator adding a rule to the registry (codes and names must be unique)."""
    if not _CODE.match(cls.code) or not _NAME.match(cls.name):
        raise ValueError(f"bad rule code or name: {cls.code} {cls.name}")
    if cls.code in RULES or any(rule.name == cls.name for rule in RULES.values()):
        raise ValueError(f"duplicate rule {cls.code} {cls.name}")
    if not cls.__doc__ or "Wasteful" not in cls.__doc__ or "Fixed" not in cls.__doc__:
        raise ValueError(f"rule {cls.code} needs a docstring with a Wasteful and a Fixed example")
    RULES[cls.code] = cls
    return cls


def all_rules() -> list[type[Rule]]:
    import tokcli.lint.rules  # noqa: F401  (registers every family)

    return [RULES[code] for code in sorted(RULES)]


def get_rule(code_or_name: str) -> type[Rule]:
    """A rule by code (`TK301`, case-insensitive) or name (`verbose-phrase`)."""
    rules = all_rules()
    wanted = code_or_name.strip()
    for rule in rules:
        if rule.code == wanted.upper() or rule.name == wanted.lower():
            return rule
    raise unknown_name("rule", code_or_name, [r.code for r in rules] + [r.name for r in rules])


def select_codes(selector: str) -> set[str]:
    """Codes matched by a selector: `ALL`, a code, a code prefix (`TK3`, `TK30`) or a rule name."""
    rules = all_rules()
    wanted = selector.strip()
    if wanted.upper() == "ALL":
        return {rule.code for rule in rules}
    upper = wanted.upper()
    if upper.startswith("TK") and upper[2:].isdigit():
        matched = {rule.code for rule in rules if rule.code.startswith(upper)}
        if matched:
            return matched
    for rule in rules:
        if rule.name == wanted.lower():
            return {rule.code}
    families = sorted({rule.code[:3] for rule in rules})
    candidates = ["ALL", *families, *(r.code for r in rules), *(r.name for r in rules)]
    raise unknown_name("rule selector", selector, candidates)

"""TK2xx — redundancy: duplicate lines and paragraphs, near-duplicate instructions, instructions repeated
across the messages of a chat."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from tokcli.lint.layout import PROSE, exclusive, kind_at, kinds_between, line_at, parallel_parts
from tokcli.lint.rules.base import Context, RangeSet, Rule, Segment, register

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A sentence ends at `.`, `!` or `?` followed by a space or the end of the line: the dots of `spec.md`,
# `os.path.join` or `3.5` (followed by a letter or digit) and of "e.g." do not end it.
# It starts at a visible character and its body always reaches a terminator without backtracking, so a scan
# is linear (a leading optional run before the first visible character made a line of spaces quadratic).
# A character no abbreviation starts with (`e`, `i`, `c`, `v`) is taken by the first alternative, before the
# word-boundary test of the abbreviations: each character has the same alternatives, in the same order, as
# in `\b(?:e\.g|…)\.|[^\n.!?]|…`, so the matches are the same, found in about 60% of the time.
_SENTENCE = re.compile(
    r"[^\s.!?](?:[^\n.!?eicv]|\b(?:e\.g|i\.e|etc|vs|cf)\.|[eicv]|[.!?](?![\s\"')\]*_`]|$))*(?:[.!?]+|(?=\n)|$)",
    re.IGNORECASE,
)
_LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


def normalize(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


@dataclass(slots=True)
class Sentence:
    segment: Segment
    start: int
    end: int
    text: str
    words: list[str]
    key: str
    wordset: frozenset[str] = frozenset()


def sentences(segment: Segment, min_words: int) -> list[Sentence]:
    """Prose sentences (outside code blocks and template syntax) with at least `min_words` words."""
    cached = segment.cache.get(("sentences", min_words))
    if cached is not None:
        return list(cached)
    found = []
    masked = segment.masked
    # A sentence met again shares its text, words, key and word set with the first one, and every word is
    # one string object: a long document's sentences weighed ~2.5 KB each (these are kept until it is done).
    known: dict[str, tuple[str, list[str], str, frozenset[str]]] = {}
    vocabulary: dict[str, str] = {}
    for match in _sentence_matches(masked):
        raw = match.group()
        if "\0" in raw or not _is_instruction(segment, match.start()):
            continue
        lead = _LIST_MARK.match(raw)
        offset = lead.end() if lead else len(raw) - len(raw.lstrip())
        text = raw[offset:].rstrip()
        parts = known.get(text)
        if parts is None:
            words = [vocabulary.setdefault(word, word) for word in _WORD.findall(text.lower())]
            parts = known[text] = (text, words, " ".join(words), frozenset(words))
        text, words, key, wordset = parts
        if len(words) >= min_words:
            start = match.start() + offset
            found.append(Sentence(segment, start, start + len(text), text, words, key, wordset))
    segment.cache[("sentences", min_words)] = found
    return found


#: Lines longer than this hold no sentence worth comparing (generated data, a pasted blob): they are skipped,
#: because `_SENTENCE` keeps backtracking state for every character of a sentence it is matching.
SENTENCE_LINE_MAX = 20_000
_LONG_LINE = re.compile(rf"[^\n]{{{SENTENCE_LINE_MAX + 1}}}")


def _sentence_matches(masked: str) -> Iterator[re.Match[str]]:
    """`_SENTENCE`'s matches in `masked`, lines longer than `SENTENCE_LINE_MAX` left out."""
    if _LONG_LINE.search(masked) is None:
        yield from _SENTENCE.finditer(masked)
        return
    for line in re.finditer(r"[^\n]+", masked):
        if line.end() - line.start() <= SENTENCE_LINE_MAX:
            yield from _SENTENCE.finditer(masked, line.start(), line.end())


def _is_instruction(segment: Segment, offset: int) -> bool:
    return kind_at(segment, offset) == PROSE


def _apart(segment: Segment, first: int, second: int) -> bool:
    """Whether two offsets lie in alternative template branches, which never render together, or in parallel
    parts that each need the line (`layout.parallel_parts`)."""
    a, b = line_at(segment, first), line_at(segment, second)
    return a is not None and b is not None and (exclusive(a, b) or parallel_parts(segment, first, second))


def paragraphs(segment: Segment) -> list[tuple[int, int, str]]:
    """(start, end, masked text) of blank-line separated blocks outside code fences."""
    cached = segment.cache.get("paragraphs")
    if cached is not None:
        return list(cached)
    blocks = []
    current: list[tuple[int, int, str]] = []
    for item in segment.lines_then_none():
        if item is not None and item[2].strip() and not segment.in_fence(item[0]):
            current.append(item)
            continue
        if current:
            blocks.append((current[0][0], current[-1][1], segment.masked[current[0][0] : current[-1][1]]))
        current = []
    segment.cache["paragraphs"] = blocks
    return blocks


def _line_no(ctx: Context, segment: Segment, offset: int) -> int:
    return ctx.position(segment, offset)[0]


def _duplicate_paragraphs(segment: Segment) -> Iterator[tuple[tuple[int, int, str], tuple[int, int, str]]]:
    seen: dict[str, tuple[int, int, str]] = {}
    for block in paragraphs(segment):
        if block[2].count("\n") < 1:
            continue
        key = normalize(block[2])
        if len(key) < 20 or not _has_instruction(segment, block[0], block[1]):
            continue
        if key in seen and not _apart(segment, seen[key][0], block[0]):
            yield seen[key], block
        else:
            seen[key] = block


def _has_instruction(segment: Segment, start: int, end: int) -> bool:
    return PROSE in kinds_between(segment, start, end)


def _delete_range(segment: Segment, start: int, end: int) -> tuple[int, int, str]:
    """An edit removing [start, end) together with its line break."""
    if end < len(segment.text) and segment.text[end] == "\n":
        end += 1
    elif start > 0 and segment.text[start - 1] == "\n":
        start -= 1
    return (start, end, "")


@register
class DuplicateLine(Rule):
    """The same line (ignoring case and spacing) more than once.

    Wasteful:
        Return valid JSON only.
        Use the customer's name.
        Return valid JSON only.
    Fixed:
        Return valid JSON only.
        Use the customer's name.
    """

    code = "TK201"
    name = "duplicate-line"
    options: ClassVar[dict[str, Any]] = {"min-length": 20}

    def check(self, ctx: Context) -> None:
        minimum = int(self.opts["min-length"])
        for segment in ctx.segments:
            in_paragraph = RangeSet([(b[0], b[1]) for _, b in _duplicate_paragraphs(segment)])
            seen: dict[str, int] = {}
            run: list[tuple[int, int, int]] = []  # (start, end, start of the line it repeats)
            for start, end, line, key in _normalized_lines(segment):
                if not line.strip():
                    continue
                duplicate = False
                if (
                    _is_instruction(segment, start)
                    and not in_paragraph.contains(start)
                    and _has_letters(line, 10)
                    and len(key) >= minimum
                    and "\0" not in line
                ):
                    if key in seen and not _apart(segment, seen[key], start):
                        duplicate = True
                        run.append((start + len(line) - len(line.lstrip()), end, seen[key]))
                    else:
                        seen.setdefault(key, start)
                if not duplicate and _is_instruction(segment, start):
                    self._report_run(ctx, segment, run)
                    run = []
            self._report_run(ctx, segment, run)

    @staticmethod
    def _report_run(ctx: Context, segment: Segment, run: list[tuple[int, int, int]]) -> None:
        """One finding for a run of consecutive repeated lines (a repeated procedure is one problem)."""
        if not run:
            return
        firsts = sorted(_line_no(ctx, segment, first) for _, _, first in run)
        where = f"line {firsts[0]}" if len(firsts) == 1 else f"lines {firsts[0]}-{firsts[-1]}"
        count = len(run)
        ctx.report(
            segment,
            run[0][0],
            run[-1][1],
            f"duplicate of {where}" if count == 1 else f"{count} lines repeat {where}",
            edits=[_delete_range(segment, start, end) for start, end, _ in run],
            tokens_wasted=sum(ctx.count(segment.text[start:end] + "\n") for start, end, _ in run),
        )


def _normalized_lines(segment: Segment) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, masked line, normalized line) of every line; TK201 and TK203 both need them."""
    return ((start, end, line, key) for (start, end, line), key in zip(segment.lines(), _line_keys(segment)))


def _line_keys(segment: Segment) -> list[str]:
    """The normalized text of every line (cached). Only the keys are kept, each distinct one once: a line met
    again (data, lists, separators) shares the first one's; positions and texts were a tuple and two int
    objects per line, kept until the document is done (50 MB for 4 MB of JSON lines)."""
    cached = segment.cache.get("line_keys")
    if cached is None:
        known: dict[str, str] = {}
        cached = []
        for _, _, line in segment.lines():
            key = known.get(line)
            if key is None:
                key = known[line] = normalize(line)
            cached.append(key)
        segment.cache["line_keys"] = cached
    return cached


def _has_letters(line: str, count: int) -> bool:
    """Whether `line` has at least `count` letters (stops counting there)."""
    found = 0
    for char in line:
        if char.isalpha():
            found += 1
            if found >= count:
                return True
    return False


@register
class DuplicateParagraph(Rule):
    """A paragraph (blank-line separated block of 2+ lines) repeated verbatim.

    Wasteful:
        Rules:
        - be brief
        - cite sources

        Rules:
        - be brief
        - cite sources
    Fixed:
        Rules:
        - be brief
        - cite sources
    """

    code = "TK202"
    name = "duplicate-paragraph"

    def check(self, ctx: Context) -> None:
        for segment in ctx.segments:
            for first, block in _duplicate_paragraphs(segment):
                text = segment.text[block[0] : block[1]]
                ctx.report(
                    segment,
                    block[0],
                    block[1],
                    f"paragraph repeats the one at line {_line_no(ctx, segment, first[0])}",
                    edits=[_delete_range(segment, block[0], block[1])],
                    tokens_wasted=ctx.count(text + "\n"),
                )


def similar(a: Sentence, b: Sentence, threshold: float) -> float:
    """Word-level similarity of two sentences (0..1); 0 when cheap bounds already rule it out."""
    shorter, longer = sorted((len(a.words), len(b.words)))
    if shorter / longer < threshold * 0.8:
        return 0.0
    set_a, set_b = a.wordset, b.wordset
    if len(set_a & set_b) / len(set_a | set_b) < threshold * 0.6:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a.words, b.words, autojunk=False)
    if matcher.quick_ratio() < threshold:
        return 0.0
    return matcher.ratio()


@register
class NearDuplicateInstruction(Rule):
    """An instruction that says nearly the same as an earlier one (same words, slightly reworded).

    Wasteful:
        Always answer in formal English.
        ...
        Make sure to always answer in formal English.
    Fixed:
        Always answer in formal English.
    """

    code = "TK203"
    name = "near-duplicate-instruction"
    options: ClassVar[dict[str, Any]] = {"min-words": 5, "threshold": 0.8, "max-sentences": 600}

    def check(self, ctx: Context) -> None:
        threshold = float(self.opts["threshold"])
        min_words = int(self.opts["min-words"])
        limit = int(self.opts["max-sentences"])
        for segment in ctx.segments:
            repeated = RangeSet(_repeated_line_ranges(segment))
            items = [item for item in sentences(segment, min_words) if not repeated.contains(item.start)][:limit]

            reported: set[int] = set()
            # `similar`'s two cheap bounds (word-count ratio, word-set overlap) inlined: most pairs stop here,
            # without a call. |A ∪ B| = |A| + |B| - |A ∩ B|, so no union set is built.
            ratio, overlap = threshold * 0.8, threshold * 0.6
            sizes = [len(item.words) for item in items]
            # Each word set as the bits of its words' numbers: the overlap is an AND and a bit count, where a
            # set intersection built a new set for every pair.
            numbers: dict[str, int] = {}
            masks = [sum(1 << numbers.setdefault(word, len(numbers)) for word in item.wordset) for item in items]
            distinct = [len(item.wordset) for item in items]
            for index, later in enumerate(items):
                size, mask, count = sizes[index], masks[index], distinct[index]
                for position in range(index):
                    other = sizes[position]
                    if (other / size if other < size else size / other) < ratio:
                        continue
                    earlier = items[position]
                    if id(earlier) in reported:
                        continue
                    shared = (mask & masks[position]).bit_count()
                    if shared / (count + distinct[position] - shared) < overlap:
                        continue
                    score = similar(earlier, later, threshold)
                    if score < threshold:
                        continue
                    # The first close sentence decides: a parallel entry or an alternative branch is a sibling,
                    # not a restatement (looking on for another match made structured lists quadratic).
                    if not _apart(segment, earlier.start, later.start) and not parallel(earlier, later):
                        line = _line_no(ctx, segment, earlier.start)
                        ctx.report(
                            segment,
                            later.start,
                            later.end,
                            f"repeats the instruction at line {line} ({score:.0%} similar)",
                            tokens_wasted=ctx.count(later.text),
                        )
                        reported.add(id(later))
                    break


_LEAD_LABEL = re.compile(r"^[\W_]*([^\W_][^:\n]{0,40}?)[\W_]*:")


def parallel(a: Sentence, b: Sentence) -> bool:
    """Entries of a parallel structure, not a restatement: both open with a label ("Definition:", "Four
    stars:", "- tool_name:"), so each defines its own thing, or they are the same words with some swapped in
    place ("… somewhat similar" / "… mostly similar"). The swapped words are what the entries are about."""
    if _LEAD_LABEL.match(a.text) and _LEAD_LABEL.match(b.text):
        return True
    matcher = difflib.SequenceMatcher(None, a.words, b.words, autojunk=False)
    return all(tag in ("equal", "replace") for tag, *_ in matcher.get_opcodes())


def _repeated_line_ranges(segment: Segment) -> list[tuple[int, int]]:
    """Lines (and paragraphs) that repeat an earlier one verbatim: TK201/TK202 report those."""
    ranges = [(block[0], block[1]) for _, block in _duplicate_paragraphs(segment)]
    seen: set[str] = set()
    for start, end, _, key in _normalized_lines(segment):
        if key in seen:
            ranges.append((start, end))
        elif key:
            seen.add(key)
    return ranges


@register
class RepeatedAcrossMessages(Rule):
    """The same instruction in more than one message of a chat (system prompt repeated in the user turn).

    Every message is sent on every call, so the repeat is paid for each time.

    Wasteful:
        - role: system
          content: Answer in one short paragraph. Cite the source.
        - role: user
          content: "{{ question }} Answer in one short paragraph."
    Fixed:
        - role: system
          content: Answer in one short paragraph. Cite the source.
        - role: user
          content: "{{ question }}"
    """

    code = "TK204"
    name = "repeated-across-messages"
    kinds = frozenset({"chat", "prompty"})
    options: ClassVar[dict[str, Any]] = {"min-words": 4, "threshold": 0.9}

    def check(self, ctx: Context) -> None:
        min_words = int(self.opts["min-words"])
        threshold = float(self.opts["threshold"])
        per_message = self._message_sentences(ctx, min_words)
        for index, (role, items) in enumerate(per_message):
            for later in items:
                match = self._find_earlier(per_message[:index], later, threshold)
                if match is None:
                    continue
                earlier_role, earlier, score = match
                line = _line_no(ctx, earlier.segment, earlier.start)
                how = "repeats" if score >= 0.999 else f"nearly repeats ({score:.0%})"
                ctx.report(
                    later.segment,
                    later.start,
                    later.end,
                    f"{role} message {how} the {earlier_role} message at line {line}",
                    tokens_wasted=ctx.count(later.text),
                )

    @staticmethod
    def _find_earlier(
        previous: list[tuple[str, list[Sentence]]], later: Sentence, threshold: float
    ) -> tuple[str, Sentence, float] | None:
        for role, items in previous:
            for earlier in items:
                score = 1.0 if earlier.key == later.key else similar(earlier, later, threshold)
                if score >= threshold:
                    return role, earlier, score
        return None

    @staticmethod
    def _message_sentences(ctx: Context, min_words: int) -> list[tuple[str, list[Sentence]]]:
        if ctx.document.kind == "chat":
            return [(segment.role or "?", sentences(segment, min_words)) for segment in ctx.segments]
        segment = ctx.segments[0]
        bounds: list[tuple[str, int, int]] = []
        position = 0
        for message in ctx.document.messages:
            found = segment.text.find(message.content, position) if message.content else -1
            if found >= 0:
                bounds.append((message.role, found, found + len(message.content)))
                position = found + len(message.content)
        items = sentences(segment, min_words)
        return [(role, [s for s in items if a <= s.start < b]) for role, a, b in bounds]


@register
class DuplicateCodeBlock(Rule):
    """A fenced code block repeated verbatim (ignoring indentation) in the same prompt.

    Wasteful:
        Reply in this format:
        ```json
        {"answer": "...", "sources": ["..."]}
        ```
        ... later ...
        Remember the format:
        ```json
        {"answer": "...", "sources": ["..."]}
        ```
    Fixed:
        Reply in this format:
        ```json
        {"answer": "...", "sources": ["..."]}
        ```
        ... later ...
        Remember the format given above.
    """

    code = "TK205"
    name = "duplicate-code-block"
    options: ClassVar[dict[str, Any]] = {"min-tokens": 10}

    def check(self, ctx: Context) -> None:
        from tokcli.lint.rules.base import find_fences

        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            seen: dict[str, int] = {}
            for start, end in find_fences(segment.text):
                block = segment.text[start:end]
                key = _block_key(block)
                if "\0" in segment.masked[start:end] or key.count("\n") < 2:
                    continue  # template syntax may render differently; a fence around one line is no block
                if key in seen and not _apart(segment, seen[key], start):
                    tokens = ctx.count(block)
                    if tokens >= minimum:
                        line = _line_no(ctx, segment, seen[key])
                        ctx.report(
                            segment, start, end, f"code block repeats the one at line {line}", tokens_wasted=tokens
                        )
                else:
                    seen.setdefault(key, start)


def _block_key(block: str) -> str:
    """A block's non-blank lines, stripped, one per line. Made a piece at a time, each piece cut after a line
    feed (always a line break for `splitlines`): every line of a 4 MB block split at once was 47 MB."""
    parts = []
    position = 0
    while position < len(block):
        cut = block.find("\n", position + 65536)
        cut = len(block) if cut < 0 else cut + 1
        part = "\n".join(line.strip() for line in block[position:cut].splitlines() if line.strip())
        if part:
            parts.append(part)
        position = cut
    return "\n".join(parts)


@register
class RestatedDescription(Rule):
    """A sentence of the body that restates the front-matter `description` (agent skills, commands, prompty):
    hosts show the description to the model already, so the body need not say it again.

    Wasteful:
        ---
        description: Review a pull request for security issues and report them by severity.
        ---
        # Security review
        Review the pull request for security issues and report them by severity.
    Fixed:
        ---
        description: Review a pull request for security issues and report them by severity.
        ---
        # Security review
    """

    code = "TK206"
    name = "restated-description"
    kinds = frozenset({"markdown", "prompty", "dotprompt"})
    options: ClassVar[dict[str, Any]] = {"threshold": 0.75, "min-words": 6}

    def check(self, ctx: Context) -> None:
        description = ctx.document.front_matter.get("description")
        if not isinstance(description, str) or not ctx.segments:
            return
        threshold = float(self.opts["threshold"])
        words = _WORD.findall(description.lower())
        if len(words) < int(self.opts["min-words"]):
            return
        segment = ctx.segments[0]
        reference = Sentence(segment, 0, 0, description, words, " ".join(words), frozenset(words))
        for item in sentences(segment, int(self.opts["min-words"])):
            score = 1.0 if item.key == reference.key else similar(reference, item, threshold)
            if score >= threshold:
                ctx.report(
                    segment,
                    item.start,
                    item.end,
                    f"restates the front-matter description ({score:.0%} similar)",
                    tokens_wasted=ctx.count(item.text),
                )
                return

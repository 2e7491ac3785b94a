"""TK4xx — structure and prompt caching: dynamic values before long static blocks, token budgets,
few-shot examples that dominate the prompt."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from tokcli.errors import InputError, TokcliError
from tokcli.lint.rules.base import Context, Counter, Rule, Segment, build_segments, mask_spans, register
from tokcli.prompt_cache import min_cacheable_tokens
from tokcli.prompts import PromptDocument, Span, find_template_spans, line_col


@functools.lru_cache(maxsize=64)
def _cache_minimum_for(provider: str, model: str) -> int:
    """The provider's minimum cacheable prefix for `model`, from the one sourced table (`tokcli.prompt_cache`),
    matched on the model's canonical name when the registry knows it."""
    try:
        from tokcli.registry import resolve_model

        model = resolve_model(model).canonical if model else model
    except TokcliError:
        pass
    return min_cacheable_tokens(provider, model)


_DYNAMIC_LITERALS = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b"
    r"|(?i:\b(?:today(?:'s date)? is|current (?:date|time)(?: is)?:?|timestamp:))[ \t]*\d[\d/.:-]*"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
#: A date of `_DYNAMIC_LITERALS` has this right after its first 4 characters, a UUID after its first 8. The
#: pattern starts with a literal, so the regex engine skips to each "-" in C: scanning for it is ~100× faster
#: than scanning for `_DYNAMIC_LITERALS` itself, whose alternatives all start with `\b`.
_LITERAL_ANCHOR = re.compile(
    r"-(?=\d{2}-\d{2}[T ]\d{2}:\d{2}|[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
)
#: The case-insensitive words that start the third alternative, and the non-ASCII characters the regex engine
#: matches case-insensitively to one of their letters (U+0130 İ and U+0131 ı match "i", U+017F ſ matches "s").
_LITERAL_WORDS = ("today", "current", "timestamp")
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def dynamic_literals(text: str) -> Iterator[re.Match[str]]:
    """`_DYNAMIC_LITERALS.finditer(text)`, found fast: the regex is tried only where a match can start (4 or 8
    characters before an anchor, or at one of its words, case-folded), in order, each match resuming the scan
    at its end as `finditer` does."""
    folded = text.lower() if text.isascii() else text.translate(_FOLD).lower()
    if len(folded) != len(text):  # a character whose lower case is longer: scan the slow, plain way
        yield from _DYNAMIC_LITERALS.finditer(text)
        return
    starts: set[int] = set()
    for anchor in _LITERAL_ANCHOR.finditer(text):
        starts.update(start for start in (anchor.start() - 4, anchor.start() - 8) if start >= 0)
    for word in _LITERAL_WORDS:
        found = folded.find(word)
        while found >= 0:
            starts.add(found)
            found = folded.find(word, found + 1)
    position = 0
    for start in sorted(starts):
        if start < position:
            continue
        match = _DYNAMIC_LITERALS.match(text, start)
        if match is not None:
            yield match
            position = match.end()


@dataclass(frozen=True)
class CachePrefix:
    """Where the first dynamic part of a prompt sits and how many static tokens surround it.

    `prefix_tokens` is what a provider could cache today (the static text before the first dynamic part);
    `following_static_tokens` is the largest static block after it, which caching misses.
    """

    dynamic_text: str | None
    line: int | None
    column: int | None
    prefix_tokens: int
    following_static_tokens: int
    total_tokens: int
    #: (segment index, start, end) of the first dynamic part, for reporting.
    where: tuple[int, int, int] | None = None


_STATIC_STATEMENT = re.compile(r"^\{%[-+]?\s*(?:set|endset|macro|endmacro|import|from|extends|raw|endraw)\b")


def _dynamic_spans(segment: Segment) -> list[tuple[int, int]]:
    return dynamic_parts(segment.text, segment.spans, segment.masked)


def dynamic_parts(text: str, spans: list[Span], masked: str) -> list[tuple[int, int]]:
    """[start, end) of each dynamic part of `text` (template variables and statements, dates, ids), adjacent
    parts merged; `masked` is the text with its template `spans` blanked out (`mask_spans`)."""
    found = [
        (span.start, span.end)
        for span in spans
        if span.kind == "variable"
        or (span.kind == "block" and not _STATIC_STATEMENT.match(text[span.start : span.end]))
    ]
    found += [(m.start(), m.end()) for m in dynamic_literals(masked)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and not text[merged[-1][1] : start].strip():
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))  # adjacent dynamic parts count as one
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class StaticPrefix:
    """The text a prompt's cache prefix is measured on and where its first dynamic part starts in it."""

    text: str  # the segments joined with newlines, as `analyse_cache_prefix` counts them
    end: int  # offset in `text` of the first dynamic part (len(text) when there is none)
    dynamic_text: str | None
    line: int | None

    @property
    def prefix(self) -> str:
        return self.text[: self.end]


def static_prefix(document: PromptDocument) -> StaticPrefix:
    """What `analyse_cache_prefix` measures, without counting anything and without building lint segments:
    callers count `prefix` (0 tokens when it is blank) in one batch with their other texts."""
    pieces: list[tuple[str, list[Span], int | None, int | None]] = []  # (text, spans, line, offset in file)
    if document.kind == "chat":
        for message in document.messages:
            try:
                spans = find_template_spans(message.content)
            except InputError:
                spans = []
            pieces.append((message.content, spans, message.line, None))
    else:
        offset = document.body_offset
        spans = [Span(s.start - offset, s.end - offset, s.kind) for s in document.template_spans if s.start >= offset]
        pieces.append((document.body, spans, None, offset))
    joined = "\n".join(text for text, _, _, _ in pieces)
    position = 0
    for text, spans, line, start in pieces:
        parts = dynamic_parts(text, spans, mask_spans(text, spans))
        if parts:
            first, last = parts[0]
            if start is not None:
                line = line_col(document.text, start + first)[0]
            return StaticPrefix(joined, position + first, text[first:last], line)
        position += len(text) + 1
    return StaticPrefix(joined, len(joined), None, None)


def _between(segments: list[Segment], start: tuple[int, int], end: tuple[int, int]) -> str:
    (first, a), (last, b) = start, end
    if first == last:
        return segments[first].text[a:b]
    parts = [segments[first].text[a:], *(s.text for s in segments[first + 1 : last]), segments[last].text[:b]]
    return "\n".join(parts)


def analyse_cache_prefix(
    document: PromptDocument, counter: Counter, segments: list[Segment] | None = None
) -> CachePrefix:
    """The cacheable static prefix of a prompt and the largest static block after its first dynamic part
    (used by TK401 and by `audit`)."""
    segments = segments if segments is not None else build_segments(document)

    def tokens(text: str) -> int:
        if document.str_format:  # counted as the model receives it: `{{` is one brace
            from tokcli.units.syntax import format_output

            text = format_output(text)
        return counter.count(text) if text.strip() else 0

    total = tokens("\n".join(segment.text for segment in segments))
    parts = [(index, a, b) for index, segment in enumerate(segments) for a, b in _dynamic_spans(segment)]
    if not parts:
        return CachePrefix(None, None, None, total, 0, total)

    index, start, end = parts[0]
    prefix = tokens(_between(segments, (0, 0), (index, start)))
    stops = [(i, a) for i, a, _ in parts[1:]] + [(len(segments) - 1, len(segments[-1].text))]
    largest = max(tokens(_between(segments, (i, b), stop)) for (i, _, b), stop in zip(parts, stops))
    segment = segments[index]
    if segment.start is not None:
        line, column = line_col(document.text, segment.start + start)
    else:
        line, column = segment.line, 1
    return CachePrefix(segment.text[start:end], line, column, prefix, largest, total, (index, start, end))


@register
class CacheUnfriendlyPrefix(Rule):
    """A dynamic value (template variable, date, id) placed before a long static block.

    Providers cache only an identical prompt prefix of a minimum size (1,024 tokens for OpenAI and most
    Anthropic models). A value that changes per call near the top makes every token after it a cache miss.
    The finding reports `cacheable_tokens`: the static tokens after the dynamic value that could be served
    from the cache if it moved down. They are not waste (they stay in the prompt), so `tokens_wasted` is 0.

    Wasteful:
        Today is {{ date }}. The user is {{ name }}.
        <2,000 tokens of fixed instructions and examples>
    Fixed:
        <2,000 tokens of fixed instructions and examples>
        Today is {{ date }}. The user is {{ name }}.
    """

    code = "TK401"
    name = "cache-unfriendly-prefix"
    measures_waste = False
    # A prompt config's strings are separate prompts of separate calls: they share no cache prefix.
    kinds = frozenset({"text", "markdown", "jinja", "chat", "prompty", "dotprompt"})
    options: ClassVar[dict[str, Any]] = {"min-cacheable-tokens": 0}

    def check(self, ctx: Context) -> None:
        minimum = int(self.opts["min-cacheable-tokens"]) or _cache_minimum_for(ctx.provider, ctx.model)
        info = analyse_cache_prefix(ctx.document, ctx, ctx.segments)
        if info.where is None or info.dynamic_text is None or info.following_static_tokens < minimum:
            return
        index, start, end = info.where
        provider = ctx.provider or "the provider"
        shown = " ".join(info.dynamic_text.split())
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        status = "below" if info.prefix_tokens < minimum else "above"
        ctx.report(
            ctx.segments[index],
            start,
            end,
            f"dynamic value '{shown}' comes before a block of {info.following_static_tokens:,} static tokens; the static "
            f"prefix is {info.prefix_tokens:,} tokens, {status} {provider}'s {minimum:,}-token cache minimum: "
            "move dynamic parts after the static block",
            tokens_wasted=0,
            cacheable_tokens=info.following_static_tokens,
        )


@register
class TokenBudget(Rule):
    """A prompt over its token budget (`max-tokens`, per call, in the configured model's tokenizer).

    Set it in config (`lint: {rules: {TK402: {max-tokens: 4000}}}`); `tokcli audit` adds budgets per glob.

    Wasteful:
        <a 12,000-token system prompt with max-tokens = 8000>
    Fixed:
        <the same prompt cut to 7,500 tokens>
    """

    code = "TK402"
    name = "token-budget"
    measures_waste = False
    severity = "error"
    options: ClassVar[dict[str, Any]] = {"max-tokens": 8000}

    def check(self, ctx: Context) -> None:
        budget = int(self.opts["max-tokens"])
        total = ctx.total_tokens
        if budget > 0 and total > budget:
            segment = ctx.segments[0] if ctx.segments else None
            if segment is None:
                return
            ctx.report(
                segment,
                0,
                0,
                f"{total:,} tokens, over the budget of {budget:,} by {total - budget:,}",
                tokens_wasted=0,
                over_budget_tokens=total - budget,
            )


_EXAMPLE_MARK = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*|\*\*)?(?:example|sample|shot)[ \t]*#?[ \t]*\d*[ \t]*(?:\*\*)?[ \t]*[:.)\-]",
    re.IGNORECASE | re.MULTILINE,
)
_EXAMPLE_TAG = re.compile(r"<example\b[^>]*>.*?</example>", re.IGNORECASE | re.DOTALL)
_EXAMPLE_CLOSE = re.compile(r"</example>", re.IGNORECASE)
_SECTION_END = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]|^[ \t]*</examples>", re.IGNORECASE | re.MULTILINE)


def example_regions(segment: Segment) -> list[tuple[int, int]]:
    """Few-shot examples in prose: `<example>` blocks, or "Example 1:" headed parts up to the next
    heading (the last one ends at the next heading or `</examples>`)."""
    # No match can end after the last closing tag: search up to there only. Each opening tag after it would
    # otherwise scan to the end of the text for a closer (quadratic on many unclosed tags).
    ends_at = 0
    for closer in _EXAMPLE_CLOSE.finditer(segment.text):
        ends_at = closer.end()
    tagged = [(m.start(), m.end()) for m in _EXAMPLE_TAG.finditer(segment.text, 0, ends_at)]
    if tagged:
        return tagged
    marks = [m.start() for m in _EXAMPLE_MARK.finditer(segment.masked) if not segment.in_fence(m.start())]
    regions = []
    for index, start in enumerate(marks):
        if index + 1 < len(marks):
            end = marks[index + 1]
        else:
            line_end = segment.text.find("\n", start)
            after = _SECTION_END.search(segment.text, line_end + 1) if line_end >= 0 else None
            end = after.start() if after else len(segment.text)
        regions.append((start, end))
    return regions


@register
class FewShotDominance(Rule):
    """Few-shot examples that make up most of the prompt.

    Two or three short, representative examples usually teach the format as well as ten. `tokens_wasted`
    is how much the examples would have to shrink to be `max-share` of the prompt.

    Wasteful:
        Classify the sentiment.
        Example 1: ... (8 long examples, 85 % of the tokens)
    Fixed:
        Classify the sentiment.
        Example 1: ... Example 2: ... Example 3: ... (3 short examples)
    """

    code = "TK403"
    name = "few-shot-dominance"
    options: ClassVar[dict[str, Any]] = {"max-share": 0.6, "min-examples": 3, "min-total-tokens": 300}

    def check(self, ctx: Context) -> None:
        share_limit = float(self.opts["max-share"])
        total = ctx.total_tokens
        if total < int(self.opts["min-total-tokens"]):
            return
        if ctx.document.kind == "chat":
            shots = self._chat_shots(ctx)
            if len(shots) < 2 * int(self.opts["min-examples"]):
                return
            count = len(shots) // 2
            example_tokens = sum(ctx.count(segment.text) for segment in shots)
            anchor, start, end = shots[0], 0, len(shots[0].text)
        else:
            segment = ctx.segments[0]
            regions = example_regions(segment)
            if len(regions) < int(self.opts["min-examples"]):
                return
            count = len(regions)
            example_tokens = sum(ctx.count(segment.text[a:b]) for a, b in regions)
            anchor, start, end = segment, regions[0][0], regions[-1][1]
        share = example_tokens / total
        if share <= share_limit:
            return
        excess = int((example_tokens - share_limit * total) / (1 - share_limit))
        ctx.report(
            anchor,
            start,
            min(end, start + max(1, len(anchor.text[start:end].split("\n", 1)[0]))),
            f"{count} few-shot examples are {share:.0%} of the prompt ({example_tokens:,} of {total:,} tokens; "
            f"limit {share_limit:.0%}): use fewer or shorter examples",
            tokens_wasted=max(0, excess),
        )

    @staticmethod
    def _chat_shots(ctx: Context) -> list[Segment]:
        turns = [segment for segment in ctx.segments if segment.role in ("user", "assistant")]
        if turns and turns[-1].role == "user":
            turns = turns[:-1]
        shots = []
        for index in range(0, len(turns) - 1, 2):
            if turns[index].role == "user" and turns[index + 1].role == "assistant":
                shots.extend(turns[index : index + 2])
        return shots

"""The default `rules` compression method: deterministic, model-free, template-safe.

1. Protected spans are found (`protect`) and each is replaced by one sentinel character, so the transforms
   only ever see static prose ("segments": the text between two protected spans).
2. The level's transforms run over the masked text in order (`pipeline`: a large text in two parts, in two
   processes); a transform that changed the number of sentinels (touched a protected span) is not applied
   (to that part) and is reported.
3. Protected JSON examples are minified (whitespace only; the value is checked equal).
4. The result is verified (`verify`). Segments that fail a check go back to their state before the transform
   that broke them (found by replaying the stored stages), or to the original text; each such rollback is
   reported with the transform's name, and a broken result is never returned.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import itertools
import json
from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from tokcli import forked
from tokcli.compress import chunks
from tokcli.compress.pipeline import TransformRun, run_transforms
from tokcli.compress.protect import (
    FORMAT_KIND,
    MIN_REUSE,
    ProtectedSpan,
    count_negations,
    find_protected_spans,
    forget_folds,
    iter_negations,
    json_equal,
    line_spans,
    normal_negation,
    protect_document,
    reuse_line_spans,
)
from tokcli.compress.transforms import (
    CAPITALISE,
    MINIFY_JSON,
    SENTINEL,
    cannot_open_the_sentence,
    transforms_for_level,
)
from tokcli.compress.verify import Baseline, Problem, VerifyReport, baseline, negation_problems, verify
from tokcli.errors import InputError
from tokcli.json_text import minify_json_text
from tokcli.line_ends import keep_line_ends
from tokcli.prompts import (
    TEMPLATE_KINDS,
    PromptDocument,
    Span,
    find_template_spans,
    line_col,
    load_prompt,
    template_language,
)

_MAX_ROUNDS = 50
_START = itemgetter(0)


@dataclass(frozen=True)
class Rollback:
    """A change that failed verification and was undone for one segment (or the whole text: transform "*")."""

    transform: str
    line: int  # 1-based line of the segment in the original text
    check: str
    message: str


@dataclass(frozen=True)
class RemovedSentence:
    """A whole sentence (or line) a transform removed, and why: for a reviewer to check."""

    transform: str
    line: int  # 1-based, in the original text
    reason: str
    text: str


@dataclass
class RulesResult:
    text: str
    original: str
    level: str
    #: transform name → times it fired (before verification; rolled-back segments are listed in `rollbacks`)
    transforms: dict[str, int] = field(default_factory=dict)
    rollbacks: list[Rollback] = field(default_factory=list)
    protected_spans: int = 0
    notes: list[str] = field(default_factory=list)
    #: the sentences removed whole (texts under `EXPLAIN_MAX_CHARS` only), in the order of the text
    removed: list[RemovedSentence] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text != self.original


@dataclass
class _Masked:
    base: Baseline

    @property
    def original(self) -> str:
        return self.base.text

    @property
    def spans(self) -> list[ProtectedSpan]:
        return self.base.spans

    @property
    def kind(self) -> str:
        return self.base.kind

    @property
    def body_offset(self) -> int:
        return self.base.body_offset

    def verify(
        self,
        candidate: str,
        copied: list[tuple[int, int, int]] | None = None,
        lines: list[tuple[int, int, str]] | None = None,
    ) -> VerifyReport:
        return verify(self.original, candidate, base=self.base, copied=copied, lines=lines)


def compress_prompt(path: str, text: str, *, level: str = "balanced", kind: str | None = None) -> RulesResult:
    """Compress a whole prompt file's text. Raises InputError (file, line) for template syntax errors."""
    document = load_prompt(path, text, kind)
    return compress_document(document, level=level)


def compress_document(document: PromptDocument, *, level: str = "balanced", explain: bool = True) -> RulesResult:
    """Compress an already loaded prompt document. `explain=False` leaves `removed` empty (an audit shows only
    the savings, and finding the removed sentences again costs a tenth of compressing a prompt that has some)."""
    if document.kind == "config":
        # Rewriting the file as prose would break its YAML (keys, indentation, quoting): its prompts are
        # compressed one by one and written back into their values (`tokcli.units.jobs.compress_host`).
        raise InputError(
            "a YAML prompt config is not one prompt: compress its prompts with `tokcli compress` "
            "(tokcli.units.jobs.compress_host)",
            path=document.path,
        )
    if document.kind in ("chat", "tools"):
        if document.kind == "chat":
            result = _compress_chat(document, level, explain)
        else:
            result = _compress_tools(document, level, explain)
        # the messages are written back with LF line breaks: the file's other line ends are kept as they were
        if result.text != document.text:
            result.text = keep_line_ends(document.text, result.text)
        return result
    # a Python prompt's `{field}`s are protected like template tags, and verification checks each one is kept
    kind = FORMAT_KIND if document.format_fields and document.kind == "text" else document.kind
    # A template's tags were found by the loader as verification finds them: shared, not found (and kept) twice.
    tags = document.template_spans if document.kind in TEMPLATE_KINDS else None
    return compress_text(
        document.text, level=level, kind=kind, body_offset=document.body_offset, explain=explain, tags=tags
    )


def compress_text(
    text: str,
    *,
    level: str = "balanced",
    kind: str = "text",
    body_offset: int = 0,
    explain: bool = True,
    tags: list[Span] | None = None,
) -> RulesResult:
    """Compress `text` (a prompt of the given loader `kind`); the result always passes `verify`. `tags`: the
    template tags of a template `kind`, when already found (`find_template_spans` from `body_offset`).

    Windows line ends (CRLF, throughout or mixed with LF) are compressed as LF; each line keeps its own end.
    """
    if "\r\n" in text:
        unix = text.replace("\r\n", "\n")
        if "\r" not in unix:
            offset = len(text[:body_offset].replace("\r\n", "\n"))
            result = compress_text(unix, level=level, kind=kind, body_offset=offset, explain=explain)
            result.text = keep_line_ends(text, result.text) if result.text != unix else text
            result.original = text
            return result
    if len(text) >= chunks.CHUNKED_MIN_CHARS:
        ranges = chunks.chunk_ranges(text, kind=kind, body_offset=body_offset)
        if len(ranges) > 1:
            return _compress_in_chunks(text, ranges, level, kind, body_offset, explain)
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of small tuples and matches, no cycles: full collections only cost time
    try:
        return _compress_text(text, level, kind, body_offset, explain, tags)
    finally:
        forget_folds()  # the transforms' folds of large texts (see `protect.fold`)
        if collecting:
            gc.enable()


def _compress_in_chunks(
    text: str, ranges: list[tuple[int, int]], level: str, kind: str, body_offset: int, explain: bool
) -> RulesResult:
    """A very large text compressed chunk by chunk (see `chunks`); the separators between chunks are kept."""
    result = RulesResult(text=text, original=text, level=level)
    pieces: list[str] = []
    line = 1
    with contextlib.closing(_chunk_results(text, ranges, level, kind, body_offset, explain)) as parts:
        for index, ((start, end), part) in enumerate(zip(ranges, parts)):
            _merge_part(part, result, lambda inner, first=line: first + inner - 1)
            pieces.append(part.text)
            after = ranges[index + 1][0] if index + 1 < len(ranges) else len(text)
            pieces.append(text[end:after])
            line += text.count("\n", start, after)
            del part
    joined = "".join(pieces)
    del pieces
    result.text = joined if joined != text else text
    result.notes.append(
        f"compressed in {len(ranges)} chunks of about {chunks.CHUNK_CHARS / (1 << 20):.3g} MB, cut at blank lines "
        "(or line breaks) outside protected blocks: a sentence repeated in a later chunk is kept"
    )
    return result


def _chunk_results(
    text: str, ranges: list[tuple[int, int]], level: str, kind: str, body_offset: int, explain: bool
) -> Generator[RulesResult, None, None]:
    """Each chunk's result, in order. Where a second CPU is there, a forked child compresses every other chunk
    while this process compresses the rest, each in one process: the whole method (protection, sentence removal
    and verification too, not only the transforms that run in parts) gets two CPUs, and each chunk's result is
    the one a single process gives. This process keeps the last chunk (the shortest) and merges the results."""

    def compressed(index: int) -> RulesResult:
        start, end = ranges[index]
        offset = body_offset if index == 0 else 0
        return compress_text(text[start:end], level=level, kind=kind, body_offset=offset, explain=explain)

    if len(ranges) < 2 or not forked.available():
        yield from map(compressed, range(len(ranges)))
        return
    theirs = range(len(ranges) % 2, len(ranges), 2)  # every other chunk, not the last

    def in_child(parent: forked.Parent) -> None:
        forked.enabled = False  # (in this process only) one CPU each
        for index in theirs:
            part = compressed(index)
            part.original = ""  # the parent has the text: not sent back
            parent.send(part)

    child: forked.Child | None = forked.Child(in_child)
    ahead: dict[int, RulesResult] = {}  # compressed here while the child works on the chunk before
    forked.enabled = False
    try:
        for index in range(len(ranges)):
            if child is None or index not in theirs:
                yield ahead.pop(index) if index in ahead else compressed(index)
                continue
            if index + 1 < len(ranges):
                ahead[index + 1] = compressed(index + 1)
            start, end = ranges[index]
            try:
                part: RulesResult = child.receive()
                part.original = text[start:end]
                if index == theirs[-1]:
                    child.result()  # (it ends)
                    child = None
            except forked.ChildFailed:  # this process does the child's chunks
                child = None
                forked.enabled = True
                part = compressed(index)
            yield part
    finally:
        forked.enabled = True
        if child is not None:
            child.close()  # after an error here: its pipe closes and it ends


def _compress_text(
    text: str, level: str, kind: str, body_offset: int, explain: bool, tags: list[Span] | None
) -> RulesResult:
    transforms = transforms_for_level(level)
    state = _Masked(baseline(text, kind=kind, body_offset=body_offset, tags=tags))
    spans = state.spans
    result = RulesResult(text=text, original=text, level=level, protected_spans=len(spans))
    original_gaps = _gaps(text, spans)
    masked = SENTINEL.join(original_gaps)

    run = run_transforms(masked, transforms)
    forget_folds()  # only the transforms look folds up: verification of a large text needs the memory
    try:
        result.transforms.update(run.fired)
        result.rollbacks.extend(
            Rollback(name, 1, "protected", "transform touched a protected span; not applied") for name in run.rejected
        )
        texts = _minified(spans, result)
        result.text, final_gaps = _settle(state, run, original_gaps, texts, result)
        if explain and final_gaps is not None and len(text) < EXPLAIN_MAX_CHARS and run.fired.keys() & _REMOVING:
            result.removed = _removed_sentences(state, run, final_gaps, level)
    finally:
        run.close()
    return result


#: Transforms that remove whole sentences, named in `RulesResult.removed`.
_REMOVING = frozenset({"duplicate_sentences", "non_instructions", "rationale"})
#: Removed sentences are listed for texts shorter than this (a prompt, not a bench file), at most
#: `EXPLAIN_MAX_REMOVED` of them.
EXPLAIN_MAX_CHARS = 1_000_000
EXPLAIN_MAX_REMOVED = 200


def _removed_sentences(state: _Masked, run: TransformRun, final_gaps: list[str], level: str) -> list[RemovedSentence]:
    """The sentences the removing transforms cut, with why, found again in the stage each one ran on; a cut in
    a segment that verification rolled back is not listed."""
    from tokcli.compress.sentences import rationale_cuts, removals
    from tokcli.compress.transforms import repeated_sentences

    found: list[RemovedSentence] = []
    stages = run.stages()
    for (_, before), (name, _) in itertools.pairwise(stages):
        if name == "duplicate_sentences":
            repeats = repeated_sentences(before, set)
            cuts = [(start, end, "repeats an earlier sentence") for start, end, _ in repeats]
        elif name == "rationale":
            cuts = [(cut.start, cut.end, cut.reason) for cut in rationale_cuts(before)]
        elif name in _REMOVING:
            cuts = [(cut.start, cut.end, cut.reason) for cut in removals(before) if cut.reason != "rationale"]
        else:
            continue
        segment = counted = 0
        for start, end, reason in sorted(cuts):
            if len(found) >= EXPLAIN_MAX_REMOVED:
                return found  # each costs a search of its segment: a prompt never has this many
            segment += before.count(SENTINEL, counted, start)  # the cuts come in order: count on from the last
            counted = start
            sentence = before[start:end].strip().lstrip(",—– ")  # a reason clause without its comma or dash
            if not sentence or sentence in final_gaps[segment]:
                continue  # rolled back with its segment
            found.append(RemovedSentence(name, _line_of(state, segment, sentence), reason, sentence))
    return found


def _line_of(state: _Masked, segment: int, sentence: str) -> int:
    """The line of `sentence` in the original, found by its start or, when earlier transforms reworded that, its
    end (else the line of its segment)."""
    segment_start = state.spans[segment - 1].end if segment else 0
    for piece in (sentence[:40], sentence[-40:], sentence[:16], sentence[-16:]):
        position = state.original.find(piece, segment_start)
        if position >= 0:
            return line_col(state.original, position)[0]
    return line_col(state.original, segment_start)[0]


def _minified(spans: list[ProtectedSpan], result: RulesResult) -> list[str]:
    """The protected spans' texts, JSON examples minified (whitespace only; the value is checked equal)."""
    texts = [span.text for span in spans]
    minified = 0
    for index, span in enumerate(spans):
        if span.kind == "json":
            small = minify_json_text(span.text)
            if small != span.text and json_equal(small, span.text):
                texts[index] = small
                minified += 1
    if minified:
        result.transforms[MINIFY_JSON] = minified
    return texts


def _gaps(text: str, spans: list[ProtectedSpan]) -> list[str]:
    gaps = []
    position = 0
    for span in spans:
        gaps.append(text[position : span.start])
        position = span.end
    gaps.append(text[position:])
    return gaps


def _unmask(gaps: list[str], texts: list[str]) -> str:
    return "".join(itertools.chain.from_iterable(zip(gaps, texts))) + gaps[-1]


def _copied(
    gaps: list[str], texts: list[str], original_gaps: list[str], original_texts: list[str]
) -> list[tuple[int, int, int]]:
    """The ranges (start, end, shift) of the unmasked candidate copied unchanged from the original (only those
    long enough for `reuse_line_spans` to use)."""
    changed = [2 * i for i, (gap, before) in enumerate(zip(gaps, original_gaps)) if gap != before]
    changed.extend(2 * i + 1 for i, (text, before) in enumerate(zip(texts, original_texts)) if text != before)
    if not changed:
        return [(0, sum(map(len, gaps)) + sum(map(len, texts)), 0)]
    changed.sort()
    # offsets of each piece (gap 0, span 0, gap 1, …) in the candidate and in the original
    new = [0, *itertools.accumulate(map(len, itertools.chain.from_iterable(zip(gaps, [*texts, ""]))))]
    old = [0, *itertools.accumulate(map(len, itertools.chain.from_iterable(zip(original_gaps, [*original_texts, ""]))))]
    ranges = []
    for first, after in zip([-1, *changed], [*changed, len(new) - 1]):
        start, end = new[first + 1], new[after]
        if end - start >= MIN_REUSE:
            ranges.append((start, end, start - old[first + 1]))
    return ranges


def _capitalise_after_cuts(
    marked: list[str], gaps: list[str], texts: list[str], spans: list[ProtectedSpan], original_gaps: list[str]
) -> str:
    """The verified text, with a negation word capitalised where a cut left it opening a sentence ("Please
    don't …" → "Don't …"): the transforms cannot touch a protected span, so they mark the gap before it
    (`CAPITALISE`). A segment rolled back keeps its original text, and its mark goes with it. Negation words are
    compared without their case, and a capitalised one is not followed by a capitalised word (the transform
    checks), so the text still verifies. A bare "not" before a verb cannot open a sentence
    (`cannot_open_the_sentence`): "Do" goes before it ("It is important to not share keys" → "Do not share keys").
    A template variable that was the verb of a request gets its segment back as written."""
    texts = list(texts)
    for index, gap in enumerate(marked[:-1]):
        span = spans[index]
        if not gap.endswith(CAPITALISE) or gap.replace(CAPITALISE, "") != gaps[index]:
            continue
        if cannot_open_the_sentence(span.kind, texts[index], original_gaps[index], gaps[index + 1]):
            if span.kind == "negation":
                gaps[index] += "Do "  # not "Not share keys."
            else:
                gaps[index] = original_gaps[index]  # "{{ rule }}." for "… that you {{ rule }}."
        elif span.kind == "negation":
            texts[index] = texts[index][:1].upper() + texts[index][1:]
    return _unmask(gaps, texts)


def _settle(
    state: _Masked, run: TransformRun, original_gaps: list[str], texts: list[str], result: RulesResult
) -> tuple[str, list[str] | None]:
    """Verify; roll failing segments back stage by stage until the result passes (or is the original). Returns
    the text and its final segments (None: the original).

    After a rollback only the lines around the segments rolled back are scanned again: the rest of the line
    spans come from the previous round's report (see `reuse_line_spans`)."""
    gaps = run.final.split(SENTINEL)
    if CAPITALISE in run.final:  # resolved after verification (see `_capitalise_after_cuts`)
        gaps = [gap.replace(CAPITALISE, "") for gap in gaps]
    staged: list[list[str]] | None = None
    stages: list[tuple[str, str]] = []
    at_original: set[int] = set()
    ceilings: dict[int, int] = {}  # segment → the stage it was last rolled back to (rollbacks only go back)
    rollbacks: dict[int, Rollback] = {}
    original_texts = [span.text for span in state.spans]
    report: VerifyReport | None = None  # of the previous round's candidate
    previous: tuple[str, list[str]] = ("", [])  # that candidate and its gaps
    current = False  # whether `report` is of the gaps as they are
    for _ in range(_MAX_ROUNDS):
        candidate = _unmask(gaps, texts)
        if report is None or report.lines is None:
            # (a long text's lines are looked up in the original's instead: `Baseline.line_memo`)
            copied = _copied(gaps, texts, original_gaps, original_texts) if state.base.line_memo is None else None
            report = state.verify(candidate, copied)
        else:
            earlier = sorted(report.lines, key=_START)
            copied = _copied(gaps, texts, previous[1], texts)
            report = state.verify(candidate, lines=reuse_line_spans(candidate, earlier, len(previous[0]), copied))
        current = True
        if report.ok:
            result.rollbacks.extend(rollbacks[index] for index in sorted(rollbacks))
            if CAPITALISE in run.final:
                return _capitalise_after_cuts(run.final.split(SENTINEL), gaps, texts, state.spans, original_gaps), gaps
            return candidate, gaps
        implicated = _bad_segments(state, report, candidate, gaps, texts, original_gaps)
        bad = {index: problem for index, problem in implicated.items() if index not in at_original}
        if not bad:
            break
        if staged is None:
            stages = run.stages()
            staged = [stage.replace(CAPITALISE, "").split(SENTINEL) for _, stage in stages]
        previous = (candidate, list(gaps))
        current = False
        top = len(staged) - 1
        found = _last_good_stages(staged, {index: ceilings.get(index, top) for index in bad}, texts)
        for index in sorted(bad):
            stage = found[index]
            ceilings[index] = stage
            gaps[index] = staged[stage][index]
            if stage == 0:
                at_original.add(index)
            problem = bad[index]
            line = line_col(state.original, state.spans[index - 1].end if index else 0)[0]
            rollbacks[index] = Rollback(_blamed(stages, staged, stage, index), line, problem.check, problem.message)
    # could not isolate the failure: nothing is emitted but the original
    final = report if current and report is not None else state.verify(_unmask(gaps, texts))
    message = final.problems[0].message if final.problems else "verification did not settle"
    check = final.problems[0].check if final.problems else "protected"
    result.rollbacks.append(Rollback("*", 1, check, message + "; whole text left unchanged"))
    result.transforms.clear()
    return state.original, None


def _bad_segments(
    state: _Masked,
    report: VerifyReport,
    candidate: str,
    gaps: list[str],
    texts: list[str],
    original_gaps: list[str],
) -> dict[int, Problem]:
    """The segments (gaps between protected spans) each problem points at."""
    starts = []
    position = 0
    for gap, protected in zip(gaps, [*texts, ""]):
        starts.append(position)
        position += len(gap) + len(protected)
    bad: dict[int, Problem] = {}
    for problem in report.problems:
        # segment → what is wrong there (the problem's own message where nothing closer can be said)
        found: dict[int, str] = {}
        if problem.check == "negations":
            changed = [index for index, gap in enumerate(gaps) if gap != original_gaps[index]]
            after = _negation_words_of([gaps[index] for index in changed])
            before = _negation_words_of([original_gaps[index] for index in changed])
            for index, old, new in zip(changed, before, after):
                if old != new:
                    found[index] = negation_problems("", "", Counter(old), Counter(new))[0].message
            # a word made from text on both sides of a protected span
            words = iter_negations(candidate) if report.negations is None else report.negations
            for index, message in _negations_across(words, starts, gaps, candidate).items():
                found.setdefault(index, message)
        elif problem.check == "protected":
            found.update(_protected_mismatch(state, report, candidate, starts, gaps, texts))
        elif problem.offset is not None:
            index = max(bisect.bisect_right(starts, problem.offset) - 1, 0)
            found.update((i, problem.message) for i in (index - 1, index, index + 1) if 0 <= i < len(gaps))
        for index, message in found.items():
            if gaps[index] != original_gaps[index]:  # an unchanged segment has nothing to roll back
                bad.setdefault(index, Problem(problem.check, message, problem.offset))
    return bad


def _negation_words_of(pieces: list[str]) -> list[list[str]]:
    """The negation/constraint words of each piece, normalised as `count_negations` counts them and sorted
    (equal lists: equal counts), found by one scan of the pieces joined by line breaks (no word crosses one)."""
    words: list[list[str]] = [[] for _ in pieces]
    if not pieces:
        return words
    joined = "\n".join(pieces)
    starts = list(itertools.accumulate((len(piece) + 1 for piece in pieces[:-1]), initial=0))
    for start, end in iter_negations(joined):
        words[bisect.bisect_right(starts, start) - 1].append(normal_negation(joined[start:end]))
    for found in words:
        found.sort()
    return words


def _negations_across(
    words: list[tuple[int, int]], starts: list[int], gaps: list[str], candidate: str
) -> dict[int, str]:
    """The segments around the negation words (`iter_negations` of the candidate) that straddle the border
    between a segment and a protected span: made from text on both sides of it. A word that lies within one
    protected span (as most do: negation words are protected) implicates nothing."""
    bad: dict[int, str] = {}
    for start, end in words:
        index = bisect.bisect_right(starts, start) - 1
        gap_end = starts[index] + len(gaps[index])
        span_end = starts[index + 1] if index + 1 < len(starts) else None
        if start < gap_end < end or (span_end is not None and gap_end <= start < span_end < end):
            message = f"negation/constraint word {candidate[start:end]!r} made from the text around a protected span"
            for implicated in (index, min(index + 1, len(gaps) - 1)):
                bad.setdefault(implicated, message)
    return bad


def _protected_mismatch(
    state: _Masked, report: VerifyReport, candidate: str, starts: list[int], gaps: list[str], texts: list[str]
) -> dict[int, str]:
    """The segments where the protected spans found again differ from those expected, each with what differs."""
    expected = {(starts[i] + len(gaps[i]), starts[i] + len(gaps[i]) + len(texts[i])) for i in range(len(texts))}
    spans = report.spans
    if spans is not None and state.base.tags is None and report.tags == []:
        # verification took the candidate for plain text (as the original): found again by themselves its
        # braces might still pair into template tags
        try:
            if find_template_spans(candidate, start=state.body_offset, language=template_language(state.kind)):
                spans = None
        except InputError:
            if state.kind in TEMPLATE_KINDS:  # cannot happen: the original's tags would not close either
                spans = None
    try:
        if spans is None:
            spans = protect_document(candidate, kind=state.kind, body_offset=state.body_offset)
    except InputError as error:  # a tag no longer closes: every segment is suspect
        return dict.fromkeys(range(len(gaps)), f"template no longer parses: {error.message}")
    found = {(s.start, s.end) for s in spans}
    bad: dict[int, str] = {}
    for begin, end in sorted(expected ^ found):
        if (begin, end) in found:
            message = f"protected span {_short(candidate[begin:end])} appeared (or grew from a smaller one)"
        else:
            message = f"protected span {_short(candidate[begin:end])} no longer found as it was"
        first = max(bisect.bisect_right(starts, begin) - 1, 0)
        last = max(bisect.bisect_right(starts, max(end - 1, begin)) - 1, 0)
        for index in range(first, min(last, len(gaps) - 1) + 1):
            bad.setdefault(index, message)
    return bad


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _last_good_stages(staged: list[list[str]], ceilings: dict[int, int], texts: list[str]) -> dict[int, int]:
    """For each segment `index` in `ceilings`, the latest stage below `ceilings[index]` whose version of the
    segment passes a local check.

    The local check finds protected spans in the segment placed between its two neighbouring protected spans
    and counts its negation words; stage 0 (the original segment) always passes. Stages whose version equals
    the one at the ceiling are skipped: going back to them would change nothing. The segments are tried in
    waves, one stage each, and the line spans (`line_spans`) of a wave's local texts are found by one scan of
    them joined by line breaks (the spans of a line depend on that line alone), not by one scan each.
    """
    chosen: dict[int, int] = {}
    pending: dict[int, Iterator[int]] = {}
    for index, ceiling in ceilings.items():
        pending[index] = _stages_to_try(staged, index, ceiling)
    while pending:
        wave: list[tuple[int, int, str, list[tuple[int, int, str]]]] = []  # index, stage, local text, neighbours
        for index, tries in list(pending.items()):
            stage = next(tries, 0)
            if stage == 0:
                chosen[index] = 0
                del pending[index]
                continue
            before = texts[index - 1] if index > 0 else ""
            after = texts[index] if index < len(texts) else ""
            gap = staged[stage][index]
            local = before + gap + after
            neighbours = [(0, len(before), "n"), (len(before) + len(gap), len(local), "n")]
            wave.append((index, stage, local, [n for n in neighbours if n[1] > n[0]]))
        if not wave:
            break
        locals_ = [local for _, _, local, _ in wave]
        offsets = [0, *itertools.accumulate(len(local) + 1 for local in locals_)]
        found = sorted(line_spans("\n".join(locals_)), key=_START)  # stable: the order within a start is kept
        starts = [span[0] for span in found]
        low = 0
        for (index, stage, local, neighbours), offset, end in zip(wave, offsets, offsets[1:]):
            high = bisect.bisect_left(starts, end, low)
            lines = [(start - offset, stop - offset, kind) for start, stop, kind in found[low:high]]
            low = high
            spans = find_protected_spans(local, extra_spans=neighbours, lines=lines)
            if all(span.kind == "n" for span in spans):
                chosen[index] = stage
                del pending[index]
    return chosen


def _stages_to_try(staged: list[list[str]], index: int, ceiling: int) -> Iterator[int]:
    """The stages below `ceiling` (latest first, stage 0 aside) whose version of segment `index` differs from
    the ceiling's and has the original's negation words."""
    top = staged[ceiling][index]
    reference = count_negations(staged[0][index])
    for stage in range(ceiling - 1, 0, -1):
        if staged[stage][index] != top and count_negations(staged[stage][index]) == reference:
            yield stage


def _blamed(stages: list[tuple[str, str]], staged: list[list[str]], stage: int, index: int) -> str:
    """The first transform after `stage` that changed segment `index`."""
    for later in range(stage + 1, len(staged)):
        if staged[later][index] != staged[stage][index]:
            return stages[later][0]
    return MINIFY_JSON


# ---- chat files ----------------------------------------------------------------------------------


_MESSAGE_BREAK = "\n\ue001\n"  # a reserved character: always a protected span, never in real text


def _compress_chat(document: PromptDocument, level: str, explain: bool) -> RulesResult:
    """Chat files: the messages' texts are compressed together (so an instruction repeated in every turn is
    kept once) with a protected break between them, the turns of an example conversation left as written
    (`_example_turns`); the file is written back with only the changed texts replaced where it can be."""
    import yaml

    is_json = document.path.lower().endswith(".json")
    # libyaml's safe loader and dumper where PyYAML has them (ten times faster; the same documents)
    data = json.loads(document.text) if is_json else yaml.load(document.text, Loader=_yaml_safe_loader())
    items = data["messages"] if isinstance(data, dict) else data
    slots: list[tuple[dict[str, Any], str, int]] = []  # (holder, key, line of the message)
    owners: list[int] = []  # the message each slot belongs to
    for position, item in enumerate(items):
        line = document.messages[position].line if position < len(document.messages) else 1
        content = item.get("content")
        parts = [(item, "content")] if isinstance(content, str) else []
        if isinstance(content, list):
            parts = [(part, "text") for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)]
        slots.extend((holder, key, line) for holder, key in parts)
        owners.extend(position for _ in parts)
    texts = [holder[key] for holder, key, _ in slots]
    lines = [line for _, _, line in slots]
    as_written = _example_turns(items, owners)
    anchored_notes: list[str] = []
    while True:
        result, new_texts = _compress_turns(document, texts, lines, as_written, level, explain)
        shared = [] if is_json else _shared_texts_differing(document.text, texts, new_texts)
        if not shared:
            break
        # those messages stay as written and the others are compressed again without them: the transforms and
        # removed sentences reported are then those of the texts written, not of cuts undone
        for indexes in shared:
            anchored_notes.append(f"{len(indexes)} messages share one YAML anchor and would differ: kept as they were")
            for index in indexes:
                as_written[index] = True
    result.notes.extend(anchored_notes)
    if not result.transforms or new_texts == texts:
        result.transforms.clear()
        result.removed.clear()  # (cut from messages kept as they were)
        return result
    for (holder, key, _), new in zip(slots, new_texts):
        holder[key] = new
    edited = _edited_in_place(document.text, texts, new_texts, data, is_json=is_json)
    if edited is not None:
        result.text = edited
    elif is_json:
        from tokcli.compress.chat_edit import escape_surrogates

        result.text = escape_surrogates(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
        result.notes.append("JSON chat file re-serialised: its layout is not kept")
    else:
        result.text = yaml.dump(data, Dumper=_chat_dumper(), sort_keys=False, allow_unicode=True, width=1_000_000)
        result.notes.append("YAML chat file re-serialised: comments and quoting style are not kept")
    return result


def _shared_texts_differing(text: str, texts: list[str], new_texts: list[str]) -> list[list[int]]:
    """The groups of messages that read one YAML anchor (`content: *rules`) and whose compressions differ (a
    repeated instruction is cut from the later turn): one scalar cannot hold two texts, and re-serialising the
    file would lose its comments and anchors."""
    if "&" not in text or "*" not in text:
        return []
    import yaml

    from tokcli.compress import chat_edit

    try:
        nodes = chat_edit.content_nodes(chat_edit.compose(text, is_json=False))
    except (yaml.YAMLError, ValueError):
        return []
    if nodes is None or len(nodes) != len(texts):
        return []
    readers: dict[int, list[int]] = {}
    for index, node in enumerate(nodes):
        readers.setdefault(id(node), []).append(index)
    return [indexes for indexes in readers.values() if len({new_texts[index] for index in indexes}) > 1]


def _edited_in_place(text: str, texts: list[str], new_texts: list[str], data: Any, *, is_json: bool) -> str | None:
    """The chat file with only its changed message texts rewritten (`chat_edit`), or None where that does not
    read back as exactly `data` (an anchor shared by two messages that now differ, an odd layout): then the file
    is re-serialised."""
    import yaml

    from tokcli.compress import chat_edit

    try:
        nodes = chat_edit.content_nodes(chat_edit.compose(text, is_json=is_json))
        if nodes is None or len(nodes) != len(texts):
            return None
        edits: dict[int, tuple[Any, str]] = {}  # an alias is the node of its anchor: one edit each
        for node, old, new in zip(nodes, texts, new_texts):
            if new != old and edits.setdefault(id(node), (node, new))[1] != new:
                return None
        edited = chat_edit.replace_scalars(text, list(edits.values()), is_json=is_json)
        again = json.loads(edited) if is_json else yaml.load(edited, Loader=_yaml_safe_loader())
    except (yaml.YAMLError, ValueError):
        return None
    return edited if again == data else None


def _compress_tools(document: PromptDocument, level: str, explain: bool) -> RulesResult:
    """Tool-definition files: each description (a tool's, its parameters') compressed on its own and written
    back in place. The JSON around them stays as written: an SDK sends the tools in its own layout, so
    minifying the file would save the model nothing."""
    import yaml

    from tokcli.compress import chat_edit

    result = RulesResult(text=document.text, original=document.text, level=level)
    try:
        root = chat_edit.compose(document.text, is_json=True)
    except yaml.YAMLError:
        return result  # JSON that YAML does not read (a tab in the indentation …): nothing edited
    edits: list[tuple[Any, str]] = []
    for node in chat_edit.description_nodes(root):
        part = compress_text(node.value, level=level, explain=explain)
        if part.text != node.value:
            _merge_part(part, result, lambda _line, node=node: node.start_mark.line + 1)
            edits.append((node, part.text))
    if not edits:
        result.transforms.clear()
        return result
    edited = chat_edit.replace_scalars(document.text, edits, is_json=True)
    new_values = {id(node): value for node, value in edits}
    expected = [(node.tag, new_values.get(id(node), node.value)) for node in chat_edit.scalar_nodes(root)]
    try:
        json.loads(edited)
        again = chat_edit.scalar_nodes(chat_edit.compose(edited, is_json=True))
        same = [(node.tag, node.value) for node in again] == expected
    except (ValueError, yaml.YAMLError):
        same = False
    if not same:  # cannot happen: only string scalars were replaced, each by a JSON string
        result.transforms.clear()
        result.rollbacks.append(Rollback("*", 1, "protected", "descriptions could not be written back; left unchanged"))
        return result
    result.text = edited
    return result


_SPEAKER_ROLES = frozenset(["user", "assistant", "model", "human", "ai"])


def _example_turns(items: list[Any], owners: list[int]) -> list[bool]:
    """Per slot (of the message `owners[slot]`), whether it is a turn of an example conversation: a user or
    assistant message before the last user message (a few-shot demonstration, or a conversation's history),
    whose words are the speakers'."""
    roles = [str(item.get("role", "")).lower() if isinstance(item, dict) else "" for item in items]
    last_user = max((index for index, role in enumerate(roles) if role in ("user", "human")), default=-1)
    return [index < last_user and roles[index] in _SPEAKER_ROLES for index in owners]


def _compress_turns(
    document: PromptDocument, texts: list[str], lines: list[int], as_written: list[bool], level: str, explain: bool
) -> tuple[RulesResult, list[str]]:
    """The messages compressed together, except those `as_written`: the turns of an example conversation, which
    are what its speakers say ("Could you please ship faster?" in a demonstrated review, "Could you please
    process my refund?" as the polite rewrite an assistant turn shows), and messages sharing a YAML anchor."""
    result = RulesResult(text=document.text, original=document.text, level=level)
    others = [index for index in range(len(texts)) if not as_written[index]]
    news = list(texts)
    compressed = _compress_messages([texts[i] for i in others], [lines[i] for i in others], level, result, explain)
    for index, new in zip(others, compressed):
        news[index] = new
    return result, news


def _compress_messages(texts: list[str], lines: list[int], level: str, result: RulesResult, explain: bool) -> list[str]:
    if not texts:
        return texts
    if any(_MESSAGE_BREAK.strip() in text or SENTINEL in text for text in texts):
        return [_compress_alone(text, level, line, result, explain) for text, line in zip(texts, lines)]
    joined = _MESSAGE_BREAK.join(texts)
    part = compress_text(joined, level=level, explain=explain)
    pieces = part.text.split(_MESSAGE_BREAK.strip())
    if len(pieces) != len(texts):  # cannot happen: the break is protected; stay safe anyway
        return [_compress_alone(text, level, line, result, explain) for text, line in zip(texts, lines)]
    news = []
    for index, piece in enumerate(pieces):
        if index > 0 and piece.startswith("\n"):
            piece = piece[1:]
        if index < len(pieces) - 1 and piece.endswith("\n"):
            piece = piece[:-1]
        news.append(piece)
    if any(text.strip() and not new.strip() for text, new in zip(texts, news)):
        # a message whose every sentence was said in an earlier one (an example turn asked twice): an empty
        # message changes the conversation (and some APIs refuse it), so each message is compressed on its own
        return [_compress_alone(text, level, line, result, explain) for text, line in zip(texts, lines)]
    starts = list(itertools.accumulate([1] + [text.count("\n") + 2 for text in texts[:-1]]))
    _merge_part(part, result, lambda line: _message_line(line, starts, lines))
    return news


def _message_line(line: int, starts: list[int], lines: list[int]) -> int:
    index = max(bisect.bisect_right(starts, line) - 1, 0)
    return lines[index] + line - starts[index]


def _compress_alone(content: str, level: str, line: int, result: RulesResult, explain: bool) -> str:
    part = compress_text(content, level=level, explain=explain)
    _merge_part(part, result, lambda inner: line + inner - 1)
    return part.text


def _merge_part(part: RulesResult, result: RulesResult, where: Any) -> None:
    for name, count in part.transforms.items():
        result.transforms[name] = result.transforms.get(name, 0) + count
    for rollback in part.rollbacks:
        result.rollbacks.append(Rollback(rollback.transform, where(rollback.line), rollback.check, rollback.message))
    result.protected_spans += part.protected_spans
    result.removed.extend(
        RemovedSentence(removed.transform, where(removed.line), removed.reason, removed.text)
        for removed in part.removed
    )


def _yaml_safe_loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _chat_dumper() -> Any:
    import yaml

    class ChatDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        """Multi-line strings as literal blocks, so message texts stay readable."""

    def present_str(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value and all(line == line.rstrip() for line in value.split("\n")) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    ChatDumper.add_representer(str, present_str)
    return ChatDumper

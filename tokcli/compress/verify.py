"""Check that a compressed prompt still means the same: parse the result again and compare.

Checks, each named in the problems it reports:
- `syntax`: a template still parses with Jinja2 (tags still close; Handlebars, for dotprompt: blocks close);
- `variables`: the set of undeclared template variables (`jinja2.meta`) is identical;
- `placeholders` / `statements`: the sequence of `{{ … }}` and of `{% … %}` tags is identical byte for byte;
- `protected`: the sequence of protected spans found again in the result is identical (JSON: equal values);
- `negations`: every negation/constraint word occurs as often as before;
- `front_matter`: a leading YAML front matter block (`---` … `---`) is still there, byte for byte.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tokcli import forked, simple_tags
from tokcli.compress import protect
from tokcli.compress.protect import (
    LINE_MEMO_MIN_CHARS,
    LineMemo,
    ProtectedSpan,
    count_negations,
    line_spans,
    protect_document,
    reuse_line_spans,
    same_span_text,
)
from tokcli.errors import InputError
from tokcli.handlebars import check_handlebars_syntax
from tokcli.prompts import (
    TEMPLATE_KINDS,
    Span,
    find_template_spans,
    front_matter_end,
    jinja_environment,
    line_col,
    parse_template,
    template_language,
)


@dataclass(frozen=True)
class Problem:
    check: str  # "syntax" | "variables" | "placeholders" | "statements" | "protected" | "negations" | "front_matter"
    message: str
    offset: int | None = None  # where in the result, when it can be said


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    #: what the protected-span check found in the result, for a caller that looks closer at a failure: its
    #: protected spans (found with the template tags `tags`), the (start, end) of its negation/constraint
    #: words and its `line_spans`; None when the check did not run (a template that no longer parses); `lines`
    #: is None too for a long original's results (their line spans are found through `Baseline.line_memo`)
    spans: list[ProtectedSpan] | None = field(default=None, repr=False)
    tags: list[Span] | None = field(default=None, repr=False)
    negations: list[tuple[int, int]] | None = field(default=None, repr=False)
    lines: list[tuple[int, int, str]] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Baseline:
    """What verification compares against, computed once from the original text."""

    text: str
    kind: str
    body_offset: int
    spans: list[ProtectedSpan]
    negations: Counter[str]
    tags: list[Span] | None  # None: not a template (stray braces are prose)
    #: the texts of the body's tags when all are simple and many (see `tokcli.simple_tags`): a result whose
    #: tags have the same texts has the same skeleton, known without lexing either; None: not a template, or
    #: not simple, or a few tags only
    simple_tag_texts: tuple[str, ...] | None = None
    #: `line_spans` of the original, sorted by start (for `verify(copied=...)`); empty for a long text (it has
    #: `line_memo`)
    lines: list[tuple[int, int, str]] = field(default_factory=list, repr=False)
    #: the line spans of the original's lines, by line (see `known_line_spans`): a long result's lines that
    #: the original has are not scanned again; None for a short text
    line_memo: LineMemo | None = field(default=None, repr=False)
    _variables: frozenset[str] | bool | None = field(default=False, repr=False)
    #: see `skeleton`; False: not worked out yet
    _skeleton: bytes | bool | None = field(default=None, repr=False)

    @property
    def skeleton(self) -> bytes | None:
        """A digest of Jinja2's tokens of the body without its static text (see `skeleton_digest`); None: not
        a template, or Jinja2's lexer rejects it. Lexed on first use when the tags are simple: verification
        needs it only when a result's tags differ."""
        if self._skeleton is False:
            self._skeleton = skeleton_digest(self.text[self.body_offset :])
        assert self._skeleton is not True
        return self._skeleton

    @property
    def variables(self) -> frozenset[str] | None:
        """The undeclared template variables (`jinja2.meta`); None: Jinja2 does not parse the original, so only
        tag sequences are compared. Parsed on first use: verification needs it only when skeletons differ."""
        if self._variables is False:
            self._variables = None
            if self.tags is not None:
                ast = _parse(self.text, self.body_offset)
                if not isinstance(ast, Problem):
                    from jinja2 import meta

                    self._variables = frozenset(meta.find_undeclared_variables(ast))
        assert self._variables is not True
        return self._variables


def baseline(original: str, *, kind: str = "text", body_offset: int = 0, tags: list[Span] | None = None) -> Baseline:
    """Raises InputError when `original` is a template kind whose tags do not close. `tags`: a template kind's
    tags when already found (`find_template_spans(original, start=body_offset)`)."""
    language = template_language(kind)
    try:
        if tags is None or kind not in TEMPLATE_KINDS:
            tags = find_template_spans(original, start=body_offset, language=language)
    except InputError:
        if kind in TEMPLATE_KINDS:
            raise
        tags = None
    if tags is not None and not tags and kind not in TEMPLATE_KINDS:
        tags = None
    # Jinja2's lexer and `jinja2.meta` have nothing to say about Handlebars: its tags are compared as
    # sequences, byte for byte, and its blocks checked to close (see `verify`).
    jinja = tags is not None and language == "jinja"
    simple = None
    if jinja and tags is not None and tags and simple_tags.shortcut_pays(len(tags)):
        simple = simple_tags.simple_template(original, tags, body_offset)
    skeleton = _SkeletonDigest(original[body_offset:]) if jinja and simple is None else None
    negations: list[tuple[int, int]] = []
    line_memo: LineMemo | None = {} if len(original) >= LINE_MEMO_MIN_CHARS else None
    # A long text's line spans are found through `line_memo`, without those inside blocks, and not kept: a
    # result's lines are looked up in the memo too (see `verify`). A JSON block of megabytes has a span for
    # every number and string; they were most of compress's peak.
    lines = line_spans(original) if line_memo is None else []
    spans = protect_document(
        original,
        kind=kind,
        body_offset=body_offset,
        tags=tags or [],
        negations=negations,
        lines=lines if line_memo is None else None,
        line_memo=line_memo,
    )
    lines.sort(key=lambda span: span[0])
    negation_counts = count_negations(original, negations)
    base = Baseline(
        original,
        kind,
        body_offset,
        spans,
        negation_counts,
        tags,
        simple.tag_texts if simple is not None else None,
        lines,
        line_memo,
    )
    # a simple body's skeleton waits until a result's tags differ (False: not worked out yet)
    base._skeleton = skeleton.result() if skeleton is not None else (False if simple is not None else None)
    if not jinja:
        base._variables = None
    return base


class _SkeletonDigest:
    """`skeleton_digest(body)`, worked out in a forked child process while this one goes on, when the body is
    large and a second CPU is there (Jinja2's lexer is pure Python: about 12 MB/s)."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.child: forked.Child | None = None
        if len(body) >= protect.PARALLEL_MIN_CHARS and forked.available():
            self.child = forked.Child(lambda parent: skeleton_digest(body))

    def result(self) -> bytes | None:
        if self.child is not None:
            child, self.child = self.child, None
            try:
                digest: bytes | None = child.result()
                return digest
            except forked.ChildFailed:
                pass
        return skeleton_digest(self.body)

    def close(self) -> None:
        """Let the child go if its result was not asked for (an error on the way)."""
        if self.child is not None:
            self.child.close()
            self.child = None


def skeleton_digest(body: str) -> bytes | None:
    """A digest of `jinja_skeleton(body)` (None when Jinja2's lexer rejects the body): two skeletons are compared
    by their digests, which cross between processes as 16 bytes."""
    skeleton = jinja_skeleton(body)
    if skeleton is None:
        return None
    return hashlib.blake2b(pickle.dumps(skeleton, protocol=pickle.HIGHEST_PROTOCOL), digest_size=16).digest()


def jinja_skeleton(body: str) -> tuple[tuple[str, str], ...] | None:
    """Jinja2's lexer tokens of `body` (kind, text) except its static text ("data"); None when it rejects them.

    Two bodies with the same skeleton parse alike: the parser reads a data token only to put its text in a
    `TemplateData` node, and never reads the text of a closing token, so both fail, or both give trees that
    differ only in those nodes (same variables, same statements). Lexing is several times faster than
    parsing and walking the tree for its variables.
    """
    import jinja2

    try:
        tokens = jinja_environment().lexer.tokeniter(body, None)
        # a closing `-%}` (`-}}`, `-#}`) token holds the whitespace it strips after it: static text too
        return tuple(
            (kind, value.rstrip() if kind.endswith("_end") else value) for _, kind, value in tokens if kind != "data"
        )
    except jinja2.TemplateSyntaxError:
        return None


def verify(
    original: str,
    result: str,
    *,
    kind: str = "text",
    body_offset: int = 0,
    base: Baseline | None = None,
    copied: list[tuple[int, int, int]] | None = None,
    lines: list[tuple[int, int, str]] | None = None,
) -> VerifyReport:
    """Compare `result` with `original` (both whole file texts of the given prompt `kind`).

    `base` (from `baseline(original, …)`) may be passed when verifying several candidates of one original.
    `copied` may say which ranges (start, end, shift) of `result` are copied unchanged from `original`
    (`result[start:end] == original[start - shift:end - shift]`, sorted): the protected spans found within
    single lines are then found again only in the lines around the changes (see `reuse_line_spans`), with
    the same outcome as a scan of the whole result. `lines` may give `line_spans(result)` when already known
    (then `copied` is not needed).
    """
    if base is None:
        base = baseline(original, kind=kind, body_offset=body_offset)
    problems: list[Problem] = []
    tags_after: list[Span] = []
    skeleton: _SkeletonDigest | None = None
    same_simple_tags = False
    if base.tags is not None:
        language = template_language(base.kind)
        try:
            tags_after = find_template_spans(result, start=base.body_offset, language=language)
            if language == "handlebars":
                check_handlebars_syntax("", result, tags_after)
        except InputError as error:
            message = f"template no longer parses: {error.message}"
            return VerifyReport([Problem("syntax", message, _line_offset(result, error.line))])
        same_simple_tags = (
            base.simple_tag_texts is not None and _simple_tag_texts(result, tags_after, base) == base.simple_tag_texts
        )
        if not same_simple_tags and base.skeleton is not None:
            skeleton = _SkeletonDigest(result[base.body_offset :])
    try:
        negations: list[tuple[int, int]] = []
        if lines is None and base.line_memo is None:
            lines = (
                line_spans(result) if copied is None else reuse_line_spans(result, base.lines, len(base.text), copied)
            )
        # (else, without `lines`, through the memo: `lines` stays None, the report has none)
        spans = protect_document(
            result,
            kind=base.kind,
            body_offset=base.body_offset,
            tags=tags_after,
            negations=negations,
            lines=lines,
            line_memo=base.line_memo,
        )
        if base.tags is not None:
            digest = skeleton.result() if skeleton is not None else None
            problems.extend(_template_problems(base, base.tags, result, tags_after, digest, same_simple_tags))
    finally:
        if skeleton is not None:
            skeleton.close()
    problems.extend(_front_matter_problems(base.text, result))
    problems.extend(_protected_problems(base, spans))
    problems.extend(negation_problems(original, result, base.negations, count_negations(result, negations)))
    return VerifyReport(problems, spans, tags_after, negations, lines)


def _simple_tag_texts(result: str, tags: list[Span], base: Baseline) -> tuple[str, ...] | None:
    """The texts of the result's tags when all are simple: the same as the original's, the same skeleton
    (Jinja2's tokens follow from simple tags' texts alone; see `tokcli.simple_tags`)."""
    simple = simple_tags.simple_template(result, tags, base.body_offset)
    return simple.tag_texts if simple is not None else None


def _front_matter_problems(original: str, result: str) -> list[Problem]:
    """Skill loaders and prompt tools read the front matter (`name:`, `description:`): it must stay whole."""
    end = front_matter_end(original)
    if end and not result.startswith(original[:end]):
        return [Problem("front_matter", f"front matter (lines 1-{original.count(chr(10), 0, end)}) changed", 0)]
    return []


def negation_problems(
    original: str, result: str, before: Counter[str] | None = None, after: Counter[str] | None = None
) -> list[Problem]:
    if before is None:
        before = count_negations(original)
    if after is None:
        after = count_negations(result)
    if before == after:
        return []
    lost = before - after
    gained = after - before
    # a bare "not" given its "Do" where it came to open a request is the same negation
    given_do = min(lost["not"], gained["do not"])
    if given_do:
        lost["not"] -= given_do
        gained["do not"] -= given_do
        lost, gained = +lost, +gained
        if not lost and not gained:
            return []
    parts = []
    if lost:
        parts.append("lost " + ", ".join(f"{word!r}×{n}" for word, n in sorted(lost.items())))
    if gained:
        parts.append("gained " + ", ".join(f"{word!r}×{n}" for word, n in sorted(gained.items())))
    return [Problem("negations", "negation/constraint words changed: " + "; ".join(parts))]


def _template_problems(
    base: Baseline,
    tags_before: list[Span],
    result: str,
    tags_after: list[Span],
    skeleton: bytes | None,
    same_simple_tags: bool = False,
) -> list[Problem]:
    """`skeleton` is the result's `skeleton_digest` (when the original has one and was lexed);
    `same_simple_tags`: the result's tags are the original's simple tags, so its skeleton is the original's."""
    problems = []
    original = base.text
    for check, kinds in (("placeholders", {"variable"}), ("statements", {"block", "raw"})):
        before = [original[t.start : t.end] for t in tags_before if t.kind in kinds]
        after_spans = [t for t in tags_after if t.kind in kinds]
        after = [result[t.start : t.end] for t in after_spans]
        if before != after:
            message = _sequence_message(check, before, after)
            problems.append(Problem(check, message, _first_diff(after_spans, before, after)))
    if same_simple_tags or (base.skeleton is not None and base.skeleton == skeleton):
        return problems  # parses as the original does (see `jinja_skeleton`)
    if base.variables is None:
        return problems  # plain text with brace pairs Jinja rejects: only the tag sequences are compared
    ast_after = _parse(result, base.body_offset)
    if isinstance(ast_after, Problem):
        return [*problems, ast_after]
    from jinja2 import meta

    names_after = meta.find_undeclared_variables(ast_after)
    if base.variables != names_after:
        lost = sorted(base.variables - names_after)
        gained = sorted(names_after - base.variables)
        problems.append(Problem("variables", f"template variables changed: lost {lost}, gained {gained}"))
    return problems


def _parse(text: str, body_offset: int) -> Any:
    import jinja2

    try:
        return parse_template(text[body_offset:])
    except jinja2.TemplateSyntaxError as error:
        line = (error.lineno or 1) + text.count("\n", 0, body_offset)
        return Problem("syntax", f"template syntax error: {error.message}", _line_offset(text, line))


def _line_offset(text: str, line: int | None) -> int | None:
    if line is None:
        return None
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return len(text)
    return offset


def _sequence_message(check: str, before: list[str], after: list[str]) -> str:
    for index, (old, new) in enumerate(zip(before, after)):
        if old != new:
            return f"{check} differ at #{index + 1}: {old!r} became {new!r}"
    if len(before) > len(after):
        return f"{check}: {len(before) - len(after)} lost, first {before[len(after)]!r}"
    return f"{check}: {len(after) - len(before)} added, first {after[len(before)]!r}"


def _first_diff(spans: list[Span], before: list[str], after: list[str]) -> int | None:
    for index, new in enumerate(after):
        if index >= len(before) or before[index] != new:
            return spans[index].start
    return spans[-1].end if spans else None


def _protected_problems(base: Baseline, after: list[ProtectedSpan]) -> list[Problem]:
    """Compare the protected spans found in the result (`after`) with the original's."""
    original, before = base.text, base.spans
    if len(after) == len(before) and [span.text for span in after] == [span.text for span in before]:
        return []  # the common case, checked without a Python loop
    for index, (old, new) in enumerate(zip(before, after)):
        if same_span_text(old.kind, old.text, new.text):
            continue
        line = line_col(original, old.start)[0]
        grown = len(after) > len(before) and index + 1 < len(after)
        shrunk = len(after) < len(before) and index + 1 < len(before)
        if grown and same_span_text(old.kind, old.text, after[index + 1].text):
            message = f"a new protected {new.kind} appeared near line {line}: {_short(new)}"
        elif shrunk and same_span_text(new.kind, new.text, before[index + 1].text):
            message = f"protected {old.kind} from line {line} lost: {_short(old)}"
        else:
            message = f"protected {old.kind} from line {line} changed: {_short(old)} became {_short(new)}"
        return [Problem("protected", message, new.start)]
    if len(after) > len(before):
        extra = after[len(before)]
        return [Problem("protected", f"a new protected {extra.kind} appeared: {_short(extra)}", extra.start)]
    if len(before) > len(after):
        lost = before[len(after)]
        line = line_col(original, lost.start)[0]
        return [Problem("protected", f"protected {lost.kind} from line {line} lost: {_short(lost)}", None)]
    return []


def _short(span: ProtectedSpan) -> str:
    text = span.text if len(span.text) <= 40 else span.text[:37] + "..."
    return repr(text)

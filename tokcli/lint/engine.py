"""The lint engine: runs the enabled rules over a PromptDocument, applies suppressions and safe fixes.

from tokcli.lint.engine import Linter, lint_inputs
linter = Linter(settings, model="gpt-4o")          # settings: tokcli.lint.config.LintSettings
findings = linter.lint_text("prompt.md", text)     # list[Finding]
report = lint_inputs(input_set.texts, linter, fix=True)
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tokcli import forked
from tokcli.errors import EXIT_FINDINGS, EXIT_OK, TokcliError
from tokcli.lint.config import LintSettings
from tokcli.lint.finding import SEVERITY_RANK, Finding, RuleInfo, summarize
from tokcli.lint.finding_table import FindingRuns, FindingTable
from tokcli.lint.rules.base import Context, Counter, Rule, all_rules
from tokcli.lint.rules.meta import Directive, parse_directives
from tokcli.prompts import PromptDocument, load_prompt

DEFAULT_MODEL = "gpt-4o"
MAX_FIX_PASSES = 8


@dataclass
class FileResult:
    path: str
    findings: Sequence[Finding]  # a `FindingTable` when linted without fixes
    tokens: int
    original: str
    fixed: str | None = None  # the new text when fixes changed it
    fixes_applied: int = 0


@dataclass
class LintReport:
    files: list[FileResult] = field(default_factory=list)
    errors: list[TokcliError] = field(default_factory=list)
    model: str = DEFAULT_MODEL
    tokenizer: str = ""
    rules: list[RuleInfo] = field(default_factory=list)

    @property
    def findings(self) -> Sequence[Finding]:
        """Every file's findings; in report order without making them when each file's are a table of its
        own path (what `lint` makes), else in file order."""
        runs = FindingRuns.of([result.findings for result in self.files])
        if runs is not None:
            return runs
        return [finding for result in self.files for finding in result.findings]

    def summary(self) -> dict[str, Any]:
        return summarize(
            self.findings,
            files=len(self.files),
            extra={
                "model": self.model,
                "tokenizer": self.tokenizer,
                "tokens": sum(result.tokens for result in self.files),
                "fixed": sum(result.fixes_applied for result in self.files),
                "errors": len(self.errors),
            },
        )


@dataclass
class FixResult:
    text: str
    applied: int
    findings: list[Finding]  # what is left after fixing


def rule_names() -> dict[str, str]:
    """Code and name (both spellings) → code, for suppression comments."""
    names = {}
    for rule in all_rules():
        names[rule.code] = rule.code
        names[rule.name] = rule.code
    return names


class Linter:
    """Lints documents with one settings object and one tokenizer (loaded once)."""

    def __init__(
        self,
        settings: LintSettings | None = None,
        *,
        model: str | None = None,
        counter: Counter | None = None,
        provider: str | None = None,
    ) -> None:
        self.settings = settings or LintSettings()
        self.model = model or DEFAULT_MODEL
        self.provider = provider or ""
        self.tokenizer_name = ""
        if counter is None:
            from tokcli.registry import resolve_model, tokenizer_for_model

            spec = resolve_model(self.model)
            counter = tokenizer_for_model(self.model)
            self.provider = self.provider or spec.provider
            self.tokenizer_name = spec.tokenizer
        self.counter = counter
        self.enabled = self.settings.enabled_codes()
        self._names = rule_names()
        self._rules_by_ignore: dict[frozenset[str], list[Rule]] = {}

    def rules_for(self, path: str) -> list[Rule]:
        ignored = frozenset(self.settings.ignored_for(path))
        rules = self._rules_by_ignore.get(ignored)
        if rules is None:
            rules = [rule for rule in self.settings.build_rules() if rule.code not in ignored]
            self._rules_by_ignore[ignored] = rules
        return rules

    def rule_infos(self) -> list[RuleInfo]:
        return [rule.info() for rule in all_rules() if rule.code in self.enabled]

    def lint_document(self, document: PromptDocument, *, known_counts: dict[str, int] | None = None) -> list[Finding]:
        """Findings of one document. `known_counts` (text → tokens in this linter's tokenizer) are counts the
        caller made already, e.g. of the whole file in a batch: they are not counted again."""
        return list(self.lint_table(document, known_counts=known_counts))

    def lint_table(self, document: PromptDocument, *, known_counts: dict[str, int] | None = None) -> FindingTable:
        """`lint_document`'s findings as a table in report order (see `FindingTable`)."""
        ctx = Context(document, self.counter, model=self.model, provider=self.provider)
        if known_counts:
            ctx.seed_counts(known_counts)
        rules = self.rules_for(document.path)
        ctx.enabled_codes = {rule.code for rule in rules}
        ctx.jinja = self.settings.jinja
        directives = parse_directives(document.text, self._names)
        for rule in rules:
            if not rule.meta and rule.applies_to(document):
                ctx.rule = rule
                rule.check(ctx)
        kept = ctx.findings
        # Waste that costs no token is not worth a warning (a blank line the tokenizer merges away).
        waste_codes = {rule.code for rule in rules if rule.measures_waste}
        kept.keep(
            not _suppressed_at(line, code, directives, mark=True) and (tokens > 0 or code not in waste_codes)
            for line, code, tokens in zip(kept.line, kept.values("code"), kept.tokens_wasted)
        )
        ctx.findings = FindingTable(document.path)
        ctx.directives = directives
        for rule in rules:
            if rule.meta:
                ctx.rule = rule
                rule.check(ctx)
        meta = ctx.findings
        meta.keep(
            not _suppressed_at(line, code, directives, mark=False) for line, code in zip(meta.line, meta.values("code"))
        )
        kept.extend_table(meta)
        kept.sort()
        return kept

    def lint_text(self, path: str, text: str) -> list[Finding]:
        return self.lint_document(load_prompt(path, text))

    def count_tokens(self, document: PromptDocument) -> int:
        text = document.prompt_text
        return self.counter.count(text) if text else 0

    def fix_text(self, path: str, text: str) -> FixResult:
        """Apply safe fixes until none is left (or MAX_FIX_PASSES); a pass that would change the
        template's variables or statements is refused."""
        document = load_prompt(path, text)
        if document.kind == "chat":
            from tokcli.lint.chat_fix import fix_chat

            fixed = fix_chat(self, document)
            if fixed is None:  # a message's fix edits its scalar, and only `fix_chat` checks what it reads back
                return FixResult(text, 0, self.lint_document(document))
            text, applied = fixed
            return FixResult(text, applied, self.lint_document(load_prompt(path, text)))
        findings = self.lint_document(document)
        applied_total = 0
        for _ in range(MAX_FIX_PASSES):
            fixable = [finding for finding in findings if finding.fixable]
            if not fixable:
                break
            new_text, applied = apply_fixes(text, fixable)
            if applied == 0 or new_text == text:
                break
            try:
                new_document = load_prompt(path, new_text)
            except TokcliError:
                break
            if document.template_spans and not same_template(document, new_document):
                break
            if new_document.front_matter != document.front_matter or (new_document.body_offset == 0) != (
                document.body_offset == 0
            ):
                break  # a fix must not open, close or change front matter (metadata the host reads)
            text, document = new_text, new_document
            applied_total += applied
            findings = self.lint_document(document)
        return FixResult(text, applied_total, findings)


def _suppressed_at(line: int, code: str, directives: list[Directive], *, mark: bool) -> bool:
    """Whether a finding of `code` on `line` is suppressed (`mark`: note the directives that suppress it)."""
    hit = False
    for directive in directives:
        if not mark and directive.blanket and not directive.file_level:
            continue  # a bare `noqa` must not hide the finding that says it is unused
        if directive.covers(line, code):
            hit = True
            if mark:
                directive.used.add(code)
    return hit


def apply_fixes(text: str, findings: Iterable[Finding]) -> tuple[str, int]:
    """Apply the edits of non-overlapping findings (in file order); returns (text, findings applied).
    A finding whose edits overlap an earlier one's waits for the next pass."""
    chosen: list[tuple[int, int, str]] = []
    ordered = sorted((f for f in findings if f.fix), key=lambda f: min(edit.start for edit in f.fix or []))
    taken = _TakenSpans(sorted({edit.start for finding in ordered for edit in finding.fix or []}))
    applied = 0
    for finding in ordered:
        edits = [(edit.start, edit.end, edit.replacement) for edit in finding.fix or []]
        if any(taken.overlaps(a, b) for a, b, _ in edits):
            continue
        chosen.extend(edits)
        for a, b, _ in edits:
            taken.add(a, b)
        applied += 1
    parts = []
    position = 0
    for start, end, replacement in sorted(chosen):
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts), applied


class _TakenSpans:
    """The spans of the edits chosen so far, asked whether a new edit overlaps one: `start < b and a < end`, or
    for an insertion (`start == end`) `a <= start <= b`. Both ask for the largest end among the spans starting
    before a point, kept per start in a Fenwick tree of prefix maxima (comparing with every chosen span was
    quadratic in a file of thousands of findings)."""

    def __init__(self, starts: list[int]) -> None:
        self.starts = starts  # every start an edit may have, sorted
        self.ends = [-1] * (len(starts) + 1)  # 1-based tree of the largest end

    def add(self, start: int, end: int) -> None:
        index = bisect.bisect_left(self.starts, start) + 1
        while index < len(self.ends):
            self.ends[index] = max(self.ends[index], end)
            index += index & -index

    def _largest_end(self, count: int) -> int:
        """The largest end of the spans whose start is one of the first `count` starts."""
        largest = -1
        while count > 0:
            largest = max(largest, self.ends[count])
            count -= count & -count
        return largest

    def overlaps(self, start: int, end: int) -> bool:
        if start == end:
            return self._largest_end(bisect.bisect_right(self.starts, start)) >= start
        return self._largest_end(bisect.bisect_left(self.starts, end)) > start


def same_template(before: PromptDocument, after: PromptDocument) -> bool:
    from tokcli.lint.rules.template import template_signature

    try:
        return template_signature(before.body) == template_signature(after.body)
    except Exception:  # a body Jinja cannot parse: compare the tags themselves
        return _tags(before) == _tags(after)


def _tags(document: PromptDocument) -> list[str]:
    return [document.text[span.start : span.end] for span in document.template_spans]


#: (files done, files to lint) after each file.
LintProgress = Callable[[int, int], None]


def lint_one(linter: Linter, item: Any, fix: bool = False) -> FileResult | TokcliError:
    """One `InputText`'s result, or the input error that stopped it."""
    try:
        if fix:
            outcome = linter.fix_text(item.path, item.text)
            document = load_prompt(item.path, outcome.text)
            return FileResult(
                item.path,
                outcome.findings,
                linter.count_tokens(document),
                item.text,
                outcome.text if outcome.text != item.text else None,
                outcome.applied,
            )
        document = load_prompt(item.path, item.text)
        # Counted before the findings exist: counting a large file holds its pieces' token ids for a while.
        tokens = linter.count_tokens(document)
        return FileResult(item.path, linter.lint_table(document), tokens, item.text)
    except TokcliError as error:
        if error.path is None:
            error.path = item.path
        return error


def _lint_in_worker(state: tuple[Linter, bool], item: tuple[str, str]) -> tuple[Any, ...] | TokcliError:
    """A file linted in a worker process; the original text stays in the parent (it has it)."""
    linter, fix = state
    outcome = lint_one(linter, _Input(*item), fix)
    if isinstance(outcome, TokcliError):
        return outcome
    return (outcome.findings, outcome.tokens, outcome.fixed, outcome.fixes_applied)


@dataclass
class _Input:
    path: str
    text: str


def _outcomes(items: list[Any], linter: Linter, fix: bool) -> Iterator[FileResult | TokcliError]:
    """Each item's result in order: in forked worker processes when there are enough files (the same rule as
    audit's stage one: Linux, two or more CPUs, `TOKCLI_SINGLE_PROCESS` unset), else in this process."""
    processes = forked.pool_processes(len(items))
    if processes == 0:
        for item in items:
            yield lint_one(linter, item, fix)
        return
    # The first file is linted here: what the linter loads on first use (tokenizer data, rules) is then
    # inherited by every worker instead of loaded again in each.
    yield lint_one(linter, items[0], fix)
    pairs = [(item.path, item.text) for item in items[1:]]
    results = forked.map_in_pool(_lint_in_worker, (linter, fix), pairs, processes, chunksize=16)
    for item, result in zip(items[1:], results):
        if isinstance(result, TokcliError):
            yield result
        else:
            findings, tokens, fixed, applied = result
            yield FileResult(item.path, findings, tokens, item.text, fixed, applied)


def lint_inputs(
    inputs: Iterable[Any], linter: Linter, *, fix: bool = False, progress: LintProgress | None = None
) -> LintReport:
    """Lint every `InputText` (path, text); input errors are collected, the run goes on."""
    report = LintReport(model=linter.model, tokenizer=linter.tokenizer_name, rules=linter.rule_infos())
    items = list(inputs)
    for done, outcome in enumerate(_outcomes(items, linter, fix), start=1):
        if isinstance(outcome, TokcliError):
            report.errors.append(outcome)
        else:
            report.files.append(outcome)
        if progress is not None:
            progress(done, len(items))
    return report


def exit_code(findings: Iterable[Finding], fail_on: str = "warning") -> int:
    """1 when any finding is at or above `fail_on`, else 0."""
    threshold = SEVERITY_RANK[fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= threshold for f in findings) else EXIT_OK


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of one file's fixes (empty when nothing changed)."""
    import difflib

    if before == after:
        return ""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}"
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)

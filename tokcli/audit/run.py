"""`tokcli audit`: discover → analyse (cached, in parallel) → budgets → deltas → one `AuditReport`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, count, repeat
from pathlib import Path
from typing import Any

from tokcli.audit.analyze import (
    FileAudit,
    FileFacts,
    ModelTarget,
    Parsed,
    count_all,
    figures_for,
    measure_prefixes,
    resolve_targets,
)
from tokcli.audit.budgets import AUDIT_RULES, BudgetCheck, check_budget_models, check_budgets, fit_findings
from tokcli.audit.cache import ResultCache, cache_key, default_cache_path
from tokcli.audit.deltas import (
    DeltaReport,
    compare,
    git_root,
    git_snapshot,
    increase_findings,
    is_baseline_document,
    read_baseline,
    resolve_ref,
)
from tokcli.audit.discover import FileProblem, Matcher, SourceFile, discover, display_path
from tokcli.audit.rendered import apply_rendered
from tokcli.audit.settings import AuditSettings
from tokcli.config import Config, names_from
from tokcli.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from tokcli.gc_pause import gc_paused
from tokcli.inputs import left_out_message
from tokcli.lint.finding import SEVERITY_RANK, Finding, RuleInfo, finding_values
from tokcli.lint.finding_table import FindingTable, MergedFindings
from tokcli.render import is_fixture_file, render_settings
from tokcli.units.audit import expand_units, host_line, map_findings, tools_on_host
from tokcli.units.select import unit_settings

#: (files done, files to analyse) after each analysed file; cache hits are not reported.
Progress = Callable[[int, int], None]


@dataclass
class AuditOptions:
    paths: list[str] = field(default_factory=lambda: ["."])
    since: str | None = None
    baseline: Path | None = None
    use_cache: bool = True
    cache_path: Path | None = None  # default: audit-v1.sqlite3 in tokcli's cache directory
    workers: int | None = None
    use_ignore: bool = True  # False: --no-ignore, read what git ignores too


@dataclass(frozen=True)
class ModelTotal:
    model: str
    exact: bool
    tokens: int
    saved_tokens: int | None
    cost_per_call: Decimal | None
    cost_per_period: Decimal | None
    cacheable_files: int | None  # files whose static prefix reaches the provider's minimum


@dataclass
class AuditReport:
    settings: AuditSettings
    targets: list[ModelTarget]
    files: list[FileAudit] = field(default_factory=list)
    #: In report order: a `MergedFindings` of the files' tables and the other findings after `run_audit`.
    findings: Sequence[Finding] = field(default_factory=list)
    budgets: list[BudgetCheck] = field(default_factory=list)
    deltas: DeltaReport | None = None
    problems: list[FileProblem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: list[RuleInfo] = field(default_factory=list)
    cache_hits: int = 0
    cache_misses: int = 0
    config_path: str | None = None

    @property
    def models(self) -> list[str]:
        return [target.model for target in self.targets]

    def paths_read(self) -> list[str]:
        """The files the audit read (a prompt unit's host file once), audited or not: `-o` replaces none."""
        from tokcli.units.model import split_unit_path

        hosts = (split_unit_path(item.path)[0] for item in self.files)
        return list(dict.fromkeys([*hosts, *(problem.path for problem in self.problems)]))

    def totals(self) -> list[ModelTotal]:
        result = []
        for target in self.targets:
            figures = [f for file in self.files if (f := file.figure(target.model)) is not None]
            saved = [f.saved_tokens for f in figures]
            costs = [f.cost_per_call for f in figures]
            periods = [f.cost_per_period for f in figures]
            cacheable = [f.cacheable for f in figures]
            result.append(
                ModelTotal(
                    model=target.model,
                    # a sum with an estimate in it (a tool list counted by approximation) is an estimate
                    exact=target.exact and all(f.exact for f in figures),
                    tokens=sum(f.tokens for f in figures),
                    saved_tokens=sum(s for s in saved if s is not None) if any(s is not None for s in saved) else None,
                    cost_per_call=sum((c for c in costs if c is not None), Decimal(0)) if target.price else None,
                    cost_per_period=(
                        sum((p for p in periods if p is not None), Decimal(0))
                        if target.price is not None and self.settings.calls is not None
                        else None
                    ),
                    cacheable_files=sum(1 for c in cacheable if c) if target.cache_min is not None else None,
                )
            )
        return result

    def budget_findings(self, findings: Sequence[Finding] | None = None) -> list[Finding]:
        """The budget and increase findings, taken from `findings` (default: the report's)."""
        findings = self.findings if findings is None else findings
        return _picked(findings, self._budget_flags(findings))

    def failing_findings(self, findings: Sequence[Finding] | None = None) -> list[Finding]:
        """Findings that make the exit code 1: every budget/increase finding, lint findings at --fail-on; taken
        from `findings` (default: the report's, whose findings are made as they are read: pass a list when they
        must be the very objects of another selection)."""
        findings = self.findings if findings is None else findings
        failing = self.budget_findings(findings)
        if self.settings.fail_on != "never":
            flags = map(bool.__gt__, self._lint_failing_flags(findings), self._budget_flags(findings))
            failing += _picked(findings, flags)
        return failing

    def failing_flags(self) -> Iterator[bool]:
        """Whether each of the report's findings, in order, is one `failing_findings` lists (no finding made)."""
        if self.settings.fail_on == "never":
            return self._budget_flags(self.findings)
        return map(bool.__or__, self._budget_flags(self.findings), self._lint_failing_flags(self.findings))

    def _budget_flags(self, findings: Sequence[Finding]) -> Iterator[bool]:
        # Errors only: a context window near full (TK957) is a warning that fails like lint's, at --fail-on.
        codes = {info.code for info in AUDIT_RULES if info.severity == "error"}
        return map(codes.__contains__, finding_values(findings, "code"))

    def _lint_failing_flags(self, findings: Sequence[Finding]) -> Iterator[bool]:
        ranks = map(SEVERITY_RANK.get, finding_values(findings, "severity"), repeat(0))
        return map(SEVERITY_RANK[self.settings.fail_on].__le__, ranks)

    def has_failing_findings(self) -> bool:
        """`bool(self.failing_findings())`, in C loops (tens of thousands of findings, each run)."""
        if any(self._budget_flags(self.findings)):
            return True
        return self.settings.fail_on != "never" and any(self._lint_failing_flags(self.findings))

    def blocking_problems(self) -> list[FileProblem]:
        return [p for p in self.problems if p.kind != "unreadable" or not self.settings.skip_unreadable]

    def exit_code(self) -> int:
        if self.blocking_problems():
            return EXIT_ERROR
        return EXIT_FINDINGS if self.has_failing_findings() else EXIT_OK

    def top_offenders(self, limit: int = 5) -> list[FileAudit]:
        if not self.targets:
            return []
        model = self.targets[0].model

        def size(file: FileAudit) -> int:
            figure = file.figure(model)
            return figure.tokens if figure is not None else 0

        return sorted(self.files, key=lambda file: -size(file))[:limit]


def _cost_options(settings: AuditSettings) -> Any:
    from tokcli.pricing.cost import CostOptions

    return CostOptions(output_tokens=settings.output_tokens, calls=settings.calls, per=settings.per)


def _linter(config: Config, settings: AuditSettings, target: ModelTarget) -> Any:
    if not settings.lint:
        return None
    from tokcli.lint.config import lint_settings
    from tokcli.lint.engine import Linter
    from tokcli.registry import get_tokenizer

    lint = lint_settings(config.lint, source=config.source, root=config.root, key_lines=config.key_lines)
    return Linter(lint, model=target.model, counter=get_tokenizer(target.tokenizer), provider=target.provider)


def run_audit(
    config: Config, settings: AuditSettings, options: AuditOptions, progress: Progress | None = None
) -> AuditReport:
    """Audit the prompt files below `options.paths`. Raises TokcliError for usage/config errors; unreadable
    files are collected in `report.problems`."""
    from tokcli.structured import keeping_composed

    with keeping_composed():  # a chat file's YAML is parsed once: to find prompt units, then read from the nodes
        return _run_audit(config, settings, options, progress)


def _run_audit(
    config: Config, settings: AuditSettings, options: AuditOptions, progress: Progress | None
) -> AuditReport:
    from tokcli.pricing import load_pricing

    if options.since is not None and options.baseline is not None:
        raise UsageError("give --since REF or --baseline FILE, not both")
    pricing = load_pricing([config.pricing] if config.pricing else [])
    with names_from(config, "models") if not settings.models_from_flags else contextlib.nullcontext():
        targets, notes = resolve_targets(settings.models, pricing, strict=settings.models_from_flags)
    if not targets:
        raise UsageError("no model to audit: " + "; ".join(notes))
    check_budget_models(settings, [target.model for target in targets])
    # Bad refs and baselines fail before any file is analysed.
    baseline = read_baseline(options.baseline) if options.baseline is not None else None
    if options.since is not None:
        resolve_ref(options.since, git_root(Path.cwd().resolve()))
    config_path = display_path(Path(config.source).resolve(), Path.cwd().resolve()) if config.source else None
    report = AuditReport(settings=settings, targets=targets, notes=notes, config_path=config_path)
    found = discover(options.paths, settings.include, settings.exclude, config.root, use_ignore=options.use_ignore)
    # Fixtures are inputs of templates; a baseline is tokcli's own output (often written into the tree).
    found.files = [
        file for file in found.files if not is_fixture_file(file.path) and not is_baseline_document(file.text)
    ]
    tokenizers = list(dict.fromkeys(target.tokenizer for target in targets))
    providers = {target.tokenizer: (target.provider, target.model) for target in reversed(targets)}
    # The provider and model decide how a tokenizer counts tool definitions (see tokcli.tool_tokens).
    fingerprint = settings.fingerprint() + ":" + targets[0].model + ":" + repr(sorted(providers.items()))
    cache_path = options.cache_path or default_cache_path()
    use_cache = options.use_cache and settings.cache
    # An existing cache is opened before prompt units are looked for: a YAML/JSON file it holds a row of its
    # own for is no host (see `plain_config_files`), and is not parsed to find that out again.
    cache = ResultCache(cache_path) if use_cache and cache_path is not None and cache_path.exists() else None
    plain = plain_config_files(cache, found.files, tokenizers, fingerprint) if cache is not None else set()
    units = unit_settings(config)
    expanded = expand_units(found, units, plain)  # host files (YAML/JSON configs, Python) → one row per prompt unit
    found = expanded.discovery
    report.skipped.extend(expanded.skipped)
    report.notes.extend(expanded.notes)
    report.problems.extend(found.problems)
    report.skipped.extend(found.skipped)
    if not found.files and not found.problems:
        if cache is not None:
            cache.close()
        raise UsageError(left_out_message("prompt files", options.paths, found.left_out))
    linter = _linter(config, settings, targets[0])
    if linter is not None:
        report.rules.extend(linter.rule_infos())
    report.rules.extend(AUDIT_RULES)

    if cache is None and use_cache:
        cache = ResultCache(cache_path)
    keys = (  # a key per file only when there is a cache to ask (a digest of the file's digest and the settings)
        {file.path: cache_key(file.digest, file.relative, tokenizers, fingerprint) for file in found.files}
        if cache is not None
        else {}
    )
    facts: dict[str, FileFacts] = {}
    misses: list[SourceFile] = []
    # Cached findings come in tens of thousands (with their edits and rows), none in a reference cycle: while
    # they are built and sorted, collections (each walking every object allocated since the last full one)
    # were a third of a warm run. They stay out of collections until the report is built, then settle in the
    # oldest generation unwalked.
    with gc_paused(settle=True):
        cached = cache.get_many(keys.values()) if cache is not None else {}
        for file in found.files:
            payload = cached.get(keys[file.path]) if cached else None
            if payload is not None:
                try:
                    facts[file.path] = FileFacts.from_json(payload, file.path)
                    continue
                except (KeyError, TypeError, ValueError):
                    pass  # a row from an incompatible build: analyse again
            misses.append(file)
    report.cache_hits = len(found.files) - len(misses)
    report.cache_misses = len(misses)

    formatted = {name for name, unit in expanded.units.items() if unit.syntax == "format"}
    fresh = _analyse(misses, tokenizers, linter, settings, report, progress, options.workers, providers, formatted)
    facts.update(fresh)
    if cache is not None:
        cache.put_many((keys[path], fact.to_json()) for path, fact in fresh.items())
        report.notes.extend(cache.notes)
        cache.close()

    cost_options = _cost_options(settings)
    costs: dict[tuple[str, int], tuple[Decimal, Decimal | None]] = {}
    named_targets: dict[str, ModelTarget | None] = {}
    # Each file's findings stay a table (a row each, no object: a file can have a million); those moved onto a
    # host file and the audit's own (budgets, fit, increases) are findings, merged in at the end.
    tables: list[FindingTable] = []
    others: list[Finding] = []
    with gc_paused(settle=True):  # as above: the findings just built would be walked by every collection
        for file in found.files:
            fact = facts.get(file.path)
            if fact is None:
                continue
            unit = expanded.units.get(file.path)
            findings = fact.findings
            if unit is not None:
                findings = map_findings(findings, expanded.units)
                others.extend(findings)
            elif isinstance(findings, FindingTable):
                tables.append(findings)
            else:
                others.extend(findings)
            named_model = fact.named_model or (unit.model if unit is not None else None)
            named_target = _named_target(named_model, pricing, targets, named_targets) if named_model else None
            report.files.append(
                FileAudit(
                    path=file.path,
                    relative=file.relative,
                    digest=file.digest,
                    kind=fact.kind,
                    figures=tools_on_host(figures_for(fact, targets, cost_options, costs), unit),
                    findings=findings,
                    dynamic=fact.dynamic,
                    dynamic_line=host_line(file.path, expanded.units, fact.dynamic_line),
                    from_cache=file.path not in fresh,
                    unit=unit,
                    named_model=named_model,
                    named=figures_for(fact, [named_target], cost_options, costs)[0] if named_target else None,
                )
            )
            if fact.hosted_tools:  # as `count` and `cost` say it
                report.notes.append(
                    f"{file.path}: built-in tools not counted (the provider defines their prompts): "
                    + ", ".join(fact.hosted_tools)
                )
            if fact.uncounted_images:
                count = fact.uncounted_images
                report.notes.append(
                    f"{file.path}: {count} image {'part was' if count == 1 else 'parts were'} not counted "
                    "(size unknown, or no published formula for a model)"
                )

    rendering = render_settings(config)
    report.problems.extend(apply_rendered(report.files, found.files, targets, rendering, config.root, cost_options))
    checks, budget_findings = check_budgets(report.files, settings, report.models, config_path)
    report.budgets = checks
    others.extend(budget_findings)
    if settings.fit is not None:
        others.extend(fit_findings(report.files, targets, settings.fit))

    if options.since is not None or baseline is not None:
        if options.since is not None:
            matcher = Matcher(settings.include, settings.exclude)
            snapshot = git_snapshot(
                options.since,
                options.paths,
                report.files,
                matcher,
                config.root,
                targets,
                cost_options,
                rendering,
                units,
            )
        else:
            assert baseline is not None
            snapshot = baseline
        report.deltas = compare(snapshot, report.files, report.models)
        if settings.fail_on_increase is not None:
            others.extend(increase_findings(report.deltas, settings.fail_on_increase, config_path))
    elif settings.fail_on_increase is not None:
        report.notes.append("--fail-on-increase needs --since REF or --baseline FILE to compare with; not checked")
    with gc_paused(settle=True):  # the report's findings live on
        report.findings = MergedFindings(tables, map_findings(others, expanded.units))
    return report


def plain_config_files(
    cache: ResultCache, files: Sequence[SourceFile], tokenizers: Sequence[str], fingerprint: str
) -> set[str]:
    """Paths of the YAML/JSON files the cache holds a row of their own for. Such a row is written only for a
    file analysed whole, that is one the unit scan turned down (a chat file, a tool file), and for YAML and JSON
    that verdict depends on the file's name and bytes alone, both in the row's key (so are the code and the
    settings): the file is no host now either."""
    from tokcli.units.scan import is_config_file

    keys = {
        file.path: cache_key(file.digest, file.relative, tokenizers, fingerprint)
        for file in files
        if is_config_file(file.path)
    }
    present = cache.present(keys.values())
    return {path for path, key in keys.items() if key in present}


def _picked(findings: Sequence[Finding], flags: Iterable[bool]) -> list[Finding]:
    """The findings whose flag is true, in order (findings made as they are read: those only)."""
    return [findings[index] for index in compress(count(), flags)]


def _named_target(
    name: str, pricing: Any, targets: Sequence[ModelTarget], known: dict[str, ModelTarget | None]
) -> ModelTarget | None:
    """The target of a model a prompt names, when the price table knows it (`openai/gpt-4o` and promptfoo's
    `openai:gpt-4o` too) and it counts with a tokenizer the audit counts with (nothing is counted again);
    looked up once per name."""
    if name not in known:
        from tokcli.pricing.named import priced_model

        price = priced_model(name, pricing)
        same = [target for target in targets if price is not None and target.tokenizer == price.tokenizer]
        known[name] = (
            ModelTarget(price.id, price.tokenizer, price.provider, exact=same[0].exact, price=price) if same else None
        )
    return known[name]


def _analyse(
    files: Sequence[SourceFile],
    tokenizers: Sequence[str],
    linter: Any,
    settings: AuditSettings,
    report: AuditReport,
    progress: Progress | None,
    workers: int | None,
    providers: dict[str, tuple[str, str]] | None = None,
    formatted: Collection[str] = (),
) -> dict[str, FileFacts]:
    """Stage one per file, then batch counting per tokenizer, then the static prefixes (batch counted too).

    Stage one is pure Python (parsing, lint, compress): threads would only queue for the GIL, so it runs in
    this thread, or in worker processes when lint or compress is on and there are enough files to pay for them
    (see `tokcli.audit.parallel`)."""
    if not files:
        return {}
    from tokcli.audit.parallel import analyse_files
    from tokcli.registry import get_tokenizer

    counters = {name: get_tokenizer(name) for name in tokenizers}  # each loaded once
    parsed: list[Parsed] = []
    for done, outcome in enumerate(analyse_files(files, linter, settings.compress_level, workers), start=1):
        if isinstance(outcome, Parsed):
            parsed.append(outcome)
        elif isinstance(outcome, FileProblem):
            report.problems.append(outcome)
        else:
            report.skipped.append(outcome)
        if progress is not None:
            progress(done, len(files))
    counted = count_all(parsed, tokenizers, providers, formatted)
    measure_prefixes(parsed, counted, counters, formatted)
    return {item.path: fact for item, fact in zip(parsed, counted)}

"""Budgets from `audit.budgets`: per-glob `max_tokens` / `max_cost_per_call`, repo-wide `max_total_tokens`.

A budget that is exceeded becomes a finding with its own code, so every reporter shows it and the exit
code is 1. Codes TK95x are audit's (lint's meta rules use TK90x):
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tokcli.audit.analyze import FileAudit
from tokcli.audit.discover import glob_matches
from tokcli.audit.settings import AuditSettings, FileBudget
from tokcli.errors import ConfigError
from tokcli.lint.finding import Finding, RuleInfo

FILE_TOKENS = RuleInfo(
    "TK951", "file-token-budget", "error", "A prompt file has more tokens than its budget (audit.budgets.files)."
)
FILE_COST = RuleInfo(
    "TK952", "file-cost-budget", "error", "One call with a prompt file costs more than its budget (max_cost_per_call)."
)
TOTAL_TOKENS = RuleInfo(
    "TK953", "total-token-budget", "error", "All audited prompt files together exceed max_total_tokens."
)
TOKEN_INCREASE = RuleInfo(
    "TK954", "token-increase", "error", "Tokens grew by more than --fail-on-increase percent since the baseline."
)
TOOL_TOKENS = RuleInfo(
    "TK955",
    "tool-token-budget",
    "error",
    "A tool definition has more tokens than its budget (audit.budgets.files max_tool_tokens).",
)
CONTEXT_OVERFLOW = RuleInfo(
    "TK956",
    "context-window-overflow",
    "error",
    "A prompt (messages and tool definitions) plus the reserved output is larger than the model's context window.",
)
CONTEXT_NEAR_FULL = RuleInfo(
    "TK957",
    "context-window-near-full",
    "warning",
    "A prompt plus the reserved output takes at least fit.warn_at percent (default 80) of the model's window.",
)
RENDERED_TOKENS = RuleInfo(
    "TK958",
    "rendered-token-budget",
    "error",
    "A template rendered with one of its fixtures is over max_rendered_tokens or max_rendered_cost_per_call.",
)
AUDIT_RULES = (
    FILE_TOKENS,
    FILE_COST,
    TOTAL_TOKENS,
    TOKEN_INCREASE,
    TOOL_TOKENS,
    CONTEXT_OVERFLOW,
    CONTEXT_NEAR_FULL,
    RENDERED_TOKENS,
)


@dataclass(frozen=True)
class BudgetCheck:
    """One limit applied to one file (or to the total) on one model."""

    scope: str  # "file" | "total" | "tool"
    metric: str  # "tokens" | "cost_per_call" | "tool_tokens" | "rendered_tokens" | "rendered_cost_per_call"
    model: str
    limit: Decimal
    actual: Decimal
    path: str | None = None  # the file, for file budgets
    glob: str | None = None  # the budget entry that set the limit
    tool: str | None = None  # the tool, for tool budgets

    @property
    def exceeded(self) -> bool:
        return self.actual > self.limit

    @property
    def used(self) -> float:
        """Share of the budget used (1.0 = exactly at the limit)."""
        return float(self.actual / self.limit) if self.limit else (0.0 if not self.actual else float("inf"))


def _finding(info: RuleInfo, path: str, line: int, message: str) -> Finding:
    # tokens_wasted stays 0: tokens over a budget are not waste that a fix removes.
    return Finding(path, line, 1, line, 1, info.code, info.name, info.severity, message)


def applicable_budgets(
    relative: str, budgets: Sequence[FileBudget], default_model: str
) -> dict[tuple[str, str], FileBudget]:
    """(metric, model) → the budget entry that applies: later entries override earlier ones, as in .gitignore.

    A prompt unit (`file::key`) is matched by its own name or its host file's: `"*.py": {max_tokens: 800}`
    limits each prompt in Python source, as `"agent.yaml::agent.*_template"` limits those templates."""
    from tokcli.units.model import split_unit_path

    host, key = split_unit_path(relative)
    chosen: dict[tuple[str, str], FileBudget] = {}
    for budget in budgets:
        if not glob_matches(budget.glob, relative) and not (key is not None and glob_matches(budget.glob, host)):
            continue
        model = budget.model or default_model
        if budget.max_tokens is not None:
            chosen[("tokens", model)] = budget
        if budget.max_cost_per_call is not None:
            chosen[("cost_per_call", model)] = budget
        if budget.max_tool_tokens is not None:
            chosen[("tool_tokens", model)] = budget
        if budget.max_rendered_tokens is not None:
            chosen[("rendered_tokens", model)] = budget
        if budget.max_rendered_cost_per_call is not None:
            chosen[("rendered_cost_per_call", model)] = budget
    return chosen


def check_budget_models(settings: AuditSettings, models: Sequence[str]) -> None:
    """ConfigError for a budget naming a model that is not audited."""
    for budget in settings.file_budgets:
        if budget.model is not None and budget.model not in models:
            raise ConfigError(
                f"budget {budget.glob!r} is for model {budget.model!r}, which is not audited "
                f"(audited: {', '.join(models)})",
                path=settings.config_source,
                line=budget.line,
            )


def _tool_budget(
    file: FileAudit, figure: Any, model: str, limit: int, glob: str
) -> list[tuple[BudgetCheck, Finding | None]]:
    """One check per tool the file defines; a finding, at the tool's line, for each over the limit."""
    result: list[tuple[BudgetCheck, Finding | None]] = []
    for name, tokens, line in figure.tools:
        check = BudgetCheck("tool", "tool_tokens", model, Decimal(limit), Decimal(tokens), file.path, glob, name)
        finding = None
        if check.exceeded:
            message = (
                f"tool {name!r} is {tokens:,} tokens on {model}, over the budget of {limit:,} per tool "
                f"(audit.budgets.files {glob!r})"
            )
            finding = _finding(TOOL_TOKENS, file.path, line or 1, message)
        result.append((check, finding))
    return result


def check_budgets(
    files: Sequence[FileAudit], settings: AuditSettings, models: Sequence[str], config_path: str | None
) -> tuple[list[BudgetCheck], list[Finding]]:
    if not models:
        return [], []
    default_model = models[0]
    check_budget_models(settings, models)
    checks: list[BudgetCheck] = []
    findings: list[Finding] = []
    for file in files:
        for (metric, model), budget in applicable_budgets(file.relative, settings.file_budgets, default_model).items():
            figure = file.figure(model)
            if figure is None:
                continue
            if metric == "tool_tokens":
                assert budget.max_tool_tokens is not None
                for tool_check, finding in _tool_budget(file, figure, model, budget.max_tool_tokens, budget.glob):
                    checks.append(tool_check)
                    if finding is not None:
                        findings.append(finding)
                continue
            if metric == "rendered_cost_per_call":
                assert budget.max_rendered_cost_per_call is not None
                if figure.rendered_cost_per_call is None:
                    continue
                limit_cost = budget.max_rendered_cost_per_call
                check = BudgetCheck(
                    "file", metric, model, limit_cost, figure.rendered_cost_per_call, file.path, budget.glob
                )
                checks.append(check)
                if check.exceeded:
                    message = (
                        f"${figure.rendered_cost_per_call:.6f} per call on {model} rendered with its largest fixture, "
                        f"over the budget of ${limit_cost} (audit.budgets.files {budget.glob!r} "
                        "max_rendered_cost_per_call)"
                    )
                    findings.append(_finding(RENDERED_TOKENS, file.path, 1, message))
                continue
            if metric == "rendered_tokens":
                assert budget.max_rendered_tokens is not None
                if figure.rendered is None:
                    continue
                largest = max(figure.rendered.per_fixture, key=lambda item: item[1])
                limit = budget.max_rendered_tokens
                check = BudgetCheck("file", metric, model, Decimal(limit), Decimal(largest[1]), file.path, budget.glob)
                checks.append(check)
                if check.exceeded:
                    message = (
                        f"rendered with fixture {largest[0]!r}: {largest[1]:,} tokens on {model}, over the budget "
                        f"of {limit:,} (audit.budgets.files {budget.glob!r} max_rendered_tokens)"
                    )
                    findings.append(_finding(RENDERED_TOKENS, file.path, 1, message))
                continue
            if metric == "tokens":
                assert budget.max_tokens is not None
                check = BudgetCheck(
                    "file", metric, model, Decimal(budget.max_tokens), Decimal(figure.tokens), file.path, budget.glob
                )
                message = (
                    f"{figure.tokens:,} tokens on {model}, over the budget of {budget.max_tokens:,} "
                    f"(audit.budgets.files {budget.glob!r})"
                )
                info = FILE_TOKENS
            else:
                if figure.cost_per_call is None:
                    continue
                assert budget.max_cost_per_call is not None
                check = BudgetCheck(
                    "file", metric, model, budget.max_cost_per_call, figure.cost_per_call, file.path, budget.glob
                )
                message = (
                    f"${figure.cost_per_call:.6f} per call on {model}, over the budget of "
                    f"${budget.max_cost_per_call} (audit.budgets.files {budget.glob!r})"
                )
                info = FILE_COST
            checks.append(check)
            if check.exceeded:
                findings.append(_finding(info, file.path, 1, message))
    if settings.max_total_tokens is not None:
        total = sum((figure.tokens for file in files if (figure := file.figure(default_model))), 0)
        check = BudgetCheck("total", "tokens", default_model, Decimal(settings.max_total_tokens), Decimal(total))
        checks.append(check)
        if check.exceeded:
            where = config_path or "."
            findings.append(
                _finding(
                    TOTAL_TOKENS,
                    where,
                    settings.total_line or 1,
                    f"all prompt files together are {total:,} tokens on {default_model}, over max_total_tokens "
                    f"{settings.max_total_tokens:,}",
                )
            )
    return checks, findings


def fit_findings(files: Sequence[FileAudit], targets: Sequence[Any], settings: Any) -> list[Finding]:
    """TK956 for every file and model whose prompt plus reserved output is over the window, TK957 from the
    warning share on (`settings` is a tokcli.fit.FitSettings)."""
    from tokcli.fit import check_fit

    findings = []
    for file in files:
        for target in targets:
            figure = file.figure(target.model)
            if figure is None:
                continue
            # a template with fixtures is fitted by its largest render: that is what reaches the model
            largest_render = figure.rendered.maximum if figure.rendered is not None else None
            prompt = largest_render if largest_render is not None else figure.tokens
            fit = check_fit(target.model, prompt, settings, target.price)
            if fit.status not in ("over", "warn"):
                continue
            what = (
                f"{fit.prompt_tokens:,} {'rendered ' if largest_render is not None else ''}prompt tokens + "
                f"{fit.reserved:,} reserved for output = {fit.used:,}, "
                f"{fit.share:.1f}% of {target.model}'s {fit.window:,}-token context window"
            )
            if fit.status == "over":
                findings.append(_finding(CONTEXT_OVERFLOW, file.path, 1, what + ": it does not fit"))
            else:
                findings.append(_finding(CONTEXT_NEAR_FULL, file.path, 1, what + f" (warning from {fit.warn_at:g}%)"))
    return findings

"""`tokcli audit --format markdown`: a PR-comment summary — totals per model with deltas, budget status,
changed files, then every file in a collapsed table. Also the GitHub step summary."""

from __future__ import annotations

from decimal import Decimal

from tokcli.audit.analyze import FileAudit, ModelFigures
from tokcli.audit.budgets import BudgetCheck
from tokcli.audit.deltas import ModelDelta
from tokcli.audit.run import AuditReport
from tokcli.reporters.cost import format_period_usd, format_usd

ESTIMATE = "~"


def tokens(count: int | None, exact: bool = True) -> str:
    if count is None:
        return "—"
    return f"{count:,}" if exact else f"{ESTIMATE}{count:,}"


def usd(value: Decimal | None) -> str:
    return format_usd(value) if value is not None else "—"


def period_usd(value: Decimal | None) -> str:
    return format_period_usd(value) if value is not None else "—"


def signed(delta: ModelDelta) -> str:
    percent = delta.percent
    shown = "new" if percent is None else f"{percent:+.1f}%"
    return f"{delta.delta:+,} ({shown})"


def saved(figure: ModelFigures | None) -> str:
    if figure is None or figure.saved_tokens is None:
        return "—"
    if not figure.tokens or not figure.saved_tokens:
        return "0"
    return f"{figure.saved_tokens:,} ({100 * figure.saved_tokens / figure.tokens:.0f}%)"


def prefix(figure: ModelFigures | None) -> str:
    if figure is None:
        return "—"
    if figure.cache_minimum is None:
        return f"{figure.prefix_tokens:,}"
    mark = "≥" if figure.cacheable else "<"
    return f"{figure.prefix_tokens:,} {mark} {figure.cache_minimum:,}"


def budget_text(check: BudgetCheck) -> str:
    if check.metric == "rendered_cost_per_call":
        return f"rendered {format_usd(check.actual)} / {format_usd(check.limit)} per call"
    if check.metric == "rendered_tokens":
        return f"rendered {int(check.actual):,} / {int(check.limit):,} tokens"
    if check.metric == "tool_tokens":
        return f"tool {check.tool}: {int(check.actual):,} / {int(check.limit):,} tokens"
    if check.metric == "tokens":
        return f"{int(check.actual):,} / {int(check.limit):,} tokens"
    return f"{format_usd(check.actual)} / {format_usd(check.limit)} per call"


def named_note(file: FileAudit) -> str:
    """ " → openai/gpt-4o-mini ($0.000003/call)": the model the prompt names, and its cost per call when known."""
    if not file.named_model:
        return ""
    named = file.named
    if named is None or named.cost_per_call is None:
        return f" → {file.named_model}"
    return f" → {file.named_model} ({'' if named.exact else ESTIMATE}{usd(named.cost_per_call)}/call)"


def file_budget_state(report: AuditReport, file: FileAudit) -> str:
    checks = [check for check in report.budgets if check.path == file.path]
    if not checks:
        return ""
    exceeded = [check for check in checks if check.exceeded]
    return "over" if exceeded else "ok"


def totals_rows(report: AuditReport) -> list[list[str]]:
    """Per model: model, tokens, [Δ tokens], cost per call, [cost per period], compress saves, cacheable files
    (the bracketed columns only with deltas / a volume)."""
    deltas = {delta.model: delta for delta in report.deltas.totals} if report.deltas else {}
    rows = []
    for total in report.totals():
        row = [total.model, tokens(total.tokens, total.exact)]
        if report.deltas is not None:
            delta = deltas.get(total.model)
            row.append(signed(delta) if delta is not None else "—")
        row.append(usd(total.cost_per_call))
        if report.settings.calls is not None:
            row.append(period_usd(total.cost_per_period))
        row.append(tokens(total.saved_tokens, total.exact))
        row.append(f"{total.cacheable_files:,}/{len(report.files):,}" if total.cacheable_files is not None else "—")
        rows.append(row)
    return rows


def verdict(report: AuditReport) -> str:
    code = report.exit_code()
    if code == 2:
        return f"error: {len(report.blocking_problems()):,} file(s) could not be read or parsed"
    if code == 1:
        return f"failed: {len(report.failing_findings()):,} budget, increase or --fail-on finding(s)"
    return "passed"


def render_audit_markdown(report: AuditReport, *, title: str = "tokcli audit") -> str:
    primary = report.models[0] if report.models else ""
    period = report.settings.per if report.settings.calls is not None else None
    lines = [f"### {title}: {verdict(report)}", ""]
    lines.append(f"{len(report.files):,} prompt files, models: {', '.join(report.models)}.")
    if report.deltas is not None:
        lines[-1] += f" Compared with {report.deltas.source}."
    lines.append("")
    header = ["Model", "Tokens"]
    if report.deltas is not None:
        header.append("Δ tokens")
    header += ["Cost / call"]
    if period:
        header.append(f"Cost / {period} ({report.settings.calls:,} calls)")
    header += ["`compress` would save", "Cacheable files"]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    for row in totals_rows(report):
        lines.append("| " + " | ".join([f"`{row[0]}`", *row[1:]]) + " |")
    lines.append("")
    exceeded = [check for check in report.budgets if check.exceeded]
    if report.budgets:
        if exceeded:
            lines.append(f"**Budgets: {len(exceeded):,} of {len(report.budgets):,} exceeded**")
            lines.append("")
            for check in exceeded:
                where = f"`{check.path}`" if check.path else "all files"
                lines.append(f"- {where} on `{check.model}`: {budget_text(check)}")
        else:
            lines.append(f"**Budgets: all {len(report.budgets):,} within limits**")
        lines.append("")
    if report.deltas is not None:
        changed = [item for item in report.deltas.files if item.status != "unchanged"]
        counts = report.deltas.counts()
        lines.append(
            f"**Changes:** {counts['changed']} changed, {counts['new']} new, {counts['deleted']} deleted, "
            f"{counts['unchanged']} unchanged."
        )
        lines.append("")
        if changed and primary in report.deltas.models:
            lines += [f"| File | Status | Before | After | Δ ({primary}) |", "|---|---|---:|---:|---:|"]
            for item in changed:
                delta = item.model(primary)
                if delta is None:
                    continue
                lines.append(
                    f"| `{item.path}` | {item.status} | {delta.before:,} | {delta.after:,} | {signed(delta)} |"
                )
                for tool in item.tools:
                    lines.append(
                        f"| ↳ tool `{tool.name}` | | {tool.before:,} | {tool.after:,} | {tool.after - tool.before:+,} |"
                    )
            lines.append("")
    increases = [f for f in report.failing_findings() if f.code == "TK954"]
    for finding in increases:
        lines.append(f"- `{finding.path}`: {finding.message}")
    if increases:
        lines.append("")
    for problem in report.problems:
        lines.append(f"- :warning: `{problem.path}`: {problem.message}")
    if report.problems:
        lines.append("")
    primary_target = report.targets[0] if report.targets else None
    exact = primary_target.exact if primary_target is not None else True  # of a file without figures
    lines.append(f"<details><summary>Files ({len(report.files):,}), tokens on {primary}</summary>")
    lines.append("")
    lines += [
        "| File | Tokens | Cost / call | `compress` saves | Static prefix vs cache minimum | Findings | Budget |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for file in report.files:
        figure = file.figure(primary)
        lines.append(
            f"| `{file.path}`{named_note(file)} | {tokens(figure.tokens, figure.exact) if figure else tokens(None, exact)} | "
            f"{usd(figure.cost_per_call if figure else None)} | {saved(figure)} | {prefix(figure)} | "
            f"{len(file.findings):,} | {file_budget_state(report, file)} |"
        )
    lines += ["", "</details>", ""]
    if any(not target.exact for target in report.targets):
        lines.append(f"{ESTIMATE} marks an estimate: that provider publishes no tokenizer.")
        lines.append("")
    return "\n".join(lines)

"""`tokcli audit --format github`: workflow-command annotations for findings and unreadable files, and a
one-line total per model. The markdown step summary comes from `audit_markdown`."""

from __future__ import annotations

from tokcli.audit.run import AuditReport
from tokcli.reporters.audit_markdown import tokens, usd
from tokcli.reporters.github import escape_data, escape_property, render_github


def render_audit_github(report: AuditReport) -> str:
    lines = [render_github(report.findings)]
    for problem in report.problems:
        level = "warning" if problem.kind == "unreadable" and report.settings.skip_unreadable else "error"
        properties = f"file={escape_property(problem.path)}"
        if problem.line is not None:
            properties += f",line={problem.line}"
        lines.append(f"::{level} {properties},title=tokcli audit::{escape_data(problem.message)}\n")
    for total in report.totals():
        lines.append(
            f"::notice title=tokcli audit {escape_property(total.model)}::"
            + escape_data(
                f"{len(report.files)} prompt files, {tokens(total.tokens, total.exact)} tokens, "
                f"{usd(total.cost_per_call)} per call"
            )
            + "\n"
        )
    return "".join(lines)

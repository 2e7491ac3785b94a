"""`tokcli audit --format github`: a one-line total per model first, then annotations for unreadable files and
findings (those that fail the run and the most costly first, within GitHub's 10 per level and step). The
markdown step summary comes from `audit_markdown`."""

from __future__ import annotations

from collections import Counter

from tokcli.audit.run import AuditReport
from tokcli.reporters.audit_markdown import tokens, usd
from tokcli.reporters.github import (
    annotation,
    escape_data,
    escape_property,
    left_out_line,
    select_annotations,
)


def render_audit_github(report: AuditReport) -> str:
    lines = []
    used: Counter[str] = Counter()
    for total in report.totals():
        used["notice"] += 1
        lines.append(
            f"::notice title=tokcli audit {escape_property(total.model)}::"
            + escape_data(
                f"{len(report.files):,} prompt files, {tokens(total.tokens, total.exact)} tokens, "
                f"{usd(total.cost_per_call)} per call"
            )
            + "\n"
        )
    for problem in report.problems:
        level = "warning" if problem.kind == "unreadable" and report.settings.skip_unreadable else "error"
        used[level] += 1
        properties = f"file={escape_property(problem.path)}"
        if problem.line is not None:
            properties += f",line={problem.line}"
        lines.append(f"::{level} {properties},title=tokcli audit::{escape_data(problem.message)}\n")
    findings = list(report.findings)  # made once: the failing ones are picked by identity among them
    shown, left_out = select_annotations(findings, first=report.failing_findings(findings), used=used)
    lines += [annotation(finding) + "\n" for finding in shown]
    lines.append(left_out_line(left_out, "tokcli audit --format json"))
    return "".join(lines)

"""`tokcli audit --format sarif`: lint's SARIF writer with audit's budget codes (TK95x) and the audit
totals as run properties; unreadable files become findings-free notes in the summary."""

from __future__ import annotations

from tokcli.audit.run import AuditReport
from tokcli.reporters.audit_json import audit_document, audit_summary
from tokcli.reporters.sarif import render_sarif


def render_audit_sarif(report: AuditReport) -> str:
    document = audit_document(report)
    summary = {
        **audit_summary(report),
        "totals": document["totals"],
        "problems": document["problems"],
        "deltas": document["deltas"]["totals"] if document["deltas"] else None,
    }
    return render_sarif(report.findings, report.rules, summary=summary)

"""`tokcli audit --format sarif`: lint's SARIF writer with audit's budget codes (TK95x) and the audit
totals as run properties; unreadable files become findings-free notes in the summary."""

from __future__ import annotations

from collections.abc import Iterator

from tokcli.audit.run import AuditReport
from tokcli.reporters.audit_json import audit_document, audit_summary
from tokcli.reporters.sarif import iter_sarif


def render_audit_sarif(report: AuditReport) -> str:
    return "".join(iter_audit_sarif(report))


def iter_audit_sarif(report: AuditReport) -> Iterator[str]:
    """`render_audit_sarif`'s text in pieces, the results written a batch at a time (see `iter_sarif`)."""
    document = audit_document(report)
    summary = {
        **audit_summary(report),
        "totals": document["totals"],
        "problems": document["problems"],
        "deltas": document["deltas"]["totals"] if document["deltas"] else None,
    }
    return iter_sarif(report.findings, report.rules, summary=summary)

"""JSON output for lint findings (shared with audit): `{"findings": [...], "summary": {...}}`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tokcli.lint.finding import Finding
from tokcli.reporters.json_document import json_document


def finding_dict(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    data["fixable"] = finding.fixable
    data.pop("safe_fix", None)
    return data


def render_json(findings: Sequence[Finding], summary: Mapping[str, Any], **extra: Any) -> str:
    """Findings in file order and the summary; `extra` adds top-level keys (audit adds files, totals…)."""
    document: dict[str, Any] = {
        "findings": [finding_dict(finding) for finding in sorted(findings, key=Finding.sort_key)],
        "summary": dict(summary),
    }
    document.update(extra)
    return json_document(document)

"""JSON output for lint findings (shared with audit): `{"findings": [...], "summary": {...}}`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from tokcli.lint.finding import Finding
from tokcli.reporters.indented_json import dumps_indented

# A finding's fields up to `fix`, as `json.dumps(indent=2)` writes them at a finding's depth in the document.
_FINDING_FIELDS = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",\n      ", ": "))
_STRING = json.JSONEncoder(ensure_ascii=False, default=str)


def finding_dict(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    data["fixable"] = finding.fixable
    data.pop("safe_fix", None)
    return data


def finding_text(finding: Finding) -> str:
    """`finding_dict(finding)` as the indented encoder writes it inside the findings list, built with the C
    encoder (reports with tens of thousands of findings spent seconds in the pure-Python one)."""
    head = _FINDING_FIELDS.encode(
        {
            "path": finding.path,
            "line": finding.line,
            "column": finding.column,
            "end_line": finding.end_line,
            "end_column": finding.end_column,
            "code": finding.code,
            "name": finding.name,
            "severity": finding.severity,
            "message": finding.message,
            "tokens_wasted": finding.tokens_wasted,
        }
    )
    if finding.fix:
        edits = ",\n".join(
            f'        {{\n          "start": {_STRING.encode(edit.start)},\n          "end": {_STRING.encode(edit.end)},'
            f'\n          "replacement": {_STRING.encode(edit.replacement)}\n        }}'
            for edit in finding.fix
        )
        fix = f"[\n{edits}\n      ]"
    else:
        fix = "null"
    fixable = "true" if finding.fixable else "false"
    return f'{{\n      {head[1:-1]},\n      "fix": {fix},\n      "fixable": {fixable}\n    }}'


def render_json(findings: Sequence[Finding], summary: Mapping[str, Any], **extra: Any) -> str:
    """Findings in file order and the summary; `extra` adds top-level keys (audit adds files, totals…).

    The text is `json.dumps(document, indent=2, ensure_ascii=False, default=str)`'s, written faster: the
    findings one by one with `finding_text`, the rest with `dumps_indented`."""
    document: dict[str, Any] = {"summary": dict(summary)}
    document.update(extra)
    rest = dumps_indented(document)
    ordered = sorted(findings, key=Finding.sort_key)
    listed = "[\n    " + ",\n    ".join(finding_text(finding) for finding in ordered) + "\n  ]" if ordered else "[]"
    return '{\n  "findings": ' + listed + ",\n" + rest[2:] + "\n"

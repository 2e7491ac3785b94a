"""JSON output for lint findings (shared with audit): `{"findings": [...], "summary": {...}}`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from tokcli.lint.finding import Finding
from tokcli.reporters.indented_json import dumps_indented
from tokcli.reporters.json_document import SCHEMA_VERSION

# A finding's fields up to `fix`, as `json.dumps(indent=2)` writes them at a finding's depth in the document.
_FINDING_FIELDS = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",\n      ", ": "))
_STRING = json.JSONEncoder(ensure_ascii=False, default=str)
#: What `_STRING.encode` does for a str, called directly: for anything else `encode` sets up a new C encoder.
_string_text = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _optional_text(value: Any) -> str:
    return "null" if value is None else _STRING.encode(value)


def finding_dict(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    data["fixable"] = finding.fixable
    data.pop("safe_fix", None)
    return data


def findings_text(findings: Sequence[Finding]) -> str:
    """`[finding_dict(f) for f in findings]` as the indented encoder writes it as the document's first value.

    Built with the C encoder in one call for all findings (each `encode` call sets up a new C encoder, which
    costs more than a finding's fields): their scalar fields are encoded as a list of flat dicts whose item
    separator carries a finding field's indent, then cut apart where one dict ends and the next begins (a JSON
    string holds no raw line break, so that boundary is unambiguous); `fix` and `fixable` are added per finding."""
    if not findings:
        return "[]"
    heads = _FINDING_FIELDS.encode(
        [
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
            for finding in findings
        ]
    )[2:-2].split(_BETWEEN_HEADS)
    return "[\n    " + ",\n    ".join(map(_finding_text, heads, findings)) + "\n  ]"


_BETWEEN_HEADS = "},\n      {"


def _finding_text(head: str, finding: Finding) -> str:
    if finding.fix:
        edits = ",\n".join(
            f'        {{\n          "start": {int.__repr__(edit.start)},\n          "end": {int.__repr__(edit.end)},'
            f'\n          "replacement": {_string_text(edit.replacement)}\n        }}'
            for edit in finding.fix
        )
        fix = f"[\n{edits}\n      ]"
    else:
        fix = "null"
    fixable = "true" if finding.fixable else "false"
    apart = (  # figures that are not waste (TK401 cache, TK402 budget), after `fix` as the dataclass has them
        f'      "cacheable_tokens": {int.__repr__(finding.cacheable_tokens)},\n'
        f'      "cache_saving_usd": {_optional_text(finding.cache_saving_usd)},\n'
        f'      "over_budget_tokens": {int.__repr__(finding.over_budget_tokens)},\n'
    )
    return f'{{\n      {head},\n      "fix": {fix},\n{apart}      "fixable": {fixable}\n    }}'


def render_json(findings: Sequence[Finding], summary: Mapping[str, Any], **extra: Any) -> str:
    """Findings in file order and the summary; `extra` adds top-level keys (audit adds files, totals…).

    The text is `json.dumps(document, indent=2, ensure_ascii=False, default=str)`'s, written faster: the
    findings one by one with `findings_text`, the rest with `dumps_indented`."""
    document: dict[str, Any] = {"summary": dict(summary)}
    document.update(extra)
    document.pop("schema_version", None)  # written first, as json_document does
    rest = dumps_indented(document)
    listed = findings_text(sorted(findings, key=Finding.sort_key))
    return f'{{\n  "schema_version": {SCHEMA_VERSION},\n  "findings": ' + listed + ",\n" + rest[2:] + "\n"

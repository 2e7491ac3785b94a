"""SARIF 2.1.0 output (code-scanning upload), with rule metadata for every code that appears."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from tokcli.lint.finding import Finding, RuleInfo
from tokcli.reporters.indented_json import dumps_indented

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    pure = PurePath(path)
    if pure.is_absolute():
        from pathlib import Path

        return Path(path).as_uri()
    from urllib.parse import quote

    return quote(pure.as_posix())


def _rule_entry(info: RuleInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary or info.name},
        "defaultConfiguration": {"level": LEVELS.get(info.severity, "warning")},
        "properties": {"tags": ["tokens"], "safeFix": info.safe_fix},
    }
    if info.description:
        entry["fullDescription"] = {"text": info.description}
        entry["help"] = {"text": info.description}
    return entry


def render_sarif(
    findings: Sequence[Finding],
    rules: Sequence[RuleInfo] = (),
    *,
    tool_version: str = "",
    summary: Mapping[str, Any] | None = None,
) -> str:
    """A SARIF log with one run; `rules` gives metadata, codes without it get a minimal entry."""
    if not tool_version:
        from tokcli import __version__ as tool_version
    ordered = sorted(findings, key=Finding.sort_key)
    infos = {info.code: info for info in rules}
    for finding in ordered:
        if finding.code not in infos:
            infos[finding.code] = RuleInfo(finding.code, finding.name, finding.severity, finding.name)
    codes = sorted(infos)
    index = {code: position for position, code in enumerate(codes)}
    results = []
    for finding in ordered:
        region: dict[str, Any] = {"startLine": finding.line, "startColumn": finding.column}
        if (finding.end_line, finding.end_column) > (finding.line, finding.column):
            region.update(endLine=finding.end_line, endColumn=finding.end_column)
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": LEVELS.get(finding.severity, "warning"),
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(finding.path)}, "region": region}}],
            "properties": {"tokensWasted": finding.tokens_wasted},
        }
        if finding.cacheable_tokens:
            result["properties"]["cacheableTokens"] = finding.cacheable_tokens
        if finding.over_budget_tokens:
            result["properties"]["overBudgetTokens"] = finding.over_budget_tokens
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "tokcli",
                "version": tool_version,
                "rules": [_rule_entry(infos[code]) for code in codes],
            }
        },
        "results": results,
    }
    if summary is not None:
        run["properties"] = {"summary": dict(summary)}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return dumps_indented(log) + "\n"

"""SARIF 2.1.0 output (code-scanning upload), with rule metadata for every code that appears."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from tokcli.lint.finding import Finding, RuleInfo
from tokcli.reporters.indented_json import Prewritten, dumps_indented
from tokcli.reporters.json import value_texts

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


def _result(finding: Finding, index: Mapping[str, int], uris: Mapping[str, str]) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": finding.line, "startColumn": finding.column}
    if (finding.end_line, finding.end_column) > (finding.line, finding.column):
        region.update(endLine=finding.end_line, endColumn=finding.end_column)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uris[finding.path]}, "region": region}}],
        "properties": {"tokensWasted": finding.tokens_wasted},
    }
    if finding.cacheable_tokens:
        result["properties"]["cacheableTokens"] = finding.cacheable_tokens
    if finding.over_budget_tokens:
        result["properties"]["overBudgetTokens"] = finding.over_budget_tokens
    return result


#: One `_result` as `dumps_indented` writes it in the log's `results` (depth 4), for `%` with the JSON texts of
#: ruleId, ruleIndex, level, message, uri, startLine, startColumn, the end of the region (`_END` or nothing),
#: tokensWasted and the other properties (`_CACHEABLE`, `_OVER_BUDGET` or nothing).
_RESULT = """{
          "ruleId": %s,
          "ruleIndex": %s,
          "level": %s,
          "message": {
            "text": %s
          },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": {
                  "uri": %s
                },
                "region": {
                  "startLine": %s,
                  "startColumn": %s%s
                }
              }
            }
          ],
          "properties": {
            "tokensWasted": %s%s
          }
        }"""
_END = ',\n                  "endLine": %s,\n                  "endColumn": %s'
_CACHEABLE = ',\n            "cacheableTokens": %s'
_OVER_BUDGET = ',\n            "overBudgetTokens": %s'


def _results_text(ordered: Sequence[Finding], index: Mapping[str, int], uris: Mapping[str, str]) -> str:
    """`[_result(f, index, uris) for f in ordered]` as `dumps_indented` writes it in the log: every scalar in one
    C encoder call, each result by `%` on a template (SARIF of tens of thousands of findings took seconds through
    the dicts). ValueError when a field is not a scalar."""
    if not ordered:
        return "[]"
    rows = [
        (
            f.code,
            index[f.code],
            LEVELS.get(f.severity, "warning"),
            f.message,
            uris[f.path],
            f.line,
            f.column,
            f.tokens_wasted,
            f.end_line,
            f.end_column,
            f.cacheable_tokens,
            f.over_budget_tokens,
        )
        for f in ordered
    ]
    columns = value_texts(rows, 12)
    texts = []
    for finding, written in zip(ordered, zip(*columns)):
        end = _END % written[8:10] if (finding.end_line, finding.end_column) > (finding.line, finding.column) else ""
        extra = _CACHEABLE % written[10] if finding.cacheable_tokens else ""
        if finding.over_budget_tokens:
            extra += _OVER_BUDGET % written[11]
        texts.append(_RESULT % (*written[:7], end, written[7], extra))
    return "[\n        " + ",\n        ".join(texts) + "\n      ]"


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
    ordered = list(Finding.sorted(findings))  # read several times: made once
    infos = {info.code: info for info in rules}
    for finding in ordered:
        if finding.code not in infos:
            infos[finding.code] = RuleInfo(finding.code, finding.name, finding.severity, finding.name)
    codes = sorted(infos)
    index = {code: position for position, code in enumerate(codes)}
    uris: dict[str, str] = {}  # a file's findings share its URI
    for path in dict.fromkeys(finding.path for finding in ordered):
        uris[path] = _uri(path)
    try:
        results: Any = Prewritten(_results_text(ordered, index, uris))
    except ValueError:  # a field that is not a scalar: written from dicts, as json.dumps would
        results = [_result(finding, index, uris) for finding in ordered]
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

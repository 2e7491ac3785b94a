"""SARIF 2.1.0 output (code-scanning upload), with rule metadata for every code that appears."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import PurePath
from typing import Any

from tokcli.gc_pause import gc_paused
from tokcli.lint.finding import Finding, RuleInfo, finding_values
from tokcli.reporters.indented_json import Prewritten, dumps_indented
from tokcli.reporters.json import BATCH, value_texts

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
    """`[_result(f, index, uris) for f in ordered]`'s items as `dumps_indented` writes them in the log, joined by
    `_RESULT_SEPARATOR`: every scalar in one C encoder call, each result by `%` on a template (SARIF of tens of
    thousands of findings took seconds through the dicts). ValueError when a field is not a scalar."""
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
    return _RESULT_SEPARATOR.join(texts)


#: Between two results in the log's `results` list.
_RESULT_SEPARATOR = ",\n        "
#: What `dumps_indented` writes around a list of results at their place in the log (depth 3, in a run's dict).
_RESULTS_OPENING = '[\n  [\n    {\n      "results": [\n        '
_RESULTS_CLOSING = "\n      ]\n    }\n  ]\n]"
#: Stands for the results while the rest of the log is written (JSON text holds no raw NUL: strings escape it).
_RESULTS_MARK = Prewritten("\0results\0")


def _results_plainly(ordered: Sequence[Finding], index: Mapping[str, int], uris: Mapping[str, str]) -> str:
    """`_results_text` through the results' dicts: for a field that is not a scalar."""
    written = dumps_indented([[{"results": [_result(finding, index, uris) for finding in ordered]}]])
    return written[len(_RESULTS_OPENING) : -len(_RESULTS_CLOSING)]


def _results_pieces(findings: Iterable[Finding], index: Mapping[str, int], uris: Mapping[str, str]) -> Iterator[str]:
    """The results' texts, up to `BATCH` findings a piece (pieces are joined by `_RESULT_SEPARATOR`)."""
    found = iter(findings)
    while batch := list(islice(found, BATCH)):
        with gc_paused():  # many small tuples and strings, none in a cycle
            try:
                yield _results_text(batch, index, uris)
            except ValueError:  # a field that is not a scalar: written from dicts, as json.dumps would
                yield _results_plainly(batch, index, uris)


def render_sarif(
    findings: Sequence[Finding],
    rules: Sequence[RuleInfo] = (),
    *,
    tool_version: str = "",
    summary: Mapping[str, Any] | None = None,
) -> str:
    """A SARIF log with one run; `rules` gives metadata, codes without it get a minimal entry."""
    return "".join(iter_sarif(findings, rules, tool_version=tool_version, summary=summary))


def iter_sarif(
    findings: Sequence[Finding],
    rules: Sequence[RuleInfo] = (),
    *,
    tool_version: str = "",
    summary: Mapping[str, Any] | None = None,
) -> Iterator[str]:
    """`render_sarif`'s text in pieces, the results written a batch at a time as the pieces are asked for (a
    log of a million results, ~1 GB, is never held whole; findings kept as columns are made a batch at a time)."""
    if not tool_version:
        from tokcli import __version__ as tool_version
    ordered = Finding.sorted(findings)
    infos = {info.code: info for info in rules}
    rule_fields = zip(*(finding_values(ordered, field) for field in ("code", "name", "severity")))
    for code, name, severity in dict.fromkeys(rule_fields):  # a code without metadata: its first finding's
        if code not in infos:
            infos[code] = RuleInfo(code, name, severity, name)
    codes = sorted(infos)
    index = {code: position for position, code in enumerate(codes)}
    uris = {path: _uri(path) for path in dict.fromkeys(finding_values(ordered, "path"))}  # a file's findings share it
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "tokcli",
                "version": tool_version,
                "rules": [_rule_entry(infos[code]) for code in codes],
            }
        },
        "results": _RESULTS_MARK if ordered else [],
    }
    if summary is not None:
        run["properties"] = {"summary": dict(summary)}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    before, _, after = dumps_indented(log).partition(_RESULTS_MARK.text)
    if not after:  # no results: nothing stands between
        yield before + "\n"
        return
    yield before + "[\n        "
    for number, piece in enumerate(_results_pieces(ordered, index, uris)):
        yield _RESULT_SEPARATOR + piece if number else piece
    yield "\n      ]" + after + "\n"

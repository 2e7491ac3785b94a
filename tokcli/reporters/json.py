"""JSON output for lint findings (shared with audit): `{"findings": [...], "summary": {...}}`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

from tokcli.gc_pause import gc_paused
from tokcli.lint.finding import Finding
from tokcli.reporters.indented_json import dumps_indented
from tokcli.reporters.json_document import SCHEMA_VERSION

#: A finding's fields as they are written, `fix` and `fixable` aside (`fix` comes after `tokens_wasted`, as the
#: dataclass has it; `fixable` last).
_HEAD = ("path", "line", "column", "end_line", "end_column", "code", "name", "severity", "message", "tokens_wasted")
_TAIL = ("cacheable_tokens", "cache_saving_usd", "over_budget_tokens")
_head_values = attrgetter(*_HEAD)
_tail_values = attrgetter(*_TAIL)
_edit_values = attrgetter("start", "end", "replacement")
#: One finding as `json.dumps(indent=2)` writes it at a finding's depth in the document, for `%` with its
#: fields' JSON texts in the order written.
_FINDING = "{\n" + "".join(f'      "{name}": %s,\n' for name in (*_HEAD, "fix", *_TAIL)) + '      "fixable": %s\n    }'
_EDIT = '        {\n          "start": %s,\n          "end": %s,\n          "replacement": %s\n        }'
#: Writes a flat list of scalars with a NUL between them: a JSON text holds no raw NUL (strings escape it),
#: so splitting at NULs gives each value's JSON text.
_VALUES = json.JSONEncoder(ensure_ascii=False, default=str, separators=("\0", ":"))
_NUL = "\0"


def finding_dict(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    data["fixable"] = finding.fixable
    data.pop("safe_fix", None)
    return data


def _value_texts(rows: Iterable[tuple[Any, ...]], width: int) -> list[list[str]]:
    """The JSON texts of `rows`' values (`width` scalars each), column by column, in one C encoder call (each
    `encode` call sets up a new C encoder, which costs more than a finding's fields). ValueError when a value
    was not a scalar."""
    flat = list(chain.from_iterable(rows))
    if not flat:
        return [[] for _ in range(width)]
    written = _VALUES.encode(flat)
    # A value that is a list or dict starts with a bracket after its NUL (or first): JSON strings hold none raw.
    if written[1] in "[{" or "\0[" in written or "\0{" in written:
        raise ValueError("a finding field that is not a scalar")
    texts = written[1:-1].split(_NUL)
    return [texts[column::width] for column in range(width)]


def findings_text(findings: Sequence[Finding]) -> str:
    """`[finding_dict(f) for f in findings]` as the indented encoder writes it as the document's first value.

    Every scalar field of every finding (and of every edit) is encoded in one C encoder call, and the findings
    are put together by `%` on a template, through `map`: no Python code runs per field, little per finding."""
    if not findings:
        return "[]"
    try:
        heads = _value_texts(map(_head_values, findings), len(_HEAD))
        tails = _value_texts(map(_tail_values, findings), len(_TAIL))
        fixes = [finding.fix for finding in findings]
        edits = list(
            map(_EDIT.__mod__, zip(*_value_texts(map(_edit_values, chain.from_iterable(filter(None, fixes))), 3)))
        )
    except ValueError:
        return _findings_text_plainly(findings)
    fix_texts = []
    position = 0
    for fix in fixes:
        if fix:
            end = position + len(fix)
            fix_texts.append("[\n" + ",\n".join(edits[position:end]) + "\n      ]")
            position = end
        else:
            fix_texts.append("null")
    fixable = ["true" if finding.fix and finding.safe_fix else "false" for finding in findings]
    written = map(_FINDING.__mod__, zip(*heads, fix_texts, *tails, fixable))
    return "".join(("[\n    ", ",\n    ".join(written), "\n  ]"))


def _findings_text_plainly(findings: Sequence[Finding]) -> str:
    """`findings_text` through `dumps_indented`: for findings with a field that is not a scalar."""
    opening = '{\n  "findings": '
    return dumps_indented({"findings": [finding_dict(finding) for finding in findings]})[len(opening) : -2]


def render_json(findings: Sequence[Finding], summary: Mapping[str, Any], **extra: Any) -> str:
    """Findings in file order and the summary; `extra` adds top-level keys (audit adds files, totals…).

    The text is `json.dumps(document, indent=2, ensure_ascii=False, default=str)`'s, written faster: the
    findings one by one with `findings_text`, the rest with `dumps_indented`."""
    document: dict[str, Any] = {"summary": dict(summary)}
    document.update(extra)
    document.pop("schema_version", None)  # written first, as json_document does
    with gc_paused():  # a dict per finding, none in a cycle
        rest = dumps_indented(document)
        listed = findings_text(sorted(findings, key=Finding.sort_key))
    # One join: the findings run to tens of megabytes, each `+` would copy them again.
    return "".join((f'{{\n  "schema_version": {SCHEMA_VERSION},\n  "findings": ', listed, ",\n", rest[2:], "\n"))

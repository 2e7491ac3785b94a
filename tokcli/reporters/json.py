"""JSON output for lint findings (shared with audit): `{"findings": [...], "summary": {...}}`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice, repeat
from operator import add, attrgetter, is_not, mod
from typing import Any

from tokcli.gc_pause import gc_paused
from tokcli.lint.finding import Finding
from tokcli.lint.finding_table import FindingTable, RuleKey
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


def value_texts(rows: Iterable[Sequence[Any]], width: int) -> list[list[str]]:
    """The JSON texts of `rows`' values (`width` scalars each), column by column, in one C encoder call (each
    `encode` call sets up a new C encoder, which costs more than a finding's fields). ValueError when a value
    was not a scalar."""
    flat = list(chain.from_iterable(rows))
    if not flat:
        return [[] for _ in range(width)]
    written = _VALUES.encode(flat)
    # A value that is a list or dict starts with a bracket after its NUL (or first): JSON strings hold none raw.
    if written[1] in "[{" or "\0[" in written or "\0{" in written:
        raise ValueError("a value that is not a scalar")
    texts = written[1:-1].split(_NUL)
    return [texts[column::width] for column in range(width)]


#: Between two findings in the document's `findings` list.
FINDING_SEPARATOR = ",\n    "


def finding_texts(findings: Sequence[Finding]) -> list[str]:
    """Each finding as the indented encoder writes it inside the document's `findings` list.

    Every scalar field of every finding (and of every edit) is encoded in one C encoder call, and the findings
    are put together by `%` on a template, through `map`: no Python code runs per field, little per finding."""
    if not findings:
        return []
    try:
        heads = value_texts(map(_head_values, findings), len(_HEAD))
        tails = value_texts(map(_tail_values, findings), len(_TAIL))
        fixes = [finding.fix for finding in findings]
        edits = list(
            map(_EDIT.__mod__, zip(*value_texts(map(_edit_values, chain.from_iterable(filter(None, fixes))), 3)))
        )
    except ValueError:
        return [_finding_text_plainly(finding) for finding in findings]
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
    return list(map(_FINDING.__mod__, zip(*heads, fix_texts, *tails, fixable)))


def findings_text(findings: Sequence[Finding]) -> str:
    """`[finding_dict(f) for f in findings]` as the indented encoder writes it as the document's first value."""
    return "".join(_findings_parts(findings))


#: Findings are written this many at a time: a report of a million findings (~550 bytes of JSON each) is
#: written as it is made, never held whole (nor their `Finding` objects, when kept as columns).
BATCH = 2048


def _findings_parts(findings: Sequence[Finding]) -> Iterator[str]:
    """`findings_text` in pieces of at most `BATCH` findings, made as they are asked for."""
    pieces = _findings_pieces(findings)
    first = next(pieces, None)
    if first is None:
        yield "[]"
        return
    yield "[\n    " + first
    for piece in pieces:
        yield FINDING_SEPARATOR + piece
    yield "\n  ]"


def _findings_pieces(findings: Sequence[Finding]) -> Iterator[str]:
    """The findings' texts, up to `BATCH` findings a piece (pieces are joined by `FINDING_SEPARATOR`). Findings
    kept as tables in report order (`tokcli.lint.finding_table`) are written from their columns, never made."""
    segments = getattr(findings, "segments", None)
    if segments is None or not getattr(findings, "in_report_order", False):
        found = iter(findings)
        while batch := list(islice(found, BATCH)):
            yield _written(batch)
        return
    loose: list[Finding] = []
    parts = list(segments())
    tables = list(dict.fromkeys(segment[0] for segment in parts if not isinstance(segment, Finding)))
    paths = dict(zip(map(id, tables), scalar_texts([table.path for table in tables])))
    strings = StringTexts()
    for segment in parts:
        if isinstance(segment, Finding):
            loose.append(segment)
            if len(loose) == BATCH:
                yield _written(loose)
                loose = []
            continue
        if loose:
            yield _written(loose)
            loose = []
        table, start, end = segment
        for first in range(start, end, BATCH):
            with gc_paused():  # many small tuples and strings, none in a cycle
                texts = table_texts(table, first, min(end, first + BATCH), strings, paths[id(table)])
                yield FINDING_SEPARATOR.join(texts)
    if loose:
        yield _written(loose)


#: A table row's finding as `finding_texts` writes it, for `%` with (path, line, column, end line, end column,
#: message, tokens wasted, fix start, fix end, replacement), the texts of path, message and replacement JSON
#: already: the rule's fields and the figures a row has at their defaults are in the template. A row without a
#: fix reads its three fix values as nothing (`%.0s`).
_ROW_HEAD = (
    '{{\n      "path": %s,\n      "line": %d,\n      "column": %d,\n      "end_line": %d,\n      "end_column": %d,\n'
    '      "code": {code},\n      "name": {name},\n      "severity": {severity},\n      "message": %s,\n'
    '      "tokens_wasted": %d,\n      "fix": '
)
_ROW_FIX = "[\n" + _EDIT.replace("%s", "%d", 2) + "\n      ]"
_ROW_NO_FIX = "null%.0s%.0s%.0s"
_ROW_TAIL = ',\n      "cacheable_tokens": 0,\n      "cache_saving_usd": null,\n      "over_budget_tokens": 0,\n      "fixable": {fixable}\n    }}'
_row_templates: dict[RuleKey, tuple[str, str]] = {}


def _templates_of(rule: RuleKey) -> tuple[str, str]:
    """(without a fix, with one) row templates of a rule."""
    templates = _row_templates.get(rule)
    if templates is None:
        code, name, severity, safe_fix = (_VALUES.encode(value).replace("%", "%%") for value in rule)
        head = _ROW_HEAD.format(code=code, name=name, severity=severity)
        templates = _row_templates[rule] = (
            head + _ROW_NO_FIX + _ROW_TAIL.format(fixable="false"),
            head + _ROW_FIX + _ROW_TAIL.format(fixable=safe_fix),
        )
    return templates


def scalar_texts(values: list[Any]) -> list[str]:
    """Each value's JSON text, in one C encoder call: for strings, numbers, booleans and None only (a container
    would be written whole)."""
    return _VALUES.encode(values)[1:-1].split(_NUL) if values else []


class StringTexts:
    """The JSON texts of the strings met so far (a findings' messages and replacements repeat across rows and
    files), those not met yet encoded together in one C encoder call (setting one up costs more than a row).
    Forgets them all past `LIMIT`, so a report of a million distinct messages never holds their texts."""

    LIMIT = 8192

    def __init__(self) -> None:
        self._texts: dict[str | None, str] = {None: ""}

    def of(self, strings: Sequence[str | None]) -> list[str]:
        """The texts of `strings` in order (None: "")."""
        texts = self._texts
        distinct = dict.fromkeys(strings)
        new = [text for text in distinct if text not in texts]
        if new:
            if len(texts) + len(new) > self.LIMIT:  # forget the others, keep those of `strings`
                texts = self._texts = {None: ""}
                new = [text for text in distinct if text is not None]
            texts.update(zip(new, scalar_texts(new)))
        return list(map(texts.__getitem__, strings))


def table_texts(
    table: FindingTable, start: int, end: int, strings: StringTexts | None = None, path: str | None = None
) -> list[str]:
    """`finding_texts(table[start:end])` written from the table's columns: each distinct message and
    replacement encoded once (`strings` keeps them across calls), each row by `%` on its rule's template,
    through `map` (no `Finding` is made but for the rows the columns do not describe). `path`: the JSON text of
    the table's path, when the caller has it."""
    strings = strings or StringTexts()
    templates = [template for rule in table.rules for template in _templates_of(rule)]
    replacements = table.replacements[start:end]
    has_fix = map(is_not, replacements, repeat(None))
    chosen = map(templates.__getitem__, map(add, map((2).__mul__, table.rule_slots[start:end]), has_fix))
    rows = zip(
        repeat(path if path is not None else _VALUES.encode(table.path), end - start),
        table.line[start:end],
        table.column[start:end],
        table.end_line[start:end],
        table.end_column[start:end],
        strings.of(table.messages[start:end]),
        table.tokens_wasted[start:end],
        table.fix_start[start:end],
        table.fix_end[start:end],
        strings.of(replacements),
    )
    texts = list(map(mod, chosen, rows))
    for row, finding in table.whole_rows.items():
        if start <= row < end:
            texts[row - start] = finding_texts([finding])[0]
    return texts


def _written(findings: list[Finding]) -> str:
    with gc_paused():  # many small tuples and strings, none in a cycle
        return FINDING_SEPARATOR.join(finding_texts(findings))


def _finding_text_plainly(finding: Finding) -> str:
    """A finding as `finding_texts` writes it, through `dumps_indented`: for a field that is not a scalar."""
    opening = '{\n  "findings": [\n    '
    return dumps_indented({"findings": [finding_dict(finding)]})[len(opening) : -len("\n  ]\n}")]


def render_json(findings: Sequence[Finding], summary: Mapping[str, Any], /, **extra: Any) -> str:
    """Findings in file order and the summary; `extra` adds top-level keys (audit adds files, totals…).

    The text is `json.dumps(document, indent=2, ensure_ascii=False, default=str)`'s, written faster: the
    findings with `findings_text`, the rest with `dumps_indented`."""
    return "".join(iter_json(findings, summary, **extra))


def iter_json(findings: Sequence[Finding], summary: Mapping[str, Any], /, **extra: Any) -> Iterator[str]:
    """`render_json`'s text in pieces, the findings written a batch at a time as the pieces are asked for (a
    report of a million findings is ~0.5 GB of text: printed as it is made, it is never held whole)."""
    document: dict[str, Any] = {"summary": dict(summary)}
    document.update(extra)
    document.pop("schema_version", None)  # written first, as json_document does
    with gc_paused():  # a dict per file of an audit, none in a cycle
        rest = dumps_indented(document)
    yield f'{{\n  "schema_version": {SCHEMA_VERSION},\n  "findings": '
    yield from _findings_parts(Finding.sorted(findings))
    yield ",\n" + rest[2:] + "\n"

"""JSON output for lint findings (shared with audit): `{"findings": [...], "summary": {...}}`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from operator import attrgetter, is_
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


def findings_block(findings: Sequence[Finding]) -> str:
    """`findings` (in report order) as they stand together inside the document's `findings` list: what
    `findings_text` takes for them from `blocks` (the audit cache keeps one per file)."""
    return FINDING_SEPARATOR.join(finding_texts(findings))


def findings_text(findings: Sequence[Finding], blocks: Iterable[tuple[Sequence[Finding], str]] = ()) -> str:
    """`[finding_dict(f) for f in findings]` as the indented encoder writes it as the document's first value.

    `blocks` are runs of findings already written by `findings_block` (an audit's cached files): where such a
    run stands in `findings` as it is, the same objects in the same order, its text is used as it is; the
    findings outside every run are written here. The findings of a block must not have changed since it was
    written (the audit builds them from the same cache row and never changes them)."""
    return "".join(_findings_parts(findings, blocks))


#: Findings are written this many at a time: a report of a million findings (~550 bytes of JSON each) is
#: written as it is made, never held whole (nor their `Finding` objects, when kept as columns).
BATCH = 2048


def _findings_parts(findings: Sequence[Finding], blocks: Iterable[tuple[Sequence[Finding], str]]) -> Iterator[str]:
    """`findings_text` in pieces of at most `BATCH` findings (or one block), made as they are asked for."""
    pieces = _findings_pieces(findings, blocks)
    first = next(pieces, None)
    if first is None:
        yield "[]"
        return
    yield "[\n    " + first
    for piece in pieces:
        yield FINDING_SEPARATOR + piece
    yield "\n  ]"


def _findings_pieces(findings: Sequence[Finding], blocks: Iterable[tuple[Sequence[Finding], str]]) -> Iterator[str]:
    """The findings' texts, each piece a block as it was kept or up to `BATCH` findings written here (pieces are
    joined by `FINDING_SEPARATOR`)."""
    starts = {id(run[0]): (run, text) for run, text in blocks if run}
    if not starts:
        found = iter(findings)
        while batch := list(islice(found, BATCH)):
            yield _written(batch)
        return
    plain: list[Finding] = []
    position, total = 0, len(findings)
    while position < total:
        block = starts.get(id(findings[position]))
        if block is not None:
            run, text = block
            end = position + len(run)
            if end <= total and all(map(is_, findings[position:end], run)):
                if plain:
                    yield _written(plain)
                    plain = []
                yield text
                position = end
                continue
        plain.append(findings[position])
        position += 1
        if len(plain) == BATCH:
            yield _written(plain)
            plain = []
    if plain:
        yield _written(plain)


def _written(findings: list[Finding]) -> str:
    with gc_paused():  # many small tuples and strings, none in a cycle
        return findings_block(findings)


def _finding_text_plainly(finding: Finding) -> str:
    """A finding as `finding_texts` writes it, through `dumps_indented`: for a field that is not a scalar."""
    opening = '{\n  "findings": [\n    '
    return dumps_indented({"findings": [finding_dict(finding)]})[len(opening) : -len("\n  ]\n}")]


def render_json(
    findings: Sequence[Finding],
    summary: Mapping[str, Any],
    blocks: Iterable[tuple[Sequence[Finding], str]] = (),
    /,
    **extra: Any,
) -> str:
    """Findings in file order and the summary; `extra` adds top-level keys (audit adds files, totals…);
    `blocks`: runs of findings already written (see `findings_text`).

    The text is `json.dumps(document, indent=2, ensure_ascii=False, default=str)`'s, written faster: the
    findings with `findings_text`, the rest with `dumps_indented`."""
    return "".join(iter_json(findings, summary, blocks, **extra))


def iter_json(
    findings: Sequence[Finding],
    summary: Mapping[str, Any],
    blocks: Iterable[tuple[Sequence[Finding], str]] = (),
    /,
    **extra: Any,
) -> Iterator[str]:
    """`render_json`'s text in pieces, the findings written a batch at a time as the pieces are asked for (a
    report of a million findings is ~0.5 GB of text: printed as it is made, it is never held whole)."""
    document: dict[str, Any] = {"summary": dict(summary)}
    document.update(extra)
    document.pop("schema_version", None)  # written first, as json_document does
    with gc_paused():  # a dict per file of an audit, none in a cycle
        rest = dumps_indented(document)
    yield f'{{\n  "schema_version": {SCHEMA_VERSION},\n  "findings": '
    yield from _findings_parts(Finding.sorted(findings), blocks)
    yield ",\n" + rest[2:] + "\n"

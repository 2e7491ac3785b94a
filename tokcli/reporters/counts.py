"""Output formats for `tokcli count`: a rich table, plain text, JSON and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from tokcli.counting import CountReport, CountResult
from tokcli.reporters.json_document import json_document

ESTIMATE_MARK = "~"


def _cell(result: CountResult) -> str:
    return f"{ESTIMATE_MARK}{result.tokens:,}" if not result.exact else f"{result.tokens:,}"


def _grid(report: CountReport) -> tuple[list[str], list[str], dict[tuple[str, str], CountResult]]:
    paths: list[str] = []
    labels: list[str] = []
    cells: dict[tuple[str, str], CountResult] = {}
    for result in report.results:
        if result.path not in paths:
            paths.append(result.path)
        if result.label not in labels:
            labels.append(result.label)
        cells[(result.path, result.label)] = result
    return paths, labels, cells


def _header(label: str, report: CountReport) -> str:
    tokenizers = {result.tokenizer for result in report.results if result.label == label}
    tokenizer = next(iter(tokenizers)) if tokenizers else label
    return label if tokenizer == label else f"{label}\n({tokenizer})"


def _total_cell(report: CountReport, label: str, paths: list[str], cells: dict[tuple[str, str], CountResult]) -> str:
    exact = all(cells[(path, label)].exact for path in paths)
    return f"{'' if exact else ESTIMATE_MARK}{report.total(label):,}"


def _has_tools(report: CountReport) -> bool:
    return any(result.request is not None for result in report.results)


def _tools_cell(result: CountResult) -> str:
    return f"{'' if result.exact else ESTIMATE_MARK}{result.tool_tokens:,}" if result.request is not None else ""


def _tools_total(report: CountReport, label: str) -> str:
    rows = [r for r in report.results if r.label == label]
    exact = all(r.exact for r in rows if r.request is not None)
    return f"{'' if exact else ESTIMATE_MARK}{sum(r.tool_tokens for r in rows):,}"


def render_table(report: CountReport) -> Any:
    """A rich Table: files down, models across, a total row when there is more than one file. With tool
    definitions, each model has a second column: the tools' share of its count."""
    from rich.table import Table

    paths, labels, cells = _grid(report)
    tools = _has_tools(report)
    table = Table(show_footer=len(paths) > 1, header_style="bold")
    table.add_column("file", footer="total" if len(paths) > 1 else "")
    for label in labels:
        table.add_column(_header(label, report), justify="right", footer=_total_cell(report, label, paths, cells))
        if tools:
            table.add_column("of which\ntools", justify="right", footer=_tools_total(report, label))
    for path in paths:
        row = [path]
        for label in labels:
            row.append(_cell(cells[(path, label)]))
            if tools:
                row.append(_tools_cell(cells[(path, label)]))
        table.add_row(*row)
    return table


def tool_tables(report: CountReport) -> list[tuple[str, str, Any]]:
    """(path, label, RequestTokens) of every tool-definition file and chat file with tools, on the first model:
    what the per-tool tables show."""
    first = next((result.label for result in report.results), None)
    return [
        (result.path, result.label, result.request)
        for result in report.results
        if result.label == first and result.request is not None and result.request.tools
    ]


def render_plain(report: CountReport) -> str:
    """Aligned columns without colour, for pipes and NO_COLOR."""
    paths, labels, cells = _grid(report)
    tools = _has_tools(report)
    header = ["file"]
    for label in labels:
        header += [label, f"{label} tools"] if tools else [label]
    rows = [header]
    for path in paths:
        row = [path]
        for label in labels:
            row += (
                [_cell(cells[(path, label)]), _tools_cell(cells[(path, label)])]
                if tools
                else [_cell(cells[(path, label)])]
            )
        rows.append(row)
    if len(paths) > 1:
        total = ["total"]
        for label in labels:
            total.append(_total_cell(report, label, paths, cells))
            if tools:
                total.append(_tools_total(report, label))
        rows.append(total)
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    lines = []
    for row in rows:
        first = row[0].ljust(widths[0])
        rest = [value.rjust(width) for value, width in zip(row[1:], widths[1:])]
        lines.append("  ".join([first, *rest]).rstrip())
    return "\n".join(lines) + "\n"


def _result_dict(result: CountResult) -> dict[str, Any]:
    item: dict[str, Any] = {
        "path": result.path,
        "model": result.model,
        "tokenizer": result.tokenizer,
        "tokens": result.tokens,
        "exact": result.exact,
        "kind": result.kind,
    }
    if result.kind == "chat":
        item["overhead"] = result.overhead
    if result.request is not None:
        from tokcli.reporters.tools import request_json

        item["message_tokens"] = result.message_tokens
        item["tool_tokens"] = result.tool_tokens
        item["image_tokens"] = result.image_tokens
        item["tools"] = request_json(result.request)
    if result.ids is not None:
        item["ids"] = result.ids
    return item


def template_cells(report: CountReport) -> dict[tuple[str, str], str]:
    """(path, label) → the template's own count as a cell, for the rendered-figures table."""
    return {(result.path, result.label): _cell(result) for result in report.results}


def render_json(
    report: CountReport,
    fits: dict[tuple[str, str], Any] | None = None,
    rendered: dict[tuple[str, str], Any] | None = None,
) -> str:
    """`fits` ((path, label) → tokcli.fit.Fit, from --fit) adds a `fit` object to those results; `rendered`
    ((path, label) → tokcli.render.RenderedFigures) a `rendered` object."""
    labels = list(dict.fromkeys(result.label for result in report.results))
    results = [_result_dict(result) for result in report.results]
    for item, result in zip(results, report.results):
        figures = (rendered or {}).get((result.path, result.label))
        if figures is not None:
            item["rendered"] = figures.to_json()
    if fits:
        from tokcli.reporters.fit import fit_json

        for item, result in zip(results, report.results):
            found = fits.get((result.path, result.label))
            if found is not None:
                item["fit"] = fit_json(found)
    payload = {
        "results": results,
        "totals": [
            {
                "model": next((r.model for r in report.results if r.label == label), None),
                "tokenizer": next(r.tokenizer for r in report.results if r.label == label),
                "tokens": report.total(label),
                "exact": all(r.exact for r in report.results if r.label == label),
            }
            for label in labels
        ],
        "notes": report.notes,
    }
    return json_document(payload)


def render_csv(report: CountReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["path", "model", "tokenizer", "tokens", "exact", "kind", "overhead", "tool_tokens"])
    for result in report.results:
        writer.writerow(
            [
                result.path,
                result.model or "",
                result.tokenizer,
                result.tokens,
                str(result.exact).lower(),
                result.kind,
                result.overhead,
                result.tool_tokens,
            ]
        )
    return buffer.getvalue()


def render_pieces_plain(path: str, label: str, pieces: list[tuple[int | None, str]], total: str | None = None) -> str:
    """One token per line (`id<TAB>repr(text)`): the boundaries stay visible without colour. `total`
    replaces the piece count in the legend (an estimate's "~N")."""
    lines = [f"{path} — {label}: {total or len(pieces)} tokens"]
    lines += [f"{'' if token_id is None else token_id}\t{piece!r}" for token_id, piece in pieces]
    return "\n".join(lines) + "\n"


def render_pieces_rich(path: str, label: str, pieces: list[tuple[int | None, str]], total: str | None = None) -> Any:
    """The text with alternating background colours at token boundaries, and a legend."""
    from rich.console import Group
    from rich.text import Text

    styles = ("black on bright_cyan", "black on bright_yellow", "black on bright_green", "black on bright_magenta")
    body = Text()
    for index, (_, piece) in enumerate(pieces):
        body.append(piece, style=styles[index % len(styles)])
    legend = Text(
        f"{path} — {label}: {total or len(pieces)} tokens (each colour change is a token boundary)", style="bold"
    )
    return Group(legend, body)

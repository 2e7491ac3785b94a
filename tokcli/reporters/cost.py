"""Output formats for `tokcli cost`: a rich table with a bar column, plain text, JSON and CSV.

Money is rounded here and only here, for display; JSON and CSV carry the exact decimal strings.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tokcli.pricing.dump import decimal_text
from tokcli.pricing.estimate import CostReport, CostRow
from tokcli.reporters.json_document import json_document

ESTIMATE_MARK = "~"
STALE_MARK = "!"
BAR_WIDTH = 20
_CENT = Decimal("0.01")


def format_usd(value: Decimal) -> str:
    """$1,234.57 from a dollar up, six decimals below (so a column lines up); '<$0.000001' for dust."""
    if value == 0:
        return "$0"
    if abs(value) >= 1:
        return f"${value.quantize(_CENT, rounding=ROUND_HALF_UP):,}"
    shown = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    if shown == 0:
        return "<$0.000001"
    return f"${shown}"


def format_period_usd(value: Decimal) -> str:
    """A per-period figure to the cent ($0.45, $1,234.57), as every period figure of a dollar or more is:
    a projection of calls over a day or a month is no more precise than that; '<$0.01' below a cent."""
    if value == 0:
        return "$0"
    shown = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if shown == 0:
        return "<$0.01"
    return f"${shown:,}"


def _tokens(count: int, exact: bool) -> str:
    return f"{count:,}" if exact else f"{ESTIMATE_MARK}{count:,}"


def _model_label(row: CostRow) -> str:
    return f"{row.model.id}{STALE_MARK}" if row.stale else row.model.id


def _notes(report: CostReport, row: CostRow) -> list[str]:
    notes = []
    if row.cost.batch:
        notes.append("batch")
    if row.model.deprecated is not None and row.model.deprecated < report.today:
        notes.append(f"retired {row.model.deprecated}")
    notes.extend(row.cost.notes)
    return notes


def period_label(report: CostReport) -> str | None:
    if report.options.calls is None:
        return None
    return f"per {report.options.per}" if report.options.per != "call" else "all calls"


def _bar(value: Decimal, largest: Decimal, full: str, width: int = BAR_WIDTH) -> str:
    if largest <= 0 or value <= 0:
        return ""
    cells = int((value / largest * width).to_integral_value(rounding=ROUND_HALF_UP))
    return full * max(cells, 1)


def _largest(report: CostReport) -> dict[str, Decimal]:
    largest: dict[str, Decimal] = {}
    for row in report.rows:
        value = _bar_value(row)
        largest[row.path] = max(largest.get(row.path, Decimal(0)), value)
    return largest


def _bar_value(row: CostRow) -> Decimal:
    return row.cost.period_cost if row.cost.period_cost is not None else row.cost.total_cost


def legend(report: CostReport) -> list[str]:
    """Lines explaining the marks used, and models left out."""
    lines = []
    if any(not row.exact for row in report.rows):
        lines.append(f"{ESTIMATE_MARK} token count is an estimate (no public tokenizer, or a stand-in)")
    if any(row.stale for row in report.rows):
        lines.append(f"{STALE_MARK} price is more than {report.stale_days} days old: check the source")
    for model, reason in report.skipped:
        lines.append(f"skipped {model}: {reason}")
    return lines


def _columns(report: CostReport) -> list[str]:
    columns = []
    if len(set(report.paths)) > 1:
        columns.append("file")
    columns += ["model", "provider", "input tok", "output tok", "input $", "output $", "total/call"]
    label = period_label(report)
    if label:
        columns.append(label)
    return columns


def _cells(report: CostReport, row: CostRow) -> list[str]:
    cells = [row.path] if len(set(report.paths)) > 1 else []
    output = row.cost.output_tokens + row.cost.reasoning_tokens
    cells += [
        _model_label(row),
        row.model.provider,
        _tokens(row.cost.input_tokens, row.exact),
        _tokens(output, row.exact or report.options.output_ratio is None or output == 0),
        format_usd(row.cost.input_cost),
        format_usd(row.cost.output_cost),
        format_usd(row.cost.total_cost),
    ]
    if row.cost.period_cost is not None:
        cells.append(format_period_usd(row.cost.period_cost))
    return cells


def render_table(report: CostReport) -> Any:
    """A rich Table, cheapest first in compare mode, with a bar scaled to the dearest row of each file."""
    from rich.table import Table

    table = Table(header_style="bold")
    columns = _columns(report)
    for name in columns:
        right = name not in ("file", "model", "provider")
        table.add_column(name, justify="right" if right else "left", no_wrap=name == "model")
    table.add_column("", style="cyan", no_wrap=True)
    table.add_column("notes", style="dim")
    largest = _largest(report)
    for row in report.rows:
        bar = _bar(_bar_value(row), largest[row.path], "█")
        table.add_row(*_cells(report, row), bar, ", ".join(_notes(report, row)))
    return table


def render_plain(report: CostReport) -> str:
    """Aligned columns without colour, for pipes and NO_COLOR; legend lines follow the table."""
    columns = [*_columns(report), "", "notes"]
    largest = _largest(report)
    rows = [columns]
    for row in report.rows:
        bar = _bar(_bar_value(row), largest[row.path], "#")
        rows.append([*_cells(report, row), bar, ", ".join(_notes(report, row))])
    left = {"file", "model", "provider", "", "notes"}
    widths = [max(len(line[i]) for line in rows) for i in range(len(columns))]
    out = []
    for line in rows:
        cells = [cell.ljust(widths[i]) if columns[i] in left else cell.rjust(widths[i]) for i, cell in enumerate(line)]
        out.append("  ".join(cells).rstrip())
    out.extend(legend(report))
    return "\n".join(out) + "\n"


def result_items(report: CostReport) -> list[dict[str, Any]]:
    items = []
    for row in report.rows:
        cost = row.cost
        model = row.model
        items.append(
            {
                "path": row.path,
                "model": model.id,
                "provider": model.provider,
                "tokenizer": model.tokenizer,
                "exact": row.exact,
                "input_tokens": cost.input_tokens,
                "cached_input_tokens": cost.cached_tokens,
                "cache_write_tokens": cost.cache_write_tokens,
                "output_tokens": cost.output_tokens,
                "reasoning_tokens": cost.reasoning_tokens,
                "input_cost": decimal_text(cost.input_cost),
                "output_cost": decimal_text(cost.output_cost),
                "total_cost": decimal_text(cost.total_cost),
                "currency": report.currency,
                "calls": cost.calls,
                "per": cost.per if cost.calls is not None else None,
                "period_cost": decimal_text(cost.period_cost) if cost.period_cost is not None else None,
                "batch": cost.batch,
                "long_context_above": cost.tier.above if cost.tier is not None else None,
                "price_as_of": model.as_of.isoformat(),
                "price_stale": row.stale,
                "price_source": model.source,
                "notes": list(cost.notes),
            }
        )
    return items


def render_json(report: CostReport, rendered: list[Any] | None = None) -> str:
    """`rendered` (tokcli.render.RenderedCost of templates with fixtures) adds a `rendered` list."""
    options = report.options
    document = {
        "currency": report.currency,
        "options": {
            "output_tokens": options.output_tokens,
            "output_ratio": decimal_text(options.output_ratio) if options.output_ratio is not None else None,
            "reasoning_tokens": options.reasoning_tokens,
            "cached_fraction": decimal_text(options.cached_fraction),
            "cache_write_fraction": decimal_text(options.cache_write_fraction),
            "cache_ttl": options.cache_ttl,
            "batch": options.batch,
            "calls": options.calls,
            "per": options.per if options.calls is not None else None,
        },
        "results": result_items(report),
        "skipped": [{"model": model, "reason": reason} for model, reason in report.skipped],
    }
    if rendered:
        document["rendered"] = [item.to_json() for item in rendered]
    return json_document(document)


CSV_FIELDS = (
    "path",
    "model",
    "provider",
    "tokenizer",
    "exact",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "input_cost",
    "output_cost",
    "total_cost",
    "currency",
    "calls",
    "per",
    "period_cost",
    "batch",
    "long_context_above",
    "price_as_of",
    "price_stale",
)


def render_csv(report: CostReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for item in result_items(report):
        writer.writerow({key: _csv_cell(value) for key, value in item.items()})
    return buffer.getvalue()


def _csv_cell(value: object) -> object:
    """None as an empty cell; booleans spelled as in the JSON and in `count --format csv` (`true`, not `True`)."""
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else value

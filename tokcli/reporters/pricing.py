"""Output formats for `tokcli pricing list|show|check`."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

from tokcli.pricing.check import CheckReport
from tokcli.pricing.dump import decimal_text
from tokcli.pricing.schema import PRICE_FIELDS, ModelPrice, Rates
from tokcli.reporters.json_document import json_document

LIST_COLUMNS = ("model", "provider", "tokenizer", "input", "cached", "output", "context", "as_of")


def _price(value: Decimal | None) -> str:
    """A per-1M price with at least two decimals: $2.50, $0.075."""
    if value is None:
        return "-"
    text = decimal_text(value)
    places = len(text.partition(".")[2])
    return f"${value.quantize(Decimal('0.01'))}" if places < 2 else f"${text}"


def _list_cells(model: ModelPrice, stale_after: _dt.date) -> list[str]:
    tokenizer = model.tokenizer if model.tokenizer_exact else f"{model.tokenizer} (approx.)"
    as_of = model.as_of.isoformat() + (" !" if model.as_of < stale_after else "")
    return [
        model.id,
        model.provider,
        tokenizer,
        _price(model.rates.input),
        _price(model.rates.cached_input),
        _price(model.rates.output),
        f"{model.context_window:,}" if model.context_window else "-",
        as_of,
    ]


def list_table(models: list[ModelPrice], stale_after: _dt.date) -> Any:
    from rich.table import Table

    table = Table(header_style="bold", caption="USD per 1M tokens; ! = price older than 180 days")
    for name in LIST_COLUMNS:
        table.add_column(name, justify="right" if name in ("input", "cached", "output", "context") else "left")
    for model in models:
        table.add_row(*_list_cells(model, stale_after))
    return table


def list_plain(models: list[ModelPrice], stale_after: _dt.date) -> str:
    rows = [list(LIST_COLUMNS), *(_list_cells(m, stale_after) for m in models)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(LIST_COLUMNS))]
    right = {"input", "cached", "output", "context"}
    lines = [
        "  ".join(
            cell.rjust(widths[i]) if LIST_COLUMNS[i] in right else cell.ljust(widths[i]) for i, cell in enumerate(r)
        ).rstrip()
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def _rates_dict(rates: Rates) -> dict[str, str | None]:
    return {name: None if getattr(rates, name) is None else decimal_text(getattr(rates, name)) for name in PRICE_FIELDS}


def model_dict(model: ModelPrice) -> dict[str, Any]:
    return {
        "id": model.id,
        "provider": model.provider,
        "aliases": list(model.aliases),
        "tokenizer": model.tokenizer,
        "tokenizer_exact": model.tokenizer_exact,
        "currency": "USD",
        "unit": "per 1M tokens",
        **_rates_dict(model.rates),
        "long_context": [{"above": tier.above, **_rates_dict(tier.rates)} for tier in model.tiers],
        "batch_discount": decimal_text(model.batch_discount) if model.batch_discount is not None else None,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "deprecated": model.deprecated.isoformat() if model.deprecated else None,
        "as_of": model.as_of.isoformat(),
        "source": model.source,
        "notes": model.notes,
        "file": model.origin,
    }


def list_json(models: list[ModelPrice]) -> str:
    return json_document({"models": [model_dict(m) for m in models]})


def show_json(model: ModelPrice) -> str:
    return json_document(model_dict(model))


def show_plain(model: ModelPrice, today: _dt.date, stale_days: int) -> str:
    lines = [f"{model.id}  ({model.provider})"]
    if model.aliases:
        lines.append(f"  aliases:           {', '.join(model.aliases)}")
    exact = "" if model.tokenizer_exact else " (approximation of the model's own tokenizer)"
    lines.append(f"  tokenizer:         {model.tokenizer}{exact}")
    lines.append("  USD per 1M tokens:")
    labels = {
        "input": "input",
        "cached_input": "cached input",
        "cache_write": "cache write",
        "cache_write_1h": "cache write (1h)",
        "output": "output",
        "reasoning_output": "reasoning output",
    }
    for name in PRICE_FIELDS:
        value = getattr(model.rates, name)
        if value is not None:
            lines.append(f"    {labels[name] + ':':<19}${decimal_text(value)}")
    for tier in model.tiers:
        prices = ", ".join(
            f"{labels[name]} ${decimal_text(getattr(tier.rates, name))}"
            for name in PRICE_FIELDS
            if getattr(tier.rates, name) is not None
        )
        lines.append(f"  above {tier.above:,} input tokens: {prices}")
    if model.batch_discount is not None:
        lines.append(f"  batch discount:    {decimal_text(model.batch_discount * 100)}%")
    if model.context_window:
        lines.append(f"  context window:    {model.context_window:,} tokens")
    if model.max_output_tokens:
        lines.append(f"  max output:        {model.max_output_tokens:,} tokens")
    if model.deprecated:
        lines.append(f"  retired:           {model.deprecated}")
    age = model.age_days(today)
    stale = f" — {age} days old, check the source" if age > stale_days else ""
    lines.append(f"  as of:             {model.as_of}{stale}")
    lines.append(f"  source:            {model.source}")
    if model.notes:
        lines.append(f"  notes:             {model.notes}")
    lines.append(f"  file:              {model.origin}")
    return "\n".join(lines) + "\n"


def check_lines(report: CheckReport) -> list[str]:
    lines = [f"{problem}".replace(": ", f": {problem.severity}: ", 1) for problem in report.problems]
    errors, warnings = len(report.errors), len(report.warnings)
    files = ", ".join(report.files)
    if errors:
        lines.append(f"{files}: {errors} error(s), {warnings} warning(s)")
    else:
        lines.append(f"{files}: ok, {report.models} model(s) checked, {warnings} warning(s)")
    return lines

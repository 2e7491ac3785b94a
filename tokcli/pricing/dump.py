"""Writing model prices as a tokcli YAML price file (used by `tokcli pricing import`).

The writer is hand-rolled so that every price keeps its exact decimal text (no float round trip) and the
output reads like the shipped table: one block per model, tiers in flow style.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal

from tokcli.pricing.schema import CURRENCY, PRICE_FIELDS, SCHEMA_VERSION, ModelPrice, Rates


def decimal_text(value: Decimal) -> str:
    """A plain decimal string without exponent or trailing zeros: 2.50 -> '2.5', 1E+1 -> '10'."""
    text = format(value.normalize(), "f")
    return text


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/@+-]*")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _quote(text: str) -> str:
    """A name stays plain when YAML would read it back as the same string; anything else is quoted."""
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def _rate_items(rates: Rates, base: Rates | None = None) -> list[tuple[str, Decimal]]:
    items = []
    for name in PRICE_FIELDS:
        value = getattr(rates, name)
        if value is None or (base is not None and getattr(base, name) == value):
            continue
        items.append((name, value))
    return items


def model_to_yaml(model: ModelPrice) -> str:
    lines = [f"  - id: {_quote(model.id)}", f"    provider: {_quote(model.provider)}"]
    if model.aliases:
        lines.append(f"    aliases: [{', '.join(_quote(a) for a in model.aliases)}]")
    lines.append(f"    tokenizer: {_quote(model.tokenizer)}")
    if not model.tokenizer_exact:
        lines.append("    tokenizer_exact: false")
    for name, value in _rate_items(model.rates):
        lines.append(f"    {name}: {decimal_text(value)}")
    if model.tiers:
        lines.append("    long_context:")
        for tier in model.tiers:
            parts = [f"above: {tier.above}"]
            parts += [f"{name}: {decimal_text(value)}" for name, value in _rate_items(tier.rates, model.rates)]
            lines.append(f"      - {{{', '.join(parts)}}}")
    if model.batch_discount is not None:
        lines.append(f"    batch_discount: {decimal_text(model.batch_discount)}")
    if model.context_window is not None:
        lines.append(f"    context_window: {model.context_window}")
    if model.max_output_tokens is not None:
        lines.append(f"    max_output_tokens: {model.max_output_tokens}")
    if model.deprecated is not None:
        lines.append(f"    deprecated: {model.deprecated.isoformat()}")
    lines.append(f"    as_of: {model.as_of.isoformat()}")
    lines.append(f"    source: {_quote(model.source)}")
    if model.notes:
        lines.append(f"    notes: {_quote(model.notes)}")
    return "\n".join(lines) + "\n"


def table_to_yaml(models: Iterable[ModelPrice], *, header: str = "") -> str:
    """A complete price file: optional comment header, then the schema keys and every model."""
    out = []
    for line in header.splitlines():
        out.append(f"# {line}".rstrip() + "\n")
    out.append(f"schema_version: {SCHEMA_VERSION}\ncurrency: {CURRENCY}\nunit: per 1M tokens\nmodels:\n")
    out.extend(model_to_yaml(model) for model in models)
    return "".join(out)

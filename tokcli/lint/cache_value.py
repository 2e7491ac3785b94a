"""What a TK401 finding's cache-eligible tokens are worth: the price difference between input and cached input.

Kept out of the rules (they know tokens, not prices): the command prices the findings after linting, with the
price table and call volume from config.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from tokcli.lint.finding import Finding

MILLION = Decimal(1_000_000)


def cache_saving_per_call(tokens: int, rates: Any) -> Decimal | None:
    """USD saved per call when `tokens` are read from the cache instead of paid as input (None: no cached
    price in the table)."""
    if rates.cached_input is None:
        return None
    return Decimal(tokens) * (rates.input - rates.cached_input) / MILLION


def price_cache_findings(findings: Iterable[Finding], model_price: Any, calls: int | None) -> dict[str, Any]:
    """Set `cache_saving_usd` (per call, or per period with `calls`) on findings with cacheable tokens;
    return the summary fields for the report."""
    total = Decimal(0)
    priced = False
    for finding in findings:
        if not finding.cacheable_tokens or model_price is None:
            continue
        saving = cache_saving_per_call(finding.cacheable_tokens, model_price.rates)
        if saving is None:
            continue
        priced = True
        scaled = saving * (calls or 1)
        finding.cache_saving_usd = float(round(scaled, 6))
        total += scaled
    return {"cache_saving_usd": float(round(total, 6))} if priced else {}

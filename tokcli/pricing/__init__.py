"""Model prices (a dated, sourced table shipped with tokcli plus user overrides) and cost arithmetic."""

from __future__ import annotations

from tokcli.pricing.load import PriceDocument, PriceTable, load_pricing, read_price_file, shipped_pricing_path
from tokcli.pricing.schema import ModelPrice, Problem, Rates, Tier

__all__ = [
    "ModelPrice",
    "PriceDocument",
    "PriceTable",
    "Problem",
    "Rates",
    "Tier",
    "load_pricing",
    "read_price_file",
    "shipped_pricing_path",
]

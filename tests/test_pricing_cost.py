"""Cost arithmetic: list prices, cached fraction, cache writes, long-context tiers, batch, reasoning, volume."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokcli.errors import UsageError
from tokcli.pricing import load_pricing
from tokcli.pricing.cost import CostOptions, compute_cost, share
from tokcli.pricing.schema import ModelPrice, Rates, Tier

D = Decimal


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    return load_pricing()


def _model(**overrides: object) -> ModelPrice:
    values: dict[str, object] = {
        "id": "test-model",
        "provider": "test",
        "tokenizer": "o200k_base",
        "rates": Rates(
            input=D("3"), output=D("15"), cached_input=D("0.30"), cache_write=D("3.75"), cache_write_1h=D("6")
        ),
        "as_of": dt.date(2026, 11, 1),
        "source": "test",
        "tiers": (
            Tier(200_000, Rates(input=D("6"), output=D("22.50"), cached_input=D("0.60"), cache_write=D("7.50"))),
        ),
        "batch_discount": D("0.5"),
    }
    values.update(overrides)
    return ModelPrice(**values)  # type: ignore[arg-type]


def test_gpt_4o_list_prices(table) -> None:  # type: ignore[no-untyped-def]
    model = table.get("gpt-4o")
    assert (model.rates.input, model.rates.cached_input, model.rates.output) == (D("2.5"), D("1.25"), D("10"))
    cost = compute_cost(model, 1_000_000, CostOptions(output_tokens=1_000_000))
    assert cost.input_cost == D("2.5")
    assert cost.output_cost == D("10")
    assert cost.total_cost == D("12.5")


def test_known_prices_of_other_providers(table) -> None:  # type: ignore[no-untyped-def]
    sonnet = table.get("claude-sonnet-4-5-20250929")
    assert sonnet.id == "claude-sonnet-4-5"
    assert (sonnet.rates.input, sonnet.rates.output) == (D("3"), D("15"))
    assert (sonnet.rates.cache_write, sonnet.rates.cache_write_1h, sonnet.rates.cached_input) == (
        D("3.75"),
        D("6"),
        D("0.3"),
    )
    pro = table.get("gemini-2.5-pro")
    assert (pro.rates.input, pro.rates.output) == (D("1.25"), D("10"))
    assert [(t.above, t.rates.input, t.rates.output) for t in pro.tiers] == [(200_000, D("2.5"), D("15"))]
    assert table.get("gpt-5").rates.cached_input == D("0.125")
    assert table.get("command-a").rates.output == D("10")


def test_cached_fraction_splits_input() -> None:
    model = _model()
    cost = compute_cost(model, 10_000, CostOptions(cached_fraction=D("0.8")))
    assert (cost.cached_tokens, cost.uncached_tokens) == (8_000, 2_000)
    # 2,000 × $3/M + 8,000 × $0.30/M = 0.006 + 0.0024
    assert cost.input_cost == D("0.0084")
    assert cost.total_cost == D("0.0084")


def test_cached_fraction_without_cache_price_uses_input_price() -> None:
    model = _model(rates=Rates(input=D("2"), output=D("4")), tiers=())
    cost = compute_cost(model, 1_000, CostOptions(cached_fraction=D("0.5")))
    assert cost.input_cost == D("0.002")
    assert any("no cached-input price" in note for note in cost.notes)


def test_cache_writes_by_ttl() -> None:
    model = _model()
    five = compute_cost(model, 10_000, CostOptions(cache_write_fraction=D("1")))
    hour = compute_cost(model, 10_000, CostOptions(cache_write_fraction=D("1"), cache_ttl="1h"))
    assert five.cache_write_tokens == 10_000 and five.uncached_tokens == 0
    assert five.input_cost == D("0.0375")
    assert hour.input_cost == D("0.06")
    mixed = compute_cost(model, 10_000, CostOptions(cached_fraction=D("0.5"), cache_write_fraction=D("0.25")))
    # 5,000 read × 0.30 + 2,500 written × 3.75 + 2,500 fresh × 3, per million
    assert mixed.input_cost == D("0.0015") + D("0.009375") + D("0.0075")


def test_long_context_tier_prices_the_whole_request() -> None:
    model = _model()
    at = compute_cost(model, 200_000, CostOptions(output_tokens=1_000))
    above = compute_cost(model, 200_001, CostOptions(output_tokens=1_000))
    assert at.tier is None and at.input_cost == D("0.6")
    assert above.tier is not None and above.tier.above == 200_000
    assert above.input_cost == D("200001") * D("6") / D("1000000")
    assert above.output_cost == D("0.0225")
    cached = compute_cost(model, 400_000, CostOptions(cached_fraction=D("0.5")))
    assert cached.input_cost == D("200000") * D("6") / D("1000000") + D("200000") * D("0.6") / D("1000000")


def test_tier_selection_with_several_bands(table) -> None:  # type: ignore[no-untyped-def]
    qwen = table.get("qwen3-max")  # three bands: 0-32k, 32k-128k, above 128k
    assert [t.above for t in qwen.tiers] == [32_000, 128_000]
    assert qwen.tier_for(32_000) is None
    assert qwen.tier_for(100_000).above == 32_000
    assert qwen.tier_for(200_000).above == 128_000


def test_batch_discount_and_missing_batch() -> None:
    model = _model()
    cost = compute_cost(model, 100_000, CostOptions(batch=True, output_tokens=1_000_000))
    assert cost.batch is True
    assert cost.total_cost == D("0.15") + D("7.5")
    long = compute_cost(model, 1_000_000, CostOptions(batch=True))  # tier first, then the discount
    assert long.input_cost == D("3")
    plain = _model(batch_discount=None)
    no_batch = compute_cost(plain, 100_000, CostOptions(batch=True))
    assert no_batch.batch is False and no_batch.input_cost == D("0.3")
    assert any("no batch prices" in note for note in no_batch.notes)


def test_reasoning_tokens_use_reasoning_price(table) -> None:  # type: ignore[no-untyped-def]
    qwen = table.get("qwen-plus")
    assert qwen.rates.reasoning_output == D("4") and qwen.rates.output == D("1.2")
    cost = compute_cost(qwen, 0, CostOptions(output_tokens=1_000, reasoning_tokens=1_000))
    assert cost.output_cost == D("0.0012") + D("0.004")
    gpt = table.get("gpt-5")  # reasoning billed as output
    assert compute_cost(gpt, 0, CostOptions(reasoning_tokens=1_000)).output_cost == D("0.01")


def test_output_ratio_rounds_half_even() -> None:
    model = _model()
    assert compute_cost(model, 5, CostOptions(output_ratio=D("0.5"))).output_tokens == 2
    assert compute_cost(model, 7, CostOptions(output_ratio=D("0.5"))).output_tokens == 4
    assert share(10, D("0.25")) == 2


def test_volume_projection() -> None:
    model = _model()
    cost = compute_cost(model, 1_000, CostOptions(output_tokens=200, calls=30_000, per="month"))
    assert cost.total_cost == D("0.006")
    assert cost.period_cost == D("180")


def test_totals_add_up_exactly_where_floats_do_not() -> None:
    model = _model(rates=Rates(input=D("0.1"), output=D("0.2")), tiers=())
    costs = [compute_cost(model, 1_000_000).total_cost for _ in range(10)]
    assert sum(costs, D(0)) == D("1")
    float_total = 0.0
    for _ in range(10):
        float_total += 0.1
    assert float_total != 1.0  # what naive float arithmetic gives (3.12's sum() compensates; a running total does not)
    per_call = compute_cost(model, 1_000_000, CostOptions(output_tokens=1_000_000, calls=10))
    assert per_call.total_cost == D("0.3") and per_call.period_cost == D("3")


@given(
    tokens=st.integers(min_value=0, max_value=2_000_000),
    output=st.integers(min_value=0, max_value=200_000),
    cached=st.decimals(min_value=0, max_value=1, places=3),
)
def test_parts_sum_to_total_and_cache_never_costs_more(tokens: int, output: int, cached: Decimal) -> None:
    model = _model()
    cost = compute_cost(model, tokens, CostOptions(output_tokens=output, cached_fraction=cached))
    assert cost.total_cost == cost.input_cost + cost.output_cost
    assert cost.cached_tokens + cost.uncached_tokens + cost.cache_write_tokens == tokens
    uncached = compute_cost(model, tokens, CostOptions(output_tokens=output))
    assert cost.total_cost <= uncached.total_cost


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"calls": -1}, "--calls must not be negative"),
        ({"per": "fortnight"}, "--per must be one of call, day, week, month, year"),
        ({"cached_fraction": D("1.5")}, "--cached-fraction must be between 0 and 1"),
        ({"cached_fraction": D("0.6"), "cache_write_fraction": D("0.6")}, "must not exceed 1"),
        ({"output_tokens": 5, "output_ratio": D("1")}, "not both"),
        ({"output_tokens": -5}, "--output-tokens must not be negative"),
        ({"cache_ttl": "2h"}, "--cache-ttl must be 5m or 1h"),
    ],
)
def test_bad_options_are_usage_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        CostOptions(**options)  # type: ignore[arg-type]


def test_context_window_note(table) -> None:  # type: ignore[no-untyped-def]
    model = table.get("gpt-4o")
    cost = compute_cost(model, 200_000)
    assert any("128,000-token context window" in note for note in cost.notes)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0", "$0"),
        ("0.0000004", "<$0.000001"),
        ("0.0000005", "$0.000001"),
        ("0.010005", "$0.010005"),
        ("0.0113", "$0.011300"),
        ("1", "$1.00"),
        ("1234.565", "$1,234.57"),
    ],
)
def test_money_is_rounded_only_for_display(value: str, shown: str) -> None:
    from tokcli.reporters.cost import format_usd

    assert format_usd(D(value)) == shown

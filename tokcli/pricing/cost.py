"""Cost arithmetic in `Decimal`: no rounding happens here, only in reporters.

For one request of `input_tokens` (counted with the model's tokenizer):
- the long-context tier is the highest one whose threshold the input exceeds; its prices apply to the
  whole request (that is how Anthropic, Google, OpenAI and xAI bill long prompts);
- `cached_fraction` of the input is read from the provider's cache at the cached-input price (the input
  price where the table has none); `cache_write_fraction` is written to the cache at the cache-write price
  for the chosen TTL (the input price where the provider charges nothing extra); the rest pays the input
  price;
- output tokens pay the output price, reasoning tokens the reasoning price (the output price by default);
- with `batch`, every price is multiplied by (1 − the model's batch discount), when it has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from tokcli.errors import UsageError
from tokcli.pricing.schema import ModelPrice, Rates, Tier

PERIODS = ("call", "day", "week", "month", "year")
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class CostOptions:
    output_tokens: int | None = None
    output_ratio: Decimal | None = None
    reasoning_tokens: int = 0
    cached_fraction: Decimal = Decimal(0)
    cache_write_fraction: Decimal = Decimal(0)
    cache_ttl: str = "5m"  # "5m" | "1h"
    batch: bool = False
    calls: int | None = None
    per: str = "day"

    def __post_init__(self) -> None:
        validate_options(self)


def validate_options(options: CostOptions) -> None:
    if options.output_tokens is not None and options.output_ratio is not None:
        raise UsageError("give --output-tokens or --output-ratio, not both")
    if options.output_tokens is not None and options.output_tokens < 0:
        raise UsageError(f"--output-tokens must not be negative, got {options.output_tokens}")
    if options.output_ratio is not None and (not options.output_ratio.is_finite() or options.output_ratio < 0):
        raise UsageError(f"--output-ratio must be a number >= 0, got {options.output_ratio}")
    if options.reasoning_tokens < 0:
        raise UsageError(f"--reasoning-tokens must not be negative, got {options.reasoning_tokens}")
    for flag, value in (
        ("--cached-fraction", options.cached_fraction),
        ("--cache-write-fraction", options.cache_write_fraction),
    ):
        if not value.is_finite() or not 0 <= value <= 1:
            raise UsageError(f"{flag} must be between 0 and 1, got {value}")
    if options.cached_fraction + options.cache_write_fraction > 1:
        raise UsageError("--cached-fraction plus --cache-write-fraction must not exceed 1")
    if options.cache_ttl not in ("5m", "1h"):
        raise UsageError(f"--cache-ttl must be 5m or 1h, got {options.cache_ttl!r}")
    if options.calls is not None and options.calls < 0:
        raise UsageError(f"--calls must not be negative, got {options.calls}")
    if options.per not in PERIODS:
        raise UsageError(f"--per must be one of {', '.join(PERIODS)}, got {options.per!r}")


@dataclass(frozen=True)
class CostBreakdown:
    """What one call costs on one model, and the volume projection when `calls` was given."""

    model: ModelPrice
    input_tokens: int
    uncached_tokens: int
    cached_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int
    rates: Rates  # the prices actually applied (tier and batch included)
    tier: Tier | None
    batch: bool  # batch prices applied
    input_cost: Decimal
    output_cost: Decimal
    total_cost: Decimal
    calls: int | None = None
    per: str = "day"
    period_cost: Decimal | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def share(tokens: int, fraction: Decimal) -> int:
    """`fraction` of `tokens`, rounded half-even to whole tokens."""
    return int((Decimal(tokens) * fraction).to_integral_value(rounding=ROUND_HALF_EVEN))


def token_cost(tokens: int, price_per_million: Decimal) -> Decimal:
    return Decimal(tokens) * price_per_million / MILLION


def compute_cost(model: ModelPrice, input_tokens: int, options: CostOptions | None = None) -> CostBreakdown:
    options = options or CostOptions()
    if input_tokens < 0:
        raise UsageError(f"input tokens must not be negative, got {input_tokens}")
    notes: list[str] = []
    tier = model.tier_for(input_tokens)
    rates = tier.rates if tier is not None else model.rates
    if tier is not None:
        notes.append(f"long-context prices (input above {tier.above:,} tokens)")
    batch = False
    if options.batch:
        if model.batch_discount is not None:
            rates = rates.scaled(1 - model.batch_discount)
            batch = True
        else:
            notes.append("no batch prices: standard prices used")

    if options.output_tokens is not None:
        output_tokens = options.output_tokens
    elif options.output_ratio is not None:
        output_tokens = share(input_tokens, options.output_ratio)
    else:
        output_tokens = 0
    cached = share(input_tokens, options.cached_fraction)
    written = min(share(input_tokens, options.cache_write_fraction), input_tokens - cached)
    uncached = input_tokens - cached - written

    cached_price = rates.cached_input
    if cached and cached_price is None:
        cached_price = rates.input
        notes.append("no cached-input price: cache reads priced as input")
    write_price = rates.cache_write_1h if options.cache_ttl == "1h" else rates.cache_write
    if written and write_price is None:
        write_price = rates.input
        if options.cache_ttl == "1h" and rates.cache_write is not None:
            notes.append("no 1-hour cache-write price: priced as input")
    reasoning_price = rates.reasoning_output if rates.reasoning_output is not None else rates.output

    input_cost = token_cost(uncached, rates.input)
    if cached:
        input_cost += token_cost(cached, cached_price or Decimal(0))
    if written:
        input_cost += token_cost(written, write_price or Decimal(0))
    output_cost = token_cost(output_tokens, rates.output) + token_cost(options.reasoning_tokens, reasoning_price)
    total = input_cost + output_cost
    if model.context_window is not None and input_tokens > model.context_window:
        notes.append(f"input exceeds the {model.context_window:,}-token context window")
    if model.max_output_tokens is not None and output_tokens + options.reasoning_tokens > model.max_output_tokens:
        notes.append(f"output exceeds the {model.max_output_tokens:,}-token output limit")
    period_cost = total * options.calls if options.calls is not None else None
    return CostBreakdown(
        model=model,
        input_tokens=input_tokens,
        uncached_tokens=uncached,
        cached_tokens=cached,
        cache_write_tokens=written,
        output_tokens=output_tokens,
        reasoning_tokens=options.reasoning_tokens,
        rates=rates,
        tier=tier,
        batch=batch,
        input_cost=input_cost,
        output_cost=output_cost,
        total_cost=total,
        calls=options.calls,
        per=options.per,
        period_cost=period_cost,
        notes=tuple(notes),
    )

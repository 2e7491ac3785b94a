"""The price-table schema: dataclasses for model prices and the validation of raw entries.

A price file (tokcli's YAML, or a litellm JSON map converted by `tokcli.pricing.litellm`) becomes a list
of `RawEntry` objects: plain field dicts that remember the file and line of every field. `parse_entry`
turns one into a `ModelPrice`, appending a `Problem` for every field that is wrong instead of raising, so
that `tokcli pricing check` can list them all and the loader can raise the first one.

All prices are `Decimal` USD per 1M tokens. Schema (one item of the top-level `models` list):

    id: claude-sonnet-4-5          # required; what `-m` accepts (with the aliases)
    provider: anthropic            # required
    aliases: [claude-sonnet-4-5-20250929]
    tokenizer: claude-estimate     # required; a tokenizer registry name (exact or estimate)
    tokenizer_exact: false         # optional: the tokenizer only approximates this model's own
    input: 3.00                    # required
    cached_input: 0.30             # cache read
    cache_write: 3.75              # cache write (Anthropic: the 5-minute TTL)
    cache_write_1h: 6.00           # Anthropic's 1-hour cache write
    output: 15.00                  # required
    reasoning_output: 15.00        # only where reasoning tokens cost more than output tokens
    long_context:                  # whole-request prices once the input exceeds `above` tokens
      - {above: 200000, input: 6.00, cached_input: 0.60, output: 22.50}
    batch_discount: 0.5            # share taken off every token price by the provider's batch API
    context_window: 1000000        # the largest prompt the model accepts, in input tokens
    max_output_tokens: 64000
    deprecated: 2026-11-30         # optional: the provider's retirement date
    as_of: 2026-11-29              # required: the date the figures were taken from `source`
    source: "..."                  # required: where the figures come from
    notes: "..."                   # optional
"""

from __future__ import annotations

import datetime as _dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: Price fields of an entry and of a long-context tier (USD per 1M tokens).
PRICE_FIELDS = ("input", "cached_input", "cache_write", "cache_write_1h", "output", "reasoning_output")
REQUIRED_FIELDS = ("id", "provider", "tokenizer", "input", "output", "as_of", "source")
ENTRY_FIELDS = (
    "id",
    "provider",
    "aliases",
    "tokenizer",
    "tokenizer_exact",
    *PRICE_FIELDS,
    "long_context",
    "batch_discount",
    "context_window",
    "max_output_tokens",
    "deprecated",
    "as_of",
    "source",
    "notes",
)
TIER_FIELDS = ("above", *PRICE_FIELDS)
TOP_LEVEL_FIELDS = ("schema_version", "currency", "unit", "models")
SCHEMA_VERSION = 1
#: Above these a figure is a unit mistake or hostile, and arithmetic on it could overflow: no model costs a
#: dollar per token, and none reads a trillion tokens.
MAX_PRICE = Decimal(1_000_000)  # USD per 1M tokens
MAX_TOKENS = 10**12
CURRENCY = "USD"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a price file."""

    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error" | "warning"
    model: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass
class RawEntry:
    """An entry as read from a file: field values plus the (path, line) each one came from."""

    fields: dict[str, Any]
    path: str
    line: int | None
    locs: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    #: Fields filled in by a converter rather than written in the file (a litellm map has no tokenizer):
    #: when such an entry overrides a shipped one, the shipped value of these fields wins.
    inferred: frozenset[str] = frozenset()

    def where(self, key: str) -> tuple[str, int | None]:
        return self.locs.get(key, (self.path, self.line))


@dataclass(frozen=True)
class Rates:
    """Token prices in USD per 1M tokens; `None` where the provider has no such price."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    cache_write_1h: Decimal | None = None
    reasoning_output: Decimal | None = None

    def scaled(self, factor: Decimal) -> Rates:
        def mul(value: Decimal | None) -> Decimal | None:
            return None if value is None else value * factor

        return Rates(
            input=self.input * factor,
            output=self.output * factor,
            cached_input=mul(self.cached_input),
            cache_write=mul(self.cache_write),
            cache_write_1h=mul(self.cache_write_1h),
            reasoning_output=mul(self.reasoning_output),
        )


@dataclass(frozen=True)
class Tier:
    """Prices that apply to the whole request once its input exceeds `above` tokens.

    Fields a tier does not name keep the model's base price.
    """

    above: int
    rates: Rates


@dataclass(frozen=True)
class ModelPrice:
    id: str
    provider: str
    tokenizer: str
    rates: Rates
    as_of: _dt.date
    source: str
    aliases: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = ()
    batch_discount: Decimal | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    tokenizer_exact: bool = True
    deprecated: _dt.date | None = None
    notes: str | None = None
    origin: str = ""  # the file the entry (or its last override) came from
    line: int | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    def tier_for(self, input_tokens: int) -> Tier | None:
        """The long-context tier that prices a request of `input_tokens` (the highest one exceeded)."""
        chosen = None
        for tier in self.tiers:
            if input_tokens > tier.above:
                chosen = tier
        return chosen

    def age_days(self, today: _dt.date) -> int:
        return (today - self.as_of).days


def suggest(name: str, candidates: tuple[str, ...] | list[str]) -> str:
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""


class _Checker:
    """Collects problems for one raw entry."""

    def __init__(self, raw: RawEntry, problems: list[Problem]) -> None:
        self.raw = raw
        self.problems = problems
        self.ok = True
        ident = raw.fields.get("id")
        self.model = ident if isinstance(ident, str) else None

    def fail(self, key: str, message: str) -> None:
        path, line = self.raw.where(key)
        label = f"model {self.model!r}: " if self.model else ""
        self.problems.append(Problem(path, line, f"{label}{message}", "error", self.model))
        self.ok = False

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.raw.fields.get(key)
        if value is None:
            if required:
                self.fail(key, f"missing required field '{key}'")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"field '{key}' must be a non-empty string, got {_show(value)}")
            return None
        return value.strip()

    def price(self, key: str, value: Any, *, label: str | None = None) -> Decimal | None:
        name = label or key
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            self.fail(key, f"field '{name}' must be a number (USD per 1M tokens), got {_show(value)}")
            return None
        number = Decimal(value)
        if not number.is_finite():
            self.fail(key, f"field '{name}' must be a finite number, got {value}")
            return None
        if number < 0:
            self.fail(key, f"field '{name}' must not be negative, got {value}")
            return None
        if number > MAX_PRICE:
            self.fail(key, f"field '{name}' is out of range: {value} USD per 1M tokens (at most {MAX_PRICE:,})")
            return None
        return number

    def count(self, key: str) -> int | None:
        value = self.raw.fields.get(key)
        if value is None:
            return None
        value = whole_tokens(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_TOKENS:
            self.fail(key, f"field '{key}' must be a positive whole number of tokens, got {_show(value)}")
            return None
        return value

    def day(self, key: str, *, required: bool = False) -> _dt.date | None:
        value = self.raw.fields.get(key)
        if value is None:
            if required:
                self.fail(key, f"missing required field '{key}'")
            return None
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(key, f"field '{key}' must be a date YYYY-MM-DD, got {_show(value)}")
        return None


def whole_tokens(value: Any) -> Any:
    """An integral Decimal as an int, when it is in range (int() of 1E+999999 would build a million digits)."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value) if abs(value) <= MAX_TOKENS else value
    return value


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def parse_entry(raw: RawEntry, problems: list[Problem]) -> ModelPrice | None:
    """Validate one raw entry; return the `ModelPrice`, or None after appending its problems."""
    check = _Checker(raw, problems)
    fields = raw.fields
    for key in fields:
        if key not in ENTRY_FIELDS:
            check.fail(key, f"unknown field '{key}'{suggest(key, ENTRY_FIELDS)}")
    ident = check.text("id", required=True)
    provider = check.text("provider", required=True)
    tokenizer = check.text("tokenizer", required=True)
    source = check.text("source", required=True)
    notes = check.text("notes")
    as_of = check.day("as_of", required=True)
    deprecated = check.day("deprecated")
    for key in ("input", "output"):
        if fields.get(key) is None:
            check.fail(key, f"missing required field '{key}'")
    prices = {key: check.price(key, fields.get(key)) for key in PRICE_FIELDS}

    aliases: list[str] = []
    raw_aliases = fields.get("aliases")
    if raw_aliases is not None:
        if not isinstance(raw_aliases, list):
            check.fail("aliases", f"field 'aliases' must be a list of names, got {_show(raw_aliases)}")
        else:
            for alias in raw_aliases:
                if not isinstance(alias, str) or not alias.strip():
                    check.fail("aliases", f"every alias must be a non-empty string, got {_show(alias)}")
                elif alias.strip() != ident and alias.strip() not in aliases:
                    aliases.append(alias.strip())

    tokenizer_exact = fields.get("tokenizer_exact", True)
    if not isinstance(tokenizer_exact, bool):
        check.fail("tokenizer_exact", f"field 'tokenizer_exact' must be true or false, got {_show(tokenizer_exact)}")
        tokenizer_exact = True

    batch = check.price("batch_discount", fields.get("batch_discount"))
    if batch is not None and batch >= 1:
        check.fail("batch_discount", f"field 'batch_discount' is a share below 1 (0.5 = half price), got {batch}")
        batch = None

    context_window = check.count("context_window")
    max_output = check.count("max_output_tokens")

    base: Rates | None = None
    if prices["input"] is not None and prices["output"] is not None:
        base = Rates(
            input=prices["input"],
            output=prices["output"],
            cached_input=prices["cached_input"],
            cache_write=prices["cache_write"],
            cache_write_1h=prices["cache_write_1h"],
            reasoning_output=prices["reasoning_output"],
        )
    tiers = _parse_tiers(check, fields.get("long_context"), base)

    if not check.ok or base is None:
        return None
    assert ident and provider and tokenizer and source and as_of
    return ModelPrice(
        id=ident,
        provider=provider,
        tokenizer=tokenizer,
        rates=base,
        as_of=as_of,
        source=source,
        aliases=tuple(aliases),
        tiers=tuple(tiers),
        batch_discount=batch,
        context_window=context_window,
        max_output_tokens=max_output,
        tokenizer_exact=tokenizer_exact,
        deprecated=deprecated,
        notes=notes,
        origin=raw.path,
        line=raw.line,
    )


def _parse_tiers(check: _Checker, value: Any, base: Rates | None) -> list[Tier]:
    if value is None:
        return []
    if not isinstance(value, list):
        check.fail("long_context", f"field 'long_context' must be a list of tiers, got {_show(value)}")
        return []
    tiers: list[Tier] = []
    for index, item in enumerate(value):
        key = f"long_context[{index}]"
        if not isinstance(item, dict):
            check.fail(key, f"{key} must be a mapping with 'above' and prices, got {_show(item)}")
            continue
        for sub in item:
            if sub not in TIER_FIELDS:
                check.fail(f"{key}.{sub}", f"unknown field '{sub}' in {key}{suggest(str(sub), TIER_FIELDS)}")
        above = whole_tokens(item.get("above"))
        if isinstance(above, bool) or not isinstance(above, int) or not 0 < above <= MAX_TOKENS:
            check.fail(f"{key}.above", f"{key}.above must be a positive whole number of tokens, got {_show(above)}")
            continue
        if tiers and above <= tiers[-1].above:
            check.fail(f"{key}.above", f"{key}.above ({above}) must be larger than the tier before it")
            continue
        rates = {name: check.price(f"{key}.{name}", item.get(name), label=f"{key}.{name}") for name in PRICE_FIELDS}
        if all(rate is None for rate in rates.values()):
            check.fail(key, f"{key} names no price")
            continue
        if base is None:
            continue
        tiers.append(
            Tier(
                above=above,
                rates=Rates(
                    input=rates["input"] if rates["input"] is not None else base.input,
                    output=rates["output"] if rates["output"] is not None else base.output,
                    cached_input=_pick(rates["cached_input"], base.cached_input),
                    cache_write=_pick(rates["cache_write"], base.cache_write),
                    cache_write_1h=_pick(rates["cache_write_1h"], base.cache_write_1h),
                    reasoning_output=_pick(rates["reasoning_output"], base.reasoning_output),
                ),
            )
        )
    return tiers


def _pick(value: Decimal | None, fallback: Decimal | None) -> Decimal | None:
    return value if value is not None else fallback

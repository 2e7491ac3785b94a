"""`tokcli cost`: count each input with each model's own tokenizer and price it.

Counting is injected (`Counter`) so the arithmetic can be driven by any tokenizer source; the default uses
the tokenizer registry and counts every input once per tokenizer, however many models share it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tokcli.errors import MissingExtraError, TokcliError
from tokcli.pricing.cost import CostBreakdown, CostOptions, compute_cost
from tokcli.pricing.schema import ModelPrice

STALE_DAYS = 180
#: (tokenizer name, texts) -> (counts, exact)
Counter = Callable[[str, Sequence[str]], tuple[list[int], bool]]


@dataclass(frozen=True)
class CostRow:
    path: str
    exact: bool  # counted with the model's own tokenizer (not an estimate or a stand-in)
    stale: bool  # price older than STALE_DAYS
    cost: CostBreakdown

    @property
    def model(self) -> ModelPrice:
        return self.cost.model


@dataclass
class CostReport:
    rows: list[CostRow]
    options: CostOptions
    compare: bool
    today: _dt.date
    currency: str = "USD"
    stale_days: int = STALE_DAYS
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (model id, reason)
    paths: list[str] = field(default_factory=list)


def registry_counter(name: str, texts: Sequence[str]) -> tuple[list[int], bool]:
    from tokcli.registry import get_tokenizer

    tokenizer = get_tokenizer(name)
    return tokenizer.count_batch(list(texts)), tokenizer.exact


def is_stale(model: ModelPrice, today: _dt.date, days: int = STALE_DAYS) -> bool:
    return model.age_days(today) > days


def estimate_costs(
    texts: Sequence[tuple[str, str]],
    models: Sequence[ModelPrice],
    options: CostOptions,
    *,
    compare: bool = False,
    skip_unavailable: bool | None = None,
    today: _dt.date | None = None,
    counter: Counter = registry_counter,
    counted: Mapping[tuple[int, str], tuple[int, bool]] | None = None,
) -> CostReport:
    """Price every (path, text) on every model; with `compare`, cheapest first within each path.

    With `skip_unavailable` (default: the same as `compare`) a model whose tokenizer cannot be loaded
    (a missing extra) is listed in `report.skipped` with the reason; otherwise that error propagates.
    `counted` gives (tokens, exact) for (input index, model id) pairs counted elsewhere (chat and tool files
    that send tools, counted as `count` does), used instead of the text's count."""
    day = today or _dt.date.today()
    skip = compare if skip_unavailable is None else skip_unavailable
    report = CostReport([], options, compare, day, paths=[path for path, _ in texts])
    bodies = [text for _, text in texts]
    counts: dict[str, tuple[list[int], bool]] = {}
    failures: dict[str, str] = {}
    for model in models:
        name = model.tokenizer
        if name not in counts and name not in failures:
            try:
                counts[name] = counter(name, bodies)
            except MissingExtraError as error:
                if not skip:
                    raise
                failures[name] = str(error)
            except TokcliError as error:
                if not skip:
                    raise TokcliError(f"model {model.id!r}: {error}") from None
                failures[name] = str(error)
        if name in failures:
            report.skipped.append((model.id, failures[name]))
            continue
        numbers, exact = counts[name]
        stale = is_stale(model, day, report.stale_days)
        for index, ((path, _), tokens) in enumerate(zip(texts, numbers)):
            tokens, row_exact = (counted or {}).get((index, model.id), (tokens, exact))
            cost = compute_cost(model, tokens, options)
            report.rows.append(CostRow(path, row_exact and model.tokenizer_exact, stale, cost))
    order = {path: index for index, path in enumerate(report.paths)}
    if compare:
        report.rows.sort(key=lambda row: (order.get(row.path, 0), row.cost.total_cost, row.model.id))
    else:
        report.rows.sort(key=lambda row: order.get(row.path, 0))
    return report


def with_config_tokenizers(models: Sequence[ModelPrice], tokenizers: Sequence[dict[str, Any]]) -> list[ModelPrice]:
    """`models` with the tokenizer config maps them to (`tokenizers: [{name, path, models: [...]}]`) in place of
    the price table's, counted as exact: e.g. Gemini models on Gemma's SentencePiece model, which Google's own
    SDK counts Gemini tokens with."""
    import dataclasses

    from tokcli.registry.models import normalize_model_name

    mapped: dict[str, str] = {}
    for entry in tokenizers:
        for name in entry.get("models", []) or []:
            mapped[normalize_model_name(str(name))] = str(entry["name"])
    result = []
    for model in models:
        names = [model.id, *getattr(model, "aliases", ())]
        chosen = next((mapped[key] for key in map(normalize_model_name, names) if key in mapped), None)
        result.append(dataclasses.replace(model, tokenizer=chosen, tokenizer_exact=True) if chosen else model)
    return result

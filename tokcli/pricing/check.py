"""`tokcli pricing check`: schema, duplicate names, negative prices, unknown tokenizers, stale dates."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tokcli.errors import ConfigError
from tokcli.pricing.estimate import STALE_DAYS
from tokcli.pricing.load import duplicate_problems, merge_entries, read_price_file, shipped_pricing_path
from tokcli.pricing.schema import ModelPrice, Problem, RawEntry, parse_entry, suggest


@dataclass
class CheckReport:
    files: list[str]
    models: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def check_price_files(
    paths: Sequence[str | Path],
    *,
    tokenizer_names: Iterable[str],
    today: _dt.date | None = None,
    over_shipped: bool = True,
    stale_days: int = STALE_DAYS,
) -> CheckReport:
    """Check `paths` (each applied over the shipped table when `over_shipped`, so partial overrides pass).

    Problems are reported for the named files only; an empty `paths` checks the shipped table itself.
    """
    day = today or _dt.date.today()
    shipped = str(shipped_pricing_path())
    targets = [str(p) for p in paths] or [shipped]
    report = CheckReport(targets)
    base: list[RawEntry] = []
    if over_shipped and targets != [shipped]:
        base = read_price_file(shipped).entries
    problems: list[Problem] = []
    models: list[ModelPrice] = []
    for target in targets:
        try:
            document = read_price_file(target)
        except ConfigError as error:
            if error.path is None or "not found" in error.message:
                raise
            report.problems.append(Problem(error.path, error.line, error.message))
            continue
        problems.extend(document.problems)
        problems.extend(duplicate_problems(document.entries))
        # Each entry on its own over the shipped table: a later duplicate cannot hide an earlier mistake,
        # and a partial override is checked with the shipped fields it leaves alone.
        for entry in document.entries:
            merged = merge_entries(base, [entry])
            combined = next(e for e in merged if (e.path, e.line) == (entry.path, entry.line))
            model = parse_entry(combined, problems)
            if model is not None:
                models.append(model)
        base = merge_entries(base, document.entries)
    known = sorted(set(tokenizer_names))
    checked = set(targets)
    for model in models:
        report.models += 1
        label = f"model {model.id!r}: "
        if model.tokenizer not in known:
            problems.append(
                Problem(
                    model.origin,
                    model.line,
                    f"{label}unknown tokenizer {model.tokenizer!r}{suggest(model.tokenizer, known)}",
                )
            )
        age = model.age_days(day)
        if age < 0:
            problems.append(Problem(model.origin, model.line, f"{label}as_of {model.as_of} is in the future"))
        elif age > stale_days:
            problems.append(
                Problem(
                    model.origin,
                    model.line,
                    f"{label}price as_of {model.as_of} is {age} days old (over {stale_days}): check {model.source}",
                    "warning",
                    model.id,
                )
            )
        if model.deprecated is not None and model.deprecated < day:
            problems.append(
                Problem(
                    model.origin,
                    model.line,
                    f"{label}retired by the provider on {model.deprecated}",
                    "warning",
                    model.id,
                )
            )
        cached = model.rates.cached_input
        if cached is not None and cached > model.rates.input:
            problems.append(
                Problem(
                    model.origin,
                    model.line,
                    f"{label}cached_input ({cached}) is above input ({model.rates.input})",
                    "warning",
                )
            )
    report.problems.extend(dict.fromkeys(p for p in problems if p.path in checked))
    report.problems.sort(key=lambda p: (targets.index(p.path) if p.path in targets else 0, p.line or 0))
    return report

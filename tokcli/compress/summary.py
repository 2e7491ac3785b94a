"""What `tokcli compress` reports: tokens before → after per model, share saved, money saved per call and
per period (from the price table), the transforms that fired and what verification rolled back.

Core module: builds dataclasses, never prints. `tokcli.reporters.compress` renders them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tokcli.compress.rules_method import RemovedSentence, Rollback
from tokcli.config import NON_NEGATIVE, check_section
from tokcli.errors import ConfigError, UsageError

LEVELS = ("safe", "balanced", "aggressive")
METHODS = ("rules", "llmlingua", "llmlingua2")
#: `--check` fails above this share saved (percent) unless --threshold or config `compress.threshold` says.
DEFAULT_THRESHOLD = 5.0


@dataclass(frozen=True)
class CompressSettings:
    level: str = "balanced"
    method: str = "rules"
    model_path: str | None = None
    threshold: float = DEFAULT_THRESHOLD


def compress_settings(
    section: dict[str, Any], source: str | None, key_lines: Mapping[str, int] | None = None
) -> CompressSettings:
    """The config file's `compress` section, checked (ConfigError names file, key and line)."""
    schema = {"level": str, "method": str, "model_path": str, "threshold": NON_NEGATIVE}
    check_section(section, schema, source, "compress", key_lines)
    level = section.get("level", "balanced")
    method = section.get("method", "rules")
    for key, value, allowed in (("level", level, LEVELS), ("method", method, METHODS)):
        if value not in allowed:
            raise ConfigError(
                f"config key 'compress.{key}' must be one of {', '.join(allowed)}, got {value!r}",
                path=source,
                line=(key_lines or {}).get(f"compress.{key}"),
            )
    return CompressSettings(
        level=level,
        method=method,
        model_path=section.get("model_path"),
        threshold=float(section.get("threshold", DEFAULT_THRESHOLD)),
    )


@dataclass(frozen=True)
class ModelSavings:
    label: str  # the model (or tokenizer) name as asked
    tokenizer: str
    exact: bool
    before: int
    after: int
    price_per_million: Decimal | None = None  # input price; None when the table has no price
    saved_per_call: Decimal | None = None
    saved_per_period: Decimal | None = None
    note: str | None = None

    @property
    def saved(self) -> int:
        return self.before - self.after

    @property
    def percent(self) -> float:
        return 100.0 * self.saved / self.before if self.before else 0.0


@dataclass
class CompressReport:
    path: str
    method: str
    level: str | None  # None for the llmlingua methods
    original: str
    text: str
    transforms: dict[str, int] = field(default_factory=dict)
    rollbacks: list[Rollback] = field(default_factory=list)
    removed: list[RemovedSentence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    models: list[ModelSavings] = field(default_factory=list)
    calls: int | None = None
    per: str | None = None
    written: str | None = None  # where the result went (--write / -o), when not stdout
    without_prompts: str | None = None  # a config or Python file that holds no prompt: why

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def percent(self) -> float:
        """Share of tokens saved for the first (primary) model."""
        return self.models[0].percent if self.models else 0.0


def measure(
    before_text: str | Sequence[str],
    after_text: str | Sequence[str],
    targets: Sequence[Any],
    *,
    table: Any = None,
    calls: int | None = None,
    per: str = "day",
    tools: Sequence[tuple[str, str]] = (),
    tools_after: Sequence[tuple[str, str]] | None = None,
) -> list[ModelSavings]:
    """Tokens of both texts for each target (a `tokcli.counting.Target`), and the money saved when priced. A
    sequence of texts (the prompt units of one file) counts as the sum of its texts' tokens. `tools` are the
    (name, JSON) of tool lists sent beside the prompts: counted as `count` counts a tool file (per provider),
    on both sides unless `tools_after` gives the lists as compressed."""
    from tokcli.registry import get_tokenizer
    from tokcli.streaming import LARGE_TEXT_CHARS, count_large_text

    befores = [before_text] if isinstance(before_text, str) else list(before_text)
    afters = [after_text] if isinstance(after_text, str) else list(after_text)
    rows = []
    for target in targets:
        tokenizer = get_tokenizer(target.tokenizer)
        texts = befores + afters
        small = [text for text in texts if len(text) < LARGE_TEXT_CHARS]
        small_counts = iter(tokenizer.count_batch(small) if small else [])
        counts = [
            count_large_text(text, tokenizer) if len(text) >= LARGE_TEXT_CHARS else next(small_counts) for text in texts
        ]
        before, after = sum(counts[: len(befores)]), sum(counts[len(befores) :])
        exact = tokenizer.exact
        if tools:
            sent_before, exact = _tool_tokens(tools, target, exact)
            sent_after = sent_before
            if tools_after is not None:
                sent_after, exact_after = _tool_tokens(tools_after, target, exact)
                exact = exact and exact_after
            before, after = before + sent_before, after + sent_after
        rows.append(_priced(target, exact, before, after, table, calls, per))
    return rows


def _tool_tokens(tools: Sequence[tuple[str, str]], target: Any, exact: bool) -> tuple[int, bool]:
    from tokcli.counting import count_inputs
    from tokcli.inputs import InputText

    report = count_inputs([InputText(name, text) for name, text in tools], [target])
    return sum(row.tokens for row in report.results), exact and all(row.exact for row in report.results)


def _priced(target: Any, exact: bool, before: int, after: int, table: Any, calls: int | None, per: str) -> ModelSavings:
    base = ModelSavings(target.label, target.tokenizer, exact, before, after)
    if table is None:
        return base
    if target.model is None:
        return _replace(base, note="a tokenizer, not a model: no price")
    price = table.find(target.model)
    if price is None:
        return _replace(base, note=f"no price for {target.model} in the price table")
    from tokcli.pricing.cost import CostOptions, compute_cost

    options = CostOptions(calls=calls, per=per)
    cost_before = compute_cost(price, before, options)
    cost_after = compute_cost(price, after, options)
    period = None
    if cost_before.period_cost is not None and cost_after.period_cost is not None:
        period = cost_before.period_cost - cost_after.period_cost
    return _replace(
        base,
        price_per_million=cost_before.rates.input,
        saved_per_call=cost_before.total_cost - cost_after.total_cost,
        saved_per_period=period,
    )


def _replace(row: ModelSavings, **changes: Any) -> ModelSavings:
    from dataclasses import replace

    return replace(row, **changes)


def check_several(paths: list[str], *, output: str | None, write: bool, check: bool, diff: bool, json: bool) -> None:
    """Several input files: only outputs that can hold several results. UsageError with the fix."""
    if len(paths) < 2:
        return
    if "-" in paths:
        raise UsageError("'-' (stdin) cannot be combined with other files")
    if output is not None:
        raise UsageError("-o FILE takes one input file; to rewrite several files use --write")
    if not (write or check or diff or json):
        raise UsageError(
            f"{len(paths)} files: give --write, --check, --diff or --format json (their results cannot all go to stdout)"
        )


def check_options(
    *,
    path: str,
    method: str,
    write: bool,
    output: str | None,
    check: bool,
    model_path: str | None,
    rate: float | None,
    target_tokens: int | None,
    calls: int | None,
    per: str | None,
) -> None:
    """Flag combinations that cannot work: UsageError with the fix."""
    if write and path == "-":
        raise UsageError("--write needs a file: stdin cannot be rewritten in place (use -o FILE)")
    if write and output is not None:
        raise UsageError("give --write or -o FILE, not both")
    if check and (write or output is not None):
        raise UsageError("--check only reports: it cannot be combined with --write or -o")
    if method == "rules":
        for flag, value in (("--model", model_path), ("--rate", rate), ("--target-tokens", target_tokens)):
            if value is not None:
                # every other command's --model names a priced model; here -m does that
                hint = f" (to measure savings on {model_path}, use -m {model_path})" if flag == "--model" else ""
                raise UsageError(f"{flag} is for --method llmlingua or llmlingua2, not rules{hint}")
    elif model_path is None:
        raise UsageError(f"--method {method} needs --model PATH (a local model folder; nothing is downloaded)")
    if per is not None and calls is None:
        raise UsageError("--per needs --calls N")
    from tokcli.pricing.cost import PERIODS

    if per is not None and per not in PERIODS:
        raise UsageError(f"--per must be one of {', '.join(PERIODS)}, got {per!r}")
    if calls is not None and calls < 0:
        raise UsageError(f"--calls must not be negative, got {calls}")

"""Context-window fit: a prompt (messages and tool definitions) plus the output reserved for the answer, as a
share of the model's context window.

The window comes from the price table (`context_window`, overridable with a price file) or from config
`fit.windows`; `fit.reserve_output` (or `--reserve-output`) is what the answer may take; `fit.warn_at` is the
share, in percent, from which a fit is worth a warning (default 80).

```yaml
fit:
  reserve_output: 4000
  warn_at: 80
  windows: {house-model: 32000}
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tokcli.config import MAPPING, POSITIVE_INT, Expect, check_section
from tokcli.errors import ConfigError

DEFAULT_WARN_AT = 80.0

_PERCENT = Expect(
    "a number of percent between 0 and 100",
    lambda value: isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 100,
)
_NON_NEGATIVE_INT = Expect(
    "a whole number of 0 or more", lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= 0
)
FIT_SCHEMA: dict[str, Any] = {"reserve_output": _NON_NEGATIVE_INT, "warn_at": _PERCENT, "windows": MAPPING}


@dataclass(frozen=True)
class FitSettings:
    reserve_output: int = 0
    warn_at: float = DEFAULT_WARN_AT  # percent of the window
    windows: Mapping[str, int] = field(default_factory=dict)  # model → window, over the price table's


@dataclass(frozen=True)
class Fit:
    """One prompt on one model's window."""

    model: str
    window: int | None  # None: no window known for the model
    prompt_tokens: int  # messages and tool definitions
    reserved: int
    warn_at: float
    exact: bool = True  # whether prompt_tokens is an exact count
    #: whether prompt_tokens are the largest render over the template's fixtures (what is sent), not the
    #: template's own text
    rendered: bool = False

    @property
    def used(self) -> int:
        return self.prompt_tokens + self.reserved

    @property
    def share(self) -> float | None:
        """Percent of the window used (None without a window)."""
        return None if not self.window else 100.0 * self.used / self.window

    @property
    def status(self) -> str:
        """ "over" the window, "warn" at or above `warn_at`, "ok", or "unknown" without a window."""
        share = self.share
        if share is None:
            return "unknown"
        if self.used > (self.window or 0):
            return "over"
        return "warn" if share >= self.warn_at else "ok"


def fit_settings(
    data: Mapping[str, Any], source: str | None, key_lines: Mapping[str, int] | None = None
) -> FitSettings:
    """Config `fit:` checked; ConfigError (file and line) for a bad value."""
    check_section(data, FIT_SCHEMA, source, "fit", key_lines)
    windows = dict(data.get("windows", {}))
    for model, window in windows.items():
        if not POSITIVE_INT(window):
            line = (key_lines or {}).get(f"fit.windows.{model}")
            raise ConfigError(
                f"config key 'fit.windows.{model}' must be a whole number above 0", path=source, line=line
            )
    return FitSettings(
        reserve_output=int(data.get("reserve_output", 0)),
        warn_at=float(data.get("warn_at", DEFAULT_WARN_AT)),
        windows={str(model): int(window) for model, window in windows.items()},
    )


def window_for(model: str, settings: FitSettings, price: Any) -> int | None:
    """Config `fit.windows` first, then the price table's `context_window`."""
    if model in settings.windows:
        return settings.windows[model]
    return getattr(price, "context_window", None) if price is not None else None


def check_fit(model: str, prompt_tokens: int, settings: FitSettings, price: Any, reserve: int | None = None) -> Fit:
    reserved = settings.reserve_output if reserve is None else reserve
    return Fit(model, window_for(model, settings, price), prompt_tokens, reserved, settings.warn_at)


def count_fits(
    report: Any,
    settings: FitSettings,
    table: Any,
    reserve: int | None = None,
    rendered: Mapping[tuple[str, str], Any] | None = None,
) -> dict[tuple[str, str], Fit]:
    """(path, label) → Fit for every counted result that names a model (a bare tokenizer has no window). A
    template with fixtures (`rendered`: (path, label) → tokcli.render.RenderedFigures) is fitted by its largest
    render: that is what reaches the model."""
    fits = {}
    for result in report.results:
        if result.model is None:
            continue
        price = table.find(result.model) if table is not None else None
        renders = (rendered or {}).get((result.path, result.label))
        if renders is not None:
            found = check_fit(result.model, renders.maximum, settings, price, reserve)
            found = replace(found, exact=renders.exact, rendered=True)
        else:
            found = replace(check_fit(result.model, result.tokens, settings, price, reserve), exact=result.exact)
        fits[(result.path, result.label)] = found
    return fits

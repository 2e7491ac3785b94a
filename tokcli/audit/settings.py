"""The `audit:` config section, checked, merged with command-line flags into one `AuditSettings`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tokcli.config import MAPPING, NON_NEGATIVE, POSITIVE_INT, STRINGS, Config, Expect, check_section, one_of
from tokcli.errors import ConfigError

FAIL_ON = ("info", "warning", "error", "never")
COMPRESS_LEVELS = ("safe", "balanced", "aggressive")
DEFAULT_MODEL = "gpt-4o"

BOOL = Expect("true or false", lambda value: isinstance(value, bool))

AUDIT_SCHEMA: dict[str, Any] = {
    "include": STRINGS,
    "exclude": STRINGS,
    "models": Expect(
        "a string or a list of strings",
        lambda value: isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)),
    ),
    "budgets": MAPPING,
    "fail_on": one_of(*FAIL_ON),
    "fail_on_increase": NON_NEGATIVE,
    "lint": BOOL,
    "compress": Expect(
        "false or one of 'safe', 'balanced', 'aggressive'", lambda value: value is False or value in COMPRESS_LEVELS
    ),
    "output_tokens": POSITIVE_INT,
    "skip_unreadable": BOOL,
    "cache": BOOL,
}
BUDGETS_SCHEMA: dict[str, Any] = {"max_total_tokens": POSITIVE_INT, "files": MAPPING}
FILE_BUDGET_SCHEMA: dict[str, Any] = {
    "max_tokens": POSITIVE_INT,
    "max_cost_per_call": NON_NEGATIVE,
    "max_tool_tokens": POSITIVE_INT,
    "max_rendered_tokens": POSITIVE_INT,
    "max_rendered_cost_per_call": NON_NEGATIVE,
    "model": str,
}


@dataclass(frozen=True)
class FileBudget:
    """Limits for the files matching `glob` (relative to the config's directory, gitignore-style)."""

    glob: str
    max_tokens: int | None = None
    max_cost_per_call: Decimal | None = None
    max_tool_tokens: int | None = None  # per tool definition in a tool file or a chat file's tools
    max_rendered_tokens: int | None = None  # the largest render over the file's fixtures
    max_rendered_cost_per_call: Decimal | None = None  # USD, the largest render's cost per call
    model: str | None = None  # None: the first audited model
    line: int | None = None  # where it is in the config file


@dataclass
class AuditSettings:
    models: list[str]
    include: list[str] | None  # None: the prompt files every command finds (tokcli.prompt_set)
    exclude: list[str]
    file_budgets: list[FileBudget] = field(default_factory=list)
    max_total_tokens: int | None = None
    total_line: int | None = None
    fail_on: str = "error"
    fail_on_increase: float | None = None
    lint: bool = True
    compress_level: str | None = "balanced"
    output_tokens: int = 0
    calls: int | None = None
    per: str = "day"
    skip_unreadable: bool = False
    cache: bool = True
    models_from_flags: bool = False
    config_source: str | None = None
    lint_config: dict[str, Any] = field(default_factory=dict)
    tokenizer_config: dict[str, Any] = field(default_factory=dict)  # config `tokenizers` and `estimates`
    fit: Any = None  # tokcli.fit.FitSettings: context-window checks (config `fit`, --reserve-output)

    def fingerprint(self) -> str:
        """A hash of everything that changes per-file results (the cache key's config part)."""
        relevant = {
            "lint": self.lint,
            "lint_config": self.lint_config,
            "compress": self.compress_level,
            "tokenizers": self.tokenizer_config,
        }
        blob = json.dumps(relevant, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def build_settings(
    config: Config,
    *,
    models: list[str] | None = None,
    fail_on: str | None = None,
    fail_on_increase: float | None = None,
    skip_unreadable: bool = False,
    no_cache: bool = False,
    reserve_output: int | None = None,
) -> AuditSettings:
    """Check `config.audit` and merge command-line flags over it (flags win)."""
    data = config.audit
    source = config.source
    check_section(data, AUDIT_SCHEMA, source, "audit", config.key_lines)
    configured = data.get("models", config.models)
    configured = [configured] if isinstance(configured, str) else list(configured)
    chosen = list(models) if models else configured or [DEFAULT_MODEL]
    settings = AuditSettings(
        models=list(dict.fromkeys(chosen)),
        include=list(data["include"]) if "include" in data else None,
        exclude=list(data.get("exclude", [])),
        fail_on=fail_on or data.get("fail_on", "error"),
        lint=data.get("lint", True),
        compress_level=data.get("compress", "balanced") or None,
        output_tokens=data.get("output_tokens", 0),
        skip_unreadable=skip_unreadable or data.get("skip_unreadable", False),
        cache=not no_cache and data.get("cache", True),
        models_from_flags=bool(models),
        config_source=source,
        lint_config=dict(config.lint),
        tokenizer_config={"tokenizers": config.tokenizers, "estimates": config.estimates},
    )
    increase = fail_on_increase if fail_on_increase is not None else data.get("fail_on_increase")
    settings.fail_on_increase = float(increase) if increase is not None else None
    if settings.fail_on not in FAIL_ON:
        raise ConfigError(f"--fail-on must be one of {', '.join(FAIL_ON)}, got {settings.fail_on!r}")
    if config.volume:
        settings.calls = config.volume.get("calls")
        settings.per = config.volume.get("per", "day")
    _read_budgets(data.get("budgets", {}), config, settings)
    from dataclasses import replace

    from tokcli.fit import fit_settings

    settings.fit = fit_settings(config.fit, source, config.key_lines)
    if reserve_output is not None:
        settings.fit = replace(settings.fit, reserve_output=reserve_output)
    return settings


def _read_budgets(data: dict[str, Any], config: Config, settings: AuditSettings) -> None:
    lines = config.key_lines
    check_section(data, BUDGETS_SCHEMA, config.source, "audit.budgets", lines)
    settings.max_total_tokens = data.get("max_total_tokens")
    settings.total_line = lines.get("audit.budgets.max_total_tokens")
    for glob, entry in dict(data.get("files", {})).items():
        where = f"audit.budgets.files.{glob}"
        if not isinstance(entry, dict):
            raise ConfigError(
                f"config key {where!r} must be a mapping of max_tokens, max_cost_per_call, max_tool_tokens, max_rendered_tokens, max_rendered_cost_per_call, model",
                path=config.source,
                line=lines.get(where),
            )
        check_section(entry, FILE_BUDGET_SCHEMA, config.source, where, lines)
        if not any(key in entry for key in FILE_BUDGET_SCHEMA if key != "model"):
            raise ConfigError(
                f"config key {where!r} needs max_tokens, max_cost_per_call, max_tool_tokens or max_rendered_tokens",
                path=config.source,
                line=lines.get(where),
            )
        cost = entry.get("max_cost_per_call")
        settings.file_budgets.append(
            FileBudget(
                glob=str(glob),
                max_tokens=entry.get("max_tokens"),
                max_cost_per_call=Decimal(str(cost)) if cost is not None else None,
                max_tool_tokens=entry.get("max_tool_tokens"),
                max_rendered_tokens=entry.get("max_rendered_tokens"),
                max_rendered_cost_per_call=(
                    Decimal(str(entry["max_rendered_cost_per_call"])) if "max_rendered_cost_per_call" in entry else None
                ),
                model=entry.get("model"),
                line=lines.get(where),
            )
        )

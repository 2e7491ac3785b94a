"""The `lint` config section (`[tool.tokcli.lint]` or `lint:` in `.tokcli.yaml`) → LintSettings.

lint:
  select: [TK1, TK2, verbose-phrase]     # codes, prefixes, names or ALL (default: the default rules)
  extend-select: [TK104]
  ignore: [TK606]
  per-file-ignores: {"examples/**": [TK403]}
  fail-on: warning
  jinja: {trim-blocks: true, lstrip-blocks: true}  # how your application renders templates
  rules:
    TK402: {max-tokens: 4000, severity: error}
    verbose-phrase: {extra-phrases: {"at this moment": "now"}}
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from tokcli.errors import ConfigError, TokcliError
from tokcli.lint.finding import SEVERITIES
from tokcli.lint.rules.base import Rule, all_rules, get_rule, select_codes
from tokcli.units.model import split_unit_path

STRINGS_HINT = "a list of rule codes, prefixes or names"


def _schema() -> dict[str, Any]:
    from tokcli.config import MAPPING, STRING_OR_STRINGS, one_of

    return {
        "select": STRING_OR_STRINGS,
        "extend-select": STRING_OR_STRINGS,
        "ignore": STRING_OR_STRINGS,
        "per-file-ignores": MAPPING,
        "fail-on": one_of(*SEVERITIES),
        "jinja": MAPPING,
        "rules": MAPPING,
    }


@dataclass
class LintSettings:
    select: list[str] = field(default_factory=list)  # empty: the default rule set
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # code → options
    severities: dict[str, str] = field(default_factory=dict)  # code → severity
    fail_on: str = "warning"
    #: The Jinja environment the application renders with: trim-blocks, lstrip-blocks, keep-trailing-newline.
    jinja: dict[str, bool] = field(default_factory=dict)
    root: Path | None = None
    source: str | None = None

    def enabled_codes(self) -> set[str]:
        if self.select:
            codes: set[str] = set()
            for selector in self.select:
                codes |= select_codes(selector)
        else:
            codes = {rule.code for rule in all_rules() if rule.default_enabled}
        for selector in self.extend_select:
            codes |= select_codes(selector)
        for selector in self.ignore:
            codes -= select_codes(selector)
        return codes

    def ignored_for(self, path: str) -> set[str]:
        """Codes turned off for `path` by `per-file-ignores` (gitignore-style globs, relative to the config)."""
        if not self.per_file_ignores:
            return set()
        import pathspec

        path = split_unit_path(path)[0]  # a prompt unit (`file::key`, as audit names it) is its host file's
        candidates = {PurePosixPath(Path(path).as_posix()).as_posix()}
        if self.root is not None:
            with contextlib.suppress(ValueError):
                candidates.add(Path(path).resolve().relative_to(self.root.resolve()).as_posix())
        codes: set[str] = set()
        for pattern, selectors in self.per_file_ignores.items():
            spec = pathspec.GitIgnoreSpec.from_lines([pattern])
            if any(spec.match_file(candidate) for candidate in candidates):
                for selector in selectors:
                    codes |= select_codes(selector)
        return codes

    def build_rules(self, path: str | None = None) -> list[Rule]:
        """Instances of the enabled rules, with options and severities applied."""
        enabled = self.enabled_codes()
        if path is not None:
            enabled -= self.ignored_for(path)
        return [
            rule(self.rule_options.get(rule.code), self.severities.get(rule.code))
            for rule in all_rules()
            if rule.code in enabled
        ]

    def with_overrides(
        self,
        *,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        extend_select: list[str] | None = None,
    ) -> LintSettings:
        """Command-line flags: `--select` replaces the config's selection, `--ignore`/`--extend-select` add."""
        from dataclasses import replace

        updated = replace(
            self,
            select=_split(select) if select else list(self.select),
            ignore=[*self.ignore, *_split(ignore or [])],
            extend_select=[*self.extend_select, *_split(extend_select or [])],
        )
        updated.enabled_codes()  # unknown selectors fail here, before any file is read
        return updated


def _split(values: list[str] | str) -> list[str]:
    items = [values] if isinstance(values, str) else values
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def lint_settings(
    raw: Mapping[str, Any] | None,
    *,
    source: str | None = None,
    root: Path | None = None,
    key_lines: Mapping[str, int] | None = None,
) -> LintSettings:
    """Validate the raw `lint` section and turn it into LintSettings (ConfigError names file, key, line)."""
    from tokcli.config import check_section

    data = dict(raw or {})
    lines = dict(key_lines or {})
    check_section(data, _schema(), source, "lint", lines)
    settings = LintSettings(root=root, source=source)
    settings.fail_on = data.get("fail-on", "warning")
    try:
        settings.select = _split(data.get("select", []))
        settings.extend_select = _split(data.get("extend-select", []))
        settings.ignore = _split(data.get("ignore", []))
        for pattern, selectors in dict(data.get("per-file-ignores", {})).items():
            if not isinstance(selectors, (list, str)) or not all(isinstance(s, str) for s in _as_list(selectors)):
                raise ConfigError(
                    f"config key 'lint.per-file-ignores.{pattern}' must be {STRINGS_HINT}",
                    path=source,
                    line=lines.get(f"lint.per-file-ignores.{pattern}"),
                )
            settings.per_file_ignores[str(pattern)] = _split(selectors)
        settings.enabled_codes()
        for codes in settings.per_file_ignores.values():
            for selector in codes:
                select_codes(selector)
    except ConfigError:
        raise
    except TokcliError as error:
        raise ConfigError(f"lint: {error.message}", path=source, line=lines.get("lint")) from None
    settings.jinja = _jinja_environment(data.get("jinja", {}), source, lines)
    for key, value in dict(data.get("rules", {})).items():
        where = f"lint.rules.{key}"
        try:
            rule = get_rule(str(key))
        except TokcliError as error:
            raise ConfigError(f"config key {where!r}: {error.message}", path=source, line=lines.get(where)) from None
        if not isinstance(value, dict):
            raise ConfigError(f"config key {where!r} must be a mapping of options", path=source, line=lines.get(where))
        options = dict(value)
        severity = options.pop("severity", None)
        if severity is not None:
            if severity not in SEVERITIES:
                raise ConfigError(
                    f"config key '{where}.severity' must be one of {', '.join(SEVERITIES)}, got {severity!r}",
                    path=source,
                    line=lines.get(f"{where}.severity"),
                )
            settings.severities[rule.code] = severity
        settings.rule_options[rule.code] = check_rule_options(rule, options, source, where, lines)
    return settings


JINJA_OPTIONS = ("trim-blocks", "lstrip-blocks", "keep-trailing-newline")


def _jinja_environment(raw: Mapping[str, Any], source: str | None, lines: Mapping[str, int]) -> dict[str, bool]:
    """`lint.jinja`: the options of the application's Jinja environment, each true or false."""
    options = {}
    for name, value in dict(raw).items():
        where = f"lint.jinja.{name}"
        if name not in JINJA_OPTIONS:
            raise ConfigError(
                f"unknown option {name!r} in 'lint.jinja'; allowed: {', '.join(JINJA_OPTIONS)}",
                path=source,
                line=lines.get(where),
            )
        if not isinstance(value, bool):
            raise ConfigError(f"config key {where!r} must be true or false", path=source, line=lines.get(where))
        options[name] = value
    return options


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check_rule_options(
    rule: type[Rule], options: Mapping[str, Any], source: str | None, where: str, lines: Mapping[str, int]
) -> dict[str, Any]:
    """Options must exist for the rule and have the type of their default."""
    checked = {}
    for name, value in options.items():
        if name not in rule.options:
            allowed = ", ".join(["severity", *sorted(rule.options)])
            raise ConfigError(
                f"unknown option {name!r} for {rule.code} ({rule.name}); allowed: {allowed}",
                path=source,
                line=lines.get(f"{where}.{name}"),
            )
        default = rule.options[name]
        if not _same_kind(default, value):
            raise ConfigError(
                f"config key '{where}.{name}' must be {_kind_name(default)}, got {type(value).__name__} {value!r}",
                path=source,
                line=lines.get(f"{where}.{name}"),
            )
        checked[name] = value
    return checked


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return isinstance(value, type(default))


def _kind_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, list):
        return "a list of strings"
    if isinstance(default, dict):
        return "a mapping"
    return "a string"

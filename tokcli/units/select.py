"""Which strings are prompts: the `prompts:` config section and key-path patterns.

    prompts:
      keys:                         # YAML/JSON files matching the glob: these key paths are prompts
        "agents/*.yaml": ["agent.*_template", "prompts.*"]
        "**/*.json": ["system_prompt"]
      presets: true                 # detect the built-in formats (or false, or a list of preset names)
      python: true                  # look for prompts in Python source
      javascript: true              # look for prompts in JavaScript/TypeScript source
      python_names: ["*prompt*", "*template*", "*instructions*", "*system*"]

A key path is dotted keys with `[N]` for list items: `agent.system_template`, `prompts[0]`. In a pattern
`*` matches within one key (any list item too), `**` any number of keys.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from tokcli.config import Config, Expect, check_section
from tokcli.errors import ConfigError

DEFAULT_PYTHON_NAMES = ("*prompt*", "*template*", "*instruction*", "*system*")

_KEYS = Expect(
    "a mapping of file glob to a list of key paths",
    lambda value: (
        isinstance(value, dict)
        and all(isinstance(v, list) and all(isinstance(k, str) for k in v) for v in value.values())
    ),
)
_PRESETS = Expect(
    "true, false or a list of preset names",
    lambda value: isinstance(value, bool) or (isinstance(value, list) and all(isinstance(v, str) for v in value)),
)
PROMPTS_SCHEMA: dict[str, Any] = {
    "keys": _KEYS,
    "presets": _PRESETS,
    "python": Expect("true or false", lambda value: isinstance(value, bool)),
    "javascript": Expect("true or false", lambda value: isinstance(value, bool)),
    "python_names": Expect(
        "a list of name patterns", lambda value: isinstance(value, list) and all(isinstance(v, str) for v in value)
    ),
}


@dataclass(frozen=True)
class UnitSettings:
    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (file glob, key path patterns)
    presets: tuple[str, ...] | None = None  # None: every built-in preset
    python: bool = True
    python_names: tuple[str, ...] = DEFAULT_PYTHON_NAMES
    javascript: bool = True
    root: str | None = None  # the config's directory: `keys` globs are relative to it

    def relative(self, path: str) -> str:
        """A shown path made relative to the config's directory (as it is when not below it)."""
        from pathlib import Path

        if self.root is None:
            return Path(path).as_posix()
        try:
            return Path(path).resolve().relative_to(Path(self.root).resolve()).as_posix()
        except (ValueError, OSError):
            return Path(path).as_posix()

    def keys_for(self, relative: str) -> list[str]:
        """The key path patterns configured for a file (its path relative to the config's directory)."""
        if not self.keys:
            return []
        from tokcli.audit.discover import glob_matches

        return [pattern for glob, patterns in self.keys if glob_matches(glob, relative) for pattern in patterns]

    def fingerprint(self) -> str:
        return repr((self.keys, self.presets, self.python, self.python_names, self.javascript))


def unit_settings(config: Config | None) -> UnitSettings:
    """The checked `prompts:` section of a config (defaults without one)."""
    data = (getattr(config, "prompts", None) or {}) if config is not None else {}
    source = config.source if config is not None else None
    lines = config.key_lines if config is not None else {}
    check_section(data, PROMPTS_SCHEMA, source, "prompts", lines)
    presets = data.get("presets", True)
    if isinstance(presets, list):
        from tokcli.units.presets import PRESETS

        for name in presets:
            if name not in PRESETS:
                raise ConfigError(
                    f"config key 'prompts.presets': unknown preset {name!r} (known: {', '.join(sorted(PRESETS))})",
                    path=source,
                    line=lines.get("prompts.presets"),
                )
    for glob, patterns in dict(data.get("keys", {})).items():
        for pattern in patterns:
            if not pattern_segments(pattern):
                raise ConfigError(
                    f"config key 'prompts.keys.{glob}': empty key path pattern",
                    path=source,
                    line=lines.get(f"prompts.keys.{glob}"),
                )
    return UnitSettings(
        keys=tuple((str(glob), tuple(patterns)) for glob, patterns in dict(data.get("keys", {})).items()),
        presets=None if presets is True else () if presets is False else tuple(presets),
        python=bool(data.get("python", True)),
        python_names=tuple(data.get("python_names", DEFAULT_PYTHON_NAMES)),
        javascript=bool(data.get("javascript", True)),
        root=str(config.root) if config is not None and config.source else None,
    )


_SEGMENT = re.compile(r"\[[^\]]*\]|[^.\[\]]+")


def pattern_segments(pattern: str) -> list[str]:
    """`agent.*_template` → ["agent", "*_template"]; `messages[*].content` → ["messages", "[*]", "content"]."""
    return _SEGMENT.findall(pattern)


def join_key(parts: list[str | int]) -> str:
    """["agent", "templates", 0] → `agent.templates[0]`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


@dataclass
class KeyMatcher:
    patterns: list[list[str]] = field(default_factory=list)

    @classmethod
    def of(cls, patterns: list[str]) -> KeyMatcher:
        return cls([pattern_segments(pattern) for pattern in patterns])

    def matches(self, parts: list[str | int]) -> bool:
        segments = [f"[{part}]" if isinstance(part, int) else part for part in parts]
        return any(_match(pattern, segments) for pattern in self.patterns)


def _match(pattern: list[str], segments: list[str]) -> bool:
    if not pattern:
        return not segments
    head = pattern[0]
    if head == "**":
        return any(_match(pattern[1:], segments[index:]) for index in range(len(segments) + 1))
    if not segments:
        return False
    segment = segments[0]
    if head == "*" or (head == "[*]" and segment.startswith("[")):
        return _match(pattern[1:], segments[1:])
    if segment.startswith("[") != head.startswith("["):
        return False
    return fnmatch.fnmatchcase(segment, head) and _match(pattern[1:], segments[1:])

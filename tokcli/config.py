"""Configuration: `.tokcli.yaml` or `[tool.tokcli]` in `pyproject.toml`, one schema, found by walking up.

Flags override config; `--config PATH` overrides discovery. An unknown key or a wrong type is a ConfigError
naming the file, the key (and line, for YAML) and what was expected.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokcli.errors import ConfigError, UnknownNameError
from tokcli.inputs import GLOB_CHARACTERS
from tokcli.structured import compose_yaml, guarded, load_yaml

CONFIG_FILE_NAMES = (".tokcli.yaml", ".tokcli.yml")

#: A schema maps each allowed key to a checker: a type, a tuple of types, or a `Checker`.
Checker = Callable[[Any], bool]


@dataclass(frozen=True)
class Expect:
    """A named check, so errors can say what was expected."""

    description: str
    check: Checker

    def __call__(self, value: Any) -> bool:
        return self.check(value)


def list_of(kind: type | tuple[type, ...], description: str) -> Expect:
    return Expect(
        f"a list of {description}", lambda value: isinstance(value, list) and all(isinstance(v, kind) for v in value)
    )


def one_of(*choices: str) -> Expect:
    return Expect("one of " + ", ".join(repr(c) for c in choices), lambda value: value in choices)


STRINGS = list_of(str, "strings")
MAPPING = Expect("a mapping", lambda value: isinstance(value, dict))
NUMBER = Expect("a number", lambda value: isinstance(value, (int, float)) and not isinstance(value, bool))
NON_NEGATIVE = Expect("a number ≥ 0", lambda value: NUMBER(value) and value >= 0)  # NaN is not ≥ 0
POSITIVE_INT = Expect(
    "a whole number ≥ 0", lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= 0
)
STRING_OR_STRINGS = Expect(
    "a string or a list of strings",
    lambda value: isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)),
)

TOKENIZER_ENTRY = {
    "name": str,
    "path": str,
    "kind": one_of("hf", "tiktoken", "sentencepiece", "tekken"),
    "pattern": str,
    "models": STRINGS,
}
ESTIMATE_ENTRY = {"base": str, "factor": NUMBER, "note": str, "models": STRINGS}
VOLUME = {"calls": POSITIVE_INT, "per": one_of("call", "day", "week", "month", "year")}

TOP_LEVEL: dict[str, Any] = {
    "models": STRING_OR_STRINGS,
    "tokenizers": Expect(
        "a list of tokenizer entries or a mapping of name to entry", lambda v: isinstance(v, (list, dict))
    ),
    "estimates": MAPPING,
    "pricing": str,
    "volume": MAPPING,
    "lint": MAPPING,
    "compress": MAPPING,
    "audit": MAPPING,
    "fit": MAPPING,
    "render": MAPPING,
    "prompts": MAPPING,  # where prompts live inside other files: checked by tokcli.units.select
}


@dataclass
class Config:
    source: str | None = None  # the file it came from, None for defaults
    root: Path = field(default_factory=Path.cwd)  # relative paths in config resolve against this
    models: list[str] = field(default_factory=list)
    tokenizers: list[dict[str, Any]] = field(default_factory=list)
    estimates: dict[str, dict[str, Any]] = field(default_factory=dict)
    pricing: Path | None = None
    volume: dict[str, Any] = field(default_factory=dict)
    lint: dict[str, Any] = field(default_factory=dict)
    compress: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)  # checked by tokcli.fit
    render: dict[str, Any] = field(default_factory=dict)  # checked by tokcli.render
    prompts: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)  # dotted key → 1-based line (YAML only)

    def resolve_path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.root / path


def _expected(checker: Any) -> str:
    if isinstance(checker, Expect):
        return checker.description
    if isinstance(checker, tuple):
        return " or ".join(_type_name(kind) for kind in checker)
    if isinstance(checker, dict):
        return "a mapping"
    return _type_name(checker)


def _type_name(kind: type) -> str:
    return {
        str: "a string",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "a mapping",
    }.get(kind, kind.__name__)


def _matches(checker: Any, value: Any) -> bool:
    if isinstance(checker, Expect):
        return checker(value)
    if isinstance(checker, dict):
        return isinstance(value, dict)
    if checker is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if checker is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, checker)


def check_section(
    data: Mapping[str, Any],
    schema: Mapping[str, Any],
    source: str | None,
    section: str,
    key_lines: Mapping[str, int] | None = None,
    *,
    open_keys: bool = False,
) -> None:
    """Check `data` against `schema` (nested dicts are sub-schemas); ConfigError on the first problem.

    With `open_keys`, keys not in the schema are allowed (maps keyed by user names, e.g. per-rule options).
    """
    lines = key_lines or {}
    for key, value in data.items():
        dotted = f"{section}.{key}" if section else str(key)
        if key not in schema:
            if open_keys:
                continue
            allowed = ", ".join(sorted(schema))
            raise ConfigError(
                f"unknown config key {dotted!r}; allowed here: {allowed}", path=source, line=_line_of(lines, dotted)
            )
        checker = schema[key]
        if not _matches(checker, value):
            raise ConfigError(
                f"config key {dotted!r} must be {_expected(checker)}, got {type(value).__name__} {value!r}",
                path=source,
                line=_line_of(lines, dotted),
            )
        if isinstance(checker, dict):
            check_section(value, checker, source, dotted, lines)


def _line_of(lines: Mapping[str, int], dotted: str) -> int | None:
    """The line of a key, or of the nearest enclosing key that has one (TOML inline tables have none)."""
    while dotted:
        if dotted in lines:
            return lines[dotted]
        cut = max(dotted.rfind("."), dotted.rfind("["))
        dotted = dotted[:cut] if cut > 0 else ""
    return None


def _yaml_key_lines(text: str) -> dict[str, int]:
    import yaml

    lines: dict[str, int] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                dotted = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
                lines[dotted] = key_node.start_mark.line + 1
                walk(value_node, dotted)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                dotted = f"{prefix}[{index}]"
                lines[dotted] = item.start_mark.line + 1
                walk(item, dotted)

    try:
        walk(compose_yaml(text, "", error=ConfigError), "")
    except (ConfigError, RecursionError):  # lines only help messages: none is better than a crash
        return {}
    return lines


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config: {getattr(error, 'strerror', None) or error}", path=str(path)) from None
    data = load_yaml(text, str(path), error=ConfigError)
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigError("config must be a YAML mapping of keys", path=str(path), line=1)
    return data, _yaml_key_lines(text)


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as stream, guarded(str(path), "TOML", error=ConfigError):
            return tomllib.load(stream)
    except OSError as error:
        raise ConfigError(f"cannot read config: {error.strerror}", path=str(path)) from None


def _toml_key_lines(text: str, table: str) -> dict[str, int]:
    """1-based lines of the keys under `table` ("tool.tokcli", or "" for a whole file), by a line scan:
    tomllib keeps no positions. Good enough to point at a bad key; never used to read values."""
    import re

    def parts(dotted: str) -> list[str]:
        return [part.strip("\"'") for part in re.findall(r'"[^"]*"|\'[^\']*\'|[^.\s]+', dotted)]

    prefix = parts(table)
    lines: dict[str, int] = {}
    arrays: dict[str, int] = {}
    current: str | None = "" if not prefix else None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$", line)
        if header:
            name = parts(header.group(2))
            current = ".".join(name[len(prefix) :]) if name[: len(prefix)] == prefix else None
            if current and header.group(1) == "[[":
                index = arrays.get(current, 0)
                arrays[current] = index + 1
                current = f"{current}[{index}]"
            if current:
                lines.setdefault(current, number)
            continue
        key = re.match(r'^("[^"]*"|\'[^\']*\'|[A-Za-z0-9_.-]+)\s*=', line)
        if key and current is not None:
            dotted = ".".join(parts(key.group(1)))
            lines.setdefault(f"{current}.{dotted}" if current else dotted, number)
    return lines


def _read_pyproject(path: Path) -> dict[str, Any] | None:
    data = _load_toml(path)
    tool = data.get("tool", {})
    section = tool.get("tokcli") if isinstance(tool, dict) else None
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError("[tool.tokcli] must be a table", path=str(path))
    return section


def discover_config(start: Path) -> Path | None:
    """The nearest `.tokcli.yaml` or `pyproject.toml` with `[tool.tokcli]`, walking up from `start`."""
    start = start.resolve()
    for directory in [start, *start.parents]:
        found = [directory / name for name in CONFIG_FILE_NAMES if _is_config_file(directory / name)]
        if len(found) > 1:
            # which one wins would be a guess: settings the user wrote would be ignored without a word
            raise ConfigError(
                f"two config files here: {found[0].name} and {found[1].name}; keep one", path=str(found[1])
            )
        if found:
            return found[0]
        pyproject = directory / "pyproject.toml"
        if _is_file(pyproject) and _read_pyproject(pyproject) is not None:
            return pyproject
    return None


def _is_file(path: Path) -> bool:
    # A directory tokcli may not search is an error: passing over a config that may be there would apply
    # the wrong settings.
    from tokcli.inputs import probe_file

    return probe_file(path, error=ConfigError)


def _is_config_file(path: Path) -> bool:
    """`_is_file` for a file that can only be tokcli's config: a symbolic link there that loops or points
    nowhere is an error (`is_file` says False, and the settings it was meant to give would be skipped)."""
    if _is_file(path):
        return True
    if path.is_symlink():
        raise ConfigError("cannot read config: a symbolic link that loops or points nowhere", path=str(path))
    return False


def start_dir_for(path: Path) -> Path:
    """Where config discovery starts for an input path: the directory itself, or a file's directory."""
    from tokcli.errors import InputError

    try:
        return path if path.is_dir() else path.parent
    except OSError as error:  # a directory on the way that may not be searched
        raise InputError(f"cannot read: {error.strerror or error}", path=str(path)) from None


def config_start(paths: Sequence[str]) -> Path:
    """Where every command starts looking for config: the deepest directory holding all the given paths (a
    directory itself, a file's parent, a glob's fixed leading part), else the current directory."""

    directories = []
    for raw in paths:
        if raw in ("", "-"):  # stdin
            continue
        parts = Path(raw).parts
        fixed = next((index for index, part in enumerate(parts) if GLOB_CHARACTERS & set(part)), None)
        if fixed is not None:
            directories.append(Path(*parts[:fixed]) if fixed else Path("."))
            continue
        directories.append(start_dir_for(Path(raw)))
    if not directories:
        return Path.cwd().resolve()
    try:
        return Path(os.path.commonpath([str(directory.resolve()) for directory in directories]))
    except ValueError:  # no common path (different drives)
        return Path.cwd().resolve()


def load_config(start_dir: Path | None = None, explicit: Path | None = None) -> Config:
    """Load, check and return the config; defaults when none is found."""
    if explicit is not None:
        if not _is_config_file(explicit):
            raise ConfigError("config file not found", path=str(explicit))
        path: Path | None = explicit
    else:
        path = discover_config(start_dir or Path.cwd())
    if path is None:
        return Config(root=(start_dir or Path.cwd()).resolve())
    key_lines: dict[str, int] = {}
    if path.name == "pyproject.toml" or path.suffix == ".toml":
        data = _read_pyproject(path) if path.name == "pyproject.toml" else _load_toml(path)
        table = "tool.tokcli" if path.name == "pyproject.toml" else ""
        tool = data.get("tool") if data and table == "" else None
        if isinstance(tool, dict) and isinstance(tool.get("tokcli"), dict):
            data, table = tool["tokcli"], "tool.tokcli"  # a TOML file laid out like pyproject.toml
        data = data or {}
        try:
            key_lines = _toml_key_lines(path.read_text(encoding="utf-8"), table)
        except (OSError, UnicodeDecodeError):
            key_lines = {}
    else:
        data, key_lines = _read_yaml(path)
    return build_config(data, str(path), path.parent.resolve(), key_lines)


@contextlib.contextmanager
def names_from(config: Config, key: str) -> Iterator[None]:
    """An unknown name (model, tokenizer) raised inside, when the names came from `config`'s `key`, says which
    file and line gave it: `.tokcli.yml:1: unknown model 'gpt-99'; did you mean …`."""
    try:
        yield
    except UnknownNameError as error:
        if error.path is None and config.source is not None:
            error.path, error.line = config.source, config.key_lines.get(key)
        raise


def build_config(
    data: Mapping[str, Any], source: str | None, root: Path, key_lines: Mapping[str, int] | None = None
) -> Config:
    lines = dict(key_lines or {})
    check_section(data, TOP_LEVEL, source, "", lines)
    config = Config(source=source, root=root, key_lines=lines)
    models = data.get("models", [])
    config.models = [models] if isinstance(models, str) else list(models)
    config.tokenizers = _tokenizer_entries(data.get("tokenizers", []), config)
    for name, entry in dict(data.get("estimates", {})).items():
        if not isinstance(entry, dict):
            raise ConfigError(
                f"config key 'estimates.{name}' must be a mapping",
                path=source,
                line=_line_of(lines, f"estimates.{name}"),
            )
        check_section(entry, ESTIMATE_ENTRY, source, f"estimates.{name}", lines)
        config.estimates[name] = dict(entry)
    if "pricing" in data:
        config.pricing = config.resolve_path(data["pricing"])
    config.volume = dict(data.get("volume", {}))
    check_section(config.volume, VOLUME, source, "volume", lines)
    config.lint = dict(data.get("lint", {}))
    config.compress = dict(data.get("compress", {}))
    config.audit = dict(data.get("audit", {}))
    config.fit = dict(data.get("fit", {}))
    config.render = dict(data.get("render", {}))
    config.prompts = dict(data.get("prompts", {}))
    return config


def _tokenizer_entries(raw: Any, config: Config) -> list[dict[str, Any]]:
    entries: list[tuple[str, Any]]
    if isinstance(raw, dict):
        entries = [
            (f"tokenizers.{name}", {"name": name, **value} if isinstance(value, dict) else value)
            for name, value in raw.items()
        ]
    else:
        entries = [(f"tokenizers[{index}]", value) for index, value in enumerate(raw)]
    result = []
    for where, entry in entries:
        if not isinstance(entry, dict):
            raise ConfigError(
                f"config key {where!r} must be a mapping with name and path",
                path=config.source,
                line=_line_of(config.key_lines, where),
            )
        check_section(entry, TOKENIZER_ENTRY, config.source, where, config.key_lines)
        for required in ("name", "path"):
            if required not in entry:
                raise ConfigError(
                    f"config key {where!r} needs {required!r}",
                    path=config.source,
                    line=_line_of(config.key_lines, where),
                )
        result.append({**entry, "path": str(config.resolve_path(entry["path"]))})
    return result

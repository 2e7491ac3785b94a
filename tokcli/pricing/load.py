"""Reading price files (tokcli YAML or a litellm JSON map), merging overrides, and the `PriceTable`.

YAML goes through PyYAML's safe loader in two steps, compose (which keeps the marks) and a small walk over
the nodes (which builds plain values with `SafeConstructor` and turns every number into `Decimal` from its
source text, so `0.075` stays exactly 0.075). Nothing but plain data can come out of it, as with
`yaml.safe_load`, and every field keeps its line for error messages.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from tokcli.errors import ConfigError, unknown_name
from tokcli.inputs import read_regular_file
from tokcli.pricing.litellm import convert_map, looks_like_litellm
from tokcli.pricing.schema import (
    CURRENCY,
    SCHEMA_VERSION,
    TOP_LEVEL_FIELDS,
    ModelPrice,
    Problem,
    RawEntry,
    parse_entry,
    suggest,
)
from tokcli.structured import compose_yaml, guarded, load_json

_MAX_DEPTH = 64
Loc = tuple[Any, ...]


@dataclass
class PriceDocument:
    """One price file read into raw entries, with the problems found while reading it."""

    path: str
    kind: str  # "tokcli" | "litellm"
    entries: list[RawEntry]
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # litellm entries left out (embeddings, images, no token prices ...)


@dataclass
class PriceTable:
    """The merged table: shipped prices with user overrides applied, in file order."""

    models: list[ModelPrice]
    files: list[str] = field(default_factory=list)
    _index: dict[str, ModelPrice] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for model in self.models:
            for name in model.names:
                self._index.setdefault(name.lower(), model)

    def find(self, name: str) -> ModelPrice | None:
        key = name.strip().lower()
        found = self._index.get(key)
        if found is None and "/" in key:
            found = self._index.get(key.split("/", 1)[1])
        return found

    def get(self, name: str) -> ModelPrice:
        found = self.find(name)
        if found is None:
            raise unknown_name("priced model", name, self.names())
        return found

    def names(self) -> list[str]:
        return [name for model in self.models for name in model.names]

    def providers(self) -> list[str]:
        return sorted({model.provider for model in self.models})


def shipped_pricing_path() -> Path:
    return Path(str(resources.files("tokcli").joinpath("data").joinpath("pricing.yaml")))


def read_price_file(path: str | Path, *, text: str | None = None, as_of: _dt.date | None = None) -> PriceDocument:
    """Read a tokcli YAML/JSON price file or a litellm-format JSON map (detected from the content).

    Raises ConfigError for a file that cannot be read or parsed at all; schema problems of single entries
    are returned in `PriceDocument.problems`. `as_of` dates litellm entries (default: the file's mtime).
    """
    name = str(path)
    if text is None:
        try:
            text = read_regular_file(path).decode("utf-8")
        except FileNotFoundError:
            raise ConfigError("pricing file not found", path=name) from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"pricing file is not UTF-8 text (byte {exc.start})", path=name) from None
        except OSError as exc:
            raise ConfigError(f"cannot read pricing file: {exc.strerror}", path=name) from None
    stripped = text.lstrip()
    if stripped.startswith("{") or name.lower().endswith(".json"):
        data = _parse_json(text, name)
        if isinstance(data, dict) and "models" not in data and looks_like_litellm(data):
            day = as_of or _mtime_date(path)
            converted, found, skipped = convert_map(data, path=name, text=text, as_of=day)
            return PriceDocument(name, "litellm", converted, found, skipped)
    locs: dict[Loc, int] = {}
    problems: list[Problem] = []
    data = _load_yaml(text, name, locs, problems)
    if isinstance(data, dict) and "models" not in data and looks_like_litellm(data):
        day = as_of or _mtime_date(path)
        entries, more, skipped = convert_map(data, path=name, text=text, as_of=day)
        return PriceDocument(name, "litellm", entries, problems + more, skipped)
    entries = _tokcli_entries(data, name, locs, problems)
    return PriceDocument(name, "tokcli", entries, problems)


def _mtime_date(path: str | Path) -> _dt.date:
    try:
        return _dt.date.fromtimestamp(Path(path).stat().st_mtime)
    except OSError:
        return _dt.date.today()


def _parse_json(text: str, name: str) -> Any:
    return load_json(text, name, error=ConfigError, parse_float=Decimal)


def _load_yaml(text: str, name: str, locs: dict[Loc, int], problems: list[Problem]) -> Any:
    node = compose_yaml(text, name, error=ConfigError)
    if node is None:
        return None
    walker = _Walker(name, locs, problems)
    with guarded(name, "YAML", error=ConfigError):  # a tag such as !!python/name: is refused here
        return walker.value(node, (), 0)


class _Walker:
    """Builds plain values from composed YAML nodes, recording the line of every mapping key."""

    def __init__(self, name: str, locs: dict[Loc, int], problems: list[Problem]) -> None:
        import yaml

        self.yaml = yaml
        self.name = name
        self.locs = locs
        self.problems = problems
        self.constructor = yaml.constructor.SafeConstructor()

    def value(self, node: Any, where: Loc, depth: int) -> Any:
        yaml = self.yaml
        if depth > _MAX_DEPTH:
            raise ConfigError("YAML nests too deeply", path=self.name, line=node.start_mark.line + 1)
        self.locs.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                line = key_node.start_mark.line + 1
                if not isinstance(key, (str, int)):
                    raise ConfigError("mapping keys must be plain names", path=self.name, line=line)
                if key in result:
                    self.problems.append(Problem(self.name, line, f"duplicate key '{key}'"))
                here = (*where, key)
                self.locs[here] = line
                result[key] = self.value(value_node, here, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*where, index), depth + 1) for index, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: Any) -> Any:
        tag = node.tag or ""
        if tag.endswith(":float"):
            try:
                number = Decimal(node.value.replace("_", ""))
            except InvalidOperation:
                return node.value
            return number if number.is_finite() else node.value
        if tag.endswith(":int"):
            return self.constructor.construct_yaml_int(node)
        return self.constructor.construct_object(node)


def _tokcli_entries(data: Any, name: str, locs: dict[Loc, int], problems: list[Problem]) -> list[RawEntry]:
    if not isinstance(data, dict):
        problems.append(Problem(name, locs.get(()), "a price file is a mapping with a 'models' list"))
        return []
    for key in data:
        if key not in TOP_LEVEL_FIELDS:
            problems.append(
                Problem(name, locs.get((key,)), f"unknown top-level key '{key}'{suggest(str(key), TOP_LEVEL_FIELDS)}")
            )
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        problems.append(
            Problem(name, locs.get(("schema_version",)), f"schema_version {version!r} is not supported (use 1)")
        )
    currency = data.get("currency", CURRENCY)
    if currency != CURRENCY:
        problems.append(Problem(name, locs.get(("currency",)), f"currency must be USD, got {currency!r}"))
    models = data.get("models")
    if not isinstance(models, list):
        problems.append(Problem(name, locs.get(("models",), locs.get(())), "'models' must be a list of entries"))
        return []
    entries: list[RawEntry] = []
    for index, item in enumerate(models):
        line = locs.get(("models", index))
        if not isinstance(item, dict):
            problems.append(Problem(name, line, f"models[{index}] must be a mapping"))
            continue
        entry_locs: dict[str, tuple[str, int | None]] = {}
        for key, value in item.items():
            entry_locs[str(key)] = (name, locs.get(("models", index, key), line))
            if key == "long_context" and isinstance(value, list):
                for tier_index, tier in enumerate(value):
                    tier_key = f"long_context[{tier_index}]"
                    tier_line = locs.get(("models", index, key, tier_index), line)
                    entry_locs[tier_key] = (name, tier_line)
                    if isinstance(tier, dict):
                        for sub in tier:
                            sub_line = locs.get(("models", index, key, tier_index, sub), tier_line)
                            entry_locs[f"{tier_key}.{sub}"] = (name, sub_line)
        entries.append(RawEntry({str(k): v for k, v in item.items()}, name, line, entry_locs))
    return entries


def duplicate_problems(entries: Iterable[RawEntry]) -> list[Problem]:
    """Ids and aliases that name two entries of the same file (including the same id written twice)."""
    seen: dict[str, tuple[int, str]] = {}
    problems: list[Problem] = []
    for position, entry in enumerate(entries):
        ident = entry.fields.get("id")
        if not isinstance(ident, str):
            continue
        aliases = entry.fields.get("aliases")
        names = [ident, *(a for a in aliases if isinstance(a, str))] if isinstance(aliases, list) else [ident]
        for name in dict.fromkeys(n.strip().lower() for n in names):
            owner = seen.get(name)
            if owner is None:
                seen[name] = (position, ident)
            elif owner[0] != position:
                key = "id" if name == ident.strip().lower() else "aliases"
                path, line = entry.where(key)
                problems.append(Problem(path, line, f"model {ident!r}: name {name!r} is already used by {owner[1]!r}"))
    return problems


def merge_entries(base: list[RawEntry], overrides: list[RawEntry]) -> list[RawEntry]:
    """Apply override entries: same id (or an alias of a base entry) updates that entry field by field."""
    merged = [RawEntry(dict(e.fields), e.path, e.line, dict(e.locs), e.inferred) for e in base]
    index: dict[str, int] = {}

    def register(position: int) -> None:
        entry = merged[position]
        ident = entry.fields.get("id")
        aliases = entry.fields.get("aliases")
        names = [ident] + (aliases if isinstance(aliases, list) else [])
        for name in names:
            if isinstance(name, str):
                index.setdefault(name.strip().lower(), position)

    for start in range(len(merged)):
        register(start)
    for override in overrides:
        ident = override.fields.get("id")
        position: int | None = index.get(ident.strip().lower()) if isinstance(ident, str) else None
        if position is None:
            merged.append(RawEntry(dict(override.fields), override.path, override.line, dict(override.locs)))
            register(len(merged) - 1)
            continue
        target = merged[position]
        old_names = _names(target.fields)
        for key, value in override.fields.items():
            if key in override.inferred and key in target.fields:
                continue
            if key == "id":
                continue
            target.fields[key] = value
            target.locs[key] = override.where(key)
            if key == "long_context":
                for loc_key in [k for k in target.locs if k.startswith("long_context[")]:
                    del target.locs[loc_key]
                target.locs.update({k: v for k, v in override.locs.items() if k.startswith("long_context[")})
        new_aliases = [n for n in [*old_names[1:], *_names(override.fields)] if n != old_names[0]]
        target.fields["aliases"] = list(dict.fromkeys(new_aliases))
        target.path, target.line = override.path, override.line
        register(position)
    return merged


def _names(fields: dict[str, Any]) -> list[str]:
    ident = fields.get("id")
    aliases = fields.get("aliases")
    names = [ident] + (list(aliases) if isinstance(aliases, list) else [])
    return [n.strip() for n in names if isinstance(n, str) and n.strip()]


@lru_cache(maxsize=4)
def _read_cached(path: str, mtime: float) -> PriceDocument:
    return read_price_file(path)


def read_document_cached(path: str | Path) -> PriceDocument:
    resolved = Path(path)
    try:
        mtime = resolved.stat().st_mtime
    except OSError:
        return read_price_file(resolved)
    return _read_cached(str(resolved), mtime)


def build_table(documents: Sequence[PriceDocument]) -> tuple[PriceTable, list[Problem]]:
    """Merge documents in order (later ones override earlier ones) and parse every entry."""
    problems: list[Problem] = []
    entries: list[RawEntry] = []
    for document in documents:
        problems.extend(document.problems)
        problems.extend(duplicate_problems(document.entries))
        entries = merge_entries(entries, document.entries) if entries else merge_entries([], document.entries)
    models = [model for model in (parse_entry(entry, problems) for entry in entries) if model is not None]
    return PriceTable(models, [d.path for d in documents]), problems


def load_pricing(overrides: Sequence[str | Path] = (), *, shipped: bool = True) -> PriceTable:
    """The shipped table with override files applied in order; ConfigError on the first error."""
    paths: list[str | Path] = [shipped_pricing_path()] if shipped else []
    paths.extend(overrides)
    documents = [read_document_cached(p) for p in paths]
    table, problems = build_table(documents)
    for problem in problems:
        if problem.severity == "error":
            raise ConfigError(problem.message, path=problem.path, line=problem.line)
    return table


@dataclass
class ImportResult:
    models: list[ModelPrice]
    skipped: int
    source: str


def import_price_map(
    path: str | Path,
    *,
    providers: Sequence[str] = (),
    as_of: _dt.date | None = None,
    source: str | None = None,
) -> ImportResult:
    """Convert a litellm-format map into validated model prices (for `tokcli pricing import`)."""
    name = str(path)
    document = read_price_file(path, as_of=as_of)
    if document.kind != "litellm":
        raise ConfigError("not a litellm-format price map (it is already in tokcli's schema)", path=name)
    wanted = {p.lower() for p in providers}
    entries = document.entries
    skipped = document.skipped
    if wanted:
        kept = [e for e in entries if str(e.fields.get("provider", "")).lower() in wanted]
        skipped += len(entries) - len(kept)
        entries = kept
    if source:
        for entry in entries:
            entry.fields["source"] = source
    problems = list(document.problems) + duplicate_problems(entries)
    models = [m for m in (parse_entry(e, problems) for e in entries) if m is not None]
    for problem in problems:
        if problem.severity == "error":
            raise ConfigError(problem.message, path=problem.path, line=problem.line)
    return ImportResult(models, skipped, name)

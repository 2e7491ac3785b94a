"""The tokenizer registry: names → lazy factories, loaded at most once per process.

    get_tokenizer("cl100k_base").encode("hello world")  # [15339, 1917]
    resolve_model("gpt-4o-2024-08-06").tokenizer         # "o200k_base"
    tokenizer_for_model("claude-sonnet-4-5").exact       # False: an estimate

Sources, in order of precedence: tokenizers declared in config or on the command line, built-in ones (each
family's data from its optional extra), and plugins in the `tokcli.tokenizers` entry-point group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tokcli.errors import ConfigError, MissingExtraError, TokcliError, unknown_name
from tokcli.registry.backends import (
    EstimateTokenizer,
    FunctionTokenizer,
    HFTokenizer,
    TiktokenTokenizer,
    Tokenizer,
)
from tokcli.registry.builtin import TokenizerSpec, builtin_specs
from tokcli.registry.estimates import BUILTIN_ESTIMATES, EstimateDefinition
from tokcli.registry.models import ModelSpec, builtin_model_map, lookup_model, normalize_model_name

__all__ = [
    "ModelSpec",
    "Registry",
    "Tokenizer",
    "TokenizerSpec",
    "get_registry",
    "get_tokenizer",
    "resolve_model",
    "tokenizer_for_model",
]

ENTRY_POINT_GROUP = "tokcli.tokenizers"


class Registry:
    def __init__(self) -> None:
        self._specs: dict[str, TokenizerSpec] = {}
        self._loaded: dict[str, Tokenizer] = {}
        self._models = builtin_model_map()
        self._lock = threading.RLock()
        self._plugins_scanned = False
        self._applied_configs: set[str] = set()  # configs already applied (a config loaded twice is not a clash)

    # -- registration ----------------------------------------------------------------------------------

    def register(self, spec: TokenizerSpec, *, replace: bool = False) -> None:
        with self._lock:
            if spec.name in self._specs and not replace:
                raise ConfigError(
                    f"tokenizer {spec.name!r} is defined twice ({self._specs[spec.name].origin} and {spec.origin})"
                )
            self._specs[spec.name] = spec
            self._loaded.pop(spec.name, None)

    def register_estimate(
        self, definition: EstimateDefinition, *, origin: str = "builtin", replace: bool = False
    ) -> None:
        def factory() -> Tokenizer:
            base = self.get(definition.base)
            if not base.exact:
                raise ConfigError(
                    f"estimate {definition.name!r} must be based on an exact tokenizer, not {definition.base!r}"
                )
            return EstimateTokenizer(definition.name, base, definition.factor, definition.note)

        def available() -> bool:
            return definition.base in self._specs and self._specs[definition.base].is_available()

        description = f"estimate: {definition.base} × {definition.factor:g} — {definition.note}"
        spec = TokenizerSpec(
            definition.name,
            "estimate",
            False,
            description,
            factory,
            available,
            None,
            origin,
            lambda: description.split(" — ")[0],
        )
        self.register(spec, replace=replace)

    def register_file(
        self, name: str, path: Path, *, kind: str | None = None, pattern: str | None = None, origin: str = "config"
    ) -> TokenizerSpec:
        from tokcli.inputs import probe_file
        from tokcli.registry.files import detect_file_kind, tokenizer_from_file

        if not probe_file(path, error=ConfigError):
            raise ConfigError("tokenizer file not found", path=str(path))
        detected = kind or detect_file_kind(path)
        spec = TokenizerSpec(
            name,
            "tiktoken" if detected == "tekken" else detected,  # the kinds `tokenizers list` shows
            True,
            f"user file {path}" + (f" (pattern {pattern})" if pattern else ""),
            lambda: tokenizer_from_file(name, path, kind, pattern),
            path.is_file,
            None,
            origin,
            lambda: f"file {path}",
        )
        # Config and command-line files take precedence over built-in names (e.g. a user copy of p50k_base);
        # a name declared twice by the user is still an error.
        existing = self._specs.get(name)
        self.register(spec, replace=existing is not None and existing.origin == "builtin")
        return spec

    def register_model(self, model: str, tokenizer: str, provider: str = "custom") -> None:
        self._models[normalize_model_name(model)] = (tokenizer, provider)

    # -- lookup ----------------------------------------------------------------------------------------

    def names(self) -> list[str]:
        self._scan_plugins()
        return sorted(self._specs)

    def specs(self) -> list[TokenizerSpec]:
        self._scan_plugins()
        return [self._specs[name] for name in sorted(self._specs)]

    def spec(self, name: str) -> TokenizerSpec:
        if name not in self._specs:
            self._scan_plugins()
        if name not in self._specs:
            raise unknown_name("tokenizer", name, sorted(self._specs))
        return self._specs[name]

    def get(self, name: str) -> Tokenizer:
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            spec = self.spec(name)
            tokenizer = spec.factory()
            self._loaded[name] = tokenizer
            return tokenizer

    def is_loaded(self, name: str) -> bool:
        return name in self._loaded

    def models(self) -> dict[str, tuple[str, str]]:
        return dict(self._models)

    def resolve_model(self, name: str) -> ModelSpec:
        found = lookup_model(name, self._models)
        if found is None:
            raise unknown_name("model", name, sorted(self._models))
        key, tokenizer, provider = found
        return ModelSpec(name=name, canonical=key, tokenizer=tokenizer, provider=provider)

    # -- plugins ---------------------------------------------------------------------------------------

    def _scan_plugins(self) -> None:
        # Entry points are only listed when a name is not built in: scanning metadata costs start-up time.
        if self._plugins_scanned:
            return
        self._plugins_scanned = True
        from importlib.metadata import entry_points

        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            if entry_point.name in self._specs:
                continue
            spec = TokenizerSpec(
                entry_point.name,
                "plugin",
                True,
                f"plugin {entry_point.value}",
                _plugin_factory(entry_point.name, entry_point),
                lambda: True,
                None,
                "plugin",
                _constant(f"plugin {entry_point.value}"),
            )
            self._specs[entry_point.name] = spec


def _constant(text: str) -> Callable[[], str]:
    return lambda: text


def _plugin_factory(name: str, entry_point: Any) -> Callable[[], Tokenizer]:
    def factory() -> Tokenizer:
        try:
            loaded = entry_point.load()
            # A class or a factory function is called; an object that already encodes is used as it is.
            is_instance = not isinstance(loaded, type) and callable(getattr(loaded, "encode", None))
            candidate = loaded if is_instance or not callable(loaded) else loaded()
        except Exception as error:  # a broken plugin must not crash tokcli with a traceback
            raise TokcliError(f"tokenizer plugin {name!r} ({entry_point.value}) failed to load: {error}") from None
        return wrap_tokenizer(name, candidate, f"plugin {entry_point.value}")

    return factory


def wrap_tokenizer(name: str, candidate: Any, source: str) -> Tokenizer:
    """Adapt what a plugin returns: a tokcli Tokenizer, a tiktoken.Encoding, a tokenizers.Tokenizer, or any
    object with encode(str) -> ids and decode(ids) -> str."""
    if isinstance(candidate, Tokenizer):
        return candidate
    module = type(candidate).__module__
    if module.startswith("tiktoken"):
        return TiktokenTokenizer(name, source, candidate)
    if module.startswith("tokenizers"):
        return HFTokenizer(name, source, candidate)
    if callable(getattr(candidate, "encode", None)) and callable(getattr(candidate, "decode", None)):
        return FunctionTokenizer(name, source, candidate.encode, candidate.decode, kind="plugin")
    raise TokcliError(f"tokenizer plugin {name!r} returned {type(candidate).__name__}, which has no encode/decode")


_registry: Registry | None = None
_registry_lock = threading.Lock()


def get_registry() -> Registry:
    global _registry
    with _registry_lock:
        if _registry is None:
            registry = Registry()
            for spec in builtin_specs():
                registry.register(spec)
            for definition in BUILTIN_ESTIMATES:
                registry.register_estimate(definition)
            _registry = registry
        return _registry


def reset_registry() -> None:
    """Forget every registration and loaded tokenizer (tests, and config reloads)."""
    global _registry
    with _registry_lock:
        _registry = None


def get_tokenizer(name: str) -> Tokenizer:
    return get_registry().get(name)


def resolve_model(name: str) -> ModelSpec:
    return get_registry().resolve_model(name)


def tokenizer_for_model(name: str) -> Tokenizer:
    return get_registry().get(resolve_model(name).tokenizer)


def apply_config(
    tokenizers: Iterable[dict[str, Any]], estimates: dict[str, dict[str, Any]], source: str | None
) -> None:
    """Register config-declared tokenizer files and estimate factors (validated by tokcli.config)."""
    registry = get_registry()
    tokenizers = list(tokenizers)
    applied = repr((source, tokenizers, estimates))
    if applied in registry._applied_configs:
        return
    for entry in tokenizers:
        registry.register_file(entry["name"], Path(entry["path"]), kind=entry.get("kind"), pattern=entry.get("pattern"))
        for model in entry.get("models", []):
            registry.register_model(model, entry["name"])
    builtin = {definition.name: definition for definition in BUILTIN_ESTIMATES}
    for name, values in estimates.items():
        default = builtin.get(name)
        base = values.get("base", default.base if default else "o200k_base")
        factor = float(values.get("factor", default.factor if default else 1.0))
        if factor <= 0:
            raise ConfigError(f"estimates.{name}.factor must be positive", path=source)
        note = values.get("note", default.note if default else "configured estimate")
        registry.register_estimate(EstimateDefinition(name, base, factor, note), origin="config", replace=True)
        for model in values.get("models", []):
            registry.register_model(model, name)
    registry._applied_configs.add(applied)


def missing_extra_for(name: str) -> MissingExtraError | None:
    """The install hint for a known tokenizer whose data is not installed, or None."""
    spec = get_registry().spec(name)
    if spec.is_available():
        return None
    if spec.extra:
        return MissingExtraError(f"tokenizer {name!r} needs an optional extra: {spec.install_hint()}")
    return None

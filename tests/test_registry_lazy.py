"""The registry loads nothing until asked, each tokenizer at most once per process (also under threads), and
`tokcli --help` / `--version` import no tokenizer library at all."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tokcli.errors import ConfigError
from tokcli.registry import TokenizerSpec, get_registry, get_tokenizer, resolve_model
from tokcli.registry.backends import FunctionTokenizer, Tokenizer


def test_nothing_is_loaded_until_used(fresh_registry: None) -> None:
    registry = get_registry()
    resolve_model("gpt-4o")
    resolve_model("claude-sonnet-4-5")
    registry.specs()
    assert not any(registry.is_loaded(name) for name in registry.names())
    get_tokenizer("claude-estimate")
    assert registry.is_loaded("claude-estimate")
    assert registry.is_loaded("o200k_base")  # its base, loaded through it
    assert not registry.is_loaded("cl100k_base")


def _counting_spec(name: str, calls: list[int]) -> TokenizerSpec:
    lock = threading.Lock()

    def factory() -> Tokenizer:
        with lock:
            calls.append(1)
        return FunctionTokenizer(name, "test", lambda text: [len(text)], lambda ids: "")

    return TokenizerSpec(name, "native", True, "counts its loads", factory, lambda: True, None, "plugin")


def test_each_tokenizer_loads_once_even_from_many_threads(fresh_registry: None) -> None:
    calls: list[int] = []
    get_registry().register(_counting_spec("once", calls))
    with ThreadPoolExecutor(max_workers=8) as pool:
        loaded = list(pool.map(lambda _: get_tokenizer("once"), range(64)))
    assert calls == [1]
    assert all(tokenizer is loaded[0] for tokenizer in loaded)


def test_duplicate_names_are_an_error(fresh_registry: None) -> None:
    registry = get_registry()
    registry.register(_counting_spec("twice", []))
    with pytest.raises(ConfigError, match="tokenizer 'twice' is defined twice"):
        registry.register(_counting_spec("twice", []))
    with pytest.raises(ConfigError, match="defined twice"):
        registry.register(_counting_spec("cl100k_base", []))  # built-in names are taken too


def test_help_and_version_import_no_tokenizer_library() -> None:
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from tokcli.cli import app\n"
        "runner = CliRunner()\n"
        "for args in (['--version'], ['--help'], ['count', '--help'], ['tokenizers', '--help']):\n"
        "    assert runner.invoke(app, args).exit_code == 0, args\n"
        "heavy = ['tiktoken', 'tokenizers', 'sentencepiece', 'yaml', 'jinja2', 'pathspec', 'tokcli.registry']\n"
        "print(' '.join(name for name in heavy if name in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == ""

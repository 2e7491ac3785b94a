"""Shared fixtures: every test runs with its own HOME, an empty tiktoken cache and a session-wide tokcli cache."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tokcli_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One parsed-ranks cache for the whole session, so each ranks file is parsed once."""
    return tmp_path_factory.mktemp("tokcli-cache")


@pytest.fixture(autouse=True)
def isolated_environment(
    tokcli_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """HOME → an empty tmp dir, TIKTOKEN_CACHE_DIR → an empty tmp dir (and no stray tiktoken cache under the
    system temp dir), TOKCLI_CACHE_DIR → the session cache. No user config or cache leaks into a test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("tiktoken-cache")))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setenv("TOKCLI_CACHE_DIR", str(tokcli_cache_dir))
    # tokcli also looks for tiktoken's default cache under the system temp dir: point that somewhere empty.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("tmp")))
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    """A registry rebuilt before and after the test: for tests that register tokenizers, models or estimates.

    Built-in tokenizers load again afterwards (from the session's parsed-ranks cache), so use it only where a
    test changes the registry."""
    from tokcli.registry import reset_registry

    reset_registry()
    yield
    reset_registry()

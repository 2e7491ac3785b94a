"""The provider prompt-caching minimums: one sourced table, matched by provider and longest model prefix."""

from __future__ import annotations

import pytest

from tokcli.audit.caching import CACHE_MINIMUMS, cache_minimum
from tokcli.registry import resolve_model


@pytest.mark.parametrize(
    ("model", "tokens"),
    [
        ("gpt-4o-2024-08-06", 1024),
        ("o3-mini", 1024),
        ("claude-sonnet-4-5", 1024),
        ("claude-haiku-4-5-20251001", 4096),
        ("claude-opus-4-5", 4096),
        ("claude-3-5-haiku-latest", 2048),
        ("gemini-2.5-flash", 1024),
        ("gemini-2.5-flash-lite", 2048),
        ("gemini-2.5-pro", 4096),
        ("deepseek-chat", 64),
    ],
)
def test_minimum_for_model(model: str, tokens: int) -> None:
    spec = resolve_model(model)
    found = cache_minimum(spec.provider, spec.canonical)
    assert found is not None and found.tokens == tokens


def test_providers_without_a_prompt_cache() -> None:
    assert cache_minimum("mistral", "mistral-large") is None
    assert cache_minimum("meta", "llama-3.1-8b") is None


def test_every_row_has_an_https_source_and_one_default_per_provider() -> None:
    assert all(row.source.startswith("https://") for row in CACHE_MINIMUMS)
    defaults = [row.provider for row in CACHE_MINIMUMS if not row.model_prefix]
    assert len(defaults) == len(set(defaults))

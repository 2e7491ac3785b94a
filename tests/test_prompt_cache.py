"""The provider prompt-caching minimums: one sourced table, matched by provider and longest model prefix."""

from __future__ import annotations

import pytest

from tokcli.prompt_cache import CACHE_MINIMUMS, cache_minimum
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


def test_lint_tk401_reads_the_same_table() -> None:
    from tokcli.lint.config import LintSettings
    from tokcli.lint.engine import Linter
    from tokcli.prompt_cache import DEFAULT_MIN_CACHEABLE, min_cacheable_tokens

    static = "".join(f"Rule {i}: quote the excerpt that covers area {i} and name its id.\n" for i in range(150))
    source = "Today is {{ date }}.\n" + static

    def messages(model: str) -> list[str]:
        linter = Linter(LintSettings(select=["TK401"]), model=model)
        return [finding.message for finding in linter.lint_text("p.j2", source)]

    assert min_cacheable_tokens("google", "gemini-2.5-pro") == 4096
    assert min_cacheable_tokens("mistral", "mistral-large") == DEFAULT_MIN_CACHEABLE
    assert [("1,024-token" in message) for message in messages("gpt-4o")] == [True]
    assert messages("gemini-2.5-pro") == []  # ~2,000 static tokens: below Gemini 2.5 Pro's 4,096
    assert messages("claude-sonnet-4-5") != []  # 1,024 for Sonnet

"""The shipped price table: coverage, dates and sources, tokenizer names, `pricing check`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from tokcli.pricing import load_pricing, shipped_pricing_path
from tokcli.pricing.check import check_price_files
from tokcli.registry import get_registry

REQUIRED_PROVIDERS = {"openai", "anthropic", "google", "mistral", "deepseek", "xai"}


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    return load_pricing()


def test_table_is_package_data_read_with_safe_yaml() -> None:
    path = shipped_pricing_path()
    assert path.is_file() and path.parent.name == "data" and path.parent.parent.name == "tokcli"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and data["currency"] == "USD"
    assert len(data["models"]) >= 40


def test_coverage(table) -> None:  # type: ignore[no-untyped-def]
    providers = {model.provider for model in table.models}
    assert len(table.models) >= 40
    assert providers >= REQUIRED_PROVIDERS
    assert len(providers) >= 7
    for provider in REQUIRED_PROVIDERS:
        assert sum(m.provider == provider for m in table.models) >= 2, provider


def test_every_entry_is_dated_and_sourced(table) -> None:  # type: ignore[no-untyped-def]
    for model in table.models:
        assert isinstance(model.as_of, dt.date), model.id
        assert model.as_of <= dt.date.today(), model.id
        assert "litellm 1.110.2 price map" in model.source or model.source.startswith("https://"), model.id
        assert "cross-checked" in model.source, model.id  # says whether it was checked against the provider


def test_every_tokenizer_exists_in_the_registry(table) -> None:  # type: ignore[no-untyped-def]
    names = set(get_registry().names())
    missing = sorted({model.tokenizer for model in table.models} - names)
    assert missing == []


def test_tokenizers_agree_with_the_registry_model_map(table) -> None:  # type: ignore[no-untyped-def]
    models = get_registry().models()
    for model in table.models:
        for name in model.names:
            known = models.get(name.lower())
            if known is not None and model.tokenizer_exact:
                assert known[0] == model.tokenizer, (model.id, name, known)


def test_estimates_are_used_where_no_tokenizer_is_public(table) -> None:  # type: ignore[no-untyped-def]
    by_provider = {m.provider: m.tokenizer for m in table.models}
    assert by_provider["anthropic"] == "claude-estimate"
    assert by_provider["google"] == "gemini-estimate"
    assert by_provider["xai"] == "generic-estimate"
    assert table.get("gpt-4o").tokenizer == "o200k_base"
    assert table.get("llama-4-maverick").tokenizer == "llama4"


def test_names_are_unique(table) -> None:  # type: ignore[no-untyped-def]
    names = [name.lower() for model in table.models for name in model.names]
    assert len(names) == len(set(names))


def test_anthropic_cache_writes_and_long_context_tiers_are_present(table) -> None:  # type: ignore[no-untyped-def]
    for model in table.models:
        if model.provider == "anthropic":
            assert model.rates.cache_write is not None and model.rates.cache_write_1h is not None, model.id
            assert model.rates.cache_write == model.rates.input * 5 / 4, model.id  # 1.25× input
            assert model.rates.cache_write_1h == model.rates.input * 2, model.id
    assert any(model.tiers for model in table.models if model.provider == "google")
    assert any(model.batch_discount for model in table.models)


def test_shipped_table_passes_check() -> None:
    report = check_price_files([], tokenizer_names=get_registry().names(), today=dt.date(2026, 11, 29))
    assert report.errors == []
    assert report.models >= 40


def test_check_warns_about_old_prices_with_their_dates() -> None:
    later = dt.date(2027, 9, 1)
    report = check_price_files([], tokenizer_names=get_registry().names(), today=later)
    stale = [p for p in report.warnings if "days old" in p.message]
    assert stale and all("as_of 2026-11-29" in p.message for p in stale)
    assert report.errors == []


def test_check_catches_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "models:\n"
        "  - id: gpt-4o\n"  # an override: partial is fine
        "    input: 2.00\n"
        "  - id: mine\n"
        "    provider: me\n"
        "    tokenizer: o200k_bsae\n"
        "    input: -1\n"
        "    output: 2\n"
        "    as_of: 2020-01-01\n"
        "    source: me\n"
        "  - id: mine\n"
        "    provider: me\n"
        "    tokenizer: cl100k_base\n"
        "    input: 1\n"
        "    output: 2\n"
        "    as_of: 2026-11-01\n"
        "    source: me\n",
        encoding="utf-8",
    )
    report = check_price_files([path], tokenizer_names=get_registry().names(), today=dt.date(2026, 11, 29))
    messages = [(p.line, p.severity, p.message) for p in report.problems]
    assert (7, "error", "model 'mine': field 'input' must not be negative, got -1") in messages
    assert any(line == 11 and "already used by 'mine'" in msg for line, _, msg in messages)
    # `mine` failed validation, so the tokenizer typo and the old date are reported for the valid entries only
    assert all(p.path == str(path) for p in report.problems)
    assert len(report.errors) == 2


def test_check_reports_unknown_tokenizer_and_stale_entry(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(
        "models:\n"
        "  - id: mine\n"
        "    provider: me\n"
        "    tokenizer: o200k_bsae\n"
        "    input: 1\n"
        "    output: 2\n"
        "    as_of: 2020-01-01\n"
        "    source: me\n",
        encoding="utf-8",
    )
    report = check_price_files([path], tokenizer_names=get_registry().names(), today=dt.date(2026, 11, 29))
    assert [p.message for p in report.errors] == [
        "model 'mine': unknown tokenizer 'o200k_bsae'; did you mean 'o200k_base'?"
    ]
    assert [p.line for p in report.warnings] == [2]
    assert "as_of 2020-01-01 is 2524 days old" in report.warnings[0].message

"""Reading price files: the schema, line numbers in errors, duplicates, overrides, format detection."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tokcli.errors import ConfigError, UnknownNameError
from tokcli.pricing import load_pricing, read_price_file
from tokcli.pricing.load import build_table

D = Decimal

GOOD = """\
schema_version: 1
currency: USD
models:
  - id: acme-large
    provider: acme
    aliases: [acme-large-2026-01-01]
    tokenizer: cl100k_base
    input: 3.00
    cached_input: 0.30
    cache_write: 3.75
    cache_write_1h: 6
    output: 15
    long_context:
      - {above: 200000, input: 6, output: 22.5}
    batch_discount: 0.5
    context_window: 1000000
    max_output_tokens: 64000
    as_of: 2026-11-01
    source: https://acme.example/pricing
  - id: acme-small
    provider: acme
    tokenizer: o200k_base
    input: 0.075
    output: 0.3
    as_of: "2026-10-01"
    source: acme price sheet
"""


def _write(tmp_path: Path, text: str, name: str = "prices.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path, shipped: bool = False) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_pricing([path], shipped=shipped)
    return caught.value


def test_good_file_loads_with_exact_decimals(tmp_path: Path) -> None:
    table = load_pricing([_write(tmp_path, GOOD)], shipped=False)
    large = table.get("ACME-LARGE-2026-01-01")
    assert large.id == "acme-large"
    assert large.rates.input == D("3.00") and large.rates.cache_write_1h == D("6")
    assert table.get("acme-small").rates.input == D("0.075")
    tier = large.tiers[0]
    assert (tier.above, tier.rates.input, tier.rates.output) == (200_000, D("6"), D("22.5"))
    # Fields a tier does not name keep the base price.
    assert (tier.rates.cached_input, tier.rates.cache_write_1h) == (D("0.30"), D("6"))
    assert large.batch_discount == D("0.5") and large.context_window == 1_000_000
    assert str(table.get("acme-small").as_of) == "2026-10-01"
    assert large.origin == str(tmp_path / "prices.yaml") and large.line == 4


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("    input: 3.00\n", "    input: -3\n", 8, "field 'input' must not be negative"),
        ("    output: 15\n", "    output: fifteen\n", 12, "field 'output' must be a number"),
        ("    output: 15\n", "    outptu: 15\n", 12, "unknown field 'outptu'; did you mean 'output'?"),
        ("    as_of: 2026-11-01\n", "    as_of: last week\n", 18, "field 'as_of' must be a date"),
        ("    batch_discount: 0.5\n", "    batch_discount: 50\n", 15, "batch_discount"),
        ("    context_window: 1000000\n", "    context_window: -1\n", 16, "positive whole number"),
        ("    source: acme price sheet\n", "", 20, "missing required field 'source'"),
        ("      - {above: 200000, input: 6, output: 22.5}\n", "      - {above: 0, input: 6}\n", 14, "above"),
        ("    aliases: [acme-large-2026-01-01]\n", "    aliases: [acme-small]\n", 20, "'acme-small' is already used"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, old: str, new: str, line: int, message: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    error = _error(path)
    assert error.path == str(path)
    assert error.line == line
    assert message in error.message
    assert str(error).startswith(f"{path}:{line}: ")


def test_tiers_must_grow(tmp_path: Path) -> None:
    text = GOOD.replace(
        "      - {above: 200000, input: 6, output: 22.5}\n",
        "      - {above: 200000, input: 6}\n      - {above: 100000, input: 5}\n",
    )
    error = _error(_write(tmp_path, text))
    assert error.line == 15 and "must be larger than the tier before it" in error.message


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("    aliases: [acme-large-2026-01-01]\n", "    aliases: [acme-large\n"))
    error = _error(path)
    assert error.path == str(path) and error.line is not None and "invalid YAML" in error.message


def test_duplicate_key_and_bad_top_level(tmp_path: Path) -> None:
    dup = _write(tmp_path, GOOD.replace("    output: 15\n", "    output: 15\n    output: 16\n"), "dup.yaml")
    error = _error(dup)
    assert error.line == 13 and "duplicate key 'output'" in error.message
    top = _write(tmp_path, "currency: EUR\nmodels: []\n", "eur.yaml")
    assert "currency must be USD" in _error(top).message
    nolist = _write(tmp_path, "models: {a: 1}\n", "nolist.yaml")
    assert "'models' must be a list" in _error(nolist).message


def test_problems_are_all_collected(tmp_path: Path) -> None:
    text = GOOD.replace("    input: 3.00\n", "    input: -3\n").replace("    output: 0.3\n", "    output: -1\n")
    document = read_price_file(_write(tmp_path, text))
    _, problems = build_table([document])
    assert [p.line for p in problems] == [8, 24]


def test_override_updates_shipped_entry_field_by_field(tmp_path: Path) -> None:
    override = _write(
        tmp_path,
        "models:\n  - id: gpt-4o-2024-08-06\n    input: 2.00\n    as_of: 2026-11-20\n    source: our contract\n",
    )
    shipped = load_pricing()
    table = load_pricing([override])
    model = table.get("gpt-4o")
    assert model.rates.input == D("2.00")
    assert model.rates.output == shipped.get("gpt-4o").rates.output  # untouched fields stay
    assert model.source == "our contract" and model.origin == str(override)
    assert "gpt-4o-2024-08-06" in model.aliases
    assert len(table.models) == len(shipped.models)


def test_override_adds_new_models_and_partial_new_model_fails(tmp_path: Path) -> None:
    added = load_pricing([_write(tmp_path, GOOD)])
    assert added.get("acme-large").provider == "acme"
    assert len(added.models) == len(load_pricing().models) + 2
    partial = _write(tmp_path, "models:\n  - id: brand-new\n    input: 1\n", "partial.yaml")
    error = _error(partial, shipped=True)
    assert error.path == str(partial) and "missing required field" in error.message


def test_tokcli_schema_in_json_is_read_with_lines(tmp_path: Path) -> None:
    data = {
        "models": [
            {
                "id": "j-model",
                "provider": "j",
                "tokenizer": "o200k_base",
                "input": 1.5,
                "output": -2,
                "as_of": "2026-11-01",
                "source": "s",
            }
        ]
    }
    path = _write(tmp_path, json.dumps(data, indent=2), "prices.json")
    error = _error(path)
    assert error.line == 8 and "must not be negative" in error.message


def test_missing_and_invalid_json_files(tmp_path: Path) -> None:
    missing = _error(tmp_path / "nope.yaml")
    assert "not found" in missing.message
    text = '{\n  "gpt-4o": {\n    "input_cost_per_token": 1e-6,\n  }\n}\n'
    broken = _write(tmp_path, text, "broken.json")
    error = _error(broken)
    # The line json's own parser names: 4 (the closing brace) before Python 3.13, 3 (the comma) from 3.13 on.
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads(text)
    assert error.line == parsed.value.lineno and "invalid JSON" in error.message


def test_unknown_model_lists_closest_matches() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown priced model 'claude-sonet-4-5'.*claude-sonnet-4-5"):
        load_pricing().get("claude-sonet-4-5")


def test_provider_prefix_is_accepted() -> None:
    table = load_pricing()
    assert table.get("openai/gpt-4o").id == "gpt-4o"
    assert table.get("anthropic/claude-haiku-4-5").id == "claude-haiku-4-5"

"""litellm-format price maps: detection, field mapping, overrides, and `import` round trips."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tokcli.errors import ConfigError
from tokcli.pricing import load_pricing, read_price_file
from tokcli.pricing.dump import table_to_yaml
from tokcli.pricing.litellm import infer_tokenizer
from tokcli.pricing.load import import_price_map

D = Decimal
SHARED_MAP = Path(__file__).resolve().parents[2] / "shared" / "data" / "litellm-model-prices-1.110.2.json"

FIXTURE = {
    "sample_spec": {"input_cost_per_token": 0.0, "max_input_tokens": "max input tokens, if the provider specifies it"},
    "gpt-4o": {
        "input_cost_per_token": 2e-06,
        "output_cost_per_token": 8e-06,
        "cache_read_input_token_cost": 5e-07,
        "input_cost_per_token_batches": 1e-06,
        "output_cost_per_token_batches": 4e-06,
        "litellm_provider": "openai",
        "max_input_tokens": 128000,
        "max_output_tokens": 16384,
        "mode": "chat",
    },
    "anthropic/claude-test-1": {
        "input_cost_per_token": 3e-06,
        "output_cost_per_token": 1.5e-05,
        "cache_read_input_token_cost": 3e-07,
        "cache_creation_input_token_cost": 3.75e-06,
        "cache_creation_input_token_cost_above_1hr": 6e-06,
        "input_cost_per_token_above_200k_tokens": 6e-06,
        "output_cost_per_token_above_200k_tokens": 2.25e-05,
        "cache_read_input_token_cost_above_200k_tokens": 6e-07,
        "litellm_provider": "anthropic",
        "max_input_tokens": 1000000,
        "mode": "chat",
    },
    "dashscope/qwen-test": {
        "litellm_provider": "dashscope",
        "max_input_tokens": 997952,
        "mode": "chat",
        "tiered_pricing": [
            {
                "input_cost_per_token": 4e-07,
                "output_cost_per_token": 1.2e-06,
                "output_cost_per_reasoning_token": 4e-06,
                "range": [0, 256000.0],
            },
            {"input_cost_per_token": 1.2e-06, "output_cost_per_token": 3.6e-06, "range": [256000.0, 1000000.0]},
        ],
    },
    "text-embedding-3-small": {"input_cost_per_token": 2e-08, "output_cost_per_token": 0.0, "mode": "embedding"},
    "xai/grok-test": {
        "input_cost_per_token": 1.25e-06,
        "output_cost_per_token": 2.5e-06,
        "input_cost_per_token_batches": 1e-06,
        "output_cost_per_token_batches": 2e-06,
        "litellm_provider": "xai",
        "deprecation_date": "2027-01-01",
        "mode": "chat",
    },
}


def _fixture(tmp_path: Path, data: dict[str, object] | None = None, name: str = "litellm.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data or FIXTURE, indent=4), encoding="utf-8")
    return path


def test_litellm_map_is_detected_and_converted(tmp_path: Path) -> None:
    document = read_price_file(_fixture(tmp_path), as_of=dt.date(2026, 11, 1))
    assert document.kind == "litellm"
    assert document.skipped == 1  # the embedding model
    ids = [entry.fields["id"] for entry in document.entries]
    # A "provider/" prefix is dropped from the id (kept as an alias) unless the short name is taken.
    assert ids == ["gpt-4o", "claude-test-1", "qwen-test", "grok-test"]

    table = load_pricing([_fixture(tmp_path)], shipped=False)
    gpt = table.get("gpt-4o")
    assert (gpt.rates.input, gpt.rates.output, gpt.rates.cached_input) == (D("2"), D("8"), D("0.5"))
    assert gpt.batch_discount == D("0.5")
    assert (gpt.context_window, gpt.max_output_tokens) == (128_000, 16_384)
    assert gpt.tokenizer == "o200k_base"
    assert gpt.source == "litellm price map (litellm.json)"

    claude = table.get("anthropic/claude-test-1")
    assert claude.id == "claude-test-1"
    assert claude.provider == "anthropic" and claude.tokenizer == "claude-estimate"
    assert (claude.rates.cache_write, claude.rates.cache_write_1h) == (D("3.75"), D("6"))
    tier = claude.tiers[0]
    assert (tier.above, tier.rates.input, tier.rates.output, tier.rates.cached_input) == (
        200_000,
        D("6"),
        D("22.5"),
        D("0.6"),
    )
    assert tier.rates.cache_write == D("3.75")  # not in the map's tier: the base price stays

    qwen = table.get("dashscope/qwen-test")
    assert qwen.id == "qwen-test" and qwen.provider == "alibaba" and qwen.tokenizer == "qwen"
    assert (qwen.rates.input, qwen.rates.output, qwen.rates.reasoning_output) == (D("0.4"), D("1.2"), D("4"))
    assert [(t.above, t.rates.input, t.rates.output) for t in qwen.tiers] == [(256_000, D("1.2"), D("3.6"))]

    grok = table.get("grok-test")
    assert grok.batch_discount == D("0.2") and str(grok.deprecated) == "2027-01-01"
    assert grok.tokenizer == "generic-estimate"


def test_litellm_override_keeps_shipped_tokenizer_and_aliases(tmp_path: Path) -> None:
    table = load_pricing([_fixture(tmp_path)])
    gpt = table.get("gpt-4o-2024-08-06")
    assert gpt.id == "gpt-4o"
    assert gpt.rates.input == D("2")  # the user's map wins on prices
    assert gpt.tokenizer == "o200k_base"
    assert "gpt-4o-2024-08-06" in gpt.aliases


def test_bad_litellm_value_names_file_line_and_field(tmp_path: Path) -> None:
    data = json.loads(json.dumps(FIXTURE))
    data["xai/grok-test"]["output_cost_per_token"] = -1e-06
    path = _fixture(tmp_path, data, "bad.json")
    with pytest.raises(ConfigError) as caught:
        load_pricing([path], shipped=False)
    error = caught.value
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if '"output_cost_per_token": -1e-06' in text
    )
    assert (error.path, error.line) == (str(path), line)
    assert "model 'grok-test': field 'output' must not be negative" in error.message


def test_import_round_trips_through_yaml(tmp_path: Path) -> None:
    result = import_price_map(_fixture(tmp_path), as_of=dt.date(2026, 11, 2))
    text = table_to_yaml(result.models, header="test import")
    out = tmp_path / "prices.yaml"
    out.write_text(text, encoding="utf-8")
    reread = load_pricing([out], shipped=False)
    assert [m.id for m in reread.models] == [m.id for m in result.models]
    for original, again in zip(result.models, reread.models):
        assert again.rates == original.rates
        assert again.tiers == original.tiers
        assert (again.batch_discount, again.as_of, again.source) == (
            original.batch_discount,
            original.as_of,
            original.source,
        )
    only_xai = import_price_map(_fixture(tmp_path), providers=["xai"])
    assert [m.id for m in only_xai.models] == ["grok-test"] and only_xai.skipped == 4


def test_import_output_over_its_own_input_is_refused(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tokcli.cli import app

    source = _fixture(tmp_path)
    before = source.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["pricing", "import", str(source), "-o", str(source)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"tokcli: error: -o {source}: that is {source}, which this run read; the report would replace it\n"
    )
    assert source.read_text(encoding="utf-8") == before


def test_import_refuses_a_tokcli_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("models: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a litellm-format price map"):
        import_price_map(path)


@pytest.mark.parametrize(
    ("name", "provider", "tokenizer", "exact"),
    [
        ("gpt-4o-mini", "openai", "o200k_base", True),
        ("azure/gpt-4.1", "azure", "o200k_base", True),
        ("ft:gpt-4o-2024-08-06", "openai", "o200k_base", True),
        ("gpt-4-turbo", "openai", "cl100k_base", True),
        ("gpt-3.5-turbo", "openai", "cl100k_base", True),
        ("groq/openai/gpt-oss-120b", "groq", "o200k_harmony", True),
        ("claude-2.1", "anthropic", "claude2", True),
        ("bedrock/anthropic.claude-sonnet-4-5", "bedrock", "claude-estimate", True),
        ("gemini/gemini-2.5-pro", "gemini", "gemini-estimate", True),
        ("together_ai/meta-llama/Llama-4-Scout-17B-16E-Instruct", "together_ai", "llama4", True),
        ("meta.llama3-3-70b-instruct-v1:0", "bedrock_converse", "llama3", True),
        ("mistral/mistral-small-latest", "mistral", "mistral-tekken", True),
        ("mistral/open-mixtral-8x22b", "mistral", "mistral-v3", True),
        ("dashscope/qwen3.5-plus", "dashscope", "qwen3.5", True),
        ("dashscope/qwen3-max", "dashscope", "qwen", True),
        ("deepseek/deepseek-v3.2", "deepseek", "deepseek-v3", True),
        ("deepseek-v4-pro", "deepseek", "deepseek-v3", False),
        ("xai/grok-4.7", "xai", "generic-estimate", True),
    ],
)
def test_tokenizer_inference(name: str, provider: str, tokenizer: str, exact: bool) -> None:
    assert infer_tokenizer(name, provider) == (tokenizer, exact)


@pytest.mark.skipif(not SHARED_MAP.is_file(), reason="shared litellm 1.110.2 map not present")
def test_real_litellm_map_imports_and_agrees_with_shipped_cross_checks() -> None:
    result = import_price_map(SHARED_MAP)
    assert len(result.models) > 1000
    by_name = {name: m for m in result.models for name in m.names}
    shipped = load_pricing()
    assert by_name["gpt-4o"].rates == shipped.get("gpt-4o").rates
    assert by_name["claude-haiku-4-5"].rates == shipped.get("claude-haiku-4-5").rates
    assert by_name["gemini/gemini-2.5-pro"].tiers == shipped.get("gemini-2.5-pro").tiers
    # Shipped figures agree with the map they cite wherever the map has the model under the same provider.
    compared = 0
    for model in shipped.models:
        other = by_name.get(model.id)
        if other is None or other.provider != model.provider:
            continue
        compared += 1
        assert (other.rates.input, other.rates.output) == (model.rates.input, model.rates.output), model.id
    assert compared >= 30


def _hostile_map(tmp_path: Path, **fields: object) -> Path:
    entry = {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}
    entry.update(fields)
    good = {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"gpt-good": good, "gpt-hostile": entry}, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1e308, "field 'input' is out of range: 1E+314 USD per 1M tokens (at most 1,000,000)"),
        (-1e-6, "field 'input' must not be negative, got -1"),
        (float("nan"), "field 'input' must be a finite number, got NaN"),
        (float("inf"), "field 'input' must be a finite number, got Infinity"),
    ],
)
def test_absurd_litellm_prices_are_problems_of_their_entry(tmp_path: Path, value: float, message: str) -> None:
    from tokcli.pricing.check import check_price_files

    path = _hostile_map(tmp_path, input_cost_per_token=value)
    report = check_price_files([path], tokenizer_names=["o200k_base", "generic-estimate"])
    assert [(problem.line, problem.message) for problem in report.errors] == [(11, f"model 'gpt-hostile': {message}")]
    assert report.models == 1  # gpt-good was still checked
    with pytest.raises(ConfigError) as caught:
        load_pricing([path])
    assert (caught.value.path, caught.value.line) == (str(path), 11)


def test_absurd_litellm_limits_and_tiers_are_left_out(tmp_path: Path) -> None:
    path = _hostile_map(
        tmp_path,
        max_input_tokens=1e300,
        max_output_tokens=-5,
        input_cost_per_token_batches=1e300,
        tiered_pricing=[{"range": [1e308, 2e308], "input_cost_per_token": 1e-6}],
        **{"input_cost_per_token_above_" + "9" * 5000 + "k_tokens": 1e-6},
    )
    model = load_pricing([path], shipped=False).get("gpt-hostile")
    assert model.context_window is None and model.max_output_tokens is None
    assert model.batch_discount is None and model.tiers == ()
    assert model.rates.input == D(1)


def test_huge_integer_in_a_price_file(tmp_path: Path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text("models:\n  - id: x\n    context_window: 1" + "0" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_price_file(path)
    assert caught.value.message == "invalid YAML: a number with too many digits to read"


def test_python_tag_in_a_price_file(tmp_path: Path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text("models:\n  - id: !!python/name:os.system\n    input: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_price_file(path)
    assert caught.value.line == 2
    assert "could not determine a constructor for the tag 'tag:yaml.org,2002:python/name:os.system'" in str(
        caught.value
    )

"""`tokcli cost` and `tokcli pricing ...` end to end, through the typer app with real tokenizers."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app

runner = CliRunner()
D = Decimal
HELLO = "hello world"  # o200k_base: [24912, 2375] — two tokens


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray config from the repository


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["cost", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_json_for_one_model_has_exact_decimal_strings() -> None:
    data = _json("--text", HELLO, "-m", "gpt-4o", "--output-tokens", "1000")
    assert data["currency"] == "USD" and data["skipped"] == []
    [item] = data["results"]
    assert item["path"] == "<text>"
    assert (item["model"], item["provider"], item["tokenizer"]) == ("gpt-4o", "openai", "o200k_base")
    assert (item["input_tokens"], item["output_tokens"]) == (2, 1000)
    assert item["input_cost"] == "0.000005"  # 2 × $2.50 / 1M
    assert item["output_cost"] == "0.01"
    assert item["total_cost"] == "0.010005"
    assert item["exact"] is True and item["price_stale"] is False
    assert item["price_as_of"] == "2026-11-29"
    assert D(item["input_cost"]) + D(item["output_cost"]) == D(item["total_cost"])


def test_estimates_are_marked_and_each_model_uses_its_own_tokenizer(tmp_path: Path) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Summarise the following support ticket in three bullet points.\n" * 20, encoding="utf-8")
    data = _json(str(prompt), "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "-m", "llama-4-maverick")
    by_model = {item["model"]: item for item in data["results"]}
    assert by_model["gpt-4o"]["exact"] is True
    assert by_model["claude-sonnet-4-5"]["exact"] is False
    assert by_model["claude-sonnet-4-5"]["tokenizer"] == "claude-estimate"
    assert by_model["claude-sonnet-4-5"]["input_tokens"] > by_model["gpt-4o"]["input_tokens"]
    assert [item["model"] for item in data["results"]] == ["gpt-4o", "claude-sonnet-4-5", "llama-4-maverick"]


def test_unknown_model_lists_closest_matches() -> None:
    result = runner.invoke(app, ["cost", "--text", HELLO, "-m", "gpt-4oo"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("tokcli: error: unknown priced model 'gpt-4oo'; did you mean: gpt-4o")
    assert "Traceback" not in result.stderr


def test_compare_lists_every_model_cheapest_first_with_a_bar() -> None:
    result = runner.invoke(app, ["cost", "--text", HELLO * 50, "--output-tokens", "200", "--format", "text"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = lines[0].split()
    assert header[:7] == ["model", "provider", "input", "tok", "output", "tok", "input"]
    rows = [line for line in lines[1:] if not line.startswith(("~", "!", "skipped"))]
    assert len(rows) >= 40
    totals = [D(line.split("$")[3].split()[0].replace(",", "")) for line in rows]
    assert totals == sorted(totals)
    assert rows[-1].count("#") == 20 and rows[0].count("#") >= 1
    assert "~ token count is an estimate" in result.stdout

    data = _json("--text", HELLO * 50, "--output-tokens", "200")
    exact_totals = [D(item["total_cost"]) for item in data["results"]]
    assert exact_totals == sorted(exact_totals)
    assert {item["provider"] for item in data["results"]} >= {
        "openai",
        "anthropic",
        "google",
        "mistral",
        "deepseek",
        "xai",
    }


def test_cached_fraction_batch_and_volume() -> None:
    base = _json("--text", HELLO * 100, "-m", "gpt-4o")["results"][0]
    cached = _json("--text", HELLO * 100, "-m", "gpt-4o", "--cached-fraction", "0.5")["results"][0]
    tokens = base["input_tokens"]
    assert cached["cached_input_tokens"] == round(tokens * 0.5)
    expected = (
        D(tokens - cached["cached_input_tokens"]) * D("2.5") + D(cached["cached_input_tokens"]) * D("1.25")
    ) / D(1_000_000)
    assert D(cached["input_cost"]) == expected
    batch = _json("--text", HELLO * 100, "-m", "gpt-4o", "--batch")["results"][0]
    assert batch["batch"] is True and D(batch["input_cost"]) * 2 == D(base["input_cost"])
    volume = _json("--text", HELLO, "-m", "gpt-4o", "--output-tokens", "100", "--calls", "30000", "--per", "month")
    item = volume["results"][0]
    assert (item["calls"], item["per"]) == (30000, "month")
    assert D(item["period_cost"]) == D(item["total_cost"]) * 30000 == D("30.15")


def test_long_context_tier_applies_above_the_threshold(tmp_path: Path) -> None:
    prompt = tmp_path / "long.txt"
    prompt.write_text("hello world " * 110_000, encoding="utf-8")  # > 200k o200k tokens
    item = _json(str(prompt), "-m", "gemini-2.5-pro")["results"][0]
    assert item["input_tokens"] > 200_000
    assert item["long_context_above"] == 200_000
    assert D(item["input_cost"]) == D(item["input_tokens"]) * D("2.5") / D(1_000_000)


def test_csv_output() -> None:
    result = runner.invoke(app, ["cost", "--text", HELLO, "-m", "gpt-4o", "-m", "claude-haiku-4-5", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["model"] for row in rows] == ["gpt-4o", "claude-haiku-4-5"]
    assert rows[0]["input_cost"] == "0.000005" and rows[0]["exact"] == "true"
    # booleans as the JSON and `count --format csv` spell them
    assert (rows[1]["exact"], rows[1]["batch"], rows[1]["price_stale"]) == ("false", "false", "false")
    assert result.stderr == ""


def test_piped_output_is_plain_text() -> None:
    result = runner.invoke(app, ["cost", "--text", HELLO, "-m", "gpt-4o", "-m", "claude-haiku-4-5"])
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" not in result.stdout and "│" not in result.stdout
    assert result.stdout.splitlines()[1].startswith("gpt-4o")
    assert "$0.000005" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--calls", "-5"], "--calls must not be negative"),
        (["--calls", "5", "--per", "fortnight"], "--per must be one of call, day, week, month, year"),
        (["--cached-fraction", "2"], "--cached-fraction must be between 0 and 1"),
        (["--output-ratio", "lots"], "--output-ratio must be a number"),
        (["--output-tokens", "5", "--output-ratio", "1"], "not both"),
    ],
)
def test_bad_flags_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["cost", "--text", HELLO, "-m", "gpt-4o", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("tokcli: error: ") and len(result.stderr.splitlines()) == 1
    assert message in result.stderr


def test_malformed_pricing_file_names_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "prices.yaml"
    bad.write_text("models:\n  - id: gpt-4o\n    output: -10\n", encoding="utf-8")
    result = runner.invoke(app, ["cost", "--text", HELLO, "-m", "gpt-4o", "--pricing", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f"tokcli: error: {bad}:3: model 'gpt-4o': field 'output' must not be negative, got -10\n"


def test_pricing_override_from_flag_and_config(tmp_path: Path) -> None:
    override = tmp_path / "ours.yaml"
    override.write_text(
        "models:\n  - id: gpt-4o\n    input: 1.00\n    as_of: 2026-11-20\n    source: negotiated\n", encoding="utf-8"
    )
    item = _json("--text", HELLO, "-m", "gpt-4o", "--pricing", str(override))["results"][0]
    assert item["input_cost"] == "0.000002"
    (tmp_path / ".tokcli.yaml").write_text("pricing: ours.yaml\nvolume:\n  calls: 1000\n  per: day\n", encoding="utf-8")
    item = _json("--text", HELLO, "-m", "gpt-4o")["results"][0]
    assert item["input_cost"] == "0.000002"
    assert (item["calls"], item["per"], item["period_cost"]) == (1000, "day", "0.002")


def test_litellm_map_as_override(tmp_path: Path) -> None:
    mapping = {"gpt-4o": {"input_cost_per_token": 5e-06, "output_cost_per_token": 2e-05, "litellm_provider": "openai"}}
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(mapping, indent=2), encoding="utf-8")
    item = _json("--text", HELLO, "-m", "gpt-4o", "--pricing", str(path))["results"][0]
    assert item["input_cost"] == "0.00001" and item["tokenizer"] == "o200k_base"


def test_missing_extra_gives_install_hint(monkeypatch: pytest.MonkeyPatch, fresh_registry: None) -> None:
    import tokcli.registry.builtin as builtin

    real = builtin.package_dir
    monkeypatch.setattr(builtin, "package_dir", lambda name: None if name == "mistral_common" else real(name))
    result = runner.invoke(app, ["cost", "--text", HELLO, "-m", "codestral-2508"])
    assert result.exit_code == 2
    assert "pip install 'mistral-common>=1.5' 'sentencepiece>=0.2'" in result.stderr
    assert "Traceback" not in result.stderr
    # Comparing every model skips the ones that cannot be counted and says why.
    data = json.loads(runner.invoke(app, ["cost", "--text", HELLO, "--format", "json"]).stdout)
    skipped = {entry["model"] for entry in data["skipped"]}
    assert "codestral-2508" in skipped and "gpt-4o" not in skipped
    assert all(item["provider"] != "mistral" for item in data["results"])


def test_pricing_list_show_and_check() -> None:
    listed = runner.invoke(app, ["pricing", "list", "--provider", "anthropic", "--format", "json"])
    assert listed.exit_code == 0, listed.stderr
    models = json.loads(listed.stdout)["models"]
    assert models and all(m["provider"] == "anthropic" for m in models)
    plain = runner.invoke(app, ["pricing", "list"])
    assert plain.exit_code == 0 and "gpt-4o" in plain.stdout and "2026-11-29" in plain.stdout
    shown = runner.invoke(app, ["pricing", "show", "gpt-4o-2024-08-06"])
    assert shown.exit_code == 0
    assert "input:             $2.5" in shown.stdout and "cached input:      $1.25" in shown.stdout
    assert "output:            $10" in shown.stdout and "source:" in shown.stdout
    unknown = runner.invoke(app, ["pricing", "show", "gpt-9"])
    assert unknown.exit_code == 2 and "unknown priced model 'gpt-9'" in unknown.stderr
    bad_provider = runner.invoke(app, ["pricing", "list", "--provider", "openia"])
    assert bad_provider.exit_code == 2 and "did you mean: openai" in bad_provider.stderr
    checked = runner.invoke(app, ["pricing", "check"])
    assert checked.exit_code == 0, checked.stdout
    assert checked.stdout.strip().endswith("0 warning(s)") or "warning" in checked.stdout


def test_pricing_check_broken_file_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  - id: x\n    provider: p\n    tokenizer: nope\n    input: 1\n", encoding="utf-8")
    result = runner.invoke(app, ["pricing", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: error: model 'x': missing required field 'output'" in result.stdout
    assert "error(s)" in result.stdout.splitlines()[-1]
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("models:\n  - id: [x\n", encoding="utf-8")
    result = runner.invoke(app, ["pricing", "check", str(syntax)])
    assert result.exit_code == 1 and f"{syntax}:3: error: invalid YAML" in result.stdout
    missing = runner.invoke(app, ["pricing", "check", str(tmp_path / "absent.yaml")])
    assert missing.exit_code == 2 and "pricing file not found" in missing.stderr


def test_pricing_import_writes_yaml_that_loads_back(tmp_path: Path) -> None:
    mapping = {
        "acme/acme-1": {
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 4e-06,
            "cache_read_input_token_cost": 1e-07,
            "litellm_provider": "acme",
            "max_input_tokens": 100000,
            "mode": "chat",
        },
        "acme/acme-embed": {"input_cost_per_token": 1e-08, "litellm_provider": "acme", "mode": "embedding"},
    }
    source = tmp_path / "map.json"
    source.write_text(json.dumps(mapping, indent=2), encoding="utf-8")
    out = tmp_path / "prices.yaml"
    result = runner.invoke(app, ["pricing", "import", str(source), "-o", str(out), "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "tokcli: imported 1 model (1 entry skipped)\n")
    text = out.read_text(encoding="utf-8")
    assert "  - id: acme-1\n" in text and "    as_of: 2026-11-01\n" in text and "    cached_input: 0.1\n" in text
    item = _json("--text", HELLO, "-m", "acme-1", "--pricing", str(out))["results"][0]
    assert item["tokenizer"] == "generic-estimate" and item["exact"] is False
    assert D(item["input_cost"]) == D(item["input_tokens"]) / D(1_000_000)
    bad_date = runner.invoke(app, ["pricing", "import", str(source), "--as-of", "yesterday"])
    assert bad_date.exit_code == 2 and "--as-of must be a date" in bad_date.stderr


def test_pricing_import_counts_in_plural_words(tmp_path: Path) -> None:
    price = {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "litellm_provider": "acme", "mode": "chat"}
    embed = {"input_cost_per_token": 1e-08, "litellm_provider": "acme", "mode": "embedding"}
    source = tmp_path / "map.json"
    source.write_text(json.dumps({"acme-1": price, "acme-2": price, "e1": embed, "e2": embed}), encoding="utf-8")
    result = runner.invoke(app, ["pricing", "import", str(source), "-o", str(tmp_path / "prices.yaml")])
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "tokcli: imported 2 models (2 entries skipped)\n"


@pytest.mark.parametrize(("calls", "shown"), [("90000", "$0.45"), ("500", "<$0.01"), ("2000000", "$10.00")])
def test_per_period_figure_is_shown_to_the_cent(calls: str, shown: str) -> None:
    # Two gpt-4o input tokens cost $0.000005 a call; the period column once showed "$0.450000".
    result = runner.invoke(
        app, ["cost", "--text", HELLO, "-m", "gpt-4o", "--calls", calls, "--per", "day", "-f", "text"]
    )
    assert (result.exit_code, result.stderr) == (0, "")
    header, row = result.stdout.splitlines()
    assert header.split()[-3:] == ["per", "day", "notes"]
    assert row.split()[:8] == ["gpt-4o", "openai", "2", "0", "$0.000005", "$0", "$0.000005", shown]


def test_compare_with_models_sorts_only_those() -> None:
    args = ["--text", HELLO, "-m", "claude-opus-4-5", "-m", "gpt-4o-mini", "-m", "gpt-4o"]
    assert [i["model"] for i in _json(*args)["results"]] == ["claude-opus-4-5", "gpt-4o-mini", "gpt-4o"]
    ranked = _json(*args, "--compare")["results"]
    assert [i["model"] for i in ranked] == ["gpt-4o-mini", "gpt-4o", "claude-opus-4-5"]


def test_config_models_are_the_default_and_unpriced_ones_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".tokcli.yaml").write_text("models: [gpt-4o, llama-3.1-8b, claude-haiku-4-5]\n", encoding="utf-8")
    data = _json("--text", HELLO)
    assert [i["model"] for i in data["results"]] == ["gpt-4o", "claude-haiku-4-5"]
    assert data["skipped"] == [{"model": "llama-3.1-8b", "reason": "no price in the table (config `models`)"}]
    assert [i["model"] for i in _json("--text", HELLO, "-m", "o3")["results"]] == ["o3"]


def test_a_model_mapped_to_a_config_tokenizer_is_counted_with_it(tmp_path: Path, fresh_registry: None) -> None:
    """Gemini on a user SentencePiece model (Gemma's, as Google's SDK does): exact, and the same count as
    `count`. Mistral's v1 SentencePiece model stands in for Gemma's here."""
    sentencepiece = pytest.importorskip("sentencepiece")
    data = pytest.importorskip("mistral_common")
    source = Path(data.__file__).parent / "data" / "tokenizer.model.v1"
    (tmp_path / "spm.model").write_bytes(source.read_bytes())
    (tmp_path / ".tokcli.yaml").write_text(
        "tokenizers:\n  - {name: gemma-stand-in, path: spm.model, models: [gemini-2.5-pro]}\n"
    )
    (tmp_path / "p.md").write_text(HELLO)
    expected = len(sentencepiece.SentencePieceProcessor(model_file=str(source)).encode(HELLO))
    [row] = _json("p.md", "-m", "gemini-2.5-pro")["results"]
    assert (row["input_tokens"], row["exact"]) == (expected, True)
    counted = runner.invoke(app, ["count", "p.md", "-m", "gemini-2.5-pro", "-f", "json"])
    [item] = json.loads(counted.stdout)["results"]
    assert (item["tokens"], item["tokenizer"], item["exact"]) == (expected, "gemma-stand-in", True)


def test_chat_and_prompty_files_are_priced_on_what_count_counts(tmp_path: Path) -> None:
    (tmp_path / "summary.prompt.yml").write_text(
        "name: Summarizer\nmodel: openai/gpt-4o\ntestData:\n  - text: a long example input that is never sent\n"
        "messages:\n  - role: user\n    content: hello world\n"
    )
    (tmp_path / "judge.prompty").write_text(
        "---\nname: Judge\nmodel:\n  api: chat\n  parameters:\n    max_tokens: 3\n---\nhello world\n"
    )
    counted = runner.invoke(app, ["count", "summary.prompt.yml", "judge.prompty", "-m", "gpt-4o", "-f", "json"])
    expected = {row["path"]: row["tokens"] for row in json.loads(counted.stdout)["results"]}
    # o200k_base: "hello world" is 2 tokens; the chat file adds OpenAI's framing (3 + 1 for the role + 3)
    assert expected == {"summary.prompt.yml": 2 + 7, "judge.prompty": o200k_count("hello world\n")}
    data = _json("summary.prompt.yml", "judge.prompty", "-m", "gpt-4o")
    assert {item["path"]: item["input_tokens"] for item in data["results"]} == expected


def o200k_count(text: str) -> int:
    from tokcli.registry import get_tokenizer

    return get_tokenizer("o200k_base").count(text)


def test_a_prompt_that_names_its_model_is_priced_there_too(tmp_path: Path) -> None:
    (tmp_path / "summary.prompt.yml").write_text(
        "name: Summarizer\nmodel: openai/gpt-4o-mini\nmessages:\n  - role: user\n    content: hello world\n"
    )
    (tmp_path / "agent.yaml").write_text(
        "agent:\n  system_template: |\n    hello world\nmodel:\n  model_name: gpt-4o\n"
    )
    (tmp_path / "azure.prompt.yml").write_text(
        "model: my-azure-deployment\nmessages:\n  - role: user\n    content: hello world\n"
    )
    (tmp_path / "promptfooconfig.yaml").write_text(
        "prompts:\n  - 'hello world'\nproviders:\n  - openai:gpt-4o-mini\ntests: []\n"
    )
    data = _json("summary.prompt.yml", "agent.yaml", "azure.prompt.yml", "promptfooconfig.yaml", "-m", "gpt-4o")
    rows = [(item["path"], item["model"], item["input_tokens"], item["notes"]) for item in data["results"]]
    assert rows == [
        ("summary.prompt.yml", "gpt-4o", 9, []),
        ("summary.prompt.yml", "gpt-4o-mini", 9, ["model named in the file"]),
        ("agent.yaml::agent.system_template", "gpt-4o", o200k_count("hello world\n"), ["model named in the file"]),
        ("azure.prompt.yml", "gpt-4o", 9, []),  # a name the price table does not know is left alone
        ("promptfooconfig.yaml::prompts[0]", "gpt-4o", 2, []),
        ("promptfooconfig.yaml::prompts[0]", "gpt-4o-mini", 2, ["model named in the file"]),
    ]

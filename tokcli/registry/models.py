"""Model names → tokenizers. Exact name first, then the longest known prefix, so dated snapshots resolve.

Where a provider publishes no tokenizer, the model maps to an estimate (exact: false).
"""

from __future__ import annotations

from dataclasses import dataclass

# (model key, tokenizer, provider). Keys are lower case; a name resolves to the longest key that is a
# prefix of it at a boundary ("-", ":", "@", "_"), so "gpt-4o-2024-08-06" → "gpt-4o", never "gpt-4".
MODEL_MAP: tuple[tuple[str, str, str], ...] = (
    # OpenAI
    ("gpt-5", "o200k_base", "openai"),
    ("gpt-5-mini", "o200k_base", "openai"),
    ("gpt-5-nano", "o200k_base", "openai"),
    ("gpt-5-pro", "o200k_base", "openai"),
    ("gpt-5-codex", "o200k_base", "openai"),
    ("gpt-5-chat-latest", "o200k_base", "openai"),
    ("gpt-5.1", "o200k_base", "openai"),
    ("gpt-5.1-codex", "o200k_base", "openai"),
    ("gpt-5.2", "o200k_base", "openai"),
    ("gpt-5.4", "o200k_base", "openai"),
    ("gpt-5.4-mini", "o200k_base", "openai"),
    ("gpt-5.4-nano", "o200k_base", "openai"),
    ("gpt-5.5", "o200k_base", "openai"),
    ("gpt-6", "o200k_base", "openai"),
    ("gpt-6.1", "o200k_base", "openai"),
    ("gpt-4.1", "o200k_base", "openai"),
    ("gpt-4.1-mini", "o200k_base", "openai"),
    ("gpt-4.1-nano", "o200k_base", "openai"),
    ("gpt-4.5", "o200k_base", "openai"),
    ("gpt-4.5-preview", "o200k_base", "openai"),
    ("gpt-4o", "o200k_base", "openai"),
    ("gpt-4o-mini", "o200k_base", "openai"),
    ("chatgpt-4o-latest", "o200k_base", "openai"),
    ("o1", "o200k_base", "openai"),
    ("o1-mini", "o200k_base", "openai"),
    ("o1-pro", "o200k_base", "openai"),
    ("o3", "o200k_base", "openai"),
    ("o3-mini", "o200k_base", "openai"),
    ("o3-pro", "o200k_base", "openai"),
    ("o4-mini", "o200k_base", "openai"),
    ("gpt-oss-20b", "o200k_harmony", "openai"),
    ("gpt-oss-120b", "o200k_harmony", "openai"),
    ("gpt-oss", "o200k_harmony", "openai"),  # gpt-oss:20b (Ollama tags)
    ("gpt-4", "cl100k_base", "openai"),
    ("gpt-4-turbo", "cl100k_base", "openai"),
    ("gpt-4-32k", "cl100k_base", "openai"),
    ("gpt-3.5-turbo", "cl100k_base", "openai"),
    ("text-embedding-3-small", "cl100k_base", "openai"),
    ("text-embedding-3-large", "cl100k_base", "openai"),
    ("text-embedding-ada-002", "cl100k_base", "openai"),
    ("davinci-002", "cl100k_base", "openai"),
    ("babbage-002", "cl100k_base", "openai"),
    ("text-davinci-003", "p50k_base", "openai"),
    ("text-davinci-002", "p50k_base", "openai"),
    ("code-davinci-002", "p50k_base", "openai"),
    ("davinci", "r50k_base", "openai"),
    ("gpt2", "r50k_base", "openai"),
    # Anthropic: Claude 3 and later have no public tokenizer.
    ("claude-opus-5", "claude-estimate", "anthropic"),
    ("claude-sonnet-5", "claude-estimate", "anthropic"),
    ("claude-opus-4-8", "claude-estimate", "anthropic"),
    ("claude-opus-4-7", "claude-estimate", "anthropic"),
    ("claude-opus-4-6", "claude-estimate", "anthropic"),
    ("claude-sonnet-4-6", "claude-estimate", "anthropic"),
    ("claude-opus-4-5", "claude-estimate", "anthropic"),
    ("claude-sonnet-4-5", "claude-estimate", "anthropic"),
    ("claude-haiku-4-5", "claude-estimate", "anthropic"),
    ("claude-opus-4-1", "claude-estimate", "anthropic"),
    ("claude-opus-4", "claude-estimate", "anthropic"),
    ("claude-sonnet-4", "claude-estimate", "anthropic"),
    ("claude-3-7-sonnet", "claude-estimate", "anthropic"),
    ("claude-3-5-sonnet", "claude-estimate", "anthropic"),
    ("claude-3-5-haiku", "claude-estimate", "anthropic"),
    ("claude-3-opus", "claude-estimate", "anthropic"),
    ("claude-3-sonnet", "claude-estimate", "anthropic"),
    ("claude-3-haiku", "claude-estimate", "anthropic"),
    ("claude", "claude-estimate", "anthropic"),
    ("claude-2", "claude2", "anthropic"),
    ("claude-2.0", "claude2", "anthropic"),
    ("claude-2.1", "claude2", "anthropic"),
    ("claude-instant-1.2", "claude2", "anthropic"),
    ("claude-instant", "claude2", "anthropic"),  # Bedrock anthropic.claude-instant-v1
    ("claude-v2", "claude2", "anthropic"),  # Bedrock anthropic.claude-v2, anthropic.claude-v2:1
    # Google: Gemini has no public tokenizer.
    ("gemini-3-pro-preview", "gemini-estimate", "google"),
    ("gemini-2.5-pro", "gemini-estimate", "google"),
    ("gemini-2.5-flash", "gemini-estimate", "google"),
    ("gemini-2.5-flash-lite", "gemini-estimate", "google"),
    ("gemini-2.0-flash", "gemini-estimate", "google"),
    ("gemini-2.0-flash-lite", "gemini-estimate", "google"),
    ("gemini-1.5-pro", "gemini-estimate", "google"),
    ("gemini-1.5-flash", "gemini-estimate", "google"),
    ("gemini", "gemini-estimate", "google"),
    # Meta
    ("llama-3", "llama3", "meta"),
    ("llama-3.1", "llama3", "meta"),
    ("llama-3.2", "llama3", "meta"),
    ("llama-3.3", "llama3", "meta"),
    ("llama3", "llama3", "meta"),
    ("llama3.1", "llama3", "meta"),
    ("llama3.2", "llama3", "meta"),
    ("llama3.3", "llama3", "meta"),
    ("meta-llama-3", "llama3", "meta"),  # Hugging Face meta-llama/Meta-Llama-3-8B
    ("meta-llama-3.1", "llama3", "meta"),
    ("llama-4", "llama4", "meta"),
    ("llama-4-scout", "llama4", "meta"),
    ("llama-4-maverick", "llama4", "meta"),
    ("llama4", "llama4", "meta"),
    # Mistral (per mistral-common's tokenizer versions)
    ("mistral-7b", "mistral-v1", "mistral"),
    ("mistral-7b-v0.1", "mistral-v1", "mistral"),
    ("mistral-7b-v0.3", "mistral-v3", "mistral"),
    ("mistral-7b-instruct-v0.3", "mistral-v3", "mistral"),
    ("open-mistral-7b", "mistral-v3", "mistral"),
    ("mixtral-8x7b", "mistral-v1", "mistral"),
    ("open-mixtral-8x7b", "mistral-v1", "mistral"),
    ("mixtral-8x22b", "mistral-v3", "mistral"),
    ("open-mixtral-8x22b", "mistral-v3", "mistral"),
    ("codestral-22b", "mistral-v3", "mistral"),
    ("codestral-2405", "mistral-v3", "mistral"),  # Codestral 22B v0.1
    ("codestral", "mistral-tekken", "mistral"),
    ("mistral-large-2407", "mistral-v3", "mistral"),
    ("mistral-large-2411", "mistral-v7", "mistral"),
    ("mistral-large", "mistral-v7", "mistral"),
    ("mistral-large-3", "mistral-tekken", "mistral"),
    ("mistral-large-4", "mistral-tekken", "mistral"),
    ("mistral-large-2512", "mistral-tekken", "mistral"),
    ("mistral-large-latest", "mistral-tekken", "mistral"),
    ("pixtral-large", "mistral-v7", "mistral"),
    ("mistral-nemo", "mistral-tekken", "mistral"),
    ("open-mistral-nemo", "mistral-tekken", "mistral"),
    ("mistral-small", "mistral-tekken", "mistral"),
    ("mistral-medium", "mistral-tekken", "mistral"),
    ("ministral-3b", "mistral-tekken", "mistral"),
    ("ministral-8b", "mistral-tekken", "mistral"),
    ("pixtral-12b", "mistral-tekken", "mistral"),
    ("magistral-small", "mistral-tekken", "mistral"),
    ("magistral-medium", "mistral-tekken", "mistral"),
    ("devstral-small", "mistral-tekken", "mistral"),
    ("devstral-medium", "mistral-tekken", "mistral"),
    ("devstral", "mistral-tekken", "mistral"),
    ("ministral", "mistral-tekken", "mistral"),
    # Qwen
    ("qwen2", "qwen", "qwen"),
    ("qwen2.5", "qwen", "qwen"),
    ("qwen3", "qwen", "qwen"),
    ("qwen-max", "qwen", "qwen"),
    ("qwen-plus", "qwen", "qwen"),
    ("qwen-turbo", "qwen", "qwen"),
    ("qwen-flash", "qwen", "qwen"),
    ("qwen3.5", "qwen3.5", "qwen"),
    ("qwen3.6", "qwen3.5", "qwen"),
    # DeepSeek
    ("deepseek-chat", "deepseek-v3", "deepseek"),
    ("deepseek-reasoner", "deepseek-v3", "deepseek"),
    ("deepseek-v3", "deepseek-v3", "deepseek"),
    ("deepseek-v3.1", "deepseek-v3", "deepseek"),
    ("deepseek-v3.2", "deepseek-v3", "deepseek"),
    ("deepseek-r1", "deepseek-v3", "deepseek"),
    ("deepseek-v4", "deepseek-v3", "deepseek"),  # the same package's tokenizer.json, which it ships for V4 too
    ("deepseek-flash", "deepseek-v3", "deepseek"),
    # Providers with no public tokenizer for their current models
    ("grok-4", "generic-estimate", "xai"),
    ("grok-3", "generic-estimate", "xai"),
    ("grok-3-mini", "generic-estimate", "xai"),
    ("grok-code-fast-1", "generic-estimate", "xai"),
    ("grok", "generic-estimate", "xai"),
    ("command-a", "generic-estimate", "cohere"),
    ("command-r", "generic-estimate", "cohere"),
    ("command-r-plus", "generic-estimate", "cohere"),
    ("command-r7b", "generic-estimate", "cohere"),
    ("command", "generic-estimate", "cohere"),
    ("amazon.nova-pro", "generic-estimate", "amazon"),
    ("amazon.nova-lite", "generic-estimate", "amazon"),
    ("amazon.nova-micro", "generic-estimate", "amazon"),
    ("nova-pro", "generic-estimate", "amazon"),
    ("nova-lite", "generic-estimate", "amazon"),
    ("nova-micro", "generic-estimate", "amazon"),
    ("nova", "generic-estimate", "amazon"),
    ("amazon.nova", "generic-estimate", "amazon"),
)

_BOUNDARIES = "-:@_."
# Routing prefixes people paste from gateways (litellm, OpenRouter, Bedrock, Hugging Face).
_ROUTE_PREFIXES = (
    "openai/",
    "anthropic/",
    "google/",
    "gemini/",
    "vertex_ai/",
    "mistral/",
    "mistralai/",
    "meta-llama/",
    "meta/",
    "deepseek/",
    "deepseek-ai/",
    "qwen/",
    "xai/",
    "x-ai/",
    "cohere/",
    "bedrock/",
    "openrouter/",
    "azure/",
    "anthropic.",
    "openai.",
    "meta.",
    "mistral.",
    "cohere.",
    "us.",
    "eu.",
    "apac.",
    "global.",
    "ft:",  # OpenAI fine-tunes: ft:gpt-4o-mini-2024-07-18:org::id
)


@dataclass(frozen=True)
class ModelSpec:
    name: str  # as the user wrote it
    canonical: str  # the model-map key it resolved to
    tokenizer: str
    provider: str


def normalize_model_name(name: str) -> str:
    lowered = name.strip().lower()
    changed = True
    while changed:
        changed = False
        for prefix in _ROUTE_PREFIXES:
            if lowered.startswith(prefix) and len(lowered) > len(prefix):
                lowered = lowered[len(prefix) :]
                changed = True
    return lowered


def lookup_model(name: str, model_map: dict[str, tuple[str, str]]) -> tuple[str, str, str] | None:
    """(key, tokenizer, provider) for a model name, or None when nothing matches.

    A gateway path that names the model last (`groq/llama-3.3-70b`, `accounts/x/models/deepseek-v3`) is
    tried by its last segment when the whole name matches nothing."""
    found = _lookup(normalize_model_name(name), model_map)
    if found is None and "/" in name:
        found = _lookup(normalize_model_name(name.rsplit("/", 1)[1]), model_map)
    return found


def _lookup(lowered: str, model_map: dict[str, tuple[str, str]]) -> tuple[str, str, str] | None:
    if lowered in model_map:
        tokenizer, provider = model_map[lowered]
        return lowered, tokenizer, provider
    best = ""
    for key in model_map:
        if len(key) > len(best) and lowered.startswith(key) and lowered[len(key)] in _BOUNDARIES:
            best = key
    if best:
        tokenizer, provider = model_map[best]
        return best, tokenizer, provider
    return None


def builtin_model_map() -> dict[str, tuple[str, str]]:
    return {key: (tokenizer, provider) for key, tokenizer, provider in MODEL_MAP}

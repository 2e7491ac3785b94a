"""Provider prompt-caching minimums: the shortest prefix (in tokens) a provider will cache.

The one table tokcli has (lint's TK401 and `audit` both read it), checked against each provider's
documentation on the date in `AS_OF`. A prompt whose static prefix (the text before its first dynamic part) is
shorter than the minimum never gets cached-input prices. Rows are matched by provider, then by the longest
model-name prefix; the row with an empty prefix is the provider's default. A neutral module: it imports nothing
from tokcli, so the core (lint) and the higher layers (audit) can both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

AS_OF = "2025-11-20"


@dataclass(frozen=True)
class CacheMinimum:
    provider: str
    model_prefix: str  # "" = every other model of the provider
    tokens: int
    source: str


_OPENAI = "https://platform.openai.com/docs/guides/prompt-caching"
_ANTHROPIC = "https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching"
_GOOGLE = "https://ai.google.dev/gemini-api/docs/caching"
_DEEPSEEK = "https://api-docs.deepseek.com/guides/kv_cache"

CACHE_MINIMUMS: tuple[CacheMinimum, ...] = (
    # OpenAI: automatic caching for prompts of 1,024 tokens or more (gpt-4o and later, o-series).
    CacheMinimum("openai", "", 1024, _OPENAI),
    CacheMinimum("azure", "", 1024, _OPENAI),
    # Anthropic: "minimum cacheable prompt length" table.
    CacheMinimum("anthropic", "", 1024, _ANTHROPIC),
    CacheMinimum("anthropic", "claude-opus-4-5", 4096, _ANTHROPIC),
    CacheMinimum("anthropic", "claude-haiku-4-5", 4096, _ANTHROPIC),
    CacheMinimum("anthropic", "claude-3-5-haiku", 2048, _ANTHROPIC),
    CacheMinimum("anthropic", "claude-3-haiku", 2048, _ANTHROPIC),
    # Google: implicit caching minimum input tokens (Gemini 2.5 and later).
    CacheMinimum("google", "", 1024, _GOOGLE),
    CacheMinimum("google", "gemini-2.5-flash-lite", 2048, _GOOGLE),
    CacheMinimum("google", "gemini-2.5-pro", 4096, _GOOGLE),
    CacheMinimum("google", "gemini-3-pro", 4096, _GOOGLE),
    # DeepSeek: context caching on disk works in 64-token units; shorter prefixes are not cached.
    CacheMinimum("deepseek", "", 64, _DEEPSEEK),
)


#: What TK401 assumes for a provider without a known prompt cache (most cache from 1,024 tokens).
DEFAULT_MIN_CACHEABLE = 1024


def cache_minimum(provider: str, model: str) -> CacheMinimum | None:
    """The caching minimum that applies to `model` of `provider`; None when the provider has no prompt cache
    that tokcli knows of."""
    lowered = model.lower()
    best: CacheMinimum | None = None
    for row in CACHE_MINIMUMS:
        if row.provider != provider:
            continue
        if row.model_prefix and not lowered.startswith(row.model_prefix):
            continue
        if best is None or len(row.model_prefix) > len(best.model_prefix):
            best = row
    return best


def min_cacheable_tokens(provider: str, model: str = "") -> int:
    """The minimum for `model` of `provider` in tokens; `DEFAULT_MIN_CACHEABLE` when no row applies."""
    row = cache_minimum(provider, model)
    return row.tokens if row is not None else DEFAULT_MIN_CACHEABLE

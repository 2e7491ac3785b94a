"""Estimates for models whose tokenizer is not public: a base tokenizer's count times a factor.

The factors err on the high side, because an estimate is used to budget money. Why each factor:
- claude-estimate (Claude 3 and later): Anthropic publishes no tokenizer. Side-by-side counts with
  Anthropic's count-tokens endpoint, reported publicly, put Claude 3.x–4.x at roughly 1.15× GPT-4o's o200k
  count on English prose and up to ~1.3× on code; Anthropic's own note on its newest tokenizer says text can
  take up to 1.35× the tokens. 1.20 × o200k_base is the middle of that range.
- gemini-estimate: Gemini's 256k SentencePiece vocabulary is about as efficient as o200k on English; Google's
  docs give "about 4 characters per token". 1.05 × o200k_base leaves a small margin.
- generic-estimate (xAI, Cohere, Amazon Nova …): no public figure; 1.10 × o200k_base.
Measure your own prompts against a provider's count-tokens endpoint and set the factor in config
(`estimates: {claude-estimate: {base: o200k_base, factor: 1.25}}`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EstimateDefinition:
    name: str
    base: str
    factor: float
    note: str


BUILTIN_ESTIMATES: tuple[EstimateDefinition, ...] = (
    EstimateDefinition("claude-estimate", "o200k_base", 1.20, "Claude 3+ (no public tokenizer)"),
    EstimateDefinition("gemini-estimate", "o200k_base", 1.05, "Gemini (no public tokenizer)"),
    EstimateDefinition("generic-estimate", "o200k_base", 1.10, "models with no public tokenizer"),
)

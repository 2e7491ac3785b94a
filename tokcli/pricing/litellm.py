"""Converting a litellm-format price map (USD per token, one object per model) into tokcli entries.

Mapped fields: `input_cost_per_token`, `output_cost_per_token`, `cache_read_input_token_cost`,
`cache_creation_input_token_cost` (and `..._above_1hr`, Anthropic's 1-hour write),
`output_cost_per_reasoning_token`, the `*_above_<N>k_tokens` long-context prices, `tiered_pricing` ranges,
`input_cost_per_token_batches` (as a batch discount), `max_input_tokens`, `max_output_tokens`,
`litellm_provider`, `deprecation_date`. A litellm map names no tokenizer: one is inferred from the model
name and provider, and a shipped entry's own tokenizer wins when the converted entry overrides it.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import re
from decimal import Decimal
from typing import Any, TypeGuard

from tokcli.pricing.schema import MAX_PRICE, MAX_TOKENS, Problem, RawEntry

MILLION = Decimal(1_000_000)
#: Scales any finite figure without overflow (1e308 per token and beyond), so the schema can name it.
_WIDE = decimal.Context(Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
CHAT_MODES = frozenset({"chat", "completion", "responses"})
LITELLM_MARKERS = frozenset(
    {"input_cost_per_token", "output_cost_per_token", "litellm_provider", "max_input_tokens", "tiered_pricing"}
)
_SIMPLE = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cached_input",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_reasoning_token": "reasoning_output",
}
_ABOVE = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost"
    r"|cache_creation_input_token_cost_above_1hr|output_cost_per_reasoning_token)_above_(\d{1,9})k_tokens$"
)
PROVIDERS = {
    "gemini": "google",
    "vertex_ai-language-models": "google-vertex",
    "cohere_chat": "cohere",
    "bedrock": "amazon-bedrock",
    "bedrock_converse": "amazon-bedrock",
    "dashscope": "alibaba",
    "text-completion-openai": "openai",
}
_KEY_LINE = re.compile(r'^(\s*)"((?:[^"\\]|\\.)*)"\s*:')


def looks_like_litellm(data: dict[Any, Any]) -> bool:
    """True for a mapping of model names to objects that carry litellm price fields."""
    for key, value in data.items():
        if key == "sample_spec" or not isinstance(value, dict):
            continue
        return bool(LITELLM_MARKERS & set(value))
    return False


def provider_name(litellm_provider: str) -> str:
    return PROVIDERS.get(litellm_provider, litellm_provider)


#: (pattern, tokenizer), first match wins; patterns search the lower-cased name, `^`/`[./:]` anchor the
#: model part after any routing prefix. Providers with no public tokenizer fall through to the estimates.
_TOKENIZER_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), tokenizer)
    for pattern, tokenizer in (
        (r"claude-2|claude-instant", "claude2"),
        (r"claude", "claude-estimate"),
        (r"gemini", "gemini-estimate"),
        (r"gpt-oss", "o200k_harmony"),
        (r"(^|[./:])(gpt-3\.5|gpt-4(?![o.\d])|text-embedding-(3|ada))", "cl100k_base"),
        (r"(^|[./:])(gpt-4o|gpt-4\.[15]|gpt-[5-9]|o[134](-|$)|chatgpt|codex|computer-use)", "o200k_base"),
        (r"llama-?4", "llama4"),
        (r"llama-?3", "llama3"),
        (r"mixtral-8x22b", "mistral-v3"),
        (r"mistral-7b|mixtral-8x7b", "mistral-v1"),
        (r"mistral|ministral|codestral|devstral|magistral|pixtral|voxtral", "mistral-tekken"),
        (r"qwen-?3\.[5-9]", "qwen3.5"),
        (r"qwen", "qwen"),
        (r"deepseek", "deepseek-v3"),
    )
)
_GOOGLE_PROVIDERS = frozenset({"gemini", "google", "vertex_ai-language-models"})


def infer_tokenizer(model: str, provider: str) -> tuple[str, bool]:
    """A registry tokenizer for a model name, and whether it is the model's own (exact) vocabulary.

    DeepSeek V4-generation names (v4+, flash, pro) get the V3 tokenizer marked as a stand-in."""
    name = model.lower()
    if provider in _GOOGLE_PROVIDERS:
        return "gemini-estimate", True
    for pattern, tokenizer in _TOKENIZER_RULES:
        if pattern.search(name):
            if tokenizer == "deepseek-v3":
                return tokenizer, not re.search(r"v[4-9]|flash|pro", name.rsplit("/", 1)[-1])
            return tokenizer, True
    return "generic-estimate", True


def _per_million(value: Any) -> Any:
    """USD per token as found in the map -> USD per 1M tokens (non-numbers pass through for validation)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        return value
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return number  # NaN or infinite: for the schema to reject, with its line
    scaled = _WIDE.multiply(number, MILLION)
    if scaled.copy_abs() > MAX_PRICE:
        return scaled.normalize(_WIDE)  # absurd (the quantize below would overflow): for the schema to reject
    return scaled.quantize(Decimal(1)) if scaled == scaled.to_integral_value() else scaled.normalize()


def _key_lines(text: str) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Line of each top-level key and of each field inside it, for a pretty-printed JSON map."""
    top: dict[str, int] = {}
    fields: dict[str, dict[str, int]] = {}
    top_indent: int | None = None
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _KEY_LINE.match(line)
        if not match:
            continue
        indent = len(match.group(1))
        key = match.group(2)
        if top_indent is None:
            top_indent = indent
        if indent == top_indent:
            current = key
            top.setdefault(key, number)
            fields.setdefault(key, {})
        elif current is not None:
            fields[current].setdefault(key, number)
    return top, fields


def convert_map(
    data: dict[str, Any],
    *,
    path: str,
    text: str = "",
    as_of: _dt.date,
    source: str | None = None,
    providers: frozenset[str] | None = None,
) -> tuple[list[RawEntry], list[Problem], int]:
    """Convert a litellm map; returns (entries, problems, number of entries skipped as non-chat/unpriced)."""
    top_lines, field_lines = _key_lines(text)
    label = source or f"litellm price map ({path.replace(chr(92), '/').rsplit('/', 1)[-1]})"
    taken: set[str] = set()
    keys = {str(k).lower() for k in data}
    entries: list[RawEntry] = []
    problems: list[Problem] = []
    skipped = 0
    for key, value in data.items():
        line = top_lines.get(key)
        if key == "sample_spec":
            continue
        if not isinstance(value, dict):
            problems.append(Problem(path, line, f"model {key!r}: expected an object of prices, got {value!r}"))
            continue
        raw_provider = value.get("litellm_provider")
        provider = provider_name(raw_provider) if isinstance(raw_provider, str) else None
        if providers is not None and (
            provider is None or (provider not in providers and raw_provider not in providers)
        ):
            skipped += 1
            continue
        entry = _convert_entry(key, value, keys, taken, path, line, field_lines.get(key, {}), as_of, label)
        if entry is None:
            skipped += 1
            continue
        entries.append(entry)
    return entries, problems, skipped


def _convert_entry(
    key: str,
    value: dict[str, Any],
    keys: set[str],
    taken: set[str],
    path: str,
    line: int | None,
    lines: dict[str, int],
    as_of: _dt.date,
    source: str,
) -> RawEntry | None:
    mode = value.get("mode")
    if mode is not None and mode not in CHAT_MODES:
        return None
    tiered = value.get("tiered_pricing")
    if not ("input_cost_per_token" in value and "output_cost_per_token" in value) and not isinstance(tiered, list):
        return None
    raw_provider = value.get("litellm_provider")
    provider = provider_name(raw_provider) if isinstance(raw_provider, str) else "unknown"
    if key.lower() in taken:
        return None  # the same name in another letter case: lookups ignore case, so the first one wins
    ident = key
    if isinstance(raw_provider, str) and key.startswith(f"{raw_provider}/"):
        short = key[len(raw_provider) + 1 :]
        if short.lower() not in keys and short.lower() not in taken:
            ident = short
    taken.update((ident.lower(), key.lower()))
    fields: dict[str, Any] = {"id": ident, "provider": provider}
    locs: dict[str, tuple[str, int | None]] = {
        "id": (path, line),
        "provider": (path, lines.get("litellm_provider", line)),
    }
    if ident != key:
        fields["aliases"] = [key]
    tokenizer, exact = infer_tokenizer(key, raw_provider if isinstance(raw_provider, str) else "")
    fields["tokenizer"] = tokenizer
    inferred = {"tokenizer"}
    if not exact:
        fields["tokenizer_exact"] = False
        inferred.add("tokenizer_exact")

    for litellm_key, ours in _SIMPLE.items():
        if litellm_key in value:
            fields[ours] = _per_million(value[litellm_key])
            locs[ours] = (path, lines.get(litellm_key, line))
    tiers: dict[int, dict[str, Any]] = {}
    tier_lines: dict[int, int | None] = {}
    for litellm_key, number in value.items():
        match = _ABOVE.match(litellm_key)
        if match:
            above = int(match.group(2)) * 1000
            tiers.setdefault(above, {"above": above})[_SIMPLE[match.group(1)]] = _per_million(number)
            tier_lines.setdefault(above, lines.get(litellm_key, line))
    if isinstance(tiered, list):
        _apply_tiered(tiered, fields, tiers, tier_lines, lines.get("tiered_pricing", line))
    if "reasoning_output" in fields and fields.get("reasoning_output") == fields.get("output"):
        del fields["reasoning_output"]
    if tiers:
        ordered = sorted(tiers)
        fields["long_context"] = [tiers[above] for above in ordered]
        for index, above in enumerate(ordered):
            locs[f"long_context[{index}]"] = (path, tier_lines[above])
            for sub in tiers[above]:
                locs[f"long_context[{index}].{sub}"] = (path, tier_lines[above])
        locs["long_context"] = (path, tier_lines[ordered[0]])
    discount = _batch_discount(value)
    if discount is not None:
        fields["batch_discount"] = discount
        locs["batch_discount"] = (path, lines.get("input_cost_per_token_batches", line))
    for litellm_key, ours in (("max_input_tokens", "context_window"), ("max_output_tokens", "max_output_tokens")):
        count = value.get(litellm_key)
        if _in_range(count, MAX_TOKENS):
            fields[ours] = int(count)
            locs[ours] = (path, lines.get(litellm_key, line))
    deprecated = value.get("deprecation_date")
    if isinstance(deprecated, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", deprecated):
        fields["deprecated"] = deprecated
    fields["as_of"] = as_of
    fields["source"] = source
    return RawEntry(fields, path, line, locs, frozenset(inferred))


def _apply_tiered(
    tiered: list[Any],
    fields: dict[str, Any],
    tiers: dict[int, dict[str, Any]],
    tier_lines: dict[int, int | None],
    line: int | None,
) -> None:
    for band in tiered:
        if not isinstance(band, dict):
            continue
        bounds = band.get("range")
        low = bounds[0] if isinstance(bounds, list) and bounds else None
        if not _in_range(low, MAX_TOKENS, zero=True):
            continue
        prices = {ours: _per_million(band[k]) for k, ours in _SIMPLE.items() if k in band}
        if low == 0:
            for name, price in prices.items():
                fields.setdefault(name, price)
        else:
            above = int(low)
            tiers.setdefault(above, {"above": above}).update(prices)
            tier_lines.setdefault(above, line)


def _batch_discount(value: dict[str, Any]) -> Decimal | None:
    """The share off standard prices, when input and output batch prices agree on one."""
    shares = []
    for standard, batch in (
        ("input_cost_per_token", "input_cost_per_token_batches"),
        ("output_cost_per_token", "output_cost_per_token_batches"),
    ):
        full, cut = value.get(standard), value.get(batch)
        if not (_in_range(full, MAX_PRICE) and _in_range(cut, MAX_PRICE, zero=True)):
            continue
        shares.append((1 - Decimal(cut) / Decimal(full)).normalize())
    if not shares or any(share != shares[0] for share in shares) or not 0 < shares[0] < 1:
        return None
    return shares[0]


def _in_range(value: Any, limit: Any, *, zero: bool = False) -> TypeGuard[int | float | Decimal]:
    """A finite number from 0 (or above 0) to `limit`: safe to scale, compare and convert."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        return False
    if isinstance(value, float) and value != value:  # NaN compares false with everything
        return False
    if isinstance(value, Decimal) and not value.is_finite():
        return False
    return (value >= 0 if zero else value > 0) and value <= limit

"""Small texts are encoded in plain Python until tiktoken's Rust encoder is worth building; the ids must be
tiktoken's own, for every tiktoken-format family."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.registry import backends, get_registry
from tokcli.registry.pure_bpe import PureBPE, same_unicode_everywhere

TIKTOKEN_FAMILIES = [
    "o200k_base",
    "cl100k_base",
    "o200k_harmony",
    "llama3",
    "llama4",
    "qwen",
    "qwen3.5",
    "mistral-tekken",
]
SAMPLES = [
    "hello world",
    "   leading spaces, trailing\t\t\n\n\n",
    "naïve café — “quoted” 🧠🚀 日本語のテキスト 中文 한국어 Ελληνικά العربية",
    "{{ user_name }} {% for doc in documents %}{{ doc.text }}{% endfor %}",
    "1234567890 3.14159 0xDEADBEEF aGVsbG8gd29ybGQ= https://example.com/a?b=c#d",
    "I'm, you're, we've, they'll, she'd, IT'S, DON'T",
    "<|endoftext|> is ordinary text here",
    "a" * 300 + " " + "ab" * 150,
]


def _families() -> list[str]:
    registry = get_registry()
    return [name for name in TIKTOKEN_FAMILIES if registry.spec(name).is_available()]


def _pure_and_rust(name: str) -> tuple[PureBPE, object]:
    tokenizer = get_registry().get(name)
    assert isinstance(tokenizer, backends.TiktokenTokenizer)
    encoding = tokenizer.encoding
    return PureBPE(encoding._mergeable_ranks, encoding._pat_str), encoding


@pytest.mark.parametrize("name", _families())
@pytest.mark.parametrize("text", SAMPLES)
def test_plain_python_ids_equal_tiktoken(name: str, text: str) -> None:
    pure, encoding = _pure_and_rust(name)
    assert pure.encode_ordinary(text) == encoding.encode_ordinary(text)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", _families())
@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200))
def test_plain_python_ids_equal_tiktoken_on_generated_text(name: str, text: str) -> None:
    pure, encoding = _pure_and_rust(name)
    if same_unicode_everywhere(text):  # the only text the plain path is ever given
        assert pure.encode_ordinary(text) == encoding.encode_ordinary(text)  # type: ignore[attr-defined]


def test_text_with_code_points_unknown_to_python_goes_to_tiktoken() -> None:
    # U+3D000 is unassigned in Python 3.11's Unicode; tiktoken's regex and the regex module split
    # "\U0003d000/A" differently, so the plain path must not take it.
    text = "\U0003d000/A"
    assert not same_unicode_everywhere(text)
    source = get_registry().get("cl100k_base").encoding
    params = backends.TiktokenParams("cl100k_base", source._pat_str, source._mergeable_ranks)
    tokenizer = backends.TiktokenTokenizer("cl100k_base", "test", params=params)
    assert tokenizer.encode(text) == source.encode_ordinary(text)


def test_known_ids_come_from_the_plain_path_without_building_tiktoken() -> None:
    params = backends.TiktokenParams(
        "cl100k_base",
        get_registry().get("cl100k_base").encoding._pat_str,
        get_registry().get("cl100k_base").encoding._mergeable_ranks,
    )
    tokenizer = backends.TiktokenTokenizer("cl100k_base", "test", params=params)
    assert tokenizer.encode("hello world") == [15339, 1917]
    assert tokenizer.count("hello world") == 2
    assert tokenizer._encoding is None  # the Rust encoder was not needed


def test_the_rust_encoder_takes_over_past_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "PURE_BPE_BUDGET_CHARS", 20)
    source = get_registry().get("o200k_base").encoding
    params = backends.TiktokenParams("o200k_base", source._pat_str, source._mergeable_ranks)
    tokenizer = backends.TiktokenTokenizer("o200k_base", "test", params=params)
    assert tokenizer.count("hello world") == 2  # 11 characters: within the budget
    assert tokenizer._encoding is None
    assert tokenizer.count("hello world, again") == 4  # past the budget: tiktoken is built and used
    assert tokenizer._encoding is not None
    assert tokenizer.encode("hello world") == [24912, 2375]


class _CountingRanks(dict):
    """Ranks that count their look-ups, to measure the merge's work without a clock."""

    lookups = 0

    def get(self, key, default=None):
        type(self).lookups += 1
        return super().get(key, default)


def test_one_long_piece_is_merged_in_linear_lookups() -> None:
    """A run of 10,000 parentheses is one pre-token; scanning every pair per merge made it quadratic."""
    encoding = get_registry().get("o200k_base").encoding
    ranks = _CountingRanks(encoding._mergeable_ranks)
    pure = PureBPE(ranks, encoding._pat_str)
    work = []
    for size in (2_000, 4_000, 8_000):
        text = "(" * size
        _CountingRanks.lookups = 0
        assert pure.encode_ordinary(text) == encoding.encode_ordinary(text)
        work.append(_CountingRanks.lookups)
    assert work[1] <= 2.2 * work[0] and work[2] <= 2.2 * work[1], work

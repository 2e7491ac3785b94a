"""The optional fast counter (toktok-rs) must count exactly as tiktoken does, or not be used at all."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.registry import backends, get_tokenizer

toktok = pytest.importorskip("toktok", reason="the 'fast' extra (toktok-rs) is not installed")

FAST_ENCODINGS = ["cl100k_base", "o200k_base", "o200k_harmony"]


@pytest.fixture(autouse=True)
def always_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    # The threshold only decides when the fast path pays for its load time; tests force it on.
    monkeypatch.setattr(backends, "FAST_COUNT_MIN_CHARS", 0)


@pytest.mark.parametrize("name", FAST_ENCODINGS)
def test_fast_counter_passes_its_canary(name: str) -> None:
    tokenizer = get_tokenizer(name)
    assert isinstance(tokenizer, backends.TiktokenTokenizer)
    assert tokenizer.fast_counter() is not None


@pytest.mark.parametrize("name", FAST_ENCODINGS)
@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.text(min_size=0, max_size=300), min_size=1, max_size=6))
def test_fast_counts_equal_tiktoken(name: str, texts: list[str]) -> None:
    tokenizer = get_tokenizer(name)
    assert isinstance(tokenizer, backends.TiktokenTokenizer)
    expected = [len(tokenizer.encoding.encode_ordinary(text)) for text in texts]
    assert tokenizer.count_batch(texts) == expected


def test_fast_counter_with_special_tokens_matches_tiktoken() -> None:
    tokenizer = get_tokenizer("cl100k_base")
    text = "before <|endoftext|> after"
    assert tokenizer.count_batch([text], allow_special=True) == [len(tokenizer.encode(text, allow_special=True))]
    assert tokenizer.count_batch([text]) == [len(tokenizer.encode(text))]  # 7 tokens of text, not 1 special


def test_a_counter_that_disagrees_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    tokenizer = backends.TiktokenTokenizer(
        "o200k_base", "test", get_tokenizer("o200k_base").encoding, fast_name="o200k_base"
    )
    monkeypatch.setattr(toktok, "batch_count", lambda texts, *args, **kwargs: [0 for _ in texts])
    assert tokenizer.fast_counter() is None
    assert tokenizer.count_batch(["hello world"] * 5) == [2] * 5


def test_text_the_unicode_databases_disagree_on_is_counted_by_tiktoken() -> None:
    # U+323B0 (CJK Extension J) is unknown to Python 3.11's Unicode 14; toktok splits "\U000323b0:A" into
    # 5 tokens where tiktoken makes 6, so such text must never reach the fast counter.
    tokenizer = get_tokenizer("cl100k_base")
    assert isinstance(tokenizer, backends.TiktokenTokenizer)
    texts = ["\U000323b0:A", "hello world", "plain text " * 10]
    assert tokenizer.count_batch(texts) == [len(tokenizer.encoding.encode_ordinary(text)) for text in texts]

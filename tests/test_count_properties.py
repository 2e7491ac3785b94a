"""Properties of every installed tokenizer, with hypothesis: encode→decode round trips, counting is
deterministic, count == len(encode), count_batch == [count, ...], token pieces cover the text."""

from __future__ import annotations

import math
import os
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokcli.registry import get_registry, get_tokenizer

EXAMPLES = int(os.environ.get("TOKCLI_HYPOTHESIS_EXAMPLES", "100"))  # per tokenizer; CI may raise it
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _installed(exact: bool) -> list[str]:
    return [spec.name for spec in get_registry().specs() if spec.exact is exact and spec.is_available()]


EXACT = _installed(True)
ESTIMATES = _installed(False)

# Text people put in prompts, and text that stresses byte-level BPE: any Unicode (no surrogates), mixed scripts,
# whitespace runs, emoji sequences, and the special-token spellings that must stay ordinary text.
TEXTS = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=120),
    st.lists(
        st.sampled_from(
            [
                "hello",
                " world",
                "  ",
                "\n",
                "\r\n",
                "\t",
                "日本語",
                "Привет",
                "مرحبا",
                "🎉",
                "👩‍👩‍👧",
                "é",
                "e\u0301",
                "123456",
                "<|endoftext|>",
                "<s>",
                "</s>",
                "[INST]",
                "<|im_start|>",
                "{{ name }}",
                "'s",
                "\u00a0",
                "\u200b",
            ]
        ),
        max_size=30,
    ).map("".join),
)


def _expected_round_trip(name: str, text: str) -> str:
    if name == "claude2":
        return unicodedata.normalize("NFKC", text)  # the Claude 2 tokenizer normalises its input
    return text


def _special_ids(name: str) -> set[int]:
    tokenizer = get_tokenizer(name)
    encoding = getattr(tokenizer, "encoding", None)
    if encoding is None:
        return set()
    return {encoding.encode_single_token(token) + tokenizer.id_offset for token in encoding.special_tokens_set}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", EXACT)
@SETTINGS
@given(text=TEXTS)
def test_exact_tokenizer_properties(name: str, text: str) -> None:
    """One generated text, every property of an exact tokenizer (one test keeps hypothesis' overhead down)."""
    tokenizer = get_tokenizer(name)
    ids = tokenizer.encode(text)
    assert all(isinstance(token_id, int) and token_id >= 0 for token_id in ids)
    # encode → decode round trip
    assert tokenizer.decode(ids) == _expected_round_trip(name, text)
    # deterministic, and count == len(encode)
    assert tokenizer.encode(text) == ids
    assert tokenizer.count(text) == len(ids)
    # special-token spellings stay ordinary text unless allowed
    assert not _special_ids(name) & set(ids)
    # what `count --show` prints: one piece per token, and (for byte-level BPE) exactly the text
    pieces = tokenizer.token_pieces(text)
    assert len(pieces) == len(ids)
    if tokenizer.kind == "tiktoken" or name == "deepseek-v3":
        assert "".join(pieces) == text


@pytest.mark.parametrize("name", EXACT + ESTIMATES)
@settings(max_examples=max(10, EXAMPLES // 4), deadline=None)
@given(texts=st.lists(TEXTS, max_size=12))
def test_count_batch_equals_counts(name: str, texts: list[str]) -> None:
    tokenizer = get_tokenizer(name)
    counts = [tokenizer.count(text) for text in texts]
    assert tokenizer.count_batch(texts) == counts
    assert tokenizer.count_batch(texts) == counts  # deterministic across threads


@pytest.mark.parametrize("name", ESTIMATES)
@SETTINGS
@given(text=TEXTS)
def test_estimates_scale_their_base(name: str, text: str) -> None:
    tokenizer = get_tokenizer(name)
    assert tokenizer.exact is False
    base = tokenizer.base  # type: ignore[attr-defined]
    assert tokenizer.count(text) == math.ceil(base.count(text) * tokenizer.factor)  # type: ignore[attr-defined]
    assert tokenizer.count(text) >= base.count(text)

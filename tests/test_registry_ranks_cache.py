"""The parsed-ranks cache is tied to the pinned sha256 of its source data and trusted only when private."""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
from pathlib import Path

import pytest

from tokcli.registry import tiktoken_data

needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
MAGIC = b"tokcli-ranks-2\n"


@pytest.fixture
def cl100k(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """The real cl100k_base data as shipped, its pinned sha256, and a cache directory of this test's own."""
    monkeypatch.setenv("TOKCLI_CACHE_DIR", str(tmp_path / "cache"))
    found = tiktoken_data.find_openai_data("cl100k_base.tiktoken")
    assert found is not None
    return found[0], tiktoken_data.pinned_openai_hashes()["cl100k_base"]


def load(source: tuple[Path, str]) -> dict[bytes, int]:
    return tiktoken_data.load_ranks_file(source[0], expected_sha256=source[1], label="cl100k_base")


def the_cache_file(tmp_path: Path) -> Path:
    [path] = (tmp_path / "cache" / "ranks").iterdir()
    return path


def forged(ranks: dict[bytes, int]) -> dict[bytes, int]:
    """ "hello" and "world" swap ranks: every count still works, the ids are wrong."""
    changed = dict(ranks)
    changed[b"hello"], changed[b" world"] = ranks[b" world"], ranks[b"hello"]
    return changed


def test_the_cache_header_holds_the_pinned_sha256(cl100k: tuple[Path, str], tmp_path: Path) -> None:
    ranks = load(cl100k)
    assert ranks[b"hello"] == 15339 and ranks[b" world"] == 1917
    blob = the_cache_file(tmp_path).read_bytes()
    assert blob.startswith(MAGIC + cl100k[1].encode())
    assert stat.S_IMODE(the_cache_file(tmp_path).stat().st_mode) & 0o022 == 0
    assert load(cl100k) == ranks  # served from the cache


def test_a_cache_forged_with_a_digest_of_its_own_payload_is_rebuilt(cl100k: tuple[Path, str], tmp_path: Path) -> None:
    genuine = load(cl100k)
    path = the_cache_file(tmp_path)
    payload = marshal.dumps(forged(genuine))
    # The old format: a digest over the payload alone, which anyone can recompute.
    path.write_bytes(b"tokcli-ranks-1\n" + hashlib.sha256(payload).hexdigest().encode() + payload)
    assert load(cl100k) == genuine
    # The new header with a digest that does not cover the pin.
    pin = cl100k[1].encode()
    path.write_bytes(MAGIC + pin + hashlib.sha256(payload).hexdigest().encode() + payload)
    assert load(cl100k) == genuine
    assert path.read_bytes().startswith(MAGIC + pin) and marshal.loads(path.read_bytes()[len(MAGIC) + 128 :]) == genuine


def test_a_cache_parsed_from_other_data_is_rebuilt(cl100k: tuple[Path, str], tmp_path: Path) -> None:
    genuine = load(cl100k)
    path = the_cache_file(tmp_path)
    other_pin = hashlib.sha256(b"some other ranks file").hexdigest().encode()
    payload = marshal.dumps(forged(genuine))
    digest = hashlib.sha256(other_pin + b"\n" + payload).hexdigest().encode()
    path.write_bytes(MAGIC + other_pin + digest + payload)  # internally consistent, for other data
    assert load(cl100k) == genuine


def write_well_formed_forgery(path: Path, pin: str, genuine: dict[bytes, int]) -> None:
    """A forgery in the right format for the right pin: only where it lives can give it away."""
    payload = marshal.dumps(forged(genuine))
    digest = hashlib.sha256(pin.encode() + b"\n" + payload).hexdigest().encode()
    path.write_bytes(MAGIC + pin.encode() + digest + payload)


def test_a_cache_others_can_write_is_not_trusted(cl100k: tuple[Path, str], tmp_path: Path) -> None:
    genuine = load(cl100k)
    path = the_cache_file(tmp_path)
    write_well_formed_forgery(path, cl100k[1], genuine)
    assert load(cl100k) != genuine  # a well-formed private cache is trusted: it is the user's own file
    path.chmod(0o666)  # but one that anybody could have written is not
    assert load(cl100k) == genuine
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # and the rebuilt one is private again


@needs_root
def test_a_cache_owned_by_another_user_is_not_trusted(cl100k: tuple[Path, str], tmp_path: Path) -> None:
    genuine = load(cl100k)
    path = the_cache_file(tmp_path)
    write_well_formed_forgery(path, cl100k[1], genuine)
    os.chown(path, 4321, 4321)
    assert load(cl100k) == genuine
    assert path.stat().st_uid == os.geteuid()


def test_a_fifo_in_place_of_the_cache_does_not_block(cl100k: tuple[Path, str], tmp_path: Path) -> None:
    genuine = load(cl100k)
    path = the_cache_file(tmp_path)
    path.unlink()
    os.mkfifo(path)
    assert load(cl100k) == genuine  # parsed from the data; not blocked on the FIFO, reading or writing
    assert path.is_fifo()  # a special file is never replaced, not even in tokcli's own cache

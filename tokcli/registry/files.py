"""Tokenizers from files the user points at: a HF `tokenizer.json`, a `.tiktoken` ranks file (with a split
pattern preset), a SentencePiece `.model`, or a Mistral Tekken JSON."""

from __future__ import annotations

import re
from pathlib import Path

from tokcli.errors import ConfigError
from tokcli.inputs import probe_file
from tokcli.registry.backends import TiktokenTokenizer, Tokenizer
from tokcli.registry.builtin import (
    PATTERN_PRESETS,
    hf_tokenizer,
    pattern_preset,
    sentencepiece_tokenizer,
    tekken_tokenizer,
)
from tokcli.registry.tiktoken_data import check_ranks, load_ranks_file

FILE_KINDS = ("hf", "tiktoken", "sentencepiece", "tekken")
_TIKTOKEN_LINE = re.compile(rb"^[A-Za-z0-9+/=]+ \d+\r?$")


def detect_file_kind(path: Path) -> str:
    """Guess a tokenizer file's format from its name and first bytes."""
    try:
        with path.open("rb") as stream:
            head = stream.read(4096)
    except OSError as error:
        raise ConfigError(f"cannot read tokenizer file: {error.strerror}", path=str(path)) from None
    first_line = head.split(b"\n", 1)[0]
    if _TIKTOKEN_LINE.match(first_line) or head[:2] == b"\x1f\x8b":
        return "tiktoken"
    if path.suffix == ".json" or head.lstrip().startswith(b"{"):
        if b'"vocab"' in head and b'"config"' in head and b'"pattern"' in head:
            return "tekken"
        return "hf"
    if path.suffix == ".model":
        return "sentencepiece"
    raise ConfigError("cannot tell the tokenizer format; set kind to one of: " + ", ".join(FILE_KINDS), path=str(path))


#: OpenAI encodings whose `.tiktoken` data tiktoken pins by sha256.
OPENAI_ENCODINGS = ("r50k_base", "p50k_base", "cl100k_base", "o200k_base", "o200k_harmony")


def openai_claim(name: str, path: Path) -> str | None:
    """The OpenAI encoding a user ranks file stands for, by its registered name or its file name."""
    stem = path.name.removesuffix(".gz").removesuffix(".tiktoken")
    for candidate in (name, stem):
        if candidate in OPENAI_ENCODINGS:
            return candidate
    return None


def tokenizer_from_file(name: str, path: Path, kind: str | None = None, pattern: str | None = None) -> Tokenizer:
    if not probe_file(path, error=ConfigError):
        raise ConfigError("tokenizer file not found", path=str(path))
    kind = kind or detect_file_kind(path)
    source = f"file {path}"
    if kind == "hf":
        try:
            return hf_tokenizer(name, path, source)
        except Exception as error:  # tokenizers raises a bare Exception on malformed JSON
            raise ConfigError(f"not a valid tokenizer.json: {str(error).splitlines()[0]}", path=str(path)) from None
    if kind == "sentencepiece":
        try:
            return sentencepiece_tokenizer(name, path, source)
        except (RuntimeError, OSError) as error:
            raise ConfigError(
                f"not a valid SentencePiece model: {str(error).splitlines()[0]}", path=str(path)
            ) from None
    if kind == "tekken":
        try:
            return tekken_tokenizer(name, path, source)
        except (KeyError, ValueError, TypeError, RecursionError) as error:
            raise ConfigError(f"not a valid Tekken file: {error}", path=str(path)) from None
    if kind == "tiktoken":
        claimed = openai_claim(name, path)
        if claimed is not None:
            # A copy of an OpenAI file: tiktoken's own definition, and the data must match its pinned hash.
            import tiktoken

            from tokcli.registry.tiktoken_data import openai_encoding_params

            params, data_source = openai_encoding_params(claimed, user_file=path)
            encoding = tiktoken.Encoding(
                name=name,
                pat_str=params["pat_str"],
                mergeable_ranks=params["mergeable_ranks"],
                special_tokens=params["special_tokens"],
            )
            return TiktokenTokenizer(name, f"{data_source} (as {claimed})", encoding)
        preset = pattern or "cl100k"
        try:
            pat_str = pattern_preset(preset)
        except KeyError:
            raise ConfigError(
                f"unknown split-pattern preset {preset!r}; choose one of: {', '.join(PATTERN_PRESETS)}", path=str(path)
            ) from None
        ranks = load_ranks_file(path)
        check_ranks(ranks, str(path))
        missing = sum(1 for value in range(256) if bytes([value]) not in ranks)
        if missing:
            # tiktoken's byte-level BPE needs every single byte as a token; without them it panics mid-encode.
            raise ConfigError(
                f"not a byte-level BPE ranks file: {missing} of the 256 single-byte tokens are missing", path=str(path)
            )
        import tiktoken

        encoding = tiktoken.Encoding(name=name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens={})
        return TiktokenTokenizer(name, f"{source} (pattern {preset})", encoding)
    raise ConfigError(f"unknown tokenizer kind {kind!r}; choose one of: {', '.join(FILE_KINDS)}", path=str(path))

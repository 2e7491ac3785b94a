"""`count` reads large files in pieces: the cuts never change a count, and memory stays bounded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pattern_support import encodings_of_every_pattern
from typer.testing import CliRunner

from tokcli import counting, streaming
from tokcli.cli import app
from tokcli.errors import InputError
from tokcli.inputs import decode_bytes
from tokcli.registry import get_tokenizer
from tokcli.registry.builtin import PATTERN_PRESETS, pattern_preset

# Characters that decide where pre-tokenisation pieces start and end: ASCII and other letters and digits,
# spaces, line breaks, punctuation (with o200k's `/` after a line break), contractions, zero-width spaces.
_ALPHABET = [*"ab Z9 0 \n\n\r\t.,'s/-_#<|>=", "\u00e9", "\u65e5", "\u0663", "\u200b", "\u00a0", "\U0001f600"]
_TEXT = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=120)


@given(_TEXT)
@settings(max_examples=300, deadline=None)
def test_text_cut_at_a_safe_place_encodes_as_the_whole(text: str) -> None:
    cuts = [match.end() for match in streaming._CUT.finditer(text)]
    for encoding in encodings_of_every_pattern():
        whole = encoding.encode_ordinary(text)
        for cut in cuts:
            assert encoding.encode_ordinary(text[:cut]) + encoding.encode_ordinary(text[cut:]) == whole, (
                encoding.name,
                text[:cut],
                text[cut:],
            )


def test_every_shipped_split_pattern_is_streamable_and_others_are_not() -> None:
    assert all(streaming.streamable_pattern(pattern_preset(name)) for name in PATTERN_PRESETS)
    assert not streaming.streamable_pattern(r"\S+|\s+")
    assert streaming.can_stream(get_tokenizer("o200k_base"))
    assert streaming.can_stream(get_tokenizer("cl100k_base"))


@given(parts=st.lists(_TEXT, max_size=6), bom=st.booleans(), block=st.sampled_from([7, 64]))
@settings(max_examples=150, deadline=None)
def test_streamed_count_equals_the_whole_file_count(
    parts: list[str], bom: bool, block: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    text = "".join(parts)
    path = tmp_path_factory.mktemp("stream") / "big.txt"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    tokenizer = get_tokenizer("o200k_base")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(streaming, "READ_BYTES", block)  # blocks end inside multi-byte characters too
        patch.setattr(streaming, "BATCH_CHARS", 50)
        assert "".join(streaming.decoded_pieces(path, "big.txt")) == text
        assert streaming.stream_count(path, tokenizer, shown="big.txt") == tokenizer.count(text)


def test_pieces_stay_small_when_the_text_has_places_to_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streaming, "READ_BYTES", 1024)
    path = tmp_path / "big.txt"
    path.write_text("Answer the question briefly.\n" * 20_000, encoding="utf-8")
    sizes = [len(piece) for piece in streaming.decoded_pieces(path, "big.txt")]
    assert sum(sizes) == 20_000 * 29
    assert max(sizes) <= 2048


def test_an_estimate_scales_its_streamed_base_count_once(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    text = "Summarise the ticket in one line.\n" * 500
    path.write_text(text, encoding="utf-8")
    estimate = get_tokenizer("claude-estimate")
    assert not estimate.exact and streaming.can_stream(estimate)
    assert streaming.stream_count(path, estimate, shown="big.txt") == estimate.count(text)


@pytest.mark.parametrize("data", [b"ok line\n\xff rest", b"abc\n" * 30 + b"\xe2\x82"])
def test_invalid_utf8_is_reported_as_when_read_whole(
    data: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streaming, "READ_BYTES", 5)
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as whole:
        decode_bytes(data, "bad.txt")
    with pytest.raises(InputError) as streamed:
        list(streaming.decoded_pieces(path, "bad.txt"))
    assert str(streamed.value) == str(whole.value)


def test_count_command_streams_large_files_with_the_same_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "big.md").write_text("Reply in French only. Use short sentences.\n" * 3_000, encoding="utf-8")
    (tmp_path / "chat.json").write_text('{"messages": [{"role": "user", "content": "hello world"}]}', "utf-8")
    runner = CliRunner()
    arguments = ["count", str(tmp_path), "-m", "gpt-4o", "-t", "cl100k_base", "--format", "json"]
    whole = runner.invoke(app, arguments)
    streamed_paths: list[str] = []
    original = streaming.stream_count

    def recording(path: Path, tokenizer: Any, **options: Any) -> int:
        streamed_paths.append(path.name)
        return original(path, tokenizer, **options)

    monkeypatch.setattr(counting, "STREAM_MIN_BYTES", 1_000)
    monkeypatch.setattr(streaming, "stream_count", recording)
    monkeypatch.setattr(streaming, "READ_BYTES", 4096)
    streamed = runner.invoke(app, arguments)
    assert (streamed.exit_code, streamed.stdout, streamed.stderr) == (whole.exit_code, whole.stdout, whole.stderr)
    assert whole.exit_code == 0
    assert streamed_paths == ["big.md", "big.md"]  # once per tokenizer; the chat file is parsed whole


def test_count_with_ids_reads_the_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "big.md").write_text("hello world", encoding="utf-8")
    monkeypatch.setattr(counting, "STREAM_MIN_BYTES", 1)
    result = CliRunner().invoke(app, ["count", str(tmp_path / "big.md"), "-t", "cl100k_base", "--ids", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["ids"] == [15339, 1917]


@given(parts=st.lists(_TEXT, max_size=8), size=st.sampled_from([1, 5, 40]))
@settings(max_examples=150, deadline=None)
def test_a_long_string_counted_in_pieces_counts_as_the_whole(parts: list[str], size: int) -> None:
    text = "".join(parts)
    assert "".join(streaming.text_pieces(text, size)) == text
    tokenizer = get_tokenizer("o200k_base")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(streaming, "LARGE_TEXT_CHARS", 0)
        patch.setattr(streaming, "_TEXT_PIECE_CHARS", size)
        patch.setattr(streaming, "_TEXT_BATCH_CHARS", 3 * size)
        assert streaming.count_large_text(text, tokenizer) == tokenizer.count(text)


def test_compress_measures_a_large_text_in_pieces_with_the_whole_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    from tokcli.compress.summary import measure
    from tokcli.counting import resolve_targets

    before = "Please note that you should answer the question in one line.\n" * 3_000
    after = "Answer in one line.\n" * 3_000
    cl100k = get_tokenizer("cl100k_base")
    assert cl100k.encode("hello world") == [15339, 1917]
    pieces: list[int] = []
    real_count_batch = type(cl100k).count_batch

    def spying_count_batch(self: Any, texts: Any, **options: Any) -> list[int]:
        pieces.extend(len(text) for text in texts)
        return real_count_batch(self, texts, **options)

    monkeypatch.setattr(streaming, "LARGE_TEXT_CHARS", 10_000)
    monkeypatch.setattr(streaming, "_TEXT_PIECE_CHARS", 4_000)
    monkeypatch.setattr(type(cl100k), "count_batch", spying_count_batch)
    [row] = measure(before, after, resolve_targets([], ["cl100k_base"]))
    assert (row.before, row.after) == (cl100k.count(before), cl100k.count(after))
    assert pieces and max(pieces) < 10_000  # never the whole text at once

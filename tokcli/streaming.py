"""Counting a large file in pieces, with bounded memory and the same total as counting it whole.

    from tokcli.streaming import can_stream, stream_count
    if can_stream(tokenizer):
        tokens = stream_count(path, tokenizer, shown="big.txt")

A tiktoken-style tokenizer first cuts text into pieces with its split pattern, then merges bytes within each
piece; a text cut where no piece can cross counts as the sum of its parts. For the split patterns tokcli
ships (cl100k, o200k, r50k, p50k, llama3, qwen, qwen3.5), two places are such cuts:

- before a space between two ASCII letters or digits ("one two"): the piece of letters or digits ends at
  the space, and the next one starts with it;
- after a line break that follows a printable ASCII character and comes before an ASCII letter or digit
  ("end.\\nNext"): no piece holds a line break followed by a letter or digit, and with a character other than
  a space before the break, the pieces up to it are the same whatever comes after.

A property test checks both against counting whole texts for every one of those patterns. Text with no such
place (one 100 MB run of `=`) cannot be cut and is counted whole; so is text for any other tokenizer.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tokcli.errors import InputError
from tokcli.inputs import is_binary

#: Bytes read at a time; a few of these are counted together (tiktoken's thread pool shares them out).
READ_BYTES = 4 << 20
BATCH_CHARS = 8 << 20
#: Where the text may be cut: the end of each match (see the module's docstring).
_CUT = re.compile(r"[A-Za-z0-9](?= [A-Za-z0-9])|[!-~]\n(?=[A-Za-z0-9])")
_BOM = b"\xef\xbb\xbf"


def streamable_pattern(pattern: str | None) -> bool:
    """Whether text cut at `_CUT` places counts the same as whole under this split pattern."""
    from tokcli.registry.builtin import PATTERN_PRESETS, pattern_preset

    return pattern is not None and pattern in {pattern_preset(name) for name in PATTERN_PRESETS}


def can_stream(tokenizer: Any) -> bool:
    """Whether `stream_count` gives this tokenizer's whole-text count (an estimate: its base's, scaled)."""
    base = getattr(tokenizer, "base", None) if not tokenizer.exact else tokenizer
    return streamable_pattern(getattr(base, "split_pattern", None))


def last_cut(text: str, start: int = 0) -> int:
    """The offset of the last cut in `text` found from `start` on; -1 when there is none."""
    window = 4096
    while True:  # look near the end first, widening: cuts are usually close to it
        floor = max(start, len(text) - window)
        cut = -1
        for match in _CUT.finditer(text, floor):
            cut = match.end()
        if cut >= 0 or floor == start:
            return cut
        window *= 8


def decoded_pieces(path: Path, shown: str, encoding_errors: str = "strict") -> Iterator[str]:
    """The file's text, decoded as `inputs.decode_bytes` does (BOM dropped, the same errors), cut only at safe
    places: the pieces join to the whole text."""
    pending = ""
    searched = 0  # `pending` before this offset holds no cut
    with open(path, "rb") as handle:
        for text in _decoded_blocks(handle, shown, encoding_errors):
            pending += text
            cut = last_cut(pending, max(0, searched - 2))
            searched = len(pending)
            if cut > 0:
                yield pending[:cut]
                pending = pending[cut:]
                searched = len(pending)
    if pending:
        yield pending


def _decoded_blocks(handle: Any, shown: str, encoding_errors: str) -> Iterator[str]:
    undecoded = b""  # an incomplete character at the end of the last block
    offset = 0  # of `undecoded` in the file's bytes after the BOM
    lines = 0  # line breaks before `offset`
    first = True
    while True:
        block = handle.read(READ_BYTES)
        if first:
            first = False
            if is_binary(block):
                raise InputError("binary file, not text", path=shown)
            if block.startswith(_BOM):
                block = block[len(_BOM) :]
        final = not block
        data = undecoded + block
        try:
            text, used = codecs.utf_8_decode(data, encoding_errors, final)
        except UnicodeDecodeError as error:
            line = lines + data.count(b"\n", 0, error.start) + 1
            raise InputError(
                f"invalid UTF-8 at byte {offset + error.start} (use --encoding-errors replace to go on)",
                path=shown,
                line=line,
            ) from None
        lines += data.count(b"\n", 0, used)
        offset += used
        undecoded = data[used:]
        if text:
            yield text
        if final:
            return


def stream_count(path: Path, tokenizer: Any, *, shown: str, encoding_errors: str = "strict") -> int:
    """The file's token count (special-token text counted as text), read a few megabytes at a time."""
    return _count_pieces(decoded_pieces(path, shown, encoding_errors), tokenizer, BATCH_CHARS)


#: Texts at least this long are counted in pieces by `count_large_text`.
LARGE_TEXT_CHARS = 1 << 20
#: Pieces a large text is cut into, and how many characters are counted at once: small, because tiktoken
#: builds every token id of a batch (about 20 bytes per token) before it counts them.
_TEXT_PIECE_CHARS = 256 << 10
_TEXT_BATCH_CHARS = 1 << 20


def count_large_text(text: str, tokenizer: Any) -> int:
    """The token count of `text` as `tokenizer.count_batch([text])` gives it, in bounded memory for a long text
    (cut in pieces, see the module's docstring) when the tokenizer's pattern allows it."""
    if len(text) < LARGE_TEXT_CHARS or not can_stream(tokenizer):
        return int(tokenizer.count_batch([text])[0])
    return _count_pieces(text_pieces(text, _TEXT_PIECE_CHARS), tokenizer, _TEXT_BATCH_CHARS)


def text_pieces(text: str, size: int) -> Iterator[str]:
    """`text` cut only at safe places into pieces of about `size` characters (longer where no cut is near)."""
    start = 0
    while len(text) - start > size:
        window_end = start + size
        cut = last_cut(text[start:window_end])
        if cut <= 0:  # no cut in this window: the first one after it
            match = _CUT.search(text, window_end)
            if match is None:
                break
            end = match.end()
        else:
            end = start + cut
        yield text[start:end]
        start = end
    if start < len(text):
        yield text[start:]


def _count_pieces(pieces: Iterator[str], tokenizer: Any, batch_chars: int) -> int:
    exact = tokenizer if tokenizer.exact else tokenizer.base
    total = 0
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= batch_chars:
            total += sum(exact.count_batch(batch))
            batch, size = [], 0
    if batch:
        total += sum(exact.count_batch(batch))
    return int(total if tokenizer.exact else tokenizer.scale(total))

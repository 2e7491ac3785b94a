"""Counting text with very long runs of one character (`=====…`, 2 MB of spaces) without encoding them whole.

    from tokcli.registry.long_runs import count_with_short_runs
    tokens = count_with_short_runs(text, count_texts, tokens_per_stride)

A run of one character is one piece (or, for digits, pieces of three) for a tiktoken-style split pattern,
and merging one long piece costs far more per byte than ordinary text (12× prose for `=`). Past a few dozen
characters from its ends, the merges inside such a run repeat with a short period (64 for `=` in o200k, 128
for spaces, 3 for digits): every `STRIDE` characters taken out of the middle of a long run take out the
same number of tokens, wherever the run stands. So a run of `n` characters is shortened to between
`KEEP_CHARS` and `KEEP_CHARS + STRIDE` by taking whole strides out, the shortened text is counted as usual,
and the strides' tokens are added back. `STRIDE` (8! = 40,320) is a multiple of every period seen (1, 2, 3,
4, 8, 16, 32, 64, 128); before a character's strides are trusted, two successive strides of a bare run of it
must hold the same number of tokens, else its runs are counted whole. Property tests compare the result with
tiktoken's count of the whole text for cl100k_base and o200k_base.

It also keeps tiktoken working: its split pattern gives up (a Rust panic) on a run of a million spaces or tabs
before a word, and no run handed to it here is longer than `KEEP_CHARS + STRIDE`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

#: Runs are found by looking at aligned blocks of this many characters: a run of at least twice this fills
#: one, so every run that long is shortened (shorter ones may be, too).
BLOCK_CHARS = 1 << 16
#: What is left of a shortened run: far more than the few dozen characters at each end whose merges differ.
KEEP_CHARS = 1 << 13
#: How much is taken out of a run at a time: 8!, a multiple of every merge period seen (see the docstring).
STRIDE = 40_320


def long_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of runs of one character of at least `2 * BLOCK_CHARS` (and some shorter ones), in order."""
    runs: list[tuple[int, int]] = []
    block = 0
    while block + BLOCK_CHARS <= len(text):
        char = text[block]
        if text.count(char, block, block + BLOCK_CHARS) == BLOCK_CHARS:
            before = text[max(0, block - BLOCK_CHARS) : block]
            start = block - (len(before) - len(before.rstrip(char)))
            end = _run_end(text, char, block + BLOCK_CHARS)
            if not runs or start >= runs[-1][1]:
                runs.append((start, end))
            block = end - end % BLOCK_CHARS + BLOCK_CHARS
        else:
            block += BLOCK_CHARS
    return runs


def _run_end(text: str, char: str, position: int) -> int:
    match = re.compile(re.escape(char) + "*").match(text, position)
    return match.end() if match is not None else position


def shortened(text: str, tokens_per_stride: Callable[[str], int | None]) -> tuple[str, int]:
    """(`text` with each long run shortened by whole strides, the tokens those strides held).

    `tokens_per_stride(char)` is the number of tokens `STRIDE` more characters add to a long run of `char`,
    or None when that is not steady (the run is then left whole)."""
    runs = long_runs(text)
    if not runs:
        return text, 0
    parts: list[str] = []
    removed_tokens = 0
    kept_from = 0
    for start, end in runs:
        strides = (end - start - KEEP_CHARS) // STRIDE
        per_stride = tokens_per_stride(text[start]) if strides > 0 else None
        if per_stride is None:
            continue
        parts.append(text[kept_from : end - strides * STRIDE])
        kept_from = end
        removed_tokens += strides * per_stride
    if not parts:
        return text, 0
    parts.append(text[kept_from:])
    return "".join(parts), removed_tokens


def steady_tokens_per_stride(char: str, count_texts: Callable[[Sequence[str]], list[int]]) -> int | None:
    """Tokens that `STRIDE` more characters add to a long run of `char`, when two successive strides agree."""
    first, second, third = count_texts([char * (KEEP_CHARS + step * STRIDE) for step in range(3)])
    if second - first != third - second:
        return None
    return second - first

"""Byte-pair encoding in plain Python over tiktoken-format ranks, for small texts.

Building tiktoken's Rust `CoreBPE` from 200k ranks costs ~150 ms, more than a pre-commit hook spends on
everything else when it counts one short prompt. Below a small budget of characters tokcli encodes with this
instead, and builds the Rust encoder only when the work grows. The ids are tiktoken's: the same ranks, the same
split pattern (applied by the `regex` module that tiktoken itself depends on) and the same merge rule — the
lowest-ranked adjacent pair merges first. Tests compare the two on generated text for every tiktoken family.
"""

from __future__ import annotations

import heapq
import unicodedata
from typing import Any


def same_unicode_everywhere(text: str) -> bool:
    """False when `text` has a code point unassigned in Python's Unicode database.

    The split patterns use \\p{L} and \\p{N}; tiktoken's Rust regex, the `regex` module and Python may ship
    different Unicode versions, and they disagree exactly on code points that some of them do not know yet.
    Such text goes to tiktoken itself."""
    if text.isascii():
        return True
    category = unicodedata.category
    return all(category(char) != "Cn" for char in set(text))


class PureBPE:
    def __init__(self, ranks: dict[bytes, int], pat_str: str) -> None:
        import regex

        self.ranks = ranks
        self.pattern: Any = regex.compile(pat_str)

    def encode_ordinary(self, text: str) -> list[int]:
        """Ids of `text` with special-token text treated as ordinary text.

        Raises UnicodeEncodeError on lone surrogates; callers fall back to tiktoken, which repairs them."""
        ranks = self.ranks
        ids: list[int] = []
        for match in self.pattern.finditer(text):
            piece = match.group().encode("utf-8")
            rank = ranks.get(piece)
            if rank is not None:
                ids.append(rank)
            else:
                ids.extend(self._merge(piece))
        return ids

    def _merge(self, piece: bytes) -> list[int]:
        """Merge the lowest-ranked adjacent pair first (the leftmost on ties), as tiktoken does.

        A heap of candidate pairs keeps this O(n log n) in the piece's length: a scan of every pair per merge
        made one long piece (a run of 10,000 parentheses) quadratic."""
        ranks = self.ranks
        length = len(piece)
        # Parts form a linked list by start offset: part s spans [s, following[s]).
        following = list(range(1, length + 1))
        preceding = list(range(-1, length - 1))
        alive = [True] * length
        heap: list[tuple[int, int, int]] = []

        def push(start: int) -> None:
            middle = following[start]
            if middle >= length:
                return
            end = following[middle]
            rank = ranks.get(piece[start:end])
            if rank is not None:
                heapq.heappush(heap, (rank, start, end))

        for start in range(length - 1):
            push(start)
        while heap:
            _rank, start, end = heapq.heappop(heap)
            middle = following[start] if alive[start] else length
            if middle >= length or following[middle] != end:
                continue  # stale: one of the two parts has merged with another since
            alive[middle] = False
            following[start] = end
            if end < length:
                preceding[end] = start
            push(start)
            if preceding[start] >= 0:
                push(preceding[start])
        ids = []
        start = 0
        while start < length:
            ids.append(ranks[piece[start : following[start]]])
            start = following[start]
        return ids

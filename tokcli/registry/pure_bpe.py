"""Byte-pair encoding in plain Python over tiktoken-format ranks, for small texts.

Building tiktoken's Rust `CoreBPE` from 200k ranks costs ~150 ms, more than a pre-commit hook spends on
everything else when it counts one short prompt. Below a small budget of characters tokcli encodes with this
instead, and builds the Rust encoder only when the work grows. The ids are tiktoken's: the same ranks, the same
split pattern (applied by the `regex` module that tiktoken itself depends on) and the same merge rule — the
lowest-ranked adjacent pair merges first. Tests compare the two on generated text for every tiktoken family.
"""

from __future__ import annotations

import itertools
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
        ranks = self.ranks
        # boundaries[i] is where part i starts; parts are merged by deleting the boundary between them.
        boundaries = list(range(len(piece) + 1))
        while len(boundaries) > 2:
            best_rank = None
            best_index = -1
            for index in range(len(boundaries) - 2):
                rank = ranks.get(piece[boundaries[index] : boundaries[index + 2]])
                if rank is not None and (best_rank is None or rank < best_rank):
                    best_rank = rank
                    best_index = index
            if best_rank is None:
                break
            del boundaries[best_index + 1]
        return [ranks[piece[start:end]] for start, end in itertools.pairwise(boundaries)]

"""tiktoken encodings with o200k's ranks under every split pattern tokcli ships, for tests of where text may be cut."""

from __future__ import annotations

import functools
from typing import Any

from tokcli.registry import get_tokenizer
from tokcli.registry.builtin import PATTERN_PRESETS, pattern_preset


@functools.cache
def encodings_of_every_pattern() -> list[Any]:
    import tiktoken

    ranks = get_tokenizer("o200k_base")._params.mergeable_ranks  # type: ignore[attr-defined]
    return [
        tiktoken.Encoding(f"pattern-{name}", pat_str=pattern_preset(name), mergeable_ranks=ranks, special_tokens={})
        for name in PATTERN_PRESETS
    ]

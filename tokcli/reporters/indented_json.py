"""`json.dumps(value, indent=2, ensure_ascii=False, default=str)`, byte for byte, at the C encoder's speed.

Python's C JSON encoder (before 3.13) only writes compact JSON; asking for an indent falls back to the
pure-Python encoder, which took seconds on a report of tens of thousands of findings. The indent of a container
depends only on its depth, so a container whose values are all scalars is written by the C encoder with the
item separator carrying the newline and that depth's indent; only containers holding containers are walked here.
"""

from __future__ import annotations

import functools
import json
from itertools import repeat
from typing import Any

_INDENT = "  "


class Prewritten:
    """A value already written as `dumps_indented` writes it where it stands in the document (its depth's
    indent included): put in the text as it is. For long lists written faster from templates."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_CONTAINERS = (dict, list, tuple, Prewritten)


@functools.lru_cache(maxsize=64)
def _flat_encoder(depth: int) -> json.JSONEncoder:
    """Writes a container of scalars at `depth` with each item on its own line, less the opening and closing
    line breaks (added by the caller)."""
    return json.JSONEncoder(ensure_ascii=False, default=str, separators=(",\n" + _INDENT * (depth + 1), ": "))


_SCALARS = json.JSONEncoder(ensure_ascii=False, default=str)


def dumps_indented(value: Any) -> str:
    """The same text as `json.dumps(value, indent=2, ensure_ascii=False, default=str)`."""
    parts: list[str] = []
    _write(value, 0, parts)
    return "".join(parts)


def dumps_at(value: Any, depth: int) -> str:
    """`value` as `dumps_indented` writes it where it stands `depth` containers deep in a document."""
    parts: list[str] = []
    _write(value, depth, parts)
    return "".join(parts)


def _write(value: Any, depth: int, parts: list[str]) -> None:
    if isinstance(value, Prewritten):
        parts.append(value.text)
        return
    if isinstance(value, dict):
        items: Any = value.values()
        opening, closing = "{", "}"
    elif isinstance(value, (list, tuple)):
        items = value
        opening, closing = "[", "]"
    else:
        parts.append(_SCALARS.encode(value))
        return
    if not value:
        parts.append(opening + closing)
        return
    inner = "\n" + _INDENT * (depth + 1)
    if not any(map(isinstance, items, repeat(_CONTAINERS))):
        flat = _flat_encoder(depth).encode(value)
        parts.append(opening + inner + flat[1:-1] + "\n" + _INDENT * depth + closing)
        return
    # Runs of scalars between the containers go to the C encoder as one piece each.
    parts.append(opening)
    encoder = _flat_encoder(depth)
    separator = ""
    if isinstance(value, dict):
        run: dict[Any, Any] = {}
        for key, item in value.items():
            if not isinstance(item, _CONTAINERS):
                run[key] = item
                continue
            if run:
                parts.append(separator + inner + encoder.encode(run)[1:-1])
                run, separator = {}, ","
            parts.append(separator + inner + _key_text(key) + ": ")
            _write(item, depth + 1, parts)
            separator = ","
        if run:
            parts.append(separator + inner + encoder.encode(run)[1:-1])
    else:
        scalars: list[Any] = []
        for item in value:
            if not isinstance(item, _CONTAINERS):
                scalars.append(item)
                continue
            if scalars:
                parts.append(separator + inner + encoder.encode(scalars)[1:-1])
                scalars, separator = [], ","
            parts.append(separator + inner)
            _write(item, depth + 1, parts)
            separator = ","
        if scalars:
            parts.append(separator + inner + encoder.encode(scalars)[1:-1])
    parts.append("\n" + _INDENT * depth + closing)


def _key_text(key: Any) -> str:
    """A key as the encoder writes it: a string as it is; true, false, null and numbers as their JSON text."""
    if isinstance(key, str):
        return _SCALARS.encode(key)
    if key is None or isinstance(key, (bool, int, float)):
        return _SCALARS.encode(_SCALARS.encode(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")

"""JSON text helpers shared by lint (TK601) and compress (`minify_json`)."""

from __future__ import annotations

import re

# A string literal (kept whole), or the whitespace JSON allows between tokens.
_JSON_TOKENS = re.compile(r"(\"(?:[^\"\\]|\\.)*\")|[ \t\r\n]+")


def minify_json_text(text: str) -> str:
    """Valid JSON text without insignificant whitespace; strings, keys, order and number spellings kept exactly."""
    return _JSON_TOKENS.sub(lambda match: match.group(1) or "", text)

"""Where a very large text is cut so that it can be compressed one chunk at a time, in bounded memory.

The rules method keeps several copies of the text it works on (each transform's stage, for rollbacks, and
the spans verification compares): about twenty times the text's size. A text of many megabytes (a corpus
pasted into a prompt file, a generated file) is therefore compressed in chunks of about `CHUNK_CHARS`, each
through the whole method, verification included, and the results joined.

A chunk ends at a blank line (one line break, then exactly one empty line) outside every block-level
protected span (code fences, JSON and YAML examples, front matter): a transform sees the start and end of a
chunk as it sees the start and end of a text. Each chunk must also scan on its own: its template tags close
(and, for Handlebars, its blocks). A cut that leaves a tag open is moved to the next blank line. Jinja2 blocks
(`{% if %}` … `{% endif %}`) may span chunks: verification compares each chunk's token stream with the
original's, so the joined result keeps the whole template's.

What chunks cost: a sentence repeated in a later chunk is not removed as a repeat of the earlier one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from tokcli.compress.protect import block_spans
from tokcli.errors import InputError
from tokcli.prompts import find_template_spans, front_matter_end, template_language

#: Texts at least this long (in characters) are compressed in chunks: far beyond any prompt (a 128k-token
#: context holds about 0.5 MB), low enough that a whole text's working copies stay under 5× its size.
CHUNKED_MIN_CHARS = 4 << 20
#: The size a chunk grows to before it is cut at the next blank line that allows it.
CHUNK_CHARS = 2 << 20

# A line's break followed by an empty line and a line that starts with text: the cut is before that line.
_BLANK_LINE = re.compile(r"[^\n]\n\n(?=[^\s])")


def chunk_ranges(text: str, *, kind: str, body_offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each chunk: they cover `text` in order, and every chunk but the last ends with the blank
    line it was cut at ("…\\n\\n"). One range when the text is short or has no place to cut."""
    if len(text) < CHUNKED_MIN_CHARS:
        return [(0, len(text))]
    ranges = []
    start = 0
    for cut in _cuts(text, kind, body_offset):
        if cut - start >= CHUNK_CHARS and _scans_alone(text[start:cut], kind):
            ranges.append((start, cut))
            start = cut
    ranges.append((start, len(text)))
    return ranges


def _cuts(text: str, kind: str, body_offset: int) -> Iterator[int]:
    """Offsets of the blank lines a chunk may end at, outside block spans, in order; sparse (one per
    `CHUNK_CHARS` when there are enough)."""
    front_matter = body_offset or front_matter_end(text)
    extra = [(0, front_matter, "front_matter")] if front_matter else []
    blocks = block_spans(text, extra_spans=extra, prompty=kind == "prompty")
    starts = [block[0] for block in blocks]
    position = CHUNK_CHARS
    while position < len(text):
        match = _BLANK_LINE.search(text, position)
        if match is None:
            return
        cut = match.end()
        block = bisect.bisect_right(starts, cut - 1) - 1
        if block >= 0 and blocks[block][1] > match.start() + 1:  # the blank line is inside a block
            position = blocks[block][1]
            continue
        yield cut
        position = cut + CHUNK_CHARS // 4  # later cuts for a chunk that had to grow past this one


def _scans_alone(chunk: str, kind: str) -> bool:
    """Whether the chunk's template tags close within it (for Handlebars: its blocks too)."""
    language = template_language(kind)
    try:
        spans = find_template_spans(chunk, language=language)
        if language == "handlebars":
            from tokcli.handlebars import check_handlebars_syntax

            check_handlebars_syntax("", chunk, spans)
    except InputError:
        return False
    return True

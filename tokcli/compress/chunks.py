"""Where a very large text is cut so that it can be compressed one chunk at a time, in bounded memory.

The rules method keeps several copies of the text it works on (each transform's stage, for rollbacks, and
the spans verification compares): about twenty times the text's size. A text of many megabytes (a corpus
pasted into a prompt file, a generated file) is therefore compressed in chunks of about `CHUNK_CHARS`, each
through the whole method, verification included, and the results joined with the text that separated them.

A chunk ends at a blank line, or where a stretch of `CHUNK_CHARS` has none, at a line break, or on one long
line at a sentence's end (". " before a capital): always outside every block-level protected span (code
fences, JSON and YAML examples, front matter), and the separator itself is kept as it is. A transform sees
the start and end of a chunk as it sees the start and end of a text. Each chunk must also scan on its own: its
template tags close (and, for Handlebars, its blocks); a cut that leaves a tag open moves on to the next
place. Jinja2 blocks (`{% if %}` … `{% endif %}`) may span chunks: verification compares each chunk's token
stream with the original's, so the joined result keeps the whole template's.

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
#: The size a chunk grows to before it is cut at the next place that allows it.
CHUNK_CHARS = 2 << 20

# Places to cut, best first; group "sep" is the separator kept between two chunks.
_PLACES = (
    re.compile(r"[^\n](?P<sep>\n\n)(?=[^\s])"),  # a blank line
    re.compile(r"[^\n](?P<sep>\n)(?=[^\s])"),  # a line break
    re.compile(r"[.!?](?P<sep> )(?=[A-Z])"),  # a sentence's end on a long line
)


def chunk_ranges(text: str, *, kind: str, body_offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each chunk, in order; what lies between one chunk's end and the next one's start is a
    separator (a blank line, a line break or a space) kept out of compression. One range when the text is
    short or has no place to cut."""
    if len(text) < CHUNKED_MIN_CHARS:
        return [(0, len(text))]
    ranges = []
    start = 0
    for separator, cut in _cuts(text, kind, body_offset):
        if separator - start >= CHUNK_CHARS and _scans_alone(text[start:separator], kind):
            ranges.append((start, separator))
            start = cut
    ranges.append((start, len(text)))
    return ranges


def _cuts(text: str, kind: str, body_offset: int) -> Iterator[tuple[int, int]]:
    """(separator start, next chunk's start) of the places a chunk may end, outside block spans, in order;
    sparse (about one per `CHUNK_CHARS` / 4 once a chunk is long enough)."""
    front_matter = body_offset or front_matter_end(text)
    extra = [(0, front_matter, "front_matter")] if front_matter else []
    blocks = block_spans(text, extra_spans=extra, prompty=kind == "prompty")
    starts = [block[0] for block in blocks]
    position = CHUNK_CHARS
    while position < len(text):
        window_end = min(len(text), position + CHUNK_CHARS)
        for place in _PLACES:
            match = place.search(text, position, window_end)
            if match is not None:
                break
        if match is None:  # nowhere to cut in this stretch: the chunk grows
            position = window_end
            continue
        separator, cut = match.start("sep"), match.end("sep")
        block = bisect.bisect_right(starts, cut - 1) - 1
        if block >= 0 and blocks[block][1] > separator:  # the place is inside a block
            position = blocks[block][1]
            continue
        yield separator, cut
        position = cut + CHUNK_CHARS // 4  # later places, for a chunk that had to grow past this one


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

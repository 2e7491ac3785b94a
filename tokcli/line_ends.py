"""Keeping a file's line ends (CRLF or LF, mixed as the user left them) through an edit.

Editors and the transforms work on LF text; a file written back must keep every line end the edit did not
touch. A line the edit kept gets its old end; a line it changed or added gets the end of the line it replaced
(or of the line before it), so a Windows file stays CRLF throughout and a mixed one stays mixed.

In a prompt file a CR alone is text; in a host file (Python source, YAML), which Python and YAML read with
universal line breaks, it is an old Mac line break (`lone_crs_as_lf`, `keep_host_line_breaks`).
"""

from __future__ import annotations

import re

_LONE_LF = re.compile(r"(?<!\r)\n")
#: A line break of a host file (Python source, YAML): Python and YAML read a CR alone (old Mac) as one too.
_HOST_BREAK = re.compile(r"\r\n|\r|\n")
_LONE_CR = re.compile(r"\r(?!\n)")


def _lines(text: str) -> tuple[list[str], list[str]]:
    """(each line without its end, each line's end: "\\r\\n", "\\n" or "" for a last line without one)."""
    bodies, ends = [], []
    for line in text.split("\n"):
        if line.endswith("\r"):
            bodies.append(line[:-1])
            ends.append("\r\n")
        else:
            bodies.append(line)
            ends.append("\n")
    ends[-1] = ""  # the piece after the last line break has no end of its own
    return bodies, ends


def keep_line_ends(original: str, edited: str) -> str:
    """`edited` (an edit of `original`, in LF or any mix) with the line ends of `original` where its lines are
    kept, and the end of the replaced (or previous) original line on each changed or new line."""
    if "\r\n" not in original:
        return edited  # nothing to restore (an LF file, or one with old Mac lone CRs, which are text)
    if original.count("\n") == original.count("\r\n"):
        return _LONE_LF.sub("\r\n", edited)  # CRLF throughout
    old_bodies, old_ends = _lines(original)
    new_bodies, new_ends = _lines(edited)
    ends = list(new_ends)
    for index, source in enumerate(_sources(old_bodies, new_bodies)):
        if ends[index] and old_ends[source]:  # a line without an end (the last) keeps having none
            ends[index] = old_ends[source]
    return "".join(body + end for body, end in zip(new_bodies, ends))


def lone_crs_as_lf(text: str) -> str:
    """`text` with each CR alone (an old Mac line break) read as LF: as Python and YAML read it, with every
    character at the same offset (a CRLF stays two characters)."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text


def host_line_break(text: str, start: int, end: int) -> str:
    """The line break of `text` nearest `text[start:end]`: the one ending the line it ends on, else the one
    before it, else LF (a file of one line)."""
    after = _HOST_BREAK.search(text, end)
    if after is not None:
        return after.group()
    last = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start))
    if last < 0 or text[last] == "\r":
        return "\r" if last >= 0 else "\n"
    return "\r\n" if text[last - 1 : last] == "\r" else "\n"


def keep_host_line_breaks(original: str, edited: str, default: str) -> str | None:
    """`edited` (a new spelling of `original`, a piece of a host file, with LF breaks) with the line breaks of
    `original`: all of one kind (CRLF, LF or CR alone) throughout, or CRLF and LF where each line had them;
    `default` where `original` has none. None when that cannot be told: `original` mixes a CR alone with other
    breaks, or `edited` holds a CR of its own."""
    if "\r" in edited:
        return None
    kinds = _break_kinds(original) or {default}
    if len(kinds) == 1:
        kind = kinds.pop()
        return edited if kind == "\n" else edited.replace("\n", kind)
    if "\r" in kinds:
        return None
    return keep_line_ends(original, edited)


def _break_kinds(text: str) -> set[str]:
    """The kinds of line break in `text` (CRLF, CR alone, LF alone), told by counting (C scans: this runs once
    per finding of a long prompt when fixes are labelled)."""
    crlf = text.count("\r\n")
    kinds = {"\r\n"} if crlf else set()
    if text.count("\r") > crlf:
        kinds.add("\r")
    if text.count("\n") > crlf:
        kinds.add("\n")
    return kinds


#: A stretch without an anchor line is diffed line by line up to this many pairs of lines, else walked.
_DIFF_MAX_PAIRS = 250_000
#: How far ahead a kept line is looked for past removed or added lines, in a walked stretch.
_REACH = 256


def _sources(old: list[str], new: list[str]) -> list[int]:
    """For each line of `new`, the line of `old` it stands for: the same line where it was kept, the line it
    replaced, or the line before it where it was added. A patience diff: equal first and last lines are
    matched, then the lines found once in each side of a stretch, in the same order, anchor it and the
    stretches between them are aligned the same way; a stretch without such a line is diffed (`difflib`), or
    walked when long (`_walk`), so a large file costs about linear time."""
    sources = [0] * len(new)
    stretches = [(0, len(old), 0, len(new))]
    while stretches:
        a, b, c, d = stretches.pop()
        while a < b and c < d and old[a] == new[c]:
            sources[c] = a
            a, c = a + 1, c + 1
        while a < b and c < d and old[b - 1] == new[d - 1]:
            sources[d - 1] = b - 1
            b, d = b - 1, d - 1
        if c == d:
            continue
        if a == b:
            sources[c:d] = [max(a - 1, 0)] * (d - c)  # added: the line before them
            continue
        chain = _anchors(old, new, a, b, c, d)
        if not chain:
            sources[c:d] = [a + source for source in _unanchored(old[a:b], new[c:d])]
            continue
        for old_at, new_at in chain:
            sources[new_at] = old_at
            stretches.append((a, old_at, c, new_at))
            a, c = old_at + 1, new_at + 1
        stretches.append((a, b, c, d))
    return sources


def _anchors(old: list[str], new: list[str], a: int, b: int, c: int, d: int) -> list[tuple[int, int]]:
    """The longest chain of (old, new) positions of lines found once in `old[a:b]` and once in `new[c:d]`,
    increasing in both (patience sorting on the new positions)."""
    import bisect
    from collections import Counter

    old_count, new_count = Counter(old[a:b]), Counter(new[c:d])
    new_index = {new[index]: index for index in range(c, d) if new_count[new[index]] == 1}
    pairs = [
        (index, new_index[old[index]])
        for index in range(a, b)
        if old_count[old[index]] == 1 and old[index] in new_index
    ]
    tails: list[int] = []  # tails[k]: the index in `pairs` of the smallest end of a chain of length k + 1
    tail_ends: list[int] = []  # the new position of each of those ends, increasing
    before: list[int] = [-1] * len(pairs)
    for index, (_, new_at) in enumerate(pairs):
        place = bisect.bisect_left(tail_ends, new_at)
        if place:
            before[index] = tails[place - 1]
        if place == len(tails):
            tails.append(index)
            tail_ends.append(new_at)
        else:
            tails[place] = index
            tail_ends[place] = new_at
    chain: list[tuple[int, int]] = []
    link = tails[-1] if tails else -1
    while link >= 0:
        chain.append(pairs[link])
        link = before[link]
    chain.reverse()
    return chain


def _unanchored(old: list[str], new: list[str]) -> list[int]:
    """The sources of `new`'s lines in `old` where no line is found once on each side: diffed, or walked when
    the stretch is long."""
    if len(old) * len(new) > _DIFF_MAX_PAIRS:
        return _walk(old, new)
    import difflib

    sources: list[int] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, old_start, old_stop, new_start, new_stop in matcher.get_opcodes():
        for offset in range(new_stop - new_start):
            if tag == "equal":
                sources.append(old_start + offset)
            elif old_stop > old_start:  # replaced: the line it took the place of
                sources.append(min(old_start + offset, old_stop - 1))
            else:  # added: the line before it
                sources.append(max(old_start - 1, 0))
    return sources


def _walk(old: list[str], new: list[str]) -> list[int]:
    """`_sources` in one pass for a long stretch, each step a dictionary look-up and a bisection: where the
    lines differ, the nearer of "lines were removed" (the new line comes a little further in `old`) and "lines
    were added" (the old line comes a little further in `new`) is taken, else the line was edited in place."""
    import bisect

    old_at: dict[str, list[int]] = {}
    new_at: dict[str, list[int]] = {}
    for index, line in enumerate(old):
        old_at.setdefault(line, []).append(index)
    for index, line in enumerate(new):
        new_at.setdefault(line, []).append(index)

    def ahead(at: dict[str, list[int]], line: str, start: int) -> int | None:
        places = at.get(line)
        if places is None:
            return None
        found = bisect.bisect_left(places, start)
        return places[found] if found < len(places) and places[found] < start + _REACH else None

    sources: list[int] = []
    i = j = 0
    last = len(old) - 1
    while j < len(new):
        if i > last:
            sources.append(last)  # added after the last original line
            j += 1
            continue
        if old[i] == new[j]:
            sources.append(i)
            i, j = i + 1, j + 1
            continue
        following = new[j + 1] if j + 1 < len(new) else None
        if i < last and old[i + 1] == following:
            sources.append(i)  # edited in place: the lines after agree
            i, j = i + 1, j + 1
            continue
        if i + 1 < last and old[i + 2] == following and new[j] not in old_at:
            i += 1  # old[i] was removed and the next line edited
            continue
        removed = ahead(old_at, new[j], i + 1)
        added = ahead(new_at, old[i], j + 1)
        if removed is not None and (added is None or removed - i <= added - j):
            i = removed  # old[i:removed] were removed
        elif added is not None:
            sources.append(max(i - 1, 0))
            j += 1
        else:
            sources.append(i)  # edited in place
            i, j = i + 1, j + 1
    return sources

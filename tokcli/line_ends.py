"""Keeping a file's line ends (CRLF or LF, mixed as the user left them) through an edit.

Editors and the transforms work on LF text; a file written back must keep every line end the edit did not
touch. A line the edit kept gets its old end; a line it changed or added gets the end of the line it replaced
(or of the line before it), so a Windows file stays CRLF throughout and a mixed one stays mixed.
"""

from __future__ import annotations

import re

_LONE_LF = re.compile(r"(?<!\r)\n")


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
    import difflib

    old_bodies, old_ends = _lines(original)
    new_bodies, new_ends = _lines(edited)
    ends = list(new_ends)
    matcher = difflib.SequenceMatcher(None, old_bodies, new_bodies)
    for tag, old_start, old_stop, new_start, new_stop in matcher.get_opcodes():
        for offset, index in enumerate(range(new_start, new_stop)):
            if tag == "equal":
                source = old_start + offset
            elif old_stop > old_start:  # a replaced line: the end of the line it took the place of
                source = min(old_start + offset, old_stop - 1)
            else:  # an inserted line: the end of the line before it
                source = max(old_start - 1, 0)
            if ends[index] and old_ends[source]:  # a line without an end (the last) keeps having none
                ends[index] = old_ends[source]
    return "".join(body + end for body, end in zip(new_bodies, ends))

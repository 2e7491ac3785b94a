"""Markdown's indented code blocks, found the same way by `lint` (which never judges code) and `compress` (which
keeps it as written)."""

from __future__ import annotations

import re

LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]")
CODE_SIGNAL = re.compile(
    r"[;{}=<>]|\?\?|=>|->|::|//|/\*|^\s*#|\w\(|\)\s*$|^\s*(?:def|class|function|const|let|var|return|import|from|if|for|while)\b"
)
# where a block may open: a line indented 4+ columns (a tab, or four spaces) after a blank line, searched in
# "\n\n" + text (the first line opens one too)
_INDENTED_AFTER_BLANK = re.compile(r"\n[^\S\n]*\n(?: {0,3}\t| {4})")


def indented_code_blocks(text: str) -> list[tuple[int, int]]:
    """Blocks indented 4+ columns deeper than the line before the blank line that precedes them, and not
    list items, where most lines look like code. Indented prose under a list item is not code."""
    if _INDENTED_AFTER_BLANK.search("\n\n" + text) is None:
        return []  # no line can open a block (most texts): their lines are not walked
    blocks: list[tuple[int, int]] = []
    lines = text.split("\n")
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    index = 0
    margin = 0  # indentation of the last prose line seen before a blank line
    previous_blank = True
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            previous_blank = True
            index += 1
            continue
        indent = indent_width(line)
        if previous_blank and indent >= margin + 4 and not LIST_ITEM.match(line):
            end = index
            while end < len(lines) and (not lines[end].strip() or indent_width(lines[end]) >= margin + 4):
                end += 1
            while end > index and not lines[end - 1].strip():
                end -= 1
            body = [item for item in lines[index:end] if item.strip()]
            if sum(1 for item in body if CODE_SIGNAL.search(item)) * 2 >= len(body):
                blocks.append((offsets[index], offsets[end - 1] + len(lines[end - 1])))
            index = end  # indented prose is skipped whole too, so no line is scanned twice
            previous_blank = False
            continue
        margin = indent
        previous_blank = False
        index += 1
    return blocks


def indent_width(line: str) -> int:
    return len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4))

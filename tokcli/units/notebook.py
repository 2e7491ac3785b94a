"""Jupyter notebooks (`.ipynb`) as hosts of prompt units: their code cells read as the Python they hold.

The code cells' sources are joined in order into one module, so a constant defined in one cell and sent in a
later call is found; IPython's magics, shell escapes and help queries are blanked out for parsing (same length,
so offsets hold) and kept in the file. Markdown and raw cells are documentation and outputs are results: neither
is read. The Python scanner finds the units; each is then placed in the notebook file itself (the JSON line and
column of its text, what editors, SARIF and annotations open) and knows its cell and the line in it, which
findings and errors name. A unit is written back by replacing only the JSON strings of the cell source it
spans, spelled as the notebook spells them; where that cannot be exact, the write is refused.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from json.decoder import scanstring  # type: ignore[attr-defined]  # public since Python 2.6, untyped
from typing import Any

from tokcli.errors import InputError
from tokcli.units.model import Anchor, CellAnchor, HostScan, PromptUnit, Slot
from tokcli.units.select import UnitSettings

_SPACE = re.compile(r"[ \t\n\r]*")
_LINES = re.compile(r"[^\n]*\n|[^\n]+")
#: What skipping a JSON value looks at: a whole string (brackets in it are text), or a bracket.
_QUOTE_OR_BRACKET = re.compile(r'["\[\]{}]')
_SCALAR_END = re.compile(r"[,\]}\s]|$")
_DECODER = json.JSONDecoder()
#: A line IPython reads as a magic, a shell escape or a help query: `%time f()`, `!pip install x`, `?obj`,
#: `files = !ls`, `result = %sql SELECT 1` (never Python where a statement starts).
_MAGIC = re.compile(r"[ \t]*(?:[%!?]|[A-Za-z_]\w*(?:[ \t]*,[ \t]*[A-Za-z_]\w*)*[ \t]*=[ \t]*[%!])")
_HELP = re.compile(r"[ \t]*[A-Za-z_][\w.]*\?{1,2}[ \t]*$")  # `obj?`, `np.mean??`
#: Cell magics whose body is Python (`%%time` runs the cell and times it); every other (`%%bash`,
#: `%%writefile`, `%%html` …) holds something else, and its whole cell is blanked.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_NOT_A_NOTEBOOK = "not a Jupyter notebook (nbformat 4)"


class NotANotebook(InputError):
    """The file is not JSON, or not a notebook: a problem of the file, not of the Python in its cells."""


@dataclass(frozen=True)
class _Piece:
    """One JSON string of a cell's source: `text[start:end]` is its token, quotes included."""

    start: int
    end: int
    value: str


@dataclass
class _Cell:
    number: int  # 1-based, every cell counted
    kind: str  # "code", "markdown", "raw"
    pieces: list[_Piece] = field(default_factory=list)
    listed: bool = True  # the source is a list of strings (else one string)

    @property
    def text(self) -> str:
        return "".join(piece.value for piece in self.pieces)


@dataclass
class _Module:
    """The code cells joined into one Python module: where each cell's text starts in it."""

    text: str
    cells: list[_Cell]  # the code cells, in order
    starts: list[int]  # offset of each code cell's text in `text`
    open_cells: list[int]  # numbers of the cells that end inside a string or bracket
    #: per code cell, the indentation IPython strips from its lines (that of its first line that is not
    #: blank), and the offsets in the module's copy of the cell where a line was stripped of it
    indents: list[int] = field(default_factory=list)
    stripped: list[list[int]] = field(default_factory=list)

    def cell_offset(self, index: int, local: int) -> int:
        """The offset in code cell `index`'s source of an offset into its text in the module."""
        if not self.indents or not self.indents[index]:
            return local
        return local + self.indents[index] * bisect.bisect_right(self.stripped[index], local)


# ---- reading the notebook ------------------------------------------------------------------------------


def read_cells(path: str, text: str) -> list[_Cell]:
    """The notebook's cells with the JSON spans of their source strings. InputError (one line,
    naming the file) for text that is not JSON or not a notebook."""
    from tokcli.structured import guarded

    try:
        with guarded(path, "JSON"):
            data = json.loads(text)
    except InputError as error:
        raise NotANotebook(error.message, path=path, line=error.line) from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise NotANotebook(f"{_NOT_A_NOTEBOOK}: no list of cells", path=path)
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", [])
        if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))):
            raise NotANotebook(f"{_NOT_A_NOTEBOOK}: cell {number} has a source that is not text", path=path)
    return _cell_spans(text)


def _skip(text: str, index: int) -> int:
    match = _SPACE.match(text, index)
    return match.end() if match else index


def _members(text: str, index: int) -> list[tuple[str, int]]:
    """(key, index of its value) of the JSON object at `index` (text already known to be valid JSON)."""
    found = []
    index = _skip(text, index + 1)
    while text[index] != "}":
        key, index = scanstring(text, index + 1)
        index = _skip(text, _skip(text, index) + 1)  # past the colon
        found.append((key, index))
        index = _skip(text, _value_end(text, index))
        if text[index] == ",":
            index = _skip(text, index + 1)
    return found


def _value_end(text: str, index: int) -> int:
    """The end of the JSON value at `index` (text already known to be valid JSON), found without building
    it: outputs hold megabytes of images a notebook scan has no use for."""
    if text[index] == '"':
        return _string_end(text, index)
    if text[index] not in "[{":
        match = _SCALAR_END.search(text, index)
        return match.start() if match else len(text)
    depth = 0
    while True:
        match = _QUOTE_OR_BRACKET.search(text, index)
        if match is None:
            return len(text)
        char = match.group()
        if char == '"':
            index = _string_end(text, match.start())
            continue
        depth += 1 if char in ("[", "{") else -1
        index = match.end()
        if depth == 0:
            return index


def _string_end(text: str, index: int) -> int:
    """The end of the JSON string whose quote is at `index`: the next quote not escaped by a backslash."""
    position = index + 1
    while True:
        quote = text.find('"', position)
        if quote < 0:
            return len(text)
        backslash = quote
        while text[backslash - 1] == "\\":
            backslash -= 1
        if (quote - backslash) % 2 == 0:
            return quote + 1
        position = quote + 1


def _cell_spans(text: str) -> list[_Cell]:
    """Each cell's type and the spans of its source strings, located by walking the JSON (the last of a
    repeated key wins, as `json.loads` reads it)."""
    top = dict(_members(text, _skip(text, 0)))
    index = _skip(text, top["cells"] + 1)
    cells: list[_Cell] = []
    while text[index] != "]":
        members = dict(_members(text, index))
        kind = _DECODER.raw_decode(text, members["cell_type"])[0] if "cell_type" in members else ""
        cell = _Cell(len(cells) + 1, kind if isinstance(kind, str) else "")
        if "source" in members:
            cell.pieces, cell.listed = _strings(text, members["source"])
        cells.append(cell)
        index = _skip(text, _value_end(text, index))
        if text[index] == ",":
            index = _skip(text, index + 1)
    return cells


def _strings(text: str, index: int) -> tuple[list[_Piece], bool]:
    """The string tokens of a source value at `index`: a list of strings, or one string."""
    if text[index] == '"':
        value, end = scanstring(text, index + 1)
        return [_Piece(index, end, value)], False
    pieces = []
    index = _skip(text, index + 1)
    while text[index] != "]":
        value, end = scanstring(text, index + 1)
        pieces.append(_Piece(index, end, value))
        index = _skip(text, end)
        if text[index] == ",":
            index = _skip(text, index + 1)
    return pieces, True


# ---- the code cells as one module ----------------------------------------------------------------------


def joined_module(cells: list[_Cell]) -> _Module:
    from tokcli.line_ends import lone_crs_as_lf

    parts: list[str] = []
    code = [cell for cell in cells if cell.kind == "code"]
    starts, open_cells = [], []
    offset = 0
    indents, stripped = [], []
    for cell in code:
        # IPython (and Python) read a CR alone as a line break, the scanners split lines at LF: a cell written
        # with old Mac line ends is read as its LF twin, whose offsets are the same (write-back keeps the CRs)
        text, indent, dedented = _leading_indent_removed(lone_crs_as_lf(cell.text))
        indents.append(indent)
        stripped.append(dedented)
        python, left_open = blank_magics(text)
        left_open = left_open and not _parses(python)  # the lexing above is rough: the parser has the last word
        if python and not python.endswith("\n"):
            python += "\n"  # the next cell starts on a line of its own
        if left_open:
            open_cells.append(cell.number)
        starts.append(offset)
        parts.append(python)
        offset += len(python)
    return _Module("".join(parts), code, starts, open_cells, indents, stripped)


def _leading_indent_removed(text: str) -> tuple[str, int, list[int]]:
    """The cell's text as IPython runs it: when its first line that is not blank is indented (`  %time f()`, a
    pasted block), that indentation is taken off every line that starts with it. Also its length, and the
    offset in the text returned of each line it was taken from."""
    lines = _LINES.findall(text)
    first = next((line for line in lines if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    if not indent:
        return text, 0, []
    out: list[str] = []
    stripped: list[int] = []
    offset = 0
    for line in lines:
        if line.startswith(indent):
            line = line[len(indent) :]
            stripped.append(offset)
        out.append(line)
        offset += len(line)
    return "".join(out), len(indent), stripped


def _parses(python: str) -> bool:
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(python)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def blank_magics(text: str) -> tuple[str, bool]:
    """The cell's text with IPython's magics, shell escapes and help queries blanked out where a statement
    starts (each the same length, so offsets hold: `0` where the line starts, spaces after), and whether a
    string, bracket or line continuation is left open at its end."""
    lines = _LINES.findall(text)  # at `\n` only: Python ends no line at U+2028 or a form feed
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("%%") and (first[2:].split() or [""])[0] not in _PYTHON_CELL_MAGICS:
        return re.sub(r"[^\r\n]", " ", text), False  # `%%bash`, `%%writefile …`: not Python at all
    out: list[str] = []
    quote: str | None = None
    depth = 0
    continued = magic_continues = False
    for line in lines:
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if magic_continues:  # a magic's line continuation (`\` at its end) is part of it
            out.append(" " * len(body) + ending)
            magic_continues = body.endswith("\\")
            continue
        if quote is None and depth == 0 and not continued and (_MAGIC.match(body) or _HELP.match(body)):
            indent = len(body) - len(body.lstrip(" \t"))
            out.append(body[:indent] + "0" + " " * (len(body) - indent - 1) + ending)
            magic_continues = body.endswith("\\")
            continue
        out.append(line)
        quote, depth, continued = _lex_line(body, quote, depth)
    return "".join(out), quote is not None or depth > 0 or continued or magic_continues


def _lex_line(body: str, quote: str | None, depth: int) -> tuple[str | None, int, bool]:
    """(open string quote, bracket depth, backslash continuation) after one line of Python: just enough
    lexing to tell where a statement can start."""
    index = 0
    while index < len(body):
        if quote is not None:
            close = _closing(body, index, quote)
            if close < 0:
                # a one-quote string ends at the line's end unless a backslash carries it on
                return (quote if len(quote) == 3 or body.endswith("\\") else None), depth, False
            index, quote = close, None
            continue
        char = body[index]
        if char == "#":
            return None, depth, False
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char in "\"'":
            quote = char * 3 if body.startswith(char * 3, index) else char
            index += len(quote)
            continue
        index += 1
    if quote is not None and len(quote) == 1 and not body.endswith("\\"):
        quote = None  # an unclosed one-quote string (a syntax error the parser reports)
    return quote, depth, quote is None and body.endswith("\\")


def _closing(body: str, index: int, quote: str) -> int:
    """The index just past the quote that closes a string, or -1 when it does not close on this line."""
    while index < len(body):
        if body[index] == "\\":
            index += 2
        elif body.startswith(quote, index):
            return index + len(quote)
        else:
            index += 1
    return -1


# ---- scanning ------------------------------------------------------------------------------------------


@dataclass
class _Layout:
    """Where the joined module's characters are in the notebook file."""

    text: str  # the notebook file
    module: _Module
    file_lines: list[int] = field(default_factory=list)  # offset where each line of the file starts
    module_lines: list[int] = field(default_factory=list)  # offset where each line of the module starts
    raw: dict[int, list[int]] = field(default_factory=dict)  # piece start → raw offset of each character
    piece_starts: dict[int, list[int]] = field(default_factory=dict)  # code cell → offset of each piece in it

    def __post_init__(self) -> None:
        self.file_lines = _line_starts(self.text)
        self.module_lines = _line_starts(self.module.text)

    def cell_at(self, offset: int) -> tuple[int, int]:
        """(index of the code cell, offset in its text) of an offset into the module."""
        index = max(0, bisect.bisect_right(self.module.starts, offset) - 1)
        return index, self.module.cell_offset(index, offset - self.module.starts[index])

    def module_offset(self, line: int, column: int) -> int:
        line = min(max(line, 1), len(self.module_lines))
        return self.module_lines[line - 1] + column - 1

    def cell_line(self, offset: int) -> tuple[int, int]:
        """(cell number, line in the cell) of an offset into the module."""
        index, _ = self.cell_at(offset)
        first = bisect.bisect_right(self.module_lines, self.module.starts[index])
        return self.module.cells[index].number, bisect.bisect_right(self.module_lines, offset) - first + 1

    def piece_at(self, offset: int) -> tuple[_Piece, int, list[int]] | None:
        """The source string holding the character at an offset into the module, the character's index in
        it, and the raw offset of each of its characters (None for a line break the module adds)."""
        index, local = self.cell_at(offset)
        cell = self.module.cells[index]
        piece_starts = self.piece_starts.get(index)
        if piece_starts is None:
            piece_starts = self.piece_starts[index] = _piece_offsets(cell)
        number = bisect.bisect_right(piece_starts, local) - 1
        if number < 0 or local - piece_starts[number] >= len(cell.pieces[number].value):
            return None
        piece = cell.pieces[number]
        raw = self.raw.get(piece.start)
        if raw is None:
            raw = self.raw[piece.start] = _raw_offsets(self.text[piece.start + 1 : piece.end - 1], piece.value)
        return piece, local - piece_starts[number], raw

    def file_position(self, at: int) -> tuple[int, int]:
        """(line, column) in the notebook file of an offset into it."""
        line = bisect.bisect_right(self.file_lines, at)
        return line, at - self.file_lines[line - 1] + 1


def _line_starts(text: str) -> list[int]:
    starts = [0]
    position = text.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def _piece_offsets(cell: _Cell) -> list[int]:
    offsets, offset = [], 0
    for piece in cell.pieces:
        offsets.append(offset)
        offset += len(piece.value)
    return offsets


def _raw_offsets(raw: str, value: str) -> list[int]:
    """The offset in a JSON string's spelling (quotes left off) of each character of its value."""
    offsets: list[int] = []
    index = 0
    while index < len(raw):
        offsets.append(index)
        if raw[index] != "\\":
            index += 1
        elif raw[index + 1] != "u":
            index += 2
        else:
            high = int(raw[index + 2 : index + 6], 16)
            index += 6
            if (
                0xD800 <= high < 0xDC00
                and raw.startswith("\\u", index)
                and 0xDC00 <= int(raw[index + 2 : index + 6], 16) < 0xE000
            ):
                index += 6  # a surrogate pair spells one character
    return offsets if len(offsets) == len(value) else [0] * len(value)


def scan_notebook(path: str, text: str, settings: UnitSettings) -> HostScan:
    """The units of a notebook's code cells; InputError for a file that is not a notebook, and (with the cell
    and the line in it) for a code cell that is not Python."""
    from tokcli.units.python_source import scan_python

    cells = read_cells(path, text)
    module = joined_module(cells)
    layout = _Layout(text, module)
    try:
        found = scan_python(path, module.text, settings)
    except InputError as error:
        raise _in_cell(error, layout) from None
    if module.open_cells and found.units:
        # a string or bracket open at a cell's end would run into the next cell: IPython runs cells one by one
        cell = next(cell for cell in module.cells if cell.number == module.open_cells[0])
        lines = cell.text.count("\n") + (not cell.text.endswith("\n"))
        raise InputError(
            f"cell {cell.number}, line {lines}: Python syntax error: a string or bracket left open at the cell's end",
            path=path,
            line=layout.file_position(cell.pieces[-1].start)[0],
        )
    scan = HostScan(path, "notebook", [_placed(unit, layout) for unit in found.units])
    if not scan.units:
        scan.note = "no prompts found in this notebook's code cells"
    return scan


def _in_cell(error: InputError, layout: _Layout) -> InputError:
    """A parse error of the joined module, on the notebook's line and naming the cell and the line in it."""
    if error.line is None or not layout.module.cells:
        return error
    offset = layout.module_offset(error.line, 1)
    cell, line = layout.cell_line(offset)
    found = layout.piece_at(offset)
    file_line = layout.file_position(found[0].start)[0] if found else None
    return InputError(f"cell {cell}, line {line}: {error.message}", path=error.path, line=file_line)


def _segments(unit: PromptUnit) -> Iterator[tuple[int, int, int, int]]:
    """(start, end, line, column): runs of the unit's text that sit one after the other on one line of the
    joined module (a run ends with its line's break), from the unit's anchors."""
    anchors = list(unit.anchors) or [Anchor(0, unit.line, unit.column)]
    if anchors[0].offset > 0:
        anchors.insert(0, replace(anchors[0], offset=0))
    for number, anchor in enumerate(anchors):
        end = anchors[number + 1].offset if number + 1 < len(anchors) else len(unit.text)
        start, line, column = anchor.offset, anchor.line, anchor.column
        while start < end:
            newline = unit.text.find("\n", start, end)
            stop = end if newline < 0 else newline + 1
            yield start, stop, line, column
            start, line, column = stop, line + 1, 1


def _placed(unit: PromptUnit, layout: _Layout) -> PromptUnit:
    """The unit found in the joined module, placed in the notebook file: its line, column and anchors there,
    and its cell anchors. Its slot stays in module offsets (`splice` finds the cell's strings from them)."""
    anchors: list[Anchor] = []
    cells: list[CellAnchor] = []
    expected: tuple[int, int] | None = None  # where the next character sits in the file, if it follows on
    expected_cell: tuple[int, int] | None = None
    for start, end, line, column in _segments(unit):
        offset = layout.module_offset(line, column)
        place = layout.cell_line(offset)
        if place != expected_cell:
            cells.append(CellAnchor(start, *place))
        expected_cell = (place[0], place[1] + 1) if unit.text[end - 1] == "\n" else place
        while start < end:  # one source string at a time (a run crosses strings only where a line is split)
            found = layout.piece_at(offset)
            if found is None:  # a line break the module adds after a cell: nothing in the file
                break
            piece, within, raw = found
            run = min(end - start, len(piece.value) - within)
            file_line, base = layout.file_position(piece.start + 1)  # JSON strings hold no raw line break
            for step in range(run):
                position = (file_line, base + raw[within + step])
                if position != expected:
                    anchors.append(Anchor(start + step, *position))
                # after a line break the text goes on at the next line's start: mark where it really does
                expected = None if unit.text[start + step] == "\n" else (position[0], position[1] + 1)
            start, offset = start + run, offset + run
    if not anchors:
        return replace(unit, line=1, column=1, anchors=(), cells=tuple(cells))
    return replace(unit, line=anchors[0].line, column=anchors[0].column, anchors=tuple(anchors), cells=tuple(cells))


# ---- writing back --------------------------------------------------------------------------------------


def splice(path: str, text: str, slot: Slot, source: str) -> str:
    """The notebook `text` with the module's `slot` (a Python string literal in a code cell) replaced by
    `source`: only the JSON strings of the cell's source that the literal spans are written again, spelled as
    the notebook spells them (its `ensure_ascii` style, its way of splitting a source into lines, the layout
    between them); every other byte stays. WriteRefused where that cannot be exact."""
    return splice_all(path, text, [(slot, source)])


def splice_all(path: str, text: str, edits: list[tuple[Slot, str]]) -> str:
    """`splice` of every (slot, source) in `edits` (slots that do not overlap) at once: the notebook is read,
    and read again to check it, once for all of them."""
    from tokcli.units.writeback import with_line_breaks

    cells, module = _read_module(path, text)
    by_cell: dict[int, list[tuple[int, int, str]]] = {}
    for slot, source in edits:
        index, start, end = _in_cell_source(module, slot)
        by_cell.setdefault(index, []).append((start, end, source))
    candidate = text
    sources: dict[int, str] = {}
    for index in sorted(by_cell, reverse=True):  # from the file's end: the strings of the cells before stay put
        cell = module.cells[index]
        old = new = cell.text
        for start, end, source in sorted(by_cell[index], reverse=True):
            # a cell written on Windows holds "\r\n" in its strings: the literal keeps them, as in a CRLF .py file
            new = new[:start] + with_line_breaks(old, start, end, source) + new[end:]
        low = min(start for start, _, _ in by_cell[index])
        high = max(end for _, end, _ in by_cell[index])
        span_start, span_end, spelled = _cell_strings(text, cells, cell, new, low, high)
        candidate = candidate[:span_start] + spelled + candidate[span_end:]
        sources[cell.number] = new
    if sources:
        _check_only_source_changes(text, candidate, sources)
    return candidate


def string_edit(path: str, text: str, slot: Slot, source: str) -> tuple[int, int, str]:
    """(start, end, replacement) of the notebook `text` that `splice` of this one slot makes (not checked):
    the JSON strings of the cell's source the literal spans, spelled anew."""
    from tokcli.units.writeback import with_line_breaks

    cells, module = _read_module(path, text)
    index, start, end = _in_cell_source(module, slot)
    cell = module.cells[index]
    new = cell.text[:start] + with_line_breaks(cell.text, start, end, source) + cell.text[end:]
    return _cell_strings(text, cells, cell, new, start, end)


def _in_cell_source(module: _Module, slot: Slot) -> tuple[int, int, int]:
    """(index of the code cell, start, end) of a slot of the module in that cell's source."""
    from tokcli.units.writeback import WriteRefused

    index = max(0, bisect.bisect_right(module.starts, slot.start) - 1)
    local_start, local_end = slot.start - module.starts[index], slot.end - module.starts[index]
    if module.indents[index] and any(local_start < line < local_end for line in module.stripped[index]):
        raise WriteRefused(
            "the string runs through lines whose indentation IPython strips (the cell's first is indented)"
        )
    start, end = module.cell_offset(index, local_start), module.cell_offset(index, local_end)
    if not 0 <= start <= end <= len(module.cells[index].text):
        raise WriteRefused("the string does not lie within one cell's source")
    return index, start, end


def _cell_strings(text: str, cells: list[_Cell], cell: _Cell, new: str, start: int, end: int) -> tuple[int, int, str]:
    """The cell's source, changed in `[start, end)` of its text, written as `new`: (start, end, replacement)
    in the notebook `text` of the JSON strings that span the change, and their new spelling."""
    from tokcli.units.writeback import WriteRefused

    old = cell.text
    if not cell.listed:
        chosen = [cell.pieces[0]]
        values = [new]
    else:
        splitter = _splitter(cell)
        if splitter is None:
            raise WriteRefused("the cell's source is split into lines in a way tokcli would not write")
        piece_starts = _piece_offsets(cell)
        first = bisect.bisect_right(piece_starts, start) - 1
        last = max(first, bisect.bisect_left(piece_starts, end) - 1)
        chosen = cell.pieces[first : last + 1]
        head, tail = piece_starts[first], piece_starts[last] + len(cell.pieces[last].value)
        values = splitter(new[head : len(new) - (len(old) - tail)])
    ensure_ascii = _ascii_style(text, cells, chosen)
    if ensure_ascii is None:
        raise WriteRefused("the cell's source strings use escapes tokcli would not write the same way")
    tokens = [json.dumps(value, ensure_ascii=ensure_ascii) for value in values]
    separator = _separator(text, cell, cells) if len(tokens) > 1 else ""
    if separator is None:
        raise WriteRefused("no two source lines in the notebook show how it lays out a list of lines")
    return chosen[0].start, chosen[-1].end, separator.join(tokens)


@functools.lru_cache(maxsize=2)
def _read_module(path: str, text: str) -> tuple[list[_Cell], _Module]:
    """The notebook's cells and module, read once for the edits of many findings in it (not changed by them)."""
    cells = read_cells(path, text)
    return cells, joined_module(cells)


def _splitter(cell: _Cell) -> Any:
    """How this cell's source text is split into its strings (nbformat's `splitlines(True)`, or at `\\n` only
    as some editors write it); None when neither gives them."""
    values = [piece.value for piece in cell.pieces]
    for split in (lambda text: text.splitlines(True), _LINES.findall):
        if split(cell.text) == values:
            return split
    return None


def _ascii_style(text: str, cells: list[_Cell], chosen: list[_Piece]) -> bool | None:
    """The `ensure_ascii` that spells the strings being replaced as they are written (None: neither does);
    where both do, the one the notebook's other sources show, else nbformat's (False)."""
    styles = [
        style
        for style in (False, True)
        if all(json.dumps(piece.value, ensure_ascii=style) == text[piece.start : piece.end] for piece in chosen)
    ]
    if len(styles) != 2:
        return styles[0] if styles else None
    for cell in cells:
        for piece in cell.pieces:
            if any(ord(char) > 127 for char in piece.value):
                return not any(ord(char) > 127 for char in text[piece.start : piece.end])
    return False


def _separator(text: str, cell: _Cell, cells: list[_Cell]) -> str | None:
    """What stands between two strings of a source list: this cell's own, else the first other cell's."""
    for candidate in [cell, *cells]:
        if candidate.listed and len(candidate.pieces) > 1:
            return text[candidate.pieces[0].end : candidate.pieces[1].start]
    return None


def _check_only_source_changes(text: str, candidate: str, sources: dict[int, str]) -> None:
    """WriteRefused unless the candidate reads as the notebook did with each cell's source (by cell number)
    changed to the new one in `sources`."""
    from tokcli.units.writeback import WriteRefused

    def spelled(name: str) -> str:  # NaN != NaN: compare constants by their spelling
        return name

    try:
        after = json.loads(candidate, parse_constant=spelled)
    except ValueError:
        raise WriteRefused("the notebook would not be valid JSON any more") from None
    expected = json.loads(text, parse_constant=spelled)
    for number, new in sources.items():
        source = expected["cells"][number - 1].get("source")
        if isinstance(source, str):
            expected["cells"][number - 1]["source"] = new
        if isinstance(after["cells"][number - 1].get("source"), list):
            if "".join(after["cells"][number - 1]["source"]) != new:
                raise WriteRefused("reading the cell again does not give the new source")
            expected["cells"][number - 1]["source"] = after["cells"][number - 1]["source"]
    if after != expected:
        raise WriteRefused("the edit would change more of the notebook than the cell's source")

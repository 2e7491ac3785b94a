"""The prompt-unit dataclasses shared by the extractors, the jobs and the write-back."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property

#: Separates a host file from the key of one of its units in paths shown to users and matched by budgets.
UNIT_SEPARATOR = "::"

SYNTAXES = ("jinja2", "format", "none")


@dataclass(frozen=True)
class Anchor:
    """The unit text from `offset` on sits at host (`line`, `column`) until the next anchor, character for
    character (the extractors add one wherever that stops being true: a new line, a new literal part)."""

    offset: int
    line: int
    column: int


@dataclass(frozen=True)
class CellAnchor:
    """A notebook unit's text from `offset` on is in cell `cell` (1-based, every cell counted, as editors number
    them), from `line` of that cell's source on, until the next cell anchor."""

    offset: int
    cell: int
    line: int


@dataclass(frozen=True)
class Slot:
    """Where a unit's value is written in its host file, for write-back: `host_text[start:end]` is the source
    of the value (a YAML block scalar's content lines, a Python string literal with its quotes)."""

    start: int
    end: int
    style: str  # "yaml-literal" | "python-literal" | "js-literal" | "js-join"
    indent: str = ""  # yaml-literal: the indentation of every content line
    chomp: str = ""  # yaml-literal: "" (clip), "-" (strip) or "+" (keep)
    prefix: str = ""  # python-literal: the string prefix (r, u …) as written; js-literal: "String.raw" or ""
    #: python-literal: the quote as written (', ", ''' or \"\"\"); js-literal: ', " or `; js-join: its items'
    quote: str = ""
    fields: tuple[str, ...] = ()  # js-literal template: the code of each `${…}` in order, written back as it was
    separator: str = ""  # js-join: what the items are joined with (`[…].join("\n")`: a line break)
    gap: str = ""  # js-join: the source between two items (`,\n  `, LF line breaks); "" with a single item


@dataclass(frozen=True)
class PromptUnit:
    path: str  # the host file, as shown to the user
    key: str  # the key path or symbol that holds the text: `agent.system_template`, `prompts.SYSTEM_PROMPT`
    text: str  # what is sent to the model (placeholders left as written)
    line: int  # 1-based line of the text's first character in the host file
    column: int  # 1-based column of that character
    syntax: str  # "jinja2" | "format" | "none"
    source: str  # what found it: a preset name, "keys" (config key paths), "python"
    role: str | None = None  # the chat role, when the unit is a message
    model: str | None = None  # the model named beside the unit, when it is a literal
    anchors: tuple[Anchor, ...] = ()
    slot: Slot | None = None  # None: not written back exactly (see `refusal`)
    refusal: str | None = None  # why the unit cannot be written back
    #: "prompt", or "tools": a list of tool definitions sent with a call, `text` its JSON and `key` ending in
    #: `.json`, so that every command reads it as it reads a tool file
    kind: str = "prompt"
    #: in a notebook: which cell, and which line of it, each part of the text is in (`line`/`column` and
    #: `anchors` are positions in the notebook file itself)
    cells: tuple[CellAnchor, ...] = ()

    @property
    def sent_text(self) -> str:
        """What the model receives, placeholders left as written: a `str.format` unit's `{{` and `}}` are one
        brace each (`text` keeps them as written, for lint positions and write-back)."""
        if self.syntax != "format":
            return self.text
        from tokcli.units.syntax import format_output

        return format_output(self.text)

    @property
    def name(self) -> str:
        """`file::key`: the unit's name in reports, budgets and baselines."""
        return f"{self.path}{UNIT_SEPARATOR}{self.key}"

    # Looked up per finding: built once per unit (a scan of the text or of the anchors per finding was quadratic
    # in a long prompt with a finding on every line).
    @cached_property
    def _newlines(self) -> list[int]:
        """The offset of each line break of `text`, in order."""
        found, position = [], self.text.find("\n")
        while position >= 0:
            found.append(position)
            position = self.text.find("\n", position + 1)
        return found

    @cached_property
    def _anchor_starts(self) -> list[int]:
        return [anchor.offset for anchor in self.anchors]

    @cached_property
    def _cell_starts(self) -> list[int]:
        return [anchor.offset for anchor in self.cells]

    def _breaks_between(self, start: int, end: int) -> int:
        """How many line breaks `text[start:end]` holds."""
        return max(0, bisect.bisect_left(self._newlines, end) - bisect.bisect_left(self._newlines, start))

    def position(self, offset: int) -> tuple[int, int]:
        """Host (line, column) of a character offset into `text`."""
        if not self.anchors:
            return self.line, self.column
        anchor = self.anchors[max(0, bisect.bisect_right(self._anchor_starts, offset) - 1)]
        last = bisect.bisect_left(self._newlines, offset) - 1  # the last line break before `offset`
        if last >= 0 and self._newlines[last] >= anchor.offset:
            # past the anchor's line without another anchor: the line is known, not the column
            return anchor.line + self._breaks_between(anchor.offset, offset), offset - self._newlines[last]
        return anchor.line, anchor.column + max(0, offset - anchor.offset)

    def cell_place(self, offset: int) -> tuple[int, int] | None:
        """(cell, line in the cell) of a character offset into `text`, for a unit of a notebook; else None."""
        if not self.cells:
            return None
        anchor = self.cells[max(0, bisect.bisect_right(self._cell_starts, offset) - 1)]
        return anchor.cell, anchor.line + self._breaks_between(anchor.offset, offset)


def numbered_key(seen: dict[str, int], key: str) -> str:
    """The key of a unit found under `key`: `key` the first time, then `key#2`, `key#3`… (a prompt function's
    second `return`, a name given twice); `seen` counts the keys taken so far in the file."""
    count = seen.get(key, 0)
    seen[key] = count + 1
    return f"{key}#{count + 1}" if count else key


@dataclass
class HostScan:
    """The prompt units found in one host file, or why there are none."""

    path: str
    format: str  # "yaml" | "json" | "python" | "notebook" | "javascript"
    units: list[PromptUnit] = field(default_factory=list)
    preset: str | None = None
    note: str | None = None  # why no unit was found (a file without prompts is skipped with this note)
    #: (name, why) of what was not read, said even for source files met in a walk: a JavaScript file the lexer
    #: stopped in (the line in the reason), a tool schema built by code (`file::key`)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def split_unit_path(path: str) -> tuple[str, str | None]:
    """(host path, key) of a `file::key` name; (path, None) for a plain path."""
    host, separator, key = path.partition(UNIT_SEPARATOR)
    return (host, key) if separator else (path, None)

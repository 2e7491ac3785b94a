"""Fitting a table into a width without ever cutting a number.

Numbers and labels keep their full width. To fit, the one shortenable column (a path) is shortened in the
middle first, down to a floor; then whole columns are dropped in the order the caller gives; what was dropped
is returned so the reporter can say so. A table that still does not fit is left wider than the width (a
terminal wraps the line) rather than squeezed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

ELLIPSIS = "…"
GAP = 3  # " │ " between two columns (pad, rule, pad); the outer edges have no padding
PATH_FLOOR = 24  # a path column is not shortened below this before columns are dropped
PATH_LAST_RESORT = 12  # nor below this at all


@dataclass(frozen=True)
class Column:
    header: str
    cells: Sequence[str]
    shortenable: bool = False  # a path: shortened in the middle
    drop_rank: int | None = None  # columns with the lowest rank go first; None: never dropped

    @property
    def content_width(self) -> int:
        return max((len(cell) for cell in self.cells), default=0)

    @property
    def natural_width(self) -> int:
        return max(len(self.header), self.content_width)

    @property
    def narrowest(self) -> int:
        """The least width that cuts no cell: the header may wrap at its spaces, a cell never."""
        longest_word = max((len(word) for word in self.header.split()), default=0)
        return max(longest_word, self.content_width)


@dataclass
class Fitted:
    columns: list[Column]  # the columns kept, in their order, with shortened cells where needed
    widths: list[int]
    dropped: list[str] = field(default_factory=list)  # headers of the columns left out

    @property
    def width(self) -> int:
        return sum(self.widths) + GAP * (len(self.widths) - 1)


def shorten_middle(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut in the middle: both ends of a path say the most."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    head = (width - 1) // 2
    tail = width - 1 - head
    return text[:head] + ELLIPSIS + (text[-tail:] if tail else "")


def _widths(columns: Sequence[Column], *, wrap_headers: bool) -> list[int]:
    return [column.narrowest if wrap_headers else column.natural_width for column in columns]


def _total(widths: Sequence[int]) -> int:
    return sum(widths) + GAP * (len(widths) - 1)


def fit_columns(columns: Sequence[Column], width: int | None) -> Fitted:
    """Keep every column at its natural width when it fits (or `width` is None: no limit); else let headers
    wrap at their spaces; else shorten the path column, down to PATH_FLOOR; else drop columns by rank and try
    again. With nothing left to drop the path goes down to PATH_LAST_RESORT and the table may stay too wide."""
    kept = list(columns)
    dropped: list[str] = []
    if width is None:
        return Fitted(kept, _widths(kept, wrap_headers=False))
    while True:
        for wrap_headers in (False, True):
            widths = _widths(kept, wrap_headers=wrap_headers)
            if _total(widths) <= width:
                return Fitted(kept, widths, dropped)
        path_index = next((i for i, column in enumerate(kept) if column.shortenable), None)
        room = 0
        if path_index is not None:
            widths[path_index] = 0
            room = width - _total(widths)
            if room >= PATH_FLOOR:
                return _shortened(kept, widths, path_index, room, dropped)
        droppable = [column for column in kept if column.drop_rank is not None]
        if droppable:
            victim = min(droppable, key=lambda column: column.drop_rank or 0)
            kept.remove(victim)
            dropped.append(victim.header)
            continue
        if path_index is not None:
            return _shortened(kept, widths, path_index, max(room, PATH_LAST_RESORT), dropped)
        return Fitted(kept, widths, dropped)


def _shortened(kept: list[Column], widths: list[int], path_index: int, room: int, dropped: list[str]) -> Fitted:
    path = kept[path_index]
    cells = [shorten_middle(cell, room) for cell in path.cells]
    header = shorten_middle(path.header, room)
    columns = list(kept)
    columns[path_index] = Column(header, cells, shortenable=True, drop_rank=path.drop_rank)
    widths = list(widths)
    widths[path_index] = columns[path_index].natural_width
    return Fitted(columns, widths, dropped)

"""One document's findings kept as columns, and the findings of several documents in report order.

A file can have a million findings (letters between zero-width spaces: one every two characters). As
`Finding` objects with their fix lists, edits and position ints they took ~430 bytes each until the report
was written; as columns (machine integers, references to the rules' shared strings) ~75. A `Finding` is
made when a reporter reaches it, and dropped after. Findings the columns do not describe (several edits,
cache or budget figures, which a caller may set later) are kept whole, so a change to one stays.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, pairwise
from operator import attrgetter
from typing import Any, overload

from tokcli.lint.finding import Edit, Finding

#: (code, name, severity, safe_fix) of the rule a row came from.
RuleKey = tuple[str, str, str, bool]

_INTEGER_COLUMNS = ("line", "column", "end_line", "end_column", "tokens_wasted", "fix_start", "fix_end")


class _MadeOnReading(Sequence[Finding]):
    """A sequence of findings made as they are read (`_at` makes the one at an index within range)."""

    __slots__ = ()

    def _at(self, index: int) -> Finding:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Finding: ...

    @overload
    def __getitem__(self, index: slice) -> list[Finding]: ...

    def __getitem__(self, index: int | slice) -> Finding | list[Finding]:
        if isinstance(index, slice):
            return [self._at(row) for row in range(len(self))[index]]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("finding index out of range")
        return self._at(index)


class FindingTable(_MadeOnReading):
    """The findings of the document at `path`, a row each (see the module's docstring)."""

    __slots__ = (
        "path",
        "in_report_order",
        "_rules",
        "_rule_slots",
        "_rule",
        "_message",
        "_replacement",
        "_whole",
        "_integers",
        *_INTEGER_COLUMNS,
    )

    #: A table is in report order once `sort` has run (the engine sorts every table it returns).
    in_report_order: bool
    line: array[int]
    column: array[int]
    end_line: array[int]
    end_column: array[int]
    tokens_wasted: array[int]
    #: The offsets of a row's one edit (0 when it has none).
    fix_start: array[int]
    fix_end: array[int]

    def __init__(self, path: str) -> None:
        self.path = path
        self._rules: list[RuleKey] = []
        self._rule_slots: dict[RuleKey, int] = {}
        self._rule = array("H")
        self._message: list[str] = []
        #: None when the row has no fix; else its one edit's replacement (offsets in fix_start/fix_end).
        self._replacement: list[str | None] = []
        #: Row → the whole `Finding`, for rows the columns do not describe.
        self._whole: dict[int, Finding] = {}
        #: 32-bit columns until a value does not fit (a file of over two billion characters), then 64-bit.
        self._integers = "i"
        for name in _INTEGER_COLUMNS:
            setattr(self, name, array("i"))
        self.in_report_order = False

    def add(
        self,
        rule: RuleKey,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        message: str,
        tokens_wasted: int,
        fix: list[Edit] | None,
        *,
        cacheable_tokens: int = 0,
        over_budget_tokens: int = 0,
    ) -> None:
        slot = self._rule_slots.get(rule)
        if slot is None:
            slot = self._rule_slots[rule] = len(self._rules)
            self._rules.append(rule)
        if cacheable_tokens or over_budget_tokens or (fix is not None and len(fix) != 1):
            code, name, severity, safe_fix = rule
            self._whole[len(self._message)] = Finding(
                self.path,
                line,
                column,
                end_line,
                end_column,
                code,
                name,
                severity,
                message,
                tokens_wasted,
                fix,
                safe_fix,
                cacheable_tokens=cacheable_tokens,
                over_budget_tokens=over_budget_tokens,
            )
        edit = fix[0] if fix is not None and len(fix) == 1 else None
        integers = (
            line,
            column,
            end_line,
            end_column,
            tokens_wasted,
            edit.start if edit is not None else 0,
            edit.end if edit is not None else 0,
        )
        try:
            self._append_integers(integers)
        except OverflowError:
            self._widen()
            self._append_integers(integers)
        self._rule.append(slot)
        self._message.append(message)
        self._replacement.append(edit.replacement if edit is not None else None)
        self.in_report_order = False

    def _append_integers(self, values: tuple[int, ...]) -> None:
        self.line.append(values[0])
        self.column.append(values[1])
        self.end_line.append(values[2])
        self.end_column.append(values[3])
        self.tokens_wasted.append(values[4])
        self.fix_start.append(values[5])
        self.fix_end.append(values[6])

    def _widen(self) -> None:
        """Make the integer columns 64-bit, dropping what a failed append left of its row."""
        rows = len(self._message)
        self._integers = "q"
        for name in _INTEGER_COLUMNS:
            setattr(self, name, array("q", getattr(self, name)[:rows]))

    def __len__(self) -> int:
        return len(self._message)

    def _at(self, index: int) -> Finding:
        return self._row(index)

    def __iter__(self) -> Iterator[Finding]:
        return map(self._row, range(len(self)))

    def _row(self, row: int) -> Finding:
        whole = self._whole.get(row)
        if whole is not None:
            return whole
        code, name, severity, safe_fix = self._rules[self._rule[row]]
        replacement = self._replacement[row]
        return Finding(
            self.path,
            self.line[row],
            self.column[row],
            self.end_line[row],
            self.end_column[row],
            code,
            name,
            severity,
            self._message[row],
            self.tokens_wasted[row],
            None if replacement is None else [Edit(self.fix_start[row], self.fix_end[row], replacement)],
            safe_fix,
        )

    def values(self, name: str) -> Iterator[Any]:
        """Each row's value of the `Finding` field or property `name`, without making plain rows' findings."""
        if name in ("code", "name", "severity", "safe_fix"):
            field = ("code", "name", "severity", "safe_fix").index(name)
            by_slot = [rule[field] for rule in self._rules]
            plain: Iterable[Any] = map(by_slot.__getitem__, self._rule)
        elif name == "fixable":
            safe = [rule[3] for rule in self._rules]
            plain = (safe[slot] and replacement is not None for slot, replacement in zip(self._rule, self._replacement))
        elif name in ("cacheable_tokens", "over_budget_tokens"):
            plain = (0 for _ in range(len(self)))
        elif name == "path":
            plain = (self.path for _ in range(len(self)))
        elif name in ("line", "column", "end_line", "end_column", "tokens_wasted"):
            plain = iter(getattr(self, name))
        elif name == "message":
            plain = iter(self._message)
        else:  # the fix: made with the finding
            return map(attrgetter(name), self)
        if not self._whole:
            return iter(plain)
        getter = attrgetter(name)
        whole = self._whole
        return (
            getter(whole[row]) if row in whole else value for row, value in zip(range(len(self)), plain, strict=True)
        )

    def keep(self, kept: Iterable[bool]) -> None:
        """Drop the rows whose flag in `kept` is false (nothing is copied when every row is kept)."""
        dropped = {row for row, keep in enumerate(kept) if not keep}
        if dropped:
            self._select(array("q", (row for row in range(len(self)) if row not in dropped)))

    def extend_table(self, other: FindingTable) -> None:
        """Append `other`'s rows (a table of the same document)."""
        for row in range(len(other)):
            whole = other._whole.get(row)
            if whole is not None:
                self._whole[len(self)] = whole
            rule = other._rules[other._rule[row]]
            slot = self._rule_slots.get(rule)
            if slot is None:
                slot = self._rule_slots[rule] = len(self._rules)
                self._rules.append(rule)
            self._rule.append(slot)
            integers = tuple(getattr(other, name)[row] for name in _INTEGER_COLUMNS)
            try:
                self._append_integers(integers)
            except OverflowError:
                self._widen()
                self._append_integers(integers)
            self._message.append(other._message[row])
            self._replacement.append(other._replacement[row])
        self.in_report_order = False

    def sort(self) -> None:
        """Put the rows in report order: what `Finding.sort` does to their findings (by line, column and code,
        ties kept as they were; the path is the same for every row)."""
        count = len(self)
        codes = sorted({rule[0] for rule in self._rules})
        rank_of_slot = [codes.index(rule[0]) for rule in self._rules]
        # One int per row orders by (line, column, code rank, row): a key tuple per row would cost five objects.
        if not count:
            self.in_report_order = True
            return
        first_line, first_column = min(self.line), min(self.column)
        row_width = count
        rank_width = len(codes)
        column_width = max(self.column) - first_column + 1

        def keys() -> Iterator[int]:
            ranks = map(rank_of_slot.__getitem__, self._rule)
            return (
                (((line - first_line) * column_width + column - first_column) * rank_width + rank) * row_width + row
                for row, line, column, rank in zip(range(count), self.line, self.column, ranks)
            )

        # Rules report in order within themselves, often one rule alone: a sorted table is not copied.
        if any(earlier > later for earlier, later in pairwise(keys())):
            ordered = sorted(keys())
            order = array("q", (key % row_width for key in ordered))
            del ordered
            self._select(order)
        self.in_report_order = True

    def _select(self, rows: Sequence[int]) -> None:
        """Keep `rows` (indices, in the order given) and nothing else."""
        if self._whole:
            old_whole = self._whole
            self._whole = {new: old_whole[old] for new, old in enumerate(rows) if old in old_whole}
        self._rule = array("H", map(self._rule.__getitem__, rows))
        for name in _INTEGER_COLUMNS:
            column = getattr(self, name)
            setattr(self, name, array(self._integers, map(column.__getitem__, rows)))
        self._message = list(map(self._message.__getitem__, rows))
        self._replacement = list(map(self._replacement.__getitem__, rows))


class FindingRuns(_MadeOnReading):
    """Several documents' sorted tables, one after the other in report order: the tables of distinct paths,
    ordered by path (what sorting all their findings together gives, without making them)."""

    __slots__ = ("_starts", "_tables")

    in_report_order = True

    def __init__(self, tables: Iterable[FindingTable]) -> None:
        self._tables = sorted(tables, key=attrgetter("path"))
        self._starts = [0]
        for table in self._tables:
            self._starts.append(self._starts[-1] + len(table))

    @staticmethod
    def of(parts: Sequence[Sequence[Finding]]) -> FindingRuns | None:
        """The runs of `parts` when each is a sorted table and no two share a path, else None."""
        tables = [part for part in parts if isinstance(part, FindingTable) and part.in_report_order]
        if len(tables) != len(parts) or len({table.path for table in tables}) != len(tables):
            return None
        return FindingRuns(tables)

    def __len__(self) -> int:
        return self._starts[-1]

    def _at(self, index: int) -> Finding:
        part = bisect_right(self._starts, index) - 1
        return self._tables[part][index - self._starts[part]]

    def __iter__(self) -> Iterator[Finding]:
        return chain.from_iterable(self._tables)

    def values(self, name: str) -> Iterator[Any]:
        """Every finding's `name` (see `FindingTable.values`)."""
        return chain.from_iterable(table.values(name) for table in self._tables)

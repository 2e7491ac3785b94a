"""One document's findings kept as columns, and the findings of several documents in report order.

A file can have a million findings (letters between zero-width spaces: one every two characters). As
`Finding` objects with their fix lists, edits and position ints they took ~430 bytes each until the report
was written; as columns (machine integers, references to the rules' shared strings) ~75. A `Finding` is
made when a reporter reaches it, and dropped after. Findings the columns do not describe (several edits,
cache or budget figures, which a caller may set later) are kept whole, so a change to one stays.
"""

from __future__ import annotations

import base64
import binascii
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice, pairwise, repeat
from operator import and_, attrgetter, is_not
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

    # The columns, read-only, for writers that work from them without making findings (the JSON reporter).
    @property
    def rules(self) -> list[RuleKey]:
        """The distinct rules of the rows; `rule_slots[row]` indexes it."""
        return self._rules

    @property
    def rule_slots(self) -> array[int]:
        return self._rule

    @property
    def messages(self) -> list[str]:
        return self._message

    @property
    def replacements(self) -> list[str | None]:
        return self._replacement

    @property
    def whole_rows(self) -> dict[int, Finding]:
        """Row → its whole `Finding`, for the rows the columns do not describe."""
        return self._whole

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
        elif name == "fixable":  # a safe rule's row with its one edit (C loops: no Python code per row)
            safe = [rule[3] for rule in self._rules]
            plain = map(and_, map(safe.__getitem__, self._rule), map(is_not, self._replacement, repeat(None)))
        elif name in ("cacheable_tokens", "over_budget_tokens"):
            plain = repeat(0, len(self))
        elif name == "path":
            plain = repeat(self.path, len(self))
        elif name in ("line", "column", "end_line", "end_column", "tokens_wasted"):
            plain = iter(getattr(self, name))
        elif name == "message":
            plain = iter(self._message)
        else:  # the fix: made with the finding
            return map(attrgetter(name), self)
        return _with_own_values(plain, self._whole, name)

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

    @classmethod
    def of_findings(cls, path: str, findings: Iterable[Finding]) -> FindingTable:
        """A table of `findings` (in their order), each standing for itself: a plain one as its columns, any
        other whole (`cache_saving_usd` too, which `add` does not take)."""
        table = cls(path)
        for finding in findings:
            rule = (finding.code, finding.name, finding.severity, finding.safe_fix)
            fix = finding.fix
            table.add(
                rule,
                finding.line,
                finding.column,
                finding.end_line,
                finding.end_column,
                finding.message,
                finding.tokens_wasted,
                fix,
                cacheable_tokens=finding.cacheable_tokens,
                over_budget_tokens=finding.over_budget_tokens,
            )
            row = len(table) - 1
            if row in table._whole or finding.cache_saving_usd is not None or finding.path != path:
                table._whole[row] = finding
        return table

    def to_payload(self) -> dict[str, Any]:
        """The table as JSON-ready data (`from_payload` reads it): the integer columns one after the other as the
        base64 of their machine integers (little-endian), each message and replacement once, with the rows'
        indexes into them (and into the rules) packed the same way. A million rows become a few megabytes of
        text, made and read back in C loops, with no object per row."""
        messages = list(dict.fromkeys(self._message))
        replacements = [text for text in dict.fromkeys(self._replacement) if text is not None]
        message_index = dict(zip(messages, range(len(messages))))
        replacement_index: dict[str | None, int] = {None: 0}
        replacement_index.update(zip(replacements, range(1, len(replacements) + 1)))
        numbers = array(self._integers)
        for name in _INTEGER_COLUMNS:
            numbers.extend(getattr(self, name))
        indexes = array("I", self._rule)
        indexes.extend(array("I", map(message_index.__getitem__, self._message)))
        indexes.extend(array("I", map(replacement_index.__getitem__, self._replacement)))
        return {
            "rows": len(self),
            "sorted": self.in_report_order,
            "integers": self._integers,
            "numbers": _packed(numbers),
            "indexes": _packed(indexes),
            "rules": [list(rule) for rule in self._rules],
            "messages": messages,
            "replacements": replacements,
            "whole": [[row, *_whole_fields(finding)] for row, finding in sorted(self._whole.items())],
        }

    @classmethod
    def from_payload(cls, path: str, data: dict[str, Any]) -> FindingTable:
        """The table `to_payload` wrote, its rows on `path`. ValueError, TypeError or KeyError for data of
        another shape (a row from another build is analysed again, never misread)."""
        size, integers = data["rows"], data["integers"]
        if integers not in ("i", "q") or type(size) is not int:
            raise ValueError("cached findings of another shape")
        numbers, indexes = _unpacked(integers, data["numbers"]), _unpacked("I", data["indexes"])
        if len(numbers) != size * len(_INTEGER_COLUMNS) or len(indexes) != size * 3:
            raise ValueError("cached findings of another shape")
        rules = list(map(_rule_of, map(tuple, data["rules"])))
        messages, replacements = list(data["messages"]), [None, *data["replacements"]]
        slots, message_rows, replacement_rows = indexes[:size], indexes[size : 2 * size], indexes[2 * size :]
        if size and (
            max(slots) >= len(rules) or max(message_rows) >= len(messages) or max(replacement_rows) >= len(replacements)
        ):
            raise ValueError("cached findings of another shape")
        table = cls.__new__(cls)  # every slot is set here: `__init__`'s empty columns would be thrown away
        table.path = path
        table._integers = integers
        table.line, table.column = numbers[:size], numbers[size : 2 * size]
        table.end_line, table.end_column = numbers[2 * size : 3 * size], numbers[3 * size : 4 * size]
        table.tokens_wasted, table.fix_start = numbers[4 * size : 5 * size], numbers[5 * size : 6 * size]
        table.fix_end = numbers[6 * size :]
        table._rules = rules
        table._rule_slots = dict(zip(rules, range(len(rules))))
        table._rule = array("H", slots)
        table._message = list(map(messages.__getitem__, message_rows))
        table._replacement = list(map(replacements.__getitem__, replacement_rows))
        table._whole = {}
        if data["whole"]:
            for row, *fields in data["whole"]:
                if not 0 <= row < size:
                    raise ValueError("cached findings of another shape")
                table._whole[row] = _whole_finding(path, fields)
        table.in_report_order = bool(data["sorted"])
        return table

    def finding_at(self, row: int) -> Finding:
        """The finding of `row` (no bounds check beyond the columns')."""
        return self._row(row)


def _packed(column: array[int]) -> str:
    if sys.byteorder == "big":
        column = array(column.typecode, column)
        column.byteswap()
    return base64.b64encode(column.tobytes()).decode("ascii")


#: The sizes `_packed` wrote with: a build whose C types differ reads none of it.
_ITEM_SIZES = {"H": 2, "I": 4, "i": 4, "q": 8}


def _unpacked(typecode: str, text: str) -> array[int]:
    column = array(typecode)
    if column.itemsize != _ITEM_SIZES[typecode]:
        raise ValueError("machine integers of another size")
    raw = binascii.a2b_base64(text)  # binascii.Error is a ValueError
    # It passes over characters base64 has not: then fewer bytes come out than the text's length stands for.
    if len(text) % 4 or len(raw) != len(text) // 4 * 3 - text.endswith("=") - text.endswith("=="):
        raise ValueError("cached findings of another shape")
    column.frombytes(raw)
    if sys.byteorder == "big":
        column.byteswap()
    return column


_known_rules: dict[tuple[Any, ...], RuleKey] = {}


def _rule_of(fields: tuple[Any, ...]) -> RuleKey:
    """A cached rule as the rules' own key: one string object per code, name and severity however many tables
    name it (counting and sorting by them is faster). TypeError or ValueError for fields of another shape."""
    rule = _known_rules.get(fields)
    if rule is None:
        code, name, severity, safe_fix = fields
        if not (isinstance(code, str) and isinstance(name, str) and isinstance(severity, str)):
            raise TypeError("cached rule of another shape")
        rule = _known_rules[fields] = (sys.intern(code), sys.intern(name), sys.intern(severity), bool(safe_fix))
    return rule


_WHOLE_FIELDS = attrgetter(
    "line",
    "column",
    "end_line",
    "end_column",
    "code",
    "name",
    "severity",
    "message",
    "tokens_wasted",
    "fix",
    "safe_fix",
    "cacheable_tokens",
    "cache_saving_usd",
    "over_budget_tokens",
)


def _whole_fields(finding: Finding) -> list[Any]:
    fields = list(_WHOLE_FIELDS(finding))
    fix = fields[9]
    fields[9] = [[edit.start, edit.end, edit.replacement] for edit in fix] if fix is not None else None
    return fields


def _whole_finding(path: str, fields: list[Any]) -> Finding:
    if len(fields) != 14:
        raise ValueError("cached finding of another shape")
    fix = fields[9]
    fields[9] = [Edit(start, end, replacement) for start, end, replacement in fix] if fix is not None else None
    return Finding(path, *fields)


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

    def segments(self) -> Iterator[Segment]:
        """The findings in report order as (table, first row, end row) runs (see `MergedFindings.segments`)."""
        return ((table, 0, len(table)) for table in self._tables if len(table))


#: A run of a table's rows (table, first row, end row), or one finding of its own.
Segment = tuple[FindingTable, int, int] | Finding


class MergedFindings(_MadeOnReading):
    """Sorted tables of distinct paths and some findings of their own (any path, any order), together in report
    order: what putting every table's findings and then the others in one list and sorting it gives (a table's
    rows ahead of another finding on the same place, as they came first), without making the tables' findings.
    An audit's report: each file's findings as a table, the budget findings and those moved onto host files
    as findings."""

    __slots__ = ("_columns", "_segments", "_starts")

    in_report_order = True

    def __init__(self, tables: Iterable[FindingTable], others: Iterable[Finding]) -> None:
        loose = Finding.sorted(others)
        segments: list[Segment] = []
        position = 0
        for table in sorted(tables, key=attrgetter("path")):
            if not table.in_report_order:
                table.sort()
            path = table.path
            while position < len(loose) and loose[position].path < path:
                segments.append(loose[position])
                position += 1
            row = 0
            while position < len(loose) and loose[position].path == path:
                finding = loose[position]
                at = _place_in(table, finding)
                if at > row:
                    segments.append((table, row, at))
                    row = at
                segments.append(finding)
                position += 1
            if len(table) > row:
                segments.append((table, row, len(table)))
        segments.extend(loose[position:])
        self._segments = segments
        self._starts = [0]
        for segment in segments:
            self._starts.append(self._starts[-1] + (1 if isinstance(segment, Finding) else segment[2] - segment[1]))
        self._columns: _MergedColumns | None = None

    def __len__(self) -> int:
        return self._starts[-1]

    def _at(self, index: int) -> Finding:
        part = bisect_right(self._starts, index) - 1
        segment = self._segments[part]
        if isinstance(segment, Finding):
            return segment
        return segment[0].finding_at(segment[1] + index - self._starts[part])

    def __iter__(self) -> Iterator[Finding]:
        for segment in self._segments:
            if isinstance(segment, Finding):
                yield segment
            else:
                table, start, end = segment
                yield from map(table.finding_at, range(start, end))

    def values(self, name: str) -> Iterator[Any]:
        """Every finding's `name` (see `FindingTable.values`), chained in C (no Python code per finding)."""
        if name in _MERGED_COLUMNS:  # asked for again and again (summary, exit code, reporters): columns made once
            return self._merged_columns().values(name)
        parts: list[Iterable[Any]] = []
        tables: dict[int, Iterator[Any]] = {}  # a table's runs come in order: one pass over its values
        for segment in self._segments:
            if isinstance(segment, Finding):
                parts.append((getattr(segment, name),))
            else:
                table, start, end = segment
                values = tables.get(id(table))
                if values is None:
                    values = tables[id(table)] = table.values(name)
                parts.append(values if start == 0 and end == len(table) else islice(values, end - start))
        return chain.from_iterable(parts)

    def _merged_columns(self) -> _MergedColumns:
        if self._columns is None:
            self._columns = _MergedColumns(self._segments)
        return self._columns

    def segments(self) -> list[Segment]:
        """The findings in report order: runs of a table's rows as (table, first row, end row), the others as
        themselves."""
        return self._segments


_RULE_FIELDS = ("code", "name", "severity", "safe_fix")
_MERGED_COLUMNS = (*_RULE_FIELDS, "tokens_wasted", "cacheable_tokens", "over_budget_tokens", "fixable")


class _MergedColumns:
    """Columns of merged findings made once (a summary, the exit code and the reporters read them again and
    again, and reading a table costs a call per table): each finding's rule as an index into the distinct rules,
    its tokens wasted, whether it has one edit, and the findings kept whole (the tables' whole rows and the
    findings merged in) by position, which give their own values. What a finding is made of is fixed once its
    table is merged."""

    __slots__ = ("_fixes", "_ids", "_own", "_rules", "_tokens")

    def __init__(self, segments: Sequence[Segment]) -> None:
        known: dict[RuleKey, int] = {}
        self._ids = array("I")
        self._tokens = array("q")
        self._fixes = array("B")
        self._own: dict[int, Finding] = {}
        for segment in segments:
            if isinstance(segment, Finding):
                self._own[len(self._ids)] = segment
                self._ids.append(0)
                self._tokens.append(0)
                self._fixes.append(0)
                continue
            table, start, end = segment
            remap = [known.setdefault(rule, len(known)) for rule in table.rules]
            offset = len(self._ids)
            self._ids.extend(array("I", map(remap.__getitem__, table.rule_slots[start:end])))
            self._tokens.extend(array("q", table.tokens_wasted[start:end]))
            self._fixes.extend(array("B", map(is_not, table.replacements[start:end], repeat(None))))
            for row, finding in table.whole_rows.items():
                if start <= row < end:
                    self._own[offset + row - start] = finding
        self._rules = list(known) or [("", "", "", False)]

    def values(self, name: str) -> Iterator[Any]:
        if name in _RULE_FIELDS:
            field = _RULE_FIELDS.index(name)
            plain: Iterable[Any] = map([rule[field] for rule in self._rules].__getitem__, self._ids)
        elif name == "tokens_wasted":
            plain = self._tokens
        elif name == "fixable":
            safe = [rule[3] for rule in self._rules]
            plain = map(and_, map(safe.__getitem__, self._ids), map(bool, self._fixes))
        else:  # cacheable and over-budget tokens: only findings kept whole have any
            plain = repeat(0, len(self._ids))
        return _with_own_values(plain, self._own, name)


def _with_own_values(plain: Iterable[Any], own: dict[int, Finding], name: str) -> Iterator[Any]:
    """`plain`, but at each position of `own` that finding's `name` (findings kept whole give their own)."""
    if not own:
        return iter(plain)
    values = list(plain)
    for position, finding in own.items():
        values[position] = getattr(finding, name)
    return iter(values)


def _place_in(table: FindingTable, finding: Finding) -> int:
    """How many rows of the sorted `table` come before `finding` in report order (ties: the table's first)."""
    codes = [rule[0] for rule in table.rules]
    slots = table.rule_slots
    key = (finding.line, finding.column, finding.code)
    return bisect_right(range(len(table)), key, key=lambda row: (table.line[row], table.column[row], codes[slots[row]]))

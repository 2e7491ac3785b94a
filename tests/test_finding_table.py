"""Findings kept as columns (`tokcli.lint.finding_table`) read back as the `Finding` objects they stand for."""

from __future__ import annotations

import json
from operator import attrgetter

from hypothesis import given
from hypothesis import strategies as st

from tokcli.lint.engine import FileResult, Linter, LintReport
from tokcli.lint.finding import Edit, Finding, summarize
from tokcli.lint.finding_table import FindingRuns, FindingTable, MergedFindings
from tokcli.prompts import load_prompt
from tokcli.reporters.json import StringTexts, finding_dict, finding_texts, render_json, table_texts

_RULES = [
    ("TK605", "invisible-unicode", "warning", True),
    ("TK101", "trailing-whitespace", "info", True),
    ("TK401", "dynamic-prefix", "info", False),
    ("TK101", "trailing-whitespace", "warning", True),  # the same code under another severity
]

_edits = st.builds(Edit, st.integers(0, 50), st.integers(0, 50), st.sampled_from(["", " ", "x"]))
_rows = st.lists(
    st.tuples(
        st.sampled_from(_RULES),
        st.integers(1, 6),  # line
        st.integers(1, 9),  # column
        st.sampled_from(["a", "b", "c"]),  # message
        st.integers(0, 3),  # tokens wasted
        st.none() | st.lists(_edits, min_size=1, max_size=3),
        st.sampled_from([0, 0, 0, 7]),  # cacheable tokens
    ),
    max_size=40,
)


def _table(path: str, rows: list[tuple]) -> tuple[FindingTable, list[Finding]]:
    """A table of `rows` and the findings they stand for, as `Context.report` made them before."""
    table = FindingTable(path)
    findings = []
    for rule, line, column, message, tokens, fix, cacheable in rows:
        code, name, severity, safe_fix = rule
        table.add(rule, line, column, line, column + 1, message, tokens, fix, cacheable_tokens=cacheable)
        findings.append(
            Finding(
                path, line, column, line, column + 1, code, name, severity, message, tokens, fix, safe_fix, cacheable
            )
        )
    return table, findings


@given(_rows, st.lists(st.booleans()))
def test_a_table_reads_back_kept_and_sorted_as_its_findings(rows: list[tuple], flags: list[bool]) -> None:
    table, findings = _table("p.md", rows)
    assert list(table) == findings
    kept = [flag for flag, _ in zip(flags + [True] * len(rows), rows)]
    table.keep(kept)
    findings = [finding for finding, keep in zip(findings, kept) if keep]
    table.sort()
    Finding.sort(findings)
    assert list(table) == findings
    assert [table[index] for index in range(-len(findings), len(findings))] == findings + findings
    assert table[1:3] == findings[1:3]
    for name in ("code", "severity", "tokens_wasted", "cacheable_tokens", "over_budget_tokens", "fixable", "fix"):
        assert list(table.values(name)) == list(map(attrgetter(name), findings)), name
    assert summarize(table, files=1) == summarize(findings, files=1)


@given(_rows, _rows)
def test_tables_of_distinct_paths_run_in_report_order(first: list[tuple], second: list[tuple]) -> None:
    tables = []
    everything = []
    for path, rows in (("z/b.md", first), ("a.md", second)):
        table, findings = _table(path, rows)
        table.sort()
        tables.append(table)
        everything += findings
    runs = FindingRuns.of(tables)
    assert runs is not None
    assert list(runs) == Finding.sorted(everything)
    assert Finding.sorted(runs) is runs
    assert [runs[index] for index in range(len(runs))] == list(runs)
    assert summarize(runs, files=2) == summarize(everything, files=2)


def test_a_kept_whole_finding_keeps_what_a_caller_sets_on_it() -> None:
    table, _ = _table("p.md", [(_RULES[2], 1, 1, "a", 0, None, 7), (_RULES[0], 1, 1, "b", 1, None, 0)])
    table.sort()
    cached = next(finding for finding in table if finding.cacheable_tokens)
    cached.cache_saving_usd = 0.5
    assert [finding.cache_saving_usd for finding in table] == [0.5, None]  # TK401 sorts before TK605
    assert table[0] is cached


def test_tables_sharing_a_path_or_unsorted_are_not_run_together() -> None:
    first, _ = _table("p.md", [])
    second, _ = _table("p.md", [])
    first.sort()
    second.sort()
    assert FindingRuns.of([first, second]) is None
    third, _ = _table("q.md", [])
    assert FindingRuns.of([first, third]) is None  # `third` was never sorted
    assert FindingRuns.of([first, [Finding("q.md", 1, 1, 1, 1, "TK1", "x", "info", "m")]]) is None


def test_a_lint_report_of_tables_is_the_same_as_of_lists() -> None:
    linter = Linter(model="gpt-4o")
    texts = {"b.md": "Hi\u200bthere  \n\n\n\nPlease   note that you must  answer.\n", "a.md": "Sum\u200bmarize.\n"}
    tables = LintReport(
        files=[FileResult(path, linter.lint_table(load_prompt(path, text)), 1, text) for path, text in texts.items()]
    )
    lists = LintReport(files=[FileResult(path, linter.lint_text(path, text), 1, text) for path, text in texts.items()])
    assert isinstance(tables.findings, FindingRuns)
    assert list(tables.findings) == Finding.sorted(lists.findings)
    assert len(tables.findings) >= 4
    assert tables.summary() == lists.summary()
    # Written from the tables' columns: the text of the findings themselves.
    assert render_json(tables.findings, tables.summary()) == render_json(lists.findings, lists.summary())
    assert json.loads(render_json(tables.findings, {}))["findings"] == [
        finding_dict(finding) for finding in Finding.sorted(lists.findings)
    ]


def test_positions_past_32_bits_widen_the_columns() -> None:
    rows = [(_RULES[0], 1, 5, "a", 1, [Edit(2**40, 2**40 + 1, "")], 0), (_RULES[1], 2**33, 1, "b", 0, None, 0)]
    table, findings = _table("p.md", rows[:1])
    other, more = _table("p.md", rows[1:])
    table.extend_table(other)
    table.add(_RULES[1], 3, 2**31, 3, 2**31 + 1, "c", 2, None)
    findings += [
        *more,
        Finding("p.md", 3, 2**31, 3, 2**31 + 1, "TK101", "trailing-whitespace", "info", "c", 2, None, True),
    ]
    table.sort()
    Finding.sort(findings)
    assert list(table) == findings


_loose = st.lists(
    st.builds(
        Finding,
        st.sampled_from(["a.md", "p.md", "q.md", "z.md"]),
        st.integers(1, 6),
        st.integers(1, 9),
        st.just(1),
        st.just(1),
        st.sampled_from(["TK101", "TK605", "TK951", "TK956"]),
        st.just("budget"),
        st.sampled_from(["error", "warning"]),
        st.sampled_from(["m", "n"]),
    ),
    max_size=8,
)


@given(_rows, _rows, _loose, st.booleans())
def test_tables_merged_with_other_findings_read_as_all_of_them_sorted(
    first: list[tuple], second: list[tuple], others: list[Finding], sort_first: bool
) -> None:
    """An audit's report: each file's table and the audit's own findings, in the order one sorted list of the
    tables' findings followed by the others has (a table's row first where they tie)."""
    tables = []
    everything = []
    for path, rows in (("q.md", first), ("a.md", second)):
        table, findings = _table(path, rows)
        if sort_first:
            table.sort()
        tables.append(table)
        everything += findings
    everything += others
    merged = MergedFindings(tables, others)
    expected = Finding.sorted(everything)
    assert list(merged) == expected
    assert Finding.sorted(merged) is merged
    assert [merged[index] for index in range(len(merged))] == expected
    for name in ("path", "code", "severity", "message", "tokens_wasted", "cacheable_tokens", "fixable", "fix"):
        assert list(merged.values(name)) == list(map(attrgetter(name), expected)), name
    assert summarize(merged, files=2) == summarize(expected, files=2)
    covered = [
        *(
            item
            for segment in merged.segments()
            for item in ([segment] if isinstance(segment, Finding) else segment[0][segment[1] : segment[2]])
        )
    ]
    assert covered == expected


@given(_rows, st.booleans())
def test_a_table_comes_back_from_its_payload_as_it_was(rows: list[tuple], sort: bool) -> None:
    """Through JSON text, as the audit cache stores it: the same findings on the path given, whole rows too."""
    table, findings = _table("p.md", rows)
    if sort:
        table.sort()
        Finding.sort(findings)
    for finding in table.whole_rows.values():
        finding.cache_saving_usd = 0.25
    for finding in findings:
        if finding.cacheable_tokens or (finding.fix is not None and len(finding.fix) != 1):
            finding.cache_saving_usd = 0.25
    payload = json.loads(json.dumps(table.to_payload(), separators=(",", ":")))
    again = FindingTable.from_payload("p.md", payload)
    assert list(again) == findings
    assert again.in_report_order == table.in_report_order
    moved = FindingTable.from_payload("elsewhere/p.md", payload)
    assert {finding.path for finding in moved} <= {"elsewhere/p.md"}


@given(_rows)
def test_a_list_of_findings_makes_a_table_of_the_same_findings(rows: list[tuple]) -> None:
    _, findings = _table("p.md", rows)
    if findings:
        findings[0].cache_saving_usd = 1.5
    table = FindingTable.of_findings("p.md", findings)
    assert list(table) == findings
    assert list(FindingTable.from_payload("p.md", json.loads(json.dumps(table.to_payload())))) == findings


@given(_rows, st.integers(0, 40), st.integers(0, 40))
def test_a_tables_rows_are_written_as_their_findings_are(rows: list[tuple], start: int, size: int) -> None:
    """The JSON reporter writes a table's rows from its columns: the text `finding_texts` writes for their
    findings (which property tests compare with `json.dumps`), any run of rows, odd strings too."""
    odd = [("T%K1", 'na"me', "warn\\ing", True), ("TK\u2028", "ü{x}", "info", False)]
    table, _ = _table(
        "dir/%s ü.md", [(odd[index % 2] if index % 3 == 0 else row[0], *row[1:]) for index, row in enumerate(rows)]
    )
    start = min(start, len(table))
    end = min(len(table), start + size)
    assert table_texts(table, start, end) == finding_texts(table[start:end])
    strings = StringTexts()
    strings.LIMIT = 3  # the texts met are forgotten between (and within) calls
    for first in range(0, len(table), 4):
        assert table_texts(table, first, first + 4, strings) == finding_texts(table[first : first + 4])

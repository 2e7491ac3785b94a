"""Reporters shared by lint and audit: text, json, github, sarif."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.lint.config import LintSettings
from tokcli.lint.engine import Linter, lint_inputs
from tokcli.lint.finding import Finding, RuleInfo, summarize
from tokcli.reporters import text as text_reporter
from tokcli.reporters.github import escape_data, escape_property, render_github
from tokcli.reporters.json import render_json
from tokcli.reporters.sarif import render_sarif
from tokcli.reporters.text import iter_text, render_text, summary_line

SCHEMA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sarif-schema-2.1.0.json"

SOURCE = "In order to help, answer!!!\n\n\n\nCould you please be brief?\n"


def _report():  # type: ignore[no-untyped-def]
    from tokcli.inputs import InputText

    linter = Linter(LintSettings(select=["ALL"]), model="gpt-4o")
    return lint_inputs([InputText("dir/a b.md", SOURCE), InputText("clean.md", "Be brief.\n")], linter)


def test_json_report_shape() -> None:
    report = _report()
    data = json.loads(render_json(report.findings, report.summary()))
    assert set(data) == {"schema_version", "findings", "summary"}
    first = data["findings"][0]
    assert set(first) == {
        "path", "line", "column", "end_line", "end_column", "code", "name", "severity", "message",
        "tokens_wasted", "fix", "fixable", "cacheable_tokens", "cache_saving_usd", "over_budget_tokens",
    }  # fmt: skip
    assert [(f["line"], f["code"]) for f in data["findings"]] == [
        (1, "TK303"),
        (1, "TK306"),
        (2, "TK101"),
        (5, "TK301"),
    ]
    assert data["findings"][2]["fixable"] is True and data["findings"][2]["fix"][0]["replacement"] == ""
    assert data["summary"]["files"] == 2 and data["summary"]["findings"] == 4
    assert data["summary"]["by_severity"] == {"info": 0, "warning": 4, "error": 0}


def test_github_annotations_and_escaping() -> None:
    finding = Finding("a,b:c.md", 3, 5, 3, 9, "TK301", "politeness", "info", "50% off\nnow", 2)
    assert render_github([finding]) == (
        "::notice file=a%2Cb%3Ac.md,line=3,col=5,endLine=3,endColumn=9,title=TK301 politeness::"
        "50%25 off%0Anow (2 tokens per call)\n"
    )
    assert escape_data("a\r\n%") == "a%0D%0A%25"
    assert escape_property("x:y,z") == "x%3Ay%2Cz"
    findings = _report().findings
    costliest = max(findings, key=lambda finding: finding.tokens_wasted)
    lines = render_github(findings).splitlines()
    assert lines[0].startswith(f"::warning file=dir/a b.md,line={costliest.line},col={costliest.column},")
    assert f"title={costliest.code} {costliest.name}::" in lines[0]


def _finding(path: str, line: int, severity: str, wasted: int) -> Finding:
    return Finding(path, line, 1, line, 2, "TK303", "verbose-phrase", severity, "wordy", wasted)


def test_github_annotations_are_capped_per_level_most_costly_first() -> None:
    warnings = [_finding("a.md", line, "warning", wasted=line % 7) for line in range(1, 31)]
    infos = [_finding("b.md", line, "info", wasted=1) for line in range(1, 4)]
    errors = [_finding("c.md", line, "error", wasted=line) for line in range(1, 13)]
    out = render_github(warnings + infos + errors)
    lines = out.splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    levels = [line.split(" ", 1)[0] for line in annotations]
    assert levels == ["::error"] * 10 + ["::warning"] * 10 + ["::notice"] * 3
    error_lines = [int(line.split("line=")[1].split(",")[0]) for line in annotations[:10]]
    assert error_lines == list(range(12, 2, -1))  # the most tokens wasted first
    shown_wasted = sorted((f.tokens_wasted for f in warnings), reverse=True)[:10]
    assert [int(line.split("(")[-1].split(" ")[0]) for line in annotations[10:20]] == shown_wasted
    assert lines[-1] == (
        "tokcli: 22 more findings not annotated (2 errors, 20 warnings): GitHub shows 10 of each level per step; "
        "`tokcli lint` lists them all"
    )


def test_github_findings_that_fail_the_run_come_first_and_a_total_has_no_file() -> None:
    cheap_failing = Finding(".", 1, 1, 1, 1, "TK954", "token-increase", "error", "all prompt files together grew")
    costly = [_finding("a.md", line, "error", wasted=100) for line in range(1, 15)]
    lines = render_github([*costly, cheap_failing], first=[cheap_failing]).splitlines()
    assert lines[0] == "::error title=TK954 token-increase::all prompt files together grew"
    assert len([line for line in lines if line.startswith("::error")]) == 10


def test_sarif_validates_against_the_schema() -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA}")
    import jsonschema

    report = _report()
    log = json.loads(render_sarif(report.findings, report.rules, summary=report.summary()))
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    run = log["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) >= 20
    result = run["results"][0]
    assert result["ruleId"] == "TK303" and rule_ids[result["ruleIndex"]] == "TK303"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir/a%20b.md"
    assert result["properties"]["tokensWasted"] == 2


def test_sarif_adds_rules_for_codes_it_was_not_told_about() -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA}")
    import jsonschema

    finding = Finding("p.md", 1, 1, 1, 1, "TK701", "over-budget", "error", "over budget", 10)
    log = json.loads(render_sarif([finding], [RuleInfo("TK101", "blank-line-run", "warning", "Blank lines.")]))
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]] == ["TK101", "TK701"]
    assert log["runs"][0]["results"][0]["level"] == "error"


def test_text_report_groups_by_file_with_a_code_frame() -> None:
    report = _report()
    sources = {result.path: result.original for result in report.files}
    text = render_text(report.findings, report.summary(), sources=sources)
    lines = text.splitlines()
    assert lines[0] == "dir/a b.md"
    assert lines[1].startswith("1:1 warning TK303 [verbose-phrase] 'In order to' can be 'To' (2 tokens)")
    assert "  > 1 | In order to help, answer!!!" in lines
    assert "    | ^^^^^^^^^^^" in text
    assert lines[-1] == summary_line(report.summary())
    assert lines[-1].startswith("Found 4 findings (4 warnings) in 2 files;")


def test_a_long_text_report_comes_in_bounded_pieces_that_join_to_the_whole() -> None:
    # 8,000 findings between zero-width spaces (one every two characters), with a code frame each.
    source = "\u200b".join("abcdefghijklmnopqrstuvwxyz"[index % 26] for index in range(8_001)) + "\n"
    findings = Linter(LintSettings(select=["TK605"]), model="gpt-4o").lint_text("zw.md", source)
    assert len(findings) == 8_000
    summary = summarize(findings, files=1)
    pieces = list(iter_text(findings, summary, sources={"zw.md": source}))
    whole = render_text(findings, summary, sources={"zw.md": source})
    assert "".join(pieces) == whole
    assert len(whole) > 2 * text_reporter._PIECE_CHARS and len(pieces) >= 3
    longest_row = max(map(len, whole.splitlines(keepends=True)))
    assert all(len(piece) < text_reporter._PIECE_CHARS + longest_row for piece in pieces)


def test_summary_line_when_clean() -> None:
    assert summary_line(summarize([], files=3)) == "No findings in 3 files."


def _rich_row(text: str, width: int) -> str:
    import io

    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, highlight=False, soft_wrap=True).print(Text(text))
    return buffer.getvalue()


@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
    | st.builds(lambda word, space: word * 30 + space, st.text(min_size=1, max_size=5), st.sampled_from(" \t\u00a0\n")),
    st.sampled_from([20, 100]),
)
@settings(max_examples=300, deadline=None)
def test_plain_rows_are_what_rich_prints(text: str, width: int) -> None:
    from tokcli.reporters.text import _plain_row

    plain = _plain_row(text)
    if plain is not None:  # None: the row goes through rich itself
        assert plain == _rich_row(text, width)
    else:
        assert any(char in text for char in "\t\x07\x08\x0b\x0c\r")


def test_text_report_without_colour_matches_rich_rendering_row_by_row() -> None:
    from rich.console import Console
    from rich.text import Text

    from tokcli.reporters.text import _rows

    report = _report()
    sources = {"dir/a b.md": SOURCE, "clean.md": "Be brief.\n"}
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, no_color=True, highlight=False, soft_wrap=True)
    for parts in _rows(report.findings, report.summary(), sources, 1):
        row = Text()
        for text, style in parts:
            row.append(text, style=style)
        console.print(row)
    assert render_text(report.findings, report.summary(), sources=sources) == buffer.getvalue()


def _frame_line_by_copy(line: str, column: int, on_finding_line: bool) -> str:
    """How a frame row's text was cut before: the whole line cleaned first (a copy per finding)."""
    text = line.rstrip("\r").replace("\t", " ")
    if len(text) > 160:
        start = max(0, column - 60) if on_finding_line else 0
        text = ("…" if start else "") + text[start : start + 140] + "…"
    return text


@given(
    st.text(alphabet=st.sampled_from(list("ab \t\r")), min_size=150, max_size=400),
    st.integers(1, 400),
)
@settings(max_examples=200, deadline=None)
def test_frame_rows_of_long_lines_are_cut_as_before(line: str, column: int) -> None:
    from tokcli.reporters.text import _frame

    finding = Finding("a.md", 2, column, 2, column + 1, "TK101", "x", "info", "m")
    rows = _frame(["first " + line, line], finding, 1)
    first, second = _frame_line_by_copy("first " + line, column, False), _frame_line_by_copy(line, column, True)
    assert [row for row, _ in rows[:2]] == [f"    1 | {first}".rstrip(), f"  > 2 | {second}".rstrip()]

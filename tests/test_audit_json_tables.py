"""An audit keeps each file's findings as a table (a row each, no object), cold and from the cache, and writes
the JSON report from the tables' columns: the text `json.dumps(indent=2)` writes for the same document, cold,
warm or uncached, with the audit's own findings (budgets) merged in among a file's rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from audit_support import VERBOSE, own_cache, run_audit, write_tree
from hypothesis import assume, given
from hypothesis import strategies as st
from test_indented_json import findings as finding_strategy

from tokcli.audit import AuditOptions, build_settings
from tokcli.audit import run_audit as run_audit_api
from tokcli.audit.analyze import FileFacts
from tokcli.audit.run import AuditReport
from tokcli.config import load_config
from tokcli.lint.finding import Finding
from tokcli.lint.finding_table import FindingTable, MergedFindings
from tokcli.reporters.audit_json import audit_document, audit_summary, files_text, render_audit_json
from tokcli.reporters.indented_json import dumps_indented
from tokcli.reporters.json import finding_dict
from tokcli.reporters.json_document import json_document, schema_text

__all__ = ["own_cache"]

EXAMPLES = Path(__file__).resolve().parent.parent / "prompts_examples"
NOISY = "Please note that   the reply is short.  \nIn order to  help,   cite sources.\t\n\n\n\nEnd.\n"


def former_text(report: AuditReport) -> str:
    """The report as the pure-Python indented encoder wrote it, from the findings' own fields."""
    document = {
        "findings": [finding_dict(finding) for finding in sorted(report.findings, key=Finding.sort_key)],
        "summary": audit_summary(report),
        **audit_document(report),
    }
    return json_document(document)


def audit(root: Path, *, use_cache: bool = True) -> AuditReport:
    config = load_config(start_dir=root)
    settings = build_settings(config, no_cache=not use_cache)
    return run_audit_api(config, settings, AuditOptions(paths=[str(root)], use_cache=use_cache))


def many_findings_tree(root: Path) -> Path:
    files = {
        f"team{index % 4}/noisy_{index}.md": f"# Role {index}\n\n" + NOISY * (1 + index % 5) for index in range(40)
    }
    files["billing.md"] = VERBOSE
    files["empty_of_findings.md"] = "Answer billing questions. Cite the invoice number.\n"
    # A file budget every file exceeds: its TK951 finding (line 1, column 1) lands among the lint findings of
    # files with findings on line 1 and before those of the others.
    config = "models: [gpt-4o]\nlint:\n  rules:\n    TK402: {max-tokens: 60}\n"
    config += "audit:\n  budgets:\n    files:\n      '*.md': {max_tokens: 5}\n"
    return write_tree(root, files, config)


def _interleaved(report: AuditReport) -> set[str]:
    """Files whose own findings a budget finding stands among in the report's order."""
    paths = set()
    findings = list(report.findings)
    for before, finding, after in zip(findings, findings[1:], findings[2:]):
        if finding.code == "TK951" and before.path == finding.path == after.path:
            paths.add(finding.path)
    return paths


@pytest.mark.parametrize("tree", ["examples", "many findings"])
def test_cold_warm_and_uncached_reports_are_the_former_encoders_text(
    tree: str, tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if tree == "examples":
        root = tmp_path / "examples"
        shutil.copytree(EXAMPLES, root)
    else:
        root = many_findings_tree(tmp_path / "noisy")
    monkeypatch.chdir(tmp_path)
    cold = audit(root)
    warm = audit(root)
    uncached = audit(root, use_cache=False)
    assert cold.cache_misses == warm.cache_hits == len(warm.files) > 0
    assert len(warm.findings) > (900 if tree == "many findings" else 10)
    for report in (cold, warm, uncached):
        assert isinstance(report.findings, MergedFindings)
        assert all(isinstance(file.findings, FindingTable) for file in report.files if file.unit is None)
        assert render_audit_json(report) == former_text(report)
    if tree == "many findings":  # budget findings stand among a file's rows, and before others
        assert 0 < len(_interleaved(warm)) < len([file for file in warm.files if file.findings])
    texts = [json.loads(render_audit_json(report)) for report in (cold, warm, uncached)]
    for data in texts:
        data["cache"] = None
        for file in data["files"]:
            file["cached"] = None
    assert texts[0] == texts[1] == texts[2]


def test_the_warm_report_validates_against_the_schema(tmp_path: Path, own_cache: Path) -> None:
    root = many_findings_tree(tmp_path / "noisy")
    for _ in range(2):
        result = run_audit(str(root), "--format", "json")
        assert result.exit_code == 1 and result.stderr == ""  # TK402 errors fail the run
    document = json.loads(result.stdout)
    assert document["cache"]["misses"] == 0
    validator = jsonschema.Draft202012Validator(json.loads(schema_text("audit")))
    assert not list(validator.iter_errors(document))


@given(st.lists(finding_strategy, max_size=8))
def test_cached_findings_come_back_as_they_were(items: list[Finding]) -> None:
    """A file's findings survive the cache's packed columns (through JSON text, as the cache stores them)."""
    for finding in items:  # positions and counts as machine integers hold them (a file's offsets do)
        edits = [value for edit in finding.fix or () for value in (edit.start, edit.end)]
        assume(max(finding.line, finding.column, finding.end_line, finding.end_column, *edits) < 2**63)
        assume(finding.tokens_wasted < 2**63)
        finding.path = "p/a.md"
    facts = FileFacts("markdown", findings=items)
    payload: dict[str, Any] = json.loads(json.dumps(facts.to_json(), separators=(",", ":")))
    assert list(FileFacts.from_json(payload, "p/a.md").findings) == items


_codes = st.lists(
    st.tuples(st.sampled_from(["TK101", "TK951", "TK954", "TK957"]), st.sampled_from(["info", "warning", "error"]))
)


@given(_codes, _codes, st.sampled_from(["never", "info", "warning", "error"]))
def test_the_exit_code_check_agrees_with_the_failing_findings(
    in_table: list[tuple[str, str]], others: list[tuple[str, str]], fail_on: str
) -> None:
    """Failing findings are told apart by their code and severity, never by comparing objects (a table's
    findings are made anew each time they are read)."""
    from tokcli.audit.settings import AuditSettings

    report = AuditReport(AuditSettings(models=["gpt-4o"], include=None, exclude=[], fail_on=fail_on), targets=[])
    table = FindingTable("a.md")
    for index, (code, severity) in enumerate(in_table):
        table.add((code, "x", severity, False), index + 1, 1, index + 1, 2, "m", 0, None)
    loose = [Finding("b.md", 1, 1, 1, 2, code, "x", severity, "m") for code, severity in others]
    report.findings = MergedFindings([table], loose)
    failing = report.failing_findings()
    assert report.has_failing_findings() == bool(failing)
    flags = list(report.failing_flags())
    assert Finding.sorted([f for f, flag in zip(report.findings, flags) if flag]) == Finding.sorted(failing)
    everything = list(report.findings)
    assert all(any(f is g for g in everything) for f in report.failing_findings(everything))


_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.floats(allow_nan=False))
_figure = st.fixed_dictionaries(
    {
        key: _scalar
        for key in (
            "tokens",
            "exact",
            "cost_per_call",
            "cost_per_period",
            "compressed_tokens",
            "saved_tokens",
            "static_prefix_tokens",
            "cache_minimum",
            "cacheable",
            "tool_tokens",
        )
    }
    | {
        "rendered": st.one_of(st.none(), st.just({"min": 1, "max": 2})),
        "rendered_cost_per_call": _scalar,
        "tools": st.one_of(st.just([]), st.just([{"name": "t", "tokens": 3, "line": 1}])),
    }
)
_file = st.fixed_dictionaries(
    {
        "path": st.text(max_size=8),
        "kind": st.sampled_from(["markdown", "chat"]),
        "cached": st.booleans(),
        "first_dynamic": st.one_of(st.none(), st.just({"text": "{{ q }}", "line": 3})),
        "findings": st.integers(0, 10**6),
        "models": st.dictionaries(st.text(max_size=6), _figure, max_size=2),
    }
)


@given(st.lists(_file, max_size=5), st.booleans())
def test_the_files_part_is_the_indented_encoders_text(files: list[dict[str, Any]], with_unit: bool) -> None:
    """The usual entries are written from templates, the others (a render, tools, a dynamic part, a unit, no
    model) as `dumps_indented` writes them: the same text either way."""
    if with_unit and files:
        files[0] = {**files[0], "unit": {"file": "a.py", "key": "k"}}
    expected = json.dumps({"files": files, "after": 1}, indent=2, ensure_ascii=False)
    assert dumps_indented({"files": files_text(files), "after": 1}) == expected

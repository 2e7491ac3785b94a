"""`audit --format json` keeps each file's findings in the cache as the report writes them ("findings blocks")
and reuses them: the report stays the text `json.dumps(indent=2)` wrote for the same document, cold or warm,
whatever happened to the blocks."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from unittest import mock

import jsonschema
import pytest
from audit_support import VERBOSE, own_cache, run_audit, write_tree
from hypothesis import given
from hypothesis import strategies as st
from test_indented_json import findings as finding_strategy

from tokcli.audit import AuditOptions, build_settings
from tokcli.audit import run_audit as run_audit_api
from tokcli.audit.analyze import FileFacts
from tokcli.audit.cache import FILE_NAME
from tokcli.audit.run import AuditReport
from tokcli.config import load_config
from tokcli.lint.finding import Finding
from tokcli.reporters import json as json_reporter
from tokcli.reporters.audit_json import audit_document, audit_summary, render_audit_json
from tokcli.reporters.json import finding_dict, findings_block, findings_text
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


def audit(root: Path, *, findings_json: bool = True, use_cache: bool = True) -> AuditReport:
    config = load_config(start_dir=root)
    settings = build_settings(config, no_cache=not use_cache)
    options = AuditOptions(paths=[str(root)], use_cache=use_cache, findings_json=findings_json)
    return run_audit_api(config, settings, options)


def many_findings_tree(root: Path) -> Path:
    files = {
        f"team{index % 4}/noisy_{index}.md": f"# Role {index}\n\n" + NOISY * (1 + index % 5) for index in range(40)
    }
    files["billing.md"] = VERBOSE
    files["empty_of_findings.md"] = "Answer billing questions. Cite the invoice number.\n"
    # A file budget every file exceeds: its TK951 finding (line 1, column 1) lands among the lint findings of
    # files with findings on line 1 (their blocks cannot be used there) and before those of the others.
    config = "models: [gpt-4o]\nlint:\n  rules:\n    TK402: {max-tokens: 60}\n"
    config += "audit:\n  budgets:\n    files:\n      '*.md': {max_tokens: 5}\n"
    return write_tree(root, files, config)


def _interleaved(report: AuditReport) -> set[str]:
    """Files whose own findings a budget finding stands among in the report's order."""
    paths = set()
    for before, finding, after in zip(report.findings, report.findings[1:], report.findings[2:]):
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
    # The blocks were used: every file with findings of its own has one, read back from the cache.
    with_findings = [file for file in warm.files if file.findings and file.unit is None]
    assert with_findings and all(file.findings_block is not None for file in with_findings)
    assert all(file.findings_block is None for file in uncached.files)
    if tree == "many findings":  # both ways of writing a file's findings are taken
        assert 0 < len(_interleaved(warm)) < len(with_findings)
    for report in (cold, warm, uncached):
        assert render_audit_json(report) == former_text(report)
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


def _blocks(own_cache: Path) -> list[tuple[str, str, bytes]]:
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        return connection.execute("SELECT key, block_path, block FROM results WHERE block IS NOT NULL").fetchall()


def test_a_damaged_block_is_written_again_and_not_reported(tmp_path: Path, own_cache: Path) -> None:
    root = write_tree(tmp_path / "p", {"a.md": NOISY, "b.md": VERBOSE}, "models: [gpt-4o]\n")
    cold = run_audit(str(root), "--format", "json")
    stored = dict((key, block) for key, _, block in _blocks(own_cache))
    assert len(stored) == 2
    key = next(iter(stored))
    damaged = stored[key].replace(b'"line": 1', b'"line": 9')
    assert damaged != stored[key]
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        connection.execute("UPDATE results SET block = ? WHERE key = ?", (damaged, key))
    warm = run_audit(str(root), "--format", "json")
    assert warm.exit_code == cold.exit_code and warm.stderr == ""
    assert json.loads(warm.stdout)["findings"] == json.loads(cold.stdout)["findings"]
    assert dict((key, block) for key, _, block in _blocks(own_cache)) == stored  # rewritten as it was


def test_a_block_written_under_another_path_is_not_used(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache key holds the path from the config root; the report shows it from the working directory."""
    root = write_tree(tmp_path / "p", {"a.md": NOISY}, "models: [gpt-4o]\n")
    monkeypatch.chdir(tmp_path)
    outside = json.loads(run_audit("p", "--format", "json").stdout)
    monkeypatch.chdir(root)
    inside = json.loads(run_audit(".", "--format", "json").stdout)
    assert inside["cache"] == {"hits": 1, "misses": 0}
    assert {finding["path"] for finding in outside["findings"]} == {"p/a.md"}
    assert {finding["path"] for finding in inside["findings"]} == {"a.md"}
    assert [{**f, "path": None} for f in inside["findings"]] == [{**f, "path": None} for f in outside["findings"]]
    assert {path for _, path, _ in _blocks(own_cache)} == {"a.md"}  # the block follows the latest path


def test_other_formats_write_no_blocks_and_json_fills_them_in(tmp_path: Path, own_cache: Path) -> None:
    root = write_tree(tmp_path / "p", {"a.md": NOISY, "b.md": VERBOSE}, "models: [gpt-4o]\n")
    run_audit(str(root), "--format", "text")
    assert _blocks(own_cache) == []
    first = run_audit(str(root), "--format", "json")
    assert len(_blocks(own_cache)) == 2
    again = run_audit(str(root), "--format", "json")
    assert first.stdout.replace('"cached": false', '"cached": true') == again.stdout.replace(
        '"hits": 0,\n    "misses": 2', '"hits": 2,\n    "misses": 0'
    )


def _report_order(items: list[Finding]) -> list[Finding]:
    return sorted(items, key=Finding.sort_key)


@given(
    st.lists(finding_strategy, max_size=12),
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 5), st.booleans()), max_size=5),
)
def test_blocks_give_the_text_written_without_them(items: list[Finding], runs: list[tuple[int, int, bool]]) -> None:
    """Any runs of the findings written ahead as blocks, whether they still stand in the list as they were
    (used) or not (another object in their place, a run past the end: ignored), change nothing."""
    ordered = _report_order(items)
    blocks: list[tuple[list[Finding], str]] = []
    for start, size, stale in runs:
        run = ordered[start : start + size]
        if stale and run:
            run = [*run[:-1], dataclasses.replace(run[-1])]  # equal, but another object
        elif stale:
            run = [Finding("x.md", 1, 1, 1, 2, "TK101", "x", "info", "m")]
        blocks.append((run, findings_block(run)))
    assert findings_text(ordered, blocks) == findings_text(ordered)
    expected = json.dumps([finding_dict(f) for f in ordered], indent=2, ensure_ascii=False).replace("\n", "\n  ")
    assert findings_text(ordered, blocks) == expected
    with mock.patch.object(json_reporter, "BATCH", 2):  # written between the blocks two at a time
        assert findings_text(ordered, blocks) == expected


@given(st.lists(finding_strategy, max_size=8))
def test_cached_findings_come_back_as_they_were(items: list[Finding]) -> None:
    """A file's findings survive the cache's columns (through JSON text, as the cache stores them)."""
    for finding in items:
        finding.path = "p/a.md"
    facts = FileFacts("markdown", findings=items)
    payload: dict[str, Any] = json.loads(json.dumps(facts.to_json(), separators=(",", ":")))
    assert FileFacts.from_json(payload, "p/a.md").findings == items


@given(
    st.lists(
        st.tuples(st.sampled_from(["TK101", "TK951", "TK954", "TK957"]), st.sampled_from(["info", "warning", "error"]))
    ),
    st.sampled_from(["never", "info", "warning", "error"]),
)
def test_the_exit_code_check_agrees_with_the_failing_findings(codes: list[tuple[str, str]], fail_on: str) -> None:
    from tokcli.audit.settings import AuditSettings

    report = AuditReport(AuditSettings(models=["gpt-4o"], include=None, exclude=[], fail_on=fail_on), targets=[])
    report.findings = [Finding("a.md", 1, 1, 1, 2, code, "x", severity, "m") for code, severity in codes]
    assert report.has_failing_findings() == bool(report.failing_findings())

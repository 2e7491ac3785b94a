"""Audit reports: SARIF valid against the 2.1.0 schema, GitHub annotations and step summary, markdown, text."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from audit_support import TIGHT, VERBOSE, o200k, own_cache, run_audit, write_tree

__all__ = ["own_cache"]

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sarif-schema-2.1.0.json"
CONFIG = """\
models: [gpt-4o, claude-sonnet-4-5]
volume: {calls: 500, per: day}
audit:
  budgets:
    files:
      'verbose.md': {max_tokens: 20}
"""


@pytest.fixture(autouse=True)
def _tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    write_tree(tmp_path / "p", {"verbose.md": VERBOSE, "tight.md": TIGHT}, CONFIG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def test_sarif_is_valid_and_carries_budget_rules() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA}")
    result = run_audit("p", "--format", "sarif")
    assert result.exit_code == 1
    assert result.stderr == ""
    log = json.loads(result.stdout)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    run = log["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["TK951"]["name"] == "file-token-budget"
    budget = [r for r in run["results"] if r["ruleId"] == "TK951"]
    assert budget[0]["level"] == "error"
    assert budget[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "p/verbose.md"
    assert run["properties"]["summary"]["totals"]["gpt-4o"]["tokens"] == o200k(VERBOSE) + o200k(TIGHT)


def test_github_annotations_and_step_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run_audit("p", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    budget = [line for line in lines if "TK951" in line]
    assert budget == [
        "::error file=p/verbose.md,line=1,col=1,endLine=1,endColumn=1,title=TK951 file-token-budget::"
        f"{o200k(VERBOSE):,} tokens on gpt-4o, over the budget of 20 (audit.budgets.files 'verbose.md')"
    ]
    assert any(line.startswith("::warning file=p/verbose.md,") for line in lines)  # lint findings
    assert f"::notice title=tokcli audit gpt-4o::2 prompt files, {o200k(VERBOSE) + o200k(TIGHT):,} tokens" in (
        result.stdout
    )
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("earlier step\n### tokcli audit: failed: 1 budget")
    assert "| `gpt-4o` |" in written
    run_audit("p", "--format", "github")
    assert summary.read_text(encoding="utf-8").count("### tokcli audit") == 2  # appended, never overwritten


def test_markdown_pr_comment() -> None:
    result = run_audit("p", "--format", "markdown")
    assert result.exit_code == 1
    out = result.stdout
    assert out.startswith("### tokcli audit: failed: 1 budget, increase or --fail-on finding(s)\n")
    assert "| Model | Tokens | Cost / call | Cost / day (500 calls) | `compress` would save | Cacheable files |" in out
    assert f"| `gpt-4o` | {o200k(VERBOSE) + o200k(TIGHT):,} |" in out
    assert "| `claude-sonnet-4-5` | ~" in out
    assert f"- `p/verbose.md` on `gpt-4o`: {o200k(VERBOSE):,} / 20 tokens" in out
    assert "<details><summary>Files (2), tokens on gpt-4o</summary>" in out


def test_text_summary_sections() -> None:
    result = run_audit("p")
    assert result.exit_code == 1
    out = result.stdout
    for heading in (
        "Prompt files in p/ (2)",
        "Totals",
        "Top offenders",
        "Budgets: 1 of 1 exceeded",
        "Failing findings",
    ):
        assert heading in out
    assert f"p/verbose.md (gpt-4o): {o200k(VERBOSE):,} / 20 tokens" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_json_top_level_schema() -> None:
    result = run_audit("p", "--format", "json")
    data = json.loads(result.stdout)
    assert set(data) >= {"files", "findings", "totals", "budgets", "deltas", "summary", "models", "problems"}
    assert data["deltas"] is None
    assert data["models"][0] == {
        "model": "gpt-4o",
        "tokenizer": "o200k_base",
        "provider": "openai",
        "exact": True,
        "price_as_of": data["models"][0]["price_as_of"],
        "cache_minimum": 1024,
        "cache_minimum_source": "https://platform.openai.com/docs/guides/prompt-caching",
    }
    assert data["summary"]["by_severity"]["error"] == 1


def test_github_totals_come_first_and_annotations_are_capped(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {f"verbose{index}.md": VERBOSE for index in range(6)}, CONFIG)
    result = run_audit("p", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("::notice title=tokcli audit gpt-4o::")
    assert lines[1].startswith("::notice title=tokcli audit claude-sonnet-4-5::")
    levels = Counter(line.split(" ", 1)[0] for line in lines if line.startswith("::"))
    assert max(levels.values()) == 10 and levels["::warning"] == 10
    assert lines[2].startswith("::error file=p/verbose.md,") and "TK951" in lines[2]  # the failing budget first
    warnings = [line for line in lines if line.startswith("::warning")]
    wasted = [int(re.search(r"\((\d+) tokens? per call\)$", line).group(1)) for line in warnings]  # type: ignore[union-attr]
    assert wasted == sorted(wasted, reverse=True)
    assert re.fullmatch(
        r"tokcli: \d+ more findings not annotated \(.*\): GitHub shows 10 of each level per step; "
        r"`tokcli audit --format json` lists them all",
        lines[-1],
    )

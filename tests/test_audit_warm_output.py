"""A warm audit (every file from the cache) prints what the cold one printed, byte for byte, in every format.

Only the cache's own bookkeeping differs: the JSON `cache` block and each file's `cached`, and the text
report's `cache:` line.
"""

from __future__ import annotations

import json
import re
from operator import attrgetter
from pathlib import Path
from typing import Any

import pytest
from audit_support import VERBOSE, count_yaml_parses, own_cache, run_audit, write_tree

from tokcli.audit.cache import FILE_NAME
from tokcli.lint.finding_table import FindingTable

_FIRST_FIELDS = attrgetter(
    "line", "column", "end_line", "end_column", "code", "name", "severity", "message", "tokens_wasted"
)

__all__ = ["own_cache"]

STATIC = "".join(
    f"Rule {i}: when a question is about area {i}, quote the excerpt that covers area {i} and name its id.\n"
    for i in range(60)
)
FORMATS = ["json", "text", "sarif", "github", "markdown"]


@pytest.fixture(autouse=True)
def _tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    write_tree(
        tmp_path / "p",
        {
            "billing.md": VERBOSE,
            "spaces.txt": "Please note that the reply is short.  \nIn order to  help,   cite sources.\t\n\n\n\nEnd.\n",
            # TK401: a dynamic value before a long static block (cacheable tokens, priced per call)
            "rag.j2": "Today is {{ date }}. The user is {{ name }}.\n" + STATIC,
            "team/chat.yaml": "messages:\n  - role: system\n    content: 'Kindly   answer.  '\n",
            "unicode/résumé.md": "Please note that   the naïve café — “quoted”   text.  \n",
        },
        # TK402: a lint budget two files exceed (over-budget tokens)
        "models: [gpt-4o]\nlint:\n  rules:\n    TK402: {max-tokens: 40}\n",
    )
    monkeypatch.chdir(tmp_path)


def _without_cache_bookkeeping(output_format: str, stdout: str) -> str:
    if output_format == "json":
        data = json.loads(stdout)
        data["cache"] = None
        for file in data["files"]:
            file["cached"] = None
        return json.dumps(data, indent=2, ensure_ascii=False)
    return re.sub(r"(?m)^cache: \d+ of \d+ files unchanged\n", "", stdout)


def _audit(output_format: str, *extra: str) -> Any:
    return run_audit("p", "--format", output_format, *extra)


@pytest.mark.parametrize("output_format", FORMATS)
def test_warm_output_is_the_cold_output(output_format: str, own_cache: Path) -> None:
    cold = _audit(output_format)
    assert (own_cache / FILE_NAME).is_file()
    warm = _audit(output_format)
    uncached = _audit(output_format, "--no-cache")
    assert cold.exit_code == warm.exit_code == uncached.exit_code == 1  # TK402 errors fail the run
    assert cold.stderr == warm.stderr == uncached.stderr == ""
    if output_format != "markdown":  # the markdown report counts findings per file, without codes
        assert "TK402" in cold.stdout
    assert _without_cache_bookkeeping(output_format, warm.stdout) == _without_cache_bookkeeping(
        output_format, cold.stdout
    )
    assert uncached.stdout == cold.stdout


def test_warm_json_reports_every_file_from_the_cache_with_the_cold_findings() -> None:
    cold = json.loads(_audit("json").stdout)
    warm = json.loads(_audit("json").stdout)
    assert cold["cache"] == {"hits": 0, "misses": 5}
    assert warm["cache"] == {"hits": 5, "misses": 0}
    assert warm["findings"] == cold["findings"]
    cacheable = [finding for finding in warm["findings"] if finding["code"] == "TK401"]
    assert cacheable and all(finding["cacheable_tokens"] > 1000 for finding in cacheable)
    over = [finding for finding in warm["findings"] if finding["code"] == "TK402"]
    assert len(over) == 2 and all(finding["over_budget_tokens"] > 0 for finding in over)
    assert any(finding["fix"] for finding in warm["findings"])


def test_warm_text_has_the_cache_line_and_otherwise_the_cold_text() -> None:
    cold = _audit("text")
    warm = _audit("text")
    assert "cache:" not in cold.stdout
    assert "cache: 5 of 5 files unchanged" in warm.stdout
    assert warm.stdout.replace("cache: 5 of 5 files unchanged\n", "") == cold.stdout


def test_failing_lint_findings_are_told_apart_without_comparing_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """--fail-on warning makes most findings failing: the text report once compared every finding with every
    failing one (quadratic: minutes on tens of thousands of findings). No finding is compared now."""
    from tokcli.lint.finding import Finding

    compared = []
    equal = Finding.__eq__
    monkeypatch.setattr(Finding, "__eq__", lambda self, other: compared.append(1) or equal(self, other))
    result = _audit("text", "--fail-on", "warning")
    assert result.exit_code == 1 and result.stderr == ""
    assert "Failing findings" in result.stdout and "p/spaces.txt:1: TK102 trailing whitespace" in result.stdout
    assert compared == []


def test_rows_an_older_tokcli_wrote_without_the_findings_figures_are_analysed_again(own_cache: Path) -> None:
    """Rows of payload format 3 held no cacheable or over-budget tokens: read as they are, a warm run would
    report them as 0. With a valid checksum, the format check alone turns them away."""
    import sqlite3

    from tokcli.audit import cache

    cold = json.loads(_audit("json").stdout)
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        for key, payload in connection.execute("SELECT key, payload FROM results").fetchall():
            data = json.loads(payload)
            data["format"] = 3
            findings = FindingTable.from_payload("x", data["findings"])  # as rows of their first 11 fields
            data["findings"] = [[*_FIRST_FIELDS(finding)[:9], None, finding.safe_fix] for finding in findings]
            text = json.dumps(data)
            connection.execute(
                "UPDATE results SET payload = ?, checksum = ? WHERE key = ?", (text, cache.row_checksum(key, text), key)
            )
    warm = json.loads(_audit("json").stdout)
    assert warm["cache"] == {"hits": 0, "misses": 5}
    assert warm["findings"] == cold["findings"]
    assert any(finding["over_budget_tokens"] for finding in warm["findings"])


def test_a_warm_run_does_not_parse_a_cached_chat_file_to_find_prompt_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """A YAML file the cache holds a row of its own for is no host of prompt units (that depends on its name and
    bytes only): a warm run does not compose it again. Changed, it is scanned again and its units found."""
    (tmp_path / "p" / "agents.yaml").write_text("agents:\n  a:\n    system_prompt: " + json.dumps(STATIC[:200]) + "\n")
    monkeypatch.setenv("TOKCLI_SINGLE_PROCESS", "1")
    parsed = count_yaml_parses(monkeypatch)
    chat = (tmp_path / "p" / "team" / "chat.yaml").read_text()
    host = (tmp_path / "p" / "agents.yaml").read_text()
    cold = _audit("json")
    assert parsed[chat] >= 1 and parsed[host] == 1
    before = parsed[chat]
    warm = _audit("json")
    assert (parsed[chat], parsed[host]) == (before, 2)  # the host is scanned: its units' rows are its units' own
    assert _without_cache_bookkeeping("json", warm.stdout) == _without_cache_bookkeeping("json", cold.stdout)
    assert json.loads(warm.stdout)["cache"]["hits"] == len(json.loads(warm.stdout)["files"])
    became_host = "agents:\n  b:\n    system_prompt: " + json.dumps(STATIC[:300]) + "\n"
    (tmp_path / "p" / "team" / "chat.yaml").write_text(became_host)
    changed = json.loads(_audit("json").stdout)
    assert parsed[became_host] == 1
    paths = {file["path"] for file in changed["files"]}
    assert {"p/team/chat.yaml::agents.b.system_prompt", "p/agents.yaml::agents.a.system_prompt"} <= paths

"""`tokcli audit` end to end through the CLI: figures, exit codes, stdout and stderr."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from audit_support import TIGHT, VERBOSE, audit_json, o200k, own_cache, run_audit, write_tree

from tokcli.units.yaml_config import NO_PROMPTS

__all__ = ["own_cache"]

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    monkeypatch.chdir(tmp_path)


def test_clean_tree_exits_0_with_exact_tokens_and_cost(tmp_path: Path) -> None:
    write_tree(tmp_path / "prompts", {"support.md": TIGHT}, "models: [gpt-4o]\n")
    data, result = audit_json("prompts", expect=0)
    assert result.stderr == ""
    [file] = data["files"]
    assert file["path"] == "prompts/support.md"
    figures = file["models"]["gpt-4o"]
    assert figures["tokens"] == o200k(TIGHT)
    assert figures["exact"] is True
    # gpt-4o lists at $2.50 per 1M input tokens.
    assert Decimal(figures["cost_per_call"]) == Decimal(o200k(TIGHT)) * Decimal("2.5") / 1_000_000
    assert data["totals"]["gpt-4o"]["tokens"] == o200k(TIGHT)
    assert data["summary"]["exit_code"] == 0


def test_estimates_are_marked_and_volume_projects_cost(tmp_path: Path) -> None:
    config = "models: [gpt-4o, claude-sonnet-4-5]\nvolume: {calls: 1000, per: month}\n"
    write_tree(tmp_path / "p", {"a.txt": TIGHT}, config)
    data, _ = audit_json("p", expect=0)
    claude = data["files"][0]["models"]["claude-sonnet-4-5"]
    assert claude["exact"] is False
    assert data["volume"] == {"calls": 1000, "per": "month"}
    gpt = data["files"][0]["models"]["gpt-4o"]
    assert Decimal(gpt["cost_per_period"]) == Decimal(gpt["cost_per_call"]) * 1000
    text = run_audit("p")
    assert text.exit_code == 0
    assert "~" in text.stdout and "marks an estimate" in text.stdout
    assert "$/month (1,000 calls)" in text.stdout


def test_compress_savings_and_lint_findings_are_reported(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {"verbose.md": VERBOSE, "tight.md": TIGHT}, "models: [gpt-4o]\n")
    data, _ = audit_json("p", expect=0)
    files = {file["path"]: file for file in data["files"]}
    verbose = files["p/verbose.md"]["models"]["gpt-4o"]
    assert verbose["saved_tokens"] > 0
    assert verbose["compressed_tokens"] == verbose["tokens"] - verbose["saved_tokens"]
    assert files["p/verbose.md"]["findings"] > 0
    assert files["p/tight.md"]["models"]["gpt-4o"]["saved_tokens"] == 0
    codes = {finding["code"] for finding in data["findings"] if finding["path"] == "p/verbose.md"}
    assert codes & {"TK301", "TK303"}


def test_lint_findings_fail_only_at_fail_on(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {"verbose.md": VERBOSE}, "models: [gpt-4o]\n")
    assert run_audit("p").exit_code == 0  # default --fail-on error: warnings are reported only
    result = run_audit("p", "--fail-on", "warning")
    assert result.exit_code == 1
    assert "Failing findings" in result.stdout


def test_static_prefix_against_cache_minimum(tmp_path: Path) -> None:
    static = "Follow the style guide for release notes exactly as written.\n" * 120
    files = {"late.j2": static + "User: {{ question }}\n", "early.j2": "Today is {{ date }}.\n" + static}
    write_tree(tmp_path / "p", files, "models: [gpt-4o]\n")
    data, _ = audit_json("p", expect=0)
    figures = {file["path"]: file["models"]["gpt-4o"] for file in data["files"]}
    late, early = figures["p/late.j2"], figures["p/early.j2"]
    assert late["cache_minimum"] == 1024
    assert late["static_prefix_tokens"] == o200k(static + "User: ")
    assert late["cacheable"] is True
    assert early["static_prefix_tokens"] == o200k("Today is ")
    assert early["cacheable"] is False
    first = {file["path"]: file["first_dynamic"] for file in data["files"]}
    assert first["p/early.j2"] == {"text": "{{ date }}", "line": 1}


def test_include_exclude_and_gitignore(tmp_path: Path) -> None:
    config = "models: [gpt-4o]\naudit:\n  include: ['*.md', '*.txt']\n  exclude: ['drafts/']\n"
    files = {
        "a.md": TIGHT,
        "b.txt": TIGHT,
        "c.j2": TIGHT,
        "drafts/d.md": TIGHT,
        "ignored/e.md": TIGHT,
        ".gitignore": "ignored/\n",
    }
    write_tree(tmp_path / "p", files, config)
    data, _ = audit_json("p", expect=0)
    assert [file["path"] for file in data["files"]] == ["p/a.md", "p/b.txt"]


def test_non_chat_yaml_is_skipped_not_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {"a.md": TIGHT, "settings.yaml": "retries: 3\n"}, "models: [gpt-4o]\n")
    data, result = audit_json("p", expect=0)
    assert [file["path"] for file in data["files"]] == ["p/a.md"]
    assert data["skipped"] == [{"path": "p/settings.yaml", "reason": NO_PROMPTS}]
    assert result.stderr == ""


def test_output_file(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {"a.md": TIGHT}, "models: [gpt-4o]\n")
    result = run_audit("p", "--format", "markdown", "-o", "report.md")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert (tmp_path / "report.md").read_text().startswith("### tokcli audit: passed")


@pytest.mark.parametrize("output", ["p/a.md", "p/link.md", "p/agent.yaml"])
def test_output_over_an_audited_file_is_refused(tmp_path: Path, output: str) -> None:
    # `-o` naming a prompt the audit read replaced it with the report
    agent = "agent:\n  system_template: |\n    You are a careful reviewer of pull requests.\n"
    write_tree(tmp_path / "p", {"a.md": TIGHT, "agent.yaml": agent}, "models: [gpt-4o]\n")
    (tmp_path / "p" / "link.md").symlink_to("a.md")
    result = run_audit("p", "--no-cache", "-o", output)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"tokcli: error: -o {output}: that is p/")
    assert result.stderr.endswith(", which this run read; the report would replace it\n")
    assert (tmp_path / "p" / "a.md").read_text(encoding="utf-8") == TIGHT
    assert (tmp_path / "p" / "agent.yaml").read_text(encoding="utf-8") == agent


def test_baseline_over_an_audited_file_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {"a.md": TIGHT}, "models: [gpt-4o]\n")
    result = run_audit("p", "--no-cache", "--write-baseline", "p/a.md")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "tokcli: error: --write-baseline p/a.md: that is p/a.md, which this run read; the report would replace it\n"
    )
    assert (tmp_path / "p" / "a.md").read_text(encoding="utf-8") == TIGHT


def test_unknown_model_is_a_one_line_error(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {"a.md": TIGHT})
    result = run_audit("p", "-m", "gpt-4q-nonexistent")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("tokcli: error: unknown model 'gpt-4q-nonexistent'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_audit_config_names_file_key_and_line(tmp_path: Path) -> None:
    config = "models: [gpt-4o]\naudit:\n  budgets:\n    files:\n      '*.md': {max_tokens: lots}\n"
    write_tree(tmp_path / "p", {"a.md": TIGHT}, config)
    result = run_audit("p")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "p/.tokcli.yaml:5:" in result.stderr
    assert "audit.budgets.files.*.md.max_tokens" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_audit_key(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {"a.md": TIGHT}, "audit:\n  budget: {}\n")
    result = run_audit("p")
    assert result.exit_code == 2
    assert "unknown config key 'audit.budget'" in result.stderr


def test_missing_directory_is_exit_2(tmp_path: Path) -> None:
    result = run_audit("nowhere")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: nowhere: no such file or directory\n"


def test_shipped_examples_exit_1_for_budgets_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = run_audit("prompts_examples/")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Budgets: 3 of" in result.stdout
    for name in ("verbose_system_prompt.md", "wasteful_rag.j2", "payload_blob.md"):
        assert f"prompts_examples/{name} (gpt-4o)" in result.stdout
    assert "support_agent_system.md" in result.stdout
    assert "README.md" not in result.stdout  # excluded in prompts_examples/.tokcli.yaml
    assert "audit failed: 3 budget" in result.stdout
    assert result.stderr == ""


def test_empty_tree_is_exit_2_saying_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run_audit("empty", "--format", "json")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "tokcli: error: no prompt files in empty\n"


CHAT_NAMING_ITS_MODEL = (
    "name: billing\nmodel: openai/gpt-4o-mini\nmessages:\n  - role: system\n"
    "    content: You answer billing questions for the customer in two short sentences.\n"
    "  - role: user\n    content: '{{input}}'\n"
)


def test_a_file_that_names_its_model_shows_it_and_its_cost_beside_the_audited_models(tmp_path: Path) -> None:
    # the columns and totals stay on the audited model (comparable across files); the named model is shown
    # beside the file with its own cost, counted with the same tokenizer
    files = {
        "billing.prompt.yml": CHAT_NAMING_ITS_MODEL,
        "plain.md": TIGHT,
        "azure.prompt.yml": (CHAT_NAMING_ITS_MODEL.replace("openai/gpt-4o-mini", "my-azure-deployment")),
    }
    write_tree(tmp_path / "p", files, "models: [gpt-4o]\n")
    data, result = audit_json("p", expect=0)
    assert result.stderr == ""
    by_path = {file["path"]: file for file in data["files"]}
    billing = by_path["p/billing.prompt.yml"]
    tokens = billing["models"]["gpt-4o"]["tokens"]
    # gpt-4o-mini lists at $0.15 per 1M input tokens
    assert billing["named_model"] == {
        "name": "openai/gpt-4o-mini",
        "model": "gpt-4o-mini",
        "tokens": tokens,
        "exact": True,
        "cost_per_call": str(Decimal(tokens) * Decimal("0.15") / 1_000_000),
        "cost_per_period": None,
    }
    assert by_path["p/azure.prompt.yml"]["named_model"]["model"] is None  # a name the price table does not know
    assert "named_model" not in by_path["p/plain.md"]
    assert list(data["totals"]) == ["gpt-4o"]
    text = run_audit("p")
    assert text.exit_code == 0
    assert "billing.prompt.yml → openai/gpt-4o-mini ($0.00000" in text.stdout
    assert "azure.prompt.yml → my-azure-deployment " in text.stdout

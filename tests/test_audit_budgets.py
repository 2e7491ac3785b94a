"""Budgets: per-glob max_tokens and max_cost_per_call, repo-wide max_total_tokens → TK951–TK953, exit 1."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from audit_support import TIGHT, VERBOSE, audit_json, o200k, own_cache, run_audit, write_tree

__all__ = ["own_cache"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    monkeypatch.chdir(tmp_path)


def _config(budgets: str, models: str = "[gpt-4o]") -> str:
    return f"models: {models}\naudit:\n  budgets:\n{budgets}"


def test_file_token_budget_exceeded_is_tk951_and_exit_1(tmp_path: Path) -> None:
    limit = o200k(VERBOSE) - 1
    config = _config(f"    files:\n      '*.md': {{max_tokens: {limit}}}\n")
    write_tree(tmp_path / "p", {"verbose.md": VERBOSE, "tight.md": TIGHT}, config)
    data, result = audit_json("p", expect=1)
    over = [f for f in data["findings"] if f["code"] == "TK951"]
    assert [(f["path"], f["line"], f["severity"]) for f in over] == [("p/verbose.md", 1, "error")]
    assert f"{o200k(VERBOSE):,} tokens on gpt-4o, over the budget of {limit:,}" in over[0]["message"]
    checks = {(c["path"], c["exceeded"]) for c in data["budgets"]}
    assert checks == {("p/verbose.md", True), ("p/tight.md", False)}
    assert data["summary"]["budgets_exceeded"] == 1
    assert result.stderr == ""


def test_file_exactly_at_budget_passes(tmp_path: Path) -> None:
    config = _config(f"    files:\n      '*.md': {{max_tokens: {o200k(TIGHT)}}}\n")
    write_tree(tmp_path / "p", {"tight.md": TIGHT}, config)
    data, _ = audit_json("p", expect=0)
    assert data["budgets"][0]["limit"] == data["budgets"][0]["actual"] == str(o200k(TIGHT))


def test_cost_budget_is_tk952(tmp_path: Path) -> None:
    # gpt-4o input is $2.50 / 1M tokens: the verbose prompt costs tokens × 0.0000025.
    cost = Decimal(o200k(VERBOSE)) * Decimal("0.0000025")
    limit = cost - Decimal("0.0000001")
    config = _config(f"    files:\n      '**': {{max_cost_per_call: {limit}}}\n")
    write_tree(tmp_path / "p", {"verbose.md": VERBOSE}, config)
    data, _ = audit_json("p", expect=1)
    [finding] = [f for f in data["findings"] if f["code"].startswith("TK95")]
    assert finding["code"] == "TK952"
    assert Decimal(data["budgets"][0]["actual"]) == cost


def test_total_budget_is_tk953_at_the_config_line(tmp_path: Path) -> None:
    total = 2 * o200k(TIGHT)
    config = _config(f"    max_total_tokens: {total - 1}\n")
    write_tree(tmp_path / "p", {"a.md": TIGHT, "b.md": TIGHT}, config)
    data, _ = audit_json("p", expect=1)
    [finding] = [f for f in data["findings"] if f["code"] == "TK953"]
    assert (finding["path"], finding["line"]) == ("p/.tokcli.yaml", 4)
    assert f"{total:,} tokens on gpt-4o, over max_total_tokens {total - 1:,}" in finding["message"]
    text = run_audit("p")
    assert text.exit_code == 1
    assert "Budgets: 1 of 1 exceeded" in text.stdout


def test_later_globs_override_earlier_ones(tmp_path: Path) -> None:
    budgets = "    files:\n      '*': {max_tokens: 1}\n      'keep/*.md': {max_tokens: 100000}\n"
    write_tree(tmp_path / "p", {"keep/a.md": VERBOSE, "other.md": TIGHT}, _config(budgets))
    data, _ = audit_json("p", expect=1)
    limits = {c["path"]: c["limit"] for c in data["budgets"]}
    assert limits == {"p/keep/a.md": "100000", "p/other.md": "1"}


def test_budget_for_a_second_model(tmp_path: Path) -> None:
    budgets = "    files:\n      '*': {max_tokens: 5, model: claude-sonnet-4-5}\n"
    write_tree(tmp_path / "p", {"a.md": TIGHT}, _config(budgets, "[gpt-4o, claude-sonnet-4-5]"))
    data, _ = audit_json("p", expect=1)
    assert data["budgets"][0]["model"] == "claude-sonnet-4-5"


def test_budget_for_a_model_not_audited_is_a_config_error(tmp_path: Path) -> None:
    budgets = "    files:\n      '*': {max_tokens: 5, model: gpt-4.1}\n"
    write_tree(tmp_path / "p", {"a.md": TIGHT}, _config(budgets))
    result = run_audit("p")
    assert result.exit_code == 2
    assert "p/.tokcli.yaml:5: budget '*' is for model 'gpt-4.1', which is not audited" in result.stderr


def test_budget_entry_without_a_limit_is_a_config_error(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {"a.md": TIGHT}, _config("    files:\n      '*': {model: gpt-4o}\n"))
    result = run_audit("p")
    assert result.exit_code == 2
    assert "needs max_tokens, max_cost_per_call, max_tool_tokens or max_rendered_tokens" in result.stderr


def test_a_glob_naming_the_host_file_limits_each_of_its_prompt_units(tmp_path: Path) -> None:
    source = f'SYSTEM_PROMPT = """{VERBOSE}"""\n\nGREETING_PROMPT = """{TIGHT}"""\n'
    limit = o200k(VERBOSE) - 1
    config = _config(f"    files:\n      '*.py': {{max_tokens: {limit}}}\n")
    write_tree(tmp_path / "p", {"app.py": source}, config)
    data, _ = audit_json("p", expect=1)
    over = [(f["path"], f["line"], f["code"]) for f in data["findings"] if f["code"] == "TK951"]
    assert over == [("p/app.py", 1, "TK951")]
    checks = {(c["path"], c["exceeded"]) for c in data["budgets"]}
    assert checks == {("p/app.py::app.SYSTEM_PROMPT", True), ("p/app.py::app.GREETING_PROMPT", False)}

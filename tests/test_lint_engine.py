"""The engine: rule selection, per-file ignores, options and severities from config, applying fixes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.config import build_config
from tokcli.errors import ConfigError, UnknownNameError
from tokcli.lint.config import LintSettings, lint_settings
from tokcli.lint.engine import Linter, apply_fixes, exit_code, lint_inputs
from tokcli.lint.finding import Edit, Finding
from tokcli.lint.rules.base import all_rules, get_rule, select_codes

SOURCE = "In order to help, answer!!!!!!\n"


def _codes(settings: LintSettings, path: str = "prompt.md") -> list[str]:
    return [f.code for f in Linter(settings, model="gpt-4o").lint_text(path, SOURCE)]


def test_registry_has_at_least_twenty_rules_with_examples() -> None:
    rules = all_rules()
    assert len(rules) >= 20
    assert len({rule.code for rule in rules}) == len({rule.name for rule in rules}) == len(rules)
    for rule in rules:
        info = rule.info()
        assert info.summary and "Wasteful:" in info.description and "Fixed:" in info.description
        assert info.severity in ("info", "warning", "error")
    assert {rule.code[:3] for rule in rules} == {"TK1", "TK2", "TK3", "TK4", "TK5", "TK6", "TK7", "TK9"}


def test_selectors_by_code_prefix_and_name() -> None:
    assert select_codes("TK303") == {"TK303"}
    assert select_codes("verbose-phrase") == {"TK303"}
    assert select_codes("TK30") == {"TK301", "TK302", "TK303", "TK304", "TK305", "TK306"}
    assert "TK101" in select_codes("ALL")
    with pytest.raises(UnknownNameError, match="unknown rule selector 'TK77'"):
        select_codes("TK77")
    with pytest.raises(UnknownNameError, match="did you mean: verbose-phrase"):
        get_rule("verbose-phrase-x")


def test_select_ignore_extend_select() -> None:
    assert _codes(LintSettings()) == ["TK303", "TK306"]
    assert _codes(LintSettings(select=["TK3"], ignore=["repeated-punctuation"])) == ["TK303"]
    assert _codes(LintSettings(select=["TK1"], extend_select=["TK306"])) == ["TK306"]
    overridden = LintSettings(select=["TK1"]).with_overrides(select=["TK303,TK306"], ignore=["TK306"])
    assert _codes(overridden) == ["TK303"]


def test_per_file_ignores(tmp_path: Path) -> None:
    settings = LintSettings(per_file_ignores={"examples/**": ["TK3"]}, root=tmp_path)
    inside = tmp_path / "examples" / "a" / "p.md"
    assert _codes(settings, str(inside)) == []
    assert _codes(settings, str(tmp_path / "prompts" / "p.md")) == ["TK303", "TK306"]


def test_config_section_options_and_severity(tmp_path: Path) -> None:
    raw = {
        "select": ["TK3"],
        "ignore": "TK306",
        "fail-on": "error",
        "rules": {"verbose-phrase": {"severity": "error", "extra-phrases": {"in order to help": "to help"}}},
    }
    settings = lint_settings(raw, source="cfg.yaml", root=tmp_path)
    assert settings.fail_on == "error"
    found = Linter(settings, model="gpt-4o").lint_text("p.md", SOURCE)
    assert [(f.code, f.severity, f.message) for f in found] == [
        ("TK303", "error", "'In order to help' can be 'To help'")
    ]


def test_config_errors_name_the_key_and_line(tmp_path: Path) -> None:
    config = build_config(
        {"lint": {"rules": {"TK303": {"max-len": 3}}}}, "/x/.tokcli.yaml", tmp_path, {"lint.rules.TK303.max-len": 7}
    )
    with pytest.raises(ConfigError) as error:
        lint_settings(config.lint, source=config.source, key_lines=config.key_lines)
    assert str(error.value) == (
        "/x/.tokcli.yaml:7: unknown option 'max-len' for TK303 (verbose-phrase); "
        "allowed: severity, extra-phrases, min-tokens"
    )
    with pytest.raises(ConfigError, match=r"'lint\.rules\.TK101\.max-blank-lines' must be a whole number"):
        lint_settings({"rules": {"TK101": {"max-blank-lines": "two"}}}, source="c.yaml")
    with pytest.raises(ConfigError, match="unknown rule selector 'TK8'"):
        lint_settings({"select": ["TK8"]}, source="c.yaml")
    with pytest.raises(ConfigError, match=r"unknown config key 'lint\.selct'"):
        lint_settings({"selct": ["TK1"]}, source="c.yaml")
    with pytest.raises(ConfigError, match="severity' must be one of info, warning, error"):
        lint_settings({"rules": {"TK101": {"severity": "fatal"}}}, source="c.yaml")


def _finding(start: int, end: int, replacement: str) -> Finding:
    return Finding("p", 1, 1, 1, 1, "TK101", "x", "warning", "m", 0, [Edit(start, end, replacement)], True)


def test_apply_fixes_skips_overlapping_edits() -> None:
    text, applied = apply_fixes("abcdef", [_finding(0, 2, "X"), _finding(1, 3, "Y"), _finding(4, 6, "")])
    assert (text, applied) == ("Xcd", 2)


def test_exit_code_threshold() -> None:
    warning = _finding(0, 1, "")
    assert exit_code([warning], "warning") == 1
    assert exit_code([warning], "error") == 0
    assert exit_code([], "info") == 0


def test_lint_inputs_collects_input_errors_and_goes_on() -> None:
    from tokcli.inputs import InputText

    linter = Linter(LintSettings(select=["TK303"]), model="gpt-4o")
    report = lint_inputs([InputText("bad.j2", "{% if %}\n"), InputText("ok.md", SOURCE)], linter)
    assert [result.path for result in report.files] == ["ok.md"]
    assert len(report.errors) == 1 and str(report.errors[0]).startswith("bad.j2:1: template syntax error")
    summary = report.summary()
    assert summary["findings"] == 1 and summary["errors"] == 1 and summary["tokenizer"] == "o200k_base"
    assert summary["tokens"] == linter.counter.count(SOURCE)


def test_model_from_config_changes_the_tokenizer() -> None:
    linter = Linter(LintSettings(select=["TK303"]), model="gpt-4")
    assert linter.tokenizer_name == "cl100k_base"
    assert linter.counter.encode("hello world") == [15339, 1917]


def test_jinja_environment_in_config() -> None:
    settings = lint_settings({"jinja": {"trim-blocks": True, "lstrip-blocks": False}}, source="c.yaml")
    assert settings.jinja == {"trim-blocks": True, "lstrip-blocks": False}
    with pytest.raises(ConfigError, match=r"unknown option 'trim_blocks' in 'lint\.jinja'"):
        lint_settings({"jinja": {"trim_blocks": True}}, source="c.yaml")
    with pytest.raises(ConfigError, match=r"'lint\.jinja\.lstrip-blocks' must be true or false"):
        lint_settings({"jinja": {"lstrip-blocks": "yes"}}, source="c.yaml")


def test_waste_that_costs_no_token_is_not_a_finding_and_advice_has_its_own_fields() -> None:
    linter = Linter(LintSettings(select=["TK101", "TK402"], rule_options={"TK402": {"max-tokens": 3}}), model="gpt-4o")
    # o200k encodes "\n\n\n\n" and "\n\n" as one token each: the extra blank lines save nothing.
    findings = linter.lint_text("p.md", "Answer briefly, and cite the source.\n\n\n\nBe kind.\n")
    assert [f.code for f in findings] == ["TK402"]
    budget = findings[0]
    assert budget.tokens_wasted == 0 and budget.over_budget_tokens > 0
    report = lint_inputs([type("Item", (), {"path": "p.md", "text": "Answer briefly.\n"})()], linter)
    summary = report.summary()
    assert summary["tokens_wasted"] == 0
    assert summary["over_budget_tokens"] == sum(f.over_budget_tokens for f in report.findings)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a.md", "b.md", "a/b.md"]),
            st.integers(1, 4),
            st.integers(1, 4),
            st.sampled_from(["TK101", "TK201", "TK301"]),
        ),
        max_size=40,
    )
)
def test_findings_sorted_field_by_field_are_in_the_key_tuple_order(fields: list[tuple[str, int, int, str]]) -> None:
    """Ties included (many findings share path, line, column and code): the same order as one sort by the key."""
    findings = [
        Finding(path, line, column, line, column + 1, code, "rule", "warning", f"message {index}")
        for index, (path, line, column, code) in enumerate(fields)
    ]
    expected = sorted(findings, key=Finding.sort_key)
    assert [id(finding) for finding in Finding.sorted(findings)] == [id(finding) for finding in expected]
    Finding.sort(findings)
    assert [id(finding) for finding in findings] == [id(finding) for finding in expected]

"""The engine: rule selection, per-file ignores, options and severities from config, applying fixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokcli.config import build_config
from tokcli.errors import ConfigError, UnknownNameError
from tokcli.lint.config import LintSettings, lint_settings
from tokcli.lint.engine import Linter, apply_fixes, exit_code, lint_inputs
from tokcli.lint.finding import Edit, Finding
from tokcli.lint.rules.base import all_rules, get_rule, select_codes

SOURCE = "In order to help, answer!!!\n"


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

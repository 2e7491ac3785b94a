"""The shipped example prompts: the tight ones give no findings with the default config, the wasteful ones do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tokcli.lint.config import LintSettings
from tokcli.lint.engine import Linter

EXAMPLES = Path(__file__).resolve().parents[1] / "prompts_examples"


def _section(title: str) -> list[str]:
    readme = EXAMPLES / "README.md"
    if not readme.is_file():
        return []
    text = readme.read_text(encoding="utf-8")
    match = re.search(rf"^## {title}.*?$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    return re.findall(r"^### (\S+)", match.group(1), re.MULTILINE) if match else []


TIGHT = _section("Tight")
WASTEFUL = _section("Wasteful")


@pytest.mark.skipif(not TIGHT, reason="prompts_examples/README.md lists no tight examples")
@pytest.mark.parametrize("name", TIGHT)
def test_tight_example_has_no_findings(name: str) -> None:
    path = EXAMPLES / name
    findings = Linter(LintSettings(), model="gpt-4o").lint_text(str(path), path.read_text(encoding="utf-8"))
    assert [f"{f.line}:{f.column} {f.code} {f.message}" for f in findings] == []


@pytest.mark.skipif(not WASTEFUL, reason="prompts_examples/README.md lists no wasteful examples")
@pytest.mark.parametrize("name", WASTEFUL)
def test_wasteful_example_has_findings(name: str) -> None:
    path = EXAMPLES / name
    findings = Linter(LintSettings(), model="gpt-4o").lint_text(str(path), path.read_text(encoding="utf-8"))
    assert len({finding.code for finding in findings}) >= 3
    assert sum(finding.tokens_wasted for finding in findings) > 50

"""Helpers for the lint tests: lint a small source with a chosen set of rules and compare
`(line, column, code)` tuples."""

from __future__ import annotations

import textwrap
from typing import Any

from tokcli.lint.config import LintSettings
from tokcli.lint.engine import FixResult, Linter
from tokcli.lint.finding import Finding


def linter(select: list[str] | str | None = None, options: dict[str, dict[str, Any]] | None = None) -> Linter:
    chosen = [select] if isinstance(select, str) else list(select or ["ALL"])
    return Linter(LintSettings(select=chosen, rule_options=options or {}), model="gpt-4o")


def lint(
    source: str,
    select: list[str] | str | None = None,
    *,
    path: str = "prompt.md",
    options: dict[str, dict[str, Any]] | None = None,
    dedent: bool = True,
) -> list[Finding]:
    text = textwrap.dedent(source) if dedent else source
    return linter(select, options).lint_text(path, text)


def hits(
    source: str,
    select: list[str] | str | None = None,
    *,
    path: str = "prompt.md",
    options: dict[str, dict[str, Any]] | None = None,
    dedent: bool = True,
) -> list[tuple[int, int, str]]:
    """(line, column, code) of every finding, in file order."""
    return [(f.line, f.column, f.code) for f in lint(source, select, path=path, options=options, dedent=dedent)]


def fix(
    source: str, select: list[str] | str | None = None, *, path: str = "prompt.md", dedent: bool = True
) -> FixResult:
    text = textwrap.dedent(source) if dedent else source
    return linter(select).fix_text(path, text)

"""The audit text table at a given width: every number in full, paths shortened in the middle, columns dropped
with a note, and plain unpadded lines when piped."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from audit_support import TIGHT, VERBOSE, own_cache, run_audit, write_tree

from tokcli.reporters.cost import format_usd

__all__ = ["own_cache"]

CONFIG = """\
models: [gpt-4o, claude-sonnet-4-5, gemini-2.5-flash]
volume: {calls: 10000, per: day}
audit:
  budgets:
    files:
      '**': {max_tokens: 60}
"""


def _tree(root: Path, deep_path_length: int) -> None:
    stem = "prompts/"
    deep = stem + "/".join(["nested_folder_name"] * 40)
    deep = deep[: deep_path_length - len("/system_prompt.md")].rstrip("/") + "/system_prompt.md"
    write_tree(root, {"prompts/verbose.md": VERBOSE * 3, "prompts/tight.md": TIGHT, deep: VERBOSE}, CONFIG)
    assert len(deep) == deep_path_length


def _table_rows(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(title))
    rule = next(index for index in range(start, len(lines)) if set(lines[index]) <= {"─", "━", "╇", "┼", " "})
    rows = []
    for line in lines[rule + 1 :]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def _audit(*args: str) -> tuple[Any, dict[str, Any]]:
    data = json.loads(run_audit(".", "--format", "json").stdout)
    return run_audit(".", *args), data


def _assert_every_number_in_full(text: str, data: dict[str, Any]) -> None:
    rows = _table_rows(text, "Prompt files")
    assert len(rows) == len(data["files"])
    for row, file in zip(rows, data["files"]):
        cells = row.split()
        figures = file["models"]["gpt-4o"]
        assert f"{figures['tokens']:,}" in cells, (row, figures)
        if "$/call" in text:
            assert format_usd(Decimal(figures["cost_per_call"])) in cells, row
        assert str(file["findings"]) in cells, row
    totals = _table_rows(text, "Totals")
    for row, (model, total) in zip(totals, data["totals"].items()):
        cells = row.split()
        mark = "" if total["exact"] else "~"
        assert cells[0] == model and f"{mark}{total['tokens']:,}" in cells
        assert format_usd(Decimal(total["cost_per_call"])) in cells
        assert format_usd(Decimal(total["cost_per_period"])) in cells


@pytest.mark.parametrize(("width", "path_length"), [(80, 70), (200, 190)])
def test_piped_with_columns_every_number_is_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path, width: int, path_length: int
) -> None:
    _tree(tmp_path, path_length)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", str(width))
    result, data = _audit()
    assert result.exit_code == 1, result.stderr
    out = result.stdout
    _assert_every_number_in_full(out, data)
    assert max(len(line) for line in out.splitlines()) <= width
    assert not any(line.endswith(" ") for line in out.splitlines())
    rows = _table_rows(out, "Prompt files")
    deep = next(row for row in rows if row.startswith("nested_folder"))
    shown = deep.split()[0]  # shortened in the middle; "prompts/" is in the title
    assert shown.startswith("nested_folder") and shown.endswith("prompt.md") and "…" in shown
    if width == 80:
        assert "note: left out at 80 columns: gemini-2.5-flash, claude-sonnet-4-5" in out.replace("\n", " ")


def test_terminal_layout_at_80_columns_keeps_numbers_and_ignores_no_color(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    _tree(tmp_path, 70)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr("tokcli.cli.is_terminal", lambda: True)
    result, data = _audit()
    out = result.stdout
    assert "━━━" in out and "\x1b[" not in out  # the terminal's ruled table, without colour
    _assert_every_number_in_full(out.replace("│", " "), data)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_piped_without_columns_is_plain_and_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    _tree(tmp_path, 190)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLUMNS", raising=False)
    result, data = _audit()
    out = result.stdout
    _assert_every_number_in_full(out, data)
    assert "left out" not in out and "…" not in out
    assert any(len(line) > 200 for line in out.splitlines())  # the long path in full: no width limit
    assert not any(line.endswith(" ") for line in out.splitlines())
    header = _table_rows(out, "Prompt files")
    assert "static prefix (min 1,024)" in out and "gemini-2.5-flash" in out and len(header) == 3


def test_counts_have_thousands_separators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    write_tree(tmp_path / "p", {"big.md": "Please kindly note that you should answer.   \n" * 600})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "120")
    data = json.loads(run_audit("p", "--format", "json").stdout)
    findings = data["files"][0]["findings"]
    assert findings > 1000
    out = run_audit("p").stdout
    assert f"{findings:,}" in _table_rows(out, "Prompt files")[0].split()
    assert f"Lint findings: {findings:,} below --fail-on" in out
    assert "TK301 politeness ×600" in out
    markdown = run_audit("p", "--format", "markdown").stdout
    assert f"| {findings:,} |" in markdown

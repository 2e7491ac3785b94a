"""`count` and `cost` on inputs some of which cannot be read: as wc and ruff do, each one is named on stderr (one
line), the rest are counted, and the exit code is 2 at the end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tokcli.counting
from tokcli.cli import app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text("hello world")
    Path("bad.txt").write_bytes(b"hello \xff world")
    Path("c.txt").write_text("hello world hello world")
    return tmp_path


def test_each_unreadable_file_is_named_and_the_rest_counted(files: Path) -> None:
    code, stdout, stderr = run("count", "a.txt", "bad.txt", "missing.txt", "c.txt", "-t", "cl100k_base", "-f", "json")
    assert code == 2
    rows = [(row["path"], row["tokens"]) for row in json.loads(stdout)["results"]]
    assert rows == [("a.txt", 2), ("c.txt", 4)]  # cl100k_base: "hello world" is [15339, 1917]
    assert stderr == (
        "tokcli: error: missing.txt: no such file or directory\n"
        "tokcli: error: bad.txt:1: invalid UTF-8 at byte 6 (use --encoding-errors replace to go on)\n"
    )


def test_a_directory_with_a_bad_file_is_counted_like_lint_reads_it(files: Path) -> None:
    code, stdout, stderr = run("count", ".", "-t", "cl100k_base", "-f", "csv")
    assert code == 2
    assert stdout.splitlines()[1:] == [
        "a.txt,,cl100k_base,2,true,text,0,0",
        "c.txt,,cl100k_base,4,true,text,0,0",
    ]
    assert stderr == "tokcli: error: bad.txt:1: invalid UTF-8 at byte 6 (use --encoding-errors replace to go on)\n"
    lint_code, _, lint_stderr = run("lint", ".")
    assert (lint_code, lint_stderr) == (2, stderr)


def test_a_bad_byte_deep_in_a_file_read_in_pieces_drops_only_that_file(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokcli.counting, "STREAM_MIN_BYTES", 1 << 10)
    Path("big.txt").write_bytes(b"hello world\n" * 1000 + b"\x80 tail\n")
    code, stdout, stderr = run("count", "big.txt", "a.txt", "-t", "cl100k_base", "-m", "gpt-4o", "-f", "json")
    assert code == 2
    rows = [(row["path"], row["tokens"]) for row in json.loads(stdout)["results"]]
    assert rows == [("a.txt", 2), ("a.txt", 2)]
    assert stderr.count("\n") == 1
    assert stderr.startswith("tokcli: error: big.txt:1001: invalid UTF-8 at byte 12000")


def test_nothing_readable_prints_no_table(files: Path) -> None:
    code, stdout, stderr = run("count", "bad.txt", "missing.txt")
    assert (code, stdout) == (2, "")
    assert stderr.splitlines() == [
        "tokcli: error: missing.txt: no such file or directory",
        "tokcli: error: bad.txt:1: invalid UTF-8 at byte 6 (use --encoding-errors replace to go on)",
    ]


def test_lint_names_a_missing_file_and_lints_the_others(files: Path) -> None:
    Path("wordy.txt").write_text("Please note that you must answer in order to help.\n")
    code, stdout, stderr = run("lint", "missing.txt", "wordy.txt", "--format", "github")
    assert code == 2
    assert stderr == "tokcli: error: missing.txt: no such file or directory\n"
    assert "file=wordy.txt,line=1" in stdout


def test_cost_names_each_unreadable_file_and_prices_the_rest(files: Path) -> None:
    code, stdout, stderr = run("cost", "a.txt", "missing.txt", "bad.txt", "c.txt", "-m", "gpt-4o", "-f", "json")
    assert code == 2
    rows = [(item["path"], item["input_tokens"]) for item in json.loads(stdout)["results"]]
    assert rows == [("a.txt", 2), ("c.txt", 4)]  # o200k_base: "hello world" is [24912, 2375]
    assert stderr == (
        "tokcli: error: missing.txt: no such file or directory\n"
        "tokcli: error: bad.txt:1: invalid UTF-8 at byte 6 (use --encoding-errors replace to go on)\n"
    )

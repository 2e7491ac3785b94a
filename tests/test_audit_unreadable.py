"""Unreadable files are reported by name and the run goes on; exit 2 unless --skip-unreadable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from audit_support import TIGHT, audit_json, own_cache, run_audit, write_tree

__all__ = ["own_cache"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    monkeypatch.chdir(tmp_path)


def _tree(tmp_path: Path) -> Path:
    root = write_tree(
        tmp_path / "p",
        {"good.md": TIGHT, "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00", "latin1.md": "caf\xe9\n".encode("latin-1")},
        "models: [gpt-4o]\n",
    )
    os.symlink("loop.md", root / "loop.md")  # a symlink to itself: ELOOP on open
    return root


def test_unreadable_files_are_named_and_the_run_goes_on(tmp_path: Path) -> None:
    _tree(tmp_path)
    result = run_audit("p")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert "tokcli: error: p/binary.txt: binary file, not text" in lines
    assert "tokcli: error: p/latin1.md:1: invalid UTF-8 at byte 3" in lines
    assert any(line.startswith("tokcli: error: p/loop.md: cannot read: ") for line in lines)
    assert "Traceback" not in result.stderr
    assert "good.md" in result.stdout  # the readable file was still audited
    assert "audit error: 3 file(s) could not be read or parsed" in result.stdout


def test_skip_unreadable_reports_but_exits_0(tmp_path: Path) -> None:
    _tree(tmp_path)
    data, result = audit_json("p", "--skip-unreadable", expect=0)
    assert [file["path"] for file in data["files"]] == ["p/good.md"]
    assert {problem["path"] for problem in data["problems"]} == {"p/binary.txt", "p/latin1.md", "p/loop.md"}
    assert all(problem["kind"] == "unreadable" for problem in data["problems"])
    assert "tokcli: skipped: p/binary.txt: binary file, not text" in result.stderr.splitlines()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", {"good.md": TIGHT, "secret.md": TIGHT}, "models: [gpt-4o]\n")
    (root / "secret.md").chmod(0)
    try:
        result = run_audit("p")
    finally:
        (root / "secret.md").chmod(0o644)
    assert result.exit_code == 2
    assert "tokcli: error: p/secret.md: cannot read: Permission denied" in result.stderr.splitlines()


def test_template_syntax_error_is_exit_2_even_with_skip_unreadable(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {"good.md": TIGHT, "broken.j2": "Hi {{ name }\n{% if x %}\n"}, "models: [gpt-4o]\n")
    data, result = audit_json("p", "--skip-unreadable", expect=2)
    [problem] = data["problems"]
    assert problem["path"] == "p/broken.j2" and problem["kind"] == "invalid"
    assert result.stderr.startswith("tokcli: error: p/broken.j2:")
    assert [file["path"] for file in data["files"]] == ["p/good.md"]


def test_unreadable_annotations_in_github_format(tmp_path: Path) -> None:
    _tree(tmp_path)
    result = run_audit("p", "--format", "github")
    assert result.exit_code == 2
    assert "::error file=p/binary.txt,title=tokcli audit::binary file, not text" in result.stdout.splitlines()


def test_permission_denied_reported_by_name_even_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads any file, so the OS refusal is simulated where tokcli reads the bytes."""
    root = write_tree(tmp_path / "p", {"good.md": TIGHT, "secret.md": TIGHT}, "models: [gpt-4o]\n")
    original = os.open

    def refusing_open(path: str | os.PathLike[str], flags: int, *args: int, **kwargs: int) -> int:
        if os.fspath(path).endswith("secret.md"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return original(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    result = run_audit("p")
    assert result.exit_code == 2
    assert "tokcli: error: p/secret.md: cannot read: Permission denied" in result.stderr.splitlines()
    assert "good.md" in result.stdout
    assert (root / "secret.md").exists()

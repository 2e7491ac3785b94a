"""Only regular files are read. FIFOs, sockets and devices met in a walked directory are skipped with a note;
named explicitly they are an error, never a block. Directories that cannot be listed, and paths that cannot be
looked at, are named on stderr with exit 2 (audit: unless --skip-unreadable).

Commands that meet a FIFO run in a child process with a timeout, so that a regression fails instead of
hanging the suite. Permission refusals are simulated where tokcli meets them, since root (and some sandboxes)
read anything; a real-mode test runs where modes are enforced."""

from __future__ import annotations

import json
import os
import pathlib
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.inputs import WalkIssues, read_regular_file, walk_directory

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")


def tokcli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tokcli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


def _special_tree(root: Path) -> dict[str, str]:
    """prompts/ with one readable file and the special files this platform lets us make: name → kind."""
    prompts = root / "prompts"
    prompts.mkdir(parents=True)
    (prompts / "good.md").write_text("Answer in one short sentence.\n", encoding="utf-8")
    made = {}
    os.mkfifo(prompts / "pipe.md")
    made["pipe.md"] = "FIFO"
    try:
        os.mknod(prompts / "sock.md", stat.S_IFSOCK | 0o600)
        made["sock.md"] = "socket"
    except OSError:
        pass
    if os.geteuid() == 0:  # a private node with /dev/null's numbers: the machine's own /dev is never touched
        try:
            os.mknod(prompts / "device.md", stat.S_IFCHR | 0o600, os.makedev(1, 3))
            made["device.md"] = "character device"
        except OSError:
            pass
    return made


@pytest.fixture
def special(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    return tmp_path, _special_tree(tmp_path)


def test_walk_skips_special_files_and_says_which(special: tuple[Path, dict[str, str]]) -> None:
    root, made = special
    issues = WalkIssues()
    found = [path.name for path in walk_directory(root / "prompts", issues=issues)]
    assert found == ["good.md"]
    assert sorted((path.name, kind) for path, kind in issues.special) == sorted(made.items())


def test_reading_a_special_file_refuses_it(special: tuple[Path, dict[str, str]]) -> None:
    root, made = special
    for name, kind in made.items():
        with pytest.raises(OSError) as caught:
            read_regular_file(root / "prompts" / name)
        assert caught.value.strerror == f"not a regular file ({kind})"
    with pytest.raises(IsADirectoryError):
        read_regular_file(root / "prompts")
    assert read_regular_file(root / "prompts" / "good.md") == b"Answer in one short sentence.\n"


@pytest.mark.parametrize("command", [["count"], ["lint"], ["cost", "-m", "gpt-4o"]])
def test_walked_special_files_are_skipped_with_a_note(special: tuple[Path, dict[str, str]], command: list[str]) -> None:
    root, made = special
    completed = tokcli(root, *command, "prompts")
    assert completed.returncode == 0, completed.stderr
    notes = sorted(line for line in completed.stderr.splitlines() if line.startswith("tokcli: skipped "))
    assert notes == sorted(
        f"tokcli: skipped prompts/{name}: not a regular file ({kind})" for name, kind in made.items()
    )
    assert completed.stdout != ""


def test_audit_skips_walked_special_files(special: tuple[Path, dict[str, str]]) -> None:
    root, made = special
    completed = tokcli(root, "audit", "prompts", "--no-cache", "--format", "json")
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert [file["path"] for file in data["files"]] == ["prompts/good.md"]
    assert sorted((item["path"], item["reason"]) for item in data["skipped"]) == sorted(
        (f"prompts/{name}", f"not a regular file ({kind})") for name, kind in made.items()
    )


@pytest.mark.parametrize("command", [["count"], ["lint"], ["compress"], ["audit", "--no-cache"]])
def test_a_special_file_named_explicitly_is_an_error(special: tuple[Path, dict[str, str]], command: list[str]) -> None:
    root, _ = special
    completed = tokcli(root, *command, "prompts/pipe.md")
    assert completed.returncode == 2
    assert completed.stderr == "tokcli: error: prompts/pipe.md: cannot read: not a regular file (FIFO)\n"


def test_special_files_given_as_price_file_config_or_baseline(special: tuple[Path, dict[str, str]]) -> None:
    root, _ = special
    (root / "ok.md").write_text("Hi.\n", encoding="utf-8")
    cost = tokcli(root, "cost", "ok.md", "-m", "gpt-4o", "--pricing", "prompts/pipe.md")
    assert (cost.returncode, cost.stderr) == (
        2,
        "tokcli: error: prompts/pipe.md: cannot read pricing file: not a regular file (FIFO)\n",
    )
    config = tokcli(root, "count", "ok.md", "--config", "prompts/pipe.md")
    assert (config.returncode, config.stderr) == (2, "tokcli: error: prompts/pipe.md: config file not found\n")
    baseline = tokcli(root, "audit", "ok.md", "--no-cache", "--baseline", "prompts/pipe.md")
    assert baseline.returncode == 2
    assert baseline.stderr == "tokcli: error: prompts/pipe.md: cannot read baseline: not a regular file (FIFO)\n"


# --- directories that cannot be listed ------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("prompts/a.md", "prompts/locked/b.md", "prompts/open/c.md"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("Answer in one short sentence.\n", encoding="utf-8")
    return tmp_path


def refuse(monkeypatch: pytest.MonkeyPatch, function: str, refused: Any) -> None:
    """`os.<function>` raises EACCES for the paths `refused(path)` picks, as the OS does for a normal user."""
    original = getattr(os, function)

    def refusing(path: Any = ".", *args: Any, **kwargs: Any) -> Any:
        if refused(os.fspath(path)):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, function, refusing)
    # Python 3.10's pathlib calls the os functions it bound at import, through its accessor object.
    accessor = getattr(pathlib, "_normal_accessor", None)
    if accessor is not None and hasattr(accessor, function):
        monkeypatch.setattr(accessor, function, refusing)


@pytest.fixture
def locked(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`prompts/locked` cannot be listed, as for a normal user with mode 000."""
    refuse(monkeypatch, "scandir", lambda path: path.endswith(os.sep + "locked"))


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_count_names_an_unreadable_directory(locked: None) -> None:
    result = run("count", "prompts")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: prompts/locked: cannot read directory: Permission denied\n"


def test_lint_reports_the_rest_and_names_an_unreadable_directory(locked: None) -> None:
    result = run("lint", "prompts", "--format", "json")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: prompts/locked: cannot read directory: Permission denied\n"
    assert json.loads(result.stdout)["summary"]["files"] == 2  # a.md and open/c.md were linted


def test_audit_names_an_unreadable_directory(locked: None) -> None:
    result = run("audit", "prompts", "--no-cache", "--format", "json")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: prompts/locked: cannot read directory: Permission denied\n"
    data = json.loads(result.stdout)
    assert [file["path"] for file in data["files"]] == ["prompts/a.md", "prompts/open/c.md"]
    assert data["problems"] == [
        {
            "path": "prompts/locked",
            "message": "cannot read directory: Permission denied",
            "kind": "unreadable",
            "line": None,
        }
    ]


def test_audit_passes_over_an_unreadable_directory_it_excludes(locked: None) -> None:
    Path(".tokcli.yaml").write_text("audit:\n  exclude: [prompts/locked/]\n", encoding="utf-8")
    result = run("audit", "prompts", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_audit_skip_unreadable_covers_directories(locked: None) -> None:
    result = run("audit", "prompts", "--no-cache", "--skip-unreadable")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "tokcli: skipped: prompts/locked: cannot read directory: Permission denied\n"


def _modes_enforced(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    probe.chmod(0)
    try:
        os.listdir(probe)
        return False
    except PermissionError:
        return True
    finally:
        probe.chmod(0o755)


def test_real_modes_where_they_are_enforced(tree: Path) -> None:
    if not _modes_enforced(tree):
        pytest.skip("file modes are not enforced here (root, or a sandbox that ignores them)")
    (tree / "prompts" / "locked").chmod(0)
    (tree / "prompts" / "a.md").chmod(0)
    try:
        result = run("audit", "prompts", "--no-cache")
    finally:
        (tree / "prompts" / "locked").chmod(0o755)
        (tree / "prompts" / "a.md").chmod(0o644)
    assert result.exit_code == 2
    errors = sorted(line for line in result.stderr.splitlines() if line.startswith("tokcli: error: "))
    assert errors == [
        "tokcli: error: prompts/a.md: cannot read: Permission denied",
        "tokcli: error: prompts/locked: cannot read directory: Permission denied",
    ]


# --- paths that cannot even be looked at ----------------------------------------------------------------


@pytest.fixture
def unsearchable(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything below `prompts/locked` cannot be looked at (its parent may not be searched)."""
    refuse(monkeypatch, "stat", lambda path: (os.sep + "locked" + os.sep) in path)


@pytest.mark.parametrize("command", [["count"], ["cost", "-m", "gpt-4o"], ["lint"], ["audit", "--no-cache"]])
def test_an_input_that_cannot_be_looked_at(unsearchable: None, command: list[str]) -> None:
    result = run(*command, "prompts/locked/b.md")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: prompts/locked/b.md: cannot read: Permission denied\n"


def test_config_discovery_in_a_directory_that_cannot_be_searched(
    unsearchable: None, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree / "prompts" / "locked")
    result = run("count", "--text", "hi")
    assert result.exit_code == 2
    where = tree.resolve() / "prompts" / "locked" / ".tokcli.yaml"
    assert result.stderr == f"tokcli: error: {where}: cannot look at this path: Permission denied\n"


def test_audit_of_a_directory_that_cannot_be_looked_at(unsearchable: None) -> None:
    result = run("audit", "prompts/locked/sub")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: prompts/locked/sub: cannot read: Permission denied\n"


def test_explicit_config_that_cannot_be_looked_at(unsearchable: None) -> None:
    result = run("count", "prompts/a.md", "--config", "prompts/locked/.tokcli.yaml")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: prompts/locked/.tokcli.yaml: cannot look at this path: Permission denied\n"


def test_tokenizer_file_that_cannot_be_looked_at(unsearchable: None) -> None:
    result = run("count", "--text", "hi", "-t", "prompts/locked/t.tiktoken:o200k")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: prompts/locked/t.tiktoken: cannot look at this path: Permission denied\n"

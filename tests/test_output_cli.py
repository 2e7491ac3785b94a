"""Every place a command writes: `-o` of each command, `--write-baseline`, `compress --write`, `lint --fix`, and
stdout. Modes follow the umask or the original file; symlinks are written through; special files are written
in place; write errors are one line and exit 2; a closed pipe ends quietly."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app

runner = CliRunner()
needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root")
REPOSITORY = Path(__file__).resolve().parent.parent
VERBOSE = (REPOSITORY / "prompts_examples" / "verbose_system_prompt.md").read_text(encoding="utf-8")
WASTEFUL = "Please note that you should answer.   \n\n\n\nIn order to help, be brief.\n"
LITELLM_MAP = {
    "gpt-x": {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 1e-06,
        "output_cost_per_token": 2e-06,
    }
}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKCLI_CACHE_DIR", str(tmp_path / "tokcli-cache"))  # the audit cache too: this test's own
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.md").write_text(WASTEFUL, encoding="utf-8")
    (tmp_path / "map.json").write_text(json.dumps(LITELLM_MAP), encoding="utf-8")
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def private_device(tmp_path: Path, name: str, minor: int) -> Path:
    """A private character device: minor 3 behaves like /dev/null, 7 like /dev/full."""
    node = tmp_path / name
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return node


#: Each command that takes an output file, with that file as OUT.
WRITERS = {
    "lint -o": ["lint", "p/a.md", "--exit-zero", "-o", "OUT"],
    "lint --diff -o": ["lint", "p/a.md", "--diff", "-o", "OUT"],
    "audit -o": ["audit", "p", "--format", "sarif", "-o", "OUT"],
    "audit --write-baseline": ["audit", "p", "--write-baseline", "OUT"],
    "compress -o": ["compress", "p/a.md", "-o", "OUT"],
    "pricing import -o": ["pricing", "import", "map.json", "-o", "OUT"],
}


def invoke(arguments: list[str], out: Path) -> object:
    return runner.invoke(app, [str(out) if argument == "OUT" else argument for argument in arguments])


@pytest.mark.parametrize("name", list(WRITERS))
def test_output_files_honour_the_umask(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    result = invoke(WRITERS[name], out)
    assert result.exit_code in (0, 1), result.stderr  # type: ignore[attr-defined]
    assert out.stat().st_size > 0 and mode(out) == 0o644  # was 0600 whatever the umask
    os.umask(0o077)
    out.unlink()
    invoke(WRITERS[name], out)
    assert mode(out) == 0o600


@pytest.mark.parametrize("name", list(WRITERS))
def test_an_existing_output_file_keeps_its_mode(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old")
    out.chmod(0o640)
    invoke(WRITERS[name], out)
    assert out.read_text() != "old" and mode(out) == 0o640


@pytest.mark.parametrize("name", list(WRITERS))
def test_an_output_symlink_is_written_through(name: str, tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "out.txt"
    link.symlink_to(real.name)
    invoke(WRITERS[name], link)
    assert link.is_symlink() and real.read_text() != "old"


@needs_root
@pytest.mark.parametrize("name", list(WRITERS))
def test_a_device_given_as_output_is_written_not_replaced(name: str, tmp_path: Path) -> None:
    sink = private_device(tmp_path, "null", 3)
    result = invoke(WRITERS[name], sink)
    assert result.exit_code in (0, 1), result.stderr  # type: ignore[attr-defined]
    assert stat.S_ISCHR(os.lstat(sink).st_mode) and os.stat(sink).st_rdev == os.makedev(1, 3)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


@needs_root
@pytest.mark.parametrize("name", list(WRITERS))
def test_a_full_device_is_a_one_line_error_with_exit_2(name: str, tmp_path: Path) -> None:
    full = private_device(tmp_path, "full", 7)
    result = invoke(WRITERS[name], full)
    assert result.exit_code == 2  # type: ignore[attr-defined]
    errors = [line for line in result.stderr.splitlines() if line.startswith("tokcli: error:")]  # type: ignore[attr-defined]
    assert errors == [f"tokcli: error: {full}: cannot write: No space left on device"]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]


# ---- compress --write and lint --fix ----------------------------------------------------------------------


def test_a_second_compress_write_keeps_the_first_backup(tmp_path: Path) -> None:
    prompt = tmp_path / "p.md"
    prompt.write_text(VERBOSE, encoding="utf-8")
    first = runner.invoke(app, ["compress", "--write", str(prompt)])
    assert first.exit_code == 0, first.stderr
    assert f"written to {prompt} (backup: {prompt}.orig)" in first.stderr
    once = prompt.read_text(encoding="utf-8")
    second = runner.invoke(app, ["compress", "--write", "--level", "aggressive", str(prompt)])
    assert second.exit_code == 0, second.stderr
    assert f"written to {prompt} (backup: {prompt}.orig.1)" in second.stderr
    assert Path(f"{prompt}.orig").read_text(encoding="utf-8") == VERBOSE  # the original survives
    assert Path(f"{prompt}.orig.1").read_text(encoding="utf-8") == once
    assert prompt.read_text(encoding="utf-8") != once


def test_compress_write_keeps_a_private_prompt_private(tmp_path: Path) -> None:
    prompt = tmp_path / "p.md"
    prompt.write_text(VERBOSE, encoding="utf-8")
    prompt.chmod(0o600)
    result = runner.invoke(app, ["compress", "--write", str(prompt)])
    assert result.exit_code == 0, result.stderr
    assert mode(prompt) == 0o600 and mode(Path(f"{prompt}.orig")) == 0o600  # the backup was 0644


def test_compress_write_on_a_symlink_writes_the_target(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "p.md"
    real.parent.mkdir()
    real.write_text(VERBOSE, encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    result = runner.invoke(app, ["compress", "--write", str(link)])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()  # was replaced by a regular file while the target kept the old text
    assert real.read_text(encoding="utf-8") != VERBOSE
    assert Path(f"{real}.orig").read_text(encoding="utf-8") == VERBOSE
    assert f"written to {link} (backup: {real}.orig)" in result.stderr


def test_lint_fix_keeps_mode_and_writes_through_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "p" / "a.md"
    real.chmod(0o600)
    link = tmp_path / "link.md"
    link.symlink_to(real)
    result = runner.invoke(app, ["lint", "--fix", "--exit-zero", str(link)])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and real.read_text(encoding="utf-8") != WASTEFUL and mode(real) == 0o600


def test_stale_temp_files_are_reported_on_stderr(tmp_path: Path) -> None:
    stale = tmp_path / ".out.txt.tokcli-0a1b2c3d.tmp"
    stale.write_text("x" * 1000)
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    result = runner.invoke(app, ["lint", "p/a.md", "--exit-zero", "-o", str(tmp_path / "out.txt")])
    assert result.exit_code == 0, result.stderr
    assert f"tokcli: note: removed {stale}, a temp file an interrupted tokcli write left" in result.stderr
    assert not stale.exists()


# ---- stdout: a real process, as a shell would run it ------------------------------------------------------


def run_tokcli(*arguments: str, stdout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tokcli", *arguments],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )


@needs_root
def test_a_full_stdout_is_a_one_line_error(tmp_path: Path) -> None:
    full = private_device(tmp_path, "full", 7)
    with open(full, "wb") as stream:
        completed = run_tokcli("count", "--text", "hello world", "-t", "cl100k_base", stdout=stream.fileno())
    assert completed.returncode == 2  # was 0: the result lost and nobody told
    assert completed.stderr == "tokcli: error: cannot write the output to stdout: No space left on device\n"


def test_stdout_over_the_file_size_limit_is_a_one_line_error(tmp_path: Path) -> None:
    # The same fault as a full disk without root: RLIMIT_FSIZE makes the write fail (EFBIG).
    import resource

    sink = tmp_path / "out.txt"
    with open(sink, "wb") as stream:
        completed = subprocess.run(
            [sys.executable, "-m", "tokcli", "rules", "--format", "json"],
            stdout=stream.fileno(),
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100)),
        )
    assert completed.returncode == 2
    assert completed.stderr == "tokcli: error: cannot write the output to stdout: File too large\n"


def test_a_closed_stdout_is_a_one_line_error() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tokcli", "count", "--text", "hello world", "-t", "cl100k_base"],
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert completed.returncode == 2  # was a traceback (sys.stdout is None), exit 1
    assert completed.stderr == "tokcli: error: cannot write the output: stdout is closed\n"


@pytest.mark.parametrize(
    "arguments",
    [
        ["count", "--text", "hello world", "-t", "cl100k_base"],  # a few bytes, flushed at exit
        ["rules", "--format", "json"],  # more than a pipe buffer's worth, written mid-command
        ["audit", "p", "--format", "json", "--no-cache"],
    ],
)
def test_a_closed_pipe_ends_quietly_like_other_unix_tools(arguments: list[str]) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # `tokcli … | head` after head has exited
    try:
        completed = run_tokcli(*arguments, stdout=writer)
    finally:
        os.close(writer)
    assert completed.stderr == ""  # no traceback, no "Exception ignored … BrokenPipeError"
    assert completed.returncode == -signal.SIGPIPE  # a shell shows 141, as for `yes | head`


def test_stdout_still_works_normally() -> None:
    completed = run_tokcli("count", "--text", "hello world", "-t", "cl100k_base", "--format", "json", "--ids",
                           stdout=subprocess.PIPE)  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["results"][0]["ids"] == [15339, 1917]


def test_a_step_summary_that_cannot_be_written_is_a_warning_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "summary"
    os.mkfifo(fifo)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(fifo))
    result = runner.invoke(app, ["audit", "p", "--format", "github", "--fail-on", "never"])
    assert result.exit_code == 0, result.stderr
    assert f"tokcli: warning: cannot append to GITHUB_STEP_SUMMARY: {fifo}: cannot write:" in result.stderr

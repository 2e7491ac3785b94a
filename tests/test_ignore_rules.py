"""What every command leaves out of a directory or glob: .gitignore, .git/info/exclude, repository documents;
`--no-ignore`; and, when nothing is left, exit 2 naming the rules that left everything out."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

PROMPT = "Please kindly answer billing questions for Acme.   \nCite the invoice number.\n"  # lint finds waste
COMMANDS = {
    "count": ["count", "-m", "gpt-4o", "--format", "json"],
    "lint": ["lint", "--format", "json", "--exit-zero"],
    "audit": ["audit", "--format", "json", "--no-cache"],
    "compress": ["compress", "--check", "--threshold", "100"],
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_text("drafts/\n", encoding="utf-8")
    (root / ".gitignore").write_text("*.tmp.md\n", encoding="utf-8")
    for name in ("prompts/a.md", "prompts/README.md", "prompts/scratch.tmp.md", "prompts/drafts/b.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(PROMPT, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("TOKCLI_CACHE_DIR", str(tmp_path / "cache"))
    return root


def _run(command: str, *paths: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*COMMANDS[command], *paths])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_reads_the_same_prompt_files(repo: Path, command: str) -> None:
    code, stdout, stderr = _run(command, "prompts")
    assert code == 0, stderr
    read = stdout + stderr  # compress --check names its files in the summary on stderr
    assert "prompts/a.md" in read
    for left_out in ("README.md", "scratch.tmp.md", "drafts/b.md"):
        assert left_out not in read


@pytest.mark.parametrize("command", COMMANDS)
def test_everything_excluded_is_exit_2_naming_the_rule(repo: Path, command: str) -> None:
    code, stdout, stderr = _run(command, "prompts/drafts")
    assert (code, stdout) == (2, "")
    assert stderr == (
        "tokcli: error: no prompt files in prompts/drafts: 1 left out — ignored by .git/info/exclude (1); "
        "--no-ignore reads ignored files\n"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_no_ignore_reads_ignored_files(repo: Path, command: str) -> None:
    code, stdout, stderr = _run(command, "prompts", "--no-ignore")
    assert code == 0, stderr
    read = stdout + stderr
    assert "prompts/drafts/b.md" in read and "prompts/scratch.tmp.md" in read
    assert "README.md" not in read  # a repository document, not a prompt: --no-ignore is about git's rules


@pytest.mark.parametrize("command", COMMANDS)
def test_a_glob_follows_the_ignore_rules(repo: Path, command: str) -> None:
    code, stdout, stderr = _run(command, "prompts/**/*.md")
    assert code == 0, stderr
    read = stdout + stderr
    assert "prompts/a.md" in read and "drafts/b.md" not in read and "scratch.tmp.md" not in read


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_named_explicitly_is_read_even_when_ignored(repo: Path, command: str) -> None:
    code, stdout, stderr = _run(command, "prompts/drafts/b.md")
    assert code == 0, stderr
    assert "prompts/drafts/b.md" in stdout + stderr

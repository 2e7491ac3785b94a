"""Every command over a directory of hostile inputs built here: deep nesting, unknown YAML tags, numbers out
of range, damaged files, special files. Each run ends with its documented exit code and, on an error, one line
on stderr naming the file, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hostile_support import CONFIG_FILES, PRICE_FILES, PROMPT_FILES, add_special_files, write_files
from typer.testing import CliRunner

from tokcli.cli import app

#: how each command is run over one prompt file
PROMPT_COMMANDS = {
    "count": ["count"],
    "cost": ["cost", "-m", "gpt-4o"],
    "lint": ["lint"],
    "compress": ["compress"],
    "audit": ["audit", "--no-cache"],
}
#: files no command can read
UNREADABLE = {"binary.txt", "latin1.md", "loop.md"}
#: files `count` and `cost` read as text (a chat file or template they cannot parse is counted as it is),
#: and that `lint`, `compress` and `audit` refuse because they cannot parse them
UNPARSEABLE = {
    "deep.json",
    "deep_messages.json",
    "deep.yaml",
    "python_tag.yaml",
    "long_number.json",
    "deep_jinja.j2",
    "parentheses.j2",
    "unclosed.j2",
    "unclosed_handlebars.prompt",
    "alias_bomb.prompt.yml",
    "alias_loop.yaml",
}
#: commands that take --config, with what else they need
CONFIG_COMMANDS = [
    ["count", "ok.md"],
    ["cost", "ok.md", "-m", "gpt-4o"],
    ["lint", "ok.md"],
    ["compress", "ok.md"],
    ["audit", "ok.md", "--no-cache"],
    ["tokenizers", "list"],
    ["tokenizers", "models"],
    ["pricing", "list"],
    ["pricing", "show", "gpt-4o"],
    ["pricing", "check"],
]
#: commands that take --pricing
PRICING_COMMANDS = [
    ["cost", "ok.md", "-m", "gpt-4o"],
    ["compress", "ok.md"],
    ["pricing", "list"],
    ["pricing", "show", "gpt-4o"],
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    write_files(root / "p", PROMPT_FILES)
    add_special_files(root / "p")
    write_files(root / "c", CONFIG_FILES)
    write_files(root / "r", PRICE_FILES)
    (root / "ok.md").write_text("Answer in one short sentence.\n", encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _in_hostile(hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(hostile)


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    # CliRunner keeps an exception the command did not handle: that would have been a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in result.stderr
    return result


def assert_one_line_error(result: Any, name: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout[-500:], result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"tokcli: error: {name}"), lines


@pytest.mark.parametrize("command", sorted(PROMPT_COMMANDS))
@pytest.mark.parametrize("name", sorted([*UNREADABLE, *UNPARSEABLE]))
def test_prompt_file(command: str, name: str) -> None:
    result = invoke(*PROMPT_COMMANDS[command], f"p/{name}")
    if name in UNREADABLE or command not in ("count", "cost"):
        assert_one_line_error(result, f"p/{name}")
    else:
        assert result.exit_code == 0, (result.stdout, result.stderr)
        assert "error" not in result.stderr


@pytest.mark.parametrize("command", sorted(PROMPT_COMMANDS))
def test_deep_json_inside_markdown_is_prose(command: str) -> None:
    result = invoke(*PROMPT_COMMANDS[command], "p/deep_blob.md")
    assert result.exit_code in (0, 1), (result.stdout, result.stderr)  # 1: lint findings
    assert "error" not in result.stderr


def test_audit_walks_the_whole_directory(hostile: Path) -> None:
    result = invoke("audit", "p", "--no-cache")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("tokcli: error: ")]
    named = {line.removeprefix("tokcli: error: ").split(":")[0] for line in errors}
    assert named == {f"p/{name}" for name in UNREADABLE | UNPARSEABLE}
    assert len(errors) == len(named)  # one line each
    if (hostile / "p" / "pipe.md").exists():
        assert "skipped p/pipe.md: not a regular file (FIFO)" in result.stdout


@pytest.mark.parametrize("args", CONFIG_COMMANDS, ids=lambda args: " ".join(args[:2]))
@pytest.mark.parametrize("config", sorted(CONFIG_FILES))
def test_config_file(args: list[str], config: str) -> None:
    assert_one_line_error(invoke(*args, "--config", f"c/{config}"), f"c/{config}")


@pytest.mark.parametrize("args", PRICING_COMMANDS, ids=lambda args: " ".join(args[:2]))
@pytest.mark.parametrize("prices", sorted(PRICE_FILES))
def test_price_file_given_with_pricing(args: list[str], prices: str) -> None:
    assert_one_line_error(invoke(*args, "--pricing", f"r/{prices}"), f"r/{prices}")


@pytest.mark.parametrize("prices", sorted(PRICE_FILES))
def test_price_file_in_config_under_audit(hostile: Path, prices: str) -> None:
    config = hostile / "c" / f"uses-{prices}.yaml"
    config.write_text(f"pricing: ../r/{prices}\n", encoding="utf-8")
    assert_one_line_error(invoke("audit", "ok.md", "--no-cache", "--config", str(config)), str(hostile / "c"))


@pytest.mark.parametrize("prices", sorted(PRICE_FILES))
def test_pricing_check_lists_it_as_a_problem(prices: str) -> None:
    """`pricing check` reports a file it cannot read as one of its problems (stdout) and exits 1."""
    result = invoke("pricing", "check", f"r/{prices}")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr == ""
    assert result.stdout.startswith(f"r/{prices}")
    assert ": error: " in result.stdout.splitlines()[0]
    assert result.stdout.splitlines()[-1].startswith(f"r/{prices}: ")


@pytest.mark.parametrize("prices", sorted(PRICE_FILES))
def test_pricing_import(prices: str) -> None:
    assert_one_line_error(invoke("pricing", "import", f"r/{prices}"), f"r/{prices}")


def test_rules_with_a_hostile_name() -> None:
    assert_one_line_error(invoke("rules", "(" * 10_000), "unknown rule")


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs")
@pytest.mark.parametrize("command", sorted(PROMPT_COMMANDS))
def test_a_fifo_named_explicitly_is_an_error_not_a_hang(hostile: Path, command: str) -> None:
    """In a child process with a timeout: a regression would block on the FIFO forever."""
    completed = subprocess.run(
        [sys.executable, "-m", "tokcli", *PROMPT_COMMANDS[command], "p/pipe.md"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=hostile,
    )
    assert completed.returncode == 2
    assert completed.stderr == "tokcli: error: p/pipe.md: cannot read: not a regular file (FIFO)\n"


@pytest.mark.parametrize("baseline", ["deep_prices.json", "litellm_long_number.json"])
def test_audit_baseline(baseline: str) -> None:
    result = invoke("audit", "ok.md", "--no-cache", "--baseline", f"r/{baseline}")
    assert_one_line_error(result, f"r/{baseline}: invalid baseline JSON: ")

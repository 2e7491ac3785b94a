"""Shell completion for bash, zsh and fish: the scripts, and the answers the installed `tokcli` gives them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app

TOKCLI = Path(sys.executable).with_name("tokcli")
pytestmark = pytest.mark.skipif(not TOKCLI.is_file(), reason="the tokcli console script is not installed")


@pytest.mark.parametrize(
    ("shell", "hook"), [("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete --command")]
)
def test_completion_script_for_each_shell(shell: str, hook: str) -> None:
    result = CliRunner().invoke(app, ["completion", shell])
    assert (result.exit_code, result.stderr) == (0, "")
    assert hook in result.stdout and f"_TOKCLI_COMPLETE=complete_{shell}" in result.stdout


def _complete(**env: str) -> str:
    completed = subprocess.run(
        [str(TOKCLI)], env={**os.environ, **env}, capture_output=True, text=True, check=False, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_bash_completes_commands() -> None:
    assert _complete(_TOKCLI_COMPLETE="complete_bash", COMP_WORDS="tokcli au", COMP_CWORD="1").split() == ["audit"]


def test_zsh_completes_choices_of_an_option() -> None:
    out = _complete(_TOKCLI_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="tokcli audit --format ")
    for choice in ("text", "json", "sarif", "github", "markdown"):
        assert f'"{choice}"' in out


def test_fish_completes_options() -> None:
    out = _complete(
        _TOKCLI_COMPLETE="complete_fish",
        _TYPER_COMPLETE_FISH_ACTION="get-args",
        _TYPER_COMPLETE_ARGS="tokcli lint --no-",
    )
    assert out.splitlines()[0].split("\t")[0] == "--no-ignore"


def _commands(command: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def test_help_at_80_columns_never_breaks_a_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer.main

    monkeypatch.setenv("COLUMNS", "80")
    root = typer.main.get_command(app)
    checked = 0
    for path, command in _commands(root):
        choices = [
            str(getattr(choice, "value", choice))
            for param in getattr(command, "params", [])
            for choice in getattr(param.type, "choices", None) or []
        ]
        if not choices:
            continue
        result = CliRunner().invoke(app, [*path, "--help"], terminal_width=80)
        assert result.exit_code == 0, (path, result.output)
        words = set(result.stdout.replace("[", " ").replace("]", " ").replace("|", " ").split())
        for choice in choices:
            assert choice in words, (path, choice)
        checked += 1
    assert checked >= 10  # count, cost, lint, audit, compress, rules, pricing, tokenizers, completion …

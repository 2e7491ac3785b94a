"""The composite GitHub Action: its input handling, and its steps run as GitHub runs them (bash, the step's
`env`, the `${{ … }}` expressions filled in, a simulated GITHUB_* environment) on the README's example."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from repo_support import copy_of_repository

REPO = Path(__file__).resolve().parents[1]


def _action_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tokcli_action", REPO / "action" / "tokcli_action.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


action = _action_module()


@pytest.mark.parametrize(
    ("given", "expected"),
    [("", ""), ("0.1.0", "==0.1.0"), ("v0.2.1", "==0.2.1"), ("==0.1.0", "==0.1.0"), (">=0.1, <0.2", ">=0.1,<0.2")],
)
def test_version_input_becomes_a_pip_specifier(given: str, expected: str) -> None:
    assert action.version_specifier(given) == expected


def test_a_version_that_is_not_one_is_an_error() -> None:
    with pytest.raises(action.ActionInputError, match="version: 'latest' is neither"):
        action.version_specifier("latest")


def test_requirement_from_the_index_or_the_action_checkout(tmp_path: Path) -> None:
    assert action.requirement("0.1.0", "llama, mistral", str(tmp_path)) == "tokcli[llama,mistral]==0.1.0"
    assert action.requirement("", "", str(tmp_path)) == f"tokcli @ {tmp_path.resolve().as_uri()}"
    with pytest.raises(action.ActionInputError, match="extras"):
        action.requirement("", "llama; rm -rf /", str(tmp_path))


def test_lists_are_split_without_surprises() -> None:
    assert action.split_list('--since "origin/main" --fail-on-increase 5') == [
        "--since",
        "origin/main",
        "--fail-on-increase",
        "5",
    ]
    assert action.split_list("my prompts/\nother dir/\n") == ["my prompts/", "other dir/"]  # one per line
    assert action.split_list("'my prompts/' other/") == ["my prompts/", "other/"]
    assert action.split_list("$HOME/*.md") == ["$HOME/*.md"]  # nothing is expanded
    assert action.split_list("  \n") == []
    with pytest.raises(action.ActionInputError, match="cannot split"):
        action.split_list('--since "origin/main')


# --- the steps, executed -------------------------------------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def _fill(value: Any, context: dict[str, str]) -> str:
    """GitHub's `${{ … }}` substitution for the expressions the action and the README use."""
    return EXPRESSION.sub(lambda match: context[match.group(1)], str(value))


def _readme_step() -> dict[str, str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "runs-on:" in b]
    steps = [step for block in blocks for job in block["jobs"].values() for step in job["steps"]]
    return next(step for step in steps if step.get("uses", "").startswith("tokcli/tokcli@"))["with"]


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@e"
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def _run_steps(
    inputs: dict[str, str], workspace: Path, runner_temp: Path, summary: Path, only: str | None = None
) -> subprocess.CompletedProcess:
    manifest = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    defaults = {name: str(spec.get("default", "")) for name, spec in manifest["inputs"].items()}
    context = {f"inputs.{name}": value for name, value in {**defaults, **inputs}.items()}
    base_python = getattr(sys, "_base_executable", None) or shutil.which("python3") or sys.executable
    context["steps.python.outputs.python-path"] = base_python  # what setup-python would give
    context["github.base_ref"] = "main"
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    checkout = runner_temp / "action"  # where the runner checks out the action: a copy, so builds stay out of REPO
    if not checkout.is_dir():
        copy_of_repository(checkout)
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_ACTION_PATH=str(checkout),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_STEP_SUMMARY=str(summary),
        RUNNER_TEMP=str(runner_temp),
        TOKCLI_CACHE_DIR=str(runner_temp / "cache"),
    )
    completed = None
    for step in manifest["runs"]["steps"]:
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@")
            assert step["with"]["update-environment"] is False  # the caller's Python stays as it was
            continue
        if only is not None and step.get("name") != only:
            continue
        step_env = {**env, **{key: _fill(value, context) for key, value in step.get("env", {}).items()}}
        assert "${{" not in step["run"]  # inputs reach the shell only through the environment
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        if completed.returncode != 0:
            return completed
    assert completed is not None
    return completed


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_readme_example_runs_through_the_action_steps(tmp_path: Path) -> None:
    workspace = tmp_path / "work space"  # a space in the checkout's path too
    (workspace / "prompts").mkdir(parents=True)
    (workspace / "prompts" / "system.md").write_text("Answer billing questions for Acme.\n", encoding="utf-8")
    (workspace / "prompts" / "README.md").write_text("# About these prompts\n" + "word " * 5000, encoding="utf-8")
    _git(workspace, "init", "-q", "-b", "main")
    _git(workspace, "add", "-A")
    _git(workspace, "commit", "-qm", "prompts")
    _git(workspace, "update-ref", "refs/remotes/origin/main", "HEAD")
    (workspace / "prompts" / "grown.md").write_text("Cite the invoice number. " * 20, encoding="utf-8")
    inputs = {name: _fill(value, {"github.base_ref": "main"}) for name, value in _readme_step().items()}
    summary = tmp_path / "summary.md"
    completed = _run_steps(inputs, workspace, tmp_path / "runner", summary)
    out = completed.stdout
    # The total grew by more than 5 %: TK954 on the run, exit 1; the README is not a prompt.
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "audit prompts/ --since origin/main --fail-on-increase 5 --format github" in out
    assert "::notice title=tokcli audit gpt-4o::2 prompt files" in out
    assert "::error title=TK954 token-increase::all prompt files together grew" in out
    assert "README.md" not in out
    assert summary.read_text(encoding="utf-8").startswith("### tokcli audit: failed")
    # Paths one per line, one with a space; quoted arguments (the tokcli installed above is reused).
    (workspace / "my prompts").mkdir()
    (workspace / "my prompts" / "agent.md").write_text("Escalate refunds over $500.\n", encoding="utf-8")
    inputs = {"paths": "my prompts\nprompts/system.md\n", "args": '--fail-on "never" -m gpt-4o'}
    completed = _run_steps(inputs, workspace, tmp_path / "runner", summary, only="tokcli audit")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "::notice title=tokcli audit gpt-4o::2 prompt files" in completed.stdout
    # A version that is not one stops the install step with an annotation, exit 2.
    completed = _run_steps({"version": "latest"}, workspace, tmp_path / "runner", summary, only="Install tokcli")
    assert completed.returncode == 2 and "::error title=tokcli action::version: 'latest'" in completed.stdout

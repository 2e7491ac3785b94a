"""The shipped pre-commit hooks, run for real: `pre-commit try-repo <tokcli> HOOK --all-files` in a temporary
git repository. pre-commit builds the hook's environment from tokcli's committed tree (a clone of HEAD), which
needs the package index; the test is skipped when pre-commit is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from audit_support import TIGHT, VERBOSE, commit_all, git, git_repo, write_tree

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _pre_commit() -> list[str]:
    found = shutil.which("pre-commit")
    if found:
        return [found]
    beside = Path(sys.executable).with_name("pre-commit")
    if beside.is_file():
        return [str(beside)]
    pytest.skip("pre-commit is not installed")


@pytest.fixture(scope="module")
def tokcli_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tokcli's committed tree: what a user's pre-commit would install from a tag."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (REPO / ".git").exists():
        pytest.skip("tokcli is not a git checkout here")
    clone = tmp_path_factory.mktemp("tokcli-src") / "tokcli"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, capture_output=True)
    if not (clone / ".pre-commit-hooks.yaml").is_file():
        pytest.skip(".pre-commit-hooks.yaml is not committed yet")
    return clone


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit home for the module: the hooks' environment (tokcli installed from the clone) is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(project: Path, clone: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("TOKCLI_CACHE_DIR", None)
    return subprocess.run(
        [*_pre_commit(), "try-repo", str(clone), hook, "--all-files", "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def _tight_passes_then_verbose_fails(
    hook: str, clone: Path, tmp_path: Path, home: Path
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """`hook` on a project with a tight prompt (it passes), then with a verbose one added (it fails)."""
    project = git_repo(tmp_path / "project")
    write_tree(project / "prompts", {"tight.md": TIGHT})
    commit_all(project)
    clean = _try_repo(project, clone, hook, home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
    write_tree(project / "prompts", {"verbose.md": VERBOSE})
    git(project, "add", "-A")
    failing = _try_repo(project, clone, hook, home)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "Failed" in failing.stdout
    return clean, failing


def test_tokcli_lint_hook_passes_tight_and_fails_verbose_prompts(
    tokcli_clone: Path, tmp_path: Path, pre_commit_home: Path
) -> None:
    clean, failing = _tight_passes_then_verbose_fails("tokcli-lint", tokcli_clone, tmp_path, pre_commit_home)
    assert "tokcli lint (wasteful prompt patterns)" in clean.stdout
    assert "prompts/verbose.md" in failing.stdout
    assert "TK30" in failing.stdout  # filler and verbose-phrase findings


def test_tokcli_audit_hook_fails_on_a_budget(tokcli_clone: Path, tmp_path: Path, pre_commit_home: Path) -> None:
    project = git_repo(tmp_path / "project")
    config = "models: [gpt-4o]\naudit:\n  budgets:\n    files:\n      '*.md': {max_tokens: 30}\n"
    write_tree(project, {"prompts/tight.md": TIGHT, "prompts/verbose.md": VERBOSE}, config)
    commit_all(project)
    result = _try_repo(project, tokcli_clone, "tokcli-audit", pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "TK951" in result.stdout
    assert "prompts/verbose.md" in result.stdout


def test_tokcli_compress_check_hook_fails_when_a_prompt_would_shrink(
    tokcli_clone: Path, tmp_path: Path, pre_commit_home: Path
) -> None:
    hook = "tokcli-compress-check"
    clean, failing = _tight_passes_then_verbose_fails(hook, tokcli_clone, tmp_path, pre_commit_home)
    assert "tokcli compress --check (prompts that would shrink)" in clean.stdout
    assert "tokcli compress: prompts/verbose.md (rules/balanced)" in failing.stdout
    assert "(more than 5%)" in failing.stdout and "(not more than 5%)" in failing.stdout

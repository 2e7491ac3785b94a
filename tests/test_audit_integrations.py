"""The pre-commit manifest, the composite GitHub Action and their README snippets agree with each other."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def _manifest() -> list[dict]:
    return yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_hook_manifest_ids_and_entries() -> None:
    hooks = {hook["id"]: hook for hook in _manifest()}
    assert set(hooks) == {"tokcli-audit", "tokcli-lint", "tokcli-lint-fix", "tokcli-compress-check"}
    assert hooks["tokcli-audit"]["entry"] == "tokcli audit"
    assert hooks["tokcli-audit"]["pass_filenames"] is False
    assert hooks["tokcli-lint"]["entry"] == "tokcli lint"
    assert hooks["tokcli-lint-fix"]["entry"] == "tokcli lint --fix"
    assert hooks["tokcli-compress-check"]["entry"] == "tokcli compress --check"
    assert hooks["tokcli-compress-check"]["files"] == hooks["tokcli-lint"]["files"]
    assert all(hook["language"] == "python" for hook in hooks.values())
    assert re.search(hooks["tokcli-lint"]["files"], "prompts/system.md")
    assert re.search(hooks["tokcli-lint"]["files"], "prompts/rag.j2")
    assert not re.search(hooks["tokcli-lint"]["files"], "src/app.py")


def test_hooks_take_the_prompt_files_every_command_takes() -> None:
    from tokcli.prompt_set import hook_files_pattern, not_a_prompt

    hooks = {hook["id"]: hook for hook in _manifest()}
    for hook in ("tokcli-lint", "tokcli-lint-fix", "tokcli-compress-check"):
        assert hooks[hook]["files"] == hook_files_pattern(chat=False)
    assert hooks["tokcli-audit"]["files"].startswith(hook_files_pattern(chat=True) + "|")
    names = [
        "README.md", "docs/README.md", "CHANGELOG.md", "LICENSE.txt", "CONTRIBUTING.md", "prompts/system.md",
        "support.md", "readme_prompt.md", "prompts/rag.j2", "a.prompty", "notes.txt", "src/app.py", "chat.yaml",
        "README.en.md",
    ]  # fmt: skip
    for name in names:
        walked = not_a_prompt(name) is None and not name.endswith((".yaml", ".yml", ".json"))
        assert bool(re.search(hooks["tokcli-lint"]["files"], name)) == walked, name
    assert not re.search(hooks["tokcli-lint"]["files"], "CHANGELOG.md")
    assert re.search(hooks["tokcli-audit"]["files"], "prompts/chat.yaml")
    assert re.search(hooks["tokcli-audit"]["files"], ".tokcli.yaml")
    assert not re.search(hooks["tokcli-audit"]["files"], "README.md")


def test_hook_manifest_is_valid_for_pre_commit() -> None:
    found = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(found).is_file():
        pytest.skip("pre-commit is not installed")
    result = subprocess.run(
        [found, "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_is_a_composite_that_runs_audit_with_github_format() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    runs = action["runs"]
    assert runs["using"] == "composite"
    steps = runs["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert all("shell" in step for step in steps if "run" in step)  # composite run steps need a shell
    assert steps[0]["with"]["update-environment"] is False  # the caller's Python is left alone
    assert "-m venv" in steps[1]["run"] and 'tokcli_action.py" install' in steps[1]["run"]
    assert steps[-1]["run"].endswith('tokcli_action.py" audit')
    assert set(action["inputs"]) >= {"paths", "args", "version", "extras", "python-version"}


def _documented_yaml_blocks() -> list[str]:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return [block for page in pages for block in re.findall(r"```yaml\n(.*?)```", page.read_text("utf-8"), re.DOTALL)]


def test_readme_pre_commit_snippet_uses_the_shipped_hooks() -> None:
    ids = {hook["id"] for hook in _manifest()}
    snippets = [yaml.safe_load(block) for block in _documented_yaml_blocks() if "repos:" in block]
    assert snippets, "README has no .pre-commit-config.yaml snippet"
    used = {hook["id"] for snippet in snippets for repo in snippet["repos"] for hook in repo["hooks"]}
    assert used and used <= ids


def test_readme_workflow_snippet_uses_the_action_inputs() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    workflows = [yaml.safe_load(block) for block in _documented_yaml_blocks() if "runs-on:" in block]
    assert workflows, "README has no workflow snippet"
    steps = [step for workflow in workflows for job in workflow["jobs"].values() for step in job["steps"]]
    ours = [step for step in steps if step.get("uses", "").startswith("tokcli/tokcli@")]
    assert ours and set(ours[0].get("with", {})) <= set(action["inputs"])


def test_readme_audit_config_snippet_is_valid_config(tmp_path: Path) -> None:
    from tokcli.audit.settings import build_settings
    from tokcli.config import build_config

    blocks = [block for block in _documented_yaml_blocks() if "audit:" in block and "budgets:" in block]
    assert blocks, "README has no audit config snippet"
    settings = build_settings(build_config(yaml.safe_load(blocks[0]), "README.md", tmp_path))
    assert settings.max_total_tokens is not None and settings.file_budgets
    assert {budget.glob for budget in settings.file_budgets} >= {"**"}

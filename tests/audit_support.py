"""Helpers for the audit tests: a prompt tree in a temporary directory and `tokcli audit` through CliRunner."""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tokcli.cli import app

TIGHT = "Answer billing questions for Acme. Cite the invoice number. Escalate refunds over $500.\n"
VERBOSE = textwrap.dedent(
    """\
    Please kindly make sure that you always answer the billing questions of the users in a very very polite way.
    In order to help the user, it is really important that you please make sure to cite the invoice number.


    Please kindly make sure that you always answer the billing questions of the users in a very very polite way.
    At this point in time, due to the fact that refunds are expensive, please escalate refunds over $500!!!
    """
)


def o200k(text: str) -> int:
    from tokcli.registry import get_tokenizer

    return get_tokenizer("o200k_base").count(text)


def write_tree(root: Path, files: dict[str, str | bytes], config: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if config is not None:
        (root / ".tokcli.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
    return root


def count_yaml_parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Text → how many YAML loaders were made for it (each one parse), from now on."""
    import tokcli.structured as structured

    parsed: Counter[str] = Counter()
    real = structured.safe_loader

    def counting_loader() -> Any:
        loader = real()

        def make(text: str) -> Any:
            parsed[text] += 1
            return loader(text)

        return make

    monkeypatch.setattr(structured, "safe_loader", counting_loader)
    return parsed


def run_audit(*args: str) -> Any:
    return CliRunner().invoke(app, ["audit", *args])


def audit_json(*args: str, expect: int | None = None) -> tuple[dict[str, Any], Any]:
    result = run_audit(*args, "--format", "json")
    if expect is not None:
        assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr)
    return json.loads(result.stdout), result


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory for this test only (the session one is shared)."""
    directory = tmp_path / "tokcli-cache"
    monkeypatch.setenv("TOKCLI_CACHE_DIR", str(directory))
    return directory


def git(root: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "HOME": str(root),
            "PATH": __import__("os").environ["PATH"],
        },
    )
    return completed.stdout


def git_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    return root


def commit_all(root: Path, message: str = "prompts") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)

"""Deltas: `--since REF` against a real temporary git repository (no checkout), baselines, --fail-on-increase."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from audit_support import TIGHT, VERBOSE, audit_json, commit_all, git, git_repo, o200k, own_cache, run_audit, write_tree

from tokcli.units.yaml_config import NO_PROMPTS

__all__ = ["own_cache"]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
CONFIG = "models: [gpt-4o]\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> Path:
    root = git_repo(tmp_path / "repo")
    write_tree(root / "prompts", {"keep.md": TIGHT, "grow.md": TIGHT, "gone.md": TIGHT, "same.txt": VERBOSE}, CONFIG)
    commit_all(root)
    (root / "prompts" / "grow.md").write_text(TIGHT + VERBOSE, encoding="utf-8")
    (root / "prompts" / "gone.md").unlink()
    (root / "prompts" / "new.md").write_text(TIGHT, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def test_since_head_reports_changed_new_and_deleted(repo: Path) -> None:
    data, result = audit_json("prompts", "--since", "HEAD", expect=0)
    deltas = data["deltas"]
    assert deltas["source"].startswith("git HEAD (")
    status = {item["path"]: item["status"] for item in deltas["files"]}
    assert status == {
        "prompts/keep.md": "unchanged",
        "prompts/grow.md": "changed",
        "prompts/gone.md": "deleted",
        "prompts/new.md": "new",
        "prompts/same.txt": "unchanged",
    }
    files = {item["path"]: item["models"]["gpt-4o"] for item in deltas["files"]}
    assert files["prompts/grow.md"]["before"] == o200k(TIGHT)
    assert files["prompts/grow.md"]["after"] == o200k(TIGHT + VERBOSE)
    assert files["prompts/gone.md"] == {**files["prompts/gone.md"], "before": o200k(TIGHT), "after": 0}
    assert files["prompts/new.md"]["before"] == 0 and files["prompts/new.md"]["percent"] is None
    total = deltas["totals"]["gpt-4o"]
    assert total["delta"] == o200k(TIGHT + VERBOSE) - o200k(TIGHT)
    assert deltas["counts"] == {"new": 1, "deleted": 1, "changed": 1, "unchanged": 2}
    # Nothing was checked out: the working tree still has the edits.
    assert "gone.md" in git(repo, "status", "--porcelain")
    assert (repo / "prompts" / "grow.md").read_text() == TIGHT + VERBOSE
    assert result.stderr == ""


def test_fail_on_increase(repo: Path) -> None:
    data, _ = audit_json("prompts", "--since", "HEAD", "--fail-on-increase", "10", expect=1)
    increases = [f for f in data["findings"] if f["code"] == "TK954"]
    assert {f["path"] for f in increases} == {"prompts/grow.md", "prompts/.tokcli.yaml"}
    assert data["deltas"]["fail_on_increase"] == 10
    audit_json("prompts", "--since", "HEAD", "--fail-on-increase", "100000", expect=0)


def test_nan_increase_limit_is_a_usage_error(repo: Path) -> None:
    # NaN passed `min=0` and then no increase was ever over it
    result = run_audit("prompts", "--since", "HEAD", "--fail-on-increase", "nan")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Invalid value for '--fail-on-increase': must be a number, not nan" in result.stderr


def test_markdown_shows_the_deltas(repo: Path) -> None:
    result = run_audit("prompts", "--since", "HEAD", "--format", "markdown")
    assert result.exit_code == 0
    assert "**Changes:** 1 changed, 1 new, 1 deleted, 2 unchanged." in result.stdout
    grow = f"| `prompts/grow.md` | changed | {o200k(TIGHT):,} | {o200k(TIGHT + VERBOSE):,} |"
    assert grow in result.stdout
    assert "| `prompts/gone.md` | deleted |" in result.stdout


def test_unknown_ref_is_exit_2(repo: Path) -> None:
    result = run_audit("prompts", "--since", "no-such-branch")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: --since: unknown git ref 'no-such-branch'\n"


def test_since_outside_a_repository_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    write_tree(tmp_path / "plain", {"a.md": TIGHT}, CONFIG)
    monkeypatch.chdir(tmp_path / "plain")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = run_audit(".", "--since", "HEAD")
    assert result.exit_code == 2
    assert "--since needs a git repository" in result.stderr


def test_baseline_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    write_tree(tmp_path / "p", {"a.md": TIGHT, "b.md": TIGHT}, CONFIG)
    monkeypatch.chdir(tmp_path)
    result = run_audit("p", "--write-baseline", "base.json")
    assert result.exit_code == 0
    baseline = json.loads((tmp_path / "base.json").read_text())
    assert baseline["tokcli_baseline"] == 1
    assert baseline["files"]["p/a.md"]["tokens"] == {"gpt-4o": o200k(TIGHT)}
    (tmp_path / "p" / "a.md").write_text(TIGHT * 3, encoding="utf-8")
    data, _ = audit_json("p", "--baseline", "base.json", "--fail-on-increase", "50", expect=1)
    assert data["deltas"]["source"] == "baseline base.json"
    grown = {item["path"]: item for item in data["deltas"]["files"]}["p/a.md"]["models"]["gpt-4o"]
    assert (grown["before"], grown["after"]) == (o200k(TIGHT), o200k(TIGHT * 3))
    assert grown["percent"] == round(100 * (o200k(TIGHT * 3) - o200k(TIGHT)) / o200k(TIGHT), 2)


def test_a_baseline_written_into_the_audited_tree_is_left_out_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    write_tree(tmp_path / "p", {"a.md": TIGHT}, CONFIG)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p" / "data.json").write_text('{"rows": [1, 2]}', encoding="utf-8")  # not tokcli's: still noted
    first = run_audit("p", "--no-cache", "--write-baseline", "p/base.json")
    assert (first.exit_code, first.stderr) == (0, "")
    assert "skipped p/data.json: " + NO_PROMPTS in first.stdout
    for args in [(), ("--baseline", "p/base.json"), ("--write-baseline", "p/base.json")]:
        again = run_audit("p", "--no-cache", *args)
        assert (again.exit_code, again.stderr) == (0, ""), args
        lines = again.stdout.splitlines()
        assert "Prompt files in p/ (1); tokens per model, the rest on gpt-4o" in lines, args
        assert "skipped p/data.json: " + NO_PROMPTS in lines, args
        assert [line for line in lines if "base.json" in line] == (
            ["Changes since baseline p/base.json: 0 changed, 0 new, 0 deleted, 1 unchanged"]
            if args[:1] == ("--baseline",)
            else []
        ), args
        assert lines[-1] == "audit passed", args


def test_bad_baselines_are_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    write_tree(tmp_path / "p", {"a.md": TIGHT}, CONFIG)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"files": {}}', encoding="utf-8")
    cases = {
        "missing.json": "tokcli: error: missing.json: baseline file not found\n",
        "broken.json": "tokcli: error: broken.json:1: invalid baseline JSON",
        "other.json": "tokcli: error: other.json: not a tokcli baseline",
    }
    for name, expected in cases.items():
        result = run_audit("p", "--baseline", name)
        assert result.exit_code == 2, name
        assert result.stdout == ""
        assert result.stderr.startswith(expected)


def test_since_and_baseline_together_is_a_usage_error(repo: Path) -> None:
    result = run_audit("prompts", "--since", "HEAD", "--baseline", "x.json")
    assert result.exit_code == 2
    assert "give --since REF or --baseline FILE, not both" in result.stderr


def test_text_shows_the_deltas(repo: Path) -> None:
    result = run_audit("prompts", "--since", "HEAD")
    assert result.exit_code == 0
    out = result.stdout
    assert "Changes since git HEAD (" in out and "1 changed, 1 new, 1 deleted, 2 unchanged" in out
    grown = o200k(TIGHT + VERBOSE) - o200k(TIGHT)
    assert f"changed  prompts/grow.md: {o200k(TIGHT):,} → {o200k(TIGHT + VERBOSE):,} (+{grown:,} (" in out
    assert "deleted  prompts/gone.md" in out


ODD_NAMES = ["b c.md", 'say "hi".md', "it's.md", "two\nlines.md", "naïve 日本.md", "star*[x].md", "tab\there.md"]


@pytest.mark.parametrize("odd", ODD_NAMES)
def test_since_with_odd_file_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path, odd: str) -> None:
    # Spaces, quotes, newlines, non-ASCII and glob characters, in a file that changed and in one that is new.
    root = git_repo(tmp_path / "repo")
    write_tree(root / "p", {"a.md": TIGHT, f"old {odd}": TIGHT}, CONFIG)
    commit_all(root)
    (root / "p" / f"old {odd}").write_text(TIGHT + VERBOSE, encoding="utf-8")
    (root / "p" / odd).write_text(VERBOSE, encoding="utf-8")
    monkeypatch.chdir(root)
    data, result = audit_json("p", "--since", "HEAD", expect=0)
    status = {item["path"]: item["status"] for item in data["deltas"]["files"]}
    assert status == {"p/a.md": "unchanged", f"p/old {odd}": "changed", f"p/{odd}": "new"}
    before = {item["path"]: item["models"]["gpt-4o"]["before"] for item in data["deltas"]["files"]}
    assert before == {"p/a.md": o200k(TIGHT), f"p/old {odd}": o200k(TIGHT), f"p/{odd}": 0}
    assert result.stderr == ""


def test_since_reads_a_file_that_was_deleted_and_had_an_odd_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    root = git_repo(tmp_path / "repo")
    write_tree(root / "p", {"a.md": TIGHT, "gone b c.md": VERBOSE}, CONFIG)
    commit_all(root)
    (root / "p" / "gone b c.md").unlink()
    monkeypatch.chdir(root)
    data, _ = audit_json("p", "--since", "HEAD", expect=0)
    gone = next(item for item in data["deltas"]["files"] if item["path"] == "p/gone b c.md")
    assert gone["status"] == "deleted" and gone["models"]["gpt-4o"]["before"] == o200k(VERBOSE)


def test_github_total_increase_is_an_annotation_on_the_run_not_on_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    root = git_repo(tmp_path / "repo")
    write_tree(root / "p", {"a.md": TIGHT})  # no config file to pin the total to
    commit_all(root)
    (root / "p" / "a.md").write_text(TIGHT + VERBOSE, encoding="utf-8")
    monkeypatch.chdir(root)
    result = run_audit("p", "--since", "HEAD", "--fail-on-increase", "10", "-m", "gpt-4o", "--format", "github")
    assert result.exit_code == 1, result.stderr
    increases = [line for line in result.stdout.splitlines() if "TK954" in line]
    assert len(increases) == 2
    assert any(line.startswith("::error file=p/a.md,line=1,") for line in increases)
    assert any(
        line.startswith("::error title=TK954 token-increase::all prompt files together grew ") for line in increases
    )


def test_a_symlinked_prompt_is_compared_with_its_target_at_the_ref(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A link's blob is the path it names: it was counted as the prompt, and the target's own base went to the
    # link's row (the target showed as "new", the link as changed from 4 tokens).
    root = git_repo(tmp_path / "repo")
    write_tree(root / "prompts", {"a/p.md": TIGHT}, CONFIG)
    (root / "prompts" / "c").mkdir()
    (root / "prompts" / "c" / "link.md").symlink_to("../a/p.md")
    (root / "prompts" / "c" / "two.md").symlink_to("link.md")  # a link to a link
    commit_all(root)
    (root / "prompts" / "a" / "p.md").write_text(TIGHT + VERBOSE, encoding="utf-8")
    monkeypatch.chdir(root)
    data, result = audit_json("prompts", "--since", "HEAD", expect=0)
    files = {item["path"]: (item["status"], item["models"]["gpt-4o"]) for item in data["deltas"]["files"]}
    before, after = o200k(TIGHT), o200k(TIGHT + VERBOSE)
    assert {path: status for path, (status, _) in files.items()} == {
        "prompts/a/p.md": "changed",
        "prompts/c/link.md": "changed",
        "prompts/c/two.md": "changed",
    }
    assert {(figures["before"], figures["after"]) for _, figures in files.values()} == {(before, after)}
    assert result.stderr == ""

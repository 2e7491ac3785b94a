"""Collecting inputs: directories with .gitignore (checked against git itself), binary files, bad UTF-8, globs,
stdin, and the errors a user sees on the command line."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.errors import InputError
from tokcli.inputs import collect_inputs, decode_bytes, expand_paths, read_text_file, walk_directory


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small repository with a root and a nested .gitignore (including a negation)."""
    root = tmp_path / "repo"
    write(root / ".gitignore", "*.log\nbuild/\n/top-only.txt\n# comment\n")
    write(root / "README.md", "# Demo\n")
    write(root / "prompt.txt", "You are a helpful assistant.\n")
    write(root / "debug.log", "ignored\n")
    write(root / "top-only.txt", "ignored at the root only\n")
    write(root / "build" / "out.txt", "ignored directory\n")
    write(root / "docs" / "guide.md", "Guide\n")
    write(root / "docs" / "top-only.txt", "anchored pattern: not ignored here\n")
    write(root / "docs" / "nested" / ".gitignore", "secret.txt\n!keep.log\n")
    write(root / "docs" / "nested" / "secret.txt", "ignored by the nested file\n")
    write(root / "docs" / "nested" / "keep.log", "re-included by the nested negation\n")
    write(root / "docs" / "nested" / "other.log", "still ignored\n")
    write(root / "docs" / "nested" / "note.txt", "kept\n")
    write(root / "node_modules" / "pkg" / "index.js", "skipped always\n")
    return root


def _relative(paths: list[Path], root: Path) -> list[str]:
    return sorted(path.relative_to(root.resolve()).as_posix() for path in paths)


def test_gitignore_respected_including_nested_files(repo: Path) -> None:
    found = _relative(list(walk_directory(repo)), repo)
    assert found == [  # hidden files (.gitignore itself) are skipped too
        "README.md",
        "docs/guide.md",
        "docs/nested/keep.log",
        "docs/nested/note.txt",
        "docs/top-only.txt",
        "prompt.txt",
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gitignore_matches_git_itself(repo: Path) -> None:
    """git's own view of the same tree is the independent reference."""
    (repo / "node_modules").rename(repo.parent / "node_modules-outside")  # tokcli skips it even unignored
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.split()
    assert _relative(list(walk_directory(repo)), repo) == sorted(_visible(listed))


def test_gitignore_of_the_enclosing_repository_applies_to_a_subdirectory(repo: Path) -> None:
    (repo / ".git").mkdir()
    write(repo / "docs" / "trace.log", "ignored by the root .gitignore\n")
    found = _relative(list(walk_directory(repo / "docs")), repo)
    assert "docs/trace.log" not in found
    assert "docs/guide.md" in found


def test_extensions_filter(repo: Path) -> None:
    found = _relative(list(walk_directory(repo, extensions=[".md"])), repo)
    assert found == ["README.md", "docs/guide.md"]


def test_binary_files_in_directories_are_skipped_with_a_note(tmp_path: Path) -> None:
    write(tmp_path / "d" / "a.txt", "text\n")
    write(tmp_path / "d" / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    inputs = collect_inputs([str(tmp_path / "d")])
    assert [Path(item.path).name for item in inputs.texts] == ["a.txt"]
    assert [(Path(path).name, reason) for path, reason in inputs.skipped] == [("image.png", "binary file")]


def test_binary_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "blob.bin", b"abc\x00def")
    with pytest.raises(InputError, match="binary file, not text"):
        collect_inputs([str(path)])
    with pytest.raises(InputError, match="binary file"):
        read_text_file(path)


def test_invalid_utf8_names_byte_offset_and_line() -> None:
    data = "ok line\nsecond é line\n".encode() + b"bad \xff byte\n"
    with pytest.raises(InputError) as caught:
        decode_bytes(data, "p.txt")
    offset = data.index(b"\xff")
    assert caught.value.path == "p.txt"
    assert caught.value.line == 3
    assert caught.value.message == f"invalid UTF-8 at byte {offset} (use --encoding-errors replace to go on)"
    assert decode_bytes(data, "p.txt", "replace").endswith("bad \ufffd byte\n")


def test_utf8_bom_is_dropped() -> None:
    assert decode_bytes(b"\xef\xbb\xbfhello", "p.txt") == "hello"


def test_globs_recursive_and_sorted(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    found = [shown for _, shown in expand_paths(["**/*.md"])]
    assert found == ["README.md", "docs/guide.md"]
    assert [shown for _, shown in expand_paths(["docs/*.txt", "docs/top-only.txt"])] == ["docs/top-only.txt"]


def test_glob_without_matches(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        expand_paths([str(tmp_path / "*.nothing")])
    assert str(caught.value) == f"{tmp_path / '*.nothing'}: no files match this pattern"


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        expand_paths([str(tmp_path / "missing.txt")])
    assert str(caught.value) == f"{tmp_path / 'missing.txt'}: no such file or directory"


def test_same_file_twice_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.txt", "x")
    monkeypatch.chdir(tmp_path)
    inputs = collect_inputs(["a.txt", str(tmp_path / "a.txt"), "."])
    assert [item.path for item in inputs.texts] == ["a.txt"]


def test_stdin_and_text(tmp_path: Path) -> None:
    inputs = collect_inputs(["-"], text="from flag", stdin=io.BytesIO("from stdin é".encode()))
    assert [(item.path, item.text) for item in inputs.texts] == [("<text>", "from flag"), ("<stdin>", "from stdin é")]
    with pytest.raises(InputError, match="<stdin>:1: invalid UTF-8 at byte 2"):
        collect_inputs(["-"], stdin=io.BytesIO(b"ab\xfe"))


# --- on the command line ------------------------------------------------------------------------------


def invoke(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["count", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_cli_directory_respects_gitignore(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, stdout, stderr = invoke(".", "-t", "cl100k_base", "--format", "json", "--all-types")
    assert (code, stderr) == (0, "")
    paths = [item["path"] for item in json.loads(stdout)["results"]]
    assert paths == [  # a directory's files, then its subdirectories, each sorted; hidden files skipped
        "README.md",
        "prompt.txt",
        "docs/guide.md",
        "docs/top-only.txt",
        "docs/nested/keep.log",
        "docs/nested/note.txt",
    ]
    # Without --all-types: the prompt files every command finds (no README, no .log).
    code, stdout, stderr = invoke(".", "-t", "cl100k_base", "--format", "json")
    assert (code, stderr) == (0, "")
    paths = [item["path"] for item in json.loads(stdout)["results"]]
    assert paths == ["prompt.txt", "docs/guide.md", "docs/top-only.txt", "docs/nested/note.txt"]


def test_cli_binary_skipped_note_on_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "d" / "a.txt", "hello world")
    write(tmp_path / "d" / "b.txt", b"\x00\x01")
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = invoke("d", "-t", "cl100k_base", "--format", "json")
    assert code == 0
    assert stderr == "tokcli: skipped d/b.txt: binary file\n"
    assert [(item["path"], item["tokens"]) for item in json.loads(stdout)["results"]] == [("d/a.txt", 2)]


def test_cli_invalid_utf8_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "bad.txt", b"hello\nw\xc3orld\n")
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = invoke("bad.txt")
    assert code == 2
    assert stdout == ""
    assert stderr == ("tokcli: error: bad.txt:2: invalid UTF-8 at byte 7 (use --encoding-errors replace to go on)\n")


def test_cli_encoding_errors_replace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "bad.txt", b"hello\nw\xc3orld\n")
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = invoke("bad.txt", "--encoding-errors", "replace", "-t", "cl100k_base", "--ids", "-f", "json")
    assert (code, stderr) == (0, "")
    from tokcli.registry import get_tokenizer

    expected = get_tokenizer("cl100k_base").encode("hello\nw\ufffdorld\n")
    item = json.loads(stdout)["results"][0]
    assert item["ids"] == expected
    assert item["tokens"] == len(expected)


def test_cli_glob(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, stdout, stderr = invoke("docs/**/*.txt", "-t", "cl100k_base", "-f", "csv")
    assert (code, stderr) == (0, "")
    rows = stdout.splitlines()
    assert rows[0] == "path,model,tokenizer,tokens,exact,kind,overhead,tool_tokens"
    # tokcli expands a quoted glob as it walks a directory: what git ignores is left out (secret.txt).
    assert [row.split(",")[0] for row in rows[1:]] == ["docs/nested/note.txt", "docs/top-only.txt"]
    code, stdout, stderr = invoke("docs/**/*.txt", "-t", "cl100k_base", "-f", "csv", "--no-ignore")
    assert [row.split(",")[0] for row in stdout.splitlines()[1:]] == [
        "docs/nested/note.txt",
        "docs/nested/secret.txt",
        "docs/top-only.txt",
    ]
    code, stdout, stderr = invoke("docs/nested/*.log", "-t", "cl100k_base", "-f", "csv")
    assert [row.split(",")[0] for row in stdout.splitlines()[1:]] == ["docs/nested/keep.log"]  # re-included


def test_cli_glob_without_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("*.md") == (2, "", "tokcli: error: *.md: no files match this pattern\n")


def test_cli_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("nope.txt") == (2, "", "tokcli: error: nope.txt: no such file or directory\n")


def test_cli_stdin_dash_and_piped(tmp_path: Path) -> None:
    code, stdout, stderr = invoke("-", "-t", "cl100k_base", "-f", "json", stdin="hello world")
    assert (code, stderr) == (0, "")
    assert json.loads(stdout)["results"][0] == {
        "path": "<stdin>",
        "model": None,
        "tokenizer": "cl100k_base",
        "tokens": 2,
        "exact": True,
        "kind": "text",
    }
    code, stdout, stderr = invoke("-t", "o200k_base", "-f", "json", stdin="hello world")  # nothing named: stdin
    assert (code, stderr) == (0, "")
    assert json.loads(stdout)["results"][0]["tokens"] == 2


def test_cli_empty_directory_nothing_to_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    assert invoke("empty") == (2, "", "tokcli: error: no prompt files in empty\n")


def test_cli_directory_of_binaries_nothing_to_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "bin" / "a.txt", b"\x00")
    write(tmp_path / "bin" / "b.txt", b"\x00")
    write(tmp_path / "bin" / "c.bin", b"\x00")
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = invoke("bin")
    assert code == 2
    assert stdout == ""
    assert stderr == (
        "tokcli: error: no prompt files in bin: 3 left out — binary file (2), not a prompt file type (1); "
        "--all-types reads every text file\n"
    )


def test_cli_directory_with_only_ignored_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "d" / ".gitignore", "*\n")
    write(tmp_path / "d" / "a.txt", "ignored")
    monkeypatch.chdir(tmp_path)
    assert invoke("d") == (
        2,
        "",
        "tokcli: error: no prompt files in d: 2 left out — hidden file (1), ignored by d/.gitignore (1); "
        "--no-ignore reads ignored files\n",
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gitignore_pattern_zoo_matches_git(tmp_path: Path) -> None:
    """Anchored, directory-only, double-star, character-class and negated patterns, at two depths."""
    root = tmp_path / "zoo"
    write(
        root / ".gitignore",
        "\n".join(
            [
                "*.py[co]",
                "**/cache/",
                "/only-root.md",
                "logs/*.txt",
                "!logs/keep.txt",
                "a/**/deep.md",
                "*.tmp",
                "!important.tmp",
                "\\#hash.md",
                "space\\ name.md",
                "",
            ]
        ),
    )
    for relative in [
        "x.pyc",
        "x.py",
        "pkg/y.pyo",
        "cache/c.md",
        "pkg/cache/c.md",
        "pkg/cachefile.md",
        "only-root.md",
        "pkg/only-root.md",
        "logs/a.txt",
        "logs/keep.txt",
        "logs/sub/b.txt",
        "a/deep.md",
        "a/b/c/deep.md",
        "b/a/deep.md",
        "t.tmp",
        "important.tmp",
        "pkg/important.tmp",
        "#hash.md",
        "space name.md",
        "pkg/.gitignore",
        "pkg/z.md",
        "pkg/sub/w.md",
    ]:
        if relative == "pkg/.gitignore":
            write(root / relative, "z.md\n!*.tmp\nsub/\n")
        else:
            write(root / relative, "x\n")
    write(root / "pkg" / "again.tmp", "re-included by pkg/.gitignore\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=root, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    expected = sorted(_visible(name.strip('"') for name in listed))
    assert _relative(list(walk_directory(root)), root) == expected


def _visible(paths: Iterable[str]) -> list[str]:
    """What git lists, less hidden files and directories, which directory walks skip by design."""
    return [path for path in paths if not any(part.startswith(".") for part in path.split("/"))]


def test_directory_walks_skip_hidden_files_and_directories(tmp_path: Path) -> None:
    (tmp_path / "prompt.md").write_text("visible\n")
    (tmp_path / ".tokcli.yaml").write_text("models: [gpt-4o]\n")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "notes.md").write_text("hidden directory\n")
    names = [path.name for path in walk_directory(tmp_path)]
    assert names == ["prompt.md"]
    # Named explicitly, a hidden file is read like any other.
    collected = collect_inputs([str(tmp_path / ".tokcli.yaml")])
    assert [item.text for item in collected.texts] == ["models: [gpt-4o]\n"]


def test_agents_hidden_prompt_folders_are_walked_and_nothing_else_hidden(tmp_path: Path) -> None:
    for relative, text in {
        "prompt.md": "Answer.\n",
        ".github/copilot-instructions.md": "Use pytest.\n",
        ".github/prompts/review.prompt.md": "Review the diff.\n",
        ".github/prompts/.draft.md": "a hidden file in a prompt folder\n",
        ".github/workflows/notes.md": "CI, not a prompt\n",
        ".github/README.md": "about the folder\n",
        ".claude/commands/test.md": "Write tests.\n",
        ".claude/commands/sub/deploy.md": "Deploy.\n",
        ".claude/settings.json": '{"model": "x"}\n',
        ".cursor/rules/python.mdc": "---\nalwaysApply: true\n---\nUse type hints.\n",
        ".clinerules/style.md": "Be brief.\n",
        ".vscode/notes.md": "an editor's folder\n",
        "pkg/.claude/agents/helper.md": "Help.\n",
    }.items():
        write(tmp_path / relative, text)
    left_out: Counter[str] = Counter()
    found = _relative(list(walk_directory(tmp_path, left_out=left_out)), tmp_path)
    assert found == sorted(
        [
            "prompt.md",
            ".claude/commands/test.md",
            ".claude/commands/sub/deploy.md",
            ".clinerules/style.md",
            ".cursor/rules/python.mdc",
            ".github/copilot-instructions.md",
            ".github/prompts/review.prompt.md",
            "pkg/.claude/agents/helper.md",
        ]
    )
    # .github/workflows and .vscode; .github/README.md, .claude/settings.json and .draft.md
    assert left_out["hidden or tool directory (.git, node_modules …)"] == 2
    assert left_out["hidden file"] == 3

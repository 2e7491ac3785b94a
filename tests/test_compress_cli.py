"""`tokcli compress` through the typer app: exit codes, stdout, stderr and files, with real tokenizers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.registry import get_tokenizer

runner = CliRunner()

PROMPT = """\
Please note that you are a helpful assistant for {{ company }}.
In order to answer, you should make use of the context. You must not invent facts.
Be concise and clear.
Be concise and clear.
"""
COMPRESSED = """\
You are a helpful assistant for {{ company }}.
To answer, use the context. You must not invent facts.
Be concise and clear.
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray config from the repository


@pytest.fixture
def prompt(tmp_path: Path) -> Path:
    path = tmp_path / "support.j2"
    path.write_text(PROMPT, encoding="utf-8")
    return path


def tokens(text: str) -> int:
    return get_tokenizer("o200k_base").count(text)


def test_result_on_stdout_and_summary_on_stderr(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == COMPRESSED
    before, after = tokens(PROMPT), tokens(COMPRESSED)
    percent = 100 * (before - after) / before
    lines = result.stderr.splitlines()
    assert lines[0] == f"tokcli compress: {prompt} (rules/balanced)"
    assert lines[1].startswith(
        f"  gpt-4o (o200k_base): {before} → {after} tokens, {before - after} saved ({percent:.1f}%)"
    )
    assert "saved per call" in lines[1]
    assert lines[2] == "  transforms: filler_phrases ×2, verbose_phrases ×2, duplicate_sentences ×1"
    assert prompt.read_text(encoding="utf-8") == PROMPT  # nothing written


def test_per_period_savings_and_an_unpriced_tokenizer_model(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt), "-m", "gpt-4o", "--calls", "1000", "--per", "month"])
    assert result.exit_code == 0, result.stderr
    assert "per month at 1,000 calls" in result.stderr


def test_model_without_a_price_says_so(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt), "-m", "claude-2.1", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)["models"]
    assert row["model"] == "claude-2.1" and row["saved_per_call_usd"] is None
    assert row["note"] == "no price for claude-2.1 in the price table"
    result = runner.invoke(app, ["compress", str(prompt), "-m", "claude-2.1"])
    assert "; no price for claude-2.1 in the price table" in result.stderr.splitlines()[1]


def test_json_format(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt), "--format", "json", "--level", "safe"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data["method"] == "rules" and data["level"] == "safe"
    assert data["text"] == PROMPT  # safe: nothing to do on this file
    assert data["changed"] is False and data["transforms"] == {}
    [row] = data["models"]
    assert row["tokens_before"] == row["tokens_after"] == tokens(PROMPT)


def test_write_in_place_keeps_a_backup(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt), "--write"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert prompt.read_text(encoding="utf-8") == COMPRESSED
    assert Path(f"{prompt}.orig").read_text(encoding="utf-8") == PROMPT
    assert f"written to {prompt} (backup: {prompt}.orig)" in result.stderr


def test_write_without_backup(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt), "--write", "--no-backup"])
    assert result.exit_code == 0, result.stderr
    assert prompt.read_text(encoding="utf-8") == COMPRESSED
    assert not Path(f"{prompt}.orig").exists()


def test_output_file_and_diff(prompt: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.j2"
    result = runner.invoke(app, ["compress", str(prompt), "-o", str(target), "--diff"])
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8") == COMPRESSED
    assert result.stdout.startswith(f"--- a/{prompt}\n+++ b/{prompt}\n")
    assert "-Be concise and clear.\n" in result.stdout
    assert "+To answer, use the context. You must not invent facts.\n" in result.stdout


def test_stdin(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", "-"], input="Please note that   it   works.\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "It works.\n"
    assert result.stderr.startswith("tokcli compress: <stdin> (rules/balanced)\n")


def test_check_fails_above_threshold_and_passes_below(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt), "--check", "--threshold", "10"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "(more than 10%)" in result.stderr
    result = runner.invoke(app, ["compress", str(prompt), "--check", "--threshold", "90"])
    assert result.exit_code == 0
    assert "(not more than 90%)" in result.stderr
    assert prompt.read_text(encoding="utf-8") == PROMPT


def test_check_with_json_reports_without_the_text(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt), "--check", "--threshold", "10", "--format", "json"])
    assert result.exit_code == 1
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert "text" not in data and data["changed"] is True
    assert data["notes"][-1].endswith("(more than 10%)")


def test_bad_period_exits_2(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt), "--calls", "10", "--per", "fortnight"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("tokcli: error: --per must be one of")


def test_template_syntax_error_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.j2"
    bad.write_text("Please note that\n{% if x %}\nunclosed\n", encoding="utf-8")
    result = runner.invoke(app, ["compress", str(bad), "--write"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"tokcli: error: {bad}:")
    assert "template syntax error" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert bad.read_text(encoding="utf-8") == "Please note that\n{% if x %}\nunclosed\n"
    assert not Path(f"{bad}.orig").exists()


def test_binary_and_non_utf8_files_exit_2(tmp_path: Path) -> None:
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"abc\x00def")
    result = runner.invoke(app, ["compress", str(binary)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"tokcli: error: {binary}: binary file, not text\n"
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9\n")
    result = runner.invoke(app, ["compress", str(latin)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"tokcli: error: {latin}:1: invalid UTF-8 at byte 3")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_exits_2_and_leaves_no_file(prompt: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = runner.invoke(app, ["compress", str(prompt), "-o", str(locked / "out.j2")])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith(f"tokcli: error: {locked / 'out.j2'}: cannot write")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_output_under_a_file_exits_2_and_writes_nothing(prompt: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["compress", str(prompt), "-o", str(blocker / "out.j2")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"tokcli: error: {blocker / 'out.j2'}: cannot write")
    assert len(result.stderr.splitlines()) == 1
    assert blocker.read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-", "--write"], "--write needs a file"),
        (["X", "--write", "-o", "y"], "give --write or -o FILE, not both"),
        (["X", "--rate", "0.5"], "--rate is for --method llmlingua or llmlingua2"),
        (
            ["X", "--model", "gpt-4o"],
            "--model is for --method llmlingua or llmlingua2, not rules (to measure savings on gpt-4o, use -m gpt-4o)",
        ),
        (["X", "--method", "llmlingua2"], "--method llmlingua2 needs --model PATH"),
        (["X", "--threshold", "5"], "--threshold goes with --check"),
        (["X", "--per", "day"], "--per needs --calls N"),
    ],
)
def test_flag_mistakes_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["compress", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"tokcli: error: {message}") and result.stderr.count("\n") == 1
    assert len(result.stderr.splitlines()) == 1


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compress", str(tmp_path / "nope.md")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"tokcli: error: {tmp_path / 'nope.md'}: cannot read")


def test_config_section_sets_the_level(prompt: Path, tmp_path: Path) -> None:
    (tmp_path / ".tokcli.yaml").write_text("compress:\n  level: safe\n", encoding="utf-8")
    result = runner.invoke(app, ["compress", str(prompt)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == PROMPT
    assert "(rules/safe)" in result.stderr


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("  level: extreme\n", "config key 'compress.level' must be one of safe, balanced, aggressive, got 'extreme'"),
        ("  threshold: .nan\n", "config key 'compress.threshold' must be a number ≥ 0, got float nan"),
        ("  threshold: -5\n", "config key 'compress.threshold' must be a number ≥ 0, got int -5"),
    ],
)
def test_bad_config_section_exits_2_naming_the_line(prompt: Path, tmp_path: Path, section: str, message: str) -> None:
    # a NaN or negative threshold made --check pass or fail every file whatever it saved
    config = tmp_path / ".tokcli.yaml"
    config.write_text("models: [gpt-4o]\ncompress:\n" + section, encoding="utf-8")
    result = runner.invoke(app, ["compress", str(prompt), "--check"])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"tokcli: error: {config}:3: {message}\n")


def test_nan_threshold_flag_exits_2(prompt: Path) -> None:
    result = runner.invoke(app, ["compress", str(prompt), "--check", "--threshold", "nan"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Invalid value for '--threshold': must be a number, not nan" in result.stderr


def test_a_large_file_is_written_alike_with_one_process_or_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # over the real threshold (1 MB): two processes where a second CPU is there, then one, same bytes
    from tokcli.compress import protect

    examples = Path(__file__).resolve().parent.parent / "prompts_examples"
    block = "\n\n".join(path.read_text(encoding="utf-8") for path in sorted(examples.glob("*.md")))
    text = "\n\n".join([block] * (protect.PARALLEL_MIN_CHARS // len(block) + 2))
    assert len(text) > protect.PARALLEL_MIN_CHARS
    outputs = []
    for single in ("0", "1"):
        monkeypatch.setenv("TOKCLI_SINGLE_PROCESS", single)
        path = tmp_path / f"big-{single}.md"
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["compress", str(path), "--write", "--no-backup"])
        assert result.exit_code == 0, result.stderr
        assert result.stdout == ""
        assert "rolled back" not in result.stderr and "transforms: " in result.stderr
        outputs.append(path.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert tokens(outputs[0]) < 0.8 * tokens(text)


# ---- several files ----

TIGHT = "Answer in French.\nCite the {{ source }}.\n"


@pytest.fixture
def two_prompts(tmp_path: Path) -> tuple[Path, Path]:
    verbose, tight = tmp_path / "verbose.j2", tmp_path / "tight.md"
    verbose.write_text(PROMPT, encoding="utf-8")
    tight.write_text(TIGHT, encoding="utf-8")
    return verbose, tight


def test_check_on_several_files_fails_when_any_is_over(two_prompts: tuple[Path, Path]) -> None:
    verbose, tight = two_prompts
    result = runner.invoke(app, ["compress", "--check", str(verbose), str(tight)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"tokcli compress: {verbose} (rules/balanced)" in result.stderr
    assert f"tokcli compress: {tight} (rules/balanced)" in result.stderr
    assert result.stderr.count("than 5%)") == 2 and "(not more than 5%)" in result.stderr
    result = runner.invoke(app, ["compress", "--check", str(tight), str(tight)])  # named twice: checked once
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("tokcli compress: ") == 1


def test_write_rewrites_each_file(two_prompts: tuple[Path, Path]) -> None:
    verbose, tight = two_prompts
    result = runner.invoke(app, ["compress", "--write", str(verbose), str(tight)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert verbose.read_text(encoding="utf-8") == COMPRESSED
    assert Path(f"{verbose}.orig").read_text(encoding="utf-8") == PROMPT
    assert tight.read_text(encoding="utf-8") == TIGHT and not Path(f"{tight}.orig").exists()
    assert "unchanged: file not rewritten" in result.stderr


def test_diff_and_json_of_several_files(two_prompts: tuple[Path, Path]) -> None:
    verbose, tight = two_prompts
    result = runner.invoke(app, ["compress", "--diff", str(verbose), str(tight)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("--- ") == 1 and f"+++ b/{verbose}" in result.stdout  # the tight file has no diff
    result = runner.invoke(app, ["compress", "--format", "json", str(verbose), str(tight)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1
    files = data["files"]
    assert [item["path"] for item in files] == [str(verbose), str(tight)]
    assert files[0]["text"] == COMPRESSED and files[1]["text"] == TIGHT


def test_a_bad_file_among_several_is_named_and_the_others_go_on(two_prompts: tuple[Path, Path], tmp_path: Path) -> None:
    verbose, _ = two_prompts
    broken = tmp_path / "broken.j2"
    broken.write_text("Hello {{ name\n", encoding="utf-8")
    result = runner.invoke(app, ["compress", "--write", "--no-backup", str(broken), str(verbose)])
    assert result.exit_code == 2
    assert f"tokcli: error: {broken}:1:" in result.stderr and "Traceback" not in result.stderr
    assert verbose.read_text(encoding="utf-8") == COMPRESSED
    assert broken.read_text(encoding="utf-8") == "Hello {{ name\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "2 files: give --write, --check, --diff or --format json"),
        (["-o", "out.md"], "-o FILE takes one input file"),
    ],
)
def test_several_files_need_an_output_that_holds_them(
    two_prompts: tuple[Path, Path], args: list[str], message: str
) -> None:
    verbose, tight = two_prompts
    result = runner.invoke(app, ["compress", str(verbose), str(tight), *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"tokcli: error: {message}") and result.stderr.count("\n") == 1
    assert verbose.read_text(encoding="utf-8") == PROMPT and not Path("out.md").exists()
    result = runner.invoke(app, ["compress", "--check", "-", str(tight)], input="x")
    assert (result.exit_code, result.stderr) == (2, "tokcli: error: '-' (stdin) cannot be combined with other files\n")


def test_removed_sentences_are_named_in_the_summary_and_in_json(tmp_path: Path) -> None:
    skill = tmp_path / "SKILL.md"
    skill.write_text(
        "---\nname: triage\ndescription: Sort incoming tickets.\n---\n\nHey there! 👋\n\n"
        "Route each ticket to billing or support.\n\nYou've got this!\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["compress", str(skill)])
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout
        == "---\nname: triage\ndescription: Sort incoming tickets.\n---\n\nRoute each ticket to billing or support.\n"
    )
    assert "  removed: line 6 (greeting): Hey there! 👋\n" in result.stderr
    assert "  removed: line 10 (encouragement): You've got this!\n" in result.stderr
    result = runner.invoke(app, ["compress", str(skill), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["removed"] == [
        {"transform": "non_instructions", "line": 6, "reason": "greeting", "text": "Hey there! 👋"},
        {"transform": "non_instructions", "line": 10, "reason": "encouragement", "text": "You've got this!"},
    ]


def test_write_keeps_the_byte_order_mark(prompt: Path) -> None:
    prompt.write_bytes(b"\xef\xbb\xbf" + PROMPT.encode("utf-8"))
    result = runner.invoke(app, ["compress", str(prompt), "--write"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert prompt.read_bytes() == b"\xef\xbb\xbf" + COMPRESSED.encode("utf-8")
    assert Path(f"{prompt}.orig").read_bytes() == b"\xef\xbb\xbf" + PROMPT.encode("utf-8")


def test_write_refuses_a_file_read_with_replaced_bytes(prompt: Path) -> None:
    original = b"Caf\xe9 menu.\n" + PROMPT.encode("utf-8")  # Latin-1: each bad byte would become U+FFFD
    prompt.write_bytes(original)
    result = runner.invoke(app, ["compress", str(prompt), "--write", "--encoding-errors", "replace"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"tokcli: error: {prompt}:1: not rewritten: invalid UTF-8 at byte 3, which writing would replace or drop\n"
    )
    assert prompt.read_bytes() == original
    assert not Path(f"{prompt}.orig").exists()


def test_templates_with_loop_controls_and_do_are_compressed(tmp_path: Path) -> None:
    # `{% break %}`, `{% continue %}` and `{% do %}` (Jinja2's own extensions) were "unknown tag", exit 2
    loop = (
        "{% for d in docs %}{% if loop.index > 3 %}{% break %}{% endif %}{% do seen.append(d) %}{{ d }}{% endfor %}\n"
    )
    path = tmp_path / "rag.j2"
    path.write_text(loop + "In order to answer, use the documents.\n", encoding="utf-8")
    result = runner.invoke(app, ["compress", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == loop + "To answer, use the documents.\n"
    lint = runner.invoke(app, ["lint", str(path), "--select", "TK303", "-f", "github"])
    assert (lint.exit_code, lint.stderr) == (1, "")
    assert lint.stdout.startswith("::warning file=rag.j2,line=2,col=1,")  # relative to the working directory


def test_a_python_file_named_alone_without_prompts_is_an_input_error(tmp_path: Path) -> None:
    # as count and lint say it; among several files it is skipped with a note
    source = tmp_path / "settings.py"
    source.write_text("TIMEOUT = 30\n", encoding="utf-8")
    result = runner.invoke(app, ["compress", str(source)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"tokcli: error: no prompt files in {source}: 1 left out — no prompts found in this Python file (1)\n"
    )
    prompt = tmp_path / "p.md"
    prompt.write_text("Please note that you answer in French.\n", encoding="utf-8")
    several = runner.invoke(app, ["compress", str(source), str(prompt), "--check"])
    assert several.exit_code == 1
    assert "note: skipped: no prompts found in this Python file" in several.stderr
    assert several.stdout == ""


def test_write_leaves_a_file_edited_while_it_was_compressed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokcli.compress import command

    path = tmp_path / "prompt.md"
    path.write_text("Please note that you should answer in a very very short way.\n")
    compress = command.run_compress

    def saved_meanwhile(*args: object, **kwargs: object) -> object:
        report = compress(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text("Edited in an editor meanwhile.\n")
        return report

    monkeypatch.setattr(command, "run_compress", saved_meanwhile)
    result = runner.invoke(app, ["compress", str(path), "--write"])
    assert result.exit_code == 2, result.output
    assert (
        result.stderr
        == f"tokcli: error: {path}: not rewritten: the file changed after tokcli read it; run tokcli again\n"
    )
    assert path.read_text() == "Edited in an editor meanwhile.\n"
    assert not list(tmp_path.glob("*.orig"))

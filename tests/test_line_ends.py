"""Line ends (CRLF, LF, mixed) kept through compress --write / -o and lint --fix: `tokcli.line_ends`."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.line_ends import host_line_break, keep_host_line_breaks, keep_line_ends, lone_crs_as_lf

runner = CliRunner()

MIXED = (
    "You are a helpful assistant.\r\n"
    "Please make sure to answer the question.\n"
    "It is important to note that you must be concise.\r\n"
    "\n"
    "Be nice.\n"
)
MIXED_COMPRESSED = "You are a helpful assistant.\r\nAnswer the question.\nYou must be concise.\r\n\nBe nice.\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_kept_lines_keep_their_ends_and_changed_lines_take_the_replaced_ones() -> None:
    original = "a\r\nb\nc\r\nd\n"
    assert keep_line_ends(original, "a\nB\nc\nd\n") == "a\r\nB\nc\r\nd\n"
    assert keep_line_ends(original, "a\nc\nd\n") == "a\r\nc\r\nd\n"  # a removed line takes its end with it
    assert keep_line_ends(original, "a\nnew\nb\nc\nd") == "a\r\nnew\r\nb\nc\r\nd"  # no end added at the end


def test_a_file_with_crlf_throughout_stays_crlf_and_an_lf_file_is_left_alone() -> None:
    assert keep_line_ends("a\r\nb\r\n", "a\nnew\nb\n") == "a\r\nnew\r\nb\r\n"
    assert keep_line_ends("a\nb\n", "a\nb\n") == "a\nb\n"
    assert keep_line_ends("a\rb\n", "a\rc\n") == "a\rc\n"  # a lone CR is text, not a line end


@given(st.lists(st.tuples(st.text(alphabet="ab \t.", max_size=6), st.sampled_from(["\n", "\r\n"])), max_size=12))
def test_an_unedited_text_gets_back_every_line_end(lines: list[tuple[str, str]]) -> None:
    original = "".join(body + end for body, end in lines)
    assert keep_line_ends(original, original.replace("\r\n", "\n")) == original


@pytest.mark.parametrize("how", ["--write", "-o"])
def test_compress_keeps_the_mixed_line_ends_of_a_text_file(tmp_path: Path, how: str) -> None:
    source = tmp_path / "mixed.md"
    source.write_bytes(MIXED.encode())
    target = source if how == "--write" else tmp_path / "out.md"
    args = ["compress", str(source), "--write", "--no-backup"] if how == "--write" else ["compress", str(source)]
    result = runner.invoke(app, [*args, "-o", str(target)] if how == "-o" else args)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "filler_phrases ×2" in result.stderr  # the summary, with the file written
    assert target.read_bytes() == MIXED_COMPRESSED.encode()


def test_compress_keeps_the_mixed_line_ends_of_a_chat_file(tmp_path: Path) -> None:
    source = tmp_path / "chat.yaml"
    source.write_bytes(
        b"- role: system\r\n  content: |\r\n    You are a helpful assistant.\r\n"
        b"    Please make sure to answer the question.\n    Be concise.\n- role: user\n  content: Hi there.\r\n"
    )
    result = runner.invoke(app, ["compress", str(source), "--write", "--no-backup"])
    assert result.exit_code == 0, result.output
    assert (result.stdout, "written to" in result.stderr) == ("", True)
    assert source.read_bytes() == (
        b"- role: system\r\n  content: |\r\n    You are a helpful assistant.\r\n"
        b"    Answer the question.\n    Be concise.\n- role: user\n  content: Hi there.\r\n"
    )


def test_lint_fix_keeps_the_mixed_line_ends(tmp_path: Path) -> None:
    source = tmp_path / "mixed.md"
    source.write_bytes(b"You are a helpful assistant.  \r\nAnswer the question.\t\nEnd.  \r\n")
    result = runner.invoke(app, ["lint", str(source), "--fix"])
    assert result.exit_code == 0, result.output
    assert "fixed 3 findings in 1 file(s)" in result.stderr
    assert source.read_bytes() == b"You are a helpful assistant.\r\nAnswer the question.\nEnd.\r\n"


def test_repeated_lines_are_aligned_by_the_unique_lines_around_them() -> None:
    # blank lines and list items repeat: the lines found once anchor them, so each kept line keeps its own end
    original = "Intro.\r\n\n- a\r\nPlease note that x.\n\r\n- a\nEnd.\r\n"
    edited = "Intro.\n\n- a\nX.\n- a\nEnd.\n"
    assert keep_line_ends(original, edited) == "Intro.\r\n\n- a\r\nX.\n- a\nEnd.\r\n"


def test_a_long_stretch_without_anchors_is_walked_in_one_pass() -> None:
    # every line repeats (no anchor): past the diff's size limit each line is still matched where it was kept
    original = "".join(f"- item {index % 7}" + ("\r\n" if index % 3 else "\n") for index in range(3000))
    kept = [line for index, line in enumerate(original.split("\n")) if index % 10 != 5]
    edited = "\n".join(line.rstrip("\r") for line in kept)
    assert keep_line_ends(original, edited) == "\n".join(kept)


def test_a_host_literal_takes_its_own_breaks_or_those_of_its_line() -> None:
    assert keep_host_line_breaks("a\r\nb\r\n", "x\ny\nz\n", "\n") == "x\r\ny\r\nz\r\n"
    assert keep_host_line_breaks("a\rb\r", "x\ny\n", "\n") == "x\ry\r"
    assert keep_host_line_breaks("a\nb\r\nc\n", "a\nb\nc\nd\n", "\n") == "a\nb\r\nc\nd\n"
    assert keep_host_line_breaks('"one line"', '"two\nlines"', "\r\n") == '"two\r\nlines"'
    assert keep_host_line_breaks("a\rb\nc", "a\nc", "\n") is None  # a lone CR among other breaks: untold
    assert keep_host_line_breaks("a\r\nb", "a\rb", "\n") is None  # a CR of the new text's own
    text = 'X = 1\r\nP = "a"\r\nQ = "b"'
    assert host_line_break(text, 11, 14) == "\r\n"
    assert host_line_break(text, 21, 24) == "\r\n"  # the last line: the break before it
    assert host_line_break("A\rP = 'a'", 6, 9) == "\r"
    assert host_line_break("P = 'a'", 4, 7) == "\n"


@given(st.text(alphabet="ab\r\n", max_size=30))
def test_lone_crs_read_as_lf_keep_every_offset(text: str) -> None:
    read = lone_crs_as_lf(text)
    assert len(read) == len(text)
    assert read.splitlines() == text.splitlines()  # the same lines as Python's universal newlines
    assert "\r" not in read.replace("\r\n", "")


@pytest.mark.parametrize(
    ("name", "text", "excerpt"),
    [
        (
            "agent.yaml",
            "agent:\r  system_template: |\r    You are a helpful assistant.   \r    Please note that you answer.\r",
            [
                "3:33 warning TK102 [trailing-whitespace] [agent.system_template] trailing whitespace (1 token) [fixable]",
                "    2 |   system_template: |",
                "  > 3 |     You are a helpful assistant.",
                "      |                                 ^^^",
            ],
        ),
        (
            "app.py",
            'PROMPT = """You are a helpful assistant.\rPlease note that you answer."""\r',
            [
                "2:1 warning TK302 [filler-phrase] [app.PROMPT] filler phrase 'Please note that' (3 tokens)",
                '    1 | PROMPT = """You are a helpful assistant.',
                '  > 2 | Please note that you answer."""',
                "      | ^^^^^^^^^^^^^^^^",
            ],
        ),
    ],
)
def test_a_host_file_with_old_mac_line_ends_shows_its_lines_under_findings(
    tmp_path: Path, name: str, text: str, excerpt: list[str]
) -> None:
    (tmp_path / name).write_bytes(text.encode())
    result = runner.invoke(app, ["lint", name])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    start = lines.index(excerpt[0])
    assert lines[start : start + len(excerpt)] == excerpt


def test_a_prompt_file_s_lone_cr_stays_text_in_the_excerpt(tmp_path: Path) -> None:
    # Only LF breaks a line of a prompt file: the finding is on line 2, which starts after the LF.
    (tmp_path / "p.txt").write_bytes(b"Be brief.\rBe kind.\nPlease note that you answer.\n")
    result = runner.invoke(app, ["lint", "p.txt"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[2:4] == ["    1 | Be brief.Be kind.", "  > 2 | Please note that you answer."]


@given(st.text(alphabet="ab\r\n", max_size=40))
def test_break_kinds_counted_are_the_breaks_found(text: str) -> None:
    from tokcli.line_ends import _HOST_BREAK, _break_kinds

    assert _break_kinds(text) == set(_HOST_BREAK.findall(text))

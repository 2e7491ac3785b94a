"""`lint --fix` on YAML and JSON chat files: the messages' safe fixes written into their `content` scalars."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tokcli.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_fix_removes_trailing_whitespace_inside_json_messages(tmp_path: Path) -> None:
    messages = [
        {"role": "system", "content": "You are a helpful assistant.\n\nAnswer briefly.   \n"},
        {"role": "user", "content": "Summarize.\n\n* * * * *"},
    ]
    path = tmp_path / "chat.json"
    path.write_text(json.dumps({"messages": messages}) + "\n")
    result = runner.invoke(app, ["lint", str(path), "--fix"])
    assert (result.exit_code, result.stdout) == (0, "No findings in 1 file.\n")
    assert result.stderr == "tokcli: fixed 2 findings in 1 file(s)\n"
    assert json.loads(path.read_text()) == {
        "messages": [
            {"role": "system", "content": "You are a helpful assistant.\n\nAnswer briefly.\n"},
            {"role": "user", "content": "Summarize.\n\n---"},
        ]
    }


def test_fix_keeps_the_yaml_layout_and_rewrites_only_the_changed_messages(tmp_path: Path) -> None:
    source = (
        "# support bot\n- role: system\n  content: |\n    You are a helpful assistant.   \n    Answer briefly.\n"
        "- role: user\n  content: 'Summarize   this.'\n- role: assistant\n  content: Sure.\n"
    )
    path = tmp_path / "chat.yaml"
    path.write_text(source)
    result = runner.invoke(app, ["lint", str(path), "--fix"])
    assert (result.exit_code, result.stdout) == (0, "No findings in 1 file.\n")
    assert result.stderr == "tokcli: fixed 2 findings in 1 file(s)\n"
    assert path.read_text() == source.replace("assistant.   \n", "assistant.\n").replace(
        "Summarize   this", "Summarize this"
    )


def test_a_chat_file_whose_content_is_given_as_parts_is_left_alone(tmp_path: Path) -> None:
    parts = [{"type": "text", "text": "Summarize   this."}, {"type": "text", "text": "Then list it."}]
    messages = [{"role": "user", "content": parts}]
    path = tmp_path / "chat.json"
    source = json.dumps(messages)
    path.write_text(source)
    result = runner.invoke(app, ["lint", str(path), "--fix"])
    assert result.exit_code == 1
    assert "TK103" in result.stdout
    assert path.read_text() == source


@pytest.mark.parametrize("command", [["lint", "--fix"], ["compress", "--write", "--no-backup"]])
def test_a_crlf_yaml_chat_file_keeps_its_line_ends_and_the_blank_line_after_a_block(
    tmp_path: Path, command: list[str]
) -> None:
    source = (
        "messages:\r\n  - role: system\r\n    content: |  # the rules\r\n      Please note that you must answer in"
        " {{ lang }}.   \r\n      It is very important that you do not guess.\r\n\r\n  - role: user\r\n"
        '    content: "Hi   there"\r\n'
    )
    path = tmp_path / "chat.yaml"
    path.write_bytes(source.encode())
    result = runner.invoke(app, [command[0], str(path), *command[1:]])
    assert result.exit_code in (0, 1), result.output
    written = path.read_bytes().decode()
    assert written.count("\n") == written.count("\r\n") == source.count("\r\n")
    assert written.startswith("messages:\r\n  - role: system\r\n    content: |  # the rules\r\n")
    assert written.endswith('guess.\r\n\r\n  - role: user\r\n    content: "Hi there"\r\n')


@pytest.mark.parametrize("command", [["lint", "--fix"], ["compress", "--write", "--no-backup"]])
def test_a_chat_file_ending_in_a_block_without_a_line_break_still_ends_so(tmp_path: Path, command: list[str]) -> None:
    source = "- role: system\n  content: |-\n    Please note that you must answer in {{ lang }}.\n    Be brief.   "
    path = tmp_path / "chat.yaml"
    path.write_text(source)
    result = runner.invoke(app, [command[0], str(path), *command[1:]])
    assert result.exit_code in (0, 1), result.output  # the filler stays for lint --fix
    written = path.read_text()
    assert written.startswith("- role: system\n  content: |-\n    ")
    assert written.endswith("{{ lang }}.\n    Be brief.")


def test_the_findings_fix_applies_are_labelled_fixable_and_only_those(tmp_path: Path) -> None:
    # a chat message's findings were fixed by --fix but reported without `[fixable]` and with `fix: null`
    source = (
        "# support bot\n- role: system\n  content: |\n    Please note that you are a helpful assistant.   \n"
        "    Answer briefly.\n- role: user\n  content: 'Summarize   this {{ text }}.'\n"
    )
    path = tmp_path / "chat.yaml"
    path.write_text(source)
    report = runner.invoke(app, ["lint", str(path), "--format", "json"])
    assert report.exit_code == 1, report.output
    findings = json.loads(report.stdout)["findings"]
    assert sorted((f["code"], f["fixable"]) for f in findings) == [
        ("TK102", True),
        ("TK103", True),
        ("TK302", False),
    ]
    for finding in findings:  # each fix rewrites its message's scalar, as --fix writes it
        if finding["fixable"]:
            (edit,) = finding["fix"]
            fixed = source[: edit["start"]] + edit["replacement"] + source[edit["end"] :]
            assert yaml.safe_load(fixed) != yaml.safe_load(source)
            assert fixed.startswith("# support bot\n")
    text = runner.invoke(app, ["lint", str(path)])
    assert text.stdout.count("[fixable]") == 2
    assert "2 fixable with --fix" in text.stdout
    result = runner.invoke(app, ["lint", str(path), "--fix"])
    assert result.stderr == "tokcli: fixed 2 findings in 1 file(s)\n"
    assert "[fixable]" not in result.stdout and "TK302" in result.stdout


def test_findings_in_content_parts_are_not_labelled_fixable(tmp_path: Path) -> None:
    # two parts of one message: --fix leaves the file alone (see above), so nothing is offered
    parts = [{"type": "text", "text": "Summarize   this."}, {"type": "text", "text": "Then list it."}]
    path = tmp_path / "chat.json"
    path.write_text(json.dumps([{"role": "user", "content": parts}]))
    result = runner.invoke(app, ["lint", str(path)])
    assert result.exit_code == 1
    assert "TK103" in result.stdout and "fixable" not in result.stdout


def test_a_long_json_message_gets_a_local_fix_per_finding(tmp_path: Path) -> None:
    # each finding's fix was the whole message rewritten: quadratic in time and memory on a long message
    lines = [f"Line {index} of the text, caf\u00e9 included.  " for index in range(300)]
    content = "\n".join(lines)
    path = tmp_path / "chat.json"
    source = json.dumps([{"role": "system", "content": content}])
    path.write_text(source)
    report = runner.invoke(app, ["lint", str(path), "--select", "TK102", "--format", "json"])
    findings = json.loads(report.stdout)["findings"]
    assert len(findings) == 300 and all(finding["fixable"] for finding in findings)
    for index, finding in enumerate(findings):
        (edit,) = finding["fix"]
        assert edit["end"] - edit["start"] == 2 and edit["replacement"] == ""
        fixed = json.loads(source[: edit["start"]] + edit["replacement"] + source[edit["end"] :])
        assert fixed[0]["content"] == "\n".join(line.rstrip() if n == index else line for n, line in enumerate(lines))


PROMPT_YML_WITH_SHARED_ANCHOR = """\
# GitHub Models prompt
model: openai/gpt-4o
messages:
  - role: system
    content: &system |
      You are a helpful assistant.   Answer briefly.
  - role: user
    content: '{{input}}'
testData:
  - input: hello
    expected: *system
"""


def test_a_message_whose_anchor_test_data_also_reads_is_not_fixed(tmp_path: Path) -> None:
    # --fix rewrote the anchored text, and with it the test data's `expected: *system`: data that is no prompt
    path = tmp_path / "helper.prompt.yml"
    path.write_text(PROMPT_YML_WITH_SHARED_ANCHOR)
    report = runner.invoke(app, ["lint", str(path), "--format", "json"])
    assert report.exit_code == 1, report.output
    assert [(f["code"], f["fixable"], f["fix"]) for f in json.loads(report.stdout)["findings"]] == [
        ("TK103", False, None)
    ]
    result = runner.invoke(app, ["lint", str(path), "--fix"])
    assert result.exit_code == 1, result.output
    assert "fixed" not in result.stderr
    assert path.read_text() == PROMPT_YML_WITH_SHARED_ANCHOR


def test_a_message_whose_anchor_only_other_messages_read_is_fixed_in_each(tmp_path: Path) -> None:
    source = PROMPT_YML_WITH_SHARED_ANCHOR.replace("content: '{{input}}'", "content: *system").replace(
        "    expected: *system\n", "    expected: done\n"
    )
    path = tmp_path / "helper.prompt.yml"
    path.write_text(source)
    result = runner.invoke(app, ["lint", str(path), "--fix"])
    assert result.stderr == "tokcli: fixed 1 finding in 1 file(s)\n", result.output
    data = yaml.safe_load(path.read_text())
    assert [message["content"] for message in data["messages"]] == [
        "You are a helpful assistant. Answer briefly.\n"
    ] * 2
    assert data["testData"] == [{"input": "hello", "expected": "done"}]
    assert path.read_text().startswith("# GitHub Models prompt\n")

"""`lint` labels a finding inside a prompt unit `[fixable]` (JSON: `fixable` and its `fix`) exactly when `--fix`
writes its fix, and the edit shown is the edit of the host file that `--fix` makes: in YAML configs, Python and
JavaScript source and notebooks alike."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_notebooks import notebook
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.lint.engine import apply_fixes
from tokcli.lint.finding import Edit, Finding

HOSTS = {
    # a block scalar is written back, a double-quoted scalar is not
    "agent.yaml": (
        "agent:\n"
        "  system_template: |\n"
        "    You are a helpful assistant.   \n"
        "    Answer   briefly.\n"
        "  instance_template: |-\n"
        "    Solve this issue: {{task}}\n"
        'model:\n  format_error_template: "Reply with one block.     \\nNothing else."\n'
    ),
    # a plain literal is written back, an f-string is not
    "app.py": (
        'SYSTEM_PROMPT = """You are a billing assistant.   \n'
        'Answer in {language}.  \n"""\n'
        'USER_PROMPT = f"Question:   {question}   "\n'
        "\n\ndef ask(client, question):\n"
        "    return client.messages.create(\n"
        '        model="claude-3-5-haiku-latest",\n'
        "        system=SYSTEM_PROMPT,\n"
        '        messages=[{"role": "user", "content": USER_PROMPT}],\n'
        "    )\n"
    ),
    "ask.ts": (
        'import OpenAI from "openai";\n'
        "const client = new OpenAI();\n"
        "export const SYSTEM_PROMPT = `You are a billing assistant for ${product}.   \n"
        "Answer in ${language}.`;\n"
        "await client.chat.completions.create({\n"
        '  model: "gpt-4o-mini",\n'
        '  messages: [{ role: "system", content: SYSTEM_PROMPT }],\n'
        "});\n"
    ),
    "play.ipynb": notebook(
        [
            ("code", ["from openai import OpenAI\n", "client = OpenAI()\n"]),
            ("code", ['SYSTEM_PROMPT = """You are a support agent for Acme.   \n', 'Answer   in two sentences."""']),
            (
                "code",
                [
                    "client.chat.completions.create(\n",
                    '    model="gpt-4o",\n',
                    '    messages=[{"role": "system", "content": SYSTEM_PROMPT}],\n',
                    ")",
                ],
            ),
        ]
    ),
}

# the same hosts written on Windows and on an old Mac: edits in their own line breaks
for _name in [name for name in HOSTS if not name.endswith(".ipynb")]:
    _stem, _suffix = _name.rsplit(".", 1)
    HOSTS[f"{_stem}_crlf.{_suffix}"] = HOSTS[_name].replace("\n", "\r\n")
    HOSTS[f"{_stem}_cr.{_suffix}"] = HOSTS[_name].replace("\n", "\r")


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in HOSTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def reported(*args: str) -> list[dict]:
    result = invoke("lint", *HOSTS, "--format", "json", "--exit-zero", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["findings"]


def test_the_findings_labelled_fixable_are_the_fixes_that_fix_writes(hosts: Path) -> None:
    findings = reported()
    fixable = [finding for finding in findings if finding["fixable"]]
    assert {finding["path"] for finding in fixable} == set(HOSTS)  # each kind of host has some
    # refused by write-back: a double-quoted YAML scalar, an f-string; never labelled, never given an edit
    refused = [
        finding for finding in findings if "format_error_template" in finding["message"] or "USER" in finding["message"]
    ]
    assert refused and not any(finding["fixable"] or finding["fix"] for finding in refused)
    expected = {}
    for name, original in HOSTS.items():
        edits = [
            Finding(name, 1, 1, 1, 1, "", "", "", "", fix=[Edit(**edit) for edit in finding["fix"]], safe_fix=True)
            for finding in fixable
            if finding["path"] == name
        ]
        expected[name], applied = apply_fixes(original, edits)
        assert applied == len(edits)  # no two overlap: one pass of --fix writes them all

    result = invoke("lint", *HOSTS, "--fix", "--exit-zero")
    assert result.exit_code == 0
    assert f"tokcli: fixed {len(fixable)} findings in {len(HOSTS)} file(s)\n" in result.stderr
    for name in HOSTS:  # the edits shown, applied to the file, are what --fix wrote
        assert (hosts / name).read_bytes().decode() == expected[name], name
    left = reported()
    assert not any(finding["fixable"] for finding in left)
    assert len(left) == len(findings) - len(fixable)


def test_the_text_report_labels_the_same_findings(hosts: Path) -> None:
    labelled = sum(finding["fixable"] for finding in reported())
    text = invoke("lint", *HOSTS, "--exit-zero").stdout
    assert text.count("[fixable]") == labelled
    assert re.search(rf"; {labelled} fixable with --fix\.", text)

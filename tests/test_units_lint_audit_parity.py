"""`audit` lints prompt units as `lint` does: the same findings for the same host file (YAML configs, Python
and JavaScript/TypeScript source, notebooks), each unit read with its host's syntax and configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_support import audit_json, own_cache, write_tree
from test_notebooks import PLAYGROUND, notebook
from test_units_cli import AGENT, APP
from test_units_fix_labels import HOSTS
from test_units_javascript import ANTHROPIC_JS, OPENAI_TS
from typer.testing import CliRunner

from tokcli.audit.run import AUDIT_RULES
from tokcli.cli import app

__all__ = ["own_cache"]

#: A `str.format` prompt whose escaped braces, `{{   user   }}`, would parse as a Jinja2 tag: the model reads
#: `{   user   }`, spaces and all, so lint reads them as text.
FORMAT_WITH_BRACES = '''\
SYSTEM_PROMPT = """Wrap the name as {{   user   }} in replies.
Company: {company}. Please note that you must answer in order to help.
"""


def ask(client, company):
    return client.messages.create(model="gpt-4o", system=SYSTEM_PROMPT.format(company=company), messages=[])
'''

EXAMPLES = {
    "agent.yaml": AGENT,
    "app.py": APP,
    "braces.py": FORMAT_WITH_BRACES,
    "ask.ts": OPENAI_TS,
    "summarise.js": ANTHROPIC_JS,
    "play.ipynb": notebook(PLAYGROUND),
    **{f"labels/{name}": text for name, text in HOSTS.items()},
}

AUDIT_CODES = {rule.code for rule in AUDIT_RULES}
FIELDS = ("path", "line", "column", "end_line", "end_column", "code", "severity", "message", "tokens_wasted")


def lint_findings(*paths: str) -> list[tuple]:
    result = CliRunner().invoke(app, ["lint", *paths, "--format", "json", "--exit-zero"])
    assert result.exit_code == 0, result.output
    return sorted(tuple(finding[name] for name in FIELDS) for finding in json.loads(result.stdout)["findings"])


def audit_findings() -> list[tuple]:
    data, _ = audit_json(".", "--no-cache")
    findings = [finding for finding in data["findings"] if finding["code"] not in AUDIT_CODES]
    return sorted(tuple(finding[name] for name in FIELDS) for finding in findings)


@pytest.mark.parametrize(
    "config",
    [
        None,
        "lint:\n  per-file-ignores:\n    'agent.yaml': [TK302]\n    '*.py': [TK303]\n    'labels/*.yaml': [TK102]\n",
    ],
    ids=["defaults", "per-file-ignores"],
)
def test_audit_finds_in_units_what_lint_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path, config: str | None
) -> None:
    write_tree(tmp_path, EXAMPLES, config)
    monkeypatch.chdir(tmp_path)
    linted = lint_findings(*EXAMPLES)
    assert {finding[0] for finding in linted} >= {
        "agent.yaml",
        "braces.py",
        "play.ipynb",
        "labels/ask.ts",
        "labels/app.py",
    }
    # the spaces inside braces.py's `{{   user   }}` are sent to the model: found in text, not kept as a tag
    assert [finding[1:3] for finding in linted if finding[0] == "braces.py" and finding[5] == "TK103"] == [
        (1, 39),
        (1, 46),
    ]
    assert audit_findings() == linted

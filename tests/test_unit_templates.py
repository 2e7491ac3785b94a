"""A prompt inside a YAML config, a chat file or Python source that is a Jinja2 template must parse, as a `.j2`
file must: lint, compress and audit stop at it with one line naming the host file and the line in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_support import own_cache, write_tree
from typer.testing import CliRunner

from tokcli.cli import app

__all__ = ["own_cache"]

UNCLOSED_IF = (
    "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. "
    "The innermost block that needs to be closed is 'if'."
)

SWE_AGENT = """\
agent:
  system_template: |
    You are a helpful assistant.
    {% if style %}Please make sure to write in the {{ style }} style.
    It is very important that you always answer in order to help the user.
  instance_template: |
    Please solve the issue {{ issue }}. Please make sure to run the tests in order to verify.
model:
  model_name: gpt-4o
"""

CHAT = """\
name: Summarizer
model: openai/gpt-4o
messages:
  - role: system
    content: |
      You are a helpful assistant.
      {% if style %}Please make sure to write in the {{ style }} style.
      It is very important that you always answer in order to help the user.
  - role: user
    content: "Summarize {{ text }}"
"""

#: `{{` alone is no sign of a template: a `str.format` string writes a literal brace so.
FORMAT_BRACES = '''\
SYSTEM_PROMPT = """You are a billing assistant. Reply as JSON: {{ "answer": {answer} }}.
Please make sure to answer in order to help the user."""
'''


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(tmp_path, {"agent.yaml": SWE_AGENT, "summary.prompt.yml": CHAT, "app.py": FORMAT_BRACES})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_lint_of_a_broken_unit_names_the_host_line_and_goes_on(tree: Path) -> None:
    (tree / "bad.j2").write_text("You are a helpful assistant.\n{% if style %}Write in {{ style }} style.\n")
    result = invoke("lint", "agent.yaml", "bad.j2", "app.py", "--format", "github")
    assert result.exit_code == 2
    assert result.stderr == (
        f"tokcli: error: agent.yaml:4: [agent.system_template] template syntax error: {UNCLOSED_IF}\n"
        f"tokcli: error: bad.j2:2: template syntax error: {UNCLOSED_IF}\n"
    )
    assert "app.py" in result.stdout and "agent.yaml" not in result.stdout


def test_compress_refuses_a_broken_unit_and_leaves_the_file(tree: Path) -> None:
    result = invoke("compress", "agent.yaml", "--write", "--level", "aggressive")
    assert (result.exit_code, result.stdout) == (2, "")
    assert (
        result.stderr == f"tokcli: error: agent.yaml:4: [agent.system_template] template syntax error: {UNCLOSED_IF}\n"
    )
    assert (tree / "agent.yaml").read_text() == SWE_AGENT
    assert not (tree / "agent.yaml.orig").exists()


def test_broken_chat_message_is_an_error_in_lint_and_compress(tree: Path) -> None:
    for command in (["lint"], ["compress", "--write"]):
        result = invoke(*command, "summary.prompt.yml")
        assert result.exit_code == 2, command
        assert result.stderr.startswith(f"tokcli: error: summary.prompt.yml:7: template syntax error: {UNCLOSED_IF}\n")
    assert (tree / "summary.prompt.yml").read_text() == CHAT


def test_broken_json_chat_message_names_the_line_of_its_string(tree: Path) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "{% for x in items %}{{ x }}"}]
    (tree / "chat.json").write_text(json.dumps(messages, indent=2))
    result = invoke("lint", "chat.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("tokcli: error: chat.json:8: template syntax error: Unexpected end of template.")


def test_count_still_counts_a_broken_unit_as_it_counts_a_broken_j2(tree: Path) -> None:
    result = invoke("count", "agent.yaml", "summary.prompt.yml", "-t", "o200k_base", "-f", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    paths = [row["path"] for row in json.loads(result.stdout)["results"]]
    assert paths == ["agent.yaml::agent.system_template", "agent.yaml::agent.instance_template", "summary.prompt.yml"]


def test_audit_reports_the_broken_unit_as_a_problem_of_its_host(tree: Path, own_cache: Path) -> None:
    result = invoke("audit", ".", "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    problems = [(problem["path"], problem.get("line")) for problem in report["problems"]]
    assert ("agent.yaml", 4) in problems and ("summary.prompt.yml", 7) in problems
    rows = [row["path"] for row in report["files"]]
    assert not any(row.startswith("agent.yaml") for row in rows)
    assert "app.py::app.SYSTEM_PROMPT" in rows


def test_well_formed_units_and_format_braces_are_no_errors(tree: Path) -> None:
    (tree / "agent.yaml").write_text(SWE_AGENT.replace("style.\n", "style.{% endif %}\n", 1))
    (tree / "summary.prompt.yml").write_text(CHAT.replace("style.\n", "style.{% endif %}\n", 1))
    result = invoke("lint", "agent.yaml", "summary.prompt.yml", "app.py", "--format", "github")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert "file=agent.yaml,line=5" in result.stdout and "file=app.py,line=2" in result.stdout


NUNJUCKS = """\
prompts:
  - |
    {% if goal == "in order to help" %}Answer in order to help.{% elseif goal %}Be brief.{% endif %}
    {{ question | replace("in order to", "to") }}
providers: [openai:gpt-4o-mini]
tests: []
"""


def test_nunjucks_syntax_jinja2_rejects_is_no_error_and_its_tags_stay_protected(tree: Path) -> None:
    (tree / "promptfooconfig.yaml").write_text(NUNJUCKS)
    result = invoke("lint", "promptfooconfig.yaml", "--format", "github")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "::warning file=promptfooconfig.yaml,line=3,col=47,endLine=3,endColumn=58,title=TK303 verbose-phrase::"
        "[prompts[0]] 'in order to' can be 'to' (2 tokens per call)\n"
    )
    compressed = invoke("compress", "promptfooconfig.yaml")
    assert compressed.exit_code == 0
    assert compressed.stdout == NUNJUCKS.replace("Answer in order to help.", "Answer to help.")


def test_a_unit_whose_tag_does_not_close_is_no_jinja_document() -> None:
    # no template span was found in it: taken for a template, its "{{ name" would read as prose that parses
    from tokcli.units.documents import unit_document

    assert unit_document("agent.yaml", "Hello {{ name", "jinja2").kind == "text"
    assert unit_document("agent.yaml", "Hello {{ name }}", "jinja2").kind == "jinja"
    assert unit_document("agent.yaml", "Hello", "jinja2").kind == "jinja"

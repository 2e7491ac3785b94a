"""TK5xx: template hygiene, and the guarantee that fixes never change a template's variables or statements."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from jinja2 import meta, nodes
from lint_support import fix, hits, lint
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.lint.rules.template import template_signature

PROMPTY = """\
---
name: answer
inputs:
  question:
    type: string
  history:
    type: string
---
system:
Answer {{ qestion }} briefly.
"""


def test_filters_and_tests_the_application_registers_are_read_not_refused() -> None:
    # "datetime" and "recent" are not Jinja2's: an application registers them; tokcli crashed compiling them
    source = "---\ninputs:\n  d: {}\n---\nsystem:\n{{ d | datetime }} {% if d is recent %}{{ e }}{% endif %}\n"
    assert hits(source, ["TK501", "TK502"], path="a.prompty", dedent=False) == [(6, 43, "TK501")]


def test_undefined_and_unused_prompty_inputs() -> None:
    found = lint(PROMPTY, ["TK501", "TK502"], path="a.prompty", dedent=False)
    assert [(f.line, f.column, f.code) for f in found] == [(4, 3, "TK502"), (6, 3, "TK502"), (10, 11, "TK501")]
    assert found[2].severity == "error" and "qestion" in found[2].message


def test_declared_inputs_used_correctly() -> None:
    good = PROMPTY.replace("qestion", "question").replace("briefly.", "briefly. Context: {{ history }}")
    assert hits(good, ["TK501", "TK502"], path="a.prompty", dedent=False) == []


def test_prompty_sample_keys_are_declared_inputs() -> None:
    # the shape of Prompty's own basic.prompty: no `inputs:`, a `sample:` the runtime infers them from
    source = (
        "---\nname: Basic\nmodel:\n  api: chat\nsample:\n  firstName: Jane\n  question: Why?\n---\n"
        "system:\nHelp {{firstName}}.\n\nuser:\n{{question}} {{ qestion }}\n"
    )
    assert hits(source, ["TK501", "TK502"], path="a.prompty", dedent=False) == [(13, 17, "TK501")]
    with_inputs = source.replace("sample:", "inputs:\n  firstName: {type: string}\nsample:")
    assert hits(with_inputs, ["TK501", "TK502"], path="a.prompty", dedent=False) == [(15, 17, "TK501")]


def test_lint_of_a_prompty_declaring_only_a_sample_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "basic.prompty"
    path.write_text(
        "---\nname: Basic\nmodel:\n  api: chat\n  configuration:\n    azure_deployment: gpt-4o\nsample:\n"
        "  firstName: Jane\n  question: What is the meaning of life?\n---\nsystem:\n"
        "You are an AI assistant who helps people find information. Use their name, {{firstName}}.\n\n"
        "user:\n{{question}}\n"
    )
    result = CliRunner().invoke(app, ["lint", str(path)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "No findings in 1 file.\n", "")


def test_dotprompt_schema_inputs() -> None:
    source = "---\ninput:\n  schema:\n    topic: string\n    tone?: string, the voice\n---\nWrite about {{ topic }}.\n"
    assert hits(source, ["TK501", "TK502"], path="a.prompt", dedent=False) == [(5, 5, "TK502")]


def test_plain_jinja_without_declarations_has_no_undefined_findings() -> None:
    assert hits("Answer {{ question }}.\n", "TK501", path="a.j2", dedent=False) == []
    options = {"TK501": {"variables": ["question"]}}
    assert hits("Answer {{ question }} {{ extra }}.\n", "TK501", path="a.j2", dedent=False, options=options) == [
        (1, 26, "TK501")
    ]


def test_unused_set() -> None:
    source = '{% set tone = "formal" %}{% set style = "short" %}\nAnswer in a {{ style }} way.\n'
    assert hits(source, "TK503", path="a.j2", dedent=False) == [(1, 8, "TK503")]


def test_set_used_in_a_loop_is_fine() -> None:
    source = "{% set sep = ', ' %}{% for x in items %}{{ x }}{{ sep }}{% endfor %}\n"
    assert hits(source, "TK503", path="a.j2", dedent=False) == []


def test_tag_lines_without_whitespace_control() -> None:
    # Indented tag lines render as lines of spaces: those cost tokens.
    source = (
        "Context:\n  {% if docs %}\n    {% for d in docs %}\n{{ d }}\n    {% endfor %}\n  {% endif %}\nQ: {{ q }}\n"
    )
    assert hits(source, "TK504", path="a.j2", dedent=False) == [(2, 1, "TK504"), (5, 1, "TK504")]
    # Unindented ones render as bare newlines, which o200k merges into one token: nothing to save, no finding.
    flat = "Context:\n{% if docs %}\n{% for d in docs %}\n{{ d }}\n{% endfor %}\n{% endif %}\nQuestion: {{ q }}\n"
    assert hits(flat, "TK504", path="a.j2", dedent=False) == []
    # The application's Jinja environment, declared in config, decides what renders.
    from lint_support import linter

    from tokcli.lint.config import LintSettings
    from tokcli.lint.engine import Linter

    for jinja in ({"trim-blocks": True}, {"lstrip-blocks": True}):
        configured = Linter(LintSettings(select=["TK504"], jinja=jinja), model="gpt-4o")
        assert configured.lint_text("a.j2", source) == [], jinja
    assert linter("TK504").lint_text("a.j2", source)
    trimmed = "Context:\n{% if docs -%}\n{% for d in docs -%}\n{{ d }}\n{% endfor -%}\n{% endif -%}\nQ: {{ q }}\n"
    assert hits(trimmed, "TK504", path="a.j2", dedent=False) == []
    options = {"TK504": {"trim-blocks": True}}
    assert hits(source, "TK504", path="a.j2", dedent=False, options=options) == []


def _statements(source: str) -> tuple[frozenset[str], list[str]]:
    ast = jinja2.Environment().parse(source)
    kinds = [type(node).__name__ for node in ast.find_all(nodes.Stmt)]
    return frozenset(meta.find_undeclared_variables(ast)), kinds


WASTEFUL_TEMPLATE = """\
{% set tone = "formal" %}
Answer   in a {{ tone }} way.\t\t


==============================
{% for doc in docs %}
{{ doc.title }}   {{ doc.body }}\u200b
{% endfor %}
{
    "answer": "{{ answer_hint }}",
    "sources": [
        "doc-1"
    ]
}
{
    "format": "json",
    "sources": [
        "doc-1",
        "doc-2"
    ]
}
Question: {{ question }}
"""


def test_fixes_never_change_template_variables_or_statements() -> None:
    result = fix(WASTEFUL_TEMPLATE, "ALL", path="t.j2", dedent=False)
    assert result.applied >= 5
    assert result.text != WASTEFUL_TEMPLATE
    assert _statements(result.text) == _statements(WASTEFUL_TEMPLATE)
    assert template_signature(result.text) == template_signature(WASTEFUL_TEMPLATE)
    # the JSON holding template syntax is left as it is; the static one is minified
    assert '"answer": "{{ answer_hint }}"' in result.text
    assert '{"format":"json","sources":["doc-1","doc-2"]}' in result.text
    assert "\u200b" not in result.text and "=====" not in result.text


def test_signature_sees_a_changed_variable() -> None:
    assert template_signature("Hi {{ a }}") != template_signature("Hi {{ b }}")
    assert template_signature("Hi {{ a }}  there") == template_signature("Hi {{ a }} there")
    with pytest.raises(jinja2.TemplateSyntaxError):
        template_signature("{% if %}")


def test_escaped_newline_printed_as_text() -> None:
    source = "Answer the question.\\n\\nQuestion: {{ question }}\n"
    found = lint(source, "TK505", path="a.j2", dedent=False)
    assert [(f.line, f.column, f.code) for f in found] == [(1, 21, "TK505")]
    assert [edit.replacement for edit in found[0].fix or []] == ["\n", "\n"]
    # Inside a tag the escape is Jinja's string syntax; in a path it is a directory; in markdown it is prose.
    assert hits('{{ "a\\nb" }} and C:\\new\\notes\n', "TK505", path="a.j2", dedent=False) == []
    assert hits("Answer.\\n\\nNext.\n", "TK505", path="a.md", dedent=False) == []


@pytest.mark.parametrize("closed", [True, False])
def test_many_simple_tags_are_judged_without_the_tree_as_with_it(closed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """TK504 asks `tokcli.simple_tags` whether a body of many simple tags parses (Jinja2's verdict, no tree):
    the same findings as parsing it, for a body that parses and for one left open (markdown: not refused)."""
    from tokcli import simple_tags
    from tokcli.lint.engine import Linter

    blocks = "".join(
        f"  {{% if a{index} %}}\n    {{% for x in y{index} %}}\n\n{{{{ x }}}}\n    {{% endfor %}}\n  {{% endif %}}\n"
        for index in range(80)
    )
    text = "# Title\n\n" + blocks + ("" if closed else "{% if open %}\n")
    linter = Linter(model="gpt-4o")
    shortcut = linter.lint_text("p.md", text)
    monkeypatch.setattr(simple_tags, "SHORTCUT_MIN_TAGS", 10**9)
    parsed = linter.lint_text("p.md", text)
    assert shortcut == parsed
    assert any(finding.code == "TK504" for finding in parsed) == closed

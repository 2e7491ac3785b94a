"""Dotprompt bodies are Handlebars: tags found, blocks checked, and everything kept through compress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.compress.verify import verify
from tokcli.errors import InputError
from tokcli.handlebars import check_handlebars_syntax, find_handlebars_spans
from tokcli.prompts import load_prompt

FRONT = "---\nmodel: googleai/gemini-2.5-flash\ninput:\n  schema:\n    user: string\n    items(array): string\n---\n"
BODY = (
    '{{role "system"}}\n'
    "{{#if user}}Hello {{user.name}}!{{else}}Hello there.{{/if}}\n"
    "{{#each items}}- {{this}} ({{@index}})\n{{/each}}\n"
    "{{> footer}}\n"
    "{{{raw_html}}}\n"
    "{{!-- a comment with }} inside --}}\n"
    "{{! short comment }}\n"
    "\\{{not_a_tag}}\n"
    "{{~#unless done~}} Do not stop. {{~/unless~}}\n"
    '{{#each (filter items "x") as |item|}}{{item}}{{^}}none{{/each}}\n'
    "{{{{raw}}}} {{#if}} is shown as it is {{{{/raw}}}}\n"
)


def tags(text: str) -> list[tuple[str, str]]:
    return [(span.kind, text[span.start : span.end]) for span in find_handlebars_spans(text)]


def test_every_kind_of_tag_is_found() -> None:
    assert tags(BODY) == [
        ("variable", '{{role "system"}}'),
        ("block", "{{#if user}}"),
        ("variable", "{{user.name}}"),
        ("block", "{{else}}"),
        ("block", "{{/if}}"),
        ("block", "{{#each items}}"),
        ("variable", "{{this}}"),
        ("variable", "{{@index}}"),
        ("block", "{{/each}}"),
        ("block", "{{> footer}}"),
        ("variable", "{{{raw_html}}}"),
        ("comment", "{{!-- a comment with }} inside --}}"),
        ("comment", "{{! short comment }}"),
        ("block", "{{~#unless done~}}"),
        ("block", "{{~/unless~}}"),
        ("block", '{{#each (filter items "x") as |item|}}'),
        ("variable", "{{item}}"),
        ("block", "{{^}}"),
        ("block", "{{/each}}"),
        ("raw", "{{{{raw}}}} {{#if}} is shown as it is {{{{/raw}}}}"),
    ]


def test_a_dotprompt_file_loads_as_handlebars_and_a_jinja_file_does_not() -> None:
    document = load_prompt("p.prompt", FRONT + BODY)
    assert document.kind == "dotprompt" and document.template_language == "handlebars"
    assert len(document.template_spans) == 20
    assert all(span.start >= document.body_offset for span in document.template_spans)
    with pytest.raises(InputError, match="template syntax error"):
        load_prompt("p.j2", BODY)


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("Hi\n{{#if a}}\nyes\n", 5, "Handlebars syntax error: {{#if}} is never closed with {{/if}}"),
        ("{{#if a}}\n{{#each b}}\n{{/if}}\n", 6, "Handlebars syntax error: {{/if}} closes {{#each}} (line 5)"),
        ("ok\n{{/if}}\n", 5, "Handlebars syntax error: {{/if}} closes no block"),
        ("{{else}}\n", 4, "Handlebars syntax error: {{else}} outside a block"),
        ("Hello\n{{name\n", 5, "unclosed Handlebars tag '{{'"),
        ("{{!-- never ends }}\n", 4, "unclosed Handlebars comment '{{!--'"),
        ("{{{raw}\n", 4, "unclosed Handlebars tag '{{{'"),
        ("{{{{raw}}}} text\n", 4, "unclosed Handlebars raw block '{{{{'"),
    ],
)
def test_syntax_errors_name_the_line(body: str, line: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        load_prompt("p.prompt", "---\nmodel: x\n---\n" + body)
    assert (caught.value.path, caught.value.line, caught.value.message) == ("p.prompt", line, message)


def test_nesting_depth_is_no_problem() -> None:
    body = "{{#if a}}" * 100_000 + "x" + "{{/if}}" * 100_000
    assert len(load_prompt("p.prompt", "---\nmodel: x\n---\n" + body).template_spans) == 200_000


def test_verification_keeps_handlebars_tags_and_blocks() -> None:
    original = FRONT + BODY
    offset = original.index("{{role")
    assert verify(original, original, kind="dotprompt", body_offset=offset).ok
    dropped = original.replace("{{/if}}", "", 1)
    [problem] = verify(original, dropped, kind="dotprompt", body_offset=offset).problems
    assert problem.check == "syntax" and "{{#if}} is never closed" in problem.message
    renamed = original.replace("{{user.name}}", "{{user.nam}}")
    checks = {problem.check for problem in verify(original, renamed, kind="dotprompt", body_offset=offset).problems}
    assert "placeholders" in checks


def test_compress_a_dotprompt_keeps_every_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    prose = (
        "Please note that in order to answer, you should basically read the whole conversation very carefully. "
        "Due to the fact that users are busy, it is important to note that answers must be short.\n"
    )
    Path("p.prompt").write_text(FRONT + prose + BODY, encoding="utf-8")
    result = CliRunner().invoke(app, ["compress", "p.prompt", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rollbacks"] == []
    text = data["text"]
    assert tags(text[text.index("{{role") :]) == tags(BODY)
    assert "in order to" not in text and "Due to the fact that" not in text
    assert data["models"][0]["tokens_after"] < data["models"][0]["tokens_before"]


def test_lint_and_audit_accept_handlebars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.prompt").write_text(FRONT + BODY, encoding="utf-8")
    lint = CliRunner().invoke(app, ["lint", "p.prompt"])
    assert lint.exit_code in (0, 1) and lint.stderr == "", lint.stderr
    audit = CliRunner().invoke(app, ["audit", "p.prompt", "--no-cache", "--format", "json"])
    assert audit.exit_code == 0, audit.stderr
    assert [file["path"] for file in json.loads(audit.stdout)["files"]] == ["p.prompt"]


# --- property: any well-nested template passes, and loses that by dropping one closing tag -------------

_NAMES = st.sampled_from(["if", "each", "with", "unless"])
_TEXT = st.text(alphabet="ab \n.", max_size=6)


@st.composite
def _template(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        choice = draw(st.integers(0, 5 if depth < 4 else 2))
        if choice == 0:
            parts.append(draw(_TEXT))
        elif choice == 1:
            parts.append("{{" + draw(st.sampled_from(["name", "user.name", "this", "@index", "json x"])) + "}}")
        elif choice == 2:
            parts.append(draw(st.sampled_from(["{{> footer}}", "{{{raw}}}", "{{! note }}", "{{!-- }} --}}"])))
        else:
            name = draw(_NAMES)
            inner = draw(_template(depth + 1))
            otherwise = "{{else}}" + draw(_template(depth + 1)) if draw(st.booleans()) else ""
            parts.append(f"{{{{#{name} x}}}}{inner}{otherwise}{{{{/{name}}}}}")
    return "".join(parts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_template())
def test_well_nested_templates_pass_and_a_dropped_close_fails(template: str) -> None:
    spans = find_handlebars_spans(template)
    check_handlebars_syntax("t", template, spans)
    assert "".join(template[s.start : s.end] for s in spans).count("{{") == template.count("{{")
    closes = [s for s in spans if template[s.start : s.end].startswith("{{/")]
    if closes:
        cut = closes[len(closes) // 2]
        broken = template[: cut.start] + template[cut.end :]
        with pytest.raises(InputError, match="Handlebars syntax error"):
            check_handlebars_syntax("t", broken, find_handlebars_spans(broken))

"""dotprompt bodies rendered with fixtures: Handlebars' blocks, paths, helpers, whitespace rules and errors, and
the rendered counts `count` reports for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.errors import InputError
from tokcli.handlebars_render import render_handlebars
from tokcli.registry import get_tokenizer


def render(body: str, **values: object) -> str:
    return render_handlebars("p.prompt", body, dict(values), "sample")


def test_paths_and_values_print_as_javascript_would() -> None:
    values = {"user": {"name": "Ana", "tags": ["a", "b"]}, "n": 3.0, "x": 0.5, "ok": True, "none": None}
    body = "{{user.name}} {{user/name}} {{user.tags}} {{user.tags.[1]}} {{n}} {{x}} {{ok}} [{{none}}] {{{user.name}}} {{&n}}"
    assert render(body, **values) == "Ana Ana a,b b 3 0.5 true [] Ana 3"


def test_blocks_with_else_chains_each_and_with() -> None:
    body = (
        "{{#if a}}A{{else if b}}B{{else}}C{{/if}}|{{#unless a}}not a{{/unless}}|"
        "{{#each items as |item i|}}{{i}}={{item}}{{#if @last}}.{{else}},{{/if}}{{/each}}|"
        "{{#each map}}{{@key}}:{{this}} {{/each}}|{{#each empty}}x{{else}}none{{/each}}|"
        "{{#with who}}{{name}} of {{../team}}{{/with}}|{{#ifEquals mode 'x'}}X{{/ifEquals}}|{{^a}}inverse{{/a}}"
    )
    values = {
        "a": False,
        "b": True,
        "items": ["p", "q"],
        "map": {"k": 1},
        "empty": [],
        "who": {"name": "Bo"},
        "team": "ops",
        "mode": "x",
    }
    assert render(body, **values) == "B|not a|0=p,1=q.|k:1 |none|Bo of ops|X|inverse"


def test_zero_and_empty_lists_are_false_unless_include_zero() -> None:
    assert (
        render("{{#if n}}y{{else}}n{{/if}} {{#if n includeZero=true}}y{{/if}} {{#if l}}y{{else}}n{{/if}}", n=0, l=[])
        == "n y n"
    )


def test_standalone_block_lines_and_whitespace_control_vanish() -> None:
    body = "Start\n  {{#if a}}\n  inside\n  {{/if}}\n{{! note }}\nEnd {{~ a ~}}   !\n"
    assert render(body, a="!") == "Start\n  inside\nEnd!!\n"


def test_helpers_json_lookup_and_dotprompt_markers() -> None:
    body = '{{role "system"}}Hi {{json data}} {{json data indent=2}} {{lookup data "k"}}{{history}}{{media url=u}}'
    assert render(body, data={"k": 2.0}, u="x.png") == 'Hi {"k":2} {\n  "k": 2\n} 2'


def test_comments_raw_blocks_and_escaped_braces_are_text() -> None:
    body = "{{!-- hidden {{x}} --}}{{{{raw}}}}{{kept}}{{{{/raw}}}} \\{{literal}}"
    assert render(body) == "{{kept}} {{literal}}"


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("ok\n\nHi {{who}}\n", "missing variable in fixture 'sample': 'who' is undefined", 3),
        ("{{> header}}\n", "partial {{> header}} is not rendered (it lives in another file)", 1),
        ("{{upper who}}\n", "unknown Handlebars helper 'upper' (dotprompt knows only its own helpers)", 1),
        ("{{#loop x}}a{{/loop}}\n", "unknown Handlebars block helper '#loop'", 1),
        ("{{#if a}}open\n", "Handlebars syntax error: {{#if}} is never closed with {{/if}}", 1),
    ],
)
def test_what_cannot_be_rendered_is_one_error_with_its_line(body: str, message: str, line: int) -> None:
    with pytest.raises(InputError) as raised:
        render(body)
    assert (raised.value.message, raised.value.line, raised.value.path) == (message, line, "p.prompt")


def test_a_missing_variable_is_only_false_in_a_condition() -> None:
    assert render("{{#if nobody}}x{{else}}y{{/if}}") == "y"


@given(st.text(alphabet=st.sampled_from(list("ab {}\n#/!\\"))).filter(lambda text: "{{" not in text))
def test_text_without_tags_renders_as_itself(text: str) -> None:
    assert render(text) == text


def test_count_reports_a_dotprompt_files_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("greet.prompt").write_text(
        "---\nmodel: googleai/gemini-2.5-flash\n---\n"
        '{{role "system"}}\nYou greet people warmly.\n{{#if title}}\nUse their title.\n{{/if}}\nGreet {{name}}.\n'
    )
    Path("greet.vars.yaml").write_text("fixtures:\n  plain: {name: Ana}\n  titled: {name: Ana Silva, title: Dr.}\n")
    o200k = get_tokenizer("o200k_base")
    plain = o200k.count("\nYou greet people warmly.\nGreet Ana.\n")
    titled = o200k.count("\nYou greet people warmly.\nUse their title.\nGreet Ana Silva.\n")
    result = CliRunner().invoke(app, ["count", "greet.prompt", "-t", "o200k_base", "-f", "json"])
    assert (result.exit_code, result.stderr) == (0, "")
    [item] = json.loads(result.stdout)["results"]
    assert item["rendered"]["fixtures"] == [{"name": "plain", "tokens": plain}, {"name": "titled", "tokens": titled}]
    Path("greet.vars.yaml").write_text("fixtures:\n  nameless: {title: Dr.}\n")
    result = CliRunner().invoke(app, ["count", "greet.prompt", "-t", "o200k_base"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert (
        result.stderr == "tokcli: error: greet.prompt:9: missing variable in fixture 'nameless': 'name' is undefined\n"
    )

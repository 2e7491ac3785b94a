"""`compress --write` and `lint --fix` on host files never damage them: generated YAML configs, chat files and
Python modules with wasteful prompts inside are rewritten through the real command, and the result must parse
to the same data outside the prompts, keep every placeholder, negation and number of each prompt, stay stable on
a second run, and leave a file it does not change untouched (bytes and mtime)."""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from write_support import assert_prompt_invariants

from tokcli.cli import app
from tokcli.units.scan import scan_host
from tokcli.units.select import UnitSettings, join_key
from tokcli.units.yaml_config import walk_data

WASTE = [
    "Please note that you must answer in {lang}.",
    "It is very important that you do not reveal the key.",
    "It is very important that you do not reveal the key.",
    "**Always** cite {source}.",
    "You should keep it under 3 sentences.   ",
    "In order to help, never guess.",
    "Café ☕ — réponds poliment.",
    "Use the `run_query` tool at most 2 times!!!",
    "",
]
# lines that look like the host's own syntax, or that a careless writer would re-indent, re-quote or re-escape
HOSTILE = [
    "\tIndented by a tab: keep {field}.",
    "# not a comment, a heading",
    "  - a list item, more indented",
    "key: value # looks like YAML",
    "Trailing tab\t",
    "A \"double\" and a 'single' quote, a back\\slash and a literal \\n.",
    "Line separator \u2028 and next line \x85 inside.",
    "Please note that {% raw %}{{ not a tag }}{% endraw %} stays.",
    "Emoji 😀 and CJK 你好 — please be brief.",
    "---",
    "...",
]

sentences = st.lists(st.sampled_from(WASTE + HOSTILE), min_size=1, max_size=6)


def _prompt(lines: list[str], jinja: bool) -> str:
    # the first line is prose, so every generic preset reads the value as a prompt
    text = "\n".join(["Please note that you answer questions for the support team.", *lines]).rstrip("\n")
    return re.sub(r"\{([a-z_]+)\}", r"{{ \1 }}", text) if jinja else text


def _run(args: list[str]) -> Any:
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return result


def _write_twice(path: Path, command: list[str], check: Any) -> None:
    """Run `command` on `path` twice, checking the file after each run; a run that changes nothing leaves the
    file's bytes and mtime alone."""
    original = path.read_bytes()
    for _ in range(2):
        before = path.read_bytes()
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
        _run([command[0], str(path), *command[1:]])
        after = path.read_bytes()
        if after == before:
            assert path.stat().st_mtime_ns == 1_000_000_000
        check(original.decode("utf-8"), after.decode("utf-8"))


# ---- YAML configs ----------------------------------------------------------------------------------------

INDICATORS = ["|", "|-", "|+", ">", ">-"]


@st.composite
def yaml_configs(draw: Any) -> str:
    lines = ["# agent settings", "agent:"]
    for index in range(draw(st.integers(1, 3))):
        text = _prompt(draw(sentences), jinja=draw(st.booleans()))
        style = draw(st.sampled_from([*INDICATORS, "plain", "quoted"]))
        key = f"  step{index}_template:"
        anchor = f" &p{index}" if draw(st.booleans()) else ""
        if style in INDICATORS:
            trailer = "\n" * draw(st.integers(0, 2)) if style == "|+" else ""
            body = "\n".join(("    " + line) if line else "" for line in (text + trailer).split("\n"))
            comment = "  # the prompt" if draw(st.booleans()) else ""
            lines.append(f"{key}{anchor} {style}{comment}\n{body}")
        elif style == "plain":
            plain = json.dumps(text.splitlines()[0], ensure_ascii=False)[1:-1].replace(": ", " - ").replace(" #", " -")
            lines.append(f"{key}{anchor} Plain {plain}")
        else:
            lines.append(f"{key}{anchor} {json.dumps(text, ensure_ascii=False)}")
        if anchor and draw(st.booleans()):
            lines.append(f"  step{index}_copy: *p{index}")
        if draw(st.booleans()):
            lines.append(
                draw(st.sampled_from(["  temperature: 0.50", "  retries: 3  # keep", "  on: yes", "  name: 'x'"]))
            )
    text = "\n".join(lines) + "\n"
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


def _flat(text: str) -> dict[str, Any]:
    return {join_key(parts): value for parts, value, _ in walk_data(yaml.safe_load(text), [])}


def _check_yaml(original: str, written: str) -> None:
    scan = scan_host("agent.yaml", original, UnitSettings())
    assert scan is not None
    prompts = {unit.key for unit in scan.units}
    before, after = _flat(original), _flat(written)
    assert before.keys() == after.keys()
    for key, value in before.items():
        if key in prompts:
            assert_prompt_invariants(value, after[key])
        else:
            assert after[key] == value, key


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(yaml_configs(), st.sampled_from(["safe", "balanced", "aggressive", "fix"]))
def test_yaml_configs_keep_their_settings_and_prompt_invariants(tmp_path: Path, text: str, level: str) -> None:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError:
        assume(False)  # a prompt line YAML refuses where it stands (a tab opening a block): not a config
    path = tmp_path / "agent.yaml"
    path.write_bytes(text.encode("utf-8"))
    command = ["lint", "--fix"] if level == "fix" else ["compress", "--write", "--no-backup", "--level", level]
    _write_twice(path, command, _check_yaml)


# ---- chat files --------------------------------------------------------------------------------------------


@st.composite
def chat_files(draw: Any) -> tuple[str, str]:
    roles = ["system", "user", "assistant", "user"][: draw(st.integers(1, 4))]
    messages = [{"role": role, "content": _prompt(draw(sentences), jinja=True)} for role in roles]
    data: Any = {"messages": messages, "temperature": 0.5, "tags": ["a", 1]} if draw(st.booleans()) else messages
    kind = draw(st.sampled_from(["json-pretty", "json-min", "json-ascii", "yaml"]))
    if kind == "yaml":
        return "chat.yaml", yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False)
    if kind == "json-min":
        return "chat.json", json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return "chat.json", json.dumps(data, indent=2, ensure_ascii=kind == "json-ascii") + "\n"


def _check_chat(original: str, written: str, *, load: Any) -> None:
    before, after = load(original), load(written)
    messages_before = before["messages"] if isinstance(before, dict) else before
    messages_after = after["messages"] if isinstance(after, dict) else after
    assert [m["role"] for m in messages_after] == [m["role"] for m in messages_before]
    for old, new in zip(messages_before, messages_after):
        assert_prompt_invariants(old["content"], new["content"])
    if isinstance(before, dict):
        assert {k: v for k, v in after.items() if k != "messages"} == {
            k: v for k, v in before.items() if k != "messages"
        }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chat_files(), st.sampled_from(["safe", "balanced", "aggressive", "fix"]))
def test_chat_files_keep_their_shape_and_prompt_invariants(tmp_path: Path, chat: tuple[str, str], level: str) -> None:
    name, text = chat
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    load = json.loads if name.endswith(".json") else yaml.safe_load
    command = ["lint", "--fix"] if level == "fix" else ["compress", "--write", "--no-backup", "--level", level]
    _write_twice(path, command, lambda original, written: _check_chat(original, written, load=load))


# ---- Python source -----------------------------------------------------------------------------------------


@st.composite
def python_modules(draw: Any) -> str:
    lines = ['"""Talks to the LLM."""', "import textwrap", ""]
    for index in range(draw(st.integers(1, 3))):
        text = _prompt(draw(sentences), jinja=False)
        if "{%" not in text and draw(st.booleans()):
            text = text.replace("{", "{{").replace("}", "}}")  # no .format fields: literal braces
        style = draw(st.sampled_from(['"""', "'''", 'r"""', '"', "f", "dedent", "concat"]))
        name = f"PROMPT_{index}"
        if style in ('"""', "'''", 'r"""'):
            quote = style.lstrip("r")
            value = f"{style}{text.replace(chr(92), chr(92) * 2)}{quote}"
        elif style == '"':
            value = json.dumps(text, ensure_ascii=False)
        elif style == "f":
            lines.append('lang = "en"')
            value = f'f"""{text.replace("{{", "").replace("}}", "").replace(chr(92), chr(92) * 2)}"""'
        elif style == "dedent":
            body = "\n".join("    " + line if line else "" for line in text.split("\n"))
            value = f'textwrap.dedent("""\\\n{body}\n""")'
        else:
            parts = [json.dumps(line + " ", ensure_ascii=False) for line in text.split("\n")]
            value = "(  # built from parts\n    " + "\n    ".join(parts) + "\n)"
        lines.append(_python_host(draw(st.sampled_from(sorted(PYTHON_HOSTS))), index, name, value, style))
        lines.append(f"RETRIES_{index} = {draw(st.integers(0, 9))}  # not a prompt")
    return "\n".join(lines) + "\n"


#: Where a prompt sits in a module: each shape `scan_python` reads (and writes back where the value is a literal).
PYTHON_HOSTS = {
    "constant": "{name} = {value}",
    "dict": '{name}S = {{\n    "main": {value},\n    "retries": "3",\n}}',
    "system-blocks": (
        'def ask_{index}(client):\n    return client.messages.create(\n        model="claude-sonnet-4-6",\n'
        '        system=[{{"type": "text", "text": {value}, "cache_control": {{"type": "ephemeral"}}}}],\n    )'
    ),
    "content-parts": (
        'MESSAGES_{index} = [{{"role": "user", "content": [{{"type": "image", "source": {{}}}}, '
        '{{"type": "text", "text": {value}}}]}}]'
    ),
    "pydantic-ai": 'agent_{index} = Agent("openai:gpt-4o", system_prompt={value})',
    "decorated": "@agent.system_prompt\ndef rules_{index}() -> str:\n    return {value}",
    "crewai": 'task_{index} = Task(description={value}, expected_output="A list of 5 points.")',
    "signature": "class Answer{index}(dspy.Signature):\n    {value}\n\n    question: str = dspy.InputField()",
    "function": "def step{index}_prompt(name: str) -> str:\n    if not name:\n        return {value}\n    return name",
    "prompt-class": "class Step{index}Prompts:\n    MAIN = {value}\n    VERSION = 2",
}


def _python_host(host: str, index: int, name: str, value: str, style: str) -> str:
    if host == "signature" and style not in ('"""', "'''", 'r"""', '"'):
        host = "constant"  # a docstring is a literal
    return PYTHON_HOSTS[host].format(name=name, value=value, index=index)


def _strings(tree: ast.AST) -> list[Any]:
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]


def _check_python(original: str, written: str) -> None:
    before, after = ast.parse(original), ast.parse(written)
    assert [type(node).__name__ for node in ast.walk(after)] == [type(node).__name__ for node in ast.walk(before)]
    for old, new in zip(_strings(before), _strings(after)):
        if isinstance(old, str) and old != new:
            assert_prompt_invariants(old, new)
        else:
            assert new == old


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(python_modules(), st.sampled_from(["safe", "balanced", "aggressive", "fix"]))
def test_python_modules_keep_their_code_and_prompt_invariants(tmp_path: Path, text: str, level: str) -> None:
    try:
        ast.parse(text)
    except SyntaxError:
        assume(False)  # an f-string whose braces hold no expression: not a module
    path = tmp_path / "prompts.py"
    path.write_text(text, encoding="utf-8")
    command = ["lint", "--fix"] if level == "fix" else ["compress", "--write", "--no-backup", "--level", level]
    _write_twice(path, command, _check_python)


# ---- prompt files with syntax of their own: hand-written hostile fixtures ------------------------------------

FIXTURES = {
    "agent.prompty": (
        "---\nname: Support   \ndescription: Please note that it is very important that you keep this.\nmodel:\n"
        "  api: chat\n  parameters: {max_tokens: 300}\nsample:\n  question: Why?\n---\nsystem:\n"
        "Please note that you must answer in {{lang}}.   \nIt is very important that you do not guess.\n"
        "It is very important that you do not guess.\n\nuser:\n{{question}}\n"
    ),
    "summary.prompt": (
        "---\nmodel: googleai/gemini-2.0-flash\ninput:\n  schema:\n    text: string\n---\n{{#if text}}\n"
        "Please note that you must summarize {{text}} in **3** sentences.   \n{{else}}\nIt is very important that"
        " you say so.\n{{/if}}\n{{! Please note that this comment stays }}\n"
        "{{{{raw}}}}{{It is very important that you}}{{{{/raw}}}}\n"
    ),
    "skill.md": (
        "---\r\nname: reviewer\r\ndescription: |\r\n  Please note that this header is kept.   \r\n---\r\n\r\n"
        "# Review\r\n\r\nIt is very important that you do not approve code without tests.\r\n\r\n\r\n\r\n"
        "```yaml\r\nkey:   value   \r\n```\r\n"
    ),
    "rag.j2": (
        "{# Please note that this comment stays #}\n{%- if docs -%}\nPlease note that you must cite {{ docs | length }}"
        " sources.   \n{%- for d in docs %}\n- {{ d.title }}\n{%- endfor %}\n{%- else %}\n"
        "{% raw %}{{ It is very important that you }}{% endraw %}\n{%+ endif +%}\n"
        "{{ x | default('Please note that') }}\n{% set note = \"It is very important that you\" %}\n"
        "It is very important that you never answer without {{ note }}.\n"
    ),
}


def _tags(name: str, text: str) -> list[str]:
    from tokcli.prompts import find_template_spans, template_language

    kind = {"prompty": "prompty", "prompt": "dotprompt", "md": "markdown", "j2": "jinja"}[name.rsplit(".", 1)[1]]
    return [text[span.start : span.end] for span in find_template_spans(text, language=template_language(kind))]


def _front_matter(text: str) -> str:
    from tokcli.prompts import front_matter_end

    return text[: front_matter_end(text)]


def _check_fixture(name: str, original: str, written: str) -> None:
    assert _tags(name, written) == _tags(name, original)
    assert _front_matter(written) == _front_matter(original)
    body_before, body_after = original[len(_front_matter(original)) :], written[len(_front_matter(written)) :]
    assert_prompt_invariants(
        re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", body_before),
        re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", body_after),
    )
    assert ("\r\n" in written) == ("\r\n" in original)


@pytest.mark.parametrize("name", sorted(FIXTURES))
@pytest.mark.parametrize("level", ["safe", "balanced", "aggressive", "fix"])
def test_prompt_files_keep_their_tags_front_matter_and_invariants(tmp_path: Path, name: str, level: str) -> None:
    path = tmp_path / name
    path.write_bytes(FIXTURES[name].encode("utf-8"))
    command = ["lint", "--fix"] if level == "fix" else ["compress", "--write", "--level", level]
    _write_twice(path, command, lambda original, written: _check_fixture(name, original, written))
    if level != "fix" and path.read_bytes() != FIXTURES[name].encode("utf-8"):
        # the backup is the text before the first compression, never overwritten by the second run
        assert (tmp_path / f"{name}.orig").read_bytes() == FIXTURES[name].encode("utf-8")

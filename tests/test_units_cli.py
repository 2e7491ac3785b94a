"""Every command on prompts that live in YAML configs and Python source (issue #13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_support import audit_json, commit_all, git_repo, o200k, own_cache, run_audit, write_tree
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.units.yaml_config import NO_PROMPTS

__all__ = ["own_cache"]

AGENT = """\
agent:
  system_template: |
    You are a helpful assistant.
    Please note that you must answer in order to help the user.
  instance_template: |-
    Solve this issue: {{task}}
model:
  model_name: gpt-4o
  format_error_template: "Please note that you must reply with one bash block."
"""

APP = '''\
SYSTEM_PROMPT = """You are a billing assistant.
Answer in {language}."""


def ask(client, question):
    return client.messages.create(
        model="claude-3-5-haiku-latest",
        system=SYSTEM_PROMPT,
        messages=[{"role": "user", "content": f"Question: {question}"}],
    )
'''


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(tmp_path, {"agent.yaml": AGENT, "app.py": APP, "settings.yaml": "retries: 3\n", "util.py": "x = 1\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_lint_reports_host_lines_and_keys(tree: Path) -> None:
    result = invoke("lint", "agent.yaml", "settings.yaml", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::warning file=agent.yaml,line=4,col=5,endLine=4,endColumn=21,title=TK302 filler-phrase::"
        "[agent.system_template] filler phrase 'Please note that' (3 tokens per call)",
        "::warning file=agent.yaml,line=9,col=27,endLine=9,endColumn=43,title=TK302 filler-phrase::"
        "[model.format_error_template] filler phrase 'Please note that' (3 tokens per call)",
        "::warning file=agent.yaml,line=4,col=38,endLine=4,endColumn=49,title=TK303 verbose-phrase::"
        "[agent.system_template] 'in order to' can be 'to' (2 tokens per call)",
    ]  # the most costly first, as GitHub shows only the first annotations of a step
    assert result.stderr == f"tokcli: skipped settings.yaml: {NO_PROMPTS}\n"


def test_lint_fix_writes_block_scalars_only_and_says_why_not_elsewhere(tree: Path) -> None:
    before = (
        "agent:\n  system_template: |\n    You are a helpful assistant.   \n    Answer briefly.\n"
        'model:\n  format_error_template: "Reply with one block.     \\nNothing else."\n'
    )  # trailing spaces in both: blank lines would cost no token in o200k, so lint no longer reports them
    (tree / "agent.yaml").write_text(before)
    result = invoke("lint", "agent.yaml", "--fix", "--exit-zero")
    assert result.exit_code == 0
    assert (tree / "agent.yaml").read_text() == before.replace("assistant.   \n", "assistant.\n")
    assert result.stderr == (
        "tokcli: note: agent.yaml::model.format_error_template: not fixed in place: double-quoted YAML scalar: "
        "only block scalars (|) are written back exactly\n"
        "tokcli: fixed 1 finding in 1 file(s)\n"
    )
    assert "TK102" in result.stdout and "[model.format_error_template]" in result.stdout


def test_lint_python_syntax_error_is_one_line_exit_2(tree: Path) -> None:
    (tree / "bad.py").write_text('PROMPT = "You are kind to users."\ndef f(:\n')
    result = invoke("lint", "bad.py")
    assert result.exit_code == 2
    assert result.stderr == "tokcli: error: bad.py:2: Python syntax error: invalid syntax\n"


def test_lint_python_without_prompts_named_alone_says_why_and_beside_others_is_a_note(tree: Path) -> None:
    alone = invoke("lint", "util.py")
    assert (alone.exit_code, alone.stdout) == (2, "")
    assert (
        alone.stderr
        == "tokcli: error: no prompt files in util.py: 1 left out — no prompts found in this Python file (1)\n"
    )
    beside = invoke("lint", "util.py", "app.py", "--exit-zero")
    assert beside.exit_code == 0
    assert beside.stderr == "tokcli: skipped util.py: no prompts found in this Python file\n"


def test_count_per_unit(tree: Path) -> None:
    result = invoke("count", "app.py", "-t", "o200k_base", "-f", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    rows = [(row["path"], row["tokens"]) for row in json.loads(result.stdout)["results"]]
    assert rows == [
        ("app.py::app.SYSTEM_PROMPT", o200k("You are a billing assistant.\nAnswer in {language}.")),
        ("app.py::app.ask.messages[0]", o200k("Question: {question}")),
    ]


def test_count_whole_files_counts_hosts_as_text(tree: Path) -> None:
    result = invoke("count", "app.py", "settings.yaml", "util.py", "-t", "o200k_base", "-f", "json", "--whole-files")
    assert (result.exit_code, result.stderr) == (0, "")
    rows = [(row["path"], row["tokens"]) for row in json.loads(result.stdout)["results"]]
    assert rows == [("app.py", o200k(APP)), ("settings.yaml", o200k("retries: 3\n")), ("util.py", o200k("x = 1\n"))]


def test_count_reads_unparsable_hosts_as_text_as_before(tree: Path) -> None:
    (tree / "broken.yaml").write_text("a: [unclosed\n")
    result = invoke("count", "broken.yaml", "-t", "o200k_base", "-f", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout)["results"][0]["tokens"] == o200k("a: [unclosed\n")


def test_compress_write_changes_the_exact_units_only(tree: Path) -> None:
    result = invoke("compress", "agent.yaml", "--write", "--no-backup")
    assert result.exit_code == 0
    text = (tree / "agent.yaml").read_text()
    assert "    You must answer to help the user.\n" in text
    assert 'format_error_template: "Please note that you must reply' in text
    assert "agent.yaml::model.format_error_template: not written back: double-quoted YAML scalar" in result.stderr


def test_compress_python_literal_in_place(tree: Path) -> None:
    source = 'GUIDE_PROMPT = """Please note that you should answer in order to help."""\nx = 1\n'
    (tree / "guide.py").write_text(source)
    result = invoke("compress", "guide.py", "--write", "--no-backup")
    assert result.exit_code == 0, result.stderr
    assert (tree / "guide.py").read_text() == 'GUIDE_PROMPT = """You should answer to help."""\nx = 1\n'


def test_compress_python_format_prompt_keeps_its_fields_protected(tree: Path) -> None:
    # the repeated sentence holds a {field}: the rest of the prompt is still compressed, every field kept
    source = (
        'PROMPT = """You are a support agent for {company}. Please note that you must answer in {language}.\n'
        'Always answer in {language}. In order to help, use the context.\nAlways answer in {language}.\n"""\n\n\n'
        "def build(company, language):\n    return PROMPT.format(company=company, language=language)\n"
    )
    (tree / "support.py").write_text(source)
    result = invoke("compress", "support.py", "--write", "--no-backup")
    assert result.exit_code == 0, result.stderr
    assert "kept as it was" not in result.stderr
    assert "transforms: filler_phrases ×1, verbose_phrases ×1" in result.stderr
    assert (tree / "support.py").read_text() == source.replace("Please note that you", "You").replace(
        "In order to help", "To help"
    )


@pytest.mark.parametrize(
    "source",
    [
        'PROMPT = """You help with {product}. Please note that you explain {{% raw %}} blocks."""\n\n\n'
        "def build(product):\n    return PROMPT.format(product=product)\n",
        "import openai\n\n\ndef ask(product):\n    return openai.chat.completions.create(\n"
        '        model="gpt-4o", messages=[{"role": "system", "content": f"You help with {product}. Please note that '
        'you explain {{% raw %}} blocks."}]\n    )\n',
    ],
)
def test_escaped_braces_of_a_format_string_are_no_jinja_tag(tree: Path, source: str) -> None:
    (tree / "raw.py").write_text(source)
    result = invoke("lint", "raw.py")
    assert result.exit_code == 1, result.stderr  # a finding, not a template syntax error (exit 2)
    assert "filler phrase 'Please note that'" in result.stdout
    assert result.stderr == ""


def test_compress_python_format_prompt_keeps_positional_and_nested_fields(tree: Path) -> None:
    # fields Python's str.format reads that no name opens: `{0:…}`, `{}`, a nested spec, one inside `{{ }}`
    source = (
        'PROMPT = """Please note that the date is {0:%d  %B} and the user is {{{user}}}.\n'
        'Please note that you pad {:>{width}} and cite {}.\n"""\n\n\n'
        'def build(day, name, source):\n    return PROMPT.format(day, name, source, user="u", width=8)\n'
    )
    (tree / "dates.py").write_text(source)
    result = invoke("compress", "dates.py", "--write", "--no-backup")
    assert result.exit_code == 0, result.stderr
    assert (tree / "dates.py").read_text() == source.replace("Please note that the", "The").replace(
        "Please note that you", "You"
    )


def test_format_fields_are_read_as_str_format_reads_them() -> None:
    import string

    from tokcli.units.syntax import format_names, format_string_fields

    text = "{0:%d  %B} {{{user}}} {:>{width}} {a[{]} {b!r:>{x}.{y}} {{not}} {}"
    spans = format_string_fields(text)
    assert [text[span.start : span.end] for span in spans] == [
        "{0:%d  %B}",
        "{user}",
        "{:>{width}}",
        "{a[{]}",
        "{b!r:>{x}.{y}}",
        "{}",
    ]
    assert len(format_names(text)) == len([item for item in string.Formatter().parse(text) if item[1] is not None])
    assert format_names(text)[:3] == ["0:%d  %B", "user", ":>{width}"]  # a changed spec is a changed field
    # not a valid format string (a lone brace): the fields a name opens, as before
    lone = "{name} and a lone }"
    assert [lone[span.start : span.end] for span in format_string_fields(lone)] == ["{name}"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="{}[]:!rsa0 x.", max_size=14))
def test_format_fields_are_the_parsers_fields_for_every_format_string(text: str) -> None:
    import string

    from tokcli.units.syntax import format_names

    try:
        parsed = [item for item in string.Formatter().parse(text) if item[1] is not None]
    except ValueError:
        return  # not a format string: str.format would refuse it
    if any(conversion not in (None, "r", "s", "a") for _, _, _, conversion in parsed):
        return  # a conversion str.format refuses when it formats
    expected = [
        (name or "") + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        for _, name, spec, conversion in parsed
    ]
    # (`{a:}` is `{a}` with an empty spec: the field as written keeps its colon)
    assert [field.rstrip(":") for field in format_names(text)] == [field.rstrip(":") for field in expected]


def test_a_lost_format_field_fails_verification() -> None:
    from tokcli.compress.protect import FORMAT_KIND
    from tokcli.compress.verify import verify

    original = "Answer in {language}. Be brief.\n"
    assert verify(original, "Answer in {language}.\n", kind=FORMAT_KIND).ok
    report = verify(original, "Answer briefly.\n", kind=FORMAT_KIND)
    assert [problem.check for problem in report.problems] == ["protected"]
    assert "{language}" in report.problems[0].message


def test_audit_rows_per_unit_with_model_budget_and_host_lines(tree: Path, own_cache: Path) -> None:
    (tree / ".tokcli.yaml").write_text(
        "audit:\n  budgets:\n    files:\n      'agent.yaml::agent.system_template':\n        max_tokens: 5\n"
    )
    data, result = audit_json(".", expect=1)
    rows = {row["path"]: row for row in data["files"]}
    assert list(rows) == [
        "agent.yaml::agent.system_template",
        "agent.yaml::agent.instance_template",
        "agent.yaml::model.format_error_template",
        "app.py::app.SYSTEM_PROMPT",
        "app.py::app.ask.messages[0]",
    ]
    system = rows["app.py::app.SYSTEM_PROMPT"]["unit"]
    assert system == {
        "file": "app.py",
        "key": "app.SYSTEM_PROMPT",
        "line": 1,
        "column": 20,
        "syntax": "format",
        "found_by": "python",
        "role": "system",
        "model": "claude-3-5-haiku-latest",
    }
    tokens = rows["agent.yaml::agent.system_template"]["models"]["gpt-4o"]["tokens"]
    assert tokens == o200k(
        "You are a helpful assistant.\nPlease note that you must answer in order to help the user.\n"
    )
    budget = [f for f in data["findings"] if f["code"] == "TK951"]
    assert [(f["path"], f["line"], f["column"]) for f in budget] == [("agent.yaml", 3, 5)]
    assert data["skipped"] == [{"path": "settings.yaml", "reason": NO_PROMPTS}]
    assert "note: Python files: 1 of 2 scanned hold prompts" in result.stderr  # util.py: no row, no note of its own


def test_audit_deltas_per_unit_against_a_baseline(tree: Path, own_cache: Path) -> None:
    assert run_audit(".", "--write-baseline", "base.json", "--fail-on", "never").exit_code == 0
    (tree / "agent.yaml").write_text(AGENT.replace("    You are a helpful assistant.\n", "    You are kind.\n"))
    data, _ = audit_json(".", "--baseline", "base.json", "--fail-on", "never", expect=0)
    changed = {item["path"] for item in data["deltas"]["files"] if item["status"] == "changed"}
    assert changed == {"agent.yaml::agent.system_template"}


def test_audit_since_a_git_ref_compares_unit_by_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    root = git_repo(tmp_path / "repo")
    write_tree(root, {"agent.yaml": AGENT, "app.py": APP})
    commit_all(root)
    (root / "app.py").write_text(APP.replace("billing assistant", "terse billing assistant"))
    monkeypatch.chdir(root)
    data, _ = audit_json(".", "--since", "HEAD", "--fail-on", "never", expect=0)
    status = {item["path"]: item["status"] for item in data["deltas"]["files"]}
    assert status["app.py::app.SYSTEM_PROMPT"] == "changed"
    assert status["agent.yaml::agent.system_template"] == "unchanged"
    assert set(status.values()) == {"changed", "unchanged"}


def test_audit_sarif_lands_on_the_host_line(tree: Path, own_cache: Path) -> None:
    result = run_audit(".", "--format", "sarif", "--fail-on", "never")
    assert result.exit_code == 0
    results = json.loads(result.stdout)["runs"][0]["results"]
    located = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in results
    }  # fmt: skip
    assert ("TK302", "agent.yaml", 4) in located and ("TK302", "agent.yaml", 9) in located


def test_audit_python_that_does_not_parse_is_a_note(tree: Path, own_cache: Path) -> None:
    (tree / "bad.py").write_text('PROMPT = "You are kind to users."\ndef f(:\n')
    data, result = audit_json(".", expect=0)
    assert "bad.py" not in {row["path"].partition("::")[0] for row in data["files"]}
    assert "tokcli: note: bad.py:2: skipped, Python syntax error: invalid syntax" in result.stderr


def test_count_of_a_directory_reads_the_python_prompts_that_audit_and_lint_read(tree: Path) -> None:
    result = invoke("count", ".", "-m", "gpt-4o", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    paths = [row.split(",")[0] for row in result.stdout.splitlines()[1:]]
    # app.py's prompts are counted as audit counts them; util.py holds none and adds no row, nor a note.
    assert "app.py::app.SYSTEM_PROMPT" in paths and not any(path.startswith("util.py") for path in paths)
    assert "util.py" not in result.stderr


def test_lint_of_only_configs_without_prompts_says_why_as_count_does(tree: Path) -> None:
    for command in ("lint", "count"):
        result = invoke(command, "settings.yaml")
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr == f"tokcli: error: no prompt files in settings.yaml: 1 left out — {NO_PROMPTS} (1)\n"


def test_compress_counts_no_saving_for_a_unit_it_cannot_write_back(tree: Path) -> None:
    result = invoke("compress", "agent.yaml", "-m", "gpt-4o", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    # only the system template changed where it is written: "Please note that " and "in order " went from it
    saved = o200k("Please note that you must answer in order to help the user.") - o200k(
        "You must answer to help the user."
    )
    assert report["models"][0]["tokens_saved"] == saved
    assert report["transforms"] == {"filler_phrases": 1, "verbose_phrases": 1}
    assert any("format_error_template: not written back" in note for note in report["notes"])


def test_audit_s_compress_saving_of_a_unit_is_what_compress_writes(tree: Path, own_cache: Path) -> None:
    # the double-quoted scalar is not written back by compress: audit said it saved tokens all the same
    compressed = json.loads(invoke("compress", "agent.yaml", "-m", "gpt-4o", "--format", "json").stdout)
    audited, _ = audit_json("agent.yaml", "-m", "gpt-4o", expect=0)
    saved = {row["path"]: row["models"]["gpt-4o"]["saved_tokens"] for row in audited["files"]}
    assert saved["agent.yaml::model.format_error_template"] == 0
    assert sum(saved.values()) == compressed["models"][0]["tokens_saved"] > 0
    tokens = sum(row["models"]["gpt-4o"]["tokens"] for row in audited["files"])
    assert tokens == compressed["models"][0]["tokens_before"]


def test_compress_figures_of_a_host_are_the_sum_of_its_units_as_count_counts_them(tree: Path) -> None:
    units = ["Please note that you must answer in order to help the user", "Reply with one bash block"]
    (tree / "short.yaml").write_text(
        f"agent:\n  system_template: |-\n    {units[0]}\n  step_template: |-\n    {units[1]}\n"
    )
    counted = invoke("count", "short.yaml", "-t", "o200k_base", "-f", "json")
    assert (counted.exit_code, counted.stderr) == (0, "")
    per_unit = [row["tokens"] for row in json.loads(counted.stdout)["results"]]
    result = invoke("compress", "short.yaml", "-m", "gpt-4o", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [figures] = json.loads(result.stdout)["models"]
    # the units' tokens added up as `count` gives them, not the tokens of their texts joined by a line break
    # (which adds one here: " user" and "\n" are two tokens)
    assert figures["tokens_before"] == sum(per_unit) == o200k(units[0]) + o200k(units[1])
    assert o200k("\n".join(units)) == figures["tokens_before"] + 1
    assert figures["tokens_after"] == o200k("You must answer to help the user") + o200k(units[1])


def test_a_jinja_unit_with_a_json_example_is_compressed_not_kept_for_its_braces(tree: Path) -> None:
    # the JSON's braces are no `str.format` fields in a Jinja template: minifying it is no "changed {fields}"
    (tree / "json.yaml").write_text(
        "agent:\n  system_template: |\n    Please note that you must reply with JSON:\n"
        '    {\n      "action": "run",\n      "args": [1, 2]\n    }\n    Solve {{task}}.\n'
    )
    result = invoke("compress", "json.yaml", "--write", "--no-backup")
    assert result.exit_code == 0, result.stderr
    assert "kept as it was" not in result.stderr
    assert (tree / "json.yaml").read_text() == (
        'agent:\n  system_template: |\n    You must reply with JSON:\n    {"action":"run","args":[1,2]}\n'
        "    Solve {{task}}.\n"
    )


def test_a_format_prompt_is_counted_as_the_model_receives_it(tree: Path, own_cache: Path) -> None:
    # `{{` and `}}` are one brace each after `.format()`: count, cost, audit and compress all counted two
    prompt = (
        'You are a JSON API for {company}. Please note that you must reply only with {{"answer": "..."}}.\n'
        "Never add prose around {{ and }}.\n"
    )
    source = f'PROMPT = """{prompt}"""\n\n\ndef build(company):\n    return PROMPT.format(company=company)\n'
    (tree / "api.py").write_text(source)
    received = prompt.replace("{{", "{").replace("}}", "}")
    assert o200k(received) < o200k(prompt)
    counted = json.loads(invoke("count", "api.py", "-m", "gpt-4o", "--format", "json").stdout)["results"]
    assert [(row["path"], row["tokens"]) for row in counted] == [("api.py::api.PROMPT", o200k(received))]
    cost = json.loads(invoke("cost", "api.py", "-m", "gpt-4o", "--format", "json").stdout)["results"]
    assert [row["input_tokens"] for row in cost] == [o200k(received)]
    report, _ = audit_json("api.py", "-m", "gpt-4o", expect=0)
    (row,) = report["files"]
    figures = row["models"]["gpt-4o"]
    compressed = received.replace("Please note that you", "You")
    assert (figures["tokens"], figures["compressed_tokens"]) == (o200k(received), o200k(compressed))
    result = invoke("compress", "api.py", "-m", "gpt-4o", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (model,) = json.loads(result.stdout)["models"]
    assert (model["tokens_before"], model["tokens_after"]) == (o200k(received), o200k(compressed))
    # a Jinja unit keeps its braces: Jinja reads `{{task}}` as a tag, counted as written
    (tree / "agent.yaml").write_text(AGENT)
    counted = json.loads(invoke("count", "agent.yaml", "-m", "gpt-4o", "--format", "json").stdout)["results"]
    assert {row["path"]: row["tokens"] for row in counted}["agent.yaml::agent.instance_template"] == o200k(
        "Solve this issue: {{task}}"
    )


def test_a_tool_list_in_source_is_marked_and_placed_by_audit_as_by_count_and_lint(tree: Path, own_cache: Path) -> None:
    # app.py sends a tool list through Anthropic's SDK: on gpt-4o its tokens are an estimate (the tools' JSON)
    source = APP.replace(
        '        messages=[{"role": "user", "content": f"Question: {question}"}],\n',
        '        messages=[{"role": "user", "content": f"Question: {question}"}],\n'
        '        tools=[{"name": "lookup", "description": "Look a word up.", "input_schema": {"type": "object",\n'
        '            "properties": {"word": {"type": "string"}}}}],\n',
    )
    (tree / "app.py").write_text(source)
    counted = json.loads(invoke("count", "app.py", "-m", "gpt-4o", "--format", "json").stdout)
    estimated = {row["path"]: row["exact"] for row in counted["results"]}
    assert estimated == {
        "app.py::app.SYSTEM_PROMPT": True,
        "app.py::app.ask.messages[0]": True,
        "app.py::app.ask.tools.json": False,
    }
    assert [total["exact"] for total in counted["totals"]] == [False]
    report, _ = audit_json("app.py", "-m", "gpt-4o", expect=0)
    assert {row["path"]: row["models"]["gpt-4o"]["exact"] for row in report["files"]} == estimated
    assert report["totals"]["gpt-4o"]["exact"] is False
    assert report["totals"]["gpt-4o"]["tokens"] == counted["totals"][0]["tokens"]
    # each tool on the host file's line of its list, where lint puts the list's findings (not a line of its JSON)
    tools_line = next(number for number, line in enumerate(source.splitlines(), 1) if "tools=[" in line)
    rows = {row["path"]: row["models"]["gpt-4o"]["tools"] for row in report["files"]}
    assert [tool["line"] for tool in rows["app.py::app.ask.tools.json"]] == [tools_line]
    markdown = run_audit("app.py", "-m", "gpt-4o", "--format", "markdown").stdout
    tools = counted["results"][2]["tokens"]
    assert f"| `app.py::app.ask.tools.json` → claude-3-5-haiku-latest | ~{tools:,} |" in markdown


def test_a_format_prompt_s_static_prefix_is_counted_as_the_model_receives_it(tree: Path, own_cache: Path) -> None:
    # the static prefix before `{question}` holds many `{{`: counted as written, it came out above the prompt
    prefix = 'Reply as {{"answer": "yes"}} or {{"answer": "no"}}. ' * 30
    source = f'PROMPT = """{prefix}Question: {{question}}"""\n\n\ndef build(question):\n    return PROMPT.format(question=question)\n'
    (tree / "api.py").write_text(source)
    report, _ = audit_json("api.py", "-m", "gpt-4o", expect=0)
    (row,) = report["files"]
    figures = row["models"]["gpt-4o"]
    received = prefix.replace("{{", "{").replace("}}", "}") + "Question: "
    assert row["first_dynamic"]["text"] == "{question}"
    assert figures["static_prefix_tokens"] == o200k(received) < figures["tokens"]


class _Kept(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="{}ab x", max_size=16))
def test_format_output_is_what_str_format_gives_with_each_field_kept(text: str) -> None:
    import string

    from tokcli.units.syntax import format_output

    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        assert format_output(text) == text  # str.format refuses it: nothing known is sent, kept as written
        return
    if any(name is not None and not name.isidentifier() for _, name, _, _ in parsed):
        return  # `{}`, `{ a}`: filled by position, or a name format_map cannot keep; read as fields all the same
    assert format_output(text) == text.format_map(_Kept())

"""Rendering templates with fixtures: where fixtures come from, the sandbox and StrictUndefined as one-line
errors, rendered tokens in count (min / median / max), and audit's rendered budgets, deltas and prefix."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.registry import get_tokenizer
from tokcli.render import Fixture, common_prefix, fixtures_from_data, render_text

runner = CliRunner()
O200K = get_tokenizer("o200k_base")
TEMPLATE = "You answer from the documents.\n{% for d in docs %}- {{ d }}\n{% endfor %}Question: {{ question }}\n"
SHORT = {"docs": ["Paris is the capital of France."], "question": "Capital of France?"}
LONG = {"docs": ["Paris is the capital of France.", "The Seine flows through it."], "question": "Tell me more."}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def rendered(values: dict[str, object]) -> str:
    return render_text("t.j2", TEMPLATE, Fixture("f", dict(values), "f"))


def test_render_text_is_jinja2() -> None:
    assert rendered(SHORT) == (
        "You answer from the documents.\n- Paris is the capital of France.\nQuestion: Capital of France?\n"
    )


def test_sandbox_violation_names_file_and_line() -> None:
    with pytest.raises(Exception) as caught:
        render_text("evil.j2", 'ok\n{{ "".__class__.__mro__ }}', Fixture("f", {}, "f"))
    assert (
        str(caught.value) == "evil.j2:2: sandbox violation: access to attribute '__class__' of 'str' object is unsafe."
    )


def test_loop_controls_and_do_render_in_the_sandbox() -> None:
    # the extensions Hugging Face chat templates and many applications turn on were a syntax error
    source = "{% set seen = [] %}{% for x in xs %}{% if x in seen %}{% continue %}{% endif %}{% if x == 9 %}{% break %}"
    source += "{% endif %}{% do seen.append(x) %}{{ x }},{% endfor %}"
    assert render_text("t.j2", source, Fixture("f", {"xs": [1, 1, 2, 9, 3]}, "f")) == "1,2,"
    with pytest.raises(Exception) as caught:
        render_text("evil.j2", '{% do "".__class__.__mro__.pop() %}', Fixture("f", {}, "f"))
    assert str(caught.value).startswith("evil.j2:1: sandbox violation: access to attribute '__class__'")


def test_missing_variable_is_named() -> None:
    with pytest.raises(Exception) as caught:
        render_text("t.j2", TEMPLATE, Fixture("short", {"docs": []}, "f"), first_line=5)
    assert str(caught.value) == "t.j2:7: missing variable in fixture 'short': 'question' is undefined"


def test_fixture_file_shapes() -> None:
    assert [f.name for f in fixtures_from_data(SHORT, "rag.vars.yaml")] == ["rag.vars.yaml"]
    assert [f.name for f in fixtures_from_data([SHORT, LONG], "v.json")] == ["v.json#1", "v.json#2"]
    assert [f.name for f in fixtures_from_data({"fixtures": {"a": SHORT, "b": LONG}}, "v.yaml")] == ["a", "b"]
    with pytest.raises(Exception, match="a fixture file holds a mapping of variables or a list of them"):
        fixtures_from_data("text", "v.yaml")
    with pytest.raises(Exception, match=r"fixture 'v\.json#1' must be a mapping of variables"):
        fixtures_from_data([1], "v.json")


def test_common_prefix() -> None:
    assert common_prefix(["abc1", "abc2", "abd"]) == "ab"
    assert common_prefix(["same"]) == "same"


@pytest.fixture
def rag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("rag.j2").write_text(TEMPLATE)
    Path("rag.vars.yaml").write_text(json.dumps({"fixtures": {"short": SHORT, "long": LONG}}))
    return tmp_path


def test_count_reports_rendered_tokens_beside_the_template(rag: Path) -> None:
    code, stdout, stderr = run("count", ".", "-m", "gpt-4o", "-f", "json")
    assert (code, stderr) == (0, "")
    [item] = json.loads(stdout)["results"]  # the fixture file is not a prompt of its own
    short, long = O200K.count(rendered(SHORT)), O200K.count(rendered(LONG))
    assert item["tokens"] == O200K.count(TEMPLATE)
    assert item["rendered"] == {
        "fixtures": [{"name": "short", "tokens": short}, {"name": "long", "tokens": long}],
        "min": min(short, long),
        "median": (short + long) / 2,
        "max": max(short, long),
        "exact": True,
    }
    code, stdout, _ = run("count", "rag.j2", "-m", "gpt-4o", "-f", "text")
    section = stdout.split("rendered with fixtures\n")[1].splitlines()
    assert section[1].split() == [
        "rag.j2",
        "gpt-4o",
        str(O200K.count(TEMPLATE)),
        "2",
        str(short),
        f"{(short + long) / 2:g}",
        str(long),
    ]


@pytest.mark.parametrize("command", ["count", "cost"])
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.json", "[1, 2", "broken.json:1: invalid JSON in fixture file: Expecting ',' delimiter (column 6)"),
        ("missing.yaml", None, "missing.yaml: fixture file not found"),
    ],
)
def test_a_bad_vars_file_is_an_error_even_when_no_input_is_a_template(
    command: str, name: str, content: str | None, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # it was never read when no input was a template, so a typo in --vars went unnoticed with exit 0
    monkeypatch.chdir(tmp_path)
    Path("plain.md").write_text("hello world\n")
    if content is not None:
        Path(name).write_text(content)
    code, stdout, stderr = run(command, "plain.md", "-m", "gpt-4o", "--vars", name)
    assert (code, stdout, stderr) == (2, "", f"tokcli: error: {message}\n")


def test_vars_flag_config_globs_and_prompt_yml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("t.j2").write_text("Hi {{ name }}.\n")
    Path("one.json").write_text(json.dumps({"name": "Ada"}))
    code, stdout, _ = run("count", "t.j2", "--vars", "one.json", "-f", "json")
    assert json.loads(stdout)["results"][0]["rendered"]["max"] == O200K.count("Hi Ada.\n")
    Path("fixtures").mkdir()
    Path("fixtures/people.yaml").write_text("- {name: Grace Hopper}\n")
    Path(".tokcli.yaml").write_text('render:\n  fixtures: {"*.j2": fixtures/people.yaml}\n')
    code, stdout, _ = run("count", "t.j2", "-f", "json")
    assert json.loads(stdout)["results"][0]["rendered"]["fixtures"] == [
        {"name": "people.yaml#1", "tokens": O200K.count("Hi Grace Hopper.\n")}
    ]
    Path("summarize.prompt.yml").write_text(
        "name: Summarize\nmodel: openai/gpt-4o\nmessages:\n  - role: user\n    content: 'Summarize: {{input}}'\n"
        "testData:\n  - {input: The sky is blue., expected: Blue sky.}\n"
    )
    code, stdout, stderr = run("count", "summarize.prompt.yml", "-m", "gpt-4o", "-f", "json")
    assert (code, stderr) == (0, "")
    [item] = json.loads(stdout)["results"]
    framing = 3 + O200K.count("user") + 3
    assert item["rendered"]["fixtures"] == [
        {"name": "testData#1", "tokens": O200K.count("Summarize: The sky is blue.") + framing}
    ]


def test_a_prompty_sample_is_a_fixture_over_the_inputs_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    front = "---\nname: t\ninputs:\n  question: {type: string}\n  tone: {type: string, default: friendly}\n"
    body = "---\nsystem:\nYou answer billing questions in a {{tone}} tone.\n\nuser:\n{{question}}\n"
    Path("s.prompty").write_text(front + "sample:\n  question: How do I pay my bill online?\n" + body)
    # the same prompt with the sample's values (and the default) written in: what the render must count
    Path("literal.prompty").write_text(
        "---\nname: t\n" + body.replace("{{tone}}", "friendly").replace("{{question}}", "How do I pay my bill online?")
    )
    code, stdout, stderr = run("count", "s.prompty", "literal.prompty", "-m", "gpt-4o", "-f", "json")
    assert (code, stderr) == (0, "")
    sampled, literal = json.loads(stdout)["results"]
    assert sampled["rendered"]["fixtures"] == [{"name": "sample", "tokens": literal["tokens"]}]
    assert "rendered" not in literal or literal["rendered"] is None


def test_bad_fixture_is_a_one_line_error(rag: Path) -> None:
    Path("rag.vars.yaml").write_text("fixtures: [1, 2\n")
    code, stdout, stderr = run("count", "rag.j2")
    assert (code, stdout) == (2, "")
    assert stderr.startswith("tokcli: error: rag.vars.yaml:2: invalid YAML in fixture file")
    Path("rag.vars.yaml").write_text(json.dumps({"fixtures": {"short": {"docs": []}}}))
    code, stdout, stderr = run("count", "rag.j2")
    assert (code, stdout, stderr) == (
        2,
        "",
        "tokcli: error: rag.j2:3: missing variable in fixture 'short': 'question' is undefined\n",
    )


def test_audit_rendered_budget_delta_and_prefix(rag: Path) -> None:
    short, long = O200K.count(rendered(SHORT)), O200K.count(rendered(LONG))
    Path(".tokcli.yaml").write_text(
        f'models: [gpt-4o]\naudit:\n  budgets:\n    files:\n      "*.j2": {{max_rendered_tokens: {long - 1}}}\n'
    )
    code, stdout, stderr = run("audit", ".", "--no-cache", "--write-baseline", "base.json", "-f", "json")
    assert code == 1, stderr
    payload = json.loads(stdout)
    assert [file["path"] for file in payload["files"]] == ["rag.j2"]
    figures = payload["files"][0]["models"]["gpt-4o"]
    assert (figures["rendered"]["min"], figures["rendered"]["max"]) == (short, long)
    # The cacheable prefix is what both renders share: the instruction and the first document.
    shared = "You answer from the documents.\n- Paris is the capital of France.\n"
    assert figures["static_prefix_tokens"] == O200K.count(shared)
    [finding] = [f for f in payload["findings"] if f["code"] == "TK958"]
    assert finding["message"].startswith(f"rendered with fixture 'long': {long} tokens on gpt-4o, over the budget")
    bigger = dict(LONG, question="Tell me everything you know about the history of this city.")
    Path("rag.vars.yaml").write_text(json.dumps({"fixtures": {"short": SHORT, "long": bigger}}))
    Path(".tokcli.yaml").write_text("models: [gpt-4o]\n")
    code, stdout, stderr = run("audit", ".", "--no-cache", "--baseline", "base.json")
    assert code == 0, stderr
    after = O200K.count(rendered(bigger))
    assert f"rendered (largest): {long:,} → {after:,} (+{after - long:,}" in stdout


def test_cost_prices_the_smallest_and_largest_render(rag: Path) -> None:
    short, long = O200K.count(rendered(SHORT)), O200K.count(rendered(LONG))
    code, stdout, stderr = run("cost", ".", "-m", "gpt-4o", "-f", "json")
    assert (code, stderr) == (0, "")
    payload = json.loads(stdout)
    assert [row["path"] for row in payload["results"]] == ["rag.j2"]  # the fixture file is not priced
    [item] = payload["rendered"]
    assert (item["path"], item["model"], item["min"], item["max"]) == ("rag.j2", "gpt-4o", short, long)
    # gpt-4o input: $2.50 per 1M tokens in the shipped table.
    assert Decimal(item["min_cost"]) == Decimal("2.50") * short / 1_000_000
    assert Decimal(item["max_cost"]) == Decimal("2.50") * long / 1_000_000
    code, stdout, _ = run("cost", "rag.j2", "-m", "gpt-4o", "-f", "text")
    assert f"rendered rag.j2 on gpt-4o: {short}–{long} tokens over 2 fixtures" in stdout


def test_audit_rendered_cost_budget(rag: Path) -> None:
    long = O200K.count(rendered(LONG))
    cost = Decimal("2.50") * long / 1_000_000  # gpt-4o input price per token
    limit = cost - Decimal("0.000001")
    Path(".tokcli.yaml").write_text(
        f'models: [gpt-4o]\naudit:\n  budgets:\n    files:\n      "*.j2": {{max_rendered_cost_per_call: {limit}}}\n'
    )
    code, stdout, stderr = run("audit", ".", "--no-cache", "-f", "json")
    assert code == 1, stderr
    payload = json.loads(stdout)
    assert Decimal(payload["files"][0]["models"]["gpt-4o"]["rendered_cost_per_call"]) == cost
    [check] = payload["budgets"]
    assert (check["metric"], Decimal(check["actual"]), check["exceeded"]) == ("rendered_cost_per_call", cost, True)
    [finding] = [f for f in payload["findings"] if f["code"] == "TK958"]
    assert "rendered with its largest fixture" in finding["message"]


def test_since_renders_the_old_template_with_todays_fixtures(rag: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", *args], check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    longer = TEMPLATE.replace("You answer", "You always answer politely and only")
    Path("rag.j2").write_text(longer)
    code, stdout, stderr = run("audit", ".", "--no-cache", "-m", "gpt-4o", "--since", "HEAD")
    assert code == 0, stderr
    before = O200K.count(rendered(LONG))
    after = O200K.count(render_text("t.j2", longer, Fixture("long", LONG, "f")))
    assert f"rendered (largest): {before:,} → {after:,} (+{after - before:,}" in stdout


def test_hostile_fixture_files_are_one_line_errors(rag: Path) -> None:
    Path("rag.vars.yaml").unlink()
    Path("rag.vars.json").write_text('{"question": ' + "1" * 5000 + "}")
    code, stdout, stderr = run("count", "rag.j2")
    assert (code, stdout) == (2, "")
    assert (
        stderr == "tokcli: error: rag.vars.json: invalid JSON in fixture file: a number with too many digits to read\n"
    )
    Path("rag.vars.json").write_text("[" * 100_000 + "]" * 100_000)
    code, stdout, stderr = run("count", "rag.j2")
    assert (code, stdout, stderr) == (
        2,
        "",
        "tokcli: error: rag.vars.json: invalid JSON in fixture file: nested too deeply to read\n",
    )


def test_audit_and_cost_say_the_rendered_range_in_words(rag: Path) -> None:
    short, long = O200K.count(rendered(SHORT)), O200K.count(rendered(LONG))
    median = f"{(short + long) / 2:,.1f}".removesuffix(".0")
    code, stdout, stderr = run("audit", ".", "--no-cache", "-m", "gpt-4o")
    assert (code, stderr) == (0, "")
    assert (
        f"  rag.j2: template {O200K.count(TEMPLATE)}, rendered {short}–{long} (median {median}) over 2 fixtures\n"
        in stdout
    )
    # one fixture is a single figure, not a range over "1 fixture(s)"
    Path("rag.vars.yaml").write_text(json.dumps({"fixtures": {"short": SHORT}}))
    code, stdout, stderr = run("audit", ".", "--no-cache", "-m", "gpt-4o")
    assert (code, stderr) == (0, "")
    assert f"  rag.j2: template {O200K.count(TEMPLATE)}, rendered {short} with 1 fixture\n" in stdout
    code, stdout, stderr = run("cost", "rag.j2", "-m", "gpt-4o", "-f", "text")
    price = Decimal("2.50") * short / 1_000_000
    assert (code, stderr) == (0, "")
    assert f"rendered rag.j2 on gpt-4o: {short} tokens with 1 fixture, ${price.normalize():f} per call" in stdout


def test_includes_and_imported_macros_render_from_the_templates_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a template that includes another or imports a macro was "no loader for this environment specified" (exit 2)
    monkeypatch.chdir(tmp_path)
    Path("rag.j2").write_text(
        '{% include "header.j2" %}\n{% from "macros.j2" import rule %}Answer {{ question }}.\n{{ rule("Be brief.") }}\n'
    )
    Path("header.j2").write_text("You are a retrieval assistant for {{ company }}.\n")
    Path("macros.j2").write_text("{% macro rule(text) %}- {{ text }}{% endmacro %}")
    Path("rag.vars.yaml").write_text("question: Why?\ncompany: Acme\n")
    code, stdout, stderr = run("count", "rag.j2", "-t", "o200k_base", "-f", "json")
    assert (code, stderr) == (0, "")
    expected = "You are a retrieval assistant for Acme.\n\nAnswer Why?.\n- Be brief.\n"
    assert json.loads(stdout)["results"][0]["rendered"]["max"] == O200K.count(expected)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{% include "../outside.j2" %}', "included template ../outside.j2 not found in {dir}"),
        ('{% include "loop.j2" %}', "templates include each other without end"),
    ],
)
def test_includes_stay_in_the_directory_and_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    (tmp_path / "outside.j2").write_text("secret\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    monkeypatch.chdir(inner)
    Path("loop.j2").write_text(body + "\n")
    Path("loop.vars.yaml").write_text("x: 1\n")
    code, stdout, stderr = run("count", "loop.j2", "-t", "o200k_base")
    assert (code, stdout) == (2, "")
    where = "loop.j2:1" if "not found" in message else "loop.j2"
    expected = f"tokcli: error: {where}: cannot render with fixture 'loop.vars.yaml': " + message.format(
        dir=inner.resolve()
    )
    assert stderr == expected + "\n"

"""The audit's fast paths give what the plain ones give: literal scan, template skeleton, static prefix,
worker processes."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from audit_support import VERBOSE, count_yaml_parses, run_audit, write_tree
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.errors import InputError
from tokcli.lint.rules.structure import _DYNAMIC_LITERALS, analyse_cache_prefix, dynamic_literals, static_prefix
from tokcli.prompts import find_template_spans, load_prompt, parse_template, template_skeleton
from tokcli.registry import get_tokenizer

PIECES = [
    "2025-01-31T09:30:00Z",
    "2025-01-31 09:30",
    "12025-01-31 09:30",
    "2025-01-31",
    "550e8400-e29b-41d4-a716-446655440000",
    "x550e8400-e29b-41d4-a716-446655440000",
    "Today is 31.01.2025",
    "TODAY'S DATE IS 2025/01/31",
    "current time: 09:30",
    "Current date 1",
    "timestamp: 1706693400",
    "tİmestamp: 5",
    "tımestamp: 5",
    "timeſtamp: 5",
    "İ",
    "-",
    "--",
    " ",
    "\n",
    "a",
    "7",
    "_",
    "é",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=12))
def test_dynamic_literals_match_the_plain_regex(parts: list[str]) -> None:
    text = "".join(parts)
    fast = [(m.start(), m.end()) for m in dynamic_literals(text)]
    assert fast == [(m.start(), m.end()) for m in _DYNAMIC_LITERALS.finditer(text)]


def test_dynamic_literals_examples() -> None:
    text = "Current time: 2025-01-31T09:30:00Z and id 550e8400-e29b-41d4-a716-446655440000; tİmestamp: 7\n"
    assert (
        [m.group() for m in dynamic_literals(text)]
        == [m.group() for m in _DYNAMIC_LITERALS.finditer(text)]
        == ["Current time: 2025-01-31", "550e8400-e29b-41d4-a716-446655440000", "tİmestamp: 7"]
    )


TEMPLATES = [
    "Hello {{ name }}.\n{% for d in docs %}\n[{{ loop.index }}] {{ d.text }}\n{% endfor %}\n",
    "Text\n\nmore {# note #} {% raw %}{{ not a tag }}{% endraw %} end\n",
    "Windows\r\nlines {{ x }}\r\n{% if y %}\r\n{% endif %}\r\n",
    "a\nb {% for x in y %}\n c",
    "x\n\n{{ a b }}",
    "{% if %}",
    "\r\nx\r\n{% endif %}",
    "{% for x in y %}{% endif %}",
    "line\n{{ x | }}\n",
]


@pytest.mark.parametrize("text", TEMPLATES)
def test_skeleton_gives_jinja_the_same_verdict_and_line(text: str) -> None:
    import jinja2

    def verdict(source: str) -> tuple[str, int | None] | None:
        try:
            parse_template(source)
        except jinja2.TemplateSyntaxError as error:
            return (error.message or "", error.lineno)
        return None

    skeleton = template_skeleton(text, find_template_spans(text))
    assert skeleton is not None
    full, short = verdict(text), verdict(skeleton)
    assert (full is None) == (short is None)
    if full is not None and short is not None:
        assert full[1] == short[1]
    assert skeleton.count("\n") == text.count("\n")


def test_skeleton_refuses_tags_with_braces_inside() -> None:
    text = "{{ {'a': {'b': 1}} }}\n"
    assert template_skeleton(text, find_template_spans(text)) is None
    assert load_prompt("p.j2", text).kind == "jinja"  # parsed whole, and valid


@pytest.mark.parametrize("text", TEMPLATES[3:])
def test_syntax_errors_are_reported_as_jinja_reports_the_whole_text(text: str) -> None:
    import jinja2

    with pytest.raises(jinja2.TemplateSyntaxError) as expected:
        jinja2.Environment().parse(text)
    with pytest.raises(InputError) as caught:
        load_prompt("p.j2", text)
    assert caught.value.message == f"template syntax error: {expected.value.message}"
    assert caught.value.line == expected.value.lineno


DOCUMENTS = [
    ("a.j2", "Static rules.\n" * 40 + "Today is {{ date }} {{ name }}.\nMore static text.\n"),
    ("b.md", "# Role\nCurrent time: 2025-01-31T09:30:00Z\nAnswer briefly.\n"),
    ("c.txt", "Nothing dynamic here at all.\n"),
    ("d.txt", "   \n"),
    (
        "e.yaml",
        "messages:\n  - role: system\n    content: Static system text.\n  - role: user\n    content: '{{ q }} now'\n",
    ),
    ("f.prompty", "---\nname: x\n---\nsystem:\nYou help.\nuser:\n{{ question }}\n"),
    ("g.j2", "{% set x = 1 %}Static.\n{% if y %}dynamic{% endif %}\n"),
]


@pytest.mark.parametrize(("path", "text"), DOCUMENTS)
def test_static_prefix_is_what_analyse_cache_prefix_counts(path: str, text: str) -> None:
    tokenizer = get_tokenizer("o200k_base")
    document = load_prompt(path, text)
    info = analyse_cache_prefix(document, tokenizer)
    found = static_prefix(document)
    assert found.dynamic_text == info.dynamic_text
    assert found.line == info.line
    assert (tokenizer.count(found.prefix) if found.prefix.strip() else 0) == info.prefix_tokens


def test_worker_processes_give_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tokcli.audit.parallel as parallel
    from tokcli import forked

    files = {f"p{index:02d}.md": VERBOSE + f"Ticket {index}: {{{{ ticket }}}}\n" for index in range(12)}
    files["chat.yaml"] = DOCUMENTS[4][1]
    files["bad.j2"] = "{% if %}\n"
    files["data.yaml"] = "key: value\n"
    root = write_tree(tmp_path / "tree", files, config="models: [gpt-4o]\n")
    monkeypatch.chdir(root)

    def audit() -> tuple[int, dict[str, object]]:
        result = run_audit(".", "--no-cache", "--format", "json")
        data = json.loads(result.stdout)
        data.pop("elapsed", None)
        return result.exit_code, data

    serial = audit()
    monkeypatch.setattr(forked, "MIN_ITEMS_FOR_POOL", 2)
    assert parallel.process_count(15, object(), None, 2) == 2
    assert audit() == serial
    monkeypatch.setenv("TOKCLI_SINGLE_PROCESS", "1")  # the user's switch: never start processes
    assert parallel.process_count(15, object(), None, 2) == 0
    assert audit() == serial


def test_lint_with_the_whole_text_counted_already_finds_the_same() -> None:
    from tokcli.lint.config import LintSettings
    from tokcli.lint.engine import Linter

    linter = Linter(LintSettings(), model="gpt-4o")
    text = VERBOSE * 3 + "Today is {{ date }}.\n"
    document = load_prompt("p.j2", text)
    seeded = linter.lint_document(document, known_counts={text: get_tokenizer("o200k_base").count(text)})
    assert seeded == linter.lint_document(document)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (" " * 40_000 + "x\n", "TK102"),  # was quadratic: `[ \t]+$` retried at every space
        ("<example>" * 5_000 + "\n", "TK403"),  # was quadratic: every unclosed tag scanned to the end
        ('{"a": ' * 5_000 + "\n", "TK601"),  # was a RecursionError out of the JSON decoder
    ],
)
def test_pathological_lines_lint_in_linear_time(text: str, code: str) -> None:
    from tokcli.lint.config import LintSettings
    from tokcli.lint.engine import Linter

    findings = Linter(LintSettings(select=[code]), model="gpt-4o").lint_text("p.md", text)
    assert all(finding.code == code for finding in findings)


def test_trailing_whitespace_found_as_before() -> None:
    from lint_support import hits

    assert hits("Answer.   \nAsk.\t\nDone.\n", "TK102", dedent=False) == [(1, 8, "TK102"), (2, 5, "TK102")]


def _flat_phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    ordered = sorted(phrases, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+").replace("'", "['’]") for p in ordered)
    return re.compile(r"(?<![\w\0])(?:" + body + r")(?![\w\0])", re.IGNORECASE)


@pytest.mark.parametrize("name", ["POLITENESS", "FILLER", "VERBOSE"])
def test_grouped_phrase_patterns_match_the_flat_alternation(name: str) -> None:
    import random

    from tokcli.lint.rules import verbosity

    phrases = list(getattr(verbosity, name))
    flat, grouped = _flat_phrase_pattern(phrases), verbosity._phrase_pattern(phrases)
    pieces = [w for p in phrases for w in re.split(r"(\s)", p)] + [" ", "\n", "x", "'", "’", "İ", "K", "ſ", "\0"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        text = "".join(c.upper() if rng.random() < 0.2 else c for c in text)
        assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in flat.finditer(text)], text


@pytest.mark.parametrize("comment", ["# tokcli: noqa TK301", "{# TOKCLI: noqa TK301 #}", "# to\u212acli: noqa TK301"])
def test_suppression_comments_found_whatever_their_case(comment: str) -> None:
    from tokcli.lint.engine import rule_names
    from tokcli.lint.rules.meta import _DIRECTIVE, parse_directives

    text = "Intro.\n" + comment + "\nKindly answer.\n"
    assert _DIRECTIVE.search(text) is not None
    assert [d.codes for d in parse_directives(text, rule_names())] == [["TK301"]]
    assert parse_directives("No comment here.\n" * 50, rule_names()) == []


CELLS = (
    st.sampled_from(["", "a.md", "1,304", "~15", "$0.003260", "12 short", "over", "ok", "é", "…x", " ", "[b]"])
    | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
    | st.text(max_size=4)
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(["File", "gpt-4o", "$/call", "static prefix (min 1,024)", "findings", "budget"]),
        min_size=1,
        max_size=6,
    ),
    st.integers(0, 6),
    st.data(),
    st.sampled_from([None, 30, 60, 200]),
)
def test_the_plain_text_table_is_the_one_rich_draws(
    headers: list[str], count: int, data: Any, width: int | None
) -> None:
    from rich.console import Console

    from tokcli.reporters.audit_text import _print_fitted, _table
    from tokcli.reporters.table_width import Column, fit_columns

    columns = [
        Column(header, data.draw(st.lists(CELLS, min_size=count, max_size=count)), index == 0)
        for index, header in enumerate(headers)
    ]
    drawn = []
    for fast in (True, False):
        buffer = io.StringIO()
        console = Console(file=buffer, width=width or 100_000, no_color=True, highlight=False)
        if fast:
            _print_fitted(console, "Prompt files [x] (3)", columns, width, plain=True)
        else:  # rich draws every row
            fitted = fit_columns(columns, width)
            console.width = max(console.width, fitted.width)
            console.print(_table("Prompt files [x] (3)", fitted, plain=True))
        drawn.append(buffer.getvalue())
    assert drawn[0] == drawn[1]


def test_a_cell_with_blanks_at_its_ends_is_drawn_by_rich() -> None:
    # rich trims a right-justified cell's trailing blank ("0 " is drawn as " 0"): the fast rows would not
    from tokcli.reporters.audit_text import _plain_rows
    from tokcli.reporters.table_width import Column, fit_columns

    fitted = fit_columns([Column("File", ["", ""], True), Column("File", ["", "0 "])], None)
    assert _plain_rows(fitted) is None


def test_the_plain_rows_of_a_large_table_skip_rich() -> None:
    from tokcli.reporters.audit_text import _plain_rows
    from tokcli.reporters.table_width import Column, fit_columns

    fitted = fit_columns(
        [Column("File", [f"p/{i}.md" for i in range(500)], True), Column("budget", ["over", "ok"] * 250)], None
    )
    expected = [f"p/{i}.md".ljust(8) + "   " + ("over" if i % 2 == 0 else "ok").ljust(6) for i in range(500)]
    assert _plain_rows(fitted) == expected  # cells padded to the widths, 3 spaces between columns
    fitted.columns[0].cells[7] = "p/é.md"  # a character rich may measure otherwise: rich draws the table
    assert _plain_rows(fitted) is None


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("ab./\\ .MDmdjy2_"), max_size=12))
def test_file_name_parts_are_purepaths(path: str) -> None:
    """The walk's name, stem and suffix come from string work: the same as PurePath's."""
    from pathlib import PurePath

    from tokcli.prompt_set import not_a_prompt
    from tokcli.prompts import name_parts as _name_parts

    pure = PurePath(path)
    assert _name_parts(path) == _name_parts(pure) == (pure.name, pure.stem, pure.suffix)
    assert not_a_prompt(path) == not_a_prompt(pure)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["tools", "tool", "function_call", "image", "type: 'image", "image_url", " ", ":", "x"])
        | st.text(max_size=4),
        max_size=10,
    )
)
def test_a_chat_file_without_the_extra_key_words_has_no_extra_key(pieces: list[str]) -> None:
    """chat_request looks for a word before running its pattern: every match of the pattern holds one."""
    from tokcli.tools import _EXTRA_KEY_WORDS, _EXTRA_KEYS

    text = "".join(pieces)
    if _EXTRA_KEYS.search(text) is not None:
        assert any(word in text for word in _EXTRA_KEY_WORDS)


@pytest.fixture(scope="module")
def fixture_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tokcli.render import FIXTURE_SUFFIXES

    root = tmp_path_factory.mktemp("fixtures")
    (root / "sub").mkdir()
    for directory in (root, root / "sub"):
        for stem in ("a", "a.j2", "ab", "b.a", "a.b.j2", ".j2"):
            for suffix in FIXTURE_SUFFIXES:
                (directory / (stem + suffix)).write_text("{}\n")
    return root


@settings(max_examples=200, deadline=None)
@given(name=st.text(st.sampled_from("ab.jy2/"), max_size=8), folder=st.sampled_from(["", "sub/", "./", "sub//"]))
def test_fixture_files_found_from_a_listing_are_those_found_one_by_one(
    fixture_tree: Path, name: str, folder: str
) -> None:
    """With a directory listing, fixture names are put together as strings; the files found are the same."""
    import os

    from tokcli.render import RenderSettings, fixture_files

    path = f"{fixture_tree}/{folder}{name}"
    listed: list[str] = []

    def listing(directory: str) -> frozenset[str]:
        listed.append(directory)
        return frozenset(os.listdir(directory)) if os.path.isdir(directory) else frozenset()

    one_by_one = fixture_files(path, RenderSettings(), None)
    assert fixture_files(path, RenderSettings(), None, listing) == one_by_one
    assert len(listed) <= 1  # one listing per template (the caller keeps them across templates)


def test_the_counting_audit_parses_each_yaml_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chat file is composed to find prompt units, then read from those nodes, not parsed again; a host file
    is composed once for its units (counted: loaders made with the file's text). With compress on, a chat
    file's compressed text is parsed to be counted: a text of its own."""
    chat = "messages:\n  - role: system\n    content: You answer billing questions.\n  - role: user\n    content: '{{ q }}'\n"
    other = chat.replace("billing", "tax")
    host = (
        "agents:\n  writer:\n    system_prompt: |\n      You write short summaries of tickets for the weekly report.\n"
    )
    root = write_tree(
        tmp_path / "tree",
        {"a.yaml": chat, "b.yaml": other, "agents.yaml": host},
        config="models: [gpt-4o]\naudit: {lint: false, compress: false}\n",
    )
    monkeypatch.chdir(root)
    monkeypatch.setenv("TOKCLI_SINGLE_PROCESS", "1")
    parsed = count_yaml_parses(monkeypatch)
    result = run_audit(".", "--no-cache", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {file["path"] for file in data["files"]} == {"a.yaml", "b.yaml", "agents.yaml::agents.writer.system_prompt"}
    assert (parsed[chat], parsed[other], parsed[host]) == (1, 1, 1)


_YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["messages", "role", "user", "x"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["messages", "role", "content", "1", "x"]) | st.integers(), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_YAML_VALUES)
def test_chat_shape_from_the_top_nodes_is_the_shape_of_the_data(value: Any) -> None:
    """The unit scan tells a chat file from the top of its node tree: what `is_chat_shaped(node_data(...))` says."""
    import yaml

    from tokcli.structured import compose_yaml
    from tokcli.units.scan import is_chat_shaped
    from tokcli.units.yaml_config import is_chat_shaped_node, node_data

    node = compose_yaml(yaml.safe_dump(value), "t.yaml")
    assert is_chat_shaped_node(node) == is_chat_shaped(node_data(node))


def test_templates_in_a_directory_without_fixture_files_are_not_looked_up_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fixture names are looked for only in directories that hold a fixture file; the renders are the same."""
    import tokcli.render as render

    files = {f"plain/t{index}.j2": f"Answer {{{{ q }}}} for ticket {index}.\n" for index in range(8)}
    files["rag/rag.j2"] = "Context: {{ doc }}\nQuestion: {{ q }}\n"
    files["rag/other.j2"] = "Hello {{ name }}.\n"
    files["rag/rag.vars.yaml"] = "- {doc: Paris is in France., q: Where is Paris?}\n- {doc: x, q: y}\n"
    root = write_tree(tmp_path / "tree", files, config="models: [gpt-4o]\naudit: {lint: false, compress: false}\n")
    monkeypatch.chdir(root)
    looked_up: list[str] = []
    real = render.fixture_files

    def counting(path: str, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(render, "fixture_files", counting)
    result = run_audit(".", "--no-cache", "--format", "json")
    assert result.exit_code == 0, result.output
    rendered = {file["path"]: file["models"]["gpt-4o"].get("rendered") for file in json.loads(result.stdout)["files"]}
    assert rendered["rag/rag.j2"]["fixtures"] == [
        {
            "name": "rag.vars.yaml#1",
            "tokens": get_tokenizer("o200k_base").count("Context: Paris is in France.\nQuestion: Where is Paris?\n"),
        },
        {"name": "rag.vars.yaml#2", "tokens": get_tokenizer("o200k_base").count("Context: x\nQuestion: y\n")},
    ]
    assert rendered["plain/t0.j2"] is None
    assert set(looked_up) == {"rag/other.j2", "rag/rag.j2"}  # (rag.j2 again when its fixtures are read)

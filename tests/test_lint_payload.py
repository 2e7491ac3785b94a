"""TK6xx: data payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lint_support import fix, hits, lint
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.json_text import minify_json_text
from tokcli.registry import get_tokenizer

PRETTY = """\
Reply like this:
{
    "name": "Ada",
    "roles": [
        "admin",
        "editor"
    ],
    "note": "keep  these   spaces"
}
"""


def test_pretty_printed_json_fix_round_trips() -> None:
    found = lint(PRETTY, "TK601", dedent=False)
    assert [(f.line, f.column, f.code) for f in found] == [(2, 1, "TK601")]
    tokenizer = get_tokenizer("o200k_base")
    minified = '{"name":"Ada","roles":["admin","editor"],"note":"keep  these   spaces"}'
    blob = PRETTY[PRETTY.index("{") :].rstrip("\n")
    assert found[0].tokens_wasted == tokenizer.count(blob) - tokenizer.count(minified)
    result = fix(PRETTY, "TK601", dedent=False)
    assert result.text == "Reply like this:\n" + minified + "\n"
    assert json.loads(minified) == json.loads(blob)
    assert result.findings == []


def test_compact_json_and_non_json_braces_are_fine() -> None:
    assert hits('Reply like this: {"name": "Ada"}\n', "TK601", dedent=False) == []
    assert hits("{\n  not json at all\n}\n", "TK601", dedent=False) == []


def test_minify_keeps_numbers_and_strings_verbatim() -> None:
    assert minify_json_text('{ "a" : 1.50e3,\n "b": "x \\" y  z" }') == '{"a":1.50e3,"b":"x \\" y  z"}'


def test_yaml_block_that_costs_more_than_json() -> None:
    items = "".join(f"    - name: item{i}\n      enabled: true\n      weight: {i}\n" for i in range(12))
    source = "Config:\n```yaml\nitems:\n" + items + "```\n"
    assert [code for _, _, code in hits(source, "TK602", dedent=False)] == ["TK602"]
    assert hits("Config:\n```yaml\nname: Ada\n```\n", "TK602", dedent=False) == []


def test_base64_and_hex_blobs() -> None:
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    source = f"Logo: {png}\nChecksum: {digest}\n"
    assert hits(source, "TK603", dedent=False) == [(1, 7, "TK603"), (2, 11, "TK603")]
    assert hits("A long wordlike token: Supercalifragilisticexpialidocious\n", "TK603", dedent=False) == []


def test_opaque_ids_and_urls() -> None:
    source = (
        "Ticket 3f2b8c1e-9d4a-4e7b-b5c6-1a2b3c4d5e6f is open.\n"
        "See https://example.com/kb/reset?utm_source=mail&utm_medium=email for steps.\n"
        "Request req_01HZX4V9T2QK8M3N7P5R6S1W0Y failed.\n"
    )
    found = lint(source, "TK604", dedent=False)
    assert [(f.line, f.column) for f in found] == [(1, 8), (2, 5), (3, 9)]
    assert found[1].fix is not None and found[1].fix[0].replacement == "https://example.com/kb/reset"
    assert hits("See https://example.com/docs/billing for steps. Order 12345.\n", "TK604", dedent=False) == []


def test_invisible_unicode_fix() -> None:
    source = "Sum\u200bmarize the art\u00adicle,\u00a0please.\n"
    assert hits(source, "TK605", dedent=False) == [(1, 4, "TK605"), (1, 19, "TK605"), (1, 25, "TK605")]
    assert fix(source, "TK605", dedent=False).text == "Summarize the article, please.\n"


def test_an_invisible_character_merged_into_its_neighbours_token_is_still_found(tmp_path: Path) -> None:
    # o200k reads "\u200b\n" and ".\u200b" as one token each: removing the mark saves nothing, and the finding was
    # dropped as waste that costs no token, at a chat message's very end above all
    tokenizer = get_tokenizer("o200k_base")
    assert tokenizer.count("Be brief.\u200b") == tokenizer.count("Be brief.")
    assert hits("Be brief\u200b\n", "TK605", dedent=False) == [(1, 9, "TK605")]
    path = tmp_path / "chat.json"
    path.write_text(json.dumps([{"role": "system", "content": "Be brief.\u200b"}, {"role": "user", "content": "hi"}]))
    result = CliRunner().invoke(app, ["lint", str(path), "--select", "TK605", "--format", "json"])
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["tokens_wasted"], finding["fixable"]) == ("TK605", 0, True)
    # an odd space that costs no more than a plain one is no finding (a no-break space before a digit)
    assert tokenizer.count("Wait\u00a010 s") == tokenizer.count("Wait 10 s")
    assert hits("Wait\u00a010 s\n", "TK605", dedent=False) == []


def test_joiners_inside_scripts_and_emoji_are_kept() -> None:
    persian = "می\u200cخواهم\n"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\n"
    assert hits(persian + family, "TK605", dedent=False) == []


def test_typographic_punctuation_only_where_it_costs_more() -> None:
    tokenizer = get_tokenizer("o200k_base")
    assert tokenizer.count("it\u2019s") > tokenizer.count("it's")
    found = lint("Don\u2019t say maybe.\n", "TK606", dedent=False)
    assert [(f.line, f.column, f.severity) for f in found] == [(1, 4, "info")]
    assert hits('Say "maybe" - or not.\n', "TK606", dedent=False) == []
    # an ellipsis character is one token, like "...": no finding
    assert tokenizer.count("\u2026") == tokenizer.count("...")
    assert hits("Wait\u2026\n", "TK606", dedent=False) == []


def test_long_names_are_not_opaque_ids() -> None:
    source = "Call get_customer_orders_v2_by_region_2024 or list-invoices-for-account-v3 first.\n"
    assert hits(source, "TK604", dedent=False) == []


def test_yaml_outline_of_sentences_is_not_reported_as_data() -> None:
    from lint_support import hits

    outline = (
        "```yaml\nPlan Phase:\n  Actions:\n    - Read the issue and restate the goal in one line\n"
        "    - List the files that the change will touch\n    - Write the failing test before the fix\n"
        "  Output: a short plan the user approves before any edit\n```\n"
    )
    assert hits(outline, "TK602", dedent=False) == []


def test_yaml_outline_under_headed_phases_is_not_reported_as_data() -> None:
    # the phases of a workflow as keys, each with short actions and an example's fields
    phase = (
        '{n}. {name} Phase ({what}):\n  Actions:\n    - write_memory("{key}", goal)\n    - Create docs/temp/{key}.md\n'
        '  Example Memory:\n    {key}: "Implement login"\n    errors_encountered: ["CORS issue", "JWT failed"]\n'
        '    success_criteria: "Login works"\n\n'
    )
    phases = [("Plan", "Hypothesis", "plan"), ("Do", "Experiment", "checkpoint"), ("Check", "Evaluation", "lessons")]
    body = "".join(phase.format(n=n, name=name, what=what, key=key) for n, (name, what, key) in enumerate(phases, 1))
    assert hits("```yaml\n" + body + "```\n", "TK602", dedent=False) == []
    data = "```yaml\nuser:\n  name: Ada\n  roles:\n    - admin\n    - editor\n  teams:\n    - core\n    - infra\n" + (
        "  tags:\n    - a\n    - b\n    - c\n    - d\nproject:\n  id: 7\n  owners:\n    - ada\n    - bob\n```\n"
    )
    assert hits(data, "TK602", dedent=False) != []


_YAML_ITEM_LINES = [
    "- id: {n}\n  name: item {n}\n",
    "- [1, {n}]\n",
    "-\n  - nested {n}\n  - 'quoted # {n}'\n",
    '# a comment {n}\n- "multi\n  line {n}"\n',
    "- |\n  block {n}\n  text\n",
    "- a: {n}\n  a: again\n",
    "- {{k: {n}}}\n\n",
    "- &anchor {n}\n- *anchor\n",
    "- key: [unclosed {n}\n",
    "- '{n}\n- broken'\n",
    "---\n- {n}\n",
    "- yes\n- 0x{n}\n- 2024-01-0{m}\n",
    "  - deeper {n}\n",
    "- !!str {n}\n",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_YAML_ITEM_LINES), st.integers(0, 9)), min_size=1, max_size=40))
def test_yaml_block_loaded_in_pieces_is_the_loader_s_data(items: list[tuple[str, int]]) -> None:
    """A long top-level list is loaded a run of items at a time: the same data, or the same error, as loading it
    whole (pieces made tiny here so that every example is cut)."""
    import yaml

    from tokcli.lint.rules import payload

    text = "".join(line.format(n=n, m=n or 1) for line, n in items)
    try:
        expected: object = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        expected = type(error)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(payload, "_YAML_PIECE_CHARS", 8)
        try:
            got: object = payload._load_yaml(text)
        except yaml.YAMLError as error:
            got = type(error)
    assert got == expected


def test_payload_messages_leave_the_token_figure_to_the_reporter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The text reporter appends "(N tokens)"; a message that said it too printed the figure twice.
    monkeypatch.chdir(tmp_path)
    Path("reply.md").write_text(PRETTY + "Don\u2019t say maybe.\n", encoding="utf-8")
    wasted = {
        f.code: f.tokens_wasted for f in lint(PRETTY + "Don\u2019t say maybe.\n", ["TK601", "TK606"], dedent=False)
    }
    result = CliRunner().invoke(app, ["lint", "reply.md", "--select", "TK601,TK606"])
    assert result.exit_code == 1
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert (
        f"2:1 warning TK601 [pretty-printed-json] pretty-printed JSON: minified is shorter "
        f"({wasted['TK601']} tokens) [fixable]" in lines
    )
    assert (
        "10:4 info TK606 [typographic-punctuation] typographic punctuation (\u2019): ASCII is shorter (1 token)"
        in lines
    )
    assert "saves" not in result.stdout.split("Found")[0]

"""Protected spans: every kind the issue lists is found, and compression leaves it byte-for-byte."""

from __future__ import annotations

import pytest

from tokcli.compress.protect import count_negations, find_protected_spans, protect_document
from tokcli.compress.rules_method import compress_text
from tokcli.errors import InputError


def kinds(text: str) -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in find_protected_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("use `x = 1` here", ("code", "`x = 1`")),
        ("see https://example.com/a?b=1.", ("url", "https://example.com/a?b=1")),
        ("mail ops@example.org now", ("url", "ops@example.org")),
        ('reply "exactly this" now', ("quoted", '"exactly this"')),
        ("say 'hello there' now", ("quoted", "'hello there'")),
        ("wait 30 seconds", ("number", "30")),
        ("set user_id here", ("identifier", "user_id")),
        ("call getUserName here", ("identifier", "getUserName")),
        ("read config.yaml here", ("identifier", "config.yaml")),
        ("use gpt-4o here", ("identifier", "gpt-4o")),
        ("open /etc/hosts here", ("path", "/etc/hosts")),
        ("pass --dry-run here", ("path", "--dry-run")),
        ("ask the New York Times", ("entity", "New York Times")),
        ("Bank of America said", ("entity", "Bank of America")),
    ],
)
def test_inline_kinds(text: str, expected: tuple[str, str]) -> None:
    assert expected in kinds(text)


@pytest.mark.parametrize(
    "word", ["not", "never", "no", "don't", "do not", "must", "must not", "only", "except", "unless",
             "at least", "at most", "without", "NEVER", "Only", "Don’t", "cannot"],
)  # fmt: skip
def test_negation_and_constraint_words(word: str) -> None:
    assert ("negation", word) in kinds(f"you {word} go")


def test_negation_words_are_whole_words() -> None:
    assert [k for k, _ in kinds("nothing notable, mustard, knowing, onlyx")] == []


def test_block_kinds() -> None:
    text = 'Intro\n```python\nprint( 1 )\n```\nExample: {"name": "Ann", "tags": [1, 2]}\nname: Ann\nage: 30\n'
    found = kinds(text)
    assert ("code_fence", "```python\nprint( 1 )\n```") in found
    assert ("json", '{"name": "Ann", "tags": [1, 2]}') in found
    assert ("yaml", "name: Ann\nage: 30") in found


def test_template_tags_and_front_matter() -> None:
    text = "---\nname: x\n---\nHello {{- user -}} and {% if a %}b{% endif %}{# note #}\n"
    spans = protect_document(text, kind="dotprompt", body_offset=text.index("Hello"))
    assert [(s.kind, s.text) for s in spans] == [
        ("front_matter", "---\nname: x\n---"),
        ("template", "{{- user -}}"),
        ("template", "{% if a %}"),
        ("template", "{% endif %}"),
        ("template", "{# note #}"),
    ]


def test_unclosed_tag_is_an_error_only_for_templates() -> None:
    with pytest.raises(InputError, match="unclosed"):
        protect_document("Hi {{ name", kind="jinja")
    assert protect_document("Hi {{ name", kind="markdown") == []


def test_numbered_list_markers_are_structure_not_numbers() -> None:
    assert kinds("1. first\n2) second\nstep 3. done") == [("number", "3")]


def test_count_negations() -> None:
    counts = count_negations("Do not go. No. NEVER at  least don't")
    assert counts == {"do not": 1, "no": 1, "never": 1, "at least": 1, "don't": 1}


def test_compression_keeps_every_protected_kind_byte_for_byte() -> None:
    text = (
        "Please note that you must not share {{  user_name  }} with  anyone.\n"
        "In order to answer, use `tool.run()` and https://x.org/a and 'exact words' and 3.50 and getValue.\n"
        "Ask Acme Corp, unless the New York office says otherwise. Do at least 2 checks.\n"
        '```\n  code   with   spaces  \n```\n{"keep": "this", "n": 1}\n'
    )
    result = compress_text(text, level="aggressive", kind="jinja")
    for span in find_protected_spans(text, template_spans=[(text.index("{{"), text.index("}}") + 2)]):
        if span.kind != "json":
            assert span.text in result.text
    assert '{"keep":"this","n":1}' in result.text
    assert result.text.count("not") == 1 and "unless" in result.text and "at least" in result.text
    assert "In order to" not in result.text and "Please note that" not in result.text

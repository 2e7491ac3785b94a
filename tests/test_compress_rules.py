"""The rules method end to end (levels, templates, chat files, rollbacks) and the verifier on its own."""

from __future__ import annotations

import json

import jinja2
import pytest
import yaml

from tokcli.compress import protect, rules_method
from tokcli.compress.rules_method import compress_document, compress_prompt, compress_text
from tokcli.compress.transforms import SENTINEL, Transform
from tokcli.compress.verify import baseline, verify
from tokcli.errors import InputError
from tokcli.prompts import load_prompt
from tokcli.registry import get_tokenizer

VERBOSE = """\
# Task

Please note that you are a support assistant for {{ company }}.   In order to answer the question, you should
make use of the documents below. It is important to note that you must not invent facts.

**Important:** Due to the fact that the users are customers, please be polite at all times.
Answer in {{ language | default("English") }} only.
Answer in {{ language | default("English") }} only.
Keep the answer short and to the point.
Keep the answer short and to the point.

{%- for doc in documents %}
- {{ doc.title }}: {{ doc.body }}
{%- endfor %}

------------------------------
Thank you so much!
"""


def render(source: str) -> str:
    env = jinja2.Environment()
    return env.from_string(source).render(company="Acme", language="French", documents=[{"title": "T", "body": "B"}])


def test_balanced_saves_tokens_and_template_still_renders_the_same_data() -> None:
    result = compress_prompt("task.j2", VERBOSE)
    tokens = get_tokenizer("o200k_base")
    assert tokens.count(result.text) < 0.8 * tokens.count(VERBOSE)
    assert result.rollbacks == []
    # (the separator after the documents' loop stays: it marks where the inserted text ends)
    assert set(result.transforms) >= {"filler_phrases", "verbose_phrases", "duplicate_sentences"}
    assert "{%- endfor %}\n\n------------------------------\n" in result.text
    rendered = render(result.text)
    assert "Acme" in rendered and "French" in rendered and "- T: B" in rendered
    assert "must not invent facts" in rendered
    # both copies of the instruction with a protected span stay; the plain duplicate goes
    assert result.text.count('{{ language | default("English") }} only.') == 2
    assert result.text.count("Keep the answer short.") == 1  # a synonym stack and a repeat


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # taking the markers off would make "does not" / "Must not" one negation, or "Caveat Breakpoints" one
        # entity: the markers stay
        ("It does *not* run twice.", "It does *not* run twice."),
        ("It should **not** be used.", "It should **not** be used."),
        ("* **Must** not throw.", "* **Must** not throw."),
        ("> **Caveat** Breakpoints are slow.", "> **Caveat** Breakpoints are slow."),
        ("Return **PACKAGE_RESOLVE** now.", "Return **PACKAGE_RESOLVE** now."),
        # two marked words that would join once both lose their markers (it was rolled back)
        ("- **Description** and **Details**: write them.", "- **Description** and **Details**: write them."),
        ("Sections: **Title**, **Description** and **Details**.", "Sections: Title, **Description** and **Details**."),
        ("x -*-outline-*- y", "x -*-outline-*- y"),
        # nothing to join: the markers go
        ("You **must** answer in *one* line.", "You must answer in one line."),
        ("**Important:** be brief.", "Important: be brief."),
        # after a cut, a word is not capitalised into an entity with the capitalised words after it, and a
        # sentence does not open in lower case: the words stay
        ("Please read the README file first.", "Please read the README file first."),
        ("With regard to Node.js 8, it was slow.", "With regard to Node.js 8, it was slow."),
        # "Before" begins no name, so it may stand before one
        ("Prior to Node.js 8, it was slow.", "Before Node.js 8, it was slow."),
        ("Please note that the answer is short.", "The answer is short."),
        ("In order to help, be brief.", "To help, be brief."),
    ],
)
def test_no_new_protected_span_is_made_and_nothing_is_rolled_back(text: str, expected: str) -> None:
    result = compress_text(text, kind="markdown")
    assert (result.text, result.rollbacks) == (expected, [])


def test_levels_save_more_as_they_go() -> None:
    sizes = [len(compress_prompt("task.j2", VERBOSE, level=level).text) for level in ("safe", "balanced", "aggressive")]
    assert len(VERBOSE) > sizes[0] > sizes[1] >= sizes[2]


def test_tags_with_whitespace_control_are_kept_byte_for_byte() -> None:
    source = "A  {%- if x -%}  B  {%+ endif +%}  C {{- y }}   {#- c -#}\n"
    result = compress_text(source, kind="jinja")
    for tag in ("{%- if x -%}", "{%+ endif +%}", "{{- y }}", "{#- c -#}"):
        assert tag in result.text
    assert verify(source, result.text, kind="jinja").ok


def test_raw_blocks_are_not_touched() -> None:
    source = "{% raw %}Please note that   {{ x }}  in order to{% endraw %}\nIn order to go.\n"
    result = compress_text(source, kind="jinja")
    assert result.text == "{% raw %}Please note that   {{ x }}  in order to{% endraw %}\nTo go.\n"


def test_windows_line_ends_are_kept() -> None:
    source = "---\r\nname: x\r\n---\r\nPlease note that you help.\r\n\r\n\r\n\r\nBe brief and clear.  Be brief and clear.\r\n"
    result = compress_prompt("demo.prompty", source)
    assert result.text == "---\r\nname: x\r\n---\r\nYou help.\r\n\r\nBe brief and clear.\r\n"
    assert verify(source, result.text, kind="prompty", body_offset=source.index("Please")).ok


def test_template_syntax_error_names_file_and_line() -> None:
    with pytest.raises(InputError) as caught:
        compress_prompt("bad.j2", "line one\n{% if x %}\nno end\n")
    assert str(caught.value).startswith("bad.j2:")
    assert "template syntax error" in str(caught.value)


def test_front_matter_of_prompty_is_untouched() -> None:
    source = "---\nname:   demo\ndescription: Please note that   x\n---\nsystem:\nPlease note that you   help.\n"
    result = compress_prompt("demo.prompty", source)
    assert result.text == "---\nname:   demo\ndescription: Please note that   x\n---\nsystem:\nYou help.\n"


def test_chat_json_messages_are_compressed_each() -> None:
    data = {
        "messages": [
            {"role": "system", "content": "Please note that you   must not lie."},
            {"role": "user", "content": "In order to start, say hi."},
        ]
    }
    result = compress_prompt("chat.json", json.dumps(data))
    out = json.loads(result.text)
    assert [m["content"] for m in out["messages"]] == ["You must not lie.", "To start, say hi."]


def test_chat_yaml_block_literals_are_rewritten_in_place() -> None:
    source = "- role: system\n  content: |\n    Please note that you help.\n    Be brief.   Be brief.\n- role: user\n  content: hi\n"
    result = compress_prompt("chat.yaml", source)
    assert (
        result.text
        == "- role: system\n  content: |\n    You help.\n    Be brief. Be brief.\n- role: user\n  content: hi\n"
    )
    assert yaml.safe_load(result.text) == [
        {"role": "system", "content": "You help.\nBe brief. Be brief.\n"},
        {"role": "user", "content": "hi"},
    ]
    assert result.notes == []


def test_unchanged_chat_file_is_returned_as_is() -> None:
    source = '[{"role": "user", "content": "hi"}]'
    assert compress_prompt("chat.json", source).text == source


def test_a_transform_that_breaks_a_protected_span_is_rolled_back_for_that_segment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A deliberately bad transform turns 'make' into '```' at a line start, opening a code fence in the
    result: verification must catch it, roll back that segment only and report the transform."""

    def bad(text: str) -> tuple[str, int]:
        return text.replace("\nmake it", "\n```"), text.count("\nmake it")

    broken = Transform("bad_fence", "safe", "test only", bad)
    monkeypatch.setattr(rules_method, "transforms_for_level", lambda level: [broken])
    source = "First line here.\nmake it 3 times.\n\nIn a far paragraph: make it so. x\nmake it 4 times.\n"
    result = compress_text(source, level="safe")
    assert result.text == source
    assert result.rollbacks and {r.transform for r in result.rollbacks} == {"bad_fence"}
    assert result.rollbacks[0].check == "protected"
    assert result.rollbacks[0].line == 1


def test_a_transform_dropping_a_sentinel_is_not_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    def drop(text: str) -> tuple[str, int]:
        return text.replace(SENTINEL, "", 1), 1

    monkeypatch.setattr(rules_method, "transforms_for_level", lambda level: [Transform("drop", "safe", "", drop)])
    result = compress_text("Do not   go.", level="safe")
    assert result.text == "Do not   go."
    assert [(r.transform, r.check) for r in result.rollbacks] == [("drop", "protected")]


def test_only_the_failing_segment_is_rolled_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def shorten(text: str) -> tuple[str, int]:
        # harmless in one place, turns "x know" into "xno" (a new negation word) in another
        return text.replace("  ", " ").replace("x know", "xno w").replace("a know", "no"), 3

    monkeypatch.setattr(rules_method, "transforms_for_level", lambda level: [Transform("t", "safe", "", shorten)])
    source = "first  part 42 then a know item 7 and  more."
    result = compress_text(source, level="safe")
    assert result.text == "first part 42 then a know item 7 and more."
    [rollback] = result.rollbacks
    assert rollback.transform == "t" and rollback.check in ("protected", "negations")
    assert "'no'" in rollback.message


def test_each_rollback_says_what_went_wrong_in_its_own_segment(monkeypatch: pytest.MonkeyPatch) -> None:
    def glue(text: str) -> tuple[str, int]:  # makes one named entity of "FSF Foo", another of "Acme Corp Foo"
        return text.replace(" xx ", " Foo "), text.count(" xx ")

    monkeypatch.setattr(rules_method, "transforms_for_level", lambda level: [Transform("glue", "safe", "", glue)])
    source = "Line one.\n\nWrite to the FSF xx today.\n\nRule 7: it is fine.\n\nAlso 9: write to Acme Corp xx now.\n"
    result = compress_text(source, level="safe")
    assert result.text == source
    assert [(r.transform, r.line, r.check, r.message) for r in result.rollbacks] == [
        ("glue", 3, "protected", "protected span 'FSF Foo' appeared (or grew from a smaller one)"),
        ("glue", 7, "protected", "protected span 'Acme Corp Foo' appeared (or grew from a smaller one)"),
    ]


# ---- the verifier ----


@pytest.mark.parametrize(
    ("after", "check"),
    [
        ("Hello {{ nam }}. Do not go.", "placeholders"),
        ("Hello {{ name }}. Do go.", "negations"),
        ("Hello {{ name }}. Do not go. {% if x %}", "syntax"),
        ("Hello {{ name }}. Do not go 4.", "protected"),
    ],
)
def test_verify_reports_each_check(after: str, check: str) -> None:
    report = verify("Hello {{ name }}. Do not go.", after, kind="jinja")
    assert not report.ok
    assert check in {problem.check for problem in report.problems}


def test_verify_statements_and_variables() -> None:
    before = "{% for x in items %}{{ x }}{% endfor %}"
    report = verify(before, "{% for x in things %}{{ x }}{% endfor %}", kind="jinja")
    assert {p.check for p in report.problems} >= {"statements", "variables"}


def test_json_shaped_values_in_a_line_of_code_are_kept_as_written() -> None:
    # a few-shot example's code (a loop's list, a call's argument, an assignment) keeps its author's style;
    # a JSON example in prose is still minified
    code = (
        'for url in ["https://a.example/one", "https://b.example/two"]:\n'
        '    print(web_search({"query": "x", "n": 2}))\nx = {"a": 1, "b": 2}\n'
    )
    text = "Thought: I will read both pages.\nCode:\n" + code + '- Arguments: {"command": "ls -la"}\n'
    result = compress_text(text, level="balanced")
    assert result.text == text.replace('{"command": "ls -la"}', '{"command":"ls -la"}')


def test_verify_accepts_minified_json() -> None:
    assert verify('See {"a": 1,\n "b": [1, 2]}', 'See {"a":1,"b":[1,2]}').ok
    assert not verify('See {"a": 1}', 'See {"a": 2}').ok


def test_baseline_reused_for_several_candidates() -> None:
    base = baseline("Never say {{ x }}.", kind="jinja")
    assert verify("", "Never say {{ x }}.", base=base).ok
    assert not verify("", "Say {{ x }}.", base=base).ok


def test_verify_jinja_skeleton_shortcut_keeps_the_verdicts() -> None:
    before = "{% set n = 1 %}Please note: use {{ a }} {% if b %}x{% endif %}"
    base = baseline(before, kind="jinja")
    assert base.skeleton is not None and base.variables == {"a", "b"}
    assert verify("", "{% set n = 1 %}Use {{ a }} {% if b %}{% endif %}", base=base).ok  # static text only
    # text that makes a new tag, or glues a brace onto one, changes the skeleton: the full checks run
    report = verify("", "{% set n = 1 %}Use {{ a }} {{ c }}{% if b %}x{% endif %}", base=base)
    assert {"placeholders", "variables"} <= {p.check for p in report.problems}
    report = verify("", "{% set n = 1 %}Use {{{ a }} {% if b %}x{% endif %}", base=base)
    assert not report.ok
    # a body Jinja2 rejects: only the tag sequences are compared, as before
    odd = baseline("{{ a }} {% unknowntag %}", kind="jinja")
    assert odd.variables is None
    assert verify("", "{{ a }}  {% unknowntag %}", base=odd).ok


def test_verify_with_copied_ranges_equals_a_full_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protect, "MIN_REUSE", 0)
    before = "Keep user_id.\nPlease note that Acme is here.\nDo not go.\n"
    base = baseline(before)
    good = "Keep user_id.\nAcme is here.\nDo not go.\n"
    shift = len(good) - len(before)
    copied = [(0, 14, 0), (good.index("Acme"), len(good), shift)]
    assert verify("", good, base=base, copied=copied).ok
    bad = "Keep user_id.\nAcme Corp is here.\nDo not go.\n"  # a new entity in a changed line
    copied = [(0, 14, 0), (bad.index("is here"), len(bad), len(bad) - len(before))]
    report = verify("", bad, base=base, copied=copied)
    assert [p.check for p in report.problems] == [p.check for p in verify(before, bad).problems] == ["protected"]


def test_jinja_skeleton_ignores_whitespace_a_closing_marker_strips() -> None:
    from tokcli.compress.verify import jinja_skeleton

    before = "{#- note -#}\n\n  Please note that {{ a -}}\n\n {% if b -%}  x{% endif %}"
    after = "{#- note -#}\nNote that {{ a -}}\n{% if b -%}x{% endif %}"
    assert jinja_skeleton(before) == jinja_skeleton(after) is not None
    assert jinja_skeleton("{{ a }}") != jinja_skeleton("{{ a -}}")


def test_negation_words_of_pieces_equal_each_piece_counted_alone() -> None:
    """`_bad_segments` finds the segments whose negation words changed with one scan of them all."""
    pieces = ["Do not go", "", "never\n", "can't", "won’t stop", "İ NOT", "x no", "must\tnot", "n't", "at least 2"]
    for size in range(len(pieces) + 1):
        chosen = pieces[size:] + pieces[:size]
        words = rules_method._negation_words_of(chosen)
        for piece, found in zip(chosen, words):
            assert sorted(protect.count_negations(piece).elements()) == found, piece


SKILL = (
    "---\nname: pdf-tools\ndescription: Use when the user asks about PDF files.\n---\n\n"
    "# PDF tools\n\n-----\n\nPlease note that you should read the file first.\n"
)


@pytest.mark.parametrize("level", ["safe", "balanced", "aggressive"])
@pytest.mark.parametrize("name", ["SKILL.md", "notes.txt", "skill.j2"])
def test_front_matter_is_kept_at_every_level(level: str, name: str) -> None:
    result = compress_prompt(name, SKILL, level=level)
    assert result.text.startswith("---\nname: pdf-tools\ndescription: Use when the user asks about PDF files.\n---\n")
    assert "-----" not in result.text  # a separator in the body still goes
    assert result.transforms.get("separators") == 1


def test_verification_catches_front_matter_damage() -> None:
    damaged = SKILL.replace("---\n", "", 2)
    report = verify(SKILL, damaged, kind="markdown")
    assert not report.ok
    assert [problem.check for problem in report.problems][:1] == ["front_matter"]
    assert "front matter (lines 1-4) changed" in report.problems[0].message


def test_a_negation_opening_a_sentence_after_a_cut_is_capitalised() -> None:
    text = "Please don't use emojis. Please never share Acme Corp data. Please `npm test` first.\n"
    result = compress_text(text, level="balanced")
    assert result.text == "Don't use emojis. Never share Acme Corp data. `npm test` first.\n"
    assert verify(text, result.text).ok


def test_a_negation_that_cannot_take_the_capital_keeps_the_opener() -> None:
    # capitalised before a name it could join it ("Don't Google"), and in lower case the sentence read as a
    # fragment ("don't Google it."); two negations in a row are the same ("not only")
    for text in ("Please don't Google it.\n", "Please note that not only admins can log in.\n"):
        result = compress_text(text, level="balanced")
        assert result.text == text


@pytest.mark.parametrize(
    ("text", "compressed"),
    [
        # a bare "not" cannot open a request: "Not share keys." does not parse, "Do not share keys." does
        ("It is important to not share keys. Please be brief.\n", "Do not share keys. Be brief.\n"),
        ("It is very important that you not share keys.\n", "Do not share keys.\n"),
        # the formal register's "shall not", also with an aside after it
        ("The Assistant shall not summarise the merits.\n", "Do not summarise the merits.\n"),
        ("The Agent shall not, in any event, guess.\n", "Do not, in any event, guess.\n"),
        ("You shall not guess.\n", "Do not guess.\n"),
        ("The Assistant shall never disclose the key.\n", "Never disclose the key.\n"),
        # inside a sentence a bare "not" cannot take the place of the request
        ("Accordingly, the Assistant shall not diagnose.\n", "Accordingly, the Assistant shall not diagnose.\n"),
        ("It is crucial to never guess.\n", "Never guess.\n"),
        ("Please note that not all users are admins.\n", "Not all users are admins.\n"),
    ],
)
def test_a_bare_not_opens_a_sentence_only_before_what_it_negates(text: str, compressed: str) -> None:
    result = compress_text(text, level="balanced")
    assert result.text == compressed
    assert verify(text, result.text).ok


@pytest.mark.parametrize(
    ("text", "compressed"),
    [
        # the variable stands for what is asked ("are polite", "the summary"): without "you"/"to" it may not parse
        ("- It is very important that you {{ rule }}.\n", "- It is very important that you {{ rule }}.\n"),
        ("I want you to {{ task }}. Please be brief.\n", "I want you to {{ task }}. Be brief.\n"),
        ("The Agent shall {{ action }} first.\n", "The Agent shall {{ action }} first.\n"),
        # a statement about it reads the same without the opener
        ("Please note that {{ company }} sells shoes.\n", "{{ company }} sells shoes.\n"),
    ],
)
def test_a_template_variable_opens_a_sentence_only_where_it_was_no_request(text: str, compressed: str) -> None:
    document = load_prompt("p.j2", text)
    result = compress_document(document, level="balanced")
    assert result.text == compressed
    assert verify(text, result.text, kind="jinja").ok


def test_verification_reads_a_template_with_the_applications_own_filters() -> None:
    from tokcli.compress.verify import verify

    original = "Date: {{ d | datetime }}.\n{% if x is recent %}Hi{% endif %}\n"
    broken = original.replace("if x", "if y")
    assert [problem.check for problem in verify(original, broken, kind="jinja").problems] == [
        "statements",
        "variables",
        "protected",
    ]
    assert verify(original, original.replace("Date:", "The date:"), kind="jinja").ok


def test_a_request_followed_by_numbered_steps_keeps_its_opener() -> None:
    # "1. build" cannot open the sentence: the steps are what was asked
    text = "Here is a task. You will need to 1. build a survey of the facts, then 2. make a plan of action.\n"
    assert compress_text(text, level="balanced").text == text
    assert compress_text("Please note that 3 retries are allowed.\n").text == "3 retries are allowed.\n"


def test_the_fields_of_an_example_are_kept_as_written() -> None:
    # a few-shot example's input is the reviewer's text, not an instruction to make direct
    text = (
        "Please note that you classify the review.\n\n"
        "Review: It is very important to note that I love it! Could you please ship faster?\nSentiment: positive\n"
    )
    result = compress_text(text, level="balanced")
    assert result.text == (
        "You classify the review.\n\n"
        "Review: It is very important to note that I love it! Could you please ship faster?\nSentiment: positive\n"
    )

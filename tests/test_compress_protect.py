"""Protected spans: every kind the issue lists is found, and compression leaves it byte-for-byte."""

from __future__ import annotations

import json
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.compress import protect
from tokcli.compress.protect import (
    count_negations,
    find_protected_spans,
    known_line_spans,
    line_spans,
    protect_document,
    reuse_line_spans,
)
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


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("The Quick Fox ran", ["Quick Fox"]),  # a sentence opener does not begin an entity
        ("Use the ES6 class", ["ES6"]),
        ("A Tale told", []),
        ("Then Acme Corp said", ["Acme Corp"]),
        ("Thenceforth Acme", ["Thenceforth Acme"]),  # only whole stop-words are skipped
        ("Okay I think that is all", []),  # an interjection and the pronoun "I" make no name
        ("Today I met Mary Jane Watson", ["Mary Jane Watson"]),
        ("So Acme Corp said", ["Acme Corp"]),
        ("Where the Assistant is unsure", []),  # a clause opener
    ],
)
def test_sentence_openers_do_not_begin_an_entity(text: str, entities: list[str]) -> None:
    assert [span for kind, span in kinds(text) if kind == "entity"] == entities


def test_a_heading_in_title_case_is_prose_but_its_acronyms_stay() -> None:
    text = "## A Few Final Words\n## Output as JSON\nPlease call Acme Corp first.\n"
    assert [span for kind, span in kinds(text) if kind == "entity"] == ["JSON", "Acme Corp"]


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
    spans = protect_document(text, kind="prompty", body_offset=text.index("Hello"))
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


LINE_PIECES = [
    "not", "Never", "must not", "do  not", "only", "don't", "can’t", "İ", "é", "Acme Corp", "Bank of America",
    "user_id", "camelCase", "config.yaml", "x.y.z", "v2", "42", "3.5%", "1. ", "12) ", "https://x.org/a",
    "www.x.org", "a@b.co", '"quoted text"', "'single words'", "“curly”", "`code`", "/etc/hosts", "~/x", "./y",
    "--dry-run", "JSON", "USA", " ", "  ", "\t", "\n", "\n\n", ", ", ". ", "- ", "word", "and", "of",
]  # fmt: skip


def _random_text(rng: random.Random, pieces: int) -> str:
    return "".join(rng.choice(LINE_PIECES) for _ in range(rng.randint(0, pieces)))


def test_line_spans_depend_on_their_line_alone() -> None:
    """What `reuse_line_spans` relies on: scanning each line on its own finds what scanning the text finds."""
    rng = random.Random(5)
    for _ in range(2000):
        text = _random_text(rng, 40)
        by_line = []
        position = 0
        for line in text.split("\n"):
            by_line.extend((s + position, e + position, kind) for s, e, kind in line_spans(line))
            position += len(line) + 1
        assert sorted(by_line) == sorted(line_spans(text)), text


def test_reused_line_spans_equal_a_full_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protect, "MIN_REUSE", 0)  # reuse every unchanged line, however short the stretch
    rng = random.Random(6)
    for _ in range(2000):
        before = _random_text(rng, 40)
        pieces, copied, old, new = [], [], 0, 0
        while old < len(before):
            size = rng.randint(1, 12)
            chunk = before[old : old + size]
            if rng.random() < 0.3:  # an edit: new text or a cut
                chunk = _random_text(rng, 3) if rng.random() < 0.5 else chunk[: rng.randint(0, len(chunk))]
            elif copied and copied[-1][1] == new and copied[-1][2] == new - old:
                copied[-1] = (copied[-1][0], new + len(chunk), new - old)
            else:
                copied.append((new, new + len(chunk), new - old))
            pieces.append(chunk)
            old += size
            new += len(chunk)
        after = "".join(pieces)
        earlier = sorted(line_spans(before), key=lambda span: span[0])
        reused = reuse_line_spans(after, earlier, len(before), copied)
        assert sorted(reused) == sorted(line_spans(after)), (before, after)
        assert find_protected_spans(after, lines=reused) == find_protected_spans(after)


def test_line_spans_through_a_memo_equal_a_full_scan() -> None:
    """`known_line_spans` gives what one scan gives, in the same order (the order spans are merged in), for a
    text whose lines repeat and for another text read with the memo the first one left."""
    rng = random.Random(8)
    for _ in range(1000):
        lines = [_random_text(rng, 12).replace("\n", " ") for _ in range(rng.randint(1, 6))]
        first = "\n".join(rng.choice(lines) for _ in range(rng.randint(1, 10)))
        second = "\n".join(rng.choice([*lines, _random_text(rng, 12)]) for _ in range(rng.randint(1, 10)))
        memo: protect.LineMemo = {}
        assert known_line_spans(first, memo) == line_spans(first), first
        assert known_line_spans(second, memo) == line_spans(second), (first, second)


def test_a_memo_scans_each_distinct_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    line = "Use user_id 42, not the `name`."
    text = "\n".join([line, "", line, "Call https://x.org/a"] * 500)
    edited = text.replace("Call", "Ring")
    expected, expected_edited = line_spans(text), line_spans(edited)
    protect._scan_count()  # (counted once, before recording)
    scanned: list[str] = []
    real = protect.line_span_groups

    def recording(text: str) -> list[list[tuple[int, int, str]]]:
        scanned.append(text)
        return real(text)

    monkeypatch.setattr(protect, "line_span_groups", recording)
    memo: protect.LineMemo = {}
    assert known_line_spans(text, memo) == expected
    assert scanned == [f"{line}\n\nCall https://x.org/a"]  # three distinct lines, scanned once each
    assert known_line_spans(edited, memo) == expected_edited
    assert scanned[1:] == ["Ring https://x.org/a"]  # the lines the memo knew were not scanned again
    assert len(expected) > 2000


def test_a_memo_does_not_learn_very_long_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A line of `MEMO_LINE_MAX_CHARS` or more (a minified JSON block) is scanned each time, not kept; its spans
    are the same as one scan's."""
    monkeypatch.setattr(protect, "MEMO_LINE_MAX_CHARS", 64)
    long_line = json.dumps([{"id": index, "name": f"item {index}", "ok": True} for index in range(6)])
    text = "\n".join(["Do not log the user_id 42.", long_line, "", long_line, "Never skip `step 3`."])
    memo: protect.LineMemo = {}
    assert known_line_spans(text, memo) == line_spans(text)
    assert long_line not in memo and "Do not log the user_id 42." in memo
    assert known_line_spans(text, memo) == line_spans(text)
    assert any(start >= len(text) // 4 for start, _, _ in line_spans(text))  # the long lines have spans


BLOCK_PIECES = [
    "\n```json\n", "\n```\n", "\n~~~\n", '\n{"a": 1, "b": "not 42"}\n', "\nname: x\nrole: y\n", "{{ user_id }}",
    "\n<example>\n", "\n</example>\n", "\nUser: hi\n", "\n---\n",
]  # fmt: skip


def test_line_spans_through_a_memo_leave_out_only_what_blocks_absorb(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long text's line spans found through a memo, without those inside its blocks, give the protected spans
    and negation words that all its line spans give."""
    monkeypatch.setattr(protect, "LINE_MEMO_MIN_CHARS", 0)
    rng = random.Random(9)
    for _ in range(1500):
        text = "".join(rng.choice(LINE_PIECES + BLOCK_PIECES * 2) for _ in range(rng.randint(0, 60)))
        negations: list[tuple[int, int]] = []
        through_memo: list[tuple[int, int]] = []
        expected = find_protected_spans(text, negations=negations)
        assert find_protected_spans(text, negations=through_memo, line_memo={}) == expected, text
        assert through_memo == negations, text
    fenced = "Do not guess.\n```json\n" + '{"id": 42, "name": "not me"}\n' * 50 + "```\nNever skip `step 3`.\n"
    blocks = protect.block_spans(fenced)
    kept = known_line_spans(fenced, {}, blocks)
    assert len(kept) < len(line_spans(fenced)) and any(kind == "negation" for _, _, kind in kept[2:])


def test_negation_words_equal_the_generic_scan() -> None:
    """`_negation_words` runs `finditer` between the matches after non-ASCII characters; it finds what the
    generic `iter_after_non_word` finds (which would also see the "not" inside "\u00a0must not")."""
    pieces = ["not", "no", "must not", "must", "\u00a0", " ", "\t", "’", "—", "x", "é", "at least", "do not", "\n"]
    rng = random.Random(7)
    for _ in range(3000):
        folded = protect.fold("".join(rng.choice(pieces) for _ in range(rng.randint(0, 20))))
        generic = protect.iter_after_non_word(protect._NEGATION, " " + folded)
        assert protect._negation_words(folded) == [(m.start("m") - 1, m.end("m") - 1) for m in generic], folded
    assert protect._negation_words("x\u00a0must not, never") == [(2, 10), (12, 17)]


def test_patterns_after_a_non_word_character_are_compiled_when_needed() -> None:
    """The pattern after a non-ASCII character is compiled only for text that has one, and finds the same
    matches as one `[^\\w]` pattern."""
    patterns = protect.after_non_word("(?:must|not)\\b")
    assert patterns._ascii is None and patterns._other is None
    assert [m.group("m") for m in protect.iter_after_non_word(patterns, " must not, really")] == ["must", "not"]
    assert patterns._ascii is not None and patterns._other is None
    padded = " x\u00a0not \u2014must notmust"
    found = [(m.start("m"), m.group("m")) for m in protect.iter_after_non_word(patterns, padded)]
    one_pattern = re.compile(r"[^\w](?P<m>(?:must|not)\b)")
    assert found == [(m.start("m"), m.group("m")) for m in one_pattern.finditer(padded)] == [(3, "not"), (8, "must")]
    assert patterns._other is not None


def test_json_examples_longer_than_the_decoding_window() -> None:
    big = json.dumps({"items": [{"id": n, "text": "x" * 50} for n in range(200)]}, indent=1)
    assert len(big) > 4 * protect._JSON_WINDOW
    text = f'Intro {{ not json\nExample: {big}\nAnd [1, 2, oops and {{"open": '
    assert [(s.kind, s.text) for s in find_protected_spans(text) if s.kind == "json"] == [("json", big)]
    assert protect._decode_json('{"a": "' + "y" * 10_000, 0) is None  # unterminated past the window


def test_fold_keeps_offsets() -> None:
    assert protect.fold("İN ORDER TO, ſo ı") == "in order to, so i"
    assert count_negations("İ NOT here. Not_a word. NEVER") == {"not": 1, "never": 1}


def test_empty_json_containers_are_not_protected_and_do_not_roll_the_text_back() -> None:
    assert [span.kind for span in find_protected_spans('config { } and {"a": 1}') if span.kind == "json"] == ["json"]
    result = compress_text("In order to start, set pcm { } in the file.\n")
    assert result.text == "To start, set pcm { } in the file.\n"
    assert result.rollbacks == []


# The definition of a fenced block, as one regex (slow on large texts: `protect._fences` finds the same blocks).
# Indented as deep as it likes: a fence nested in a list item is indented four spaces or more.
_FENCE_DEFINITION = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*\1[`~]*[ \t]*(?:\n|\Z)|\Z)", re.M | re.S)
_FENCE_LINES = [
    "```",
    "````",
    "~~~",
    "~~~~",
    "  ```",
    "   ~~~",
    "    ```",
    "      ~~~~",
    "\t```",
    "```python",
    "```~",
    "`` `",
    "x```",
    "",
    " ",
    "code",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_FENCE_LINES), max_size=10), st.booleans())
def test_fences_are_the_blocks_the_definition_finds(lines: list[str], final_break: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_break else "")
    assert list(protect._fences(text)) == [match.span() for match in _FENCE_DEFINITION.finditer(text)]


def test_a_fence_nested_in_a_list_item_is_kept_as_written() -> None:
    # what the model is to print, in a fence under a list item (four spaces deep): its bold and its "Please note
    # that" are the output's, not the prompt's prose
    text = (
        "For each hook, print the following:\n"
        "  - **Optional hook** (`optional: true`):\n"
        "    ```\n"
        "    ## Extension Hooks\n"
        "\n"
        "    **Optional Pre-Hook**: {extension}\n"
        "    Please note that this hook is optional.\n"
        "    ```\n"
        "Please note that you should run it.\n"
    )
    result = compress_text(text)
    fence = text[text.index("    ```") : text.rindex("    ```")]
    assert fence in result.text
    assert result.text.endswith("```\nYou should run it.\n")
    assert "- Optional hook (`optional: true`):" in result.text  # outside the fence, prose as before


_YAML_BLOCK_AS_ONE_REGEX = re.compile(
    rf"\n(?P<m>{protect._YAML_KEY}\n(?:(?:{protect._YAML_KEY}|[ \t]+\S[^\n]*)(?:\n|\Z))+)"
)


_YAML_PIECES = ["a: 1", "- b: x", "  c", "k:", "text", " ", "\n", "\n", ":", "\t"]


@given(st.lists(st.sampled_from(_YAML_PIECES), max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_yaml_blocks_found_line_by_line_are_those_of_one_regex(text: str) -> None:
    padded = "\n" + text
    expected = []
    match = _YAML_BLOCK_AS_ONE_REGEX.search(padded)
    while match is not None:
        expected.append((match.start("m"), match.end("m")))
        match = _YAML_BLOCK_AS_ONE_REGEX.search(padded, match.end() - 1)
    assert list(protect._yaml_blocks(padded)) == expected


def test_example_turns_are_protected_whether_the_label_shares_the_line_or_not() -> None:
    text = (
        "Answer briefly.\n\nUser:\nPlease could you check my order? Thank you!\nI would like it soon.\n"
        "**Assistant:**\nBasically, it ships today.\n\nCustomer: Please note that I am really upset.\n"
        "Please note that you should stay calm.\n"
    )
    found = [(kind, span) for kind, span in kinds(text) if kind == "example"]
    assert found == [
        ("example", "Please could you check my order? Thank you!\nI would like it soon."),
        ("example", "Basically, it ships today."),
        ("example", "Please note that I am really upset."),
    ]


def test_numbered_turns_qualified_fields_and_trace_steps_of_an_example_are_protected() -> None:
    # an evaluator prompt's example: "User turn 2:" with the turn below, "AGENT_RESPONSE:" and an agent's
    # "THOUGHT:" (all capitals, which the transforms otherwise see masked, label and all)
    text = (
        "Score the reply.\n\nUser turn 2:\n  Celsius, please.\n\nAGENT_RESPONSE:\nYou should look at the metrics.\n\n"
        "THOUGHT: I need to understand the structure of the repository first.\n"
    )
    found = [(kind, span) for kind, span in kinds(text) if kind == "example"]
    assert found == [
        ("example", "  Celsius, please."),
        ("example", "You should look at the metrics."),
        ("example", "I need to understand the structure of the repository first."),
    ]
    assert compress_text(text, level="aggressive").text == text


def test_an_example_in_xml_like_tags_is_kept_as_written() -> None:
    # an example email keeps its greeting, its filler and its sign-off: it shows the style asked for
    example = (
        "<example>\nHi Sam,\n\nI just wanted to quickly check in. Please note that it is really important that you pay"
        " by Friday.\n\nThank you so much!\nDana\n</example>\n\n<good_example>\nHi Lee, could you please send the"
        " form? It's basically the last step. Thanks!\n</good_example>\n"
    )
    text = "Write a follow-up email. Please note that it is really important to keep it short.\n\n" + example
    result = compress_text(text, level="aggressive")
    assert result.text == "Write a follow-up email. It is important to keep it short.\n\n" + example
    # not a tag that only contains the word ("<counterexample_notes>"), nor one left open
    assert "example" not in [
        kind for kind, _ in kinds("<counterexample_notes>\nPlease note.\n</counterexample_notes>\n")
    ]
    assert "example" not in [kind for kind, _ in kinds("<example>\nPlease note that it is late.\n")]


def test_an_example_letter_under_a_label_is_kept_whole_down_to_its_signature() -> None:
    letter = (
        "Example email:\nHi Sam,\n\nThank you so much for reaching out! We would be really grateful if you could send"
        " the invoice number.\n\nKind regards,\nAna\nSupport team\n"
    )
    text = f"Write replies.\n\n{letter}\nNow write the reply. Please make sure that you keep it short.\n"
    assert compress_text(text).text == f"Write replies.\n\n{letter}\nNow write the reply. Keep it short.\n"
    # without a sign-off before the next heading, the letter is not taken to run on
    open_letter = "Example email:\nHi Sam,\n\nPlease note that it is late.\n\n## Rules\n\nKind regards,\nAna\n"
    assert not [text for kind, text in kinds(open_letter) if kind == "example" and "Please note" in text]


def test_a_markdown_indented_code_block_is_kept_as_written() -> None:
    code = "    x = run()  # Please note that it is very important\n    print(x)\n"
    text = f"Please note that you should run it.\n\n{code}"
    assert compress_text(text, kind="markdown").text == f"You should run it.\n\n{code}"
    # indented prose under a list item is not code
    listed = "- Step one\n\n    Please note that it is very important to wait.\n"
    assert "Please note" not in compress_text(listed, kind="markdown").text


@pytest.mark.parametrize("kind", ["text", "jinja", "markdown"])
def test_the_code_of_a_few_shot_example_is_kept_byte_for_byte(kind: str) -> None:
    # under an example label, indented under a code line, or as an indented block after the label and a blank line
    labelled = "Example 2:\ndef f(x):\n    return x  # identity\n\nExample output:\nx = 1  # one\n"
    indented = "Example:\n\n    total = sum(items)  # add them up\n    print(total)  # show it\n"
    for code in (labelled, indented):
        text = f"Please note that you   convert it.\n\n{code}"
        assert compress_text(text, kind=kind).text == f"You convert it.\n\n{code}"
    # the prose under a label, after the code, is still the author's to edit; a JSON example is still minified
    after = "Example output:\nx = 1  # one\nIt is important to note that   y is 2.\n"
    assert compress_text(after, kind=kind).text == "Example output:\nx = 1  # one\nY is 2.\n"
    json_example = 'Example output:\n{\n  "a": 1\n}\n'
    assert compress_text(json_example, kind=kind).text == 'Example output:\n{"a":1}\n'


def test_a_section_headed_as_examples_is_kept_as_written_up_to_the_next_heading_of_its_level() -> None:
    example = (
        "Hi Sam,\n\nI just wanted to quickly check in. Please note that it is really important that you pay by"
        " Friday.\n\nThank you so much!\nDana\n\n"
    )
    text = (
        "Write a follow-up email.\n\n## Example\n\n" + example + "### Example 2\n\n" + example + "## Rules\n\n"
        "Please note that you should never mention fees.\n\nSCORING EXAMPLES\n================\n\n"
        + example
        + "KEY PRINCIPLES\n==============\n\nPlease note that brevity is fine.\n"
    )
    result = compress_text(text, level="balanced")
    assert result.text.count(example) == 3
    # the section's lead-in is the author's: "… consider the context:" is edited like any sentence
    lead_in = "## Multi-turn example\nPlease note that you should consider the context:\nUser: Please help.\n"
    assert (
        compress_text(lead_in).text == "## Multi-turn example\nYou should consider the context:\nUser: Please help.\n"
    )
    assert "\nYou should never mention fees.\n" in result.text
    assert result.text.endswith("\nBrevity is fine.\n")


def test_json_in_an_example_section_is_still_minified() -> None:
    text = '## Example output\n\nPlease note the reply:\n{\n  "score": 5,\n  "status": "done"\n}\n'
    assert compress_text(text, level="safe").text == (
        '## Example output\n\nPlease note the reply:\n{"score":5,"status":"done"}\n'
    )


def test_a_separator_fencing_off_a_template_variable_stays() -> None:
    # the line after {{task}} marks where the inserted text ends and the instructions go on; a line of dashes or
    # equals signs right under text is a setext heading's underline and stays too; a separator elsewhere goes
    text = (
        "You have been submitted this task by your manager.\n---\nTask:\n{{task}}\n---\n"
        "You're helping your manager.\n\nINPUT\n=====\nCONVERSATION_HISTORY: {{query}}\n\n*****\nEnd.\n"
    )
    assert compress_text(text, level="safe", kind="jinja").text == (
        "You have been submitted this task by your manager.\n---\nTask:\n{{task}}\n---\n"
        "You're helping your manager.\n\nINPUT\n=====\nCONVERSATION_HISTORY: {{query}}\n\nEnd.\n"
    )


def test_filler_removal_leaves_example_conversations_verbatim() -> None:
    example = (
        "User:\nPlease could you tell me where my order is? I would like you to check it. Thank you!\n"
        "Assistant:\nBasically, it is really on its way. Please note that it ships today.\n\n"
        "User: Please could you tell me where my order is?\nAssistant: Basically, it is on its way.\n"
    )
    text = "Answer the customer briefly.\n\nExample:\n\n" + example + "\nPlease note that replies are short.\n"
    result = compress_text(text, level="aggressive")
    assert example in result.text
    assert result.text.endswith("\nReplies are short.\n")


def test_capitals_for_emphasis_alone_are_prose_but_acronyms_stay() -> None:
    assert kinds("We are SO excited, and it is REALLY good.") == []
    assert kinds("Use the API, then SOAP.") == [("entity", "API"), ("entity", "SOAP")]
    assert kinds("ALWAYS reply; SOS.") == [("entity", "SOS")]


def test_a_front_matter_model_key_is_no_example_speaker() -> None:
    # "model:" is a speaker label in example conversations; in a prompty front matter it is a key, and the system
    # prompt right after the front matter was protected whole as its "turn"
    text = "---\nname: x\nmodel:\n  api: chat\n---\nsystem:\nPlease note that you answer.\n\nuser:\nHi\n"
    spans = [(span.kind, span.text) for span in protect_document(text, kind="prompty")]
    assert spans == [
        ("front_matter", "---\nname: x\nmodel:\n  api: chat\n---"),
        ("role", "system:"),
        ("role", "user:"),
        ("example", "Hi"),
    ]


FRENCH = (
    "Tu es un assistant pour une banque. Le client a souvent des questions sur son compte, et il a le droit de "
    "savoir pourquoi une opération a été refusée. Utilise des phrases courtes."
)
SPANISH = "El cliente a veces pregunta por su cuenta, y tiene derecho a saber por qué una operación fue rechazada."
GERMAN = (
    "Der Kunde hat oft Fragen zu seinem Konto, und er hat das Recht zu erfahren, warum eine Zahlung abgelehnt wurde."
)


def test_paragraphs_in_another_language_are_kept_as_written() -> None:
    english = "You answer questions about bank accounts. Keep it short, and do not give investment advice."
    text = "\n\n".join([english, FRENCH, SPANISH, GERMAN]) + "\n"
    foreign = [text[start:end] for start, end, _ in protect.foreign_prose(text)]
    assert foreign == [FRENCH, SPANISH, GERMAN]
    for level in ("balanced", "aggressive"):
        result = compress_text(text, level=level).text
        assert all(paragraph in result for paragraph in (FRENCH, SPANISH, GERMAN)), level


def test_a_short_text_in_another_language_is_kept_and_english_with_a_foreign_word_is_not() -> None:
    assert compress_text("Utilise des phrases courtes.\n").text == "Utilise des phrases courtes.\n"
    english = "The shop is in La Jolla; the menu says cafe au lait. Utilise the tools you have.\n"
    assert protect.foreign_prose(english) == []
    assert "Use the tools you have." in compress_text(english).text


_LABEL_PIECES = [
    "Example:",
    "**Sample output:**",
    "Expected response 2:",
    "Example email:",
    "> ",
    "- ",
    "Hi Sam,",
    "x = 1",
]
_LABEL_PIECES += ["\n", "\n", " ", "\t", ":", "**", "__", "Best regards,", "text", "Reply:"]


@given(st.lists(st.sampled_from(_LABEL_PIECES), max_size=30).map("".join))
@settings(max_examples=400, deadline=None)
def test_labels_found_from_their_colons_are_those_the_pattern_finds(text: str) -> None:
    for pattern in (protect.EXAMPLE_BLOCK, protect._LETTER_LABEL):
        expected = [match.span() for match in pattern.finditer(text)]
        assert [match.span() for match in protect.iter_labels(pattern, text)] == expected


def test_labels_found_from_their_colons_skip_a_label_inside_the_block_before() -> None:
    text = "Intro: here\nExample:\nSample output:\nx = 1\n\n**Reply:**  \nHi Sam,\nok\n"
    found = [match.group("block") for match in protect.iter_labels(protect.EXAMPLE_BLOCK, text)]
    assert found == ["Sample output:\nx = 1\n", "Hi Sam,\nok\n"]
    assert found == [match.group("block") for match in protect.EXAMPLE_BLOCK.finditer(text)]


_INDENT_PIECES = ["    x = 1;", "\tf(x)", "  \treturn y", "   text", "prose", "- item", "", " ", "\u00a0", "  \n", "\n"]


@given(st.lists(st.sampled_from(_INDENT_PIECES), max_size=20).map("\n".join))
@settings(max_examples=400, deadline=None)
def test_indented_code_blocks_are_those_of_every_line_walked(text: str) -> None:
    from tokcli import markdown_code

    found = markdown_code.indented_code_blocks(text)
    walked = markdown_code._INDENTED_AFTER_BLANK
    try:
        markdown_code._INDENTED_AFTER_BLANK = re.compile("")  # no shortcut: every text's lines are walked
        assert markdown_code.indented_code_blocks(text) == found
    finally:
        markdown_code._INDENTED_AFTER_BLANK = walked


def test_an_indented_block_on_the_first_line_or_after_a_blank_one_is_code() -> None:
    from tokcli.markdown_code import indented_code_blocks

    assert indented_code_blocks("    x = f(1)\nprose") == [(0, 12)]
    assert indented_code_blocks("Run:\n \t\n\tx = f(1)\n") == [(8, 17)]
    assert indented_code_blocks("Run:\n    x = f(1)\n") == []  # no blank line before it: a continuation

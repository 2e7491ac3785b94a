"""The simple-tags shortcut (tokcli.simple_tags) against Jinja2's own lexer and parser."""

from __future__ import annotations

from unittest.mock import patch

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli import simple_tags
from tokcli.compress.verify import jinja_skeleton, skeleton_digest
from tokcli.errors import InputError
from tokcli.prompts import Span, check_jinja_syntax, find_template_spans, jinja_environment
from tokcli.simple_tags import MAX_DEPTH, simple_template


def jinja_accepts(body: str) -> bool:
    try:
        jinja_environment().parse(body)
    except (jinja2.TemplateSyntaxError, RecursionError):
        return False
    return True


def simple(text: str, start: int = 0):  # type: ignore[no-untyped-def]
    return simple_template(text, find_template_spans(text, start), start)


@pytest.mark.parametrize(
    "text",
    [
        "Hello {{ name }}!",
        "{{name}}{{- user.first_name | title -}}{{user.a.b|lower|trim}}",
        "{% if a %}x{% elif not b.c %}y{% else %}z{% endif %}",
        "{%- for item in items | sort -%}{{ item }}{% else %}none{% endfor %}",
        "{% for key, value in pairs %}{{ key }}={{ value }}{% endfor %}",
        "{# a comment with {{ braces }} and 'quotes' #}{{ x }}",
        "{% if a %}{% for b in c %}{% if d %}{% endif %}{% endfor %}{% endif %}",
        "{%if x%}\n{%endif%}",
        "{{ notice }}{{ iffy }}{{ format_ }}",
        "plain } text %} with #} closers and { braces {{ x }}",
        "{{ 'a' }}{{ 1 }}{{ 0 }}{{ true }}{{ x | default }} {{ y is defined }}{{ z is not none }}",
        '{{ a | default("it\'s", true) | join(", ") }}{% if a.b == "x" %}{% elif n > 60 %}{% endif %}',
        "{% if a not in b %}{% elif 'x' in y %}{% elif not c is defined %}{% endif %}",
    ],
)
def test_simple_templates_parse_as_jinja_says(text: str) -> None:
    result = simple(text)
    assert result is not None and result.parses
    assert jinja_accepts(text)
    assert result.tag_texts == tuple(text[span.start : span.end] for span in find_template_spans(text))


@pytest.mark.parametrize(
    "text",
    [
        "{% if a %}",  # left open
        "{% endif %}",
        "{% if a %}{% endfor %}",
        "{% for a in b %}{% elif c %}{% endfor %}",
        "{% if a %}{% else %}{% elif b %}{% endif %}",
        "{% if a %}{% else %}{% else %}{% endif %}",
        "{% else %}",
        "{% for a in b %}{% else %}{% else %}{% endfor %}",
        "{% if a %}" * (MAX_DEPTH + 1) + "{% endif %}" * (MAX_DEPTH + 1),  # too deep to vouch for
    ],
)
def test_simple_tags_with_blocks_out_of_order_are_left_to_jinja(text: str) -> None:
    result = simple(text)
    assert result is not None and not result.parses


@pytest.mark.parametrize(
    "text",
    [
        "{{ 'a\\'b' }}",
        '{{ "{x}" }}',
        "{{ 007 }}",
        "{{ 1_0 }}",
        "{{ 1.5 }}",
        "{{ x is defined y }}",
        "{{ x is divisibleby 3 }}",
        "{{ a and b }}",
        "{{ a notin b }}",
        "{{ f(x) }}",
        "{{ a[0] }}",
        "{{ a + b }}",
        "{{ not }}",
        "{{ in }}",
        "{{+ x }}",
        "{% if x +%}{% endif %}",
        "{% raw %}{{ x }}{% endraw %}",
        "{% set a = b %}",
        "{% for x in recursive %}{% endfor %}",
        "{% for true in x %}{% endfor %}",
        "{{ x - }}",
        "{{ ünïcode }}",
        "{{ x\u00a0}}",
    ],
)
def test_other_forms_are_not_vouched_for(text: str) -> None:
    try:
        spans = find_template_spans(text)
    except InputError:
        return
    assert simple_template(text, spans) is None


def test_spans_that_miss_a_tag_are_not_vouched_for() -> None:
    text = "{{ a }} {{ b"
    assert simple_template(text, [Span(0, 7, "variable")]) is None
    text = "{{{ a }}"  # Jinja2's tag starts at the first brace
    assert simple_template(text, [Span(1, 8, "variable")]) is None
    assert simple_template("{{ a }}", []) is None
    assert simple_template("{# a #} b #}", [Span(0, 12, "comment")]) is None


def test_the_body_alone_is_checked() -> None:
    text = "{{ 'front' }}\n{{ body }}"
    result = simple(text, 14)
    assert result is not None and result.parses and result.tag_texts == ("{{ body }}",)


# ---- property tests: generated templates, Jinja2's verdict ----

NAMES = ["a", "b_1", "item", "not", "in", "is", "true", "None", "recursive", "if", "x9", "loop", "é"]
SPACES = ["", " ", "  ", "\n", "\t", "\r\n", "\u00a0", "\x0c"]
STRIP = ["", "", "-", "+"]


LITERALS = [
    '"x"',
    "'it'",
    '"a b%c"',
    "'say \"hi\"'",
    '"a\\"b"',
    '"{x}"',
    "0",
    "12",
    "007",
    "1_0",
    "1.5",
    "true",
    "None",
]
FILTERS = ["upper", "default", "join", "e", "not", "is"]


@st.composite
def values(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(LITERALS))
    value = draw(st.sampled_from(NAMES))
    for _ in range(draw(st.integers(0, 2))):
        value += draw(st.sampled_from([".", ". ", "["])) + draw(st.sampled_from(NAMES))
    for _ in range(draw(st.integers(0, 2))):
        value += draw(st.sampled_from(SPACES)) + "|" + draw(st.sampled_from(SPACES)) + draw(st.sampled_from(FILTERS))
        if draw(st.booleans()):
            arguments = draw(st.lists(st.sampled_from(LITERALS + NAMES), max_size=2))
            value += (
                "(" + draw(st.sampled_from([", ", ",", " ,"])).join(arguments) + draw(st.sampled_from(["", ","])) + ")"
            )
    return value


@st.composite
def expressions(draw: st.DrawFn) -> str:
    expression = draw(values())
    kind = draw(st.sampled_from(["value", "compare", "in", "test"]))
    if kind == "compare":
        operator = draw(st.sampled_from(["==", "!=", ">", "<=", "=", "=>", "> ="]))
        expression += draw(st.sampled_from(["", " "])) + operator + draw(st.sampled_from(["", " "])) + draw(values())
    elif kind == "in":
        expression += draw(st.sampled_from([" in ", " not in ", " in", " notin "])) + draw(values())
    elif kind == "test":
        expression += draw(st.sampled_from([" is ", " is not ", " is  "])) + draw(st.sampled_from([*NAMES, "defined"]))
        expression += draw(st.sampled_from(["", "", " 3", " x", " and y", "(1)"]))
    if draw(st.booleans()):
        expression = draw(st.sampled_from(["not ", "not", "not\n", "-", "'s' ~ ", "1 + "])) + expression
    return expression


@st.composite
def tags(draw: st.DrawFn) -> str:
    left, right = draw(st.sampled_from(STRIP)), draw(st.sampled_from(STRIP))
    before, after = draw(st.sampled_from(SPACES)), draw(st.sampled_from(SPACES))
    kind = draw(st.sampled_from(["variable", "if", "elif", "else", "endif", "for", "endfor", "comment", "other"]))
    if kind == "variable":
        return "{{" + left + before + draw(expressions()) + after + right + "}}"
    if kind == "comment":
        return "{#" + left + draw(st.sampled_from(["", " note ", "{{ x }}", "#", "'"])) + right + "#}"
    if kind in ("if", "elif"):
        inner = kind + draw(st.sampled_from([" ", "\n", ""])) + draw(expressions())
    elif kind == "for":
        target = draw(st.sampled_from(NAMES))
        if draw(st.booleans()):
            target += draw(st.sampled_from([",", ", ", " ,"])) + draw(st.sampled_from(NAMES))
        inner = f"for {target} in{draw(st.sampled_from([' ', '']))}{draw(expressions())}"
    elif kind == "other":
        inner = draw(st.sampled_from(["raw", "set a = b", "break", "endraw", "do x", "ifx"]))
    else:
        inner = kind
    return "{%" + left + before + inner + after + right + "%}"


GAPS = st.text(alphabet="ab {}%#-'\"\n\r", max_size=4)


@st.composite
def templates(draw: st.DrawFn) -> list[str]:
    """Pieces: gap, tag, gap, tag, …, gap."""
    pieces = [draw(GAPS)]
    for _ in range(draw(st.integers(0, 8))):
        pieces += [draw(tags()), draw(GAPS)]
    return pieces


PLAIN_NAMES = ["a", "b_1", "item", "x9", "loop", "notice", "user.name"]
CONDITIONS = ["", "", ' == "x"', " > 60", " != b", " in c", " not in c", " is defined", " is not none", " is even x"]


@st.composite
def plain_tag(draw: st.DrawFn, inner: str) -> str:
    left, right = draw(st.sampled_from(["", "-"])), draw(st.sampled_from(["", "-"]))
    opener, closer = ("{{", "}}") if inner.startswith("=") else ("{%", "%}")
    space = draw(st.sampled_from([" ", "", "\n"]))
    return opener + left + space + inner.lstrip("=") + draw(st.sampled_from([" ", ""])) + right + closer


@st.composite
def nested_blocks(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """Pieces of a well-formed body (tags and gaps), blocks nested up to 4 deep."""
    pieces: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        choice = draw(st.sampled_from(["text", "variable", "comment", "if", "for"] if depth < 4 else ["variable"]))
        name = draw(st.sampled_from(PLAIN_NAMES * 2 + NAMES))  # keywords among them, now and then
        if choice == "text":
            pieces.append(draw(GAPS))
        elif choice == "variable":
            suffix = draw(st.sampled_from(["", " | upper", "|trim|e", ' | default("n/a")', " | join(', ')"]))
            pieces.append(draw(plain_tag("=" + name + suffix)))
        elif choice == "comment":
            pieces.append("{# " + name + " #}")
        elif choice == "if":
            pieces += [
                draw(plain_tag("if " + draw(st.sampled_from(["", "not "])) + name + draw(st.sampled_from(CONDITIONS)))),
                *draw(nested_blocks(depth + 1)),
            ]
            for _ in range(draw(st.integers(0, 2))):
                pieces += [
                    draw(plain_tag("elif " + name + draw(st.sampled_from(CONDITIONS)))),
                    *draw(nested_blocks(depth + 1)),
                ]
            if draw(st.booleans()):
                pieces += [draw(plain_tag("else")), *draw(nested_blocks(depth + 1))]
            pieces.append(draw(plain_tag("endif")))
        else:
            pieces += [draw(plain_tag(f"for k, v in {name}")), *draw(nested_blocks(depth + 1))]
            if draw(st.booleans()):
                pieces += [draw(plain_tag("else")), *draw(nested_blocks(depth + 1))]
            pieces.append(draw(plain_tag("endfor")))
    return pieces


@st.composite
def mostly_well_formed(draw: st.DrawFn) -> list[str]:
    """A well-formed body, sometimes with a tag dropped, repeated, moved or replaced by any tag."""
    pieces = draw(nested_blocks())
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        if not pieces:
            break
        index = draw(st.integers(0, len(pieces) - 1))
        change = draw(st.sampled_from(["drop", "repeat", "move", "replace"]))
        if change == "drop":
            del pieces[index]
        elif change == "repeat":
            pieces.insert(index, pieces[index])
        elif change == "move":
            pieces.insert(draw(st.integers(0, len(pieces) - 1)), pieces.pop(index))
        else:
            pieces[index] = draw(tags())
    return pieces


@settings(max_examples=1500, deadline=None)
@given(st.one_of(templates(), mostly_well_formed()))
def test_the_shortcut_never_disagrees_with_jinja(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        spans = find_template_spans(text)
    except InputError:
        return
    result = simple_template(text, spans)
    accepted = jinja_accepts(text)
    if result is not None:
        assert jinja_skeleton(text) is not None  # Jinja2's lexer accepts every simple tag
        if result.parses:
            assert accepted
    try:
        with patch.object(simple_tags, "SHORTCUT_MIN_TAGS", 0):  # the shortcut whatever the number of tags
            check_jinja_syntax("p.j2", text, 0, spans)
        checked = True
    except InputError:
        checked = False
    assert checked == accepted


@settings(max_examples=800, deadline=None)
@given(st.one_of(templates(), mostly_well_formed()), st.lists(GAPS, min_size=1))
def test_simple_bodies_with_the_same_tags_lex_alike(pieces: list[str], gaps: list[str]) -> None:
    """Different static text between the same simple tags: the same tokens once static text is left out."""
    text = "".join(pieces)
    other = "".join(
        gaps[index % len(gaps)] if piece[:2] not in ("{{", "{%", "{#") else piece for index, piece in enumerate(pieces)
    )
    try:
        spans, other_spans = find_template_spans(text), find_template_spans(other)
    except InputError:
        return
    first, second = simple_template(text, spans), simple_template(other, other_spans)
    if first is not None and second is not None and first.tag_texts == second.tag_texts:
        assert jinja_skeleton(text) == jinja_skeleton(other)


# ---- compress verification ----


@pytest.fixture
def shortcut_for_few_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simple_tags, "SHORTCUT_MIN_TAGS", 0)


def test_the_shortcut_waits_for_many_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    from tokcli.compress.verify import baseline

    monkeypatch.setattr(simple_tags, "_tags_met", 0)
    few = "{{ a }}" * (simple_tags.SHORTCUT_MIN_TAGS - 1)
    assert baseline(few, kind="jinja").simple_tag_texts is None
    monkeypatch.setattr(simple_tags, "_tags_met", 0)
    assert baseline(few + "{{ a }}", kind="jinja").simple_tag_texts is not None


def test_many_small_templates_take_the_shortcut_once_they_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """An audit of many small templates: once the process has met `SHORTCUT_MIN_TAGS` tags, the patterns have
    paid for themselves and each later body takes the shortcut, with the same verification outcome."""
    from tokcli.compress.rules_method import compress_text
    from tokcli.compress.verify import baseline

    monkeypatch.setattr(simple_tags, "_tags_met", 0)
    body = "Please note that you must answer {{ question }} in order to help. {% if docs %}{{ docs }}{% endif %}\n"
    assert baseline(body, kind="jinja").simple_tag_texts is None  # the first bodies are lexed by Jinja2
    lexed = compress_text(body, kind="jinja")
    for _ in range(simple_tags.SHORTCUT_MIN_TAGS // 4):
        baseline(body, kind="jinja")
    assert baseline(body, kind="jinja").simple_tag_texts is not None
    shortcut = compress_text(body, kind="jinja")
    assert (shortcut.text, shortcut.transforms, shortcut.rollbacks) == (lexed.text, lexed.transforms, lexed.rollbacks)
    assert shortcut.text != body


@pytest.mark.usefixtures("shortcut_for_few_tags")
def test_verification_of_simple_tags_lexes_nothing_when_the_tags_stay() -> None:
    from tokcli.compress.verify import baseline, verify

    original = "{% if user %}Please note that you should greet {{ user.name | default('there') }}.{% endif %}\n"
    base = baseline(original, kind="jinja")
    assert base.simple_tag_texts is not None and base._skeleton is False  # not lexed yet
    assert verify(original, original.replace("Please note that you", "You"), kind="jinja", base=base).ok
    assert base._skeleton is False  # the result's tags are the original's: still not lexed
    report = verify(original, original.replace("{{ user.name", "{{ who.name"), kind="jinja", base=base)
    assert {problem.check for problem in report.problems} >= {"placeholders", "variables"}
    assert base.skeleton == skeleton_digest(original)  # lexed once tags differed


@pytest.mark.usefixtures("shortcut_for_few_tags")
def test_verification_without_the_shortcut_reports_the_same() -> None:
    from tokcli.compress.verify import baseline, verify

    original = "{% for a in items %}{{ a }} is fine{% else %}none{% endfor %}\n"
    results = [original.replace(" is fine", ""), original.replace("{{ a }}", "{{ b }}"), "{% for a in items %}\n"]
    for result in results:
        fast = verify(original, result, kind="jinja")
        base = baseline(original, kind="jinja")
        base.simple_tag_texts = None  # the way every other template goes
        base._skeleton = skeleton_digest(original)
        slow = verify(original, result, kind="jinja", base=base)
        assert fast.problems == slow.problems


@pytest.mark.parametrize(
    "text",
    ["{%+raw%}a", "{%+ raw %}{{ x }{% endraw %}", "{% raw -%}{{{%+ endraw %}", "{% raw +%}x{% endraw %}"],
)
def test_raw_blocks_are_found_as_jinja_finds_them(text: str) -> None:
    """`{%+ raw %}` opens a raw block for Jinja2's lexer (the template-syntax check accepted an unclosed one
    without a line break after it); `{% raw +%}` does not."""
    try:
        check_jinja_syntax("p.j2", text, 0, find_template_spans(text))
        checked = True
    except InputError:
        checked = False
    assert checked == jinja_accepts(text)

"""Property test: compression never loses or alters a placeholder, statement, protected span or negation.

Runs 1,000 generated Jinja2 templates per level by default (TOKCLI_HYPOTHESIS_EXAMPLES overrides it for a
quicker local run). The checks here are independent of `tokcli.compress.verify`: they re-parse with Jinja2,
search the original protected texts in order, find the protected spans of the result again, and count
negation words with their own regex. Without verification they fail (a transform can glue a span to the
text beside it).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter

import jinja2
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jinja2 import meta

from tokcli.compress.protect import json_equal, protect_document
from tokcli.compress.rules_method import compress_text
from tokcli.prompts import find_template_spans

EXAMPLES = int(os.environ.get("TOKCLI_HYPOTHESIS_EXAMPLES", "1000"))

WORDS = [
    "the",
    "a",
    "an",
    "answer",
    "user",
    "question",
    "please",
    "kindly",
    "very",
    "really",
    "basically",
    "In order to",
    "in order to",
    "due to the fact that",
    "make use of",
    "is able to",
    "prior to",
    "not",
    "never",
    "no",
    "must",
    "must not",
    "only",
    "except",
    "unless",
    "at least",
    "at most",
    "without",
    "don't",
    "do not",
    "Don't",
    "NEVER",
    "Only",
    "can't",
    "cannot",
    "Please note that",
    "I want you to",
    "Acme Corp",
    "New York",
    "user_id",
    "camelCase",
    "config.yaml",
    "v2",
    "42",
    "3.5",
    "https://x.org/a",
    '"quoted text"',
    "`code`",
    "e.g.",
    "Thank you!",
    "report",
    "and",
    "of",
    "is",
    "JSON",
    "/etc/hosts",
    # the openers, lead-ins, reduced clauses and example turns of the general rewordings
    "So,",
    "Just",
    "Try to",
    "you're going to",
    "in a clear manner",
    "that were listed",
    "Here are the",
    "kind of",
    "User:",
    "Assistant:",
    "🚀",
    "since we",
    "so that you can",
    "It's totally fine to",
    "You need to",
    "as well as",
    "SO",
    "When you are writing",
    "make sure that",
]
SEPARATORS = [" ", " ", "  ", ", ", ". ", "! ", "\n", "\n\n", "\n\n\n", " \t ", ": ", "\n- ", "\n1. ", "\n# "]
DECOR = ["**", "*", "_", "---", "=====", "```\nx = 1\n```", '{"a": 1, "b": [1, 2]}', "key: v\nother: w"]


def prose() -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(WORDS), st.sampled_from(DECOR))
    return st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), min_size=1, max_size=25).map(
        lambda items: "".join(word + sep for word, sep in items)
    )


NAMES = st.sampled_from(["user_name", "items", "x", "task", "lang"])
WS = st.sampled_from(["", "-"])


def variable() -> st.SearchStrategy[str]:
    return st.builds(lambda a, name, b: f"{{{{{a} {name} {b}}}}}", WS, NAMES, WS)


def template(depth: int = 2) -> st.SearchStrategy[str]:
    leaf = st.one_of(prose(), variable(), st.just("{# a comment #}"), st.just("{% raw %}{{ kept }}{% endraw %}"))
    if depth == 0:
        return st.lists(leaf, min_size=1, max_size=6).map("".join)
    inner = template(depth - 1)
    block = st.one_of(
        st.builds(lambda a, cond, body, b: f"{{%{a} if {cond} %}}{body}{{% endif {b}%}}", WS, NAMES, inner, WS),
        st.builds(lambda name, body: f"{{% for item in {name} %}}{body}{{% endfor %}}", NAMES, inner),
        st.builds(lambda body: f"{{% set note %}}{body}{{% endset %}}", inner),
    )
    return st.lists(st.one_of(leaf, block), min_size=1, max_size=6).map("".join)


_NEG = re.compile(r"\b(?:not|never|no|must|only|except|unless|without|at\s+least|at\s+most|don't|can't|cannot)\b", re.I)


def negations(text: str) -> Counter[str]:
    return Counter(" ".join(word.lower().split()) for word in _NEG.findall(text))


def tags(text: str) -> list[str]:
    return [text[span.start : span.end] for span in find_template_spans(text)]


def _example_json(kind: str, text: str) -> bool:
    if kind != "example" or not text.strip().startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def assert_preserved(original: str, compressed: str) -> None:
    env = jinja2.Environment()
    assert meta.find_undeclared_variables(env.parse(compressed)) == meta.find_undeclared_variables(env.parse(original))
    assert tags(compressed) == tags(original)
    assert negations(compressed) == negations(original)
    position = 0
    for span in protect_document(original, kind="jinja"):
        if span.kind == "json":
            continue
        found = compressed.find(span.text, position)
        if span.kind == "negation":  # the one change allowed: a capital where it now opens a sentence
            capital = compressed.find(span.text[:1].upper() + span.text[1:], position)
            if capital >= 0 and (found < 0 or capital < found):  # the nearer one: "Not the the not"
                found = capital
        assert found >= 0, f"protected {span.kind} {span.text!r} lost"
        position = found + len(span.text)
    # a cut can leave a JSON value opening an example turn ("So, User: {…}" → "User: {…}"): protected as the
    # turn's text then, it is still the same value
    json_before = [
        s.text for s in protect_document(original, kind="jinja") if s.kind == "json" or _example_json(s.kind, s.text)
    ]
    json_after = [
        s.text for s in protect_document(compressed, kind="jinja") if s.kind == "json" or _example_json(s.kind, s.text)
    ]
    assert len(json_before) == len(json_after)
    assert all(json_equal(a, b) for a, b in zip(json_before, json_after))
    # found again in the result, the spans are the same: none grew into the text around it, none appeared
    # (a bare "not" that came to open a request took a "Do": "to not share keys" → "Do not share keys")
    before = [s.text for s in protect_document(original, kind="jinja") if s.kind != "json"]
    after = [s.text for s in protect_document(compressed, kind="jinja") if s.kind != "json"]
    after = [text[3:] if text == "Do not" and old == "not" else text for text, old in zip(after, before)]
    assert [text.lower() for text in after] == [text.lower() for text in before]
    assert [text[1:] for text in after] == [text[1:] for text in before]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template(), st.sampled_from(["safe", "balanced", "aggressive"]))
# minified JSON left ending its line with a colon is still JSON, not a line of code ("for x in [...]:")
@example('{"a": 1, "b": [1, 2]}: Thank you! ', "balanced")
# a cut leaves the JSON opening an example turn: the turn's text, still the same value
@example('SO, User: {"a": 1, "b": [1, 2]} ', "balanced")
# a long run of blanks: the reason-clause pattern read the rest of the run from each blank (quadratic)
@example("Keep it short" + " \t" * 3_000 + "— because it matters.", "aggressive")
# a long run of backticks with no line break after it: the fence opening gave it back a character at a time
@example("Answer in JSON." + "`" * 20_000, "balanced")
def test_compression_keeps_placeholders_statements_spans_and_negations(source: str, level: str) -> None:
    result = compress_text(source, level=level, kind="jinja")
    assert_preserved(source, result.text)
    assert len(result.text) <= len(source) + 0  # rules never add text


@settings(max_examples=max(EXAMPLES // 4, 50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prose(), st.sampled_from(["safe", "balanced", "aggressive"]))
def test_plain_text_never_raises_and_keeps_negations(source: str, level: str) -> None:
    result = compress_text(source, level=level, kind="markdown")
    assert negations(result.text) == negations(source)

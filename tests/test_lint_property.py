"""Property tests: any mix of prompt fragments lints without error, positions are inside the file, and
safe fixes converge and never change a template's variables or statements."""

from __future__ import annotations

import jinja2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lint_support import linter

from tokcli.lint.rules.template import template_signature

FRAGMENTS = [
    "You are a helpful assistant.",
    "In order to help, please make sure to answer!!!",
    "Could you please answer?",
    "VERY VERY IMPORTANT: DO NOT SKIP STEPS",
    "==========",
    "##########\n#  TITLE  #\n##########",
    "{{ name }}",
    "{{   spaced   }}",
    "{% if x %}",
    "{% endif %}",
    "{% set y = 1 %}",
    "{# tokcli: noqa TK303 #}",
    '{\n    "a": 1,\n    "b": [\n        2\n    ]\n}',
    "   ",
    "\t",
    "\n",
    "\n\n\n",
    "\u200b",
    "\u00a0",
    "don\u2019t \u201cquote\u201d \u2014 ok\u2026",
    "3f2b8c1e-9d4a-4e7b-b5c6-1a2b3c4d5e6f",
    "```\ncode   here\n\n\n```",
    "Example 1: input and output.",
    "- item",
    "## **Heading** ##",
]

texts = st.lists(st.sampled_from(FRAGMENTS), max_size=25).map(lambda parts: " ".join(parts))
shared_linter = linter("ALL")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.sampled_from(["p.md", "p.txt", "p.j2"]))
def test_lint_and_fix_any_text(text: str, path: str) -> None:
    try:
        before = template_signature(text) if path.endswith(".j2") else None
    except jinja2.TemplateSyntaxError:
        return  # the loader reports these as input errors
    findings = shared_linter.lint_text(path, text)
    line_count = text.count("\n") + 1
    for finding in findings:
        assert 1 <= finding.line <= finding.end_line <= line_count
        assert finding.column >= 1 and finding.tokens_wasted >= 0
    result = shared_linter.fix_text(path, text)
    assert not any(finding.fixable for finding in result.findings)
    assert shared_linter.fix_text(path, result.text).text == result.text
    if before is not None:
        assert template_signature(result.text) == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.sampled_from(["p.md", "p.txt"]))
def test_tokens_wasted_is_what_the_fix_saves(text: str, path: str) -> None:
    # The invariant behind "could be saved": applying one finding's fix alone to the whole file lowers the
    # file's count by exactly the finding's tokens_wasted, and no reported waste saves nothing (a rule that
    # does not measure waste may report what saves nothing: TK605's hidden characters).
    from tokcli.lint.engine import apply_fixes
    from tokcli.lint.rules.base import all_rules
    from tokcli.prompts import load_prompt

    counter = shared_linter.counter
    measuring = {rule.code for rule in all_rules() if rule.measures_waste}
    for finding in shared_linter.lint_text(path, text):
        if finding.code in ("TK401", "TK402", "TK502", "TK503", "TK901", "TK902"):
            assert finding.tokens_wasted == 0
            continue
        assert finding.tokens_wasted > 0 or finding.code not in measuring, finding
        if not finding.fix:
            continue
        fixed, applied = apply_fixes(text, [finding])
        assert applied == 1
        saved = counter.count(load_prompt(path, text).prompt_text) - counter.count(load_prompt(path, fixed).prompt_text)
        assert saved == finding.tokens_wasted, finding

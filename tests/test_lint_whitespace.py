"""TK1xx: whitespace and formatting rules."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lint_support import fix, hits, lint

from tokcli.lint.rules import whitespace


def test_blank_line_run_fires_and_fixes() -> None:
    # Blank lines holding spaces cost tokens (bare newline runs are merged into one token: see below).
    source = "Be brief.\n\n \n \n\nCite sources.\n"
    assert hits(source, "TK101", dedent=False) == [(2, 1, "TK101")]
    result = fix(source, "TK101", dedent=False)
    assert result.text == "Be brief.\n\nCite sources.\n"
    assert result.findings == []


def test_single_blank_line_is_fine() -> None:
    assert hits("Be brief.\n\nCite sources.\n", "TK101", dedent=False) == []


def test_blank_lines_at_end_of_file() -> None:
    source = "Be brief.\n \n \n"
    assert hits(source, "TK101", dedent=False) == [(2, 1, "TK101")]
    assert fix(source, "TK101", dedent=False).text == "Be brief.\n"


def test_blank_lines_inside_code_fence_are_left_alone() -> None:
    assert hits("Run:\n```\na\n\n\n\nb\n```\n", "TK101", dedent=False) == []


def test_trailing_whitespace_fires_only_when_it_costs_tokens() -> None:
    # o200k merges a lone trailing space into the newline token; a tab run before a word does not.
    source = "Answer in English.\t\t \nNext line\n"
    assert hits(source, "TK102", dedent=False) == [(1, 19, "TK102")]
    assert fix(source, "TK102", dedent=False).text == "Answer in English.\nNext line\n"
    assert hits("Answer in English.\nNext line\n", "TK102", dedent=False) == []


def test_whitespace_run_between_words() -> None:
    source = "Reply with        the answer only.\n"
    assert hits(source, "TK103", dedent=False) == [(1, 11, "TK103")]
    assert fix(source, "TK103", dedent=False).text == "Reply with the answer only.\n"
    # two spaces are under the default run length, and table padding is structure
    assert hits("Reply with  the answer.\n| a      | b |\n", "TK103", dedent=False) == []


def test_whitespace_run_never_touches_template_syntax() -> None:
    source = "Hello {{   name   }} and        {{ x }}\n"
    result = fix(source, "TK103", path="p.j2", dedent=False)
    assert result.text == "Hello {{   name   }} and {{ x }}\n"


def test_deep_indentation() -> None:
    source = "Rules:\n" + "                be brief and precise in every answer\n" * 2
    assert hits(source, "TK104", dedent=False) == [(2, 1, "TK104")]
    nested = "- a\n  - b\n    - c\n      - d\n        - e\n          - f, a list nested by design\n"
    assert hits(nested, "TK104", dedent=False) == []
    assert hits("Rules:\n    - be brief\n", "TK104", dedent=False) == []
    code = "```\n" + "                indented_code()\n" * 2 + "```\n"
    assert hits(code, "TK104", dedent=False) == []


def test_decorative_separator() -> None:
    source = "Intro text.\n\n==============================\nOUTPUT\n"
    assert hits(source, "TK105", dedent=False) == [(3, 1, "TK105")]
    assert fix(source, "TK105", dedent=False).text == "Intro text.\n\n---\nOUTPUT\n"
    assert hits("Intro.\n\n---\nOutput\n", "TK105", dedent=False) == []
    assert hits("| a | b |\n|---|---|\n| 1 | 2 |\n", "TK105", dedent=False) == []


def test_setext_underline_keeps_heading_level() -> None:
    source = "Title\n==================================\nBody\n"
    assert fix(source, "TK105", dedent=False).text == "Title\n===\nBody\n"


def test_ascii_banner() -> None:
    source = """\
        ##############################
        #     SYSTEM INSTRUCTIONS    #
        ##############################
        Answer briefly.
        """
    assert hits(source, "TK106") == [(1, 1, "TK106")]
    # a markdown table is not a banner
    table = "| name | role |\n|------|------|\n| Ada  | admin |\n| Bob  | user |\n"
    assert hits(table, "TK106", dedent=False) == []


def test_ascii_banner_suggests_a_heading_with_letter_spaced_words_joined() -> None:
    from tokcli.lint.rules.whitespace import _banner_words

    assert _banner_words("##   L U M E N   B O T  ::  v7  ##") == ["LUMEN", "BOT", "v7"]
    assert _banner_words("#  A to Z guide  #") == ["A", "to", "Z", "guide"]  # short words stay words


def test_banner_lines_are_not_also_separators() -> None:
    source = """\
        ##############################
        #     SYSTEM INSTRUCTIONS    #
        ##############################
        """
    assert [code for _, _, code in hits(source, ["TK105", "TK106"])] == ["TK106"]


def test_markdown_decoration() -> None:
    source = "## **Output format** ##\n\nAnswer in JSON.\n\n### Rules ###\n"
    found = lint(source, "TK107", dedent=False)
    # The closing `###` of line 5 merges with the newline into one token: removing it saves nothing.
    assert [(f.line, f.column) for f in found] == [(1, 1)]
    assert all(f.severity == "info" and not f.fixable and f.tokens_wasted > 0 for f in found)
    assert found[0].fix is not None and found[0].fix[0].replacement == "## Output format"
    assert hits("## Output format\n\n**Always** answer in JSON.\n", "TK107", dedent=False) == []


def test_rule_before_heading() -> None:
    assert hits("Intro.\n\n---\n\n## Rules\n", "TK107", dedent=False) == [(3, 1, "TK107")]
    assert hits("Intro.\n\n---\n\nMore prose.\n", "TK107", dedent=False) == []


def test_fix_never_edits_code_indented_or_fenced() -> None:
    from lint_support import fix

    indented = "Example:\n\n    const a = b ?? c;      // aligned comment\n    const dd = e;          // second\n"
    fenced = "Steps:\n\n- Write this:\n    ```ts\n    const s = 'padded   ';   \n    ```\n"
    for source in (indented, fenced):
        assert fix(source, ["TK102", "TK103"], dedent=False).text == source


def test_blank_lines_that_cost_no_token_are_not_reported() -> None:
    from lint_support import lint

    # o200k merges "\n\n\n" into one token, like "\n\n": removing the extra blank line saves nothing.
    found = lint("Answer briefly.\n\n\nCite sources.\n", "TK101", dedent=False)
    for finding in found:
        assert finding.tokens_wasted > 0


def test_tokens_wasted_matches_a_recount_of_the_fixed_text() -> None:
    from lint_support import lint

    from tokcli.lint.engine import apply_fixes
    from tokcli.registry import tokenizer_for_model

    counter = tokenizer_for_model("gpt-4o")
    source = "Reply   with the answer.      \n\n\n\n==============================\nThen stop.  \n"
    findings = lint(source, ["TK101", "TK102", "TK103", "TK105"], dedent=False)
    assert findings
    for finding in findings:
        fixed, applied = apply_fixes(source, [finding])
        assert applied == 1
        assert finding.tokens_wasted == counter.count(source) - counter.count(fixed), finding


def test_box_drawing_art_in_prose_and_plain_fences_but_not_in_code() -> None:
    from lint_support import lint

    art = "▓" * 30 + "\n▓  RESEARCH MODE" + " " * 13 + "▓\n" + "▓" * 30 + "\n"
    found = lint("Intro.\n\n```\n" + art + "```\n", "TK108", dedent=False)
    assert [(f.line, f.end_line, f.code) for f in found] == [(4, 6, "TK108")]
    assert found[0].tokens_wasted >= 5 and "## Research mode" in found[0].message
    assert lint("Intro.\n\n```python\n" + art + "```\n", "TK108", dedent=False) == []
    tree = "```\nsrc/\n├── cli.py\n└── lint/\n    └── engine.py\n```\n"
    assert lint(tree, "TK108", dedent=False) == []


def test_trailing_blank_line_of_a_template_follows_keep_trailing_newline() -> None:
    from tokcli.lint.config import LintSettings
    from tokcli.lint.engine import Linter

    source = "Answer briefly, {{ name }}.\n \n"
    # Jinja's default drops the final newline: the one blank line at the end never renders.
    assert hits(source, "TK101", path="p.j2", dedent=False) == []
    keeping = Linter(LintSettings(select=["TK101"], jinja={"keep-trailing-newline": True}), model="gpt-4o")
    assert [(f.line, f.code) for f in keeping.lint_text("p.j2", source)] == [(2, "TK101")]


def test_a_separator_fix_never_opens_front_matter() -> None:
    from lint_support import fix

    source = "##########\n# Title\n##########\nAnswer briefly.\n"
    result = fix(source, "TK105", dedent=False)
    assert not result.text.startswith("---")
    assert result.findings == []


_SEPARATOR_AS_REGEX = re.compile(r"^[ \t]*([" + re.escape(whitespace._SEPARATOR_CHARS) + r"][ \t]?){5,}[ \t]*\r?$")
_HR_AS_REGEX = re.compile(r"^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*\r?$")


@given(
    st.lists(st.sampled_from(["-", "=", "*", "_", "#", "|", " ", "\t", "\r", "a", "─", ":"]), max_size=14).map("".join)
)
@settings(max_examples=500, deadline=None)
def test_decoration_lines_are_those_of_the_regexes_they_replace(line: str) -> None:
    assert whitespace._decoration_run(line) == bool(_SEPARATOR_AS_REGEX.match(line))
    assert whitespace.horizontal_rule(line) == bool(_HR_AS_REGEX.match(line))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab_ \t\u200b\u00a0é9٣*-=|\u2028\x1c─#"), max_size=40))
def test_decoration_count_is_the_per_character_one(line: str) -> None:
    expected = sum(1 for char in line if char == "_" or not (char.isalnum() or char.isspace()))
    assert whitespace.decoration_count(line) == expected

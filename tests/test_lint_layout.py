"""The line layout redundancy rules rely on: code, tables, headings, fields, examples, template branches."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.lint import layout as layout_module
from tokcli.lint.layout import _LABEL, _SPEAKER_LABELS, NOT_NARRATIVE, exclusive, layout, narrative
from tokcli.lint.rules.base import Segment, find_code_blocks
from tokcli.prompts import find_template_spans


def kinds(text: str) -> list[str]:
    return [line.kind for line in layout(Segment(text, 0, 1, spans=find_template_spans(text)))]


def test_line_kinds() -> None:
    text = (
        "# Title\n"
        "Answer briefly and cite the sources.\n"
        "| a | b |\n"
        "**Context:** the profits rose.\n"
        "- [Setup](#setup)\n"
        "## Examples\n"
        "The user asks about refunds.\n"
        "## Rules\n"
        "Never promise a refund.\n"
    )
    assert kinds(text) == ["heading", "prose", "table", "field", "toc", "heading", "example", "heading", "prose"]


def test_code_blocks_fenced_at_any_indent_indented_and_html() -> None:
    text = "- item:\n    ```\n    code here\n    ```\n\nprose\n\n    x = f(y);\n    z = g(x);\n\n<pre>a  b</pre>\n"
    blocks = find_code_blocks(text)
    covered = [text[a:b] for a, b in blocks]
    assert covered[0].startswith("    ```") and "x = f(y);" in covered[1] and covered[2] == "<pre>a  b</pre>"
    # Indented prose under a list item is not code.
    assert find_code_blocks("1. Step one\n\n    Do this carefully and then stop.\n") == []


def test_alternative_branches_are_exclusive() -> None:
    text = "{% if a %}\nfirst\n{% else %}\nsecond\n{% endif %}\nafter\n"
    lines = layout(Segment(text, 0, 1, spans=find_template_spans(text)))
    assert exclusive(lines[1], lines[3])
    assert not exclusive(lines[1], lines[5])


def test_lines_inside_example_tags_of_any_such_name_are_examples() -> None:
    text = (
        "Write the reply.\n<good_example>\nHi Lee, could you please send the form?\n</good_example>\n"
        "<example_response>\nTHOUGHT: I need to look first.\n</example_response>\n"
        "<counterexample_notes>\nNever guess.\n</counterexample_notes>\n"
    )
    # (an opening tag's line goes with the example it opens, a closing tag's is markup)
    expected = ["prose", "example", "example", "html", "example", "example", "html", "html", "prose", "html"]
    assert kinds(text) == expected


def _narrative_by_definition(segment: Segment, offset: int) -> bool:
    """`narrative` as it reads: the line's text before `offset`, sliced, its label and quotes counted."""
    lines = layout(segment)
    starts = [line.start for line in lines]
    if not starts or offset < starts[0]:
        return True
    index = max(i for i, start in enumerate(starts) if start <= offset)
    if lines[index].kind in NOT_NARRATIVE:
        return False
    before = segment.masked[lines[index].start : offset]
    label = _LABEL.match(before)
    if label is not None and label.group("label").lower().split()[-1] in _SPEAKER_LABELS:
        return False
    return before.count('"') % 2 == 0 and before.count("“") <= before.count("”")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(['"', "“", "”", "Say ", "User: ", "a", " ", "\n", "- ", "**Reply:** ", "x"]), max_size=30)
)
def test_narrative_counts_the_quotes_before_an_offset_as_the_sliced_line_would(pieces: list[str]) -> None:
    text = "".join(pieces)
    long_line = layout_module._LONG_LINE
    try:
        for threshold in (long_line, 0):  # counted in place, and looked up in the line's quote index
            layout_module._LONG_LINE = threshold
            segment = Segment(text, 0, 1, spans=[])
            for offset in range(len(text) + 1):
                assert narrative(segment, offset) == _narrative_by_definition(segment, offset)
    finally:
        layout_module._LONG_LINE = long_line

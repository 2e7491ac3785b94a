"""Fitting a table into a width: numbers are never cut; paths shorten in the middle; columns drop by rank."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tokcli.reporters.table_width import GAP, PATH_FLOOR, PATH_LAST_RESORT, Column, fit_columns, shorten_middle


def test_shorten_middle_keeps_both_ends() -> None:
    assert shorten_middle("prompts/agents/support/escalation_policy.md", 20) == "prompts/a…_policy.md"
    assert shorten_middle("short.md", 20) == "short.md"
    assert len(shorten_middle("x" * 100, 13)) == 13


def _table(path: str) -> list[Column]:
    return [
        Column("File", [path, "b.md"], shortenable=True),
        Column("gpt-4o", ["1,304", "12"]),
        Column("claude-sonnet-4-5", ["~1,565", "~15"], drop_rank=2),
        Column("$/call", ["$0.003260", "$0.000030"], drop_rank=12),
        Column("static prefix (min 1,024)", ["5 short", "12 short"], drop_rank=10),
        Column("budget", ["over", "ok"]),
    ]


def test_everything_fits_at_natural_width() -> None:
    fitted = fit_columns(_table("a.md"), 200)
    assert fitted.dropped == []
    assert fitted.widths == [4, 6, 17, 9, 25, 6]


def test_no_limit_keeps_every_column_and_path() -> None:
    path = "p/" + "x" * 300 + ".md"
    fitted = fit_columns(_table(path), None)
    assert fitted.dropped == [] and fitted.columns[0].cells[0] == path


def test_headers_wrap_before_anything_is_cut() -> None:
    columns = _table("a.md")
    natural = sum(column.natural_width for column in columns) + GAP * (len(columns) - 1)
    fitted = fit_columns(columns, natural - 5)
    assert fitted.dropped == [] and fitted.columns[0].cells[0] == "a.md"
    assert fitted.widths[4] == len("12 short")  # the header wraps at its spaces, down to its widest cell


def test_a_long_path_is_shortened_before_a_column_is_dropped() -> None:
    path = "prompts/" + "deep/" * 12 + "system.md"
    fitted = fit_columns(_table(path), 100)
    assert fitted.dropped == []
    shown = fitted.columns[0].cells[0]
    assert "…" in shown and shown.startswith("prompts/") and shown.endswith("system.md")
    assert fitted.width <= 100


def test_columns_drop_in_rank_order_when_the_path_would_go_below_its_floor() -> None:
    path = "prompts/" + "deep/" * 12 + "system.md"
    fitted = fit_columns(_table(path), 60)
    assert fitted.dropped == ["claude-sonnet-4-5", "static prefix (min 1,024)"]
    assert [column.header for column in fitted.columns] == ["File", "gpt-4o", "$/call", "budget"]
    assert fitted.width <= 60 and len(fitted.columns[0].cells[0]) >= PATH_FLOOR


cells = st.lists(st.text(alphabet="0123456789,.$~%() ", min_size=1, max_size=14), min_size=1, max_size=5)


@given(
    paths=st.lists(st.text(alphabet="abc/._- ", min_size=1, max_size=120), min_size=1, max_size=5),
    numbers=st.lists(cells, min_size=1, max_size=6),
    width=st.integers(min_value=10, max_value=250),
)
def test_numbers_are_never_cut_and_the_table_fits_when_it_can(
    paths: list[str], numbers: list[list[str]], width: int
) -> None:
    rows = min(len(paths), *(len(column) for column in numbers))
    columns = [Column("File", paths[:rows], shortenable=True)]
    columns += [
        Column(f"n{index}", column[:rows], drop_rank=None if index == 0 else index)
        for index, column in enumerate(numbers)
    ]
    fitted = fit_columns(columns, width)
    originals = {column.header: column for column in columns}
    for column, column_width in zip(fitted.columns, fitted.widths):
        if column.header != "File":
            assert list(column.cells) == list(originals[column.header].cells)  # every number whole
        assert all(len(cell) <= column_width for cell in column.cells)
    assert set(fitted.dropped) | {column.header for column in fitted.columns} == set(originals)
    kept = [columns[0], columns[1]]  # what can never go: the path (at its last resort) and the first numbers
    least = min(kept[0].natural_width, PATH_LAST_RESORT) + kept[1].narrowest + GAP
    if least <= width:
        assert fitted.width <= width

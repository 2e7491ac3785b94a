"""Rendered-template figures (`count` with fixtures): per file and model, the template's own tokens next to
the rendered tokens (fixtures, min, median, max)."""

from __future__ import annotations

from typing import Any

from tokcli.render import RenderedFigures

HEADERS = ["file", "model", "template", "fixtures", "min", "median", "max"]


def rendered_rows(
    figures: dict[tuple[str, str], RenderedFigures], template_tokens: dict[tuple[str, str], str]
) -> list[list[str]]:
    rows = []
    for (path, label), found in figures.items():
        mark = "" if found.exact else "~"
        rows.append(
            [
                path,
                label,
                template_tokens.get((path, label), ""),
                str(len(found.per_fixture)),
                f"{mark}{found.minimum:,}",
                mark + f"{found.median:,.1f}".removesuffix(".0"),
                f"{mark}{found.maximum:,}",
            ]
        )
    return rows


def rendered_range(found: RenderedFigures) -> str:
    """ "411 with 1 fixture" or "20–38 (median 29) over 2 fixtures": the rendered tokens as a phrase."""
    mark = "" if found.exact else "~"
    fixtures = len(found.per_fixture)
    if fixtures == 1:
        return f"{mark}{found.minimum:,} with 1 fixture"
    median = f"{found.median:,.1f}".removesuffix(".0")
    return f"{mark}{found.minimum:,}–{mark}{found.maximum:,} (median {mark}{median}) over {fixtures:,} fixtures"


def render_rendered_table(
    figures: dict[tuple[str, str], RenderedFigures], template_tokens: dict[tuple[str, str], str]
) -> Any:
    from rich.table import Table

    table = Table(title="Rendered with fixtures", title_justify="left", header_style="bold")
    for index, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if index < 2 else "right")
    for row in rendered_rows(figures, template_tokens):
        table.add_row(*row)
    return table


def rendered_cost_lines(rendered: list[Any]) -> list[str]:
    """One line per template and model: rendered tokens and the cost per call of the smallest and largest render."""
    from tokcli.pricing.dump import decimal_text

    lines = []
    for item in rendered:
        found, mark = item.figures, "" if item.figures.exact else "~"
        fixtures = len(found.per_fixture)
        if fixtures == 1:
            figures = f"{mark}{found.minimum:,} tokens with 1 fixture, ${decimal_text(item.min_cost)} per call"
        else:
            figures = (
                f"{mark}{found.minimum:,}–{mark}{found.maximum:,} tokens over {fixtures:,} fixtures, "
                f"${decimal_text(item.min_cost)}–${decimal_text(item.max_cost)} per call"
            )
        lines.append(f"rendered {item.path} on {item.model}: {figures}")
    return lines


def render_rendered_plain(
    figures: dict[tuple[str, str], RenderedFigures], template_tokens: dict[tuple[str, str], str]
) -> str:
    from tokcli.reporters.columns import aligned_lines

    rows = [HEADERS, *rendered_rows(figures, template_tokens)]
    return "\n".join(["rendered with fixtures", *aligned_lines(rows, left=(0, 1))]) + "\n"

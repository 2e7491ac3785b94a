"""Plain aligned columns (for pipes and NO_COLOR): the shared layout of tokcli's small plain tables."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def aligned_lines(rows: Sequence[Sequence[str]], left: Collection[int] = (0,)) -> list[str]:
    """Each row as one line: columns in `left` padded on the right, the others (numbers) on the left, two
    spaces apart, trailing blanks cut."""
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    return [
        "  ".join(
            value.ljust(width) if index in left else value.rjust(width)
            for index, (value, width) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    ]

"""The context-window fit of `count --fit`: per file and model, the prompt plus the reserved output as a share
of the model's window (a rich table or plain columns)."""

from __future__ import annotations

from typing import Any

from tokcli.fit import Fit

HEADERS = ["file", "model", "prompt", "reserved", "window", "share", "status"]
_STATUS = {"over": "OVER the window", "warn": "warning", "ok": "ok", "unknown": "no window known"}


def fit_rows(fits: dict[tuple[str, str], Fit]) -> list[list[str]]:
    rows = []
    for (path, _), fit in fits.items():
        share = fit.share
        rows.append(
            [
                path,
                fit.model,
                f"{'' if fit.exact else '~'}{fit.prompt_tokens:,}" + (" (largest render)" if fit.rendered else ""),
                f"{fit.reserved:,}",
                f"{fit.window:,}" if fit.window else "—",
                f"{share:.1f}%" if share is not None else "—",
                _STATUS[fit.status] + (f" (≥ {fit.warn_at:g}%)" if fit.status == "warn" else ""),
            ]
        )
    return rows


def render_fit_table(fits: dict[tuple[str, str], Fit]) -> Any:
    from rich.table import Table

    table = Table(title="Context window", title_justify="left", header_style="bold")
    for index, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if index in (0, 1, 6) else "right")
    styles = {"over": "bold red", "warn": "yellow"}
    for row, fit in zip(fit_rows(fits), fits.values()):
        table.add_row(*row, style=styles.get(fit.status))
    return table


def render_fit_plain(fits: dict[tuple[str, str], Fit]) -> str:
    from tokcli.reporters.columns import aligned_lines

    return "\n".join(["context window", *aligned_lines([HEADERS, *fit_rows(fits)], left=(0, 1, 6))]) + "\n"


def fit_json(fit: Fit) -> dict[str, Any]:
    share = fit.share
    return {
        "window": fit.window,
        "reserved_output": fit.reserved,
        "prompt_tokens": fit.prompt_tokens,
        "rendered": fit.rendered,
        "used": fit.used,
        "share": round(share, 2) if share is not None else None,
        "exact": fit.exact,
        "status": fit.status,
    }

"""`tokcli audit --format text`: a rich summary — per-file table, totals per model, top offenders, budget
status, deltas, failing findings and unreadable files. Returns a string (colour only when asked)."""

from __future__ import annotations

import io
import itertools
from collections import Counter
from itertools import compress
from operator import not_
from typing import Any, Literal

from tokcli.audit.analyze import ModelFigures
from tokcli.audit.run import AuditReport
from tokcli.lint.finding import finding_values
from tokcli.reporters.audit_markdown import (
    ESTIMATE,
    budget_text,
    file_budget_state,
    named_note,
    saved,
    signed,
    tokens,
    totals_rows,
    usd,
    verdict,
)
from tokcli.reporters.rendered import rendered_range
from tokcli.reporters.table_width import Column, Fitted, fit_columns

MAX_MODEL_COLUMNS = 4
UNLIMITED = 100_000  # the console width for "no limit": rich needs a number; lines are stripped afterwards


def common_directory(paths: list[str]) -> str:
    """The directory every path is in ('' when they share none)."""
    import posixpath

    if not paths:
        return ""
    try:
        common = posixpath.commonpath([posixpath.dirname(path) or "." for path in paths])
    except ValueError:  # absolute and relative paths mixed
        return ""
    return "" if common in (".", "") else common


def _prefix(figure: ModelFigures | None) -> str:
    if figure is None:
        return "—"
    if figure.cacheable is None:
        return f"{figure.prefix_tokens:,}"
    return f"{figure.prefix_tokens:,} {'ok' if figure.cacheable else 'short'}"


# Columns leave a narrow table in this order (lowest rank first): the extra model columns from the right, the
# static prefix, compress savings, cost per call. The file, the first model, findings and budget always stay.
DROP_RANKS = {"static prefix": 10, "compress saves": 11, "$/call": 12}


def _files_columns(report: AuditReport) -> list[Column]:
    primary = report.models[0]
    shown = report.targets[:MAX_MODEL_COLUMNS]
    base = common_directory([file.path for file in report.files])
    minimum = report.targets[0].cache_min
    rows = []
    for file in report.files:
        figure = file.figure(primary)
        row = [file.path[len(base) + 1 :] if base else file.path]
        row[0] += named_note(file)  # the model named where the prompt is sent
        for target in shown:
            other = file.figure(target.model)
            row.append(tokens(other.tokens if other else None, other.exact if other else target.exact))
        state = file_budget_state(report, file)
        row += [
            usd(figure.cost_per_call if figure else None),
            saved(figure),
            _prefix(figure),
            f"{len(file.findings):,}" if file.findings else "",
            state or "",
        ]
        rows.append(row)
    cells = list(zip(*rows)) if rows else [()] * (len(shown) + 6)
    columns = [Column("File", cells[0], shortenable=True)]
    for index, target in enumerate(shown):
        rank = None if index == 0 else len(shown) - index  # the rightmost model column goes first
        columns.append(Column(target.model, cells[1 + index], drop_rank=rank))
    prefix_header = f"static prefix{f' (min {minimum.tokens:,})' if minimum else ''}"
    rest = cells[1 + len(shown) :]
    columns += [
        Column("$/call", rest[0], drop_rank=DROP_RANKS["$/call"]),
        Column("compress saves", rest[1], drop_rank=DROP_RANKS["compress saves"]),
        Column(prefix_header, rest[2], drop_rank=DROP_RANKS["static prefix"]),
        Column("findings", rest[3]),
        Column("budget", rest[4]),
    ]
    return columns


def _files_title(report: AuditReport) -> str:
    base = common_directory([file.path for file in report.files])
    where = f" in {base}/" if base else ""
    return f"Prompt files{where} ({len(report.files):,}); tokens per model, the rest on {report.models[0]}"


def _totals_columns(report: AuditReport) -> list[Column]:
    period = report.settings.per if report.settings.calls is not None else None
    headers: list[tuple[str, int | None]] = [("Model", None), ("Tokens", None)]
    if report.deltas is not None:
        headers.append(("Δ", 2))
    headers.append(("$/call", None))
    if period:
        headers.append((f"$/{period} ({report.settings.calls:,} calls)", None))
    headers += [("compress saves", 1), ("cacheable files", 0)]
    rows = totals_rows(report)
    cells = list(zip(*rows)) if rows else [()] * len(headers)
    return [Column(header, column, drop_rank=rank) for (header, rank), column in zip(headers, cells)]


_STATE_STYLES = {"over": "red", "ok": "green"}


def _table(title: str, fitted: Fitted, *, plain: bool, rows: int | None = None) -> Any:
    """The rich table of `fitted` (its first `rows` rows only, when given)."""
    from rich import box
    from rich.console import JustifyMethod
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=title,
        title_justify="left",
        show_edge=False,
        pad_edge=False,
        box=box.SIMPLE_HEAD if plain else box.HEAVY_HEAD,
    )
    justify: list[JustifyMethod] = []
    for index, (column, width) in enumerate(zip(fitted.columns, fitted.widths)):
        justify.append(_justify(index, column))
        table.add_column(column.header, justify=justify[-1], width=width)
    body = zip(*(column.cells for column in fitted.columns))
    for row in body if rows is None else itertools.islice(body, rows):
        cells = []
        for index, (column, cell) in enumerate(zip(fitted.columns, row)):
            style = _STATE_STYLES.get(cell, "") if column.header == "budget" else ""
            cells.append(Text(cell, style=style, justify=justify[index], no_wrap=True))
        table.add_row(*cells)
    return table


def _justify(index: int, column: Column) -> Literal["left", "right"]:
    return "left" if index == 0 or column.header == "budget" else "right"


def _plain_rows(fitted: Fitted) -> list[str] | None:
    """The body rows of the plain table (no colour, no rules) as rich draws them, without rich's per-cell work
    (most of a large tree's text report): each cell padded to its column's width, one space of padding inside
    the table's edges, a space between columns. None when a cell could lay out otherwise (not printable ASCII,
    where a character's width may differ from 1, wider than its column, or with blanks at its ends, which rich
    trims when it justifies)."""
    last = len(fitted.widths) - 1
    layouts = []
    for index, (column, width) in enumerate(zip(fitted.columns, fitted.widths)):
        joined = "".join(column.cells)
        if not (joined.isascii() and joined.isprintable()) or any(
            len(cell) > width or cell != cell.strip(" ") for cell in column.cells
        ):
            return None
        left = "" if index == 0 else " "
        right = "" if index == last else " "
        pad = str.ljust if _justify(index, column) == "left" else str.rjust
        layouts.append([left + pad(cell, width) + right for cell in column.cells])
    return [" ".join(row) for row in zip(*layouts)]


def _print_fitted(console: Any, title: str, columns: list[Column], width: int | None, *, plain: bool) -> list[str]:
    """Print one table fitted to `width` (None: no limit); the headers of the columns it left out.

    A plain table of many rows: rich draws the title, the header and the first row, and the other rows are
    written as `_plain_rows` lays them out, when its first row is the one rich drew (else rich draws them all)."""
    fitted = fit_columns(columns, width)
    wide_enough = max(console.width, fitted.width)  # too wide even so: the terminal wraps it, no number is cut
    console_width, console.width = console.width, wide_enough
    rows = _plain_rows(fitted) if plain and console.no_color and len(fitted.columns[0].cells) > 1 else None
    if rows is not None:
        with console.capture() as capture:
            console.print(_table(title, fitted, plain=plain, rows=1))
        drawn = capture.get()
        if drawn.endswith("\n" + rows[0] + "\n"):
            console.file.write(drawn + "".join(row + "\n" for row in rows[1:]))
            console.width = console_width
            return fitted.dropped
    console.print(_table(title, fitted, plain=plain))
    console.width = console_width
    return fitted.dropped


def render_audit_text(
    report: AuditReport, *, color: bool = False, width: int | None = None, terminal: bool = False
) -> str:
    """The text report. `width` None: no limit (every column, nothing shortened); `terminal` draws the tables
    with rules, otherwise they are plain and no line ends in spaces."""
    from rich.console import Console
    from rich.markup import escape

    buffer = io.StringIO()
    console = Console(file=buffer, width=width or UNLIMITED, force_terminal=color, no_color=not color, highlight=False)
    primary = report.models[0]
    dropped: list[str] = []
    if report.files:
        dropped += _print_fitted(console, _files_title(report), _files_columns(report), width, plain=not terminal)
        console.print()
    dropped += _print_fitted(console, "Totals", _totals_columns(report), width, plain=not terminal)
    if dropped:
        console.print(
            f"[dim]note: left out at {width} columns: {escape(', '.join(dict.fromkeys(dropped)))} "
            "(a wider terminal, COLUMNS=N or --format json shows them)[/dim]"
        )
    console.print()

    offenders = [file for file in report.top_offenders() if file.figure(primary)]
    if len(report.files) > 1 and offenders:
        console.print(f"[bold]Top offenders[/bold] (tokens on {primary})")
        for file in offenders:
            figure = file.figure(primary)
            assert figure is not None
            codes = Counter(finding_values(file.findings, "code")).most_common(2)
            extra = ", ".join(f"{code}×{count:,}" for code, count in codes)
            console.print(
                f"  {escape(file.path)}: {tokens(figure.tokens, figure.exact)} tokens, "
                f"{usd(figure.cost_per_call)}/call, compress saves {saved(figure)}" + (f"; {extra}" if extra else "")
            )
        console.print()

    rendered = [
        (file, figure)
        for file in report.files
        if (figure := file.figure(primary)) is not None and figure.rendered is not None
    ]
    if rendered:
        console.print(f"[bold]Rendered with fixtures[/bold] (tokens on {primary})")
        for file, figure in rendered:
            found = figure.rendered
            console.print(
                f"  {escape(file.path)}: template {tokens(figure.tokens, figure.exact)}, rendered "
                + rendered_range(found)
            )
        console.print()

    if report.budgets:
        exceeded = [check for check in report.budgets if check.exceeded]
        if exceeded:
            console.print(f"[bold red]Budgets: {len(exceeded):,} of {len(report.budgets):,} exceeded[/bold red]")
            for check in exceeded:
                where = check.path or "all files"
                console.print(f"  {escape(where)} ({check.model}): {budget_text(check)}")
        else:
            console.print(f"[bold green]Budgets: all {len(report.budgets):,} within limits[/bold green]")
        console.print()

    if report.deltas is not None:
        counts = report.deltas.counts()
        console.print(
            f"[bold]Changes since {escape(report.deltas.source)}[/bold]: {counts['changed']} changed, "
            f"{counts['new']} new, {counts['deleted']} deleted, {counts['unchanged']} unchanged"
        )
        if primary in report.deltas.models:
            for item in report.deltas.files:
                delta = item.model(primary)
                if item.status == "unchanged" or delta is None:
                    continue
                console.print(
                    f"  {item.status:<8} {escape(item.path)}: {delta.before:,} → {delta.after:,} ({signed(delta)})"
                )
                if item.rendered is not None and item.rendered.delta:
                    render = item.rendered
                    console.print(
                        f"           rendered (largest): {render.before:,} → {render.after:,} ({signed(render)})"
                    )
                for tool in item.tools:
                    change = tool.after - tool.before
                    console.print(
                        f"           tool {escape(tool.name)}: {tool.before:,} → {tool.after:,} ({change:+,})"
                    )
        console.print()

    failing = report.failing_findings()
    if failing:
        console.print("[bold]Failing findings[/bold]")
        for finding in failing:
            console.print(
                f"  {escape(finding.path)}:{finding.line}: [red]{finding.code}[/red] {escape(finding.message)}"
            )
        console.print()
    # The others, told apart by the same test (not by comparing findings: quadratic), from their columns.
    fields = zip(*(finding_values(report.findings, name) for name in ("code", "name", "tokens_wasted")))
    by_code: Counter[str] = Counter()
    wasted: Counter[str] = Counter()
    names = {}
    for code, name, tokens_wasted in compress(fields, map(not_, report.failing_flags())):
        by_code[code] += 1
        wasted[code] += tokens_wasted
        names[code] = name
    if by_code:
        parts = [f"{code} {names[code]} ×{count:,} ({wasted[code]:,} tokens)" for code, count in by_code.most_common(5)]
        console.print(
            f"[bold]Lint findings[/bold]: {sum(by_code.values()):,} below --fail-on {report.settings.fail_on}; most frequent: "
            + "; ".join(parts)
        )
        console.print("  details: tokcli lint <files>")
        console.print()

    for problem in report.problems:
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        label = "skipped" if problem.kind == "unreadable" and report.settings.skip_unreadable else "error"
        console.print(f"[red]{label}[/red]: {escape(where)}: {escape(problem.message)}")
    for path, reason in report.skipped:
        console.print(f"[dim]skipped {escape(path)}: {escape(reason)}[/dim]")
    for note in report.notes:
        console.print(f"[dim]note: {escape(note)}[/dim]")
    if any(not target.exact for target in report.targets):
        console.print(f"[dim]{ESTIMATE} marks an estimate: that provider publishes no tokenizer[/dim]")
    if report.cache_hits:
        console.print(
            f"[dim]cache: {report.cache_hits:,} of {report.cache_hits + report.cache_misses:,} files unchanged[/dim]"
        )
    style = {0: "bold green", 1: "bold red"}.get(report.exit_code(), "bold red")
    console.print(f"[{style}]audit {verdict(report)}[/{style}]")
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())

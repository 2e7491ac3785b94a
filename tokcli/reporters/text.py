"""Human output for lint findings (shared with audit): grouped by file, each with a code frame."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tokcli.lint.finding import Finding

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 file`, `2 files`; `words` for an irregular plural (`entry`, `entries`)."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def summary_line(summary: Mapping[str, Any]) -> str:
    count = int(summary.get("findings", 0))
    files = int(summary.get("files", 0))
    errors = int(summary.get("errors", 0))
    unread = f" ({plural(errors, 'file')} could not be read)" if errors else ""
    if count == 0:
        return f"No findings in {plural(files, 'file')}{unread}."
    by_severity = summary.get("by_severity", {})
    parts = [
        f"{by_severity[name]:,} info" if name == "info" else plural(by_severity[name], name)
        for name in ("error", "warning", "info")
        if by_severity.get(name)
    ]
    text = f"Found {plural(count, 'finding')} ({', '.join(parts)}) in {plural(files, 'file')}{unread}"
    wasted = int(summary.get("tokens_wasted", 0))
    if wasted:
        text += f"; {plural(wasted, 'token')} per call could be saved"
    # Not savings: tokens a provider could cache (TK401) and tokens over a budget (TK402) are reported apart.
    cacheable = int(summary.get("cacheable_tokens", 0))
    if cacheable:
        text += f"; {plural(cacheable, 'token')} could be served from the prompt cache"
        if summary.get("cache_saving_usd") is not None:
            per = summary.get("cache_saving_per", "call")
            text += f" (${float(summary['cache_saving_usd']):,.4f} per {per})"
    over = int(summary.get("over_budget_tokens", 0))
    if over:
        text += f"; {plural(over, 'token')} over budget"
    fixable = int(summary.get("fixable", 0))
    if fixable:
        text += f"; {fixable:,} fixable with --fix"
    return text + "."


def _frame(lines: list[str], finding: Finding, context: int) -> list[tuple[str, str]]:
    """(text, style) rows of a code frame: `context` lines before, the line, a caret underline."""
    rows: list[tuple[str, str]] = []
    if not 1 <= finding.line <= len(lines):
        return rows
    first = max(1, finding.line - context)
    width = len(str(finding.line))
    for number in range(first, finding.line + 1):
        marker = ">" if number == finding.line else " "
        raw = lines[number - 1]
        length = len(raw)
        while length and raw[length - 1] == "\r":
            length -= 1
        if length > 160:  # cut before cleaning: a long line is not copied whole for every finding on it
            start = max(0, finding.column - 60) if number == finding.line else 0
            text = ("…" if start else "") + raw[start : min(start + 140, length)].replace("\t", " ") + "…"
        else:
            text = raw[:length].replace("\t", " ")
        rows.append((f"  {marker} {number:>{width}} | {text}".rstrip(), "bold" if marker == ">" else "dim"))
    line_text = lines[finding.line - 1]
    column = finding.column
    if len(line_text) > 160:
        column = min(column, 61) + 1 if finding.column > 60 else column
    end = finding.end_column if finding.end_line == finding.line else len(line_text) + 1
    length = max(1, min(end - finding.column, 80))
    rows.append((f"    {' ' * width} | {' ' * (column - 1)}{'^' * length}", STYLES.get(finding.severity, "")))
    return rows


def render_text(findings: Sequence[Finding], summary: Mapping[str, Any], **options: Any) -> str:
    """`iter_text`'s report in one string (`options` are its keyword arguments)."""
    return "".join(iter_text(findings, summary, **options))


#: `iter_text` hands its text on in pieces of about this many characters.
_PIECE_CHARS = 1 << 20


def iter_text(
    findings: Sequence[Finding],
    summary: Mapping[str, Any],
    *,
    sources: Mapping[str, str] | None = None,
    color: bool = False,
    width: int = 100,
    context: int = 1,
) -> Iterator[str]:
    """Findings grouped by file with a code frame each (when `sources` has the file's text), then a summary;
    in pieces, to be written as they come: the report of a file with a million findings is hundreds of
    megabytes, more than the findings themselves."""
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False, soft_wrap=True
    )
    for parts in _rows(findings, summary, sources, context):
        # Without colour most rows are written as the plain text rich would print (rich costs ~0.4 ms a row,
        # most of the time of a large file's lint); rows it would change (tabs, control codes) go through rich.
        plain = None if color else _plain_row("".join(text for text, _ in parts))
        if plain is not None:
            buffer.write(plain)
        else:
            row = Text()
            for text, style in parts:
                row.append(text, style=style)
            console.print(row)
        if buffer.tell() >= _PIECE_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _rows(
    findings: Sequence[Finding], summary: Mapping[str, Any], sources: Mapping[str, str] | None, context: int
) -> Iterator[list[tuple[str, str]]]:
    """Each printed row as (text, style) parts."""
    ordered = Finding.sorted(findings)
    current = None
    lines: list[str] = []
    for finding in ordered:
        if finding.path != current:
            if current is not None:
                yield []
            current = finding.path
            yield [(finding.path, "bold underline")]
            source = (sources or {}).get(finding.path)
            lines = source.split("\n") if source is not None else []
        head = [
            (f"{finding.line}:{finding.column} ", ""),
            (finding.severity, STYLES.get(finding.severity, "")),
            (f" {finding.code} ", "bold"),
            (f"[{finding.name}] ", "dim"),
            (finding.message, ""),
        ]
        if finding.tokens_wasted:
            head.append((f" ({plural(finding.tokens_wasted, 'token')})", "magenta"))
        if finding.fixable:
            head.append((" [fixable]", "green"))
        yield head
        for text, style in _frame(lines, finding, context):
            yield [(text, style)]
    if ordered:
        yield []
    yield [(summary_line(summary), "bold")]


#: What rich changes in a row printed without colour and wrapping: control codes it drops, tabs it expands.
_RICH_CHANGES = re.compile("[\t\x07\x08\x0b\x0c\r]")


def _plain_row(text: str) -> str | None:
    """The row as rich prints it (soft wrap, no colour), or None when rich would change it."""
    return None if _RICH_CHANGES.search(text) else text + "\n"

"""Output of `tokcli compress`: the summary (text, for stderr), a unified diff, and JSON."""

from __future__ import annotations

import difflib
from typing import Any

from tokcli.compress.summary import CompressReport, ModelSavings
from tokcli.pricing.dump import decimal_text
from tokcli.reporters.cost import format_period_usd, format_usd
from tokcli.reporters.json_document import json_document


def render_diff(report: CompressReport) -> str:
    """A unified diff from the original to the compressed text ('' when nothing changed)."""
    name = report.path if report.path != "<stdin>" else "stdin"
    lines = difflib.unified_diff(
        report.original.splitlines(keepends=True),
        report.text.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _method(report: CompressReport) -> str:
    return f"{report.method}/{report.level}" if report.level else report.method


def _model_line(report: CompressReport, row: ModelSavings) -> str:
    mark = "" if row.exact else "~"
    tokenizer = row.tokenizer if row.exact else f"{row.tokenizer}, estimate"
    parts = [
        f"{row.label} ({tokenizer}): {mark}{row.before:,} → {mark}{row.after:,} tokens, "
        f"{row.saved:,} saved ({row.percent:.1f}%)"
    ]
    if row.saved_per_call is not None:
        parts.append(f"{format_usd(row.saved_per_call)} saved per call")
    if row.saved_per_period is not None and report.calls is not None:
        parts.append(f"{format_period_usd(row.saved_per_period)} per {report.per} at {report.calls:,} calls")
    if row.note:
        parts.append(row.note)
    return "  " + "; ".join(parts)


def render_summary(report: CompressReport) -> str:
    lines = [f"tokcli compress: {report.path} ({_method(report)})"]
    lines.extend(_model_line(report, row) for row in report.models)
    if report.transforms:
        fired = ", ".join(f"{name} ×{count:,}" for name, count in report.transforms.items())
        lines.append(f"  transforms: {fired}")
    elif not report.changed:
        lines.append("  nothing to compress")
    for removed in report.removed:
        text = removed.text if len(removed.text) <= 80 else removed.text[:77] + "..."
        lines.append(f"  removed: line {removed.line} ({removed.reason}): {text}")
    for rollback in report.rollbacks:
        where = "whole text" if rollback.transform == "*" else f"{rollback.transform} at line {rollback.line}"
        lines.append(f"  rolled back: {where} ({rollback.check}: {rollback.message})")
    for note in report.notes:
        lines.append(f"  note: {note}")
    if report.written:
        lines.append(f"  written to {report.written}")
    return "\n".join(lines) + "\n"


def _money(value: Any) -> str | None:
    return decimal_text(value) if value is not None else None


def report_data(report: CompressReport, *, include_text: bool, include_diff: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": report.path,
        "method": report.method,
        "level": report.level,
        "changed": report.changed,
        "models": [
            {
                "model": row.label,
                "tokenizer": row.tokenizer,
                "exact": row.exact,
                "tokens_before": row.before,
                "tokens_after": row.after,
                "tokens_saved": row.saved,
                "percent_saved": round(row.percent, 2),
                "input_price_per_million": _money(row.price_per_million),
                "saved_per_call_usd": _money(row.saved_per_call),
                "saved_per_period_usd": _money(row.saved_per_period),
                "note": row.note,
            }
            for row in report.models
        ],
        "calls": report.calls,
        "per": report.per if report.calls is not None else None,
        "transforms": dict(report.transforms),
        "rollbacks": [
            {"transform": r.transform, "line": r.line, "check": r.check, "message": r.message} for r in report.rollbacks
        ],
        "removed": [
            {"transform": r.transform, "line": r.line, "reason": r.reason, "text": r.text} for r in report.removed
        ],
        "notes": list(report.notes),
        "written": report.written,
    }
    if include_text:
        data["text"] = report.text
    if include_diff:
        data["diff"] = render_diff(report)
    return data


def render_json_data(data: dict[str, Any] | list[dict[str, Any]]) -> str:
    """One file's `report_data`, or `{"files": [...]}` with one per file (several files)."""
    return json_document(data if isinstance(data, dict) else {"files": data})

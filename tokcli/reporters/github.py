"""GitHub Actions workflow commands: one `::warning file=…,line=…::message` annotation per finding."""

from __future__ import annotations

from collections.abc import Sequence

from tokcli.lint.finding import Finding

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow-command message: %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value: the message escapes plus ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    properties = [
        ("file", finding.path),
        ("line", str(finding.line)),
        ("col", str(finding.column)),
        ("endLine", str(finding.end_line)),
    ]
    if finding.end_line == finding.line:
        properties.append(("endColumn", str(max(finding.end_column, finding.column))))
    properties.append(("title", f"{finding.code} {finding.name}"))
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = finding.message
    if finding.tokens_wasted:
        message += f" ({finding.tokens_wasted:,} token{'s' if finding.tokens_wasted != 1 else ''} per call)"
    return f"::{LEVELS.get(finding.severity, 'warning')} {props}::{escape_data(message)}"


def render_github(findings: Sequence[Finding]) -> str:
    lines = [annotation(finding) for finding in sorted(findings, key=Finding.sort_key)]
    return "".join(line + "\n" for line in lines)

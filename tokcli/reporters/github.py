"""GitHub Actions workflow commands: `::warning file=…,line=…::message` annotations for findings.

GitHub shows only the first 10 error, 10 warning and 10 notice annotations of a step, so no more than that are
printed, the ones that fail the run and the most costly first; one plain log line counts the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from tokcli.lint.finding import Finding

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
LEVEL_ORDER = ("error", "warning", "notice")
PER_LEVEL = 10  # annotations GitHub shows per level and step
NO_FILE = frozenset({"", "."})  # a finding about the whole tree (a total): an annotation on the run, not a file


def escape_data(text: str) -> str:
    """Escape a workflow-command message: %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value: the message escapes plus ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def level(finding: Finding) -> str:
    return LEVELS.get(finding.severity, "warning")


def annotation(finding: Finding) -> str:
    properties = []
    if finding.path not in NO_FILE:
        properties += [
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
    return f"::{level(finding)} {props}::{escape_data(message)}"


def select_annotations(
    findings: Sequence[Finding], *, first: Sequence[Finding] = (), used: Mapping[str, int] | None = None
) -> tuple[list[Finding], Counter[str]]:
    """The findings GitHub will show, by level: `first` (those that fail the run) ahead of the rest, then the
    most tokens wasted per call; `used` counts annotations of each level already printed. Also the number left
    out per level."""
    failing = {id(finding) for finding in first}
    ranked = sorted(
        findings,
        key=lambda f: (LEVEL_ORDER.index(level(f)), id(f) not in failing, -f.tokens_wasted, Finding.sort_key(f)),
    )
    room = {name: PER_LEVEL - (used or {}).get(name, 0) for name in LEVEL_ORDER}
    shown: list[Finding] = []
    left_out: Counter[str] = Counter()
    for finding in ranked:
        if room[level(finding)] > 0:
            room[level(finding)] -= 1
            shown.append(finding)
        else:
            left_out[level(finding)] += 1
    return shown, left_out


def left_out_line(left_out: Counter[str], command: str) -> str:
    """A plain log line (not an annotation) counting the findings that were not annotated."""
    if not left_out:
        return ""
    counts = ", ".join(
        f"{left_out[name]:,} {name}{'s' if left_out[name] != 1 else ''}" for name in LEVEL_ORDER if left_out[name]
    )
    return (
        f"tokcli: {sum(left_out.values()):,} more findings not annotated ({counts}): GitHub shows {PER_LEVEL} of "
        f"each level per step; `{command}` lists them all\n"
    )


def render_github(findings: Sequence[Finding], *, first: Sequence[Finding] = ()) -> str:
    shown, left_out = select_annotations(findings, first=first)
    return "".join(annotation(finding) + "\n" for finding in shown) + left_out_line(left_out, "tokcli lint")

"""Findings, edits and rule metadata: the dataclasses that lint produces and reporters consume.

`audit` builds the same `Finding` objects (with its own codes), so every reporter works for both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace `text[start:end]` of the file with `replacement` (character offsets into the whole file)."""

    start: int
    end: int
    replacement: str


@dataclass(slots=True)
class Finding:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    severity: str
    message: str
    tokens_wasted: int = 0  # tokens per call a fix saves (a recount of the fixed text, not an estimate)
    fix: list[Edit] | None = None
    safe_fix: bool = False
    #: TK401: static tokens a provider could serve from its prompt cache if the dynamic value moved down.
    #: Not waste (the tokens stay in the prompt), so kept out of `tokens_wasted`.
    cacheable_tokens: int = 0
    #: TK401: what those tokens would save in USD at the configured model's prices (per call, or per period
    #: when config sets `volume: {calls, per}`); None when the model has no cached-input price.
    cache_saving_usd: float | None = None
    #: TK402: tokens over the configured budget (cutting them is a decision, not a fix), also kept apart.
    over_budget_tokens: int = 0

    @property
    def fixable(self) -> bool:
        return bool(self.fix) and self.safe_fix

    #: The order findings are reported in (path, line, column, code): a key function for `sorted`, in C.
    sort_key = staticmethod(attrgetter("path", "line", "column", "code"))

    @staticmethod
    def sort(findings: list[Finding]) -> None:
        """Put `findings` in report order in place: what `findings.sort(key=Finding.sort_key)` does (the same
        order, ties kept as they were), by stable sorts on one field at a time from the last: a key tuple per
        finding was 72 MB at a million findings."""
        for name in ("code", "column", "line", "path"):
            findings.sort(key=attrgetter(name))

    @staticmethod
    def sorted(findings: Iterable[Finding]) -> Sequence[Finding]:
        """`findings` in report order (see `Finding.sort`): a new list, or `findings` themselves when they
        are a sequence kept in report order (`tokcli.lint.finding_table`), whose findings are made as read."""
        if getattr(findings, "in_report_order", False):
            return findings  # type: ignore[return-value]
        ordered = list(findings)
        Finding.sort(ordered)
        return ordered

    def to_dict(self) -> dict[str, Any]:
        """The fields by name, in declaration order (what `dataclasses.asdict` gives, built directly: reports
        with tens of thousands of findings spent most of their time in its recursive copy)."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "tokens_wasted": self.tokens_wasted,
            "fix": (
                [{"start": edit.start, "end": edit.end, "replacement": edit.replacement} for edit in self.fix]
                if self.fix
                else None
            ),
            "safe_fix": self.safe_fix,
            "cacheable_tokens": self.cacheable_tokens,
            "cache_saving_usd": self.cache_saving_usd,
            "over_budget_tokens": self.over_budget_tokens,
        }


@dataclass(frozen=True)
class RuleInfo:
    """What a reporter (SARIF rules metadata) or `tokcli rules` needs to know about a rule."""

    code: str
    name: str
    severity: str
    summary: str
    description: str = ""
    safe_fix: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def finding_values(findings: Iterable[Finding], name: str) -> Iterator[Any]:
    """Each finding's field or property `name`; findings kept as columns (`tokcli.lint.finding_table`) give
    them without making each finding."""
    by_column = getattr(findings, "values", None)
    return by_column(name) if by_column is not None else map(attrgetter(name), findings)


def summarize(findings: Sequence[Finding], *, files: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary block every reporter prints: counts by severity and code, and tokens wasted per call."""

    # Counted through Counter and map (C loops): reports run to tens of thousands of findings.
    def values(name: str) -> Iterator[Any]:
        return finding_values(findings, name)

    severities = Counter(values("severity"))
    by_severity = {name: 0 for name in SEVERITIES}
    by_severity.update(severities)
    by_code = Counter(values("code"))
    summary: dict[str, Any] = {
        "files": files,
        "findings": len(findings),
        "by_severity": by_severity,
        "by_code": dict(sorted(by_code.items())),
        "tokens_wasted": sum(values("tokens_wasted")),
        "cacheable_tokens": sum(values("cacheable_tokens")),
        "over_budget_tokens": sum(values("over_budget_tokens")),
        "fixable": sum(values("fixable")),
    }
    if extra:
        summary.update(extra)
    return summary

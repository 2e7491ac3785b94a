"""Output for `tokcli rules`: the rule list and one rule's explanation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tokcli.lint.finding import RuleInfo
from tokcli.reporters.json_document import json_document


def rules_plain(infos: Sequence[RuleInfo], enabled: set[str] | None = None) -> str:
    width = max((len(info.name) for info in infos), default=10)
    lines = []
    for info in infos:
        fix = "fix" if info.safe_fix else "   "
        off = "" if enabled is None or info.code in enabled else "  (off by default)"
        lines.append(f"{info.code}  {info.name:<{width}}  {info.severity:<7}  {fix}  {info.summary}{off}")
    return "\n".join(lines) + "\n"


def rules_table(infos: Sequence[RuleInfo], enabled: set[str] | None = None) -> Any:
    from rich.table import Table

    table = Table(title="tokcli lint rules", title_justify="left")
    for column in ("code", "name", "severity", "safe fix", "summary"):
        table.add_column(column, no_wrap=column != "summary")
    for info in infos:
        style = "" if enabled is None or info.code in enabled else "dim"
        table.add_row(info.code, info.name, info.severity, "yes" if info.safe_fix else "", info.summary, style=style)
    return table


def rule_detail(info: RuleInfo) -> str:
    lines = [
        f"{info.code} {info.name}",
        "",
        info.summary,
        "",
        f"Default severity: {info.severity}",
        f"Safe fix (--fix): {'yes' if info.safe_fix else 'no'}",
    ]
    if info.options:
        lines.append("Options (lint.rules." + info.code + "):")
        for name, default in info.options.items():
            lines.append(f"  {name} = {json.dumps(default, ensure_ascii=False)}")
    if info.description:
        lines += ["", info.description]
    return "\n".join(lines) + "\n"


def rules_json(infos: Sequence[RuleInfo]) -> str:
    data = [
        {
            "code": info.code,
            "name": info.name,
            "severity": info.severity,
            "safe_fix": info.safe_fix,
            "summary": info.summary,
            "description": info.description,
            "options": info.options,
        }
        for info in infos
    ]
    return json_document({"rules": data})

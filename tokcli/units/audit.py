"""`audit` on prompt units: host files found by discovery become one audited row per unit (`file::key`),
so budgets, deltas and the caching analysis work per unit; findings are moved back onto the host file."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tokcli.audit.discover import Discovery, FileProblem, SourceFile
from tokcli.errors import TokcliError
from tokcli.lint.finding import Finding
from tokcli.units.model import UNIT_SEPARATOR, PromptUnit
from tokcli.units.scan import JS_SUFFIXES, NOTEBOOK_SUFFIXES, PYTHON_SUFFIXES, may_be_host, scan_host
from tokcli.units.select import UnitSettings

if TYPE_CHECKING:
    from tokcli.audit.analyze import ModelFigures


@dataclass
class Expanded:
    discovery: Discovery
    units: dict[str, PromptUnit] = field(default_factory=dict)  # `file::key` → unit
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _source_kind(path: str) -> str | None:
    """The kind of a source file, "python", "notebook" or "javascript" (left out quietly without prompts); None
    for others."""
    lowered = path.lower()
    if lowered.endswith(tuple(PYTHON_SUFFIXES)):
        return "python"
    if lowered.endswith(tuple(NOTEBOOK_SUFFIXES)):
        return "notebook"
    return "javascript" if lowered.endswith(tuple(JS_SUFFIXES)) else None


def expand_units(found: Discovery, settings: UnitSettings, plain: Container[str] = ()) -> Expanded:
    """Replace every host file by its units. A YAML/JSON file without prompts is skipped with a note; a
    Python file, notebook or JavaScript/TypeScript file without prompts is left out silently (JavaScript the
    lexer cannot read is skipped with where it stopped); Python that does not parse (in a notebook's code cells
    too) is a note, YAML/JSON that does not parse and a notebook that is not one a problem. The files named in
    `plain` are known to be no hosts (see `tokcli.audit.run.plain_config_files`) and are not scanned."""
    # Everything discovery found but its files (problems, skipped special files …) is kept as it is.
    from tokcli.units.documents import check_unit_templates
    from tokcli.units.notebook import NotANotebook

    result = Expanded(dataclasses.replace(found, files=[], problems=list(found.problems)))
    scanned = {"python": 0, "notebook": 0, "javascript": 0}
    with_prompts = {"python": 0, "notebook": 0, "javascript": 0}
    for file in found.files:
        if not may_be_host(file.path) or file.path in plain:
            result.discovery.files.append(file)
            continue
        source = _source_kind(file.path)
        try:
            scan = scan_host(file.path, file.text, settings, file.relative)
            if scan is not None:
                check_unit_templates(scan.units)
        except TokcliError as error:
            if source is not None and not isinstance(error, NotANotebook):
                where = f"{file.path}:{error.line}" if error.line else file.path
                result.notes.append(f"{where}: skipped, {error.message}")
            else:
                result.discovery.problems.append(FileProblem(file.path, error.message, kind="invalid", line=error.line))
            continue
        if scan is None:
            result.discovery.files.append(file)
            continue
        if source is not None:
            scanned[source] += 1
        result.skipped.extend(scan.skipped)
        if not scan.units:
            if source is None:
                result.skipped.append((file.path, scan.note or "no prompts found"))
            continue
        if source is not None:
            with_prompts[source] += 1
        for unit in scan.units:
            name = unit.name
            result.units[name] = unit
            digest = hashlib.sha256(f"{file.digest}\0{unit.key}\0{unit.text}".encode()).hexdigest()
            relative = f"{file.relative}{UNIT_SEPARATOR}{unit.key}"
            result.discovery.files.append(SourceFile(name, relative, unit.text, digest, unit))
    labels = (
        ("python", "Python files"),
        ("notebook", "Jupyter notebooks"),
        ("javascript", "JavaScript/TypeScript files"),
    )
    for source, label in labels:
        if scanned[source]:
            result.notes.append(f"{label}: {with_prompts[source]} of {scanned[source]} scanned hold prompts")
    return result


def map_findings(findings: Sequence[Finding], units: dict[str, PromptUnit]) -> list[Finding]:
    """Findings on units (lint's, budgets', increases') moved onto their host file's lines."""
    from tokcli.units.documents import map_finding

    if not units:
        return list(findings)
    return [map_finding(units[finding.path], finding) if finding.path in units else finding for finding in findings]


def tools_on_host(figures: list[ModelFigures], unit: PromptUnit | None) -> list[ModelFigures]:
    """`figures` with the line of each tool of a unit moved onto its host file, where its findings are (the
    unit's text is its tool list as JSON, whose lines are not the source's)."""
    if unit is None or not any(figure.tools for figure in figures):
        return figures
    from tokcli.units.documents import map_line

    return [
        dataclasses.replace(
            figure, tools=[(name, tokens, map_line(unit, line) or unit.line) for name, tokens, line in figure.tools]
        )
        for figure in figures
    ]


def host_line(name: str, units: dict[str, PromptUnit], line: int | None) -> int | None:
    """The host file's line of a line of a unit's text (other rows: `line` as it is)."""
    unit = units.get(name)
    if unit is None:
        return line
    from tokcli.units.documents import map_line

    return map_line(unit, line)


def expand_texts(texts: Sequence[tuple[str, str]], settings: UnitSettings | None) -> list[tuple[str, str]]:
    """(shown path, text) pairs with host files replaced by (`file::key`, unit text): the snapshot of a
    git ref is compared unit by unit. Hosts that do not parse there are left out."""
    if settings is None:
        return list(texts)
    result = []
    for shown, text in texts:
        if not may_be_host(shown):
            result.append((shown, text))
            continue
        try:
            scan = scan_host(shown, text, settings)
        except TokcliError:
            continue
        if scan is None:
            result.append((shown, text))
        else:
            result.extend((unit.name, unit.sent_text) for unit in scan.units)
    return result

"""What count, cost, lint and compress do with host files: the small hooks `cli.py` and the job modules call.

A host file (YAML/JSON config, Python or JavaScript/TypeScript source, Jupyter notebook) is replaced by its
units; one without prompts is skipped with a note, except source files met while walking a directory, which are
skipped silently (most source files hold no prompt, and saying so for each would drown the output). What a
scan could not read (`HostScan.skipped`: JavaScript the lexer stopped in, a tool schema built by code) is
always said.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tokcli.errors import TokcliError
from tokcli.inputs import InputText
from tokcli.lint.finding import Edit, Finding
from tokcli.units.model import HostScan, PromptUnit
from tokcli.units.scan import NOTEBOOK_SUFFIXES, SOURCE_SUFFIXES, may_be_host, scan_host
from tokcli.units.select import UnitSettings


@dataclass
class HostFile:
    item: InputText
    scan: HostScan


@dataclass
class Split:
    """Inputs sorted out: files for the prompt loader, host files with units, and what was skipped."""

    plain: list[InputText] = field(default_factory=list)
    hosts: list[HostFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    errors: list[TokcliError] = field(default_factory=list)


def explicit_files(paths: Iterable[str]) -> set[Path]:
    return {Path(path).resolve() for path in paths if path != "-" and Path(path).is_file()}


def split_hosts(
    items: Sequence[InputText],
    settings: UnitSettings,
    explicit: set[Path],
    *,
    unparsable_as_text: bool = False,
    check_templates: bool = False,
) -> Split:
    """Scan every input that may be a host. Parse errors are collected, or with `unparsable_as_text` (count
    and cost, which always counted such files as text) the file is read as before (but for a notebook). With `check_templates`
    (lint) a unit that is a Jinja2 template must parse (`check_unit_templates`), or its host is an error."""
    from tokcli.units.documents import check_unit_templates

    split = Split()
    for item in items:
        if item.path.startswith("<") or not may_be_host(item.path):
            split.plain.append(item)
            continue
        try:
            scan = scan_host(item.path, item.text, settings, settings.relative(item.path))
            if scan is not None and check_templates:
                check_unit_templates(scan.units)
        except TokcliError as error:
            # a notebook is not counted as text: its JSON, outputs and all, is no prompt
            if unparsable_as_text and Path(item.path).suffix.lower() not in NOTEBOOK_SUFFIXES:
                split.plain.append(item)
            else:
                split.errors.append(error)
            continue
        if scan is None:
            split.plain.append(item)
            continue
        split.skipped.extend(scan.skipped)
        if scan.units:
            split.hosts.append(HostFile(item, scan))
        elif scan.skipped:
            pass  # already said why
        elif Path(item.path).suffix.lower() not in SOURCE_SUFFIXES or Path(item.path).resolve() in explicit:
            split.skipped.append((item.path, scan.note or "no prompts found"))
    return split


def unit_inputs(hosts: Sequence[HostFile]) -> list[InputText]:
    """One input per unit, named `file::key` (what count and cost report)."""
    return [InputText(unit.name, unit.sent_text) for host in hosts for unit in host.scan.units]


def unit_model_notes(hosts: Sequence[HostFile]) -> list[str]:
    """`file::key: model M` for every unit whose model is named beside it."""
    return [f"{unit.name}: sent to model {unit.model}" for host in hosts for unit in host.scan.units if unit.model]


# ---- lint ----------------------------------------------------------------------------------------------


@dataclass
class HostLint:
    path: str
    findings: list[Finding]
    tokens: int
    original: str
    fixed: str | None = None
    fixes_applied: int = 0
    notes: list[str] = field(default_factory=list)


def lint_unit(linter: Any, unit: PromptUnit) -> list[Finding]:
    from tokcli.units.documents import unit_document

    # a tool list is read by its name (`….json`), as a tool file
    return linter.lint_document(unit_document(unit.name if unit.kind == "tools" else unit.path, unit.text, unit.syntax))


def fixed_unit_text(linter: Any, unit: PromptUnit, passes: int = 8) -> tuple[str, int]:
    """The unit's text with lint's safe fixes applied (template variables and fields unchanged), and how
    many fixes that took."""
    from tokcli.lint.engine import apply_fixes
    from tokcli.units.documents import unit_document

    text = unit.text
    if unit.kind == "tools":  # tool lists are linted, not fixed (their source is code, not the JSON read)
        return text, 0
    document = unit_document(unit.path, text, unit.syntax)
    applied_total = 0
    for _ in range(passes):
        fixable = [finding for finding in linter.lint_document(document) if finding.fixable]
        if not fixable:
            break
        new_text, applied = apply_fixes(text, fixable)
        if applied == 0 or new_text == text:
            break
        new_document = _same_template_after(unit, document, new_text)
        if new_document is None:
            break
        text, document = new_text, new_document
        applied_total += applied
    return text, applied_total


def _same_template_after(unit: PromptUnit, document: Any, new_text: str) -> Any:
    """The unit's document of `new_text` when fixes that gave it kept the template (a Jinja unit's tags, a
    text unit's `str.format` fields), else None."""
    from tokcli.lint.engine import same_template
    from tokcli.units.documents import unit_document
    from tokcli.units.syntax import format_names

    new_document = unit_document(unit.path, new_text, unit.syntax)
    # a Jinja unit's tags are checked as a template; its braces are no `str.format` fields (a JSON example's)
    if document.kind != "jinja" and format_names(new_text) != format_names(document.text):
        return None
    if document.kind == "jinja" and (new_document.kind != "jinja" or not same_template(document, new_document)):
        return None
    return new_document


def host_findings(
    linter: Any, path: str, text: str, units: Sequence[PromptUnit], settings: UnitSettings
) -> list[Finding]:
    """The units' findings on their host file `text`, a fix kept (as the edits of the host file write-back
    makes) exactly where `--fix` writes it: its unit is no tool list, the unit's first pass of fixes keeps its
    template and is written back, and the finding's own edit can be spelled in the value's source."""
    from tokcli.lint.engine import apply_fixes
    from tokcli.units.documents import map_finding, unit_document
    from tokcli.units.writeback import Change, apply_changes

    linted = [(unit, lint_unit(linter, unit)) for unit in units]
    first_pass = []  # what `--fix` writes first, all units at once: a unit refused there is fixed nowhere
    for unit, findings in linted:
        fixable = [finding for finding in findings if finding.fixable]
        if not fixable or unit.kind == "tools" or unit.slot is None:
            continue
        new_text, applied = apply_fixes(unit.text, fixable)
        document = unit_document(unit.path, unit.text, unit.syntax)
        if applied and new_text != unit.text and _same_template_after(unit, document, new_text) is not None:
            first_pass.append(Change(unit, new_text))
    _, refused = apply_changes(text, first_pass, settings, settings.relative(path)) if first_pass else ("", [])
    written = {id(change.unit) for change in first_pass} - {id(change.unit) for change, _ in refused}
    result = []
    for unit, findings in linted:
        for finding in findings:
            edits = None
            if finding.fixable and id(unit) in written:
                # None where its edit alone cannot be spelled there (a block scalar's first line left indented)
                edits = _written_edits(text, unit, apply_fixes(unit.text, [finding])[0])
            result.append(map_finding(unit, finding, edits))
    return result


def _written_edits(text: str, unit: PromptUnit, new_text: str) -> list[Edit] | None:
    from tokcli.units.writeback import WriteRefused, written_edit

    try:
        return [written_edit(text, unit, new_text)]
    except WriteRefused:
        return None


def lint_host(linter: Any, host: HostFile, settings: UnitSettings, *, fix: bool) -> HostLint:
    from tokcli.units.writeback import Change, apply_changes

    result = HostLint(host.item.path, [], 0, host.item.text)
    scan = host.scan
    if fix:
        changes, counts = [], {}
        for unit in scan.units:
            new_text, applied = fixed_unit_text(linter, unit)
            if applied:
                changes.append(Change(unit, new_text))
                counts[unit.key] = applied
        if changes:
            new_host, refused = apply_changes(host.item.text, changes, settings, settings.relative(host.item.path))
            for change, reason in refused:
                counts.pop(change.unit.key, None)
                result.notes.append(f"{change.unit.name}: not fixed in place: {reason}")
            if new_host != host.item.text:
                result.fixed = new_host
                result.fixes_applied = sum(counts.values())
                rescanned = scan_host(host.item.path, new_host, settings, settings.relative(host.item.path))
                scan = rescanned if rescanned is not None else scan
    result.findings = host_findings(linter, host.item.path, result.fixed or host.item.text, scan.units, settings)
    for unit in scan.units:
        result.tokens += linter.counter.count(unit.sent_text)
    Finding.sort(result.findings)
    return result


def excerpt_sources(results: Iterable[Any], host_paths: Collection[str]) -> dict[str, str]:
    """Each linted file's text (as fixed, if it was) for the text report's excerpts, which split it at LF: a
    host file's CR alone is a line break there, as Python and YAML read it and its findings' lines count it
    (the same offsets); in a prompt file a CR alone is text."""
    from tokcli.line_ends import lone_crs_as_lf

    sources = {}
    for result in results:
        text = result.fixed or result.original
        sources[result.path] = lone_crs_as_lf(text) if result.path in host_paths else text
    return sources


# ---- compress ------------------------------------------------------------------------------------------


@dataclass
class HostCompression:
    text: str  # the host file with every exact change written
    before: str  # the units' texts joined, for reading (a safety check, a diff)
    after: str
    # each unit's text before and after: what a model reads, measured unit by unit as `count` counts them (a
    # join would add the separators' tokens and merge tokens across the seams)
    units_before: list[str] = field(default_factory=list)
    units_after: list[str] = field(default_factory=list)
    transforms: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    without_prompts: str | None = None  # why the file holds no prompt ("no prompts found in this Python file")
    #: (unit name, JSON) of the tool lists: sent with the prompts, counted, never compressed
    tools: list[tuple[str, str]] = field(default_factory=list)


def written_compression(unit: PromptUnit, document: Any, new_text: str) -> tuple[str, str | None]:
    """The unit's text as `compress` writes it in its host when its compressed text is `new_text`, and why it
    keeps the unit's own text where it does: a tool list (its source is code), a change of its `str.format`
    fields, a value its source cannot spell (`writeback.encode`; `compress_host` also reads the file again)."""
    from tokcli.units.syntax import format_names
    from tokcli.units.writeback import WriteRefused, encode

    if new_text == unit.text:
        return new_text, None
    if unit.kind == "tools":
        return unit.text, "a tool list in source: counted as sent, not compressed"
    # a Jinja unit is verified as a template (its braces are no `str.format` fields: a JSON example's)
    if document.kind != "jinja" and format_names(new_text) != format_names(unit.text):
        return unit.text, "compression changed its {fields}; kept as it was"
    try:
        encode(unit, new_text)
    except WriteRefused as why:
        return unit.text, f"not written back: {why}"
    return new_text, None


def compress_host(path: str, text: str, level: str, settings: UnitSettings) -> HostCompression | None:
    """Compress each unit of a host file with the rules method; None when the file is not a host.
    InputError when it does not parse; a note for a file without prompts (nothing changes)."""
    from tokcli.compress.rules_method import compress_document
    from tokcli.units.documents import check_unit_templates, unit_document
    from tokcli.units.writeback import Change, apply_changes

    scan = scan_host(path, text, settings, settings.relative(path))
    if scan is None:
        return None
    check_unit_templates(scan.units)
    result = HostCompression(text, "", "")
    result.notes.extend(f"skipped {name}: {why}" for name, why in scan.skipped)
    if not scan.units:
        if not scan.skipped:
            result.notes.append(f"skipped: {scan.note}")
        result.without_prompts = scan.note
        return result
    changes = []
    before, after = [], []
    fired: dict[int, dict[str, int]] = {}  # id(unit) → its transforms
    for unit in scan.units:
        if unit.kind == "tools":  # its source is code, not the JSON read: counted as sent, never rewritten
            result.tools.append((unit.name, unit.text))
            continue
        document = unit_document(path, unit.text, unit.syntax)
        compressed = compress_document(document, level=level)
        new_text, kept = written_compression(unit, document, compressed.text)  # as audit measures it
        if kept is not None:
            result.notes.append(f"{unit.name}: {kept}")
        before.append(unit.text)
        after.append(new_text)
        if new_text != unit.text:
            changes.append(Change(unit, new_text))
            fired[id(unit)] = dict(compressed.transforms)
    result.text, refused = apply_changes(text, changes, settings, settings.relative(path))
    not_written = {id(change.unit) for change, _ in refused}
    for change, reason in refused:
        result.notes.append(f"{change.unit.name}: not written back: {reason}")
    # what the summary and --check measure is what was written: a unit left as it was saved nothing
    prompts = [unit for unit in scan.units if unit.kind != "tools"]
    after = [unit.text if id(unit) in not_written else new for unit, new in zip(prompts, after)]
    for unit_id, transforms in fired.items():
        if unit_id not in not_written:
            for name, times in transforms.items():
                result.transforms[name] = result.transforms.get(name, 0) + times
    if result.tools:
        result.notes.append(
            f"{len(result.tools)} tool {'list' if len(result.tools) == 1 else 'lists'} counted as sent, not"
            " compressed (descriptions written in code are left to you; compress shortens a JSON tool file's)"
        )
    result.before, result.after = "\n".join(before), "\n".join(after)
    # measured as `count` counts them: what the model receives (a `str.format` unit's `{{` is one brace)
    result.units_before = [unit.sent_text for unit in prompts]
    result.units_after = [replace(unit, text=new).sent_text for unit, new in zip(prompts, after)]
    return result

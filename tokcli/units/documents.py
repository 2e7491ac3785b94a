"""A unit as a `PromptDocument` for the jobs, and their findings mapped back onto the host file."""

from __future__ import annotations

import dataclasses

from tokcli.errors import InputError
from tokcli.lint.finding import Edit, Finding
from tokcli.prompts import PromptDocument, Span, check_jinja_syntax, line_starts
from tokcli.units.model import UNIT_SEPARATOR, PromptUnit
from tokcli.units.presets import PRESETS
from tokcli.units.syntax import format_fields, format_string_fields, infer_syntax, jinja_spans


def unit_document(path: str, text: str, syntax: str | None = None) -> PromptDocument:
    """The document lint, compress and audit read for a unit: a tool list found in source (`….json`, see
    `PromptUnit.kind`) as a tool file; else Jinja2 when its tags parse, else text whose `str.format` fields are
    template variables (so rules and transforms leave them alone)."""
    if path.endswith(".json") and is_unit_path(path):
        from tokcli.prompts import tool_document

        tools = tool_document(path, text)
        if tools is not None:
            return tools
    syntax = syntax or infer_syntax(text)
    if syntax == "jinja2":
        spans = jinja_spans(text)
        try:
            if not spans and ("{{" in text or "{%" in text):
                raise InputError("a tag that does not close", path=path)  # ("Hello {{ name" found no span)
            check_jinja_syntax(path, text, 0, spans)
            return PromptDocument(path=path, text=text, kind="jinja", template_spans=spans)
        except Exception:  # not Jinja2 to its parser (Nunjucks' `{% elseif %}`, a `{{` of prose): text whose
            # tags, where the braces form them, stay protected as in a `.txt` file, and so do its fields
            fields = [field for field in format_fields(text) if not any(_overlaps(field, span) for span in spans)]
            return PromptDocument(
                path=path,
                text=text,
                kind="text",
                template_spans=sorted(spans + fields, key=lambda span: span.start),
                format_fields=bool(fields),
            )
    spans = format_string_fields(text) if syntax == "format" else []
    return PromptDocument(
        path=path,
        text=text,
        kind="text",
        template_spans=spans,
        format_fields=bool(spans),
        str_format=syntax == "format",
    )


def _overlaps(one: Span, other: Span) -> bool:
    return other.start < one.end and one.start < other.end


def is_jinja_template(unit: PromptUnit) -> bool:
    """Is the unit a Jinja2 template by definition: its preset says so (SWE-agent, smolagents, promptfoo), or
    it holds a statement tag (`{% … %}`), which nothing but a template engine reads? (A `{{` alone may be a
    `str.format` brace or prose.)"""
    if unit.syntax == "format":
        return False  # `str.format` or an f-string reads its braces (a call to `.format()` or the f prefix says so)
    preset = PRESETS.get(unit.source)
    if preset is not None and not preset.strict_syntax:
        return False
    return (preset is not None and preset.syntax == "jinja2") or "{%" in unit.text


def check_unit_templates(units: list[PromptUnit]) -> None:
    """A unit that is a Jinja2 template must parse, as a `.j2` file must: InputError naming the host file and
    the line in it, the unit's key first in the message. (Left to fall back to plain text, its tags would be
    prose to lint and compress.)"""
    for unit in units:
        if not is_jinja_template(unit):
            continue
        try:
            check_jinja_syntax(unit.path, unit.text)
        except InputError as error:
            line = map_line(unit, error.line) if error.line else unit.line
            where = _cell_place(unit, _offset(unit.text, error.line or 1, 1))
            raise InputError(f"[{unit.key}] {where}{error.message}", path=unit.path, line=line) from None


def is_unit_path(path: str) -> bool:
    return UNIT_SEPARATOR in path


def _offset(text: str, line: int, column: int) -> int:
    """Character offset of a 1-based (line, column) in `text`. A unit's findings are placed one after another:
    its line starts are indexed once (walking its lines for each finding was quadratic in a long prompt with a
    finding on every line)."""
    starts = line_starts(text)
    if line > len(starts):
        return len(text)
    return min(len(text), starts[max(line, 1) - 1] + column - 1)


def map_finding(unit: PromptUnit, finding: Finding, host_fix: list[Edit] | None = None) -> Finding:
    """A finding on a unit's own text moved onto its host file: host path, line and column, the unit's key
    in the message. Its fix (offsets into the unit) is replaced by `host_fix`, the edits of the host file that
    write-back makes for it (`tokcli.units.jobs.host_fixes`), or dropped."""
    start = _offset(unit.text, finding.line, finding.column)
    line, column = unit.position(start)
    end_line, end_column = unit.position(_offset(unit.text, finding.end_line, finding.end_column))
    if (end_line, end_column) < (line, column):
        end_line, end_column = line, column
    return dataclasses.replace(
        finding,
        path=unit.path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        message=f"[{unit.key}] {_cell_place(unit, start)}{finding.message}",
        fix=host_fix,
    )


def _cell_place(unit: PromptUnit, offset: int) -> str:
    """`cell 3, line 4: ` for a unit of a notebook (its findings' lines are the notebook file's), else ""."""
    place = unit.cell_place(offset)
    return f"cell {place[0]}, line {place[1]}: " if place else ""


def map_line(unit: PromptUnit, line: int | None) -> int | None:
    """The host line of a 1-based line of the unit's text."""
    if line is None:
        return None
    return unit.position(_offset(unit.text, line, 1))[0]

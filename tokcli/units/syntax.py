"""Template syntax of a unit: Jinja2 tags, `str.format`/f-string placeholders, or none."""

from __future__ import annotations

import re

from tokcli.errors import InputError
from tokcli.prompts import Span, find_template_spans

#: `{name}`, `{name.attr}`, `{name[0]}`, `{name!r}`, `{name:>10}`; `{{` and `}}` are literal braces.
_FORMAT_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\]{}]*\])*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def format_fields(text: str) -> list[Span]:
    """Spans of the `str.format` replacement fields of `text`, as template "variable" spans."""
    return [Span(match.start(), match.end(), "variable") for match in _FORMAT_FIELD.finditer(text)]


def format_string_fields(text: str) -> list[Span]:
    """Spans of the replacement fields of `text` as `str.format` reads it (a string known to be given to it):
    also `{0:%d  %B}`, `{}`, a nested spec `{:>{width}}` and the field inside `{{{name}}}`. Where `text` is no
    valid format string (a lone brace), the fields a name opens (`format_fields`)."""
    fields = _parsed_fields(text)
    return format_fields(text) if fields is None else fields


def _parsed_fields(text: str) -> list[Span] | None:
    """The fields found by walking `text` as Python's format parser does, checked against that parser's own
    reading (None where it refuses the text or the two disagree)."""
    import string

    try:
        parsed = [item for item in string.Formatter().parse(text) if item[1] is not None]
    except ValueError:
        return None
    spans: list[Span] = []
    index = 0
    while index < len(text):
        if text.startswith(("{{", "}}"), index):
            index += 2
        elif text[index] == "{":
            end = _field_end(text, index + 1)
            if end is None:
                return None
            spans.append(Span(index, end, "variable"))
            index = end
        else:
            index += 1
    if len(spans) != len(parsed):
        return None
    for span, (_, name, spec, conversion) in zip(spans, parsed):
        written = (name or "") + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        if text[span.start + 1 : span.end - 1] not in (written, written + ":"):
            return None
    return spans


def _field_end(text: str, index: int) -> int | None:
    """The end of the field whose `{` is just before `index`: an index's `[...]` holds braces as they are, the
    format spec nests fields."""
    depth = 1
    in_spec = False
    while index < len(text):
        char = text[index]
        if char == "[" and not in_spec:
            close = text.find("]", index)
            if close < 0:
                return None
            index = close
        elif char == ":":
            in_spec = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def format_output(text: str) -> str:
    """`text` as `str.format` gives it with each field left as written: `{{` and `}}` are one brace each to the
    model. `text` itself where `str.format` refuses it (a lone brace): what it would send is not known."""
    if "{{" not in text and "}}" not in text:
        return text
    fields = _parsed_fields(text)
    if fields is None:
        return text
    parts: list[str] = []
    position = 0
    for field in [*fields, Span(len(text), len(text), "end")]:
        parts.append(text[position : field.start].replace("{{", "{").replace("}}", "}"))
        parts.append(text[field.start : field.end])
        position = field.end
    return "".join(parts)


def format_names(text: str) -> list[str]:
    """The fields in order as `str.format` reads them, name, conversion and spec (a compressed or fixed unit
    must keep exactly these)."""
    return [text[span.start + 1 : span.end - 1] for span in format_string_fields(text)]


def jinja_spans(text: str) -> list[Span]:
    try:
        return find_template_spans(text)
    except InputError:
        return []


def infer_syntax(text: str) -> str:
    if jinja_spans(text):
        return "jinja2"
    if format_fields(text):
        return "format"
    return "none"


def is_prose(text: str) -> bool:
    """Reads as a sentence or more (three words at least): what heuristically found values must be."""
    return len(text.split(None, 3)) >= 3

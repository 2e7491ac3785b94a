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


def format_names(text: str) -> list[str]:
    """The field names in order (a compressed or fixed unit must keep exactly these)."""
    return [match.group(1) for match in _FORMAT_FIELD.finditer(text)]


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

"""Rendering a dotprompt body (Handlebars) with a fixture's variables, to count what a request sends.

dotprompt compiles its templates with Handlebars, `noEscape` (no HTML escaping) and only its known helpers, so
this is the subset rendered here, by a small interpreter that never runs code from the template or the fixture:

- output tags `{{path}}`, `{{{path}}}`, `{{&path}}`; paths `a.b`, `this`, `./a`, `../a`, `@root.a`, `@index`,
  `@key`, `@first`, `@last`, `a.[0]`; string, number and boolean literals; subexpressions `(helper …)`;
- blocks `#if`, `#unless`, `#each` (lists and mappings, `as |item index|`), `#with`, dotprompt's `#ifEquals`
  and `#unlessEquals`, with `{{else}}`, `{{^}}` and `{{else if …}}` chains;
- helpers `json` (with `indent=`), `lookup`, and dotprompt's `role`, `history`, `section` and `media`, which
  only mark where messages, history and media go: they add no text here;
- comments, raw blocks `{{{{raw}}}}…{{{{/raw}}}}`, `\\{{` as literal text, whitespace control `~`, and
  Handlebars' standalone lines (a line holding only a block tag or a comment disappears with its line break).

A variable the fixture lacks is an error naming it (as the Jinja2 renderer's StrictUndefined does) where its
value is output; in a condition it is false, as in Handlebars. Partials (`{{> name}}`) are not rendered: they
live in other files. Values print as JavaScript would: `true`, `1` for 1.0, lists joined by commas.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tokcli.errors import InputError
from tokcli.handlebars import block_tag, check_handlebars_syntax, find_handlebars_spans

#: Helpers that only place a marker for dotprompt's message parser: no text of their own.
MARKER_HELPERS = frozenset({"role", "history", "section", "media"})
_BLOCK_HELPERS = frozenset({"if", "unless", "each", "with", "ifEquals", "unlessEquals"})
_ARGUMENT = re.compile(r"""\s*(?:(\w[\w-]*)=)?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\(|[^\s()=]+)""")
_BLOCK_PARAMS = re.compile(r"\s+as\s+\|([^|]*)\|\s*$")
_MISSING = object()


class _Error(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message, self.offset = message, offset


@dataclass
class _Block:
    name: str
    arguments: str
    offset: int
    children: list[Any] = field(default_factory=list)
    inverse: list[Any] = field(default_factory=list)
    in_inverse: bool = False

    def add(self, node: Any) -> None:
        (self.inverse if self.in_inverse else self.children).append(node)


@dataclass(frozen=True)
class _Output:
    expression: str
    offset: int


@dataclass
class _Scope:
    """Where a path is looked up: the context, block parameters, `@` data, and the enclosing scope (`../`)."""

    context: Any
    names: dict[str, Any]
    data: dict[str, Any]
    parent: _Scope | None
    root: Any


def render_handlebars(path: str, body: str, values: dict[str, Any], fixture_name: str, first_line: int = 1) -> str:
    """`body` rendered with `values`; InputError (file, line) for a template or value it cannot render."""
    spans = find_handlebars_spans(body)
    check_handlebars_syntax(path, body, spans)
    try:
        tree = _parse(body, spans)
        root = _Scope(values, {}, {}, None, values)
        return "".join(_render(tree, root, fixture_name))
    except _Error as error:
        raise InputError(error.message, path=path, line=first_line + body.count("\n", 0, error.offset)) from None
    except RecursionError:
        raise InputError("Handlebars blocks nested too deeply to render", path=path) from None


def _parse(body: str, spans: list[Any]) -> list[Any]:
    """The template's nodes: text, outputs and blocks, after whitespace control and standalone lines."""
    pieces: list[Any] = []  # str (text) or (span, tag text)
    position = 0
    for span in spans:
        pieces.append(body[position : span.start])
        pieces.append((span, body[span.start : span.end]))
        position = span.end
    pieces.append(body[position:])
    _trim(pieces)
    top = _Block("", "", 0)
    stack: list[tuple[_Block, bool]] = [(top, False)]  # (block, opened by `{{else if}}`: closes with its parent)
    for piece in pieces:
        if isinstance(piece, str):
            if piece:
                stack[-1][0].add(piece.replace("\\{{", "{{"))
            continue
        span, tag = piece
        if span.kind == "comment":
            continue
        if span.kind == "raw":
            head = tag.index("}}}}") + 4
            stack[-1][0].add(tag[head : tag.rindex("{{{{")])
            continue
        inner = _inner(tag)
        role = block_tag(tag)
        if role is None:
            stack[-1][0].add(_Output(inner.lstrip("&{").rstrip("}").strip(), span.start))
        elif role.role == "partial":
            raise _Error(f"partial {{{{> {role.name}}}}} is not rendered (it lives in another file)", span.start)
        elif role.role == "open":
            if inner.startswith("^"):  # `{{^x}}` … is `{{#unless x}}` …
                block = _Block("unless", inner[1:].strip(), span.start)
            else:
                name, _, arguments = inner[1:].strip().partition(" ")
                block = _Block(name, arguments.strip(), span.start)
            stack[-1][0].add(block)
            stack.append((block, False))
        elif role.role == "else":
            current = stack[-1][0]
            current.in_inverse = True
            chained = inner[4:].strip() if inner.startswith("else") else ""
            if chained:  # `{{else if x}}`: an `if` block inside the inverse, closed by the same `{{/if}}`
                name, _, arguments = chained.partition(" ")
                block = _Block(name, arguments.strip(), span.start)
                current.add(block)
                stack.append((block, True))
        else:  # close
            while stack[-1][1]:
                stack.pop()
            stack.pop()
    return top.children


def _inner(tag: str) -> str:
    """A tag's body without its braces and whitespace-control marks."""
    return tag[2:-2].strip("~").strip()


def _trim(pieces: list[Any]) -> None:
    """Whitespace control (`{{~`, `~}}`) and standalone lines, applied to the text pieces around tags."""
    for index in range(1, len(pieces), 2):
        _, tag = pieces[index]
        if tag.startswith("{{~") or tag.startswith("{{{{~"):
            pieces[index - 1] = pieces[index - 1].rstrip()
        if tag.endswith("~}}") or tag.endswith("~}}}}"):
            pieces[index + 1] = pieces[index + 1].lstrip()
    # Standalone tags are found on the text as it is, then each text piece keeps what no tag beside it removes:
    # two standalone tags on consecutive lines share the line break between them.
    keep = {index: [0, len(piece)] for index, piece in enumerate(pieces) if isinstance(piece, str)}
    for index in range(1, len(pieces), 2):
        span, _ = pieces[index]
        if span.kind not in ("block", "comment"):
            continue
        before, after = pieces[index - 1], pieces[index + 1]
        line_start = before.rfind("\n") + 1
        # the text before holds the line's start only when it has a line break, or is the template's start
        if before[line_start:].strip(" \t") or (line_start == 0 and index > 1):
            continue
        line_end = after.find("\n")
        if (after if line_end < 0 else after[:line_end]).strip(" \t\r") or (line_end < 0 and index + 2 < len(pieces)):
            continue
        keep[index - 1][1] = min(keep[index - 1][1], line_start)
        keep[index + 1][0] = max(keep[index + 1][0], line_end + 1 if line_end >= 0 else len(after))
    for index in range(0, len(pieces), 2):
        first, last = keep[index]
        pieces[index] = pieces[index][first:last] if first < last else ""


def _render(nodes: list[Any], scope: _Scope, fixture: str) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Output):
            value = _evaluate_call(node.expression, scope, node.offset, fixture, output=True)
            out.append(_text_of(value))
        else:
            out.extend(_render_block(node, scope, fixture))
    return out


def _render_block(block: _Block, scope: _Scope, fixture: str) -> list[str]:
    if block.name not in _BLOCK_HELPERS:
        raise _Error(f"unknown Handlebars block helper '#{block.name}'", block.offset)
    arguments = block.arguments
    block_params: list[str] = []
    params = _BLOCK_PARAMS.search(arguments)
    if params is not None:
        block_params = params.group(1).split()
        arguments = arguments[: params.start()]
    values, options = _arguments(arguments, scope, block.offset, fixture)
    first = values[0] if values else None
    if block.name in ("if", "unless"):
        chosen = _truthy(first, options) == (block.name == "if")
        return _render(block.children if chosen else block.inverse, scope, fixture)
    if block.name in ("ifEquals", "unlessEquals"):
        equal = len(values) >= 2 and values[0] == values[1]
        chosen = equal == (block.name == "ifEquals")
        return _render(block.children if chosen else block.inverse, scope, fixture)
    if block.name == "with":
        if not _truthy(first, {}):
            return _render(block.inverse, scope, fixture)
        names = dict(zip(block_params, [first]))
        return _render(block.children, _Scope(first, names, scope.data, scope, scope.root), fixture)
    # each
    if isinstance(first, dict):
        entries = list(first.items())
    elif isinstance(first, list):
        entries = list(enumerate(first))
    else:
        entries = []
    if not entries:
        return _render(block.inverse, scope, fixture)
    out: list[str] = []
    for index, (key, item) in enumerate(entries):
        data = {**scope.data, "index": index, "key": key, "first": index == 0, "last": index == len(entries) - 1}
        names = dict(zip(block_params, [item, key]))
        out.extend(_render(block.children, _Scope(item, names, data, scope, scope.root), fixture))
    return out


def _evaluate_call(expression: str, scope: _Scope, offset: int, fixture: str, *, output: bool) -> Any:
    """A tag's expression: a path, a literal, or a helper with arguments."""
    head, _, rest = expression.partition(" ")
    rest = rest.strip()
    if head in MARKER_HELPERS or head == "log":
        return None
    if head == "json":
        values, options = _arguments(rest, scope, offset, fixture)
        indent = options.get("indent")
        value = _as_javascript(values[0] if values else None)
        if indent:
            return json.dumps(value, indent=int(indent), ensure_ascii=False)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if head == "lookup":
        values, _ = _arguments(rest, scope, offset, fixture)
        if len(values) < 2:
            return None
        container, key = values[0], values[1]
        if isinstance(container, dict):
            return container.get(str(key))
        if isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
            return container[key]
        return None
    if rest:
        raise _Error(f"unknown Handlebars helper '{head}' (dotprompt knows only its own helpers)", offset)
    value = _value(head, scope, offset, fixture)
    if value is _MISSING:
        if output:
            raise _Error(f"missing variable in fixture {fixture!r}: '{head}' is undefined", offset)
        return None
    return value


def _arguments(text: str, scope: _Scope, offset: int, fixture: str) -> tuple[list[Any], dict[str, Any]]:
    """Positional values and `key=value` options of a helper's arguments (subexpressions evaluated)."""
    values: list[Any] = []
    options: dict[str, Any] = {}
    position = 0
    while position < len(text):
        match = _ARGUMENT.match(text, position)
        if match is None or not match.group(2):
            break
        key, token = match.group(1), match.group(2)
        position = match.end()
        if token == "(":
            depth, end = 1, position
            while end < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            value = _evaluate_call(text[position : end - 1].strip(), scope, offset, fixture, output=False)
            position = end
        else:
            value = _value(token, scope, offset, fixture)
            value = None if value is _MISSING else value
        if key:
            options[key] = value
        else:
            values.append(value)
    return values, options


def _value(token: str, scope: _Scope, offset: int, fixture: str) -> Any:
    """A literal's value, or a path's (`_MISSING` when the fixture has nothing there)."""
    if token[:1] in "\"'":
        return token[1:-1].replace("\\" + token[0], token[0])
    if token in ("true", "false"):
        return token == "true"
    if token in ("null", "undefined"):
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", token):
        return float(token) if "." in token else int(token)
    if token.startswith("@"):
        name, _, rest = token[1:].partition(".")
        found = scope.root if name == "root" else scope.data.get(name, _MISSING)
        return _walk(found, rest)
    while token.startswith("../"):
        scope = scope.parent or scope
        token = token[3:]
    if token in ("this", "."):
        return scope.context
    for prefix in ("this.", "this/", "./"):
        if token.startswith(prefix):
            return _walk(scope.context, token[len(prefix) :])
    first, _, rest = token.replace("/", ".").partition(".")
    if first in scope.names:
        return _walk(scope.names[first], rest)
    return _walk(scope.context, token.replace("/", "."))


def _walk(value: Any, dotted: str) -> Any:
    for part in filter(None, dotted.split(".")) if dotted else ():
        part = part.strip("[]")
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _truthy(value: Any, options: dict[str, Any]) -> bool:
    """Handlebars' `if`: false for nothing, false, "", an empty list, and 0 (unless `includeZero=true`)."""
    if value is _MISSING or value is None or value is False or value == "" or value == []:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return bool(options.get("includeZero"))
    return True


def _as_javascript(value: Any) -> Any:
    """`value` with whole floats made ints: JavaScript has one number type, and JSON.stringify(3.0) is `3`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_as_javascript(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_javascript(item) for key, item in value.items()}
    return value


def _text_of(value: Any) -> str:
    """A value as JavaScript prints it into a template."""
    if value is None or value is _MISSING:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return ",".join(_text_of(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)

"""TK7xx — tool definitions: descriptions that repeat the name or the schema, very long descriptions,
duplicated tools, schema noise. They read the tools of a tool-definition file (OpenAI, Anthropic, MCP) or of a
chat file's `tools`, and price their waste in the tools' JSON as Anthropic, Gemini and MCP clients send it."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from tokcli.lint.rules.base import Context, Rule, Segment, register
from tokcli.tools import ToolDef, chat_request, compact_json

_TYPE_WORDS = "string|str|number|integer|int|float|boolean|bool|array|list|object|dict"
# "Args:" and the like ending a line (on its own, or after a sentence), as docstring-generated descriptions have.
_SCHEMA_HEADING = re.compile(r"(?:^|(?<=\s))(?:args|arguments|parameters|params|inputs?)[ \t]*:[ \t]*$", re.I | re.M)
_NOISE_KEYS = ("$schema", "title")


def document_tools(ctx: Context) -> list[ToolDef]:
    """The tools the linted document defines (cached on the context: every rule of the family asks)."""
    cached = ctx.shared.get("tools")
    if cached is None:
        document = ctx.document
        if document.kind == "tools":
            cached = list(document.tools)
        elif document.kind == "chat":
            cached = chat_request(document.path, document.text).tools
        else:
            cached = []
        ctx.shared["tools"] = cached
    return list(cached)


def _at(tool: ToolDef) -> Segment:
    """A point to report at: the line where the tool's name is."""
    return Segment("", None, tool.line)


def _sent_json(tool: ToolDef) -> str:
    return compact_json({"name": tool.name, "description": tool.description, "input_schema": tool.schema})


class ToolRule(Rule):
    kinds = frozenset({"tools", "chat"})


@register
class DescriptionRepeatsName(ToolRule):
    """A tool's description repeats its name, which the model already reads next to it.

    Flagged: the name as an identifier (`get_weather`, `getWeather`, `fs.read`) inside the description, or any
    name that opens it as a label (`search: ...`, `search - ...`).

    Wasteful:
        {"name": "get_weather", "description": "get_weather: Returns the weather for a city."}
    Fixed:
        {"name": "get_weather", "description": "Returns the weather for a city."}
    """

    code = "TK701"
    name = "tool-description-repeats-name"

    def check(self, ctx: Context) -> None:
        for tool in document_tools(ctx):
            description = tool.description
            label = re.match(rf"[ \t]*`?{re.escape(tool.name)}`?[ \t]*(?:[:\-–—]|\(\))[ \t]*", description, re.I)
            found: list[str] = [label.group()] if label else []
            if not label and re.search(r"[_.\-]|[a-z][A-Z]", tool.name):
                found = re.findall(rf"(?<![\w.-])`?{re.escape(tool.name)}`?(?![\w-])", description)
            if not found:
                continue
            wasted = sum(ctx.count(text) for text in found)
            ctx.report(
                _at(tool),
                0,
                0,
                f"tool {tool.name!r}: the description repeats the tool's name",
                tokens_wasted=wasted,
            )


@register
class DescriptionRepeatsSchema(ToolRule):
    """A tool's description lists its parameters again, which its input schema already gives the model.

    Flagged: an `Args:` / `Parameters:` / `Inputs:` section in the description that names a schema property,
    or a property written with its type (`location (string)`). Move what is missing into the property's own
    `description` in the schema.

    Wasteful:
        "description": "Get the weather.\\nArgs:\\n  location (string): the city"
    Fixed:
        "description": "Get the weather."  (and "location": {"type": "string", "description": "the city"})
    """

    code = "TK702"
    name = "tool-description-repeats-schema"

    def check(self, ctx: Context) -> None:
        for tool in document_tools(ctx):
            names = [key for key in _property_names(tool.schema) if len(key) > 1]
            if not names:
                continue
            description = tool.description
            repeated = ""
            heading = _SCHEMA_HEADING.search(description)
            if heading and any(re.search(rf"\b{re.escape(key)}\b", description[heading.end() :]) for key in names):
                repeated = description[heading.start() :]
            else:
                typed = "|".join(re.escape(key) for key in names)
                lines = [
                    line
                    for line in description.splitlines()
                    if re.search(rf"\b(?:{typed})\b\s*[(:]\s*(?:{_TYPE_WORDS})\b", line, re.I)
                ]
                repeated = "\n".join(lines)
            if not repeated.strip():
                continue
            wasted = ctx.count(repeated)
            ctx.report(
                _at(tool),
                0,
                0,
                f"tool {tool.name!r}: the description repeats its parameters, which the schema gives",
                tokens_wasted=wasted,
            )


def _property_names(schema: Any) -> list[str]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return [str(key) for key in props] if isinstance(props, dict) else []


@register
class LongToolDescription(ToolRule):
    """A tool description over `max-tokens` tokens: it is sent with every request that offers the tool.

    The waste is priced as the tokens beyond the limit. Long guidance that only matters once the tool is
    chosen belongs in the tool's result or in the system prompt of the step that needs it.

    Wasteful:
        "description": "Searches the knowledge base. (… 400 tokens of history, examples and caveats …)"
    Fixed:
        "description": "Searches the knowledge base by keyword; returns the 5 best passages."
    """

    code = "TK703"
    name = "long-tool-description"
    options: ClassVar[dict[str, Any]] = {"max-tokens": 200}

    def check(self, ctx: Context) -> None:
        limit = int(self.opts["max-tokens"])
        for tool in document_tools(ctx):
            tokens = ctx.count(tool.description)
            if tokens > limit:
                ctx.report(
                    _at(tool),
                    0,
                    0,
                    f"tool {tool.name!r}: the description is {tokens:,} tokens, over the {limit:,} allowed",
                    tokens_wasted=tokens - limit,
                )


@register
class DuplicateTool(ToolRule):
    """The same tool is defined twice in one tool list: by name, or the same description and schema under
    another name. Every copy is sent (and billed) with every request.

    Wasteful:
        [{"name": "search", ...}, {"name": "search", ...}]
    Fixed:
        [{"name": "search", ...}]
    """

    code = "TK704"
    name = "duplicate-tool"

    def check(self, ctx: Context) -> None:
        names: dict[str, ToolDef] = {}
        bodies: dict[str, ToolDef] = {}
        for tool in document_tools(ctx):
            body = compact_json([tool.description, tool.schema])
            first = names.get(tool.name)
            why = f"defined again (first on line {first.line})" if first else ""
            if not why and body in bodies and (tool.description or tool.schema):
                why = f"the same description and schema as {bodies[body].name!r} (line {bodies[body].line})"
            names.setdefault(tool.name, tool)
            bodies.setdefault(body, tool)
            if why:
                wasted = ctx.count(_sent_json(tool))
                ctx.report(_at(tool), 0, 0, f"tool {tool.name!r}: {why}", tokens_wasted=wasted)


@register
class SchemaNoise(ToolRule):
    """A tool's input schema carries keys the model does not need: `title`s (generated from class and field
    names, which the model already reads), `"default": null`, `$schema`.

    Priced in the schema's JSON as Anthropic, Gemini and MCP clients send it (OpenAI's documented rendering
    keeps only names, types, descriptions and enums, so there the noise costs nothing).

    Wasteful:
        {"title": "SearchArgs", "type": "object",
         "properties": {"query": {"title": "Query", "type": "string", "default": null}}}
    Fixed:
        {"type": "object", "properties": {"query": {"type": "string"}}}
    """

    code = "TK705"
    name = "tool-schema-noise"
    options: ClassVar[dict[str, Any]] = {"min-savings": 3}

    def check(self, ctx: Context) -> None:
        minimum = int(self.opts["min-savings"])
        for tool in document_tools(ctx):
            cleaned, removed = _without_noise(tool.schema)
            if not removed:
                continue
            wasted = ctx.count(compact_json(tool.schema)) - ctx.count(compact_json(cleaned))
            if wasted < minimum:
                continue
            shown = ", ".join(sorted(set(removed)))
            ctx.report(
                _at(tool),
                0,
                0,
                f"tool {tool.name!r}: the schema carries {shown} the model does not need (priced in its JSON)",
                tokens_wasted=wasted,
            )


def _without_noise(value: Any, key: str | None = None) -> tuple[Any, list[str]]:
    """The schema without noise keys, and what was taken out. `title` is a property's name only inside
    schemas; a property that happens to be called "title" stays."""
    removed: list[str] = []
    if isinstance(value, list):
        items = []
        for item in value:
            cleaned, taken = _without_noise(item)
            items.append(cleaned)
            removed += taken
        return items, removed
    if not isinstance(value, dict):
        return value, removed
    result = {}
    for name, item in value.items():
        if key != "properties" and (name in _NOISE_KEYS and isinstance(item, str)):
            removed.append(name)
            continue
        if key != "properties" and name == "default" and item is None:
            removed.append('"default": null')
            continue
        cleaned, taken = _without_noise(item, name)
        result[name] = cleaned
        removed += taken
    return result, removed

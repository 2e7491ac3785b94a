"""TK7xx — tool definitions: each rule fires on its waste, prices it in real tokens, and stays quiet on clean
tools; they read tool files (MCP, OpenAI, Anthropic) and chat files' `tools`."""

from __future__ import annotations

import json

from lint_support import hits, lint

from tokcli.registry import get_tokenizer

O200K = get_tokenizer("o200k_base")


def _tools(*tools: dict[str, object]) -> str:
    return json.dumps({"tools": list(tools)}, indent=1)


def _tool(name: str, description: str, schema: dict[str, object] | None = None) -> dict[str, object]:
    return {"name": name, "description": description, "inputSchema": schema or {"type": "object", "properties": {}}}


CLEAN = _tool(
    "get_weather",
    "Current weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}}},
)


def test_clean_tools_have_no_findings() -> None:
    assert hits(_tools(CLEAN, _tool("search", "Search the web.")), "TK7", path="tools.json") == []


def test_description_repeats_name() -> None:
    source = _tools(_tool("get_weather", "get_weather: Current weather."), _tool("search", "Search: finds pages."))
    findings = lint(source, "TK701", path="tools.json", dedent=False)
    assert [(f.line, f.code) for f in findings] == [(4, "TK701"), (12, "TK701")]
    assert findings[0].tokens_wasted == O200K.count("get_weather: ")
    assert findings[1].tokens_wasted == O200K.count("Search: ")
    # A plain word that is also the name is not a repetition; an identifier inside the text is.
    assert hits(_tools(_tool("search", "Search the web.")), "TK701", path="tools.json") == []
    inside = lint(_tools(_tool("fs.read", "Use fs.read to read files.")), "TK701", path="tools.json", dedent=False)
    assert [f.tokens_wasted for f in inside] == [O200K.count("fs.read")]


def test_description_repeats_schema() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}
    section = "Args:\n  city: the city\n  days: how many days"
    findings = lint(_tools(_tool("forecast", f"Forecast.\n{section}", schema)), "TK702", path="tools.json")
    assert [(f.code, f.tokens_wasted) for f in findings] == [("TK702", O200K.count(section))]
    typed = lint(_tools(_tool("forecast", "Forecast for city (string).", schema)), "TK702", path="tools.json")
    assert [f.tokens_wasted for f in typed] == [O200K.count("Forecast for city (string).")]
    # "Args:" naming no property, or a property named in passing, is not a repeated schema.
    assert hits(_tools(_tool("forecast", "Forecast.\nArgs:\n  none", schema)), "TK702", path="tools.json") == []
    assert hits(_tools(_tool("forecast", "Forecast for a city.", schema)), "TK702", path="tools.json") == []


def test_long_description_is_priced_beyond_the_limit() -> None:
    description = "Searches the archive of every ticket ever filed. " * 12
    tokens = O200K.count(description)
    source = _tools(_tool("search", description))
    findings = lint(source, "TK703", path="tools.json", options={"TK703": {"max-tokens": 50}})
    assert [(f.code, f.tokens_wasted) for f in findings] == [("TK703", tokens - 50)]
    assert f"is {tokens:,} tokens, over the 50 allowed" in findings[0].message
    assert hits(source, "TK703", path="tools.json", options={"TK703": {"max-tokens": tokens}}) == []


def test_duplicate_tools() -> None:
    copy = _tool("get_weather2", CLEAN["description"], CLEAN["inputSchema"])  # type: ignore[arg-type]
    source = _tools(CLEAN, _tool("search", "Search."), dict(CLEAN), copy)
    findings = lint(source, "TK704", path="tools.json", dedent=False)
    assert [f.message for f in findings] == [
        "tool 'get_weather': defined again (first on line 4)",
        "tool 'get_weather2': the same description and schema as 'get_weather' (line 4)",
    ]
    sent = json.dumps(
        {"name": "get_weather", "description": CLEAN["description"], "input_schema": CLEAN["inputSchema"]},
        separators=(",", ":"),
    )
    assert findings[0].tokens_wasted == O200K.count(sent)


def test_schema_noise() -> None:
    noisy = {
        "title": "SearchArgs",
        "type": "object",
        "properties": {
            "query": {"title": "Query", "type": "string", "default": None},
            "title": {"type": "string", "description": "a property called title stays"},
        },
    }
    clean = {"type": "object", "properties": {"query": {"type": "string"}, "title": noisy["properties"]["title"]}}  # type: ignore[index]
    findings = lint(_tools(_tool("search", "Search.", noisy)), "TK705", path="tools.json")
    compact = {"separators": (",", ":")}
    saved = O200K.count(json.dumps(noisy, **compact)) - O200K.count(json.dumps(clean, **compact))  # type: ignore[arg-type]
    assert [(f.code, f.tokens_wasted) for f in findings] == [("TK705", saved)]
    assert '"default": null, title' in findings[0].message
    assert hits(_tools(CLEAN), "TK705", path="tools.json") == []


def test_chat_file_tools_are_linted_too() -> None:
    source = """\
messages:
  - role: user
    content: hi
tools:
  - type: function
    function:
      name: get_weather
      description: "get_weather: Current weather."
      parameters: {type: object, properties: {}}
"""
    assert hits(source, "TK7", path="chat.yaml", dedent=False) == [(7, 1, "TK701")]


def test_prose_rules_read_tool_descriptions() -> None:
    source = _tools(_tool("search", "In order to find pages, search the web."))
    assert [code for _, _, code in hits(source, "TK303", path="tools.json")] == ["TK303"]

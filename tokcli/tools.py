"""Tool and function definitions: what a request sends besides its messages.

Reads tool lists in the shapes people keep them in (OpenAI `tools` and legacy `functions`, Anthropic `tools`
with `input_schema`, an MCP `tools/list` result `{"tools": [...]}` or its JSON-RPC envelope
`{"result": {"tools": [...]}}`, a bare list) into `ToolDef`s, and the request extras of a chat file (`tools`,
`tool_choice`, `response_format`, assistant `tool_calls`, Anthropic `tool_use` / `tool_result` blocks).
Counting them per provider lives in `tokcli.tool_tokens`.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from tokcli.errors import InputError
from tokcli.images import ImagePart, image_part
from tokcli.prompts import name_parts


class ToolDefinitionError(InputError):
    """A tool list with an entry that is not a tool: an error wherever the file is read, never "not a prompt"."""


@dataclass(frozen=True)
class ToolDef:
    """One tool, whatever shape it came in: its name, description and JSON schema of its input."""

    name: str
    description: str
    schema: dict[str, Any]
    line: int = 1


@dataclass
class ChatRequest:
    """What a chat file sends besides the text of its messages."""

    tools: list[ToolDef] = field(default_factory=list)
    tool_choice: Any = None
    response_format: Any = None
    #: Text of tool calls and results that is not message content: call names, arguments, tool_use inputs
    #: and tool_result contents, in file order.
    call_texts: list[str] = field(default_factory=list)
    images: list[ImagePart] = field(default_factory=list)  # image parts of the messages, in file order
    #: Built-in tools the provider runs (`web_search_preview`, `file_search`, Anthropic's `bash_20250124`): their
    #: prompts are the provider's, not counted (`hosted_tool`).
    hosted: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        extras = self.tools or self.response_format or self.call_texts or self.images or self.hosted
        return not extras and self.tool_choice is None


# Keys whose presence in a chat file's text means it may carry request extras (a cheap test before parsing).
_EXTRA_KEYS = re.compile(
    r"\b(tools|functions|tool_choice|function_call|response_format|tool_calls|tool_use|tool_result|image_url"
    r"|input_image)\b|type[\"']?[ \t]*:[ \t]*[\"']?image\b"
)
#: A word every match of _EXTRA_KEYS holds: looked for first, as a substring search is many times faster than the
#: pattern's search (which tries its alternatives at every word boundary of the text).
_EXTRA_KEY_WORDS = ("tool", "function", "response_format", "image")
_SCHEMA_KEYS = ("parameters", "input_schema", "inputSchema")


#: OpenAI's built-in tool types; Anthropic's carry a date (`bash_20250124`, `web_search_20250305`), as OpenAI's
#: snapshots do (`web_search_preview_2025_03_11`).
_BUILT_IN_TYPES = frozenset(
    {
        "web_search",
        "web_search_preview",
        "file_search",
        "code_interpreter",
        "computer_use_preview",
        "image_generation",
        "mcp",
        "local_shell",
    }
)
_DATED_TYPE = re.compile(r"[a-z_]+_(?:\d{8}|\d{4}_\d{2}_\d{2})")


def hosted_tool(item: Any) -> str | None:
    """The name of a built-in tool entry (the provider defines and runs it, and its prompt is the provider's:
    OpenAI's `{"type": "web_search_preview"}`, `file_search`, `mcp`; Anthropic's `{"type": "bash_20250124",
    "name": "bash"}`, `web_search_20250305`), None for a function definition."""
    if not isinstance(item, dict) or "function" in item or any(key in item for key in _SCHEMA_KEYS):
        return None
    kind = item.get("type")
    if not isinstance(kind, str) or not (kind in _BUILT_IN_TYPES or _DATED_TYPE.fullmatch(kind)):
        return None
    name = item.get("name")
    return name if isinstance(name, str) and name else kind


def hosted_tools(items: list[Any]) -> list[str]:
    return [name for item in items if (name := hosted_tool(item)) is not None]


def tool_list(data: Any) -> list[Any] | None:
    """The list of tool definitions in `data`, unwrapped from the JSON-RPC `result` and a `tools` or
    `functions` key; None when `data` holds no tool list (a bare list must look like tools)."""
    if isinstance(data, dict):
        if isinstance(data.get("result"), dict):
            data = data["result"]
        if "messages" in data:
            return None
        for key in ("tools", "functions"):
            items = data.get(key)
            # A "tools" list of names or settings (a tool config, say) is not a tool-definition list.
            if isinstance(items, list) and (not items or any(_looks_like_tool(item, loose=True) for item in items)):
                return list(items)
        return None
    defined = [item for item in data if hosted_tool(item) is None] if isinstance(data, list) else []
    if defined and all(_looks_like_tool(item) for item in defined):
        return data
    return None


def _looks_like_tool(item: Any, *, loose: bool = False) -> bool:
    """A tool definition, or one that lacks its name (for normalize_tools to report, not to pass for a file
    without prompts): unnamed, it needs a description and an object schema, or under a `tools` /
    `functions` key (`loose`) either of them."""
    if not isinstance(item, dict) or "role" in item:
        return False
    if isinstance(item.get("function"), dict):
        return True
    has_schema = any(isinstance(item.get(key), dict) for key in _SCHEMA_KEYS)
    has_description = isinstance(item.get("description"), str)
    if "name" not in item:
        return (has_schema or has_description) if loose else (has_schema and has_description)
    return isinstance(item.get("name"), str) and any(key in item for key in (*_SCHEMA_KEYS, "description"))


def normalize_tools(path: str, items: list[Any], text: str = "") -> list[ToolDef]:
    """`ToolDef`s of a tool list; InputError naming the file (and line) for an entry that is not a tool."""
    from tokcli.prompts import line_col

    tools = []
    search_from = 0
    for index, item in enumerate(items):
        if hosted_tool(item) is not None:
            continue  # not a definition: `hosted_tools` names it
        body = item.get("function") if isinstance(item, dict) and isinstance(item.get("function"), dict) else item
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            line = _item_line(text, body, search_from)
            raise ToolDefinitionError(f"tool #{index + 1} has no 'name'", path=path, line=line)
        name = body["name"]
        description = body.get("description") or ""
        if not isinstance(description, str):
            line = _line_of(text, json.dumps(name), search_from)
            raise ToolDefinitionError(f"tool {name!r}: 'description' must be a string", path=path, line=line)
        schema: Any = next((body[key] for key in _SCHEMA_KEYS if key in body), None) or {}
        if not isinstance(schema, dict):
            line = _line_of(text, json.dumps(name), search_from)
            raise ToolDefinitionError(f"tool {name!r}: its input schema must be a JSON object", path=path, line=line)
        # `"name": "x"` in JSON, `name: x` in YAML.
        match = re.compile(rf"""["']?name["']?[ \t]*:[ \t]*["']?{re.escape(name)}\b""").search(text, search_from)
        line = line_col(text, match.start())[0] if match else 1  # indexed: counting per tool was quadratic
        if match:
            search_from = match.end()
        tools.append(ToolDef(name, description, schema, line))
    return tools


def _item_line(text: str, item: Any, start: int) -> int | None:
    """Line of a tool entry that has no name: where its first string value is, after the previous tool."""
    values = [value for value in item.values() if isinstance(value, str)] if isinstance(item, dict) else []
    for value in values:
        line = _line_of(text, json.dumps(value, ensure_ascii=False), start)
        if line is not None:
            return line
    return None


def _line_of(text: str, needle: str, start: int) -> int | None:
    found = text.find(needle, start) if text else -1
    return text.count("\n", 0, found) + 1 if found >= 0 else None


def is_tool_file(path: str, text: str) -> bool:
    """Whether a file is a JSON list of tool definitions (and so a prompt input of its own)."""
    return tool_file_definitions(path, text) is not None


def tool_file_definitions(path: str, text: str) -> list[ToolDef] | None:
    """The tools of a JSON tool-definition file; None when the file is not one (invalid JSON included: that is
    the chat loader's error to report). InputError for a tool list with a malformed entry."""
    found = tool_file(path, text)
    return None if found is None else found[0]


def tool_file(path: str, text: str) -> tuple[list[ToolDef], list[str]] | None:
    """(tool definitions, built-in tools named besides them) of a JSON tool-definition file; None when the file
    is not one (see `tool_file_definitions`)."""
    if name_parts(path)[2].lower() != ".json":
        return None
    from tokcli.structured import load_json

    try:
        data = load_json(text, path)
    except InputError:
        return None
    items = tool_list(data)
    if items is None:
        return None
    return normalize_tools(path, items, text), hosted_tools(items)


def tool_prose(text: str, tools: list[ToolDef]) -> list[tuple[int, str]]:
    """(line, text) of every description in the tools (the tool's and its properties'), in file order: the
    prose a model reads, which lint rules scan."""
    found: list[tuple[int, int, str]] = []
    for tool in tools:
        descriptions = [tool.description, *(desc for _, desc in property_descriptions(tool.schema))]
        for description in descriptions:
            if not description:
                continue
            offset = -1
            for ascii_only in (False, True):
                offset = text.find(json.dumps(description, ensure_ascii=ascii_only)[1:-1])
                if offset >= 0:
                    break
            line = text.count("\n", 0, offset) + 1 if offset >= 0 else tool.line
            found.append((offset if offset >= 0 else len(text), line, description))
    found.sort(key=lambda item: item[0])
    return [(line, description) for _, line, description in found]


def properties(schema: Any) -> dict[str, Any]:
    value = schema.get("properties") if isinstance(schema, dict) else None
    return value if isinstance(value, dict) else {}


def property_descriptions(schema: Any) -> list[tuple[str, str]]:
    """(property name, description) of every property, nested ones included."""
    result = []
    for key, value in properties(schema).items():
        if not isinstance(value, dict):
            continue
        if isinstance(value.get("description"), str):
            result.append((key, value["description"]))
        result.extend(property_descriptions(value))
        if isinstance(value.get("items"), dict):
            result.extend(property_descriptions(value["items"]))
    return result


def chat_request(path: str, text: str) -> ChatRequest:
    """The request extras of a chat file (empty when it has none)."""
    if not any(word in text for word in _EXTRA_KEY_WORDS) or _EXTRA_KEYS.search(text) is None:
        return ChatRequest()
    return _chat_request(path, text)


@functools.lru_cache(maxsize=64)
def _chat_request(path: str, text: str) -> ChatRequest:
    data = _load_data(path, text)
    request = ChatRequest()
    if isinstance(data, dict):
        items = next((data[key] for key in ("tools", "functions") if isinstance(data.get(key), list)), None)
        if items:  # in a request, every entry must be a tool: a bad one is an error, not ignored
            request.tools = normalize_tools(path, items, text)
            request.hosted = hosted_tools(items)
        request.tool_choice = data.get("tool_choice", data.get("function_call"))
        request.response_format = data.get("response_format")
        messages = data.get("messages")
    else:
        messages = data
    base_dir = PurePath(path).parent if path not in ("<stdin>", "<text>") else None
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict):
            request.call_texts.extend(_call_texts(message))
            request.images.extend(_images(message, base_dir))
    return request


def _images(message: dict[str, Any], base_dir: PurePath | None) -> list[ImagePart]:
    content = message.get("content")
    parts = content if isinstance(content, list) else []
    # Anthropic tool results may hold images too.
    for part in list(parts):
        if isinstance(part, dict) and part.get("type") == "tool_result" and isinstance(part.get("content"), list):
            parts = [*parts, *part["content"]]
    found = [image_part(part, Path(base_dir) if base_dir is not None else None) for part in parts]
    return [image for image in found if image is not None]


def _load_data(path: str, text: str) -> Any:
    from tokcli.structured import load_json, load_yaml

    if name_parts(path)[2].lower() == ".json":
        return load_json(text, path)
    return load_yaml(text, path)


def compact_json(value: Any) -> str:
    """JSON as an SDK sends it: no whitespace between tokens, non-ASCII kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _call_texts(message: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    calls = message.get("tool_calls")
    if isinstance(message.get("function_call"), dict):
        calls = [*(calls if isinstance(calls, list) else []), {"function": message["function_call"]}]
    for call in calls if isinstance(calls, list) else []:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            texts.extend(_as_text(function.get(key)) for key in ("name", "arguments") if function.get(key))
    content = message.get("content")
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "tool_use":
            texts.extend(_as_text(part.get(key)) for key in ("name", "input") if part.get(key) is not None)
        elif part.get("type") == "tool_result":
            result = part.get("content")
            if isinstance(result, list):
                texts.extend(p["text"] for p in result if isinstance(p, dict) and isinstance(p.get("text"), str))
            elif result is not None:
                texts.append(_as_text(result))
    return [text for text in texts if text]


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else compact_json(value)

"""Tokens of tool definitions and other request extras, counted the way each provider documents them.

- OpenAI: the function-definition accounting of OpenAI's cookbook ("How to count tokens with tiktoken", the
  function-calling section): per function a constant plus `name:description`, per property a constant plus
  `key:type:description`, per enum a constant plus its items, and a constant per request. The cookbook checked
  its constants against the API for gpt-4o / gpt-4o-mini (o200k) and gpt-4 / gpt-3.5-turbo (cl100k) on flat
  schemas; anything else (other models, nested schemas, forced tool_choice, response formats, tool calls) is
  counted the same way but labelled an estimate.
- Anthropic: each tool's JSON (`name`, `description`, `input_schema`) over the model's estimate, plus the
  tool-use system prompt Anthropic publishes per model and tool_choice.
- Everyone else publishes nothing: the tools' compact JSON over the model's tokenizer, an estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tokcli.tools import ChatRequest, ToolDef, compact_json, properties


@dataclass(frozen=True)
class CookbookConstants:
    """OpenAI's per-element constants for function definitions (cookbook names in brackets)."""

    function: int  # [func_init] per function
    properties: int  # [prop_init] once per function that has properties
    property: int  # [prop_key] per property
    enum: int  # [enum_init] per property with an enum
    enum_item: int  # [enum_item] per enum item
    end: int  # [func_end] once per request with functions


GPT4O_CONSTANTS = CookbookConstants(function=7, properties=3, property=3, enum=-3, enum_item=3, end=12)
GPT4_CONSTANTS = CookbookConstants(function=10, properties=3, property=3, enum=-3, enum_item=3, end=12)
#: Models whose constants the cookbook verified against the API's prompt_tokens (canonical model-map keys).
COOKBOOK_VERIFIED = {"gpt-4o": GPT4O_CONSTANTS, "gpt-4o-mini": GPT4O_CONSTANTS}
COOKBOOK_VERIFIED |= {"gpt-4": GPT4_CONSTANTS, "gpt-3.5-turbo": GPT4_CONSTANTS}
OPENAI_TOKENIZERS = {"o200k_base": GPT4O_CONSTANTS, "cl100k_base": GPT4_CONSTANTS}

# Anthropic's "tool use system prompt token count" (tool-use docs, Pricing): (auto or none, any or tool),
# added once per request with at least one tool. Longest model prefix first.
ANTHROPIC_TOOL_PROMPT: tuple[tuple[str, tuple[int, int]], ...] = (
    ("claude-opus-5", (286, 406)),
    ("claude-sonnet-5", (354, 474)),
    ("claude-opus-4-8", (290, 410)),
    ("claude-opus-4-7", (675, 804)),
    ("claude-opus-4-6", (497, 589)),
    ("claude-sonnet-4-6", (497, 589)),
    ("claude-opus-4-5", (496, 588)),
    ("claude-sonnet-4-5", (496, 588)),
    ("claude-haiku-4-5", (496, 588)),
    ("claude-opus-4-1", (313, 315)),
    ("claude-opus-4", (313, 315)),
    ("claude-sonnet-4", (313, 315)),
    ("claude-3-7-sonnet", (346, 313)),
    ("claude-3-5-sonnet", (346, 313)),
    ("claude-3-5-haiku", (264, 355)),
    ("claude-3-opus", (530, 281)),
    ("claude-3-sonnet", (159, 235)),
    ("claude-3-haiku", (264, 340)),
)


@dataclass(frozen=True)
class ToolTokens:
    """One tool's tokens: its name and description, and its input schema."""

    name: str
    description: int
    schema: int
    line: int = 1

    @property
    def total(self) -> int:
        return self.description + self.schema


@dataclass
class RequestTokens:
    """A request's tokens besides the message text, on one model."""

    method: str  # "openai-cookbook" | "anthropic" | "json"
    exact: bool
    tools: list[ToolTokens] = field(default_factory=list)
    overhead: int = 0  # per-request constants: the cookbook's end tokens, Anthropic's tool-use system prompt
    tool_choice: int = 0
    response_format: int = 0
    calls: int = 0  # tool calls and results outside message content
    images: int = 0  # image parts counted with the provider's formula
    uncounted_images: int = 0  # image parts whose size, or the provider's formula, is unknown
    notes: list[str] = field(default_factory=list)
    tool_choice_value: Any = None  # the request's tool_choice as given

    @property
    def definitions(self) -> int:
        """Tokens of the tool definitions, tool_choice and response format (what a tool budget is about)."""
        return sum(tool.total for tool in self.tools) + self.overhead + self.tool_choice + self.response_format

    @property
    def tool_total(self) -> int:
        """Tool definitions, tool_choice, response format and tool calls: what the tools cost a request."""
        return self.definitions + self.calls

    @property
    def total(self) -> int:
        """Every token besides the message text: the tools' and the images'."""
        return self.tool_total + self.images


class _Batch:
    """Texts to count with one tokenizer, counted together at the end."""

    def __init__(self) -> None:
        self.texts: dict[str, None] = {}

    def add(self, text: str) -> str:
        self.texts[text] = None
        return text

    def run(self, tokenizer: Any) -> dict[str, int]:
        distinct = [text for text in self.texts if text]
        return {"": 0, **dict(zip(distinct, tokenizer.count_batch(distinct) if distinct else []))}


def method_for(provider: str | None, tokenizer_name: str) -> str:
    if provider == "anthropic":
        return "anthropic"
    if tokenizer_name in OPENAI_TOKENIZERS and provider in (None, "", "openai", "azure"):
        return "openai-cookbook"
    return "json"


def count_request(
    request: ChatRequest, tokenizer: Any, tokenizer_name: str, *, provider: str | None, model: str | None
) -> RequestTokens:
    """Tokens of `request`'s extras on one model (`model` is its canonical model-map key, when known)."""
    method = method_for(provider, tokenizer_name)
    if method == "openai-cookbook":
        result = _openai(request, tokenizer, tokenizer_name, model)
    else:
        result = _json_method(request, tokenizer, method, model)
    result.tool_choice_value = request.tool_choice
    _add_images(result, request, method, provider, model)
    if request.hosted:  # what a built-in tool adds to the prompt is the provider's, mostly unpublished: a floor
        result.exact = False
    return result


def _add_images(
    result: RequestTokens, request: ChatRequest, method: str, provider: str | None, model: str | None
) -> None:
    from tokcli.images import image_tokens

    for image in request.images:
        tokens = image_tokens(image, method, provider, model)
        if tokens is None:
            result.uncounted_images += 1
        else:
            result.images += tokens
    if result.images:
        result.exact = False  # the image formulas are documented as approximations


def _openai(request: ChatRequest, tokenizer: Any, tokenizer_name: str, model: str | None) -> RequestTokens:
    verified = COOKBOOK_VERIFIED.get(model or "")
    constants = verified or OPENAI_TOKENIZERS[tokenizer_name]
    batch = _Batch()
    plans = [_cookbook_plan(tool, batch) for tool in request.tools]
    extras = _extras(request, batch, skip_choice=("auto", "none", None))
    counted = batch.run(tokenizer)
    result = RequestTokens("openai-cookbook", exact=verified is not None and bool(tokenizer.exact))
    for tool, (head, lines, enum_items, simple) in zip(request.tools, plans):
        description = constants.function + counted[head]
        schema = 0
        if lines:
            schema = constants.properties + sum(constants.property + counted[line] for line in lines)
        for items in enum_items:
            schema += constants.enum + sum(constants.enum_item + counted[item] for item in items)
        result.tools.append(ToolTokens(tool.name, description, schema, tool.line))
        result.exact = result.exact and simple
    if request.tools:
        result.overhead = constants.end
    _add_extras(result, extras, counted)
    if verified is None and request.tools:
        result.notes.append(
            "tool definitions: OpenAI's cookbook constants are verified for gpt-4o, gpt-4o-mini, gpt-4 and "
            "gpt-3.5-turbo; other models are counted with them as an estimate"
        )
    return result


def _cookbook_plan(tool: ToolDef, batch: _Batch) -> tuple[str, list[str], list[list[str]], bool]:
    """The texts the cookbook counts for one function: `name:description`, one `key:type:description` line per
    property, the enum items; and whether the schema is flat, as in the cookbook's verified example."""
    head = batch.add(f"{tool.name}:{tool.description.removesuffix('.')}")
    lines: list[str] = []
    enums: list[list[str]] = []
    simple = bool(tool.description)
    pending = [properties(tool.schema)]
    nested = False
    while pending:
        for key, value in pending.pop().items():
            value = value if isinstance(value, dict) else {}
            kind = value.get("type")
            description = value.get("description")
            if not isinstance(kind, str) or not isinstance(description, str):
                simple = False
            kind_text = kind if isinstance(kind, str) else " | ".join(map(str, kind)) if isinstance(kind, list) else ""
            text = description.removesuffix(".") if isinstance(description, str) else ""
            lines.append(batch.add(f"{key}:{kind_text}:{text}"))
            if isinstance(value.get("enum"), list):
                items = [item if isinstance(item, str) else compact_json(item) for item in value["enum"]]
                enums.append([batch.add(item) for item in items])
                simple = simple and all(isinstance(item, str) for item in value["enum"])
            inner = [properties(value), properties(value.get("items"))]
            for child in inner:
                if child:
                    pending.append(child)
                    nested = True
    return head, lines, enums, simple and not nested


def _extras(request: ChatRequest, batch: _Batch, *, skip_choice: tuple[Any, ...]) -> dict[str, list[str]]:
    choice = [] if request.tool_choice in skip_choice else [batch.add(compact_json(request.tool_choice))]
    response = [] if request.response_format is None else [batch.add(compact_json(request.response_format))]
    return {"choice": choice, "response": response, "calls": [batch.add(text) for text in request.call_texts]}


def _add_extras(result: RequestTokens, extras: dict[str, list[str]], counted: dict[str, int]) -> None:
    result.tool_choice = sum(counted[text] for text in extras["choice"])
    result.response_format = sum(counted[text] for text in extras["response"])
    result.calls = sum(counted[text] for text in extras["calls"])
    if any(extras.values()):
        result.exact = False  # no provider documents how these are rendered


def _json_method(request: ChatRequest, tokenizer: Any, method: str, model: str | None) -> RequestTokens:
    batch = _Batch()
    schema_key = "input_schema" if method == "anthropic" else "parameters"
    pairs = []
    for tool in request.tools:
        whole = batch.add(compact_json({"name": tool.name, "description": tool.description, schema_key: tool.schema}))
        pairs.append((whole, batch.add(tool.description)))
    extras = _extras(request, batch, skip_choice=(None,))
    counted = batch.run(tokenizer)
    result = RequestTokens(method, exact=False)
    for tool, (whole, description) in zip(request.tools, pairs):
        result.tools.append(
            ToolTokens(tool.name, counted[description], counted[whole] - counted[description], tool.line)
        )
    _add_extras(result, extras, counted)
    result.exact = False
    if method == "anthropic" and request.tools and model is not None:
        prompt = anthropic_tool_prompt(model, request.tool_choice)
        if prompt is None:
            result.notes.append(f"no published tool-use system prompt size for {model}: not added")
        else:
            result.overhead = prompt
    return result


def anthropic_tool_prompt(model: str | None, tool_choice: Any) -> int | None:
    """Anthropic's tool-use system prompt tokens for `model` and `tool_choice` (None: not published)."""
    forced = forces_tool(tool_choice)
    for prefix, (auto, any_tool) in ANTHROPIC_TOOL_PROMPT:
        if model and (model == prefix or model.startswith(prefix + "-")):
            return any_tool if forced else auto
    return None


def forces_tool(tool_choice: Any) -> bool:
    """tool_choice any / tool (Anthropic), required / a named function (OpenAI)."""
    return _choice_type(tool_choice) in ("any", "tool", "required", "function")


def _choice_type(tool_choice: Any) -> str | None:
    if isinstance(tool_choice, dict):
        kind = tool_choice.get("type")
        return kind if isinstance(kind, str) else None
    return tool_choice if isinstance(tool_choice, str) else None


def sorted_by_cost(tools: Sequence[ToolTokens]) -> list[ToolTokens]:
    return sorted(tools, key=lambda tool: (-tool.total, tool.name))

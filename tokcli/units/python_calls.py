"""What the call sites of LLM frameworks send, read from a call's AST alone: which argument of which call is a
prompt and in what role (LangChain, LlamaIndex, Haystack, CrewAI, DSPy, pydantic-ai, AutoGen, the OpenAI,
Anthropic and Gemini SDKs), the tool lists and message lists passed, and the model named.

Knowledge only: `python_source` resolves the arguments found here to strings and makes them units.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

_SEQUENCES = (ast.List, ast.Tuple)
_ROLE_CLASSES = {"SystemMessage": "system", "HumanMessage": "user", "AIMessage": "assistant", "ChatMessage": None}
_ROLE_NAMES = {"human": "user", "ai": "assistant", "system": "system", "user": "user", "assistant": "assistant"}
#: Keyword arguments that are a system prompt at any call site: Anthropic's `system=`, the Agents SDK's and
#: pydantic-ai's `instructions=`, pydantic-ai's and LlamaIndex's `system_prompt=`, AutoGen's `system_message=`.
_SYSTEM_KEYWORDS = ("system", "instructions", "system_prompt", "system_message", "system_instruction")
#: The user prompt as a keyword of a model call: `prompt=` of completion APIs (OpenAI's legacy completions,
#: Ollama's `generate`, litellm's `text_completion`), Gemini's `contents=`, the Responses API's `input=`. Only
#: at calls of these names: `prompt=` elsewhere is often a terminal's (`click.option(prompt="Name")`).
_USER_KEYWORDS = {
    "create": ("prompt", "input"),
    "generate": ("prompt",),
    "agenerate": ("prompt",),
    "complete": ("prompt",),
    "acomplete": ("prompt",),
    "completion": ("prompt",),
    "text_completion": ("prompt",),
    "generate_content": ("contents",),
    "generate_content_stream": ("contents",),
}
#: Haystack's `ChatMessage.from_system("...")` and its kin.
_MESSAGE_FACTORIES = {"from_system": "system", "from_user": "user", "from_assistant": "assistant"}
#: `@agent.system_prompt` / `@agent.instructions` (pydantic-ai): what the function returns is a system prompt.
PROMPT_DECORATORS = {"system_prompt", "instructions"}
#: Content-part types whose `text` is sent (Anthropic and Chat Completions `text`, the Responses API's
#: `input_text`); other parts (images, files, tool results) are not prose of the prompt.
_TEXT_PARTS = {"text", "input_text"}
#: CrewAI's Python constructors: the agent's persona goes into its system prompt, the task into the user turn.
_CREW_FIELDS = {
    "Agent": (("role", "goal", "backstory"), "backstory", "system"),
    "Task": (("description", "expected_output"), "expected_output", "user"),
}


def call_name(node: ast.expr) -> str:
    """The name a call's function goes by: `f` of `f(...)` and of `a.b.f(...)`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def prompt_arguments(node: ast.Call, signature_field: str | None = None) -> Iterator[tuple[str, ast.expr, str | None]]:
    """(key, argument, role) of each prompt the call passes, the key naming it after the call's scope
    (`PromptTemplate(template)`, `from_messages[1]`, `system`). `signature_field` is the field a DSPy signature's
    class body is assigning (its `InputField(desc=...)`), when the call is in one."""
    name = call_name(node.func)
    keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
    if name in ("PromptTemplate", "RichPromptTemplate") and ("template" in keywords or node.args):
        # LangChain takes template=, LlamaIndex the template first
        yield f"{name}(template)", keywords.get("template") or node.args[0], None
    elif name.endswith("PromptBuilder") and "template" in keywords:  # Haystack (Jinja2)
        yield f"{name}(template)", keywords["template"], None
    elif name in _MESSAGE_FACTORIES and node.args:
        yield name, node.args[0], _MESSAGE_FACTORIES[name]
    elif name == "from_template" and node.args:
        yield f"{_receiver(node)}.from_template", node.args[0], _template_role(node)
    elif name in ("from_messages", "ChatPromptTemplate") and node.args and isinstance(node.args[0], _SEQUENCES):
        for index, item in enumerate(node.args[0].elts):
            if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                role_node, content = item.elts
                role = role_node.value if isinstance(role_node, ast.Constant) else None
                if role == "placeholder":  # ("placeholder", "{history}"): where the history goes, no text
                    continue
                yield (
                    f"from_messages[{index}]",
                    content,
                    _ROLE_NAMES.get(str(role), str(role)) if role is not None else None,
                )
    elif name in _ROLE_CLASSES:
        message = keywords.get("content") or (node.args[0] if node.args else None)
        if message is not None:
            yield name, message, _ROLE_CLASSES[name]
    elif name in _CREW_FIELDS and _CREW_FIELDS[name][1] in keywords:
        fields, _, role = _CREW_FIELDS[name]
        for field_name in fields:
            if field_name in keywords:
                yield f"{name}.{field_name}", keywords[field_name], role
    elif name in ("InputField", "OutputField") and signature_field is not None and "desc" in keywords:
        yield f"{signature_field}.desc", keywords["desc"], "system"
    for keyword_name in _SYSTEM_KEYWORDS:
        if keyword_name in keywords:
            yield keyword_name, keywords[keyword_name], "system"
    for keyword_name in _USER_KEYWORDS.get(name, ()):
        if keyword_name in keywords and _model_call(node, name):
            yield keyword_name, keywords[keyword_name], "user"


def tool_arguments(node: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """(keyword, argument) of the tool lists the call passes (`tools=`, `functions=`)."""
    keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
    for keyword_name in ("tools", "functions"):
        if keyword_name in keywords:
            yield keyword_name, keywords[keyword_name]


def message_arguments(node: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """(key, message) of each message written out in the call's `messages=[...]`."""
    messages = next((keyword.value for keyword in node.keywords if keyword.arg == "messages"), None)
    if isinstance(messages, _SEQUENCES):
        for index, item in enumerate(messages.elts):
            if message_fields(item) is not None:
                yield f"messages[{index}]", item


def message_fields(node: ast.AST) -> tuple[ast.expr, ast.expr] | None:
    """(role, content) of a message written as a dict literal or a `dict(role=..., content=...)` call."""
    if isinstance(node, ast.Dict):
        fields = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        fields = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
    else:
        return None
    role, content = fields.get("role"), fields.get("content")
    return (role, content) if role is not None and content is not None else None


def text_parts(node: ast.List | ast.Tuple) -> list[tuple[int, ast.expr]]:
    """(index, text) of the text blocks of a content list: `{"type": "text", "text": ...}` (Anthropic's
    `system=[...]` with `cache_control`, a message's content parts); a dict without `type` counts as text."""
    parts = []
    for index, item in enumerate(node.elts):
        if not isinstance(item, ast.Dict):
            continue
        fields = {k.value: v for k, v in zip(item.keys, item.values) if isinstance(k, ast.Constant)}
        kind, text = fields.get("type"), fields.get("text")
        if text is None:
            continue
        if kind is None or (isinstance(kind, ast.Constant) and kind.value in _TEXT_PARTS):
            parts.append((index, text))
    return parts


def call_model(node: ast.Call) -> str | None:
    """The model a call names as a literal: `model=` / `model_name=`, or pydantic-ai's `Agent("openai:gpt-4o")`."""
    for keyword in node.keywords:
        value = keyword.value
        if keyword.arg in ("model", "model_name") and isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    first = node.args[0] if node.args else None
    # pydantic-ai names the model first, as provider:model (`Agent("openai:gpt-4o", ...)`)
    named = first.value if call_name(node.func) == "Agent" and isinstance(first, ast.Constant) else None
    if isinstance(named, str) and re.fullmatch(r"[\w.-]+:[\w./-]+", named):
        return named
    return None


def _model_call(node: ast.Call, name: str) -> bool:
    """A `create(...)` is a model's when it is `*.completions.create` or `*.responses.create` (not any
    `create`); the other names of `_USER_KEYWORDS` are model calls by name."""
    if name != "create":
        return True
    return _receiver(node) in ("completions", "responses")


def _receiver(node: ast.Call) -> str:
    func = node.func
    return call_name(func.value) if isinstance(func, ast.Attribute) else "call"


def _template_role(node: ast.Call) -> str | None:
    receiver = _receiver(node)
    for prefix, role in (("System", "system"), ("Human", "user"), ("AI", "assistant")):
        if receiver.startswith(prefix):
            return role
    return None

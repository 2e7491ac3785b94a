"""The prompt-file loader shared by count, lint, compress and audit.

It knows the prompt formats people keep in repositories (plain text, markdown, Jinja2, chat files in
YAML/JSON, `.prompty` and dotprompt files with YAML front matter) and where template syntax sits, so that
every job can leave `{{ }}`, `{% %}` and `{# #}` alone.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from tokcli.errors import InputError
from tokcli.structured import load_json, load_yaml, load_yaml_with_nodes

# `.mdc`: Cursor's rule files (markdown under a YAML front matter)
TEXT_SUFFIXES = {".txt": "text", ".prompt": "text", ".md": "markdown", ".markdown": "markdown", ".mdc": "markdown"}
JINJA_SUFFIXES = {".j2", ".jinja", ".jinja2"}
CHAT_SUFFIXES = {".yaml", ".yml", ".json"}
PROMPTY_SUFFIXES = {".prompty"}
#: Every suffix the loader understands: the default file set of `lint`, `compress` and `audit`.
PROMPT_SUFFIXES = frozenset({*TEXT_SUFFIXES, *JINJA_SUFFIXES, *CHAT_SUFFIXES, *PROMPTY_SUFFIXES})

TEMPLATE_TOO_DEEP = "blocks or expressions nested too deeply to parse"

#: Kinds whose body is a template by definition: a syntax error there is an input error.
TEMPLATE_KINDS = frozenset({"jinja", "prompty", "dotprompt"})

# its line breaks as YAML reads them: LF, CRLF, or a CR alone (an old Mac file), whose front matter is metadata too
_FRONT_MATTER = re.compile(r"\A---[ \t]*(?:\r\n?|\n)(.*?(?:\r\n?|\n))?---[ \t]*(?:\r\n?|\n|\Z)", re.DOTALL)
_TAG_OPENERS = {"{{": ("}}", "variable"), "{%": ("%}", "block"), "{#": ("#}", "comment")}
_OPENER = re.compile(r"\{[{%#]")
# as Jinja2's lexer has them: `+` or `-` after the opener of both, `-` (not `+`) before the closer of `raw`
_RAW_START = re.compile(r"\{%[-+]?\s*raw\s*-?%\}")
_RAW_END = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
_PROMPTY_ROLE = re.compile(r"^[ \t]*(system|user|assistant|developer|tool)[ \t]*:[ \t]*$", re.MULTILINE | re.I)


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range [start, end) of character offsets into `PromptDocument.text`. (Slots: a template of
    many tags has hundreds of thousands, and compress keeps the original's and a result's at once.)"""

    start: int
    end: int
    kind: str  # "variable" | "block" | "comment" | "raw"


@dataclass(frozen=True)
class Message:
    role: str
    content: str
    line: int  # 1-based line in the file where the message (or its content) starts
    name: str | None = None  # the optional participant name of OpenAI chat messages (it costs tokens too)


@dataclass
class PromptDocument:
    path: str
    text: str
    kind: str  # "text" | "markdown" | "jinja" | "chat" | "prompty" | "dotprompt" | "tools"
    body_offset: int = 0
    front_matter: dict[str, Any] = field(default_factory=dict)
    template_spans: list[Span] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    #: A tool-definition file's tools (`tokcli.tools.ToolDef`); its `messages` are their descriptions.
    tools: list[Any] = field(default_factory=list)
    #: Its `{field}`s are `str.format` / f-string placeholders (a prompt in Python code), kept as template tags are.
    format_fields: bool = False
    #: Its text is given to `str.format`: each `{{` and `}}` reaches the model as one brace (counts say so).
    str_format: bool = False
    #: The built-in tools a tool file lists besides (`tokcli.tools.hosted_tool`): named, not counted.
    hosted_tools: list[str] = field(default_factory=list)

    @property
    def template_language(self) -> str:
        """ "handlebars" or "jinja": how the body's `{{ }}` tags are read (see `template_language`)."""
        return template_language(self.kind)

    @property
    def body(self) -> str:
        """The part of the file that is sent to a model (front matter excluded)."""
        return self.text[self.body_offset :]

    @property
    def prompt_text(self) -> str:
        """What a model reads: chat contents (or tool descriptions, or a config's prompt strings) joined, or the body."""
        if self.kind in ("chat", "tools", "config"):
            return "\n".join(message.content for message in self.messages)
        return self.body


#: Texts up to this size are scanned directly; larger ones get an index of line starts (built once per text).
_LINE_INDEX_MIN_CHARS = 8192


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset.

    Cheap to call many times on one large text: its line starts are indexed once (counting newlines from the
    start on every call made reports on multi-megabyte files quadratic)."""
    if len(text) < _LINE_INDEX_MIN_CHARS:
        line = text.count("\n", 0, offset) + 1
        line_start = text.rfind("\n", 0, offset) + 1
        return line, offset - line_start + 1
    starts = line_starts(text)
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


@functools.lru_cache(maxsize=8)
def line_starts(text: str) -> array[int]:
    """Where each line of `text` starts (the last few texts asked for are kept)."""
    # An array of machine integers: a list held an int object per line (14 MB for 4 MB of short lines).
    starts = array("q", [0])
    position = text.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def name_parts(path: PurePath | str) -> tuple[str, str, str]:
    """(name, stem, suffix) as `PurePath` gives them, from the string (a walk asks for every file it finds, and
    the audit looks at every file's suffix)."""
    name = path.name if isinstance(path, PurePath) else path.rpartition("/")[2]
    if name in ("", ".") or "\\" in name:  # "a/", "a/.", Windows separators: as PurePath reads them
        name = PurePath(path).name
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1:
        return name, name[:dot], name[dot:]
    return name, name, ""


def detect_kind(path: str, text: str) -> str:
    suffix = name_parts(path)[2].lower()
    if suffix in JINJA_SUFFIXES:
        return "jinja"
    if suffix in PROMPTY_SUFFIXES:
        return "prompty"
    if suffix in CHAT_SUFFIXES:
        return "chat"
    if suffix == ".prompt" and _FRONT_MATTER.match(text):
        return "dotprompt"
    return TEXT_SUFFIXES.get(suffix, "text")


def load_prompt(path: str, text: str, kind: str | None = None, *, check_templates: bool = True) -> PromptDocument:
    """Parse `text` (the content of `path`) into a PromptDocument; InputError names file and line.

    `check_templates=False` skips the Jinja2 check of chat messages (`count` reads only their text)."""
    kind = kind or detect_kind(path, text)
    if kind == "chat":
        try:
            messages = parse_chat(path, text)
        except InputError as error:
            tools = tool_document(path, text)
            if tools is not None:
                return tools
            if not error.message.startswith(_NOT_CHAT) or name_parts(path)[2].lower() == ".json":
                raise
        else:
            if check_templates:
                check_message_templates(path, messages, is_json=name_parts(path)[2].lower() == ".json")
            return PromptDocument(path=path, text=text, kind=kind, messages=messages)
        # A YAML prompt config (agent settings whose values are prompt templates), not a list of messages:
        # its long strings are the prompts.
        return PromptDocument(path=path, text=text, kind="config", messages=_config_prompts(path, text))
    document = PromptDocument(path=path, text=text, kind=kind)
    if kind in ("prompty", "dotprompt"):
        document.front_matter, document.body_offset = _parse_front_matter(path, text)
    elif kind == "markdown" and _FRONT_MATTER.match(text):
        # Agent skill and command files carry YAML front matter (name, description, tools): metadata for the
        # host, not prose of the prompt. Invalid YAML there is the host's business: the block is still skipped.
        document.front_matter, document.body_offset = _lenient_front_matter(text)
    strict = kind in TEMPLATE_KINDS
    language = template_language(kind)
    try:
        document.template_spans = find_template_spans(text, start=document.body_offset, language=language)
    except InputError as error:
        if strict:
            raise InputError(error.message, path=path, line=error.line) from None
        # Plain text and markdown may contain stray braces; they are simply not templates.
        document.template_spans = []
    if strict and language == "handlebars":
        from tokcli.handlebars import check_handlebars_syntax

        check_handlebars_syntax(path, text, document.template_spans)
    elif strict:
        check_jinja_syntax(path, text, document.body_offset, document.template_spans)
    if kind == "prompty":
        document.messages = _prompty_messages(document)
    return document


def check_message_templates(path: str, messages: list[Message], *, is_json: bool) -> None:
    """A chat message with a Jinja2 statement tag (`{% … %}`) is a template, and must parse as one (as a `.j2`
    file must): a block left open would fail when the application renders it, and lint and compress would
    read its tags as prose. Other braces in a message stay prose (a JSON example, a literal `{{`)."""
    import jinja2

    for message in messages:
        if "{%" not in message.content:
            continue
        try:
            parse_template(message.content)
        except jinja2.TemplateSyntaxError as error:
            # YAML block scalars keep the content's lines; a JSON string holds them all on its one line
            line = message.line + (error.lineno - 1 if error.lineno and not is_json else 0)
            raise InputError(f"template syntax error: {error.message}", path=path, line=line) from None


def tool_document(path: str, text: str) -> PromptDocument | None:
    """A JSON file of tool definitions as a document of kind "tools" (None when it is not one)."""
    from tokcli.tools import tool_file, tool_prose

    found = tool_file(path, text)
    if found is None:
        return None
    tools, hosted = found
    messages = [Message(role="tool", content=prose, line=line) for line, prose in tool_prose(text, tools)]
    return PromptDocument(path=path, text=text, kind="tools", messages=messages, tools=tools, hosted_tools=hosted)


def template_language(kind: str) -> str:
    """The template language of a prompt kind: "handlebars" for dotprompt (the dotprompt format's own), else
    "jinja" (Jinja2 templates, `.prompty` bodies, and the braces of plain text and markdown)."""
    return "handlebars" if kind == "dotprompt" else "jinja"


def find_template_spans(text: str, start: int = 0, language: str = "jinja") -> list[Span]:
    """Offsets of every template tag in `text[start:]`: Jinja2's (`{% raw %}` blocks included as one span), or
    Handlebars' with `language="handlebars"` (see `tokcli.handlebars`).

    Strings inside tags are skipped, so `{{ "}}" }}` is one span. Raises InputError on an unclosed tag.
    """
    if language == "handlebars":
        from tokcli.handlebars import find_handlebars_spans

        return find_handlebars_spans(text, start)
    return scan_tags(text, start, _OPENER, _jinja_tag)


def scan_tags(
    text: str, start: int, opener: re.Pattern[str], read_tag: Callable[[str, re.Match[str]], Span | None]
) -> list[Span]:
    """The spans `read_tag` reads at each match of `opener`, the scan going on after each span (or after the
    opener, when `read_tag` says None: not a tag). One pass, no recursion, whatever the nesting."""
    spans: list[Span] = []
    position = start
    while (match := opener.search(text, position)) is not None:
        span = read_tag(text, match)
        if span is None:
            position = match.end()
            continue
        spans.append(span)
        position = span.end
    return spans


def _jinja_tag(text: str, match: re.Match[str]) -> Span:
    opener = match.group()
    closer, kind = _TAG_OPENERS[opener]
    raw = _RAW_START.match(text, match.start())
    if raw:
        end_match = _RAW_END.search(text, raw.end())
        if end_match is None:
            raise InputError("unclosed {% raw %} block", line=line_col(text, match.start())[0])
        return Span(match.start(), end_match.end(), "raw")
    end = find_closer(text, match.end(), closer, kind == "comment")
    if end < 0:
        raise InputError(f"unclosed template tag {opener!r}", line=line_col(text, match.start())[0])
    return Span(match.start(), end, kind)


def find_closer(text: str, position: int, closer: str, is_comment: bool) -> int:
    """Offset just past `closer` from `position` on, skipping quoted strings (unless in a comment); -1 if none."""
    found = text.find(closer, position)
    if found < 0:
        return -1
    if is_comment or (text.find('"', position, found) < 0 and text.find("'", position, found) < 0):
        return found + len(closer)  # no string before the first closer (the common case, without a loop)
    quote = ""
    index = position
    length = len(text)
    while index < length:
        char = text[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif text.startswith(closer, index):
            return index + len(closer)
        index += 1
    return -1


@functools.lru_cache(maxsize=1)
def _registered_by_the_application(*args: Any, **kwargs: Any) -> Any:
    raise LookupError("a filter or test the application registers: tokcli does not know what it does")


class _AnyFilterOrTest(dict[str, Any]):
    """Jinja2's filters or tests, where a name Jinja2 does not know is one the application registers
    (`{{ date | datetime }}`): analysing the template (`jinja2.meta`, which compiles it) must not fail on it.
    Calling it raises, so Jinja2 never folds it into a constant."""

    def get(self, name: Any, default: Any = None) -> Any:
        return super().get(name, _registered_by_the_application)


#: Jinja2's own extensions that applications turn on for prompt templates (Hugging Face chat templates use
#: `{% break %}` / `{% continue %}`): without them a valid template is a syntax error.
JINJA_EXTENSIONS = ("jinja2.ext.do", "jinja2.ext.loopcontrols")


def jinja_environment() -> Any:
    """The one Jinja2 environment tokcli parses with. Sandboxed, though tokcli only parses and analyses, never
    renders; filters and tests it does not know are taken for the application's own."""
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(extensions=JINJA_EXTENSIONS)
    environment.filters = _AnyFilterOrTest(environment.filters)
    environment.tests = _AnyFilterOrTest(environment.tests)
    return environment


#: Sources at least this long are parsed each time they are asked for, not kept: the tree of a template of
#: many megabytes weighs tens of times its text, and no prompt is that long.
PARSE_CACHE_MAX_CHARS = 1 << 20


def parse_template(source: str) -> Any:
    """Jinja2's syntax tree of `source`, parsed once per distinct text (lint, compress and audit all ask).

    Raises jinja2.TemplateSyntaxError (also for a template nested deeper than Jinja2's recursive parser can
    go, with line 0: the depth has no one line); callers treat the tree as read-only."""
    if len(source) >= PARSE_CACHE_MAX_CHARS:
        return _parse_template(source)
    return _parse_template_cached(source)


@functools.lru_cache(maxsize=512)
def _parse_template_cached(source: str) -> Any:
    return _parse_template(source)


def _parse_template(source: str) -> Any:
    try:
        return jinja_environment().parse(source)
    except RecursionError:
        import jinja2

        raise jinja2.TemplateSyntaxError(TEMPLATE_TOO_DEEP, 0) from None


_NOT_LINE_BREAK = re.compile(r"[^\r\n]+")


def template_skeleton(text: str, spans: list[Span], start: int = 0) -> str | None:
    """`text[start:]` with the text between its template tags cut down to its line breaks: Jinja2 parses it to
    the same verdict on the same lines, many times faster (its lexer crawls through long plain text). None
    when a tag has a brace inside, where Jinja2 may end the tag later than `find_template_spans` does."""
    parts = []
    position = start
    for span in spans:
        if span.start < start:
            continue
        if span.kind in ("variable", "block"):
            inner = text[span.start + 2 : span.end - 2]
            if "{" in inner or "}" in inner:
                return None
        gap = text[position : span.start]
        parts.append(_NOT_LINE_BREAK.sub("", gap) if "\r" in gap else "\n" * gap.count("\n"))
        parts.append(text[span.start : span.end])
        position = span.end
    gap = text[position:]
    parts.append(_NOT_LINE_BREAK.sub("", gap) if "\r" in gap else "\n" * gap.count("\n"))
    return "".join(parts)


def check_jinja_syntax(path: str, text: str, body_offset: int = 0, spans: list[Span] | None = None) -> None:
    """Parse with Jinja2 (never render) and turn a syntax error into a one-line InputError.

    With the template `spans` (from `find_template_spans`), a body of many simple tags is checked without
    Jinja2 (see `tokcli.simple_tags`); else the tags alone are parsed first (see `template_skeleton`); the whole body
    is parsed only when that fails, for Jinja2's own error message."""
    if spans is not None:
        from tokcli import simple_tags

        if len(spans) >= simple_tags.SHORTCUT_MIN_TAGS:
            simple = simple_tags.simple_template(text, spans, body_offset)
            if simple is not None and simple.parses:
                return  # Jinja2 accepts it (see `tokcli.simple_tags`)
    import jinja2

    if spans is not None:
        skeleton = template_skeleton(text, spans, body_offset)
        if skeleton is not None:
            try:
                parse_template(skeleton)
                return
            except jinja2.TemplateSyntaxError:
                pass
    body = text[body_offset:]
    first_line = text.count("\n", 0, body_offset)
    try:
        parse_template(body)
    except jinja2.TemplateSyntaxError as error:
        line = error.lineno + first_line if error.lineno else None
        raise InputError(f"template syntax error: {error.message}", path=path, line=line) from None


def front_matter_end(text: str) -> int:
    """Where a leading YAML front matter block (`---` … `---`, its closing line break included) ends; 0: none.

    Markdown agent-skill files and many prompt formats start with one; loaders read it, so it is kept whole."""
    if not text.startswith("---"):
        return 0
    match = _FRONT_MATTER.match(text)
    return match.end() if match is not None else 0


def _parse_front_matter(path: str, text: str) -> tuple[dict[str, Any], int]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, 0
    data = load_yaml(match.group(1) or "", path, what="YAML front matter", first_line=2) or {}
    if not isinstance(data, dict):
        raise InputError("front matter must be a YAML mapping", path=path, line=1)
    return data, match.end()


def _lenient_front_matter(text: str) -> tuple[dict[str, Any], int]:
    import yaml

    match = _FRONT_MATTER.match(text)
    assert match is not None
    try:
        data = yaml.safe_load(match.group(1) or "")
    except yaml.YAMLError:
        data = None
    return (data if isinstance(data, dict) else {}), match.end()


def _prompty_messages(document: PromptDocument) -> list[Message]:
    body = document.body
    markers = list(_PROMPTY_ROLE.finditer(body))
    messages = []
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(body)
        content = body[marker.end() : end].strip("\n")
        line = line_col(document.text, document.body_offset + marker.start())[0]
        messages.append(Message(role=marker.group(1).lower(), content=content, line=line))
    return messages


def parse_chat(path: str, text: str) -> list[Message]:
    """Messages of a chat file: a list of {role, content}, or an object with a `messages` list."""
    if name_parts(path)[2].lower() == ".json":
        return _chat_from_json(path, text)
    return _chat_from_yaml(path, text)


def _chat_from_json(path: str, text: str) -> list[Message]:
    data = load_json(text, path)
    items = _message_items(path, data)
    messages = []
    search_from = 0
    for item in items:
        role, content = _role_and_content(path, item, None)
        # The file may hold the content raw (UTF-8) or \u-escaped: look for both spellings.
        found, encoded = -1, ""
        for ascii_only in (False, True):
            encoded = json.dumps(content, ensure_ascii=ascii_only)[1:-1]
            found = text.find(encoded, search_from)
            if found >= 0:
                break
        if found < 0 or not content:  # content given as parts, or empty: point at the message itself
            encoded = '"role"'
            found = text.find(encoded, search_from)
        line = line_col(text, found)[0] if found >= 0 else 1
        if found >= 0:
            search_from = found + len(encoded)
        messages.append(Message(role=role, content=content, line=line, name=_message_name(item)))
    return messages


def _chat_from_yaml(path: str, text: str) -> list[Message]:
    # One parse: the nodes keep the lines, the data comes from them.
    node, data = load_yaml_with_nodes(text, path)
    items = _message_items(path, data)
    item_nodes = _message_nodes(node)
    messages = []
    for index, item in enumerate(items):
        line = item_nodes[index] if index < len(item_nodes) else None
        role, content = _role_and_content(path, item, line)
        messages.append(Message(role=role, content=content, line=line or 1, name=_message_name(item)))
    return messages


_NOT_CHAT = "chat file must be"
#: A string value of a YAML config counts as a prompt when it spans lines or is at least this long.
CONFIG_PROMPT_MIN_CHARS = 80


def _config_prompts(path: str, text: str) -> list[Message]:
    """The prompt strings of a YAML config, in file order, each named by its key path (`agent.system_template`)."""
    import yaml

    node, _ = load_yaml_with_nodes(text, path)  # guarded: deep nesting and unknown tags are one-line errors
    found: list[Message] = []
    stack: list[tuple[Any, str]] = [(node, "")] if node is not None else []
    while stack:
        current, where = stack.pop()
        if isinstance(current, yaml.MappingNode):
            stack.extend((value, f"{where}.{key.value}".lstrip(".")) for key, value in reversed(current.value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, f"{where}[{index}]") for index, item in reversed(list(enumerate(current.value))))
        elif isinstance(current, yaml.ScalarNode) and current.tag.endswith(":str"):
            value = current.value
            if "\n" in value.strip() or len(value) >= CONFIG_PROMPT_MIN_CHARS:
                line = current.start_mark.line + 1 + (1 if current.style in ("|", ">") else 0)
                found.append(Message(role=where or "value", content=value, line=line))
    return found  # empty for a data or settings file: nothing to lint, and not an error


def _message_nodes(node: Any) -> list[int]:
    """1-based line of each message's content in a composed YAML document."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "messages":
                node = value
                break
    if not isinstance(node, yaml.SequenceNode):
        return []
    lines = []
    for item in node.value:
        line = item.start_mark.line + 1
        if isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                if key.value == "content":
                    line = _text_line(_first_text_part(value) if isinstance(value, yaml.SequenceNode) else value)
        lines.append(line)
    return lines


def _first_text_part(parts: Any) -> Any:
    """The `text` node of the first text part of OpenAI multi-part content (the list itself when none)."""
    import yaml

    for part in parts.value:
        if isinstance(part, yaml.MappingNode):
            for key, value in part.value:
                if key.value == "text" and isinstance(value, yaml.ScalarNode):
                    return value
    return parts


def _text_line(node: Any) -> int:
    import yaml

    # Block scalars start on the line after their indicator.
    block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
    return int(node.start_mark.line) + 1 + (1 if block else 0)


def _message_items(path: str, data: Any) -> list[Any]:
    if isinstance(data, dict) and "messages" in data:
        data = data["messages"]
    if not isinstance(data, list):
        raise InputError("chat file must be a list of {role, content} messages or have a 'messages' list", path=path)
    return data


def _message_name(item: Any) -> str | None:
    name = item.get("name") if isinstance(item, dict) else None
    return name if isinstance(name, str) and name else None


def _role_and_content(path: str, item: Any, line: int | None) -> tuple[str, str]:
    if not isinstance(item, dict) or "role" not in item:
        raise InputError("each chat message needs a 'role' and a 'content'", path=path, line=line)
    content = item.get("content", "")
    if isinstance(content, list):
        # OpenAI content parts: only text parts carry tokens we can count.
        content = "\n".join(
            part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise InputError("message 'content' must be a string or a list of text parts", path=path, line=line)
    return str(item["role"]), content

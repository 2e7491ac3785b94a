"""Writing compressed texts back into a YAML or JSON chat file, or a JSON tool-definition file, in place.

Only the bytes of each changed `content` (or content part `text`) scalar, or tool `description`, are replaced; comments, key order,
quoting, indentation and every other value stay as the user wrote them. The new scalar keeps its style where
the new text allows it (a literal block stays a literal block with the same indentation; a double-quoted
string stays double-quoted), else it is written double-quoted (JSON's escapes are YAML's). The caller parses
the edited file again and compares it with the data it expects; an edit that does not give exactly that data
is not used.
"""

from __future__ import annotations

import json
import re
from typing import Any

_STR_TAG = "tag:yaml.org,2002:str"
# a plain scalar that reads back as itself: no indicator first, no ": " or " #", no colon or blank at the end
_PLAIN_SAFE = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^\n:#]|:(?!\s|\Z)|(?<!\s)#)*(?<!\s)\Z")
_BLOCK_HEADER = re.compile(r"[|>](?P<indicators>[-+0-9]*)")


# a JSON escape: `\\uXXXX` or a backslash and one character (so an escaped backslash is never read as the start of one)
_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def compose(text: str, *, is_json: bool) -> Any:
    """The node tree of a chat or tool file, with its marks. JSON is composed as YAML, but YAML refuses the
    escapes of a UTF-16 surrogate pair (`\\ud83d\\ude00`, an emoji as `json.dumps` writes it): those are masked
    with escapes of the same length, and every double-quoted scalar gets the value JSON reads from its source."""
    import yaml

    from tokcli.structured import safe_loader

    if not is_json:
        return yaml.compose(text, Loader=safe_loader())
    masked = _JSON_ESCAPE.sub(_mask_surrogate, text)
    root = yaml.compose(masked, Loader=safe_loader())
    if masked != text:
        for node in scalar_nodes(root) if root is not None else []:
            if node.style == '"':
                node.value = json.loads(text[node.start_mark.index : node.end_mark.index])
    return root


def _mask_surrogate(match: re.Match[str]) -> str:
    escape = match.group(1)
    return "\\ue000" if escape[0] == "u" and 0xD800 <= int(escape[1:], 16) <= 0xDFFF else match.group()


def content_nodes(root: Any) -> list[Any] | None:
    """The scalar nodes of the message texts of a composed chat file (`yaml.compose`), in the order the chat
    reader finds them: each item's `content` when it is a string, or the `text` of each part of a `content`
    list. None when the file is not shaped as a list of messages or an object with a `messages` list."""
    import yaml

    if isinstance(root, yaml.MappingNode):
        root = _value(root, "messages")
    if not isinstance(root, yaml.SequenceNode):
        return None
    found: list[Any] = []
    for item in root.value:
        if not isinstance(item, yaml.MappingNode):
            continue
        content = _value(item, "content")
        if isinstance(content, yaml.ScalarNode) and content.tag == _STR_TAG:
            found.append(content)
        elif isinstance(content, yaml.SequenceNode):
            for part in content.value:
                text = _value(part, "text") if isinstance(part, yaml.MappingNode) else None
                if isinstance(text, yaml.ScalarNode) and text.tag == _STR_TAG:
                    found.append(text)
    return found


def read_elsewhere(root: Any, nodes: list[Any]) -> set[int]:
    """The ids of `nodes` (a chat file's message text scalars) that the document also reads somewhere else: an
    anchored text that another key aliases (`expected: *system`), whose value an edit of the message would change
    too. Every way down the tree is walked, aliases followed (the loader has refused an alias bomb)."""
    import yaml

    wanted = {id(node) for node in nodes}
    if root is None or not wanted:
        return set()
    reads: dict[int, int] = {}
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.ScalarNode):
            if id(node) in wanted:
                reads[id(node)] = reads.get(id(node), 0) + 1
        elif isinstance(node, yaml.MappingNode):
            pending.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    as_messages: dict[int, int] = {}
    for node in nodes:
        as_messages[id(node)] = as_messages.get(id(node), 0) + 1
    return {key for key, count in reads.items() if count > as_messages[key]}


def description_nodes(root: Any) -> list[Any]:
    """The string scalar nodes of every `description` in a composed tool-definition file (a tool's and its
    parameters', at any depth), in file order."""
    import yaml

    found: list[Any] = []
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                if getattr(key, "value", None) == "description" and isinstance(value, yaml.ScalarNode):
                    if value.tag == _STR_TAG:
                        found.append(value)
                else:
                    pending.append(value)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(reversed(node.value))
    found.sort(key=lambda node: node.start_mark.index)
    return found


def scalar_nodes(root: Any) -> list[Any]:
    """Every scalar node of a composed document, keys included, in file order: two documents whose scalars
    have the same tags and values in that order hold the same data in the same shape."""
    import yaml

    found: list[Any] = []
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.ScalarNode):
            found.append(node)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    found.sort(key=lambda node: node.start_mark.index)
    return found


def _value(mapping: Any, key: str) -> Any:
    """The value node of `key`; the last one where the key is repeated, as the loaders read it."""
    found = None
    for key_node, value_node in mapping.value:
        if getattr(key_node, "value", None) == key:
            found = value_node
    return found


def replace_scalars(text: str, edits: list[tuple[Any, str]], *, is_json: bool) -> str:
    """`text` with each (scalar node, new value) written in place of the node's source, last first; a new
    block's lines take the line ends of the lines they replace (a CRLF file stays CRLF, an old Mac one CR)."""
    from tokcli.line_ends import keep_line_ends

    if "\r" in text and "\n" not in text:  # an old Mac file: YAML reads each CR as a line break
        return replace_scalars(text.replace("\r", "\n"), edits, is_json=is_json).replace("\n", "\r")
    original = text
    for node, value in sorted(edits, key=lambda edit: edit[0].start_mark.index, reverse=True):
        start, end, written = _scalar_source(text, node, value, is_json=is_json)
        text = text[:start] + written + text[end:]
    return keep_line_ends(original, text)


def scalar_edit(text: str, node: Any, value: str, *, is_json: bool) -> tuple[int, int, str]:
    """(start, end, new source): the one edit of `text` that `replace_scalars` makes for (node, value)."""
    from tokcli.line_ends import keep_line_ends

    start, end, written = _scalar_source(text, node, value, is_json=is_json)
    return start, end, keep_line_ends(text[start:end], written)


def _scalar_source(text: str, node: Any, value: str, *, is_json: bool) -> tuple[int, int, str]:
    start, end = node.start_mark.index, node.end_mark.index
    start += len(_PROPERTIES.match(text, start).group())  # type: ignore[union-attr]
    return start, end, _written(text, start, end, node.style, value, is_json=is_json)


# an anchor or tag before the scalar ("&same", "!!str"): part of the node's source, kept
_PROPERTIES = re.compile(r"(?:[&!][^\s]*[ \t]+)*")


def _written(text: str, start: int, end: int, style: str | None, value: str, *, is_json: bool) -> str:
    """The source of a scalar holding `value`, in the style of the one at `text[start:end]` where `value`
    allows it."""
    raw_safe = _NOT_RAW.search(value) is None
    quoted = escape_surrogates(json.dumps(value, ensure_ascii=False))
    if not raw_safe and not is_json:  # escaped as YAML reads them (JSON already escaped the control characters)
        quoted = _NOT_RAW.sub(_escape, quoted)
    if style in ("|", ">") and not is_json:
        original = text[start:end]
        block = _block(original, value) if raw_safe else None
        # a block's source ends with the line breaks after it; a quoted string in its place needs them too, and
        # keeps the comment of the block's header line
        return block or quoted + _header_comment(original) + original[len(original.rstrip("\r\n")) :]
    if is_json or style == '"' or not raw_safe:
        return quoted
    if style == "'":
        return "'" + value.replace("'", "''") + "'" if "\n" not in value and value.isprintable() else quoted
    return value if _PLAIN_SAFE.match(value) and value.isprintable() and _reads_as_text(value) else quoted


# characters a YAML reader refuses or takes for a line break when written as they are (JSON escapes them)
_NOT_RAW = re.compile("[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(dumped: str) -> str:
    """`json.dumps(..., ensure_ascii=False)` output with each lone UTF-16 surrogate (read from a `\\ud83d` escape
    without its pair) escaped again: UTF-8 cannot encode it as a character."""
    return _SURROGATE.sub(_escape, dumped)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _reads_as_text(value: str) -> bool:
    """Whether `value` written plain reads back as a string ("true", "12", "null" do not)."""
    import yaml

    return bool(yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG)


def _block(original: str, value: str) -> str | None:
    """`value` as a literal block with the original block's indentation, chomping chosen to keep its trailing
    line breaks, and the blank lines that followed the original block kept. None where a literal block cannot
    hold it (a first line that starts with a blank, a line that ends with one, an empty text)."""
    header_end = original.find("\n")
    header = _BLOCK_HEADER.match(original)
    if header_end < 0 or header is None or any(ch.isdigit() for ch in header.group("indicators")):
        return None
    indent = _indentation(original[header_end + 1 :])
    content = value.rstrip("\n")
    if (
        not content
        or indent is None
        or content[0] in " \t"
        or any(line != line.rstrip() for line in content.split("\n"))
    ):
        return None
    breaks = len(value) - len(content)
    chomping = "-" if breaks == 0 else "" if breaks == 1 else "+"
    lines = "\n".join(indent + line if line else "" for line in content.split("\n"))
    # a block closing a file without a final line break ends the same way where its value allows it
    trailing = "\n" * max(breaks, 1 if original.endswith("\n") else 0)
    if "+" not in header.group("indicators") and chomping != "+":
        # blank lines after the old block were not part of its value: they stay between the entries
        old_breaks = original[len(original.rstrip("\r\n")) :].count("\n")  # a CRLF file's breaks are "\r\n"
        trailing += "\n" * max(old_breaks - 1, 0)
    return f"|{chomping}{_header_comment(original)}\n{lines}{trailing}"


def _header_comment(original: str) -> str:
    """The comment after a block scalar's indicators on its header line, with the blanks before it (`  # note`)."""
    header = _BLOCK_HEADER.match(original)
    rest = original[header.end() : original.find("\n")] if header is not None and "\n" in original else ""
    return rest.rstrip("\r") if rest.strip().startswith("#") else ""


def _indentation(body: str) -> str | None:
    """The blanks before the first line of a block's body that has text (None: no such line, or no blanks)."""
    for line in body.split("\n"):
        if line.strip():
            return line[: len(line) - len(line.lstrip(" "))] or None
    return None

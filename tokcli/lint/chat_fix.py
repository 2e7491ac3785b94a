"""`lint --fix` on a YAML or JSON chat file: each message's safe fixes, written back into its `content` scalar.

A chat file's findings point into the message texts, not at bytes of the file (a JSON string escapes its line
breaks, a YAML block indents them), so their edits cannot be applied to the file. Each message is fixed as a
text of its own, and only the changed `content` scalars are rewritten (`tokcli.compress.chat_edit`, as
`compress` writes them); the file is used only when reading it again gives the same messages with the fixed texts.
"""

from __future__ import annotations

from typing import Any

from tokcli.errors import TokcliError
from tokcli.prompts import PromptDocument, find_template_spans, load_prompt

#: Passes of fixes on one message (a fix can leave another behind: a removed character before a line's end
#: leaves trailing blanks).
MAX_PASSES = 8


def fix_chat(linter: Any, document: PromptDocument) -> tuple[str, int] | None:
    """(the chat file with its messages' safe fixes written, fixes applied), or None when nothing is fixed or the
    file cannot be edited exactly (content given as parts, an odd layout)."""
    from tokcli.compress import chat_edit

    nodes = message_scalars(document)
    if nodes is None:
        return None
    is_json = document.path.lower().endswith(".json")
    edits: dict[int, tuple[Any, str]] = {}  # an alias is the node of its anchor: one edit each
    expected = []
    applied = 0
    for node, message in zip(nodes, document.messages):
        if node is None:  # its text is read elsewhere too: left as it is
            expected.append((message.role, message.content))
            continue
        new_text, count = fixed_message(linter, document.path, message.content)
        if id(node) in edits:
            new_text = edits[id(node)][1]
        elif count:
            edits[id(node)] = (node, new_text)
            applied += count
        expected.append((message.role, new_text))
    if not edits:
        return None
    edited = chat_edit.replace_scalars(document.text, list(edits.values()), is_json=is_json)
    try:
        again = load_prompt(document.path, edited)
    except TokcliError:
        return None
    if [(message.role, message.content) for message in again.messages] != expected:
        return None
    return edited, applied


def message_scalars(document: PromptDocument) -> list[Any] | None:
    """The `content` scalar node of each message of a chat file, in order, or None when the file cannot be
    fixed in place (content given as parts, a reader and a node that disagree, YAML that does not compose).
    A message whose text the file also reads elsewhere (an anchor aliased by a key that is no message, such
    as test data's `expected: *system`) has None: fixing it would change that value too."""
    import yaml

    from tokcli.compress import chat_edit

    try:
        root = chat_edit.compose(document.text, is_json=document.path.lower().endswith(".json"))
        nodes = chat_edit.content_nodes(root)
    except (yaml.YAMLError, ValueError):
        return None
    if nodes is None or len(nodes) != len(document.messages):
        return None
    if any(node.value != message.content for node, message in zip(nodes, document.messages)):
        return None  # the reader and the nodes disagree: the file is left alone
    if "&" in document.text and "*" in document.text:  # only an alias reads a value twice
        shared = chat_edit.read_elsewhere(root, nodes)
        return [None if id(node) in shared else node for node in nodes]
    return nodes


#: A message up to this long gets its fix as its whole scalar rewritten (as `fix_chat` writes it); a longer one
#: only where each edit maps onto the file's bytes (a JSON string), so that many findings in one long message
#: cost no more than the message (a rewrite per finding was quadratic in time and memory).
WHOLE_SCALAR_FIX_MAX_CHARS = 4000
#: Characters of template syntax: an edit next to one, or writing one, might open or close a tag.
_TAG_CHARACTERS = frozenset("{}%#")


def message_fix(
    document: PromptDocument, node: Any, content: str, edits: list[tuple[int, int, str]], cache: dict[Any, Any]
) -> Any:
    """The fix `lint --fix` makes for edits of one message's `content` (offsets into it): `Edit`s of the file, or
    None where the fixer refuses it (a template tag would change). `cache` is the message's segment cache (the
    JSON string's place in the file, found by `base._json_anchors`)."""
    from tokcli.compress import chat_edit
    from tokcli.lint.finding import Edit

    anchor = cache.get("json_anchor")
    if len(content) > WHOLE_SCALAR_FIX_MAX_CHARS:
        if anchor is None or anchor < 0 or not _clear_of_tags(content, edits):
            return None
        return [Edit(*_json_edit(content, edit, anchor, cache)) for edit in sorted(edits)]
    parts, position = [], 0
    for start, end, replacement in sorted(edits):
        parts += [content[position:start], replacement]
        position = end
    fixed = "".join(parts) + content[position:]
    if _tags(fixed) != _tags(content):
        return None
    start, end, source = chat_edit.scalar_edit(
        document.text, node, fixed, is_json=document.path.lower().endswith(".json")
    )
    return [Edit(start, end, source)]


def _clear_of_tags(content: str, edits: list[tuple[int, int, str]]) -> bool:
    """Whether no edit writes template syntax or touches it (the characters it removes and those either side)."""
    for start, end, replacement in edits:
        near = content[max(0, start - 1) : end + 1]
        if _TAG_CHARACTERS.intersection(near) or _TAG_CHARACTERS.intersection(replacement):
            return False
    return True


def _json_edit(content: str, edit: tuple[int, int, str], anchor: int, cache: dict[Any, Any]) -> tuple[int, int, str]:
    """An edit of a message's content as the edit of its JSON string in the file: the string escapes character
    by character, so the escaped length of a prefix is extended from the last one asked for."""
    import json

    ascii_only = cache.get("json_ascii", False)

    def escaped(text: str) -> str:
        return json.dumps(text, ensure_ascii=ascii_only)[1:-1]

    start, end, replacement = edit
    known, length = cache.get("json_fix_prefix", (0, 0))
    if start < known:
        known, length = 0, 0
    file_start = anchor + length + len(escaped(content[known:start]))
    file_end = file_start + len(escaped(content[start:end]))
    cache["json_fix_prefix"] = (start, file_start - anchor)
    return file_start, file_end, escaped(replacement)


def fixed_message(linter: Any, path: str, text: str) -> tuple[str, int]:
    """One message's text with the safe fixes applied until none is left, and how many; a pass that would
    change a template tag is refused."""
    from tokcli.lint.engine import apply_fixes

    tags = _tags(text)
    applied_total = 0
    for _ in range(MAX_PASSES):
        document = PromptDocument(path=path, text=text, kind="text", template_spans=_spans(text))
        fixable = [finding for finding in linter.lint_document(document) if finding.fixable]
        if not fixable:
            break
        new_text, applied = apply_fixes(text, fixable)
        if applied == 0 or new_text == text or _tags(new_text) != tags:
            break
        text = new_text
        applied_total += applied
    return text, applied_total


def _spans(text: str) -> list[Any]:
    try:
        return find_template_spans(text)
    except TokcliError:
        return []


def _tags(text: str) -> list[str]:
    return [text[span.start : span.end] for span in _spans(text)]

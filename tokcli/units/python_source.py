"""Prompt units of Python source, read with `ast` (the file is never imported or run).

Found: module- and class-level string constants whose names say prompt/template/instruction/system (prose
values only; not those the module only raises or logs), dicts and lists of them, members of a class of prompts,
what prompt functions return, assignments marked `# tokcli: prompt`, string arguments of well-known prompt
constructors (LangChain, LlamaIndex, Haystack, CrewAI, DSPy signatures), `{"role": ..., "content": ...}` dicts
and content blocks, system-prompt keywords (`system=`, `instructions=`, `system_prompt=` …) and user-prompt
keywords of model calls, and literal tool lists (`tools=[...]`, a unit of kind "tools"). f-string and `.format`
fields are template variables; implicit concatenation, `textwrap.dedent`, `inspect.cleandoc` and `.strip()` are
followed; a name passed to a constructor is followed to its module-level string. See docs/prompt-units.md.
"""

from __future__ import annotations

import ast
import bisect
import fnmatch
import functools
import io
import json
import re
import tokenize
import warnings
from dataclasses import dataclass, replace
from pathlib import PurePath

from tokcli.errors import InputError
from tokcli.units.model import Anchor, HostScan, PromptUnit, Slot, numbered_key
from tokcli.units.python_calls import (
    PROMPT_DECORATORS,
    call_model,
    call_name,
    message_arguments,
    message_fields,
    prompt_arguments,
    text_parts,
    tool_arguments,
)
from tokcli.units.select import UnitSettings
from tokcli.units.syntax import infer_syntax, is_prose

MARKER = re.compile(r"#\s*tokcli:\s*prompt\b")
#: Cheap tests before parsing (plain substring searches and regexes that start with a literal, which `re`
#: finds fast): a file with none of these has no call site, marker or message dict to look at.
_CALL_LITERALS = (
    "PromptTemplate",
    "PromptBuilder",
    "from_template",
    "from_messages",
    "Message(",
    "Signature):",
    "backstory",
    "ChatMessage.from_",
    "generate_content",
    "responses.create",
    # keyword arguments as PEP 8 writes them (`prompt=...`, `tools=TOOLS`): plain substrings, found fastest
    "prompt=",
    "tools=",
    "functions=",
    "expected_output=",
    "dict(role=",  # a message as `dict(role=..., content=...)`
)
#: (gate, pattern): every match holds the gate (see `_GATES`), or None. Each pattern starts with a literal, which
#: `re` finds fast (`\b` or an alternation first scans every position); a function or class named for prompts
#: ends its name so (`build_system_prompt`, `Prompts`).
_GATED_PATTERNS = tuple(
    (gate, re.compile(pattern))
    for gate, pattern in (
        ("rompt", r"tokcli:\s*prompt"),
        (None, r"role[\"']\s*:"),
        ("ystem", r"system(?:_prompt|_message|_instruction)?\s*="),
        ("rompt", r"def \w*[Pp]rompts?\("),
        ("nstruction", r"def \w*[Ii]nstructions?\("),
        ("rompt", r"class \w*[Pp]rompts?[(:]"),
        ("nstruction", r"class \w*[Ii]nstructions?[(:]"),
        ("nstruction", r"instructions\s*="),
        ("rompt", r"@\w+\.system_prompt\b"),
        ("nstruction", r"@\w+\.instructions\b"),
    )
)
_CALL_PATTERNS = tuple(pattern for _, pattern in _GATED_PATTERNS)
#: Substrings that most triggers hold: a file without one skips those triggers' own searches (each search is a
#: pass over the text, and most files hold none of these).
_GATES = ("rompt", "nstruction", "ystem", "from_")


def _gated_triggers() -> tuple[tuple[str | None, tuple[str, ...], tuple[re.Pattern[str], ...]], ...]:
    """(gate, literals, patterns): the triggers under each gate, which all hold it, and (None, …) the rest."""
    groups: dict[str | None, tuple[list[str], list[re.Pattern[str]]]] = {gate: ([], []) for gate in (*_GATES, None)}
    for literal in _CALL_LITERALS:
        groups[next((gate for gate in _GATES if gate in literal), None)][0].append(literal)
    for gate, pattern in _GATED_PATTERNS:
        groups[gate][1].append(pattern)
    return tuple((gate, tuple(literals), tuple(patterns)) for gate, (literals, patterns) in groups.items())


_GATED_TRIGGERS = _gated_triggers()
#: Names with these words are prompts wherever they are; other matching names (`*template*`, `*system*`) only in
#: a file that talks to a model (one of `_MODEL_HINTS` in it): libraries are full of HTML and error-message
#: templates that no model reads.
_PROMPT_WORDS = ("prompt", "instruction")
_MODEL_HINTS = ("prompt", "llm", "openai", "anthropic", "langchain", "litellm", "completion", "assistant", "gpt-")
#: Names only a module about models mentions (not "prompt" or "completion": shells have those).
_STRICT_MODEL_HINTS = (
    "llm",
    "openai",
    "anthropic",
    "langchain",
    "litellm",
    "gpt-",
    "claude",
    "gemini",
    "genai",
    "ollama",
    "bedrock",
    "pydantic_ai",
    "dspy",
    "crewai",
    "llama_index",
    "haystack",
    "chat.completions",
)
_COLLECTION_WORDS = (*_PROMPT_WORDS, "template")
#: How the name of a function or class of prompts ends (`build_system_prompt`, `Prompts`; not `PromptGuardModel`).
_PROMPT_CLASS_ENDINGS = ("prompt", "prompts", "instruction", "instructions")
_DEDENTERS = {"dedent", "cleandoc"}
_STRIPPERS = {"strip", "lstrip", "rstrip"}

#: (line, column) of each character of a value, None where the source spelling differs (escapes).
Positions = list[tuple[int, int] | None]


@dataclass
class _Value:
    text: str
    positions: Positions
    syntax: str
    slot: Slot | None
    refusal: str | None


class _Source:
    """The file's text with lazy tokens: string literals are tokenized only when a unit needs positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self._line_offsets: list[int] | None = None

    def char_column(self, line: int, byte_column: int) -> int:
        """0-based character column of an ast byte offset."""
        if not 0 < line <= len(self.lines):
            return byte_column
        return len(self.lines[line - 1].encode("utf-8")[:byte_column].decode("utf-8", errors="replace"))

    def offset(self, line: int, column: int) -> int:
        if self._line_offsets is None:
            offsets = [0]
            for text in self.lines:
                offsets.append(offsets[-1] + len(text))
            self._line_offsets = offsets
        return self._line_offsets[line - 1] + column

    def literal_tokens(self, node: ast.expr) -> list[tokenize.TokenInfo]:
        """The STRING tokens of a (possibly implicitly concatenated) str constant, in order, with file
        positions. Only the constant's own lines are tokenized, from its first character on (what precedes
        it on that line may be the end of another string)."""
        first, last = node.lineno, node.end_lineno or node.lineno
        column = self.char_column(first, node.col_offset)
        end_column = self.char_column(last, node.end_col_offset or 0)
        window = self.lines[first - 1 : last]
        if not window:
            return []
        window[0] = " " * column + window[0][column:]
        found = []
        try:
            for token in tokenize.generate_tokens(io.StringIO("".join(window)).readline):
                if token.type != tokenize.STRING:
                    continue
                start, end = (token.start[0] + first - 1, token.start[1]), (token.end[0] + first - 1, token.end[1])
                if end > (last, end_column):
                    break
                found.append(token._replace(start=start, end=end))
        except (tokenize.TokenError, SyntaxError):
            pass  # the window ends inside a bracket: every token of the constant came before
        return found


_PREFIX = re.compile(r"^([A-Za-z]*)('''|\"\"\"|'|\")")


def _split_literal(token: str) -> tuple[str, str, str]:
    """(prefix, quote, body) of a string literal token."""
    match = _PREFIX.match(token)
    assert match is not None
    prefix, quote = match.group(1), match.group(2)
    return prefix, quote, token[len(prefix) + len(quote) : len(token) - len(quote)]


def encode_literal(value: str, prefix: str, quote: str) -> str | None:
    """`value` spelled as a literal with this prefix and quote, the way tokcli writes: backslashes and the
    quote escaped, and in one-line literals line breaks and tabs; None when the prefix cannot spell it."""
    lowered = prefix.lower()
    if "b" in lowered or "f" in lowered:
        return None
    if "r" in lowered:
        body = value
        unspellable = quote in value or value.endswith(("\\", quote[0])) or "\0" in value or "\r" in value
        if unspellable or (len(quote) == 1 and "\n" in value):
            return None
    else:
        body = value.replace("\\", "\\\\").replace("\0", "\\x00")
        if len(quote) == 1:
            body = body.replace(quote, "\\" + quote).replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        else:
            body = body.replace(quote, "\\" + quote[0] + quote[1:]).replace("\r", "\\r")
            if body.endswith(quote[0]):
                body = body[:-1] + "\\" + quote[0]
    return prefix + quote + body + quote


def _literal_value(source: _Source, node: ast.Constant) -> _Value:
    text = node.value
    assert isinstance(text, str)
    tokens = source.literal_tokens(node)
    positions: Positions = []
    for token in tokens:
        prefix, quote, body = _split_literal(token.string)
        body = body.replace("\r\n", "\n")  # a Windows file's line break, read as LF (the CR ends its line)
        try:
            with warnings.catch_warnings():  # the user's invalid escapes (`"\\s"`) are theirs to hear about
                warnings.simplefilter("ignore")
                part = ast.literal_eval(token.string)
        except (ValueError, SyntaxError):
            part = body
        line, column = token.start[0], token.start[1] + len(prefix) + len(quote) + 1
        # line continuations (`"""\` opening a dedented block) end their line and are no characters
        continued = part != body and "r" not in prefix.lower() and body.replace("\\\n", "") == part
        if part == body or continued:  # spelled as it reads: each character sits where it is written
            for piece_index, piece in enumerate(body.split("\\\n") if continued else [body]):
                if piece_index:
                    line, column = line + 1, 1
                for char in piece:
                    positions.append((line, column))
                    if char == "\n":
                        line, column = line + 1, 1
                    else:
                        column += 1
        else:
            positions.extend([(line, column)] + [None] * (len(part) - 1) if part else [])
    if len(positions) != len(text):
        positions = [(node.lineno, source.char_column(node.lineno, node.col_offset) + 1)] + [None] * (len(text) - 1)
    slot, refusal = None, None
    if len(tokens) != 1:
        refusal = "Python string built from several literals (implicit concatenation)"
    else:
        token = tokens[0]
        prefix, quote, _ = _split_literal(token.string)
        encoded = encode_literal(text, prefix, quote)
        if encoded != token.string.replace("\r\n", "\n"):  # written back with the literal's own line breaks
            refusal = "Python string literal whose escapes tokcli would not write the same way"
        else:
            start = source.offset(token.start[0], token.start[1])
            end = source.offset(token.end[0], token.end[1])
            slot = Slot(start, end, "python-literal", prefix=prefix, quote=quote)
    return _Value(text, positions, infer_syntax(text), slot, refusal)


def _fstring_value(source: _Source, node: ast.JoinedStr) -> _Value:
    parts: list[str] = []
    for piece in node.values:
        if isinstance(piece, ast.Constant) and isinstance(piece.value, str):
            parts.append(piece.value)
        elif isinstance(piece, ast.FormattedValue):
            inner = ast.get_source_segment(source.text, piece.value) or ast.unparse(piece.value)
            parts.append("{" + inner + "}")
    text = "".join(parts)
    start = (node.lineno, source.char_column(node.lineno, node.col_offset) + 1)
    positions: Positions = [start] + [None] * (len(text) - 1) if text else []
    return _Value(text, positions, "format", None, "f-string: its fields are code, not written back")


def string_value(source: _Source, node: ast.expr, constants: dict[str, ast.expr] | None = None) -> _Value | None:
    """The text of a string expression, followed through dedent/cleandoc/strip, `+` of strings and (with
    `constants`) a module-level name; None when it is not a string known without running the code."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _literal_value(source, node)
    if isinstance(node, ast.JoinedStr):
        return _fstring_value(source, node)
    if isinstance(node, ast.Name) and constants is not None and node.id in constants:
        return string_value(source, constants[node.id])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = string_value(source, node.left, constants), string_value(source, node.right, constants)
        if left is None or right is None:
            return None
        text = left.text + right.text
        syntax = "format" if "format" in (left.syntax, right.syntax) else infer_syntax(text)
        return _Value(text, left.positions + right.positions, syntax, None, "Python string built with +")
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        name = call_name(node.func)
        if name in _DEDENTERS:
            inner = string_value(source, node.args[0], constants)
            return _dedented(inner, name) if inner is not None else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _STRIPPERS
        and not node.args
        and not node.keywords
    ):
        inner = string_value(source, node.func.value, constants)
        return _stripped(inner, node.func.attr) if inner is not None else None
    return None


def _dedented(value: _Value, how: str) -> _Value:
    import inspect
    import textwrap

    text = textwrap.dedent(value.text) if how == "dedent" else inspect.cleandoc(value.text)
    positions: Positions = []
    # Walk the original line by line: each kept character keeps its position.
    new_lines = text.split("\n")
    old_lines = value.text.split("\n")
    if how == "cleandoc":
        while old_lines and not old_lines[0].strip():
            old_lines.pop(0)
    offset = value.text.find(old_lines[0]) if old_lines else 0
    index = max(offset, 0)
    for number, new_line in enumerate(new_lines):
        old_line = old_lines[number] if number < len(old_lines) else new_line
        cut = old_line.find(new_line) if new_line else 0
        cut = max(cut, 0)
        positions.extend(value.positions[index + cut : index + cut + len(new_line)])
        if number < len(new_lines) - 1:
            positions.append(
                value.positions[index + len(old_line)] if index + len(old_line) < len(value.positions) else None
            )
        index += len(old_line) + 1
    if len(positions) != len(text):
        positions = value.positions[:1] + [None] * (len(text) - 1) if text else []
    return _Value(text, positions, value.syntax, None, f"Python string passed through {how}(): not written back")


def _stripped(value: _Value, how: str) -> _Value:
    text = value.text
    start = len(text) - len(text.lstrip()) if how in ("strip", "lstrip") else 0
    end = len(text.rstrip()) if how in ("strip", "rstrip") else len(text)
    return _Value(text[start:end], value.positions[start:end], value.syntax, None, f"Python string with .{how}()")


def _anchors(positions: Positions, text: str) -> tuple[Anchor, ...]:
    anchors: list[Anchor] = []
    expected: tuple[int, int] | None = None
    for offset, position in enumerate(positions):
        if position is not None and position != expected:
            anchors.append(Anchor(offset, position[0], position[1]))
        if position is None:
            expected = None
        elif text[offset] == "\n":
            expected = (position[0] + 1, 1)
        else:
            expected = (position[0], position[1] + 1)
    return tuple(anchors)


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str, source: _Source, settings: UnitSettings) -> None:
        self.path = path
        self.source = source
        self.names = [pattern.lower() for pattern in settings.python_names]
        self.module = PurePath(path).stem
        self.scope: list[str] = [self.module]
        self.units: list[PromptUnit] = []
        self.keys: dict[str, int] = {}
        self.taken: set[int] = set()  # ids of nodes already made units
        self.constants: dict[str, ast.expr] = {}
        self.constant_keys: dict[str, str] = {}
        self.marked_lines = {
            number for number, line in enumerate(source.lines, start=1) if "tokcli" in line and MARKER.search(line)
        }
        self.depth = 0  # 0: module level, 1 directly in a class body at module level
        self.lines: list[int] | None = None  # walk only statements spanning these lines (None: all)
        self.in_signature = False  # in the body of a DSPy `Signature` class
        self.named_units: dict[str, str] = {}  # key → constant name, of units found only by their name
        self.named_functions: dict[str, str] = {}  # key → function name, of units a prompt function returns
        self.field_name = ""  # the name being assigned (a DSPy field's)
        self._model_hint: bool | None = None
        self._strict_hint = False
        self.formatted: set[str] = set()  # names whose string is given to `.format()`: see `formatted_names`

    def generic_visit(self, node: ast.AST) -> None:
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST) and self._worth_visiting(item):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def _worth_visiting(self, node: ast.AST) -> bool:
        """Statements away from every trigger line are skipped, but for the module- and class-level
        assignments and classes the named-constant rule reads."""
        if self.lines is None or not isinstance(node, ast.stmt):
            return True
        if self.depth <= 1 and isinstance(node, (ast.Assign, ast.AnnAssign, ast.ClassDef)):
            return True
        decorators = getattr(node, "decorator_list", ())
        start = min([node.lineno, *(decorator.lineno for decorator in decorators)])
        index = bisect.bisect_left(self.lines, start)
        return index < len(self.lines) and self.lines[index] <= (node.end_lineno or node.lineno)

    def visit_top_level(self, tree: ast.Module) -> None:
        """Module- and class-level assignments only (what the named-constant rule looks at)."""
        for statement in tree.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                self.visit(statement)
            elif isinstance(statement, ast.ClassDef):
                self.scope.append(statement.name)
                self.depth = 1
                for inner in statement.body:
                    if isinstance(inner, (ast.Assign, ast.AnnAssign)):
                        self.visit(inner)
                self.depth = 0
                self.scope.pop()

    # -- scopes
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        signature = any(call_name(base) == "Signature" for base in node.bases)
        docstring = node.body[0].value if node.body and isinstance(node.body[0], ast.Expr) else None
        if signature and isinstance(docstring, ast.Constant) and isinstance(docstring.value, str):
            # DSPy sends a signature's docstring, cleaned as inspect.cleandoc does, as the task's instructions
            found = _literal_value(self.source, docstring)
            if "\n" in found.text:
                found = _dedented(found, "cleandoc")
            self._add(".".join([*self.scope, node.name, "__doc__"]), found, "system", None, node=docstring)
        saved, self.in_signature = self.in_signature, signature
        self._scoped(node.name, node, class_body=True)
        self.in_signature = saved

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._returned_prompt(node)
        self._scoped(node.name, node, class_body=False)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._returned_prompt(node)
        self._scoped(node.name, node, class_body=False)

    def _returned_prompt(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """What a prompt function returns, one unit per `return` of a string the source spells out: an
        `@agent.system_prompt` / `@agent.instructions` function's (pydantic-ai: system prompts), and the prose of
        a function whose name says prompt or instruction (`def build_system_prompt(...)`, a `system_prompt`
        property)."""
        decorators = [item.func if isinstance(item, ast.Call) else item for item in node.decorator_list]
        decorated = any(isinstance(item, ast.Attribute) and item.attr in PROMPT_DECORATORS for item in decorators)
        named = node.name.lower().endswith(_PROMPT_CLASS_ENDINGS)
        if not (decorated or named):
            return
        key = ".".join([*self.scope, node.name])
        for statement in _own_statements(node):
            if not isinstance(statement, ast.Return) or statement.value is None:
                continue
            value = statement.value
            if decorated:
                self._argument(key, value, "system", None)
            elif isinstance(value, ast.Name):
                self._argument(key, value, None, None)
            elif id(value) not in self.taken:
                found = string_value(self.source, value, self.constants)
                if found is not None and is_prose(found.text):
                    self._add(key, found, None, None, node=value)
                    self.named_functions.setdefault(key, node.name)

    def _scoped(self, name: str, node: ast.AST, *, class_body: bool) -> None:
        self.scope.append(name)
        saved = self.depth
        self.depth = saved + 1 if class_body and saved == 0 else 99
        self.generic_visit(node)
        self.depth = saved
        self.scope.pop()

    # -- assignments
    def visit_Assign(self, node: ast.Assign) -> None:
        names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        self._assignment(node, names, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self._assignment(node, [node.target.id], node.value)
        else:
            self.generic_visit(node)

    def _assignment(self, node: ast.stmt, names: list[str], value: ast.expr) -> None:
        self.field_name = names[0] if names else ""
        marked = any(line in self.marked_lines for line in (node.lineno, node.lineno - 1))
        if names and self.depth == 0:
            for name in names:
                self.constants[name] = value
        named = self.depth <= 1 and any(self._prompt_name(name) for name in names)
        # the members of a class of prompts (`class Prompts(str, Enum): SUMMARIZE = "..."`; not a
        # `PromptGuardModel`, a class named after something else)
        in_prompt_class = self.depth == 1 and self.scope[-1].lower().endswith(_PROMPT_CLASS_ENDINGS)
        named = named or (in_prompt_class and bool(names))
        if named and not any(word in name.lower() for name in names for word in _PROMPT_WORDS):
            named = self._talks_to_model()
        if isinstance(value, (ast.Dict, ast.List, ast.Tuple)):
            # a collection of prompts says so in its name (`SYSTEM_CONFIG = {...}` holds settings), in a module
            # about models or prompts (`DISABLE_PROMPT = {"activate": ...}` of a shell tool is a shell's prompt)
            named = named and any(word in name.lower() for name in names for word in _COLLECTION_WORDS)
            named = named and self._talks_to_model(strictly=True)
            if names and (marked or named):
                self._collection(".".join([*self.scope, names[0]]), value, every_value=True)
        elif names and (marked or named):
            found = string_value(self.source, value, self.constants if marked else None)
            if found is not None and (marked or is_prose(found.text)):
                key = ".".join([*self.scope, names[0]])
                self._add(key, found, None, None, node=value, name=names[0])
                if not marked:
                    self.named_units[key] = names[0]
                if self.depth == 0:
                    self.constant_keys[names[0]] = key
        self.generic_visit(node)

    def _collection(self, key: str, node: ast.expr, *, every_value: bool, depth: int = 0) -> None:
        """The prose strings of a dict or list of prompts (`PROMPTS = {"summarize": "...", ...}`), keyed
        `NAME.key` / `NAME[N]`, nested ones too. In a dict that also holds other values (numbers, flags: a
        settings dict) only the entries whose keys name a prompt are read. Message dicts are left to the
        message rule, which knows their role."""
        if depth > 8:
            return
        if isinstance(node, ast.Dict):
            if any(isinstance(k, ast.Constant) and k.value == "role" for k in node.keys):
                return
            entries = [
                (k.value, v)
                for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value
            ]
            plain = all(_stringish(v) for _, v in entries)
            for name, item in entries:
                if plain or self._prompt_name(name):
                    self._collection(f"{key}.{name}", item, every_value=True, depth=depth + 1)
        elif isinstance(node, (ast.List, ast.Tuple)):
            for index, item in enumerate(node.elts):
                self._collection(f"{key}[{index}]", item, every_value=every_value, depth=depth + 1)
        elif every_value and isinstance(node, ast.Name):
            self._argument(key, node, None, None)  # a module-level string: one unit, wherever it is used
        elif every_value and id(node) not in self.taken:
            found = string_value(self.source, node, self.constants)
            if found is not None and is_prose(found.text):
                self._add(key, found, None, None, node=node)

    def drop_messages_for_people(self, tree: ast.Module) -> None:
        """Units found only by their name that the module only raises, logs or prints (`ERROR_TEMPLATE`), or,
        for a name that says prompt or instruction, only asks the terminal with (`NAME_PROMPT` to `input`):
        a module that logs its `SYSTEM_PROMPT` may still export it to one that sends it."""
        from tokcli.units.python_uses import human_only_names

        candidates = {
            key: name
            for key, name in self.named_units.items()
            if any(unit.key == key and unit.role is None for unit in self.units)
        }
        if not candidates and not self.named_functions:
            return
        strong = {name for name in candidates.values() if any(word in name.lower() for word in _PROMPT_WORDS)}
        human = human_only_names(tree, set(candidates.values()) - strong)
        human |= human_only_names(tree, strong, terminal_only=True)
        dropped = {key for key, name in candidates.items() if name in human}
        # a prompt function whose result is only raised or logged (`prompt_error_message()`) builds a message
        functions = human_only_names(tree, set(self.named_functions.values()))
        dropped |= {key for key, name in self.named_functions.items() if name in functions}
        if dropped:
            self.units = [unit for unit in self.units if unit.key.split("#")[0] not in dropped]

    def _talks_to_model(self, *, strictly: bool = False) -> bool:
        """Whether the module talks to a model: it mentions one of `_MODEL_HINTS`; `strictly`, one of
        `_STRICT_MODEL_HINTS` (a shell tool has a prompt and completions too), or its name says prompt."""
        if self._model_hint is None:
            lowered = self.source.text.lower()
            self._model_hint = any(hint in lowered for hint in _MODEL_HINTS)
            self._strict_hint = about_models(self.module, lowered)
        return self._strict_hint if strictly else self._model_hint

    def _prompt_name(self, name: str) -> bool:
        lowered = name.lower()
        return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in self.names)

    # -- call sites
    def visit_Call(self, node: ast.Call) -> None:
        model = call_model(node)
        owner = ".".join(self.scope)
        for key, argument, role in prompt_arguments(node, self.field_name if self.in_signature else None):
            self._argument(f"{owner}.{key}", argument, role, model)
        for key, argument in tool_arguments(node):
            self._tools(f"{owner}.{key}", argument, model)
        for key, message in message_arguments(node):
            self._message(f"{owner}.{key}", message, model)
        if id(node) not in self.taken and message_fields(node) is not None:  # dict(role=..., content=...)
            self._message(f"{owner}.message", node, None)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        if id(node) not in self.taken:
            self._message(".".join(self.scope) + ".message", node, None)
        self.generic_visit(node)

    def _message(self, key: str, node: ast.expr, model: str | None) -> None:
        """A message: a `role` and a `content`. The role may be a variable (`{"role": role, "content": ...}`,
        one prompt sent as whichever turn the code picks): the content is a prompt all the same."""
        self.taken.add(id(node))
        fields = message_fields(node)
        if fields is None:
            return
        role, content = fields
        if isinstance(content, (ast.List, ast.Tuple)):
            key += ".content"
        known_role = role.value if isinstance(role, ast.Constant) and isinstance(role.value, str) else None
        self._argument(key, content, known_role, model)

    def _tools(self, key: str, node: ast.expr, model: str | None) -> None:
        """A literal list of tool definitions passed as `tools=` / `functions=` (or a module-level constant
        holding one): a unit of kind "tools" whose text is the list's JSON, counted as a tool file is."""
        if isinstance(node, ast.Name) and isinstance(self.constants.get(node.id), (ast.List, ast.Tuple)):
            key, node = f"{self.module}.{node.id}", self.constants[node.id]
        if not isinstance(node, (ast.List, ast.Tuple)) or id(node) in self.taken:
            return
        from tokcli.errors import InputError
        from tokcli.tools import normalize_tools, tool_list

        try:
            data = ast.literal_eval(node)  # only literals: a list built by code is not known without running it
            items = tool_list(list(data))
            if items is None or not normalize_tools(key, items):
                return
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError, InputError):
            return  # not a literal tool list (or one tokcli cannot read): nothing to count
        self.taken.add(id(node))
        text = json.dumps(items, indent=2, ensure_ascii=False) + "\n"
        line, column = node.lineno, self.source.char_column(node.lineno, node.col_offset) + 1
        refusal = "a tool list in Python source: counted and linted, not rewritten"
        unit = PromptUnit(self.path, f"{key}.json", text, line, column, "none", "python", model=model, kind="tools")
        self.units.append(replace(unit, refusal=refusal))

    def _argument(self, key: str, node: ast.expr, role: str | None, model: str | None) -> None:
        if isinstance(node, ast.Name) and isinstance(self.constants.get(node.id), (ast.List, ast.Tuple)):
            key, node = f"{self.module}.{node.id}", self.constants[node.id]  # a module-level list of blocks
        if isinstance(node, (ast.List, ast.Tuple)):
            for index, part in text_parts(node):
                self._argument(f"{key}[{index}]", part, role, model)
            return
        if isinstance(node, ast.Name) and node.id in self.constants:
            constant_key = self.constant_keys.get(node.id)
            if constant_key is not None:  # a unit already: say what it is sent with
                self._annotate(constant_key, role, model)
                return
            target = self.constants[node.id]
            found = string_value(self.source, target, self.constants)
            if found is not None:
                key = f"{self.module}.{node.id}"
                self.constant_keys[node.id] = key
                self._add(key, found, role, model, node=target, name=node.id)
            return
        if id(node) in self.taken:
            return
        found = string_value(self.source, node, self.constants)
        if found is not None:
            self._add(key, found, role, model, node=node)

    def _annotate(self, key: str, role: str | None, model: str | None) -> None:
        for index, unit in enumerate(self.units):
            if unit.key == key:
                self.units[index] = replace(unit, role=unit.role or role, model=unit.model or model)

    def _add(
        self, key: str, value: _Value, role: str | None, model: str | None, *, node: ast.expr, name: str = ""
    ) -> None:
        if not value.text.strip():
            return
        if name in self.formatted and value.syntax != "format":
            # the call decides how its braces read: `{{% raw %}}` given to `.format()` is an escaped brace, not Jinja
            value = replace(value, syntax="format")
        self.taken.add(id(node))
        key = numbered_key(self.keys, key)
        first = next((position for position in value.positions if position is not None), None)
        line, column = (
            first if first is not None else (node.lineno, self.source.char_column(node.lineno, node.col_offset) + 1)
        )
        self.units.append(
            PromptUnit(
                self.path,
                key,
                value.text,
                line,
                column,
                value.syntax,
                "python",
                role=role,
                model=model,
                anchors=_anchors(value.positions, value.text),
                slot=value.slot,
                refusal=value.refusal,
            )
        )


def _stringish(node: ast.expr) -> bool:
    """A string, a name, a string expression or a nested collection: what a dict of prompts holds (a number,
    a boolean or None says it is a settings dict)."""
    return not (isinstance(node, ast.Constant) and not isinstance(node.value, str))


def _own_statements(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The statements of a function's body at any depth, but not those of functions or classes inside it."""
    found: list[ast.stmt] = []
    pending: list[ast.stmt] = list(node.body)
    while pending:
        statement = pending.pop(0)
        found.append(statement)
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for _, value in ast.iter_fields(statement):
            for item in value if isinstance(value, list) else ():
                if isinstance(item, ast.stmt):
                    pending.append(item)
                elif isinstance(item, (ast.ExceptHandler, ast.match_case)):  # `except:` and `case:` bodies
                    pending.extend(item.body)
    return sorted(found, key=lambda statement: (statement.lineno, statement.col_offset))  # keys in source order


def _needs_deep_look(text: str) -> bool:
    """Whether a call site, a `# tokcli: prompt` marker or a message dict may be in the file."""
    for gate, literals, patterns in _GATED_TRIGGERS:
        if gate is not None and gate not in text:
            continue
        if any(literal in text for literal in literals) or any(pattern.search(text) for pattern in patterns):
            return True
    return False


def trigger_lines(text: str) -> list[int]:
    """Sorted 1-based lines where a call site, marker or message dict may start (and the line after a
    marker): only statements spanning one of them are walked."""
    offsets: list[int] = []
    for literal in _CALL_LITERALS:
        position = text.find(literal)
        while position >= 0:
            offsets.append(position)
            position = text.find(literal, position + 1)
    for pattern in _CALL_PATTERNS:
        offsets.extend(match.start() for match in pattern.finditer(text))
    lines: set[int] = set()
    for offset in offsets:
        line = text.count("\n", 0, offset) + 1
        lines.update((line, line + 1))
    return sorted(lines)


def _assigns_prompt_name(text: str, names: tuple[str, ...], module: str = "") -> bool:
    """Whether a line assigns to a name the patterns may match (True when the patterns are not plain words); a
    dict or list only in a module about models (`about_models`). Each occurrence of a word is checked on its
    own line: no regex runs over the whole text."""
    words = [pattern.strip("*").lower() for pattern in names]
    if any(not word or any(char in word for char in "*?[]") for word in words):
        return bool(names)
    lowered = text.lower()
    collection = False
    for word in words:
        assignment = _assignment_to(word)
        position = lowered.find(word)
        while position >= 0:
            line_start = lowered.rfind("\n", 0, position) + 1
            line_end = lowered.find("\n", position)
            found = assignment.match(lowered, line_start, len(lowered) if line_end < 0 else line_end)
            if found is not None and not found.group("collection"):
                return True
            collection = collection or found is not None
            position = lowered.find(word, position + len(word) if line_end < 0 else line_end)
    return collection and about_models(module, lowered)


def about_models(module: str, lowered: str) -> bool:
    """Whether a module (its name, its lowered text) is about models: named for prompts, or mentioning one of
    `_STRICT_MODEL_HINTS`."""
    return any(word in module.lower() for word in _COLLECTION_WORDS) or any(
        hint in lowered for hint in _STRICT_MODEL_HINTS
    )


@functools.lru_cache(maxsize=32)
def _assignment_to(word: str) -> re.Pattern[str]:
    """A line that assigns something that may be a string to a name containing `word` (matched from the
    line's start, on the lowered text): a literal, a parenthesised expression, a dict or list (of prompts),
    dedent/cleandoc."""
    value = r"(?:[rufb]{0,2}[\"']|\(|(?P<collection>\{|\[)|\\|(?:textwrap\.)?dedent\(|(?:inspect\.)?cleandoc\(|$)"
    return re.compile(rf"[ \t]*\w*{re.escape(word)}\w*[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*{value}")


def might_hold_prompts(text: str, names: tuple[str, ...] = ()) -> bool:
    """A cheap look before parsing: False means no unit can be found in this source."""
    return _needs_deep_look(text) or _assigns_prompt_name(text, names)


def parse_python(path: str, text: str) -> ast.Module:
    try:
        with warnings.catch_warnings():  # an invalid escape (`"\\s"`) warns on stderr from Python 3.12 on
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=path)
    except SyntaxError as error:
        raise InputError(f"Python syntax error: {error.msg}", path=path, line=error.lineno) from None
    except ValueError as error:  # e.g. NUL bytes
        raise InputError(f"Python source cannot be parsed: {error}", path=path) from None
    except (RecursionError, MemoryError):
        raise InputError("Python source nested too deeply to parse", path=path) from None


def formatted_names(tree: ast.Module) -> set[str]:
    """The names whose value the module gives to `str.format`: `NAME.format(...)` or `str.format(NAME, ...)`."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"):
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Name) and receiver.id == "str" and node.args:
            receiver = node.args[0]
        if isinstance(receiver, ast.Name):
            found.add(receiver.id)
    return found


def scan_python(path: str, text: str, settings: UnitSettings) -> HostScan:
    """The units of a Python file; InputError (with the line) when it does not parse."""
    scan = HostScan(path, "python")
    deep = _needs_deep_look(text)
    if deep or _assigns_prompt_name(text, settings.python_names, PurePath(path).stem):
        tree = parse_python(path, text)
        finder = _Finder(path, _Source(text), settings)
        if ".format(" in text:
            finder.formatted = formatted_names(tree)
        try:
            if deep:
                finder.lines = trigger_lines(text)
                finder.visit(tree)
            else:  # only module- and class-level constants can be units: no need to walk every expression
                finder.visit_top_level(tree)
            finder.drop_messages_for_people(tree)
        except RecursionError:
            raise InputError("Python source nested too deeply to read", path=path) from None
        scan.units = sorted(finder.units, key=lambda unit: (unit.line, unit.column))
    if not scan.units:
        scan.note = "no prompts found in this Python file"
    return scan

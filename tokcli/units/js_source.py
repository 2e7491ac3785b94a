"""Prompt units of JavaScript and TypeScript source, read with tokcli's own lexer (the code never runs).

The same judgement as for Python source (`python_source`), on tokens instead of a syntax tree. Found:
`{ role, content }` message objects (content parts too), the `system:` / `instructions:` keys of a call's
argument object (or of an object holding `messages` or `model`: a request built before the call), `prompt:` of
model calls (Vercel AI SDK's `generateText` and kin, completions), LangChain.js `fromMessages([["system", "…"]])`,
`fromTemplate("…")`, `new SystemMessage("…")` and `new PromptTemplate({ template })`, module-level constants
whose names say prompt/instruction (template/system where the file talks to a model) with prose values, unless
the module only logs or throws them, collections of them, declarations marked `// tokcli: prompt`, and tool
lists: a literal list is a unit of kind "tools" (its JSON, counted as a tool file is); of a list built by code
(a zod schema) each readable `description` is a unit and the rest is reported as not counted.

A template literal's `${expr}` reads as the field `{expr}` (as an f-string's does): kept verbatim on write-back.
`+` of strings, `.trim()` and `dedent`-tagged templates are followed (not written back); a name is followed
to its module-level string. A file the lexer cannot read holds no unit and says where it stopped.
"""

from __future__ import annotations

import bisect
import fnmatch
import json
import re
import textwrap
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import PurePath
from typing import Any

from tokcli.units.js_lexer import LexError, Structure, Token, lex, structure, suffix_reads_jsx
from tokcli.units.model import Anchor, HostScan, PromptUnit, Slot, numbered_key
from tokcli.units.select import UnitSettings
from tokcli.units.syntax import infer_syntax, is_prose
from tokcli.units.writeback import WriteRefused

MARKER = re.compile(r"(?://|/\*)\s*tokcli:\s*prompt\b")
#: A file with none of these (lowered) holds no place this module looks at: it is not lexed. (`role` and
#: `content` together, `tools` beside `model` or `messages`, and `template` in a file about models too.)
_TRIGGERS = ("prompt", "instruction", "system", "tokcli", "frommessages", "fromtemplate", "generatecontent")
_PROMPT_WORDS = ("prompt", "instruction")
_COLLECTION_WORDS = (*_PROMPT_WORDS, "template")
#: A file that mentions one of these talks to a model (`*template*` / `*system*` names count there only).
_MODEL_HINTS = ("prompt", "llm", "openai", "anthropic", "langchain", "completion", "assistant", "gpt-", "@ai-sdk")
_STRICT_MODEL_HINTS = (
    "llm",
    "openai",
    "anthropic",
    "langchain",
    "@ai-sdk",
    "gpt-",
    "claude",
    "gemini",
    "genai",
    "ollama",
    "bedrock",
    "mistral",
    "chat.completions",
    "generatetext",
    "streamtext",
)
#: Keys of a call's argument object that are a system prompt: Anthropic's and the AI SDK's `system`, the
#: Responses API's and the Agents SDK's `instructions`, Gemini's `systemInstruction`, and their kin.
_SYSTEM_KEYS = ("system", "instructions", "systemPrompt", "system_prompt", "systemMessage", "systemInstruction")
#: Calls whose `prompt:` is the user prompt (AI SDK, legacy completions, Ollama); elsewhere `prompt` may be a
#: terminal's or a form's.
_MODEL_CALLS = frozenset(
    {"generateText", "streamText", "generateObject", "streamObject", "create", "generate", "complete", "completion"}
)
_ROLE_NAMES = {"human": "user", "ai": "assistant", "system": "system", "user": "user", "assistant": "assistant"}
_MESSAGE_CLASSES = {"SystemMessage": "system", "HumanMessage": "user", "AIMessage": "assistant", "ChatMessage": None}
_TEXT_PARTS = ("text", "input_text")
#: How the name of a function that returns a prompt ends (`buildSystemPrompt`, `review_instructions`).
_PROMPT_FUNCTION_ENDINGS = ("prompt", "prompts", "instruction", "instructions")
#: The calls and object keys the rules below look at: only these are parsed further.
_CALL_NAMES = frozenset({"fromMessages", "fromTemplate", "generateContent", "generateContentStream", *_MESSAGE_CLASSES})
_OBJECT_KEYS = frozenset(
    {"role", "content", "messages", "model", "prompt", "input", "tools", "functions", "template", *_SYSTEM_KEYS}
)
_DEDENT_TAGS = frozenset({"dedent", "outdent", "stripIndent"})
_TRIMS = {"trim": "strip", "trimStart": "lstrip", "trimEnd": "rstrip"}
_CONTROL = frozenset({"if", "for", "while", "switch", "catch", "with", "function", "return", "typeof", "await"})
_HUMAN_CALLS = frozenset(
    {"log", "info", "warn", "warning", "error", "debug", "trace", "fatal", "alert", "exit", "fail", "abort"}
)
_TERMINAL_CALLS = frozenset({"prompt", "confirm", "question"})
_HUMAN_SUFFIXES = ("Error", "Exception")
_TERMINATORS = frozenset({",", ")", "]", "}", ";"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_CONTINUATIONS = ("\r\n", "\n", "\r", "\u2028", "\u2029")
#: The tag of a template read as written, escapes kept (`String.raw\`C:\\dir\``).
RAW_TAG = "String.raw"

#: Per character of a value: its offset in the source where it is spelled as itself, None where not (escapes).
Offsets = list[int | None]


# ---- literal values -------------------------------------------------------------------------------------


def cook(body: str, base: int, *, template: bool, written: bool = False) -> tuple[str, Offsets] | None:
    """The value of a literal's body (what lies between its delimiters, at `base` in the source) and each
    character's source offset; None where the body holds an escape JavaScript refuses (a template's `\\1`)
    or a lone surrogate half, which no text holds. `written`: a `String.raw` template's, its escapes kept as
    written."""
    chars: list[str] = []
    offsets: Offsets = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\r" and template:  # a template reads CRLF and CR as LF
            index += 2 if body.startswith("\r\n", index) else 1
            chars.append("\n")
            offsets.append(None)
            continue
        if char != "\\" or written:
            chars.append(char)
            offsets.append(base + index)
            index += 1
            continue
        continuation = next((item for item in _CONTINUATIONS if body.startswith(item, index + 1)), None)
        if continuation is not None:
            index += 1 + len(continuation)
            continue
        value, length = _escape(body, index + 1, template)
        if value is None:
            return None
        chars.append(value)
        offsets.extend([None] * len(value))
        index += 1 + length
    text = "".join(chars)
    if any("\ud800" <= char <= "\udfff" for char in text):
        text, offsets = _join_surrogates(text, offsets)
        if any("\ud800" <= char <= "\udfff" for char in text):
            return None
    return text, offsets


def _escape(body: str, index: int, template: bool) -> tuple[str | None, int]:
    """(value, length) of the escape whose letter is at `index`."""
    letter = body[index : index + 1]
    if letter in _ESCAPES:
        return _ESCAPES[letter], 1
    if letter == "x":
        digits = body[index + 1 : index + 3]
        return (chr(int(digits, 16)), 3) if re.fullmatch(r"[\da-fA-F]{2}", digits) else (None, 1)
    if letter == "u":
        if body.startswith("{", index + 1):
            close = body.find("}", index + 2)
            digits = body[index + 2 : close] if close > 0 else ""
            if not re.fullmatch(r"[\da-fA-F]{1,6}", digits) or int(digits, 16) > 0x10FFFF:
                return None, 1
            return chr(int(digits, 16)), close - index + 1
        digits = body[index + 1 : index + 5]
        return (chr(int(digits, 16)), 5) if re.fullmatch(r"[\da-fA-F]{4}", digits) else (None, 1)
    if letter.isdigit() and letter in "01234567":
        octal = re.match(r"[0-3]?[0-7]{1,2}|[0-7]", body[index : index + 3])
        assert octal is not None
        if letter == "0" and octal.group() == "0":
            return "\0", 1
        return (None, 1) if template else (chr(int(octal.group(), 8)), len(octal.group()))
    if letter in ("8", "9") and template:
        return None, 1
    return letter, 1


def _join_surrogates(text: str, offsets: Offsets) -> tuple[str, Offsets]:
    chars: list[str] = []
    kept: Offsets = []
    index = 0
    while index < len(text):
        char = text[index]
        following = text[index + 1 : index + 2]
        if "\ud800" <= char <= "\udbff" and following and "\udc00" <= following <= "\udfff":
            chars.append(chr(0x10000 + ((ord(char) - 0xD800) << 10) + (ord(following) - 0xDC00)))
            kept.append(None)
            index += 2
        else:
            chars.append(char)
            kept.append(offsets[index])
            index += 1
    return "".join(chars), kept


def _spells_a_field(parts: list[str], fields: list[str]) -> bool:
    """Whether one of a template's literal parts holds the text of one of its `{expr}` fields. Each `{` of the
    parts is looked up once per length of field (searching every part for every field was quadratic in a
    template of thousands of fields)."""
    wanted = set(fields)
    lengths = sorted({len(field) for field in wanted})
    for part in parts:
        start = part.find("{")
        while start >= 0:
            if any(part[start : start + length] in wanted for length in lengths):
                return True
            start = part.find("{", start + 1)
    return False


def encode_string(value: str, quote: str) -> str:
    """`value` as a '…' or "…" literal, the way tokcli writes one."""
    body = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    body = body.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t").replace("\0", "\\x00")
    return quote + body + quote


def _template_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${").replace("\r", "\\r")


def placeholder(expression: str) -> str:
    """How a `${expression}` reads in a unit's text: a `{expression}` field, as an f-string's."""
    return "{" + expression.strip() + "}"


def _raw_template_text(value: str) -> str:
    """`value` spelled in a `String.raw` template, which keeps every character as written: WriteRefused when
    it holds what would end the template or start a `${…}` (a backtick, a `${`, a last backslash) or a CR."""
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value) and value[index + 1] != "\r":
            index += 2  # a backslash keeps the character after it in the template, itself included
            continue
        if char in "`\\\r" or value.startswith("${", index):
            raise WriteRefused(
                "the new text cannot be spelled in a String.raw template (a backtick, a ${, a CR or a last backslash)"
            )
        index += 1
    return value


def encode_js_literal(value: str, slot: Slot) -> str:
    """The new source of a JavaScript literal slot holding `value`; WriteRefused when `value` lost or reordered
    one of the template's `${…}` fields (their code is written back as it was, so each must be found in order)
    or cannot be spelled in a `String.raw` template."""
    if slot.style == "js-join":
        return _encode_joined(value, slot)
    if slot.quote != "`":
        return encode_string(value, slot.quote)
    spell = _raw_template_text if slot.prefix == RAW_TAG else _template_text
    pieces: list[str] = []
    cursor = 0
    for expression in slot.fields:
        field = placeholder(expression)
        found = value.find(field, cursor)
        if found < 0:
            raise WriteRefused("the new text lost or reordered one of the template literal's ${…} fields")
        pieces.append(spell(value[cursor:found]) + "${" + expression + "}")
        cursor = found + len(field)
    return "`" + "".join(pieces) + spell(value[cursor:]) + "`"


def _encode_joined(value: str, slot: Slot) -> str:
    """The items of a `[…].join(separator)` list holding `value`: one string literal per piece, in the list's
    quote, laid out as its items were (the same text between each two)."""
    pieces = value.split(slot.separator)
    if len(pieces) > 1 and not slot.gap:
        raise WriteRefused("the joined list has one item: how more would be laid out is not known")
    return slot.gap.join(encode_string(piece, slot.quote) for piece in pieces)


def _spelled_again(text: str, slot: Slot, source: str) -> bool:
    """Whether writing `text` back into `slot` gives `source` (LF line breaks) again."""
    try:
        return encode_js_literal(text, slot) == source
    except WriteRefused:
        return False


@dataclass
class _Value:
    text: str
    offsets: Offsets
    syntax: str
    slot: Slot | None
    refusal: str | None
    fields: tuple[str, ...] = ()  # the `{expr}` placeholders in `text`, in order

    @property
    def prose(self) -> bool:
        """Reads as prose without its `${…}` fields (a template that is mostly code is no prompt by name)."""
        kept: list[str] = []
        cursor = 0
        for field in self.fields:  # in order, from where the last ended: a replace per field was quadratic
            found = self.text.find(field, cursor)
            if found >= 0:
                kept += [self.text[cursor:found], " "]
                cursor = found + len(field)
        kept.append(self.text[cursor:])
        return is_prose("".join(kept))


# ---- the finder -----------------------------------------------------------------------------------------


@dataclass
class _Declaration:
    name: str
    value: int  # token index of the value's first token
    top: bool  # at module level
    exported: bool
    name_index: int


class _Finder:
    def __init__(self, path: str, text: str, tokens: list[Token], shape: Structure, settings: UnitSettings) -> None:
        self.path = path
        self.text = text
        self.tokens = tokens
        self.match = shape.match
        self.parent = shape.parent
        self.module = PurePath(path).stem
        self.names = [pattern.lower() for pattern in settings.python_names]
        self.units: list[PromptUnit] = []
        self.skipped: list[tuple[str, str]] = []
        self.keys: dict[str, int] = {}
        self.taken: set[int] = set()  # token indexes of values already made units
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.declarations = self._declarations()
        self.constants = {item.name: item.value for item in self.declarations if item.top}
        self.constant_keys: dict[str, str] = {}
        self.named_units: dict[str, str] = {}  # key → constant name, of units found only by their name
        self.message_keys: dict[int, tuple[str, str | None]] = {}  # `{` of a message in `messages: [...]`
        self._scope_names: dict[int, str | None] = {}
        self._fields: dict[int, dict[str, tuple[int, int]]] = {}
        self.exported_functions: set[str] = set()
        self.named_functions: dict[str, str] = {}  # key → function name, of units a prompt function returns
        lowered = text.lower()
        self.model_hint = any(hint in lowered for hint in _MODEL_HINTS)
        self.strict_hint = any(hint in lowered for hint in _STRICT_MODEL_HINTS) or any(
            word in self.module.lower() for word in _COLLECTION_WORDS
        )
        self.marked_lines = {
            number for number, line in enumerate(text.split("\n"), start=1) if "tokcli" in line and MARKER.search(line)
        }

    # -- tokens
    def token(self, index: int) -> Token | None:
        return self.tokens[index] if 0 <= index < len(self.tokens) else None

    def is_punct(self, index: int, *texts: str) -> bool:
        token = self.token(index)
        return token is not None and token.kind == "punct" and token.text in texts

    def is_name(self, index: int, *texts: str) -> bool:
        token = self.token(index)
        return token is not None and token.kind == "name" and (not texts or token.text in texts)

    def after(self, index: int) -> int:
        """The index after the group opening at `index` (a bracket, or a template from its head)."""
        token = self.tokens[index]
        if token.kind == "tpl" and token.part == "head":
            while self.tokens[index].part != "tail":
                index = self.match[index]
            return index + 1
        if token.kind == "punct" and token.text in ("(", "[", "{"):
            return self.match[index] + 1
        return index + 1

    def items(self, opening: int) -> list[tuple[int, int]]:
        """(start, end) token ranges of the comma-separated items directly inside the bracket at `opening`."""
        end = self.match[opening]
        ranges: list[tuple[int, int]] = []
        start = index = opening + 1
        while index < end:
            if self.is_punct(index, ","):
                ranges.append((start, index))
                start = index + 1
                index += 1
            else:
                index = self.after(index)
        if start < end:
            ranges.append((start, end))
        return ranges

    def line_column(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    # -- declarations and scopes
    def _declarations(self) -> list[_Declaration]:
        found = []
        for index, token in enumerate(self.tokens):
            if token.kind != "name" or token.text not in ("const", "let", "var") or not self.is_name(index + 1):
                continue
            value = index + 2
            if self.is_punct(value, ":"):  # a TypeScript type: up to the `=` at this level
                while value < len(self.tokens) and not self.is_punct(value, "=", ";"):
                    value = self.after(value)
            if not self.is_punct(value, "="):
                continue
            top = self.parent[index] < 0
            exported = self.is_name(index - 1, "export")
            found.append(_Declaration(self.tokens[index + 1].text, value + 1, top, exported, index + 1))
        return found

    def scope(self, index: int) -> str:
        """`module.function…`: the module and the named functions, methods and classes around a token."""
        names = []
        opening = self.parent[index]
        while opening >= 0:
            if self.is_punct(opening, "{"):
                if opening not in self._scope_names:
                    self._scope_names[opening] = self._body_name(opening)
                name = self._scope_names[opening]
                if name:
                    names.append(name)
            opening = self.parent[opening]
        return ".".join([self.module, *reversed(names)])

    def _body_name(self, brace: int) -> str | None:
        """The name of the function, method or class whose body opens at `brace`, if it has one."""
        index, steps = brace - 1, 0
        while index >= 0 and steps < 40:
            token = self.tokens[index]
            if token.kind == "punct" and token.text in (";", "{", "}", "=", ","):
                return None
            if token.kind == "name" and token.text == "class":
                if self.is_name(index + 1) and self.tokens[index + 1].text not in ("extends", "implements"):
                    return self.tokens[index + 1].text
                return self._assigned_name(index - 1)  # `const Name = class extends Base {`
            if token.kind == "punct" and token.text == "=>":
                if self.is_punct(index - 1, ")"):
                    return self._callable_name(self.match[index - 1])
                return self._assigned_name(index - 2)
            if token.kind == "punct" and token.text == ")":
                return self._callable_name(self.match[index])
            if token.kind == "punct" and token.text in ("]", ">"):
                index -= 1
            index -= 1
            steps += 1
        return None

    def _callable_name(self, parameters: int) -> str | None:
        before = self.token(parameters - 1)
        if before is None or before.kind != "name":
            return self._assigned_name(parameters - 1)
        if before.text in ("function", "async"):
            return self._assigned_name(parameters - 2)
        if before.text in _CONTROL:
            return None
        return before.text

    def _assigned_name(self, index: int) -> str | None:
        if self.is_name(index, "async"):
            index -= 1
        if self.is_punct(index, "=", ":") and self.is_name(index - 1):
            return self.tokens[index - 1].text
        return None

    def callee(self, parenthesis: int) -> tuple[str, str]:
        """(name, receiver) of the call whose arguments open at `parenthesis` (("", "") for no call)."""
        before = self.token(parenthesis - 1)
        if before is None or before.kind != "name" or before.text in _CONTROL:
            return "", ""
        receiver = ""
        if self.is_punct(parenthesis - 2, ".", "?.") and self.is_name(parenthesis - 3):
            receiver = self.tokens[parenthesis - 3].text
        return before.text, receiver

    # -- values
    def string_at(self, start: int, end: int, *, follow: bool = True) -> _Value | None:
        """The string the tokens `start:end` spell (a TypeScript `as const` / `satisfies T` after it allowed),
        or None when it is not one known without running the code."""
        found = self._string(start, follow)
        if found is None:
            return None
        value, index = found
        if index == end or self.is_name(index, "as", "satisfies"):
            return value
        return None

    def string_ending(self, start: int) -> _Value | None:
        """The string starting at `start` and ending where a statement or item may end."""
        found = self._string(start, follow=False)
        if found is None:
            return None
        value, index = found
        token = self.token(index)
        if (
            token is None
            or (token.kind == "punct" and token.text in _TERMINATORS)
            or self.is_name(index, "as", "satisfies")
            or (token.line_break and token.kind in ("name", "str", "tpl", "num", "private"))
        ):
            return value
        return None

    def _string(self, index: int, follow: bool, depth: int = 0) -> tuple[_Value, int] | None:
        found = self._postfixed(index, follow, depth)
        if found is None:
            return None
        value, index = found
        if not self.is_punct(index, "+"):
            return value, index
        # the pieces are joined once at the end: joining (and reading the syntax of) each prefix was quadratic
        # in the number of pieces
        pieces = [value]
        while self.is_punct(index, "+"):
            right = self._postfixed(index + 1, follow, depth)
            if right is None:
                return None
            other, index = right
            pieces.append(other)
        text = "".join(piece.text for piece in pieces)
        offsets: Offsets = [offset for piece in pieces for offset in piece.offsets]
        syntax = "format" if any(piece.syntax == "format" for piece in pieces) else infer_syntax(text)
        fields = tuple(field for piece in pieces for field in piece.fields)
        return _Value(text, offsets, syntax, None, "JavaScript string built with +", fields), index

    def _postfixed(self, index: int, follow: bool, depth: int) -> tuple[_Value, int] | None:
        found = self._primary(index, follow, depth)
        if found is None:
            return None
        value, index = found
        while (
            self.is_punct(index, ".", "?.")
            and self.is_name(index + 1)
            and self.tokens[index + 1].text in _TRIMS
            and self.is_punct(index + 2, "(")
            and self.is_punct(index + 3, ")")
        ):
            how = _TRIMS[self.tokens[index + 1].text]
            stripped = getattr(value.text, how)()
            start = value.text.find(stripped) if stripped else 0
            value = replace(
                value,
                text=stripped,
                offsets=value.offsets[start : start + len(stripped)],
                slot=None,
                refusal=f"JavaScript string with .{self.tokens[index + 1].text}()",
            )
            index += 4
        return value, index

    def _primary(self, index: int, follow: bool, depth: int) -> tuple[_Value, int] | None:
        token = self.token(index)
        if token is None or depth > 8:
            return None
        if token.kind == "str":
            literal = self._literal(index)
            return (literal, index + 1) if literal is not None else None
        if token.kind == "tpl":
            template = self._template(index)
            return (template, self.after(index)) if template is not None else None
        if token.kind == "punct" and token.text == "(":
            inner = self._string(index + 1, follow, depth + 1)
            if inner is None or inner[1] != self.match[index]:
                return None
            return inner[0], inner[1] + 1
        if token.kind == "punct" and token.text == "[":
            return self._joined(index, follow, depth)
        if token.kind == "name":
            following = self.token(index + 1)
            if (
                token.text == "String"
                and self.is_punct(index + 1, ".")
                and self.is_name(index + 2, "raw")
                and self.token(index + 3) is not None
                and self.tokens[index + 3].kind == "tpl"
            ):
                tagged = self._template(index + 3, written=True)
                return (tagged, self.after(index + 3)) if tagged is not None else None
            if following is not None and following.kind == "tpl" and token.text in _DEDENT_TAGS:
                tagged = self._template(index + 1)
                return (_dedented(tagged, token.text), self.after(index + 1)) if tagged is not None else None
            if follow and token.text in self.constants and not (following and following.kind == "tpl"):
                inner = self._string(self.constants[token.text], False, depth + 1)
                if inner is not None:
                    return inner[0], index + 1
        return None

    def _literal(self, index: int) -> _Value | None:
        token = self.tokens[index]
        cooked = cook(token.text[1:-1], token.start + 1, template=False)
        if cooked is None:
            return None
        text, offsets = cooked
        quote = token.text[0]
        slot: Slot | None = None
        refusal = None
        if encode_string(text, quote) == token.text:
            slot = Slot(token.start, token.end, "js-literal", quote=quote)
        else:
            refusal = "JavaScript string literal whose escapes tokcli would not write the same way"
        return _Value(text, offsets, infer_syntax(text), slot, refusal)

    def is_joined(self, bracket: int) -> bool:
        """Whether the array at `bracket` is joined into a string: `[…].join(…)`."""
        close = self.match[bracket]
        return self.is_punct(close + 1, ".") and self.is_name(close + 2, "join") and self.is_punct(close + 3, "(")

    def _joined(self, bracket: int, follow: bool, depth: int) -> tuple[_Value, int] | None:
        """`["line one", "line two"].join("\\n")`: the strings of the list joined by the separator (`,` when
        none is given), one value; None when an item or the separator is not a string known without running."""
        if not self.is_joined(bracket):
            return None
        close = self.match[bracket]
        call_end = self.match[close + 3]
        separator = ","
        if call_end != close + 4:
            found = self._string(close + 4, False, depth + 1)
            if found is None or found[1] != call_end or found[0].fields:
                return None
            separator = found[0].text
        items: list[tuple[int, int, _Value]] = []
        for start, end in self.items(bracket):
            item = self._string(start, follow, depth + 1)
            if item is None or item[1] != end:
                return None
            items.append((start, end, item[0]))
        if not items:
            return None
        text = separator.join(value.text for _, _, value in items)
        offsets: Offsets = []
        for number, (_, _, value) in enumerate(items):
            offsets.extend(([None] * len(separator) if number else []) + value.offsets)
        fields = tuple(field for _, _, value in items for field in value.fields)
        syntax = "format" if any(value.syntax == "format" for _, _, value in items) else infer_syntax(text)
        slot, refusal = self._joined_slot(items, separator)
        return _Value(text, offsets, syntax, slot, refusal, fields), call_end + 1

    def _joined_slot(self, items: list[tuple[int, int, _Value]], separator: str) -> tuple[Slot | None, str | None]:
        """Where a joined list is written back (from its first item to its last), when it can be in its own
        form: items that are string literals in one quote whose escapes round-trip, none holding the separator,
        the same text between each two; else why not."""
        quotes = set()
        for start, end, value in items:
            slot = value.slot
            if end != start + 1 or slot is None or slot.quote not in ("'", '"'):
                return None, "a joined list whose items are not all plain string literals: counted, not written back"
            quotes.add(slot.quote)
        if len(quotes) > 1:
            return None, "a joined list whose items mix quotes: counted, not written back"
        if not separator or any(separator in value.text for _, _, value in items):
            return None, "a joined list whose items hold its separator: counted, not written back"
        gaps = {
            self.text[self.tokens[end - 1].end : self.tokens[following].start]
            for (_, end, _), (following, _, _) in pairwise(items)
        }
        gap = gaps.pop().replace("\r\n", "\n").replace("\r", "\n") if len(gaps) == 1 else ""
        if gaps or not re.fullmatch(r"\s*,\s*", gap or ","):
            return None, "a joined list laid out unevenly (comments, or other spacing between items): not written back"
        first, last = self.tokens[items[0][0]], self.tokens[items[-1][0]]
        return Slot(first.start, last.end, "js-join", quote=quotes.pop(), separator=separator, gap=gap), None

    def _template(self, index: int, *, written: bool = False) -> _Value | None:
        """A template literal from its first part: `${expr}` read as the field `{expr}`; `written` (tagged
        `String.raw`): its characters as written, escapes kept."""
        chars: list[str] = []
        offsets: Offsets = []
        expressions: list[str] = []
        literal_parts: list[str] = []
        first = index
        while True:
            token = self.tokens[index]
            closing = 2 if token.part in ("head", "middle") else 1
            body = token.text[1:-closing]
            cooked = cook(body, token.start + 1, template=True, written=written)
            if cooked is None:
                return None
            chars.append(cooked[0])
            offsets.extend(cooked[1])
            literal_parts.append(cooked[0])
            if token.part in ("full", "tail"):
                break
            following = self.match[index]
            expression = self.text[token.end : self.tokens[following].start]
            expressions.append(expression)
            field = placeholder(expression)
            chars.append(field)
            offsets.extend([token.end - 2] + [None] * (len(field) - 1))
            index = following
        text = "".join(chars)
        start, end = self.tokens[first].start, self.tokens[index].end
        slot: Slot | None = Slot(
            start, end, "js-literal", quote="`", fields=tuple(expressions), prefix=RAW_TAG if written else ""
        )
        refusal = None
        fields = [placeholder(expression) for expression in expressions]
        if _spells_a_field(literal_parts, fields):
            slot, refusal = None, "template literal whose text spells one of its own ${…} fields"
        # a template reads CRLF as LF; the write-back puts the file's line breaks back (`with_line_breaks`)
        elif slot is not None and not _spelled_again(text, slot, self.text[start:end].replace("\r\n", "\n")):
            slot, refusal = None, "JavaScript template literal whose escapes tokcli would not write the same way"
        syntax = "format" if expressions else infer_syntax(text)
        return _Value(text, offsets, syntax, slot, refusal, tuple(fields))

    def literal_data(self, index: int, depth: int = 0) -> tuple[Any, int]:
        """The JSON value the literal at `index` spells, and the index after it; _NotLiteral otherwise."""
        token = self.token(index)
        if token is None or depth > 64:
            raise _NotLiteral
        if token.kind in ("str", "tpl"):
            found = self._string(index, follow=False)
            if found is None or (token.kind == "tpl" and token.part != "full"):  # a `${…}` is code
                raise _NotLiteral
            return found[0].text, found[1]
        if token.kind == "num" or (token.kind == "punct" and token.text == "-" and self.token(index + 1)):
            sign = -1 if token.kind == "punct" else 1
            number = self.tokens[index + 1] if sign < 0 else token
            if number.kind != "num" or number.text.endswith("n"):
                raise _NotLiteral
            written = number.text.replace("_", "")
            try:
                value: Any = int(written, 0) if re.fullmatch(r"0[xXoObB][\da-fA-F]+|\d+", written) else float(written)
            except ValueError:
                raise _NotLiteral from None
            return sign * value, index + (2 if sign < 0 else 1)
        if token.kind == "name" and token.text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.text], index + 1
        if token.kind == "punct" and token.text == "[":
            items = []
            for start, end in self.items(index):
                item, after = self.literal_data(start, depth + 1)
                if after != end:
                    raise _NotLiteral
                items.append(item)
            return items, self.match[index] + 1
        if token.kind == "punct" and token.text == "{":
            entries = self.object_entries(index)
            if entries is None:
                raise _NotLiteral
            data = {}
            for key, key_index, start, end in entries:
                if key is None or start == key_index:
                    raise _NotLiteral  # a spread, computed key, shorthand or method is code
                item, after = self.literal_data(start, depth + 1)
                if after != end:
                    raise _NotLiteral
                data[key] = item
            return data, self.match[index] + 1
        raise _NotLiteral

    def object_entries(self, brace: int) -> list[tuple[str | None, int, int, int]] | None:
        """(key, key index, value start, value end) of the object literal at `brace`; None when the braces hold
        no object literal (a block). A shorthand's value is its key's token; a spread, computed key or method
        has key None."""
        entries: list[tuple[str | None, int, int, int]] = []
        for start, end in self.items(brace):
            token = self.tokens[start]
            if token.kind == "punct" and token.text == "...":
                entries.append((None, start, start + 1, end))
                continue
            key: str | None = None
            if token.kind == "name" or token.kind == "num":
                key = token.text
            elif token.kind == "str":
                cooked = cook(token.text[1:-1], token.start + 1, template=False)
                key = cooked[0] if cooked else None
            elif not (token.kind == "punct" and token.text in ("[", "*")):
                return None
            colon = self.after(start) if token.kind == "punct" and token.text == "[" else start + 1
            if self.is_punct(colon, ":"):
                entries.append((key, start, colon + 1, end))
            elif colon == end and token.kind == "name":
                entries.append((key, start, start, end))  # shorthand
            elif any(self.is_punct(index, "(") for index in range(start, min(end, start + 4))):
                entries.append((None, start, start, end))  # a method
            else:
                return None
        return entries

    # -- units
    def add(self, key: str, value: _Value, role: str | None, model: str | None, *, at: int, name: str = "") -> None:
        if not value.text.strip():
            return
        self.taken.add(at)
        key = numbered_key(self.keys, key)
        first = next((offset for offset in value.offsets if offset is not None), self.tokens[at].start)
        line, column = self.line_column(first)
        self.units.append(
            PromptUnit(
                self.path,
                key,
                value.text,
                line,
                column,
                value.syntax,
                "javascript",
                role=role,
                model=model,
                anchors=self._anchors(value),
                slot=value.slot,
                refusal=value.refusal,
            )
        )
        if name:
            self.constant_keys.setdefault(name, key)

    def _anchors(self, value: _Value) -> tuple[Anchor, ...]:
        anchors: list[Anchor] = []
        expected: int | None = None
        for offset, source in enumerate(value.offsets):
            if source is not None and source != expected:
                line, column = self.line_column(source)
                anchors.append(Anchor(offset, line, column))
            expected = None if source is None else source + 1
        return tuple(anchors)

    def argument(
        self, key: str, start: int, end: int, role: str | None, model: str | None, *, prose: bool = False
    ) -> None:
        """The value at `start:end` sent in a prompt place: a string, a list of text parts, or a name of a
        module-level string (one unit, keyed by the name, wherever it is sent). With `prose`, a string written
        there must read as prose (a place that may be no model's)."""
        token = self.tokens[start]
        if token.kind == "name" and end == start + 1 and token.text in self.constants:
            name = token.text
            known = self.constant_keys.get(name)
            if known is not None:
                self._annotate(known, role, model)
                return
            value_start = self.constants[name]
            if self.is_punct(value_start, "[") and not self.is_joined(value_start):
                self._parts(f"{self.module}.{name}", value_start, role, model)
                return
            value = self.string_ending(value_start)
            if value is not None and value_start not in self.taken:
                self.add(f"{self.module}.{name}", value, role, model, at=value_start, name=name)
            return
        if token.kind == "punct" and token.text == "[" and self.match[start] + 1 == end:
            self._parts(key, start, role, model)
            return
        if start in self.taken:
            return
        value = self.string_at(start, end)
        if value is not None and (value.prose or not prose):
            self.add(key, value, role, model, at=start)

    def _parts(self, key: str, bracket: int, role: str | None, model: str | None) -> None:
        """The text blocks of a content list: `{ type: "text", text: "…" }` (a block without `type` too)."""
        for index, (start, _) in enumerate(self.items(bracket)):
            if not self.is_punct(start, "{"):
                continue
            fields = self.fields(start)
            kind = fields.get("type")
            text = fields.get("text")
            if text is None:
                continue
            kind_value = self.string_at(*kind, follow=False) if kind is not None else None
            if kind is None or (kind_value is not None and kind_value.text in _TEXT_PARTS):
                self.argument(f"{key}[{index}]", *text, role, model)

    def fields(self, brace: int) -> dict[str, tuple[int, int]]:
        """key → (value start, value end) of the object literal at `brace` (empty for a block)."""
        found = self._fields.get(brace)
        if found is None:
            entries = self.object_entries(brace) or []
            found = self._fields[brace] = {key: (start, end) for key, _, start, end in entries if key is not None}
        return found

    def _annotate(self, key: str, role: str | None, model: str | None) -> None:
        for index, unit in enumerate(self.units):
            if unit.key == key:
                self.units[index] = replace(unit, role=unit.role or role, model=unit.model or model)

    def model_of(self, fields: dict[str, tuple[int, int]]) -> str | None:
        where = fields.get("model")
        value = self.string_at(*where, follow=False) if where is not None else None
        return value.text if value is not None and value.syntax == "none" else None

    # -- places
    def find(self) -> None:
        """Calls of the names the rules know and objects holding a key they know, in source order (an outer
        request before the messages in it), then the named constants."""
        tokens = self.tokens
        places: list[tuple[int, bool]] = []
        objects: set[int] = set()
        for index, token in enumerate(tokens[:-1]):
            if token.kind == "name" and token.text in _CALL_NAMES and self.is_punct(index + 1, "("):
                places.append((index + 1, True))
            key = token.text if token.kind == "name" else token.text[1:-1] if token.kind == "str" else ""
            if (
                key in _OBJECT_KEYS
                and self.is_punct(index + 1, ":", ",", "}")
                and self.is_punct(self.parent[index], "{")
            ):
                objects.add(self.parent[index])
        places.extend((brace, False) for brace in objects)
        for index, is_call in sorted(places):
            if is_call:
                self._call(index)
            else:
                self._object(index)
        self._named_constants()
        self._prompt_functions()

    def _call(self, parenthesis: int) -> None:
        name, receiver = self.callee(parenthesis)
        if not name or self.match[parenthesis] == parenthesis + 1:
            return
        owner = self.scope(parenthesis)
        arguments = self.items(parenthesis)
        first_start, first_end = arguments[0] if arguments else (parenthesis + 1, parenthesis + 1)
        if name == "fromMessages" and self.is_punct(first_start, "["):
            for index, (start, end) in enumerate(self.items(first_start)):
                if not self.is_punct(start, "[") or self.match[start] + 1 != end:
                    continue
                pair = self.items(start)
                if len(pair) != 2 or self.tokens[pair[0][0]].kind != "str":
                    continue
                role_value = self.string_at(*pair[0], follow=False)
                role = role_value.text if role_value is not None else None
                if role is None or role == "placeholder":
                    continue
                self.argument(f"{owner}.fromMessages[{index}]", *pair[1], _ROLE_NAMES.get(role, role), None)
        elif name == "fromTemplate" and arguments:
            role = next(
                (
                    role
                    for prefix, role in (("System", "system"), ("Human", "user"), ("AI", "assistant"))
                    if receiver.startswith(prefix)
                ),
                None,
            )
            self.argument(f"{owner}.{receiver or 'call'}.fromTemplate", first_start, first_end, role, None)
        elif name in _MESSAGE_CLASSES and arguments and self.is_name(parenthesis - 2, "new"):
            if self.is_punct(first_start, "{") and self.match[first_start] + 1 == first_end:
                content = self.fields(first_start).get("content")
                if content is not None:
                    self.argument(f"{owner}.{name}", *content, _MESSAGE_CLASSES[name], None)
            else:
                self.argument(f"{owner}.{name}", first_start, first_end, _MESSAGE_CLASSES[name], None)
        elif name in ("generateContent", "generateContentStream") and arguments:
            self.argument(f"{owner}.{name}", first_start, first_end, "user", None)

    def _object(self, brace: int) -> None:
        fields = self.fields(brace)
        if not fields:
            return
        opening = self.parent[brace]
        name, receiver = self.callee(opening) if self.is_punct(opening, "(") else ("", "")
        owner = self.scope(brace)
        model = self.model_of(fields)
        message = self.message_keys.get(brace)
        if message is None and "role" in fields and "content" in fields:
            message = (f"{owner}.message", model)
        if message is not None and "role" in fields and "content" in fields:
            key, message_model = message
            role_value = self.string_at(*fields["role"], follow=False)
            role = role_value.text if role_value is not None else None
            content = fields["content"]
            if self.is_punct(content[0], "["):
                key += ".content"
            self.argument(key, *content, role, model or message_model)
            return
        request = bool(name) or "messages" in fields or "model" in fields
        if not request:
            return
        if name.endswith("PromptTemplate") and "template" in fields:
            self.argument(f"{owner}.{name}(template)", *fields["template"], None, model)
        # `{ system: "dark" }` given to any function may be a setting: there, only prose is a system prompt
        loose = not ("model" in fields or "messages" in fields or name in _MODEL_CALLS or name == "Agent")
        for key in _SYSTEM_KEYS:
            if key in fields:
                self.argument(f"{owner}.{key}", *fields[key], "system", model, prose=loose)
        if "prompt" in fields and (name in _MODEL_CALLS or "model" in fields):
            self.argument(f"{owner}.prompt", *fields["prompt"], "user", model)
        if "input" in fields and name == "create" and receiver == "responses":
            self.argument(f"{owner}.input", *fields["input"], "user", model)
        messages = fields.get("messages")
        if messages is not None and self.is_punct(messages[0], "["):
            for index, (start, _) in enumerate(self.items(messages[0])):
                if self.is_punct(start, "{"):
                    self.message_keys[start] = (f"{owner}.messages[{index}]", model)
        for key in ("tools", "functions"):
            if key in fields:
                self._tools(f"{owner}.{key}", *fields[key], model)

    def _tools(self, key: str, start: int, end: int, model: str | None) -> None:
        """A literal tool list: one unit of kind "tools" (its JSON). One built by code (a zod schema, names):
        each readable `description` a prompt unit, and what cannot be read reported as not counted."""
        token = self.tokens[start]
        if token.kind == "name" and end == start + 1 and token.text in self.constants:
            key, start = f"{self.module}.{token.text}", self.constants[token.text]
            end = self.after(start)
        if not self.is_punct(start, "[", "{") or start in self.taken:
            return
        self.taken.add(start)
        from tokcli.errors import InputError
        from tokcli.tools import normalize_tools, tool_list

        try:
            data, after = self.literal_data(start)
            items = tool_list(data) if isinstance(data, list) and after == end else None
            if items is not None and normalize_tools(key, items):
                line, column = self.line_column(token.start if start == -1 else self.tokens[start].start)
                text = json.dumps(items, indent=2, ensure_ascii=False) + "\n"
                unit = PromptUnit(self.path, f"{key}.json", text, line, column, "none", "javascript", model=model)
                self.units.append(
                    replace(
                        unit,
                        kind="tools",
                        refusal="a tool list in JavaScript source: counted and linted, not rewritten",
                    )
                )
                return
        except (_NotLiteral, InputError, RecursionError):
            pass
        self._tool_descriptions(key, start, model)

    def _tool_descriptions(self, key: str, start: int, model: str | None) -> None:
        for index, (item_start, item_end) in enumerate(self.items(start)):
            label = str(index)
            if self.is_punct(start, "{") and self.tokens[item_start].kind in ("name", "str"):
                written = self.tokens[item_start]
                label = written.text if written.kind == "name" else written.text[1:-1]
            definition = next(
                (
                    index
                    for index in range(item_start, item_end)
                    if self.is_punct(index, "{") and "description" in self.fields(index)
                ),
                None,
            )
            if definition is None:
                continue  # a tool made elsewhere (`tools: [searchTool]`): not known without running the code
            fields = self.fields(definition)
            named = fields.get("name")
            name_value = self.string_at(*named, follow=False) if named is not None else None
            if name_value is not None:
                label = name_value.text
            self.argument(f"{key}.{label}.description", *fields["description"], None, model)
            schema = next(
                (fields[name] for name in ("parameters", "inputSchema", "input_schema", "schema") if name in fields),
                None,
            )
            if schema is None:
                continue
            try:
                data, after = self.literal_data(schema[0])
                exact = after == schema[1] and isinstance(data, dict)
            except (_NotLiteral, RecursionError):
                exact = False
            what = "a zod schema" if self.is_name(schema[0], "z") else "a schema built by code"
            if not exact:
                self.skipped.append(
                    (
                        f"{self.path}::{key}.{label}.parameters",
                        f"{what}: its tokens (names, types, .describe() texts) are not counted; the description is",
                    )
                )
            else:
                self.skipped.append(
                    (
                        f"{self.path}::{key}.{label}.parameters",
                        "a literal schema in a tool list built by code: not counted; the description is",
                    )
                )

    def _named_constants(self) -> None:
        for declaration in self.declarations:
            line = self.line_column(self.tokens[declaration.name_index].start)[0]
            marked = line in self.marked_lines or line - 1 in self.marked_lines
            if not (marked or declaration.top):
                continue
            name = declaration.name
            lowered = name.lower()
            named = any(fnmatch.fnmatchcase(lowered, pattern) for pattern in self.names)
            if named and not any(word in lowered for word in _PROMPT_WORDS):
                named = self.model_hint
            start = declaration.value
            if self.is_punct(start, "{") or (self.is_punct(start, "[") and not self.is_joined(start)):
                collection = named and any(word in lowered for word in _COLLECTION_WORDS) and self.strict_hint
                if marked or collection:
                    self._collection(self._constant_key(declaration), start, 0)
                continue
            if not (marked or named) or start in self.taken:
                continue
            value = self.string_ending(start)
            if value is None or not (marked or value.prose):
                continue
            key = self._constant_key(declaration)
            self.add(key, value, None, None, at=start, name=name if declaration.top else "")
            if not marked:
                self.named_units[key] = name

    def _constant_key(self, declaration: _Declaration) -> str:
        return f"{self.scope(declaration.name_index)}.{declaration.name}"

    def _collection(self, key: str, start: int, depth: int) -> None:
        """The prose strings of an object or array of prompts, keyed `NAME.key` / `NAME[N]`; message objects
        are left to the message rule."""
        if depth > 8:
            return
        if self.is_punct(start, "{"):
            fields = self.fields(start)
            if "role" in fields:
                return
            for name, (value_start, value_end) in fields.items():
                if value_start == value_end - 1 or self.is_punct(value_start, "{", "["):
                    self._collection_item(f"{key}.{name}", value_start, value_end, depth)
        elif self.is_punct(start, "["):
            for index, (value_start, value_end) in enumerate(self.items(start)):
                self._collection_item(f"{key}[{index}]", value_start, value_end, depth)

    def _collection_item(self, key: str, start: int, end: int, depth: int) -> None:
        if self.is_punct(start, "{", "[") and self.after(start) == end:
            self._collection(key, start, depth + 1)
        elif start not in self.taken:
            value = self.string_at(start, end)
            if value is not None and value.prose:
                self.add(key, value, None, None, at=start)

    def _prompt_functions(self) -> None:
        """What a function named for a prompt returns (`function buildSystemPrompt() { return `…` }`, an arrow
        `const systemPrompt = (ctx) => `…``): one unit per `return` of a string the source spells out, prose
        only, keyed by the function."""
        for index, token in enumerate(self.tokens):
            if token.kind != "name":
                continue
            body: int | None = None
            name: str | None = None
            if token.text == "return":
                brace = self._function_body(index)
                name = self._body_name(brace) if brace is not None else None
                body = index + 1
            if body is None or not name or not name.lower().endswith(_PROMPT_FUNCTION_ENDINGS):
                continue
            self._function_prompt(name, body, self.scope(index))
        for declaration in self.declarations:
            arrow = self._arrow_body(declaration.value)
            lowered = declaration.name.lower()
            if arrow is not None and lowered.endswith(_PROMPT_FUNCTION_ENDINGS):
                scope = self.scope(declaration.name_index)
                self._function_prompt(declaration.name, arrow, f"{scope}.{declaration.name}")
                if declaration.exported:
                    self.exported_functions.add(declaration.name)

    def _function_prompt(self, name: str, start: int, key: str) -> None:
        if start in self.taken:
            return
        value = self.string_ending(start)
        if value is not None and value.prose:
            self.add(key, value, None, None, at=start)
            self.named_functions[key] = name

    def _function_body(self, index: int) -> int | None:
        """The `{` of the innermost function body holding token `index` (None at module level)."""
        opening = self.parent[index]
        while opening >= 0:
            if self.is_punct(opening, "{") and self._is_function_body(opening):
                return opening
            opening = self.parent[opening]
        return None

    def _is_function_body(self, brace: int) -> bool:
        if self.is_punct(brace - 1, "=>"):
            return True
        index = brace - 1
        for _ in range(40):  # back over a TypeScript return type (`): Promise<string> {`) to the parameters
            token = self.token(index)
            if token is None or (token.kind == "punct" and token.text in (";", "{", "}", "=")):
                return False
            if token.kind == "punct" and token.text == ")":
                before = self.token(self.match[index] - 1)
                return not (before is not None and before.kind == "name" and before.text in _CONTROL - {"function"})
            index -= 1
        return False

    def _arrow_body(self, start: int) -> int | None:
        """The first token of an arrow function's expression body, for an arrow starting at `start`."""
        index = start + 1 if self.is_name(start, "async") else start
        if self.is_punct(index, "("):
            index = self.match[index] + 1
        elif self.is_name(index):
            index += 1
        else:
            return None
        if self.is_punct(index, ":"):  # a TypeScript return type
            while index < len(self.tokens) and not self.is_punct(index, "=>", ";", "{"):
                index = self.after(index)
        if not self.is_punct(index, "=>") or self.is_punct(index + 1, "{"):
            return None
        return index + 1

    def drop_messages_for_people(self) -> None:
        """Units found only by their name that the module never sends, exports or reads but to log, throw or
        show them (`ERROR_TEMPLATE` thrown in an Error); a name that says prompt or instruction only when it
        is only asked at a terminal (`window.prompt(NAME_PROMPT)`). What a prompt function returns goes when
        every call of it is for a person (a function never called here may be called elsewhere)."""
        if not self.named_units and not self.named_functions:
            return
        exported = {item.name for item in self.declarations if item.exported} | self.exported_functions
        for index, token in enumerate(self.tokens):  # `export function buildPrompt`, `export async function …`
            if token.kind == "name" and token.text == "function" and self.is_name(index + 1):
                before = index - 2 if self.is_name(index - 1, "async") else index - 1
                if self.is_name(before, "export"):
                    exported.add(self.tokens[index + 1].text)
        declared = {item.name_index for item in self.declarations}
        reads: dict[str, list[int]] = {}
        wanted = set(self.named_units.values()) | set(self.named_functions.values())
        for index, token in enumerate(self.tokens):
            if token.kind != "name" or token.text not in wanted or index in declared:
                continue
            if (
                self.is_punct(index - 1, ".", "?.")
                or self.is_name(index - 1, "function")
                or (self.is_punct(index + 1, ":") and self.is_punct(index - 1, "{", ","))
            ):
                continue  # a property, an object key or a function's own name, not a read
            reads.setdefault(token.text, []).append(index)
        dropped = set()
        for key, name in [*self.named_units.items(), *self.named_functions.items()]:
            if name in exported:
                continue
            strong = any(word in name.lower() for word in _PROMPT_WORDS) and key in self.named_units
            uses = reads.get(name, [])
            if not uses and key in self.named_functions:
                continue
            if not uses or all(self._for_people(index, terminal_only=strong) for index in uses):
                dropped.add(key)
        if dropped:
            self.units = [unit for unit in self.units if unit.key.split("#")[0] not in dropped]

    def _for_people(self, index: int, *, terminal_only: bool) -> bool:
        if not terminal_only and self.is_name(index - 1, "throw"):
            return True
        opening = self.parent[index]
        while opening >= 0:
            if self.is_punct(opening, "("):
                name, _ = self.callee(opening)
                if name in _TERMINAL_CALLS:
                    return True
                if not terminal_only and (name in _HUMAN_CALLS or name.endswith(_HUMAN_SUFFIXES)):
                    return True
            opening = self.parent[opening]
        return False


class _NotLiteral(Exception):
    """The tokens are code, not a JSON-like literal."""


def _dedented(value: _Value, tag: str) -> _Value:
    """A `dedent`-tagged template: the first and last lines dropped when blank, the common indentation removed."""
    lines = value.text.split("\n")
    if len(lines) > 1 and not lines[0].strip():
        lines = lines[1:]
    if len(lines) > 1 and not lines[-1].strip():
        lines = lines[:-1]
    text = textwrap.dedent("\n".join(lines))
    offsets: Offsets = value.offsets[:1] + [None] * (len(text) - 1) if text else []
    return replace(
        value, text=text, offsets=offsets, slot=None, refusal=f"template literal tagged {tag}: not written back"
    )


def might_hold_prompts(text: str) -> bool:
    """A cheap look before lexing: False means no unit can be found in this source."""
    lowered = text.lower()
    if any(trigger in lowered for trigger in _TRIGGERS):
        return True
    if "role" in lowered and "content" in lowered:
        return True
    if ("tools" in lowered or "functions" in lowered) and ("model" in lowered or "messages" in lowered):
        return True
    return "template" in lowered and any(hint in lowered for hint in _MODEL_HINTS)


def looks_minified(text: str) -> bool:
    """Built output on one or a few very long lines (a bundle, a minified file)."""
    lines = text.count("\n") + 1
    return len(text) > 5000 and len(text) / lines > 250


def scan_javascript(path: str, text: str, settings: UnitSettings) -> HostScan:
    """The units of a JavaScript/TypeScript file. A file the lexer cannot read holds no unit: its note and
    `skipped` say where reading stopped (never an error: the file is code, not a prompt)."""
    scan = HostScan(path, "javascript")
    if not settings.javascript:
        scan.note = "JavaScript/TypeScript source not read (prompts.javascript: false)"
        return scan
    if looks_minified(text):
        scan.note = "minified JavaScript: not read"
        return scan
    if might_hold_prompts(text):
        try:
            tokens = lex(text, jsx=suffix_reads_jsx(path))
            finder = _Finder(path, text, tokens, structure(tokens), settings)
            finder.find()
            finder.drop_messages_for_people()
        except LexError as error:
            line = text.count("\n", 0, error.offset) + 1
            scan.note = (
                f"cannot read this JavaScript/TypeScript at line {line} ({error.message}); no prompts taken from it"
            )
            scan.skipped.append((path, scan.note))
            return scan
        except RecursionError:
            scan.note = "JavaScript/TypeScript nested too deeply to read; no prompts taken from it"
            scan.skipped.append((path, scan.note))
            return scan
        scan.units = sorted(finder.units, key=lambda unit: (unit.line, unit.column))
        scan.skipped.extend(finder.skipped)
    if not scan.units and scan.note is None:
        scan.note = "no prompts found in this JavaScript/TypeScript file"
    return scan

"""A small lexer of JavaScript and TypeScript, enough to find string literals and the code around them.

It tells apart what can hide a quote or a brace: comments, string literals, template literals (with their
`${…}` expressions, templates nested in them), regular expression literals (a `/` where an operand may start is
a regex, after an operand a division: the usual "previous significant token" rule) and JSX elements (their text
is read past, never taken as a string). Types of TypeScript need no rule of their own: they hold names,
punctuation and string literals only. Anything it cannot read is a `LexError` with the offset: the caller takes
no string from such a file, rather than a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple


class LexError(Exception):
    """The source cannot be read by this lexer; `offset` is where (a character offset into the text)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class Token(NamedTuple):
    kind: str  # "name" | "punct" | "num" | "str" | "tpl" | "regex" | "jsx" | "private"
    start: int
    end: int
    text: str  # the source of the token (a template part: from its opening delimiter to its closing one)
    part: str = ""  # tpl: "full" (`…`), "head" (`…${), "middle" (}…${) or "tail" (}…`)
    line_break: bool = False  # a line break comes between the token and the one before it


_SPACE = re.compile(r"(?:[ \t\f\v\r\n\u00a0\ufeff\u2028\u2029]+|//[^\r\n\u2028\u2029]*|/\*[\s\S]*?\*/)+")
_BREAKS = re.compile(r"[\r\n\u2028\u2029]")
_NAME = re.compile(r"[A-Za-z_$\u0080-\U0010ffff][\w$\u0080-\U0010ffff]*")
_NUMBER = re.compile(
    r"(?:0[xX][\da-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)n?"
)
_STRINGS = {
    '"': re.compile(r'"(?:[^"\\\r\n]|\\(?:\r\n|[\s\S]))*"'),
    "'": re.compile(r"'(?:[^'\\\r\n]|\\(?:\r\n|[\s\S]))*'"),
}
_REGEX = re.compile(r"/(?![*/])(?:[^/\\\[\r\n]|\\[^\r\n]|\[(?:[^\]\\\r\n]|\\[^\r\n])*\])+/[\w$]*")
_PUNCT = re.compile(
    r">>>=|\.\.\.|===|!==|\*\*=|<<=|>>=|>>>|&&=|\|\|=|\?\?=|=>|==|!=|<=|>=|&&|\|\||\?\?|\?\.(?!\d)"
    r"|\+\+|--|\+=|-=|\*=|/=|%=|&=|\|=|\^=|<<|>>|\*\*|[{}()\[\];,<>+\-*/%&|^!~?:=.@]"
)
#: One token of code that needs no state to read: space and comments, a name, a number or punctuation.
_CODE = re.compile(
    rf"(?P<space>{_SPACE.pattern})|(?P<name>{_NAME.pattern})|(?P<num>{_NUMBER.pattern})|(?P<punct>{_PUNCT.pattern})"
)
_SPECIAL = frozenset("\"'`/<#}")
_TEMPLATE_STOP = re.compile(r"[`\\$]")
_JSX_NAME = re.compile(r"[A-Za-z_$][\w$.:\-]*")
_JSX_ATTRIBUTE = re.compile(r"[A-Za-z_$][\w$:\-]*")
_JSX_SPACE = re.compile(r"(?:\s+|//[^\r\n]*|/\*[\s\S]*?\*/)*")
_JSX_CHILD_STOP = re.compile(r"[<{]")
#: Keywords after which an operand starts (so a `/` is a regex): `return /x/`, `typeof /x/`.
_OPERAND_KEYWORDS = frozenset(
    {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else"}
    | {"yield", "await", "extends"}
)
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def suffix_reads_jsx(path: str) -> bool:
    """Whether `<` may open a JSX element in this file: not in `.ts`/`.mts`/`.cts`, where `<T>x` is a type
    assertion."""
    return not path.lower().endswith((".ts", ".mts", ".cts"))


class _Lexer:
    def __init__(self, text: str, jsx: bool) -> None:
        self.text = text
        self.jsx = jsx
        self.pos = 0
        self.tokens: list[Token] = []
        self.line_break = False

    def emit(self, kind: str, start: int, end: int, part: str = "") -> None:
        self.tokens.append(Token(kind, start, end, self.text[start:end], part, self.line_break))
        self.line_break = False

    def operand_may_start(self) -> bool:
        """Whether what comes next starts an operand (a `/` is a regex, a `<` may open JSX)."""
        if not self.tokens:
            return True
        last = self.tokens[-1]
        if last.kind == "name":
            return last.text in _OPERAND_KEYWORDS
        if last.kind == "punct":
            return last.text not in (")", "]", "}", "++", "--")
        return last.kind not in ("num", "str", "tpl", "regex", "jsx", "private")

    def code(self, nested: bool) -> None:
        """Tokens until the end (or, `nested`, until the `}` closing a `${` or a JSX `{`, consumed)."""
        text = self.text
        size = len(text)
        depth = 0
        if not nested and text.startswith("#!"):
            end = _BREAKS.search(text)
            self.pos = end.start() if end else size
        while True:
            start = self.pos
            if start >= size:
                if nested:
                    raise LexError("a ${ or { that does not close", start)
                return
            char = text[start]
            if char in _SPECIAL and not (char == "/" and text[start + 1 : start + 2] in ("/", "*")):
                if char == "}" and not (nested and depth == 0):
                    depth -= 1
                    self.pos += 1
                    self.emit("punct", start, self.pos)
                elif char == "}":
                    self.pos += 1
                    return
                else:
                    self.special(char, start)
                continue
            if char == "/" and text.startswith("/*", start) and text.find("*/", start + 2) < 0:
                raise LexError("a /* comment that does not close", start)
            match = _CODE.match(text, start)
            if match is None:
                raise LexError(f"an unexpected character {char!r}", start)
            kind = match.lastgroup
            self.pos = match.end()
            if kind == "space":
                if _BREAKS.search(text, start, self.pos):
                    self.line_break = True
                continue
            if char == "{":
                depth += 1
            self.emit(kind or "punct", start, self.pos)

    def special(self, char: str, start: int) -> None:
        """A token whose reading depends on what came before or holds other tokens: a string, a template, a
        regex or a division, JSX or a `<`, a private name."""
        text = self.text
        if char in "\"'":
            match = _STRINGS[char].match(text, start)
            if match is None:
                raise LexError("a string literal that does not close on its line", start)
            self.pos = match.end()
            self.emit("str", start, self.pos)
        elif char == "`":
            self.template()
        elif char == "/" and self.operand_may_start():
            match = _REGEX.match(text, start)
            if match is None:
                raise LexError("a regular expression that does not close on its line", start)
            self.pos = match.end()
            self.emit("regex", start, self.pos)
        elif char == "<" and self.jsx and self.operand_may_start() and self.opens_jsx(start):
            self.jsx_element()
            self.emit("jsx", start, self.pos)
        elif char == "#":
            match = _NAME.match(text, start + 1)
            if match is None:
                raise LexError("a # that is not a private name", start)
            self.pos = match.end()
            self.emit("private", start, self.pos)
        else:  # `/` after an operand, `<` that opens no JSX: punctuation
            match = _PUNCT.match(text, start)
            assert match is not None
            self.pos = match.end()
            self.emit("punct", start, self.pos)

    def template(self) -> None:
        """A template literal from its backtick: one token per literal part, the tokens of each `${…}` between."""
        text = self.text
        part_start = self.pos
        self.pos += 1
        head = True
        while True:
            match = _TEMPLATE_STOP.search(text, self.pos)
            if match is None:
                raise LexError("a template literal that does not close", part_start)
            char, self.pos = match.group(), match.start()
            if char == "\\":
                self.pos += 2
            elif char == "$":
                if text.startswith("${", self.pos):
                    self.pos += 2
                    self.emit("tpl", part_start, self.pos, "head" if head else "middle")
                    head = False
                    self.code(nested=True)
                    part_start = self.pos - 1  # the `}` that closed the expression
                else:
                    self.pos += 1
            else:
                self.pos += 1
                self.emit("tpl", part_start, self.pos, "full" if head else "tail")
                return
            if self.pos > len(text):
                raise LexError("a template literal that does not close", part_start)

    def opens_jsx(self, start: int) -> bool:
        following = self.text[start + 1 : start + 2]
        return following == ">" or bool(_JSX_NAME.match(following))

    def jsx_element(self) -> None:
        """A JSX element from its `<`: its text is passed over, its `{…}` expressions lexed as code."""
        text = self.text
        start = self.pos
        self.pos += 1
        name = ""
        if not text.startswith(">", self.pos):
            match = _JSX_NAME.match(text, self.pos)
            if match is None:
                raise LexError("a JSX element without a name", start)
            name, self.pos = match.group(), match.end()
            while True:  # attributes
                self.pos = _JSX_SPACE.match(text, self.pos).end()  # type: ignore[union-attr]
                if text.startswith("/>", self.pos):
                    self.pos += 2
                    return
                if text.startswith(">", self.pos):
                    break
                if text.startswith("{", self.pos):  # {...spread}
                    self.pos += 1
                    self.code(nested=True)
                    continue
                match = _JSX_ATTRIBUTE.match(text, self.pos)
                if match is None:
                    raise LexError("a JSX attribute this lexer cannot read", self.pos)
                self.pos = _JSX_SPACE.match(text, match.end()).end()  # type: ignore[union-attr]
                if not text.startswith("=", self.pos):
                    continue
                self.pos = _JSX_SPACE.match(text, self.pos + 1).end()  # type: ignore[union-attr]
                quote = text[self.pos : self.pos + 1]
                if quote in ("'", '"'):
                    end = text.find(quote, self.pos + 1)
                    if end < 0:
                        raise LexError("a JSX attribute value that does not close", self.pos)
                    self.pos = end + 1
                elif quote == "{":
                    self.pos += 1
                    self.code(nested=True)
                elif quote == "<":
                    self.jsx_element()
                else:
                    raise LexError("a JSX attribute value this lexer cannot read", self.pos)
        self.pos += 1  # the `>` opening the children
        while True:
            match = _JSX_CHILD_STOP.search(text, self.pos)
            if match is None:
                raise LexError(f"a JSX element <{name}> that does not close", start)
            self.pos = match.start()
            if match.group() == "{":
                self.pos += 1
                self.code(nested=True)
            elif text.startswith("</", self.pos):
                self.pos = _JSX_SPACE.match(text, self.pos + 2).end()  # type: ignore[union-attr]
                closing = _JSX_NAME.match(text, self.pos)
                closed = closing.group() if closing else ""
                self.pos = _JSX_SPACE.match(text, closing.end() if closing else self.pos).end()  # type: ignore[union-attr]
                if closed != name or not text.startswith(">", self.pos):
                    raise LexError(f"a JSX element <{name}> closed as </{closed}>", self.pos)
                self.pos += 1
                return
            else:
                self.jsx_element()


def lex(text: str, *, jsx: bool = True) -> list[Token]:
    """The tokens of JavaScript/TypeScript source; LexError where it cannot be read (brackets that do not
    pair included)."""
    lexer = _Lexer(text, jsx)
    try:
        lexer.code(nested=False)
    except RecursionError:
        raise LexError("source nested too deeply to read", lexer.pos) from None
    return lexer.tokens


@dataclass(frozen=True)
class Structure:
    """How the tokens pair: `match[i]` is the index of the bracket (or template part) closing or opening token
    `i` (-1 for others), `parent[i]` the index of the innermost opening bracket or template part holding it."""

    match: list[int]
    parent: list[int]


def structure(tokens: list[Token]) -> Structure:
    """Pair brackets and template parts; LexError at the first that does not pair."""
    match = [-1] * len(tokens)
    parent = [-1] * len(tokens)
    stack: list[int] = []
    for index, token in enumerate(tokens):
        parent[index] = stack[-1] if stack else -1
        if token.kind == "punct" and token.text in ("(", "[", "{"):
            stack.append(index)
        elif token.kind == "punct" and token.text in _CLOSERS:
            if not stack or tokens[stack[-1]].text != _CLOSERS[token.text]:
                raise LexError(f"a {token.text!r} that closes nothing open", token.start)
            opened = stack.pop()
            match[opened], match[index] = index, opened
            parent[index] = stack[-1] if stack else -1
        elif token.kind == "tpl" and token.part != "full":
            if token.part != "head":
                if not stack or tokens[stack[-1]].kind != "tpl":
                    raise LexError("a template part out of place", token.start)
                opened = stack.pop()
                match[opened], match[index] = index, opened
                parent[index] = stack[-1] if stack else -1
            if token.part != "tail":
                stack.append(index)
    if stack:
        raise LexError(f"a {tokens[stack[-1]].text[:2]!r} that does not close", tokens[stack[-1]].start)
    return Structure(match, parent)

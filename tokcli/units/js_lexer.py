"""A small lexer of JavaScript and TypeScript, enough to find string literals and the code around them.

It tells apart what can hide a quote or a brace: comments, string literals, template literals (with their
`${…}` expressions, templates nested in them), regular expression literals (a `/` where an operand may start is
a regex, after an operand a division: the usual "previous significant token" rule; after a `)` or a `}` what
opened it decides, as parsers do: `if (…) /re/` and a block's `}` are followed by a regex, a call's `)` and an
object literal's `}` by a division) and JSX elements (their text is read past, never taken as a string). Types
of TypeScript need no rule of their own: they hold names, punctuation and string literals only; in `.tsx` a
generic arrow's `<T,>` / `<T extends U>` is told from an element as TypeScript tells it. Anything it cannot read
(a `/` after a `}` that may close a block or an object) is a `LexError` with the offset: the caller takes no
string from such a file, rather than a wrong one.
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
#: Keywords whose `(…)` is followed by a statement (`if (ok) /re/.test(s)`: a regex, not a division).
_CONTROL_KEYWORDS = frozenset({"if", "while", "for", "with", "switch", "catch"})
#: Keywords after which a `{` opens a block.
_BLOCK_KEYWORDS = frozenset({"else", "try", "finally", "do", "static", "export", "import"})
#: Names whose `… {` is a declaration's body (`class A extends B<T> {`, `interface I {`, `declare module "m" {`).
_HEADER_KEYWORDS = frozenset({"class", "interface", "enum", "namespace", "module", "global"})
#: Keywords before `function` / `class` that leave it a declaration (`export default function () {}`).
_DECLARATION_PREFIXES = frozenset({"export", "default", "declare", "abstract", "else", "do"})
# What an opening bracket opened, for what may follow its closing one:
_BLOCK = "block"  # a statement block, a declaration's body: a `/` after its `}` starts a regex
_VALUE = "value"  # an object literal, a function or class expression's body, a group, a call, an array
_CONTROL = "control"  # the `(…)` of if/while/for/with/switch/catch: a `/` after it starts a regex
_FUNCTION = "function"  # the parameters of a function declaration or a method
_FUNCTION_EXPRESSION = "function expression"  # the parameters of a function expression
_UNSURE = "unsure"  # a `{` this lexer cannot place: a `/` after its `}` is a LexError, not a guess
#: `<T,>`, `<T extends U>`, `<T = U>`, `<const T,>` in a `.tsx` file: a generic arrow's type parameters, not an
#: element (an element's attribute may be called `extends`, so not `<T extends>` / `<T extends=…>` / `<T extends/>`).
_TYPE_PARAMETERS = re.compile(
    r"<(?:\s|/\*[\s\S]*?\*/)*(?:const\s+)?[A-Za-z_$][\w$]*(?:\s|/\*[\s\S]*?\*/)*"
    r"(?:,|=(?![=>])|extends\b(?!(?:\s|/\*[\s\S]*?\*/)*[=>/]))"
)


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
        #: (token index, what it opened) of each bracket open; what the last closed one opened (`_VALUE` for
        #: a bracket that closes nothing: `structure` reports it)
        self.open: list[tuple[int, str]] = []
        self.closed = _VALUE
        self.closed_paren = (-1, _VALUE)  # (index of the `)`, what its `(` opened): a `): T {` return type
        self.expression_start = -1  # the token index the last `${…}` or JSX `{…}` starts at: an operand starts there

    def emit(self, kind: str, start: int, end: int, part: str = "") -> None:
        self.tokens.append(Token(kind, start, end, self.text[start:end], part, self.line_break))
        self.line_break = False

    def operand_may_start(self) -> bool | None:
        """Whether what comes next starts an operand (a `/` is a regex, a `<` may open JSX); None after a `}`
        this lexer cannot place."""
        if not self.tokens or len(self.tokens) == self.expression_start:
            return True
        last = self.tokens[-1]
        if last.kind == "name":
            return last.text in _OPERAND_KEYWORDS and not self.is_property(len(self.tokens) - 1)
        if last.kind == "punct":
            if last.text == ")":
                return self.closed == _CONTROL
            if last.text == "}":
                return None if self.closed == _UNSURE else self.closed == _BLOCK
            return last.text not in ("]", "++", "--")
        return last.kind not in ("num", "str", "tpl", "regex", "jsx", "private")

    def is_property(self, index: int) -> bool:
        """Whether the name at `index` follows a `.` (`x.if`, `p.catch`: a property, not a keyword)."""
        before = self.tokens[index - 1] if index > 0 else None
        return before is not None and before.kind == "punct" and before.text in (".", "?.")

    def opening(self, char: str) -> None:
        """Note what the bracket about to be emitted opens, from the tokens before it."""
        if char == "(":
            self.open.append((len(self.tokens), self.paren_kind()))
        elif char == "[":
            self.open.append((len(self.tokens), _VALUE))
        else:
            self.open.append((len(self.tokens), self.brace_kind()))

    def closing(self, char: str, floor: int) -> None:
        """Pair the closing bracket just emitted with its opening one (not below `floor`: a `${` or JSX `{`)."""
        if len(self.open) > floor and self.tokens[self.open[-1][0]].text == _CLOSERS[char]:
            self.closed = self.open.pop()[1]
        else:
            self.closed = _VALUE
        if char == ")":
            self.closed_paren = (len(self.tokens) - 1, self.closed)

    def paren_kind(self) -> str:
        """What the `(` about to be emitted opens: a control keyword's condition, a function's parameters, or a
        call's arguments or a group (`_VALUE`)."""
        tokens = self.tokens
        index = len(tokens) - 1
        if index < 0 or tokens[index].kind != "name":
            return _VALUE if index < 0 or tokens[index].text != "*" else self.function_kind(index - 1)
        name = tokens[index].text
        if name == "await" and index > 0 and tokens[index - 1].text == "for":  # for await (…)
            index, name = index - 1, "for"
        if name in _CONTROL_KEYWORDS and not self.is_property(index):
            return _CONTROL
        if name == "function":
            return self.function_kind(index)
        if index > 0 and tokens[index - 1].text == "*":  # function* name(
            index -= 1
        return self.function_kind(index - 1) if index > 0 and tokens[index - 1].text == "function" else _VALUE

    def function_kind(self, keyword: int) -> str:
        """The parameters of the `function` at `keyword` (if it is one): a declaration's or an expression's."""
        if keyword < 0 or self.tokens[keyword].text != "function" or self.tokens[keyword].kind != "name":
            return _VALUE
        declaration = self.starts_statement(keyword)
        return _UNSURE if declaration is None else _FUNCTION if declaration else _FUNCTION_EXPRESSION

    def starts_statement(self, keyword: int) -> bool | None:
        """Whether the `function` / `class` at `keyword` starts a statement (a declaration), not an expression;
        None when this lexer cannot tell."""
        index = keyword - 1
        while index >= 0 and self.tokens[index].kind == "name" and self.tokens[index].text == "async":
            index -= 1
        if index + 1 == self.expression_start:  # first in a `${…}` or a JSX `{…}`
            return False
        if index < 0:
            return True
        before = self.tokens[index]
        if before.kind == "name":
            return before.text in _DECLARATION_PREFIXES or before.text not in _OPERAND_KEYWORDS
        if before.kind != "punct":
            return True  # a literal before it: a new statement (after a line break)
        if before.text == "{":
            kind = self.open[-1][1] if self.open and self.open[-1][0] == index else _UNSURE
            return True if kind == _BLOCK else None if kind == _UNSURE else False
        return before.text in (";", "}", ")", "]")

    def brace_kind(self) -> str:
        """What the `{` about to be emitted opens: a block (or declaration body), an object literal or
        expression body, or `_UNSURE`."""
        tokens = self.tokens
        if len(tokens) == self.expression_start:  # `${ {…} }`, `style={{…}}`: an object
            return _VALUE
        if not tokens:
            return _BLOCK
        last = tokens[-1]
        text = last.text
        if last.kind == "punct":
            if text in (";", "}", "=>"):  # an arrow's body ends the arrow: a `/` after it starts a statement
                return _BLOCK
            if text == ")":
                return _VALUE if self.closed == _FUNCTION_EXPRESSION else _UNSURE if self.closed == _UNSURE else _BLOCK
            if text in ("{", ":"):
                around = self.open[-1][1] if self.open else _BLOCK
                if text == "{":
                    return _BLOCK if around == _BLOCK else _UNSURE
                return self.after_colon(around) if around in (_BLOCK, _UNSURE) else _VALUE
            if text in ("]", ">"):
                return self.header_kind()
            return _UNSURE if text in ("++", "--", ".", "?.", "@") else _VALUE
        if last.kind == "name":
            if text in _BLOCK_KEYWORDS:
                return _BLOCK
            if text in ("return", "yield"):
                return _BLOCK if self.line_break else _VALUE  # `return\n{` is a return and a block
            if text in _OPERAND_KEYWORDS or text in ("const", "let", "var"):
                return _VALUE
            return self.header_kind()
        return self.header_kind() if last.kind == "str" else _UNSURE

    def after_colon(self, around: str) -> str:
        """What a `{` after a `:` in a block (`around`, or a brace not placed) opens: a block after `case x:`,
        `default:` or a label, an object after `a ? b :`; `_UNSURE` otherwise (a type annotation: `let x: {…}`,
        never followed by a `/`)."""
        tokens = self.tokens
        colon = len(tokens) - 1
        if around == _BLOCK and colon >= 1 and tokens[colon - 1].kind == "name":  # `label: {`, `default: {`
            before = tokens[colon - 2] if colon >= 2 else None
            if tokens[colon - 1].text == "default" or before is None or before.text in (";", "{", "}"):
                return _BLOCK if tokens[colon - 1].text not in ("const", "let", "var") else _UNSURE
        index, depth = colon - 1, 0  # depth: the `(…)` / `[…]` being stepped back over (`case f(a ? b : c): {`)
        for _ in range(40):
            if index < 0:
                return _UNSURE
            token = tokens[index]
            index -= 1
            if token.kind == "punct" and token.text in (")", "]"):
                depth += 1
            elif token.kind == "punct" and token.text in ("(", "[") and depth:
                depth -= 1
            elif depth:
                continue
            elif token.kind == "punct" and token.text == "?":
                return _VALUE
            elif token.kind == "name" and token.text == "case" and not self.is_property(index + 1):
                return _BLOCK
            elif token.kind == "punct" and token.text in (";", "{", "}", "(", "[", ":"):
                return _UNSURE
        return _UNSURE

    def header_kind(self) -> str:
        """What a `{` after a name, `>`, `]` or string opens: the body of `class A extends B<T>`, `interface I`,
        `declare module "m"`, of a function with a return type `(…): T`; `_UNSURE` otherwise."""
        tokens = self.tokens
        index = len(tokens) - 1
        for _ in range(40):
            if index < 0:
                return _UNSURE
            token = tokens[index]
            if token.kind == "punct" and token.text in (";", "{", "}", "=", "(", "=>"):
                return _UNSURE
            if token.kind == "punct" and token.text == ":" and index > 0 and tokens[index - 1].text == ")":
                paren, kind = self.closed_paren
                if paren != index - 1 or kind == _UNSURE:
                    return _UNSURE
                return _VALUE if kind == _FUNCTION_EXPRESSION else _BLOCK
            if token.kind == "name" and token.text in _HEADER_KEYWORDS and not self.is_property(index):
                if token.text != "class":
                    return _BLOCK
                declaration = self.starts_statement(index)
                return _UNSURE if declaration is None else _BLOCK if declaration else _VALUE
            index -= 1
        return _UNSURE

    def code(self, nested: bool) -> None:
        """Tokens until the end (or, `nested`, until the `}` closing a `${` or a JSX `{`, consumed)."""
        text = self.text
        size = len(text)
        depth = 0
        floor = len(self.open)
        if nested:
            self.expression_start = len(self.tokens)
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
                    self.closing("}", floor)
                elif char == "}":
                    self.pos += 1
                    del self.open[floor:]
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
            if kind == "punct" and char in "([{":
                if char == "{":
                    depth += 1
                self.opening(char)
                self.emit("punct", start, self.pos)
                continue
            self.emit(kind or "punct", start, self.pos)
            if kind == "punct" and char in ")]":
                self.closing(char, floor)

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
        elif char == "/" and self.regex_may_start(start):
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

    def regex_may_start(self, start: int) -> bool:
        """Whether the `/` at `start` opens a regex; LexError when that cannot be told."""
        may = self.operand_may_start()
        if may is None:
            raise LexError("a / after a } that may close a block or an object: regex or division unknown", start)
        return may

    def opens_jsx(self, start: int) -> bool:
        following = self.text[start + 1 : start + 2]
        if not (following == ">" or _JSX_NAME.match(following)):
            return False
        return not _TYPE_PARAMETERS.match(self.text, start)  # `<T,>(x: T) => x` is a generic arrow

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

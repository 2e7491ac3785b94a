"""Handlebars, the template language of dotprompt files: where its tags are, and whether its blocks close.

tokcli never renders a template; it only needs the spans of the tags (to leave them alone and to verify them
after compressing) and a syntax check that names the line of a block left open or closed twice. Recognised:
`{{name}}`, `{{{raw}}}` and `{{&name}}`, blocks `{{#if x}}` … `{{else}}` … `{{/if}}` (and `{{^x}}`,
`{{#each}}`, `{{#with}}`, `{{#> partial}}`, `{{#*inline "x"}}`), partials `{{> name}}`, comments `{{! … }}`
and `{{!-- … --}}`, raw blocks `{{{{raw}}}} … {{{{/raw}}}}`, whitespace control `{{~ … ~}}`, and `\\{{` as
literal text. The scan is one pass with an explicit stack: no nesting depth makes it recurse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tokcli.errors import InputError
from tokcli.prompts import Span, find_closer, line_col, scan_tags

_OPENER = re.compile(r"\{\{")
_COMMENT_END = re.compile(r"--~?\}\}")
_TRIPLE_END = re.compile(r"\}~?\}\}")
_NAME = re.compile(r"[^\s}~()]+")


@dataclass(frozen=True)
class BlockTag:
    """What a block-kind tag does to the nesting: "open" (`{{#x}}`, `{{^x}}`), "close" (`{{/x}}`), "else"
    (`{{else}}`, `{{^}}`, `{{else if …}}`) or "partial" (`{{> x}}`), with the block's name."""

    role: str
    name: str


def find_handlebars_spans(text: str, start: int = 0) -> list[Span]:
    """Offsets of every Handlebars tag in `text[start:]`; InputError (with the line) for a tag left open.

    Kinds as for Jinja2: "variable" for output tags, "block" for block, else and partial tags (their order is
    the template's structure), "comment" and "raw"."""
    return scan_tags(text, start, _OPENER, _read)


def _read(text: str, match: re.Match[str]) -> Span | None:
    begin = match.start()
    if begin > 0 and text[begin - 1] == "\\":  # `\{{` is literal text
        return None
    return _raw_block(text, begin) if text.startswith("{{{{", begin) else _tag(text, begin)


def _unclosed(text: str, begin: int, what: str) -> InputError:
    return InputError(f"unclosed Handlebars {what}", line=line_col(text, begin)[0])


def _raw_block(text: str, begin: int) -> Span:
    head_end = text.find("}}}}", begin + 4)
    if head_end < 0:
        raise _unclosed(text, begin, "raw block '{{{{'")
    name = _NAME.search(text, begin + 4, head_end)
    closer = re.compile(r"\{\{\{\{/\s*" + re.escape(name.group() if name else "") + r"\s*\}\}\}\}")
    end = closer.search(text, head_end + 4)
    if end is None:
        raise _unclosed(text, begin, "raw block '{{{{'")
    return Span(begin, end.end(), "raw")


def _tag(text: str, begin: int) -> Span:
    inner = begin + 2
    if text.startswith("~", inner):
        inner += 1
    if text.startswith("!--", inner):
        comment_end = _COMMENT_END.search(text, inner + 3)
        if comment_end is None:
            raise _unclosed(text, begin, "comment '{{!--'")
        return Span(begin, comment_end.end(), "comment")
    if text.startswith("!", inner):
        end = text.find("}}", inner)
        if end < 0:
            raise _unclosed(text, begin, "comment '{{!'")
        return Span(begin, end + 2, "comment")
    if text.startswith("{", inner):  # `{{{raw}}}`, `{{~{raw}~}}`
        triple_end = _TRIPLE_END.search(text, inner + 1)
        if triple_end is None:
            raise _unclosed(text, begin, "tag '{{{'")
        return Span(begin, triple_end.end(), "variable")
    end = find_closer(text, inner, "}}", False)
    if end < 0:
        raise _unclosed(text, begin, "tag '{{'")
    return Span(begin, end, "block" if block_tag(text[begin:end]) is not None else "variable")


def block_tag(tag: str) -> BlockTag | None:
    """The role and name of a `{{…}}` tag that opens, continues or closes a block, or is a partial."""
    body = tag[2:-2].strip("~").strip()
    if not body:
        return None
    sigil = body[0]
    if sigil in "#^/":
        rest = body[1:].lstrip().lstrip(">*").lstrip()
        name = _NAME.match(rest)
        if sigil == "^" and name is None:
            return BlockTag("else", "")  # `{{^}}`: the inverse section of the enclosing block
        role = "close" if sigil == "/" else "open"
        return BlockTag(role, name.group() if name else "")
    if sigil == ">":
        name = _NAME.match(body[1:].lstrip())
        return BlockTag("partial", name.group() if name else "")
    if body == "else" or body.startswith(("else ", "else\t", "else\n")):
        return BlockTag("else", "")
    return None


def check_handlebars_syntax(path: str, text: str, spans: list[Span]) -> None:
    """InputError naming the line of the first block closed that is not open, closed under another name,
    `{{else}}` outside any block, or a block never closed."""
    open_blocks: list[tuple[str, int]] = []  # (name, offset of the opening tag)
    for span in spans:
        if span.kind != "block":
            continue
        tag = block_tag(text[span.start : span.end])
        if tag is None or tag.role == "partial":
            continue
        if tag.role == "open":
            open_blocks.append((tag.name, span.start))
            continue
        problem = None
        if tag.role == "else":
            problem = None if open_blocks else "{{else}} outside a block"
        elif not open_blocks:
            problem = f"{{{{/{tag.name}}}}} closes no block"
        else:
            name, opened = open_blocks.pop()
            if name != tag.name:
                problem = f"{{{{/{tag.name}}}}} closes {{{{#{name}}}}} (line {line_col(text, opened)[0]})"
        if problem is not None:
            line = line_col(text, span.start)[0]
            raise InputError(f"Handlebars syntax error: {problem}", path=path, line=line)
    if open_blocks:
        name, opened = open_blocks[-1]
        raise InputError(
            f"Handlebars syntax error: {{{{#{name}}}}} is never closed with {{{{/{name}}}}}",
            path=path,
            line=line_col(text, opened)[0],
        )

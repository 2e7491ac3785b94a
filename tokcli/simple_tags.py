"""A fast, exact shortcut past Jinja2's pure-Python lexer and parser for templates whose tags are all simple.

Jinja2 lexes and parses at about 1 MB/s of tags, so a template of many thousands of tags took seconds to
check (`count`, `lint`) and to verify after compressing. Most prompt templates use only a few forms:

- `{{ name }}`, `{{ user.name | default("there") | upper }}`;
- `{% if name %}`, `{% elif not a.b == "x" %}`, `{% if n > 3 %}`, `{% if a is defined %}`, `{% else %}`,
  `{% endif %}`;
- `{% for item in items %}`, `{% for key, value in pairs | sort %}`, `{% else %}`, `{% endfor %}`;
- comments `{# … #}`;

with `-` whitespace control at either end. `simple_template` checks, in one pass of regular expressions over
the tags, that every tag of a body is one of these and that the spans given are exactly the tags Jinja2's
lexer finds (no tag opener in the text between them, each tag ending at its first closer). Then:

- Jinja2's lexer reads each tag alone, whatever the text around it (no escapes, braces or unbalanced
  parentheses inside could carry it past the closer), and accepts it: its tokens (static text aside) follow from the tags' texts;
- when besides the blocks close in order and nest no deeper than `MAX_DEPTH`, Jinja2's parser accepts the
  body: it builds an `If` or a `For` from exactly these forms and fails only on a block left open, closed by
  the wrong end tag, an `elif` or `else` where none may stand, or on recursion far deeper than `MAX_DEPTH`.

Anything else (escapes or braces in strings, other numbers, calls, subscripts, arithmetic, `and`/`or`, other
statements, `{% raw %}`, `+` whitespace control, non-ASCII names, keywords as names) answers None and the
caller asks Jinja2 itself, so the verdict is always Jinja2's. Tests compare both with Jinja2's on generated
templates.
"""

from __future__ import annotations

import functools
import keyword
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokcli.prompts import Span

#: Jinja2's parser recurses five or six frames per nested block: far below the interpreter's limit here.
MAX_DEPTH = 32

#: Callers take the shortcut for bodies of at least this many tags: compiling its patterns (~30 ms, once per
#: process) costs what Jinja2 takes for a few hundred tags, and most prompt templates have a few dozen.
#: Compress verification also takes it once the process has met this many tags in all (`shortcut_pays`).
SHORTCUT_MIN_TAGS = 256

_tags_met = 0  # tags of the bodies `shortcut_pays` was asked about in this process


def shortcut_pays(tags: int) -> bool:
    """Whether a caller takes the shortcut for a body of `tags` tags: from `SHORTCUT_MIN_TAGS` tags on, or once
    this process has met that many in all (an audit of many small templates pays for the patterns once, then
    lexes none of them). Either way the verdicts are Jinja2's: only the time differs."""
    global _tags_met
    _tags_met += tags
    return tags >= SHORTCUT_MIN_TAGS or _tags_met >= SHORTCUT_MIN_TAGS


#: Names that are keywords to Jinja2's parser or lexer somewhere (`not`, `in`, `is`, `if`, `recursive`,
#: constants it folds, Python's keywords): a name is none of them, so a tag naming one goes to Jinja2.
_RESERVED = sorted({*keyword.kwlist, "true", "false", "none", "recursive", "elif", "endif", "endfor"})
_SPACE = r"[ \t\r\n]"
_END_OF_WORD = r"(?![A-Za-z0-9_])"
_NAME = rf"(?!(?:{'|'.join(_RESERVED)}){_END_OF_WORD})[A-Za-z_][A-Za-z0-9_]*"
_PATH = rf"{_NAME}(?:\.{_NAME})*"
#: printable ASCII without backslashes or braces: Jinja2's lexer and `find_closer` end such a string at the
#: same quote, and it can hold no closer
_STRING = r"\"[ !#-\[\]-z|~]*\"|'[ -&(-\[\]-z|~]*'"
#: no leading zero (Jinja2 reads integers with `int(text, 0)`, which rejects `007`), no `_`, `.` or letter after
_INTEGER = r"(?:0|[1-9][0-9]*)(?![\w.])"
_LITERAL = rf"(?:{_STRING}|{_INTEGER}|(?:true|false|none|True|False|None){_END_OF_WORD})"
_ARGUMENT = rf"(?:{_LITERAL}|{_PATH})"
_ARGUMENTS = rf"\({_SPACE}*(?:{_ARGUMENT}(?:{_SPACE}*,{_SPACE}*{_ARGUMENT})*)?{_SPACE}*\)"
_FILTERED = rf"{_PATH}(?:{_SPACE}*\|{_SPACE}*{_NAME}(?:{_ARGUMENTS})?)*"
_VALUE = rf"(?:{_FILTERED}|{_LITERAL})"
_COMPARISON = (
    rf"{_VALUE}(?:{_SPACE}*(?:==|!=|>=|<=|>|<){_SPACE}*{_VALUE}"
    rf"|{_SPACE}+(?:not{_SPACE}+)?in{_SPACE}+{_VALUE})?"
)
#: a test (`is defined`) only last: a word after its name would be read as its argument
_TEST = rf"{_FILTERED}{_SPACE}+is(?:{_SPACE}+not)?{_SPACE}+(?:{_NAME}|none|true|false){_END_OF_WORD}"
_CONDITION = rf"(?:not{_SPACE}+)?(?:{_TEST}|{_COMPARISON})"
_TARGET = rf"{_NAME}(?:{_SPACE}*,{_SPACE}*{_NAME})?"
#: the text between `{{` and `}}`: a `-` right after the opener or right before the closer strips whitespace
_VARIABLE = rf"-?{_SPACE}*{_CONDITION}{_SPACE}*-?"
_BLOCK = (
    rf"-?{_SPACE}*(?:"
    rf"(?P<test>if|elif){_SPACE}+{_CONDITION}"
    rf"|(?P<loop>for){_SPACE}+{_TARGET}{_SPACE}+in{_SPACE}+{_FILTERED}"
    rf"|(?P<word>else|endif|endfor)"
    rf"){_SPACE}*-?"
)
_OPENER = re.compile(r"\{[{%#]")
_KIND_OF_OPENER = {"{{": "variable", "{%": "block", "{#": "comment"}


@dataclass(frozen=True)
class SimpleTemplate:
    """A body whose tags are all simple (see the module): Jinja2's lexer accepts it, tag by tag."""

    #: the tags' texts in order (comments included): two simple bodies with the same texts have the same
    #: Jinja2 tokens once static text is left out
    tag_texts: tuple[str, ...]
    #: its blocks close in order, nested at most MAX_DEPTH deep: Jinja2's parser accepts it
    parses: bool


def simple_template(text: str, spans: list[Span], start: int = 0) -> SimpleTemplate | None:
    """`text[start:]` with its template `spans` (from `find_template_spans`) as a SimpleTemplate; None when a
    tag is not one of the simple forms, or the spans are not the tags Jinja2's lexer would find."""
    variable_pattern, block_pattern = _patterns()
    texts: list[str] = []
    open_blocks: list[str] = []  # "if", "if-else", "for", "for-else"
    deepest = 0
    balanced = True
    position = start
    for span in spans:
        if span.start < start:
            continue
        if _OPENER.search(text, position, span.start + 1) is not None:
            return None  # a tag the spans left out (or one starting a character earlier: `{{{`)
        tag = text[span.start : span.end]
        if _KIND_OF_OPENER.get(tag[:2]) != span.kind:
            return None
        if span.kind == "comment":
            if text.find("#}", span.start + 2) + 2 != span.end:
                return None
        elif span.kind == "variable":
            if not tag.endswith("}}") or variable_pattern.fullmatch(tag, 2, len(tag) - 2) is None:
                return None
        else:
            block = block_pattern.fullmatch(tag, 2, len(tag) - 2) if tag.endswith("%}") else None
            if block is None:
                return None
            if balanced:
                balanced = _nest(open_blocks, block.group("test") or block.group("loop") or block.group("word"))
                deepest = max(deepest, len(open_blocks))
        texts.append(tag)
        position = span.end
    if _OPENER.search(text, position) is not None:
        return None
    return SimpleTemplate(tuple(texts), balanced and not open_blocks and deepest <= MAX_DEPTH)


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The patterns of a variable tag's and a block tag's inside, compiled on first use (see SHORTCUT_MIN_TAGS)."""
    return re.compile(_VARIABLE), re.compile(_BLOCK)


def _nest(open_blocks: list[str], word: str) -> bool:
    """Apply one block tag to the stack of open blocks; False where Jinja2's parser fails."""
    top = open_blocks[-1] if open_blocks else ""
    if word in ("if", "for"):
        open_blocks.append(word)
    elif word == "elif":
        return top == "if"
    elif word == "else":
        if top not in ("if", "for"):
            return False
        open_blocks[-1] = top + "-else"
    else:  # endif, endfor
        if top.split("-")[0] != word[3:]:
            return False
        open_blocks.pop()
    return True

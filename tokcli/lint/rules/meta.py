"""TK9xx — meta rules about tokcli's own suppression comments.

Suppressions are written in the file's comment syntax: `{# tokcli: noqa TK301 #}` (Jinja, invisible to
the model), `<!-- tokcli: noqa TK301 -->` (markdown), `# tokcli: noqa` (YAML chat files, plain text);
`tokcli: noqa-file` covers the whole file. A comment alone on its line also covers the next line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tokcli.lint.rules.base import Context, Rule, Segment, register
from tokcli.prompts import line_col

_DIRECTIVE = re.compile(
    r"(?:\{#-?|<!--|(?:^|(?<=\s))#|(?:^|(?<=\s))//)[ \t]*tokcli:[ \t]*(noqa-file|noqa)\b([^\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
_CODE_LIKE = re.compile(r"^TK\d+$", re.IGNORECASE)
_CLOSERS = re.compile(r"-?#\}|-->")


@dataclass
class Directive:
    start: int
    end: int
    line: int
    file_level: bool
    lines: frozenset[int]
    codes: list[str]
    unknown: list[str]
    used: set[str] = field(default_factory=set)

    @property
    def blanket(self) -> bool:
        return not self.codes and not self.unknown

    def covers(self, line: int, code: str) -> bool:
        if not self.file_level and line not in self.lines:
            return False
        return self.blanket or code in self.codes


#: Non-ASCII characters the regex engine matches case-insensitively to a letter of "tokcli" (İ, ı → i; K → k).
_NON_SPACE = re.compile(r"\S")
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u212a": "k"})


def _may_have_directive(text: str) -> bool:
    """False only when no `_DIRECTIVE` can match: every match has "tokcli" in it, in any case."""
    folded = text.lower() if text.isascii() else text.translate(_FOLD).lower()
    return "tokcli" in folded or len(folded) != len(text)


def parse_directives(text: str, names: dict[str, str]) -> list[Directive]:
    """Every suppression comment in `text`; `names` maps rule names and codes to codes."""
    directives: list[Directive] = []
    if not _may_have_directive(text):  # a C-level search instead of the regex's walk through every line
        return directives
    line_end = -2  # the line break after the previous directive: the same for the next one on its line
    for match in _DIRECTIVE.finditer(text):
        rest = _CLOSERS.split(match.group(2), maxsplit=1)[0]
        codes: list[str] = []
        unknown: list[str] = []
        for token in re.split(r"[\s,:]+", rest.strip()):
            if not token:
                continue
            code = names.get(token.upper()) or names.get(token.lower())
            if code:
                codes.append(code)
            elif _CODE_LIKE.match(token):
                unknown.append(token.upper())
            else:
                break  # the rest is an explanation
        line, column = line_col(text, match.start())
        line_start = match.start() - column + 1
        if line_end == -2 or 0 <= line_end < match.end():
            line_end = text.find("\n", match.end())
        closer = _CLOSERS.search(text, match.start(), line_end if line_end >= 0 else len(text))
        end = closer.end() if closer else (line_end if line_end >= 0 else len(text))
        alone = (
            _NON_SPACE.search(text, line_start, match.start()) is None
            and _NON_SPACE.search(text, end, line_end if line_end >= 0 else len(text)) is None
        )
        lines = frozenset({line, line + 1} if alone else {line})
        is_file = match.group(1).lower() == "noqa-file"
        directives.append(Directive(match.start(), end, line, is_file, lines, codes, unknown))
    return directives


def _whole_file(ctx: Context) -> Segment:
    """The whole file as one segment (directives may sit in front matter), made only when a directive is
    reported: building it looks for the code blocks of the whole text (24 MB of line copies at 4 MB)."""
    segment = ctx.__dict__.get("meta_segment")
    if segment is None:
        segment = Segment(ctx.document.text, 0, 1)
        ctx.__dict__["meta_segment"] = segment
    return segment


@register
class UnusedSuppression(Rule):
    """A `tokcli: noqa` comment that suppresses nothing (the finding was fixed, or the code is wrong).

    Wasteful:
        Answer briefly. <!-- tokcli: noqa TK301 -->
    Fixed:
        Answer briefly.
    """

    code = "TK901"
    name = "unused-suppression"
    measures_waste = False
    meta = True

    def check(self, ctx: Context) -> None:
        enabled = ctx.enabled_codes
        for directive in ctx.directives:
            if directive.blanket:
                if not directive.used:
                    what = "file-level suppression" if directive.file_level else "suppression"
                    ctx.report(_whole_file(ctx), directive.start, directive.end, f"unused {what}: nothing to suppress")
                continue
            unused = [code for code in directive.codes if code not in directive.used and code in enabled]
            if unused:
                ctx.report(
                    _whole_file(ctx), directive.start, directive.end, f"unused suppression for {', '.join(unused)}"
                )


@register
class InvalidSuppression(Rule):
    """A `tokcli: noqa` comment naming a rule code that does not exist.

    Wasteful:
        {# tokcli: noqa TK999 #}
    Fixed:
        {# tokcli: noqa TK301 #}
    """

    code = "TK902"
    name = "invalid-suppression"
    measures_waste = False
    meta = True

    def check(self, ctx: Context) -> None:
        for directive in ctx.directives:
            if directive.unknown:
                ctx.report(
                    _whole_file(ctx),
                    directive.start,
                    directive.end,
                    f"unknown rule code{'s' if len(directive.unknown) > 1 else ''} in suppression: "
                    f"{', '.join(directive.unknown)} (see `tokcli rules`)",
                )

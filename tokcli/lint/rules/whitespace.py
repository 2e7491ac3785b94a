"""TK1xx — whitespace and formatting: blank lines, trailing and inner whitespace, separators, banners,
markdown decoration."""

from __future__ import annotations

import re
import textwrap
from typing import Any, ClassVar

from tokcli.lint.layout import narrative
from tokcli.lint.rules.base import Context, RangeSet, Rule, Segment, register, with_next
from tokcli.markdown_code import LIST_ITEM

_SEPARATOR_CHARS = "=-*_~#+.<>/\\|:─━═•·▀▄█░▒▓■□◆◇★☆"
_SEPARATOR_SET = frozenset(_SEPARATOR_CHARS)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$")
_FRAMED = re.compile(r"^[ \t]*([*#║│|+])[^|\n]*[^\s|][^|\n]*\1[ \t]*\r?$")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S")


def is_blank(line: str) -> bool:
    return not line.strip()


# The two line shapes below are checked by string work, not by a regex repeating a group per character: that
# kept backtracking state for every character, hundreds of megabytes on a line of millions.


def _decoration_run(line: str) -> bool:
    """Five or more of `_SEPARATOR_CHARS`, at most one blank between two, blanks around (and a final CR)."""
    body = line[:-1] if line.endswith("\r") else line
    body = body.strip(" \t")
    if "  " in body or "\t\t" in body or " \t" in body or "\t " in body:
        return False
    dense = body.replace(" ", "").replace("\t", "")
    return len(dense) >= 5 and all(char in _SEPARATOR_SET for char in dense)


def horizontal_rule(line: str) -> bool:
    """A markdown thematic break: at most three spaces or tabs, then three or more of one of `-*_`, blanks
    between, blanks after (and a final CR)."""
    body = line[:-1] if line.endswith("\r") else line
    indent = len(body) - len(body.lstrip(" \t"))
    core = body.strip(" \t")
    if indent > 3 or not core or core[0] not in "-*_":
        return False
    dense = core.replace(" ", "").replace("\t", "")
    return len(dense) >= 3 and dense.count(core[0]) == len(dense)


def separator_line(line: str) -> bool:
    """A line that is only repeated decoration characters (at most three distinct ones), no table rule."""
    stripped = line.strip()
    if not _decoration_run(line) or _TABLE_RULE.match(line):
        return False
    return len(set(stripped.replace(" ", "").replace("\t", ""))) <= 3


#: Runs of characters that are alphanumeric (`str.isalnum`), and runs of whitespace (`str.isspace`): `\w` is
#: exactly "alphanumeric or _" and `\s` exactly `isspace`. What is left once they are taken out is the
#: decoration, counted in C without a string per character (`findall` of each was 76 MB on a line of a million
#: marks). Two patterns of one character class each: one alternation repeated (`(?:[^\W_]|\s)+`) kept a
#: backtracking entry per character, 250 MB on a line of two million.
_LETTERS_OR_DIGITS = re.compile(r"[^\W_]+")
_WHITESPACE = re.compile(r"\s+")


def decoration_count(line: str) -> int:
    """How many characters of `line` are neither alphanumeric nor whitespace."""
    return len(_WHITESPACE.sub("", _LETTERS_OR_DIGITS.sub("", line)))


def _art_line(line: str) -> bool:
    stripped = line.strip()
    if len(stripped) < 5:
        return False
    decoration = decoration_count(stripped)
    return decoration / len(stripped.replace(" ", "")) >= 0.6 and stripped.count("|") < 3


def banner_blocks(segment: Segment) -> list[tuple[int, int, list[tuple[int, int, str]]]]:
    """Runs of 3+ decorative lines (separators, framed lines, ASCII art) with 2+ separator/art lines."""
    cached = segment.cache.get("banners")
    if cached is not None:
        return list(cached)
    blocks = []
    run: list[tuple[int, int, str]] = []
    strong = 0

    def flush() -> None:
        if len(run) >= 3 and strong >= 2:
            blocks.append((run[0][0], run[-1][1], list(run)))

    for start, end, line in segment.lines():
        if segment.in_fence(start) or is_blank(line) or "\0" in line:
            flush()
            run, strong = [], 0
            continue
        decorative = separator_line(line) or _art_line(line)
        if decorative or (_FRAMED.match(line) and run):
            run.append((start, end, line))
            strong += 1 if decorative else 0
        else:
            flush()
            run, strong = [], 0
    flush()
    segment.cache["banners"] = blocks
    return blocks


def _line_body(line: str) -> str:
    return line[:-1] if line.endswith("\r") else line


@register
class BlankLineRun(Rule):
    """Runs of blank lines longer than `max-blank-lines`.

    Every extra newline is sent to the model on every call and tells it nothing.

    Wasteful:
        You are a support agent.



        Answer briefly.
    Fixed:
        You are a support agent.

        Answer briefly.
    """

    code = "TK101"
    name = "blank-line-run"
    safe_fix = True
    options: ClassVar[dict[str, Any]] = {"max-blank-lines": 1}

    def check(self, ctx: Context) -> None:
        keep = int(self.opts["max-blank-lines"])
        # Jinja drops one final newline unless the application sets keep_trailing_newline: a template ending in
        # one blank line renders without it.
        template = ctx.document.kind in ("jinja", "prompty", "dotprompt")
        end_allowance = 1 if template and not ctx.jinja.get("keep-trailing-newline", False) else 0
        for segment in ctx.segments:
            run: list[tuple[int, int, str]] = []
            for item in segment.lines_then_none():
                if item is not None and is_blank(item[2]) and not segment.in_fence(item[0]):
                    run.append(item)
                    continue
                at_end = item is None
                allowed = end_allowance if at_end else keep
                if len(run) > allowed:
                    cut_start = run[allowed][0]
                    cut_end = min(run[-1][1] + 1, len(segment.text))
                    where = " at the end" if at_end else ""
                    ctx.report(
                        segment,
                        run[0][0],
                        run[-1][1],
                        f"{len(run)} blank line{'s' if len(run) > 1 else ''}{where} (max {allowed})",
                        edits=[(cut_start, cut_end, "")],
                    )
                run = []


@register
class TrailingWhitespace(Rule):
    """Spaces or tabs at the end of a line.

    Wasteful:
        Answer in English.␠␠␠
    Fixed:
        Answer in English.
    """

    code = "TK102"
    name = "trailing-whitespace"
    safe_fix = True
    options: ClassVar[dict[str, Any]] = {"min-tokens": 1}

    def check(self, ctx: Context) -> None:
        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            # The lines are read one ahead (a list of them all was 70 MB at 4 MB of short lines).
            previous_blank = False
            for (start, _end, line), following in with_next(segment.lines()):
                blank = is_blank(line)
                after_blank, previous_blank = previous_blank, blank
                body = _line_body(line)
                # The trailing run of spaces and tabs, by rstrip: the regex `[ \t]+$` retried every start of a
                # long run (quadratic on a line of 40,000 spaces).
                kept = len(body.rstrip(" \t"))
                if kept == len(body) or segment.in_fence(start):
                    continue  # nothing to strip, or code (a string literal's spaces are data)
                if is_blank(body) and (after_blank or (following is not None and is_blank(following[2]))):
                    continue  # part of a blank-line run: TK101's business
                a, b = start + kept, start + len(body)
                wasted = ctx.savings(segment, a, b, "")
                if wasted >= minimum:
                    ctx.report(segment, a, b, "trailing whitespace", replacement="", tokens_wasted=wasted)


@register
class WhitespaceRun(Rule):
    """Runs of spaces or tabs between words (outside code blocks and tables).

    Wasteful:
        Reply with     the answer only.
    Fixed:
        Reply with the answer only.
    """

    code = "TK103"
    name = "whitespace-run"
    safe_fix = True
    options: ClassVar[dict[str, Any]] = {"min-run": 3, "min-tokens": 1}

    def check(self, ctx: Context) -> None:
        run = max(2, int(self.opts["min-run"]))
        pattern = re.compile(r"(?<=\S)(?: {" + str(run) + r",}|\t+[ \t]*)(?=\S)")
        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            if pattern.search(segment.masked) is None:
                continue  # no run anywhere (a run never crosses a line break): no line to look at
            for start, _end, line in segment.lines():
                matches = list(pattern.finditer(line))
                if not matches or not narrative(segment, start) or line.lstrip().startswith("|"):
                    continue  # code, data and example payloads keep their spacing (it may be inside a string)
                for match in matches:
                    a, b = start + match.start(), start + match.end()
                    wasted = ctx.savings(segment, a, b, " ")
                    if wasted >= minimum:
                        ctx.report(
                            segment,
                            a,
                            b,
                            f"run of {match.end() - match.start()} whitespace characters",
                            replacement=" ",
                            tokens_wasted=wasted,
                        )


@register
class DeepIndentation(Rule):
    """Prose indented deeper than `max-indent` columns (outside code blocks).

    Indentation is sent as whitespace tokens; prose does not need it.

    Wasteful:
        Rules:
                    - be brief
                    - cite sources
    Fixed:
        Rules:
        - be brief
        - cite sources
    """

    code = "TK104"
    name = "deep-indentation"
    severity = "info"
    options: ClassVar[dict[str, Any]] = {"max-indent": 8, "min-tokens": 2}

    def check(self, ctx: Context) -> None:
        limit = int(self.opts["max-indent"])
        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            block: list[tuple[int, int, str]] = []
            for item in segment.lines_then_none():
                if item is not None and not segment.in_fence(item[0]) and not is_blank(item[2]):
                    indent = len(item[2]) - len(item[2].lstrip(" \t"))
                    width = len(item[2][:indent].expandtabs(4))
                    nested_list = LIST_ITEM.match(item[2]) is not None  # nested lists indent by design
                    if width > limit and item[2].lstrip(" \t")[:1] not in ("\0", "|") and not nested_list:
                        block.append(item)
                        continue
                if block:
                    text = "\n".join(segment.text[a:b] for a, b, _ in block)
                    wasted = ctx.count(text) - ctx.count(textwrap.dedent(text))
                    if wasted >= minimum:
                        lines = len(block)
                        ctx.report(
                            segment,
                            block[0][0],
                            block[-1][1],
                            f"{lines} line{'s' if lines > 1 else ''} of prose indented over {limit} columns",
                            tokens_wasted=wasted,
                        )
                    block = []


@register
class DecorativeSeparator(Rule):
    """Long separator lines (`==========`, `**********`, `-=-=-=-=`) that a short `---` would do.

    Wasteful:
        ==============================
        OUTPUT
    Fixed:
        ---
        OUTPUT
    """

    code = "TK105"
    name = "decorative-separator"
    safe_fix = True
    options: ClassVar[dict[str, Any]] = {"max-length": 3, "min-tokens": 1}

    def check(self, ctx: Context) -> None:
        limit = int(self.opts["max-length"])
        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            in_banner = RangeSet([(a, b) for a, b, _ in banner_blocks(segment)])
            previous = ""
            for start, _end, line in segment.lines():
                body = _line_body(line)
                stripped = body.strip()
                if (
                    separator_line(body)
                    and len(stripped) > limit
                    and not segment.in_fence(start)
                    and not in_banner.contains(start)
                ):
                    setext = (previous.strip() and set(stripped) <= {"="}) or set(stripped) <= {"-"}
                    replacement = ("===" if "=" in stripped else "---") if setext else "---"
                    a = start + body.index(stripped[0])
                    if replacement == "---" and segment.start == 0 and a == 0:
                        replacement = "***"  # a "---" first line would open YAML front matter
                    b = a + len(stripped)
                    wasted = ctx.savings(segment, a, b, replacement)
                    if wasted >= minimum:
                        ctx.report(
                            segment,
                            a,
                            b,
                            f"decorative separator of {len(stripped)} characters; '{replacement}' does the same",
                            replacement=replacement,
                            tokens_wasted=wasted,
                        )
                previous = body


@register
class AsciiBanner(Rule):
    """ASCII-art banners and boxed titles: lines of decoration around a few words.

    Wasteful:
        ##############################
        #      SYSTEM INSTRUCTIONS   #
        ##############################
    Fixed:
        # System instructions
    """

    code = "TK106"
    name = "ascii-banner"
    options: ClassVar[dict[str, Any]] = {"min-tokens": 5}

    def check(self, ctx: Context) -> None:
        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            for start, end, lines in banner_blocks(segment):
                words = _banner_words(" ".join(line for _, _, line in lines))
                title = "# " + " ".join(words)[:60].capitalize() if words else ""
                wasted = ctx.count(segment.text[start:end]) - ctx.count(title)
                if wasted >= minimum:
                    ctx.report(
                        segment,
                        start,
                        end,
                        f"ASCII banner of {len(lines)} lines costs {wasted} tokens more than a heading"
                        + (f" ('{title}')" if title else ""),
                        tokens_wasted=wasted,
                    )


def _banner_words(text: str) -> list[str]:
    """The words of a banner, with letter-spaced ones ("L U M E N   B O T") joined back ("LUMEN BOT")."""
    words: list[str] = []
    for chunk in re.split(r"\s{2,}", text):
        parts = re.findall(r"[^\W_]+(?:['’][^\W_]+)?", chunk)
        spaced = len(parts) > 2 and all(len(part) == 1 for part in parts)
        words.extend(["".join(parts)] if spaced else parts)
    return words


@register
class MarkdownDecoration(Rule):
    """Markdown decoration that adds tokens but no structure: bold headings, closing `#`s,
    `***triple***` emphasis, a rule right before a heading.

    Wasteful:
        ---
        ## **Output format** ##
        ***Always*** answer in JSON.
    Fixed:
        ## Output format
        **Always** answer in JSON.
    """

    code = "TK107"
    name = "markdown-decoration"
    severity = "info"
    options: ClassVar[dict[str, Any]] = {"min-tokens": 1}

    _bold_heading = re.compile(r"^([ \t]{0,3}#{1,6}[ \t]+)(\*\*|__)([^*_\n]+?)\2(?:[ \t]+#+)?[ \t]*$")
    _closing_hashes = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+[^\n]*?\S([ \t]+#+)[ \t]*$")
    _triple = re.compile(r"(\*\*\*|___)(?=\S)([^*_\n\0]+?)(?<=\S)\1")

    def check(self, ctx: Context) -> None:
        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            previous_blank = True  # the first line has none before it
            for start, end, line in segment.lines():
                after_blank, previous_blank = previous_blank, is_blank(line)
                if segment.in_fence(start):
                    continue
                body = _line_body(line)
                found: list[tuple[int, int, str, str]] = []
                bold = self._bold_heading.match(body)
                if bold:
                    found.append((start, start + len(body), bold.group(1) + bold.group(3), "bold inside a heading"))
                else:
                    closing = self._closing_hashes.match(body)
                    if closing:
                        a = start + closing.start(1)
                        found.append((a, start + len(body), "", "closing '#' characters on a heading"))
                for match in self._triple.finditer(body):
                    found.append(
                        (start + match.start(), start + match.end(), f"**{match.group(2)}**", "triple emphasis")
                    )
                if horizontal_rule(body) and after_blank:
                    following = _next_visible_line(segment, end)
                    if following is not None and _HEADING.match(following[2]):
                        cut_end = min(following[0], len(segment.text))
                        found.append((start, cut_end, "", "horizontal rule right before a heading"))
                for a, b, replacement, what in found:
                    wasted = ctx.savings(segment, a, b, replacement)
                    if wasted >= minimum:
                        ctx.report(segment, a, b, what, replacement=replacement, tokens_wasted=wasted)


def _next_visible_line(segment: Segment, end: int) -> tuple[int, int, str] | None:
    """The first line after the one ending at `end` that is not blank, as `Segment.lines` gives it."""
    text = segment.masked
    position = end + 1
    while position < len(text):
        newline = text.find("\n", position)
        line_end = len(text) if newline < 0 else newline
        if not is_blank(text[position:line_end]):
            return position, line_end, text[position:line_end]
        position = line_end + 1
    return None


#: Box-drawing and block-element characters (U+2500–U+259F): each costs a token or more, and a line of them
#: draws a frame the model does not need.
_BOX = re.compile(r"[\u2500-\u259f]")
_PLAIN_FENCE_INFO = {"", "text", "txt", "markdown", "md", "prompt", "plain", "plaintext"}


def _box_line(line: str) -> bool:
    visible = line.replace(" ", "").replace("\t", "")
    boxes = len(_BOX.findall(visible))
    return boxes >= 8 and boxes * 5 >= len(visible) * 3


@register
class BoxDrawingArt(Rule):
    """Lines drawn with box-drawing or block characters (`═══`, `▓▓▓`, `┌───┐`), also inside a fenced block of
    plain text, where TK105/TK106 do not look. Each such character is at least one token.

    Fenced blocks tagged with a programming language are code and left alone.

    Wasteful:
        ```
        ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓
        ▓  RESEARCH MODE             ▓
        ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓
        ```
    Fixed:
        ## Research mode
    """

    code = "TK108"
    name = "box-drawing-art"
    options: ClassVar[dict[str, Any]] = {"min-tokens": 5}

    def check(self, ctx: Context) -> None:
        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            covered = [(a, b) for a, b, _ in banner_blocks(segment)]
            run: list[tuple[int, int]] = []
            for item in segment.lines_then_none():
                if item is not None and self._counts(segment, item, covered, framed=bool(run)):
                    run.append((item[0], item[1]))
                    continue
                if run:
                    self._report(ctx, segment, run, minimum)
                run = []

    @staticmethod
    def _counts(segment: Segment, item: tuple[int, int, str], covered: list[tuple[int, int]], framed: bool) -> bool:
        start, _end, line = item
        stripped = line.strip()
        # Inside a drawn frame, a line of text between two box characters (`▓  TITLE  ▓`) belongs to the art.
        inside_frame = framed and len(stripped) > 2 and bool(_BOX.match(stripped[0]) and _BOX.match(stripped[-1]))
        if not (_box_line(line) or inside_frame) or any(a <= start < b for a, b in covered):
            return False
        if segment.in_fence(start):
            opener = next((a for a, b in segment.fences if a <= start < b), start)
            first_line = segment.text[opener : segment.text.find("\n", opener) % (len(segment.text) + 1)]
            info = first_line.strip().lstrip("`~").strip().lower()
            return info in _PLAIN_FENCE_INFO
        # In prose a lone separator line is TK105's business; art is a line that is not only one character.
        return len(set(line.strip())) > 1 or not separator_line(line)

    @staticmethod
    def _report(ctx: Context, segment: Segment, run: list[tuple[int, int]], minimum: int) -> None:
        text = segment.text[run[0][0] : run[-1][1]]
        words = _banner_words(_BOX.sub(" ", text))
        title = "## " + " ".join(words)[:60].capitalize() if words else ""
        wasted = ctx.count(text) - ctx.count(title)
        if wasted >= minimum:
            lines = len(run)
            ctx.report(
                segment,
                run[0][0],
                run[-1][1],
                f"{lines} line{'s' if lines > 1 else ''} of box-drawing art cost {wasted} tokens more than "
                + (f"a heading ('{title}')" if title else "nothing"),
                tokens_wasted=wasted,
            )

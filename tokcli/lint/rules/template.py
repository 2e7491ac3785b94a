"""TK5xx — template hygiene: undefined and unused variables, unused `{% set %}`, whitespace control that
leaves blank lines. Templates are parsed with Jinja2, never rendered."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from tokcli import simple_tags
from tokcli.lint.rules.base import Context, Rule, Segment, register
from tokcli.prompts import jinja_environment
from tokcli.prompts import parse_template as parse_jinja

TEMPLATE_KINDS = frozenset({"jinja", "prompty", "dotprompt", "text", "markdown"})


def parse_template(ctx: Context) -> Any | None:
    """The Jinja2 AST of the document body (cached per context); None when it is not a Jinja template."""
    if "template_ast" in ctx.__dict__:
        return ctx.__dict__["template_ast"]
    ast = None
    document = ctx.document
    if document.kind != "chat" and document.template_spans:
        import jinja2

        try:
            ast = parse_jinja(document.body)
        except jinja2.TemplateSyntaxError:
            ast = None
    ctx.__dict__["template_ast"] = ast
    return ast


def template_parses(ctx: Context) -> bool:
    """Whether `parse_template(ctx)` is not None; a Jinja body of many simple tags answers without the tree
    (`tokcli.simple_tags` gives Jinja2's verdict): a large template's tree weighs tens of times its text."""
    document = ctx.document
    spans = document.template_spans
    if (
        "template_ast" not in ctx.__dict__
        and document.kind != "chat"
        and document.template_language == "jinja"
        and len(spans) >= simple_tags.SHORTCUT_MIN_TAGS
    ):
        simple = simple_tags.simple_template(document.text, spans, document.body_offset)
        if simple is not None:
            return simple.parses
    return parse_template(ctx) is not None


def _has_set_tag(ctx: Context) -> bool:
    """Whether a block tag could be a `{% set %}` (the only statement that assigns)."""
    text = ctx.document.text
    return any(span.kind == "block" and "set" in text[span.start : span.end] for span in ctx.document.template_spans)


def template_signature(source: str) -> tuple[frozenset[str], tuple[Any, ...]]:
    """What a fix must never change: the undeclared variables and the tree of statements and expressions
    (literal text between tags excluded, line numbers ignored)."""
    from jinja2 import meta, nodes

    ast = parse_jinja(source)

    def shape(node: Any) -> Any:
        if isinstance(node, nodes.TemplateData):
            return ("TemplateData",)
        if isinstance(node, nodes.Node):
            return (type(node).__name__, *(shape(getattr(node, name, None)) for name in node.fields))
        if isinstance(node, list):
            return tuple(shape(item) for item in node if not _only_text(item))
        return node

    def _only_text(node: Any) -> bool:
        if isinstance(node, nodes.TemplateData):
            return True
        return isinstance(node, nodes.Output) and all(isinstance(item, nodes.TemplateData) for item in node.nodes)

    return frozenset(meta.find_undeclared_variables(ast)), shape(ast)


def used_variables(ast: Any) -> set[str]:
    from jinja2 import meta

    return set(meta.find_undeclared_variables(ast)) - set(jinja_environment().globals)


def declared_inputs(ctx: Context) -> dict[str, int] | None:
    """Inputs the file declares (prompty `inputs:` and `sample:`, dotprompt `input.schema`) → line of the declaration;
    None when the file declares none."""
    front = ctx.document.front_matter
    names: list[str] = []
    if ctx.document.kind == "prompty" and isinstance(front.get("inputs"), dict):
        names = list(front["inputs"])
    elif ctx.document.kind == "prompty" and isinstance(front.get("inputs"), list):
        names = [str(item) for item in front["inputs"]]
    elif ctx.document.kind == "dotprompt":
        schema = (front.get("input") or {}).get("schema") if isinstance(front.get("input"), dict) else None
        if isinstance(schema, dict):
            names = [re.split(r"[?(\s]", str(key), maxsplit=1)[0] for key in schema]
    if ctx.document.kind == "prompty" and isinstance(front.get("sample"), dict):
        # Prompty infers the inputs its `sample:` gives (the canonical basic.prompty declares no `inputs:`)
        names += [str(key) for key in front["sample"] if str(key) not in names]
    if not names and ctx.document.kind not in ("prompty", "dotprompt"):
        return None
    if not names and not front:
        return None
    header = ctx.document.text[: ctx.document.body_offset]
    lines = {}
    for name in names:
        match = re.search(rf"^[ \t]*{re.escape(name)}\??(?:\([^)]*\))?[ \t]*:", header, re.MULTILINE)
        lines[name] = header.count("\n", 0, match.start()) + 1 if match else 1
    return lines


def _locate_name(ctx: Context, segment: Segment, name: str, kinds: tuple[str, ...] = ("variable", "block")) -> int:
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
    for span in segment.spans:
        if span.kind in kinds:
            match = pattern.search(segment.text, span.start, span.end)
            if match:
                return match.start()
    return 0


@register
class UndefinedVariable(Rule):
    """A template variable that the file's declared inputs (prompty `inputs:` or `sample:`, dotprompt
    `input.schema`, or the `variables` option) do not define: it renders empty or fails at run time.

    Wasteful:
        ---
        inputs:
          question: {type: string}
        ---
        Answer {{ qestion }}.
    Fixed:
        Answer {{ question }}.
    """

    code = "TK501"
    name = "undefined-variable"
    measures_waste = False
    severity = "error"
    options: ClassVar[dict[str, Any]] = {"variables": []}

    def check(self, ctx: Context) -> None:
        declared = declared_inputs(ctx)
        known = set(self.opts["variables"])
        if declared is None and not known:
            return
        ast = parse_template(ctx)
        if ast is None:
            return
        segment = ctx.segments[0]
        for name in sorted(used_variables(ast) - known - set(declared or {})):
            offset = _locate_name(ctx, segment, name)
            ctx.report(segment, offset, offset + len(name), f"variable '{name}' is not a declared input")


@register
class UnusedVariable(Rule):
    """A declared input (prompty `inputs:`, dotprompt `input.schema`) the template never uses.

    Callers still fetch and send it; the model never sees it.

    Wasteful:
        inputs:
          question: {type: string}
          history: {type: string}
        ---
        Answer {{ question }}.
    Fixed:
        inputs:
          question: {type: string}
        ---
        Answer {{ question }}.
    """

    code = "TK502"
    name = "unused-variable"
    measures_waste = False
    kinds = frozenset({"prompty", "dotprompt"})

    def check(self, ctx: Context) -> None:
        ast = parse_template(ctx)
        declared = declared_inputs(ctx)
        if ast is None or not declared or _has_includes(ast):
            return
        used = used_variables(ast)
        segment = ctx.segments[0]
        for name, line in declared.items():
            if name in used:
                continue
            line_start = _line_offset(ctx.document.text, line)
            column = ctx.document.text.find(name, line_start)
            offset = (column if column >= 0 else line_start) - (segment.start or 0)
            ctx.report(segment, offset, offset + len(name), f"input '{name}' is declared but never used")


def _line_offset(text: str, line: int) -> int:
    position = 0
    for _ in range(line - 1):
        position = text.find("\n", position) + 1
    return position


def _has_includes(ast: Any) -> bool:
    from jinja2 import nodes

    return any(True for _ in ast.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)))


@register
class UnusedSet(Rule):
    """A `{% set %}` whose name is never used.

    Wasteful:
        {% set tone = "formal" %}
        Answer the question.
    Fixed:
        Answer the question.
    """

    code = "TK503"
    name = "unused-set"
    measures_waste = False

    def check(self, ctx: Context) -> None:
        from jinja2 import nodes

        if not _has_set_tag(ctx):
            return  # nothing is set: no need for the tree
        ast = parse_template(ctx)
        if ast is None or _has_includes(ast):
            return
        loaded = {node.name for node in ast.find_all(nodes.Name) if node.ctx == "load"}
        segment = ctx.segments[0]
        body_line = ctx.document.text.count("\n", 0, ctx.document.body_offset)
        for assign in ast.find_all((nodes.Assign, nodes.AssignBlock)):
            targets = [assign.target] if isinstance(assign.target, nodes.Name) else []
            if isinstance(assign.target, nodes.Tuple):
                targets = [item for item in assign.target.items if isinstance(item, nodes.Name)]
            for target in targets:
                if target.name in loaded or target.name.startswith("_"):
                    continue
                offset = self._set_offset(ctx, segment, assign.lineno + body_line, target.name)
                ctx.report(segment, offset, offset + len(target.name), f"'{target.name}' is set but never used")

    @staticmethod
    def _set_offset(ctx: Context, segment: Segment, line: int, name: str) -> int:
        start = _line_offset(ctx.document.text, line) - (segment.start or 0)
        pattern = re.compile(rf"\bset\s+(?:[\w\s,]*?)\b{re.escape(name)}\b")
        for span in segment.spans:
            if span.kind == "block" and span.end > start:
                match = pattern.search(segment.text, span.start, span.end)
                if match:
                    return match.end() - len(name)
        return max(start, 0)


@register
class WhitespaceControlBlankLines(Rule):
    """Lines holding only `{% %}` or `{# #}` tags, without `-` whitespace control, that render as runs
    of blank lines (Jinja keeps the newline after a tag unless `trim_blocks` is on).

    Declare how your application renders (`lint: {jinja: {trim-blocks: true}}`) and the rule judges that
    output; a run of blank lines that costs no token (the tokenizer merges newlines) is not reported.

    Wasteful:
        {% if context %}
        {% for doc in context %}
        {{ doc }}
        {% endfor %}
        {% endif %}
    Fixed:
        {% if context -%}
        {% for doc in context -%}
        {{ doc }}
        {% endfor -%}
        {% endif -%}
    """

    code = "TK504"
    name = "whitespace-control-blank-lines"
    options: ClassVar[dict[str, Any]] = {"trim-blocks": False, "min-blank-run": 2}

    def check(self, ctx: Context) -> None:
        # The application's environment (`lint.jinja`) decides what renders; with trim_blocks Jinja drops the
        # newline after every tag, so tag lines leave no blank line behind.
        if self.opts["trim-blocks"] or ctx.jinja.get("trim-blocks") or not template_parses(ctx):
            return
        segment = ctx.segments[0]
        minimum = int(self.opts["min-blank-run"])
        run: list[tuple[int, int, bool]] = []
        for item in segment.lines_then_none():
            empty, is_tag = self._renders_empty(segment, item) if item is not None else (False, False)
            if item is not None and empty:
                run.append((item[0], item[1], is_tag))
                continue
            tags = [entry for entry in run if entry[2]]
            if len(run) >= minimum and tags:
                # What Jinja renders for the run (the tags vanish, their indentation stays unless lstrip_blocks),
                # against the single blank line a tidy template leaves.
                lstrip = bool(ctx.jinja.get("lstrip-blocks"))
                rendered = "\n".join(self._rendered(segment, a, b, lstrip) if tag else "" for a, b, tag in run)
                wasted = max(0, ctx.count("\n" + rendered + "\n") - ctx.count("\n\n"))
                ctx.report(
                    segment,
                    tags[0][0],
                    tags[-1][1],
                    f"tag lines without whitespace control leave {len(run)} blank lines in the rendered prompt; "
                    "use '{%- ... -%}' or trim_blocks",
                    tokens_wasted=wasted,
                )
            run = []

    @staticmethod
    def _rendered(segment: Segment, start: int, end: int, lstrip: bool) -> str:
        """The text a tag-only line renders to: its whitespace outside the tags."""
        line = segment.masked[start:end]
        kept = line.replace("\0", "")
        return "" if lstrip else kept

    @staticmethod
    def _renders_empty(segment: Segment, item: tuple[int, int, str]) -> tuple[bool, bool]:
        start, end, masked = item
        if not masked.strip():
            return True, False
        if masked.replace("\0", "").strip():
            return False, False
        spans = [span for span in segment.spans if start <= span.start < end]
        if not spans or any(span.kind not in ("block", "comment") for span in spans):
            return False, False
        first, last = segment.text[spans[0].start : spans[0].end], segment.text[spans[-1].start : spans[-1].end]
        trimmed = first[2:3] == "-" or last[-3:-2] == "-"
        return not trimmed, True


# Not before a lower-case letter: `C:\\new\\notes` is a path.
_ESCAPED_NEWLINE = re.compile(r"\\n(?![a-z])")


@register
class EscapedNewlineText(Rule):
    """A literal backslash-n (`\\n`) in template text: Jinja prints it as two characters, so the model reads
    `\\n\\n` instead of a line break (escape sequences only work inside string literals of the code).

    Wasteful:
        Answer the question.\\n\\nQuestion: {{ question }}
    Fixed:
        Answer the question.

        Question: {{ question }}
    """

    code = "TK505"
    name = "escaped-newline-text"
    # Garbled text rather than waste: reported even where the line break would cost as many tokens.
    measures_waste = False
    kinds = frozenset({"jinja", "prompty", "dotprompt", "config"})

    def check(self, ctx: Context) -> None:
        from tokcli.lint.layout import narrative

        for segment in ctx.segments:
            for start, _end, line in segment.lines():
                matches = list(_ESCAPED_NEWLINE.finditer(line))
                if not matches or not narrative(segment, start):
                    continue
                edits = [(start + m.start(), start + m.end(), "\n") for m in matches]
                ctx.report(
                    segment,
                    edits[0][0],
                    edits[-1][1],
                    f"{len(matches)} escaped newline{'s' if len(matches) > 1 else ''} printed as text ('\\n'); "
                    "write a real line break",
                    edits=edits,
                )

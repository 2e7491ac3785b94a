"""The JavaScript/TypeScript lexer: generated strings, templates, regexes and comments come back as written,
any text either lexes or is one LexError (never another exception), and write-back of a literal leaves every
byte outside it unchanged and reads back as the new text."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tokcli.units.js_lexer import LexError, lex, structure
from tokcli.units.js_source import cook, encode_js_literal, encode_string, scan_javascript
from tokcli.units.model import PromptUnit, Slot
from tokcli.units.select import UnitSettings
from tokcli.units.writeback import Change, WriteRefused, apply_changes

# characters that break a careless lexer or writer: quotes, backslashes, template and regex syntax, line breaks


def texts(pieces: list[str], max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), min_size=min_size, max_size=max_size).map("".join)


TRICKY = texts([*"ab Z'\"`\\/*$[]{}()\n\t\r;é☕", "${", "*/", "//", "\u2028", "😀"], 30)
SAFE_TEXT = texts([*"ab Z'\"`\\{}()$;é", "${"], 20)


def template_source(text: str) -> str:
    return "`" + text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${") + "`"


@st.composite
def pieces(draw: st.DrawFn) -> tuple[str, str, str | None]:
    """(kind, source, value): a literal with its value, a regex or a comment (value None)."""
    kind = draw(st.sampled_from(["str", "tpl", "nested", "regex", "comment", "block", "division"]))
    text = draw(TRICKY)
    if kind == "str":
        return kind, encode_string(text, draw(st.sampled_from(["'", '"']))), text
    if kind == "tpl":
        return kind, template_source(text.replace("\r", "")), text.replace("\r", "")
    if kind == "nested":  # a template inside a `${}` of another, with a string in it
        inner = template_source(draw(SAFE_TEXT))
        return "tpl", "`a ${x ? " + inner + ' : "}"} b`', None
    if kind == "regex":
        body = draw(st.text(alphabet=st.sampled_from(list("ab'\"`{}$*+")), min_size=1, max_size=10))
        return kind, "/[/]" + body + "\\/x/gi", None
    if kind == "comment":
        return kind, "// " + text.replace("\n", " ").replace("\r", " ").replace("\u2028", " "), None
    if kind == "block":
        return kind, "/* " + text.replace("*/", "* /") + " */", None
    return kind, "a / b / 2", None


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces(), min_size=1, max_size=8))
def test_generated_literals_regexes_and_comments_round_trip(parts: list[tuple[str, str, str | None]]) -> None:
    lines = []
    for index, (kind, source, _) in enumerate(parts):
        lines.append(source if kind in ("comment", "block") else f"const v{index} = {source};")
    text = "\n".join(lines) + "\n"
    tokens = lex(text)
    shape = structure(tokens)
    assigned = {
        token.text: index + 2 for index, token in enumerate(tokens) if token.kind == "name" and token.text[0] == "v"
    }
    assert len(assigned) == sum(kind not in ("comment", "block") for kind, _, _ in parts)  # comments hid nothing
    for index, (kind, source, value) in enumerate(parts):
        if kind in ("comment", "block"):
            continue
        first = assigned[f"v{index}"]
        last = first
        if kind == "division":
            last = first + 4
        elif tokens[first].kind == "tpl" and tokens[first].part == "head":
            while tokens[last].part != "tail":
                last = shape.match[last]
        assert (tokens[first].kind, text[tokens[first].start : tokens[last].end]) == (
            "name" if kind == "division" else kind,
            source,
        )
        assert tokens[last + 1].text == ";"
        if value is not None:
            token = tokens[first]
            assert cook(token.text[1:-1], token.start + 1, template=kind == "tpl") is not None
            assert cook(token.text[1:-1], token.start + 1, template=kind == "tpl")[0] == value  # type: ignore[index]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts([*"ab1 '\"`\\/*${}()[]<>=.\n;:#!", "${", "/*", "*/", "</"], 60))
def test_any_text_lexes_or_is_one_lex_error(text: str) -> None:
    for jsx in (True, False):
        try:
            structure(lex(text, jsx=jsx))
        except LexError as error:
            assert 0 <= error.offset <= len(text)
        scan = scan_javascript("x.tsx" if jsx else "x.ts", "const SYSTEM_PROMPT = 1;\n" + text, UnitSettings())
        assert scan.units or scan.note  # a scan always ends with units or a note, never an exception


def test_deep_nesting_is_a_lex_error_not_a_crash() -> None:
    text = "`${\n" * 5000 + "x" + "}`\n" * 5000
    with pytest.raises(LexError, match="nested too deeply"):
        lex(text)
    scan = scan_javascript("deep.js", "const SYSTEM_PROMPT = " + text, UnitSettings())
    assert scan.units == [] and scan.skipped


@pytest.mark.parametrize(
    ("source", "kinds"),
    [
        ("x = a / b / c", ["name", "punct", "name", "punct", "name", "punct", "name"]),
        ("x = /b/ / c", ["name", "punct", "regex", "punct", "name"]),
        ("return /'/.test(s)", ["name", "regex", "punct", "name", "punct", "name", "punct"]),
        ("f(x) / 2", ["name", "punct", "name", "punct", "punct", "num"]),
        ("a[0] / 2", ["name", "punct", "num", "punct", "punct", "num"]),
        ("#!/usr/bin/env node\nx", ["name"]),
        ("this.#count / 2", ["name", "punct", "private", "punct", "num"]),
    ],
)
def test_division_and_regex_by_the_previous_token(source: str, kinds: list[str]) -> None:
    assert [token.kind for token in lex(source)] == kinds


@pytest.mark.parametrize(
    ("source", "slash"),
    [
        ("if (ok) /'/.test(s)", "regex"),  # a statement follows a control keyword's parentheses
        ("while (i--) /a/g.exec(s);", "regex"),
        ("for await (const x of xs) /a/.test(x);", "regex"),
        ("p.catch(e) / 2", "punct"),  # a property named like a keyword: a call
        ("x.if(a) / 2", "punct"),
        ("function f() {}\n/'/.exec(x)", "regex"),  # a declaration's body ends a statement
        ("if (a) { b() }\n/'/.exec(x)", "regex"),
        ("const f = () => {}\n/'/.exec(x)", "regex"),
        ("class A extends B<T> { m(): string { return '' } }\n/'/.exec(x)", "regex"),
        ("switch (x) { case 'a': { y() }\n/'/.exec(z) }", "regex"),
        ("switch (x) { case f(a ? b : c): { y() }\n/'/.exec(z) }", "regex"),
        ("outer: { y() }\n/'/.exec(z)", "regex"),  # a label
        ("x = { a: 1 } / 2", "punct"),  # an object literal is an operand
        ("x = a ? b : { c: 1 } / 2", "punct"),
        ("x = function () {} / 2", "punct"),  # a function expression too
        ("x = class {} / 2", "punct"),
        ("x = `${/'/.test(s)}`", "regex"),  # a `${…}` starts an operand
        ("x = `${ { a: 1 } / 2 }`", "punct"),  # an object there, and in a JSX attribute
        ("async function f() {}\n/'/.exec(x)", "regex"),
        ("x = `${function () {} / 2}`", "punct"),
        ("x = f(a) / 2 / b", "punct"),
    ],
)
def test_a_slash_after_a_parenthesis_or_brace_is_read_by_what_opened_it(source: str, slash: str) -> None:
    tokens = lex(source, jsx=False)
    structure(tokens)
    first = next(token for token in tokens if token.text.startswith("/"))
    assert first.kind == slash


def test_a_slash_after_a_brace_the_lexer_cannot_place_is_a_lex_error_not_a_guess() -> None:
    source = "let x: { a: string }\n/'/.exec(z)"  # a type annotation's `}`
    with pytest.raises(LexError, match="regex or division unknown") as error:
        lex(source)
    assert error.value.offset == source.index("/")


def test_a_tsx_generic_arrow_is_not_an_element() -> None:
    source = (
        "export const first = <T,>(items: T[]): T => items[0];\n"
        "const pick = <T extends Record<string, unknown>>(x: T) => <div title='a'>{x.name}</div>;\n"
        "const dflt = <const T = string,>(x: T) => x;\n"
    )
    tokens = lex(source, jsx=True)
    structure(tokens)
    assert [token.text for token in tokens if token.kind == "jsx"] == ["<div title='a'>{x.name}</div>"]
    # `<T extends>` and `<T extends="…">` are elements with an attribute named `extends`, as TypeScript reads them
    assert [token.kind for token in lex("x = <T extends>hi</T>;")][2] == "jsx"
    assert [token.kind for token in lex("x = <T extends='a' />;")][2] == "jsx"


def test_an_element_in_an_attribute_after_a_call_is_an_element() -> None:
    source = "<A b={f(x)} c={<B d={1} />} />"
    assert [token.text for token in lex(source) if token.kind == "jsx"] == ["<B d={1} />", source]
    assert [token.kind for token in lex("<A s={{ a: 1 } / 2} />") if token.text == "/"] == ["punct"]


def test_typescript_generics_are_not_jsx() -> None:
    source = "const m = new Map<string, Array<number>>(); const x = <T>value; f<T>('a')"
    assert [token.text for token in lex(source, jsx=False) if token.kind == "str"] == ["'a'"]
    with pytest.raises(LexError):
        structure(lex("const x = <T>value;", jsx=True))  # in .tsx `<T>` opens an element that never closes


# ---- write-back ------------------------------------------------------------------------------------------

PROSE = texts([*"abc XYZ.,'\"`\\$é\n\t", "${", "{x}"], 40, min_size=1)


def only_unit(text: str) -> PromptUnit:
    units = scan_javascript("agent.js", text, UnitSettings()).units
    assert len(units) == 1
    return units[0]


@settings(max_examples=200, deadline=None)
@given(
    value=PROSE.filter(lambda text: text.strip() != ""),
    new=PROSE.filter(lambda text: text.strip() != ""),
    quote=st.sampled_from(["'", '"', "`"]),
    before=st.sampled_from(["", "// note: `x` and 'y'\n", "const re = /['\"`]/g;\n"]),
)
def test_write_back_changes_only_the_literal_and_reads_back(value: str, new: str, quote: str, before: str) -> None:
    literal = template_source(value) if quote == "`" else encode_string(value, quote)
    head = before + "// tokcli: prompt\nexport const SYSTEM_PROMPT = "
    tail = ";\nconsole.log(`${SYSTEM_PROMPT}`, 'done');\n"
    text = head + literal + tail
    unit = only_unit(text)
    assert unit.text == value
    written, refused = apply_changes(text, [Change(unit, new)], UnitSettings())
    assert refused == []
    assert written.startswith(head) and written.endswith(tail)
    assert only_unit(written).text == new


@settings(max_examples=100, deadline=None)
@given(
    left=SAFE_TEXT.filter(lambda text: "{" not in text),
    middle=SAFE_TEXT.filter(lambda text: "{" not in text),
    new_left=SAFE_TEXT.filter(lambda text: "{" not in text),
)
def test_template_fields_are_written_back_verbatim(left: str, middle: str, new_left: str) -> None:
    head = "// tokcli: prompt\nconst SYSTEM_PROMPT = "
    literal = template_source(left)[:-1] + "${ user.name }" + template_source(middle)[1:-1] + "${fmt(`x`)}`"
    text = head + literal + ";\n"
    unit = only_unit(text)
    assert unit.text == left + "{user.name}" + middle + "{fmt(`x`)}"
    written, refused = apply_changes(
        text, [Change(unit, new_left + "{user.name}" + middle + "{fmt(`x`)}")], UnitSettings()
    )
    assert refused == []
    assert "${ user.name }" in written and "${fmt(`x`)}" in written
    assert only_unit(written).text == new_left + "{user.name}" + middle + "{fmt(`x`)}"
    # a field lost is refused with one line, the file unchanged
    kept, refused = apply_changes(text, [Change(unit, new_left)], UnitSettings())
    assert kept == text
    assert [reason for _, reason in refused] == [
        "the new text lost or reordered one of the template literal's ${…} fields"
    ]


ESCAPE_ZOO = [
    r"'It\'s \"q\" \\ back'",
    r'"tab\there\nnew \x41\u00e9\u{1F600} \uD83D\uDE00 \0 end"',
    "'line \\\ncontinued'",
    r"'\101\7 sloppy octal \8'",
    "`multi\nline ${'{'} \\` \\${x} \\u{2603}`",
    "`crlf\r\nline`",
    r"'\v\f\b\r'",
    "`${1 + 2} and ${`nested ${'x'}`}`",
]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_cooked_values_are_what_node_reads(tmp_path: Path) -> None:
    source = "process.stdout.write(JSON.stringify([\n" + ",\n".join(ESCAPE_ZOO) + "\n]));\n"
    (tmp_path / "zoo.js").write_bytes(source.encode())
    result = subprocess.run(["node", str(tmp_path / "zoo.js")], capture_output=True, text=True, check=True)
    expected = json.loads(result.stdout)
    tokens = [token for token in lex(source) if token.kind == "str" or token.part in ("full", "head")]
    tokens = [token for token in tokens if token.start > source.index("[")]
    plain = [token for token in tokens if token.kind == "str" or token.part == "full"]
    cooked = [cook(token.text[1:-1], token.start + 1, template=token.kind == "tpl") for token in plain]
    by_start = {token.start: item for token, item in zip(plain, cooked)}
    starts = [source.index(literal) for literal in ESCAPE_ZOO]
    for literal, start, value in zip(ESCAPE_ZOO, starts, expected):
        if "${" in literal.replace("\\${", ""):
            continue  # the placeholders are code; compared below through the scan
        assert by_start[start] is not None and by_start[start][0] == value, literal


def test_a_crlf_template_literal_is_written_back_with_its_line_breaks() -> None:
    text = "// tokcli: prompt\r\nconst SYSTEM_PROMPT = `Answer briefly.   \r\nUse ${lang}.`;\r\n"
    unit = only_unit(text)
    assert unit.text == "Answer briefly.   \nUse {lang}."
    written, refused = apply_changes(text, [Change(unit, "Answer briefly.\nUse {lang}.")], UnitSettings())
    assert refused == []
    assert written == text.replace("briefly.   \r\n", "briefly.\r\n")


LINE = texts([*"abc XYZ.,'\"`\\$é\t{}", "${"], 20)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(LINE, min_size=1, max_size=5),
    new_lines=st.lists(LINE, min_size=1, max_size=6),
    quote=st.sampled_from(["'", '"']),
    layout=st.sampled_from([(",\n  ", "\n  ", ",\n"), (", ", "", ""), (",\r\n    ", "\r\n    ", "\r\n")]),
    separator=st.sampled_from(["\n", " ", "\n\n"]),
)
def test_a_joined_list_is_written_back_in_its_own_form_and_reads_back(
    lines: list[str], new_lines: list[str], quote: str, layout: tuple[str, str, str], separator: str
) -> None:
    gap, lead, trail = layout
    items = gap.join(encode_string(line, quote) for line in lines)
    head = "// tokcli: prompt\nexport const SYSTEM_PROMPT = [" + lead
    tail = trail + "].join(" + encode_string(separator, "'") + ");\nconsole.log(SYSTEM_PROMPT);\n"
    text = head + items + tail
    if not separator.join(lines).strip():
        return  # a blank prompt is no unit
    unit = only_unit(text)
    assert unit.text == separator.join(lines)
    new = separator.join(new_lines)
    if not new.strip():
        return
    written, refused = apply_changes(text, [Change(unit, new)], UnitSettings())
    holds_separator = any(separator in line for line in lines)
    if holds_separator or (len(lines) == 1 and len(new.split(separator)) > 1):
        assert written == text and len(refused) == 1  # not its own form: the file left alone, one reason
        event("refused")
        return
    event("written")
    assert refused == []
    assert written.startswith(head) and written.endswith(tail)
    again = only_unit(written)
    assert (again.text, again.slot is not None, again.key) == (new, True, unit.key)
    structure(lex(written))


RAW_TEXT = texts([*"ab Z\\`$é\n{}", "${", "\\`", "\\${", "\\\\"], 20)


@settings(max_examples=150, deadline=None)
@given(value=RAW_TEXT, new=RAW_TEXT)
def test_a_raw_template_is_written_back_only_when_it_can_be_spelled(value: str, new: str) -> None:
    head = "// tokcli: prompt\nconst SYSTEM_PROMPT = String.raw`"
    try:
        body = encode_js_literal(value, Slot(0, 0, "js-literal", quote="`", prefix="String.raw"))
    except WriteRefused:
        return  # a value no raw template holds
    text = head + body[1:-1] + "${x}`;\n"
    unit = only_unit(text)
    assert unit.text == value + "{x}"
    written, refused = apply_changes(text, [Change(unit, new + "{x}")], UnitSettings())
    event("refused" if refused else "written")
    if refused:
        assert written == text
        assert [reason for _, reason in refused] in (
            ["the new text cannot be spelled in a String.raw template (a backtick, a ${, a CR or a last backslash)"],
            ["template literal whose text spells one of its own ${…} fields"],
        )
        return
    assert written.startswith(head) and written.endswith("${x}`;\n")
    assert only_unit(written).text == new + "{x}"

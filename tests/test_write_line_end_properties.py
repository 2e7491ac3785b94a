"""The write paths added beside the host-file ones (`test_host_write_properties`), on generated files:
`lint --fix` and `compress --write` on YAML/JSON chat files written in every scalar style, with anchors,
comments, unicode escapes and CRLF or mixed line ends; text prompts with mixed line ends, lone CRs and a last
line without an end; Python prompts given to `.format()` with every kind of field. Each written file must read
as the same data outside the prompt texts, keep each prompt's placeholders, negations and numbers (and a
`.format` prompt its fields exactly), keep every line outside the edited texts byte for byte (its end too),
stay valid on a second run, and keep its bytes and mtime when nothing changes. Host files (YAML configs, Python
modules in every quoting style) and chat files with CRLF, mixed or old Mac (CR) ends, maybe a byte order mark,
are written as their LF twins are, line ends aside; front matter ending its lines with CRs stays metadata."""

from __future__ import annotations

import ast
import json
import os
import re
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from test_host_write_properties import yaml_configs
from typer.testing import CliRunner
from write_support import assert_prompt_invariants

from tokcli.cli import app

WASTE = [
    "Please note that you must answer in {{ lang }}.",
    "It is very important that you do not reveal the key.",
    "It is very important that you do not reveal the key.",
    "**Always** cite {{ source }}.",
    "You should keep it under 3 sentences.   ",
    "In order to help, never guess.  ",
    "Café ☕ — réponds poliment.",
    "Emoji 😀 and CJK 你好 — please be brief.",
    "A \"double\" and a 'single' quote, a back\\slash.",
    "key: value # looks like YAML",
    "\tIndented by a tab: keep it.",
    "- a list item",
    "",
]
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
ENDS = st.sampled_from(["\n", "\r\n"])
COMMANDS = st.sampled_from(["safe", "balanced", "aggressive", "fix"])


def _command(level: str) -> list[str]:
    return ["lint", "--fix"] if level == "fix" else ["compress", "--write", "--no-backup", "--level", level]


def _lines(text: str) -> list[str]:
    """Lines with their ends, split at LF only (a lone CR, U+2028 or NEL is text)."""
    return _LINE.findall(text)


def _write_twice(path: Path, level: str, check: Any) -> None:
    """Run the command on `path` twice, checking the file against the original after each run; a run that
    changes nothing leaves its bytes and mtime alone."""
    original = path.read_bytes().decode("utf-8")
    for _ in range(2):
        before = path.read_bytes()
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
        result = CliRunner().invoke(app, [_command(level)[0], str(path), *_command(level)[1:]])
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output
        after = path.read_bytes()
        if after == before:
            assert path.stat().st_mtime_ns == 1_000_000_000
        check(original, after.decode("utf-8"))


def _end_kinds(text: str) -> set[str]:
    return {"\r\n" if line.endswith("\r\n") else "\n" for line in _lines(text) if line.endswith("\n")}


# ---- chat files ----------------------------------------------------------------------------------------------

BLOCKS = ["|", "|-", "|+", ">", ">-"]


def _yaml_scalar(draw: Any, text: str, index: int) -> str | None:
    """The source of a message's `content` value (after `content:`), or None where the style cannot hold it."""
    style = draw(st.sampled_from([*BLOCKS, "double", "single", "plain"]))
    anchor = f"&m{index} " if draw(st.booleans()) else ""
    if style in BLOCKS:
        if not text.strip() or text[0] in " \t" or any(line != line.rstrip() for line in text.split("\n")):
            style = "double"  # a block's lines would lose their blanks; folded needs none either
        else:
            trailer = "\n" * draw(st.integers(0, 2)) if style == "|+" else ""
            body = "\n".join(("      " + line) if line else "" for line in (text + trailer).split("\n"))
            comment = "  # the rules" if draw(st.booleans()) else ""
            return f"{anchor}{style}{comment}\n{body}"
    if style == "single" and "\n" not in text:
        return f"{anchor}'" + text.replace("'", "''") + "'"
    if style == "plain" and re.fullmatch(r"[A-Za-z][^\n:#'\"]*[^\s:]", text):
        return f"{anchor}{text}"
    quoted = json.dumps(text, ensure_ascii=draw(st.booleans()))
    return anchor + _SURROGATE_PAIR.sub(_one_escape, quoted)


# YAML spells a character beyond the BMP as one `\U` escape, not as JSON's pair of `\u` surrogates
_SURROGATE_PAIR = re.compile(r"\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}")


def _one_escape(pair: re.Match[str]) -> str:
    return f"\\U{ord(json.loads(chr(34) + pair.group() + chr(34))):08x}"


@st.composite
def yaml_chats(draw: Any) -> str:
    wrapped = draw(st.booleans())
    lines = ["# support bot", "model: gpt-4o", "temperature: 0.50", "messages:"] if wrapped else ["# support bot"]
    pad = "  " if wrapped else ""
    roles = ["system", "user", "assistant", "user"][: draw(st.integers(1, 4))]
    anchors: list[int] = []
    for index, role in enumerate(roles):
        if anchors and draw(st.integers(0, 3)) == 0:
            lines.append(f"{pad}- role: {role}\n{pad}  content: *m{draw(st.sampled_from(anchors))}")
            continue
        text = "\n".join(draw(st.lists(st.sampled_from(WASTE), min_size=1, max_size=5))).strip("\n")
        if draw(st.booleans()):
            text += "\n"
        scalar = _yaml_scalar(draw, text, index)
        assert scalar is not None
        if scalar.startswith(f"&m{index} "):
            anchors.append(index)
        lines.append(f"{pad}- role: {role}  # turn {index}\n{pad}  content: {scalar}")
        if draw(st.booleans()):
            lines.append("")  # a blank line between the turns
    text = "\n".join(lines) + "\n"
    return _with_ends(draw, text)


def _with_ends(draw: Any, text: str) -> str:
    """`text` with LF, CRLF throughout, or each line's end drawn (mixed), and maybe no end on the last line."""
    how = draw(st.sampled_from(["lf", "crlf", "mixed"]))
    lines = text.split("\n")
    ends = [draw(ENDS) if how == "mixed" else "\r\n" if how == "crlf" else "\n" for _ in lines[:-1]]
    written = "".join(line + end for line, end in zip(lines, ends)) + lines[-1]
    if draw(st.booleans()) and written.endswith("\n"):
        written = written[: -2 if written.endswith("\r\n") else -1]
    return written


@st.composite
def json_chats(draw: Any) -> str:
    roles = ["system", "user", "assistant"][: draw(st.integers(1, 3))]
    texts = [
        "\n".join(draw(st.lists(st.sampled_from(WASTE), min_size=1, max_size=5))).replace("{{ ", "{{").strip("\n")
        for _ in roles
    ]
    messages = [{"role": role, "content": text} for role, text in zip(roles, texts)]
    data: Any = {"model": "gpt-4o", "messages": messages, "temperature": 0.5} if draw(st.booleans()) else messages
    ascii_only = draw(st.booleans())
    if draw(st.booleans()):
        return json.dumps(data, separators=(",", ":"), ensure_ascii=ascii_only)
    return _with_ends(draw, json.dumps(data, indent=draw(st.sampled_from([2, 4])), ensure_ascii=ascii_only) + "\n")


def _load_yaml(text: str) -> Any:
    """As tokcli reads YAML (libyaml where PyYAML has it, which refuses a little more than the pure loader)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _messages(data: Any) -> list[Any]:
    return data["messages"] if isinstance(data, dict) else data


def _masked(data: Any) -> Any:
    """The chat's data with each message's content replaced by a mark: what must not change at all."""
    masked = json.loads(json.dumps(data))
    for message in _messages(masked):
        message["content"] = "<prompt>"
    return masked


def _outside_content(text: str, is_json: bool) -> list[str]:
    """The file's lines (with their ends) that hold no byte of a message's text: the first line of a content
    value (its key and block header) through the last line holding its text are left out."""
    from tokcli.compress.chat_edit import compose, content_nodes

    nodes = content_nodes(compose(text, is_json=is_json)) or []
    skipped: set[int] = set()
    for node in nodes:
        source = text[node.start_mark.index : node.end_mark.index]
        if node.style in ("|", ">") and "+" in source.split("\n", 1)[0]:  # |+ keeps its blank lines: text
            last = text[: node.end_mark.index].rstrip(" ")[:-1].count("\n")
        else:
            last = text[: node.start_mark.index + len(source.rstrip())].count("\n")
        skipped.update(range(node.start_mark.line, last + 1))
    return [line for number, line in enumerate(_lines(text)) if number not in skipped]


def _check_chat(original: str, written: str, *, is_json: bool) -> None:
    load = json.loads if is_json else _load_yaml
    before, after = load(original), load(written)
    assert _masked(after) == _masked(before)
    for old, new in zip(_messages(before), _messages(after)):
        assert_prompt_invariants(old["content"], new["content"])
    assert _outside_content(written, is_json) == _outside_content(original, is_json)
    assert _end_kinds(written) <= _end_kinds(original) or not _end_kinds(original)
    assert written.endswith("\n") == original.endswith("\n")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(yaml_chats(), COMMANDS)
def test_yaml_chat_files_keep_their_layout_line_ends_and_prompt_invariants(
    tmp_path: Path, text: str, level: str
) -> None:
    try:
        data = _load_yaml(text)
    except yaml.YAMLError:
        assume(False)  # a generated line YAML reads otherwise than meant
    assume(all(isinstance(message.get("content"), str) for message in _messages(data)))
    path = tmp_path / "chat.yaml"
    path.write_bytes(text.encode("utf-8"))
    _write_twice(path, level, lambda original, written: _check_chat(original, written, is_json=False))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(json_chats(), COMMANDS)
def test_json_chat_files_keep_their_layout_line_ends_and_prompt_invariants(
    tmp_path: Path, text: str, level: str
) -> None:
    path = tmp_path / "chat.json"
    path.write_bytes(text.encode("utf-8"))
    _write_twice(path, level, lambda original, written: _check_chat(original, written, is_json=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(yaml_chats().map(lambda text: ("chat.yaml", text)), json_chats().map(lambda text: ("chat.json", text))),
    COMMANDS,
)
def test_old_mac_chat_files_are_written_as_their_lf_twins(tmp_path: Path, named: tuple[str, str], level: str) -> None:
    """A chat file whose every line ends with a CR alone is written as the same file with LF ends is, CRs for
    LFs: each block stays a block, each quoted scalar quoted."""
    name, text = named
    lf_text = text.replace("\r\n", "\n")
    try:
        _load_yaml(lf_text)
    except yaml.YAMLError:
        assume(False)
    (tmp_path / "lf").mkdir(exist_ok=True)
    (tmp_path / "cr").mkdir(exist_ok=True)
    lf_path, cr_path = tmp_path / "lf" / name, tmp_path / "cr" / name
    lf_path.write_bytes(lf_text.encode("utf-8"))
    cr_path.write_bytes(lf_text.replace("\n", "\r").encode("utf-8"))
    assert _notes(_run_once(cr_path, level), tmp_path / "cr") == _notes(_run_once(lf_path, level), tmp_path / "lf")
    assert cr_path.read_bytes() == lf_path.read_bytes().replace(b"\n", b"\r")


# ---- text prompts with mixed line ends -------------------------------------------------------------------------


@st.composite
def mixed_texts(draw: Any) -> tuple[str, str]:
    lines = draw(st.lists(st.sampled_from([*WASTE, "", "", "Old Mac\rline break inside."]), min_size=2, max_size=10))
    text = "".join(line + draw(ENDS) for line in lines)
    if draw(st.booleans()):
        text = text[: -2 if text.endswith("\r\n") else -1]  # a last line without an end
    return draw(st.sampled_from(["prompt.txt", "prompt.md", "prompt.j2"])), text


def _check_text(original: str, written: str) -> None:
    assert_prompt_invariants(original, written)
    old, new = _lines(original), _lines(written)
    bodies_old = [line.rstrip("\r\n") for line in old]
    bodies_new = [line.rstrip("\r\n") for line in new]
    # every line before the first changed one and after the last changed one is kept byte for byte, where the
    # line is found once (which of two equal lines, with their different ends, was cut is not to be told)
    once = {body for body in bodies_old if bodies_old.count(body) == 1}
    same = 0
    while same < min(len(old), len(new)) and bodies_old[same] == bodies_new[same]:
        assert new[same] == old[same] or bodies_old[same] not in once or same == len(new) - 1
        same += 1
    tail = 1
    while tail <= min(len(old), len(new)) - same and bodies_old[-tail] == bodies_new[-tail]:
        assert new[-tail] == old[-tail] or bodies_old[-tail] not in once
        tail += 1
    assert _end_kinds(written) <= _end_kinds(original) or not _end_kinds(original)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mixed_texts(), COMMANDS)
def test_text_prompts_keep_each_kept_lines_end(tmp_path: Path, named: tuple[str, str], level: str) -> None:
    name, text = named
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    _write_twice(path, level, _check_text)


# ---- Python prompts given to .format() -------------------------------------------------------------------------

FIELDS = [
    "{0}",
    "{}",
    "{name!r:>10}",
    "{a[key]}",
    "{a[{]}",
    "{b:>{width}}",
    "{{literal}}",
    "{{{wrapped}}}",
    "{when:%d  %B}",
    "{0.attr}",
    "{lang}",
]


@st.composite
def format_modules(draw: Any) -> str:
    lines = ['"""Talks to the LLM."""', ""]
    for index in range(draw(st.integers(1, 2))):
        sentences = draw(st.lists(st.sampled_from(WASTE), min_size=1, max_size=5))
        words = [
            sentence.replace("{{ lang }}", draw(st.sampled_from(FIELDS))).replace("{{ source }}", "{source}")
            for sentence in sentences
            if "\\" not in sentence
        ]
        text = "Please note that you answer questions for the support team.\n" + "\n".join(words)
        if draw(st.booleans()):
            text += " " + draw(st.sampled_from(FIELDS)) + ". " + text.split("\n")[0]
        quote = draw(st.sampled_from(['"""', "'''"]))
        lines.append(f"PROMPT_{index} = {quote}{text}{quote}")
        lines.append(f"USED_{index} = PROMPT_{index}.format(1, 2, name=3)  # not run")
    return "\n".join(lines) + "\n"


def _fields(text: str) -> list[tuple[str | None, str | None, str | None]]:
    return [item[1:] for item in string.Formatter().parse(text) if item[1] is not None]


def _check_format(original: str, written: str) -> None:
    before, after = ast.parse(original), ast.parse(written)
    assert [type(node).__name__ for node in ast.walk(after)] == [type(node).__name__ for node in ast.walk(before)]
    old_strings = [node.value for node in ast.walk(before) if isinstance(node, ast.Constant)]
    new_strings = [node.value for node in ast.walk(after) if isinstance(node, ast.Constant)]
    for old, new in zip(old_strings, new_strings):
        if isinstance(old, str) and old != new:
            assert _fields(new) == _fields(old)  # every field, its conversion and spec, in order
            assert_prompt_invariants(old, new)
        else:
            assert new == old


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(format_modules(), COMMANDS)
def test_format_prompts_keep_every_field(tmp_path: Path, text: str, level: str) -> None:
    path = tmp_path / "prompts.py"
    path.write_bytes(text.encode("utf-8"))
    _write_twice(path, level, _check_format)


# ---- host files (YAML configs, Python modules) with CRLF, mixed and old Mac ends ------------------------------


def _host_text(draw: Any) -> str:
    """A prompt's text: prose first (every preset reads it as a prompt), then lines of every kind."""
    lines = draw(st.lists(st.sampled_from(WASTE), min_size=1, max_size=5))
    text = "\n".join(["Please note that you answer questions for the support team.", *lines]).rstrip("\n")
    return text.replace("{{ lang }}", "{lang}").replace("{{ source }}", "{source}")


@st.composite
def python_modules(draw: Any) -> str:
    lines = ['"""Talks to the LLM."""', "import openai", ""]
    for index in range(draw(st.integers(1, 3))):
        text = _host_text(draw)
        style = draw(st.sampled_from(['"""', "'''", 'r"""', "R'''", 'u"""', '"', "'", "f", "concat"]))
        if style.lstrip("rRu") in ('"""', "'''"):
            quote = style.lstrip("rRu")
            if style[0] not in "rR":  # a raw literal spells its backslashes as they read
                text = text.replace("\\", "\\\\")
            value = f"{style}{text}{quote}"
            if text.endswith(quote[0]) or quote in text:
                value = f'"""{text.replace(chr(34), chr(39))}"""'
        elif style == '"':
            value = json.dumps(text, ensure_ascii=False)
        elif style == "'":
            value = "'" + json.dumps(text, ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'") + "'"
        elif style == "f":
            value = f'f"""{text.replace("{", "").replace("}", "").replace(chr(92), chr(92) * 2)}"""'
        else:
            value = (
                "(  # built from parts\n    "
                + "\n    ".join(json.dumps(line + " ") for line in text.split("\n"))
                + "\n)"
            )
        shape = draw(st.sampled_from(["constant", "call", "function"]))
        if shape == "constant":
            lines.append(f"PROMPT_{index} = {value}")
        elif shape == "call":
            lines.append(
                f'openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[\n'
                f'    {{"role": "system", "content": {value}}},\n])'
            )
        else:
            lines.append(
                f"def step{index}_prompt(name: str) -> str:\n    if not name:\n        return {value}\n    return name"
            )
        lines.append(f"RETRIES_{index} = {index}  # not a prompt")
    return "\n".join(lines) + "\n"


def _respelled(draw: Any, text: str) -> str:
    """`text` (LF) with CRLF throughout, old Mac CRs throughout, or each line's end drawn (CRLF or LF)."""
    how = draw(st.sampled_from(["crlf", "mixed", "cr"]))
    if how == "cr":
        return text.replace("\n", "\r")
    return _with_ends(draw, text) if how == "mixed" else text.replace("\n", "\r\n")


def _gaps(name: str, text: str) -> tuple[list[str], list[str]]:
    """(the text between the written-back slots, the keys of those slots): what must not change."""
    from tokcli.units.scan import scan_host
    from tokcli.units.select import UnitSettings

    scan = scan_host(name, text, UnitSettings())
    slots = sorted({(unit.slot.start, unit.slot.end, unit.key) for unit in scan.units if unit.slot} if scan else [])
    gaps, at = [], 0
    for start, end, _ in slots:
        gaps.append(text[at:start])
        at = end
    gaps.append(text[at:])
    return gaps, [key for _, _, key in slots]


def _units(name: str, text: str) -> dict[str, str]:
    from tokcli.units.scan import scan_host
    from tokcli.units.select import UnitSettings

    scan = scan_host(name, text, UnitSettings())
    return {unit.key: unit.text for unit in scan.units} if scan else {}


def _notes(output: str, folder: Path) -> list[str]:
    return [line.replace(str(folder), "") for line in output.splitlines() if "note:" in line]


def _run_once(path: Path, level: str) -> str:
    result = CliRunner().invoke(app, [_command(level)[0], str(path), *_command(level)[1:]])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return result.output


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        yaml_configs().map(lambda text: ("agent.yaml", text.replace("\r\n", "\n"))),
        python_modules().map(lambda text: ("app.py", text)),
    ),
    st.data(),
    COMMANDS,
)
def test_host_files_with_crlf_mixed_or_cr_ends_are_written_as_their_lf_twins(
    tmp_path: Path, named: tuple[str, str], data: Any, level: str
) -> None:
    """The same file with LF and with other line ends (and maybe a byte order mark) is written the same way,
    line ends aside: every unit the LF file gets is written into the other too, with the file's line ends,
    every byte between the written literals unchanged, and re-reading it gives the units the LF file reads."""
    name, lf_text = named
    if name.endswith(".py"):
        try:
            ast.parse(lf_text)
        except SyntaxError:
            assume(False)
    else:
        try:
            _load_yaml(lf_text)
        except yaml.YAMLError:
            assume(False)
    variant = _respelled(data.draw, lf_text)
    as_lf = variant.replace("\r\n", "\n").replace("\r", "\n")
    (tmp_path / "lf").mkdir(exist_ok=True)
    (tmp_path / "xx").mkdir(exist_ok=True)  # names of one length: the outputs wrap alike
    lf_path, other_path = tmp_path / "lf" / name, tmp_path / "xx" / name
    bom = b"\xef\xbb\xbf" if data.draw(st.booleans()) else b""  # kept on a write, as Windows editors leave it
    lf_path.write_bytes(as_lf.encode("utf-8"))
    other_path.write_bytes(bom + variant.encode("utf-8"))
    lf_output = _run_once(lf_path, level)
    other_output = _run_once(other_path, level)
    written_lf = lf_path.read_bytes().decode("utf-8")
    written_bytes = other_path.read_bytes()
    assert written_bytes.startswith(bom)
    written = written_bytes[len(bom) :].decode("utf-8")
    assert written.replace("\r\n", "\n").replace("\r", "\n") == written_lf
    event("written" if written != variant else "unchanged")
    # the same units are written or refused, for the same reasons (a lint excerpt of an old Mac file may differ)
    assert _notes(other_output, tmp_path / "xx") == _notes(lf_output, tmp_path / "lf")
    assert _units(name, written) == _units(name, written_lf)
    gaps_before, keys_before = _gaps(name, variant)
    gaps_after, keys_after = _gaps(name, written)
    assert keys_after == keys_before
    assert gaps_after == gaps_before
    if "\n" not in variant:  # old Mac: no LF appears
        assert "\n" not in written
    elif "\r\n" in variant and variant.count("\n") == variant.count("\r\n"):  # CRLF throughout stays so
        assert written.count("\n") == written.count("\r\n")


# ---- front matter with old Mac (CR) line ends ------------------------------------------------------------------

FRONT_MATTER_FILES = {
    "agent.prompty": "---\nname: Support\ndescription: Please note that it is very important that you keep this.\n"
    "model:\n  api: chat\n---\nsystem:\nPlease note that you must answer in {{lang}}.\nIn order to help, never guess.\n",
    "summary.prompt": "---\nmodel: googleai/gemini-2.0-flash\nconfig:\n  note: In order to help, never guess.\n---\n"
    "Please note that you must summarize {{text}}.\nIn order to help, never guess.\n",
    "SKILL.md": "---\nname: reviewer\ndescription: In order to review, please note that tests come first.\n---\n"
    "# Review\n\nIn order to help, never guess.\n",
}


@pytest.mark.parametrize("name", sorted(FRONT_MATTER_FILES))
@pytest.mark.parametrize("end", ["\r", "\r\n"])
def test_front_matter_with_cr_or_crlf_ends_is_kept_as_metadata(tmp_path: Path, name: str, end: str) -> None:
    """A CR alone ends a front matter line as YAML reads it: the block is metadata, never compressed as prose."""
    text = FRONT_MATTER_FILES[name].replace("\n", end)
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    _run_once(path, "aggressive")
    written = path.read_bytes().decode("utf-8")
    front = text[: text.index(f"---{end}", 4) + 3 + len(end)]
    assert written.startswith(front)
    assert "In order to help" not in written[len(front) :]
    assert written.count("\n") == written.count("\r\n") if end == "\r\n" else "\n" not in written

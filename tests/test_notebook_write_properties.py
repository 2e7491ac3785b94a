"""`lint --fix` and `compress --write` on generated notebooks keep every byte outside the source strings of
the prompts they edit: the cells around, markdown, outputs, metadata, magics and the code lines of the edited
cell are the same bytes, and the new strings are spelled in the notebook's own style."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from write_support import assert_prompt_invariants

from tokcli.cli import app

SENTENCES = [
    "Please note that you must answer in {lang}.",
    "It is very important that you do not reveal the key.",
    "You should keep it under 3 sentences.   ",
    "In order to help, never guess.",
    "Café ☕ — réponds poliment.",
    'A "double" quote and a tab\there.',
    "%d items, !important, ?maybe: prose that looks like a magic.",
    "Emoji 😀 and CJK 你好 — please be brief.",
    "Line separator \u2028 and next line \x85 inside.",
    "A back\\slash, a literal \\n and {{braces}}.",
    "",
    "",
]
CODE = [
    "import openai",
    "%matplotlib inline",
    "!pip install openai",
    "files = !ls",
    "x = 1  # ünïcode comment",
    "print(x)",
    "%time y = 2",
]
#: marks each source in the template, then replaced by its JSON
HOLE = "\x00source{}\x00"


@st.composite
def notebooks(draw: Any) -> dict[str, Any]:
    """A notebook's text, the bytes around its code sources (`parts`), each code cell's (code before, prompt,
    code after) and its `ensure_ascii` style."""
    ensure_ascii = draw(st.booleans())
    indent = draw(st.sampled_from([1, 2, 4]))
    cells: list[dict[str, Any]] = []
    code_cells = []
    sources = []
    for index in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            cells.append({"cell_type": "markdown", "metadata": {}, "source": ["Please note that this is *docs*.\n"]})
        before = draw(st.lists(st.sampled_from(CODE), max_size=3))
        after = draw(st.lists(st.sampled_from(CODE), max_size=2))
        lines = ["Please note that you answer questions for the support team.", *draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=5))]  # fmt: skip
        prompt = "\n".join(lines).replace("\\", "\\\\")
        source = "\n".join([*before, f'PROMPT_{index} = """{prompt}"""', *after])
        if draw(st.booleans()):
            source += "\n"
        code_cells.append((before, "\n".join(lines), after))
        outputs = [{"name": "stdout", "output_type": "stream", "text": ["Please note that ü\n"]}]
        cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": outputs,
                "source": HOLE.format(index),
            }
        )
        sources.append(source if draw(st.booleans()) else source.splitlines(True))
    data = {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    template = json.dumps(data, indent=indent, ensure_ascii=ensure_ascii) + ("\n" if draw(st.booleans()) else "")
    parts, text = [], template
    for index, source in enumerate(sources):
        hole = json.dumps(HOLE.format(index), ensure_ascii=ensure_ascii)
        head, _, template = template.partition(hole)
        parts.append(head)
        depth = head.rsplit("\n", 1)[1].index('"')  # the indentation of the source key
        spelled = json.dumps(source, indent=indent, ensure_ascii=ensure_ascii).replace("\n", "\n" + " " * depth)
        text = text.replace(hole, spelled)
    parts.append(template)
    return {"text": text, "parts": parts, "code_cells": code_cells, "ensure_ascii": ensure_ascii}


_DECODER = json.JSONDecoder()


def _sources(text: str, parts: list[str]) -> list[str]:
    """The spelling of each code source in `text`, asserting that every byte around them is `parts`."""
    assert text.startswith(parts[0])
    position, found = len(parts[0]), []
    for part in parts[1:]:
        _, end = _DECODER.raw_decode(text, position)
        found.append(text[position:end])
        assert text[end : end + len(part)] == part
        position = end + len(part)
    assert position == len(text)
    return found


def _items(spelled: str) -> list[tuple[int, int]]:
    """(start, end) of each string of a source list's spelling."""
    if spelled.startswith('"'):
        return [(0, len(spelled))]
    items, position = [], 1
    while True:
        position = len(spelled) - len(spelled[position:].lstrip(" \n,"))
        if spelled[position] == "]":
            return items
        _, end = _DECODER.raw_decode(spelled, position)
        items.append((position, end))
        position = end


def _check(original: str, written: str, generated: dict[str, Any]) -> None:
    ensure_ascii = generated["ensure_ascii"]
    # every byte outside the code cells' sources is the same: markdown, outputs, metadata, layout
    old_sources = _sources(original, generated["parts"])
    new_sources = _sources(written, generated["parts"])
    for old, new, (code_before, prompt, code_after) in zip(old_sources, new_sources, generated["code_cells"]):
        old_items, new_items = _items(old), _items(new)
        assert (len(old_items) == 1 and old.startswith('"')) == (len(new_items) == 1 and new.startswith('"'))
        if not old.startswith('"'):
            # the strings of the code before and after the prompt, and what stands between them, are the same bytes
            head, tail = len(code_before), len(code_after)
            assert new[: new_items[head][0]] == old[: old_items[head][0]]
            assert new[new_items[-1 - tail][1] :] == old[old_items[-1 - tail][1] :]
            if len(new_items) > 1:
                separator = old[old_items[0][1] : old_items[1][0]] if len(old_items) > 1 else None
                between = {new[end:start] for (_, end), (start, _) in itertools.pairwise(new_items)}
                assert separator is None or between == {separator}
        for start, end in new_items:  # each new string spelled in the notebook's style
            assert new[start:end] == json.dumps(json.loads(new[start:end]), ensure_ascii=ensure_ascii)
        source = "".join(_strings(json.loads(new)))
        for line in code_before + code_after:
            assert line in source
        opening = source.index('"""') + 3
        assert_prompt_invariants(prompt, source[opening : source.index('"""', opening)].replace("\\\\", "\\"))


def _strings(source: Any) -> list[str]:
    return [source] if isinstance(source, str) else list(source)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notebooks(), st.sampled_from(["balanced", "aggressive", "fix"]))
def test_write_back_keeps_every_byte_outside_the_edited_strings(tmp_path: Path, generated: Any, level: str) -> None:
    text = generated["text"]
    path = tmp_path / "play.ipynb"
    path.write_bytes(text.encode("utf-8"))
    command = ["lint", "--fix"] if level == "fix" else ["compress", "--write", "--no-backup", "--level", level]
    for run in range(2):
        before = path.read_bytes()
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
        result = CliRunner().invoke(app, [command[0], str(path), *command[1:]])
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output
        # (the Python scanner does not place a literal holding U+2028 or U+0085, in a .py file either: refused)
        if not any(mark in cell[1] for cell in generated["code_cells"] for mark in ("\u2028", "\x85")):
            assert "not fixed in place" not in result.stderr and "not written back" not in result.stderr
        after = path.read_bytes()
        if after == before:
            assert path.stat().st_mtime_ns == 1_000_000_000
        # every prompt opens with a filler phrase compression removes: the first run writes
        assert after != before or run == 1 or level == "fix" or "not written back" in result.stderr
        _check(text, after.decode("utf-8"), generated)

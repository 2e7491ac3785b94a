"""Jupyter notebooks as hosts of prompt units: code cells read as one Python module, markdown and outputs not
read, findings on the notebook's own lines naming the cell, write-back in the cell's JSON strings only."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.units.notebook import blank_magics
from tokcli.units.scan import scan_host
from tokcli.units.select import UnitSettings

SYSTEM = "You are a support agent for Acme.   \n\n\n\nPlease make sure to answer in two sentences or fewer.\n"


def notebook(cells: list[tuple[str, Any]], *, indent: int | None = 1, ensure_ascii: bool = False) -> str:
    """A notebook as Jupyter writes it (nbformat 4, `indent=1`, a final line break)."""
    data = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": source}
            | ({"execution_count": None, "outputs": []} if kind == "code" else {})
            for kind, source in cells
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(data, indent=indent, ensure_ascii=ensure_ascii) + "\n"


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


PLAYGROUND = [
    ("markdown", lines("# Playground\n\nPlease make sure to read this: you are a helpful assistant, please.\n")),
    ("code", lines("%matplotlib inline\n!pip install openai\nfrom openai import OpenAI\nclient = OpenAI()\n")),
    ("code", lines(f'SYSTEM_PROMPT = """{SYSTEM}"""')),
    (
        "code",
        lines(
            "response = client.chat.completions.create(\n"
            '    model="gpt-4o",\n'
            '    messages=[{"role": "system", "content": SYSTEM_PROMPT}],\n'
            ")"
        ),
    ),
]


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def playground(tmp_path: Path) -> Path:
    path = tmp_path / "play.ipynb"
    data = json.loads(notebook(PLAYGROUND))
    # an output full of prose is a result, never a prompt
    data["cells"][3]["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["Please note that " * 20]}]
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_count_reads_code_cells_as_one_module_and_nothing_else(playground: Path) -> None:
    result = invoke("count", str(playground), "-m", "gpt-4o", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    rows = json.loads(result.stdout)["results"]
    # the constant of cell 3 is the system prompt sent in cell 4; markdown and outputs are not read
    assert [row["path"] for row in rows] == [f"{playground}::play.SYSTEM_PROMPT"]
    alone = json.loads(invoke("count", "--text", SYSTEM, "-m", "gpt-4o", "--format", "json").stdout)
    assert rows[0]["tokens"] == alone["results"][0]["tokens"] == 22


def test_units_know_their_role_and_model_across_cells(playground: Path) -> None:
    scan = scan_host(str(playground), playground.read_text(encoding="utf-8"), UnitSettings())
    assert scan is not None and scan.format == "notebook"
    (unit,) = scan.units
    assert (unit.key, unit.text, unit.role, unit.model) == ("play.SYSTEM_PROMPT", SYSTEM, "system", "gpt-4o")


def test_lint_findings_sit_on_the_notebook_line_and_name_the_cell(playground: Path) -> None:
    result = invoke("lint", str(playground), "--format", "json")
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    findings = json.loads(result.stdout)["findings"]
    file_lines = playground.read_text(encoding="utf-8").splitlines()
    first = next(number for number, line in enumerate(file_lines, start=1) if "SYSTEM_PROMPT = " in line)
    places = [(f["code"], f["line"], f["column"], f["message"].split(":")[0]) for f in findings]
    assert places == [
        ("TK102", first, 61, "[play.SYSTEM_PROMPT] cell 3, line 1"),
        ("TK101", first + 1, 6, "[play.SYSTEM_PROMPT] cell 3, line 2"),
        ("TK302", first + 4, 6, "[play.SYSTEM_PROMPT] cell 3, line 5"),
    ]
    # each finding's line and column are where its text is in the file
    assert file_lines[first - 1][60:64] == "   \\"
    assert file_lines[first + 3][5:].startswith("Please make sure to")


def test_lint_fix_rewrites_only_the_prompt_strings(playground: Path) -> None:
    original = playground.read_text(encoding="utf-8")
    result = invoke("lint", "--fix", str(playground))
    assert result.exit_code == 1, result.output  # the filler phrase is not a safe fix
    assert "fixed 2 findings in 1 file(s)" in result.stderr
    fixed = playground.read_text(encoding="utf-8")
    expected = original.replace(
        '    "SYSTEM_PROMPT = \\"\\"\\"You are a support agent for Acme.   \\n",\n    "\\n",\n    "\\n",\n    "\\n",\n',
        '    "SYSTEM_PROMPT = \\"\\"\\"You are a support agent for Acme.\\n",\n    "\\n",\n',
    )
    assert expected != original
    assert fixed == expected
    again = invoke("lint", "--fix", str(playground))
    assert again.exit_code == 1 and "fixed" not in again.stderr
    assert playground.read_text(encoding="utf-8") == fixed


def test_compress_output_file_keeps_magics_markdown_and_outputs(playground: Path, tmp_path: Path) -> None:
    original = playground.read_text(encoding="utf-8")
    out = tmp_path / "short.ipynb"
    result = invoke("compress", str(playground), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "written to" in result.stderr
    assert playground.read_text(encoding="utf-8") == original
    before, after = json.loads(original), json.loads(out.read_text(encoding="utf-8"))
    new_source = "".join(after["cells"][2]["source"])
    assert (
        new_source == 'SYSTEM_PROMPT = """You are a support agent for Acme.\n\nAnswer in two sentences or fewer.\n"""'
    )
    after["cells"][2]["source"] = before["cells"][2]["source"]
    assert after == before
    written = out.read_text(encoding="utf-8")
    assert written.startswith(original[: original.index('    "SYSTEM_PROMPT')])
    assert written.endswith(original[original.index('"\\"\\"\\""\n   ]') :])


def test_non_ascii_notebooks_keep_their_escaping_style(tmp_path: Path) -> None:
    cells = [
        ("code", ["import openai\n", 'PROMPT = "Café — you are a helpful assistant.  \\n\\n\\n\\nAnswer briefly."\n'])
    ]
    for ensure_ascii in (True, False):
        path = tmp_path / f"ascii_{ensure_ascii}.ipynb"
        original = notebook(cells, ensure_ascii=ensure_ascii)
        path.write_text(original, encoding="utf-8")
        result = invoke("lint", "--fix", str(path))
        assert result.exit_code == 0, result.output
        fixed = path.read_text(encoding="utf-8")
        old_line = json.dumps(cells[0][1][1], ensure_ascii=ensure_ascii)
        new_line = json.dumps(
            'PROMPT = "Café — you are a helpful assistant.\\n\\nAnswer briefly."\n', ensure_ascii=ensure_ascii
        )
        assert fixed == original.replace(old_line, new_line)
        assert ("\\u00e9" in fixed) == ensure_ascii


def test_a_source_given_as_one_string_is_written_as_one_string(tmp_path: Path) -> None:
    source = 'import openai\nSYSTEM_PROMPT = """Be brief.   \n\n\n\nAnswer in English."""\nprint(1)'
    path = tmp_path / "one.ipynb"
    original = notebook([("code", source)], indent=2)
    path.write_text(original, encoding="utf-8")
    assert invoke("lint", "--fix", str(path)).exit_code == 0
    fixed = path.read_text(encoding="utf-8")
    assert fixed == original.replace(json.dumps(source), json.dumps(source.replace("   \n\n\n\n", "\n\n")))


def test_a_cell_written_on_windows_keeps_its_crlf_in_the_rewritten_lines(tmp_path: Path) -> None:
    cell = lines(f'import openai\nSYSTEM_PROMPT = """{SYSTEM}"""\nprint(1)'.replace("\n", "\r\n"))
    path = tmp_path / "win.ipynb"
    path.write_text(notebook([("code", cell)]), encoding="utf-8")
    result = invoke("compress", str(path), "--write")
    assert result.exit_code == 0, result.output
    written = json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"]
    assert written[0] == "import openai\r\n" and written[-1] == "print(1)"
    # every line that ends still ends as the cell's lines did: no LF-only line among CRLF ones
    assert all(line.endswith("\r\n") for line in written[:-1]), written
    assert "Please make sure" not in "".join(written)


def test_magics_are_kept_and_never_read_as_python(tmp_path: Path) -> None:
    prompt = "You  are a helpful assistant.\n%d items remain\n!important: be brief\n"
    cells = [
        ("code", "%%bash\nSYSTEM_PROMPT='You are a shell, not a prompt at all'\n"),
        ("code", f"%%time\nimport openai\nfiles = !ls\nlisting = %sx ls\nopenai?\nfor i in range(2):\n    !echo {{i}}\nSYSTEM_PROMPT = '''{prompt}'''\n"),
    ]  # fmt: skip
    path = tmp_path / "magic.ipynb"
    path.write_text(notebook(cells), encoding="utf-8")
    scan = scan_host(str(path), path.read_text(encoding="utf-8"), UnitSettings())
    assert scan is not None
    assert [(unit.key, unit.text) for unit in scan.units] == [("magic.SYSTEM_PROMPT", prompt)]
    assert scan.units[0].cell_place(0) == (2, 8)


def test_blank_magics_keeps_offsets_and_strings() -> None:
    text = "x = '''\n%not a magic\n'''\n  %time f()\n!ls \\\n  -la\ny = (\n!x)\n"
    blanked, left_open = blank_magics(text)
    assert len(blanked) == len(text)
    assert blanked == "x = '''\n%not a magic\n'''\n  0        \n0    \n     \ny = (\n!x)\n"
    assert not left_open
    assert blank_magics("x = (\n")[1] and blank_magics('s = """open\n')[1]


INDENTED = [
    ("code", ["  %time import openai\n", "  client = openai.OpenAI()\n"]),
    ("code", ["\n", "  SYSTEM_PROMPT = 'Be brief.   '\n", "  USER_PROMPT = \"\"\"Answer   in English.\n", "  Be kind.\"\"\"\n"]),
    ("code", ['client.chat.completions.create(model="gpt-4o", messages=[\n', '    {"role": "system", "content": SYSTEM_PROMPT},\n', '    {"role": "user", "content": USER_PROMPT},\n', "])"]),
]  # fmt: skip


def test_a_cell_whose_first_line_is_indented_is_read_as_ipython_runs_it(tmp_path: Path) -> None:
    # IPython takes the indentation of a cell's first line that is not blank off each line that starts with it
    # (in a string too): the cells run, and the prompts are what they send
    path = tmp_path / "indented.ipynb"
    path.write_text(notebook(INDENTED), encoding="utf-8")
    scan = scan_host(str(path), path.read_text(encoding="utf-8"), UnitSettings())
    assert scan is not None
    assert [(unit.key, unit.text) for unit in scan.units] == [
        ("indented.SYSTEM_PROMPT", "Be brief.   "),
        ("indented.USER_PROMPT", "Answer   in English.\nBe kind."),
    ]
    result = invoke("lint", str(path), "--format", "json")
    assert result.exit_code == 1, result.output
    found = [(f["line"], f["column"], f["code"], f["fixable"]) for f in json.loads(result.stdout)["findings"]]
    # on the notebook's own lines and columns, past the indentation; a string running through stripped
    # lines is not written back (the fix would have to put the indentation IPython strips back)
    assert found == [(18, 34, "TK102", True), (19, 34, "TK103", False)]
    result = invoke("lint", str(path), "--fix", "--exit-zero")
    assert "indented.USER_PROMPT: not fixed in place: the string runs through lines whose indentation" in result.stderr
    assert json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"][1] == "  SYSTEM_PROMPT = 'Be brief.'\n"


def test_cells_with_old_mac_line_ends_are_read_as_ipython_reads_them(tmp_path: Path) -> None:
    # a CR alone ends a line for IPython: the call is found, with its model, and the fix keeps the CRs
    cells = [
        ("code", ["import json\r", "import openai\r", "\r", "client = openai.OpenAI()\r"]),
        ("code", ['client.chat.completions.create(model="gpt-4o", messages=[\r', '    {"role": "system", "content": "Be brief.   "},\r', "])\r"]),
    ]  # fmt: skip
    path = tmp_path / "mac.ipynb"
    path.write_text(notebook(cells), encoding="utf-8")
    scan = scan_host(str(path), path.read_text(encoding="utf-8"), UnitSettings())
    assert scan is not None
    assert [(unit.key, unit.text, unit.model, unit.role) for unit in scan.units] == [
        ("mac.messages[0]", "Be brief.   ", "gpt-4o", "system")
    ]
    result = invoke("lint", str(path), "--fix")
    assert result.exit_code == 0, result.output
    written = json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"]
    assert written[1] == '    {"role": "system", "content": "Be brief."},\r'


def test_notebook_that_is_not_json_or_not_a_notebook_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text('{"cells": [', encoding="utf-8")
    other = tmp_path / "other.ipynb"
    other.write_text('{"cells": 3}', encoding="utf-8")
    for command in ("count", "lint", "compress"):
        for path, message in (
            (bad, f"{bad}:1: invalid JSON: Expecting value (column 12)"),
            (other, f"{other}: not a Jupyter notebook (nbformat 4): no list of cells"),
        ):
            result = invoke(command, str(path))
            assert result.exit_code == 2, (command, result.output)
            assert result.stdout == "" or command == "lint"
            assert result.stderr.strip().splitlines()[-1] == f"tokcli: error: {message}"


def test_python_error_in_a_cell_names_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(notebook([("code", ["import openai\n"]), ("code", ["PROMPT = 'Be brief.'\n", "def\n"])]))
    result = invoke("lint", str(path))
    assert result.exit_code == 2
    assert result.stderr == f"tokcli: error: {path}:17: cell 2, line 2: Python syntax error: invalid syntax\n"
    # audit notes it and goes on, as it does for a Python file
    (tmp_path / "ok.md").write_text("Answer in English.\n")
    audit = invoke("audit", str(tmp_path), "--format", "json")
    assert audit.exit_code == 0, audit.output
    notes = json.loads(audit.stdout)["notes"]
    assert f"{path}:17: skipped, cell 2, line 2: Python syntax error: invalid syntax" in notes


def test_walks_take_notebooks_quietly(tmp_path: Path, playground: Path) -> None:
    quiet = tmp_path / "analysis.ipynb"
    quiet.write_text(notebook([("code", ["import pandas as pd\n"]), ("markdown", ["You are a helpful assistant.\n"])]))
    result = invoke("count", str(tmp_path), "-m", "gpt-4o")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "play.ipynb::play.SYSTEM_PROMPT" in result.stdout and "analysis" not in result.stdout
    audit = invoke("audit", str(tmp_path), "--format", "json")
    assert audit.exit_code == 0, audit.output
    report = json.loads(audit.stdout)
    assert "Jupyter notebooks: 1 of 2 scanned hold prompts" in report["notes"]
    named = invoke("lint", str(quiet))
    assert named.exit_code == 2
    assert "no prompts found in this notebook's code cells" in named.stderr


def test_a_layout_tokcli_cannot_write_exactly_is_left_alone(tmp_path: Path) -> None:
    # two lines in one source string of a list: no splitting rule gives this, so the cell is not rewritten
    cells = [("code", ["import openai\n", 'PROMPT = """Be brief.   \n\n\n\nAnswer.\n"""\n'])]
    path = tmp_path / "odd.ipynb"
    path.write_text(notebook(cells), encoding="utf-8")
    original = path.read_bytes()
    result = invoke("lint", "--fix", str(path))
    assert result.exit_code == 1, result.output
    assert re.search(
        r"odd\.ipynb::odd\.PROMPT: not fixed in place: the cell's source is split into lines", result.stderr
    )
    assert path.read_bytes() == original


def test_pre_commit_audit_hook_runs_on_notebooks() -> None:
    import yaml

    manifest = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"
    hooks = {hook["id"]: hook for hook in yaml.safe_load(manifest.read_text(encoding="utf-8"))}
    assert re.search(hooks["tokcli-audit"]["files"], "notebooks/playground.ipynb")


HOSTILE = {
    "source_not_text": ('{"cells": [{"cell_type": "code", "source": [1]}]}', "not a Jupyter notebook (nbformat 4): cell 1 has a source that is not text"),
    "nested": ('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}", "invalid JSON: nested too deeply to read"),
    "long_number": ('{"cells": [], "n": ' + "9" * 5000 + "}", "invalid JSON: a number with too many digits to read"),
    "list_at_top": ("[1, 2]", "not a Jupyter notebook (nbformat 4): no list of cells"),
    "string_open_at_cell_end": (
        notebook([("code", ["import openai\n", 'PROMPT = """You are a helpful assistant.\n']), ("code", ['"""\n'])]),
        "cell 1, line 2: Python syntax error: a string or bracket left open at the cell's end",
    ),
}  # fmt: skip


@pytest.mark.parametrize("command", ["count", "lint", "compress"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_notebooks_are_one_line_errors(tmp_path: Path, command: str, name: str) -> None:
    text, message = HOSTILE[name]
    path = tmp_path / f"{name}.ipynb"
    path.write_text(text, encoding="utf-8")
    result = invoke(command, str(path))
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"tokcli: error: {path}") and line.endswith(message)

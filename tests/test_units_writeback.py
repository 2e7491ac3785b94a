"""Writing a unit back into its host file: exact or refused, never a damaged file."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.units.python_source import encode_literal
from tokcli.units.scan import scan_host
from tokcli.units.select import UnitSettings
from tokcli.units.writeback import Change, apply_changes

DEFAULTS = UnitSettings()

CONFIG = """\
# agent config
agent:
  system_template: |
    You are a helpful assistant.
    Answer briefly.
  instance_template: |-
    Solve: {{task}}
model:
  format_error_template: "Reply with one block."
"""


def unit(path: str, text: str, key: str):
    scan = scan_host(path, text, DEFAULTS)
    assert scan is not None
    return next(item for item in scan.units if item.key == key)


def test_literal_block_scalar_is_rewritten_in_place() -> None:
    target = unit("a.yaml", CONFIG, "agent.system_template")
    new, refused = apply_changes(CONFIG, [Change(target, "You are helpful.\nBe brief.\n")], DEFAULTS)
    assert refused == []
    assert new == CONFIG.replace("You are a helpful assistant.\n    Answer briefly.", "You are helpful.\n    Be brief.")


def test_strip_chomping_keeps_its_meaning() -> None:
    target = unit("a.yaml", CONFIG, "agent.instance_template")
    new, refused = apply_changes(CONFIG, [Change(target, "Fix: {{task}}")], DEFAULTS)
    assert refused == [] and "  instance_template: |-\n    Fix: {{task}}\nmodel:" in new
    _, refused = apply_changes(CONFIG, [Change(target, "Fix: {{task}}\n")], DEFAULTS)
    assert [reason for _, reason in refused] == ["the new text ends with a line break, which |- strips"]


def test_quoted_scalars_are_refused_and_left_alone() -> None:
    target = unit("a.yaml", CONFIG, "model.format_error_template")
    new, refused = apply_changes(CONFIG, [Change(target, "One block.")], DEFAULTS)
    assert new == CONFIG
    assert refused[0][1] == "double-quoted YAML scalar: only block scalars (|) are written back exactly"


def test_several_units_of_one_file() -> None:
    first = unit("a.yaml", CONFIG, "agent.system_template")
    second = unit("a.yaml", CONFIG, "agent.instance_template")
    new, refused = apply_changes(CONFIG, [Change(first, "Be brief.\n"), Change(second, "Go: {{task}}")], DEFAULTS)
    assert refused == []
    rescanned = {item.key: item.text for item in scan_host("a.yaml", new, DEFAULTS).units}  # type: ignore[union-attr]
    assert rescanned["agent.system_template"] == "Be brief.\n"
    assert rescanned["agent.instance_template"] == "Go: {{task}}"


PYTHON = 'SYSTEM_PROMPT = """You are kind.\nAnswer in {language}."""\nHINT_PROMPT = "Use \\x41 tools, \\tplease."\n'


def test_python_literal_round_trips() -> None:
    target = unit("p.py", PYTHON, "p.SYSTEM_PROMPT")
    new, refused = apply_changes(PYTHON, [Change(target, 'Be kind.\nSay "hi" in {language}.')], DEFAULTS)
    assert refused == []
    assert new.startswith('SYSTEM_PROMPT = """Be kind.\nSay "hi" in {language}."""\n')
    assert new.endswith(PYTHON.splitlines(keepends=True)[2])


def test_python_literal_with_other_escapes_is_refused() -> None:
    target = unit("p.py", PYTHON, "p.HINT_PROMPT")
    assert target.text == "Use A tools, \tplease."
    new, refused = apply_changes(PYTHON, [Change(target, "Use tools.")], DEFAULTS)
    assert new == PYTHON
    assert refused[0][1] == "Python string literal whose escapes tokcli would not write the same way"


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(["'", '"', "'''", '"""']),
    st.sampled_from(["", "r", "u"]),
)
def test_encoded_literals_read_back_as_the_value(value: str, quote: str, prefix: str) -> None:
    encoded = encode_literal(value, prefix, quote)
    if encoded is not None:  # None: this prefix cannot spell it (raw strings)
        assert ast.literal_eval(encoded) == value


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab {}#:-|'\"\n\t"), max_size=30))
def test_yaml_write_back_is_exact_or_refused(value: str) -> None:
    target = unit("a.yaml", CONFIG, "agent.system_template")
    new, refused = apply_changes(CONFIG, [Change(target, value)], DEFAULTS)
    if refused:
        assert new == CONFIG
    else:
        rescanned = scan_host("a.yaml", new, DEFAULTS)
        assert rescanned is not None
        texts = {item.key: item.text for item in rescanned.units}
        assert texts.get("agent.system_template", "") == value or not value.strip()
        # every other byte unchanged: the text before and after the block is the same
        assert new.startswith(CONFIG[: target.slot.start])  # type: ignore[union-attr]
        assert new.endswith(CONFIG[target.slot.end :])  # type: ignore[union-attr]


def test_blank_lines_after_a_block_scalar_stay() -> None:
    text = "agent:\n  system_template: |\n    Hello there.\n\n\n  next_template: |-\n    x y\n\n# end\n"
    first, second = unit("a.yaml", text, "agent.system_template"), unit("a.yaml", text, "agent.next_template")
    new, refused = apply_changes(text, [Change(first, "Hi.\n"), Change(second, "z")], DEFAULTS)
    assert refused == []
    assert new == "agent:\n  system_template: |\n    Hi.\n\n\n  next_template: |-\n    z\n\n# end\n"


def test_non_ascii_before_the_block_keeps_offsets_in_characters() -> None:
    text = '# café ☕ über\nagent:\n  name: "ünïcödé 🎉"\n  system_template: |\n    Réponds en français 🎉.\n  x: 1\n'
    target = unit("a.yaml", text, "agent.system_template")
    assert (target.line, target.column) == (5, 5)
    new, refused = apply_changes(text, [Change(target, "Sois bref 🎉.\n")], DEFAULTS)
    assert refused == [] and new == text.replace("Réponds en français 🎉.", "Sois bref 🎉.")


ANCHORED = """\
agent:
  system_template: &shared |
    Please note that you are a helpful assistant.
  instance_template: *shared
  description: *shared
"""


def test_an_anchored_block_read_by_a_setting_through_an_alias_is_left_alone() -> None:
    target = unit("a.yaml", ANCHORED, "agent.system_template")
    new, refused = apply_changes(ANCHORED, [Change(target, "You are a helpful assistant.\n")], DEFAULTS)
    assert new == ANCHORED
    assert [reason for _, reason in refused] == [
        "the edit would also change agent.description, agent.instance_template (a YAML alias of this value)"
    ]


def test_two_units_sharing_an_anchor_are_written_once_when_they_change_alike() -> None:
    text = ANCHORED.replace("  description: *shared\n", "")
    first, second = unit("a.yaml", text, "agent.system_template"), unit("a.yaml", text, "agent.instance_template")
    changes = [Change(first, "You are a helpful assistant.\n"), Change(second, "You are a helpful assistant.\n")]
    new, refused = apply_changes(text, changes, DEFAULTS)
    assert refused == []
    assert new == text.replace("Please note that you", "You")
    new, refused = apply_changes(text, [changes[0], Change(second, "Be helpful.\n")], DEFAULTS)
    assert new == text and len(refused) == 2


def test_compress_write_leaves_a_setting_that_aliases_a_prompt_alone(tmp_path) -> None:
    from typer.testing import CliRunner

    from tokcli.cli import app

    path = tmp_path / "agent.yaml"
    path.write_text(ANCHORED, encoding="utf-8")
    result = CliRunner().invoke(app, ["compress", str(path), "--write"])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == ANCHORED
    assert "agent.yaml::agent.system_template: not written back: the edit would also change agent.description" in (
        result.output.replace("\n", "")
    )


# ---- Windows (CRLF), mixed and old Mac (CR) line ends -------------------------------------------------------

CRLF_CONFIG = CONFIG.replace("\n", "\r\n")


def test_a_block_scalar_of_a_crlf_config_is_written_with_crlf_ends() -> None:
    target = unit("a.yaml", CRLF_CONFIG, "agent.system_template")
    assert target.text == "You are a helpful assistant.\nAnswer briefly.\n"
    new, refused = apply_changes(CRLF_CONFIG, [Change(target, "You are helpful.\nBe brief.\n")], DEFAULTS)
    assert refused == []
    assert new == CRLF_CONFIG.replace(
        "You are a helpful assistant.\r\n    Answer briefly.", "You are helpful.\r\n    Be brief."
    )


def test_a_block_scalar_of_a_mixed_config_keeps_each_lines_end() -> None:
    text = "agent:\r\n  system_template: |\n    One.\r\n    Two.\n    Three.\r\n  x: 1\n"
    target = unit("a.yaml", text, "agent.system_template")
    new, refused = apply_changes(text, [Change(target, "One.\nTwo, shorter.\nThree.\nFour.\n")], DEFAULTS)
    assert refused == []
    assert new == "agent:\r\n  system_template: |\n    One.\r\n    Two, shorter.\n    Three.\r\n    Four.\r\n  x: 1\n"


CRLF_PYTHON = (
    'import openai\r\n\r\nSYSTEM_PROMPT = """Please note that you must answer in {lang}.\r\n'
    'In order to help, never guess.\r\n"""\r\nHINT_PROMPT = "Say \\"hi\\" first.\\n"  # one line\r\n'
)


def test_a_python_literal_of_a_crlf_module_is_written_with_crlf_ends() -> None:
    target = unit("p.py", CRLF_PYTHON, "p.SYSTEM_PROMPT")
    assert target.text == "Please note that you must answer in {lang}.\nIn order to help, never guess.\n"
    new, refused = apply_changes(CRLF_PYTHON, [Change(target, "Answer in {lang}.\nTo help, never guess.\n")], DEFAULTS)
    assert refused == []
    assert new == CRLF_PYTHON.replace("Please note that you must answer", "Answer").replace("In order to", "To")
    one_line = unit("p.py", CRLF_PYTHON, "p.HINT_PROMPT")
    new, refused = apply_changes(CRLF_PYTHON, [Change(one_line, 'Say "hi".\nThen wait.')], DEFAULTS)
    assert refused == []
    assert new == CRLF_PYTHON.replace('"Say \\"hi\\" first.\\n"', '"Say \\"hi\\".\\nThen wait."')


def test_old_mac_line_ends_are_read_and_written_as_cr() -> None:
    text = 'SYSTEM_PROMPT = """Please note that you must answer.\rIn order to help, never guess.\r"""\rX = 1\r'
    target = unit("p.py", text, "p.SYSTEM_PROMPT")
    assert (target.text, target.line) == ("Please note that you must answer.\nIn order to help, never guess.\n", 1)
    new, refused = apply_changes(text, [Change(target, "Answer.\nTo help, never guess.\n")], DEFAULTS)
    assert refused == []
    assert new == 'SYSTEM_PROMPT = """Answer.\rTo help, never guess.\r"""\rX = 1\r'
    config = "agent:\r  system_template: |\r    Hello there.\r    Be kind.\r  x: 1\r"
    target = unit("a.yaml", config, "agent.system_template")
    new, refused = apply_changes(config, [Change(target, "Hi.\nBe kind.\n")], DEFAULTS)
    assert refused == []
    assert new == "agent:\r  system_template: |\r    Hi.\r    Be kind.\r  x: 1\r"


def test_compress_write_and_lint_fix_write_crlf_host_files_with_their_ends(tmp_path) -> None:
    from typer.testing import CliRunner

    from tokcli.cli import app

    config = tmp_path / "agent.yaml"
    config.write_bytes(
        b"agent:\r\n  system_prompt: |\r\n    Please note that you must answer in {lang}.\r\n"
        b"    In order to help, never guess.\r\n  model: gpt-4o\r\n"
    )
    result = CliRunner().invoke(app, ["compress", str(config), "--write", "--no-backup"])
    assert result.exit_code == 0, result.output
    assert "not written back" not in result.output and "18 → 13 tokens, 5 saved" in result.output
    assert config.read_bytes() == (
        b"agent:\r\n  system_prompt: |\r\n    You must answer in {lang}.\r\n    To help, never guess.\r\n"
        b"  model: gpt-4o\r\n"
    )
    module = tmp_path / "app.py"
    module.write_bytes(CRLF_PYTHON.encode())
    result = CliRunner().invoke(app, ["compress", str(module), "--write", "--no-backup"])
    assert result.exit_code == 0, result.output
    assert (
        module.read_bytes() == CRLF_PYTHON.replace("Please note that you", "You").replace("In order to", "To").encode()
    )
    config.write_bytes(b"agent:\r\n  system_prompt: |\r\n    Keep it under 3 sentences.   \r\n    Never guess.\r\n")
    result = CliRunner().invoke(app, ["lint", str(config), "--fix"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "tokcli: fixed 1 finding in 1 file(s)\n"
    assert (
        config.read_bytes() == b"agent:\r\n  system_prompt: |\r\n    Keep it under 3 sentences.\r\n    Never guess.\r\n"
    )


def test_a_host_file_with_a_byte_order_mark_keeps_it_written_in_place_or_to_a_copy(tmp_path) -> None:
    from typer.testing import CliRunner

    from tokcli.cli import app

    module = tmp_path / "app.py"
    module.write_bytes(b"\xef\xbb\xbf" + CRLF_PYTHON.encode())
    expected = (
        b"\xef\xbb\xbf" + CRLF_PYTHON.replace("Please note that you", "You").replace("In order to", "To").encode()
    )
    copy = tmp_path / "copy.py"
    result = CliRunner().invoke(app, ["compress", str(module), "-o", str(copy)])
    assert result.exit_code == 0, result.output
    assert copy.read_bytes() == expected
    result = CliRunner().invoke(app, ["compress", str(module), "--write", "--no-backup"])
    assert result.exit_code == 0, result.output
    assert module.read_bytes() == expected


def test_a_literal_mixing_a_lone_cr_with_other_line_ends_is_refused_and_left_alone() -> None:
    text = "agent:\r\n  system_template: |\r\n    One.\r    Two.\r\n  x: 1\r\n"
    target = unit("a.yaml", text, "agent.system_template")
    assert target.text == "One.\nTwo.\n"
    new, refused = apply_changes(text, [Change(target, "One.\nTwo, three.\n")], DEFAULTS)
    assert new == text
    assert [reason for _, reason in refused] == ["its source mixes old Mac line ends (CR alone) with others"]

"""Chat files as the shared prompt loader reads them for `count`: messages, names, lines, errors."""

from __future__ import annotations

import pytest

from tokcli.errors import InputError
from tokcli.prompts import Message, load_prompt, parse_chat

JSON_CHAT = """{
  "model": "gpt-4o",
  "messages": [
    {"role": "system", "content": "Tu es un assistant."},
    {"role": "user", "name": "amélie", "content": "Réponds en français, s'il te plaît."},
    {"role": "user", "content": "escaped \\u00e9 here"},
    {"role": "assistant", "content": [{"type": "text", "text": "part one"}, {"type": "image_url"}, {"type": "text", "text": "two"}]}
  ]
}
"""


def test_json_chat_messages_names_and_lines() -> None:
    assert parse_chat("c.json", JSON_CHAT) == [
        Message("system", "Tu es un assistant.", 4),
        Message("user", "Réponds en français, s'il te plaît.", 5, name="amélie"),  # raw UTF-8 in the file
        Message("user", "escaped é here", 6),  # \\u-escaped in the file
        Message("assistant", "part one\ntwo", 7),
    ]


def test_yaml_chat_messages_names_and_lines() -> None:
    text = "- role: system\n  content: Be brief.\n- role: user\n  name: bob\n  content: |\n    Two\n    lines\n"
    document = load_prompt("c.yaml", text)
    assert document.kind == "chat"
    assert [(m.role, m.content, m.name) for m in document.messages] == [
        ("system", "Be brief.", None),
        ("user", "Two\nlines\n", "bob"),
    ]
    assert document.prompt_text == "Be brief.\nTwo\nlines\n"


@pytest.mark.parametrize(
    ("path", "text", "message", "line"),
    [
        ("c.json", '[{"role": "user", "content": "hi"},\n  {"role": }]', "invalid JSON", 2),
        ("c.json", '{"messages": {"role": "user"}}', "chat file must be a list of {role, content} messages", None),
        ("c.yaml", "- role: user\n  content: [unclosed\n", "invalid YAML", 3),
        ("c.yaml", "- content: no role\n", "each chat message needs a 'role' and a 'content'", 1),
        ("c.json", '[{"role": "user", "content": 42}]', "message 'content' must be a string", None),
    ],
)
def test_chat_errors_name_file_and_line(path: str, text: str, message: str, line: int | None) -> None:
    with pytest.raises(InputError) as caught:
        parse_chat(path, text)
    assert caught.value.path == path
    assert message in caught.value.message
    assert caught.value.line == line


def test_line_col_on_large_text_matches_counting_newlines() -> None:
    # Large texts use an index of line starts; it must agree with the direct count everywhere.
    from tokcli.prompts import line_col

    text = "abc\n" * 3000 + "x" * 5000 + "\n\nend"
    for offset in (0, 1, 3, 4, 5, 11_999, 12_000, 12_001, 17_000, 17_001, 17_002, len(text) - 1, len(text)):
        expected = (text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1)
        assert line_col(text, offset) == expected


YAML_PARTS = """messages:
  - role: system
    content: Be brief.
  - role: user
    content:
      - {type: text, text: "Describe this."}
      - {type: image_url, image_url: {url: "https://example.com/cat.png"}}
      - type: text
        text: And this.
"""


def test_yaml_content_parts_read_as_json_ones() -> None:
    """OpenAI multi-part content in YAML (a list node where a string usually is) reads as the JSON form does."""
    as_json = (
        '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": ['
        '{"type": "text", "text": "Describe this."}, '
        '{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}, '
        '{"type": "text", "text": "And this."}]}]}'
    )
    from_yaml = parse_chat("c.yaml", YAML_PARTS)
    assert from_yaml == [Message("system", "Be brief.", 3), Message("user", "Describe this.\nAnd this.", 6)]
    assert [(m.role, m.content) for m in parse_chat("c.json", as_json)] == [(m.role, m.content) for m in from_yaml]


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        ("c.json", "[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply to read"),
        ("c.yaml", "[" * 100_000 + "]" * 100_000, "invalid YAML: exceeded maximum nesting depth"),
        ("c.json", '[{"role": "user", "content": "hi", "n": 1' + "0" * 5000 + "}]", "a number with too many digits"),
        ("c.yaml", "- role: user\n  content: !!python/name:os.system\n", "could not determine a constructor"),
    ],
)
def test_hostile_chat_files_are_input_errors(path: str, text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        load_prompt(path, text)
    assert caught.value.path == path
    assert message in caught.value.message


def test_yaml_prompt_config_yields_its_prompt_strings() -> None:
    from tokcli.prompts import load_prompt

    text = (
        "agent:\n"
        "  system_template: |\n"
        "    You are a helpful assistant that can interact with a computer.\n"
        "    Answer in order to help the user.\n"
        "  step_limit: 250\n"
        "  name: short\n"
    )
    document = load_prompt("config.yaml", text)
    assert document.kind == "config"
    assert [(m.role, m.line) for m in document.messages] == [("agent.system_template", 3)]
    assert document.messages[0].content.startswith("You are a helpful assistant")
    # A settings file without prompt strings is not an error: it has nothing to lint.
    assert load_prompt("settings.yaml", "retries: 3\n").messages == []


def test_lint_finds_waste_in_a_yaml_prompt_config() -> None:
    from lint_support import lint

    text = "agent:\n  system_template: |\n    Answer in order to help the user with the task.\n    Be brief.\n"
    found = lint(text, "TK303", path="config.yaml", dedent=False)
    assert [(f.line, f.code) for f in found] == [(3, "TK303")]


def test_a_yaml_prompt_config_is_never_rewritten_by_compress() -> None:
    import pytest

    from tokcli.compress.rules_method import compress_prompt
    from tokcli.errors import InputError

    text = "agent:\n  system_template: |\n    In order to help, it is important to note that you answer briefly.\n"
    with pytest.raises(InputError, match="not one prompt: compress its prompts with `tokcli compress`"):
        compress_prompt("config.yaml", text)

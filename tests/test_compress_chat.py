"""Chat files (YAML and JSON message lists) and tool-definition files written back after compression: only the
message texts and tool descriptions change."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.compress import chat_edit
from tokcli.compress.rules_method import compress_prompt

WORDY = "Please make sure to answer in a clear and concise manner."
SHORT = "Answer clearly and concisely."

PROMPT_YML = f"""# Support prompt, owned by the CX team
name: Support
model: openai/gpt-4o-mini
modelParameters:
  temperature: 0.2   # keep it low
messages:
  - role: system
    content: |
      Hi there! You are a support assistant for Acme.
      {WORDY}

  # the user's turn
  - role: user
    content: "{{{{question}}}}"
testData:
  - question: "How do I get a refund?"
"""


def test_comments_quoting_and_other_keys_stay_as_written() -> None:
    result = compress_prompt("support.prompt.yml", PROMPT_YML)
    expected = PROMPT_YML.replace(
        f"      Hi there! You are a support assistant for Acme.\n      {WORDY}\n",
        f"      You are a support assistant for Acme.\n      {SHORT}\n",
    )
    assert result.text == expected
    assert result.notes == []


def test_each_scalar_style_is_kept_where_the_text_allows() -> None:
    source = (
        "- role: system\n  content: >\n    Hi there! Please make sure to answer\n    in a clear and concise manner.\n"
        f"- {{role: developer, content: '{WORDY}'}}\n"
        f"- role: system\n  content: {WORDY}\n"
        f'- role: system\n  content: &same "{WORDY}"\n'
        "- role: user\n  content: *same\n"
    )
    result = compress_prompt("chat.yaml", source)
    assert result.text == (
        "- role: system\n  content: |\n    Hi there! Answer clearly and concisely.\n"
        f"- {{role: developer, content: '{SHORT}'}}\n"
        f"- role: system\n  content: {SHORT}\n"
        f'- role: system\n  content: &same "{SHORT}"\n'
        "- role: user\n  content: *same\n"
    )
    assert result.notes == []


def test_no_message_is_left_empty() -> None:
    # the same instruction in a system message and the last user turn is two messages, not a repeat to drop
    source = json.dumps([{"role": "system", "content": WORDY}, {"role": "user", "content": WORDY}])
    contents = [message["content"] for message in json.loads(compress_prompt("chat.json", source).text)]
    assert contents == [SHORT, SHORT]


def test_the_turns_of_an_example_conversation_stay_as_written() -> None:
    # a few-shot demonstration: the user turns are example inputs, the assistant turns the outputs shown (here a
    # polite rewrite, which "Process my refund." would no longer show); the last user turn is the request
    source = json.dumps(
        [
            {"role": "system", "content": f"Rewrite the message politely. {WORDY}"},
            {"role": "user", "content": "Give me my money back now."},
            {"role": "assistant", "content": "Could you please process my refund?"},
            {"role": "user", "content": "Could you please rewrite this?\n\n{{ message }}"},
        ]
    )
    contents = [message["content"] for message in json.loads(compress_prompt("chat.json", source).text)]
    assert contents == [
        f"Rewrite the message politely. {SHORT}",
        "Give me my money back now.",
        "Could you please process my refund?",
        "Rewrite this.\n\n{{ message }}",
    ]


def test_a_json_chat_file_keeps_its_layout() -> None:
    source = (
        '{\n  "messages": [\n'
        f'    {{"role": "system", "content": "Hi there! {WORDY}\\nIn order to help, cite the article."}},\n'
        '    {"role": "user", "content": [{"type": "text", "text": "Could you please summarise this?"}]}\n'
        '  ],\n  "temperature": 0.2\n}\n'
    )
    result = compress_prompt("chat.json", source)
    assert result.text == (
        '{\n  "messages": [\n'
        f'    {{"role": "system", "content": "{SHORT}\\nTo help, cite the article."}},\n'
        '    {"role": "user", "content": [{"type": "text", "text": "Summarise this."}]}\n'
        '  ],\n  "temperature": 0.2\n}\n'
    )


def test_an_anchor_shared_by_messages_that_now_differ_falls_back_to_rewriting_the_file() -> None:
    source = f'- role: system\n  content: &rule "{WORDY}"\n- role: user\n  content: *rule\n'
    nodes = chat_edit.content_nodes(yaml.compose(source))
    assert nodes is not None and nodes[0] is nodes[1]  # an alias is its anchor's node
    result = compress_prompt("chat.yaml", source)
    assert [message["content"] for message in yaml.safe_load(result.text)] == [SHORT, SHORT]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40), min_size=1),
    st.sampled_from(["|", ">", '"', "'", None]),
)
def test_a_replaced_scalar_reads_back_as_the_new_text(values: list[str], style: str | None) -> None:
    quoted = {"|": "|\n    x\n", ">": ">\n    x\n", '"': '"x"', "'": "'x'", None: "x"}[style]
    source = "".join(f"- role: user  # turn {index}\n  content: {quoted}\n" for index in range(len(values)))
    nodes = chat_edit.content_nodes(yaml.compose(source))
    assert nodes is not None
    edited = chat_edit.replace_scalars(source, list(zip(nodes, values)), is_json=False)
    assert [message["content"] for message in yaml.safe_load(edited)] == values
    assert edited.count("# turn") == len(values)


def test_compress_write_keeps_a_prompt_files_comments(tmp_path: Path) -> None:
    path = tmp_path / "support.prompt.yml"
    path.write_text(PROMPT_YML, encoding="utf-8")
    result = CliRunner().invoke(app, ["compress", str(path), "--write"])
    assert result.exit_code == 0, result.output
    written = path.read_text(encoding="utf-8")
    assert "# Support prompt, owned by the CX team" in written and "# keep it low" in written
    assert "re-serialised" not in result.output
    assert f"written to {path}" in result.output.replace("\n", "")
    assert (tmp_path / "support.prompt.yml.orig").read_text(encoding="utf-8") == PROMPT_YML


TOOLS = """{
  "tools": [
    {
      "type": "function",
      "function": {
        "name": "get_weather",
        "description": "Please use this tool in order to get the current weather. It is important that you pass a city.",
        "parameters": {
          "type": "object",
          "properties": {
            "city": {"type": "string", "description": "Please note that this is the city name."}
          },
          "required": ["city"]
        }
      }
    }
  ]
}
"""


def test_tool_descriptions_are_compressed_in_place_and_the_json_layout_stays() -> None:
    result = compress_prompt("tools.json", TOOLS)
    assert result.text == TOOLS.replace(
        "Please use this tool in order to get the current weather. It is important that you pass a city.",
        "Use this tool to get the current weather. Pass a city.",
    ).replace("Please note that this is the city name.", "This is the city name.")
    assert "minify_json" not in result.transforms


def test_compress_reports_the_tokens_a_model_is_sent_for_the_tools(tmp_path: Path) -> None:
    path = tmp_path / "tools.json"
    path.write_text(TOOLS, encoding="utf-8")
    result = CliRunner().invoke(app, ["compress", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    before, after = report["models"][0]["tokens_before"], report["models"][0]["tokens_after"]
    assert before > after > 0
    # the figures are the whole request's tools as `count` counts them (names, schemas, framing), not only the
    # descriptions compress rewrites; the same on both sides of the edit
    counted = CliRunner().invoke(app, ["count", str(path), "--format", "json"])
    assert counted.exit_code == 0, counted.output
    assert before == json.loads(counted.stdout)["results"][0]["tokens"]
    compressed = tmp_path / "compressed.json"
    assert CliRunner().invoke(app, ["compress", str(path), "-o", str(compressed)]).exit_code == 0
    recount = CliRunner().invoke(app, ["count", str(compressed), "--format", "json"])
    assert after == json.loads(recount.stdout)["results"][0]["tokens"]
    audited = CliRunner().invoke(app, ["audit", str(tmp_path), "--no-cache", "--format", "json"])
    files = {entry["path"].rsplit("/", 1)[-1]: entry for entry in json.loads(audited.stdout)["files"]}
    figures = files["tools.json"]["models"]["gpt-4o"]
    assert (figures["tokens"], figures["compressed_tokens"]) == (before, after)
    # a file whose descriptions are already tight is left as it is, layout included (no minified rewrite)
    tight = TOOLS.replace(
        "Please use this tool in order to get the current weather. It is important that you pass a city.",
        "Get the current weather for a city.",
    ).replace("Please note that this is the city name.", "City name.")
    assert compress_prompt("tools.json", tight).text == tight


def test_a_json_chat_file_with_an_escaped_emoji_keeps_its_layout() -> None:
    source = (
        '[\n  {"role": "system", "content": "Please note that you must answer in French \\ud83d\\ude00 ok."},\n'
        '  {"role": "user", "content": "{{question}}"}\n]\n'
    )
    result = compress_prompt("chat.json", source)
    assert "re-serialised" not in " ".join(result.notes)
    assert result.text.startswith('[\n  {"role": "system", "content": "You must answer in French')
    assert result.text.endswith('"},\n  {"role": "user", "content": "{{question}}"}\n]\n')


def test_a_lone_surrogate_escape_is_written_back_escaped(tmp_path: Path) -> None:
    path = tmp_path / "chat.json"
    source = '[{"role": "system", "content": "Please note that you must answer \\ud83d here."}, {"role": "user", "content": "{{q}}"}]'
    path.write_text(source, encoding="utf-8")
    result = CliRunner().invoke(app, ["compress", str(path), "--write", "--no-backup"])
    assert result.exit_code == 0, result.output
    written = path.read_text(encoding="utf-8")
    assert "You must answer \\ud83d here." in written
    assert json.loads(written)[0]["content"] == "You must answer \ud83d here."


def test_tool_descriptions_with_an_escaped_emoji_are_compressed() -> None:
    source = TOOLS.replace(
        "It is important that you pass a city.", "It is important that you pass a city \\ud83c\\udf0d."
    )
    result = compress_prompt("tools.json", source)
    assert "Please use this tool" not in result.text
    assert "\\ud83c\\udf0d" in result.text or "\U0001f30d" in result.text
    assert result.text.splitlines()[:5] == source.splitlines()[:5]  # the layout around the descriptions stays


def test_a_plain_message_that_now_ends_in_a_colon_is_quoted() -> None:
    source = "# the prompt\n- role: system  # keep\n  content: Summarize it\n"
    nodes = chat_edit.content_nodes(yaml.compose(source))
    assert nodes is not None
    edited = chat_edit.replace_scalars(source, [(nodes[0], "Summarize the text below:")], is_json=False)
    assert edited == source.replace("Summarize it", '"Summarize the text below:"')


def test_the_comment_on_a_block_scalars_header_line_stays() -> None:
    source = "messages:\n  - role: system\n    content: |  # owned by CX\n      Please note that you must answer in French.\n  - role: user\n    content: '{{q}}'\n"
    result = compress_prompt("chat.yaml", source)
    assert result.text == source.replace("Please note that you must", "You must")
    explicit = source.replace("|  # owned by CX\n      ", "|2  # owned by CX\n        ")
    result = compress_prompt("chat.yaml", explicit)  # kept as a quoted string: the comment follows it
    assert '    content: "  You must answer in French.\\n"  # owned by CX\n' in result.text


def test_messages_sharing_a_yaml_anchor_are_kept_rather_than_the_file_reserialised(tmp_path: Path) -> None:
    # the turns are compressed together, so the second reading of the anchor would lose the repeated line: one
    # scalar cannot hold both texts, and writing the file anew would drop its comments and the anchor
    source = (
        "# support bot\n- role: system  # rules\n  content: &rules |\n    Please note that you must answer in"
        " {{ lang }}.\n    \tIndented by a tab: keep it.\n- role: user\n  content: *rules\n- role: assistant\n"
        "  content: Please note that it is very important that you do not guess.\n"
    )
    path = tmp_path / "chat.yaml"
    path.write_text(source)
    result = CliRunner().invoke(app, ["compress", str(path), "--write", "--no-backup"])
    assert result.exit_code == 0, result.output
    assert "2 messages share one YAML anchor and would differ: kept as they were" in result.stderr
    assert path.read_text() == source.replace("Please note that it is very important that you do", "Do")


def test_the_summary_of_messages_sharing_an_anchor_reports_only_what_was_written(tmp_path: Path) -> None:
    # the second reading of the anchor loses its repeated line when the turns are compressed together; that cut
    # and the system message's are undone, so neither is counted nor listed as removed
    assistant = "Please note that it is very important that you do not guess."
    source = (
        "# support bot\n- role: system  # rules\n  content: &rules |\n    Please note that you must answer in"
        f" {{{{ lang }}}}.\n    \tIndented by a tab: keep it.\n- role: user\n  content: *rules\n- role: assistant\n"
        f"  content: {assistant}\n"
    )
    path = tmp_path / "chat.yaml"
    path.write_text(source)
    result = CliRunner().invoke(app, ["compress", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    alone = compress_prompt("turn.txt", assistant)
    assert report["text"] == source.replace(assistant, alone.text)
    assert report["removed"] == []
    assert report["transforms"] == alone.transforms
    assert report["notes"] == ["2 messages share one YAML anchor and would differ: kept as they were"]


def test_a_repeated_content_key_is_edited_where_the_loader_reads_it(tmp_path: Path) -> None:
    # YAML and JSON loaders keep a repeated key's last value: that scalar is the message, edited in place
    source = (
        "# bot\n- role: system\n  content: Please note that   you must be brief.\n"
        "  content: It is very important that you do not guess.\n- role: user\n  content: hi\n"
    )
    path = tmp_path / "chat.yaml"
    path.write_text(source)
    result = CliRunner().invoke(app, ["compress", str(path), "--write", "--no-backup"])
    assert result.exit_code == 0, result.output
    assert "re-serialised" not in result.stderr
    assert path.read_text() == source.replace("It is very important that you do", "Do")

"""Tool definitions, MCP tool lists and chat-file request extras: shapes, provider accounting (OpenAI's cookbook
constants on its API-verified example, Anthropic's tool-use system prompt), and count / cost / audit end to end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.registry import get_tokenizer
from tokcli.tool_tokens import anthropic_tool_prompt, count_request
from tokcli.tools import ChatRequest, chat_request, normalize_tools, tool_file_definitions, tool_list
from tokcli.units.yaml_config import NO_PROMPTS

# The function-calling example of OpenAI's cookbook "How to count tokens with tiktoken". The cookbook prints
# the API's usage.prompt_tokens next to its own count: 105 for gpt-3.5-turbo and gpt-4, 101 for gpt-4o and
# gpt-4o-mini.
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {
                    "type": "string",
                    "description": "The unit of temperature to return",
                    "enum": ["celsius", "fahrenheit"],
                },
            },
            "required": ["location"],
        },
    },
}
WEATHER_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]
API_VERIFIED = {"gpt-3.5-turbo": 105, "gpt-4": 105, "gpt-4o": 101, "gpt-4o-mini": 101}

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    # An exception the command did not turn into a one-line error would show as exit 1 with nothing said.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def _weather_request() -> ChatRequest:
    return ChatRequest(tools=normalize_tools("x.json", [WEATHER_TOOL]))


@pytest.mark.parametrize(("model", "expected"), sorted(API_VERIFIED.items()))
def test_cookbook_example_matches_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: str, expected: int
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("weather.json").write_text(json.dumps({"messages": WEATHER_MESSAGES, "tools": [WEATHER_TOOL]}))
    code, stdout, stderr = run("count", "weather.json", "-m", model, "-f", "json")
    assert (code, stderr) == (0, "")
    [item] = json.loads(stdout)["results"]
    assert (item["tokens"], item["exact"], item["kind"]) == (expected, True, "chat")
    tools = item["tools"]
    assert item["tool_tokens"] == tools["definitions"] == expected - item["message_tokens"]
    assert tools["method"] == "openai-cookbook" and tools["overhead"] == 12
    [tool] = tools["tools"]
    assert tool["name"] == "get_current_weather"
    assert tool["description_tokens"] + tool["schema_tokens"] == tool["tokens"] == tools["definitions"] - 12


def test_cookbook_constants_per_element() -> None:
    o200k = get_tokenizer("o200k_base")
    result = count_request(_weather_request(), o200k, "o200k_base", provider="openai", model="gpt-4o")
    [tool] = result.tools
    # 7 per function + "name:description" (trailing full stop dropped).
    assert tool.description == 7 + o200k.count("get_current_weather:Get the current weather in a given location")
    lines = [
        "location:string:The city and state, e.g. San Francisco, CA",
        "unit:string:The unit of temperature to return",
    ]
    # 3 for the properties, 3 per property + its line, -3 for the enum, 3 per item + the item.
    enum = -3 + sum(3 + o200k.count(item) for item in ("celsius", "fahrenheit"))
    assert tool.schema == 3 + sum(3 + o200k.count(line) for line in lines) + enum
    assert (result.overhead, result.exact) == (12, True)


def test_unverified_model_or_nested_schema_is_an_estimate() -> None:
    o200k = get_tokenizer("o200k_base")
    assert not count_request(_weather_request(), o200k, "o200k_base", provider="openai", model="gpt-4.1").exact
    nested = json.loads(json.dumps(WEATHER_TOOL))
    nested["function"]["parameters"]["properties"]["where"] = {
        "type": "object",
        "description": "A place",
        "properties": {"lat": {"type": "number", "description": "Latitude"}},
    }
    request = ChatRequest(tools=normalize_tools("x.json", [nested]))
    result = count_request(request, o200k, "o200k_base", provider="openai", model="gpt-4o")
    flat = count_request(_weather_request(), o200k, "o200k_base", provider="openai", model="gpt-4o")
    assert not result.exact
    assert result.tools[0].schema > flat.tools[0].schema  # nested properties are counted too


def test_anthropic_adds_the_published_tool_use_prompt() -> None:
    assert anthropic_tool_prompt("claude-sonnet-4-5", None) == 496
    assert anthropic_tool_prompt("claude-sonnet-4-5-20250929", {"type": "any"}) == 588
    assert anthropic_tool_prompt("claude-3-haiku", {"type": "tool", "name": "x"}) == 340
    assert anthropic_tool_prompt("claude-opus-4", "auto") == 313
    assert anthropic_tool_prompt("claude-opus-4-1", "auto") == 313  # not claude-opus-4's longer sibling
    assert anthropic_tool_prompt("claude-unknown-9", "auto") is None
    claude = get_tokenizer("claude-estimate")
    result = count_request(
        _weather_request(), claude, "claude-estimate", provider="anthropic", model="claude-sonnet-4-5"
    )
    body = WEATHER_TOOL["function"]
    sent = json.dumps(
        {"name": body["name"], "description": body["description"], "input_schema": body["parameters"]},
        separators=(",", ":"),
    )
    assert result.tools[0].total == claude.count(sent)
    assert (result.overhead, result.exact, result.method) == (496, False, "anthropic")


def test_other_providers_count_the_json_as_an_estimate() -> None:
    o200k = get_tokenizer("o200k_base")
    result = count_request(_weather_request(), o200k, "o200k_base", provider="google", model="gemini-2.5-pro")
    assert (result.method, result.exact, result.overhead) == ("json", False, 0)
    assert result.tools[0].description == o200k.count(WEATHER_TOOL["function"]["description"])


MCP_TOOL = {
    "name": "read_file",
    "description": "Read a file.",
    "inputSchema": {"type": "object", "properties": {"path": {"type": "string", "description": "File path"}}},
}
ANTHROPIC_TOOL = {"name": "read_file", "description": "Read a file.", "input_schema": MCP_TOOL["inputSchema"]}
LEGACY_FUNCTION = {"name": "read_file", "description": "Read a file.", "parameters": MCP_TOOL["inputSchema"]}


@pytest.mark.parametrize(
    "data",
    [
        {"tools": [MCP_TOOL]},  # MCP tools/list result
        {"jsonrpc": "2.0", "id": 1, "result": {"tools": [MCP_TOOL]}},  # its JSON-RPC envelope
        [ANTHROPIC_TOOL],  # a bare Anthropic list
        {"tools": [ANTHROPIC_TOOL]},
        [{"type": "function", "function": LEGACY_FUNCTION}],  # OpenAI tools
        {"functions": [LEGACY_FUNCTION]},  # OpenAI's legacy functions
        [{"type": "function", **LEGACY_FUNCTION}],  # the Responses API's flat form
    ],
)
def test_every_common_shape_reads_the_same_tool(data: object) -> None:
    [tool] = tool_file_definitions("tools.json", json.dumps(data, indent=2)) or []
    assert (tool.name, tool.description, tool.schema) == ("read_file", "Read a file.", MCP_TOOL["inputSchema"])


@pytest.mark.parametrize(
    "data",
    [
        {"messages": []},
        [{"role": "user", "content": "hi"}],
        {"name": "config"},
        [1, 2],
        [],
        {"model": "gpt-4o"},
        {"tools": ["eslint", "prettier"]},  # a tool config, not tool definitions
    ],
)
def test_data_that_is_not_a_tool_list(data: object) -> None:
    assert tool_list(data) is None
    assert tool_file_definitions("data.json", json.dumps(data)) is None


def test_chat_request_reads_every_extra(tmp_path: Path) -> None:
    text = """
messages:
  - role: user
    content: weather?
  - role: assistant
    content: null
    tool_calls:
      - id: call_1
        type: function
        function: {name: get_current_weather, arguments: '{"location": "Paris"}'}
  - role: tool
    tool_call_id: call_1
    content: '{"temp": 21}'
  - role: assistant
    content:
      - {type: tool_use, id: tu_1, name: lookup, input: {q: Paris}}
  - role: user
    content:
      - {type: tool_result, tool_use_id: tu_1, content: [{type: text, text: sunny}]}
tools: [{type: function, function: {name: get_current_weather, description: Weather, parameters: {}}}]
tool_choice: required
response_format: {type: json_schema, json_schema: {name: out, schema: {type: object}}}
"""
    request = chat_request("chat.yaml", text)
    assert [tool.name for tool in request.tools] == ["get_current_weather"]
    assert request.tool_choice == "required"
    assert request.response_format["type"] == "json_schema"
    assert request.call_texts == ["get_current_weather", '{"location": "Paris"}', "lookup", '{"q":"Paris"}', "sunny"]
    o200k = get_tokenizer("o200k_base")
    counted = count_request(request, o200k, "o200k_base", provider="openai", model="gpt-4o")
    assert counted.calls == sum(o200k.count(text) for text in request.call_texts)
    assert counted.tool_choice == o200k.count('"required"')
    assert counted.response_format == o200k.count(
        '{"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"}}}'
    )
    assert not counted.exact  # nobody documents how tool calls and response formats are rendered


def test_count_tool_file_table_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    small = {"name": "ping", "description": "Ping.", "inputSchema": {"type": "object", "properties": {}}}
    Path("mcp.json").write_text(json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"tools": [small, MCP_TOOL]}}))
    code, stdout, stderr = run("count", "mcp.json", "-m", "gpt-4o", "-f", "text")
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].split() == ["file", "gpt-4o", "gpt-4o", "tools"]
    table = lines[lines.index("mcp.json — tools on gpt-4o (OpenAI cookbook rendering)") + 1 :]
    assert table[0].split() == ["tool", "description", "schema", "total"]
    assert [row.split()[0] for row in table[1:3]] == ["read_file", "ping"]  # most costly first
    assert table[3].split() == ["(per", "request)", "12"]  # flat schemas on a verified model: exact
    assert table[4].startswith("total (2 tools)")
    assert "tools: OpenAI models use the cookbook" in stderr
    code, stdout, stderr = run("count", "mcp.json", "-m", "gpt-4o", "-f", "json")
    [item] = json.loads(stdout)["results"]
    assert (item["kind"], item["exact"], item["message_tokens"]) == ("tools", True, 0)
    assert item["tokens"] == item["tool_tokens"] == sum(t["tokens"] for t in item["tools"]["tools"]) + 12


@pytest.mark.parametrize(("model", "auto_prompt"), [("claude-sonnet-4-6", 497), ("claude-opus-4-7", 675)])
def test_count_adds_each_current_claude_models_own_tool_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: str, auto_prompt: int
) -> None:
    # These models once resolved to claude-sonnet-4 / claude-opus-4 and got those models' 313-token prompt.
    monkeypatch.chdir(tmp_path)
    Path("tools.json").write_text(json.dumps([WEATHER_TOOL]))
    code, stdout, stderr = run("count", "tools.json", "-m", model, "-f", "json")
    assert (code, stderr) == (0, "")
    [item] = json.loads(stdout)["results"]
    assert item["tools"]["overhead"] == auto_prompt
    assert item["tool_tokens"] == sum(t["tokens"] for t in item["tools"]["tools"]) + auto_prompt


def test_bad_tool_json_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("tools.json").write_text(
        '{"tools": [\n  {"name": "ok", "description": "x"},\n  {"description": "no name"}\n]}'
    )
    code, stdout, stderr = run("count", "tools.json")
    assert (code, stdout) == (2, "")
    assert stderr == "tokcli: error: tools.json:3: tool #2 has no 'name'\n"
    Path("tools.json").write_text('{"tools": [{"name": "x", "parameters": "not a schema"}]}')
    code, stdout, stderr = run("count", "tools.json")
    assert (code, stdout, stderr) == (
        2,
        "",
        "tokcli: error: tools.json:1: tool 'x': its input schema must be a JSON object\n",
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[\n  {"description": "Read a file.", "input_schema": {"type": "object"}}\n]', 2),  # a bare list
        ('{"tools": [\n  {"description": "Read a file.", "inputSchema": {"type": "object"}}\n]}', 2),  # MCP
        ('{"functions": [{"description": "Read a file."}]}', 1),
    ],
)
def test_a_lone_tool_without_a_name_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, line: int
) -> None:
    # It once read as "YAML/JSON without prompts": only a named entry beside it made the file a tool list.
    monkeypatch.chdir(tmp_path)
    Path("tools.json").write_text(text)
    code, stdout, stderr = run("count", "tools.json")
    assert (code, stdout, stderr) == (2, "", f"tokcli: error: tools.json:{line}: tool #1 has no 'name'\n")


def test_lists_that_are_not_tools_stay_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notes.json").write_text('[{"description": "a setting"}, {"input_schema": {"type": "object"}}]')
    code, stdout, stderr = run("count", "notes.json")
    assert (code, stdout) == (2, "")
    assert stderr.startswith("tokcli: error: no prompt files in notes.json: 1 left out — " + NO_PROMPTS)


def test_cost_prices_the_request_not_the_raw_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("weather.json").write_text(json.dumps({"messages": WEATHER_MESSAGES, "tools": [WEATHER_TOOL]}, indent=2))
    code, stdout, stderr = run("cost", "weather.json", "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "-f", "json")
    assert (code, stderr) == (0, "")
    rows = {row["model"]: row for row in json.loads(stdout)["results"]}
    assert (rows["gpt-4o"]["input_tokens"], rows["gpt-4o"]["exact"]) == (101, True)
    assert rows["claude-sonnet-4-5"]["exact"] is False
    claude = get_tokenizer("claude-estimate")
    code, stdout, _ = run("count", "weather.json", "-m", "claude-sonnet-4-5", "-f", "json")
    [item] = json.loads(stdout)["results"]
    assert rows["claude-sonnet-4-5"]["input_tokens"] == item["tokens"]
    assert item["tools"]["overhead"] == 496 and item["tokens"] > claude.count("")


def test_audit_counts_tool_files_per_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("weather.json").write_text(json.dumps({"messages": WEATHER_MESSAGES, "tools": [WEATHER_TOOL]}))
    Path("mcp.json").write_text(json.dumps({"tools": [MCP_TOOL]}))
    Path("data.json").write_text(json.dumps({"rows": [1, 2]}))
    code, stdout, stderr = run("audit", ".", "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "--no-cache", "-f", "json")
    assert code == 0, stderr
    payload = json.loads(stdout)
    files = {item["path"]: item for item in payload["files"]}
    assert set(files) == {"mcp.json", "weather.json"}
    assert files["mcp.json"]["kind"] == "tools"
    weather = files["weather.json"]["models"]
    assert (weather["gpt-4o"]["tokens"], weather["gpt-4o"]["exact"]) == (101, True)
    _, stdout, _ = run("count", "weather.json", "mcp.json", "-m", "claude-sonnet-4-5", "-f", "json")
    counted = {item["path"]: item["tokens"] for item in json.loads(stdout)["results"]}
    assert weather["claude-sonnet-4-5"]["tokens"] == counted["weather.json"]
    assert files["mcp.json"]["models"]["claude-sonnet-4-5"]["tokens"] == counted["mcp.json"]
    assert payload["skipped"] == [{"path": "data.json", "reason": NO_PROMPTS}]


def test_audit_tool_budget_and_per_tool_deltas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path(".tokcli.yaml").write_text(
        'models: [gpt-4o]\naudit:\n  budgets:\n    files:\n      "*.json": {max_tool_tokens: 20}\n'
    )
    small = {"name": "ping", "description": "Ping.", "inputSchema": {"type": "object", "properties": {}}}
    Path("mcp.json").write_text(json.dumps({"tools": [small, MCP_TOOL]}, indent=1))
    o200k = get_tokenizer("o200k_base")
    ping = 7 + o200k.count("ping:Ping")  # no properties: nothing for the schema
    read = 7 + o200k.count("read_file:Read a file") + 3 + 3 + o200k.count("path:string:File path")
    assert ping <= 20 < read
    code, stdout, stderr = run("audit", ".", "--no-cache", "--write-baseline", "base.json", "-f", "json")
    assert code == 1, stderr
    payload = json.loads(stdout)
    [tool_check] = [check for check in payload["budgets"] if check["tool"] == "read_file"]
    assert (tool_check["metric"], tool_check["actual"], tool_check["exceeded"]) == ("tool_tokens", str(read), True)
    [finding] = [f for f in payload["findings"] if f["code"] == "TK955"]
    assert finding["line"] == 12  # the line of read_file's name
    assert finding["message"] == (
        f"tool 'read_file' is {read} tokens on gpt-4o, over the budget of 20 per tool (audit.budgets.files '*.json')"
    )
    tools = payload["files"][0]["models"]["gpt-4o"]["tools"]
    assert tools == [{"name": "read_file", "tokens": read, "line": 12}, {"name": "ping", "tokens": ping, "line": 4}]
    grown = dict(small, description="Ping the server and wait for its answer.")
    Path("mcp.json").write_text(json.dumps({"tools": [grown, MCP_TOOL]}, indent=1))
    code, stdout, stderr = run("audit", ".", "--no-cache", "--baseline", "base.json", "-f", "text")
    after = 7 + o200k.count("ping:Ping the server and wait for its answer")
    assert f"  changed  mcp.json: {ping + read + 12:,} → {after + read + 12:,}" in stdout
    assert f"           tool ping: {ping} → {after} (+{after - ping})" in stdout
    assert "tool read_file" not in stdout.split("Changes since")[1].split("\n\n")[0]  # unchanged tools stay out


def test_built_in_tools_beside_functions_are_named_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenAI's hosted tools have no name ({"type": "web_search_preview"}): a valid request's tool list was
    # "tool #2 has no 'name'" (exit 2), and a bare list holding one was "without prompts"
    monkeypatch.chdir(tmp_path)
    hosted = [{"type": "web_search_preview"}, {"type": "file_search", "vector_store_ids": ["vs_1"]}]
    Path("tools.json").write_text(json.dumps({"tools": [WEATHER_TOOL, *hosted]}))
    Path("bare.json").write_text(json.dumps([WEATHER_TOOL, {"type": "code_interpreter", "container": {}}]))
    Path("chat.yaml").write_text(
        "messages:\n  - {role: user, content: Weather in Paris?}\ntools:\n"
        f"  - {json.dumps(WEATHER_TOOL)}\n  - {{type: web_search_20250305, name: web_search, max_uses: 5}}\n"
    )
    Path("alone.json").write_text(json.dumps([WEATHER_TOOL]))
    args = ("count", "alone.json", "tools.json", "bare.json", "chat.yaml", "-m", "gpt-4o", "-f", "json")
    code, stdout, stderr = run(*args)
    assert code == 0
    rows = {row["path"]: row for row in json.loads(stdout)["results"]}
    alone = rows["alone.json"]["tool_tokens"]
    assert alone > 0 and rows["alone.json"]["exact"]
    # the function counts as it does alone; the built-ins add nothing known, so the figure is an estimate
    assert [(rows[name]["tool_tokens"], rows[name]["exact"]) for name in ("tools.json", "bare.json")] == [
        (alone, False),
        (alone, False),
    ]
    assert [tool["name"] for tool in rows["chat.yaml"]["tools"]["tools"]] == ["get_current_weather"]
    assert (
        "tools.json: built-in tools not counted (the provider defines their prompts): web_search_preview, "
        "file_search" in json.loads(stdout)["notes"]
    )
    assert (
        "chat.yaml: built-in tools not counted (the provider defines their prompts): web_search"
        in json.loads(stdout)["notes"]
    )
    assert stderr == ""
    # a list of built-ins alone, or typed entries that are no known built-in, is still no tool list
    assert tool_list([{"type": "web_search_preview"}]) is None
    assert tool_list([{"type": "shell_step"}, {"name": "build", "description": "Build it."}]) is None


def test_audit_names_the_built_in_tools_it_cannot_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # count and cost said so; audit priced the same files without a word (the cache keeps it too)
    monkeypatch.chdir(tmp_path)
    Path("tools.json").write_text(json.dumps([WEATHER_TOOL, {"type": "web_search_preview"}]))
    anthropic = {"name": "get_stock", "description": "Price of a stock.", "input_schema": {"type": "object"}}
    Path("claude_tools.json").write_text(json.dumps([anthropic, {"type": "bash_20250124", "name": "bash"}]))
    Path("alone.json").write_text(json.dumps([WEATHER_TOOL]))
    for run_number in (1, 2):
        code, stdout, stderr = run("audit", ".", "-m", "gpt-4o", "--format", "json")
        assert code == 0, stderr
        notes = [note for note in json.loads(stdout)["notes"] if "built-in tools" in note]
        assert notes == [
            "claude_tools.json: built-in tools not counted (the provider defines their prompts): bash",
            "tools.json: built-in tools not counted (the provider defines their prompts): web_search_preview",
        ], run_number

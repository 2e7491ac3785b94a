"""Prompt units of JavaScript and TypeScript source: the SDK shapes found, what is not a prompt, and every
command on them (count, lint, compress, audit) through the CLI with real tokenizer counts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from audit_support import o200k
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.units.js_source import scan_javascript
from tokcli.units.select import UnitSettings
from tokcli.units.writeback import Change, apply_changes

DEFAULTS = UnitSettings()

OPENAI_TS = """\
import OpenAI from "openai";

const client = new OpenAI();

export const SYSTEM_PROMPT = `You are a billing assistant for ${product}.
Answer in ${language}.`;

export async function ask(question: string): Promise<string> {
  const response = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: SYSTEM_PROMPT },
      { role: "user", content: `Question: ${question}` },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Get the current weather for a city.",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ],
  });
  return response.choices[0].message.content ?? "";
}
"""

ANTHROPIC_JS = """\
const Anthropic = require("@anthropic-ai/sdk");

async function summarise(client, text) {
  return client.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 500,
    system: [{ type: "text", text: "Summarise the user's text in two sentences.", cache_control: { type: "ephemeral" } }],
    messages: [{ role: "user", content: text }],
    tools: [{ name: "lookup", description: "Look a word up.", input_schema: { type: "object", properties: {} } }],
  });
}
module.exports = { summarise };
"""

VERCEL_TS = """\
import { generateText, tool } from "ai";
import { z } from "zod";

export async function weather(model: LanguageModel) {
  const pattern = /["'`]/g; // a regex holding quotes
  const half = width / 2 / 1; // divisions
  return generateText({
    model,
    system: 'You answer questions about the weather.',
    prompt: "What is the weather in " + "Paris" + " today?",
    tools: {
      weather: tool({
        description: "Get the weather in a location",
        parameters: z.object({ location: z.string().describe("The location") }),
      }),
    },
  });
}
"""

LANGCHAIN_MJS = """\
import { ChatPromptTemplate, PromptTemplate } from "@langchain/core/prompts";
import { SystemMessage, HumanMessage } from "@langchain/core/messages";

export const prompt = ChatPromptTemplate.fromMessages([
  ["system", "You are a world class technical writer. Use {style} style."],
  ["human", "{input}"],
  ["placeholder", "{history}"],
]);
const joke = PromptTemplate.fromTemplate("Tell me a joke about {topic}");
const legacy = new PromptTemplate({ template: "Summarize: {text}", inputVariables: ["text"] });
const messages = [new SystemMessage("Translate the following from English into Italian"), new HumanMessage({ content: "hi!" })];
"""

NOT_PROMPTS_JS = """\
import { readFile } from "node:fs/promises";

const ERROR_TEMPLATE = "Could not reach the server at {host}: {reason}";
const PAGE_TEMPLATE = "<html><body>Welcome to the page of the project</body></html>";
const API_URL = "https://api.example.com/v1/prompts";
const SYSTEM_STATUS = "All systems are running fine today";

export function check(host) {
  console.log(`checking ${host}`);
  throw new Error(ERROR_TEMPLATE);
}
"""


def scan(text: str, name: str = "app.ts", settings: UnitSettings = DEFAULTS):
    return scan_javascript(name, text, settings)


def by_key(text: str, name: str = "app.ts") -> dict:
    return {unit.key: unit for unit in scan(text, name).units}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_openai_node_sdk_messages_constants_and_tool_lists() -> None:
    found = by_key(OPENAI_TS, "chat.ts")
    assert list(found) == ["chat.SYSTEM_PROMPT", "chat.ask.messages[1]", "chat.ask.tools.json"]
    system = found["chat.SYSTEM_PROMPT"]
    # the template literal's `${…}` read as fields, sent as the system message of the call (role, model)
    assert system.text == "You are a billing assistant for {product}.\nAnswer in {language}."
    assert (system.line, system.column, system.syntax) == (5, 31, "format")
    assert (system.role, system.model) == ("system", "gpt-4o-mini")
    assert system.position(system.text.index("Answer")) == (6, 1)
    assert found["chat.ask.messages[1]"].text == "Question: {question}"
    tools = found["chat.ask.tools.json"]
    assert tools.kind == "tools" and '"name": "get_weather"' in tools.text and tools.slot is None


def test_anthropic_system_blocks_and_input_schema_tools() -> None:
    found = by_key(ANTHROPIC_JS, "summary.js")
    assert list(found) == ["summary.summarise.system[0]", "summary.summarise.tools.json"]
    assert found["summary.summarise.system[0]"].text == "Summarise the user's text in two sentences."
    assert found["summary.summarise.system[0]"].role == "system"
    assert '"input_schema"' in found["summary.summarise.tools.json"].text


def test_vercel_ai_sdk_system_prompt_and_zod_tools_say_what_is_not_counted() -> None:
    result = scan(VERCEL_TS, "weather.ts")
    found = {unit.key: unit for unit in result.units}
    assert list(found) == [
        "weather.weather.system",
        "weather.weather.prompt",
        "weather.weather.tools.weather.description",
    ]
    assert found["weather.weather.prompt"].text == "What is the weather in Paris today?"
    assert found["weather.weather.prompt"].slot is None  # built with +: counted, not written back
    assert found["weather.weather.tools.weather.description"].text == "Get the weather in a location"
    assert result.skipped == [
        (
            "weather.ts::weather.weather.tools.weather.parameters",
            "a zod schema: its tokens (names, types, .describe() texts) are not counted; the description is",
        )
    ]


def test_langchain_js_templates_and_messages() -> None:
    found = by_key(LANGCHAIN_MJS, "chain.mjs")
    assert {key: (unit.role, unit.text) for key, unit in found.items()} == {
        "chain.fromMessages[0]": ("system", "You are a world class technical writer. Use {style} style."),
        "chain.fromMessages[1]": ("user", "{input}"),
        "chain.PromptTemplate.fromTemplate": (None, "Tell me a joke about {topic}"),
        "chain.PromptTemplate(template)": (None, "Summarize: {text}"),
        "chain.SystemMessage": ("system", "Translate the following from English into Italian"),
        "chain.HumanMessage": ("user", "hi!"),
    }
    assert found["chain.PromptTemplate.fromTemplate"].syntax == "format"


def test_messages_logs_pages_urls_and_other_strings_are_not_prompts() -> None:
    result = scan(NOT_PROMPTS_JS, "server.js")
    assert result.units == []
    assert result.note == "no prompts found in this JavaScript/TypeScript file"


def test_a_marked_declaration_and_an_exported_prompt_are_taken() -> None:
    source = (
        "function build(name) {\n"
        "  // tokcli: prompt\n"
        "  const greeting = 'Greet ' + name;\n"
        "  return greeting;\n"
        "}\n"
        'export const REVIEW_INSTRUCTIONS = "Review the diff and list the risks.";\n'
        'const UNUSED_PROMPT = "A prompt nobody sends or exports.";\n'
    )
    assert list(by_key(source, "agent.js")) == ["agent.REVIEW_INSTRUCTIONS"]
    source = source.replace("'Greet ' + name", "'Greet the user politely'")
    assert list(by_key(source, "agent.js")) == ["agent.build.greeting", "agent.REVIEW_INSTRUCTIONS"]


def test_jsx_text_is_not_a_prompt_but_a_message_in_an_expression_is() -> None:
    source = (
        "export function App({ name }) {\n"
        "  const ratio = total / count / 2;\n"
        "  return (\n"
        '    <div className="app" onClick={() => send({ role: "user", content: "Hello from the button" })}>\n'
        "      Don't panic, {name}! It's \"fine\" `really` /not a regex.\n"
        "      <>{/* a comment */}<b>bold</b></>\n"
        '      <Img src={url} alt="a/b" />\n'
        "    </div>\n"
        "  );\n"
        "}\n"
    )
    found = by_key(source, "App.jsx")
    assert [(key, unit.text, unit.line) for key, unit in found.items()] == [
        ("App.App.message", "Hello from the button", 4)
    ]


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        (
            'const SYSTEM_PROMPT = "You are fine and well";\nconst broken = `never closed\nmore\n',
            2,
            "a template literal that does not close",
        ),
        (  # a / the lexer cannot place: skipped, never a guess
            'const SYSTEM_PROMPT = "Be brief.";\nlet x: { a: string }\n/a"/.exec(z)\n',
            3,
            "a / after a } that may close a block or an object: regex or division unknown",
        ),
    ],
)
def test_a_file_the_lexer_cannot_read_yields_no_unit_and_says_where(source: str, line: int, reason: str) -> None:
    result = scan(source, "bad.ts")
    assert result.units == []
    assert result.skipped == [
        ("bad.ts", f"cannot read this JavaScript/TypeScript at line {line} ({reason}); no prompts taken from it")
    ]


def test_regexes_after_a_condition_or_a_block_and_tsx_generic_arrows_do_not_stop_the_reading() -> None:
    source = (
        "export const first = <T,>(items: T[]) => items[0];\n"
        "export function quoted(s: string) {\n"
        "  if (s.length) /['\"]/.test(s);\n"
        "}\n"
        "/'/.exec(first([''])) // a regex holding a quote, after a block\n"
        'export const SYSTEM_PROMPT = "You are a careful reviewer of pull requests.";\n'
        "export const Row = <T extends object>(row: T) => <td>{String(row)}</td>;\n"
    )
    result = scan(source, "review.tsx")
    assert result.skipped == []
    assert [(unit.key, unit.line) for unit in result.units] == [("review.SYSTEM_PROMPT", 6)]


def test_escapes_are_read_and_positions_anchor_after_them() -> None:
    source = "const p = { role: 'system', content: 'It\\'s \\u00e9t\\u00e9.\\nBe brief.' };\n"
    unit = by_key(source, "x.js")["x.message"]
    assert unit.text == "It's été.\nBe brief."
    assert unit.position(unit.text.index("Be")) == (1, source.index("Be") + 1)


def test_prompts_javascript_false_turns_it_off() -> None:
    result = scan(OPENAI_TS, "chat.ts", UnitSettings(javascript=False))
    assert result.units == [] and "prompts.javascript: false" in (result.note or "")


# ---- the commands ------------------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "chat.ts").write_text(OPENAI_TS)
    (tmp_path / "src" / "weather.ts").write_text(VERCEL_TS)
    (tmp_path / "src" / "util.js").write_text("export const add = (a, b) => a + b;\n")
    for built in ("node_modules/pkg/index.js", "dist/chat.js", "src/vendor.min.js"):
        (tmp_path / built).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / built).write_text(OPENAI_TS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_count_shows_each_unit_with_real_counts_and_the_zod_schema_as_not_counted(tree: Path) -> None:
    result = invoke("count", "src", "-m", "gpt-4o", "--format", "json")
    assert result.exit_code == 0, result.output
    files = {item["path"]: item["tokens"] for item in json.loads(result.stdout)["results"]}
    assert files["src/chat.ts::chat.SYSTEM_PROMPT"] == o200k(
        "You are a billing assistant for {product}.\nAnswer in {language}."
    )
    assert files["src/weather.ts::weather.weather.system"] == o200k("You answer questions about the weather.")
    assert files["src/weather.ts::weather.weather.prompt"] == o200k("What is the weather in Paris today?")
    assert not any(path.startswith(("dist", "node_modules", "src/vendor", "src/util")) for path in files)
    assert result.stderr == (
        "tokcli: skipped src/weather.ts::weather.weather.tools.weather.parameters: a zod schema: its tokens "
        "(names, types, .describe() texts) are not counted; the description is\n"
    )


def test_lint_points_at_the_literal_and_fix_rewrites_only_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = (
        "// the agent\n"
        'const { OpenAI } = require("openai");\n'
        "const SYSTEM_PROMPT = `You are a helpful assistant for ${team}.   Please note that you must be brief.`;\n"
        "module.exports = { SYSTEM_PROMPT };\n"
    )
    (tmp_path / "agent.js").write_text(before)
    result = invoke("lint", "agent.js", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "::warning file=agent.js,line=3,col=67,endLine=3,endColumn=83,title=TK302 filler-phrase::"
        "[agent.SYSTEM_PROMPT] filler phrase 'Please note that' (3 tokens per call)"
    )
    assert result.stderr == ""
    result = invoke("lint", "agent.js", "--fix", "--exit-zero")
    assert result.exit_code == 0
    after = (tmp_path / "agent.js").read_text()
    # only the literal changed: the `${team}` field kept as written, every other byte the same
    assert after == before.replace("${team}.   Please", "${team}. Please")


def test_compress_write_keeps_quoting_and_escapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = (
        "export function run(client) {\n"
        "  return client.messages.create({\n"
        "    model: 'claude-sonnet-4-5',\n"
        "    system: 'In order to help, it\\'s important to note that you should basically answer in French.',\n"
        "    messages: [],\n"
        "  });\n"
        "}\n"
    )
    (tmp_path / "run.ts").write_text(before)
    result = invoke("compress", "run.ts", "--write")
    assert result.exit_code == 0, result.output
    after = (tmp_path / "run.ts").read_text()
    lines_before, lines_after = before.splitlines(), after.splitlines()
    assert lines_after[:3] == lines_before[:3] and lines_after[4:] == lines_before[4:]
    assert lines_after[3].startswith("    system: '") and lines_after[3].endswith("',")
    new_text = scan_javascript("run.ts", after, DEFAULTS).units[0].text
    assert len(new_text) < len("In order to help, it's important to note that you should basically answer in French.")
    assert "French" in new_text


def test_a_unit_that_cannot_be_rewritten_is_refused_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = 'const SYSTEM_PROMPT = "Answer briefly.   " + "Use French.";\nexport { SYSTEM_PROMPT };\n'
    (tmp_path / "p.js").write_text(before)
    result = invoke("lint", "p.js", "--fix", "--exit-zero")
    assert result.exit_code == 0
    assert (tmp_path / "p.js").read_text() == before
    assert result.stderr == (
        "tokcli: note: p.js::p.SYSTEM_PROMPT: not fixed in place: JavaScript string built with +\n"
    )


def test_audit_walks_source_and_notes_javascript_files(tree: Path) -> None:
    result = invoke("audit", ".", "-m", "gpt-4o", "--format", "json", "--no-cache")
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    paths = {row["path"] for row in report["files"]}
    assert "src/chat.ts::chat.SYSTEM_PROMPT" in paths
    assert not any(path.startswith(("dist/", "node_modules/", "src/vendor")) for path in paths)
    assert "JavaScript/TypeScript files: 2 of 3 scanned hold prompts" in report["notes"]


def test_an_unreadable_javascript_file_met_in_a_walk_is_named_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.md").write_text("Answer briefly.\n")
    (tmp_path / "bad.js").write_text("const a = 1;\nconst SYSTEM_PROMPT = 'not closed\n")
    result = invoke("count", ".", "-m", "gpt-4o")
    assert result.exit_code == 0
    assert result.stderr == (
        "tokcli: skipped bad.js: cannot read this JavaScript/TypeScript at line 2 (a string literal that does not "
        "close on its line); no prompts taken from it\n"
    )
    assert "bad.js" not in result.stdout


def test_a_build_directory_above_the_current_one_does_not_hide_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "build" / "project"  # as CI systems check out (`/tmp/build/<id>/repo`)
    (project / "src").mkdir(parents=True)
    (project / "src" / "chat.ts").write_text(OPENAI_TS)
    (project / "dist").mkdir()
    (project / "dist" / "chat.js").write_text(OPENAI_TS)
    monkeypatch.chdir(project)
    result = invoke("count", str(project), "-m", "gpt-4o", "--format", "json")
    assert result.exit_code == 0, result.output
    paths = {item["path"].rpartition("/")[2] for item in json.loads(result.stdout)["results"]}
    assert paths == {"chat.ts::chat.SYSTEM_PROMPT", "chat.ts::chat.ask.messages[1]", "chat.ts::chat.ask.tools.json"}


def test_what_a_function_named_for_a_prompt_returns() -> None:
    found = by_key(PROMPT_FUNCTIONS, "fn.ts")
    assert {key: (unit.line, unit.text) for key, unit in found.items()} == {
        "fn.buildSystemPrompt": (8, "You are an admin assistant for {user.name}."),
        "fn.buildSystemPrompt#2": (10, "You are a helpful assistant for the team."),
        "fn.reviewPrompt": (13, "Review this diff and list the risks:\n{diff}"),
        "fn.Agent.systemPrompt": (19, "You are the agent of this class, be brief."),
    }  # not the callback's string, not `errorPrompt` (only thrown), not a template that is code but for braces


PROMPT_FUNCTIONS = """\
import OpenAI from "openai";

export function buildSystemPrompt(user: User): string {
  const items = list.map((x) => {
    return "an inner callback string that is long";
  });
  if (user.admin) {
    return `You are an admin assistant for ${user.name}.`;
  }
  return "You are a helpful assistant for the team.";
}

export const reviewPrompt = (diff: string): string => `Review this diff and list the risks:\\n${diff}`;

const errorPrompt = () => "The prompt could not be loaded from disk";

class Agent {
  systemPrompt() {
    return "You are the agent of this class, be brief.";
  }
}

function fail() {
  throw new Error(errorPrompt());
}

function schemaInstructions(schema) {
  return `{\\n${Object.keys(schema).map((key) => `  ${key}: string`).join("\\n")}\\n}`;
}
"""


def test_a_system_key_of_any_call_is_a_prompt_only_when_it_reads_as_prose() -> None:
    source = (
        'setTheme({ system: "dark", light: "white" });\n'
        'configure({ instructions: "Answer in French and keep it short." });\n'
        'const agent = new Agent({ name: "helper", instructions: "Be brief." });\n'
    )
    assert [(unit.key, unit.text) for unit in scan(source, "ui.js").units] == [
        ("ui.instructions", "Answer in French and keep it short."),
        ("ui.instructions#2", "Be brief."),
    ]


# ---- joined lists and String.raw ---------------------------------------------------------------------------

JOINED_TS = """\
import Anthropic from "@anthropic-ai/sdk";

export const SYSTEM_PROMPT = [
  "You are a careful reviewer of pull requests.",
  "Point out bugs first, then style.   Please note that you must be brief.",
  "Answer in English.",
].join("\\n");

export async function review(client: Anthropic, diff: string) {
  return client.messages.create({
    model: "claude-sonnet-4-5",
    system: String.raw`Paths look like C:\\repo\\src; quote them as written for ${team}.`,
    messages: [{ role: "user", content: ["Review this diff:", diff].join("\\n\\n") }],
  });
}
"""


def test_a_joined_list_and_a_raw_template_are_one_prompt_each() -> None:
    found = by_key(JOINED_TS, "review.ts")
    assert list(found) == ["review.SYSTEM_PROMPT", "review.review.system"]
    system = found["review.SYSTEM_PROMPT"]
    assert system.text == (
        "You are a careful reviewer of pull requests.\n"
        "Point out bugs first, then style.   Please note that you must be brief.\n"
        "Answer in English."
    )
    assert (system.line, system.column, system.syntax) == (4, 4, "none")
    assert system.position(system.text.index("Point")) == (5, 4)  # each item anchored where it is written
    assert system.slot is not None and system.slot.style == "js-join"
    raw = found["review.review.system"]
    assert raw.text == "Paths look like C:\\repo\\src; quote them as written for {team}."  # backslashes kept
    assert raw.syntax == "format" and raw.slot is not None


def test_a_joined_list_of_code_or_a_variable_is_not_followed() -> None:
    source = (
        'const SYSTEM_PROMPT = [intro, "Be brief and answer in English."].join("\\n");\nexport { SYSTEM_PROMPT };\n'
    )
    assert by_key(source, "a.js") == {}
    source = 'export const SYSTEM_PROMPT = ["You are kind.", "Be brief."].join(sep);\n'
    assert by_key(source, "a.js") == {}


def test_lint_fix_rewrites_a_joined_list_in_its_own_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "review.ts").write_text(JOINED_TS)
    result = invoke("lint", "review.ts", "--fix", "--exit-zero")
    assert result.exit_code == 0, result.output
    after = (tmp_path / "review.ts").read_text()
    assert after == JOINED_TS.replace("style.   Please", "style. Please")  # the item's literal, its quote kept


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            "export const SYSTEM_PROMPT = [\n  'Answer briefly.   Please note that you must be kind.',\n"
            '  "Use French.",\n].join("\\n");\n',
            "a joined list whose items mix quotes: counted, not written back",
        ),
        (
            "export const SYSTEM_PROMPT = [\n  'Answer briefly.   Please note that you must be kind.',\n"
            "  `Use ${lang}.`,\n].join('\\n');\n",
            "a joined list whose items are not all plain string literals: counted, not written back",
        ),
        (
            "export const SYSTEM_PROMPT = [\n  'Answer briefly.   Please note that you must be kind.', // why\n"
            "  'Use French.',\n  'Be brief.',\n].join('\\n');\n",
            "a joined list laid out unevenly (comments, or other spacing between items): not written back",
        ),
        (
            "export const SYSTEM_PROMPT = ['Answer briefly.   Please note that you must be kind.\\nUse French.'].join"
            "('\\n');\n",
            "a joined list whose items hold its separator: counted, not written back",
        ),
    ],
)
def test_a_joined_list_not_in_a_form_tokcli_writes_is_refused_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, reason: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.js").write_text(source)
    result = invoke("lint", "p.js", "--fix", "--exit-zero")
    assert result.exit_code == 0
    assert (tmp_path / "p.js").read_text() == source
    assert result.stderr == f"tokcli: note: p.js::p.SYSTEM_PROMPT: not fixed in place: {reason}\n"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_written_joined_lists_and_raw_templates_are_what_node_reads(tmp_path: Path) -> None:
    source = (
        "const SYSTEM_PROMPT = [\n  'One line.',\n  'Two \"quoted\".',\n].join('\\n');\n"
        "const OTHER_PROMPT = ['a', 'b'].join(' -- ');\n"
        "const RAW_PROMPT = String.raw`C:\\dir ${1 + 1} \\` done`;\n"
        "process.stdout.write(JSON.stringify([SYSTEM_PROMPT, OTHER_PROMPT, RAW_PROMPT]));\n"
    )
    units = {unit.key: unit for unit in scan_javascript("p.js", source, DEFAULTS).units}
    new = {
        "p.SYSTEM_PROMPT": "Line one, 'said'.\nA \"second\" line\\ \n\nand a fourth.",
        "p.OTHER_PROMPT": "x -- y -- z",
        "p.RAW_PROMPT": "D:\\new\\dir {1 + 1} \\` \\${kept} done",
    }
    written, refused = apply_changes(source, [Change(units[key], text) for key, text in new.items()], DEFAULTS)
    assert refused == []
    (tmp_path / "p.js").write_text(written)
    subprocess.run(["node", "--check", str(tmp_path / "p.js")], check=True)
    shown = subprocess.run(["node", str(tmp_path / "p.js")], capture_output=True, text=True, check=True).stdout
    assert json.loads(shown) == [new["p.SYSTEM_PROMPT"], new["p.OTHER_PROMPT"], "D:\\new\\dir 2 \\` \\${kept} done"]
    assert json.loads(
        subprocess.run(
            ["node", "-e", source.replace("process.stdout.write", "console.log")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    ) == [units["p.SYSTEM_PROMPT"].text, units["p.OTHER_PROMPT"].text, "C:\\dir 2 \\` done"]

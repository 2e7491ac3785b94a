"""Prompts in the Python shapes of widely used LLM frameworks: Anthropic system blocks and content parts,
pydantic-ai `system_prompt=` and decorated prompt functions, AutoGen `system_message=`, CrewAI `Agent`/`Task`,
DSPy signature docstrings, and module-level dicts and lists of prompts. Each was missed before (exit 2: no
prompts found, or a unit short)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from audit_support import o200k
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.units.python_source import scan_python
from tokcli.units.select import UnitSettings


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def units(source: str, name: str = "app.py") -> dict:
    return {unit.key: unit for unit in scan_python(name, source, UnitSettings()).units}


def counted(path: Path, source: str) -> dict[str, int]:
    """`source` written to `path`, and `count --format json` on it per unit name (host path stripped), on gpt-4o."""
    path.write_text(source)
    result = invoke("count", str(path), "-m", "gpt-4o", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    rows = json.loads(result.stdout)["results"]
    return {row["path"].partition("::")[2]: row["tokens"] for row in rows}


def compressed_in_place(path: Path, source: str) -> str:
    """`source` written to `path`, `compress --write` run on it (exit 0, one file), and what the file holds."""
    path.write_text(source)
    result = invoke("compress", str(path), "--write", "--no-backup")
    assert result.exit_code == 0, result.stderr
    return path.read_text()


ANTHROPIC = """\
import anthropic

client = anthropic.Anthropic()
HANDBOOK = "The full employee handbook follows; rely on it for every answer you give."


def ask(question):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=512,
        system=[
            {"type": "text", "text": "You are an HR assistant for company policy."},
            {"type": "text", "text": HANDBOOK, "cache_control": {"type": "ephemeral"}},
        ],
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": {"type": "url", "url": "https://example.com/form.png"}},
                    {"type": "text", "text": "Is this leave form filled in correctly?"},
                ],
            }
        ],
    )
"""


def test_anthropic_system_blocks_and_content_parts_are_units(tmp_path: Path) -> None:
    path = tmp_path / "hr.py"
    assert counted(path, ANTHROPIC) == {
        "hr.HANDBOOK": o200k("The full employee handbook follows; rely on it for every answer you give."),
        "hr.ask.system[0]": o200k("You are an HR assistant for company policy."),
        "hr.ask.messages[0].content[1]": o200k("Is this leave form filled in correctly?"),
    }
    found = units(ANTHROPIC, "hr.py")
    assert (found["hr.HANDBOOK"].role, found["hr.HANDBOOK"].model) == ("system", "claude-sonnet-4-6")
    assert (found["hr.ask.system[0]"].line, found["hr.ask.system[0]"].column) == (12, 39)
    assert found["hr.ask.messages[0].content[1]"].role == "user"


def test_bedrock_converse_blocks_without_a_type_are_text() -> None:
    source = (
        "import boto3\nbedrock = boto3.client('bedrock-runtime')\n"
        "bedrock.converse(modelId='m', system=[{'text': 'You label support tickets by urgency.'}],\n"
        "    messages=[{'role': 'user', 'content': [{'text': 'Printer on fire, help'}]}])\n"
    )
    found = units(source, "label.py")
    assert {key: unit.text for key, unit in found.items()} == {
        "label.system[0]": "You label support tickets by urgency.",
        "label.messages[0].content[0]": "Printer on fire, help",
    }


PYDANTIC_AI = """\
from pydantic_ai import Agent, RunContext

agent = Agent(
    "anthropic:claude-sonnet-4-6",
    deps_type=str,
    system_prompt="Use the customer's name while replying and keep answers short.",
)


@agent.system_prompt
def add_the_users_name(ctx: RunContext[str]) -> str:
    if not ctx.deps:
        return "The user did not give a name; do not invent one."
    return f"The user's name is {ctx.deps}."


@agent.instructions(dynamic=True)
async def no_dates() -> str:
    def helper() -> str:
        return "not returned by the decorated function itself"

    return "Never guess today's date."
"""


def test_pydantic_ai_system_prompt_and_decorated_functions(tmp_path: Path) -> None:
    path = tmp_path / "support.py"
    assert counted(path, PYDANTIC_AI) == {
        "support.system_prompt": o200k("Use the customer's name while replying and keep answers short."),
        "support.add_the_users_name": o200k("The user did not give a name; do not invent one."),
        "support.add_the_users_name#2": o200k("The user's name is {ctx.deps}."),
        "support.no_dates": o200k("Never guess today's date."),
    }
    found = units(PYDANTIC_AI, "support.py")
    assert found["support.system_prompt"].model == "anthropic:claude-sonnet-4-6"
    assert {unit.role for unit in found.values()} == {"system"}


def test_a_decorated_prompt_function_among_other_decorators_is_found() -> None:
    source = (
        "import functools\nfrom pydantic_ai import Agent\nagent = Agent('openai:gpt-4o')\n"
        "x = 1\n\n\n@agent.system_prompt\n@functools.cache\n\n\ndef rules() -> str:\n"
        "    return 'Answer in English only.'\n"
    )
    assert [unit.text for unit in scan_python("rules.py", source, UnitSettings()).units] == ["Answer in English only."]


def test_autogen_system_message_is_a_system_prompt() -> None:
    source = (
        "from autogen import AssistantAgent\n"
        "coder = AssistantAgent('coder', system_message='You write Python and explain it briefly.')\n"
    )
    unit = units(source, "team.py")["team.system_message"]
    assert (unit.text, unit.role) == ("You write Python and explain it briefly.", "system")


CREW = """\
from crewai import Agent, Task

researcher = Agent(
    role="Senior Researcher",
    goal="Find the latest news about {topic}.",
    backstory="You are a seasoned researcher who cites every source.",
    llm="gpt-4o",
)
report = Task(
    description="You should research {topic} and list what changed this year.",
    expected_output="A list of 5 bullet points.",
    agent=researcher,
)
"""


def test_crewai_agent_and_task_constructors(tmp_path: Path) -> None:
    found = units(CREW, "crew.py")
    assert [(key, unit.role, unit.syntax) for key, unit in found.items()] == [
        ("crew.Agent.role", "system", "none"),
        ("crew.Agent.goal", "system", "format"),
        ("crew.Agent.backstory", "system", "none"),
        ("crew.Task.description", "user", "format"),
        ("crew.Task.expected_output", "user", "none"),
    ]
    verbose = CREW.replace('"You should research {topic}', '"Please note that you should research {topic}')
    assert compressed_in_place(tmp_path / "crew.py", verbose) == CREW


DSPY = '''\
import dspy


class GenerateAnswer(dspy.Signature):
    """Answer questions with short factoid answers.

    Cite the passage you used."""

    context: str = dspy.InputField(desc="may contain relevant facts")
    question: str = dspy.InputField()
    answer: str = dspy.OutputField(desc="often between 1 and 5 words")


class Plain:
    """An ordinary class: its docstring is documentation, not a prompt."""
'''


def test_dspy_signature_docstring_and_field_descriptions(tmp_path: Path) -> None:
    path = tmp_path / "qa.py"
    assert counted(path, DSPY) == {
        "qa.GenerateAnswer.__doc__": o200k(
            "Answer questions with short factoid answers.\n\nCite the passage you used."
        ),
        "qa.GenerateAnswer.context.desc": o200k("may contain relevant facts"),
        "qa.GenerateAnswer.answer.desc": o200k("often between 1 and 5 words"),
    }
    doc = units(DSPY, "qa.py")["qa.GenerateAnswer.__doc__"]
    assert doc.slot is None and doc.refusal is not None and "cleandoc" in doc.refusal


def test_a_one_line_dspy_docstring_is_compressed_in_place(tmp_path: Path) -> None:
    source = (
        'import dspy\n\n\nclass Answer(dspy.Signature):\n    """Please note that you answer in one line."""\n\n'
        "    question: str = dspy.InputField()\n"
    )
    written = compressed_in_place(tmp_path / "qa.py", source)
    assert written == source.replace("Please note that you answer", "You answer")


PROMPT_DICTS = """\
PROMPTS = {
    "summarize": "Summarize the text below in plain English, in five sentences at most.",
    "classify": {"system": "Classify the review as positive, negative or neutral."},
    "steps": ["Read the whole ticket first.", "Then name the product it is about."],
    "version": "v2",
}
PROMPT_SETTINGS = {"temperature": 0.2, "system_prompt": "You answer in English only.", "stop": "end of the answer"}
SYSTEM_CONFIG = {"name": "The billing system of record", "url": "https://example.com"}
"""


def test_module_level_dicts_and_lists_of_prompts(tmp_path: Path) -> None:
    path = tmp_path / "prompts.py"
    assert counted(path, PROMPT_DICTS) == {
        "prompts.PROMPTS.summarize": o200k("Summarize the text below in plain English, in five sentences at most."),
        "prompts.PROMPTS.classify.system": o200k("Classify the review as positive, negative or neutral."),
        "prompts.PROMPTS.steps[0]": o200k("Read the whole ticket first."),
        "prompts.PROMPTS.steps[1]": o200k("Then name the product it is about."),
        # a settings dict: only the entry whose key names a prompt; SYSTEM_CONFIG is not a prompt collection
        "prompts.PROMPT_SETTINGS.system_prompt": o200k("You answer in English only."),
    }


def test_a_dict_entry_naming_a_prompt_constant_is_counted_once() -> None:
    source = (
        'BASE_PROMPT = "You are a careful assistant for our customers."\n'
        'PROMPTS = {"base": BASE_PROMPT, "extra": "Answer in French, and keep it short."}\n'
    )
    assert {key: unit.text for key, unit in units(source, "prompts.py").items()} == {
        "prompts.BASE_PROMPT": "You are a careful assistant for our customers.",
        "prompts.PROMPTS.extra": "Answer in French, and keep it short.",
    }


def test_compress_writes_a_dict_of_prompts_in_place(tmp_path: Path) -> None:
    source = 'PROMPTS = {\n    "a": "Please note that you answer in {language}.",\n    "retries": "3",\n}\n'
    written = compressed_in_place(tmp_path / "prompts.py", source)
    assert written == 'PROMPTS = {\n    "a": "You answer in {language}.",\n    "retries": "3",\n}\n'


@pytest.mark.parametrize(
    "source",
    [
        'LOG_FORMAT = {"handlers": ["console"], "format": "%(asctime)s %(message)s in the log"}\n',
        "def f(system=['linux', 'mac']):\n    return f(system=[{'type': 'image', 'text': None}])\n",
        "class Signature:\n    pass\n\n\nclass Mine(Signature):\n    x = 1\n",
        # a shell tool's prompt (with shell completion), and a class named after a model, not a set of prompts
        'DISABLE_PROMPT = {"bash": "# disable the shell prompt of this environment\\nexport PS1=x"}  # completion\n',
        'class PromptGuardModel:\n    description = "Prompt Guard is a classifier model for jailbreaks."\n',
    ],
)
def test_look_alikes_are_not_prompts(tmp_path: Path, source: str) -> None:
    path = tmp_path / "lookalike.py"
    path.write_text(source)
    result = invoke("count", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no prompts found in this Python file" in result.stderr


MESSAGES_FOR_PEOPLE = """\
import logging

import click

logger = logging.getLogger(__name__)
ERROR_TEMPLATE = "Could not reach the model server at {host}: {reason}"
LOG_TEMPLATE = "Request {request_id} took {ms} ms to complete"
NAME_PROMPT = "Please enter the name of your project"
SYSTEM_PROMPT = "You are a terse assistant that answers in one sentence."
SUMMARY_TEMPLATE = "Summarize the following support ticket in two sentences: {ticket}"
EXPORTED_TEMPLATE = "Translate the ticket into English before you answer it."


def call(client, host, ticket):
    name = click.prompt(NAME_PROMPT)
    try:
        reply = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": SUMMARY_TEMPLATE.format(ticket=ticket)}]
        )
    except OSError as error:
        raise RuntimeError(
            ERROR_TEMPLATE.format(host=host, reason=error)
        ) from error
    logger.info(LOG_TEMPLATE.format(request_id=1, ms=2))
    logger.debug("system prompt: %s", SYSTEM_PROMPT)  # logged here, and exported to the module that sends it
    return name, reply
"""


def test_constants_only_raised_logged_or_asked_at_the_terminal_are_not_prompts(tmp_path: Path) -> None:
    path = tmp_path / "service.py"
    assert counted(path, MESSAGES_FOR_PEOPLE) == {
        "service.SYSTEM_PROMPT": o200k("You are a terse assistant that answers in one sentence."),
        "service.SUMMARY_TEMPLATE": o200k("Summarize the following support ticket in two sentences: {ticket}"),
        "service.EXPORTED_TEMPLATE": o200k("Translate the ticket into English before you answer it."),
    }
    # so compress never rewrites the error message a user reads
    verbose = MESSAGES_FOR_PEOPLE.replace("Could not reach", "Please note that we could not reach")
    assert compressed_in_place(path, verbose) == verbose


MORE_SDKS = """\
import click
from google import genai
from google.genai import types
from haystack.components.builders import ChatPromptBuilder, PromptBuilder
from haystack.dataclasses import ChatMessage
from langchain_core.prompts import ChatPromptTemplate
from llama_index.core import PromptTemplate

qa = PromptTemplate("Context information is below.\\n{context_str}\\nAnswer the query: {query_str}\\n")
chat = ChatPromptTemplate([("system", "You are a travel agent."), ("placeholder", "{history}"), ("human", "{input}")])
builder = PromptBuilder(template="Documents: {% for d in documents %}{{ d.content }}{% endfor %} Answer {{ query }}")
chat_builder = ChatPromptBuilder(template=[ChatMessage.from_system("You answer questions about Haystack.")])
response = genai.Client().models.generate_content(
    model="gemini-2.5-flash",
    contents="Explain how AI works in a few words",
    config=types.GenerateContentConfig(system_instruction="You are a cat. Your name is Neko."),
)
gen = ollama.generate(model="llama3.2", prompt="Why is the sky blue? Answer in one sentence.")
r = client.responses.create(model="gpt-4.1", instructions="Talk like a pirate.", input="Are semicolons optional?")


@click.command()
@click.option("--name", prompt="Your name please")
def hello(name):
    return factory.create(prompt="a factory's argument, not a model call")
"""


def test_llamaindex_haystack_gemini_ollama_responses_and_langchain_constructor() -> None:
    found = units(MORE_SDKS, "sdks.py")
    assert [(key, unit.role, unit.model) for key, unit in found.items()] == [
        ("sdks.PromptTemplate(template)", None, None),
        ("sdks.from_messages[0]", "system", None),  # the ("placeholder", "{history}") entry holds no text
        ("sdks.from_messages[2]", "user", None),
        ("sdks.PromptBuilder(template)", None, None),
        ("sdks.from_system", "system", None),
        ("sdks.contents", "user", "gemini-2.5-flash"),
        ("sdks.system_instruction", "system", None),
        ("sdks.prompt", "user", "llama3.2"),
        ("sdks.instructions", "system", "gpt-4.1"),
        ("sdks.input", "user", "gpt-4.1"),
    ]
    assert found["sdks.PromptBuilder(template)"].syntax == "jinja2"


TOOL_LISTS = """\
import anthropic

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "get_weather: Get the current weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    },
    {"type": "web_search_preview"},
]


def ask(client, question):
    return client.chat.completions.create(model="gpt-4o", messages=question, tools=TOOLS)


def ask_claude(question):
    return anthropic.Anthropic().messages.create(
        model="claude-sonnet-4-6",
        max_tokens=256,
        tools=[{"name": "get_stock", "description": "Price of a stock.", "input_schema": {"type": "object"}}],
        messages=question,
    )


def not_literal(client, schema):
    return client.chat.completions.create(model="gpt-4o", messages=[], tools=[schema])
"""


def test_tool_lists_passed_at_call_sites_are_counted_as_tool_files(tmp_path: Path) -> None:
    path = tmp_path / "agent.py"
    path.write_text(TOOL_LISTS)
    tool_file = tmp_path / "tools.json"
    tools = next(node.value for node in ast.parse(TOOL_LISTS).body if isinstance(node, ast.Assign))
    tool_file.write_text(json.dumps(ast.literal_eval(tools)))
    result = invoke("count", str(path), str(tool_file), "-m", "gpt-4o", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {row["path"]: row for row in json.loads(result.stdout)["results"]}
    # the same list as a tool file and in the source: the same tools, the same tokens, each tool by name
    from_source, from_file = rows[f"{path}::agent.TOOLS.json"], rows[str(tool_file)]
    assert (from_source["tokens"], from_source["tool_tokens"]) == (from_file["tokens"], from_file["tool_tokens"])
    assert [tool["name"] for tool in from_source["tools"]["tools"]] == ["get_weather"]
    assert [tool["name"] for tool in rows[f"{path}::agent.ask_claude.tools.json"]["tools"]["tools"]] == ["get_stock"]
    assert len(rows) == 3  # TOOLS passed twice would be once; `tools=[schema]` is not known without running
    assert f"{path}::agent.TOOLS.json: built-in tools not counted" in result.stdout


def test_tool_lists_in_source_are_linted_as_tools_and_never_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "agent.py"
    path.write_text(TOOL_LISTS)
    result = invoke("lint", str(path), "--select", "TK7", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::warning file=" + str(path) + ",line=3,col=9,endLine=3,endColumn=9,title=TK701 "
        "tool-description-repeats-name::[agent.TOOLS.json] tool 'get_weather': the description repeats the "
        "tool's name (4 tokens per call)"
    ]
    for args in (["lint", "--fix"], ["compress", "--write", "--no-backup"]):
        result = invoke(*args[:1], str(path), *args[1:])
        assert result.exit_code in (0, 1) and "Traceback" not in result.stderr
        assert path.read_text() == TOOL_LISTS


def test_compress_counts_the_tool_lists_it_leaves_alone(tmp_path: Path) -> None:
    # only tool lists: compress said "0 → 0 tokens" while count showed their tokens
    path = tmp_path / "agent.py"
    path.write_text(TOOL_LISTS)
    counts = invoke("count", str(path), "-m", "gpt-4o", "-m", "claude-sonnet-4-6", "--format", "json")
    assert counts.exit_code == 0, counts.stderr
    sent: dict[str, int] = {}
    for row in json.loads(counts.stdout)["results"]:
        sent[row["model"]] = sent.get(row["model"], 0) + row["tokens"]
    result = invoke("compress", str(path), "-m", "gpt-4o", "-m", "claude-sonnet-4-6", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert {row["model"]: (row["tokens_before"], row["tokens_after"]) for row in report["models"]} == {
        model: (tokens, tokens) for model, tokens in sent.items()
    }
    assert sent["gpt-4o"] > 0 and not report["changed"]
    assert report["notes"] == [
        "2 tool lists counted as sent, not compressed (descriptions written in code are left to you; compress"
        " shortens a JSON tool file's)"
    ]


PROMPT_FUNCTIONS = """\
from enum import Enum


class Prompts(str, Enum):
    SUMMARIZE = "Summarize the ticket below in two sentences."
    VERSION = "v2"


def build_system_prompt(user_name: str) -> str:
    if not user_name:
        return "You are a support assistant. Ask for the user's name first."
    return f"You are a support assistant helping {user_name}. Be brief."


class Planner:
    @property
    def system_prompt(self) -> str:
        return "You are an agent that plans before it acts."


def prompt_error_message(limit: int) -> str:
    return f"The prompt is longer than {limit} tokens, please shorten it."


def check(text: str) -> None:
    if len(text) > 10:
        raise ValueError(prompt_error_message(10))


def prompt_user() -> str:
    return input("Your name: ")
"""


def test_returns_in_except_and_case_branches_are_read() -> None:
    source = (
        "def build_prompt(kind):\n    try:\n        return PROMPTS[kind]\n    except KeyError:\n"
        '        return "You are a general assistant; answer briefly."\n    match kind:\n        case "a":\n'
        '            return "You are the billing assistant of Acme."\n'
    )
    assert [(key, unit.text) for key, unit in units(source, "p.py").items()] == [
        ("p.build_prompt", "You are a general assistant; answer briefly."),
        ("p.build_prompt#2", "You are the billing assistant of Acme."),
    ]


def test_prompt_functions_and_classes_of_prompts(tmp_path: Path) -> None:
    path = tmp_path / "prompts.py"
    assert counted(path, PROMPT_FUNCTIONS) == {
        "prompts.Prompts.SUMMARIZE": o200k("Summarize the ticket below in two sentences."),
        "prompts.build_system_prompt": o200k("You are a support assistant. Ask for the user's name first."),
        "prompts.build_system_prompt#2": o200k("You are a support assistant helping {user_name}. Be brief."),
        "prompts.Planner.system_prompt": o200k("You are an agent that plans before it acts."),
        # prompt_error_message() is only raised: a message for a person; prompt_user returns no string
    }
    verbose = PROMPT_FUNCTIONS.replace('"You are an agent', '"Please note that you are an agent')
    assert compressed_in_place(path, verbose) == PROMPT_FUNCTIONS

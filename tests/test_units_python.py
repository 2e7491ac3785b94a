"""Prompt units of Python source, found with `ast` (the source is never run)."""

from __future__ import annotations

import pytest

from tokcli.errors import InputError
from tokcli.units.python_source import might_hold_prompts, scan_python
from tokcli.units.select import UnitSettings

DEFAULTS = UnitSettings()

SOURCE = '''\
import textwrap

raise SystemExit("this module is never run")

SYSTEM_PROMPT = """You are a helpful assistant.
Answer in {language}."""
TEMPLATE_DIR = "templates/"


class Reviewer:
    INSTRUCTIONS = textwrap.dedent("""
        Review the diff.
        Be brief.
    """)


def ask(client, question):
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Question: {question}"},
        ],
    )
    note = "Summarise the thread in two lines"  # tokcli: prompt
    chain = ChatPromptTemplate.from_messages([("system", "You rank search results."), ("human", "{query}")])
    joke = PromptTemplate.from_template("Tell me a joke about {topic}" " in one line")
    return SystemMessage(content="Keep answers short.")
'''


def by_key(source: str = SOURCE, settings: UnitSettings = DEFAULTS) -> dict:
    return {unit.key: unit for unit in scan_python("agent.py", source, settings).units}


def test_constants_calls_and_markers_are_found() -> None:
    found = by_key()
    assert list(found) == [
        "agent.SYSTEM_PROMPT",
        "agent.Reviewer.INSTRUCTIONS",
        "agent.ask.messages[1]",
        "agent.ask.note",
        "agent.ask.from_messages[0]",
        "agent.ask.from_messages[1]",
        "agent.ask.PromptTemplate.from_template",
        "agent.ask.SystemMessage",
    ]
    assert "agent.TEMPLATE_DIR" not in found  # a path, not prose


def test_a_constant_sent_at_a_call_site_gets_its_role_and_model() -> None:
    unit = by_key()["agent.SYSTEM_PROMPT"]
    assert (unit.role, unit.model, unit.syntax) == ("system", "gpt-4o-mini", "format")
    assert (unit.line, unit.column) == (5, 20)  # after the opening """
    assert unit.position(unit.text.index("Answer")) == (6, 1)
    assert unit.slot is not None and unit.refusal is None


def test_fstring_fields_are_template_variables() -> None:
    unit = by_key()["agent.ask.messages[1]"]
    assert (unit.text, unit.syntax, unit.role, unit.model) == ("Question: {question}", "format", "user", "gpt-4o-mini")
    assert unit.slot is None and unit.refusal is not None and unit.refusal.startswith("f-string")


def test_dedent_and_implicit_concatenation_are_followed_with_positions() -> None:
    found = by_key()
    instructions = found["agent.Reviewer.INSTRUCTIONS"]
    assert instructions.text == "\nReview the diff.\nBe brief.\n"
    assert instructions.position(instructions.text.index("Be brief")) == (13, 9)
    joke = found["agent.ask.PromptTemplate.from_template"]
    assert joke.text == "Tell me a joke about {topic} in one line"
    line = SOURCE.splitlines()[joke.line - 1]
    offset = joke.text.index(" in one")
    assert line[joke.position(offset)[1] - 1 :].startswith(' in one line"')
    assert joke.refusal == "Python string built from several literals (implicit concatenation)"


def test_chat_roles_of_langchain_messages() -> None:
    found = by_key()
    assert [found[f"agent.ask.from_messages[{i}]"].role for i in (0, 1)] == ["system", "user"]
    assert found["agent.ask.SystemMessage"].role == "system"
    assert found["agent.ask.note"].text == "Summarise the thread in two lines"


def test_names_are_configurable() -> None:
    found = by_key(settings=UnitSettings(python_names=("*instructions*",)))
    assert "agent.SYSTEM_PROMPT" in found  # still sent at a call site
    assert "agent.Reviewer.INSTRUCTIONS" in found


def test_anthropic_system_argument() -> None:
    source = 'client.messages.create(model="claude-3-5-haiku-latest", system="You are terse.", messages=[])\n'
    (unit,) = scan_python("call.py", source, DEFAULTS).units
    assert (unit.key, unit.role, unit.model, unit.column) == ("call.system", "system", "claude-3-5-haiku-latest", 65)


def test_syntax_error_is_one_input_error_with_the_line() -> None:
    with pytest.raises(InputError) as raised:
        scan_python("bad.py", 'PROMPT = "You are kind."\ndef f(:\n    pass\n', DEFAULTS)
    assert (raised.value.path, raised.value.line) == ("bad.py", 2)
    assert raised.value.message.startswith("Python syntax error")


def test_files_without_candidates_are_not_parsed() -> None:
    source = "def f(:\n    return os.path.join(a, b)\n"  # broken, but nothing here can be a prompt
    assert not might_hold_prompts(source, DEFAULTS.python_names)
    scan = scan_python("util.py", source, DEFAULTS)
    assert scan.units == [] and scan.note == "no prompts found in this Python file"


def test_non_ascii_columns_are_characters() -> None:
    source = "GREETING_PROMPT = \"Réponds brièvement à l'utilisateur, s'il te plaît.\"  # é\n"
    (unit,) = scan_python("fr.py", source, DEFAULTS).units
    assert (unit.line, unit.column) == (1, 20)
    assert unit.slot is not None and source[unit.slot.start : unit.slot.end].startswith('"Réponds')


def test_template_names_count_only_where_the_file_talks_to_a_model() -> None:
    library = 'class ListError:\n    msg_template = "value is not a valid list"\n'
    assert scan_python("errors.py", library, DEFAULTS).units == []
    agent = library + "client = OpenAI()\n"
    assert [unit.key for unit in scan_python("errors.py", agent, DEFAULTS).units] == ["errors.ListError.msg_template"]
    named = 'GREETING_PROMPT = "Greet the user warmly."\n'  # "prompt" in the name: anywhere
    assert [unit.key for unit in scan_python("g.py", named, DEFAULTS).units] == ["g.GREETING_PROMPT"]


def test_a_line_continuation_opening_a_dedented_block_keeps_positions() -> None:
    source = (
        "import textwrap\n\n"
        "# tokcli: prompt\n"
        "PLANNER = textwrap.dedent(\n"
        '    """\\\n'
        "    You are a planner. Please note that you plan.\n"
        "    Use at most 5 steps.\n"
        '    """\n'
        ")\n"
    )
    [unit] = scan_python("agent.py", source, UnitSettings()).units
    assert unit.text == "You are a planner. Please note that you plan.\nUse at most 5 steps.\n"
    assert unit.position(0) == (6, 5)
    assert unit.position(unit.text.index("Please")) == (6, 24)
    assert unit.position(unit.text.index("Use")) == (7, 5)


def test_an_invalid_escape_in_the_users_source_prints_no_python_warning() -> None:
    import warnings

    source = 'SYSTEM_PROMPT = """Match \\s+ in the text and answer the user."""\nPATTERN = "\\d"\n'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scan = scan_python("app.py", source, UnitSettings())
    assert [unit.text for unit in scan.units] == ["Match \\s+ in the text and answer the user."]
    assert [str(warning.message) for warning in caught] == []


def test_a_string_given_to_format_reads_its_braces_as_format_fields() -> None:
    # `{{% raw %}}` is an escaped brace for `.format()`: the call decides the syntax, not the Jinja-like text
    source = (
        'PROMPT = """You help with {product}. Explain how to write {{% raw %}} blocks."""\n'
        'OTHER_PROMPT = """Explain how to write {{% raw %}} blocks to the user."""\n'
        "def build(product):\n    return PROMPT.format(product=product) + str.format(OTHER_PROMPT)\n"
    )
    found = by_key(source)
    assert [found[key].syntax for key in ("agent.PROMPT", "agent.OTHER_PROMPT")] == ["format", "format"]
    # not given to `.format()`: Jinja2's tags, read as such
    assert (
        by_key(source.replace(".format(product=product)", "").replace("str.format(OTHER_PROMPT)", "1"))[
            "agent.OTHER_PROMPT"
        ].syntax
        == "jinja2"
    )


VARIABLE_ROLES = """\
import logging

logger = logging.getLogger(__name__)
GREETING_TEMPLATE = "Welcome back, {name}! Your project was saved."
RULES_TEMPLATE = "Answer in the user's language and cite the ticket number."


def turn(role, name, question):
    logger.info(dict(role=role, content=GREETING_TEMPLATE))
    return [
        {"role": role, "content": "You are a support assistant for Acme. Answer briefly."},
        dict(role=role, content=RULES_TEMPLATE),
        dict(role="system", content="Never promise a refund."),
        {"role": role, "content": question},
    ]
"""


def test_a_message_whose_role_is_a_variable_is_a_prompt() -> None:
    # the role is picked by the code, the content is written here: a prompt whatever turn it is sent as (they
    # were not found at all, and neither was a message written as `dict(role=..., content=...)`)
    found = {key: (unit.role, unit.text) for key, unit in by_key(VARIABLE_ROLES).items()}
    assert found == {
        "agent.RULES_TEMPLATE": (None, "Answer in the user's language and cite the ticket number."),
        "agent.turn.message": (None, "You are a support assistant for Acme. Answer briefly."),
        "agent.turn.message#2": ("system", "Never promise a refund."),
    }  # GREETING_TEMPLATE is only logged: a message for a person, even as a message dict

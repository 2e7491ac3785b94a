"""Prompt units of YAML/JSON configs: presets, configured key paths, positions of the first character."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_support import o200k
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.errors import InputError
from tokcli.units.scan import scan_host
from tokcli.units.select import KeyMatcher, UnitSettings, pattern_segments
from tokcli.units.yaml_config import NO_PROMPTS

DEFAULTS = UnitSettings()

SWE_AGENT = """\
agent:
  system_template: |
    You are a helpful assistant that can run commands.
    Reply with one bash block.
  instance_template: |-
    Please solve this issue: {{task}}
  step_limit: 250
model:
  model_name: "anthropic/claude-sonnet-4-5"
  format_error_template: "Format your reply as one bash block: {{error}}"
"""


def units_of(path: str, text: str, settings: UnitSettings = DEFAULTS) -> list:
    scan = scan_host(path, text, settings)
    assert scan is not None
    return scan.units


def test_swe_agent_preset_finds_templates_with_positions_and_model() -> None:
    scan = scan_host("mini.yaml", SWE_AGENT, DEFAULTS)
    assert scan is not None and scan.preset == "swe-agent"
    found = {unit.key: unit for unit in scan.units}
    assert list(found) == ["agent.system_template", "agent.instance_template", "model.format_error_template"]
    system = found["agent.system_template"]
    assert (system.line, system.column, system.syntax) == (3, 5, "jinja2")
    assert system.text == "You are a helpful assistant that can run commands.\nReply with one bash block.\n"
    assert system.model == "anthropic/claude-sonnet-4-5"
    # every line of a literal block maps onto its own host line and column
    assert system.position(system.text.index("Reply")) == (4, 5)
    assert system.position(system.text.index("bash")) == (4, 20)
    error = found["model.format_error_template"]
    assert (error.line, error.column) == (10, 27)  # after the opening quote
    assert SWE_AGENT.splitlines()[9][26:].startswith("Format your reply")
    assert error.slot is None and "double-quoted" in (error.refusal or "")


SMOLAGENTS = """\
system_prompt: |-
  You solve tasks with tools. Tools available: {{ tools }}.
planning:
  initial_plan: |-
    Write a short plan for the task below.
    {{ task }}
  update_plan_post_messages: |-
    Basically, update the plan in a few steps.
final_answer:
  pre_messages: "An agent could not finish the task."
"""


def test_smolagents_preset_finds_every_template_section() -> None:
    scan = scan_host("code_agent.yaml", SMOLAGENTS, DEFAULTS)
    assert scan is not None and scan.preset == "smolagents"
    found = {unit.key: unit for unit in scan.units}
    assert list(found) == [
        "system_prompt",
        "planning.initial_plan",
        "planning.update_plan_post_messages",
        "final_answer.pre_messages",
    ]
    assert {unit.syntax for unit in scan.units} == {"jinja2"}
    plan = found["planning.initial_plan"]
    assert (plan.line, plan.column) == (5, 5)
    assert plan.text == "Write a short plan for the task below.\n{{ task }}"
    # without the preset, only the key named like a prompt is taken
    generic = scan_host("code_agent.yaml", SMOLAGENTS, UnitSettings(presets=("swe-agent",)))
    assert generic is not None and [unit.key for unit in generic.units] == ["system_prompt"]


def test_swe_agent_nested_templates_shape() -> None:
    text = "agent:\n  templates:\n    system_template: You are a careful engineer today.\n  model:\n    name: gpt-4o\n"
    (unit,) = units_of("sweagent.yaml", text)
    assert (unit.key, unit.model, unit.line, unit.column) == ("agent.templates.system_template", "gpt-4o", 3, 22)


def test_crewai_agents_and_tasks_have_format_fields_and_sibling_model() -> None:
    agents = (
        "researcher:\n  role: >\n    {topic} Senior Data Researcher\n  goal: Uncover developments in {topic}\n"
        "  backstory: You are a seasoned researcher with a knack for detail.\n  llm: openai/gpt-4o\n"
    )
    scan = scan_host("config/agents.yaml", agents, DEFAULTS)
    assert scan is not None and scan.preset == "crewai-agents"
    assert [(u.key, u.syntax, u.model) for u in scan.units] == [
        ("researcher.role", "format", "openai/gpt-4o"),
        ("researcher.goal", "format", "openai/gpt-4o"),
        ("researcher.backstory", "format", "openai/gpt-4o"),
    ]
    assert scan.units[0].refusal == "folded block scalar (>): YAML re-flows its lines"
    tasks = "research_task:\n  description: Research {topic} well.\n  expected_output: Ten bullet points\n  agent: x\n"
    scan = scan_host("tasks.yaml", tasks, DEFAULTS)
    assert scan is not None and scan.preset == "crewai-tasks"
    assert [u.key for u in scan.units] == ["research_task.description", "research_task.expected_output"]


def test_promptfoo_prompts_skip_file_references() -> None:
    text = (
        "description: demo\nprompts:\n  - 'Summarise {{text}} briefly'\n  - file://prompts/long.txt\n"
        "  - id: file://x.json\n  - raw: Translate {{text}} to French\n    label: fr\nproviders: [openai:gpt-4o-mini]\n"
    )
    scan = scan_host("promptfooconfig.yaml", text, DEFAULTS)
    assert scan is not None and scan.preset == "promptfoo"
    assert [(u.key, u.text, u.model) for u in scan.units] == [
        ("prompts[0]", "Summarise {{text}} briefly", "openai:gpt-4o-mini"),
        ("prompts[3].raw", "Translate {{text}} to French", "openai:gpt-4o-mini"),
    ]


SEMANTIC_KERNEL = """\
name: GenerateStory
template: |
  Please note that you tell a story about {{$topic}} in {{$length}} sentences.
  {{#if style}}Write it as {{style}}.{{/if}} Call {{time.Now}} first.
template_format: semantic-kernel
description: A function that generates a story about a topic.
input_variables:
  - name: topic
    description: The topic of the story.
    is_required: true
execution_settings:
  default:
    model_id: gpt-4o-mini
    temperature: 0.6
"""


def test_semantic_kernel_prompt_template_config() -> None:
    scan = scan_host("story.yaml", SEMANTIC_KERNEL, DEFAULTS)
    assert scan is not None and scan.preset == "semantic-kernel"
    assert [(u.key, u.line, u.column, u.syntax, u.model) for u in scan.units] == [
        ("template", 3, 3, "jinja2", "gpt-4o-mini")
    ]
    assert scan.units[0].text.startswith("Please note that you tell a story about {{$topic}}")


def test_semantic_kernel_template_is_compressed_with_its_tags_kept(tmp_path: Path) -> None:
    path = tmp_path / "story.yaml"
    path.write_text(SEMANTIC_KERNEL)
    result = CliRunner().invoke(app, ["compress", str(path), "--write", "--no-backup"])
    assert result.exit_code == 0, result.stderr
    assert "  You tell a story about {{$topic}} in {{$length}} sentences.\n" in path.read_text()
    assert path.read_text() == SEMANTIC_KERNEL.replace("Please note that you", "You")
    assert "Traceback" not in result.stderr


def test_promptfoo_map_form_counts_the_prompt_keys_not_their_labels(tmp_path: Path) -> None:
    # promptfoo's `prompts: {prompt or file://path: label}`: the labels were counted as the prompts
    path = tmp_path / "promptfooconfig.yaml"
    path.write_text(
        "prompts:\n  file://prompts/a.txt: Prompt A\n"
        "  'Please note that you answer about {{topic}} in one line.': inline\n"
        "providers:\n  - id: openai:gpt-4o-mini\ntests:\n  - vars: {topic: cats}\n"
    )
    result = CliRunner().invoke(app, ["count", str(path), "-m", "gpt-4o", "--format", "json"])
    assert (result.exit_code, result.stderr) == (0, "")
    rows = json.loads(result.stdout)["results"]
    assert [(row["path"], row["tokens"]) for row in rows] == [
        (f"{path}::prompts.inline", o200k("Please note that you answer about {{topic}} in one line."))
    ]
    unit = units_of(str(path), path.read_text())[0]
    assert (unit.line, unit.column, unit.slot, unit.model) == (3, 4, None, "openai:gpt-4o-mini")
    result = CliRunner().invoke(app, ["compress", str(path), "--write", "--no-backup"])
    assert result.exit_code == 0
    assert "prompts.inline: not written back: a mapping key (promptfoo's map of prompts to labels)" in result.stderr
    assert "Please note that" in path.read_text()


def test_promptfoo_map_form_in_json() -> None:
    text = '{"prompts": {"file://a.txt": "A", "Summarize {{text}} in one line.": "short"}, "tests": []}\n'
    assert [(u.key, u.text, u.line, u.column) for u in units_of("promptfooconfig.json", text)] == [
        ("prompts.short", "Summarize {{text}} in one line.", 1, 36)
    ]


def test_generic_keys_take_prose_only() -> None:
    text = "name: demo\nsystem_prompt: You answer questions about invoices.\nprompt: short\nretries: 3\n"
    scan = scan_host("bot.yaml", text, DEFAULTS)
    assert scan is not None and scan.preset == "generic"
    assert [(u.key, u.syntax) for u in scan.units] == [("system_prompt", "none")]


def test_configured_key_paths_win_over_presets() -> None:
    settings = UnitSettings(keys=(("configs/*.yaml", ("agent.*_template", "prompts.*")),))
    text = SWE_AGENT + "prompts:\n  greet: Hello there {{name}}\n  bye: Goodbye\n"
    units = units_of("configs/mini.yaml", text, settings)
    assert [u.key for u in units] == [
        "agent.system_template",
        "agent.instance_template",
        "prompts.greet",
        "prompts.bye",
    ]
    assert {u.source for u in units} == {"keys"}
    assert units_of("other/mini.yaml", text, settings)[0].source == "swe-agent"  # the glob does not match


def test_key_patterns() -> None:
    assert pattern_segments("messages[*].content") == ["messages", "[*]", "content"]
    matcher = KeyMatcher.of(["agent.*_template", "**.system_prompt", "prompts.*"])
    assert matcher.matches(["agent", "system_template"])
    assert not matcher.matches(["agent", "templates", "system_template"])
    assert matcher.matches(["a", "b", "system_prompt"]) and matcher.matches(["system_prompt"])
    assert matcher.matches(["prompts", 2]) and matcher.matches(["prompts", "x"])
    assert not matcher.matches(["prompts", "x", "y"])


def test_chat_files_stay_with_the_chat_loader() -> None:
    assert scan_host("chat.yaml", "- role: user\n  content: hi\n", DEFAULTS) is None
    gh = "name: x\nmodel: openai/gpt-4o\nmessages:\n  - role: system\n    content: Be brief.\ntestData: []\n"
    assert scan_host("x.prompt.yml", gh, DEFAULTS) is None


def test_yaml_without_prompts_has_the_shared_note() -> None:
    scan = scan_host("settings.yaml", "retries: 3\nname: demo\n", DEFAULTS)
    assert scan is not None and scan.units == [] and scan.note == NO_PROMPTS


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(InputError) as raised:
        scan_host("bad.yaml", "a: 1\nb: [unclosed\n", DEFAULTS)
    assert raised.value.path == "bad.yaml" and raised.value.line == 3


def test_json_config_positions() -> None:
    data = {"name": "demo", "agent": {"system_prompt": "You review pull requests carefully."}}
    text = json.dumps(data, indent=2)
    (unit,) = units_of("bot.json", text)
    assert unit.key == "agent.system_prompt"
    line, column = unit.line, unit.column
    assert text.splitlines()[line - 1][column - 1 :].startswith("You review")
    assert unit.slot is None and unit.refusal == "JSON string: its escapes are not written back"


def test_presets_can_be_turned_off() -> None:
    scan = scan_host("mini.yaml", SWE_AGENT, UnitSettings(presets=()))
    assert scan is not None and scan.units == []


def test_prompts_config_section_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from tokcli.cli import app

    (tmp_path / ".tokcli.yaml").write_text("prompts:\n  presets: [swe-agent, langgraph]\n")
    (tmp_path / "a.yaml").write_text(SWE_AGENT)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint", "a.yaml"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"tokcli: error: {tmp_path / '.tokcli.yaml'}:2: config key 'prompts.presets': unknown preset 'langgraph' "
        "(known: crewai-agents, crewai-tasks, promptfoo, semantic-kernel, smolagents, swe-agent)\n"
    )
    (tmp_path / ".tokcli.yaml").write_text("prompts:\n  keys:\n    'a.yaml': ['agent.instance_template']\n")
    result = CliRunner().invoke(app, ["count", "a.yaml", "-t", "o200k_base", "-f", "json"])
    assert result.exit_code == 0
    assert [row["path"] for row in json.loads(result.stdout)["results"]] == ["a.yaml::agent.instance_template"]


@pytest.mark.parametrize("depth", [990, 3000])
def test_hostile_yaml_nesting_is_a_one_line_error(depth: int) -> None:
    # 990 levels compose (libyaml stops at its own limit, 3000 does not) but would overflow a recursive walk
    deep_yaml = "".join("  " * level + f"k{level}:\n" for level in range(depth)) + "  " * depth + "x: 1\n"
    with pytest.raises(InputError) as raised:
        scan_host("deep.yaml", deep_yaml, DEFAULTS)
    assert raised.value.path == "deep.yaml" and raised.value.message.startswith("invalid YAML: ")


def test_hostile_json_nesting_is_a_one_line_error() -> None:
    with pytest.raises(InputError) as raised:
        scan_host("deep.json", "[" * 100_000 + "]" * 100_000, DEFAULTS)
    assert raised.value.message == "invalid JSON: nested too deeply to read"


def test_hostile_python_nesting_is_a_one_line_error() -> None:
    source = "SYSTEM_PROMPT = " + " + ".join(['"You are kind. "'] * 20_000) + "\n"
    with pytest.raises(InputError) as raised:
        scan_host("deep.py", source, DEFAULTS)
    assert raised.value.path == "deep.py" and "nested too deeply" in raised.value.message


FOLDED = """\
writer:
  role: Senior technical writer
  goal: >
    Write clear documentation for {product}.
    It is very important that you keep every sentence short.
  backstory: "You're a writer with ten years of experience. Please note that\\
    \\ you value brevity above everything."
editor:
  role: Editor
  goal: Edit every draft written by the writer for {product}
    and please note that you keep the tone.
"""


def test_folded_and_multi_line_scalars_map_each_source_line() -> None:
    found = {unit.key: unit for unit in units_of("agents.yaml", FOLDED)}
    goal = found["writer.goal"]
    assert (
        goal.text
        == "Write clear documentation for {product}. It is very important that you keep every sentence short.\n"
    )
    assert goal.position(goal.text.index("It is")) == (5, 5)
    backstory = found["writer.backstory"]
    assert backstory.position(backstory.text.index("Please")) == (6, 61)
    plain = found["editor.goal"]
    assert plain.position(0) == (10, 9)
    assert plain.position(plain.text.index("please")) == (11, 9)


@pytest.mark.parametrize("ascii_only", [False, True])
def test_json_string_with_escapes_maps_each_character_to_its_column(ascii_only: bool) -> None:
    prompt = 'You are a helper.\nAnswer in French — "toujours".\n\nPlease note that you quote sources.'
    text = json.dumps({"name": "helper", "instructions": prompt}, indent=2, ensure_ascii=ascii_only)
    (unit,) = units_of("assistant.json", text)
    for word in ("Answer", "toujours", "Please", "sources"):
        line, column = unit.position(prompt.index(word))
        assert text.splitlines()[line - 1][column - 1 :].startswith(word), word


def test_a_key_given_twice_is_one_unit_the_value_yaml_loaders_keep() -> None:
    text = (
        "agent:\n  system_template: |\n    Answer in French.\n  system_template: |\n    Answer in German.\n"
        "model:\n  model_name: gpt-4o\n"
    )
    [unit] = units_of("agent.yaml", text)
    assert (unit.key, unit.text, unit.line) == ("agent.system_template", "Answer in German.\n", 5)

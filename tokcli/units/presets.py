"""Built-in shapes of prompt configs, detected when unambiguous (README: "Where prompts are found").

Each preset says how to recognise a file (from its name and parsed data), which key paths hold prompts, their
template syntax and where the model is named. The shapes were read from the frameworks' own shipped configs;
none of their text is kept here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str
    detect: Callable[[str, Any], bool]  # (file name, parsed data) → is this the shape
    keys: tuple[str, ...]
    syntax: str  # "jinja2" | "format" | "none"
    models: tuple[str, ...] = ()  # key paths naming the model for the whole file
    sibling_model: str | None = None  # a key beside each prompt naming its model (CrewAI `llm`)
    prose_only: bool = False  # only values that read as prose (several words) are prompts
    #: Whether Jinja2's parser is the engine's own: a syntax error there is an error. Not for Nunjucks
    #: (promptfoo), whose `{% elseif %}` and `===` Jinja2 rejects in a valid template.
    strict_syntax: bool = True


def _mapping(data: Any, key: str) -> dict[str, Any] | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else None


def _swe_agent(name: str, data: Any) -> bool:
    agent = _mapping(data, "agent")
    if agent is None:
        return False
    templates = _mapping(agent, "templates") or agent
    return any(isinstance(templates.get(key), str) for key in ("system_template", "instance_template"))


def _entries_with(data: Any, keys: tuple[str, ...], needed: int) -> bool:
    """Every top-level value is a mapping holding at least `needed` of `keys` as strings (and there is one)."""
    if not isinstance(data, dict) or not data:
        return False
    return all(
        isinstance(entry, dict) and sum(isinstance(entry.get(key), str) for key in keys) >= needed
        for entry in data.values()
    )


_CREW_AGENT_KEYS = ("role", "goal", "backstory")
_CREW_TASK_KEYS = ("description", "expected_output")


def _crewai_agents(name: str, data: Any) -> bool:
    return _entries_with(data, _CREW_AGENT_KEYS, 2)


def _crewai_tasks(name: str, data: Any) -> bool:
    return _entries_with(data, _CREW_TASK_KEYS, 2)


_SMOLAGENTS_SECTIONS = ("planning", "managed_agent", "final_answer")


def _smolagents(name: str, data: Any) -> bool:
    """smolagents' `PromptTemplates`: a `system_prompt` string beside its planning / managed-agent /
    final-answer sections (mappings of templates)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("system_prompt"), str)
        and any(_mapping(data, section) is not None for section in _SMOLAGENTS_SECTIONS)
    )


def _promptfoo(name: str, data: Any) -> bool:
    if not isinstance(data, dict) or "prompts" not in data:
        return False
    lowered = PurePath(name).name.lower()
    return lowered.startswith("promptfooconfig") or any(key in data for key in ("providers", "tests", "defaultTest"))


def _semantic_kernel(name: str, data: Any) -> bool:
    """Semantic Kernel's prompt template config (`PromptTemplateConfig` as YAML): a `template` string beside
    its `template_format`, `input_variables` or `execution_settings`."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("template"), str)
        and any(key in data for key in ("template_format", "input_variables", "execution_settings"))
    )


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "swe-agent",
            "SWE-agent and mini-swe-agent agent configs: agent.system_template, agent.instance_template, "
            "agent.templates.*_template, model.observation_template, model.format_error_template (Jinja2)",
            _swe_agent,
            keys=("agent.*_template", "agent.templates.*_template", "agent.tools.*_template", "model.*_template"),
            syntax="jinja2",
            models=("model.model_name", "agent.model.name", "agent.model.model_name"),
        ),
        Preset(
            "crewai-agents",
            "CrewAI agents.yaml: NAME.role, NAME.goal, NAME.backstory ({placeholders}); NAME.llm is the model",
            _crewai_agents,
            keys=("*.role", "*.goal", "*.backstory", "*.system_template", "*.prompt_template"),
            syntax="format",
            sibling_model="llm",
        ),
        Preset(
            "crewai-tasks",
            "CrewAI tasks.yaml: NAME.description, NAME.expected_output ({placeholders})",
            _crewai_tasks,
            keys=("*.description", "*.expected_output"),
            syntax="format",
        ),
        Preset(
            "smolagents",
            "smolagents prompt templates: system_prompt, planning.*, managed_agent.*, final_answer.* (Jinja2)",
            _smolagents,
            keys=("system_prompt", "planning.*", "managed_agent.*", "final_answer.*"),
            syntax="jinja2",
        ),
        Preset(
            "promptfoo",
            "promptfoo configs: prompts as strings, {raw: ...} entries or the keys of a {prompt: label} map (Nunjucks); "
            "file:// references are not prompts here",
            _promptfoo,
            keys=("prompts", "prompts[*]", "prompts[*].raw", "prompts.*"),
            syntax="jinja2",
            models=("providers[0]", "providers[0].id", "providers"),
            strict_syntax=False,
        ),
        Preset(
            "semantic-kernel",
            "Semantic Kernel prompt template configs: template ({{$var}}, Handlebars, Liquid or Jinja2 tags)",
            _semantic_kernel,
            keys=("template",),
            syntax="jinja2",
            models=("execution_settings.default.model_id",),
            # its own `{{$var}}` / `{{function arg=$x}}` syntax, Handlebars and Liquid are not Jinja2: tags are
            # protected, never checked
            strict_syntax=False,
        ),
    )
}

#: Used when no preset matches and no key paths are configured: keys whose names say prompt, prose only.
GENERIC = Preset(
    "generic",
    "any YAML/JSON: keys named *prompt, *prompts, *_template, *instructions, system_message whose value is prose",
    lambda name, data: True,
    keys=(
        "**.*prompt",
        "**.*prompts",
        "**.*prompts[*]",
        "**.*prompts.*",
        "**.*_template",
        "**.*instructions",
        "**.system_message",
    ),
    syntax="none",
    prose_only=True,
)


def detect_preset(name: str, data: Any, allowed: tuple[str, ...] | None) -> Preset | None:
    """The one preset whose shape `data` has (None when none or several do: ambiguous)."""
    found = [
        preset
        for preset in PRESETS.values()
        if (allowed is None or preset.name in allowed) and preset.detect(name, data)
    ]
    return found[0] if len(found) == 1 else None

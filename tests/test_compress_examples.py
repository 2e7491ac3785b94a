"""Quality on the shipped example prompts: `balanced` saves ≥ 20 % of o200k tokens on the deliberately
wasteful files, changes the tight ones little, and every result passes verification and still loads."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from tokcli.compress.rules_method import compress_prompt
from tokcli.compress.verify import verify
from tokcli.prompts import load_prompt
from tokcli.registry import get_tokenizer

EXAMPLES = Path(__file__).resolve().parent.parent / "prompts_examples"
WASTEFUL = [
    "verbose_system_prompt.md",
    "wasteful_rag.j2",
    "bloated_fewshot.txt",
    "payload_blob.md",
]
# a saved conversation: its turns are what the speakers said and stay as written (lint's TK204 names the repeats);
# the saving is in its system message and its last turn
CONVERSATION = "chat_repeats.json"
TIGHT = [
    "support_agent_system.md", "classifier_fewshot.j2", "rag_answer.j2", "code_review.jinja", "sql_assistant.prompt",
    "extract_invoice.prompty", "summarize.prompt", "chat_onboarding.yaml", "tool_agent_instructions.md",
    "translate_multilingual.txt",
]  # fmt: skip


def saving(name: str, level: str = "balanced") -> tuple[float, str, str]:
    path = EXAMPLES / name
    text = path.read_text(encoding="utf-8")
    result = compress_prompt(str(path), text, level=level)
    tokenizer = get_tokenizer("o200k_base")
    before = tokenizer.count(load_prompt(str(path), text).prompt_text)
    after = tokenizer.count(load_prompt(str(path), result.text).prompt_text)
    return 100 * (before - after) / before, text, result.text


@pytest.mark.parametrize("name", WASTEFUL)
def test_balanced_saves_a_fifth_of_the_wasteful_files(name: str) -> None:
    percent, _, _ = saving(name)
    assert percent >= 20, f"{name}: {percent:.1f}%"


def test_a_conversation_keeps_its_turns_and_saves_in_its_instructions() -> None:
    import json

    percent, before, after = saving(CONVERSATION)
    assert percent >= 5, f"{percent:.1f}%"
    old, new = json.loads(before)["messages"], json.loads(after)["messages"]
    assert [m["content"] for m in new[1:-1]] == [m["content"] for m in old[1:-1]]
    assert new[0]["content"] != old[0]["content"] and new[-1]["content"] != old[-1]["content"]


@pytest.mark.parametrize("name", TIGHT)
def test_balanced_barely_changes_the_tight_files(name: str) -> None:
    percent, _, _ = saving(name)
    assert percent < 2, f"{name}: {percent:.1f}%"


@pytest.mark.parametrize("name", [*WASTEFUL, CONVERSATION, *TIGHT])
@pytest.mark.parametrize("level", ["safe", "balanced", "aggressive"])
def test_every_result_verifies_and_loads(name: str, level: str) -> None:
    _, original, compressed = saving(name, level)
    document = load_prompt(name, original)
    again = load_prompt(name, compressed)  # raises if a template or chat file no longer parses
    assert again.kind == document.kind
    if document.kind != "chat":
        assert verify(original, compressed, kind=document.kind, body_offset=document.body_offset).ok
    if document.kind == "jinja":
        env = jinja2.Environment()
        assert env.parse(compressed) is not None

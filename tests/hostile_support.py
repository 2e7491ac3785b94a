"""Hostile inputs, built fresh in a directory for each test that needs them (nothing is committed as data)."""

from __future__ import annotations

import json
import os
from pathlib import Path

DEEP = 100_000  # far past Python's recursion limit and libyaml's nesting limit


def alias_bomb(levels: int, indent: str = "") -> str:
    """YAML lines whose aliases of aliases expand to 10**levels values ("billion laughs") in a few hundred bytes;
    the last anchor is `l{levels - 1}`."""
    lines = [f'{indent}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"{indent}l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


#: prompt files: name → content (str or bytes)
PROMPT_FILES: dict[str, str | bytes] = {
    "deep.json": "[" * DEEP + "]" * DEEP,
    "deep_messages.json": '{"messages": ' + "[" * DEEP + "]" * DEEP + "}",
    "deep.yaml": "messages: " + "[" * DEEP + "]" * DEEP + "\n",
    "python_tag.yaml": "- role: user\n  content: !!python/object/apply:os.system ['echo owned']\n",
    "long_number.json": '[{"role": "user", "content": "hi", "n": 1' + "0" * 5000 + "}]",
    "deep_jinja.j2": "{% if a %}" * 3000 + "x" + "{% endif %}" * 3000 + "\n",
    "parentheses.j2": "{{ " + "(" * 50_000 + "x" + ")" * 50_000 + " }}\n",
    "unclosed.j2": "Intro\n{% if a %}\n{% for x in y %}\nbody\n",
    "unclosed_handlebars.prompt": "---\nmodel: x\n---\nIntro\n{{#if a}}\nyes\n",
    "deep_blob.md": "Data:\n\n```json\n" + "[" * 50_000 + "]" * 50_000 + "\n```\n",
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
    "latin1.md": "caf\xe9\n".encode("latin-1"),
    # aliases: every walk over the data followed them, for minutes (a bomb) or for ever (a loop)
    "alias_bomb.prompt.yml": alias_bomb(5)
    + "messages:\n  - role: user\n    content: '{{input}}'\ntestData:\n  - input: *l4\n",
    "alias_loop.yaml": "agent: &a\n  system_template: 'You are a helpful assistant for the team.'\n  again: *a\n",
}

#: config files given with --config
CONFIG_FILES: dict[str, str] = {
    "deep_config.yaml": "models: " + "[" * DEEP + "]" * DEEP + "\n",
    "tag_config.yaml": "models: !!python/name:os.system\n",
    "long_number_config.yaml": "volume: {calls: 1" + "0" * 5000 + "}\n",
    "deep_config.toml": "models = " + "[" * 5000 + "]" * 5000 + "\n",
    "alias_bomb_config.yaml": "estimates:\n  e:\n" + alias_bomb(5, indent="    "),
    "alias_loop_config.yaml": "models: &m [gpt-4o, *m]\n",
}


def _litellm(**prices: object) -> str:
    entry = {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}
    entry.update(prices)
    return json.dumps({"gpt-hostile": entry}, indent=2)


#: price files given with --pricing, or to `pricing check` / `pricing import`
PRICE_FILES: dict[str, str] = {
    "deep_prices.yaml": "models: " + "[" * DEEP + "]" * DEEP + "\n",
    "deep_prices.json": '{"models": ' + "[" * DEEP + "]" * DEEP + "}",
    "tag_prices.yaml": "models:\n  - id: !!python/name:os.system\n    input: 1\n",
    "litellm_huge.json": _litellm(input_cost_per_token=1e308),
    "litellm_negative.json": _litellm(input_cost_per_token=-1e-6),
    "litellm_nan.json": _litellm().replace("1e-06", "NaN", 1).replace("2e-06", "Infinity", 1),
    "litellm_long_number.json": _litellm().replace("1e-06", "1" + "0" * 5000, 1),
}


def write_files(directory: Path, files: dict[str, str | bytes] | dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


def add_special_files(directory: Path) -> list[str]:
    """A symlink loop, and a FIFO where the platform has them; the names made."""
    os.symlink("loop.md", directory / "loop.md")
    made = ["loop.md"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(directory / "pipe.md")
        made.append("pipe.md")
    return made

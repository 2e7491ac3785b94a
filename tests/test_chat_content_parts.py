"""OpenAI multi-part message content (`content: [{type: text, text: …}, {type: image_url, …}]`) in chat YAML
goes through count, lint and compress as the same messages in JSON do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tokcli.cli import app

MESSAGES = {
    "messages": [
        {"role": "system", "content": "You are a helpful assistant. Please note that you must answer briefly."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe this picture in order to help me choose a caption."},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                {"type": "text", "text": "Keep it short."},
            ],
        },
    ]
}


@pytest.fixture
def chats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.chdir(tmp_path)
    Path("c.yaml").write_text(yaml.safe_dump(MESSAGES, sort_keys=False), encoding="utf-8")
    Path("c.json").write_text(json.dumps(MESSAGES, indent=2), encoding="utf-8")
    return "c.yaml", "c.json"


def test_count_yaml_equals_json(chats: tuple[str, str]) -> None:
    result = CliRunner().invoke(app, ["count", *chats, "-m", "gpt-4o", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    tokens = {item["path"]: item["tokens"] for item in json.loads(result.stdout)["results"]}
    # 2 messages × (3 + role) + 3 priming, and the text of both text parts ("\n"-joined), with o200k_base
    assert tokens["c.yaml"] == tokens["c.json"] > 30


def test_lint_yaml_equals_json(chats: tuple[str, str]) -> None:
    runner = CliRunner()
    found = {}
    for path in chats:
        result = runner.invoke(app, ["lint", path, "--format", "json"])
        assert result.exit_code in (0, 1), result.stderr
        assert result.stderr == ""
        found[path] = sorted(finding["code"] for finding in json.loads(result.stdout)["findings"])
    assert found["c.yaml"] == found["c.json"]
    assert "TK303" in found["c.yaml"]  # "in order to", in a text part: the parts are linted


def test_compress_yaml_keeps_the_image_part(chats: tuple[str, str]) -> None:
    result = CliRunner().invoke(app, ["compress", "c.yaml"])
    assert result.exit_code == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    parts = data["messages"][1]["content"]
    assert parts[1] == {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    assert "in order to" not in parts[0]["text"] and parts[0]["text"].startswith("Describe this picture")
    assert "tokens" in result.stderr

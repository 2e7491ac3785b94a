"""`tokcli compress --method llmlingua|llmlingua2` end to end through the CLI, with the tiny local models that
tests/test_compress_llmlingua.py builds (skipped without the llmlingua extra, like those tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_compress_llmlingua as built
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.compress.verify import verify

runner = CliRunner()
PROMPT = built.PROMPT
needs_llmlingua = built.needs_llmlingua
# the tiny models and the offline environment come from the backend's own tests (module-scoped fixtures)
offline_env = built.offline_env
tiny_models = built.tiny_models


@pytest.mark.llmlingua
@needs_llmlingua
@pytest.mark.parametrize("method", ["llmlingua2", "llmlingua"])
def test_cli_llmlingua_methods_verify_and_report(
    method: str,
    tiny_models: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "prompt.j2"
    source.write_text(PROMPT, encoding="utf-8")
    args = ["compress", str(source), "--method", method, "--model", str(tiny_models[method]), "--rate", "0.5"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["method"] == method and data["level"] is None
    [row] = data["models"]
    assert row["tokens_after"] < row["tokens_before"]
    assert verify(PROMPT, data["text"], kind="jinja").ok
    assert "{{ user_name }}" in data["text"] and "{%- endfor %}" in data["text"]


@pytest.mark.llmlingua
@needs_llmlingua
def test_cli_llmlingua_refuses_chat_files(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    chat = tmp_path / "chat.json"
    chat.write_text('[{"role": "user", "content": "hello there, how are you doing today?"}]', encoding="utf-8")
    model = str(tiny_models["llmlingua2"])
    result = runner.invoke(app, ["compress", str(chat), "--method", "llmlingua2", "--model", model])
    assert result.exit_code == 2
    assert result.stderr == (
        "tokcli: error: --method llmlingua2 works on text, markdown and template files, not chat files\n"
    )

"""Every `--format json` output carries `schema_version` and validates against the JSON Schema tokcli ships."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.reporters.json_document import SCHEMA_VERSION, schema_text

jsonschema = pytest.importorskip("jsonschema")
EXAMPLES = Path(__file__).resolve().parents[1] / "prompts_examples"
SCHEMAS = Path(__file__).resolve().parents[1] / "tokcli" / "schemas"

# schema name → command lines whose JSON output it describes (run in a copy of prompts_examples/).
OUTPUTS: dict[str, list[list[str]]] = {
    "count": [
        ["count", "summarize.prompt", "chat_onboarding.yaml", "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "--ids"],
        ["count", "greet.j2", "tools.json", "chat_onboarding.yaml", "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "--fit"],
    ],
    "cost": [
        ["cost", "summarize.prompt", "-m", "gpt-4o", "--calls", "100", "--per", "day"],
        ["cost", "--text", "hi"],
        ["cost", "greet.j2", "tools.json", "-m", "gpt-4o"],
    ],
    "lint": [["lint", "wasteful_rag.j2", "payload_blob.md"]],
    "compress": [
        ["compress", "verbose_system_prompt.md"],
        ["compress", "--diff", "summarize.prompt", "wasteful_rag.j2"],
    ],
    "audit": [["audit", ".", "--no-cache"], ["audit", ".", "--no-cache", "--since", "HEAD", "--fail-on-increase", "1"]],
    "rules": [["rules"]],
    "pricing-list": [["pricing", "list"]],
    "pricing-show": [["pricing", "show", "claude-sonnet-4-5"]],
    "tokenizers-list": [["tokenizers", "list"]],
    "tokenizers-models": [["tokenizers", "models"]],
}


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prompts_examples/ in a git repository with one prompt grown since HEAD (for the audit's deltas)."""
    from audit_support import commit_all, git_repo

    root = git_repo(tmp_path_factory.mktemp("json") / "repo")
    shutil.copytree(EXAMPLES, root, dirs_exist_ok=True)
    # a template with fixtures and an MCP tool list: the rendered, tools and fit fields of the reports
    (root / "greet.j2").write_text("Greet {{ name }} in one short sentence.\n", encoding="utf-8")
    (root / "greet.vars.yaml").write_text("fixtures:\n  short: {name: Ana}\n  long: {name: Ana Maria Silva}\n")
    tool = {"name": "search_docs", "description": "Search the docs.", "inputSchema": {"type": "object"}}
    (root / "tools.json").write_text(json.dumps({"tools": [tool]}), encoding="utf-8")
    commit_all(root)
    with (root / "summarize.prompt").open("a", encoding="utf-8") as grown:
        grown.write("Also list every date mentioned in the text, with what happened on it.\n" * 5)
    return root


def _output(args: list[str]) -> Any:
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), (args, result.stdout, result.stderr)
    return json.loads(result.stdout)


@pytest.mark.parametrize(("schema", "args"), [(name, args) for name, lines in OUTPUTS.items() for args in lines])
def test_output_validates_against_its_schema(
    examples: Path, monkeypatch: pytest.MonkeyPatch, schema: str, args: list[str]
) -> None:
    if shutil.which("git") is None and "--since" in args:
        pytest.skip("git is not installed")
    monkeypatch.chdir(examples)
    document = _output(args)
    if "greet.j2" in args or args[:2] == ["audit", "."]:  # the fields these cases exist for are there
        text = json.dumps(document)
        assert '"rendered": {' in text or '"rendered": [{' in text
    if args[:2] == ["audit", "."]:  # extract_invoice.prompty names gpt-4o-mini in its front matter
        assert '"named_model": {"name": "gpt-4o-mini", "model": "gpt-4o-mini"' in json.dumps(document)
    if ("tools.json" in args and args[0] == "count") or args[:2] == ["audit", "."]:
        assert '"tools": [{"name": "search_docs"' in json.dumps(document)
    if "--fit" in args:
        assert '"fit": {' in json.dumps(document)
    assert isinstance(document, dict) and next(iter(document)) == "schema_version"
    assert document["schema_version"] == SCHEMA_VERSION
    validator = jsonschema.Draft202012Validator(json.loads(schema_text(schema)))
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    assert not errors, [f"{list(error.path)}: {error.message}" for error in errors[:5]]


def test_the_schemas_reject_what_they_should(examples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(examples)
    document = _output(["count", "summarize.prompt", "-m", "gpt-4o"])
    validator = jsonschema.Draft202012Validator(json.loads(schema_text("count")))
    assert validator.is_valid(document)
    document["results"][0]["tokens"] = "200"  # a number as a string
    assert not validator.is_valid(document)
    del document["schema_version"]
    assert not validator.is_valid(document)


def test_every_shipped_schema_is_valid_and_used() -> None:
    names = {path.name.removesuffix(".schema.json") for path in SCHEMAS.glob("*.schema.json")}
    assert names == set(OUTPUTS)
    for name in names:
        jsonschema.Draft202012Validator.check_schema(json.loads(schema_text(name)))

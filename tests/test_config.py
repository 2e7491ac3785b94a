"""Config: discovery walking up, pyproject.toml vs .tokcli.yaml, --config, and errors naming file, key and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.config import Expect, check_section, discover_config, load_config
from tokcli.errors import ConfigError

PYPROJECT = '[project]\nname = "demo"\n\n[tool.tokcli]\nmodels = ["gpt-4"]\n'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """repo/ with repo/a/b/ nested below it; no config yet."""
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    return tmp_path / "repo"


def count_json(*args: str) -> tuple[int, dict | None, str]:
    result = CliRunner().invoke(app, ["count", "--text", "hello world", "--format", "json", *args])
    payload = json.loads(result.stdout) if result.exit_code == 0 else None
    if result.exit_code != 0:
        assert result.stdout == ""
    return result.exit_code, payload, result.stderr


# --- discovery ----------------------------------------------------------------------------------------


def test_no_config_gives_defaults(tree: Path) -> None:
    config = load_config(start_dir=tree / "a" / "b")
    assert config.source is None
    assert config.models == []
    assert config.tokenizers == []
    assert config.root == (tree / "a" / "b").resolve()


def test_discovery_walks_up_to_a_yaml(tree: Path) -> None:
    (tree / ".tokcli.yaml").write_text("models: [gpt-4o-mini, claude-sonnet-4-5]\n")
    config = load_config(start_dir=tree / "a" / "b")
    assert config.source == str((tree / ".tokcli.yaml").resolve())
    assert config.models == ["gpt-4o-mini", "claude-sonnet-4-5"]
    assert config.root == tree.resolve()


def test_discovery_finds_pyproject_tool_table(tree: Path) -> None:
    (tree / "pyproject.toml").write_text(PYPROJECT)
    config = load_config(start_dir=tree / "a")
    assert config.source == str((tree / "pyproject.toml").resolve())
    assert config.models == ["gpt-4"]


def test_pyproject_without_tool_table_is_passed_over(tree: Path) -> None:
    (tree / ".tokcli.yaml").write_text("models: gpt-4.1\n")
    (tree / "a" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    config = load_config(start_dir=tree / "a" / "b")
    assert config.source == str((tree / ".tokcli.yaml").resolve())
    assert config.models == ["gpt-4.1"]  # a single string is a list of one


def test_nearest_config_wins(tree: Path) -> None:
    (tree / ".tokcli.yaml").write_text("models: [gpt-4.1]\n")
    (tree / "a" / "pyproject.toml").write_text(PYPROJECT)
    assert discover_config(tree / "a" / "b") == (tree / "a" / "pyproject.toml").resolve()


def test_yaml_beats_pyproject_in_the_same_directory(tree: Path) -> None:
    (tree / "pyproject.toml").write_text(PYPROJECT)
    (tree / ".tokcli.yaml").write_text("models: [o3]\n")
    config = load_config(start_dir=tree)
    assert config.source.endswith(".tokcli.yaml")
    assert config.models == ["o3"]


def test_explicit_config_overrides_discovery(tree: Path, tmp_path: Path) -> None:
    (tree / ".tokcli.yaml").write_text("models: [o3]\n")
    other = tmp_path / "elsewhere.yaml"
    other.write_text("models: [gpt-4]\n")
    config = load_config(start_dir=tree, explicit=other)
    assert config.source == str(other)
    assert config.models == ["gpt-4"]


def test_explicit_standalone_toml(tmp_path: Path) -> None:
    plain = tmp_path / "tokcli.toml"
    plain.write_text('models = ["gpt-4"]\n')
    assert load_config(explicit=plain).models == ["gpt-4"]
    shaped = tmp_path / "shared.toml"
    shaped.write_text('[tool.tokcli]\nmodels = ["o3"]\n')
    assert load_config(explicit=shaped).models == ["o3"]


def test_explicit_config_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(explicit=tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}: config file not found"


def test_relative_paths_resolve_against_the_config_directory(tree: Path) -> None:
    (tree / "tok.tiktoken").write_bytes(b"YQ== 0\n")
    (tree / "prices.yaml").write_text("{}\n")
    (tree / ".tokcli.yaml").write_text(
        "tokenizers:\n  - name: house\n    path: tok.tiktoken\npricing: prices.yaml\nvolume: {calls: 1000, per: day}\n"
    )
    config = load_config(start_dir=tree / "a" / "b")
    assert config.tokenizers == [{"name": "house", "path": str(tree.resolve() / "tok.tiktoken")}]
    assert config.pricing == tree.resolve() / "prices.yaml"
    assert config.volume == {"calls": 1000, "per": "day"}


def test_tokenizers_as_a_mapping(tree: Path) -> None:
    (tree / ".tokcli.yaml").write_text("tokenizers:\n  house:\n    path: t.json\n    models: [house-1]\n")
    config = load_config(start_dir=tree)
    assert config.tokenizers == [{"name": "house", "path": str(tree.resolve() / "t.json"), "models": ["house-1"]}]


def test_sections_for_other_jobs_arrive_raw(tree: Path) -> None:
    (tree / ".tokcli.yaml").write_text("lint:\n  select: [TK1]\ncompress: {level: 2}\naudit: {}\n")
    config = load_config(start_dir=tree)
    assert config.lint == {"select": ["TK1"]}
    assert config.compress == {"level": 2}
    assert config.audit == {}
    assert config.key_lines["lint.select"] == 2


def test_empty_yaml_is_an_empty_config(tree: Path) -> None:
    (tree / ".tokcli.yaml").write_text("# nothing yet\n")
    config = load_config(start_dir=tree)
    assert config.source is not None
    assert config.models == []


# --- errors: file, key, line, what was expected ------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("models: [gpt-4]\nmodles: [gpt-4o]\n", 2, "unknown config key 'modles'; allowed here: audit, compress,"),
        ("models: 3\n", 1, "config key 'models' must be a string or a list of strings, got int 3"),
        (
            "estimates:\n  claude-estimate:\n    factor: high\n",
            3,
            "config key 'estimates.claude-estimate.factor' must be a number, got str 'high'",
        ),
        (
            "estimates:\n  claude-estimate:\n    fudge: 2\n",
            3,
            "unknown config key 'estimates.claude-estimate.fudge'; allowed here: base, factor, models, note",
        ),
        (
            "tokenizers:\n  - name: x\n    path: 3\n",
            3,
            "config key 'tokenizers[0].path' must be a string, got int 3",
        ),
        (
            "tokenizers:\n  - name: x\n    path: t.json\n    kind: bpe\n",
            4,
            "config key 'tokenizers[0].kind' must be one of 'hf', 'tiktoken', 'sentencepiece', 'tekken'",
        ),
        ("tokenizers:\n  - name: x\n", 2, "config key 'tokenizers[0]' needs 'path'"),
        ("volume:\n  calls: 10\n  per: fortnight\n", 3, "config key 'volume.per' must be one of 'call', 'day'"),
        ("volume:\n  calls: -1\n", 2, "config key 'volume.calls' must be a whole number ≥ 0"),
        ("lint: [a, b]\n", 1, "config key 'lint' must be a mapping"),
        ("models: [gpt-4\n", 2, "invalid YAML"),
        ("- gpt-4\n- gpt-4o\n", 1, "config must be a YAML mapping of keys"),
    ],
)
def test_yaml_errors_name_file_key_and_line(tree: Path, content: str, line: int, message: str) -> None:
    config_file = tree / ".tokcli.yaml"
    config_file.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_config(start_dir=tree)
    error = caught.value
    assert error.path == str(config_file.resolve())
    assert error.line == line
    assert message in error.message
    assert str(error).startswith(f"{config_file.resolve()}:{line}: ")


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (PYPROJECT + "modles = 3\n", 6, "unknown config key 'modles'"),
        (
            PYPROJECT + "\n[tool.tokcli.estimates.gemini-estimate]\nfactor = true\n",
            8,
            "config key 'estimates.gemini-estimate.factor' must be a number, got bool True",
        ),
        (
            PYPROJECT
            + '\n[[tool.tokcli.tokenizers]]\nname = "a"\npath = "a.json"\n\n[[tool.tokcli.tokenizers]]\nname = 7\n',
            12,
            "config key 'tokenizers[1].name' must be a string, got int 7",
        ),
    ],
)
def test_pyproject_errors_name_file_key_and_line(tree: Path, content: str, line: int, message: str) -> None:
    config_file = tree / "pyproject.toml"
    config_file.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_config(start_dir=tree)
    assert caught.value.path == str(config_file.resolve())
    assert caught.value.line == line
    assert message in caught.value.message


def test_inline_toml_tables_point_at_their_key(tree: Path) -> None:
    (tree / "pyproject.toml").write_text(
        PYPROJECT + 'tokenizers = [{name = "a", path = "a.json"}, {name = "b", path = 3}]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(start_dir=tree)
    assert caught.value.message == "config key 'tokenizers[1].path' must be a string, got int 3"
    assert caught.value.line == 6  # the line of `tokenizers`, the nearest key with a line


def test_invalid_toml(tree: Path) -> None:
    (tree / "pyproject.toml").write_text("[tool.tokcli\nmodels = 1\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(start_dir=tree)


def test_check_section_for_other_modules() -> None:
    schema = {"level": int, "mode": Expect("'fast' or 'safe'", lambda v: v in ("fast", "safe")), "nested": {"on": bool}}
    check_section({"level": 2, "mode": "fast", "nested": {"on": True}}, schema, "cfg.yaml", "compress")
    with pytest.raises(ConfigError) as caught:
        check_section({"level": True}, schema, "cfg.yaml", "compress", {"compress.level": 7})
    assert str(caught.value) == "cfg.yaml:7: config key 'compress.level' must be a whole number, got bool True"
    with pytest.raises(ConfigError, match=r"'compress\.nested\.on' must be true or false"):
        check_section({"nested": {"on": "yes"}}, schema, "cfg.yaml", "compress")
    with pytest.raises(ConfigError, match=r"'compress\.mode' must be 'fast' or 'safe'"):
        check_section({"mode": "slow"}, schema, "cfg.yaml", "compress")
    check_section({"anything": 1}, schema, "cfg.yaml", "compress", open_keys=True)


# --- through the command line -------------------------------------------------------------------------


def test_cli_uses_config_models_and_flags_override(
    tree: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    (tree / ".tokcli.yaml").write_text("models: [gpt-4, claude-sonnet-4-5]\n")
    monkeypatch.chdir(tree / "a" / "b")
    code, payload, stderr = count_json()
    assert (code, stderr) == (0, "")
    assert [(item["model"], item["tokenizer"]) for item in payload["results"]] == [
        ("gpt-4", "cl100k_base"),
        ("claude-sonnet-4-5", "claude-estimate"),
    ]
    code, payload, stderr = count_json("-m", "gpt-4o")
    assert (code, stderr) == (0, "")
    assert [item["model"] for item in payload["results"]] == ["gpt-4o"]


def test_cli_explicit_config(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None) -> None:
    (tree / ".tokcli.yaml").write_text("models: [gpt-4]\n")
    other = tmp_path / "other.yaml"
    other.write_text("models: [o3]\n")
    monkeypatch.chdir(tree)
    code, payload, stderr = count_json("--config", str(other))
    assert (code, stderr) == (0, "")
    assert [item["model"] for item in payload["results"]] == ["o3"]


def test_cli_config_error_is_one_line_exit_2(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file = tree / ".tokcli.yaml"
    config_file.write_text("models: [gpt-4]\nestimates:\n  claude-estimate:\n    factor: high\n")
    monkeypatch.chdir(tree / "a")
    code, payload, stderr = count_json()
    assert code == 2
    assert payload is None
    assert stderr == (
        f"tokcli: error: {config_file.resolve()}:4: config key 'estimates.claude-estimate.factor' must be a "
        "number, got str 'high'\n"
    )


def test_cli_pyproject_error(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "pyproject.toml").write_text(PYPROJECT + "budget = 3\n")
    monkeypatch.chdir(tree)
    code, _, stderr = count_json()
    assert code == 2
    assert stderr.startswith(f"tokcli: error: {(tree / 'pyproject.toml').resolve()}:6: unknown config key 'budget'")
    assert stderr.count("\n") == 1


def test_cli_config_estimate_factor_changes_counts(
    tree: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    (tree / ".tokcli.yaml").write_text("estimates:\n  claude-estimate:\n    factor: 3\n")
    monkeypatch.chdir(tree)
    code, payload, stderr = count_json("-m", "claude-sonnet-4-5")
    assert (code, stderr) == (0, "")
    assert payload["results"][0]["tokens"] == 6  # 2 o200k tokens × 3
    assert payload["results"][0]["exact"] is False


def test_cli_same_config_twice_in_one_process(
    tree: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    """CliRunner runs commands in one process: loading the same config again is not a duplicate name."""
    import base64

    ranks = b"".join(base64.b64encode(bytes([value])) + b" %d\n" % value for value in range(256))
    (tree / "ranks.tiktoken").write_bytes(ranks)
    (tree / ".tokcli.yaml").write_text(
        "tokenizers:\n  - name: house\n    path: ranks.tiktoken\n    models: [house-1]\nmodels: [house-1]\n"
    )
    monkeypatch.chdir(tree)
    for _ in range(2):
        code, payload, stderr = count_json("--ids")
        assert (code, stderr) == (0, "")
        assert payload["results"][0]["tokenizer"] == "house"
        assert payload["results"][0]["model"] == "house-1"


# --- one discovery rule for every command ---------------------------------------------------------------


def test_config_start_is_the_common_parent_of_the_paths(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokcli.config import config_start

    monkeypatch.chdir(tree)
    (tree / "a" / "b" / "p.md").write_text("x")
    (tree / "a" / "q.md").write_text("x")
    assert config_start([]) == tree.resolve()
    assert config_start(["-"]) == tree.resolve()
    assert config_start(["a/b"]) == (tree / "a" / "b").resolve()
    assert config_start(["a/b/p.md"]) == (tree / "a" / "b").resolve()
    assert config_start(["a/b/p.md", "a/q.md"]) == (tree / "a").resolve()
    assert config_start(["a/b/*.md"]) == (tree / "a" / "b").resolve()
    assert config_start(["a/**/*.md", "-"]) == (tree / "a").resolve()
    assert config_start(["*.md"]) == tree.resolve()
    assert config_start(["a/b", str(tree.parent)]) == tree.parent.resolve()


def test_every_command_reads_the_config_of_the_paths_it_is_given(
    tree: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    # The repository root's config is broken on purpose: a command that read it would exit 2.
    (tree / ".tokcli.yaml").write_text("not_a_key: 1\n")
    prompts = tree / "a"
    (prompts / ".tokcli.yaml").write_text("models: [gpt-4o]\n")
    (prompts / "p.md").write_text("Answer billing questions for Acme.\n")
    monkeypatch.chdir(tree)
    runner = CliRunner()
    for args in (
        ["count", "a/p.md", "--format", "json"],
        ["cost", "a/", "--format", "json"],
        ["lint", "a/", "--format", "json"],
        ["compress", "a/p.md", "--format", "json"],
        ["audit", "a/", "--format", "json", "--no-cache"],
        ["count", "a/*.md", "--format", "json"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1), (args, result.stderr)
        assert "not_a_key" not in result.stderr
    audit = json.loads(runner.invoke(app, ["audit", "a/", "--format", "json", "--no-cache"]).stdout)
    assert audit["config"] == "a/.tokcli.yaml"
    # With no paths, the current directory's config is the one read.
    result = runner.invoke(app, ["tokenizers", "list"])
    assert result.exit_code == 2 and "not_a_key" in result.stderr


@pytest.mark.parametrize("command", [["count"], ["lint"], ["audit"], ["compress"]])
@pytest.mark.parametrize(
    ("config_name", "config_text", "line"),
    [
        (".tokcli.yml", "# models for this repo\nmodels: [gpt-99]\n", 2),
        # lint measures with the first model only, and ignored a typo further on
        (".tokcli.yaml", "models: [gpt-4o, gpt-99]\n", 1),
    ],
)
def test_an_unknown_model_in_the_config_names_the_file_and_line(
    command: list[str], config_name: str, config_text: str, line: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / config_name).write_text(config_text, encoding="utf-8")
    (tmp_path / "p.md").write_text("hello world\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*command, "p.md"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"tokcli: error: {tmp_path / config_name}:{line}: unknown model 'gpt-99'")
    assert result.stderr.count("\n") == 1
    # a model named on the command line is the command line's
    flagged = CliRunner().invoke(app, [*command, "p.md", "-m", "gpt-98"])
    assert flagged.exit_code == 2
    assert flagged.stderr.startswith("tokcli: error: unknown model 'gpt-98'")


def test_two_config_files_in_one_directory_are_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".tokcli.yaml").write_text("models: [gpt-4o]\n", encoding="utf-8")
    (tmp_path / ".tokcli.yml").write_text("models: [gpt-4.1]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["count", "--text", "hello world"])
    assert result.exit_code == 2
    assert result.stdout == ""
    expected = (
        f"tokcli: error: {tmp_path / '.tokcli.yml'}: two config files here: .tokcli.yaml and .tokcli.yml; keep one\n"
    )
    assert result.stderr == expected


@pytest.mark.parametrize("target", [".tokcli.yaml", "nowhere.yaml"], ids=["loop", "dangling"])
def test_a_config_link_that_loops_or_points_nowhere_is_an_error(
    tree: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    # is_file() is False for such a link: it was passed over, and the run went on with the defaults
    (tree / ".tokcli.yaml").symlink_to(target)
    monkeypatch.chdir(tree / "a")
    message = "cannot read config: a symbolic link that loops or points nowhere\n"
    code, payload, stderr = count_json()
    assert (code, payload, stderr) == (2, None, f"tokcli: error: {tree.resolve() / '.tokcli.yaml'}: {message}")
    code, payload, stderr = count_json("--config", str(tree / ".tokcli.yaml"))
    assert (code, payload, stderr) == (2, None, f"tokcli: error: {tree / '.tokcli.yaml'}: {message}")


def test_an_error_quoting_a_huge_value_stays_one_short_line(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the megabyte-long model name was printed whole in the error
    (tree / ".tokcli.yaml").write_text("models: [" + "a" * 1_000_000 + "]\n")
    monkeypatch.chdir(tree)
    code, payload, stderr = count_json()
    assert (code, payload) == (2, None)
    assert stderr.startswith(f"tokcli: error: {(tree / '.tokcli.yaml').resolve()}:1: unknown model 'aaa")
    assert stderr.count("\n") == 1 and len(stderr) < 1_200
    assert "…[999,0" in stderr  # says how much was left out

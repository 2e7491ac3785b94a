"""`tokcli lint` and `tokcli rules` through the command line: exit codes, stdout and stderr together."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tokcli.cli import app

runner = CliRunner()
WASTEFUL = "In order to help, answer!!!\n\n\n\nBe brief.\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.md").write_text(WASTEFUL, encoding="utf-8")
    (tmp_path / "prompts" / "clean.txt").write_text("Be brief.\n", encoding="utf-8")
    return tmp_path


def test_findings_exit_1_with_json(workdir: Path) -> None:
    result = runner.invoke(app, ["lint", "prompts", "--format", "json"])
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert [(f["path"], f["line"], f["code"]) for f in data["findings"]] == [
        ("prompts/a.md", 1, "TK303"),
        ("prompts/a.md", 1, "TK306"),
        ("prompts/a.md", 2, "TK101"),
    ]
    assert data["summary"]["files"] == 2


def test_exit_zero_fail_on_and_clean(workdir: Path) -> None:
    assert runner.invoke(app, ["lint", "prompts", "--exit-zero", "-f", "github"]).exit_code == 0
    assert runner.invoke(app, ["lint", "prompts", "--fail-on", "error", "-f", "github"]).exit_code == 0
    clean = runner.invoke(app, ["lint", "prompts/clean.txt"])
    assert (clean.exit_code, clean.stdout, clean.stderr) == (0, "No findings in 1 file.\n", "")


def test_select_and_ignore_flags(workdir: Path) -> None:
    result = runner.invoke(app, ["lint", "prompts", "-f", "github", "--select", "TK3", "--ignore", "TK306"])
    assert result.exit_code == 1
    assert result.stdout.count("::") == 2 and "title=TK303" in result.stdout
    bad = runner.invoke(app, ["lint", "prompts", "--select", "TK8"])
    assert bad.exit_code == 2 and bad.stdout == ""
    assert bad.stderr.startswith("tokcli: error: unknown rule selector 'TK8'")
    assert len(bad.stderr.splitlines()) == 1


def test_output_file_and_sarif(workdir: Path) -> None:
    result = runner.invoke(app, ["lint", "prompts", "-f", "sarif", "-o", "out.sarif"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    log = json.loads((workdir / "out.sarif").read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == 3


def test_diff_changes_nothing_and_fix_writes_atomically(workdir: Path) -> None:
    target = workdir / "prompts" / "a.md"
    os.chmod(target, 0o640)
    diff = runner.invoke(app, ["lint", "prompts", "--diff"])
    assert diff.exit_code == 1 and diff.stderr == ""
    assert diff.stdout.startswith("--- a/prompts/a.md\n+++ b/prompts/a.md\n")
    assert "-\n" in diff.stdout
    assert target.read_text(encoding="utf-8") == WASTEFUL

    fixed = runner.invoke(app, ["lint", "prompts", "--fix", "-f", "github"])
    assert fixed.exit_code == 1  # TK303 and TK306 have no safe fix and remain
    assert fixed.stderr == "tokcli: fixed 1 finding in 1 file(s)\n"
    assert target.read_text(encoding="utf-8") == "In order to help, answer!!!\n\nBe brief.\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in (workdir / "prompts").iterdir()) == ["a.md", "clean.txt"]
    assert "title=TK101" not in fixed.stdout


def test_config_file_selects_rules_and_model(workdir: Path) -> None:
    (workdir / ".tokcli.yaml").write_text(
        "models: [gpt-4]\nlint:\n  select: [TK1]\n  rules:\n    TK101: {severity: error}\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["lint", "prompts", "-f", "json", "--fail-on", "error"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [("TK101", "error")]
    assert data["summary"]["tokenizer"] == "cl100k_base"


def test_bad_config_is_a_one_line_error(workdir: Path) -> None:
    (workdir / ".tokcli.yaml").write_text("lint:\n  rules:\n    TK101: {max-blank: 2}\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", "prompts"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("tokcli: error: ") and "max-blank" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_unreadable_template_exits_2_but_reports_the_rest(workdir: Path) -> None:
    (workdir / "prompts" / "broken.j2").write_text("Hi {% if %}\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", "prompts", "-f", "github"])
    assert result.exit_code == 2
    assert "title=TK303" in result.stdout
    assert result.stderr.startswith("tokcli: error: prompts/broken.j2:1: template syntax error")


def test_stdin() -> None:
    result = runner.invoke(app, ["lint", "-", "-f", "github", "--select", "TK303"], input="In order to help.\n")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.startswith("::warning file=<stdin>,line=1,col=1,")
    fixing = runner.invoke(app, ["lint", "-", "--fix"], input="x\n")
    assert fixing.exit_code == 2 and fixing.stderr == "tokcli: error: --fix and --diff need files, not stdin\n"


def test_usage_errors(workdir: Path) -> None:
    both = runner.invoke(app, ["lint", "prompts", "--fix", "--diff"])
    assert both.exit_code == 2 and both.stderr.startswith("tokcli: error: --fix and --diff do not go together")
    none = runner.invoke(app, ["lint"])
    assert none.exit_code == 2 and "nothing to lint" in none.stderr
    missing = runner.invoke(app, ["lint", "nope.md"])
    assert missing.exit_code == 2 and missing.stderr == "tokcli: error: nope.md: no such file or directory\n"


def test_rules_list_and_explain() -> None:
    listing = runner.invoke(app, ["rules", "--format", "text"])
    assert listing.exit_code == 0 and listing.stderr == ""
    lines = listing.stdout.splitlines()
    assert len(lines) >= 20 and lines[0].startswith("TK101  blank-line-run")
    explain = runner.invoke(app, ["rules", "TK301"])
    assert explain.exit_code == 0
    assert explain.stdout.startswith("TK301 politeness\n") and "Wasteful:" in explain.stdout
    by_name = runner.invoke(app, ["rules", "verbose-phrase", "-f", "json"])
    assert json.loads(by_name.stdout)["rules"][0]["code"] == "TK303"
    unknown = runner.invoke(app, ["rules", "TK3011"])
    assert unknown.exit_code == 2 and unknown.stdout == ""
    assert unknown.stderr == "tokcli: error: unknown rule 'TK3011'; did you mean: TK301, TK901, TK701, TK601, TK501?\n"


def test_an_unreadable_file_is_named_and_counted_in_the_summary(workdir: Path) -> None:
    (workdir / "prompts" / "broken.j2").write_text("{% if x %}\nno end\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", "prompts/broken.j2", "prompts/clean.txt"])
    assert result.exit_code == 2
    assert result.stdout == "No findings in 1 file (1 file could not be read).\n"
    assert result.stderr.startswith("tokcli: error: prompts/broken.j2:1: template syntax error: ")
    assert result.stderr.count("\n") == 1


def test_files_that_are_not_prompts_are_left_out_and_the_command_says_so(workdir: Path) -> None:
    docs = workdir / "docs"
    docs.mkdir()
    (docs / "README.md").write_text(WASTEFUL, encoding="utf-8")
    (docs / "page.html.j2").write_text("<html>\n\n\n\n<body>{{ x }}</body></html>\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", "docs", "--format", "json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert "a repository document" in result.stderr and "a web page or asset template" in result.stderr
    # Named explicitly, a README is linted like any prompt.
    named = runner.invoke(app, ["lint", "docs/README.md", "--format", "json"])
    assert named.exit_code == 1 and named.stderr == ""
    assert json.loads(named.stdout)["summary"]["files"] == 1


def test_many_files_in_worker_processes_give_the_same_output(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokcli import forked

    for index in range(20):
        text = WASTEFUL * (index % 3 + 1) + f"Ticket {index}.  \n"
        (workdir / "prompts" / f"p{index:02d}.md").write_text(text, encoding="utf-8")
    (workdir / "prompts" / "bad.j2").write_text("{% if %}\n", encoding="utf-8")

    def lint(*flags: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["lint", "prompts", *flags])
        return result.exit_code, result.stdout, result.stderr

    runs = [("--format", "json"), ("--format", "text"), ("--diff",)]
    serial = [lint(*flags) for flags in runs]
    assert serial[0][0] == 2 and "bad.j2" in serial[0][2]
    assert len(json.loads(serial[0][1])["findings"]) > 40
    assert serial[2][1].count("+++ b/prompts/") == 21
    monkeypatch.setattr(forked, "MIN_ITEMS_FOR_POOL", 2)
    pools: list[int] = []
    map_in_pool = forked.map_in_pool

    def counted(*args: Any, **kwargs: Any) -> Any:
        pools.append(args[3])
        return map_in_pool(*args, **kwargs)

    monkeypatch.setattr(forked, "map_in_pool", counted)
    assert forked.pool_processes(22, 2) == 2
    assert [lint(*flags) for flags in runs] == serial
    assert pools == [2, 2, 2]
    monkeypatch.setenv("TOKCLI_SINGLE_PROCESS", "1")  # the user's switch: never start processes
    assert forked.pool_processes(22, 2) == 0
    assert [lint(*flags) for flags in runs] == serial
    assert pools == [2, 2, 2]


def test_fix_keeps_the_byte_order_mark(workdir: Path) -> None:
    target = workdir / "prompts" / "a.md"
    target.write_bytes(b"\xef\xbb\xbf" + WASTEFUL.encode("utf-8"))
    fixed = runner.invoke(app, ["lint", "prompts/a.md", "--fix", "-f", "github", "--select", "TK101"])
    assert (fixed.exit_code, fixed.stdout, fixed.stderr) == (0, "", "tokcli: fixed 1 finding in 1 file(s)\n")
    assert target.read_bytes() == b"\xef\xbb\xbfIn order to help, answer!!!\n\nBe brief.\n"


def test_fix_leaves_a_file_read_with_replaced_bytes_as_it_was(workdir: Path) -> None:
    target = workdir / "prompts" / "a.md"
    original = b"Caf\xe9 menu.\n" + WASTEFUL.encode("utf-8")
    target.write_bytes(original)
    (workdir / "prompts" / "b.md").write_text(WASTEFUL, encoding="utf-8")
    fixed = runner.invoke(
        app, ["lint", "prompts/a.md", "prompts/b.md", "--fix", "--encoding-errors", "replace", "--select", "TK101"]
    )
    assert fixed.exit_code == 2
    assert fixed.stdout == "No findings in 1 file (1 file could not be read).\n"
    assert fixed.stderr == (
        "tokcli: fixed 1 finding in 1 file(s)\n"
        "tokcli: error: prompts/a.md:1: not rewritten: invalid UTF-8 at byte 3, which writing would replace or drop\n"
    )
    assert target.read_bytes() == original
    assert (workdir / "prompts" / "b.md").read_text(encoding="utf-8") == "In order to help, answer!!!\n\nBe brief.\n"


@pytest.mark.parametrize("extra", [[], ["--diff"]])
def test_output_over_a_linted_file_is_refused(workdir: Path, extra: list[str]) -> None:
    # `tokcli lint prompts/a.md -o prompts/a.md` replaced the prompt with the report about it
    result = runner.invoke(app, ["lint", "prompts", *extra, "-o", "prompts/a.md"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "tokcli: error: -o prompts/a.md: that is prompts/a.md, which this run read; the report would replace it\n"
    )
    assert (workdir / "prompts" / "a.md").read_text(encoding="utf-8") == WASTEFUL
    written = runner.invoke(app, ["lint", "prompts", *extra, "-o", "report.txt"])
    assert (written.exit_code, written.stdout, written.stderr) == (1, "", "")
    assert "prompts/a.md" in (workdir / "report.txt").read_text(encoding="utf-8")


def test_fix_leaves_a_file_edited_while_it_was_linted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokcli.lint import engine

    edited, untouched = tmp_path / "edited.md", tmp_path / "untouched.md"
    edited.write_text("Answer   briefly.\n")
    untouched.write_text("Answer   at once.\n")
    lint_inputs = engine.lint_inputs

    def saved_meanwhile(*args: Any, **kwargs: Any) -> Any:
        report = lint_inputs(*args, **kwargs)
        edited.write_text("Edited in an editor   meanwhile.\n")
        return report

    monkeypatch.setattr(engine, "lint_inputs", saved_meanwhile)
    result = runner.invoke(app, ["lint", str(edited), str(untouched), "--fix"])
    assert result.exit_code == 2, result.output
    assert (
        f"tokcli: error: {edited}: not rewritten: the file changed after tokcli read it; run tokcli again\n"
        in result.stderr
    )
    assert edited.read_text() == "Edited in an editor   meanwhile.\n"
    assert untouched.read_text() == "Answer at once.\n"

"""Context-window fit: `count --fit` (share per model, exit 1 over the window) and audit's TK956 / TK957, with
the window from the price table or config `fit.windows`, and output reserved by flag or config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.fit import FitSettings, check_fit
from tokcli.registry import get_tokenizer

runner = CliRunner()
TEXT = "Answer the question in one sentence.\n"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def prompt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(tmp_path)
    Path("p.md").write_text(TEXT)
    return get_tokenizer("o200k_base").count(TEXT)


def test_count_fit_json_and_exit(prompt: int) -> None:
    # gpt-4o's window in the shipped price table is 128,000 tokens.
    code, stdout, stderr = run("count", "p.md", "-m", "gpt-4o", "--fit", "--reserve-output", "100000", "-f", "json")
    assert (code, stderr) == (0, "")
    [item] = json.loads(stdout)["results"]
    used = prompt + 100000
    assert item["fit"] == {
        "window": 128000,
        "reserved_output": 100000,
        "prompt_tokens": prompt,
        "rendered": False,
        "used": used,
        "share": round(100 * used / 128000, 2),
        "exact": True,
        "status": "ok",
    }
    code, stdout, _ = run("count", "p.md", "-m", "gpt-4o", "--fit", "--reserve-output", str(128000 - prompt + 1))
    assert code == 1  # over the window
    assert "OVER the window" in stdout


def test_count_fit_plain_table_and_config(prompt: int) -> None:
    Path(".tokcli.yaml").write_text("fit:\n  reserve_output: 900\n  warn_at: 50\n  windows: {gpt-4o: 1000}\n")
    code, stdout, stderr = run("count", "p.md", "-m", "gpt-4o", "--fit", "-f", "text")
    assert (code, stderr) == (0, "")
    section = stdout.split("context window\n")[1].splitlines()
    assert section[0].split() == ["file", "model", "prompt", "reserved", "window", "share", "status"]
    share = 100 * (prompt + 900) / 1000
    assert section[1].split() == [
        "p.md",
        "gpt-4o",
        str(prompt),
        "900",
        "1,000",
        f"{share:.1f}%",
        "warning",
        "(≥",
        "50%)",
    ]


def test_reserve_output_needs_fit(prompt: int) -> None:
    assert run("count", "p.md", "--reserve-output", "10") == (
        2,
        "",
        "tokcli: error: --reserve-output goes with --fit\n",
    )


def test_bad_fit_config_is_one_line(prompt: int, tmp_path: Path) -> None:
    Path(".tokcli.yaml").write_text("fit:\n  warn_at: 150\n")
    code, stdout, stderr = run("count", "p.md", "--fit")
    assert (code, stdout) == (2, "")
    config = tmp_path / ".tokcli.yaml"
    assert stderr == (
        f"tokcli: error: {config}:2: config key 'fit.warn_at' must be a number of percent between 0 and 100, "
        "got int 150\n"
    )


def test_audit_fit_findings(prompt: int) -> None:
    Path(".tokcli.yaml").write_text("models: [gpt-4o]\nfit:\n  windows: {gpt-4o: 1000}\n")
    code, stdout, stderr = run("audit", ".", "--no-cache", "--reserve-output", str(1000 - prompt + 1), "-f", "json")
    assert code == 1, stderr
    [finding] = [f for f in json.loads(stdout)["findings"] if f["code"].startswith("TK95")]
    assert (finding["code"], finding["severity"], finding["path"]) == ("TK956", "error", "p.md")
    assert finding["message"].endswith("of gpt-4o's 1,000-token context window: it does not fit")
    code, stdout, stderr = run("audit", ".", "--no-cache", "--reserve-output", str(900 - prompt), "-f", "json")
    assert code == 0, stderr  # a warning does not fail at the default --fail-on error
    [finding] = [f for f in json.loads(stdout)["findings"] if f["code"].startswith("TK95")]
    assert (finding["code"], finding["severity"]) == ("TK957", "warning")
    code, _, _ = run("audit", ".", "--no-cache", "--reserve-output", str(900 - prompt), "--fail-on", "warning")
    assert code == 1


def test_a_template_with_fixtures_is_fitted_by_its_largest_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("rag.j2").write_text("Answer from these documents:\n{{ docs }}\n")
    small, large = "Refunds take five days.", "Refunds take five days. " * 60
    Path("rag.vars.yaml").write_text(f"fixtures:\n  short: {{docs: {small}}}\n  long: {{docs: {large.strip()}}}\n")
    Path(".tokcli.yaml").write_text("models: [gpt-4o]\nfit:\n  windows: {gpt-4o: 200}\n")
    o200k = get_tokenizer("o200k_base")
    largest = o200k.count(f"Answer from these documents:\n{large.strip()}\n")
    assert o200k.count(Path("rag.j2").read_text()) < 200 < largest  # the template fits; its largest render does not
    code, stdout, stderr = run("count", "rag.j2", "--fit", "-f", "json")
    assert (code, stderr) == (1, "")
    [item] = json.loads(stdout)["results"]
    assert item["fit"]["prompt_tokens"] == largest == item["rendered"]["max"]
    assert (item["fit"]["rendered"], item["fit"]["status"]) == (True, "over")
    code, stdout, stderr = run("count", "rag.j2", "--fit", "-f", "text")
    assert code == 1 and f"{largest} (largest render)" in stdout
    code, stdout, stderr = run("audit", ".", "--no-cache", "-f", "json")
    assert code == 1, stderr
    [finding] = [f for f in json.loads(stdout)["findings"] if f["code"].startswith("TK95")]
    assert finding["code"] == "TK956" and finding["message"].startswith(
        f"{largest} rendered prompt tokens + 0 reserved"
    )


@given(prompt=st.integers(0, 10**6), reserve=st.integers(0, 10**6), window=st.integers(1, 10**6))
def test_status_follows_the_share(prompt: int, reserve: int, window: int) -> None:
    fit = check_fit("m", prompt, FitSettings(reserve_output=reserve, windows={"m": window}), None)
    share = fit.share
    assert share is not None and fit.used == prompt + reserve
    assert fit.status == ("over" if prompt + reserve > window else "warn" if share >= 80 else "ok")

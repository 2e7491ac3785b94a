"""The `tokcli` entry point: an unexpected error is one line on stderr and exit 2, never a traceback and exit 1."""

from __future__ import annotations

import sys

import pytest

from tokcli import cli


def _boom(*args: object, **kwargs: object) -> None:
    raise ValueError("invalid literal for int() with base 10: b'missing'")


def test_an_internal_error_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "load_settings", _boom)
    monkeypatch.setattr(sys, "argv", ["tokcli", "count", "--text", "hello world"])
    monkeypatch.delenv("TOKCLI_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "tokcli: internal error: ValueError: invalid literal for int() with base 10: b'missing' "
        "(a bug in tokcli; TOKCLI_DEBUG=1 shows the traceback to report)\n"
    )


def test_tokcli_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "load_settings", _boom)
    monkeypatch.setattr(sys, "argv", ["tokcli", "count", "--text", "hello world"])
    monkeypatch.setenv("TOKCLI_DEBUG", "1")
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "tokcli: internal error: ValueError" in err

"""`bench/bench_startup.py` prints its own figures only: the children's output (compress's summary on stderr)
stays out of it, and a child that fails stops the bench with that child's error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_one_run_prints_only_the_benchs_own_lines() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "bench_startup.py"), "--runs", "1"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
    labels = [line.split(":")[0] for line in done.stdout.splitlines()]
    assert labels == [
        "baseline python -c (load o200k + encode)",
        "tokcli count -m gpt-4o (warm cache)",
        "tokcli --version",
        "tokcli --help",
        "tokcli compress -m gpt-4o",
        "ratio tokcli / baseline",
        "ratio tokcli compress / baseline",
    ]
    assert "saved" not in done.stdout


def test_a_failing_child_stops_the_bench_with_its_error(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    import bench_startup

    fails = [sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"]
    with pytest.raises(SystemExit, match=r"exited 3: boom$"):
        bench_startup.timed(fails, {})
    quiet = [sys.executable, "-c", "import sys; sys.stderr.write('summary\\n')"]
    assert bench_startup.timed(quiet, {}) > 0
    assert capfd.readouterr() == ("", "")  # the child's stderr was captured, not passed through

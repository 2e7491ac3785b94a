"""Ctrl-C during an audit that runs worker processes: exit 130, and no worker prints a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from audit_support import VERBOSE, write_tree
from process_support import default_sigint

from tokcli import forked

TOKCLI = Path(sys.executable).with_name("tokcli")


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are forked on Linux only")
@pytest.mark.skipif(forked.usable_cpus() < 2, reason="one CPU: no worker processes")
@pytest.mark.skipif(not TOKCLI.is_file(), reason="the tokcli console script is not installed")
def test_ctrl_c_during_workers_is_quiet(tmp_path: Path) -> None:
    write_tree(tmp_path / "p", {f"prompt{index:04d}.md": VERBOSE * 8 for index in range(1500)})
    env = {key: value for key, value in os.environ.items() if key != "TOKCLI_SINGLE_PROCESS"}
    env["TOKCLI_CACHE_DIR"] = str(tmp_path / "cache")
    process = subprocess.Popen(
        [str(TOKCLI), "audit", "p", "--no-cache"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
        preexec_fn=default_sigint,
    )
    deadline = time.monotonic() + 120
    while len(_children(process.pid)) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if process.poll() is not None:
        pytest.skip("the audit finished before its workers could be interrupted")
    time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: every process of the group gets it
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "ForkPoolWorker" not in stderr and "Traceback" not in stderr, stderr

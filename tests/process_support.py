"""Starting child processes the way a terminal starts them, whatever the test runner inherited."""

from __future__ import annotations

import signal


def default_sigint() -> None:
    """`preexec_fn` for a child that must react to SIGINT: a shell runs background jobs (such as a CI step
    ending in `&`) with SIGINT ignored, the child inherits that, and Python then installs no KeyboardInterrupt
    handler at all (tokcli, rightly, leaves an ignored signal ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)

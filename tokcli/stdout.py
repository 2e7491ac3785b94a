"""Standard output that never loses a result silently.

A full, failing or closed stdout (`tokcli count … > /dev/full`, `>&-`) is a one-line error and exit 2. A pipe
whose reader has gone (`tokcli audit | head`) ends tokcli quietly by SIGPIPE, as it ends other Unix tools: no
traceback, no "Exception ignored" at exit.
"""

from __future__ import annotations

import io
import os
import signal
import sys
from typing import NoReturn

from tokcli.errors import TokcliError


class StdoutError(TokcliError):
    """stdout cannot take the output: full, failing, or closed."""


class StdoutClosed(Exception):
    """The reader of the stdout pipe has gone: nobody wants the rest of the output."""


class _GuardedStdout(io.RawIOBase):
    """fd 1, turning write errors into StdoutError / StdoutClosed once; later writes are dropped (already
    reported), so the interpreter's final flush stays quiet."""

    def __init__(self, descriptor: int, *, was_closed: bool) -> None:
        super().__init__()
        self._descriptor = descriptor
        self._was_closed = was_closed
        self.failed = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._descriptor

    def isatty(self) -> bool:
        return not self._was_closed and os.isatty(self._descriptor)

    def write(self, data: object) -> int:
        view = memoryview(data)  # type: ignore[arg-type]
        if self.failed:
            return view.nbytes
        if self._was_closed:
            self.failed = True
            raise StdoutError("cannot write the output: stdout is closed")
        try:
            return os.write(self._descriptor, view)
        except BrokenPipeError:
            self.failed = True
            raise StdoutClosed from None
        except OSError as error:
            self.failed = True
            raise StdoutError(f"cannot write the output to stdout: {error.strerror or error}") from None


def guard_stdout() -> None:
    """Put a guarded stream in place of sys.stdout (same encoding, error handling and line buffering)."""
    original = sys.stdout
    was_closed = False
    try:
        os.fstat(1)
    except OSError:
        # Started with stdout closed: hold fd 1 (read-only) so no file tokcli opens later becomes "stdout".
        was_closed = True
        descriptor = os.open(os.devnull, os.O_RDONLY)
        if descriptor != 1:
            os.dup2(descriptor, 1)
            if descriptor > 2:
                os.close(descriptor)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_GuardedStdout(1, was_closed=was_closed)),
        encoding=getattr(original, "encoding", None) or "utf-8",
        errors=getattr(original, "errors", None) or "strict",
        line_buffering=bool(getattr(original, "line_buffering", False)),
    )


def end_by_closed_pipe() -> NoReturn:
    """End like a Unix tool whose reader went away: by SIGPIPE, without a word."""
    sys.stderr.flush()
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    raise SystemExit(141)  # where there is no SIGPIPE: the status a shell shows for one

"""Half of a large computation in a forked child process, while this process does the other half.

The work this is for (scanning megabytes of prompt text with regular expressions) is pure Python, so threads
would only take turns on the GIL. A forked child inherits the text, the compiled patterns and the imported
modules, so starting it costs milliseconds; it talks back through a pipe (pickled values) and ends with
`os._exit`, so it never flushes this process's output buffers or runs its exit handlers.

Only used where `fork` is the safe default (Linux), with two or more usable CPUs, and not inside a worker
process (the audit's pool already keeps every CPU busy).
"""

from __future__ import annotations

import contextlib
import os
import sys
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a child is started: `multiprocessing.connection` costs ~12 ms at start-up
    from multiprocessing.connection import Connection

#: Set to False (tests, or a caller that must stay single-process) to make `available` report False.
enabled = True


def usable_cpus() -> int:
    """CPUs this process may run on (a container's limit, not the host's count, where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def single_process() -> bool:
    """Whether the user asked tokcli never to start processes (`TOKCLI_SINGLE_PROCESS=1`: an embedding
    program with threads of its own, or a machine where every CPU is taken)."""
    return os.environ.get("TOKCLI_SINGLE_PROCESS", "") not in ("", "0")


def available() -> bool:
    """Whether a child process may be forked to share the work."""
    if not enabled or single_process() or not sys.platform.startswith("linux") or usable_cpus() < 2:
        return False
    import multiprocessing

    return multiprocessing.parent_process() is None


class Parent:
    """The child's end of the pipe: what `work` uses to talk to the process that forked it."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def send(self, value: Any) -> None:
        self._connection.send(("message", value))

    def receive(self) -> Any:
        return self._connection.recv()


class Child:
    """A forked child running `work(parent)`; this side talks to it with `send` and `receive`.

    `work`'s return value is sent back last; `result()` reads it. If the child fails (an exception, or it
    dies) `receive` and `result` raise `ChildFailed`, and the caller does that half itself.
    """

    def __init__(self, work: Callable[[Parent], Any]) -> None:
        from multiprocessing import Pipe

        self.connection, child_end = Pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child
            status = 0
            try:
                self.connection.close()
                for sibling in list(_LIVE):  # so an older child sees its end of the pipe close with this process
                    sibling.connection.close()
                _LIVE.clear()
                child_end.send(("result", work(Parent(child_end))))
            except BaseException as error:  # report it; never unwind into the parent's code
                status = 1
                with contextlib.suppress(BaseException):
                    child_end.send(("error", f"{type(error).__name__}: {error}"))
            finally:
                os._exit(status)
        child_end.close()
        _LIVE.add(self)

    def send(self, value: Any) -> None:
        try:
            self.connection.send(value)
        except OSError as error:  # the child is gone; `receive` reports why
            raise ChildFailed(f"child process ended: {error}") from None

    def receive(self) -> Any:
        """The next value the child sent with `Parent.send`."""
        return self._next("message")

    def result(self) -> Any:
        """The value `work` returned (after any messages it sent, which must have been received)."""
        value = self._next("result")
        self.close()
        return value

    def _next(self, expected: str) -> Any:
        try:
            kind, value = self.connection.recv()
        except (EOFError, OSError) as error:
            self.close()
            raise ChildFailed(f"child process ended: {error or 'no result'}") from None
        if kind != expected:
            self.close()
            raise ChildFailed(value if kind == "error" else f"child process sent a {kind}, not a {expected}")
        return value

    def close(self) -> None:
        _LIVE.discard(self)
        if self.pid:
            self.connection.close()
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


_LIVE: weakref.WeakSet[Child] = weakref.WeakSet()  # children whose pipes this process holds


class ChildFailed(Exception):
    """A forked child did not deliver its result."""


#: Fewer items than this are worked on in this process: forking and sending results back would cost more than
#: the second CPU saves (lint and compress take ~10 ms a file).
MIN_ITEMS_FOR_POOL = 64


def pool_processes(items: int, workers: int | None = None) -> int:
    """How many worker processes `map_in_pool` should use for `items` items of per-file work (0: none, work in
    this process): none below `MIN_ITEMS_FOR_POOL`, with one CPU, off Linux (where `fork` is not the safe
    default) or with `TOKCLI_SINGLE_PROCESS` set."""
    if items < MIN_ITEMS_FOR_POOL or not sys.platform.startswith("linux") or single_process():
        return 0
    cpus = usable_cpus()
    count = min(workers or cpus, cpus, items // (MIN_ITEMS_FOR_POOL // 2))
    return count if count > 1 else 0


# What pool workers run (set just before the pool forks, inherited by the children, never pickled).
_POOL_WORK: tuple[Callable[[Any, Any], Any], Any] | None = None


def _in_pool_worker(item: Any) -> Any:
    assert _POOL_WORK is not None
    work, state = _POOL_WORK
    return work(state, item)


def leave_interrupts_to_the_parent() -> None:
    """In a worker: Ctrl-C reaches the whole process group, and only the parent should act on it (it stops the
    pool); a worker that took it too would print its own traceback ("Process ForkPoolWorker-1: …")."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def map_in_pool(
    work: Callable[[Any, Any], Any], state: Any, items: Sequence[Any], processes: int, chunksize: int
) -> Iterator[Any]:
    """`work(state, item)` for every item, in order, in `processes` forked workers. `work` and `state` (a
    linter, say) are inherited by the fork, not pickled; only the items and results cross the pipes."""
    import multiprocessing

    global _POOL_WORK
    _POOL_WORK = (work, state)
    try:
        with multiprocessing.get_context("fork").Pool(processes, initializer=leave_interrupts_to_the_parent) as pool:
            yield from pool.imap(_in_pool_worker, items, chunksize=chunksize)
    finally:
        _POOL_WORK = None

"""Building many small objects at once with the cyclic garbage collector paused.

A warm audit of a tree with tens of thousands of findings builds them (and their edits, rows and report
dicts) in one go: none of them form cycles, so reference counting frees them all. Collected as usual, each of
them would be walked by the collections their allocations trigger, then again by every collection of the
middle generation while they age (a quarter of a warm run's time).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused(*, settle: bool = False) -> Iterator[None]:
    """No cyclic collection inside the block (the collector is left as the caller had it, also on an
    exception). `settle`: what the block built lives on (a report's findings) and is acyclic, so it is moved to
    the oldest generation at the end without being walked (`gc.freeze` then `gc.unfreeze`: every object the
    collector tracks goes there, which only delays collecting young garbage cycles to the next full collection).
    Not done when the process froze objects itself: unfreezing them would undo that."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if settle and gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if collecting:
            gc.enable()

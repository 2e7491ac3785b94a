"""The collector paused for a bulk build: left as the caller had it, and settling never undoes a freeze."""

from __future__ import annotations

import gc

import pytest

from tokcli.gc_pause import gc_paused


def test_the_collector_is_off_inside_and_as_before_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused(settle=True):
            pass
        assert not gc.isenabled()  # the caller had it off: it stays off
    finally:
        gc.enable()


def test_an_exception_leaves_the_collector_on() -> None:
    with pytest.raises(ValueError), gc_paused(settle=True):
        raise ValueError("boom")
    assert gc.isenabled()


def test_settling_moves_what_was_built_to_the_oldest_generation_unwalked() -> None:
    gc.collect()
    built = []
    with gc_paused(settle=True):
        built = [[index] for index in range(5000)]
    assert gc.get_count()[0] < 100  # nothing young left to walk: the 5,000 lists are in the oldest generation
    assert gc.is_tracked(built[0]) and gc.get_freeze_count() == 0


def test_settling_leaves_objects_the_process_froze_frozen() -> None:
    gc.collect()
    kept = [[1], [2]]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused(settle=True):
            built = [[index] for index in range(100)]
        assert gc.get_freeze_count() == frozen  # not unfrozen by the settle
        assert len(built) == 100 and kept
    finally:
        gc.unfreeze()

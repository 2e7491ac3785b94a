"""The independent safety check of `bench/compress_eval.py` (`bench/compress_safety.py`) catches each kind of
damage it is there for, and passes an edit that keeps everything."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "compress_safety", Path(__file__).resolve().parent.parent / "bench" / "compress_safety.py"
)
assert _SPEC is not None and _SPEC.loader is not None
safety = importlib.util.module_from_spec(_SPEC)
sys.modules["compress_safety"] = safety  # dataclasses look their module up
_SPEC.loader.exec_module(safety)

ORIGINAL = """---
name: support
description: Answer support tickets.
---
Please note that you answer {{ user.name }} in at most 3 sentences.
{% if user.vip %}Offer a call with {{ agent }}.{% else %}Do not offer a call.{% endif %}
{% for item in items %}- {{ item.title }}
{% endfor %}
"""


def checks(compressed: str) -> list[str]:
    return [violation.check for violation in safety.check(ORIGINAL, compressed)]


def test_an_edit_that_keeps_everything_passes() -> None:
    assert checks(ORIGINAL.replace("Please note that you answer", "Answer")) == []


@pytest.mark.parametrize(
    ("damage", "check"),
    [
        (lambda text: text.replace("---\nname", "name", 1), "front_matter"),
        (lambda text: text.replace("at most 3", "at most three"), "numbers"),
        (lambda text: text.replace("Do not offer", "Offer"), "negations"),
        (lambda text: text.replace("{{ agent }}", "{{agent}}"), "tags"),
        (lambda text: text.replace("{% endif %}", ""), "syntax"),
    ],
)
def test_each_kind_of_damage_is_caught(damage, check: str) -> None:  # type: ignore[no-untyped-def]
    assert check in checks(damage(ORIGINAL))


def test_renamed_variables_and_swapped_branches_are_caught() -> None:
    assert "variables" in checks(ORIGINAL.replace("{{ agent }}", "{{ agents }}"))
    swapped = ORIGINAL.replace("{{ user.name }} in", "in").replace(
        "a call with {{ agent }}", "a call with {{ agent }} {{ user.name }}"
    )
    assert "render" in checks(swapped)


def test_sample_values_render_both_branches() -> None:
    assert safety.rendered_values(ORIGINAL, True) == ["⟦user.name⟧", "⟦agent⟧", "⟦items[0].title⟧", "⟦items[1].title⟧"]
    assert safety.rendered_values(ORIGINAL, False) == []


def test_numbered_list_markers_are_structure_not_numbers() -> None:
    assert safety.numbers("1. Read.\n2. Answer in 3 lines.\n") == {"3": 1}

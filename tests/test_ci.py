"""CI tests on the oldest and newest Python that pyproject.toml says tokcli supports, and smoke-installs the rest."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]


def test_ci_pythons_are_the_supported_ones() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    prefix = "Programming Language :: Python :: "
    supported = sorted(
        (c.removeprefix(prefix) for c in project["classifiers"] if re.fullmatch(r"3\.\d+", c.removeprefix(prefix))),
        key=lambda version: int(version.split(".")[1]),
    )
    assert project["requires-python"] == f">={supported[0]}"
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    settings = dict(re.findall(r'^(OLDEST|NEWEST|BETWEEN)="?([^"\n]*)"?$', script, flags=re.MULTILINE))
    assert settings == {"OLDEST": supported[0], "NEWEST": supported[-1], "BETWEEN": " ".join(supported[1:-1])}

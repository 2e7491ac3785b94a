"""Every `--format json` output is one object with `schema_version` first. Its JSON Schema ships with tokcli
as `tokcli/schemas/<name>.schema.json` (`schema_path`); the version goes up when a field changes meaning or
goes away (new fields do not change it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

SCHEMA_VERSION = 1


def json_document(body: Mapping[str, Any]) -> str:
    """`body` as indented JSON text, `schema_version` first; decimals and dates become strings."""
    document = {
        "schema_version": SCHEMA_VERSION,
        **{key: value for key, value in body.items() if key != "schema_version"},
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def schema_text(name: str) -> str:
    """The shipped JSON Schema of an output (`count`, `cost`, `lint`, `audit`, …)."""
    return files("tokcli.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")

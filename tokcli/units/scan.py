"""The hook the shared loaders call: is this file a host of prompt units, and which units does it hold?

Files of their own (text, markdown, Jinja, prompty, dotprompt) and chat files are not hosts: the prompt
loader reads them as before. YAML/JSON files of another shape, Python files, Jupyter notebooks and
JavaScript/TypeScript files are hosts.
"""

from __future__ import annotations

from typing import Any

from tokcli.prompts import name_parts
from tokcli.units.model import HostScan
from tokcli.units.select import UnitSettings

CONFIG_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
PYTHON_SUFFIXES = frozenset({".py"})
NOTEBOOK_SUFFIXES = frozenset({".ipynb"})
JS_SUFFIXES = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"})
#: Source files: scanned for the prompts they hold, and left out quietly in a walk when they hold none.
SOURCE_SUFFIXES = PYTHON_SUFFIXES | NOTEBOOK_SUFFIXES | JS_SUFFIXES
HOST_SUFFIXES = CONFIG_SUFFIXES | SOURCE_SUFFIXES


def is_chat_shaped(data: Any) -> bool:
    """What the chat loader reads: a list of {role, ...} mappings or a mapping with a `messages` key."""
    if isinstance(data, dict):
        return "messages" in data
    return isinstance(data, list) and bool(data) and all(isinstance(item, dict) and "role" in item for item in data)


def is_config_file(path: str) -> bool:
    """A YAML or JSON file: a host of prompt units or not by its name and text alone (settings play no part)."""
    return name_parts(path)[2].lower() in CONFIG_SUFFIXES


def may_be_host(path: str) -> bool:
    return name_parts(path)[2].lower() in HOST_SUFFIXES


def scan_host(path: str, text: str, settings: UnitSettings, relative: str | None = None) -> HostScan | None:
    """The units of a host file; None when the file is for the prompt loader (not a host, or a chat file).

    InputError for a YAML/JSON file that does not parse, for Python that does not parse and for a notebook that
    is not one (or whose code does not parse); JavaScript that the lexer cannot read is a scan without units
    that says so."""
    from tokcli.line_ends import lone_crs_as_lf

    suffix = name_parts(path)[2].lower()
    if suffix in PYTHON_SUFFIXES:
        if not settings.python:
            return None
        from tokcli.units.python_source import scan_python

        # Python and YAML read a CR alone as a line break, the scanners split lines at LF: an old Mac file is read
        # as its LF twin, whose offsets are the same (the write-back puts the CRs back)
        return scan_python(path, lone_crs_as_lf(text), settings)
    if suffix in NOTEBOOK_SUFFIXES:
        if not settings.python:
            return None
        from tokcli.units.notebook import scan_notebook

        return scan_notebook(path, text, settings)
    if suffix in JS_SUFFIXES:
        from tokcli.units.js_source import scan_javascript

        return scan_javascript(path, lone_crs_as_lf(text), settings)  # an old Mac file, as for Python above
    if suffix not in CONFIG_SUFFIXES:
        return None
    text = lone_crs_as_lf(text)  # an old Mac file, as for Python above
    from tokcli.render import is_fixture_file
    from tokcli.tools import is_tool_file

    if is_fixture_file(path) or is_tool_file(path, text):  # template inputs and tool definitions: their own jobs
        return None
    from tokcli.structured import guarded

    # The walks below recurse once per nesting level: a file nested too deeply is a one-line error.
    with guarded(path, "JSON" if suffix == ".json" else "YAML"):
        if suffix == ".json":
            from tokcli.structured import load_json
            from tokcli.units.yaml_config import scan_json

            if is_chat_shaped(load_json(text, path)):
                return None
            return scan_json(path, text, settings, relative)
        from tokcli.units.yaml_config import compose_yaml, is_chat_shaped_node, scan_yaml

        root = compose_yaml(path, text)
        if root is not None and is_chat_shaped_node(root):
            from tokcli.structured import keep_composed

            keep_composed(text, path, root)  # a chat file: the prompt loader reads it next, from these nodes
            return None
        return scan_yaml(path, text, settings, relative, composed=(root,))

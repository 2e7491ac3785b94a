"""Reading JSON and YAML that anyone may have written: the one guard every loader goes through.

Python's parsers fail on hostile data in ways that are not syntax errors: they recurse once per nesting level
(RecursionError on `[[[[…]]]]`), refuse integers of thousands of digits (ValueError), and PyYAML's safe loader
rejects tags such as `!!python/name:` with a ConstructorError. Each of these, like an ordinary syntax error,
becomes the caller's own one-line error (InputError for prompts, ConfigError for config and price files)
naming the file and, where the parser knows it, the line.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

from tokcli.errors import InputError, TokcliError

TOO_DEEP = "nested too deeply to read"
#: Values a YAML document may gain from its aliases (`*name`) beyond its own. Real configs reuse a few blocks;
#: an alias bomb (aliases of aliases, "billion laughs") gains billions, which every walk over the data (prompt
#: units, chat messages, rendering test data) would follow for hours and all the memory there is.
MAX_ALIAS_VALUES = 100_000
#: At most this many composed documents are kept for a later load (see `keeping_composed`): their nodes are
#: held until loaded, and most of a large tree's files are never loaded again on a warm run.
MAX_KEPT_DOCUMENTS = 4096
_kept: dict[tuple[str, str], Any] | None = None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def yaml_problem(error: BaseException) -> str:
    """PyYAML's own short description of what is wrong (its messages run over several lines)."""
    problem = getattr(error, "problem", None)
    return str(problem) if problem else _first_line(error)


@contextlib.contextmanager
def guarded(path: str, what: str, *, error: type[TokcliError] = InputError, first_line: int = 1) -> Iterator[None]:
    """Run a parse of `what` ("JSON", "YAML", "YAML front matter" …) read from `path`; whatever the parser
    raises on bad or hostile data leaves as `error`. `first_line` is the file line the parsed text starts on."""
    try:
        yield
    except json.JSONDecodeError as problem:
        line = problem.lineno + first_line - 1
        raise error(f"invalid {what}: {problem.msg} (column {problem.colno})", path=path, line=line) from None
    except RecursionError:
        raise error(f"invalid {what}: {TOO_DEEP}", path=path) from None
    except Exception as problem:
        yaml = sys.modules.get("yaml")
        if yaml is not None and isinstance(problem, yaml.YAMLError):
            mark = getattr(problem, "problem_mark", None)
            where = mark.line + first_line if mark is not None else None
            raise error(f"invalid {what}: {yaml_problem(problem)}", path=path, line=where) from None
        if isinstance(problem, ArithmeticError):  # decimal.InvalidOperation: an exponent Decimal cannot hold
            raise error(f"invalid {what}: a number out of range", path=path) from None
        if isinstance(problem, ValueError):  # e.g. an integer longer than Python converts (4,300 digits)
            message = _first_line(problem)
            if "integer string conversion" in message:
                message = "a number with too many digits to read"
            raise error(f"invalid {what}: {message}", path=path) from None
        raise


def load_json(text: str, path: str, *, error: type[TokcliError] = InputError, parse_float: Any = None) -> Any:
    """`json.loads`, guarded."""
    with guarded(path, "JSON", error=error):
        return json.loads(text, parse_float=parse_float)


def safe_loader() -> Any:
    """PyYAML's safe loader class, libyaml's C one where PyYAML has it (same documents, ten times faster)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(
    text: str, path: str, *, error: type[TokcliError] = InputError, what: str = "YAML", first_line: int = 1
) -> Any:
    """`yaml.safe_load`, guarded: plain data only (an unknown tag is an error, never a Python object)."""
    return _load(text, path, error, what, first_line, construct=True)[1]


def compose_yaml(text: str, path: str, *, error: type[TokcliError] = InputError) -> Any:
    """The composed node tree of one YAML document (which keeps the lines), guarded; None for an empty one."""
    return _load(text, path, error, "YAML", 1, construct=False)[0]


def load_yaml_with_nodes(text: str, path: str, *, error: type[TokcliError] = InputError) -> tuple[Any, Any]:
    """(node tree, data) of one YAML document from a single parse, guarded."""
    return _load(text, path, error, "YAML", 1, construct=True)


@contextlib.contextmanager
def keeping_composed() -> Iterator[None]:
    """Within this block, a document handed to `keep_composed` is loaded by `load_yaml_with_nodes` from its
    kept nodes instead of parsed again (the audit composes each YAML file to find prompt units, then loads the
    chat files among them). Nothing is kept outside the block; what was not loaded is dropped at its end."""
    global _kept
    outer, _kept = _kept, {}
    try:
        yield
    finally:
        _kept = outer


def keep_composed(text: str, path: str, node: Any) -> None:
    """Keep the node tree `compose_yaml` gave for `text` for one later `load_yaml_with_nodes` (inside a
    `keeping_composed` block only, and up to MAX_KEPT_DOCUMENTS)."""
    if _kept is not None and node is not None and len(_kept) < MAX_KEPT_DOCUMENTS:
        _kept[(path, text)] = node


def _load(
    text: str, path: str, error: type[TokcliError], what: str, first_line: int, *, construct: bool
) -> tuple[Any, Any]:
    kept = _kept.pop((path, text), None) if _kept and construct and first_line == 1 else None
    if kept is not None:  # composed (and checked for runaway aliases) already: only constructed here
        with guarded(path, what, error=error, first_line=first_line):
            loader = safe_loader()("")
            try:
                return kept, loader.construct_document(kept)
            finally:
                loader.dispose()
    with guarded(path, what, error=error, first_line=first_line):
        loader = safe_loader()(text)
        try:
            node = loader.get_single_node()
            if node is not None and "&" in text and "*" in text:  # an alias needs an anchor: `&name` … `*name`
                _refuse_runaway_aliases(node, path, error, what, first_line)
            data = loader.construct_document(node) if construct and node is not None else None
        finally:
            loader.dispose()
    return node, data


def _refuse_runaway_aliases(root: Any, path: str, error: type[TokcliError], what: str, first_line: int) -> None:
    """`error` for a document whose aliases never end (a value that holds an alias of itself) or expand to
    more than MAX_ALIAS_VALUES values beyond the document's own. One pass over the distinct nodes: what each
    expands to is counted once, however many aliases point at it."""
    expanded: dict[int, int] = {}  # node id → values it stands for with every alias followed
    entered: set[int] = set()  # the nodes on the way down to the current one
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            entered.discard(key)
            expanded[key] = 1 + sum(expanded[id(child)] for child in _yaml_children(node))
            if expanded[key] - len(expanded) > MAX_ALIAS_VALUES:
                where = node.start_mark.line + first_line
                message = f"invalid {what}: its aliases expand to {expanded[key]:,} values (an alias bomb?)"
                raise error(message, path=path, line=where)
            continue
        if key in expanded:
            continue
        if key in entered:
            where = node.start_mark.line + first_line
            raise error(f"invalid {what}: a value holds an alias of itself (it never ends)", path=path, line=where)
        entered.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _yaml_children(node))


def _yaml_children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []

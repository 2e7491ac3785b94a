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
    import yaml

    with guarded(path, what, error=error, first_line=first_line):
        return yaml.load(text, Loader=safe_loader())


def compose_yaml(text: str, path: str, *, error: type[TokcliError] = InputError) -> Any:
    """The composed node tree of one YAML document (which keeps the lines), guarded; None for an empty one."""
    import yaml

    with guarded(path, "YAML", error=error):
        return yaml.compose(text, Loader=safe_loader())


def load_yaml_with_nodes(text: str, path: str, *, error: type[TokcliError] = InputError) -> tuple[Any, Any]:
    """(node tree, data) of one YAML document from a single parse, guarded."""

    with guarded(path, "YAML", error=error):
        loader = safe_loader()(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    return node, data

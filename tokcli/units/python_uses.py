"""How a Python module uses its named string constants: a `*_TEMPLATE` constant that the module only raises,
logs or prints is a message for a person, not a prompt for a model (`ERROR_TEMPLATE = "Could not reach {host}:
{reason}"`), and so is a `*_PROMPT` it only asks the terminal with (`NAME_PROMPT` passed to `input`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable

#: Calls whose string arguments go to a person (the terminal, a log, an exception), never to a model.
_HUMAN_CALLS = frozenset(
    {
        "print",
        "echo",
        "secho",
        "warn",
        "log",
        "debug",
        "info",
        "warning",
        "error",
        "exception",
        "critical",
        "fatal",
        "exit",
        "abort",
        "fail",
    }
)
_HUMAN_SUFFIXES = ("Error", "Exception", "Warning", "Exit")
_TERMINALS = frozenset({"click", "typer"})


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _is_terminal_question(node: ast.Call) -> bool:
    """`input(...)`, `getpass(...)`, `click.prompt(...)`, `typer.confirm(...)`: the terminal sense of "prompt"."""
    name, func = _called(node), node.func
    if name in ("input", "getpass"):
        return True
    terminal = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in _TERMINALS
    return terminal and name in ("prompt", "confirm")


def _is_human_call(node: ast.Call) -> bool:
    name = _called(node)
    return _is_terminal_question(node) or name in _HUMAN_CALLS or name.endswith(_HUMAN_SUFFIXES)


def _read_name(node: ast.AST) -> str | None:
    """The name a node reads a constant by: `NAME`, or `self.NAME` / `Class.NAME` for a class constant."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
        return node.attr
    return None


def human_only_names(tree: ast.Module, names: Iterable[str], *, terminal_only: bool = False) -> set[str]:
    """The names among `names` that the module reads at least once and only inside a `raise` or as (part of)
    an argument to a call that shows text to a person (print, logging, click/typer echo, an exception's
    constructor, a question to the terminal); with `terminal_only`, only as a question to the terminal. A name
    read anywhere else may reach a model and is not returned."""
    wanted = set(names)
    if not wanted:
        return set()
    uses: dict[str, int] = {}
    human: dict[str, int] = {}
    inside: set[int] = set()  # ids of nodes below a raise or a call for a person
    for node in ast.walk(tree):  # breadth first: a parent is seen before its children
        below = id(node) in inside
        if not below and isinstance(node, ast.Call):
            below = _is_terminal_question(node) if terminal_only else _is_human_call(node)
        below = below or (not terminal_only and isinstance(node, ast.Raise))
        if below:
            inside.update(id(child) for child in ast.iter_child_nodes(node))
        name = _read_name(node)
        if name in wanted:
            uses[name] = uses.get(name, 0) + 1
            if below:
                human[name] = human.get(name, 0) + 1
    return {name for name, count in uses.items() if human.get(name, 0) == count}

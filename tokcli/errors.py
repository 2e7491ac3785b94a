"""Errors that end a command with a one-line message and exit code 2 (never a traceback)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
#: An error is one short line: a message longer than this (a megabyte-long model name quoted in it) keeps its
#: start and end, and says how much of the middle was left out.
MAX_MESSAGE_CHARS = 1_000


class TokcliError(Exception):
    """A user-facing error: bad input, bad config, unknown name, missing extra."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return f"{where}{_shortened(self.message)}"


def _shortened(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    half = MAX_MESSAGE_CHARS // 2
    return f"{message[:half]}…[{len(message) - 2 * half:,} characters]…{message[-half:]}"


class UsageError(TokcliError):
    """Flags or arguments that do not fit together."""


class InputError(TokcliError):
    """A file that cannot be read or parsed."""


class ConfigError(TokcliError):
    """A malformed config or data file."""


class UnknownNameError(TokcliError):
    """An unknown tokenizer, model, rule or format; the message lists the closest matches."""


class MissingExtraError(TokcliError):
    """Tokenizer data or a backend that lives in an optional extra that is not installed."""


def closest_matches(name: str, candidates: list[str], limit: int = 5) -> list[str]:
    """Candidates that look like `name`: prefix and substring matches first, then fuzzy ones."""
    import difflib

    lowered = name.lower()
    prefix = [c for c in candidates if c.lower().startswith(lowered) or lowered.startswith(c.lower())]
    contained = [c for c in candidates if lowered in c.lower() and c not in prefix]
    fuzzy = difflib.get_close_matches(name, candidates, n=limit, cutoff=0.5)
    ordered: list[str] = []
    for candidate in [*prefix, *contained, *fuzzy]:
        if candidate not in ordered:
            ordered.append(candidate)
    return ordered[:limit]


def unknown_name(kind: str, name: str, candidates: list[str]) -> UnknownNameError:
    matches = closest_matches(name, candidates)
    hint = f"; did you mean: {', '.join(matches)}?" if matches else ""
    return UnknownNameError(f"unknown {kind} {name!r}{hint}")

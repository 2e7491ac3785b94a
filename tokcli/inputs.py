"""Collecting what to read: files, directories (recursive, .gitignore respected), globs, stdin, --text."""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokcli.errors import InputError

STDIN = "-"
_GLOB_CHARS = set("*?[")
_BINARY_SNIFF = 8192
# Directories nobody wants counted, even without a .gitignore.
_ALWAYS_SKIPPED_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    "node_modules",
    ".venv",
    ".tox",
    ".mypy_cache",
    ".ruff_cache",
}


@dataclass(frozen=True)
class InputText:
    path: str  # as shown to the user; "<stdin>" / "<text>" for those
    text: str


@dataclass
class InputSet:
    texts: list[InputText] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): binary files and the like
    errors: list[InputError] = field(default_factory=list)  # unreadable files, when collected instead of raised


def decode_bytes(data: bytes, path: str, encoding_errors: str = "strict") -> str:
    """UTF-8 text of a file; InputError with the byte offset (and line) of the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8", errors=encoding_errors)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"invalid UTF-8 at byte {error.start} (use --encoding-errors replace to go on)", path=path, line=line
        ) from None


def is_binary(data: bytes) -> bool:
    return b"\x00" in data[:_BINARY_SNIFF]


def read_text_file(path: Path, encoding_errors: str = "strict", shown: str | None = None) -> str:
    shown = shown or str(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError("is a directory", path=shown) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", path=shown) from None
    if is_binary(data):
        raise InputError("binary file, not text", path=shown)
    return decode_bytes(data, shown, encoding_errors)


class _GitIgnore:
    """.gitignore matching with pathspec, one spec per directory, applied to paths below it."""

    def __init__(self) -> None:
        self._specs: dict[Path, object] = {}

    def load(self, directory: Path) -> None:
        if directory in self._specs:
            return
        ignore_file = directory / ".gitignore"
        spec = None
        if ignore_file.is_file():
            import pathspec

            try:
                lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            spec = pathspec.GitIgnoreSpec.from_lines(lines)
        self._specs[directory] = spec

    def load_parents(self, directory: Path) -> None:
        """Load .gitignore files from the enclosing repository down to `directory`."""
        chain = []
        for parent in [directory, *directory.parents]:
            chain.append(parent)
            if (parent / ".git").exists():
                break
        else:
            chain = [directory]
        for parent in reversed(chain):
            self.load(parent)

    def ignored(self, path: Path, is_dir: bool) -> bool:
        # As git does: the deepest .gitignore with a matching pattern decides, so a nested `!keep.log`
        # re-includes what a parent's `*.log` ignores.
        for directory in sorted(self._specs, key=lambda found: len(found.parts), reverse=True):
            spec = self._specs[directory]
            if spec is None:
                continue
            try:
                relative = path.relative_to(directory).as_posix()
            except ValueError:
                continue
            if is_dir:
                relative += "/"
            decision = spec.check_file(relative).include  # type: ignore[attr-defined]
            if decision is not None:
                return bool(decision)
        return False


def walk_directory(root: Path, extensions: Iterable[str] | None = None) -> Iterator[Path]:
    """Files below `root`, sorted, skipping what .gitignore ignores, VCS/tool directories and hidden files
    (`.tokcli.yaml`, `.env`, `.github/` …: config, not prompts; name a hidden file explicitly to read it)."""
    wanted = {suffix.lower() for suffix in extensions} if extensions is not None else None
    ignore = _GitIgnore()
    ignore.load_parents(root.resolve())
    for directory, subdirs, files in os.walk(root.resolve(), followlinks=False):
        current = Path(directory)
        ignore.load(current)
        subdirs[:] = sorted(
            name
            for name in subdirs
            if not name.startswith(".")
            and name not in _ALWAYS_SKIPPED_DIRS
            and not ignore.ignored(current / name, True)
        )
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = current / name
            if wanted is not None and path.suffix.lower() not in wanted:
                continue
            if ignore.ignored(path, False):
                continue
            yield path


def _display(path: Path, cwd: Path) -> str:
    text, prefix = str(path), str(cwd).rstrip(os.sep) + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else text


def expand_paths(paths: Iterable[str], extensions: Iterable[str] | None = None) -> list[tuple[Path, str]]:
    """(path, shown name) for every file named, found in a directory, or matched by a glob."""
    cwd = Path.cwd().resolve()
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(path: Path, resolved: Path | None = None) -> None:
        resolved = resolved or path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            found.append((path, _display(resolved, cwd)))

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in walk_directory(path, extensions):
                add(file, file)  # walk_directory yields resolved paths already
        elif path.exists() or path.is_symlink():
            add(path)
        elif _GLOB_CHARS & set(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            files = [Path(match) for match in matches if Path(match).is_file()]
            if not files:
                raise InputError("no files match this pattern", path=raw)
            for file in files:
                add(file)
        else:
            raise InputError("no such file or directory", path=raw)
    return found


def collect_inputs(
    paths: Iterable[str],
    *,
    text: str | None = None,
    encoding_errors: str = "strict",
    extensions: Iterable[str] | None = None,
    collect_errors: bool = False,
    stdin: Any = None,
) -> InputSet:
    """Read every input. Binary files found in directories are skipped with a note; a binary file named
    explicitly, a missing file or bad UTF-8 raise InputError (or are collected, with `collect_errors`)."""
    paths = list(paths)
    result = InputSet()
    if text is not None:
        result.texts.append(InputText("<text>", text))
    explicit = {str(Path(p).resolve()) for p in paths if p != STDIN and Path(p).is_file()}
    names = [p for p in paths if p != STDIN]
    if len(names) != len(paths):
        source = stdin if stdin is not None else sys.stdin.buffer
        data = source.read()
        if isinstance(data, str):
            data = data.encode()
        result.texts.append(InputText("<stdin>", decode_bytes(data, "<stdin>", encoding_errors)))
    for path, shown in expand_paths(names, extensions):
        try:
            data = path.read_bytes()
            if is_binary(data):
                if str(path.resolve()) in explicit:
                    raise InputError("binary file, not text", path=shown)
                result.skipped.append((shown, "binary file"))
                continue
            result.texts.append(InputText(shown, decode_bytes(data, shown, encoding_errors)))
        except OSError as error:
            problem = InputError(f"cannot read: {error.strerror or error}", path=shown)
            if not collect_errors:
                raise problem from None
            result.errors.append(problem)
        except InputError as problem:
            if not collect_errors:
                raise
            result.errors.append(problem)
    return result

"""Collecting what to read: files, directories (recursive, .gitignore respected), globs, stdin, --text."""

from __future__ import annotations

import errno
import glob
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokcli.errors import InputError, TokcliError

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


@dataclass(frozen=True)
class StreamedInput(InputText):
    """A file too large to hold in memory at once: whoever counts it reads it in pieces (`text` is empty)."""

    source: Path = Path()
    encoding_errors: str = "strict"


@dataclass
class InputSet:
    texts: list[InputText] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): binary files and the like
    errors: list[InputError] = field(default_factory=list)  # unreadable files, when collected instead of raised
    #: (path, pattern) of files found under a directory that are not prompts by default (README*, *.html.j2)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    #: What directory walks skipped, by reason (.gitignore, hidden, no prompt suffix): counts
    passed_over: dict[str, int] = field(default_factory=dict)

    def nothing_found_note(self) -> str | None:
        """What to tell the user when no file was read although some were found and excluded."""
        if self.texts or self.errors or not (self.excluded or self.passed_over):
            return None
        from collections import Counter

        parts = []
        if self.excluded:
            rules = Counter(pattern for _, pattern in self.excluded)
            which = ", ".join(f"{pattern}: {count}" for pattern, count in sorted(rules.items()))
            count = len(self.excluded)
            parts.append(f"{count} file{'s' if count != 1 else ''} excluded as not prompts ({which})")
        parts += [f"{reason}: {count}" for reason, count in sorted(self.passed_over.items())]
        return f"no prompt files: {'; '.join(parts)}; name a file explicitly to read it anyway"


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


class SpecialFileError(OSError):
    """A FIFO, socket or device where a file was expected: reading one could block forever or never end."""


def special_file_kind(mode: int) -> str | None:
    """What a non-regular, non-directory file is ("FIFO", "socket", …); None for regular files and directories."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


def _refuse_irregular(mode: int, path: str | Path) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    kind = special_file_kind(mode)
    if kind is not None:
        raise SpecialFileError(errno.EINVAL, f"not a regular file ({kind})", str(path))


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_regular_file(path: str | Path) -> bytes:
    """The bytes of a regular file (or of a symlink to one); OSError otherwise. Every input, config, price and
    baseline file is read through here: a FIFO, socket or device raises SpecialFileError instead of a read that
    could block forever (it is opened non-blocking, then looked at). No more system calls than `read_bytes`:
    they are slow in some sandboxes, and the audit reads thousands of files."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        kind = _special_kind_of(Path(path)) if error.errno == errno.ENXIO else None  # a socket: no such device
        if kind is not None:
            raise SpecialFileError(errno.EINVAL, f"not a regular file ({kind})", str(path)) from None
        raise
    try:
        info = os.fstat(descriptor)
        _refuse_irregular(info.st_mode, path)
        chunks = []
        while chunk := os.read(descriptor, max(info.st_size + 1, 65536)):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def probe_file(path: Path, *, error: type[TokcliError] = InputError) -> bool:
    """`path.is_file()`; a directory on the way that may not be searched is `error` (one line), not a crash."""
    try:
        return path.is_file()
    except OSError as problem:
        raise error(f"cannot look at this path: {problem.strerror or problem}", path=str(path)) from None


def read_text_file(path: Path, encoding_errors: str = "strict", shown: str | None = None) -> str:
    shown = shown or str(path)
    try:
        data = read_regular_file(path)
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


@dataclass
class WalkIssues:
    """What a directory walk passed over, for the caller to name: never skipped silently."""

    special: list[tuple[Path, str]] = field(default_factory=list)  # (path, kind): FIFOs, sockets, devices
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # (directory, reason): could not be listed
    #: Files and directories skipped by rule (.gitignore, hidden, no prompt suffix): counts by reason
    passed_over: dict[str, int] = field(default_factory=dict)

    def record_unreadable(self, error: OSError) -> None:
        self.unreadable.append((Path(error.filename or "?"), error.strerror or str(error)))


def walk_directory(
    root: Path, extensions: Iterable[str] | None = None, issues: WalkIssues | None = None
) -> Iterator[Path]:
    """Regular files below `root`, sorted, skipping what .gitignore ignores, VCS/tool directories and hidden
    files (`.tokcli.yaml`, `.env`, `.github/` …: config, not prompts; name a hidden file explicitly to read it).

    FIFOs, sockets and devices are never yielded (reading one could block forever); they and the directories
    that cannot be listed are recorded in `issues`."""
    wanted = {suffix.lower() for suffix in extensions} if extensions is not None else None
    counts: dict[str, int] = issues.passed_over if issues is not None else {}

    def note(reason: str) -> None:
        counts[reason] = counts.get(reason, 0) + 1

    ignore = _GitIgnore()
    ignore.load_parents(root.resolve())
    on_error = issues.record_unreadable if issues is not None else None
    for directory, subdirs, files in _walk(str(root.resolve()), on_error):
        current = Path(directory)
        ignore.load(current)
        kept = []
        for name in sorted(subdirs):
            if name.startswith(".") or name in _ALWAYS_SKIPPED_DIRS:
                continue
            if ignore.ignored(current / name, True):
                note("directories ignored by .gitignore")
                continue
            kept.append(name)
        subdirs[:] = kept
        for name in sorted(files):
            if name.startswith("."):
                note("hidden files")
                continue
            path = current / name
            if wanted is not None and path.suffix.lower() not in wanted:
                note("files without a prompt suffix")
                continue
            if ignore.ignored(path, False):
                note("files ignored by .gitignore")
                continue
            kind = _special_kind(files[name])
            if kind is not None:
                if issues is not None:
                    issues.special.append((path, kind))
                continue
            yield path


def _walk(
    root: str, on_error: Callable[[OSError], None] | None
) -> Iterator[tuple[str, list[str], dict[str, os.DirEntry[str]]]]:
    """`os.walk(root, topdown=True, followlinks=False)`, but with the files' directory entries, which know
    whether they are regular files without a system call per file. Prune the names list in place, as there."""
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as error:
            if on_error is not None:
                on_error(error)
            continue
        subdirs: dict[str, os.DirEntry[str]] = {}
        files: dict[str, os.DirEntry[str]] = {}
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (subdirs if is_dir else files)[entry.name] = entry
        names = list(subdirs)
        yield directory, names, files
        # Depth first in the order left in `names`, as os.walk; never into a symlinked directory.
        pending.extend(os.path.join(directory, name) for name in reversed(names) if not subdirs[name].is_symlink())


def _special_kind_of(path: Path) -> str | None:
    try:
        return special_file_kind(os.stat(path).st_mode)
    except OSError:  # a broken link or a loop: reading it names the problem
        return None


def _special_kind(entry: os.DirEntry[str]) -> str | None:
    """A FIFO, socket or device (or a link to one); None for a regular file (no system call for a plain one)."""
    try:
        if entry.is_file():
            return None
        return special_file_kind(entry.stat().st_mode)
    except OSError:  # a broken link or a loop: yielded, so that reading it names the problem
        return None


def _display(path: Path, cwd: Path) -> str:
    text, prefix = str(path), str(cwd).rstrip(os.sep) + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else text


def expand_paths(
    paths: Iterable[str], extensions: Iterable[str] | None = None, issues: WalkIssues | None = None
) -> list[tuple[Path, str]]:
    """(path, shown name) for every file named, found in a directory, or matched by a glob. What the walks
    pass over goes to `issues`; a path that cannot even be looked at is an InputError."""
    cwd = Path.cwd().resolve()
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(path: Path, resolved: Path | None = None) -> None:
        resolved = resolved or Path(os.path.realpath(path))  # realpath: a symlink loop is read (and named) later
        if resolved not in seen:
            seen.add(resolved)
            found.append((path, _display(resolved, cwd)))

    for raw in paths:
        try:
            _expand_one(raw, extensions, issues, add)
        except OSError as error:  # e.g. a parent directory that may not be searched
            raise InputError(f"cannot read: {error.strerror or error}", path=raw) from None
    return found


def display_name(path: Path) -> str:
    """`path` as shown to the user: relative to the working directory when below it."""
    return _display(path, Path.cwd().resolve())


def _expand_one(raw: str, extensions: Iterable[str] | None, issues: WalkIssues | None, add: Any) -> None:
    path = Path(raw)
    if path.is_dir():
        for file in walk_directory(path, extensions, issues):
            add(file, file)  # walk_directory yields resolved paths already
    elif path.exists() or path.is_symlink():
        add(path)
    elif _GLOB_CHARS & set(raw):
        files = []
        for match in sorted(glob.glob(raw, recursive=True)):
            kind = _special_kind_of(Path(match))
            if kind is not None:
                if issues is not None:
                    issues.special.append((Path(os.path.abspath(match)), kind))
            elif Path(match).is_file():
                files.append(Path(match))
        if not files:
            raise InputError("no files match this pattern", path=raw)
        for file in files:
            add(file)
    else:
        raise InputError("no such file or directory", path=raw)


def collect_inputs(
    paths: Iterable[str],
    *,
    text: str | None = None,
    encoding_errors: str = "strict",
    extensions: Iterable[str] | None = None,
    collect_errors: bool = False,
    stdin: Any = None,
    stream_if: Callable[[Path], bool] | None = None,
) -> InputSet:
    """Read every input. Binary files found in directories are skipped with a note; a binary file named
    explicitly, a missing file or bad UTF-8 raise InputError (or are collected, with `collect_errors`).
    Files for which `stream_if` is true are not read here: they come back as `StreamedInput`."""
    paths = list(paths)
    result = InputSet()
    if text is not None:
        result.texts.append(InputText("<text>", text))
    names = [p for p in paths if p != STDIN]
    issues = WalkIssues()
    found = expand_paths(names, extensions, issues)
    result.passed_over = dict(issues.passed_over)
    for directory, reason in issues.unreadable:
        problem = InputError(f"cannot read directory: {reason}", path=display_name(directory))
        if not collect_errors:
            raise problem
        result.errors.append(problem)
    for special, kind in issues.special:
        result.skipped.append((display_name(special), f"not a regular file ({kind})"))
    explicit = {os.path.realpath(p) for p in names if _is_file(p)}
    if len(names) != len(paths):
        source = stdin if stdin is not None else sys.stdin.buffer
        data = source.read()
        if isinstance(data, str):
            data = data.encode()
        result.texts.append(InputText("<stdin>", decode_bytes(data, "<stdin>", encoding_errors)))
    for path, shown in found:
        if extensions is not None and os.path.realpath(path) not in explicit:
            from tokcli.prompts import not_a_prompt

            pattern = not_a_prompt(shown)
            if pattern is not None:
                result.excluded.append((shown, pattern))
                continue
        try:
            streamed = stream_if is not None and stream_if(path)
            if streamed:
                with open(path, "rb") as handle:
                    data = handle.read(_BINARY_SNIFF)
            else:
                data = read_regular_file(path)
            if is_binary(data):
                if os.path.realpath(path) in explicit:
                    raise InputError("binary file, not text", path=shown)
                result.skipped.append((shown, "binary file"))
                continue
            if streamed:
                result.texts.append(StreamedInput(shown, "", source=path, encoding_errors=encoding_errors))
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


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except OSError:
        return False

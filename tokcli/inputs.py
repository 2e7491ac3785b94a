"""Collecting what to read: files, directories (recursive, .gitignore respected), globs, stdin, --text."""

from __future__ import annotations

import errno
import glob
import os
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokcli.errors import InputError, TokcliError

STDIN = "-"
GLOB_CHARACTERS = frozenset("*?[")
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
    left_out: Counter[str] = field(default_factory=Counter)  # files passed over in directories and globs, by reason
    models: dict[str, str] = field(default_factory=dict)  # `file::key` → the model named beside that prompt unit


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


def _git_common_dir(work_tree: Path) -> Path | None:
    """The repository's git directory shared by its worktrees (where `info/exclude` lives)."""
    dot_git = work_tree / ".git"
    if dot_git.is_dir():
        return dot_git
    try:  # a linked worktree or submodule: ".git" is a file "gitdir: <path>"
        pointer = dot_git.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not pointer.startswith("gitdir:"):
        return None
    git_dir = (work_tree / pointer.removeprefix("gitdir:").strip()).resolve()
    try:
        common = (git_dir / "commondir").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return git_dir
    return (git_dir / common).resolve()


class IgnoreRules:
    """What git would ignore: each directory's .gitignore (applied to paths below it; the deepest file with a
    matching pattern decides, as in git) and, below them in precedence, the repository's `.git/info/exclude`."""

    def __init__(self) -> None:
        self._specs: dict[Path, object] = {}
        self._exclude: tuple[Path, object] | None = None  # (work tree, spec of .git/info/exclude)
        #: (directory, spec, ignore file) of the ignore files found, deepest first, then .git/info/exclude:
        #: built once per ignore file found, not once per path asked about (most directories have none).
        self._ordered: list[tuple[Path, object, Path]] | None = None

    @staticmethod
    def _spec(ignore_file: Path) -> object | None:
        if not ignore_file.is_file():
            return None
        import pathspec

        try:
            lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        return pathspec.GitIgnoreSpec.from_lines(lines)

    def load(self, directory: Path) -> None:
        if directory not in self._specs:
            self._specs[directory] = spec = self._spec(directory / ".gitignore")
            if spec is not None:
                self._ordered = None

    def load_parents(self, directory: Path) -> None:
        """Load the ignore files from the enclosing repository's work tree down to `directory`."""
        chain = []
        for parent in [directory, *directory.parents]:
            chain.append(parent)
            if (parent / ".git").exists():
                common = _git_common_dir(parent)
                spec = self._spec(common / "info" / "exclude") if common is not None else None
                if spec is not None and self._exclude is None:
                    self._exclude = (parent, spec)
                    self._ordered = None
                break
        else:
            chain = [directory]
        for parent in reversed(chain):
            self.load(parent)

    def _ordered_rules(self) -> list[tuple[Path, object, Path]]:
        if self._ordered is None:
            found = [
                (directory, spec, directory / ".gitignore")
                for directory, spec in self._specs.items()
                if spec is not None
            ]
            found.sort(key=lambda item: len(item[0].parts), reverse=True)
            if self._exclude is not None:
                found.append((self._exclude[0], self._exclude[1], self._exclude[0] / ".git" / "info" / "exclude"))
            self._ordered = found
        return self._ordered

    def ignored_by(self, path: Path, is_dir: bool) -> str | None:
        """The ignore file that excludes `path` (".gitignore" with its directory, or ".git/info/exclude"), or
        None. A nested `!keep.log` re-includes what a parent's `*.log` ignores."""

        def below(directory: Path) -> str | None:
            try:
                return path.relative_to(directory).as_posix()
            except ValueError:
                return None

        return self._decide(below, is_dir)

    def ignored_by_name(self, path: str, is_dir: bool) -> str | None:
        """`ignored_by` for a normalized absolute path given as a string (what a walk finds): the same answer,
        found by string work (a walk asks about every file, and most trees have no ignore file or a few)."""
        return self._decide(lambda directory: path_below(path, str(directory)), is_dir)

    def _decide(self, below: Callable[[Path], str | None], is_dir: bool) -> str | None:
        """The deciding ignore file for the path `below` gives each ignore file's directory a relative path of."""
        for directory, spec, source in self._ordered_rules():
            relative = below(directory)
            if relative is None:
                continue
            if is_dir:
                relative += "/"
            decision = spec.check_file(relative).include  # type: ignore[attr-defined]
            if decision is not None:
                return _display(source, Path.cwd().resolve()) if decision else None
        return None

    def ignored(self, path: Path, is_dir: bool) -> bool:
        return self.ignored_by(path, is_dir) is not None


@dataclass
class WalkIssues:
    """What a directory walk passed over, for the caller to name: never skipped silently."""

    special: list[tuple[Path, str]] = field(default_factory=list)  # (path, kind): FIFOs, sockets, devices
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # (directory, reason): could not be listed

    def record_unreadable(self, error: OSError) -> None:
        self.unreadable.append((Path(error.filename or "?"), error.strerror or str(error)))


#: Why a file in a directory is passed over (a short reason), or None to read it.
Accept = Callable[[Path], "str | None"]


def walk_directory(
    root: Path,
    extensions: Iterable[str] | None = None,
    issues: WalkIssues | None = None,
    *,
    accept: Accept | None = None,
    use_ignore: bool = True,
    left_out: Counter[str] | None = None,
) -> Iterator[Path]:
    """Regular files below `root`, sorted, skipping what git ignores (unless `use_ignore` is false), VCS/tool
    directories and hidden files (`.tokcli.yaml`, `.env`, `.github/workflows/` …: config, not prompts; name a
    hidden file explicitly to read it), except the entries of agents' hidden directories that hold prompts
    (`prompt_set.AGENT_PROMPT_ENTRIES`: `.github/prompts/`, `.claude/commands/` …), and what `accept` turns
    down. `left_out` counts what was skipped, by reason.

    FIFOs, sockets and devices are never yielded (reading one could block forever); they and the directories
    that cannot be listed are recorded in `issues`."""
    accept_name = (lambda name: accept(Path(name))) if accept is not None else None
    walk = walk_file_names(root, extensions, issues, accept=accept_name, use_ignore=use_ignore, left_out=left_out)
    return map(Path, walk)


def walk_file_names(
    root: Path,
    extensions: Iterable[str] | None = None,
    issues: WalkIssues | None = None,
    *,
    accept: Callable[[str], str | None] | None = None,
    use_ignore: bool = True,
    left_out: Counter[str] | None = None,
) -> Iterator[str]:
    """`walk_directory`, yielding each file's absolute path as a string and giving `accept` strings: no path
    object per file (the audit walks thousands)."""
    from tokcli.prompt_set import AGENT_PROMPT_ENTRIES
    from tokcli.prompts import name_parts

    wanted = {suffix.lower() for suffix in extensions} if extensions is not None else None
    tally: Counter[str] = left_out if left_out is not None else Counter()
    ignore = IgnoreRules()
    if use_ignore:
        ignore.load_parents(root.resolve())
    on_error = issues.record_unreadable if issues is not None else None

    # an agent's hidden directory (`.github`, `.claude` …) → the entries in it that hold prompts
    only: dict[str, frozenset[str]] = {}
    for directory, subdirs, files in _walk(str(root.resolve()), on_error):
        if use_ignore:
            ignore.load(Path(directory))
        entries = only.pop(directory, None)
        if entries is not None and "*" not in entries:
            tally["hidden or tool directory (.git, node_modules …)"] += sum(name not in entries for name in subdirs)
            tally["hidden file"] += sum(name not in entries for name in files)
            subdirs[:] = [name for name in subdirs if name in entries]
            files = {name: entry for name, entry in files.items() if name in entries}
        kept = []
        for name in sorted(subdirs):
            if name in AGENT_PROMPT_ENTRIES:
                only[os.path.join(directory, name)] = AGENT_PROMPT_ENTRIES[name]
            elif name.startswith(".") or name in _ALWAYS_SKIPPED_DIRS:
                tally["hidden or tool directory (.git, node_modules …)"] += 1
                continue
            rule = ignore.ignored_by_name(os.path.join(directory, name), True) if use_ignore else None
            if rule is not None:
                tally[f"ignored by {rule}"] += 1
                continue
            kept.append(name)
        subdirs[:] = kept
        for name in sorted(files):
            if name.startswith("."):
                tally["hidden file"] += 1
                continue
            path = os.path.join(directory, name)
            if wanted is not None and name_parts(name)[2].lower() not in wanted:
                tally["not a prompt file type"] += 1
                continue
            rule = ignore.ignored_by_name(path, False) if use_ignore else None
            if rule is not None:
                tally[f"ignored by {rule}"] += 1
                continue
            reason = accept(path) if accept is not None else None
            if reason is not None:
                tally[reason] += 1
                continue
            kind = _special_kind(files[name])
            if kind is not None:
                if issues is not None:
                    issues.special.append((Path(path), kind))
                continue
            yield path


def path_below(path: str, base: str) -> str | None:
    """`path` relative to `base` as a posix string when it is below it or is it ("."), else None: what
    `PurePath.relative_to` gives for normalized absolute paths, by string work."""
    if path == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not path.startswith(prefix):
        return None
    rest = path[len(prefix) :]
    return rest.replace(os.sep, "/") if os.sep != "/" else rest


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


def left_out_message(what: str, paths: Iterable[str], left_out: Counter[str]) -> str:
    """`no prompt files in prompts/: 3 left out — ignored by prompts/.gitignore (2), hidden file (1)`, and a hint."""
    where = ", ".join(paths)
    if not left_out:
        return f"no {what} in {where}"
    total = sum(left_out.values())
    reasons = ", ".join(f"{reason} ({count:,})" for reason, count in left_out.most_common())
    message = f"no {what} in {where}: {total:,} left out — {reasons}"
    if any(reason.startswith("ignored by ") for reason in left_out):
        message += "; --no-ignore reads ignored files"
    return message


def _display(path: Path, cwd: Path) -> str:
    text, prefix = str(path), str(cwd).rstrip(os.sep) + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else text


def expand_paths(
    paths: Iterable[str],
    extensions: Iterable[str] | None = None,
    issues: WalkIssues | None = None,
    *,
    accept: Accept | None = None,
    use_ignore: bool = True,
    left_out: Counter[str] | None = None,
    errors: list[InputError] | None = None,
) -> list[tuple[Path, str]]:
    """(path, shown name) for every file named, found in a directory, or matched by a glob. A named file is
    always read; files found in a directory or by a glob are passed over when git ignores them (unless
    `use_ignore` is false), and files found in a directory when `accept` turns them down. What the walks pass
    over goes to `issues` and `left_out`; a path that cannot even be looked at is an InputError (appended to
    `errors` when given, so the other paths are still read)."""
    cwd = Path.cwd().resolve()
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    tally: Counter[str] = left_out if left_out is not None else Counter()
    ignore = IgnoreRules()

    def add(path: Path, resolved: Path | None = None) -> None:
        resolved = resolved or Path(os.path.realpath(path))  # realpath: a symlink loop is read (and named) later
        if resolved not in seen:
            seen.add(resolved)
            found.append((path, _display(resolved, cwd)))

    for raw in paths:
        try:
            try:
                _expand_one(raw, extensions, issues, add, accept, use_ignore, tally, ignore)
            except OSError as error:  # e.g. a parent directory that may not be searched
                raise InputError(f"cannot read: {error.strerror or error}", path=raw) from None
        except InputError as problem:
            if errors is None:
                raise
            errors.append(problem)
    return found


def display_name(path: Path) -> str:
    """`path` as shown to the user: relative to the working directory when below it."""
    return _display(path, Path.cwd().resolve())


def _expand_one(
    raw: str,
    extensions: Iterable[str] | None,
    issues: WalkIssues | None,
    add: Any,
    accept: Accept | None,
    use_ignore: bool,
    tally: Counter[str],
    ignore: IgnoreRules,
) -> None:
    path = Path(raw)
    if path.is_dir():
        walk = walk_directory(path, extensions, issues, accept=accept, use_ignore=use_ignore, left_out=tally)
        for file in walk:
            add(file, file)  # walk_directory yields resolved paths already
    elif path.exists() or path.is_symlink():
        add(path)
    elif GLOB_CHARACTERS & set(raw):
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
            rule = _glob_ignored_by(file, ignore) if use_ignore else None
            if rule is not None:
                tally[f"ignored by {rule}"] += 1
                continue
            add(file)
    else:
        raise InputError("no such file or directory", path=raw)


def expand_arguments(paths: Iterable[str], *, accept: Accept | None = None, use_ignore: bool = True) -> list[str]:
    """File arguments with each directory and glob replaced by the files it gives (shown names); files and
    '-' stay as given, so reading them reports their own errors. A directory or glob that gives nothing is an
    InputError saying what was left out and why."""
    result: list[str] = []
    for raw in paths:
        path = Path(raw)
        if raw == STDIN or not (path.is_dir() or (GLOB_CHARACTERS & set(raw) and not path.exists())):
            result.append(raw)
            continue
        left_out: Counter[str] = Counter()
        found = expand_paths([raw], accept=accept, use_ignore=use_ignore, left_out=left_out)
        if not found:
            raise InputError(left_out_message("prompt files", [raw], left_out))
        result += [shown for _, shown in found]
    return result


def _glob_ignored_by(file: Path, ignore: IgnoreRules) -> str | None:
    """The rule that ignores a file a glob matched: its own or any enclosing directory's."""
    absolute = file.resolve()
    ignore.load_parents(absolute.parent)
    for parent in reversed(absolute.parents):
        ignore.load(parent)
    for directory in [*reversed(absolute.parents), absolute]:
        rule = ignore.ignored_by(directory, directory != absolute)
        if rule is not None:
            return rule
    return None


def collect_inputs(
    paths: Iterable[str],
    *,
    text: str | None = None,
    encoding_errors: str = "strict",
    extensions: Iterable[str] | None = None,
    accept: Accept | None = None,
    use_ignore: bool = True,
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
    found = expand_paths(
        names,
        extensions,
        issues,
        accept=accept,
        use_ignore=use_ignore,
        left_out=result.left_out,
        errors=result.errors if collect_errors else None,
    )
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

"""Finding and reading the prompt files to audit: config include/exclude globs, .gitignore respected.

Unreadable files (permission denied, binary, invalid UTF-8, symlink loops) do not stop the run: each becomes
a `FileProblem` naming the file, and the caller decides the exit code.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokcli.errors import InputError
from tokcli.inputs import (
    GLOB_CHARACTERS,
    WalkIssues,
    decode_bytes,
    expand_paths,
    is_binary,
    path_below,
    read_regular_file,
    walk_file_names,
)
from tokcli.prompt_set import CONFIG_FILES, not_a_prompt_or_host


@dataclass(frozen=True)
class SourceFile:
    path: str  # as shown to the user (relative to the working directory when below it)
    relative: str  # posix path relative to the config root (what globs and budgets match)
    text: str
    digest: str  # sha256 of the bytes on disk
    #: the prompt unit this row is (`tokcli.units.model.PromptUnit`: its syntax and where its text is written),
    #: read as lint and compress read it; None for a file
    unit: Any = None


@dataclass(frozen=True)
class FileProblem:
    path: str
    message: str
    kind: str = "unreadable"  # "unreadable" (permission, binary, encoding, loop) | "invalid" (parse errors)
    line: int | None = None


@dataclass
class Discovery:
    files: list[SourceFile] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): FIFOs, sockets, devices
    left_out: Counter[str] = field(default_factory=Counter)  # files passed over in the directories, by reason


class Matcher:
    """include/exclude globs (gitignore syntax: `*.md` matches at any depth, `dir/**` below a directory).
    Without `include` the files are the prompts every command finds (`tokcli.prompt_set`)."""

    def __init__(self, include: Sequence[str] | None, exclude: Sequence[str]) -> None:
        import pathspec

        self._include = pathspec.GitIgnoreSpec.from_lines(list(include)) if include is not None else None
        self._exclude = pathspec.GitIgnoreSpec.from_lines(list(exclude))
        self._excludes = bool(self._exclude.patterns)  # no patterns match nothing: not asked per file

    def passed_over(self, relative: str) -> str | None:
        """Why the file at `relative` (to the config root) is not audited, or None."""
        name = relative.rpartition("/")[2]
        if name in CONFIG_FILES:
            return "tokcli or pre-commit config"
        if self._include is None:
            reason = not_a_prompt_or_host(relative)
            if reason is not None:
                return reason
        elif not self._include.match_file(relative):
            return "not matched by audit.include"
        if self._excludes and self._exclude.match_file(relative):
            return "excluded by audit.exclude"
        return None

    def wanted(self, relative: str) -> bool:
        return self.passed_over(relative) is None

    def excludes_directory(self, relative: str) -> bool:
        return bool(self._exclude.match_file(relative.rstrip("/") + "/"))


def glob_matches(pattern: str, relative: str) -> bool:
    import pathspec

    return bool(pathspec.GitIgnoreSpec.from_lines([pattern]).match_file(relative))


def relative_to(path: Path | str, root: Path | str, fallback: Path | str) -> str:
    """`path` relative to `root`, else to `fallback`, as a posix string (the path itself when below neither);
    string work first (a walk's paths are absolute and normalized), `PurePath.relative_to` otherwise."""
    for base in (root, fallback):
        fast = path_below(str(path), str(base))
        if fast is not None:
            return fast
        try:
            return Path(path).relative_to(base).as_posix()
        except ValueError:
            continue
    return Path(path).as_posix()


def display_path(path: Path | str, cwd: Path | str) -> str:
    fast = path_below(str(path), str(cwd))
    if fast is not None:
        return fast
    try:
        return Path(path).relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


def list_files(
    paths: Sequence[str],
    matcher: Matcher,
    root: Path,
    issues: WalkIssues | None = None,
    *,
    use_ignore: bool = True,
    left_out: Counter[str] | None = None,
) -> list[tuple[str, str, str]]:
    """(absolute path, shown path, root-relative path) of every file to audit, sorted, without duplicates.

    Files named explicitly are audited whatever the globs say; directories are walked and filtered (what the
    walk passes over, wanted or not by the globs, goes to `issues`), and `left_out` counts what was passed
    over, by reason."""
    # Paths are strings here: the walk yields absolute, normalized ones, and a path object per file cost more
    # than reading the file.
    cwd = str(Path.cwd().resolve())
    root_name = str(root.resolve())
    found: dict[str, tuple[str, str, str]] = {}
    for raw in paths:
        given = Path(raw)
        try:
            is_dir, exists = given.is_dir(), given.exists() or given.is_symlink()
        except OSError as error:  # e.g. a parent directory that may not be searched
            raise InputError(f"cannot read: {error.strerror or error}", path=raw) from None
        if is_dir:
            base = str(given.resolve())

            def passed_over(file: str, base: str = base) -> str | None:
                return matcher.passed_over(relative_to(file, root_name, base))

            walk = walk_file_names(given, issues=issues, accept=passed_over, use_ignore=use_ignore, left_out=left_out)
            for absolute in walk:
                relative = relative_to(absolute, root_name, base)
                found.setdefault(absolute, (absolute, display_path(absolute, cwd), relative))
        elif exists:
            absolute = os.path.abspath(given)
            found.setdefault(absolute, (absolute, display_path(absolute, cwd), relative_to(absolute, root_name, cwd)))
        elif GLOB_CHARACTERS & set(raw):  # a glob tokcli expands, as every command does (git's ignores apply)
            for file, _ in expand_paths([raw], use_ignore=use_ignore, left_out=left_out):
                absolute = os.path.abspath(file)
                shown = display_path(absolute, cwd)
                found.setdefault(absolute, (absolute, shown, relative_to(absolute, root_name, cwd)))
        else:
            raise InputError("no such file or directory", path=raw)
    return sorted(found.values(), key=lambda item: item[1])


def read_source(item: tuple[str, str, str]) -> SourceFile | FileProblem:
    absolute, shown, relative = item
    try:
        data = read_regular_file(absolute)
    except IsADirectoryError:
        return FileProblem(shown, "is a directory")
    except OSError as error:
        return FileProblem(shown, f"cannot read: {error.strerror or error}")
    if is_binary(data):
        return FileProblem(shown, "binary file, not text")
    try:
        text = decode_bytes(data, shown)
    except InputError as error:
        # The shared decoder's hint names `--encoding-errors`, which audit does not have: keep the first part.
        return FileProblem(shown, error.message.split(" (use")[0], line=error.line)
    return SourceFile(shown, relative, text, hashlib.sha256(data).hexdigest())


def discover(
    paths: Sequence[str], include: Sequence[str] | None, exclude: Sequence[str], root: Path, *, use_ignore: bool = True
) -> Discovery:
    """Read every prompt file below `paths` (in this thread, see below)."""
    matcher = Matcher(include, exclude)
    issues = WalkIssues()
    result = Discovery()
    items = list_files(paths, matcher, root, issues, use_ignore=use_ignore, left_out=result.left_out)
    cwd = Path.cwd().resolve()
    for directory, reason in issues.unreadable:
        if not matcher.excludes_directory(relative_to(directory, root.resolve(), cwd)):  # excluded: not audited
            result.problems.append(FileProblem(display_path(directory, cwd), f"cannot read directory: {reason}"))
    for special, kind in issues.special:
        shown = display_path(special, cwd)
        if matcher.wanted(relative_to(special, root.resolve(), cwd)):
            result.skipped.append((shown, f"not a regular file ({kind})"))
    if not items:
        return result
    # Read in this thread: files come from the page cache in microseconds, and a thread pool here measured
    # 2-3× slower (its futures and GIL hand-offs cost more than the reads).
    outcomes = [read_source(item) for item in items]
    for outcome in outcomes:
        if isinstance(outcome, SourceFile):
            result.files.append(outcome)
        else:
            result.problems.append(outcome)
    return result

"""Writing files safely: the one way tokcli writes a file (`-o`, `--write-baseline`, `compress --write`,
`lint --fix`, its caches).

- A regular file, or a new one, is replaced atomically: a temp file in the same directory, fsync, rename. A new
  file gets its mode from the umask; an existing one keeps its mode, and its owner and group where allowed.
- A symlink is resolved and its target written; the link stays a link.
- A device, FIFO or other special file is written in place, never replaced (`-o /dev/null` as root must not
  turn the machine's /dev/null into a regular file).
- Any failure is an `InputError` naming the file, and the temp file is removed, also when SIGTERM, SIGHUP or
  SIGINT arrives mid-write (the process then ends by that signal, as it would have).
- Temp files are named `.NAME.tokcli-XXXXXXXX.tmp`. Ones older than `STALE_AFTER_SECONDS` in a directory tokcli
  writes to were left by a run that was killed outright (SIGKILL, power loss) and are removed then.
- With `backup`, the old content is kept first as `NAME.orig`, then `NAME.orig.1`, `NAME.orig.2`, …: a backup is
  never overwritten, so the original text survives any number of rewrites.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import signal
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tokcli.errors import InputError, UsageError

#: Our temp files are this old (untouched) before a later run treats them as left by a killed run. A live write
#: touches its temp file continuously and renames it within seconds.
STALE_AFTER_SECONDS = 15 * 60
_TEMP_MARK = "tokcli-"
_TEMP_NAME = re.compile(r"\..+\.tokcli-[0-9a-f]{8}\.tmp")
#: How earlier tokcli versions named their temp files (`tempfile.mkstemp`). Other programs may use the same
#: shape, so these are only reported, never removed.
_LEGACY_TEMP_SUFFIX = re.compile(r"[a-z0-9_]{8}\.tmp")
#: Signals whose default action kills the process at once: caught during a write to remove the temp file first.
#: SIGINT already raises KeyboardInterrupt, which the cleanup handles like any other exception.
_CLEANUP_SIGNALS = ("SIGTERM", "SIGHUP")
_UTF8_BOM = b"\xef\xbb\xbf"
_BACKUP_SUFFIX = ".orig"
_MAX_BACKUPS = 10_000
_COPY_CHUNK = 1 << 20

_swept_directories: set[str] = set()
_swept_lock = threading.Lock()


@dataclass
class Written:
    """What a write did: the path as given, the file written (a symlink's target), the backup kept, and notes
    for the user (stale temp files removed or found)."""

    path: Path
    target: Path
    backup: Path | None = None
    notes: list[str] = field(default_factory=list)


def write_file(path: Path | str, content: str | bytes, *, backup: bool = False, mode: int | None = None) -> Written:
    """Write `content` (text as UTF-8) to `path` as described in the module docstring.

    `mode` forces the permissions of the result (tokcli's own caches); by default a new file gets the umask's and
    an existing file keeps its own. Raises InputError naming `path` on any failure; `path` is then unchanged."""
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    target = Path(os.path.realpath(path))
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise _write_error(path, error) from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        if backup:
            raise InputError("cannot rewrite in place with a backup: not a regular file", path=str(path))
        _write_in_place(path, target, existing, data)
        return Written(path, target)
    written = Written(path, target, notes=_sweep_stale_temp_files(target.parent, target.name))
    try:
        with _temp_files_removed_on_signals():
            if backup and existing is not None:
                written.backup = _keep_backup(target, existing)
                if os.path.realpath(path.parent) == str(target.parent):  # named as the user named the file
                    written.backup = path.with_name(written.backup.name)
            try:
                _replace(target, data, existing, mode)
            except BaseException:
                if written.backup is not None:  # the file is unchanged: its new backup is only clutter
                    with contextlib.suppress(OSError):
                        os.unlink(written.backup)
                raise
    except OSError as error:
        raise _write_error(path, error) from None
    return written


def refuse_report_over_input(output: Path | str, inputs: Iterable[str], flag: str = "-o") -> None:
    """UsageError when the report file `output` (given with `flag`) is one of the files the run read (by any
    name or link): it would replace a prompt with the report about it. A new file, or a device such as
    /dev/null, is no input."""
    try:
        target = os.stat(output)
    except OSError:
        return
    if not stat.S_ISREG(target.st_mode):
        return
    for name in inputs:
        try:
            info = os.stat(name)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == (target.st_dev, target.st_ino):
            raise UsageError(f"{flag} {output}: that is {name}, which this run read; the report would replace it")


def starts_with_bom(path: Path | str) -> bool:
    """Whether the file starts with a UTF-8 byte order mark (False when it cannot be read: stdin, gone)."""
    try:
        with open(path, "rb") as stream:
            return stream.read(len(_UTF8_BOM)) == _UTF8_BOM
    except OSError:
        return False


def rewrite_text_file(path: Path | str, text: str, *, backup: bool = False, read_as: str | None = None) -> Written:
    """Write `text` over a file tokcli read as text (`compress --write`, `lint --fix`), as `write_file` does.

    The file's UTF-8 byte order mark stays (the text was read without it). A file that is not valid UTF-8 on
    disk is refused, unchanged: it was read with `--encoding-errors replace` or `ignore`, and writing the text
    back would turn every byte that was not UTF-8 into U+FFFD, or drop it, well outside what was fixed.
    `read_as` is the text the new one was made from: a file that no longer holds it (saved in an editor while
    tokcli worked) is refused, unchanged, rather than that edit lost."""
    from tokcli.inputs import read_regular_file

    path = Path(path)
    try:
        current = read_regular_file(path)
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", path=str(path)) from None
    try:
        current.decode("utf-8")
    except UnicodeDecodeError as error:
        line = current.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"not rewritten: invalid UTF-8 at byte {error.start}, which writing would replace or drop",
            path=str(path),
            line=line,
        ) from None
    if read_as is not None and current.removeprefix(_UTF8_BOM).decode("utf-8") != read_as:
        raise InputError("not rewritten: the file changed after tokcli read it; run tokcli again", path=str(path))
    data = text.encode("utf-8")
    if current.startswith(_UTF8_BOM) and not data.startswith(_UTF8_BOM):
        data = _UTF8_BOM + data
    return write_file(path, data, backup=backup)


def _write_error(path: Path, error: OSError) -> InputError:
    return InputError(f"cannot write: {error.strerror or error}", path=str(path))


# ---- regular files: temp file, fsync, rename ----------------------------------------------------------------


def _replace(target: Path, data: bytes, existing: os.stat_result | None, mode: int | None) -> None:
    # 0o666 lets the kernel apply the umask (and default ACLs) to a new file; a file that replaces another
    # starts private and takes the old file's mode once its owner is set.
    descriptor, temporary = _create_temp(target, 0o666 if existing is None and mode is None else 0o600)
    try:
        try:
            if mode is not None:
                _set_mode(descriptor, temporary, mode)
            elif existing is not None:
                _copy_owner_and_mode(descriptor, temporary, existing)
            _write_all(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(target.parent)


def _create_temp(target: Path, permissions: int) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _attempt in range(100):
        # The name is cut so the temp name stays within NAME_MAX even for a long file name.
        temporary = target.with_name(f".{target.name[:180]}.{_TEMP_MARK}{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, flags, permissions), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temp file name", str(target.parent))


def _copy_owner_and_mode(descriptor: int, path: Path, existing: os.stat_result) -> None:
    if hasattr(os, "fchown"):
        try:
            os.fchown(descriptor, existing.st_uid, existing.st_gid)
        except PermissionError:  # not the owner: keep at least the group where we belong to it
            with contextlib.suppress(PermissionError):
                os.fchown(descriptor, -1, existing.st_gid)
    _set_mode(descriptor, path, stat.S_IMODE(existing.st_mode))  # after chown, which may clear set-id bits


def _set_mode(descriptor: int, path: Path, mode: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(descriptor, mode)
    else:  # Windows before Python 3.13
        os.chmod(path, mode)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _sync_directory(directory: Path) -> None:
    """Make the rename durable; some file systems cannot fsync a directory, and the rename stands anyway."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# ---- backups ----------------------------------------------------------------------------------------------


def backup_names(target: Path) -> Iterator[Path]:
    """NAME.orig, NAME.orig.1, NAME.orig.2, …: where backups of `target` go, first free name wins."""
    yield target.with_name(target.name + _BACKUP_SUFFIX)
    for number in range(1, _MAX_BACKUPS):
        yield target.with_name(f"{target.name}{_BACKUP_SUFFIX}.{number}")


def _keep_backup(target: Path, existing: os.stat_result) -> Path:
    """Copy `target` to its first free backup name, with its mode, owner and times. O_EXCL: never overwrites."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for candidate in backup_names(target):
        try:
            descriptor = os.open(candidate, flags, 0o600)
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(errno.EEXIST, f"{_MAX_BACKUPS} backups exist already", str(target))
    try:
        try:
            _copy_owner_and_mode(descriptor, candidate, existing)
            with open(target, "rb") as source:
                while chunk := source.read(_COPY_CHUNK):
                    _write_all(descriptor, chunk)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.utime(candidate, ns=(existing.st_atime_ns, existing.st_mtime_ns))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(candidate)
        raise
    return candidate


# ---- special files: written in place ----------------------------------------------------------------------


def _write_in_place(path: Path, target: Path, existing: os.stat_result, data: bytes) -> None:
    if stat.S_ISDIR(existing.st_mode):
        raise InputError("cannot write: is a directory", path=str(path))
    if stat.S_ISSOCK(existing.st_mode):
        raise InputError("cannot write: is a socket", path=str(path))
    # O_NONBLOCK: a FIFO nobody reads fails at once (ENXIO) instead of blocking forever; O_NOCTTY: a terminal
    # device does not become our controlling terminal.
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    flags = os.O_WRONLY | nonblocking | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(target, flags)
    except OSError as error:
        if error.errno == errno.ENXIO and stat.S_ISFIFO(existing.st_mode):
            raise InputError("cannot write: no process is reading this FIFO", path=str(path)) from None
        raise _write_error(path, error) from None
    try:
        try:
            if nonblocking:
                os.set_blocking(descriptor, True)
            _write_all(descriptor, data)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise _write_error(path, error) from None


def append_file(path: Path | str, text: str) -> None:
    """Append `text` (UTF-8) to `path`, creating it with the umask's mode: for files others read as they grow
    (GITHUB_STEP_SUMMARY), which must not be replaced. A FIFO nobody reads fails instead of blocking."""
    path = Path(path)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags, 0o666)
        try:
            if flags & getattr(os, "O_NONBLOCK", 0):
                os.set_blocking(descriptor, True)
            _write_all(descriptor, text.encode("utf-8"))
        finally:
            os.close(descriptor)
    except OSError as error:
        raise _write_error(path, error) from None


# ---- cleanup: signals and stale temp files ----------------------------------------------------------------


class _SignalledDuringWrite(BaseException):
    """Raised by our handler so the temp file is removed on the way out; BaseException so nothing swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_signalled(signum: int, _frame: object) -> None:
    raise _SignalledDuringWrite(signum)


@contextlib.contextmanager
def _temp_files_removed_on_signals() -> Iterator[None]:
    """During the block, SIGTERM and SIGHUP (if left at their default) unwind it, so `except BaseException`
    cleanups run; then the process ends by the same signal. Only the main thread can set handlers."""
    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for name in _CLEANUP_SIGNALS:
            number = getattr(signal, name, None)
            if number is not None and signal.getsignal(number) is signal.SIG_DFL:
                previous[number] = signal.signal(number, _raise_signalled)
    try:
        yield
    except _SignalledDuringWrite as interrupted:
        for number in previous:
            signal.signal(number, signal.SIG_DFL)
        previous.clear()
        os.kill(os.getpid(), interrupted.signum)
        raise SystemExit(128 + interrupted.signum) from None  # not reached where the signal kills
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


def _sweep_stale_temp_files(directory: Path, name: str) -> list[str]:
    """Remove our own temp files that a killed run left in `directory` (once per directory per process).

    Only files that are surely ours and surely dead: our naming, a regular file, owned by us, untouched for
    STALE_AFTER_SECONDS. Files named as older tokcli versions did (`.NAME.XXXXXXXX.tmp`) are only reported."""
    key = str(directory)
    with _swept_lock:
        if key in _swept_directories:
            return []
        _swept_directories.add(key)
    legacy = re.compile(re.escape(f".{name}.") + _LEGACY_TEMP_SUFFIX.pattern)
    notes: list[str] = []
    cutoff = time.time() - STALE_AFTER_SECONDS
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return notes
    for entry in entries:
        ours = _TEMP_NAME.fullmatch(entry.name) is not None
        if not ours and legacy.fullmatch(entry.name) is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or info.st_mtime > cutoff:
            continue
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            continue
        if not ours:
            notes.append(f"{entry.path} looks like a temp file an interrupted tokcli left; not removed")
            continue
        try:
            os.unlink(entry.path)
            notes.append(f"removed {entry.path}, a temp file an interrupted tokcli write left")
        except OSError as error:
            notes.append(f"cannot remove {entry.path}, a temp file an interrupted write left: {error.strerror}")
    return notes

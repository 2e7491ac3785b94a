"""Writing files safely: a temp file in the same directory, then an atomic rename.

tokcli never overwrites a user's file unless asked; when asked, a crash mid-write leaves the old file whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from tokcli.errors import InputError


def atomic_write(path: Path, content: str | bytes, *, keep_backup: bool = False) -> None:
    """Replace `path` with `content` (text is written as UTF-8). With `keep_backup`, the old file stays as
    `path.orig`. The temp file is removed on failure."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else None
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror or error}", path=str(path)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content.encode("utf-8") if isinstance(content, str) else content)
        if mode is not None:
            os.chmod(temporary, mode)
        if keep_backup and path.exists():
            backup = path.with_name(path.name + ".orig")
            with path.open("rb") as original, open(backup, "wb") as copy:
                copy.write(original.read())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise InputError(f"cannot write: {error.strerror or error}", path=str(path)) from None

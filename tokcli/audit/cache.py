"""The per-file result cache: one SQLite file under the user cache directory.

A row's key hashes the file's content, its path, the tokenizers, the config fingerprint, tokcli's version and
a fingerprint of tokcli's own files (so a checkout or an install from git, whose version string stays the same
between commits, never reads results an older tokcli wrote), so any change to one of them misses. Each row carries a
checksum of its key and payload: a row damaged inside an intact SQLite file is a miss, recomputed and rewritten.
A cache that cannot be opened or read (corrupt file, unknown schema) is deleted and rebuilt; one that is busy,
read-only, not a regular file or cannot be written is left alone; in every case the run goes on, with a note.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tokcli import __version__

#: 2: rows carry the time they were written; 3: and a checksum; 4: and the JSON report's text of their findings;
#: 5: not any more (the report is written from the findings' columns as fast, without holding their text)
SCHEMA_VERSION = 5
FILE_NAME = "audit-v1.sqlite3"
_CHUNK = 500
#: Rows not written again within this time are dropped on the next write (a hit does not rewrite its row).
MAX_AGE_SECONDS = 30 * 24 * 3600


def default_cache_path() -> Path | None:
    from tokcli.registry.tiktoken_data import cache_dir

    directory = cache_dir()
    return directory / FILE_NAME if directory is not None else None


def row_checksum(key: str, payload: str) -> str:
    """Detects a row changed after it was written (a flipped digit in a token count), not a forgery."""
    return hashlib.blake2b(f"{key}\0{payload}".encode(), digest_size=16).hexdigest()


def cache_key(digest: str, relative: str, tokenizers: Sequence[str], fingerprint: str) -> str:
    blob = "\0".join([digest, relative, ",".join(tokenizers), fingerprint, __version__, code_fingerprint()])
    return hashlib.sha256(blob.encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """`files_fingerprint` of the tokcli package (about 100 files: a millisecond or two, once per process)."""
    return files_fingerprint(Path(__file__).resolve().parent.parent)


def files_fingerprint(root: Path) -> str:
    """A digest of the relative name, size and modification time of the .py, .yaml and .json files under
    `root` (`__pycache__` aside)."""
    entries = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".yaml", ".json")):
                path = os.path.join(directory, name)
                stat = os.stat(path)
                entries.append(f"{os.path.relpath(path, root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


class _NotRegular(Exception):
    """The cache path is a directory, FIFO or device: not opened, not deleted."""


class ResultCache:
    """get_many / put_many of JSON payloads by key. Never raises for cache trouble: it notes it instead."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.notes: list[str] = []
        self.rebuilt = False
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if path is not None:
            self._open()

    @property
    def enabled(self) -> bool:
        return self._connection is not None

    def _connect(self, path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and not path.is_file():  # a FIFO or device would block or be deleted by a rebuild
            raise _NotRegular(f"audit cache disabled: {path} is not a regular file")
        connection = sqlite3.connect(str(path), timeout=10, check_same_thread=False)
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            connection.close()
            raise sqlite3.DatabaseError(f"cache schema {version}, expected {SCHEMA_VERSION}")
        if 0 < version < SCHEMA_VERSION:  # an older tokcli's rows: start afresh, quietly
            connection.execute("DROP TABLE IF EXISTS results")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS results "
            "(key TEXT PRIMARY KEY, payload TEXT NOT NULL, checksum TEXT NOT NULL, stamp INTEGER NOT NULL)"
        )
        connection.execute("CREATE INDEX IF NOT EXISTS results_stamp ON results (stamp)")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("SELECT count(*) FROM results").fetchone()  # touches the pages: corruption shows here
        connection.commit()
        return connection

    def _open(self) -> None:
        assert self.path is not None
        try:
            self._connection = self._connect(self.path)
            return
        except _NotRegular as error:
            self.notes.append(str(error))
            return
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):  # another tokcli is writing: no cache this run
                self.notes.append(f"audit cache busy, not used this run: {error}")
                return
            if "readonly" in str(error):  # the user's choice: neither use nor delete it
                self.notes.append(f"audit cache {self.path} is read-only, not used this run")
                return
            self.notes.append(f"audit cache {self.path} was unreadable ({error}); rebuilt")
        except sqlite3.DatabaseError as error:
            self.notes.append(f"audit cache {self.path} was unreadable ({error}); rebuilt")
        except OSError as error:
            self.notes.append(f"audit cache disabled: cannot create {self.path}: {error.strerror or error}")
            return
        self._rebuild()

    def _rebuild(self) -> None:
        assert self.path is not None
        self.close()
        self.rebuilt = True
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.path) + suffix).unlink()
        try:
            self._connection = self._connect(self.path)
        except (sqlite3.DatabaseError, OSError) as error:
            self.notes.append(f"audit cache disabled: {error}")
            self._connection = None

    def _select(self, columns: str, keys: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """(key, *columns) of the rows with these keys, a chunk at a time."""
        assert self._connection is not None
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, {columns} FROM results WHERE key IN ({marks})"
            yield from self._connection.execute(query, chunk).fetchall()

    def present(self, keys: Iterable[str]) -> set[str]:
        """The keys among `keys` that have a row (its payload neither read nor checked: `get_many` does that)."""
        wanted = list(keys)
        if self._connection is None or not wanted:
            return set()
        with self._lock:
            try:
                return {row[0] for row in self._select("1", wanted)}
            except sqlite3.DatabaseError:
                return set()  # `get_many` finds it too, and rebuilds

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = list(keys)
        found: dict[str, dict[str, Any]] = {}
        damaged = 0
        if self._connection is None or not wanted:
            return found
        with self._lock:
            try:
                for key, payload, checksum in self._select("payload, checksum", wanted):
                    try:
                        if checksum != row_checksum(key, payload):
                            raise ValueError("checksum")
                        found[key] = json.loads(payload)
                    except (ValueError, TypeError):
                        damaged += 1  # a miss: recomputed, and the row rewritten
            except sqlite3.DatabaseError as error:
                self.notes.append(f"audit cache {self.path} was unreadable ({error}); rebuilt")
                self._rebuild()
                return {}
        if damaged:
            self.notes.append(
                f"audit cache {self.path}: {damaged} damaged row{'s' if damaged != 1 else ''} ignored and recomputed"
            )
        return found

    def put_many(self, items: Iterable[tuple[str, dict[str, Any]]]) -> None:
        if self._connection is None:
            return
        now = int(time.time())
        rows = []
        for key, payload in items:
            text = json.dumps(payload, separators=(",", ":"))
            rows.append((key, text, row_checksum(key, text), now))
        # Rows nobody wrote for a while belong to old file versions: keep the file small.
        statement = "INSERT OR REPLACE INTO results (key, payload, checksum, stamp) VALUES (?, ?, ?, ?)"
        self._write(statement, rows, prune_before=now - MAX_AGE_SECONDS)

    def _write(self, statement: str, rows: list[tuple[Any, ...]], prune_before: int | None = None) -> None:
        connection = self._connection
        if connection is None or not rows:
            return
        with self._lock:
            try:
                with connection:
                    connection.executemany(statement, rows)
                    if prune_before is not None:
                        connection.execute("DELETE FROM results WHERE stamp < ?", (prune_before,))
            except sqlite3.OperationalError as error:  # locked by another process: skip this write
                self.notes.append(f"audit cache not updated: {error}")
            except sqlite3.DatabaseError as error:
                self.notes.append(f"audit cache could not be written ({error}); rebuilt")
                self._rebuild()

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None

"""The per-file result cache: hits on unchanged files, misses on changes, --no-cache, corrupt DB rebuilt."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from audit_support import TIGHT, VERBOSE, audit_json, own_cache, write_tree

from tokcli.audit import cache
from tokcli.audit.cache import FILE_NAME, MAX_AGE_SECONDS, ResultCache
from tokcli.lint.finding import Finding
from tokcli.lint.finding_table import FindingTable

__all__ = ["own_cache"]


@pytest.fixture(autouse=True)
def _tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path) -> None:
    write_tree(
        tmp_path / "p", {"a.md": TIGHT, "b.md": VERBOSE, "c.txt": TIGHT + "Sign as Ada.\n"}, "models: [gpt-4o]\n"
    )
    monkeypatch.chdir(tmp_path)


def _strip(data: dict) -> dict:
    """The report without the cache bookkeeping, to compare a cold run with a warm one."""
    files = [{k: v for k, v in file.items() if k != "cached"} for file in data["files"]]
    return {**data, "files": files, "cache": None}


def test_second_run_is_served_from_the_cache_with_identical_results(own_cache: Path) -> None:
    cold, _ = audit_json("p", expect=0)
    assert cold["cache"] == {"hits": 0, "misses": 3}
    assert (own_cache / FILE_NAME).is_file()
    warm, result = audit_json("p", expect=0)
    assert warm["cache"] == {"hits": 3, "misses": 0}
    assert all(file["cached"] for file in warm["files"])
    assert _strip(warm) == _strip(cold)
    assert result.stderr == ""


def test_a_changed_file_misses(tmp_path: Path) -> None:
    audit_json("p", expect=0)
    (tmp_path / "p" / "a.md").write_text(TIGHT + "Reply in French.\n", encoding="utf-8")
    data, _ = audit_json("p", expect=0)
    assert data["cache"] == {"hits": 2, "misses": 1}
    assert {file["path"]: file["cached"] for file in data["files"]}["p/a.md"] is False


def test_a_config_change_misses(tmp_path: Path) -> None:
    audit_json("p", expect=0)
    (tmp_path / "p" / ".tokcli.yaml").write_text("models: [gpt-4o]\nlint: {ignore: [TK3]}\n", encoding="utf-8")
    data, _ = audit_json("p", expect=0)
    assert data["cache"] == {"hits": 0, "misses": 3}
    assert not [f for f in data["findings"] if f["code"].startswith("TK3")]


def test_a_change_to_tokcli_itself_misses(monkeypatch: pytest.MonkeyPatch) -> None:
    # an install from git keeps its version string between commits: tokcli's own files are in the key
    audit_json("p", expect=0)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another build of tokcli")
    data, _ = audit_json("p", expect=0)
    assert data["cache"] == {"hits": 0, "misses": 3}


def test_the_fingerprint_follows_names_sizes_and_times(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "data").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    module, data = package / "mod.py", package / "data" / "prices.yaml"
    module.write_text("x = 1\n")
    data.write_text("a: 1\n")
    first = cache.files_fingerprint(package)
    assert first == cache.files_fingerprint(package) and len(first) == 64
    (package / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")  # compiled files do not count
    (package / "notes.txt").write_text("not code\n")
    assert cache.files_fingerprint(package) == first
    stat = data.stat()
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = cache.files_fingerprint(package)
    assert touched != first
    module.write_text("x = 22\n")  # another size
    assert cache.files_fingerprint(package) not in (first, touched)
    assert cache.code_fingerprint() == cache.files_fingerprint(Path(cache.__file__).resolve().parent.parent)


def test_no_cache_neither_reads_nor_writes(own_cache: Path) -> None:
    data, _ = audit_json("p", "--no-cache", expect=0)
    assert data["cache"] == {"hits": 0, "misses": 3}
    assert not (own_cache / FILE_NAME).exists()
    audit_json("p", expect=0)
    data, _ = audit_json("p", "--no-cache", expect=0)
    assert data["cache"]["hits"] == 0


def test_a_corrupt_cache_is_rebuilt_not_fatal(own_cache: Path) -> None:
    own_cache.mkdir(parents=True, exist_ok=True)
    (own_cache / FILE_NAME).write_bytes(b"this is not an SQLite database" * 100)
    data, result = audit_json("p", expect=0)
    assert data["cache"] == {"hits": 0, "misses": 3}
    assert "was unreadable" in result.stderr and "rebuilt" in result.stderr
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        assert connection.execute("SELECT count(*) FROM results").fetchone()[0] == 3
    warm, result = audit_json("p", expect=0)
    assert warm["cache"]["hits"] == 3
    assert result.stderr == ""


def test_a_damaged_row_is_a_miss(own_cache: Path) -> None:
    audit_json("p", expect=0)
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        connection.execute("UPDATE results SET payload = '{\"kind\": 1'")
    data, _ = audit_json("p", expect=0)
    assert data["cache"] == {"hits": 0, "misses": 3}


def test_a_row_another_build_wrote_is_a_miss(own_cache: Path) -> None:
    cold, _ = audit_json("p", expect=0)
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        rows = connection.execute("SELECT key, payload FROM results").fetchall()
        for key, payload in rows:  # the payload as the first format had it: findings as objects, no "format"
            data = json.loads(payload)
            del data["format"]
            data["findings"] = [_first_format(finding) for finding in FindingTable.from_payload("x", data["findings"])]
            text = json.dumps(data)  # with a valid checksum: the format check, not the checksum, must catch it
            connection.execute(
                "UPDATE results SET payload = ?, checksum = ? WHERE key = ?", (text, cache.row_checksum(key, text), key)
            )
    warm, _ = audit_json("p", expect=0)
    assert warm["cache"] == {"hits": 0, "misses": 3}
    assert _strip(warm) == _strip(cold)


def _first_format(finding: Finding) -> dict[str, Any]:
    fields = ["line", "column", "end_line", "end_column", "code", "name", "severity", "message"]
    fields += ["tokens_wasted", "fix", "safe_fix"]
    data = {field: getattr(finding, field) for field in fields}
    data["fix"] = [[edit.start, edit.end, edit.replacement] for edit in finding.fix] if finding.fix else None
    return data


@pytest.mark.parametrize("damage", ["rows of another size", "an index past its list", "not base64"])
def test_findings_columns_of_another_shape_are_a_miss(own_cache: Path, damage: str) -> None:
    """The findings' packed columns are checked as they are read: a row whose columns do not fit together (with
    a valid checksum: another build's, or a bug's) is analysed again, never misread."""
    cold, _ = audit_json("p", expect=0)
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        rows = connection.execute("SELECT key, payload FROM results").fetchall()
        for key, payload in rows:
            data = json.loads(payload)
            findings = data["findings"]
            if damage == "rows of another size":
                findings["rows"] += 1
            elif damage == "an index past its list":
                findings["messages"] = []
                findings["rows"], findings["numbers"], findings["indexes"] = 1, "A" * 38 + "==", "A" * 16
            else:
                findings["numbers"] = "*" + findings["numbers"]
            text = json.dumps(data)
            connection.execute(
                "UPDATE results SET payload = ?, checksum = ? WHERE key = ?", (text, cache.row_checksum(key, text), key)
            )
    warm, _ = audit_json("p", expect=0)
    assert warm["cache"] == {"hits": 0, "misses": 3}
    assert _strip(warm) == _strip(cold)


def test_cache_object_survives_an_unwritable_location(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    cache = ResultCache(blocker / "sub" / FILE_NAME)
    assert not cache.enabled
    assert cache.get_many(["k"]) == {}
    cache.put_many([("k", {"a": 1})])  # silently nothing
    assert cache.notes and "disabled" in cache.notes[0]


def test_an_estimate_factor_change_misses(tmp_path: Path, fresh_registry: None) -> None:
    config = "models: [claude-sonnet-4-5]\nestimates: {claude-estimate: {base: o200k_base, factor: %s}}\n"
    (tmp_path / "p" / ".tokcli.yaml").write_text(config % "1.2", encoding="utf-8")
    first, _ = audit_json("p", expect=0)
    (tmp_path / "p" / ".tokcli.yaml").write_text(config % "2.0", encoding="utf-8")
    second, _ = audit_json("p", expect=0)
    assert second["cache"] == {"hits": 0, "misses": 3}
    before = first["totals"]["claude-sonnet-4-5"]["tokens"]
    assert second["totals"]["claude-sonnet-4-5"]["tokens"] > before


def test_rows_not_rewritten_for_a_month_are_dropped(tmp_path: Path, own_cache: Path) -> None:
    audit_json("p", expect=0)
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        connection.execute("UPDATE results SET stamp = stamp - ?", (MAX_AGE_SECONDS + 60,))
    (tmp_path / "p" / "a.md").write_text(TIGHT + "Reply in French.\n", encoding="utf-8")
    audit_json("p", expect=0)  # writes one row, drops the three stale ones
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        assert connection.execute("SELECT count(*) FROM results").fetchone()[0] == 1


def test_a_row_changed_inside_an_intact_database_is_recomputed(own_cache: Path) -> None:
    """One digit changed in a cached token count made a 975-token file report 375 tokens."""
    cold, _ = audit_json("p", expect=0)
    tokens = {file["path"]: file["models"]["gpt-4o"]["tokens"] for file in cold["files"]}
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        rows = connection.execute("SELECT key, payload FROM results").fetchall()
        count = f'"tokens":{{"o200k_base":{tokens["p/b.md"]}}}'
        key, payload = next((key, payload) for key, payload in rows if count in payload)
        changed = payload.replace(count, count.replace(str(tokens["p/b.md"]), str(tokens["p/b.md"] - 10)))
        assert changed != payload and json.loads(changed)  # still valid JSON: only the checksum can tell
        connection.execute("UPDATE results SET payload = ? WHERE key = ?", (changed, key))
    warm, result = audit_json("p", expect=0)
    assert warm["cache"] == {"hits": 2, "misses": 1}
    assert _strip(warm)["totals"] == _strip(cold)["totals"]
    assert {file["path"]: file["models"]["gpt-4o"]["tokens"] for file in warm["files"]} == tokens
    assert "1 damaged row ignored and recomputed" in result.stderr
    again, result = audit_json("p", expect=0)  # the row was rewritten
    assert again["cache"] == {"hits": 3, "misses": 0} and result.stderr == ""


def test_a_cache_of_an_older_schema_is_replaced_quietly(own_cache: Path) -> None:
    own_cache.mkdir(parents=True)
    with sqlite3.connect(own_cache / FILE_NAME) as connection:
        connection.execute("CREATE TABLE results (key TEXT PRIMARY KEY, payload TEXT NOT NULL, stamp INTEGER)")
        connection.execute("INSERT INTO results VALUES ('k', '{}', 0)")
        connection.execute("PRAGMA user_version = 2")
    data, result = audit_json("p", expect=0)
    assert data["cache"] == {"hits": 0, "misses": 3} and result.stderr == ""
    assert audit_json("p", expect=0)[0]["cache"]["hits"] == 3


def test_a_cache_path_that_is_a_fifo_is_neither_opened_nor_deleted(own_cache: Path) -> None:
    own_cache.mkdir(parents=True)
    os.mkfifo(own_cache / FILE_NAME)
    data, result = audit_json("p", expect=0)
    assert data["cache"] == {"hits": 0, "misses": 3}
    assert f"audit cache disabled: {own_cache / FILE_NAME} is not a regular file" in result.stderr
    assert (own_cache / FILE_NAME).is_fifo()


def test_a_cache_that_cannot_be_written_never_fails_the_run(tmp_path: Path, own_cache: Path) -> None:
    # A full disk while writing the cache, made real with RLIMIT_FSIZE (Python ignores SIGXFSZ): the write
    # fails inside SQLite; the report is complete and the exit code is the audit's.
    audit_json("p", expect=0)
    size = (own_cache / FILE_NAME).stat().st_size
    (tmp_path / "p" / "d.md").write_text(VERBOSE * 40, encoding="utf-8")
    script = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({size}, {size}))\n"
        "from tokcli.cli import main\n"
        "sys.argv = ['tokcli', 'audit', 'p', '--format', 'json']\n"
        "main()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=os.environ
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["cache"] == {"hits": 3, "misses": 1} and len(data["files"]) == 4
    assert "audit cache not updated" in completed.stderr or "could not be written" in completed.stderr
    assert "Traceback" not in completed.stderr

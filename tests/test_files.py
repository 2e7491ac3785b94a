"""tokcli.files.write_file, the one way tokcli writes a file: atomic replace, modes, symlinks, special files,
backups, temp-file cleanup on failure, on signals and after a killed run."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from process_support import default_sigint

from tokcli import files
from tokcli.errors import InputError
from tokcli.files import STALE_AFTER_SECONDS, write_file

needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod and chown need root")


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def temp_files(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---- regular files -----------------------------------------------------------------------------------------


def test_a_new_file_gets_its_mode_from_the_umask(tmp_path: Path) -> None:
    for umask, expected in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        previous = os.umask(umask)
        try:
            target = tmp_path / f"report-{umask:o}.txt"
            written = write_file(target, "hello world\n")
        finally:
            os.umask(previous)
        assert target.read_text() == "hello world\n"
        assert mode(target) == expected  # not mkstemp's 0600 whatever the umask
        assert written.target == target.resolve() and written.backup is None
    assert temp_files(tmp_path) == []


def test_an_existing_file_keeps_its_mode_whatever_the_umask(tmp_path: Path, umask_022: None) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("old\n")
    secret.chmod(0o600)
    shared = tmp_path / "shared.md"
    shared.write_text("old\n")
    shared.chmod(0o664)
    write_file(secret, "new\n")
    write_file(shared, "new\n")
    assert (secret.read_text(), mode(secret)) == ("new\n", 0o600)
    assert (shared.read_text(), mode(shared)) == ("new\n", 0o664)


def test_the_file_is_replaced_by_rename_not_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "p.md"
    target.write_text("old\n")
    before = os.stat(target).st_ino
    reader = target.open()  # a reader of the old file keeps reading the old text
    write_file(target, "new\n")
    assert os.stat(target).st_ino != before
    assert reader.read() == "old\n"
    reader.close()


@needs_root
def test_an_existing_file_keeps_its_owner_and_group(tmp_path: Path) -> None:
    target = tmp_path / "theirs.md"
    target.write_text("old\n")
    os.chown(target, 4321, 8765)
    target.chmod(0o640)
    backup = write_file(target, "new\n", backup=True).backup
    assert backup is not None
    for path in (target, backup):
        info = os.stat(path)
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 8765, 0o640)


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "prompt.md"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o600)
    link = tmp_path / "link.md"
    link.symlink_to(os.path.relpath(real, tmp_path))
    written = write_file(link, "new\n", backup=True)
    assert link.is_symlink() and os.readlink(link) == os.path.relpath(real, tmp_path)
    assert real.read_text() == "new\n" and mode(real) == 0o600
    assert written.target == real.resolve()
    assert written.backup == real.resolve().with_name("prompt.md.orig")  # next to the file that changed
    assert written.backup.read_text() == "old\n"
    assert not (tmp_path / "link.md.orig").exists()
    assert temp_files(tmp_path) == [] and temp_files(real.parent) == []


def test_a_dangling_symlink_creates_its_target(tmp_path: Path, umask_022: None) -> None:
    link = tmp_path / "out.txt"
    link.symlink_to("made.txt")
    write_file(link, "report\n")
    assert link.is_symlink() and (tmp_path / "made.txt").read_text() == "report\n"
    assert mode(tmp_path / "made.txt") == 0o644


def test_write_errors_are_one_line_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        write_file(tmp_path / "no-such-dir" / "out.txt", "x")
    assert str(missing.value) == f"{tmp_path / 'no-such-dir' / 'out.txt'}: cannot write: No such file or directory"
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(InputError, match="Too many levels of symbolic links"):
        write_file(tmp_path / "loop", "x")
    with pytest.raises(InputError, match="cannot write: is a directory"):
        write_file(tmp_path, "x")
    assert temp_files(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    # RLIMIT_FSIZE makes a real write fail (EFBIG) half way, as a full disk would; Python ignores SIGXFSZ.
    target = tmp_path / "p.md"
    target.write_text("old text\n")
    script = textwrap.dedent(
        f"""
        import resource, sys
        from tokcli.files import write_file
        from tokcli.errors import InputError
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try:
            write_file({str(target)!r}, "x" * 100_000, backup=True)
        except InputError as error:
            print(error)
            sys.exit(2)
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2, completed.stderr
    assert completed.stdout == f"{target}: cannot write: File too large\n"
    assert target.read_text() == "old text\n"
    assert sorted(os.listdir(tmp_path)) == ["p.md"]  # no temp file, no backup of an unchanged file


# ---- backups -----------------------------------------------------------------------------------------------


def test_backups_are_numbered_and_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "p.md"
    target.write_text("original\n")
    target.chmod(0o600)
    first_mtime = os.stat(target).st_mtime_ns - 5_000_000_000
    os.utime(target, ns=(first_mtime, first_mtime))
    names = []
    for text in ("first rewrite\n", "second rewrite\n", "third rewrite\n"):
        backup = write_file(target, text, backup=True).backup
        assert backup is not None
        names.append(backup.name)
    assert names == ["p.md.orig", "p.md.orig.1", "p.md.orig.2"]
    assert (tmp_path / "p.md.orig").read_text() == "original\n"
    assert (tmp_path / "p.md.orig.1").read_text() == "first rewrite\n"
    assert (tmp_path / "p.md.orig.2").read_text() == "second rewrite\n"
    assert target.read_text() == "third rewrite\n"
    assert all(mode(tmp_path / name) == 0o600 for name in names)  # a private prompt's backups stay private
    assert os.stat(tmp_path / "p.md.orig").st_mtime_ns == first_mtime  # the backup keeps the original's time


def test_a_backup_name_taken_by_a_symlink_is_skipped_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "p.md"
    target.write_text("original\n")
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me\n")
    (tmp_path / "p.md.orig").symlink_to(elsewhere)
    backup = write_file(target, "new\n", backup=True).backup
    assert backup == tmp_path / "p.md.orig.1"
    assert elsewhere.read_text() == "keep me\n"


# ---- special files -----------------------------------------------------------------------------------------


@needs_root
def test_a_device_is_written_in_place_never_replaced(tmp_path: Path) -> None:
    sink = tmp_path / "null"
    os.mknod(sink, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    write_file(sink, "a report\n" * 1000)
    assert stat.S_ISCHR(os.lstat(sink).st_mode) and os.stat(sink).st_rdev == os.makedev(1, 3)
    assert temp_files(tmp_path) == []
    link = tmp_path / "link-to-null"
    link.symlink_to(sink)
    write_file(link, "through a link\n")
    assert link.is_symlink() and stat.S_ISCHR(os.lstat(sink).st_mode)


@needs_root
def test_a_full_device_is_a_one_line_error(tmp_path: Path) -> None:
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # a private /dev/full
    with pytest.raises(InputError) as caught:
        write_file(full, "lost output\n")
    assert str(caught.value) == f"{full}: cannot write: No space left on device"
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_a_fifo_with_a_reader_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_file(fifo, "through the pipe\n")
        assert os.read(reader, 100) == b"through the pipe\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_fifo_nobody_reads_fails_at_once_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="no process is reading this FIFO"):
        write_file(fifo, "x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_special_file_gets_no_backup(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        write_file(fifo, "x", backup=True)


# ---- temp files: signals and stale leftovers ---------------------------------------------------------------

_KILLED_MID_WRITE = """
import os, signal, sys
from tokcli import files

calls = []
real_fsync = os.fsync

def fsync_then_signal(descriptor):
    real_fsync(descriptor)
    calls.append(descriptor)
    if len(calls) == {call}:  # 1: while the backup is made; 2: the replacement is written, not yet renamed
        os.kill(os.getpid(), signal.{signal})

files.os.fsync = fsync_then_signal
files.write_file(sys.argv[1], "new text that never lands\\n" * 1000, backup=True)
print("not reached")
"""


@pytest.mark.parametrize("call", [1, 2])
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_mid_write_removes_the_temp_file(tmp_path: Path, name: str, call: int) -> None:
    target = tmp_path / "p.md"
    target.write_text("old text\n")
    script = _KILLED_MID_WRITE.format(signal=name, call=call)
    completed = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=default_sigint,
    )
    # The process still ends by the signal, as it would have without tokcli's handler (Python re-raises an
    # uncaught KeyboardInterrupt as SIGINT).
    assert completed.returncode == -getattr(signal, name), completed.stderr
    assert "not reached" not in completed.stdout
    assert target.read_text() == "old text\n"
    assert sorted(os.listdir(tmp_path)) == ["p.md"]  # no temp file, and no backup of an unchanged file


def test_a_signal_handler_set_by_someone_else_is_kept(tmp_path: Path) -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: seen.append(number))
    try:
        write_file(tmp_path / "out.txt", "x")
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_stale_temp_files_of_ours_are_removed_on_the_next_write(tmp_path: Path) -> None:
    stale = tmp_path / ".p.md.tokcli-0a1b2c3d.tmp"
    stale.write_text("left by a killed run")
    _age(stale, STALE_AFTER_SECONDS + 60)
    live = tmp_path / ".q.md.tokcli-99aabbcc.tmp"
    live.write_text("another tokcli writing right now")
    _age(live, 30)
    other_program = tmp_path / ".p.md.tokcli-zzzzzzzz.tmp"  # not our naming: 8 hex digits
    other_program.write_text("x")
    _age(other_program, STALE_AFTER_SECONDS + 60)
    written = write_file(tmp_path / "p.md", "new\n")
    assert not stale.exists()
    assert live.exists() and other_program.exists()
    assert written.notes == [f"removed {stale}, a temp file an interrupted tokcli write left"]
    again = tmp_path / ".r.md.tokcli-12345678.tmp"
    again.write_text("x")
    _age(again, STALE_AFTER_SECONDS + 60)
    assert write_file(tmp_path / "p.md", "newer\n").notes == []  # each directory is swept once per process
    assert again.exists()


@needs_root
def test_a_stale_temp_file_of_another_user_is_left_alone(tmp_path: Path) -> None:
    theirs = tmp_path / ".p.md.tokcli-0a1b2c3d.tmp"
    theirs.write_text("x")
    os.chown(theirs, 4321, 4321)
    _age(theirs, STALE_AFTER_SECONDS + 60)
    assert write_file(tmp_path / "p.md", "new\n").notes == []
    assert theirs.exists()


def test_an_older_tokcli_s_temp_file_is_reported_not_removed(tmp_path: Path) -> None:
    legacy = tmp_path / ".p.md.k3j_x9qa.tmp"  # how tempfile.mkstemp named them
    legacy.write_text("x")
    _age(legacy, STALE_AFTER_SECONDS + 60)
    unrelated = tmp_path / ".other.md.k3j_x9qa.tmp"  # another name: not ours to mention
    unrelated.write_text("x")
    _age(unrelated, STALE_AFTER_SECONDS + 60)
    written = write_file(tmp_path / "p.md", "new\n")
    assert written.notes == [f"{legacy} looks like a temp file an interrupted tokcli left; not removed"]
    assert legacy.exists() and unrelated.exists()


def test_temp_names_stay_within_the_name_limit(tmp_path: Path) -> None:
    long_name = tmp_path / ("p" * 250 + ".md")
    write_file(long_name, "x")
    assert long_name.read_text() == "x"


def test_backup_names_are_the_documented_ones() -> None:
    names = files.backup_names(Path("d/p.md"))
    assert [next(names) for _ in range(3)] == [Path("d/p.md.orig"), Path("d/p.md.orig.1"), Path("d/p.md.orig.2")]


# ---- appending (GITHUB_STEP_SUMMARY) -----------------------------------------------------------------------


def test_append_file_appends_and_creates_with_the_umask(tmp_path: Path, umask_022: None) -> None:
    summary = tmp_path / "summary.md"
    files.append_file(summary, "first\n")
    files.append_file(summary, "second\n")
    assert summary.read_text() == "first\nsecond\n" and mode(summary) == 0o644


def test_append_file_to_a_fifo_nobody_reads_fails_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "summary"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="cannot write: No such device or address"):
        files.append_file(fifo, "x")
    with pytest.raises(InputError, match="No such file or directory"):
        files.append_file(tmp_path / "missing" / "summary.md", "x")


needs_normal_user = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere: modes are not enforced"
)


@needs_normal_user
def test_a_directory_we_cannot_write_is_an_error_and_the_file_is_unchanged(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    target = locked / "p.md"
    target.write_text("old\n")
    locked.chmod(0o555)
    try:
        with pytest.raises(InputError) as caught:
            write_file(target, "new\n", backup=True)
        assert str(caught.value) == f"{target}: cannot write: Permission denied"
        assert target.read_text() == "old\n" and sorted(os.listdir(locked)) == ["p.md"]
    finally:
        locked.chmod(0o755)


def test_a_file_that_changed_since_it_was_read_is_not_rewritten(tmp_path: Path) -> None:
    # a fix made from the text read was written over an edit saved meanwhile (an editor, a git checkout)
    path = tmp_path / "prompt.md"
    path.write_bytes(b"\xef\xbb\xbfSaved   meanwhile.\n")
    with pytest.raises(InputError, match="changed after tokcli read it") as refused:
        files.rewrite_text_file(path, "Read  first.\n", read_as="Read   first.\n")
    assert str(refused.value).startswith(f"{path}: ")
    assert path.read_bytes() == b"\xef\xbb\xbfSaved   meanwhile.\n"
    files.rewrite_text_file(path, "Saved meanwhile.\n", read_as="Saved   meanwhile.\n")  # read without its BOM
    assert path.read_bytes() == b"\xef\xbb\xbfSaved meanwhile.\n"

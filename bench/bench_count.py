"""Throughput benchmark: `tokcli count` over a ~20 MB tree of text, markdown and code, as a whole process,
against bare single-threaded tiktoken `encode_ordinary` over the same bytes (loading o200k from the same
offline data). Prints medians and the speed-up (goal ≥ 1.5×); both are measured in this run, alternately.

The tree is copied from files already on the machine (the Python standard library's sources and docs under
/usr/share), so every run sees realistic prompt-like and code-like text. Usage:
    python bench/bench_count.py [--megabytes 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from baseline import LOAD_O200K

SUFFIXES = {".py", ".md", ".txt", ".rst", ".html", ".json", ".yaml", ".yml", ".cfg", ".toml"}

BASELINE = (
    LOAD_O200K
    + r"""
total = 0
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        text = open(os.path.join(root, name), encoding="utf-8", newline="").read()
        total += len(enc.encode_ordinary(text))
print(total)
"""
)


def source_files() -> list[Path]:
    roots = [Path(sysconfig.get_paths()["stdlib"]), Path("/usr/share/doc"), Path("/usr/share/common-licenses")]
    files = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and not path.is_symlink():
                files.append(path)
    return files


def build_tree(target: Path, megabytes: float) -> tuple[int, int]:
    budget = int(megabytes * 1024 * 1024)
    size = count = 0
    for index, path in enumerate(source_files()):
        try:
            data = path.read_bytes()
            data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if b"\x00" in data[:8192]:
            continue
        destination = target / f"{index // 500:03d}" / f"{index:06d}{path.suffix}"
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
        size += len(data)
        count += 1
        if size >= budget:
            break
    return size, count


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, check=True, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tokcli-bench-"))
    try:
        tree = work / "tree"
        size, count = build_tree(tree, args.megabytes)
        env = dict(os.environ, TOKCLI_CACHE_DIR=str(work / "cache"))
        tokcli = [
            sys.executable,
            "-m",
            "tokcli",
            "count",
            str(tree),
            "--all-types",
            "--whole-files",
            "-m",
            "gpt-4o",
            "--format",
            "csv",
        ]
        baseline = [sys.executable, "-c", BASELINE, str(tree)]
        subprocess.run(tokcli, check=True, env=env, capture_output=True)  # fills the parsed-ranks cache
        ours, theirs = [], []
        for _ in range(args.runs):
            elapsed, output = timed(tokcli, env)
            ours.append(elapsed)
            elapsed, reference = timed(baseline, env)
            theirs.append(elapsed)
        our_total = sum(int(line.split(",")[3]) for line in output.splitlines()[1:])
        print(f"tree: {count:,} files, {size / 1e6:.1f} MB")
        print(f"token totals: tokcli {our_total:,}, baseline {int(reference):,}")
        ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
        print(
            f"baseline (single-threaded encode_ordinary): {theirs_median:6.2f} s  ({size / 1e6 / theirs_median:.1f} MB/s)"
        )
        print(
            f"tokcli count (whole process):               {ours_median:6.2f} s  ({size / 1e6 / ours_median:.1f} MB/s)"
        )
        print(f"speed-up: {theirs_median / ours_median:.2f}x  (goal ≥ 1.5x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

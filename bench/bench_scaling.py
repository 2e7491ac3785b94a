"""Time per MB of `count`, `lint` and `compress` on awkward input shapes, at 1 MB and at a larger size.

    python bench/bench_scaling.py [--large-mb 8] [--jobs count,lint,compress] [--shapes prose,long-line,...]

Each shape (see shapes.py: one long line, a large JSON or YAML block, deep lists, many template tags, a run of
one character, one-letter words, zero-width-separated letters) is written at 1 MB and at --large-mb under
bench/.work/scaling (git-ignored), and every job runs on it as its own `tokcli` process. The same job on a
1 kB prose file is measured first and its time (start-up, loading the tokenizer) taken off the others. Printed
per job and shape: seconds per MB at both sizes, their ratio (goal ≤ 2: linear), the per-MB time at the large
size against ordinary prose measured in the same run (goal ≤ 5), and the peak memory at the large size in MB
beside its goal (under 5× the input plus 200 MB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from shapes import SHAPES, make_shape

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "scaling"
MB = 1_000_000
COMMANDS = {
    "count": ["count", "-m", "gpt-4o"],
    "lint": ["lint", "-m", "gpt-4o"],
    "compress": ["compress"],
}


def run(job: str, path: Path) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one tokcli process."""
    command = [sys.executable, "-m", "tokcli", *COMMANDS[job], str(path)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}: {errors.decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-mb", type=float, default=8)
    parser.add_argument("--jobs", default="count,lint,compress")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    args = parser.parse_args()
    shapes = [name for name in args.shapes.split(",") if name]
    if "prose" not in shapes:
        shapes.insert(0, "prose")  # the baseline of every ratio
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    sizes = {"1 MB": MB, "large": int(args.large_mb * MB)}
    files: dict[tuple[str, str], tuple[Path, float]] = {}
    for shape in shapes:
        for label, size in sizes.items():
            name, text = make_shape(shape, size)
            path = WORK / label.replace(" ", "") / name
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            files[shape, label] = path, path.stat().st_size / MB
    print(f"tokcli jobs at 1 MB and {args.large_mb:g} MB, one process each (machine: {os.cpu_count()} CPUs)")
    tiny = WORK / "tiny.md"
    tiny.write_text(make_shape("prose", 1000)[1], encoding="utf-8")
    for job in args.jobs.split(","):
        start_up = min(run(job, tiny)[0] for _ in range(2))
        print(f"\n{job} (start-up {start_up:.2f} s, taken off)")
        print(
            f"  {'shape':17s} {'s/MB 1MB':>9s} {'s/MB large':>10s} {'large/1MB':>9s} {'vs prose':>8s} {'peak MB':>8s} {'goal':>6s}"
        )
        prose = 0.0
        for shape in shapes:  # prose first: the baseline of the ratios
            per_mb = {}
            for label in sizes:
                path, megabytes = files[shape, label]
                seconds, peak = run(job, path)
                per_mb[label] = max(seconds - start_up, 0.001) / megabytes
            prose = prose or per_mb["large"]
            small, large = per_mb["1 MB"], per_mb["large"]
            goal = 5 * files[shape, "large"][1] + 200
            print(
                f"  {shape:17s} {small:9.2f} {large:10.2f} {large / small:8.2f}× {large / prose:7.2f}× {peak:8.0f} {goal:6.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Start-up benchmark: `tokcli count -m gpt-4o` on a small prompt, as a whole process, against a bare
`python -c` that loads o200k_base from the same offline data and encodes the same text; `tokcli compress`
of the same prompt against the same baseline (most of its time is start-up: imports and patterns).

Prints medians and the ratio (goal ≤ 0.8). Both run in this same process tree, alternately, so machine noise
hits both. Usage: python bench/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from baseline import LOAD_O200K

PROMPT = "You are a helpful assistant. Summarise the user's message in one sentence.\n"

BASELINE = (
    LOAD_O200K
    + r"""
print(len(enc.encode_ordinary(open(__import__("sys").argv[1]).read())))
"""
)


def timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds one run of `command` takes. Its output is captured, not shown (compress writes its summary to
    stderr on every run), and its stderr is shown only when it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tokcli-bench-")
    try:
        prompt = os.path.join(work, "prompt.txt")
        with open(prompt, "w") as stream:
            stream.write(PROMPT)
        env = dict(os.environ, TOKCLI_CACHE_DIR=os.path.join(work, "cache"))
        tokcli = [sys.executable, "-m", "tokcli", "count", "-m", "gpt-4o", prompt]
        baseline = [sys.executable, "-c", BASELINE, prompt]
        # One untimed run fills the parsed-ranks cache and checks both sides count the same.
        ours_count = subprocess.run([*tokcli, "--format", "csv"], check=True, env=env, capture_output=True, text=True)
        theirs_count = subprocess.run(baseline, check=True, env=env, capture_output=True, text=True)
        tokens = int(ours_count.stdout.splitlines()[1].split(",")[3])
        if tokens != int(theirs_count.stdout):
            raise SystemExit(f"token counts differ: tokcli {tokens}, baseline {theirs_count.stdout.strip()}")
        compress = [sys.executable, "-m", "tokcli", "compress", "-m", "gpt-4o", prompt]
        ours, theirs, version, help_, compressing = [], [], [], [], []
        for _ in range(args.runs):
            ours.append(timed(tokcli, env))
            theirs.append(timed(baseline, env))
            compressing.append(timed(compress, env))
            version.append(timed([sys.executable, "-m", "tokcli", "--version"], env))
            help_.append(timed([sys.executable, "-m", "tokcli", "--help"], env))
        ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
        print(f"baseline python -c (load o200k + encode): {theirs_median * 1000:7.1f} ms")
        print(f"tokcli count -m gpt-4o (warm cache):      {ours_median * 1000:7.1f} ms")
        print(f"tokcli --version:                         {statistics.median(version) * 1000:7.1f} ms")
        print(f"tokcli --help:                            {statistics.median(help_) * 1000:7.1f} ms")
        compress_median = statistics.median(compressing)
        print(f"tokcli compress -m gpt-4o:                {compress_median * 1000:7.1f} ms")
        print(f"ratio tokcli / baseline: {ours_median / theirs_median:.2f}  (goal ≤ 0.80)")
        print(f"ratio tokcli compress / baseline: {compress_median / theirs_median:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

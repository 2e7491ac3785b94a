"""`tokcli audit` on a large Python tree: what finding the prompts in source costs, against baselines measured
in the same run.

    python bench/bench_units.py [--tree DIR] [--repeat 3]

--tree defaults to this interpreter's site-packages (an installed package tree: thousands of Python files,
read-only; nothing is written there). Prints, as medians of --repeat runs:
- read: walking the tree and reading every `.py` file (what every scan pays);
- scan: discovery plus prompt-unit extraction (substring checks, `ast` where a file may hold prompts), with the
  CPU time of each part (the machine is shared: CPU seconds are steadier than wall-clock ones);
- bare count: tiktoken (o200k_base) batch-encoding the unit texts found, and every file's whole text (what
  counting the tree as text costs, for scale);
- audit: the whole cold `audit` (no cache) with lint and compress, and with both off.
Ratios: scan/read (what finding prompts adds over reading), and the audit figures. No threshold is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import sysconfig
import time
from pathlib import Path


def read_all(tree: Path) -> tuple[float, float, list[str], int]:
    """(wall s, CPU s, texts, bytes): walking the tree as discovery does and reading every `.py` file."""
    from tokcli.inputs import walk_directory

    start, cpu = time.perf_counter(), time.process_time()
    texts, size = [], 0
    for path in walk_directory(tree, [".py"]):
        data = path.read_bytes()
        size += len(data)
        texts.append(data.decode("utf-8", errors="replace"))
    return time.perf_counter() - start, time.process_time() - cpu, texts, size


def scan(tree: Path) -> tuple[float, float, float, list[str]]:
    """(wall s, CPU s of discovery, CPU s of finding the units, unit texts)."""
    from tokcli.audit.discover import discover
    from tokcli.config import Config
    from tokcli.units.audit import expand_units
    from tokcli.units.select import unit_settings

    start, cpu = time.perf_counter(), time.process_time()
    found = discover([str(tree)], ["**/*.py"], [], tree)
    found_cpu = time.process_time()
    expanded = expand_units(found, unit_settings(Config(root=tree)))
    units_cpu = time.process_time() - found_cpu
    return time.perf_counter() - start, found_cpu - cpu, units_cpu, [unit.text for unit in expanded.units.values()]


def bare_count(texts: list[str]) -> float:
    from tokcli.registry import get_tokenizer

    encoding = get_tokenizer("o200k_base").encoding  # type: ignore[attr-defined]
    start = time.perf_counter()
    encoding.encode_ordinary_batch(texts, num_threads=2)
    return time.perf_counter() - start


def audit(tree: Path, *, lint: bool) -> tuple[float, int, int]:
    from tokcli.audit import AuditOptions, build_settings, run_audit
    from tokcli.config import Config

    config = Config(root=tree)
    config.audit = {"include": ["**/*.py"], "lint": lint, "compress": "balanced" if lint else False}
    settings = build_settings(config, no_cache=True)
    options = AuditOptions(paths=[str(tree)], use_cache=False)
    start = time.perf_counter()
    report = run_audit(config, settings, options)
    return time.perf_counter() - start, len(report.files), len(report.findings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    import tokcli.audit  # noqa: F401  (imported outside the timings)
    from tokcli.registry import get_tokenizer

    get_tokenizer("o200k_base").count_batch(["warm up the tokenizer " * 2000] * 4)
    reads, scans, counts, fulls, countings, wholes = [], [], [], [], [], []
    read_cpus, discover_cpus, unit_cpus = [], [], []
    files = size = units = rows = findings = 0
    for _ in range(args.repeat):
        elapsed, cpu, sources, size = read_all(args.tree)
        files = len(sources)
        reads.append(elapsed)
        wholes.append(bare_count(sources))
        read_cpus.append(cpu)
        elapsed, discover_cpu, unit_cpu, texts = scan(args.tree)
        scans.append(elapsed)
        discover_cpus.append(discover_cpu)
        unit_cpus.append(unit_cpu)
        units = len(texts)
        counts.append(bare_count(texts))
        elapsed, rows, findings = audit(args.tree, lint=True)
        fulls.append(elapsed)
        countings.append(audit(args.tree, lint=False)[0])
    read, scanned, counted, full, counting, whole = (
        statistics.median(r) for r in (reads, scans, counts, fulls, countings, wholes)
    )
    read_cpu, discover_cpu, unit_cpu = (statistics.median(r) for r in (read_cpus, discover_cpus, unit_cpus))
    print(
        f"{args.tree}: {files:,} Python files, {size / 1e6:.1f} MB; {units:,} prompt units found; "
        f"median of {args.repeat} runs"
    )
    print(f"read every .py file:                 {read:8.3f} s")
    print(f"scan (discover + find units):        {scanned:8.3f} s   {scanned / read:6.2f}× read")
    print(
        f"  CPU: walk + read {read_cpu:.3f} s; discovery {discover_cpu:.3f} s; finding the units {unit_cpu:.3f} s "
        f"({unit_cpu / read_cpu:.2f}× walk + read)"
    )
    print(f"bare tiktoken count of the units:    {counted:8.3f} s")
    print(f"bare tiktoken count of every file:   {whole:8.3f} s   scan = {scanned / whole:.2f}× counting the tree")
    print(f"cold audit, counting only:           {counting:8.3f} s   {counting / read:6.2f}× read")
    print(
        f"cold audit, lint + compress:         {full:8.3f} s   {full / read:6.2f}× read  ({rows:,} rows, "
        f"{findings:,} findings)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

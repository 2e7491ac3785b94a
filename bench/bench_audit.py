"""`tokcli audit` speed on a generated tree, against bare tiktoken measured in the same run.

    python bench/bench_audit.py [--files 5000] [--workdir bench/.work/audit]

Generates --files prompt files (markdown, text, Jinja2, chat YAML; 0.5–4 KB each, deterministic) and prints:
- bare tiktoken: read the same files and encode them with `encode_ordinary_batch` (o200k_base);
- cold audit (empty cache) with everything on: tokens, cost, lint, compress savings, cache prefix;
- cold audit with lint and compress off (`audit: {lint: false, compress: false}`): counting and cache prefix;
- warm audit (every file served from the cache).
Ratios: cold counting/bare (goal ≤ 1.3×), cold all/bare, and cold/warm (goal ≥ 20×). Each figure is the median
of --repeat runs in this one process (bare and the audits interleaved, so machine noise hits them alike). No
threshold is asserted: the machine is shared, compare the ratios.

    python bench/bench_audit.py --findings [--files 2000]

A tree where every file has ~20 lint findings (verbose phrases, whitespace runs, blank-line runs): cold and
warm audit including rendering the report, for JSON and for text (each with its own cache, as `tokcli audit
--format X` runs), and the ratio cold/warm (goal ≥ 20×), measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "answer",
    "the",
    "customer",
    "question",
    "using",
    "only",
    "the",
    "context",
    "below",
    "cite",
    "every",
    "source",
    "by",
    "its",
    "number",
    "keep",
    "the",
    "reply",
    "short",
    "and",
    "friendly",
    "never",
    "invent",
    "facts",
    "escalate",
    "refunds",
    "over",
    "five",
    "hundred",
    "dollars",
    "to",
    "a",
    "human",
    "agent",
    "billing",
    "invoice",
    "account",
    "plan",
    "upgrade",
    "downgrade",
    "tax",
    "receipt",
    "currency",
    "region",
    "policy",
    "deadline",
    "summary",
    "bullet",
    "format",
]
FILLER = ["Please note that ", "In order to ", "It is important to note that ", "Kindly ", "Due to the fact that "]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    lead = rng.choice(FILLER) if rng.random() < 0.2 else ""
    return lead + " ".join(words).capitalize() + "."


def _paragraphs(rng: random.Random, size: int) -> str:
    parts: list[str] = []
    while sum(len(p) for p in parts) < size:
        parts.append(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))))
    return "\n\n".join(parts) + "\n"


def generate(directory: Path, count: int) -> int:
    """Write `count` prompt files; returns the total bytes."""
    rng = random.Random(20251129)
    total = 0
    for index in range(count):
        size = rng.randint(500, 4000)
        kind = index % 4
        folder = directory / f"team{index % 25:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        if kind == 0:
            path, text = folder / f"system_{index}.md", "# Role\n\n" + _paragraphs(rng, size)
        elif kind == 1:
            path, text = folder / f"task_{index}.txt", _paragraphs(rng, size)
        elif kind == 2:
            body = _paragraphs(rng, size)
            path = folder / f"rag_{index}.j2"
            text = (
                body + "{% for doc in documents %}\n[{{ loop.index }}] {{ doc.text }}\n{% endfor %}\n{{ question }}\n"
            )
        else:
            path = folder / f"chat_{index}.yaml"
            system = _paragraphs(rng, size).replace("\n", " ").strip()
            text = f"messages:\n  - role: system\n    content: {system!r}\n  - role: user\n    content: '{{{{ q }}}}'\n"
        path.write_text(text, encoding="utf-8")
        total += len(text.encode())
    (directory / ".tokcli.yaml").write_text("models: [gpt-4o]\n", encoding="utf-8")
    return total


NOISY_LINES = [
    "Please note that {} ",
    "In order to {}  {}",
    "Due to the fact that   {}.",
    "It is important to note that {}\t",
    "{}\n\n\n",
]


def generate_noisy(directory: Path, count: int) -> int:
    """Write `count` markdown files dense with lint findings; returns the total bytes."""
    rng = random.Random(20261205)
    total = 0
    for index in range(count):
        folder = directory / f"team{index % 25:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = ["# Role", ""]
        for _ in range(rng.randint(8, 16)):
            line = rng.choice(NOISY_LINES)
            lines.append(line.format(*(_sentence(rng) for _ in range(line.count("{}")))))
        text = "\n".join(lines) + "\n"
        (folder / f"noisy_{index}.md").write_text(text, encoding="utf-8")
        total += len(text.encode())
    (directory / ".tokcli.yaml").write_text("models: [gpt-4o]\n", encoding="utf-8")
    return total


def audit_and_render(directory: Path, cache: Path, output: str) -> tuple[float, int, int]:
    """One audit with the cache at `cache` for `--format output` (json or text), report included: (seconds,
    findings, cache hits)."""
    from tokcli.reporters.audit_json import render_audit_json
    from tokcli.reporters.audit_text import render_audit_text

    start = time.perf_counter()
    _, hits, report = audit_report(directory, cache)
    if output == "json":
        render_audit_json(report)
    else:
        render_audit_text(report, width=180)
    return time.perf_counter() - start, len(report.findings), hits


def findings_bench(args: argparse.Namespace, work: Path) -> None:
    tree = work / "noisy"
    if tree.exists():
        shutil.rmtree(tree)
    size = generate_noisy(tree, args.files)
    import tokcli.audit  # noqa: F401

    print(f"{args.files:,} files, {size / 1e6:.1f} MB in {tree}, median of {args.repeat} runs")
    outputs = ("json", "text")
    colds: dict[str, list[float]] = {output: [] for output in outputs}
    warms: dict[str, list[float]] = {output: [] for output in outputs}
    findings = 0
    for run in range(args.repeat):
        for output in outputs:  # each format with its own cache, as `tokcli audit --format X` runs
            cache = work / f"audit-noisy-cache-{output}-{run}.sqlite3"
            cache.unlink(missing_ok=True)
            seconds, findings, hits = audit_and_render(tree, cache, output)
            assert hits == 0
            colds[output].append(seconds)
            seconds, _, hits = audit_and_render(tree, cache, output)
            assert hits == args.files, hits
            warms[output].append(seconds)
    print(f"{findings:,} findings")
    for output in outputs:
        cold, warm = statistics.median(colds[output]), statistics.median(warms[output])
        label = f"--format {output}"
        print(f"{label}: cold {cold:7.3f} s, warm {warm:7.3f} s   cold/warm = {cold / warm:6.1f}×  (goal ≥ 20×)")


def bare_tiktoken(directory: Path) -> float:
    from tokcli.registry import get_tokenizer

    encoding = get_tokenizer("o200k_base").encoding  # type: ignore[attr-defined]
    threads = max(1, min(8, os.cpu_count() or 1))
    start = time.perf_counter()
    texts = [
        path.read_bytes().decode("utf-8")
        for path in sorted(directory.rglob("*"))
        if path.suffix in (".md", ".txt", ".j2", ".yaml")
    ]
    encoding.encode_ordinary_batch(texts, num_threads=threads)
    return time.perf_counter() - start


def audit_once(directory: Path, cache: Path | None, *, lint: bool = True, compress: bool = True) -> tuple[float, int]:
    elapsed, hits, _ = audit_report(directory, cache, lint=lint, compress=compress)
    return elapsed, hits


def audit_report(
    directory: Path, cache: Path | None, *, lint: bool = True, compress: bool = True
) -> tuple[float, int, Any]:
    from tokcli.audit import AuditOptions, build_settings, run_audit
    from tokcli.config import load_config

    config = load_config(start_dir=directory)
    config.audit = {"lint": lint, "compress": "balanced" if compress else False}
    settings = build_settings(config, no_cache=cache is None)
    options = AuditOptions(paths=[str(directory)], use_cache=cache is not None, cache_path=cache)
    start = time.perf_counter()
    report = run_audit(config, settings, options)
    elapsed = time.perf_counter() - start
    assert not report.problems, report.problems[:3]
    return elapsed, report.cache_hits, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=None, help="default: 5000, or 2000 with --findings")
    parser.add_argument("--findings", action="store_true", help="the warm/cold case on a tree dense in findings")
    parser.add_argument("--workdir", type=Path, default=None, help="where to generate (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; medians are printed")
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="tokcli-bench-audit-"))
    if args.findings:
        args.files = args.files or 2000
        findings_bench(args, work)
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    args.files = args.files or 5000
    tree = work / "prompts"
    if tree.exists():
        shutil.rmtree(tree)
    size = generate(tree, args.files)
    import tokcli.audit  # noqa: F401  (imported outside the timings, as in a warm interpreter)
    from tokcli.registry import get_tokenizer

    # Loaded once, outside every timing; the optional fast counter behind count_batch (the `fast` extra) loads
    # on its first large batch, so give it one.
    get_tokenizer("o200k_base").count_batch(["warm up the tokenizer " * 20_000] * 8)
    print(f"{args.files:,} files, {size / 1e6:.1f} MB in {tree}, median of {args.repeat} runs")
    bares, countings, colds, warms = [], [], [], []
    for run in range(args.repeat):
        bares.append(bare_tiktoken(tree))
        countings.append(audit_once(tree, None, lint=False, compress=False)[0])
        cache = work / f"audit-cache-{run}.sqlite3"
        cache.unlink(missing_ok=True)
        cold, hits = audit_once(tree, cache)
        assert hits == 0
        colds.append(cold)
        warm, hits = audit_once(tree, cache)
        assert hits == args.files, hits
        warms.append(warm)
    bare, counting, cold, warm = (statistics.median(runs) for runs in (bares, countings, colds, warms))
    print(f"bare tiktoken batch encode:            {bare:8.3f} s")
    print(f"cold audit, counting + cache prefix:   {counting:8.3f} s   {counting / bare:6.2f}× bare  (goal ≤ 1.3×)")
    print(f"cold audit, all (lint, compress):      {cold:8.3f} s   {cold / bare:6.2f}× bare")
    print(f"warm audit (all from cache):           {warm:8.3f} s   cold/warm = {cold / warm:6.1f}×  (goal ≥ 20×)")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

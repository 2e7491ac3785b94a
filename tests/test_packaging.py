"""The built distributions: the licence in the wheel and the sdist, no tests in the sdist (they need the
repository), and the metadata a package index shows (licence, Pythons, URLs)."""

from __future__ import annotations

import email
import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from repo_support import copy_of_repository


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("build") is None:
        pytest.skip("the build package is not installed")
    out = tmp_path_factory.mktemp("dist")
    source = copy_of_repository(tmp_path_factory.mktemp("source") / "tokcli")
    completed = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)], capture_output=True, text=True, timeout=900
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return out


@pytest.mark.slow
def test_wheel_ships_the_licence_and_states_what_it_supports(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(metadata_name))
        licence = next(name for name in names if name.endswith("licenses/LICENSE"))
        assert archive.read(licence).startswith(b"MIT License")
    assert not any(name.startswith("tests/") for name in names)
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.10"
    classifiers = metadata.get_all("Classifier") or []
    for version in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(urls)
    assert any(name == "tokcli/data/pricing.yaml" for name in names)


@pytest.mark.slow
def test_sdist_ships_the_licence_and_no_tests(dist: Path) -> None:
    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    assert "LICENSE" in names and "README.md" in names and "CHANGELOG.md" in names
    assert not any(name.startswith(("tests/", "bench/", "prompts_examples/")) for name in names)
    assert "tokcli/cli.py" in names

"""The steps of tokcli's composite GitHub Action (../action.yml), in Python so no input is word-split by a shell.

    python tokcli_action.py install   # pip-install tokcli into the running (virtual-environment) Python
    python tokcli_action.py audit     # run `tokcli audit PATHS ARGS --format github` from that environment

Inputs arrive in environment variables, set by action.yml from the action's inputs:
TOKCLI_VERSION, TOKCLI_EXTRAS, TOKCLI_PATHS, TOKCLI_ARGS, and GITHUB_ACTION_PATH (this repository's checkout).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

OPERATOR = re.compile(r"^\s*(===|==|!=|~=|>=|<=|>|<)")
BARE_VERSION = re.compile(r"^\s*v?\d[\w.+!-]*\s*$")
EXTRAS = re.compile(r"^[A-Za-z0-9_.-]+(\s*,\s*[A-Za-z0-9_.-]+)*$")


class ActionInputError(Exception):
    """An action input that cannot be used: one line for the workflow log, exit 2."""


def version_specifier(version: str) -> str:
    """`0.1.0` → `==0.1.0` (also `v0.1.0`); a specifier with an operator (`>=0.1,<0.2`) as it is; '' for none."""
    version = version.strip()
    if not version:
        return ""
    if OPERATOR.match(version):
        return version.replace(" ", "")
    if BARE_VERSION.match(version):
        return "==" + version.removeprefix("v")
    raise ActionInputError(f"version: {version!r} is neither a version (0.1.0) nor a pip specifier (>=0.1)")


def requirement(version: str, extras: str, action_path: str) -> str:
    """What pip installs: tokcli from the package index at `version`, or the action's own checkout."""
    extras = extras.strip()
    if extras and not EXTRAS.match(extras):
        raise ActionInputError(f"extras: {extras!r} is not a comma-separated list of extra names")
    wanted = f"[{extras.replace(' ', '')}]" if extras else ""
    specifier = version_specifier(version)
    if specifier:
        return f"tokcli{wanted}{specifier}"
    return f"tokcli{wanted} @ {Path(action_path).resolve().as_uri()}"


def split_list(value: str) -> list[str]:
    """One item per line when the input has several lines (a path may hold spaces); a single line is split
    as a shell would, quotes included (`--since "origin/main"` → `--since`, `origin/main`)."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if len(lines) > 1:
        return lines
    try:
        return shlex.split(lines[0]) if lines else []
    except ValueError as error:  # an unclosed quote
        raise ActionInputError(f"cannot split {value!r}: {error}") from None


def audit_command(paths: str, args: str) -> list[str]:
    tokcli = Path(sys.executable).with_name("tokcli")
    return [str(tokcli), "audit", *(split_list(paths) or ["."]), *split_list(args), "--format", "github"]


def main(argv: list[str]) -> int:
    env = os.environ
    try:
        if argv == ["install"]:
            wanted = requirement(env.get("TOKCLI_VERSION", ""), env.get("TOKCLI_EXTRAS", ""), env["GITHUB_ACTION_PATH"])
            command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", wanted]
        elif argv == ["audit"]:
            command = audit_command(env.get("TOKCLI_PATHS", ""), env.get("TOKCLI_ARGS", ""))
        else:
            raise ActionInputError(f"usage: {Path(__file__).name} install|audit")
    except ActionInputError as error:
        print(f"::error title=tokcli action::{error}", flush=True)
        return 2
    print("+ " + shlex.join(command), flush=True)
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

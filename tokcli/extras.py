"""How to install an optional extra, said for the way tokcli itself was installed.

`pip install 'tokcli[llama]'` only works where pip finds tokcli on an index. Installed from a clone, a wheel
file or a git URL (pip records where it came from in `direct_url.json`, PEP 610), the same command would fetch
another tokcli or fail: the hint names the extra's own packages instead.
"""

from __future__ import annotations

import functools
import re

_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([\w.-]+)["']""")
_SELF = re.compile(r"tokcli\[([^\]]*)\]")


def install_hint(extra: str) -> str:
    """One line: the pip command that adds `extra` to this installation."""
    requirements = _extra_requirements(extra) if not _installed_from_index() else None
    if not requirements:
        return f"pip install 'tokcli[{extra}]'"
    return "pip install " + " ".join(
        f"'{requirement}'" if _needs_quotes(requirement) else requirement for requirement in requirements
    )


def _needs_quotes(requirement: str) -> bool:
    return any(char in requirement for char in "<>=!~;[], ")


@functools.lru_cache(maxsize=1)
def _installed_from_index() -> bool:
    """Whether this tokcli came from a package index: an installer's record (`INSTALLER`) without a
    `direct_url.json`. A source tree's `tokcli.egg-info` (found first when run from the clone) is no installation."""
    from importlib import metadata

    for distribution in metadata.distributions(name="tokcli"):
        if distribution.read_text("INSTALLER") is not None:
            return distribution.read_text("direct_url.json") is None
    return False


def _extra_requirements(extra: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """The requirements (without markers) that `extra` adds, an extra of tokcli's own (`all`) expanded."""
    from importlib import metadata

    try:
        declared = metadata.requires("tokcli") or []
    except metadata.PackageNotFoundError:
        return []
    found: list[str] = []
    for line in declared:
        requirement, _, marker = line.partition(";")
        named = _EXTRA_MARKER.search(marker)
        if named is None or named.group(1) != extra:
            continue
        requirement = requirement.strip()
        own = _SELF.fullmatch(requirement.replace(" ", ""))
        if own is None:
            found.append(requirement)
            continue
        for inner in own.group(1).split(","):
            if inner and inner not in seen:
                found.extend(item for item in _extra_requirements(inner, seen | {extra}) if item not in found)
    return found

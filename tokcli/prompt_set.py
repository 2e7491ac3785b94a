"""Which files are prompts when a directory is walked: one rule for every command and integration.

A file is a prompt when the loader knows its type (text, markdown, Jinja2, chat YAML/JSON, prompty) and it is
neither tokcli's or pre-commit's own config nor one of the documents every repository has (README, CHANGELOG,
LICENSE … in upper case). Files named on the command line are read whatever their name; the pre-commit hooks' `files`
pattern is built from the same suffixes and names (a test keeps them in step)."""

from __future__ import annotations

from pathlib import PurePath

from tokcli.prompts import CHAT_SUFFIXES, PROMPT_SUFFIXES
from tokcli.prompts import name_parts as _name_parts

#: Source files read for the prompts they hold (Python, Jupyter notebooks, JavaScript/TypeScript):
#: tokcli.units.scan.SOURCE_SUFFIXES, kept here so that a walk does not import the scanners.
JS_SUFFIXES = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"})
SOURCE_SUFFIXES = frozenset({".py", ".ipynb"}) | JS_SUFFIXES
#: Where a JavaScript file is built output, not source: minified or bundled names, type declarations, and the
#: directories builds write to.
_BUILT_JS_NAMES = (".min.js", "-min.js", ".min.mjs", ".min.cjs", ".bundle.js", ".d.ts", ".d.mts", ".d.cts")
_BUILT_JS_DIRECTORIES = frozenset({"dist", "build"})
#: Files the loader could read but that are configuration, never prompts.
CONFIG_FILES = frozenset({".tokcli.yaml", ".tokcli.yml", ".pre-commit-hooks.yaml", ".pre-commit-config.yaml"})
#: The documents of a repository, about the project and not sent to a model: matched on the upper-case name
#: (`README.md`, `CHANGELOG.md`) the convention gives them, so a prompt called `support.md` or `security.md` stays.
REPOSITORY_DOCUMENTS = frozenset(
    {
        "README",
        "CHANGELOG",
        "CHANGES",
        "HISTORY",
        "NEWS",
        "CONTRIBUTING",
        "CODE_OF_CONDUCT",
        "SECURITY",
        "SUPPORT",
        "LICENSE",
        "LICENCE",
        "COPYING",
        "AUTHORS",
        "NOTICE",
    }
)


#: Hidden directories where coding agents read prompts, and which of their entries hold them (GitHub Copilot's
#: instructions, prompt files, chat modes and agents; Claude Code's commands, agents and skills; Cursor's and
#: Windsurf's rules; Cline's, Continue's, Kiro's and Amazon Q's rule folders). Every other hidden entry stays
#: skipped: `.github/workflows/` is CI config, `.claude/settings.json` is settings.
AGENT_PROMPT_ENTRIES: dict[str, frozenset[str]] = {
    ".github": frozenset({"copilot-instructions.md", "instructions", "prompts", "chatmodes", "agents"}),
    ".claude": frozenset({"commands", "agents", "skills"}),
    ".cursor": frozenset({"rules"}),
    ".windsurf": frozenset({"rules", "workflows"}),
    ".clinerules": frozenset({"*"}),
    ".continue": frozenset({"prompts", "rules"}),
    ".kiro": frozenset({"steering"}),
    ".amazonq": frozenset({"rules"}),
}


#: Jinja templates of what a browser or another program reads (`page.html.j2`), not a model.
NON_PROMPT_TEMPLATE_SUFFIXES = (".html", ".htm", ".xml", ".css", ".js")


def not_a_prompt(path: PurePath | str) -> str | None:
    """Why a file found in a directory is not a prompt (a short reason for the user), or None when it is one."""
    name, stem, suffix = _name_parts(path)
    if name in CONFIG_FILES:
        return "tokcli or pre-commit config"
    if suffix.lower() not in PROMPT_SUFFIXES:
        return "not a prompt file type"
    if stem in REPOSITORY_DOCUMENTS:
        return "a repository document (README, CHANGELOG, LICENSE …)"
    if _name_parts(stem)[2].lower() in NON_PROMPT_TEMPLATE_SUFFIXES:
        return "a web page or asset template (HTML, XML, CSS, JS)"
    return None


def not_a_prompt_or_host(path: PurePath | str) -> str | None:
    """`not_a_prompt`, except that Python source, Jupyter notebooks and JavaScript/TypeScript source are taken:
    they are scanned for the prompts they hold (tokcli.units), and one without prompts adds nothing. Built
    JavaScript (minified, bundled, type declarations, below a `dist/` or `build/` directory) is not source."""
    suffix = _name_parts(path)[2].lower()
    if suffix in JS_SUFFIXES:
        return built_javascript(path)
    if suffix in SOURCE_SUFFIXES:
        return None
    return not_a_prompt(path)


def built_javascript(path: PurePath | str) -> str | None:
    """Why a JavaScript file found in a directory is built output, not source (None for source). A walk's
    absolute path counts only the directories below the current one (a checkout in `/tmp/build/…` is source)."""
    import contextlib
    import os

    path = PurePath(path)
    if path.name.lower().endswith(_BUILT_JS_NAMES):
        return "minified, bundled or declaration JavaScript"
    if path.is_absolute():
        with contextlib.suppress(ValueError):
            path = path.relative_to(os.getcwd())
    if any(part in _BUILT_JS_DIRECTORIES for part in path.parts[:-1]):
        return "built JavaScript (dist/, build/)"
    return None


def hook_files_pattern(*, chat: bool) -> str:
    """The pre-commit `files` regex for the same rule: prompt suffixes, no repository documents. The lint and
    compress hooks leave chat YAML/JSON out (`chat=False`): pre-commit would hand them every changed config
    file, and only the content says whether a YAML/JSON file is a chat prompt."""
    suffixes = sorted(suffix[1:] for suffix in PROMPT_SUFFIXES if chat or suffix not in CHAT_SUFFIXES)
    documents = "|".join(sorted(REPOSITORY_DOCUMENTS))
    return rf"^(?!(.*/)?({documents})\.[^./]+$).*\.({'|'.join(suffixes)})$"

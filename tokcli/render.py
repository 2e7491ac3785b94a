"""Rendering templates with sample variables (fixtures), to count what a request really sends.

Fixtures for a template come from, in this order:
- `--vars FILE` on the command line (for every template named);
- config `render.fixtures`: gitignore-style globs (relative to the config's directory) → fixture files;
- `NAME.vars.yaml` / `NAME.vars.json` beside the template (`rag.j2` → `rag.vars.yaml` or `rag.j2.vars.yaml`);
- a GitHub `.prompt.yml` file's own `testData`;
- a `.prompty` file's own `sample:` (a mapping of inputs; the inputs' `default`s fill what it leaves out).

A fixture file holds one mapping of variables, a list of them, or `{fixtures: {name: mapping}}` / `{fixtures:
[mapping, ...]}`. Templates are rendered in Jinja2's `SandboxedEnvironment` with `StrictUndefined`: a template that
reaches for Python internals, or uses a variable the fixture lacks, is an InputError naming the file and line.
dotprompt files are Handlebars, rendered by `tokcli.handlebars_render` (no code runs), with the same errors.
"""

from __future__ import annotations

import functools
import os
import statistics
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from tokcli.errors import InputError
from tokcli.prompts import Message, PromptDocument

FIXTURE_SUFFIXES = (".vars.yaml", ".vars.yml", ".vars.json")


@dataclass(frozen=True)
class Fixture:
    name: str
    values: dict[str, Any]
    source: str  # the file (or "testData") it came from


@dataclass
class Rendered:
    """A template rendered with one fixture: `text` (body templates) or `document` (chat files)."""

    fixture: Fixture
    text: str
    document: PromptDocument | None = None


@dataclass
class RenderSettings:
    """Config `render.fixtures` (glob → fixture files) and the `--vars` files."""

    globs: dict[str, list[Path]] = field(default_factory=dict)
    extra: list[Path] = field(default_factory=list)


def render_settings(config: Any, extra: Sequence[Path] = ()) -> RenderSettings:
    """From config `render: {fixtures: {glob: file | [files]}}`; ConfigError-free here: bad values are one line."""
    from tokcli.config import MAPPING, check_section
    from tokcli.errors import ConfigError

    data = getattr(config, "render", {}) or {}
    check_section(data, {"fixtures": MAPPING}, config.source, "render", config.key_lines)
    globs: dict[str, list[Path]] = {}
    for glob, files in dict(data.get("fixtures", {})).items():
        names = [files] if isinstance(files, str) else files
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            line = config.key_lines.get(f"render.fixtures.{glob}")
            raise ConfigError(
                f"config key 'render.fixtures.{glob}' must be a fixture file or a list of them",
                path=config.source,
                line=line,
            )
        globs[str(glob)] = [config.resolve_path(name) for name in names]
    for path in extra:  # a `--vars` file is checked even when no input is a template: no typo goes unnoticed
        _read_fixture_file(path)
    return RenderSettings(globs=globs, extra=list(extra))


def fixture_files(
    path: str, settings: RenderSettings, root: Path | None, listing: Callable[[str], Container[str]] | None = None
) -> list[Path]:
    """The fixture files that apply to the template at `path`. `listing` (a directory → the names in it, kept
    by the caller across many templates) spares a stat per possible fixture name, and a path object per
    template: names are put together as strings and only a listed one is looked at."""
    files = list(settings.extra)
    if settings.globs and root is not None:
        from tokcli.audit.discover import glob_matches

        try:
            relative = Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            relative = None
        for glob, names in settings.globs.items():
            if relative is not None and glob_matches(glob, relative):
                files.extend(names)
    directory, name = os.path.split(path)
    listed: Container[str] | None = None
    if listing is not None and name not in ("", ".", "..") and "\\" not in name:
        listed = listing(directory or ".")
    else:  # no listing, or a name PurePath reads otherwise ("a/", Windows separators): each name is looked at
        name = PurePath(path).name
    dot = name.rfind(".")
    stems = {name, name.split(".", 1)[0], name[:dot] if 0 < dot < len(name) - 1 else name}  # PurePath's stem
    for stem in sorted(stems):
        for suffix in FIXTURE_SUFFIXES:
            if listed is not None and stem + suffix not in listed:
                continue
            candidate = Path(path).with_name(stem + suffix)
            if candidate.is_file():
                files.append(candidate)
    return list(dict.fromkeys(files))


def is_fixture_file(path: str) -> bool:
    """Fixture files are inputs of templates, not prompts of their own."""
    return path.lower().endswith(FIXTURE_SUFFIXES)


def _read_fixture_file(path: Path) -> list[Fixture]:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("fixture file not found", path=shown) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read fixture file: {getattr(error, 'strerror', None) or error}", path=shown) from None
    import json

    from tokcli.structured import guarded, load_yaml

    if path.suffix.lower() == ".json":
        with guarded(shown, "JSON in fixture file"):
            data = json.loads(text)
    else:
        data = load_yaml(text, shown, what="YAML in fixture file")
    return fixtures_from_data(data, shown)


def fixtures_from_data(data: Any, source: str) -> list[Fixture]:
    """Fixtures of a fixture file's data: one mapping, a list of mappings, or `{fixtures: ...}` of either (a
    mapping there names its fixtures)."""
    named = False
    if isinstance(data, dict) and set(data) == {"fixtures"}:
        data, named = data["fixtures"], True
    items: list[tuple[str, Any]]
    if isinstance(data, dict) and named:
        items = [(str(name), value) for name, value in data.items()]
    elif isinstance(data, dict):
        items = [(PurePath(source).name, data)]
    elif isinstance(data, list):
        items = [(f"{PurePath(source).name}#{index + 1}", value) for index, value in enumerate(data)]
    else:
        raise InputError("a fixture file holds a mapping of variables or a list of them", path=source)
    fixtures = []
    for name, value in items:
        if not isinstance(value, dict):
            raise InputError(f"fixture {name!r} must be a mapping of variables", path=source)
        fixtures.append(Fixture(name, value, source))
    return fixtures


def fixtures_for(document: PromptDocument, settings: RenderSettings, root: Path | None) -> list[Fixture]:
    """Every fixture of a document: from files that apply to it, a `.prompt.yml`'s `testData` and a `.prompty`'s
    `sample`."""
    fixtures = [
        fixture for file in fixture_files(document.path, settings, root) for fixture in _read_fixture_file(file)
    ]
    if document.path.endswith((".prompt.yml", ".prompt.yaml")):
        fixtures.extend(_test_data(document))
    if document.kind == "prompty":
        fixtures.extend(_prompty_sample(document))
    return fixtures


def _prompty_sample(document: PromptDocument) -> list[Fixture]:
    """The front matter's `sample:` mapping, over the declared inputs' `default`s (as Prompty fills them). A
    `sample` that names a file (`${file:sample.json}`) is not read."""
    sample = document.front_matter.get("sample")
    if not isinstance(sample, dict):
        return []
    inputs = document.front_matter.get("inputs")
    defaults = {
        name: spec["default"]
        for name, spec in (inputs.items() if isinstance(inputs, dict) else ())
        if isinstance(spec, dict) and "default" in spec
    }
    return [Fixture("sample", {**defaults, **sample}, "sample")]


def _test_data(document: PromptDocument) -> list[Fixture]:
    from tokcli.structured import load_yaml

    try:
        data = load_yaml(document.text, document.path)
    except InputError:
        return []  # the chat loader reports a file it cannot read
    rows = data.get("testData") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        return []
    fixtures = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(f"testData entry {index + 1} must be a mapping of variables", path=document.path)
        fixtures.append(Fixture(f"testData#{index + 1}", row, "testData"))
    return fixtures


@functools.lru_cache(maxsize=16)
def _environment(directory: str | None) -> Any:
    """The sandbox a template renders in; `{% include %}`, `{% import %}` and `{% extends %}` read templates
    from `directory` (the template's own; Jinja2's loader refuses `..` and absolute names), none without one."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from tokcli.prompts import JINJA_EXTENSIONS

    loader = FileSystemLoader(directory) if directory is not None else None
    return SandboxedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=True, extensions=JINJA_EXTENSIONS, loader=loader
    )


def _template_directory(path: str) -> str | None:
    """The directory a template's includes are found in: its file's (a unit's host file's); None for stdin."""
    from tokcli.units.model import split_unit_path

    host, _ = split_unit_path(path)
    if host in ("<stdin>", "<text>", "-"):
        return None
    return str(Path(host).resolve().parent)


def render_text(path: str, text: str, fixture: Fixture, first_line: int = 1) -> str:
    """`text` rendered with `fixture`; InputError (file, line) for a sandbox violation or a missing variable."""
    import traceback

    import jinja2
    from jinja2.sandbox import SecurityError

    try:
        return str(_environment(_template_directory(path)).from_string(text).render(**fixture.values))
    except RecursionError:
        message = f"cannot render with fixture {fixture.name!r}: templates include each other without end"
        raise InputError(message, path=path) from None
    except (SecurityError, jinja2.UndefinedError, jinja2.TemplateError, TypeError, ValueError) as error:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == "<template>"]
        line = (frames[-1].lineno or 1) + first_line - 1 if frames else None
        if isinstance(error, SecurityError):
            message = f"sandbox violation: {error}"
        elif isinstance(error, jinja2.UndefinedError):
            message = f"missing variable in fixture {fixture.name!r}: {error}"
        elif isinstance(error, jinja2.TemplateNotFound):
            where = _template_directory(path) or "nowhere: the text has no directory"
            message = f"cannot render with fixture {fixture.name!r}: included template {error} not found in {where}"
        else:
            message = f"cannot render with fixture {fixture.name!r}: {error}"
        raise InputError(message, path=path, line=line) from None


def render_document(document: PromptDocument, fixture: Fixture) -> Rendered:
    if document.kind == "chat":
        messages = [
            Message(
                message.role,
                render_text(document.path, message.content, fixture, message.line),
                message.line,
                message.name,
            )
            for message in document.messages
        ]
        rendered = PromptDocument(path=document.path, text=document.text, kind="chat", messages=messages)
        return Rendered(fixture, rendered.prompt_text, rendered)
    first_line = document.text.count("\n", 0, document.body_offset) + 1
    if document.kind == "dotprompt":
        from tokcli.handlebars_render import render_handlebars

        text = render_handlebars(document.path, document.body, fixture.values, fixture.name, first_line)
        return Rendered(fixture, text)
    return Rendered(fixture, render_text(document.path, document.body, fixture, first_line))


@dataclass(frozen=True)
class RenderedFigures:
    """Rendered tokens of one template on one model, per fixture."""

    per_fixture: tuple[tuple[str, int], ...]
    exact: bool = True

    @property
    def counts(self) -> list[int]:
        return [tokens for _, tokens in self.per_fixture]

    @property
    def minimum(self) -> int:
        return min(self.counts)

    @property
    def median(self) -> float:
        return float(statistics.median(self.counts))

    @property
    def maximum(self) -> int:
        return max(self.counts)

    def to_json(self) -> dict[str, Any]:
        return {
            "fixtures": [{"name": name, "tokens": tokens} for name, tokens in self.per_fixture],
            "min": self.minimum,
            "median": self.median,
            "max": self.maximum,
            "exact": self.exact,
        }


def common_prefix(texts: Sequence[str]) -> str:
    """The text all renders share at the start: what stays the same from request to request (cacheable)."""
    if not texts:
        return ""
    first, last = min(texts), max(texts)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


def renderable(document: PromptDocument) -> bool:
    """Jinja2 templates, prompty bodies, chat files, text with template tags, and dotprompt files (Handlebars,
    see `tokcli.handlebars_render`)."""
    return document.kind in ("jinja", "prompty", "chat", "dotprompt") or bool(document.template_spans)


def render_inputs(inputs: Sequence[Any], settings: RenderSettings, root: Path | None) -> dict[str, list[Rendered]]:
    """path → its renders, for every input that has fixtures (InputError for a bad fixture or render)."""
    from tokcli.prompts import load_prompt
    from tokcli.tools import ToolDefinitionError

    renders: dict[str, list[Rendered]] = {}
    for item in inputs:
        if is_fixture_file(item.path):
            continue
        try:
            document = load_prompt(item.path, item.text)
        except ToolDefinitionError:
            raise
        except InputError:
            continue  # not a prompt this loader reads: counted as text, nothing to render
        if not renderable(document):
            continue
        fixtures = fixtures_for(document, settings, root)
        if fixtures:
            renders[item.path] = [render_document(document, fixture) for fixture in fixtures]
    return renders


def rendered_counts(
    renders: dict[str, list[Rendered]], targets: Sequence[Any]
) -> dict[tuple[str, str], RenderedFigures]:
    """(path, target label) → rendered tokens per fixture, each render counted as `count` counts a file."""
    from tokcli.counting import count_inputs
    from tokcli.inputs import InputText

    items = [(path, render) for path, found in renders.items() for render in found]
    if not items:
        return {}
    texts = [InputText(path, render.text) for path, render in items]
    documents = [render.document for _, render in items]
    report = count_inputs(texts, targets, documents=documents)
    per_target = len(items)
    figures: dict[tuple[str, str], list[tuple[str, int]]] = {}
    exact: dict[tuple[str, str], bool] = {}
    for index, target in enumerate(targets):
        rows = report.results[index * per_target : (index + 1) * per_target]
        for (path, render), row in zip(items, rows):
            figures.setdefault((path, target.label), []).append((render.fixture.name, row.tokens))
            exact[(path, target.label)] = exact.get((path, target.label), True) and row.exact
    return {key: RenderedFigures(tuple(values), exact[key]) for key, values in figures.items()}


@dataclass(frozen=True)
class RenderedCost:
    """A template's renders on one priced model: tokens per fixture, and the cost per call of the smallest and
    the largest render (with the same output and cache options as the template's own row)."""

    path: str
    model: str
    figures: RenderedFigures
    min_cost: Any  # Decimal
    max_cost: Any  # Decimal

    def to_json(self) -> dict[str, Any]:
        from tokcli.pricing.dump import decimal_text

        return {
            "path": self.path,
            "model": self.model,
            **self.figures.to_json(),
            "min_cost": decimal_text(self.min_cost),
            "max_cost": decimal_text(self.max_cost),
        }


def rendered_costs(renders: dict[str, list[Rendered]], models: Sequence[Any], options: Any) -> list[RenderedCost]:
    """Each priced model's cost of every template's smallest and largest render."""
    from tokcli.counting import Target
    from tokcli.errors import MissingExtraError
    from tokcli.pricing.cost import compute_cost

    result = []
    for model in models:
        target = Target(model.id, model.tokenizer, model=model.id, provider=model.provider)
        try:
            figures = rendered_counts(renders, [target])
        except MissingExtraError:
            continue  # cost lists the model as skipped
        for (path, _), found in figures.items():
            low = compute_cost(model, found.minimum, options).total_cost
            high = compute_cost(model, found.maximum, options).total_cost
            result.append(RenderedCost(path, model.id, found, low, high))
    return result

"""Rendered figures of the audited templates that have fixtures (see tokcli.render): per model, the tokens of
each render (with min / median / max), and the static prefix measured on what the renders share.

Renders depend on fixture files outside the template, so they are made on every run and never cached."""

from __future__ import annotations

import functools
import os
from collections.abc import Container, Sequence
from pathlib import Path
from typing import Any

from tokcli.audit.analyze import FileAudit, ModelTarget, model_tool_prompt, tokenizer_targets
from tokcli.audit.discover import FileProblem, SourceFile
from tokcli.errors import InputError
from tokcli.render import (
    FIXTURE_SUFFIXES,
    RenderedFigures,
    RenderSettings,
    common_prefix,
    fixtures_for,
    render_document,
    renderable,
)

Renders = list[tuple[str, Any]]  # (path, tokcli.render.Rendered)


def render_texts(
    texts: Sequence[tuple[str, str]], settings: RenderSettings, root: Path | None
) -> tuple[Renders, list[InputError]]:
    """Every (path, text) that has fixtures, rendered with each; the errors of those that fail."""
    from tokcli.prompts import load_prompt
    from tokcli.render import fixture_files

    listing = functools.lru_cache(maxsize=None)(_names_in)

    @functools.cache
    def holds_fixture_files(directory: str) -> bool:
        names = listing(directory)
        return isinstance(names, _AnyName) or any(name.endswith(FIXTURE_SUFFIXES) for name in names)

    renders: Renders = []
    errors: list[InputError] = []
    elsewhere = bool(settings.extra or settings.globs)  # fixtures named by `--vars` or config globs
    for path, text in texts:
        # a template with no fixture file beside it (nor its own `testData`/`sample`) renders nothing: most files
        # of a tree, so they are not parsed a second time to find that out, and a directory with no fixture file
        # at all is looked at once, not once per template in it
        own_fixtures = path.lower().endswith((".prompt.yml", ".prompt.yaml", ".prompty")) or "::" in path
        if not own_fixtures:
            directory, name = os.path.split(path)
            plain_name = name not in ("", ".", "..") and "\\" not in name  # as fixture_files reads it
            if not elsewhere and plain_name and not holds_fixture_files(directory or "."):
                continue
            if not fixture_files(path, settings, root, listing):
                continue
        try:
            document = load_prompt(path, text)
            if renderable(document):
                renders += [
                    (path, render_document(document, fixture)) for fixture in fixtures_for(document, settings, root)
                ]
        except InputError as error:
            error.path = error.path or path
            errors.append(error)
    return renders, errors


class _AnyName(Container[str]):
    """A directory that cannot be listed: every name may be in it (its files are still looked at one by one)."""

    def __contains__(self, name: object) -> bool:
        return True


def _names_in(directory: str) -> frozenset[str] | _AnyName:
    try:
        return frozenset(os.listdir(directory))
    except OSError:
        return _AnyName()


def count_renders(renders: Renders, targets: Sequence[ModelTarget]) -> dict[tuple[str, str], RenderedFigures]:
    """(path, model) → rendered tokens per fixture, counted per tokenizer in one batch, Anthropic's tool-use
    prompt added per model as for the template itself."""
    from tokcli.counting import count_inputs
    from tokcli.inputs import InputText
    from tokcli.tool_tokens import forces_tool

    if not renders:
        return {}
    tokenizers = list(dict.fromkeys(target.tokenizer for target in targets))
    models = {target.tokenizer: (target.provider, target.model) for target in reversed(targets)}
    texts = [InputText(path, render.text) for path, render in renders]
    report = count_inputs(texts, tokenizer_targets(tokenizers, models), documents=[r.document for _, r in renders])
    size = len(renders)
    values: dict[tuple[str, str], list[tuple[str, int]]] = {}
    exact: dict[tuple[str, str], bool] = {}
    for target in targets:
        index = tokenizers.index(target.tokenizer)
        for (path, render), row in zip(renders, report.results[index * size : (index + 1) * size]):
            request = row.request
            forced = request is not None and forces_tool(request.tool_choice_value)
            tokens = row.tokens + model_tool_prompt(target, bool(request and request.tools), forced)
            key = (path, target.model)
            values.setdefault(key, []).append((render.fixture.name, tokens))
            exact[key] = exact.get(key, True) and row.exact and target.exact
    return {key: RenderedFigures(tuple(found), exact[key]) for key, found in values.items()}


def apply_rendered(
    files: Sequence[FileAudit],
    sources: Sequence[SourceFile],
    targets: Sequence[ModelTarget],
    settings: RenderSettings,
    root: Path | None,
    cost_options: Any = None,
) -> list[FileProblem]:
    """Set `figure.rendered` (and the rendered static prefix) on every file with fixtures; a fixture or render
    that fails is a FileProblem (exit 2)."""
    from tokcli.pricing.cost import compute_cost

    by_path = {file.path: file for file in files}
    renders, errors = render_texts([(s.path, s.text) for s in sources if s.path in by_path], settings, root)
    problems = [FileProblem(error.path or "", error.message, kind="invalid", line=error.line) for error in errors]
    prefix_texts = _prefixes(renders)
    prefixes = {key: found.maximum for key, found in count_renders(prefix_texts, targets).items()}
    for (path, model), found in count_renders(renders, targets).items():
        figure = by_path[path].figure(model)
        if figure is None:
            continue
        figure.rendered = found
        target = next(target for target in targets if target.model == model)
        if target.price is not None:
            figure.rendered_cost_per_call = compute_cost(target.price, found.maximum, cost_options).total_cost
        if (path, model) in prefixes:
            figure.prefix_tokens = prefixes[(path, model)]
    return problems


def rendered_maxima(
    texts: Sequence[tuple[str, str]], targets: Sequence[ModelTarget], settings: RenderSettings, root: Path | None
) -> dict[str, dict[str, int]]:
    """path → model → the largest render, for earlier versions of templates (`--since`), rendered with today's
    fixtures. A version that does not render with them has no rendered figure (no error: it is history)."""
    renders, _ = render_texts(texts, settings, root)
    result: dict[str, dict[str, int]] = {}
    for (path, model), found in count_renders(renders, targets).items():
        result.setdefault(path, {})[model] = found.maximum
    return result


def _prefixes(renders: Renders) -> Renders:
    """(path, render) of the text the renders of each file share at the start, for files with two or more
    renders: with fixtures, that is what a provider can cache from request to request."""
    from tokcli.render import Fixture, Rendered

    texts: dict[str, list[str]] = {}
    for path, render in renders:
        texts.setdefault(path, []).append(render.text)
    shared = Fixture("shared prefix", {}, "")
    return [
        (path, Rendered(shared, common_prefix(found)))
        for path, found in texts.items()
        if len(found) >= 2 and common_prefix(found)
    ]

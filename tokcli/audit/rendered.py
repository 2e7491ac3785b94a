"""Rendered figures of the audited templates that have fixtures (see tokcli.render): per model, the tokens of
each render (with min / median / max), and the static prefix measured on what the renders share.

Renders depend on fixture files outside the template, so they are made on every run and never cached."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokcli.audit.analyze import FileAudit, ModelTarget, model_tool_prompt, tokenizer_targets
from tokcli.audit.discover import FileProblem, SourceFile
from tokcli.errors import InputError
from tokcli.render import RenderedFigures, RenderSettings, common_prefix, fixtures_for, render_document, renderable


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
    from tokcli.counting import count_inputs
    from tokcli.inputs import InputText
    from tokcli.prompts import load_prompt
    from tokcli.tool_tokens import forces_tool

    by_path = {file.path: file for file in files}
    problems: list[FileProblem] = []
    renders: list[tuple[str, Any]] = []
    for source in sources:
        if source.path not in by_path:
            continue
        try:
            document = load_prompt(source.path, source.text)
            if not renderable(document):
                continue
            renders += [
                (source.path, render_document(document, fixture)) for fixture in fixtures_for(document, settings, root)
            ]
        except InputError as error:
            problems.append(FileProblem(error.path or source.path, error.message, kind="invalid", line=error.line))
    if not renders:
        return problems
    tokenizers = list(dict.fromkeys(target.tokenizer for target in targets))
    models = {target.tokenizer: (target.provider, target.model) for target in reversed(targets)}
    counting = tokenizer_targets(tokenizers, models)
    texts = [InputText(path, render.text) for path, render in renders]
    report = count_inputs(texts, counting, documents=[render.document for _, render in renders])
    prefixes = _prefixes(renders)
    prefix_counts = (
        count_inputs([InputText(path, text) for path, text in prefixes.items()], counting) if prefixes else None
    )
    size = len(renders)
    for target in targets:
        index = tokenizers.index(target.tokenizer)
        rows = report.results[index * size : (index + 1) * size]
        per_file: dict[str, list[tuple[str, int]]] = {}
        exact: dict[str, bool] = {}
        for (path, render), row in zip(renders, rows):
            request = row.request
            forced = request is not None and forces_tool(request.tool_choice_value)
            tokens = row.tokens + model_tool_prompt(target, bool(request and request.tools), forced)
            per_file.setdefault(path, []).append((render.fixture.name, tokens))
            exact[path] = exact.get(path, True) and row.exact and target.exact
        prefix_rows = {}
        if prefix_counts is not None:
            count = len(prefixes)
            prefix_rows = {row.path: row.tokens for row in prefix_counts.results[index * count : (index + 1) * count]}
        for path, values in per_file.items():
            figure = by_path[path].figure(target.model)
            if figure is None:
                continue
            figure.rendered = RenderedFigures(tuple(values), exact[path])
            if target.price is not None:
                from tokcli.pricing.cost import compute_cost

                largest = figure.rendered.maximum
                figure.rendered_cost_per_call = compute_cost(target.price, largest, cost_options).total_cost
            if path in prefix_rows:
                figure.prefix_tokens = prefix_rows[path]
    return problems


def _prefixes(renders: Sequence[tuple[str, Any]]) -> dict[str, str]:
    """The text the renders of each file share at the start, for files with two or more renders: with
    fixtures, that is what a provider can cache from request to request."""
    texts: dict[str, list[str]] = {}
    for path, render in renders:
        texts.setdefault(path, []).append(render.text)
    return {path: common_prefix(found) for path, found in texts.items() if len(found) >= 2 and common_prefix(found)}

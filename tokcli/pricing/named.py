"""The model a prompt names for itself, for `cost` to price it there: a chat file's `model:` (GitHub's
`.prompt.yml`), a dotprompt's front matter `model:`, and the model a config or call site gives beside a prompt
unit. A name the price table does not know is left alone (the file's own business, e.g. an Azure deployment)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from tokcli.pricing.estimate import CostReport, estimate_costs
from tokcli.prompts import name_parts

#: The note on a row priced on the model its file names.
NAMED_NOTE = "model named in the file"


def named_model(path: str, text: str) -> str | None:
    """The model a file names for its prompt: `model:` beside a chat file's `messages:`, a dotprompt's front
    matter `model:`, a `.prompty`'s `model.configuration.model` (or its `azure_deployment`)."""
    suffix = name_parts(path)[2].lower()
    if suffix not in (".yaml", ".yml", ".json", ".prompt", ".prompty") or "model" not in text:
        return None
    from tokcli.errors import TokcliError
    from tokcli.prompts import load_prompt
    from tokcli.structured import load_json, load_yaml

    try:
        if suffix in (".prompt", ".prompty"):
            data: Any = load_prompt(path, text).front_matter
        else:
            data = load_json(text, path) if suffix == ".json" else load_yaml(text, path)
            if not isinstance(data, dict) or "messages" not in data:
                return None
    except TokcliError:
        return None
    return _front_matter_model(data, prompty=suffix == ".prompty")


def document_model(document: Any) -> str | None:
    """`named_model` of a parsed `PromptDocument`: its front matter's model, or (a chat file keeps no top-level
    keys) its text's `model:` read again; None for the other kinds."""
    if document.kind in ("prompty", "dotprompt"):
        return _front_matter_model(document.front_matter, prompty=document.kind == "prompty")
    if document.kind == "chat":
        return named_model(document.path, document.text)
    return None


def _front_matter_model(data: Any, *, prompty: bool) -> str | None:
    model = data.get("model") if isinstance(data, dict) else None
    if prompty and isinstance(model, dict):
        configuration = model.get("configuration")
        if isinstance(configuration, dict):
            model = configuration.get("model") or configuration.get("azure_deployment")
    return model.strip() if isinstance(model, str) and model.strip() else None


def priced_model(name: str, table: Any) -> Any:
    """The price table's model for a name as configs spell it: `gpt-4o`, `openai/gpt-4o` (GitHub Models,
    litellm), `openai:gpt-4o-mini` (promptfoo providers); None when the table does not know it."""
    found = table.find(name)
    if found is None and ":" in name:
        found = table.find(name.split(":", 1)[1])
    return found


def with_named_models(
    report: CostReport,
    texts: Sequence[tuple[str, str]],
    named: Mapping[str, str],
    table: Any,
    counted_for: Any,
) -> CostReport:
    """`report` with each input priced on the model it names too, its row noted `NAMED_NOTE` (a row the
    report has already is noted; a model not asked for gets a row of its own). `named` maps paths to model
    names; `counted_for(index, model)` gives what `estimate_costs` takes as `counted` for that input."""
    rows = list(report.rows)
    for index, (path, text) in enumerate(texts):
        model = priced_model(named[path], table) if path in named else None
        if model is None:
            continue
        mine = [i for i, row in enumerate(rows) if row.path == path and row.model.id == model.id]
        if not mine:
            extra = estimate_costs(
                [(path, text)], [model], report.options, skip_unavailable=True, counted=counted_for(index, model)
            )
            rows.extend(extra.rows)
            mine = list(range(len(rows) - len(extra.rows), len(rows)))
        for i in mine:
            row = rows[i]
            rows[i] = dataclasses.replace(row, cost=dataclasses.replace(row.cost, notes=(NAMED_NOTE, *row.cost.notes)))
    order = {path: index for index, path in enumerate(report.paths)}
    rows.sort(key=lambda row: order.get(row.path, 0))  # stable: each path's rows keep their order
    return dataclasses.replace(report, rows=rows)

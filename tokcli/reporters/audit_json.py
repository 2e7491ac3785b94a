"""`tokcli audit --format json`: one document with `files`, `findings`, `totals`, `budgets`, `deltas`
(schema in docs/audit.md, "JSON output of audit"). Money is a decimal string, never a float."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

from tokcli import __version__
from tokcli.audit.deltas import DeltaReport, ModelDelta
from tokcli.audit.run import AuditReport
from tokcli.lint.finding import summarize
from tokcli.pricing.dump import decimal_text
from tokcli.reporters.indented_json import Prewritten, dumps_at
from tokcli.reporters.json import iter_json, scalar_texts
from tokcli.reporters.json_document import SCHEMA_VERSION


def money(value: Decimal | None) -> str | None:
    return decimal_text(value) if value is not None else None


def named_model_json(file: Any) -> dict[str, Any]:
    """The model the prompt names, as written, and its figures when the price table knows it (`model`: its id)
    and it counts with a tokenizer the audit counted with (else null)."""
    figure = file.named
    return {
        "name": file.named_model,
        "model": figure.model if figure is not None else None,
        "tokens": figure.tokens if figure is not None else None,
        "exact": figure.exact if figure is not None else None,
        "cost_per_call": money(figure.cost_per_call) if figure is not None else None,
        "cost_per_period": money(figure.cost_per_period) if figure is not None else None,
    }


def unit_json(unit: Any) -> dict[str, Any]:
    """Where a prompt unit lives in its host file, its template syntax and the model it is sent to."""
    return {
        "file": unit.path,
        "key": unit.key,
        "line": unit.line,
        "column": unit.column,
        "syntax": unit.syntax,
        "found_by": unit.source,
        "role": unit.role,
        "model": unit.model,
    }


def audit_summary(report: AuditReport) -> dict[str, Any]:
    return summarize(
        report.findings,
        files=len(report.files),
        extra={
            "budgets_exceeded": sum(1 for check in report.budgets if check.exceeded),
            "budgets_checked": len(report.budgets),
            "problems": len(report.problems),
            "skipped": len(report.skipped),
            "fail_on": report.settings.fail_on,
            "exit_code": report.exit_code(),
        },
    )


def _delta(delta: ModelDelta) -> dict[str, Any]:
    percent = delta.percent
    return {
        "before": delta.before,
        "after": delta.after,
        "delta": delta.delta,
        "percent": round(percent, 2) if percent is not None else None,
        "cost_before": money(delta.cost_before),
        "cost_after": money(delta.cost_after),
        "cost_delta": money(delta.cost_delta),
    }


def deltas_dict(deltas: DeltaReport | None) -> dict[str, Any] | None:
    if deltas is None:
        return None
    return {
        "source": deltas.source,
        "models": deltas.models,
        "fail_on_increase": deltas.threshold,
        "counts": deltas.counts(),
        "totals": {delta.model: _delta(delta) for delta in deltas.totals},
        "files": [
            {
                "path": item.path,
                "status": item.status,
                "models": {d.model: _delta(d) for d in item.models},
                "tools": [{"name": t.name, "before": t.before, "after": t.after} for t in item.tools],
                "rendered": _delta(item.rendered) if item.rendered is not None else None,
            }
            for item in deltas.files
        ],
    }


def audit_document(report: AuditReport) -> dict[str, Any]:
    """Everything but `findings` and `summary` (which `render_json` adds)."""
    settings = report.settings
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "tokcli", "version": __version__},
        "config": report.config_path,
        "models": [
            {
                "model": target.model,
                "tokenizer": target.tokenizer,
                "provider": target.provider,
                "exact": target.exact,
                "price_as_of": str(target.price.as_of) if target.price is not None else None,
                "cache_minimum": target.cache_min.tokens if target.cache_min is not None else None,
                "cache_minimum_source": target.cache_min.source if target.cache_min is not None else None,
            }
            for target in report.targets
        ],
        "volume": {"calls": settings.calls, "per": settings.per} if settings.calls is not None else None,
        "files": [
            {
                "path": file.path,
                "kind": file.kind,
                "cached": file.from_cache,
                "first_dynamic": (
                    {"text": file.dynamic, "line": file.dynamic_line} if file.dynamic is not None else None
                ),
                "findings": len(file.findings),
                **({"unit": unit_json(file.unit)} if file.unit is not None else {}),
                **({"named_model": named_model_json(file)} if file.named_model else {}),
                "models": {
                    figure.model: {
                        "tokens": figure.tokens,
                        "exact": figure.exact,
                        "cost_per_call": money(figure.cost_per_call),
                        "cost_per_period": money(figure.cost_per_period),
                        "compressed_tokens": figure.compressed_tokens,
                        "saved_tokens": figure.saved_tokens,
                        "static_prefix_tokens": figure.prefix_tokens,
                        "cache_minimum": figure.cache_minimum,
                        "cacheable": figure.cacheable,
                        "tool_tokens": figure.tool_tokens,
                        "rendered": figure.rendered.to_json() if figure.rendered is not None else None,
                        "rendered_cost_per_call": money(figure.rendered_cost_per_call),
                        "tools": [
                            {"name": name, "tokens": tokens, "line": line}
                            for name, tokens, line in sorted(figure.tools, key=lambda tool: -tool[1])
                        ],
                    }
                    for figure in file.figures
                },
            }
            for file in report.files
        ],
        "totals": {
            total.model: {
                "tokens": total.tokens,
                "exact": total.exact,
                "saved_tokens": total.saved_tokens,
                "cost_per_call": money(total.cost_per_call),
                "cost_per_period": money(total.cost_per_period),
                "cacheable_files": total.cacheable_files,
            }
            for total in report.totals()
        },
        "budgets": [
            {
                "scope": check.scope,
                "metric": check.metric,
                "model": check.model,
                "path": check.path,
                "glob": check.glob,
                "tool": check.tool,
                "limit": decimal_text(check.limit),
                "actual": decimal_text(check.actual),
                "exceeded": check.exceeded,
            }
            for check in report.budgets
        ],
        "deltas": deltas_dict(report.deltas),
        "problems": [
            {"path": problem.path, "line": problem.line, "kind": problem.kind, "message": problem.message}
            for problem in report.problems
        ],
        "skipped": [{"path": path, "reason": reason} for path, reason in report.skipped],
        "notes": report.notes,
        "cache": {"hits": report.cache_hits, "misses": report.cache_misses},
    }


def render_audit_json(report: AuditReport) -> str:
    return "".join(iter_audit_json(report))


def iter_audit_json(report: AuditReport) -> Iterator[str]:
    """`render_audit_json`'s text in pieces, the findings written a batch at a time (see `iter_json`)."""
    document = audit_document(report)
    document["files"] = files_text(document["files"])
    return iter_json(report.findings, audit_summary(report), **document)


_FILE_KEYS = ("path", "kind", "cached", "first_dynamic", "findings", "models")
_FIGURE_KEYS = (
    "tokens",
    "exact",
    "cost_per_call",
    "cost_per_period",
    "compressed_tokens",
    "saved_tokens",
    "static_prefix_tokens",
    "cache_minimum",
    "cacheable",
    "tool_tokens",
    "rendered",
    "rendered_cost_per_call",
    "tools",
)
#: A file's entry in the document's `files` (depth 2) as `dumps_indented` writes it, for `%` with the JSON texts
#: of its path, kind, cached and findings and its models' text: for the entries of the usual shape (no unit,
#: no named model, no dynamic part, every model's figures without a render or tools).
_FILE = (
    '{\n      "path": %s,\n      "kind": %s,\n      "cached": %s,\n      "first_dynamic": null,\n'
    '      "findings": %s,\n      "models": {\n%s\n      }\n    }'
)
_FIGURE = (
    "        %s: {\n"
    + "".join(f'          "{key}": %s,\n' for key in _FIGURE_KEYS[:10])
    + ('          "rendered": null,\n          "rendered_cost_per_call": %s,\n          "tools": []\n        }')
)
_SCALAR_TYPES = (str, int, float, bool, type(None))


def _usual(entry: dict[str, Any]) -> bool:
    if tuple(entry) != _FILE_KEYS or entry["first_dynamic"] is not None or not entry["models"]:
        return False
    if not all(type(entry[key]) in _SCALAR_TYPES for key in ("path", "kind", "cached", "findings")):
        return False
    for model, figure in entry["models"].items():
        if type(model) is not str or tuple(figure) != _FIGURE_KEYS:
            return False
        if figure["rendered"] is not None or figure["tools"] != []:
            return False
        if not all(type(figure[key]) in _SCALAR_TYPES for key in _FIGURE_KEYS[:10]):
            return False
        if type(figure["rendered_cost_per_call"]) not in _SCALAR_TYPES:
            return False
    return True


def files_text(files: list[dict[str, Any]]) -> Prewritten:
    """The document's `files` as `dumps_indented` writes them (they stand at depth 1): the entries of the usual
    shape from templates, every scalar of them in one C encoder call (a dict walk per file was most of writing
    the document besides the findings); the others as `dumps_indented` writes them."""
    if not files:
        return Prewritten("[]")
    usual = list(map(_usual, files))
    scalars: list[Any] = []
    for entry, plain in zip(files, usual):
        if plain:
            scalars += (entry["path"], entry["kind"], entry["cached"], entry["findings"])
            for model, figure in entry["models"].items():
                scalars.append(model)
                scalars += map(figure.__getitem__, _FIGURE_KEYS[:10])
                scalars.append(figure["rendered_cost_per_call"])
    texts = iter(scalar_texts(scalars))
    written = []
    for entry, plain in zip(files, usual):
        if not plain:
            written.append(dumps_at(entry, 2))
            continue
        head = tuple(islice(texts, 4))
        models = ",\n".join(_FIGURE % tuple(islice(texts, 12)) for _ in range(len(entry["models"])))
        written.append(_FILE % (*head, models))
    return Prewritten("[\n    " + ",\n    ".join(written) + "\n  ]")

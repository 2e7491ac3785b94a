"""Output formats for `tokcli tokenizers list` and `tokcli tokenizers models`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tokcli.registry import Registry
from tokcli.reporters.json_document import json_document


@dataclass(frozen=True)
class TokenizerRow:
    name: str
    kind: str
    exact: bool
    installed: bool
    install_hint: str
    source: str
    description: str
    models: list[str]


@dataclass(frozen=True)
class ModelRow:
    model: str
    tokenizer: str
    provider: str
    exact: bool


def tokenizer_rows(registry: Registry) -> list[TokenizerRow]:
    by_tokenizer: dict[str, list[str]] = {}
    for model, (tokenizer, _provider) in sorted(registry.models().items()):
        by_tokenizer.setdefault(tokenizer, []).append(model)
    rows = []
    for spec in registry.specs():
        installed = spec.is_available()
        rows.append(
            TokenizerRow(
                name=spec.name,
                kind=spec.kind,
                exact=spec.exact,
                installed=installed,
                install_hint="" if installed else spec.install_hint(),
                source=spec.describe_source() if installed else "",
                description=spec.description,
                models=by_tokenizer.get(spec.name, []),
            )
        )
    return rows


def model_rows(registry: Registry) -> list[ModelRow]:
    rows = []
    for model, (tokenizer, provider) in sorted(registry.models().items()):
        try:
            exact = registry.spec(tokenizer).exact
        except Exception:  # a config model pointing at an unknown tokenizer is shown, not fatal here
            exact = False
        rows.append(ModelRow(model, tokenizer, provider, exact))
    return rows


def _status(row: TokenizerRow) -> str:
    if row.installed:
        return "installed"
    return f"missing: {row.install_hint}" if row.install_hint else "missing: no data found"


def _models_summary(models: list[str], limit: int = 4) -> str:
    shown = ", ".join(models[:limit])
    return shown + (f" (+{len(models) - limit})" if len(models) > limit else "")


def tokenizers_table(rows: list[TokenizerRow]) -> Any:
    from rich.table import Table

    table = Table(header_style="bold")
    for column in ("tokenizer", "kind", "exact", "status", "source", "models"):
        table.add_column(column)
    for row in rows:
        status = "[green]installed[/green]" if row.installed else f"[yellow]{_status(row)}[/yellow]"
        exact = "exact" if row.exact else "[magenta]~ estimate[/magenta]"
        table.add_row(row.name, row.kind, exact, status, row.source, _models_summary(row.models))
    return table


def tokenizers_plain(rows: list[TokenizerRow]) -> str:
    lines = []
    for row in rows:
        exact = "exact" if row.exact else "estimate"
        lines.append(f"{row.name}\t{row.kind}\t{exact}\t{_status(row)}\t{row.source}\t{_models_summary(row.models)}")
    return "\n".join(lines) + "\n"


def tokenizers_json(rows: list[TokenizerRow]) -> str:
    return json_document({"tokenizers": [asdict(row) for row in rows]})


def models_table(rows: list[ModelRow]) -> Any:
    from rich.table import Table

    table = Table(header_style="bold")
    for column in ("model", "tokenizer", "provider", "exact"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.model, row.tokenizer, row.provider, "exact" if row.exact else "[magenta]~ estimate[/magenta]")
    return table


def models_plain(rows: list[ModelRow]) -> str:
    return "".join(
        f"{row.model}\t{row.tokenizer}\t{row.provider}\t{'exact' if row.exact else 'estimate'}\n" for row in rows
    )


def models_json(rows: list[ModelRow]) -> str:
    return json_document({"models": [asdict(row) for row in rows]})

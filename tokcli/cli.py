"""The `tokcli` command line: wiring only. Each command parses options, calls a core module, hands the
result to a reporter. Heavy modules are imported inside the commands so `tokcli --help` stays fast."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

import typer

from tokcli import __version__
from tokcli.errors import EXIT_ERROR, TokcliError


class _Group(typer.core.TyperGroup):
    """Turns every TokcliError into one line on stderr and exit 2: no tracebacks for user errors."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TokcliError as error:
            fail(error)


def fail(error: TokcliError) -> NoReturn:
    typer.echo(f"tokcli: error: {error}", err=True)
    raise typer.Exit(error.exit_code)


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    help="Audit and cut the token cost of LLM prompts — offline.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tokcli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """tokcli: count, cost, lint, compress and audit LLM prompts."""


# ---- shared helpers ------------------------------------------------------------------------------------


class EncodingErrors(str, Enum):
    STRICT = "strict"
    REPLACE = "replace"


ConfigOption = typer.Option(None, "--config", help="Config file (default: nearest .tokcli.yaml or pyproject.toml).")


def load_settings(config_path: Path | None) -> Any:
    """Load config and register its tokenizers and estimates with the registry."""
    from tokcli.config import load_config
    from tokcli.registry import apply_config

    config = load_config(explicit=config_path)
    apply_config(config.tokenizers, config.estimates, config.source)
    return config


def make_console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, no_color="NO_COLOR" in os.environ or None)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def read_inputs(paths: list[str], text: str | None, encoding_errors: str, extensions: Any = None) -> Any:
    """Inputs from paths, --text, or stdin when nothing is named and stdin is piped."""
    from tokcli.errors import UsageError
    from tokcli.inputs import STDIN, collect_inputs

    if not paths and text is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("nothing to read: give files, directories, globs, '-' for stdin, or --text")
        paths = [STDIN]
    inputs = collect_inputs(paths, text=text, encoding_errors=encoding_errors, extensions=extensions)
    if not inputs.texts:
        where = ", ".join(paths)
        raise UsageError(
            f"nothing to count in {where}"
            + (f" ({len(inputs.skipped)} binary files skipped)" if inputs.skipped else "")
        )
    return inputs


def write_output(content: str, output: Path | None) -> None:
    """Print, or write to -o FILE atomically."""
    if output is None:
        sys.stdout.write(content)
        return
    from tokcli.files import atomic_write

    atomic_write(output, content)


# ---- count ---------------------------------------------------------------------------------------------


class CountFormat(str, Enum):
    auto = "auto"
    table = "table"
    text = "text"
    json = "json"
    csv = "csv"


@app.command()
def count(
    paths: list[str] = typer.Argument(None, help="Files, directories, globs, or '-' for stdin."),
    text: str | None = typer.Option(None, "--text", help="Count this text."),
    model: list[str] = typer.Option([], "-m", "--model", help="Model to count for (repeatable)."),
    tokenizer: list[str] = typer.Option([], "-t", "--tokenizer", help="Tokenizer name or file (repeatable)."),
    every: bool = typer.Option(False, "--all", help="Compare every installed tokenizer side by side."),
    output_format: CountFormat = typer.Option(CountFormat.auto, "--format", "-f", help="Output format."),
    ids: bool = typer.Option(False, "--ids", help="Include token ids (json)."),
    show: bool = typer.Option(False, "--show", help="Show the text cut at token boundaries (first model)."),
    allow_special: bool = typer.Option(False, "--allow-special", help="Encode special-token text as special tokens."),
    encoding_errors: EncodingErrors = typer.Option(
        EncodingErrors.STRICT, "--encoding-errors", help="On invalid UTF-8."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Count tokens exactly, per model or tokenizer, side by side (estimates marked ~)."""
    from tokcli.counting import count_inputs, resolve_targets
    from tokcli.reporters import counts as reporter

    settings = load_settings(config)
    targets = resolve_targets(model or settings.models, tokenizer, every_installed=every)
    inputs = read_inputs(paths or [], text, encoding_errors.value)
    for path, reason in inputs.skipped:
        typer.echo(f"tokcli: skipped {path}: {reason}", err=True)
    if show:
        _show_tokens(inputs.texts, targets[0])
        return
    report = count_inputs(inputs.texts, targets, allow_special=allow_special, with_ids=ids)
    chosen = output_format.value
    if chosen == "auto":
        chosen = "table" if is_terminal() and "NO_COLOR" not in os.environ else "text"
    if chosen == "json":
        sys.stdout.write(reporter.render_json(report))
    elif chosen == "csv":
        sys.stdout.write(reporter.render_csv(report))
    elif chosen == "table":
        console = make_console()
        console.print(reporter.render_table(report))
        for note in report.notes:
            console.print(f"[dim]{note}[/dim]")
    else:
        sys.stdout.write(reporter.render_plain(report))
        for note in report.notes:
            typer.echo(f"note: {note}", err=True)


def _show_tokens(texts: list[Any], target: Any) -> None:
    from tokcli.registry import get_tokenizer
    from tokcli.reporters import counts as reporter

    tokenizer = get_tokenizer(target.tokenizer)
    colour = is_terminal() and "NO_COLOR" not in os.environ
    console = make_console()
    for item in texts:
        pieces = tokenizer.token_pieces(item.text)
        ids: list[int | None] = list(tokenizer.encode(item.text)) if tokenizer.exact else [None] * len(pieces)
        pairs: list[tuple[int | None, str]] = list(zip(ids, pieces))
        if len(ids) != len(pieces):
            pairs = [(None, piece) for piece in pieces]
        if colour:
            console.print(reporter.render_pieces_rich(item.path, target.label, pairs))
        else:
            sys.stdout.write(reporter.render_pieces_plain(item.path, target.label, pairs))


# ---- tokenizers ----------------------------------------------------------------------------------------

tokenizers_app = typer.Typer(
    help="The tokenizer registry: what is installed, what models map to.", no_args_is_help=True
)
app.add_typer(tokenizers_app, name="tokenizers")


class ListFormat(str, Enum):
    auto = "auto"
    table = "table"
    text = "text"
    json = "json"


@tokenizers_app.command("list")
def tokenizers_list(
    output_format: ListFormat = typer.Option(ListFormat.auto, "--format", "-f"),
    config: Path | None = ConfigOption,
) -> None:
    """Every tokenizer: kind, exact or estimate, installed or missing, source, and its models."""
    from tokcli.registry import get_registry
    from tokcli.reporters import registry_report

    load_settings(config)
    rows = registry_report.tokenizer_rows(get_registry())
    chosen = output_format.value
    if chosen == "auto":
        chosen = "table" if is_terminal() else "text"
    if chosen == "json":
        sys.stdout.write(registry_report.tokenizers_json(rows))
    elif chosen == "table":
        make_console().print(registry_report.tokenizers_table(rows))
    else:
        sys.stdout.write(registry_report.tokenizers_plain(rows))


@tokenizers_app.command("models")
def tokenizers_models(
    output_format: ListFormat = typer.Option(ListFormat.auto, "--format", "-f"),
    config: Path | None = ConfigOption,
) -> None:
    """The model map: model name (prefix) → tokenizer, provider, exact or estimate."""
    from tokcli.registry import get_registry
    from tokcli.reporters import registry_report

    load_settings(config)
    rows = registry_report.model_rows(get_registry())
    chosen = output_format.value
    if chosen == "auto":
        chosen = "table" if is_terminal() else "text"
    if chosen == "json":
        sys.stdout.write(registry_report.models_json(rows))
    elif chosen == "table":
        make_console().print(registry_report.models_table(rows))
    else:
        sys.stdout.write(registry_report.models_plain(rows))


# ---- cost ----------------------------------------------------------------------------------------------


# ---- pricing -------------------------------------------------------------------------------------------


# ---- lint ----------------------------------------------------------------------------------------------


# ---- compress ------------------------------------------------------------------------------------------


# ---- audit ---------------------------------------------------------------------------------------------


def main() -> None:
    try:
        app()
    except TokcliError as error:  # raised outside a command (e.g. while parsing)
        typer.echo(f"tokcli: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.exit(130)

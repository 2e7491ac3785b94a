"""The `tokcli` command line: wiring only. Each command parses options, calls a core module, hands the
result to a reporter. Heavy modules are imported inside the commands so `tokcli --help` stays fast."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

import typer

from tokcli import __version__
from tokcli.errors import EXIT_ERROR, InputError, TokcliError


class _Group(typer.core.TyperGroup):
    """Turns every TokcliError into one line on stderr and exit 2: no tracebacks for user errors."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _space_out_choices(self)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TokcliError as error:
            fail(error)


def _space_out_choices(command: Any) -> None:
    """Show choices as `[auto | table | csv]`: with spaces, a narrow help screen wraps between two choices
    instead of inside one (`c` / `sv` at 80 columns)."""
    for param in getattr(command, "params", []):
        choices = getattr(getattr(param, "type", None), "choices", None)
        if choices:
            shown = "[" + " | ".join(str(getattr(choice, "value", choice)) for choice in choices) + "]"
            param.type.get_metavar = lambda param, ctx=None, shown=shown: shown
    for sub in getattr(command, "commands", {}).values():
        _space_out_choices(sub)


def fail(error: TokcliError) -> NoReturn:
    typer.echo(f"tokcli: error: {error}", err=True)
    raise typer.Exit(error.exit_code)


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    add_completion=True,
    help="Audit and cut the token cost of LLM prompts — offline.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _not_nan(value: float | None) -> float | None:
    """A percent limit of NaN would pass every comparison, so the check it sets could never fail."""
    if value is not None and value != value:
        raise typer.BadParameter("must be a number, not nan")
    return value


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


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command()
def completion(shell: Shell = typer.Argument(..., help="bash, zsh or fish.")) -> None:
    """Print the shell completion script, e.g. `tokcli completion bash > ~/.local/share/bash-completion/completions/tokcli`."""
    from typer._completion_classes import completion_init
    from typer._completion_shared import get_completion_script

    completion_init()
    typer.echo(get_completion_script(prog_name="tokcli", complete_var="_TOKCLI_COMPLETE", shell=shell.value))


# ---- shared helpers ------------------------------------------------------------------------------------


class EncodingErrors(str, Enum):
    STRICT = "strict"
    REPLACE = "replace"


WholeFilesOption = typer.Option(
    False, "--whole-files", help="Count YAML/JSON and Python files whole, not the prompts found in them."
)
ConfigOption = typer.Option(None, "--config", help="Config file (default: nearest .tokcli.yaml or pyproject.toml).")


def load_settings(config_path: Path | None, paths: list[str] | None = None) -> Any:
    """Load config (found from the common parent of `paths`, else the current directory: the same rule for
    every command) and register its tokenizers and estimates with the registry."""
    from tokcli.config import config_start, load_config
    from tokcli.registry import apply_config

    config = load_config(start_dir=config_start(paths or []), explicit=config_path)
    apply_config(config.tokenizers, config.estimates, config.source)
    return config


def make_console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, no_color="NO_COLOR" in os.environ or None)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def layout_width() -> int | None:
    """The width tables are fitted to on stdout: the terminal's; when piped, COLUMNS if set, else None (no
    limit: plain lines, nothing shortened or left out)."""
    if is_terminal():
        return int(make_console().width)
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return columns if columns > 0 else None


NoIgnoreOption = typer.Option(False, "--no-ignore", help="Also read files that .gitignore or .git/info/exclude ignore.")


def read_inputs(
    paths: list[str],
    text: str | None,
    encoding_errors: str,
    *,
    any_type: bool = False,
    use_ignore: bool = True,
    stream_if: Any = None,
    units: Any = None,
    collect_errors: bool = False,
) -> Any:
    """Inputs from paths, --text, or stdin when nothing is named and stdin is piped. Directories give their
    prompt files (every text file with `any_type`); with `units` (the `prompts:` settings), host files are
    replaced by their prompt units. With `collect_errors`, files that cannot be read are in `errors` (the
    caller names each and goes on) instead of ending the command."""
    from tokcli.errors import InputError, UsageError
    from tokcli.inputs import STDIN, collect_inputs, left_out_message
    from tokcli.prompt_set import not_a_prompt, not_a_prompt_or_host

    if not paths and text is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("nothing to read: give files, directories, globs, '-' for stdin, or --text")
        paths = [STDIN]
    # With units, Python source is read for the prompts it holds, as lint and audit read it.
    accept = None if any_type else (not_a_prompt_or_host if units is not None else not_a_prompt)
    inputs = collect_inputs(
        paths,
        text=text,
        encoding_errors=encoding_errors,
        accept=accept,
        use_ignore=use_ignore,
        stream_if=stream_if,
        collect_errors=collect_errors,
    )
    if units is not None:  # prompts inside YAML/JSON configs and Python source: one input per unit
        from tokcli.units.jobs import explicit_files, split_hosts, unit_inputs

        order = {item.path: index for index, item in enumerate(inputs.texts)}
        split = split_hosts(inputs.texts, units, explicit_files(paths), unparsable_as_text=True)
        inputs.texts = [*split.plain, *unit_inputs(split.hosts)]
        inputs.models = {unit.name: unit.model for host in split.hosts for unit in host.scan.units if unit.model}
        inputs.skipped.extend(split.skipped)
        for error in split.errors:  # notebooks that are not notebooks (other hosts are counted as text)
            if not collect_errors or not isinstance(error, InputError):
                raise error
            inputs.errors.append(error)
        inputs.texts.sort(key=lambda item: order.get(item.path.partition("::")[0], 0))
    if not inputs.texts and not inputs.errors:
        inputs.left_out.update(reason for _, reason in inputs.skipped)
        message = left_out_message("text files" if any_type else "prompt files", paths, inputs.left_out)
        if "not a prompt file type" in inputs.left_out:
            message += "; --all-types reads every text file"
        raise UsageError(message)
    return inputs


def write_output(content: str | Iterable[str], output: Path | None, read: Iterable[str] = ()) -> None:
    """Print, or write to -o FILE (see tokcli.files), never over a file of `read` (the files the report is about).
    `content` may come in pieces, printed as they come."""
    if output is None:
        if isinstance(content, str):
            sys.stdout.write(content)
        else:
            for piece in content:
                sys.stdout.write(piece)
        return
    from tokcli.files import refuse_report_over_input

    refuse_report_over_input(output, read)
    # Pieces are encoded as they come: a report of a million findings is held once, as UTF-8, not twice.
    write_file(output, content if isinstance(content, str) else b"".join(piece.encode() for piece in content))


def write_file(path: Path, content: str | bytes, *, backup: bool = False) -> Any:
    """Every file a command writes goes through here: tokcli.files.write_file, its notes on stderr."""
    from tokcli.files import write_file as write_safely

    return _noted(write_safely(path, content, backup=backup))


def rewrite_input_file(path: Path, content: str, read_as: str, *, backup: bool = False) -> Any:
    """An input file rewritten with its fixed text (`lint --fix`, `compress --write`): BOM kept, bad UTF-8 refused,
    and a file that no longer holds `read_as`, the text the fix was made from, refused."""
    from tokcli.files import rewrite_text_file

    return _noted(rewrite_text_file(path, content, backup=backup, read_as=read_as))


def _noted(written: Any) -> Any:
    for note in written.notes:
        typer.echo(f"tokcli: note: {note}", err=True)
    return written


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
    whole_files: bool = WholeFilesOption,
    encoding_errors: EncodingErrors = typer.Option(
        EncodingErrors.STRICT, "--encoding-errors", help="On invalid UTF-8."
    ),
    all_types: bool = typer.Option(
        False, "--all-types", help="In directories, count every text file, not only prompt files."
    ),
    no_ignore: bool = NoIgnoreOption,
    fit: bool = typer.Option(False, "--fit", help="Show each prompt's share of the model's context window."),
    reserve_output: int | None = typer.Option(
        None, "--reserve-output", min=0, help="Output tokens to reserve in the window (default: config fit)."
    ),
    pricing: list[Path] = typer.Option([], "--pricing", help="Price file with context windows (for --fit)."),
    variables: list[Path] = typer.Option([], "--vars", help="Fixture file: render templates with its variables."),
    config: Path | None = ConfigOption,
) -> None:
    """Count tokens exactly, per model or tokenizer, side by side (estimates marked ~)."""
    from tokcli.counting import resolve_targets, stream_candidate
    from tokcli.units.select import unit_settings

    settings = load_settings(config, paths)
    if reserve_output is not None and not fit:
        from tokcli.errors import UsageError

        raise UsageError("--reserve-output goes with --fit")
    from tokcli.config import names_from

    with names_from(settings, "models") if not model else contextlib.nullcontext():
        targets = resolve_targets(model or settings.models, tokenizer, every_installed=every)
    # Large files are counted in pieces (bounded memory), except where the text itself is shown
    whole = ids or show or allow_special
    inputs = read_inputs(
        paths or [],
        text,
        encoding_errors.value,
        any_type=all_types,
        use_ignore=not no_ignore,
        stream_if=None if whole else stream_candidate,
        units=None if whole_files else unit_settings(settings),
        collect_errors=True,
    )
    for path, reason in inputs.skipped:
        typer.echo(f"tokcli: skipped {path}: {reason}", err=True)
    # As wc and ruff do: each file that cannot be read is named on stderr, the rest counted, exit 2 at the end
    errors = list(inputs.errors)
    try:
        _count_and_report(
            inputs,
            targets,
            settings,
            errors,
            output_format,
            ids,
            show,
            allow_special,
            (fit, reserve_output, pricing),
            variables,
        )
    finally:
        name_errors(errors)
    if errors:
        raise typer.Exit(EXIT_ERROR)


def _count_and_report(
    inputs: Any,
    targets: list[Any],
    settings: Any,
    errors: list[Any],
    output_format: CountFormat,
    ids: bool,
    show: bool,
    allow_special: bool,
    fit: tuple[bool, int | None, list[Path]],
    variables: list[Path],
) -> None:
    from tokcli.counting import count_inputs
    from tokcli.reporters import counts as reporter

    if not inputs.texts:
        return
    if show:
        _show_tokens(inputs.texts, targets[0], allow_special=allow_special)
        return
    from tokcli.render import is_fixture_file, render_inputs, render_settings, rendered_counts

    prompts = [item for item in inputs.texts if not is_fixture_file(item.path)] or inputs.texts
    report = count_inputs(prompts, targets, allow_special=allow_special, with_ids=ids, collect_errors=True)
    errors.extend(report.errors)
    uncounted = {error.path for error in report.errors}
    prompts = [item for item in prompts if item.path not in uncounted]
    if not prompts:
        return
    fit_wanted, reserve_output, pricing = fit
    renders = render_inputs(prompts, render_settings(settings, variables), settings.root)
    rendered = rendered_counts(renders, targets)
    fits: dict[Any, Any] = {}
    if fit_wanted:
        from tokcli.fit import count_fits, fit_settings

        fitting = fit_settings(settings.fit, settings.source, settings.key_lines)
        fits = count_fits(report, fitting, price_table(settings, pricing), reserve_output, rendered)
    chosen = output_format.value
    if chosen == "auto":
        chosen = "table" if is_terminal() else "text"  # NO_COLOR takes the colour away, not the layout
    if chosen == "json":
        sys.stdout.write(reporter.render_json(report, fits, rendered))
    elif chosen == "csv":
        sys.stdout.write(reporter.render_csv(report))
    elif chosen == "table":
        from tokcli.reporters.tools import render_tool_table

        console = make_console()
        console.print(reporter.render_table(report))
        for path, label, request in reporter.tool_tables(report):
            console.print(render_tool_table(path, label, request))
        if rendered:
            from tokcli.reporters.rendered import render_rendered_table

            console.print(render_rendered_table(rendered, reporter.template_cells(report)))
        if fits:
            from tokcli.reporters.fit import render_fit_table

            console.print(render_fit_table(fits))
        for note in report.notes:
            console.print(f"[dim]{note}[/dim]")
    else:
        from tokcli.reporters.tools import render_tool_plain

        sys.stdout.write(reporter.render_plain(report))
        for path, label, request in reporter.tool_tables(report):
            sys.stdout.write("\n" + render_tool_plain(path, label, request))
        if rendered:
            from tokcli.reporters.rendered import render_rendered_plain

            sys.stdout.write("\n" + render_rendered_plain(rendered, reporter.template_cells(report)))
        if fits:
            from tokcli.reporters.fit import render_fit_plain

            sys.stdout.write("\n" + render_fit_plain(fits))
        for note in report.notes:
            typer.echo(f"note: {note}", err=True)
    if any(item.status == "over" for item in fits.values()) and not errors:
        raise typer.Exit(1)  # like a finding: a prompt that does not fit its window


def _show_tokens(texts: list[Any], target: Any, *, allow_special: bool = False) -> None:
    from tokcli.registry import get_tokenizer
    from tokcli.reporters import counts as reporter

    tokenizer = get_tokenizer(target.tokenizer)
    colour = is_terminal() and "NO_COLOR" not in os.environ
    console = make_console()
    label = target.label
    if not tokenizer.exact:  # an estimate: its count, marked ~; the boundaries are its base tokenizer's
        label += f" (estimate; boundaries from {getattr(getattr(tokenizer, 'base', None), 'name', '?')})"
    for item in texts:
        try:
            pieces = tokenizer.token_pieces(item.text, allow_special=allow_special)
        except InputError as error:
            raise InputError(error.message, path=error.path or item.path) from None
        ids: list[int | None] = (
            list(tokenizer.encode(item.text, allow_special=allow_special)) if tokenizer.exact else [None] * len(pieces)
        )
        pairs: list[tuple[int | None, str]] = list(zip(ids, pieces))
        if len(ids) != len(pieces):
            pairs = [(None, piece) for piece in pieces]
        total = None if tokenizer.exact else f"~{tokenizer.count(item.text, allow_special=allow_special)}"
        if colour:
            console.print(reporter.render_pieces_rich(item.path, label, pairs, total))
        else:
            sys.stdout.write(reporter.render_pieces_plain(item.path, label, pairs, total))


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


def emit_listing(
    output_format: ListFormat, *, json_text: Callable[[], str], table: Callable[[], Any], plain: Callable[[], str]
) -> None:
    """Print a listing as JSON, a rich table (terminal default) or plain tab-separated lines (pipe default)."""
    chosen = output_format.value
    if chosen == "auto":
        chosen = "table" if is_terminal() else "text"
    if chosen == "json":
        sys.stdout.write(json_text())
    elif chosen == "table":
        make_console().print(table())
    else:
        sys.stdout.write(plain())


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
    emit_listing(
        output_format,
        json_text=lambda: registry_report.tokenizers_json(rows),
        table=lambda: registry_report.tokenizers_table(rows),
        plain=lambda: registry_report.tokenizers_plain(rows),
    )


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
    emit_listing(
        output_format,
        json_text=lambda: registry_report.models_json(rows),
        table=lambda: registry_report.models_table(rows),
        plain=lambda: registry_report.models_plain(rows),
    )


# ---- cost ----------------------------------------------------------------------------------------------


class CostFormat(str, Enum):
    auto = "auto"
    table = "table"
    text = "text"
    json = "json"
    csv = "csv"


PricingOption = typer.Option([], "--pricing", help="Price file overriding the shipped prices (YAML or litellm JSON).")


def _decimal_option(flag: str, value: str | None) -> Any:
    from decimal import Decimal, InvalidOperation

    from tokcli.errors import UsageError

    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise UsageError(f"{flag} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise UsageError(f"{flag} must be a finite number, got {value!r}")
    return number


def price_table(settings: Any, pricing: list[Path]) -> Any:
    """Shipped prices, then the config's `pricing` file, then each --pricing file."""
    from tokcli.pricing import load_pricing

    overrides = [settings.pricing] if settings.pricing is not None else []
    return load_pricing([*overrides, *pricing])


@app.command()
def cost(
    paths: list[str] = typer.Argument(None, help="Files, directories, globs, or '-' for stdin."),
    text: str | None = typer.Option(None, "--text", help="Price this text."),
    model: list[str] = typer.Option([], "-m", "--model", help="Model to price (repeatable); default: every model."),
    compare: bool = typer.Option(False, "--compare", help="Cheapest first (every priced model when no -m)."),
    output_tokens: int | None = typer.Option(None, "--output-tokens", help="Output tokens per call."),
    output_ratio: str | None = typer.Option(None, "--output-ratio", help="Output tokens as a share of input."),
    reasoning_tokens: int = typer.Option(0, "--reasoning-tokens", help="Reasoning tokens per call."),
    cached_fraction: str = typer.Option("0", "--cached-fraction", help="Share of input read from cache (0-1)."),
    cache_write_fraction: str = typer.Option("0", "--cache-write-fraction", help="Share of input written to cache."),
    cache_ttl: str = typer.Option("5m", "--cache-ttl", help="Cache-write TTL: 5m or 1h (Anthropic)."),
    calls: int | None = typer.Option(None, "--calls", help="Calls per period, for a volume projection."),
    per: str | None = typer.Option(None, "--per", help="Period of --calls: call, day, week, month, year."),
    batch: bool = typer.Option(False, "--batch", help="Use batch-API prices where the provider has them."),
    whole_files: bool = WholeFilesOption,
    pricing: list[Path] = PricingOption,
    variables: list[Path] = typer.Option([], "--vars", help="Fixture file: also price templates rendered with it."),
    output_format: CostFormat = typer.Option(CostFormat.auto, "--format", "-f", help="Output format."),
    encoding_errors: EncodingErrors = typer.Option(EncodingErrors("strict"), "--encoding-errors", help="Bad UTF-8."),
    no_ignore: bool = NoIgnoreOption,
    config: Path | None = ConfigOption,
) -> None:
    """What a prompt costs per call (and per day/month) on each model, counted with its own tokenizer."""
    from tokcli.pricing.cost import CostOptions
    from tokcli.pricing.estimate import with_config_tokenizers
    from tokcli.units.select import unit_settings

    settings = load_settings(config, paths)
    volume = settings.volume or {}
    options = CostOptions(
        output_tokens=output_tokens,
        output_ratio=_decimal_option("--output-ratio", output_ratio),
        reasoning_tokens=reasoning_tokens,
        cached_fraction=_decimal_option("--cached-fraction", cached_fraction),
        cache_write_fraction=_decimal_option("--cache-write-fraction", cache_write_fraction),
        cache_ttl=cache_ttl,
        batch=batch,
        calls=calls if calls is not None else volume.get("calls"),
        per=per if per is not None else volume.get("per", "day"),
    )
    table = price_table(settings, pricing)
    # -m names must be priced; config `models` (defaults for -m) skip what the table does not price.
    unpriced = [name for name in settings.models if not model and table.find(name) is None]
    names = list(dict.fromkeys(model or [n for n in settings.models if n not in unpriced]))
    chosen_models = list({id(m): m for m in (table.get(name) for name in names)}.values()) or table.models
    chosen_models = with_config_tokenizers(chosen_models, settings.tokenizers)
    inputs = read_inputs(
        paths or [],
        text,
        encoding_errors.value,
        use_ignore=not no_ignore,
        units=None if whole_files else unit_settings(settings),
        collect_errors=True,
    )
    for path, reason in inputs.skipped:
        typer.echo(f"tokcli: skipped {path}: {reason}", err=True)
    try:  # as count does: each file that cannot be read is named, the rest priced, exit 2 at the end
        if inputs.texts:
            _price_and_report(
                inputs,
                settings,
                chosen_models,
                options,
                table,
                names,
                model,
                compare,
                unpriced,
                variables,
                output_format,
            )
    finally:
        name_errors(inputs.errors)
    if inputs.errors:
        raise typer.Exit(EXIT_ERROR)


def name_errors(errors: list[Any]) -> None:
    """One line on stderr for each input that could not be read (the command goes on with the others)."""
    for error in errors:
        typer.echo(f"tokcli: error: {error}", err=True)


def _price_and_report(
    inputs: Any,
    settings: Any,
    chosen_models: list[Any],
    options: Any,
    table: Any,
    names: list[str],
    model: list[str],
    compare: bool,
    unpriced: list[str],
    variables: list[Path],
    output_format: CostFormat,
) -> None:
    from tokcli.counting import request_counts
    from tokcli.pricing.estimate import estimate_costs
    from tokcli.render import is_fixture_file
    from tokcli.reporters import cost as reporter

    inputs.texts = [item for item in inputs.texts if not is_fixture_file(item.path)] or inputs.texts
    texts = [(item.path, item.text) for item in inputs.texts]
    counted = request_counts(inputs.texts, chosen_models)
    report = estimate_costs(
        texts, chosen_models, options, compare=compare or not names, skip_unavailable=not model, counted=counted
    )
    from tokcli.pricing.named import named_model, with_named_models

    # A prompt that names its model (`.prompt.yml`, dotprompt, a config or call site) is priced there too.
    named = {**{p: m for p, t in texts if (m := named_model(p, t))}, **inputs.models}
    report = with_named_models(
        report, texts, named, table, lambda index, priced: request_counts([inputs.texts[index]], [priced])
    )
    report.skipped.extend((name, "no price in the table (config `models`)") for name in unpriced)
    from tokcli.render import render_inputs, render_settings, rendered_costs
    from tokcli.reporters.rendered import rendered_cost_lines

    renders = render_inputs(inputs.texts, render_settings(settings, variables), settings.root)
    rendered = rendered_costs(renders, chosen_models, options) if renders else []
    chosen = output_format.value
    if chosen == "auto":
        chosen = "table" if is_terminal() else "text"  # NO_COLOR takes the colour away, not the layout
    if chosen == "json":
        sys.stdout.write(reporter.render_json(report, rendered))
    elif chosen == "csv":
        sys.stdout.write(reporter.render_csv(report))
    elif chosen == "table":
        console = make_console()
        console.print(reporter.render_table(report))
        for line in reporter.legend(report):
            console.print(line, style="dim", markup=False)
        for line in rendered_cost_lines(rendered):
            console.print(line, markup=False)
    else:
        sys.stdout.write(reporter.render_plain(report))
        sys.stdout.write("".join(line + "\n" for line in rendered_cost_lines(rendered)))


# ---- pricing -------------------------------------------------------------------------------------------

pricing_app = typer.Typer(help="The price table: list, show, check and import prices.", no_args_is_help=True)
app.add_typer(pricing_app, name="pricing")


def _stale_after() -> Any:
    import datetime

    from tokcli.pricing.estimate import STALE_DAYS

    return datetime.date.today() - datetime.timedelta(days=STALE_DAYS)


class PricingListFormat(str, Enum):
    auto = "auto"
    table = "table"
    text = "text"
    json = "json"


@pricing_app.command("list")
def pricing_list(
    provider: list[str] = typer.Option([], "--provider", "-p", help="Only these providers (repeatable)."),
    pricing: list[Path] = PricingOption,
    output_format: PricingListFormat = typer.Option(PricingListFormat("auto"), "--format", "-f"),
    config: Path | None = ConfigOption,
) -> None:
    """Every priced model: provider, tokenizer, USD per 1M tokens, context window, price date."""
    from tokcli.errors import unknown_name
    from tokcli.reporters import pricing as reporter

    table = price_table(load_settings(config), pricing)
    wanted = {p.lower() for p in provider}
    for name in wanted:
        if name not in {p.lower() for p in table.providers()}:
            raise unknown_name("provider", name, table.providers())
    models = [m for m in table.models if not wanted or m.provider.lower() in wanted]
    chosen = output_format.value
    if chosen == "auto":
        chosen = "table" if is_terminal() else "text"
    if chosen == "json":
        sys.stdout.write(reporter.list_json(models))
    elif chosen == "table":
        make_console().print(reporter.list_table(models, _stale_after()))
    else:
        sys.stdout.write(reporter.list_plain(models, _stale_after()))


class ShowFormat(str, Enum):
    text = "text"
    json = "json"


@pricing_app.command("show")
def pricing_show(
    model: str = typer.Argument(..., help="Model id or alias."),
    pricing: list[Path] = PricingOption,
    output_format: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f"),
    config: Path | None = ConfigOption,
) -> None:
    """Every price of one model: cache, long-context tiers, batch, limits, date and source."""
    import datetime

    from tokcli.pricing.estimate import STALE_DAYS
    from tokcli.reporters import pricing as reporter

    found = price_table(load_settings(config), pricing).get(model)
    if output_format is ShowFormat.json:
        sys.stdout.write(reporter.show_json(found))
    else:
        sys.stdout.write(reporter.show_plain(found, datetime.date.today(), STALE_DAYS))


@pricing_app.command("check")
def pricing_check(
    files: list[Path] = typer.Argument(None, help="Price files to check (default: the shipped table and config's)."),
    config: Path | None = ConfigOption,
) -> None:
    """Validate price files: schema, duplicates, negative prices, tokenizer names, entries over 180 days old.

    Exit 1 when a file has errors; warnings (old prices, retired models) alone exit 0."""
    from tokcli.pricing.check import check_price_files
    from tokcli.registry import get_registry
    from tokcli.reporters import pricing as reporter

    settings = load_settings(config)
    targets: list[Path] = list(files or [])
    if not targets and settings.pricing is not None:
        targets = [settings.pricing]
    report = check_price_files(targets, tokenizer_names=get_registry().names())
    for line in reporter.check_lines(report):
        typer.echo(line)
    if report.errors:
        raise typer.Exit(1)


@pricing_app.command("import")
def pricing_import(
    file: Path = typer.Argument(..., help="A litellm-format JSON price map."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the YAML here (default: stdout)."),
    provider: list[str] = typer.Option([], "--provider", "-p", help="Only these providers (repeatable)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date of the figures, YYYY-MM-DD (default: file date)."),
    source: str | None = typer.Option(None, "--source", help="Source text for every entry."),
) -> None:
    """Convert a litellm price map into tokcli's YAML schema (chat models with token prices)."""
    import datetime

    from tokcli.errors import UsageError
    from tokcli.pricing.dump import table_to_yaml
    from tokcli.pricing.load import import_price_map

    day = None
    if as_of is not None:
        try:
            day = datetime.date.fromisoformat(as_of)
        except ValueError:
            raise UsageError(f"--as-of must be a date YYYY-MM-DD, got {as_of!r}") from None
    result = import_price_map(file, providers=provider, as_of=day, source=source)
    if not result.models:
        raise UsageError(f"no chat models with token prices in {file}" + (" for those providers" if provider else ""))
    header = f"Imported from {file.name} by tokcli pricing import on {datetime.date.today().isoformat()}."
    write_output(table_to_yaml(result.models, header=header), output, [str(file)])
    from tokcli.reporters.text import plural

    imported, skipped = plural(len(result.models), "model"), plural(result.skipped, "entry", "entries")
    typer.echo(f"tokcli: imported {imported} ({skipped} skipped)", err=True)


# ---- lint ----------------------------------------------------------------------------------------------


class LintFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class Severity(str, Enum):
    info = "info"
    warning = "warning"
    error = "error"


@app.command()
def lint(
    paths: list[str] = typer.Argument(None, help="Files, directories, globs, or '-' for stdin."),
    output_format: LintFormat = typer.Option(LintFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report to this file."),
    fix: bool = typer.Option(False, "--fix", help="Apply safe fixes in place (atomic writes)."),
    diff: bool = typer.Option(False, "--diff", help="Show the safe fixes as a diff; change nothing."),
    fail_on: Severity | None = typer.Option(None, "--fail-on", help="Lowest severity that fails (default: warning)."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even with findings."),
    select: list[str] = typer.Option([], "--select", help="Rules to run: codes, prefixes, names, ALL."),
    ignore: list[str] = typer.Option([], "--ignore", help="Rules to skip."),
    extend_select: list[str] = typer.Option([], "--extend-select", help="Rules to add to the selection."),
    model: str | None = typer.Option(None, "-m", "--model", help="Model whose tokenizer measures waste."),
    encoding_errors: EncodingErrors = typer.Option(
        EncodingErrors.STRICT, "--encoding-errors", help="On invalid UTF-8."
    ),
    no_ignore: bool = NoIgnoreOption,
    config: Path | None = ConfigOption,
) -> None:
    """Find wasteful patterns in prompt files, priced in tokens per call."""
    from collections import Counter

    from tokcli.errors import EXIT_FINDINGS, UsageError
    from tokcli.inputs import collect_inputs, left_out_message
    from tokcli.lint.config import lint_settings
    from tokcli.lint.engine import FileResult, Linter, exit_code, lint_inputs, unified_diff
    from tokcli.prompt_set import not_a_prompt_or_host

    if fix and diff:
        raise UsageError("--fix and --diff do not go together: --diff shows what --fix would change")
    if not paths:
        raise UsageError("nothing to lint: give files, directories, globs or '-' for stdin")
    settings = load_settings(config, paths)
    lint_config = lint_settings(settings.lint, source=settings.source, root=settings.root, key_lines=settings.key_lines)
    lint_config = lint_config.with_overrides(select=select, ignore=ignore, extend_select=extend_select)
    from tokcli.config import names_from

    with names_from(settings, "models") if not model else contextlib.nullcontext():
        if not model:  # lint prices with the first model, but a typo further on is a config error, as in count
            from tokcli.registry import get_registry

            for name in settings.models[1:]:
                get_registry().resolve_model(name)
        linter = Linter(lint_config, model=model or (settings.models[0] if settings.models else None))
    from tokcli.units.jobs import explicit_files, lint_host, split_hosts
    from tokcli.units.select import unit_settings

    inputs = collect_inputs(
        paths,
        encoding_errors=encoding_errors.value,
        accept=not_a_prompt_or_host,
        use_ignore=not no_ignore,
        collect_errors=True,
    )
    if not inputs.texts and not inputs.errors:
        raise UsageError(
            left_out_message("prompt files", paths, inputs.left_out + Counter(r for _, r in inputs.skipped))
        )
    if (fix or diff) and any(item.path == "<stdin>" for item in inputs.texts):
        raise UsageError("--fix and --diff need files, not stdin")
    units = unit_settings(settings)
    split = split_hosts(inputs.texts, units, explicit_files(paths), check_templates=True)
    skipped = [*inputs.skipped, *split.skipped]
    if not split.plain and not split.hosts and not inputs.errors and not split.errors:
        # Nothing left once configs without prompts are set aside: say why, as count and audit do (exit 2).
        raise UsageError(left_out_message("prompt files", paths, inputs.left_out + Counter(r for _, r in skipped)))
    for path, reason in skipped:
        typer.echo(f"tokcli: skipped {path}: {reason}", err=True)
    with _audit_progress("linting") as progress:
        report = lint_inputs(split.plain, linter, fix=fix or diff, progress=progress)
    for host in split.hosts:  # prompts inside YAML/JSON configs and Python source (tokcli.units)
        hosted = lint_host(linter, host, units, fix=fix or diff)
        report.files.append(
            FileResult(hosted.path, hosted.findings, hosted.tokens, hosted.original, hosted.fixed, hosted.fixes_applied)
        )
        for note in hosted.notes:
            typer.echo(f"tokcli: note: {note}", err=True)
    errors = [*inputs.errors, *split.errors, *report.errors]
    changed = [result for result in report.files if result.fixed is not None]
    if diff:
        read = [item.path for item in inputs.texts]
        write_output("".join(unified_diff(r.path, r.original, r.fixed or "") for r in changed), output, read)
        for error in errors:
            typer.echo(f"tokcli: error: {error}", err=True)
        raise typer.Exit(EXIT_ERROR if errors else (EXIT_FINDINGS if changed else 0))
    if fix:
        for result in list(changed):
            try:
                rewrite_input_file(Path(result.path), result.fixed or "", result.original)
            except TokcliError as refused:  # left as it was: reported like a file that could not be read
                errors.append(refused)
                changed.remove(result)
                report.files.remove(result)
    findings, summary = report.findings, report.summary()
    summary["errors"] = len(errors)  # unreadable inputs count too, not only files that failed to parse
    if summary.get("cacheable_tokens"):
        from tokcli.lint.cache_value import price_cache_findings

        volume = settings.volume or {}
        model_price = price_table(settings, []).find(linter.model)
        summary.update(price_cache_findings(findings, model_price, volume.get("calls")))
        if "cache_saving_usd" in summary and volume.get("calls"):
            summary["cache_saving_per"] = volume.get("per", "day")
    chosen = output_format.value
    content: str | Iterable[str]
    if chosen == "json":
        from tokcli.reporters.json import iter_json

        content = iter_json(findings, summary)
    elif chosen == "github":
        from tokcli.reporters.github import render_github

        content = render_github(findings)
    elif chosen == "sarif":
        from tokcli.reporters.sarif import iter_sarif

        content = iter_sarif(findings, report.rules, summary=summary)
    else:
        from tokcli.reporters.text import iter_text

        colour = output is None and is_terminal() and "NO_COLOR" not in os.environ
        from tokcli.units.jobs import excerpt_sources

        sources = excerpt_sources(report.files, {host.item.path for host in split.hosts})
        content = iter_text(findings, summary, sources=sources, color=colour)
    write_output(content, output, [item.path for item in inputs.texts])
    if fix and changed:
        fixed = sum(result.fixes_applied for result in changed)
        typer.echo(f"tokcli: fixed {fixed} finding{'s' if fixed != 1 else ''} in {len(changed)} file(s)", err=True)
    for error in errors:
        typer.echo(f"tokcli: error: {error}", err=True)
    if errors:
        raise typer.Exit(EXIT_ERROR)
    if not exit_zero:
        raise typer.Exit(exit_code(findings, (fail_on.value if fail_on else lint_config.fail_on)))


class RulesFormat(str, Enum):
    auto = "auto"
    table = "table"
    text = "text"
    json = "json"


@app.command()
def rules(
    code: str | None = typer.Argument(None, help="A rule code or name to explain (e.g. TK301)."),
    output_format: RulesFormat = typer.Option(RulesFormat.auto, "--format", "-f", help="Output format."),
) -> None:
    """List the lint rules, or explain one: what it finds, a wasteful and a fixed example, options."""
    from tokcli.lint.config import LintSettings
    from tokcli.lint.rules.base import all_rules, get_rule
    from tokcli.reporters import rules as reporter

    if code is not None:
        info = get_rule(code).info()
        if output_format == RulesFormat.json:
            sys.stdout.write(reporter.rules_json([info]))
        else:
            sys.stdout.write(reporter.rule_detail(info))
        return
    infos = [rule.info() for rule in all_rules()]
    enabled = LintSettings().enabled_codes()
    chosen = output_format.value
    if chosen == "auto":
        chosen = "table" if is_terminal() else "text"  # NO_COLOR takes the colour away, not the layout
    if chosen == "json":
        sys.stdout.write(reporter.rules_json(infos))
    elif chosen == "table":
        make_console().print(reporter.rules_table(infos, enabled))
    else:
        sys.stdout.write(reporter.rules_plain(infos, enabled))


# ---- compress ------------------------------------------------------------------------------------------


class CompressLevel(str, Enum):
    safe = "safe"
    balanced = "balanced"
    aggressive = "aggressive"


class CompressMethod(str, Enum):
    rules = "rules"
    llmlingua = "llmlingua"
    llmlingua2 = "llmlingua2"


class CompressFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def compress(
    paths: list[str] = typer.Argument(
        ...,
        help="Prompt files, directories, globs, or '-' for stdin. Several files go with --write, --check, --diff "
        "or --format json.",
    ),
    level: CompressLevel | None = typer.Option(None, "--level", help="rules level (default: balanced)."),
    method: CompressMethod | None = typer.Option(None, "--method", help="rules (default), llmlingua, llmlingua2."),
    model_path: str | None = typer.Option(None, "--model", help="Local model folder for the llmlingua methods."),
    rate: float | None = typer.Option(None, "--rate", help="llmlingua: share of prose tokens to keep (0-1]."),
    target_tokens: int | None = typer.Option(None, "--target-tokens", help="llmlingua: total tokens to aim for."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the result to FILE (atomically)."),
    write: bool = typer.Option(False, "--write", help="Rewrite the file in place, keeping FILE.orig."),
    no_backup: bool = typer.Option(False, "--no-backup", help="With --write: do not keep FILE.orig."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff instead of the result."),
    check: bool = typer.Option(False, "--check", help="CI: exit 1 when compression would save > --threshold %."),
    threshold: float | None = typer.Option(
        None, "--threshold", min=0, callback=_not_nan, help="--check limit in percent (default 5)."
    ),
    models: list[str] = typer.Option([], "-m", help="Model to measure and price savings for (repeatable)."),
    calls: int | None = typer.Option(None, "--calls", help="Calls per period, for savings per period."),
    per: str | None = typer.Option(None, "--per", help="Period of --calls: day, week, month, year."),
    pricing: list[Path] = PricingOption,
    output_format: CompressFormat = typer.Option(CompressFormat.text, "--format", "-f", help="Output format."),
    encoding_errors: EncodingErrors = typer.Option(EncodingErrors.STRICT, "--encoding-errors", help="Bad UTF-8."),
    no_ignore: bool = NoIgnoreOption,
    config: Path | None = ConfigOption,
) -> None:
    """Compress a prompt without breaking it: templates still render, negations and examples stay."""
    from collections import Counter

    from tokcli.compress.command import CompressRequest, read_source, run_compress
    from tokcli.compress.summary import check_options, check_several, compress_settings
    from tokcli.counting import resolve_targets
    from tokcli.errors import UsageError
    from tokcli.inputs import expand_arguments, left_out_message
    from tokcli.prompt_set import not_a_prompt
    from tokcli.reporters import compress as reporter
    from tokcli.units.select import unit_settings

    settings = load_settings(config, paths)
    defaults = compress_settings(settings.compress, settings.source, settings.key_lines)
    chosen_method = method.value if method else defaults.method
    if chosen_method != "rules" and model_path is None:
        model_path = defaults.model_path
    if threshold is not None and not check:
        raise UsageError("--threshold goes with --check")
    as_json = output_format is CompressFormat.json
    paths = list(dict.fromkeys(expand_arguments(paths, accept=not_a_prompt, use_ignore=not no_ignore)))
    check_several(paths, output=str(output) if output else None, write=write, check=check, diff=diff, json=as_json)
    volume = settings.volume or {}
    calls = calls if calls is not None else volume.get("calls")
    for path in paths:
        check_options(
            path=path, method=chosen_method, write=write, output=str(output) if output else None, check=check,
            model_path=model_path, rate=rate, target_tokens=target_tokens, calls=calls, per=per,
        )  # fmt: skip
    from tokcli.config import names_from

    with names_from(settings, "models") if not models else contextlib.nullcontext():
        targets = resolve_targets(models or settings.models)
    table = price_table(settings, pricing)
    request = CompressRequest(
        method=chosen_method,
        level=level.value if level else defaults.level,
        model_path=model_path,
        rate=rate,
        target_tokens=target_tokens,
        calls=calls,
        per=per or volume.get("per", "day"),
        units=unit_settings(settings),
    )
    limit = threshold if threshold is not None else defaults.threshold
    several = len(paths) > 1
    json_reports: list[dict[str, Any]] = []
    over = failed = False
    for path in paths:
        try:
            shown, text = read_source(path, encoding_errors.value)
            report = run_compress(shown, text, request, targets, table)
            if report.without_prompts and not several:
                # as count and lint say it: a file named alone that holds no prompt is an input error
                raise UsageError(left_out_message("prompt files", [path], Counter({report.without_prompts: 1})))
        except TokcliError as error:
            if not several:
                raise
            typer.echo(f"tokcli: error: {error}", err=True)  # the other files go on; exit 2 at the end
            failed = True
            continue
        if check:
            over = report.percent > limit or over
            more = "more" if report.percent > limit else "not more"
            report.notes.append(f"would save {report.percent:.1f}% ({more} than {limit:g}%)")
        elif write:
            if report.changed:
                kept = rewrite_input_file(Path(path), report.text, text, backup=not no_backup).backup
                report.written = path + (f" (backup: {kept})" if kept else "")
            else:
                report.notes.append("unchanged: file not rewritten")
        elif output is not None:
            from tokcli.files import starts_with_bom

            # a copy of the file as `--write` would leave it: its byte order mark too (the text was read without it)
            bom = "\ufeff" if path != "-" and starts_with_bom(path) else ""
            write_file(output, bom + report.text)
            report.written = str(output)
        written = write or output is not None
        if as_json:
            json_reports.append(
                reporter.report_data(report, include_text=not (written or check), include_diff=diff and not check)
            )
            continue
        if diff and not check:
            sys.stdout.write(reporter.render_diff(report))
        elif not (written or check):
            sys.stdout.write(report.text)
        typer.echo(reporter.render_summary(report), err=True, nl=False)
    if as_json:
        sys.stdout.write(reporter.render_json_data(json_reports if several else json_reports[0]))
    if failed:
        raise typer.Exit(EXIT_ERROR)
    if check:
        raise typer.Exit(1 if over else 0)


# ---- audit ---------------------------------------------------------------------------------------------


class AuditFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    markdown = "markdown"


class AuditFailOn(str, Enum):
    info = "info"
    warning = "warning"
    error = "error"
    never = "never"


#: Below this many files to analyse, no progress bar: the run is over before it would be read.
_PROGRESS_MIN_FILES = 200


@app.command()
def audit(
    paths: list[str] = typer.Argument(None, help="Directories or files to audit (default: '.')."),
    model: list[str] = typer.Option([], "-m", "--model", help="Model to report on (repeatable; default: config)."),
    output_format: AuditFormat = typer.Option(AuditFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the report to this file."),
    since: str | None = typer.Option(None, "--since", help="Compare with the same files at this git ref."),
    fail_on_increase: float | None = typer.Option(
        None, "--fail-on-increase", min=0, callback=_not_nan, help="Exit 1 when tokens grow by more than PCT percent."
    ),
    baseline: Path | None = typer.Option(None, "--baseline", help="Compare with a baseline JSON file."),
    write_baseline: Path | None = typer.Option(None, "--write-baseline", help="Write this run as a baseline."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the result cache."),
    fail_on: AuditFailOn | None = typer.Option(
        None, "--fail-on", help="Lowest lint severity that fails (default: error; budgets always fail)."
    ),
    skip_unreadable: bool = typer.Option(
        False, "--skip-unreadable", help="Report unreadable files but do not exit 2 for them."
    ),
    no_ignore: bool = NoIgnoreOption,
    reserve_output: int | None = typer.Option(
        None, "--reserve-output", min=0, help="Output tokens to reserve in each context window (config: fit)."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Audit prompt files for CI: tokens, cost, waste, cacheability, budgets and deltas."""
    from tokcli.audit import AuditOptions, build_settings, run_audit

    targets = list(paths or ["."])
    settings_config = load_settings(config, targets)
    settings = build_settings(
        settings_config,
        models=model,
        fail_on=fail_on.value if fail_on else None,
        fail_on_increase=fail_on_increase,
        skip_unreadable=skip_unreadable,
        no_cache=no_cache,
        reserve_output=reserve_output,
    )
    options = AuditOptions(
        paths=targets,
        since=since,
        baseline=baseline,
        use_cache=not no_cache,
        use_ignore=not no_ignore,
    )
    with _audit_progress() as progress:
        report = run_audit(settings_config, settings, options, progress=progress)
    if write_baseline is not None:
        from tokcli.files import refuse_report_over_input

        refuse_report_over_input(write_baseline, report.paths_read(), "--write-baseline")
    _emit_audit(report, output_format.value, output)
    if write_baseline is not None:
        from tokcli.audit.deltas import baseline_json

        write_file(write_baseline, baseline_json(report.files, report.models))
    raise typer.Exit(report.exit_code())


def _emit_audit(report: Any, chosen: str, output: Path | None) -> None:
    content: str | Iterable[str]
    if chosen == "json":
        from tokcli.reporters.audit_json import iter_audit_json

        content = iter_audit_json(report)
    elif chosen == "sarif":
        from tokcli.reporters.audit_sarif import iter_audit_sarif

        content = iter_audit_sarif(report)
    elif chosen == "github":
        from tokcli.reporters.audit_github import render_audit_github

        content = render_audit_github(report)
    elif chosen == "markdown":
        from tokcli.reporters.audit_markdown import render_audit_markdown

        content = render_audit_markdown(report)
    else:
        from tokcli.reporters.audit_text import render_audit_text

        terminal = output is None and is_terminal()
        colour = terminal and "NO_COLOR" not in os.environ
        width = layout_width() if output is None else None
        content = render_audit_text(report, color=colour, width=width, terminal=terminal)
    write_output(content, output, report.paths_read())
    if chosen == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        from tokcli.files import append_file
        from tokcli.reporters.audit_markdown import render_audit_markdown

        try:
            append_file(os.environ["GITHUB_STEP_SUMMARY"], render_audit_markdown(report) + "\n")
        except TokcliError as error:
            typer.echo(f"tokcli: warning: cannot append to GITHUB_STEP_SUMMARY: {error}", err=True)
    skip = report.settings.skip_unreadable
    for problem in report.problems:
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        label = "skipped" if skip and problem.kind == "unreadable" else "error"
        typer.echo(f"tokcli: {label}: {where}: {problem.message}", err=True)
    if chosen != "text":
        for note in report.notes:
            typer.echo(f"tokcli: note: {note}", err=True)


class _audit_progress:
    """A rich progress bar on stderr for long runs (audit, lint), only when stderr is a terminal."""

    def __init__(self, label: str = "auditing") -> None:
        self._label = label
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        if sys.stderr is None or not sys.stderr.isatty():
            return None
        return self._update

    def _update(self, done: int, total: int) -> None:
        if total < _PROGRESS_MIN_FILES:
            return
        if self._progress is None:
            from rich.progress import Progress

            self._progress = Progress(console=make_console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task(self._label, total=total)
        self._progress.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def main() -> None:
    from tokcli.stdout import StdoutClosed, end_by_closed_pipe, guard_stdout

    guard_stdout()
    try:
        try:
            app()
        finally:
            sys.stdout.flush()  # output still buffered fails here, where it can be reported, not at exit
    except StdoutClosed:
        end_by_closed_pipe()
    except TokcliError as error:  # raised outside a command (e.g. while parsing), or by the final flush
        typer.echo(f"tokcli: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # a bug in tokcli: exit 2, never 1, which CI reads as "budget exceeded"
        if os.environ.get("TOKCLI_DEBUG"):
            import traceback

            traceback.print_exc()
        typer.echo(
            f"tokcli: internal error: {type(error).__name__}: {error} (a bug in tokcli; "
            "TOKCLI_DEBUG=1 shows the traceback to report)",
            err=True,
        )
        sys.exit(EXIT_ERROR)

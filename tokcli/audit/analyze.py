"""Per-file analysis: tokens per model, cost per call and per period, lint findings, compress savings and the
cacheable static prefix.

Work is split so each tokenizer is loaded once and texts are counted in batches:
1. `analyze_document` (run in a thread pool, one file at a time) parses the file once, lints it and compresses it
   with the `rules` method;
2. `count_all` counts every original and compressed text per tokenizer through `count_batch`;
3. `measure_prefixes` measures the static prefix before the first dynamic part, counted in one batch.
The tokenizer-dependent part of a file's result is a `FileFacts`, which is what the cache stores.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tokcli.counting import Target, count_inputs, countable_document
from tokcli.errors import InputError, TokcliError
from tokcli.inputs import InputText
from tokcli.lint.finding import Finding
from tokcli.lint.finding_table import FindingTable
from tokcli.prompt_cache import CacheMinimum, cache_minimum
from tokcli.prompts import PromptDocument, load_prompt
from tokcli.units.documents import is_unit_path, unit_document


@dataclass(frozen=True)
class ModelTarget:
    """A model the audit reports on, resolved to its tokenizer, price and caching minimum."""

    model: str
    tokenizer: str
    provider: str
    exact: bool
    price: Any = None  # tokcli.pricing.ModelPrice, or None when the model has no price
    cache_min: CacheMinimum | None = None


#: 2: findings as rows of fields; 3: tool figures; 4: findings keep their cache and budget figures; 5: findings as
#: columns of fields; 6: the model the file names; 7: the built-in tools it lists; 8: a `str.format` unit's tokens
#: are those of what the model receives; 9: a tool file's compressed figures; 10: findings as a table's packed
#: columns (`FindingTable.to_payload`)
_PAYLOAD_FORMAT = 10


@dataclass
class FileFacts:
    """Everything about one file that depends only on its content, path, tokenizers and config."""

    kind: str
    tokens: dict[str, int] = field(default_factory=dict)  # tokenizer → tokens
    compressed: dict[str, int] = field(default_factory=dict)  # tokenizer → tokens after compression
    prefix: dict[str, int] = field(default_factory=dict)  # tokenizer → static prefix tokens
    dynamic: str | None = None  # the first dynamic part, when there is one
    dynamic_line: int | None = None
    #: In report order; a `FindingTable` (a row per finding, no object) as lint and the cache make them.
    findings: Sequence[Finding] = field(default_factory=list)
    #: Files that send tools: tokenizer → [[tool name, tokens, line], ...], included in `tokens`.
    tools: dict[str, list[list[Any]]] = field(default_factory=dict)
    #: tokenizer → whether the tool figures are exact (the provider documents the rendering).
    tools_exact: dict[str, bool] = field(default_factory=dict)
    #: The request forces a tool (tool_choice any/tool/required): Anthropic's larger tool-use prompt applies.
    forced_tool: bool = False
    #: The built-in tools the request lists (`web_search_preview`, `bash_20250124`): the provider defines their
    #: prompts, so they are not in `tokens`.
    hosted_tools: list[str] = field(default_factory=list)
    uncounted_images: int = 0  # image parts no tokenizer could count (size unknown or no formula)
    #: The model the file names for itself (a `.prompt.yml`'s `model:`, a front matter's), as written.
    named_model: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": _PAYLOAD_FORMAT,
            "kind": self.kind,
            "tokens": self.tokens,
            "compressed": self.compressed,
            "prefix": self.prefix,
            "dynamic": self.dynamic,
            "dynamic_line": self.dynamic_line,
            "findings": _findings_payload(self.findings),
            "tools": self.tools,
            "tools_exact": self.tools_exact,
            "forced_tool": self.forced_tool,
            "hosted_tools": self.hosted_tools,
            "uncounted_images": self.uncounted_images,
            "named_model": self.named_model,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], path: str) -> FileFacts:
        """Raises KeyError, TypeError or ValueError for a payload another build wrote."""
        if data.get("format") != _PAYLOAD_FORMAT:
            raise ValueError("cache payload from another build")
        return cls(
            kind=data["kind"],
            tokens=dict(data["tokens"]),
            compressed=dict(data["compressed"]),
            prefix=dict(data["prefix"]),
            dynamic=data.get("dynamic"),
            dynamic_line=data.get("dynamic_line"),
            findings=FindingTable.from_payload(path, data["findings"]),
            tools={name: [list(row) for row in rows] for name, rows in data["tools"].items()},
            tools_exact=dict(data["tools_exact"]),
            forced_tool=bool(data["forced_tool"]),
            hosted_tools=[str(name) for name in data["hosted_tools"]],
            uncounted_images=int(data["uncounted_images"]),
            named_model=data["named_model"],
        )


def _findings_payload(findings: Sequence[Finding]) -> dict[str, Any]:
    """A file's findings as the cache keeps them: its table's packed columns (a list is made a table first)."""
    if not isinstance(findings, FindingTable):
        findings = FindingTable.of_findings(findings[0].path if findings else "", findings)
    return findings.to_payload()


@dataclass
class ModelFigures:
    """One file on one model."""

    model: str
    tokenizer: str
    exact: bool
    tokens: int
    compressed_tokens: int | None
    prefix_tokens: int
    cache_minimum: int | None
    cost_per_call: Decimal | None
    cost_per_period: Decimal | None
    #: (tool name, tokens, line) of each tool the file defines, on this model; their sum is in `tokens`.
    tools: list[tuple[str, int, int]] = field(default_factory=list)
    tool_tokens: int = 0  # tool definitions and request extras, included in `tokens`
    rendered: Any = None  # tokcli.render.RenderedFigures when the file has fixtures
    rendered_cost_per_call: Decimal | None = None  # the largest render's cost per call

    @property
    def saved_tokens(self) -> int | None:
        if self.compressed_tokens is None:
            return None
        return max(0, self.tokens - self.compressed_tokens)

    @property
    def cacheable(self) -> bool | None:
        """Whether the static prefix reaches the provider's minimum (None: no provider cache known)."""
        if self.cache_minimum is None:
            return None
        return self.prefix_tokens >= self.cache_minimum


@dataclass
class FileAudit:
    path: str
    relative: str
    digest: str
    kind: str
    figures: list[ModelFigures]
    findings: Sequence[Finding]  # a `FindingTable` but for a prompt unit's (moved onto its host file)
    dynamic: str | None = None
    dynamic_line: int | None = None
    from_cache: bool = False
    unit: Any = None  # tokcli.units.model.PromptUnit, when the row is a prompt inside a YAML/JSON or Python file
    #: The model the prompt names (its file's `model:`, or its unit's), as written, and its figures when the
    #: price table knows it and its tokenizer is one the audit counted with; the audited models' columns and
    #: totals stay comparable across files.
    named_model: str | None = None
    named: ModelFigures | None = None

    def figure(self, model: str) -> ModelFigures | None:
        for figure in self.figures:
            if figure.model == model:
                return figure
        return None


@dataclass
class Parsed:
    """Stage-one result of a file: the parsed document, its lint findings and its compressed text."""

    path: str
    document: PromptDocument
    compressed_text: str | None
    findings: FindingTable


class NotAPrompt(Exception):
    """A YAML/JSON file the include globs matched that is not a chat file (e.g. a data or config file)."""


def analyze_document(
    path: str,
    text: str,
    *,
    linter: Any,
    compress_level: str | None,
    text_tokens: int | None = None,
    unit: Any = None,
) -> Parsed:
    """Parse, lint and compress one file. InputError for parse errors, NotAPrompt for YAML/JSON that is not a
    chat file. `text_tokens` is the whole text's count in the linter's tokenizer, when the caller has it. A
    prompt unit (`tokcli.units.model.PromptUnit`) is read with its host's syntax (a `.format` prompt's `{{` is a
    brace), and compressed to what `compress` would write in its host (nothing where it writes nothing)."""
    try:
        syntax = unit.syntax if unit is not None else None
        document = unit_document(path, text, syntax) if is_unit_path(path) else load_prompt(path, text)
    except InputError as error:
        if error.message.startswith("chat file must be"):
            raise NotAPrompt(path) from None
        raise
    if document.kind == "config" and not document.messages:
        raise NotAPrompt(path)  # a settings or data YAML without prompt strings
    if linter is not None:
        known = {text: text_tokens} if text_tokens is not None else None
        findings = linter.lint_table(document, known_counts=known)
    else:
        findings = FindingTable(path)
        findings.sort()
    compressed_text = None
    if compress_level is not None:  # a tool file's descriptions are compressed, its JSON kept, as by `compress`
        from tokcli.compress.rules_method import compress_document

        try:
            compressed_text = compress_document(document, level=compress_level, explain=False).text
        except TokcliError:
            compressed_text = None
        if unit is not None and compressed_text is not None:
            from tokcli.units.jobs import written_compression

            compressed_text = written_compression(unit, document, compressed_text)[0]
    return Parsed(path, document, compressed_text, findings)


def tokenizer_targets(tokenizers: Sequence[str], models: dict[str, tuple[str, str]] | None) -> list[Target]:
    """Counting targets, one per tokenizer, that count tool definitions the way their provider does (see
    `count_all`)."""
    targets = []
    for name in tokenizers:
        provider, model = (models or {}).get(name, (None, None))
        targets.append(Target(name, name, model=None if provider == "anthropic" else model, provider=provider))
    return targets


def model_tool_prompt(target: ModelTarget, has_tools: bool, forced: bool) -> int:
    """Anthropic's tool-use system prompt for `target` when the file sends tools (0 for other providers)."""
    from tokcli.tool_tokens import anthropic_tool_prompt

    if not has_tools or target.provider != "anthropic":
        return 0
    return anthropic_tool_prompt(_canonical(target.model), "any" if forced else "auto") or 0


def count_all(
    parsed: Sequence[Parsed],
    tokenizers: Sequence[str],
    models: dict[str, tuple[str, str]] | None = None,
    formatted: Collection[str] = (),
) -> list[FileFacts]:
    """Count every file's original and compressed text with every tokenizer, in batches (the documents are
    parsed already: nothing is parsed again but the compressed texts). `models` (tokenizer → (provider, model)
    of the first audited model on it) chooses how tool definitions are counted; Anthropic's per-model tool-use
    prompt is added by `figures_for`, so that model is not passed on. `formatted` names the prompt units given
    to `str.format`: counted as the model receives them, each `{{` and `}}` one brace (as `count` does)."""
    from tokcli.units.syntax import format_output

    def sent(path: str, text: str) -> str:
        return format_output(text) if path in formatted else text

    targets = tokenizer_targets(tokenizers, models)
    originals = [InputText(item.path, sent(item.path, item.document.text)) for item in parsed]
    squeezed = [
        (index, InputText(item.path, sent(item.path, item.compressed_text)))
        for index, item in enumerate(parsed)
        if item.compressed_text is not None
    ]
    from tokcli.counting import request_of
    from tokcli.pricing.named import document_model
    from tokcli.tool_tokens import forces_tool

    facts = [
        FileFacts(item.document.kind, findings=item.findings, named_model=document_model(item.document))
        for item in parsed
    ]
    if not parsed:
        return facts
    documents = [countable_document(item.document) for item in parsed]
    report = count_inputs(originals, targets, documents=documents)
    per_target = len(originals)
    for target_index, target in enumerate(targets):
        rows = report.results[target_index * per_target : (target_index + 1) * per_target]
        for fact, row in zip(facts, rows):
            fact.tokens[target.tokenizer] = row.tokens
            if row.request is not None:
                fact.tools[target.tokenizer] = [[tool.name, tool.total, tool.line] for tool in row.request.tools]
                fact.tools[target.tokenizer].append(
                    ["", row.request.total - sum(t.total for t in row.request.tools), 0]
                )
                fact.tools_exact[target.tokenizer] = row.request.exact
                fact.uncounted_images = max(fact.uncounted_images, row.request.uncounted_images)
    for item, fact in zip(parsed, facts):
        request = request_of(countable_document(item.document))
        if request is not None:
            fact.forced_tool = forces_tool(request.tool_choice)
            fact.hosted_tools = list(request.hosted)
    if squeezed:
        report = count_inputs([item for _, item in squeezed], targets)
        per_target = len(squeezed)
        for target_index, target in enumerate(targets):
            rows = report.results[target_index * per_target : (target_index + 1) * per_target]
            for (index, _), row in zip(squeezed, rows):
                facts[index].compressed[target.tokenizer] = row.tokens
    return facts


def measure_prefixes(
    parsed: Sequence[Parsed], facts: Sequence[FileFacts], tokenizers: dict[str, Any], formatted: Collection[str] = ()
) -> None:
    """The static prefix before each file's first dynamic part, per tokenizer: what lint's `analyse_cache_prefix`
    (TK401) reports, found without counting (`static_prefix`) and counted in one `count_batch` per tokenizer.
    A prefix that is the whole counted text reuses the count `count_all` made. A prefix of a unit given to
    `str.format` (`formatted`) is counted as the model receives it, as `count_all` counts the unit."""
    from tokcli.lint.rules.structure import static_prefix
    from tokcli.units.syntax import format_output

    pending: list[tuple[FileFacts, str | None, str]] = []  # (fact, known text's tokenizer-free key, prefix)
    for item, fact in zip(parsed, facts):
        document = item.document
        found = static_prefix(document)
        fact.dynamic, fact.dynamic_line = found.dynamic_text, found.line
        prefix = found.prefix
        if not prefix.strip():
            for name in tokenizers:
                fact.prefix[name] = 0
            continue
        counted = countable_document(document)
        known = document.text if counted is None else document.body if document.kind != "chat" else None
        sent = format_output(prefix) if item.path in formatted else prefix  # `{{` is one brace to the model
        pending.append((fact, "known" if prefix == known else None, sent))
    if not pending:
        return
    for name, tokenizer in tokenizers.items():
        unknown = [prefix for _, known, prefix in pending if known is None]
        counts = iter(tokenizer.count_batch(unknown) if unknown else [])
        for fact, known, _ in pending:
            fact.prefix[name] = fact.tokens[name] if known is not None else next(counts)


def figures_for(
    facts: FileFacts,
    targets: Sequence[ModelTarget],
    cost_options: Any,
    costs: dict[tuple[str, int], tuple[Decimal, Decimal | None]] | None = None,
) -> list[ModelFigures]:
    """Per-model figures of one file: tokens from its tokenizer, cost from the pricing table. `costs` keeps
    (cost per call, per period) by (model, tokens) across the files of one run (files share token counts, and
    pricing one took longer than the rest of its figures)."""
    from tokcli.pricing.cost import compute_cost

    figures = []
    for target in targets:
        tokens = facts.tokens[target.tokenizer]
        rows = facts.tools.get(target.tokenizer)
        tool_tokens = sum(row[1] for row in rows) if rows else 0
        compressed = facts.compressed.get(target.tokenizer)
        prompt = model_tool_prompt(target, bool(rows), facts.forced_tool)
        tokens += prompt
        tool_tokens += prompt
        compressed = compressed + prompt if compressed is not None else None
        per_call = per_period = None
        if target.price is not None:
            priced = costs.get((target.model, tokens)) if costs is not None else None
            if priced is None:
                breakdown = compute_cost(target.price, tokens, cost_options)
                priced = (breakdown.total_cost, breakdown.period_cost)
                if costs is not None:
                    costs[(target.model, tokens)] = priced
            per_call, per_period = priced
        figures.append(
            ModelFigures(
                model=target.model,
                tokenizer=target.tokenizer,
                exact=target.exact and facts.tools_exact.get(target.tokenizer, True),
                tokens=tokens,
                compressed_tokens=compressed,
                prefix_tokens=facts.prefix.get(target.tokenizer, 0),
                cache_minimum=target.cache_min.tokens if target.cache_min else None,
                cost_per_call=per_call,
                cost_per_period=per_period,
                tools=[(row[0], row[1], row[2]) for row in rows or [] if row[0]],
                tool_tokens=tool_tokens,
            )
        )
    return figures


def _canonical(model: str) -> str:
    from tokcli.counting import canonical_model

    return canonical_model(model) or model


def resolve_targets(models: Sequence[str], pricing: Any, *, strict: bool) -> tuple[list[ModelTarget], list[str]]:
    """ModelTargets for `models`; a model whose tokenizer's extra is missing is an error when `strict`
    (named on the command line), else a note (named in config)."""
    from tokcli.registry import get_registry, missing_extra_for

    registry = get_registry()
    targets: list[ModelTarget] = []
    notes: list[str] = []
    for model in models:
        spec = registry.resolve_model(model)
        missing = missing_extra_for(spec.tokenizer)
        if missing is not None:
            if strict:
                raise missing
            notes.append(f"model {model!r} skipped: {missing.message}")
            continue
        tokenizer = registry.get(spec.tokenizer)
        price = pricing.find(model) or pricing.find(spec.canonical) if pricing is not None else None
        if price is None:
            notes.append(f"model {model!r} has no price in the pricing table: costs not shown")
        targets.append(
            ModelTarget(
                model=model,
                tokenizer=spec.tokenizer,
                provider=spec.provider,
                exact=tokenizer.exact,
                price=price,
                cache_min=cache_minimum(spec.provider, spec.canonical),
            )
        )
    return targets, notes

"""Counting: inputs × targets (models or tokenizers) → CountResult rows.

Each distinct text is encoded once per tokenizer, in batches (tiktoken's thread pool does the rest).
Chat files add the per-message overhead where the format documents one (OpenAI's), and say so.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from tokcli.errors import InputError, MissingExtraError, UnknownNameError, UsageError
from tokcli.inputs import InputText, StreamedInput, probe_file, read_text_file
from tokcli.prompts import CHAT_SUFFIXES, PromptDocument, load_prompt
from tokcli.registry import get_registry
from tokcli.tool_tokens import RequestTokens, count_request
from tokcli.tools import ChatRequest, chat_request

DEFAULT_MODEL = "gpt-4o"
#: Plain files from this size on are counted in pieces (see `tokcli.streaming`) rather than read whole.
STREAM_MIN_BYTES = 16 << 20

# OpenAI's documented chat accounting (the "How to count tokens with tiktoken" cookbook): every message
# costs 3 tokens of framing plus its role and content, a `name` 1 more, and every reply is primed with 3.
OPENAI_CHAT_TOKENIZERS = frozenset({"cl100k_base", "o200k_base"})
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3


@dataclass(frozen=True)
class Target:
    """What to count with: a model (resolved to its tokenizer) or a tokenizer named directly."""

    label: str
    tokenizer: str
    model: str | None = None
    provider: str | None = None


@dataclass
class CountResult:
    path: str
    label: str
    tokenizer: str
    tokens: int
    exact: bool
    model: str | None = None
    kind: str = "text"  # "text" | "chat" | "body" (front matter excluded) | "tools" (a tool-definition file)
    overhead: int = 0  # chat framing tokens included in `tokens`
    ids: list[int] | None = None
    #: Tool definitions, tool_choice, response format and tool calls, included in `tokens` (see tool_tokens).
    request: RequestTokens | None = None

    @property
    def tool_tokens(self) -> int:
        """Tool definitions, tool_choice, response format and tool calls (images are message parts, not tools)."""
        return self.request.tool_total if self.request is not None else 0

    @property
    def image_tokens(self) -> int:
        return self.request.images if self.request is not None else 0

    @property
    def message_tokens(self) -> int:
        """The messages: their text, framing and images."""
        return self.tokens - self.tool_tokens


@dataclass
class CountReport:
    results: list[CountResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Inputs that could not be counted (bad UTF-8 found while streaming, a bad tool file …): no row each.
    errors: list[InputError] = field(default_factory=list)

    def total(self, label: str) -> int:
        return sum(result.tokens for result in self.results if result.label == label)


def resolve_targets(
    models: Sequence[str] = (), tokenizers: Sequence[str] = (), *, every_installed: bool = False
) -> list[Target]:
    """Targets from -m/-t values. A -t value that is a file path registers that file as a tokenizer
    (`PATH` or `PATH:PRESET` for a .tiktoken file's split pattern)."""
    registry = get_registry()
    targets: list[Target] = []
    for model in models:
        model_spec = registry.resolve_model(model)
        targets.append(Target(model, model_spec.tokenizer, model=model, provider=model_spec.provider))
    for value in tokenizers:
        name = _register_tokenizer_file(value) or value
        registry.spec(name)  # unknown names fail here, with suggestions
        targets.append(Target(name, name))
    if every_installed:
        for spec in registry.specs():
            if spec.is_available() and all(target.tokenizer != spec.name for target in targets):
                targets.append(Target(spec.name, spec.name))
    if not targets:
        default = registry.resolve_model(DEFAULT_MODEL)
        targets.append(Target(DEFAULT_MODEL, default.tokenizer, model=DEFAULT_MODEL, provider=default.provider))
    return _unique(targets)


def _unique(targets: Iterable[Target]) -> list[Target]:
    seen: set[str] = set()
    result = []
    for target in targets:
        if target.label not in seen:
            seen.add(target.label)
            result.append(target)
    return result


def _register_tokenizer_file(value: str) -> str | None:
    from tokcli.registry.builtin import PATTERN_PRESETS

    path_text, pattern = value, None
    head, _, tail = value.rpartition(":")
    if head and tail in PATTERN_PRESETS:
        path_text, pattern = head, tail
    elif head and "/" not in tail and Path(head).is_file():  # `ranks.tiktoken:o200kk`: the file is there
        presets = ", ".join(PATTERN_PRESETS)
        raise UsageError(f"unknown split-pattern preset {tail!r}; presets: {presets}", path=head)
    path = Path(path_text)
    if not (probe_file(path, error=UsageError) and ("/" in path_text or path.suffix)):
        if pattern or "/" in path_text:
            raise UsageError("tokenizer file not found", path=path_text)
        return None
    registry = get_registry()
    name = str(path)
    if name not in registry.names():
        registry.register_file(name, path, pattern=pattern, origin="cli")
    return name


def stream_candidate(path: Path) -> bool:
    """Whether `count` reads this file in pieces: a large regular file whose whole text is counted (chat and
    front-matter files are parsed whole)."""
    suffix = path.suffix.lower()
    if suffix in CHAT_SUFFIXES or suffix in (".prompty", ".prompt"):
        return False
    try:
        info = path.stat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size >= STREAM_MIN_BYTES


def _streamed_count(item: StreamedInput, tokenizer: Any) -> int:
    from tokcli.streaming import can_stream, stream_count

    if can_stream(tokenizer):
        return stream_count(item.source, tokenizer, shown=item.path, encoding_errors=item.encoding_errors)
    # A tokenizer whose pre-tokenisation is not known to allow cuts counts the whole text.
    return tokenizer.count(read_text_file(item.source, item.encoding_errors, item.path))


def _document(item: InputText) -> PromptDocument | None:
    """A parsed chat/front-matter document when the input is one; plain text otherwise."""
    if isinstance(item, StreamedInput):
        return None
    suffix = PurePath(item.path).suffix.lower()
    if suffix not in CHAT_SUFFIXES and suffix not in (".prompty", ".prompt"):
        return None
    from tokcli.tools import ToolDefinitionError

    try:
        document = load_prompt(item.path, item.text, check_templates=False)
    except ToolDefinitionError:
        raise
    except InputError:
        return None  # not a chat file after all (e.g. a config YAML): count it as text
    return countable_document(document)


def _parsed(
    inputs: Sequence[InputText], errors: list[InputError]
) -> tuple[list[InputText], list[PromptDocument | None]]:
    """The inputs that parse, each with its document (`_document`); the others' errors go to `errors`."""
    kept, documents = [], []
    for item in inputs:
        try:
            documents.append(_document(item))
        except InputError as error:
            errors.append(error)
            continue
        kept.append(item)
    return kept, documents


def countable_document(document: PromptDocument) -> PromptDocument | None:
    """The document when it is counted by structure (chat messages, or the body without front matter), None
    when its whole text is counted. For callers that parsed the file already (see `count_inputs`)."""
    if document.kind == "chat" and not document.messages:
        return None
    return document if document.kind in ("chat", "prompty", "dotprompt", "tools") else None


def canonical_model(model: str | None) -> str | None:
    if model is None:
        return None
    try:
        return get_registry().resolve_model(model).canonical
    except UnknownNameError:  # a model only the price table knows
        return model


def request_counts(inputs: Sequence[InputText], models: Sequence[Any]) -> dict[tuple[int, str], tuple[int, bool]]:
    """(input index, model id) → (tokens, exact) for the inputs `count` counts by structure (chat files, tool
    files, `.prompty` and dotprompt bodies): what is sent, counted as `count` does (messages and framing, tools,
    the body without front matter), for `cost` to price instead of the raw file."""
    documents = [_document(item) for item in inputs]
    chosen = [index for index, document in enumerate(documents) if document is not None]
    if not chosen:
        return {}
    result: dict[tuple[int, str], tuple[int, bool]] = {}
    subset = [inputs[index] for index in chosen]
    for model in models:
        target = Target(model.id, model.tokenizer, model=model.id, provider=model.provider)
        try:
            report = count_inputs(subset, [target], documents=[documents[index] for index in chosen])
        except MissingExtraError:
            continue  # cost reports the model as skipped
        for index, row in zip(chosen, report.results):
            result[(index, model.id)] = (row.tokens, row.exact)
    return result


def request_of(document: PromptDocument | None) -> ChatRequest | None:
    """What a document sends besides its message text (tools, tool_choice, response format, tool calls)."""
    if document is None or document.kind not in ("chat", "tools"):
        return None
    if document.kind == "tools":
        return ChatRequest(tools=list(document.tools), hosted=list(document.hosted_tools))
    request = chat_request(document.path, document.text)
    return None if request.empty else request


def count_inputs(
    inputs: Sequence[InputText],
    targets: Sequence[Target],
    *,
    allow_special: bool = False,
    with_ids: bool = False,
    documents: Sequence[PromptDocument | None] | None = None,
    collect_errors: bool = False,
) -> CountReport:
    """`documents`, when given, are the inputs already parsed (`countable_document` of each), so no file is
    parsed twice. An input that cannot be counted raises InputError, or with `collect_errors` is left out and
    its error kept in `errors` (`count` names each and counts the rest)."""
    registry = get_registry()
    report = CountReport()
    if documents is None:
        inputs, documents = _parsed(inputs, report.errors)
    documents = list(documents)
    requests = [request_of(document) for document in documents]
    failed: set[str] = set()  # paths of inputs that failed while counted (no row for any target)
    for target in targets:
        tokenizer = registry.get(target.tokenizer)
        canonical = canonical_model(target.model)
        pieces: dict[str, None] = {}
        for item, document in zip(inputs, documents):
            if document is not None and document.kind == "tools":
                continue
            if document is not None and document.kind == "chat":
                for message in document.messages:
                    pieces[message.role] = None
                    pieces[message.content] = None
                    if message.name:
                        pieces[message.name] = None
            elif document is not None:
                pieces[document.body] = None
            elif not isinstance(item, StreamedInput):
                pieces[item.text] = None
        distinct = list(pieces)
        counted = dict(zip(distinct, tokenizer.count_batch(distinct, allow_special=allow_special)))
        openai_chat = target.tokenizer in OPENAI_CHAT_TOKENIZERS or (
            not tokenizer.exact and getattr(getattr(tokenizer, "base", None), "name", "") in OPENAI_CHAT_TOKENIZERS
        )
        for item, document, request in zip(inputs, documents, requests):
            result = CountResult(item.path, target.label, target.tokenizer, 0, tokenizer.exact, model=target.model)
            encoded: list[str] = []
            if document is not None and document.kind == "tools":
                result.kind = "tools"
            elif document is not None and document.kind == "chat":
                result.kind = "chat"
                content = sum(counted[message.content] for message in document.messages)
                if openai_chat:
                    framing = sum(
                        TOKENS_PER_MESSAGE
                        + counted[message.role]
                        + (counted[message.name] + TOKENS_PER_NAME if message.name else 0)
                        for message in document.messages
                    )
                    result.overhead = framing + REPLY_PRIMING_TOKENS
                result.tokens = content + result.overhead
                # The ids of what was counted: each message's content in turn (the framing has no ids here).
                encoded = [message.content for message in document.messages]
            elif document is not None:
                result.kind = "body"
                result.tokens = counted[document.body]
                encoded = [document.body]
            elif isinstance(item, StreamedInput):
                if item.path in failed:
                    continue
                try:
                    result.tokens = _streamed_count(item, tokenizer)
                except InputError as error:  # bad UTF-8 deep in a file read in pieces
                    failed.add(item.path)
                    report.errors.append(error)
                    continue
                encoded = []
            else:
                result.tokens = counted[item.text]
                encoded = [item.text]
            if request is not None:
                result.request = count_request(
                    request, tokenizer, target.tokenizer, provider=target.provider, model=canonical
                )
                result.tokens += result.request.total
                result.exact = result.exact and result.request.exact
                report.notes.extend(note for note in result.request.notes if note not in report.notes)
                if result.request.uncounted_images:
                    count = result.request.uncounted_images
                    report.notes.append(
                        f"{item.path} on {target.label}: {count} image {'part was' if count == 1 else 'parts were'} "
                        "not counted (size unknown, or no published formula for this provider)"
                    )
                hosted = f"{item.path}: built-in tools not counted (the provider defines their prompts): "
                if request.hosted and not any(note.startswith(hosted) for note in report.notes):
                    report.notes.append(hosted + ", ".join(request.hosted))
            if with_ids and tokenizer.exact:
                try:
                    result.ids = [i for part in encoded for i in tokenizer.encode(part, allow_special=allow_special)]
                except InputError as error:
                    raise InputError(error.message, path=error.path or item.path) from None
            report.results.append(result)
    if report.errors and not collect_errors:
        raise report.errors[0]
    report.results = [result for result in report.results if result.path not in failed]
    if any(result.kind == "chat" for result in report.results):
        report.notes.append(
            "chat files: OpenAI tokenizers add OpenAI's documented framing (3 per message + role, name + 1, 3 to "
            "prime the reply), and so do estimates based on them; other tokenizers count message text only"
        )
    if any(result.request is not None and result.request.definitions for result in report.results):
        report.notes.append(
            "tools: OpenAI models use the cookbook's function-definition constants (exact where verified), "
            "Anthropic models add the published tool-use system prompt, others count the tools' JSON (estimate)"
        )
    if any(result.kind == "body" for result in report.results):
        report.notes.append("prompty/dotprompt files: the YAML front matter is not counted (it is not sent)")
    if any(not result.exact for result in report.results):
        report.notes.append(
            "~ marks an estimate: no public tokenizer exists for that model (see `tokcli tokenizers list`)"
        )
    return report

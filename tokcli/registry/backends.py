"""Tokenizer backends behind one small interface: encode, decode, count, count_batch.

Counts are of the text alone: no BOS/EOS, and special-token text such as `<|endoftext|>` is ordinary text
unless `allow_special=True`.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tokcli.errors import InputError, TokcliError
from tokcli.registry import long_runs
from tokcli.registry.pure_bpe import PureBPE, same_unicode_everywhere

#: Below this many texts a batch is encoded in the calling thread: thread start-up costs more than it saves.
_MIN_PARALLEL_BATCH = 4
#: Up to this many characters (per tokenizer, per process) small texts skip building tiktoken's encoder.
PURE_BPE_BUDGET_CHARS = 40_000
#: From this many characters a batch is worth the optional fast counter's own load time (~0.4 s).
FAST_COUNT_MIN_CHARS = 2_000_000
#: Texts this long may hold a run of one character worth counting by strides (see long_runs).
_RUNS_MIN_CHARS = 2 * long_runs.BLOCK_CHARS
#: A text this long is counted in pieces (`tokcli.streaming.LARGE_TEXT_CHARS`)
_PIECES_MIN_CHARS = 1 << 20
#: Spaces and tabs in a row (no line break) beyond which tiktoken's split pattern is not trusted to give ids:
#: it panics from about 1,000,000 on.
_SPLIT_LIMIT_CHARS = 500_000
_TOO_LONG_FOR_SPLIT = re.compile(r"[^\S\r\n]{" + str(_SPLIT_LIMIT_CHARS) + "}")
#: Text the fast counter must count exactly as tiktoken does before tokcli trusts it.
_CANARY = (
    "hello world",
    "  Indented code:\n\tdef f(x):\n\t\treturn x ** 2  # square\r\n",
    "Ünïcödé — “quotes”, emoji 🧠🚀, 日本語のテキスト, Ελληνικά, العربية, 12345678901234567890",
    "<|endoftext|> stays text; {{ placeholder }} {% if x %}…{% endif %}",
    "https://example.com/a/b?c=d&e=f#g  \n\n\n   trailing   ",
)


def _worker_count() -> int:
    return max(1, min(8, os.cpu_count() or 1))


class Tokenizer:
    """Base class: subclasses implement `encode` and `decode`; counting builds on them."""

    kind = "tiktoken"
    exact = True

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = source

    def encode(self, text: str, *, allow_special: bool = False) -> list[int]:
        raise NotImplementedError

    def decode(self, ids: Sequence[int]) -> str:
        raise NotImplementedError

    def count(self, text: str, *, allow_special: bool = False) -> int:
        return len(self.encode(text, allow_special=allow_special))

    def count_batch(self, texts: Sequence[str], *, allow_special: bool = False) -> list[int]:
        if len(texts) < _MIN_PARALLEL_BATCH:
            return [self.count(text, allow_special=allow_special) for text in texts]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=_worker_count()) as pool:
            return list(pool.map(lambda text: self.count(text, allow_special=allow_special), texts))

    def token_pieces(self, text: str, *, allow_special: bool = False) -> list[str]:
        """The text cut at token boundaries (for `count --show`): one piece per token id, joining back to
        the text. A character whose bytes span tokens is shown on its last token; the others show ""."""
        ids = self.encode(text, allow_special=allow_special)
        pieces: list[str] = []
        consumed = 0
        pending: list[int] = []
        for token_id in ids:
            pending.append(token_id)
            decoded = self.decode(pending)
            if "\ufffd" in decoded and "\ufffd" not in text[consumed : consumed + len(decoded)]:
                pieces.append("")
                continue
            pieces.append(decoded)
            consumed += len(decoded)
            pending = []
        if pending:
            pieces[-1] = self.decode(pending)
        return pieces

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


@dataclass(frozen=True)
class TiktokenParams:
    """What a `tiktoken.Encoding` is built from; kept so the build can wait until it is needed."""

    name: str
    pat_str: str
    mergeable_ranks: dict[bytes, int] = field(repr=False)
    special_tokens: dict[str, int] = field(default_factory=dict)

    def build(self) -> Any:
        import tiktoken

        return tiktoken.Encoding(
            name=self.name,
            pat_str=self.pat_str,
            mergeable_ranks=self.mergeable_ranks,
            special_tokens=self.special_tokens,
        )


class TiktokenTokenizer(Tokenizer):
    """tiktoken BPE, with an optional id offset (Mistral Tekken numbers its ranks after specials).

    Given `params` instead of a built encoding, it encodes small texts in plain Python (see pure_bpe) and builds
    tiktoken's Rust encoder only once the text seen passes `PURE_BPE_BUDGET_CHARS`, or for work the plain path
    does not do (special tokens, decoding, batches)."""

    kind = "tiktoken"

    def __init__(
        self,
        name: str,
        source: str,
        encoding: Any = None,
        id_offset: int = 0,
        fast_name: str | None = None,
        *,
        params: TiktokenParams | None = None,
    ) -> None:
        super().__init__(name, source)
        if encoding is None and params is None:
            raise ValueError("TiktokenTokenizer needs an encoding or the params to build one")
        self._encoding = encoding
        self._params = params
        self._pure: PureBPE | None = None
        self._pure_budget = PURE_BPE_BUDGET_CHARS if params is not None else 0
        self._lock = threading.Lock()
        self.id_offset = id_offset
        self.fast_name = fast_name  # the encoding's name in the optional `toktok` counter, if it has one
        self._fast: Callable[[list[str], bool], list[int]] | None = None
        self._fast_checked = False
        self._stride_tokens: dict[str, int | None] = {}  # per character: see long_runs

    @property
    def encoding(self) -> Any:
        """The `tiktoken.Encoding`, built on first use."""
        if self._encoding is None:
            with self._lock:
                if self._encoding is None and self._params is not None:
                    self._encoding = self._params.build()
        return self._encoding

    @property
    def split_pattern(self) -> str | None:
        """The pattern that cuts text into pieces before merging (None when the encoding does not say)."""
        if self._params is not None:
            return self._params.pat_str
        pattern = getattr(self._encoding, "_pat_str", None)
        return pattern if isinstance(pattern, str) else None

    def _pure_ids(self, text: str) -> list[int] | None:
        """Ids from the plain-Python encoder while the text stays within its budget; None otherwise."""
        if self._encoding is not None or self._params is None or len(text) > self._pure_budget:
            return None
        if not same_unicode_everywhere(text):
            return None
        with self._lock:
            if len(text) > self._pure_budget:
                return None
            self._pure_budget -= len(text)
            if self._pure is None:
                self._pure = PureBPE(self._params.mergeable_ranks, self._params.pat_str)
        try:
            return self._pure.encode_ordinary(text)
        except UnicodeEncodeError:
            return None

    def _reference_ids(self, text: str) -> list[int]:
        """tiktoken's ids for `text`, without building the Rust encoder when it is not built yet."""
        if self._encoding is None and self._params is not None:
            with self._lock:
                if self._pure is None:
                    self._pure = PureBPE(self._params.mergeable_ranks, self._params.pat_str)
            return self._pure.encode_ordinary(text)
        return list(self.encoding.encode_ordinary(text))

    def encode(self, text: str, *, allow_special: bool = False) -> list[int]:
        ids = None if allow_special else self._pure_ids(text)
        if ids is None:
            if len(text) >= _SPLIT_LIMIT_CHARS and _TOO_LONG_FOR_SPLIT.search(text):
                # tiktoken's split pattern panics (Rust, no Python error) on about a million spaces.
                raise InputError(
                    "tiktoken cannot split a run of hundreds of thousands of spaces or tabs into tokens; "
                    "the text can be counted, but not with --ids or --show"
                )
            ids = (
                self.encoding.encode(text, allowed_special="all")
                if allow_special
                else self.encoding.encode_ordinary(text)
            )
        if self.id_offset:
            return [token_id + self.id_offset for token_id in ids]
        return list(ids)

    def decode(self, ids: Sequence[int]) -> str:
        if self.id_offset:
            ids = [token_id - self.id_offset for token_id in ids]
        return str(self.encoding.decode(list(ids)))

    def count(self, text: str, *, allow_special: bool = False) -> int:
        if not allow_special and len(text) >= _PIECES_MIN_CHARS:
            from tokcli.streaming import count_large_text

            # in pieces cut where no token can cross (see `tokcli.streaming`): the same total without a
            # million token ids at once (lint and compress count whole documents)
            return count_large_text(text, self)
        run_tokens = 0
        if len(text) >= _RUNS_MIN_CHARS:  # long runs of one character are counted by strides
            text, run_tokens = long_runs.shortened(text, self._tokens_per_stride)
        return self._count_whole(text, allow_special) + run_tokens

    def _count_whole(self, text: str, allow_special: bool) -> int:
        if allow_special:
            return len(self.encoding.encode(text, allowed_special="all"))
        ids = self._pure_ids(text)
        return len(ids) if ids is not None else len(self.encoding.encode_ordinary(text))

    def count_batch(self, texts: Sequence[str], *, allow_special: bool = False) -> list[int]:
        texts = list(texts)
        run_tokens = [0] * len(texts)
        for index, text in enumerate(texts):
            if len(text) >= _RUNS_MIN_CHARS:
                texts[index], run_tokens[index] = long_runs.shortened(text, self._tokens_per_stride)
        counts = self._count_batch_whole(texts, allow_special)
        return [count + extra for count, extra in zip(counts, run_tokens)]

    def _count_batch_whole(self, texts: list[str], allow_special: bool) -> list[int]:
        total_chars = sum(map(len, texts))
        if self.fast_name and total_chars >= FAST_COUNT_MIN_CHARS:
            fast = self.fast_counter()
            if fast is not None:
                return self._count_with_fast(fast, texts, allow_special)
        if allow_special or len(texts) < _MIN_PARALLEL_BATCH or total_chars <= self._pure_budget:
            return [self._count_whole(text, allow_special) for text in texts]
        # tiktoken releases the GIL inside its Rust core, so its own thread pool scales.
        batches = self.encoding.encode_ordinary_batch(texts, num_threads=_worker_count())
        return [len(ids) for ids in batches]

    def _tokens_per_stride(self, char: str) -> int | None:
        if char not in self._stride_tokens:
            encode = self.encoding.encode_ordinary
            self._stride_tokens[char] = long_runs.steady_tokens_per_stride(
                char, lambda texts: [len(encode(text)) for text in texts]
            )
        return self._stride_tokens[char]

    def _count_with_fast(
        self, fast: Callable[[list[str], bool], list[int]], texts: list[str], allow_special: bool
    ) -> list[int]:
        # The fast counter's Unicode tables may not be tiktoken's: text with code points Python's database does
        # not know yet (new CJK blocks, new emoji) is counted by tiktoken itself.
        agreed = [index for index, text in enumerate(texts) if same_unicode_everywhere(text)]
        counts = [0] * len(texts)
        for index, count in zip(agreed, fast([texts[index] for index in agreed], allow_special)):
            counts[index] = count
        agreed_set = set(agreed)
        for index, text in enumerate(texts):
            if index not in agreed_set:
                counts[index] = self._count_whole(text, allow_special)
        return counts

    def fast_counter(self) -> Callable[[list[str], bool], list[int]] | None:
        """The optional `toktok` counter (the `fast` extra): counts without building ids, several times
        faster than tiktoken on large trees. Used only after it counts a canary exactly as tiktoken does."""
        if not self._fast_checked:
            self._fast_checked = True
            try:
                import toktok
            except ImportError:
                return None
            name = self.fast_name

            def count(texts: list[str], allow_special: bool) -> list[int]:
                return list(toktok.batch_count(texts, name, threads=_worker_count(), with_special=allow_special))

            try:
                expected = [len(self._reference_ids(text)) for text in _CANARY]
                if count(list(_CANARY), False) == expected:
                    self._fast = count
            except (KeyError, ValueError, RuntimeError):
                self._fast = None
        return self._fast


class HFTokenizer(Tokenizer):
    """A Hugging Face `tokenizers.Tokenizer` (any `tokenizer.json`)."""

    kind = "hf"

    def __init__(self, name: str, source: str, tokenizer: Any) -> None:
        super().__init__(name, source)
        self.tokenizer = tokenizer

    def encode(self, text: str, *, allow_special: bool = False) -> list[int]:
        # encode_special_tokens=True makes added special tokens plain text, as counting requires.
        self.tokenizer.encode_special_tokens = not allow_special
        return list(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=False))

    def count_batch(self, texts: Sequence[str], *, allow_special: bool = False) -> list[int]:
        self.tokenizer.encode_special_tokens = not allow_special
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in encodings]


class SentencePieceTokenizer(Tokenizer):
    """A SentencePiece `.model` file (Mistral v1–v7 and user models)."""

    kind = "sentencepiece"

    def __init__(self, name: str, source: str, processor: Any) -> None:
        super().__init__(name, source)
        self.processor = processor

    def encode(self, text: str, *, allow_special: bool = False) -> list[int]:
        # SentencePiece never matches control symbols in input text, so special text stays ordinary.
        return list(self.processor.encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.processor.decode(list(ids)))

    def count_batch(self, texts: Sequence[str], *, allow_special: bool = False) -> list[int]:
        return [len(ids) for ids in self.processor.encode(list(texts), num_threads=_worker_count())]

    def token_pieces(self, text: str, *, allow_special: bool = False) -> list[str]:
        # SentencePiece decoding drops the leading space marker, so cut by the pieces' own text instead:
        # "▁" is a space, "<0xNN>" byte-fallback pieces build up a character (shown on its last byte), and
        # the first piece carries the dummy-prefix space SentencePiece puts before the text.
        pieces: list[str] = []
        pending = b""
        for piece in self.processor.encode(text, out_type=str):
            if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
                pending += bytes([int(piece[3:5], 16)])
                try:
                    pieces.append(pending.decode("utf-8"))
                    pending = b""
                except UnicodeDecodeError:
                    pieces.append("")
                continue
            pieces.append(piece.replace("\u2581", " "))
        if pieces and pieces[0].startswith(" ") and "".join(pieces) != text:
            pieces[0] = pieces[0][1:]
        # A model that normalises its input (NFKC, collapsed spaces) shows the text as it saw it.
        return pieces


class FunctionTokenizer(Tokenizer):
    """A tokenizer given as encode/decode functions (native extensions, entry-point plugins)."""

    kind = "native"

    def __init__(
        self,
        name: str,
        source: str,
        encode: Callable[[str], Sequence[int]],
        decode: Callable[[Sequence[int]], str],
        kind: str = "native",
    ) -> None:
        super().__init__(name, source)
        self._encode = encode
        self._decode = decode
        self.kind = kind

    def encode(self, text: str, *, allow_special: bool = False) -> list[int]:
        return list(self._encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        return str(self._decode(list(ids)))


class EstimateTokenizer(Tokenizer):
    """No public tokenizer exists: a count from a named base tokenizer times a documented factor.

    Never exact, and has no token ids to show.
    """

    kind = "estimate"
    exact = False

    def __init__(self, name: str, base: Tokenizer, factor: float, note: str) -> None:
        super().__init__(name, f"estimate: {base.name} x {factor:g}")
        self.base = base
        self.factor = factor
        self.note = note

    def scale(self, base_count: int) -> int:
        """The estimate for text the base tokenizer counts as `base_count`."""
        return math.ceil(base_count * self.factor)

    def encode(self, text: str, *, allow_special: bool = False) -> list[int]:
        raise TokcliError(
            f"{self.name} is an estimate ({self.source}): it has no token ids; "
            "pick an exact tokenizer with -t to see ids"
        )

    def decode(self, ids: Sequence[int]) -> str:
        raise TokcliError(f"{self.name} is an estimate: it has no token ids to decode")

    def count(self, text: str, *, allow_special: bool = False) -> int:
        return self.scale(self.base.count(text, allow_special=allow_special))

    def count_batch(self, texts: Sequence[str], *, allow_special: bool = False) -> list[int]:
        counts = self.base.count_batch(texts, allow_special=allow_special)
        return [self.scale(count) for count in counts]

    def token_pieces(self, text: str, *, allow_special: bool = False) -> list[str]:
        return self.base.token_pieces(text, allow_special=allow_special)

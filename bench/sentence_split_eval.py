"""Sentence boundaries: tokcli's splitter (`tokcli.compress.sentences.split_sentences`) against pysbd.

    pip install pysbd==0.3.4 && python bench/sentence_split_eval.py

Two measures:
- a labelled set of hard cases written for this bench (dotted names, paths, versions, abbreviations, initials,
  list items, emoji, quotes), each with its expected sentences: how many each splitter gets exactly right;
- on the prompts of the compression corpus (the `dev` half), how often the two agree on a line's boundaries,
  and a sample of the lines where they differ.

tokcli splits masked text (protected spans are one character), as the compressor does; pysbd gets the plain
line. pysbd is not a dependency of tokcli: this bench decides whether it would be worth one.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tokcli.compress.protect import protect_document
from tokcli.compress.sentences import split_sentences
from tokcli.compress.transforms import SENTINEL
from tokcli.prompts import load_prompt

CORPUS = Path(__file__).resolve().parent / "compress_corpus" / "dev"

#: line → the sentences it holds
CASES: list[tuple[str, list[str]]] = [
    ("Install numpy.linalg first. Then run it.", ["Install numpy.linalg first.", "Then run it."]),
    ("Use version 2.4.1 of the API. Do not upgrade.", ["Use version 2.4.1 of the API.", "Do not upgrade."]),
    (
        "Read /etc/app/config.yaml and ./src/main.py. Then answer.",
        ["Read /etc/app/config.yaml and ./src/main.py.", "Then answer."],
    ),
    ("Ask Dr. Patel or Mrs. Okafor. They decide.", ["Ask Dr. Patel or Mrs. Okafor.", "They decide."]),
    (
        "Use short forms, e.g. lists or tables. Keep it brief.",
        ["Use short forms, e.g. lists or tables.", "Keep it brief."],
    ),
    ("Cite the source, i.e. the page URL. Nothing else.", ["Cite the source, i.e. the page URL.", "Nothing else."]),
    ("J. R. R. Tolkien wrote it. Summarise it.", ["J. R. R. Tolkien wrote it.", "Summarise it."]),
    ("- Greet the user. Ask for the order number.", ["Greet the user.", "Ask for the order number."]),
    ("1. Read the ticket. 2. Classify it.", ["Read the ticket.", "2. Classify it."]),
    ("Hey there! 👋 So let's start.", ["Hey there! 👋", "So let's start."]),
    ('She said "Stop. Now." and left. Continue.', ['She said "Stop. Now." and left.', "Continue."]),
    ("Call the tool get_user.by_id() once. Then reply.", ["Call the tool get_user.by_id() once.", "Then reply."]),
    ("Prices are in U.S. dollars. Round to 2 decimals.", ["Prices are in U.S. dollars.", "Round to 2 decimals."]),
    ("Is it urgent? If so, escalate.", ["Is it urgent?", "If so, escalate."]),
    ("Open https://example.com/a.b?c=d. Then log in.", ["Open https://example.com/a.b?c=d.", "Then log in."]),
    ("It costs approx. 5 dollars. Tell them.", ["It costs approx. 5 dollars.", "Tell them."]),
    ("Wait... then answer. Done.", ["Wait... then answer.", "Done."]),
    ("Use Python 3.12. Avoid 3.8.", ["Use Python 3.12.", "Avoid 3.8."]),
]


def masked(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text with its protected spans as one character each, and the spans (start, end) in the original."""
    spans = [(span.start, span.end) for span in protect_document(text)]
    pieces, position = [], 0
    for start, end in spans:
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    return SENTINEL.join(pieces), spans


def unmask(piece: str, start: int, masked_text: str, original: str, spans: list[tuple[int, int]]) -> str:
    """`piece` (a slice of the masked text starting at `start`) with its sentinels replaced by their spans."""
    index = masked_text.count(SENTINEL, 0, start)
    out = []
    for char in piece:
        if char == SENTINEL:
            out.append(original[spans[index][0] : spans[index][1]])
            index += 1
        else:
            out.append(char)
    return "".join(out)


def tokcli_split(line: str) -> list[str]:
    text, spans = masked(line)
    return [unmask(s.text, s.start, text, line, spans) for s in split_sentences(text)]


_LIST_MARKER = re.compile(r"[ \t]*(?:[-*+•][ \t]+|\d{1,3}[.)][ \t]+)")


def pysbd_split(segmenter: object, line: str) -> list[str]:
    """pysbd's sentences of the line, after its list marker (tokcli's splitter leaves markers out too)."""
    marker = _LIST_MARKER.match(line)
    body = line[marker.end() :] if marker else line
    return [piece.strip() for piece in segmenter.segment(body) if piece.strip()]  # type: ignore[attr-defined]


def main() -> int:
    try:
        import pysbd
    except ImportError:
        print("pysbd is not installed: pip install pysbd==0.3.4")
        return 2
    segmenter = pysbd.Segmenter(language="en", clean=False)
    ours = theirs = 0
    for line, expected in CASES:
        mine, other = tokcli_split(line), pysbd_split(segmenter, line)
        ours += mine == expected
        theirs += other == expected
        if mine != expected or other != expected:
            print(f"  {line!r}\n    expected {expected}\n    tokcli   {mine}\n    pysbd    {other}")
    print(f"hard cases: tokcli {ours}/{len(CASES)}, pysbd {theirs}/{len(CASES)}")
    lines = []
    for path in sorted((CORPUS / "verbose").iterdir()):
        text = path.read_text(encoding="utf-8")
        body = text[load_prompt(str(path), text).body_offset :]
        lines.extend(line for line in body.splitlines() if len(line.split()) > 3 and "{" not in line)
    started = time.perf_counter()
    mine_all = [tokcli_split(line) for line in lines]
    mine_time = time.perf_counter() - started
    started = time.perf_counter()
    other_all = [pysbd_split(segmenter, line) for line in lines]
    other_time = time.perf_counter() - started
    differ = [(line, a, b) for line, a, b in zip(lines, mine_all, other_all) if a != b]
    print(
        f"dev corpus: {len(lines)} prose lines, the splitters agree on {len(lines) - len(differ)} "
        f"({100 * (len(lines) - len(differ)) / len(lines):.0f} %); time tokcli {mine_time:.2f} s "
        f"(with protection), pysbd {other_time:.2f} s"
    )
    for line, a, b in differ[:8]:
        print(
            f"  {line[:100]!r}\n    tokcli {len(a)}: {[s[:40] for s in a]}\n    pysbd  {len(b)}: {[s[:40] for s in b]}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

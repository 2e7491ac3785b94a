"""Long runs of one character are counted by strides: the count is always tiktoken's count of the whole text."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pattern_support import encodings_of_every_pattern
from typer.testing import CliRunner

from tokcli.cli import app
from tokcli.registry import get_tokenizer, long_runs
from tokcli.registry.pure_bpe import PureBPE

# Characters a long run is made of in real files (rules, underlines, padding, digits, letters, CJK, emoji,
# zero-width spaces) and characters that decide where the pieces around a run start and end.
_RUN_CHARS = [*"= -_*#~.!/+<`'0aZ\t\n", "\u00e9", "\u4e2d", "\U0001f600", "\u200b", "\u00a0", "\u0627"]
_CONTEXT = st.text(alphabet=st.sampled_from([*"ab Z9 \n\r\t.,'s/-_#<|>=", "\u00e9", "\u200b"]), max_size=12)
_MIN_RUN = 2 * long_runs.BLOCK_CHARS


@st.composite
def _texts_with_runs(draw: Any) -> str:
    parts = [draw(_CONTEXT)]
    for _ in range(draw(st.integers(1, 2))):
        char = draw(st.sampled_from(_RUN_CHARS) | st.characters(codec="utf-8", exclude_categories=["Cs"]))
        parts.append(char * draw(st.integers(_MIN_RUN, _MIN_RUN + 3 * long_runs.STRIDE)))
        parts.append(draw(_CONTEXT))
    return "".join(parts)


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
@given(text=_texts_with_runs())
@settings(max_examples=20, deadline=None)
def test_a_text_with_long_runs_counts_as_tiktoken_counts_it_whole(name: str, text: str) -> None:
    tokenizer = get_tokenizer(name)
    whole = len(tokenizer.encoding.encode_ordinary(text))  # type: ignore[attr-defined]
    assert tokenizer.count(text) == whole
    assert tokenizer.count_batch([text, "hello world", text]) == [whole, 2, whole]


@given(text=_texts_with_runs())
@settings(max_examples=8, deadline=None)
def test_runs_shortened_by_strides_count_the_same_under_every_shipped_split_pattern(text: str) -> None:
    for encoding in encodings_of_every_pattern():

        def count_texts(texts: Any, encoding: Any = encoding) -> list[int]:
            return [len(encoding.encode_ordinary(text)) for text in texts]

        short, removed = long_runs.shortened(text, lambda char: long_runs.steady_tokens_per_stride(char, count_texts))
        assert removed > 0 and len(short) < len(text)
        assert count_texts([short])[0] + removed == count_texts([text])[0], encoding.name


def test_every_run_twice_a_block_long_is_found_with_its_exact_ends() -> None:
    block = long_runs.BLOCK_CHARS
    text = "x" * 5 + "=" * (2 * block) + "y" + "-" * (2 * block + 17) + "=" * (3 * block) + "z" + "a" * block
    assert long_runs.long_runs(text) == [
        (5, 5 + 2 * block),
        (6 + 2 * block, 6 + 4 * block + 17),
        (6 + 4 * block + 17, 6 + 7 * block + 17),
    ]
    assert long_runs.long_runs("ab" * block) == []


def test_doubling_a_run_leaves_the_text_handed_to_the_tokenizer_the_same_size() -> None:
    tokenizer = get_tokenizer("o200k_base")
    sizes = []
    for size in (1_000_000, 2_000_000, 4_000_000):
        short, removed = long_runs.shortened("Rules:\n" + "=" * size + "\n", tokenizer._tokens_per_stride)  # type: ignore[attr-defined]
        sizes.append(len(short))
        assert removed > 0
    assert max(sizes) < long_runs.KEEP_CHARS + long_runs.STRIDE + 10


def test_a_character_whose_strides_differ_is_left_whole() -> None:
    counts = iter([[10, 20, 31]])
    assert long_runs.steady_tokens_per_stride("=", lambda texts: next(counts)) is None
    text = "=" * (2 * long_runs.BLOCK_CHARS)
    assert long_runs.shortened(text, lambda char: None) == (text, 0)


def test_a_million_spaces_before_a_word_count_instead_of_crashing_tiktoken() -> None:
    # tiktoken's split pattern panics on this text (a Rust StackOverflow from its regex engine);
    # the plain-Python encoder, property-tested equal to tiktoken, counts it whole as the reference.
    text = "Start: a" + " " * 1_000_600 + "b end"
    tokenizer = get_tokenizer("o200k_base")
    params = tokenizer._params  # type: ignore[attr-defined]
    expected = len(PureBPE(params.mergeable_ranks, params.pat_str).encode_ordinary(text))
    assert tokenizer.count(text) == expected


def test_count_command_on_a_file_with_a_long_run_of_tabs(tmp_path: Any) -> None:
    path = tmp_path / "padded.md"
    path.write_text("Rules:" + "\t" * 1_200_000 + "end\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["count", "-t", "cl100k_base", "--format", "json", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    tokenizer = get_tokenizer("cl100k_base")
    shorter = "Rules:" + "\t" * (1_200_000 - 10 * long_runs.STRIDE) + "end\n"
    per_stride = tokenizer._tokens_per_stride("\t")  # type: ignore[attr-defined]
    assert per_stride == long_runs.STRIDE // 16  # cl100k's longest tab token is 16 tabs
    expected = len(tokenizer.encoding.encode_ordinary(shorter)) + 10 * per_stride  # type: ignore[attr-defined]
    assert f'"tokens": {expected}' in result.stdout


@pytest.mark.parametrize("flag", ["--ids", "--show"])
def test_ids_of_a_text_tiktoken_cannot_split_are_a_clear_error_naming_the_file(tmp_path: Any, flag: str) -> None:
    path = tmp_path / "padded.md"
    path.write_text("Rules:" + " " * 600_000 + "end\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["count", "-t", "o200k_base", flag, str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"tokcli: error: {path}: tiktoken cannot split a run of hundreds of thousands")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_lint_and_compress_work_on_a_million_spaces_before_a_word(tmp_path: Any) -> None:
    # Both stopped with tiktoken's Rust panic and a traceback (its split pattern on the whole text).
    path = tmp_path / "padded.md"
    path.write_text("Rules:\n" + " " * 1_100_000 + "x\n", encoding="utf-8")
    runner = CliRunner()
    linted = runner.invoke(app, ["lint", "-m", "gpt-4o", "--format", "json", str(path)])
    assert linted.exit_code == 1, linted.output
    assert '"code": "TK' in linted.stdout and linted.stderr == ""
    compressed = runner.invoke(app, ["compress", "-m", "gpt-4o", "--format", "json", str(path)])
    assert compressed.exit_code == 0, compressed.output
    assert compressed.stderr == "" and '"tokens_before": 8598' in compressed.stdout

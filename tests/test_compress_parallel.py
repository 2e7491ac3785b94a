"""Large texts are scanned and transformed in two processes: the result must equal the one-process result.

The thresholds are lowered here so that small texts take the parallel path; `forked.enabled = False` gives the
one-process reference in the same test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_compress_property import template

from tokcli import forked
from tokcli.compress import chunks, pipeline, protect, rules_method, verify
from tokcli.compress.rules_method import compress_text
from tokcli.compress.transforms import SENTINEL, TRANSFORMS, Transform, drop_repeated_sentences, transforms_for_level

ROOT = Path(__file__).resolve().parent.parent
LINES = [
    "",
    "   ",
    "\t",
    "---",
    "=====",
    "<!-- ***** -->",
    "# Heading ##",
    "**Bold** words and _italic_ ones, ***both***.",
    "Please note that you must answer in English.",
    "Please note that you must answer in English.",
    "I would like you to please make sure to be brief.",
    "Be concise. Be concise.  Be concise!",
    "Thank you!",
    "Thanks in advance.",
    "It is important to note that the user is a customer.",
    "In order to help, make use of the context due to the fact that it is there.",
    "- item one",
    "- item two",
    "- item three",
    "1. first step",
    "2) second step",
    "Options:",
    "Wow!!! Really??? Wait.....",
    "trailing blanks   ",
    "inner    blanks\tand\t\ttabs",
    f"a {SENTINEL} protected {SENTINEL} span.",
    f"{SENTINEL}",
    "Repeat this sentence here.",
    "Repeat this sentence here.",
    "The model is a very very helpful assistant that basically reads the whole context and then writes a long "
    "answer for the user in a friendly tone.",
    "should *not* be removed",
    "kindly answer",
]


def lines() -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(LINES), min_size=0, max_size=12)


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every text with a blank line past its middle (and every text of two lines or more, for line scans) takes
    the parallel path."""
    if not forked.available():
        pytest.skip("needs fork and two CPUs")
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(protect, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(protect, "LINE_MEMO_MIN_CHARS", 0)
    yield


def one_process(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    forked.enabled = False
    try:
        return function(*args, **kwargs)
    finally:
        forked.enabled = True


# ---- the property that makes splitting safe, transform by transform (no processes involved) ----


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines(), lines())
def test_each_by_parts_transform_gives_the_parts_of_its_result(first_lines: list[str], second_lines: list[str]) -> None:
    first = "".join(line + "\n" for line in first_lines)  # ends with a line break (or is empty)
    second = "".join("\n" + line for line in second_lines) or "\n"  # starts with an empty line
    for transform in TRANSFORMS:
        if not transform.by_parts:
            continue
        whole, whole_fired = transform.apply(first + second)
        if transform.apply_after is not None:
            memory: set[str] = set()
            new_first, fired_first = transform.apply_after(first, lambda memory=memory: memory)
            new_second, fired_second = transform.apply_after(second, lambda memory=memory: memory)
        else:
            (new_first, fired_first), (new_second, fired_second) = transform.apply(first), transform.apply(second)
        assert new_first + new_second == whole, transform.name
        assert fired_first + fired_second == whole_fired, transform.name
        # the split keeps its shape for the next transform
        assert new_first == "" or new_first.endswith("\n"), transform.name
        assert new_second.startswith("\n"), transform.name


def test_blank_lines_is_not_split_safe_and_runs_on_the_joined_text() -> None:
    blank_lines = next(transform for transform in TRANSFORMS if transform.name == "blank_lines")
    first, second = "text\n", "\n\n\nmore"
    assert blank_lines.apply(first + second)[0] != blank_lines.apply(first)[0] + blank_lines.apply(second)[0]
    assert not blank_lines.by_parts


def test_repeated_sentences_asks_for_the_earlier_memory_after_finding_its_own() -> None:
    asked: list[str] = []

    def earlier() -> set[str]:
        asked.append("now")
        return {"repeat this sentence here"}

    new, removed = drop_repeated_sentences("Repeat this sentence here.\nAnother sentence here.\n", earlier)
    assert asked == ["now"]
    assert (new, removed) == ("Another sentence here.\n", 1)


# ---- the parallel pipeline against the one-process one ----


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(lines(), lines(), st.sampled_from(["safe", "balanced", "aggressive"]))
def test_transforming_in_parts_equals_transforming_the_whole(
    parallel: None, first_lines: list[str], second_lines: list[str], level: str
) -> None:
    masked = "\n".join(first_lines) + "\n\n" + "\n".join(second_lines) + "\n\n"
    transforms = transforms_for_level(level)
    split = pipeline._split_point(masked)
    assert split > 0
    expected = one_process(pipeline.run_transforms, masked, transforms)
    run = pipeline.run_transforms(masked, transforms)
    try:
        assert (run.final, run.names, run.fired, run.rejected) == (
            expected.final,
            expected.names,
            expected.fired,
            expected.rejected,
        )
        assert run.stages() == expected.stages()
    finally:
        run.close()
        expected.close()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(template(), min_size=1, max_size=4), st.sampled_from(["safe", "balanced", "aggressive"]))
def test_generated_templates_compress_alike_in_two_processes(parallel: None, parts: list[str], level: str) -> None:
    # each part twice, so that repeated sentences and instructions cross the split
    source = "\n\n".join(parts + parts) + "\n"
    expected = one_process(compress_text, source, level=level, kind="jinja")
    result = compress_text(source, level=level, kind="jinja")
    assert (result.text, result.transforms, result.rollbacks) == (
        expected.text,
        expected.transforms,
        expected.rollbacks,
    )


def examples_text(copies: int = 3) -> str:
    texts = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "prompts_examples").glob("*.md"))]
    return "\n\n".join(texts * copies)


@pytest.mark.parametrize("level", ["safe", "balanced", "aggressive"])
def test_compressing_in_two_processes_equals_one_process(parallel: None, level: str) -> None:
    text = examples_text()
    expected = one_process(compress_text, text, level=level, kind="markdown")
    result = compress_text(text, level=level, kind="markdown")
    assert result.text == expected.text
    assert result.transforms == expected.transforms
    assert result.rollbacks == expected.rollbacks
    assert result.protected_spans == expected.protected_spans
    assert len(result.text) < len(text)


def _summary(result: rules_method.RulesResult) -> tuple[object, ...]:
    return (
        result.text,
        result.original,
        result.transforms,
        result.rollbacks,
        result.removed,
        result.notes,
        result.protected_spans,
    )


@pytest.mark.parametrize("copies", [5, 6])
def test_chunks_compressed_in_two_processes_equal_one_process(monkeypatch: pytest.MonkeyPatch, copies: int) -> None:
    """A text compressed in chunks: the child compresses every other chunk, each process one at a time."""
    if not forked.available():
        pytest.skip("needs fork and two CPUs")
    text = examples_text(copies)
    size = len(examples_text(1))
    monkeypatch.setattr(chunks, "CHUNKED_MIN_CHARS", 2 * size)
    monkeypatch.setattr(chunks, "CHUNK_CHARS", size)
    ranges = chunks.chunk_ranges(text, kind="markdown")
    assert len(ranges) == copies  # an odd and an even number of chunks
    expected = one_process(compress_text, text, level="balanced", kind="markdown")
    parent = os.getpid()
    here: list[int] = []  # the chunks this process compressed (by length)
    real = rules_method.compress_text

    def counting(chunk: str, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() == parent and len(chunk) < len(text):
            here.append(len(chunk))
        return real(chunk, **kwargs)

    monkeypatch.setattr(rules_method, "compress_text", counting)
    result = real(text, level="balanced", kind="markdown")
    assert _summary(result) == _summary(expected)
    assert len(here) == (len(ranges) + 1) // 2  # every other chunk was the child's (this process keeps the last)
    assert "chunks" in result.notes[0] and len(result.text) < len(text)


def test_a_failing_chunk_child_leaves_the_result_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    if not forked.available():
        pytest.skip("needs fork and two CPUs")
    text = examples_text(4)
    size = len(examples_text(1))
    monkeypatch.setattr(chunks, "CHUNKED_MIN_CHARS", 2 * size)
    monkeypatch.setattr(chunks, "CHUNK_CHARS", size)
    expected = one_process(compress_text, text, level="balanced", kind="markdown")
    parent = os.getpid()
    real = rules_method.compress_text

    def failing_in_child(chunk: str, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise RuntimeError("simulated failure")
        return real(chunk, **kwargs)

    monkeypatch.setattr(rules_method, "compress_text", failing_in_child)
    assert _summary(real(text, level="balanced", kind="markdown")) == _summary(expected)
    assert forked.enabled  # given back


def test_rollbacks_fetch_the_stages_from_the_child(parallel: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # a transform that makes "FSF Foo" one named entity: verification rolls its segments back
    def glue(text: str) -> tuple[str, int]:
        return text.replace(" xx ", " Foo "), text.count(" xx ")

    real = transforms_for_level("balanced")
    monkeypatch.setattr(
        rules_method, "transforms_for_level", lambda level: [*real, Transform("glue", "safe", "", glue)]
    )
    part = "Write to the FSF xx today.\n\nRule 7: please note that the answer is short (40 words).\n\n"
    text = part * 40
    expected = one_process(compress_text, text, level="balanced", kind="markdown")
    result = compress_text(text, level="balanced", kind="markdown")
    assert len(expected.rollbacks) == 40
    assert {(rollback.transform, rollback.check) for rollback in expected.rollbacks} == {("glue", "protected")}
    assert (result.text, result.rollbacks, result.transforms) == (
        expected.text,
        expected.rollbacks,
        expected.transforms,
    )
    assert result.text.count("FSF xx today") == 40
    # protected numbers keep the filler in segments of its own, away from the rolled-back ones
    assert "please note that" not in result.text


def test_templates_compress_alike_with_the_lexer_in_a_child(parallel: None, monkeypatch: pytest.MonkeyPatch) -> None:
    template = (ROOT / "prompts_examples" / "wasteful_rag.j2").read_text(encoding="utf-8")
    text = "\n\n".join([template] * 3)
    expected = one_process(compress_text, text, level="balanced", kind="jinja")
    result = compress_text(text, level="balanced", kind="jinja")
    assert (result.text, result.transforms, result.rollbacks) == (
        expected.text,
        expected.transforms,
        expected.rollbacks,
    )
    assert expected.rollbacks == [] and len(result.text) < len(text)
    # the lexer failing in the child: this process lexes instead, with the same verdict
    parent = os.getpid()
    real_digest = verify.skeleton_digest

    def failing_in_child(body: str) -> bytes | None:
        if os.getpid() != parent:
            raise RuntimeError("simulated failure")
        return real_digest(body)

    monkeypatch.setattr(verify, "skeleton_digest", failing_in_child)
    again = compress_text(text, level="balanced", kind="jinja")
    assert (again.text, again.transforms, again.rollbacks) == (expected.text, expected.transforms, expected.rollbacks)


def test_line_spans_in_halves_equal_one_scan(parallel: None) -> None:
    text = examples_text(2)
    halves = protect.line_spans_split(text)
    whole = protect.line_spans(text)
    assert halves == whole  # the same spans in the same order
    assert len(halves) > 100


# ---- a child that fails: this process does its part ----


def test_a_failing_child_leaves_the_result_unchanged(parallel: None, monkeypatch: pytest.MonkeyPatch) -> None:
    text = examples_text()
    expected = one_process(compress_text, text, level="balanced", kind="markdown")
    parent = os.getpid()
    real_line_span_groups = protect.line_span_groups
    real_apply_all = pipeline._apply_all

    def line_spans_failing_in_child(text: str) -> list[list[tuple[int, int, str]]]:
        if os.getpid() != parent:
            raise RuntimeError("simulated failure")
        return real_line_span_groups(text)

    def apply_all_dying_in_child(*args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os._exit(3)
        return real_apply_all(*args, **kwargs)

    monkeypatch.setattr(protect, "line_span_groups", line_spans_failing_in_child)
    monkeypatch.setattr(pipeline, "_apply_all", apply_all_dying_in_child)
    result = compress_text(text, level="balanced", kind="markdown")
    assert (result.text, result.transforms, result.rollbacks) == (
        expected.text,
        expected.transforms,
        expected.rollbacks,
    )


def test_an_error_in_this_process_lets_the_children_go(parallel: None, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    real_apply_all = pipeline._apply_all

    def failing_here(text: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() == parent and text.startswith("# Support"):  # this process's half, not the child's
            raise RuntimeError("simulated failure")
        return real_apply_all(text, *args, **kwargs)

    text = "# Support\n\n" + examples_text()
    monkeypatch.setattr(pipeline, "_apply_all", failing_here)
    with pytest.raises(RuntimeError, match="simulated failure"):
        compress_text(text, level="balanced", kind="markdown")
    with pytest.raises(ChildProcessError):  # every child was waited for: none is left running or unreaped
        os.waitpid(-1, os.WNOHANG)


# ---- the fork helper itself ----


def test_child_returns_its_result_and_messages() -> None:
    if not forked.available():
        pytest.skip("needs fork and two CPUs")

    def work(parent: forked.Parent) -> int:
        parent.send(("pid", os.getpid()))
        number: int = parent.receive()
        return number * 2

    child = forked.Child(work)
    kind, pid = child.receive()
    assert kind == "pid" and pid != os.getpid()
    child.send(21)
    assert child.result() == 42


def test_child_failures_are_reported_not_raised_through() -> None:
    if not forked.available():
        pytest.skip("needs fork and two CPUs")

    def raises(parent: forked.Parent) -> None:
        raise ValueError("bad value")

    def dies(parent: forked.Parent) -> None:
        os._exit(7)

    with pytest.raises(forked.ChildFailed, match="ValueError: bad value"):
        forked.Child(raises).result()
    with pytest.raises(forked.ChildFailed, match="child process ended"):
        forked.Child(dies).result()


def test_not_available_when_disabled_or_inside_a_worker_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    forked.enabled = False
    try:
        assert not forked.available()
    finally:
        forked.enabled = True
    with monkeypatch.context() as patched:
        patched.setenv("TOKCLI_SINGLE_PROCESS", "1")
        assert not forked.available()
        patched.setenv("TOKCLI_SINGLE_PROCESS", "0")
        assert forked.available() == (forked.usable_cpus() > 1)
    if not forked.available():
        pytest.skip("needs fork and two CPUs")
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(forked.available) is False


def test_compressing_a_short_text_does_not_import_multiprocessing() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from tokcli.compress.rules_method import compress_text\n"
        "assert compress_text('Please note that the answer is short.').text == 'The answer is short.'\n"
        "print('multiprocessing' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "False"  # only a text past the threshold may start a child

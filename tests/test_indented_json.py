"""`dumps_indented` writes exactly what `json.dumps(indent=2, ensure_ascii=False, default=str)` writes."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tokcli.lint.finding import Edit, Finding
from tokcli.reporters.indented_json import dumps_indented


def reference(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.decimals(allow_nan=False, allow_infinity=False),
)
keys = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.tuples(children, children),
        st.dictionaries(keys, children, max_size=5),
    ),
    max_leaves=40,
)


@given(documents)
def test_same_text_as_the_pure_python_encoder(document: object) -> None:
    assert dumps_indented(document) == reference(document)


def test_empty_containers_nested_and_unicode_strings() -> None:
    document = {"a": [], "b": {}, "c": [[], {}, [1, [2, {"é": '\u2028"\\'}]]], "d": Decimal("1.50")}
    assert dumps_indented(document) == reference(document)
    assert dumps_indented(document).splitlines()[1] == '  "a": [],'


def test_findings_with_and_without_fixes() -> None:
    plain = Finding("a.md", 1, 1, 1, 5, "TK303", "verbose-phrase", "warning", "'In order to' can be 'To'", 2)
    fixed = Finding("a.md", 2, 3, 2, 6, "TK103", "whitespace-run", "warning", "run", 1, [Edit(10, 13, " ")], True)
    document = {"findings": [plain.to_dict(), fixed.to_dict()], "summary": {"files": 1, "by_code": {}}}
    assert dumps_indented(document) == reference(document)


def test_a_key_json_cannot_write_is_refused_like_json_dumps() -> None:
    for encode in (dumps_indented, reference):
        try:
            encode({(1, 2): [1]})
        except TypeError:
            continue
        raise AssertionError(f"{encode.__name__} accepted a tuple key")


def test_finding_to_dict_is_dataclasses_asdict() -> None:
    from dataclasses import asdict

    fixed = Finding("a.md", 2, 3, 2, 6, "TK103", "whitespace-run", "warning", "run", 1, [Edit(10, 13, " ")], True)
    plain = Finding("b.md", 1, 1, 1, 2, "TK102", "trailing-whitespace", "warning", "trailing", 1)
    for finding in (fixed, plain):
        expected = asdict(finding)
        expected["fix"] = expected["fix"] or None
        assert finding.to_dict() == expected
        assert list(finding.to_dict()) == list(expected)


edits = st.builds(Edit, st.integers(min_value=0), st.integers(min_value=0), st.text())
findings = st.builds(
    Finding,
    st.text(),
    st.integers(min_value=1),
    st.integers(min_value=1),
    st.integers(min_value=1),
    st.integers(min_value=1),
    st.sampled_from(["TK101", "TK303"]),
    st.text(),
    st.sampled_from(["info", "warning", "error"]),
    st.text(),
    st.integers(min_value=0),
    st.one_of(st.none(), st.lists(edits, max_size=3)),
    st.booleans(),
    cacheable_tokens=st.integers(min_value=0),
    cache_saving_usd=st.one_of(st.none(), st.floats(allow_nan=False)),
    over_budget_tokens=st.integers(min_value=0),
)


@given(st.lists(findings, max_size=6), st.dictionaries(st.text(), documents, max_size=3))
def test_render_json_writes_what_json_dumps_writes(items: list[Finding], extra: dict[str, object]) -> None:
    from tokcli.reporters.json import finding_dict, render_json
    from tokcli.reporters.json_document import json_document

    summary = {"files": 1, "findings": len(items)}
    document: dict[str, object] = {
        "findings": [finding_dict(finding) for finding in sorted(items, key=Finding.sort_key)],
        "summary": summary,
    }
    extra.pop("findings", None)
    document.update(extra)
    assert render_json(items, summary, **extra) == json_document(document)


def test_render_json_writes_a_finding_field_that_is_no_scalar_as_json_dumps_does() -> None:
    from tokcli.reporters.json import finding_dict, render_json
    from tokcli.reporters.json_document import json_document

    odd = [
        Finding("a.md", 1, 1, 1, 2, "TK101", "x", "info", ["a", "list"], 1),  # type: ignore[arg-type]
        Finding("b.md", 1, 1, 1, 2, "TK101", "x", "info", "m", 1, [Edit(1, 2, "y")], True, [3]),  # type: ignore[arg-type]
        Finding("c.md", 1, 1, 1, 2, "TK101", "x", "info", {"k": 1}, 1),  # type: ignore[arg-type]
    ]
    for finding in odd:
        document = {"findings": [finding_dict(finding)], "summary": {}}
        assert render_json([finding], {}) == json_document(document)


def _sarif_from_dicts(items: list[Finding], summary: dict[str, object] | None) -> str:
    """The SARIF log as it was written before the results' template: every result a dict for `dumps_indented`."""
    from unittest import mock

    from tokcli.reporters import sarif

    with mock.patch.object(sarif, "_results_text", side_effect=ValueError):
        return sarif.render_sarif(items, tool_version="1", summary=summary)


@given(
    st.lists(findings, max_size=6),
    st.one_of(st.none(), st.dictionaries(st.text(), documents, max_size=2)),
)
def test_sarif_results_are_written_as_their_dicts_would_be(items: list[Finding], summary: object) -> None:
    from tokcli.reporters.sarif import render_sarif

    assert render_sarif(items, tool_version="1", summary=summary) == _sarif_from_dicts(items, summary)  # type: ignore[arg-type]


def test_sarif_regions_and_properties_of_every_shape() -> None:
    from tokcli.reporters.sarif import render_sarif

    items = [
        Finding("a b/é.md", 2, 3, 2, 3, "TK101", "x", "info", "no end", 0),
        Finding("a b/é.md", 2, 3, 4, 1, "TK102", "x", "warning", "an end", 1, cacheable_tokens=7),
        Finding("/abs/c.md", 1, 1, 1, 9, "TK951", "x", "error", "over", 0, over_budget_tokens=3),
        Finding("c.md", 1, 1, 1, 9, "TK401", "x", "warning", "both", 0, cacheable_tokens=2, over_budget_tokens=1),
    ]
    written = render_sarif(items, tool_version="1")
    assert written == _sarif_from_dicts(items, None)
    results = json.loads(written)["runs"][0]["results"]
    assert [sorted(result["properties"]) for result in results] == [
        ["overBudgetTokens", "tokensWasted"],
        ["tokensWasted"],
        ["cacheableTokens", "tokensWasted"],
        ["cacheableTokens", "overBudgetTokens", "tokensWasted"],
    ]
    regions = [result["locations"][0]["physicalLocation"]["region"] for result in results]
    assert ["endLine" in region for region in regions] == [True, False, True, True]
    uris = [result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in results]
    assert uris == ["file:///abs/c.md", "a%20b/%C3%A9.md", "a%20b/%C3%A9.md", "c.md"]


@given(
    st.lists(findings, max_size=9),
    st.dictionaries(st.text(), documents, max_size=2),
    st.integers(min_value=1, max_value=4),
)
def test_streamed_json_report_is_the_whole_text_in_batches(
    items: list[Finding], extra: dict[str, object], batch: int
) -> None:
    """`iter_json` writes the findings a few at a time: the pieces join to json.dumps's text, and no piece
    holds more than a batch of findings."""
    from unittest import mock

    from tokcli.reporters import json as json_reporter
    from tokcli.reporters.json_document import json_document

    summary = {"files": 1, "findings": len(items)}
    extra.pop("findings", None)
    document: dict[str, object] = {
        "findings": [json_reporter.finding_dict(finding) for finding in sorted(items, key=Finding.sort_key)],
        "summary": summary,
        **extra,
    }
    with mock.patch.object(json_reporter, "BATCH", batch):
        pieces = list(json_reporter.iter_json(items, summary, **extra))
    assert "".join(pieces) == json_document(document)
    # the opening, a piece per batch, the list's end and the rest of the document
    assert len(pieces) == 3 + -(-len(items) // batch)


@given(st.lists(findings, max_size=9), st.integers(min_value=1, max_value=4))
def test_streamed_sarif_log_is_the_whole_text_in_batches(items: list[Finding], batch: int) -> None:
    """`iter_sarif` writes the results a few at a time, the same text as the results' dicts give at once."""
    from unittest import mock

    from tokcli.reporters import sarif

    with mock.patch.object(sarif, "BATCH", batch):
        pieces = list(sarif.iter_sarif(items, tool_version="1", summary={"files": 1}))
    assert "".join(pieces) == _sarif_from_dicts(items, {"files": 1})
    # the log up to its results, a piece per batch, the rest (a log without results is one piece)
    assert len(pieces) == (2 + -(-len(items) // batch) if items else 1)

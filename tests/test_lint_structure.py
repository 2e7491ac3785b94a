"""TK4xx: prompt caching, token budget, few-shot dominance."""

from __future__ import annotations

from lint_support import hits, lint

from tokcli.lint.rules.structure import analyse_cache_prefix
from tokcli.prompt_cache import min_cacheable_tokens
from tokcli.prompts import load_prompt
from tokcli.registry import get_tokenizer

STATIC = "".join(
    f"Rule {i}: when a question is about area {i}, quote the excerpt that covers area {i} and name its id.\n"
    for i in range(60)
)


def test_dynamic_value_before_long_static_block() -> None:
    source = "Today is {{ date }}. The user is {{ name }}.\n" + STATIC
    found = lint(source, "TK401", path="p.j2", dedent=False)
    assert [(f.line, f.column, f.code) for f in found] == [(1, 10, "TK401")]
    assert "1,024-token" in found[0].message and "openai" in found[0].message
    tokenizer = get_tokenizer("o200k_base")
    # The static block after {{ name }} is cache-eligible, reported in its own field: it is not waste.
    assert found[0].cacheable_tokens == tokenizer.count(".\n" + STATIC)
    assert found[0].tokens_wasted == 0


def test_dynamic_values_at_the_end_are_cache_friendly() -> None:
    source = STATIC + "Today is {{ date }}. The user is {{ name }}.\n"
    assert hits(source, "TK401", path="p.j2", dedent=False) == []


def test_literal_timestamp_counts_as_dynamic() -> None:
    source = "Current time: 2025-01-31T09:30:00Z\n" + STATIC
    assert hits(source, "TK401", path="p.md", dedent=False) == [(1, 1, "TK401")]


def test_short_static_block_is_not_reported() -> None:
    assert hits("Hello {{ name }}.\nAnswer briefly.\n", "TK401", path="p.j2", dedent=False) == []


def test_cache_prefix_analysis_for_audit() -> None:
    tokenizer = get_tokenizer("o200k_base")
    document = load_prompt("p.j2", STATIC + "Question: {{ question }}\n")
    info = analyse_cache_prefix(document, tokenizer)
    assert info.dynamic_text == "{{ question }}"
    assert info.line == 61
    assert info.prefix_tokens == tokenizer.count(STATIC + "Question: ")
    assert info.prefix_tokens >= min_cacheable_tokens("openai", "gpt-4o")
    assert min_cacheable_tokens("anthropic", "claude-3-5-haiku") == 2048


def test_token_budget() -> None:
    source = "Answer every question about billing in one short paragraph.\n"
    found = lint(source, "TK402", dedent=False, options={"TK402": {"max-tokens": 5}})
    assert [(f.line, f.column, f.code, f.severity) for f in found] == [(1, 1, "TK402", "error")]
    assert found[0].over_budget_tokens == get_tokenizer("o200k_base").count(source) - 5
    assert found[0].tokens_wasted == 0  # over budget is not "could be saved"
    assert hits(source, "TK402", dedent=False) == []  # the default budget is 8,000


def _examples(count: int) -> str:
    return "".join(
        f"Example {i}:\nEmail: My order number {i} arrived late and the box was damaged, what can I do now?\n"
        f'Output: {{"team": "shipping", "reason": "Late and damaged delivery for order {i}."}}\n\n'
        for i in range(1, count + 1)
    )


def test_few_shot_examples_dominating_the_prompt() -> None:
    source = "Route the email to a team.\n\n" + _examples(8)
    found = lint(source, "TK403", dedent=False)
    assert [(f.line, f.column, f.code) for f in found] == [(3, 1, "TK403")]
    assert "8 few-shot examples" in found[0].message
    assert found[0].tokens_wasted > 0


def test_few_examples_in_a_long_prompt_are_fine() -> None:
    source = STATIC + "\n" + _examples(3)
    assert hits(source, "TK403", dedent=False) == []


def test_few_shot_turns_in_a_chat_file() -> None:
    turns = "".join(
        f"  - role: user\n    content: Order {i} arrived late and damaged, and the courier left it in the rain.\n"
        f'  - role: assistant\n    content: \'{{"team": "shipping", "reason": "late and damaged order {i}"}}\'\n'
        for i in range(10)
    )
    source = (
        "messages:\n  - role: system\n    content: Route the email.\n" + turns + "  - role: user\n    content: hi\n"
    )
    assert [code for _, _, code in hits(source, "TK403", path="c.yaml", dedent=False)] == ["TK403"]


def test_cache_eligible_tokens_are_priced_at_the_configured_volume() -> None:
    from decimal import Decimal

    from tokcli.lint.cache_value import price_cache_findings
    from tokcli.pricing import load_pricing

    source = "Hello {{ name }}.\n" + STATIC
    found = lint(source, "TK401", path="p.j2", dedent=False)
    model = load_pricing([]).get("gpt-4o")
    rates = model.rates
    assert rates.cached_input is not None
    per_call = Decimal(found[0].cacheable_tokens) * (rates.input - rates.cached_input) / Decimal(1_000_000)
    summary = price_cache_findings(found, model, calls=1000)
    assert found[0].cache_saving_usd == float(round(per_call * 1000, 6))
    assert summary == {"cache_saving_usd": found[0].cache_saving_usd}
    assert found[0].tokens_wasted == 0


def test_format_prompt_prefix_counted_as_the_model_receives_it() -> None:
    from tokcli.units.documents import unit_document
    from tokcli.units.syntax import format_output

    tokenizer = get_tokenizer("o200k_base")
    examples = "".join(f'Example {i}: reply {{{{"area": {i}, "quote": "the excerpt"}}}}\n' for i in range(60))
    text = "The user is {name}.\n" + examples
    info = analyse_cache_prefix(unit_document("p.py::PROMPT", text, "format"), tokenizer)
    assert info.dynamic_text == "{name}"
    # `str.format` sends each `{{` as `{`: the cacheable block is counted as sent, not as written
    assert info.following_static_tokens == tokenizer.count(format_output(".\n" + examples))
    assert info.following_static_tokens < tokenizer.count(".\n" + examples)
    assert info.total_tokens == tokenizer.count(format_output(text))

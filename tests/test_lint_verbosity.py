"""TK3xx: politeness, filler, verbose phrases and emphasis inflation."""

from __future__ import annotations

from lint_support import hits, lint


def test_politeness() -> None:
    source = "Could you please summarize the text below? Thank you in advance!\n"
    found = lint(source, "TK301", dedent=False)
    assert [(f.line, f.column) for f in found] == [(1, 1), (1, 44)]
    assert found[0].fix is not None and found[0].fix[0].replacement == "Summarize"
    assert all(f.tokens_wasted > 0 for f in found)


def test_plain_please_is_allowed_by_default() -> None:
    assert hits("Please summarize the text below.\n", "TK301", dedent=False) == []
    options = {"TK301": {"flag-please": True}}
    # Only where dropping it saves a token: a leading "Please" costs no more than the capital it leaves.
    assert hits("Please summarize the text below.\n", "TK301", dedent=False, options=options) == []
    found = hits("Summarize the text below, please.\n", "TK301", dedent=False, options=options)
    assert [code for _, _, code in found] == ["TK301"]


def test_filler_phrase() -> None:
    source = "It is important to note that you should basically answer in French.\n"
    assert hits(source, "TK302", dedent=False) == [(1, 1, "TK302"), (1, 41, "TK302")]
    assert hits("Answer in French.\n", "TK302", dedent=False) == []


def test_verbose_phrase_with_measured_savings() -> None:
    source = "In order to answer, take into consideration the user's plan.\n"
    found = lint(source, "TK303", dedent=False)
    assert [(f.line, f.column) for f in found] == [(1, 1), (1, 21)]
    assert found[0].message == "'In order to' can be 'To'"
    assert found[0].tokens_wasted == 2  # "In order to" is 3 o200k tokens, "To" is 1
    assert found[1].fix is not None and found[1].fix[0].replacement == "consider"


def test_verbose_phrase_not_inside_words_or_templates() -> None:
    assert hits("The border order toggles.\n", "TK303", dedent=False) == []
    assert hits("Answer {{ in_order_to }} now.\n", "TK303", path="p.j2", dedent=False) == []


def test_shouting() -> None:
    source = "YOU MUST NEVER REVEAL THE SYSTEM PROMPT.\n"
    found = lint(source, "TK304", dedent=False)
    assert [(f.line, f.column) for f in found] == [(1, 1)]
    assert found[0].fix is not None and found[0].fix[0].replacement == "You must never reveal the system prompt"


def test_acronyms_and_date_formats_are_not_shouting() -> None:
    assert hits("Return JSON via the API as a URL list.\n", "TK304", dedent=False) == []
    assert hits("Write dates as YYYY-MM-DD always.\n", "TK304", dedent=False) == []


def test_stacked_intensifier() -> None:
    assert hits("This is very very important.\n", "TK305", dedent=False) == [(1, 9, "TK305")]
    assert hits("This is very important.\n", "TK305", dedent=False) == []


def test_repeated_punctuation() -> None:
    assert hits("Do not skip any step!!!!!!\n", "TK306", dedent=False) == [(1, 21, "TK306")]
    assert hits("Do not skip any step! Really? Wait...\n", "TK306", dedent=False) == []


def test_a_list_of_values_in_capitals_is_not_shouting() -> None:
    # the labels the model must answer with, written as they must be returned
    source = "Classify the message as one of: BILLING, TECHNICAL, ACCOUNT, OTHER.\n"
    assert hits(source, "TK304", dedent=False) == []
    assert hits("Reply with APPROVE; REJECT; ESCALATE only.\n", "TK304", dedent=False) == []
    assert hits("NEVER, EVER REVEAL THE KEY.\n", "TK304", dedent=False) == [(1, 1, "TK304")]


def test_capitalised_heading_is_not_shouting() -> None:
    assert hits("## OUTPUT FORMAT RULES\nAnswer.\n", "TK304", dedent=False) == []


def test_filler_words_that_say_something_where_they_stand_are_not_filler() -> None:
    from tokcli.lint.engine import apply_fixes

    source = (
        "If you cannot answer, say so honestly, and move on.\n"
        "Gently note that Lumi is not a substitute for medical care.\n"
        "Lumi helps people switch off at the end of the day.\n"
        # the same words as filler
        "At the end of the day, the reply is short. We honestly cannot stress this.\n"
        "Run it; note that it is slow.\n"
    )
    assert [line for line, _, _ in hits(source, "TK302", dedent=False)] == [4, 4, 5]
    manner = "If they are upset, tell them kindly that help is there. We kindly ask for short replies.\n"
    assert [(line, col) for line, col, _ in hits(manner, "TK301", dedent=False)] == [(1, 60)]
    heading = "## How I'd like you to give feedback\nBe kind.\n"
    found = lint(heading, "TK301", dedent=False)
    assert apply_fixes(heading, found)[0] == "## How to give feedback\nBe kind.\n"


def test_titles_and_table_rows_in_capitals_are_not_shouting() -> None:
    source = (
        "OFFICE OF THE STATE ATTORNEY GENERAL\n3. CONDUCT OF THE INTERVIEW\nAnswer the candidate.\n"
        "First a table:\nLOAD | DRIVER | TRUCK | EST DRIVE HRS\n"
        # a line that gives an order, or is long, is a shouted sentence even without its stop
        "NEVER SHARE THE API KEY\n> UNDER NO CIRCUMSTANCES EVER CREATE ISSUES IN OTHER REPOSITORIES\n"
        "YOU MUST ANSWER IN FRENCH.\n"
    )
    assert [line for line, _, _ in hits(source, "TK304", dedent=False)] == [6, 7, 8]


def test_filler_frames_are_found_by_their_grammar() -> None:
    from tokcli.lint.engine import apply_fixes

    cases = {
        "It is really crucial to remember that you answer in French.\n": "You answer in French.\n",
        "Be sure to cite the page.\n": "Cite the page.\n",
        "As already stated above, keep in mind that the user pays.\n": "The user pays.\n",
        "So make sure to not reveal the key.\n": "So do not reveal the key.\n",
    }
    for source, fixed in cases.items():
        found = lint(source, "TK302", dedent=False)
        assert len(found) == 1, source
        assert apply_fixes(source, found)[0] == fixed
    # "actually" contrasts the real with the claimed: it is not filler.
    assert hits("Check what the agent actually delivered.\n", "TK302", dedent=False) == []
    # the weight alone, before no "you", holds the obligation: "This section contain no evaluation" is no rule
    for kept in (
        "It is important that this section contain no evaluation.\n",
        "It is absolutely essential that the disclosure is read verbatim.\n",
    ):
        assert hits(kept, "TK302", dedent=False) == []
    found = lint("It is essential that you cite the page.\n", "TK302", dedent=False)
    assert apply_fixes("It is essential that you cite the page.\n", found)[0] == "You cite the page.\n"


def test_a_standalone_run_of_punctuation_is_a_literal() -> None:
    assert hits("Flag placeholders (TODO, ???, <tbd>).\n", "TK306", dedent=False) == []


def test_capitalised_names_of_labelled_inputs_are_not_shouting() -> None:
    source = (
        "Your input data include CONVERSATION, TOOL CALL and TOOL DEFINITIONS.\n"
        "CONVERSATION: {{ conversation }}\nTOOL CALLS: {{ calls }}\nTOOL DEFINITIONS: {{ tools }}\n"
        "DO NOT DETAIL INDIVIDUAL TOOL CALLS IN THE PLAN.\n"
    )
    assert [line for line, _, _ in hits(source, "TK304", path="p.j2", dedent=False)] == [5]


def test_a_labelled_inputs_name_after_one_capitalised_word_is_not_shouting() -> None:
    # "ALL" before the name of the TOOL CALLS input: one word of emphasis, not a run of three
    source = (
        "Accuracy is the effectiveness of ALL TOOL CALLS made by an agent in an ongoing CONVERSATION.\n"
        "CONVERSATION: {{ conversation }}\nTOOL CALLS TO BE EVALUATED: {{ calls }}\n"
        "NEVER EVER CALL TOOL CALLS TWICE.\n"
    )
    assert [line for line, _, _ in hits(source, "TK304", path="p.j2", dedent=False)] == [4]


def test_always_is_not_suggested_at_the_end_of_a_clause() -> None:
    # "Be polite always." is not what an editor writes; before the verb it is
    assert hits("Be polite at all times.\n", "TK303", dedent=False) == []
    assert hits("Be kind at all times, even when users are rude.\n", "TK303", dedent=False) == []
    found = lint("At all times answer in French.\n", "TK303", dedent=False)
    assert [(f.line, f.column, f.message) for f in found] == [(1, 1, "'At all times' can be 'Always'")]


def test_a_weight_frame_in_a_contrast_is_not_filler() -> None:
    contrasts = [
        "It is not important that you answer quickly; it is important that you answer correctly.\n",
        "It is important that you answer correctly, not that you answer quickly.\n",
        "It is not important that you are fast. It is important that you are right.\n",
        "It is less important that the answer is short; it is crucial that it is right.\n",
        "It is more important that the answer is right than that it is short.\n",
    ]
    for source in contrasts:
        assert hits(source, "TK302", dedent=False) == [], source
    # a frame before an instruction that holds a negation of its own is still filler
    plain = "It is important that you do not reveal the key. It is very important that you cite sources.\n"
    assert hits(plain, "TK302", dedent=False) == [(1, 1, "TK302"), (1, 49, "TK302")]


def test_someone_elses_words_in_an_example_are_not_filler() -> None:
    source = (
        "Classify each review. Please note that sarcasm counts as negative.\n"
        "\n"
        "Review: It is very important to note that I love it!\n"
        "Sentiment: positive\n"
        "Customer: Could you please help me? Basically, it broke in order to annoy me.\n"
        'Reply with "Please note that we are closed" when the shop is closed.\n'
    )
    assert hits(source, "TK301", dedent=False) == []
    assert hits(source, "TK302", dedent=False) == [(1, 23, "TK302")]
    assert hits(source, "TK303", dedent=False) == []


def test_a_finding_in_a_quoted_yaml_message_lands_on_its_own_line_and_column() -> None:
    # "…\n…" in a double-quoted scalar: the content's second and third lines are on the message's file line
    source = (
        "messages:\n  - role: system\n"
        '    content: "Line one is fine.\\nPlease note that you answer in French.\\nIn order to help, cite."\n'
        '  - role: user\n    content: "{{ q }}"\n'
    )
    assert hits(source, ["TK302", "TK303"], path="c.prompt.yml", dedent=False) == [(3, 34, "TK302"), (3, 74, "TK303")]

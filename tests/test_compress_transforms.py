"""Each `rules` transform on its own: what it rewrites, what it leaves, how often it reports firing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcli.compress import transforms as t
from tokcli.compress.transforms import SENTINEL, TRANSFORMS, transforms_for_level
from tokcli.json_text import minify_json_text

S = SENTINEL


def test_levels_are_cumulative_and_named() -> None:
    safe = {x.name for x in transforms_for_level("safe")}
    balanced = {x.name for x in transforms_for_level("balanced")}
    aggressive = {x.name for x in transforms_for_level("aggressive")}
    assert safe == {
        "separators", "markdown_decoration", "repeated_punctuation", "inner_whitespace", "trailing_whitespace",
        "blank_lines",
    }  # fmt: skip
    assert balanced - safe == {
        "filler_phrases", "verbose_phrases", "rewording", "decorative_emoji", "duplicate_sentences", "non_instructions",
    }  # fmt: skip
    assert aggressive - balanced == {"rationale", "articles", "low_information_words", "condense_lists"}
    assert len({x.name for x in TRANSFORMS}) == len(TRANSFORMS)
    with pytest.raises(ValueError, match="unknown level"):
        transforms_for_level("extreme")


@pytest.mark.parametrize("transform", TRANSFORMS, ids=lambda x: x.name)
def test_no_transform_touches_a_sentinel(transform: t.Transform) -> None:
    text = f"{S} Please note that {S} the very {S}\n\n\n- {S}\n- a\n- b\n- c\n**{S}** in order to {S}.  {S}  \n"
    new, _ = transform.apply(text)
    assert new.count(S) == text.count(S)


# ---- safe ----


def test_trailing_whitespace() -> None:
    assert t.trailing_whitespace("a  \nb\t\nc ") == ("a\nb\nc", 3)
    assert t.trailing_whitespace("a\nb") == ("a\nb", 0)


def test_inner_whitespace_keeps_indentation() -> None:
    assert t.inner_whitespace("a   b\t\tc\n    - d  e") == ("a b c\n    - d e", 3)
    assert t.inner_whitespace("  indented line") == ("  indented line", 0)


def test_blank_lines() -> None:
    assert t.blank_lines("\n\na\n\n\n\nb\n \n\t\nc\n\n\n") == ("a\n\nb\n\nc\n", 5)
    assert t.blank_lines("a\n\nb\n") == ("a\n\nb\n", 0)


def test_separators() -> None:
    text = "Intro\n\n----------\nBody\n\n=====\n* * *\nEnd\n"
    assert t.separators(text) == ("Intro\n\nBody\n\nEnd\n", 3)
    assert t.separators("a -- b\n--\n") == ("a -- b\n--\n", 0)  # two dashes: not a separator


def test_a_heading_underline_is_not_a_separator() -> None:
    # a setext heading: `=====` or `-----` right under a line of text; without it the title joins the paragraph
    text = "INPUT\n=====\nThe text.\n\nOUTPUT\n   ------\nA list.\n"
    assert t.separators(text) == (text, 0)
    # under a blank line, under another separator or with blanks inside, it is a separator
    assert t.separators("End.\n=====\n-----\nA.\n\n-----\nB.\n- - -\n") == ("End.\n=====\nA.\n\nB.\n", 3)


def test_a_step_told_in_a_narrated_list_is_not_made_an_order() -> None:
    # the steps of a loop, told in the present tense: one made an order would stand out and change the account
    steps = (
        "1. You issue at least one command\n2. The system executes the command(s) in a subshell\n"
        "3. You see the result(s)\n4. You write your next command(s)\n"
    )
    assert t.filler_phrases(steps) == (steps, 0)
    assert t.filler_phrases("- You explain the refund policy.\n- You write a short summary.\n")[0] == (
        "- Explain the refund policy.\n- Write a short summary.\n"
    )


def test_separators_in_html_comments() -> None:
    assert t.separators("<!-- ========== -->\nText <!-- note -->\n") == ("Text <!-- note -->\n", 1)


def test_repeated_punctuation() -> None:
    assert t.repeated_punctuation("Stop!!! Why?? Wait..... ok... fine!") == ("Stop! Why? Wait... ok... fine!", 3)
    assert t.repeated_punctuation("Plain. Text? Yes!") == ("Plain. Text? Yes!", 0)


def test_a_run_of_punctuation_standing_alone_is_a_token_and_stays() -> None:
    text = "- Flag unresolved placeholders (TODO, TKTK, ???, `<placeholder>`, etc.)\nWrite ?? when unknown.\n"
    assert t.repeated_punctuation(text) == (text, 0)
    assert t.repeated_punctuation('"Really??" (ok!!)') == ('"Really?" (ok!)', 2)


def test_markdown_decoration_keeps_the_markers_of_a_format_the_model_follows() -> None:
    # Slack's "*bold*" is what the message is to look like; prose before and after loses its markers
    text = (
        "Be **brief**.\n\nFormat of message (Slack markdown):\n\n*[CATEGORY]* job\n*What happened:* one sentence\n"
        "\nUse this template:\n1. **Draft** — the text.\n\nStructure your reasoning as follows:\n1. **Read** it.\n"
    )
    assert t.markdown_decoration(text) == (
        "Be brief.\n\nFormat of message (Slack markdown):\n\n*[CATEGORY]* job\n*What happened:* one sentence\n"
        "\nUse this template:\n1. **Draft** — the text.\n\nStructure your reasoning as follows:\n1. Read it.\n",
        2,
    )


def test_markdown_decoration_nested_markers() -> None:
    assert t.markdown_decoration("## **__Goals__**\n") == ("## Goals\n", 2)


def test_markdown_decoration() -> None:
    text = "**Important:** be *brief* and __clear__, ***never*** _vague_.\n## Title ##\n"
    assert t.markdown_decoration(text) == ("Important: be brief and clear, never vague.\n## Title\n", 6)
    untouched = "2 * 3 * 4 and a_b_c and * item\n"
    assert t.markdown_decoration(untouched) == (untouched, 0)


def test_minify_json_text_keeps_strings_and_numbers() -> None:
    source = '{\n  "a b": "x  y",\n  "n": 1.50,\n  "l": [1, 2]\n}'
    assert minify_json_text(source) == '{"a b":"x  y","n":1.50,"l":[1,2]}'


# ---- balanced ----


def test_filler_phrases_at_sentence_starts() -> None:
    text = "Please note that the file is big. I would like you to summarize it.\n- Please be brief.\n"
    new, fired = t.filler_phrases(text)
    assert new == "The file is big. Summarize it.\n- Be brief.\n"
    assert fired == 3


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Please kindly reply now.", "Reply now."),
        ("We kindly ask for patience.", "We ask for patience."),
        ("Never advise; instead, kindly refer them to HR.", "Never advise; instead, refer them to HR."),
        # "kindly" saying how to do it stays
        ("Tell them kindly that it is fine.", "Tell them kindly that it is fine."),
        ("Respond kindly and briefly.", "Respond kindly and briefly."),
    ],
)
def test_kindly_goes_only_as_a_politeness_marker(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


def test_a_request_with_a_coordinated_that_you_is_seen_across_numbers() -> None:
    # the number between the two is a protected span (a sentinel here): "that you" after it still goes with the
    # request ("write …, and that you close" would dangle)
    text = f"At the end, I would ask that you write at most {t.SENTINEL} bullets, and that you close with one line."
    assert t.filler_phrases(text) == (f"At the end, write at most {t.SENTINEL} bullets, and close with one line.", 1)


def test_filler_phrases_politeness_and_inline_please() -> None:
    new, fired = t.filler_phrases("Summarize the text, please. Then kindly list the points.\nThank you!\n")
    assert new == "Summarize the text. Then list the points.\n\n"
    assert fired == 3


def test_filler_openers_stay_where_the_sentence_would_break() -> None:
    # "write …, and that you close": the second "that you" goes with the opener it coordinates with
    text = "I would ask that you write a summary, and that you close with a verdict."
    assert t.filler_phrases(text) == ("Write a summary, and close with a verdict.", 1)
    # the next word cannot take a capital before a protected span (it would become one name with it): a
    # sentence opening in lower case is no saving
    S = t.SENTINEL
    assert t.filler_phrases(f"Reply. You should choose {S} if needed.") == (
        f"Reply. You should choose {S} if needed.",
        0,
    )
    assert t.filler_phrases("Reply. You should choose a title.") == ("Reply. Choose a title.", 1)
    # a hedge after "should" keeps the sentence as written ("Probably mention …" reads as misspoken)
    assert t.filler_phrases("Reply. You should probably mention the fee.") == (
        "Reply. You should probably mention the fee.",
        0,
    )


def test_filler_phrases_leave_mid_sentence_uses_alone() -> None:
    text = "The report says remember that date.\n"
    assert t.filler_phrases(text) == (text, 0)


def test_verbose_phrases_keep_case() -> None:
    new, fired = t.verbose_phrases("In order to help, we make use of data due to the fact that it is able to work.")
    assert new == "To help, we use data because it can work."
    assert fired == 4


def test_in_relation_to_is_about_only_where_it_names_a_topic() -> None:
    # in a rubric it compares: "about the reference answer" would ask something else
    kept = "Rate the answer in relation to the reference answer. Evaluate it with respect to accuracy.\n"
    assert t.verbose_phrases(kept) == (kept, 0)
    text = "Answer any questions in relation to billing. In relation to refunds, follow the policy.\n"
    assert t.verbose_phrases(text) == ("Answer any questions about billing. About refunds, follow the policy.\n", 2)


def test_verbose_phrases_doubled_intensifiers() -> None:
    assert t.verbose_phrases("It is very very very important, really really.") == ("It is very important, really.", 2)


def test_verbose_phrases_skip_rewrites_that_need_the_next_word() -> None:
    # "is going to the store" / "is capable of handling" / "with the goal of reducing" have no safe short form
    text = "He is going to the store. It is capable of handling it, with the goal of reducing cost."
    assert t.verbose_phrases(text) == (text, 0)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("There are a number of rules.", "There are several rules."),
        ("For a number of reasons, wait.", "For several reasons, wait."),
        ("Do not state a number of days.", "Do not state a number of days."),  # a figure, not "several"
        ("In the course of the call, be kind.", "During the call, be kind."),
        ("In the course of responding, be kind.", "In the course of responding, be kind."),  # not "During responding"
        ("The agent shall stop and shall go.", "The agent shall stop and go."),
        # no "shall" before for both verbs to share
        ("These are prohibited and shall not be undertaken.", "These are prohibited and shall not be undertaken."),
        # the "not" would reach over the second verb
        ("It shall not diagnose, and shall refer the patient.", "It shall not diagnose, and shall refer the patient."),
    ],
)
def test_verbose_phrases_only_where_the_short_form_means_the_same(before: str, after: str) -> None:
    assert t.verbose_phrases(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("It is hereby expressly acknowledged that the Assistant is not a doctor.", "The Assistant is not a doctor."),
        ("For the avoidance of doubt, the agent may refuse.", "The agent may refuse."),
        # the conjunction after its comma goes with it, and the stress before a stop takes its comma along
        (
            "For the avoidance of doubt, and notwithstanding section 2, you must never, under any circumstances:",
            "Notwithstanding section 2, you must never:",
        ),
        ("It is to be understood that the data above is the only source.", "The data above is the only source."),
    ],
)
def test_legal_register_openers_go(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # the writer's remark in the passive, in any of its forms
        ("It should be emphasised that at no point are you to send email.", "At no point are you to send email."),
        ("It is further stressed that refunds take 5 days.", "Refunds take 5 days."),
        ("It is hereby noted for the record that the output is a draft.", "The output is a draft."),
        ("It is to be noted that these figures shall not be adjusted.", "These figures shall not be adjusted."),
        ("As you may already be aware, the office closes at 6.", "The office closes at 6."),
        ("As you know, the office closes at 6.", "The office closes at 6."),
        # a constraint word stays: "must" is not a remark
        ("It must be noted that the fee applies.", "It must be noted that the fee applies."),
        # "as you know" not followed by a comma is no aside
        ("Answer as you know best.", "Answer as you know best."),
        # what the reader is told they know, as an aside or ending the clause
        ("We read them all, which, as you can imagine, doesn't scale.", "We read them all, which doesn't scale."),
        ("Shyness is the main obstacle, as any teacher will tell you.", "Shyness is the main obstacle."),
        ("Use A1 or B2 (the CEFR levels, which you probably know).", "Use A1 or B2 (the CEFR levels)."),
        ("Treat them, as you would a friend, kindly.", "Treat them, as you would a friend, kindly."),
        ("Check, as you can see in the table, the fee.", "Check, as you can see in the table, the fee."),
        (
            "It handles money, and so, as I am sure you will appreciate, care matters.",
            "It handles money, and so care matters.",
        ),
        ("It is hereby reiterated that the output is internal.", "The output is internal."),
        ("You're supposed to suggest a shell command.", "Suggest a shell command."),
        ("Your work is to make a first analysis of the failure.", "Make a first analysis of the failure."),
        # "the model" may be another one (a judge prompt's "The model should refuse"): not the reader
        ("The model shall review the document data.", "The model shall review the document data."),
        ("You are kindly requested to respond in English.", "Respond in English."),
        ("You are asked to collect the items below.", "Collect the items below."),
        ("It is of the utmost importance that you verify the policy number.", "Verify the policy number."),
        ("It is the task of the assistant to help reviewers.", "Help reviewers."),
        ("It is perhaps worth stating at the outset that reviews have 6 parts.", "Reviews have 6 parts."),
        # "you are" after an opener that ends with its subject becomes "be"
        ("Make sure that you are polite.", "Be polite."),
        ("Please ensure that you are brief.", "Be brief."),
        ("Please ensure that you have the ticket number.", "Have the ticket number."),
    ],
)
def test_remarks_and_openers_before_what_is_said_go(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


@pytest.mark.parametrize(
    "text",
    [
        # "Be not rude" is no sentence: the opener stays
        "Make sure that you are not rude.",
        # inline, "and are polite" would take the subject of the clause before
        "First read it, and make sure that you are calm.",
    ],
)
def test_you_are_after_an_opener_stays_where_be_cannot_take_its_place(text: str) -> None:
    assert "you are" in t.filler_phrases(text)[0]


@pytest.mark.parametrize(
    "text",
    ["You are no lecturer. I want to repeat that, because it matters.", "Remember that. It matters.", "Note that!"],
)
def test_an_opener_whose_that_is_a_pronoun_stays(text: str) -> None:
    assert t.filler_phrases(text) == (text, 0)


def test_a_request_set_against_what_it_is_not_stays() -> None:
    contrast = "It is important that you answer correctly, not that you answer quickly."
    assert t.filler_phrases(contrast) == (contrast, 0)
    assert t.filler_phrases("It is important that you answer correctly.") == ("Answer correctly.", 1)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("It is important to check the logs.", "Check the logs."),
        # the writer's own act of saying is not a request to the model
        ("It is important to emphasize that quality matters.", "It is important to emphasize that quality matters."),
    ],
)
def test_it_is_important_to_is_a_request_unless_the_writer_says_something(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


def test_plain_words_for_legal_ones() -> None:
    text = "Utilize the tools insofar as is practicable."
    assert t.verbose_phrases(text) == ("Use the tools where practical.", 2)


def test_verbose_phrases_whole_words_only() -> None:
    text = "Reorder to front; the prior tooling."
    assert t.verbose_phrases(text) == (text, 0)


def test_duplicate_sentences() -> None:
    text = "Answer briefly and clearly. Use the context.\n- Answer briefly and clearly.\n- Cite sources please.\n"
    new, fired = t.duplicate_sentences(text)
    assert new == "Answer briefly and clearly. Use the context.\n- Cite sources please.\n"
    assert fired == 1


def test_duplicate_sentences_keep_short_and_protected_ones() -> None:
    text = f"Yes. Yes. Do {S} share it. Do {S} share it.\n"
    assert t.duplicate_sentences(text) == (text, 0)


# ---- aggressive ----

LONG = (
    "The assistant reads the question and then writes an answer that is very clear and really short, "
    "using the documents from a search index."
)


def test_articles_only_in_long_prose_lines() -> None:
    new, fired = t.articles(LONG + "\n# The title\nThe short line.\n")
    assert new.startswith("The assistant reads question and then writes answer that")
    assert "from search index." in new
    assert new.endswith("\n# The title\nThe short line.\n")
    assert fired == 4


def test_articles_keep_fixed_quantities() -> None:
    line = "Chargebacks cost us a ton of money and take the agent a long time to sort out, so wait a moment first."
    new, fired = t.articles(line)
    assert new == "Chargebacks cost us a ton of money and take agent a long time to sort out, so wait a moment first."
    assert fired == 1


def test_articles_keep_the_before_an_adjective_standing_as_a_noun() -> None:
    line = "In your answer, do the following: first, state the trend; then list the following steps in the order given."
    new, _ = t.articles(line)
    assert new.startswith("In your answer, do the following: first, state trend;")
    assert "list following steps" in new


@pytest.mark.parametrize("label", ["Example:", "**Sample output:**", "Expected response 2:", "- Good example:"])
def test_the_telegraphic_transforms_leave_an_example_as_written(label: str) -> None:
    text = f"{label}\n{LONG}\n\n{LONG}\n"
    for transform in (t.articles, t.low_information_words):
        new, _ = transform(text)
        assert new.startswith(f"{label}\n{LONG}\n\n")  # the example; the prose after the blank line is edited
        assert not new.endswith(f"\n{LONG}\n")
    listed = f"{label}\n- red\n- green\n- blue\n"
    assert t.condense_lists(listed) == (listed, 0)


@pytest.mark.parametrize("label", ["Thought:", "User:", "Response:"])
def test_the_telegraphic_transforms_leave_a_labelled_example_field_as_written(label: str) -> None:
    text = f"{label} {LONG}\n{LONG}\n"
    new, _ = t.articles(text)
    assert new.startswith(f"{label} {LONG}\n")
    assert not new.endswith(f"\n{LONG}\n")


def test_articles_keep_a_before_conjunctions() -> None:
    line = "Choose between a and b in the following long list of options that the user may give you in a form."
    new, _ = t.articles(line)
    assert "between a and b" in new


def test_low_information_words() -> None:
    new, fired = t.low_information_words(LONG)
    assert "is clear and short" in new
    assert fired == 2
    assert t.low_information_words("very short line") == ("very short line", 0)
    kept = "Prefer the command line interface rather than the web console when both of them are available to you."
    assert t.low_information_words(kept) == (kept, 0)
    # a quantity and a negation keep their degree word: "quite a few" are many, "not quite ready" almost ready
    for kept in (
        "Many are shy, and for quite a few of them English is not the language they speak at home these days.",
        "The draft is not quite ready for review by the whole committee yet, so wait for the next version please.",
    ):
        assert t.low_information_words(kept) == (kept, 0)


def test_condense_lists() -> None:
    text = "Colors:\n- red\n- green\n- blue\n\nSteps:\n- Read the whole question first.\n- Answer.\n- Stop.\n"
    new, fired = t.condense_lists(text)
    assert new.startswith("Colors: red, green, blue\n\nSteps:\n- Read")
    assert fired == 1


def test_condense_lists_leaves_nested_lists() -> None:
    text = "- a\n- b\n- c\n  - c1\n"
    assert t.condense_lists(text) == (text, 0)


def test_duplicate_sentences_keep_sections_written_one_per_case() -> None:
    text = (
        "## Event: order.created\n\nSend the confirmation mail. Log the event with its id.\n\n"
        "## Event: order.cancelled\n\nSend the cancellation mail. Log the event with its id.\n"
    )
    assert t.duplicate_sentences(text) == (text, 0)


def test_duplicate_sentences_drop_a_repeat_in_a_recap_or_unrelated_section() -> None:
    text = (
        "## Rules\n\nAnswer in the language of the question. Cite the handbook section.\n\n"
        "## Summary\n\nAnswer in the language of the question.\n\n"
        "## Output\n\nWrite plain text. Cite the handbook section.\n"
    )
    new, fired = t.duplicate_sentences(text)
    assert new == (
        "## Rules\n\nAnswer in the language of the question. Cite the handbook section.\n\n"
        "## Summary\n\n\n## Output\n\nWrite plain text.\n"
    )
    assert fired == 2


def test_duplicate_sentences_drop_a_paragraph_pasted_under_a_similar_heading() -> None:
    paragraph = "The customer gets no webhooks. Their mails depend on them. Look at the delivery log."
    text = f"## Background (Slack)\n\n{paragraph}\n\n## Background (runbook)\n\n{paragraph} Retries stop after a day.\n"
    new, fired = t.duplicate_sentences(text)
    assert new.endswith("## Background (runbook)\n\nRetries stop after a day.\n") and fired == 3


def test_a_repeated_reminder_goes_even_in_sections_one_per_example() -> None:
    text = "Example 1:\nIt is spam.\nRemember: reply with one word only.\nExample 2:\nIt is fine.\nRemember: reply with one word only.\n"
    new, fired = t.duplicate_sentences(text)
    assert (
        new == "Example 1:\nIt is spam.\nRemember: reply with one word only.\nExample 2:\nIt is fine.\n" and fired == 1
    )


@pytest.mark.parametrize(
    "phrase",
    [
        "a few", "a little", "one at a time", "7 days a week", "twice a day", "3 times a week", "a lot of",
        "a couple of", "on the other hand", "at the same time", "as a result", "in a row.", "on the fly,",
        "over the years", "in the past", "during the week.", "the one load",
    ],
)  # fmt: skip
def test_articles_keep_fixed_expressions(phrase: str) -> None:
    line = f"The agent answers {phrase} while the user waits for the reply in the chat window of the support app on the phone."
    new, _ = t.articles(line)
    assert phrase in new
    assert "user waits for reply in chat window of support app on the phone." in new  # a set phrase at the end


def test_verbose_phrases_read_right_where_they_stand() -> None:
    text = "Ask one single, low-commitment question. Be polite at all times. Stay at all times calm."
    assert t.verbose_phrases(text) == (
        "Ask one single, low-commitment question. Be polite at all times. Stay always calm.",
        1,
    )
    assert t.verbose_phrases("Ask one single question.") == ("Ask one question.", 1)
    # "ensure" takes an object or a clause, never "to"
    text = "Make sure to mention the policy and to link to it. Make sure the total is right."
    assert t.verbose_phrases(text) == (
        "Make sure to mention the policy and to link to it. Ensure the total is right.",
        1,
    )


_SEPARATOR_AS_ONE_REGEX = re.compile(
    r"\n(?P<m>[ \t]*(?:<!--[ \t]*)?([-=*_#~─━═•·+])(?:[ \t]*\2){2,}[ \t]*(?:-->[ \t]*)?(?:\n|\Z))"
)


@given(
    st.lists(st.sampled_from(["-", "=", "*", "<!--", "-->", " ", "\t", "\n", "a", ">", "─"]), max_size=14).map("".join)
)
@settings(max_examples=500, deadline=None)
def test_separator_lines_are_those_of_the_backreference_regex(text: str) -> None:
    expected = [(match.start("m"), match.end("m")) for match in t._line_matches(_SEPARATOR_AS_ONE_REGEX, text)]
    found = [
        (match.start("m"), match.end("m"))
        for match in t._line_matches(t._SEPARATOR, text)
        if t._decorative(match.group("m"))
    ]
    assert found == expected


def test_decorative_emoji_go_after_a_sentence_and_around_headings() -> None:
    text = "Hey there! 👋 So you.\nNo pressure! 😅\n## Your mission 🚀\n# 🏡 Listing Copy\nThanks! 🙌\n"
    assert t.decorative_emoji(text) == (
        "Hey there! So you.\nNo pressure!\n## Your mission\n# Listing Copy\nThanks!\n",
        5,
    )


def test_emoji_that_may_be_the_instruction_stay() -> None:
    text = "Mark it ✅ when done.\nOutput: Great! 🎉 Yes.\n## 🚀\n🚀 Launch.\n"
    assert t.decorative_emoji(text) == (text, 0)


def test_a_request_asked_as_a_question_ends_with_a_full_stop() -> None:
    assert t.filler_phrases("Could you please summarise this report?")[0] == "Summarise this report."
    assert t.filler_phrases("Report. Can you please list the risks?")[0] == "Report. List the risks."
    # not a request to the model: a question it may be asked
    assert t.filler_phrases("Ask: could they please wait?")[0] == "Ask: could they wait?"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("I should mention, lastly, that you must never merge it.", "You must never merge it."),
        ("Let me point out that the linter runs first.", "The linter runs first."),
        ("We'd like to stress that reviews are public.", "Reviews are public."),
        ("Do make sure the output is valid.", "Make sure the output is valid."),
        ("I should mention my cat.", "I should mention my cat."),  # says something, announces nothing
        ("Do the following steps.", "Do the following steps."),  # "do" is the verb
    ],
)
def test_the_writer_announcing_what_comes_next_goes(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


# the polite question as first written (an alternation first); the module's pattern opens with one class instead
_POLITE_QUESTION_AS_WRITTEN = re.compile(
    r"(?:[Cc]ould|[Cc]an|[Ww]ould)[ \t]+you[ \t]+(?:please|kindly)[ \t][^?.!\n]*\?"
)
_QUESTION_PIECES = [
    "Could",
    "could",
    "Can",
    "can",
    "Would",
    "would",
    "Wan",
    "Cold",
    "Wcan",
    "Cwould",
    " you",
    " please",
]
_QUESTION_PIECES += [" kindly", " x", "?", ".", "\n", "\t", " "]


@given(st.lists(st.sampled_from(_QUESTION_PIECES), max_size=25).map("".join))
@settings(max_examples=400, deadline=None)
def test_polite_questions_are_those_the_alternation_finds(text: str) -> None:
    expected = [match.span() for match in _POLITE_QUESTION_AS_WRITTEN.finditer(text)]
    assert [match.span() for match in t._POLITE_QUESTION.finditer(text)] == expected


def test_a_polite_question_becomes_a_request() -> None:
    assert [m.group() for m in t._POLITE_QUESTION.finditer("Can you please check it? Wan you please go?")] == [
        "Can you please check it?"
    ]

"""Sentence-level removal (`tokcli.compress.sentences`): boundaries, what goes and why, what always stays."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokcli.compress.rules_method import compress_text
from tokcli.compress.sentences import (
    classify,
    drop_non_instructions,
    drop_rationale,
    in_example,
    removals,
    split_sentences,
)
from tokcli.compress.transforms import SENTINEL

S = SENTINEL


def texts(text: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(text)]


def test_boundaries_survive_abbreviations_initials_and_list_items() -> None:
    text = "Ask Dr. Patel first, e.g. by mail. Then wait.\n- Item one. Item two!\n1. Step A.\nNo stop here"
    assert texts(text) == [
        "Ask Dr. Patel first, e.g. by mail.", "Then wait.", "Item one.", "Item two!", "Step A.", "No stop here",
    ]  # fmt: skip


def test_a_clause_number_leads_its_sentence_as_a_list_marker_does() -> None:
    # "5.1 The Assistant shall …": legal prompts number their clauses; the clause's sentence starts after it
    assert texts("1.2 It is so. Then more.\n3.5.1. The Assistant waits.\n2.5 hours at most.") == [
        "It is so.", "Then more.", "The Assistant waits.", "2.5 hours at most.",
    ]  # fmt: skip


def test_a_numbered_clause_loses_its_opener_and_keeps_its_number() -> None:
    text = (
        "1.2 It is hereby expressly acknowledged that the Assistant is not a medical practitioner.\n\n"
        "6.1 For the avoidance of doubt, the Assistant is reminded that it shall never diagnose, "
        "and that doubt means the more urgent level.\n"
    )
    assert compress_text(text).text == (
        "1.2 The Assistant is not a medical practitioner.\n\n"
        # the opener closed with its comma: the later "and that" is the sentence's own and stays
        "6.1 The Assistant is reminded that it shall never diagnose, and that doubt means the more urgent level.\n"
    )


def test_titles_of_address_end_no_sentence() -> None:
    assert texts("My name is Mme. Lefebvre, and I teach. Ask Rev. Smith.") == [
        "My name is Mme. Lefebvre, and I teach.", "Ask Rev. Smith.",
    ]  # fmt: skip


def test_boundaries_need_a_capital_after_the_stop() -> None:
    # dotted names, versions and paths are masked as protected spans; a lower-case word after a stop goes on
    assert texts(f"Use {S} now. it works. Done.") == [f"Use {S} now. it works.", "Done."]


def test_an_emoji_after_the_stop_belongs_to_the_sentence() -> None:
    assert texts("Hey there! 👋 So we start.") == ["Hey there! 👋", "So we start."]


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Hey there! 👋", "greeting"),
        ("Dear Analyst,", "greeting"),
        ("Welcome to the team!", "greeting"),
        ("With warm regards and many thanks,", "sign-off"),
        ("Thanks so much!", "sign-off"),
        ("Many thanks for all your hard work, it is genuinely appreciated.", "sign-off"),
        ("You've got this!", "encouragement"),
        ("Now go write something amazing!", "encouragement"),
        ("This prompt is used by our support team to power the chat widget.", "meta-commentary"),
        ("I hope this note finds you well.", "meta-commentary"),
        ("Allow me to describe what I have in mind.", "meta-commentary"),
        ("Please read it all carefully!", "meta-commentary"),
        ("Now, let's go through how we do things in my classroom, shall we?", "transition"),
        ("Keep in mind the following:", "transition"),
        ("Okay, I think that's everything!", "transition"),
        ("These are non-negotiable.", "emphasis"),
        ("We hope you will be a good help for our patients.", "encouragement"),
        ("So I'm genuinely thrilled to hand this over to you.", "encouragement"),
        # a line that only says rules follow and that they matter
        (
            "Now for the actual rules, which are honestly the most important part, so please read carefully:",
            "announcement",
        ),
        ("Finally, and I know I've said this already, but it really is the most important thing:", "announcement"),
        ("Okay, now this is really the most important part of all:", "announcement"),
        ("🙌", "emoji"),
    ],
)
def test_what_carries_no_instruction(sentence: str, reason: str) -> None:
    assert classify(sentence, said=set()) == reason


@pytest.mark.parametrize(
    "sentence",
    [
        "Hi, please route the ticket to billing.",  # a greeting word, then a task
        "Hard rules:",  # a label, not a sentence
        "Please keep it short, this is really important, so read and follow it:",  # it asks to keep it short
        "We hope you will be brief when answering refunds.",  # a hope that asks something
        "Before answering, read the ticket and the notes below:",  # what to read is the task's input
        "Thank the customer if they report a bug.",  # an instruction that mentions thanks
        "Read the message and tell them to delete it.",  # "the message" is not the prompt
        "What is your order number?",  # a question to put to the user
        f"Thanks, and {S} share the code.",  # a protected span (a negation word)
        "You should always answer in English.",  # a constraint word the protected spans do not cover
        "Welcome the user by name and ask for the order number before anything else.",
        "The reason for this is that refunds need approval.",  # rationale: only at aggressive
    ],
)
def test_what_stays(sentence: str) -> None:
    assert classify(sentence, said=set()) is None


def test_rationale_goes_at_aggressive_only() -> None:
    text = "Escalate refunds.\nThe reason for this is that refunds need approval.\n"
    assert drop_non_instructions(text) == (text, 0)
    assert drop_rationale(text) == ("Escalate refunds.\n", 1)


def test_a_recap_goes_when_its_words_were_said_before() -> None:
    text = "Answer in French. Cite the handbook section.\nTo sum up: answer in French and cite the handbook.\n"
    assert drop_non_instructions(text) == ("Answer in French. Cite the handbook section.\n", 1)
    new_point = "Answer in French.\nTo sum up: answer in French and attach the invoice.\n"
    assert drop_non_instructions(new_point) == (new_point, 0)  # it says something new: it stays


@pytest.mark.parametrize(
    "lead",
    [
        "Just to recap the big stuff one more time:",
        "To summarise the foregoing in brief:",
        "So, to reiterate the important bits:",
    ],
)
def test_a_line_announcing_a_recap_goes_and_the_recap_stays(lead: str) -> None:
    text = f"Answer in French. Cite the handbook.\n\n{lead}\n- Attach the invoice.\n"
    assert drop_non_instructions(text) == ("Answer in French. Cite the handbook.\n\n- Attach the invoice.\n", 1)
    # a lead that names what it recaps says something
    kept = "Answer in French. Cite the handbook.\n\nTo recap the refund rules:\n- Attach the invoice.\n"
    assert drop_non_instructions(kept) == (kept, 0)


@pytest.mark.parametrize(
    "heading", ["## A few final words", "## Other things", "A FEW MORE THINGS", "## Just to recap"]
)
def test_a_heading_that_names_nothing_goes_and_its_section_stays(heading: str) -> None:
    text = f"## Rules\n\nAnswer briefly.\n\n{heading}\n\nCite the handbook.\n"
    assert drop_non_instructions(text) == ("## Rules\n\nAnswer briefly.\n\n\nCite the handbook.\n", 1)
    assert [removal.reason for removal in removals(text)] == ["heading that names nothing"]


@pytest.mark.parametrize("heading", ["## Final checks", "## Notes", "## Before you start", "```\n## Other notes"])
def test_a_heading_that_names_something_stays(heading: str) -> None:
    text = f"Answer briefly.\n\n{heading}\n\nCite the handbook.\n"
    assert removals(text) == []


def test_a_heading_left_without_content_goes_with_it() -> None:
    text = "## Rules\n\nAnswer briefly.\n\n## Final thoughts\n\nYou've got this! Thanks so much!\n"
    new, fired = drop_non_instructions(text)
    assert new == "## Rules\n\nAnswer briefly.\n\n\n"
    reasons = [removal.reason for removal in removals(text)]
    assert reasons == ["heading of a section left empty", "encouragement"]
    assert fired == 2


def test_example_data_and_whole_messages_stay() -> None:
    text = 'User: Hi there!\nResponse: "Thanks so much! We fixed it."\n'
    assert drop_non_instructions(text) == (text, 0)
    assert drop_non_instructions("hi") == ("hi", 0)  # a chat turn that is only a greeting


def test_code_and_tables_stay() -> None:
    text = "```\nThanks so much!\n```\n| Thanks so much! |\n"
    assert drop_non_instructions(text) == (text, 0)


@given(
    st.lists(
        st.sampled_from(
            [
                "Hey there!",
                "Thanks so much!",
                f"Do {S} reply.",
                "Answer now.",
                "\n",
                "## Summary\n",
                "You've got this! ",
            ]
        ),
        max_size=12,
    )
)
def test_removals_never_take_a_protected_span(pieces: list[str]) -> None:
    text = " ".join(pieces)
    new, _ = drop_non_instructions(text)
    assert new.count(S) == text.count(S)
    for removal in removals(text):
        assert S not in text[removal.start : removal.end]


def test_the_result_names_each_removed_sentence_and_why() -> None:
    text = "Hey there! 👋\n\nAnswer in {{ language }}.\n\nYou've got this! Thanks so much!\n"
    result = compress_text(text, kind="jinja")
    assert result.text == "Answer in {{ language }}.\n"
    assert [(removed.line, removed.reason, removed.text) for removed in result.removed] == [
        (1, "greeting", "Hey there! 👋"),
        (5, "encouragement", "You've got this!"),
    ]


@pytest.mark.parametrize(
    "path",
    ["p.j2", "chat.yaml"],
)
def test_without_explaining_the_result_is_the_same_but_lists_no_removed_sentences(path: str) -> None:
    """What an audit asks for (`explain=False`): the same text, transforms and rollbacks, no removed list."""
    from tokcli.compress.rules_method import compress_document
    from tokcli.prompts import load_prompt

    prose = "Hey there! 👋\n\nAnswer in {{ language }}.\n\nYou've got this! Thanks so much!\n"
    text = prose if path.endswith(".j2") else f"messages:\n  - role: system\n    content: {prose!r}\n"
    document = load_prompt(path, text)
    explained, quiet = compress_document(document), compress_document(document, explain=False)
    assert explained.removed and not quiet.removed
    assert (quiet.text, quiet.transforms, quiet.rollbacks, quiet.notes) == (
        explained.text,
        explained.transforms,
        explained.rollbacks,
        explained.notes,
    )


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Allow me first to explain what the codebase is.", "meta-commentary"),
        ("In the sections below, you will find our brand voice and rules.", "meta-commentary"),
        ("Hello, and welcome to our classroom!", "greeting"),
        ("Greetings, scribe of the Hollow!", "greeting"),  # an epithet for the reader
        ("Hi, the weather is nice.", None),
        ("Looking forward to hearing the new voice.", "sign-off"),
        ("Here's how it's going to work.", "meta-commentary"),
        ("These instructions govern the conduct of that review.", "meta-commentary"),
        ("Before anything else, I'd like to tell you a little about who I am.", "meta-commentary"),
        ("Below is basically everything I've learned about what makes our notes work.", "meta-commentary"),
        ("With this prompt we want to explain you how to make the job of refill assistant.", "meta-commentary"),
        ("The purpose of this memorandum is to set forth the operating guidance.", "meta-commentary"),
        ("The purpose of this tool is to set out options.", None),  # about the tool, not the text
        ("We are grateful for your careful attention to these guidelines.", "sign-off"),
        ("Your diligent adherence to the above is greatly appreciated.", "sign-off"),
        ("Now, about correcting mistakes.", "transition"),
        ("So, please do the following.", "transition"),
        ("Here is what you need to know:", "transition"),
        ("Now, about the refund policy for orders over the limit, which applies to every order.", None),
        ("Cheers, Tom", "sign-off"),  # with the signer's first name
        ("Kind regards, Anna.", "sign-off"),
        ("Best, shortest answers win.", None),
        ("Grab a coffee, this is a bit of a read.", "meta-commentary"),  # the aside is about the prompt's length
        (
            "Here are two short examples so that you can get a feel for the kind of responses I'm looking for.",
            "meta-commentary",
        ),  # the examples follow under their own labels
        (
            "To give you an idea of what I'm looking for, here are two examples of the kind of line I'd like to see.",
            "meta-commentary",
        ),
        ("Here are two examples of what to avoid.", None),  # says what the examples are
        ("Here are two examples; follow their format exactly.", None),
        ("This is a long read.", "meta-commentary"),
        ("(Yes, this happened.)", "meta-commentary"),
        ("That's it!", "transition"),
        ("A few further points, if I may:", "transition"),
    ],
)
def test_more_sentences_that_carry_no_instruction(sentence: str, reason: str | None) -> None:
    assert classify(sentence, said=set()) == reason


def test_a_colon_line_that_only_announces_goes_but_labels_stay() -> None:
    text = "Intro here.\n\nA few further points, if I may:\n- be kind\n\nRules:\n- be brief\n\n## Notes:\n- x\n"
    assert drop_non_instructions(text) == (
        "Intro here.\n\n- be kind\n\nRules:\n- be brief\n\n## Notes:\n- x\n",
        1,
    )


def test_a_line_between_protected_lines_across_blank_lines_is_not_a_message() -> None:
    # a template comment above and an all-capitals heading below are not chat message breaks
    text = f"{S}\nWelcome to the future of hospitality! You are the host.\n\n{S}\nTake bookings.\n"
    assert drop_non_instructions(text) == (f"{S}\nYou are the host.\n\n{S}\nTake bookings.\n", 1)
    message = f"{S}\nThanks so much!\n{S}\n"  # right between two message breaks: the message itself
    assert drop_non_instructions(message) == (message, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Never use markdown in your replies, since they sound terrible when read aloud.\n",
            "Never use markdown in your replies.\n",
        ),
        ('Write "UNASSIGNED", so that I can follow up on it.\n', 'Write "UNASSIGNED".\n'),
        ("Keep it short — because people skim.\n", "Keep it short.\n"),
        ("Use rg — it makes search faster.\n", "Use rg.\n"),
        # list markers in brackets are no asides
        (
            "Offer it whenever (i) the user asks; (ii) the user is stuck; or (iii) the user is new.\n",
            "Offer it whenever (i) the user asks; (ii) the user is stuck; or (iii) the user is new.\n",
        ),
        # a dash that goes on describing is no reason: the rubric's definition stays
        (
            "Score 5 goes beyond listing details — it offers insight into why the information matters.\n",
            "Score 5 goes beyond listing details — it offers insight into why the information matters.\n",
        ),
        ("Count the messages since the last reply.\n", "Count the messages since the last reply.\n"),
        ("Escalate, because you should always ask first.\n", "Escalate, because you should always ask first.\n"),
        (f"Escalate, since {S} is slow.\n", f"Escalate, since {S} is slow.\n"),  # holds a protected span
        ("Intro.\nI mention this because a junior analyst fixed a typo. Be brief.\n", "Intro.\nBe brief.\n"),
        ("Intro.\nLast year, a junior analyst changed a figure. Be brief.\n", "Intro.\nBe brief.\n"),
        ("Intro.\nWe've had a couple of incidents where it went wrong. Be brief.\n", "Intro.\nBe brief.\n"),
    ],
)
def test_reasons_go_at_aggressive_only(text: str, expected: str) -> None:
    assert drop_rationale(text)[0] == expected
    assert drop_non_instructions(text) == (text, 0)


def test_the_result_names_each_removed_reason_clause() -> None:
    result = compress_text("Never use markdown, since it sounds terrible read aloud.\n", level="aggressive")
    assert result.text == "Never use markdown.\n"
    assert [(removed.transform, removed.reason, removed.text) for removed in result.removed] == [
        ("rationale", "rationale", "since it sounds terrible read aloud")
    ]


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Hi Claude!", "greeting"),
        ("Dear Sofia,", "greeting"),
        ("Hello world, please route it.", None),
        ("Seriously.", "emphasis"),
        ("Keep this in mind.", "emphasis"),
        ("I mean it!", "emphasis"),
        ("Does that make sense?", "meta-commentary"),
        ("Does the user want a refund?", None),
        ("I'll now explain the process.", "meta-commentary"),
        ("I will give you a document.", None),  # what the model gets is not commentary
        ("There are a few things to keep in mind:", "transition"),
        ("Read all the information below very carefully before you answer!", "meta-commentary"),
    ],
)
def test_greetings_with_a_name_emphasis_and_questions_that_ask_nothing(sentence: str, reason: str | None) -> None:
    assert classify(sentence, said=set()) == reason


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Read each of these instructions carefully and in their entirety.", "meta-commentary"),
        ("Read carefully all of this, it is important for our team.", "meta-commentary"),
        ("read this whole thing before changing anything.", "meta-commentary"),
        ("Please read the rules below carefully.", "meta-commentary"),
        # what may be the task's input, or the reading is the task
        ("Read the following email.", None),
        ("Read the text carefully.", None),
        ("Read this.", None),
        ("Read the document carefully and summarise it.", None),
        ("Read the document.", None),
        ("Read these instructions.", None),
        ("Read these instructions carefully, then classify the ticket.", None),
        ("With every good wish for your success in this endeavour, I remain,", "sign-off"),
    ],
)
def test_being_told_to_read_the_prompt_and_a_letters_close_ask_nothing(sentence: str, reason: str | None) -> None:
    assert classify(sentence, said=set()) == reason


def test_the_signers_name_under_a_final_sign_off_goes_with_it() -> None:
    assert drop_non_instructions("Route tickets.\n\nWith thanks and kind regards,\n\n— Dana\n")[0] == (
        "Route tickets.\n\n\n"
    )
    assert drop_non_instructions("Route tickets.\n\nThank you so much!\n\nMrs. Okafor\nHead of Support\n")[0] == (
        "Route tickets.\n\n\n"
    )
    kept = "Route tickets.\n\nThanks!\nBe brief and cite the source.\n"  # not a name: an instruction
    assert drop_non_instructions(kept)[0] == "Route tickets.\n\nBe brief and cite the source.\n"
    named = f"Route tickets.\n\nBest,\n{S}\n"  # a protected name stays
    assert drop_non_instructions(named)[0] == f"Route tickets.\n\n{S}\n"


def test_an_instruction_after_a_final_sign_off_is_not_a_signature() -> None:
    text = "Route tickets.\n\nThanks!\nUse Markdown\n"
    assert drop_non_instructions(text)[0] == "Route tickets.\n\nUse Markdown\n"


def test_asides_that_give_a_reason_go_at_aggressive() -> None:
    text = (
        "Intro.\nNo marks in the subject line (they trigger spam filters, apparently).\n"
        "Use the flag (optional). See the guide (e.g. the intro). Keep it (it is slow).\n"
        f"Run it (it is faster than {S}).\n"
    )
    assert drop_rationale(text)[0] == (
        "Intro.\nNo marks in the subject line.\nUse the flag (optional). See the guide (e.g. the intro). Keep it.\n"
        f"Run it (it is faster than {S}).\n"
    )
    assert drop_non_instructions(text) == (text, 0)


def test_what_a_rule_achieves_and_comments_after_a_dash_go_at_aggressive() -> None:
    text = (
        "Intro.\nNever run pip directly — it messes up lockfiles.\nKeep it brief. This helps the team triage faster.\n"
    )
    assert drop_rationale(text)[0] == "Intro.\nNever run pip directly.\nKeep it brief. \n"
    assert drop_non_instructions(text) == (text, 0)
    kept = "Intro.\nReply in JSON — always the same schema.\n"  # a dash that goes on with the rule
    assert drop_rationale(kept) == (kept, 0)


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("You're a star.", "encouragement"),
        ("We're counting on you!", "encouragement"),
        ("Happy writing!", "encouragement"),
        ("You are the best match for the job.", None),
    ],
)
def test_more_encouragement(sentence: str, reason: str | None) -> None:
    assert classify(sentence, said=set()) == reason


def test_a_rule_said_again_in_other_words_goes_when_its_words_were_said() -> None:
    text = (
        "Answer in French and cite the handbook.\nIn other words, answer in French and cite the handbook.\n"
        "In other words, attach the invoice.\n"
    )
    assert drop_non_instructions(text) == (
        "Answer in French and cite the handbook.\nIn other words, attach the invoice.\n",
        1,
    )


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("You can do this by asking a question.", None),  # an instruction, not cheering on
        ("Let's make sure the answer is short.", None),
        ("Have fun examples ready.", None),
        ("You can do it!", "encouragement"),
        ("Have fun!", "encouragement"),
        ("So here's the deal.", "meta-commentary"),
        ("Hi there, and thank you for agreeing to help with our program!", "sign-off"),
        ("I hope that all of this is clear.", "meta-commentary"),
        ("I hope this works! 😅", "meta-commentary"),
        ("Thank you so much for being part of the Wanderly family.", "sign-off"),
        ("Thank you for following these rules.", "sign-off"),
        ("Thank you for using our product.", "sign-off"),
        ("Looking forward to your reply!", "sign-off"),
    ],
)
def test_encouragement_only_as_the_whole_sentence_and_discourse_words_before(sentence: str, reason: str | None) -> None:
    assert classify(sentence, said=set()) == reason


def test_some_things_to_keep_in_mind_is_a_transition_but_a_label_is_not() -> None:
    assert classify("Some things to keep in mind:", said=set()) == "transition"
    assert classify("Some rules:", said=set()) is None


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("I've been running the helpdesk here for twenty-two years now.", "backstory"),
        ("That is why the team reviews every draft.", "rationale"),
        # the consequence addresses the reader: it may be the instruction ("we want you: a conversation partner")
        ("That is why we want you: a patient conversation partner.", None),
        ("Management decided we need a chatbot on the intranet.", "backstory"),
        ("FitLoop started because my co-founder and I were sick of fitness apps.", "backstory"),
        ("So, um, I'm Tomás, I joined the platform team four months ago.", "backstory"),
        ("In my experience, correcting every mistake discourages the student.", "rationale"),
        ("Previous pilot studies have revealed that sarcasm is hard to label.", "rationale"),
        # a consequence for the task, or an address to the reader, keeps it
        ("We started offering refunds last year, so refunds are allowed.", None),
        ("I've spent years on this world, so it means a lot that you will help.", None),
        ("We have three tools.", None),
        ("It has been our experience that claimants answer only the first question.", "rationale"),
        # what the company believes or aims at asks nothing of the model
        ("Every call is a chance to delight a guest.", "mission statement"),
        ("At our agency, we truly believe every home has a story.", "mission statement"),
        ("The co-pilot's core value proposition is to de-risk the grant-writing journey.", "mission statement"),
        ("We aim to move the needle on submission quality.", "mission statement"),
        ("Our brand promise is easy in, easy out, and you bring it to life.", None),  # the reader is asked
        ("We believe you should answer briefly.", None),
    ],
)
def test_backstory_and_experience_go_at_aggressive_only(sentence: str, reason: str | None) -> None:
    assert classify(sentence, said=set(), aggressive=True) == reason
    assert classify(sentence, said=set()) is None
    text = f"Answer in French.\n\n{sentence} Keep it short.\n"
    kept = text if reason is None else "Answer in French.\n\nKeep it short.\n"
    assert drop_rationale(text)[0] == kept
    assert drop_non_instructions(text) == (text, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Be brief.\n\n-- Gary, Infrastructure & Ops\n", "Be brief.\n"),
        ("Be brief.\n— Tomás (platform team)\n", "Be brief.\n"),
        ("Use this format:\n-- end of report\n", "Use this format:\n-- end of report\n"),  # part of the format
        ("Be brief.\n-- END\n", "Be brief.\n-- END\n"),  # a marker, not a name
        (
            "Our motto:\n> Keep it simple.\n— Leonardo da Vinci\n",
            "Our motto:\n> Keep it simple.\n— Leonardo da Vinci\n",
        ),
    ],
)
def test_a_name_under_a_dash_on_the_last_line_is_a_signature(text: str, expected: str) -> None:
    assert drop_non_instructions(text)[0].rstrip("\n") + "\n" == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # an opening that sounds like a transition, meta-commentary or encouragement, then an instruction
        "Moving on to budgets: if a customer gives you a budget, show options below it.",
        "Let us start with the greeting: greet the user by first name.",
        "Roughly, the flow we want is: ask for dates, then ask for budget, then propose flights.",
        "Here's what I want: a summary of each ticket in three bullets.",
        "Here's the plan: first read the ticket, then classify it by urgency.",
        "We care about accuracy, so double-check every figure against the invoice.",
        "I love concise answers, so keep each reply under fifty words.",
        "We'll go through the invoice line by line and you flag any errors.",
        "Allow me to explain the format: put the summary first, then the tags.",
        "We have tried to keep this short, so answer in one line.",
        "Some other points: always cite the ticket id.",
        "A few more things to keep in mind: escalate refunds over fifty dollars to a human.",
        "Let's look at the customer's history before answering.",
        "Let's start by summarizing the ticket in one sentence.",
        "Let's go through each invoice line and mark the duplicates.",
        "Happy helping, and remember to tag every ticket with its product.",
        "Thanks for helping, and please tag every ticket with its product.",
        "Good luck, and reply in French.",
        "We're counting on you to flag every risk.",
        "You're going to be answering questions about our API.",
        "Now go through the list and flag duplicates.",
        "Without further ado, list three flights.",
        "We need you to keep every answer under a hundred words.",
        "I hope you can reply in French.",
        "Thank you for keeping every answer short.",
        "Thanks in advance for citing the ticket id.",
        "Looking forward to your summaries in bullet points.",
    ],
)
def test_an_instruction_behind_a_removable_opening_stays(sentence: str) -> None:
    assert classify(sentence, said=set()) is None
    assert classify(sentence, aggressive=True, said=set()) is None


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Let's get started!", "encouragement"),
        ("Now, let's go through the rules.", "transition"),
        ("Moving on to budgets.", "transition"),
        ("Roughly, the flow we want is the following.", "transition"),
        ("We know you'll do great. 🙌", "encouragement"),
        ("You'll crush this. 🙌", "encouragement"),
        ("Now go write something amazing! 💪", "encouragement"),
        ("We're counting on you!", "encouragement"),
        ("A few other things I'd like you to keep in mind:", "transition"),
        ("Below you will find everything you need to know to do the job.", "meta-commentary"),
        ("Hi there, and thank you for agreeing to help with our program!", "sign-off"),
        ("I hope that all of this is clear.", "meta-commentary"),
        ("I hope this works! 😅", "meta-commentary"),
        ("Thank you so much for being part of the Wanderly family.", "sign-off"),
        ("Thank you for following these rules.", "sign-off"),
        ("Thank you for using our product.", "sign-off"),
        ("Looking forward to your reply!", "sign-off"),
    ],
)
def test_the_same_openings_alone_still_go(sentence: str, reason: str) -> None:
    assert classify(sentence, said=set()) == reason


def test_compress_keeps_an_instruction_after_a_transition() -> None:
    text = (
        "You help travellers book trips.\n\n"
        "Moving on to budgets: if a customer gives you a budget, show options below it.\n\n"
        "Let's get started!\n"
    )
    result = compress_text(text, level="aggressive")
    assert "show options below it" in result.text
    assert "Moving on to budgets" in result.text
    assert [removed.text for removed in result.removed] == ["Let's get started!"]


def test_a_removed_sentence_that_was_reworded_first_is_found_on_its_own_line() -> None:
    text = (
        "You summarise tickets.\n\nWe are going to go through the details below.\n\n"
        "Escalate refunds.\n\nThank you so much for your hard work!\n"
    )
    result = compress_text(text)
    assert [(removed.line, removed.reason) for removed in result.removed] == [
        (3, "meta-commentary"),
        (7, "sign-off"),
    ]
    assert result.removed[0].text != "We are going to go through the details below."  # reworded before it went


def test_a_reason_clause_that_carries_an_instruction_stays() -> None:
    text = (
        "Write release notes.\n\n"
        "Mention the ticket id, because support links notes to tickets, and add the author's handle.\n\n"
        "In my experience, short notes get read, so cut adjectives.\n\n"
        "Keep each note under two lines, since readers skim them on mobile.\n"
    )
    result = compress_text(text, level="aggressive")
    assert "and add the author's handle" in result.text
    assert "so cut adjectives" in result.text
    assert "since readers skim them" not in result.text  # a reason and nothing more still goes


def test_a_recap_that_adds_a_rule_stays() -> None:
    said = "You answer billing questions.\n\nKeep answers short and polite. Cite the help article you used.\n\n"
    new_rule = said + "Remember: keep answers short, polite and formal.\n"
    assert compress_text(new_rule).removed == []
    assert "polite and formal" in compress_text(new_rule).text
    repeated = said + "Just to recap the big ones one more time: keep answers short and polite, and cite the article.\n"
    assert [removed.reason for removed in compress_text(repeated).removed] == ["restatement"]


def test_a_heading_that_names_nothing_stays_where_its_rules_would_join_an_example() -> None:
    after_example = (
        "# Task\n\nSummarise the ticket.\n\n## Example output\n\nSummary: the printer is broken.\n\n"
        "## A few more things\n\n- Keep it under 50 words.\n"
    )
    assert compress_text(after_example).removed == []
    after_rules = "# Task\n\nSummarise the ticket.\n\n## Tone\n\nBe warm.\n\n## A few more things\n\n- Keep it short.\n"
    assert [(r.line, r.reason) for r in compress_text(after_rules).removed] == [(9, "heading that names nothing")]
    # a subsection goes back into its own parent section
    subsection = "# Task\n\n## Tone\n\nBe warm.\n\n### A few more things\n\n- Keep it short.\n"
    assert [r.text for r in compress_text(subsection).removed] == ["### A few more things"]
    # not into a section of examples, which is shown as written: its rules would join the example
    in_example = "# Task\n\n## Example output\n\nSummary: broken.\n\n### A few more things\n\n- Keep it short.\n"
    assert compress_text(in_example).removed == []


@pytest.mark.parametrize("label", ["**Response:**", "*Output*:", "__Answer:__", "Response:"])
def test_an_example_field_is_example_data_also_with_a_bold_label(label: str) -> None:
    # a sentence that opens the field's line holds the label and the value: it is the example's, not a rule (the
    # rules judged a repeated response "**Response:** \"Flu shots prevent flu." as a repeated instruction)
    text = f'Grade it.\n  {label} "Flu shots prevent flu. Rest helps."\n'
    assert in_example(text, text.index(label))
    assert not in_example("Grade it.\n  **Rules:** be brief.\n", 10)


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("By way of background, our claims team has historically received incomplete reports.", "backstory"),
        ("Over the years I have found that students respond better to warm feedback.", "rationale"),
        # what asks something of the reader stays
        ("By way of background, you must file each claim within 5 days.", None),
        ("Over the years I have found that you should check twice.", None),
    ],
)
def test_background_and_experience_announced_as_such_go_at_aggressive(sentence: str, reason: str | None) -> None:
    assert classify(sentence, aggressive=True, said=set()) == reason
    assert classify(sentence, said=set()) is None

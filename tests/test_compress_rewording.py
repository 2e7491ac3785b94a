"""Phrase-level rewriting by general mechanisms: indirect requests, hedges, synonym stacks, nominalisations,
puffery (`tokcli.compress.rewording`, and the indirect requests in `transforms.filler_phrases`)."""

from __future__ import annotations

import pytest

from tokcli.compress import rewording
from tokcli.compress import transforms as t


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We would be really grateful if you could keep things friendly.", "Keep things friendly."),
        ("I'd appreciate it if you could answer in French.", "Answer in French."),
        ("It would be great if you could cite sources.", "Cite sources."),
        ("It's really important that you know when to stop.", "Know when to stop."),
        ("Your task is to classify the email.", "Classify the email."),
        ("We'd love you to write short emails.", "Write short emails."),
        ("You should always answer in English.", "Always answer in English."),
    ],
)
def test_indirect_requests_become_direct(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


@pytest.mark.parametrize(
    "text",
    [
        "It would please me greatly if your comments could be kind.",  # "please" is the verb
        "Hard to please customers need patience.",
        "Tell the user that we would be grateful if they could wait.",  # not at a sentence start
    ],
)
def test_requests_and_please_left_alone(text: str) -> None:
    assert t.filler_phrases(text) == (text, 0)


def test_hedges_and_filler_intensifiers_go() -> None:
    text = "Basically, think of it. It is really important. Honestly zero is fine. Actually, the tool runs.\n"
    assert rewording.hedges_and_intensifiers(text) == (
        "Think of it. It is important. Zero is fine. The tool runs.\n",
        4,
    )
    # inside a sentence "actually" sets the real against the claimed
    kept = "What did the agent actually deliver? Check it actually runs.\n"
    assert rewording.hedges_and_intensifiers(kept) == (kept, 0)


def test_grading_degree_words_and_manner_adverbs_stay() -> None:
    text = "Score from 1 (very poor) to 5. Say so honestly. The really, really important rule.\n"
    assert rewording.hedges_and_intensifiers(text) == (text, 0)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Keep replies short, brief and to the point.", "Keep replies short."),
        ("Be friendly, welcoming and approachable, but also professional.", "Be friendly, but also professional."),
        # the list goes on after the stack: its "and" stays where it was
        ("Be polite, friendly, courteous and kind at all times.", "Be polite, friendly and kind at all times."),
        ("Be polite, courteous and kind.", "Be polite and kind."),
        # two things asked for, not one said twice: both stay
        ("Review each file in a careful and thorough way.", "Review each file in a careful and thorough way."),
        ("Be calm and patient. Keep data safe and secure.", "Be calm and patient. Keep data safe and secure."),
        ("Be warm and upbeat.", "Be warm and upbeat."),
        ("Be clear and concise.", "Be clear and concise."),  # two meanings: both stay
        ("Be kind, specific and actionable.", "Be kind, specific and actionable."),
    ],
)
def test_synonym_stacks_keep_one_word_per_meaning(before: str, after: str) -> None:
    assert rewording.synonym_stacks(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Please make a decision about it.", "Please decide on it."),
        ("Give an explanation about the fee.", "Explain the fee."),
        ("Make a suggestion about the tone.", "Make a suggestion about the tone."),  # not "suggest about"
        ("Provide a summary of the call.", "Summarize the call."),
        ("He made a choice. We took a look at it.", "He chose. We looked at it."),
        ("She is making an attempt to fix it.", "She is trying to fix it."),
        ("Have a look at the log.", "Look at the log."),
        ("Make a Summary section.", "Make a Summary section."),  # a title, not the action
        ("Have a decision ready.", "Have a decision ready."),  # not a light-verb phrase
    ],
)
def test_nominalisations_become_verbs(before: str, after: str) -> None:
    assert rewording.nominalisations(before)[0] == after


def test_an_intensifier_goes_and_the_article_follows() -> None:
    assert rewording.reword("You will be an absolutely vital part of it.")[0] == "You will be a vital part of it."
    assert rewording.reword("It is a really important rule.")[0] == "It is an important rule."


def test_puffery_goes_and_the_article_follows() -> None:
    text = "You are an elite, top-producing copywriter. An amazing, unique offer. The result is amazing."
    assert rewording.puffery(text) == ("You are a copywriter. A unique offer. The result is amazing.", 2)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("So, basically, you'll be looking at alerts.", "You'll be looking at alerts."),
        ("Now, how we handle it depends on the mode.", "How we handle it depends on the mode."),
        ("Also, note the date. Furthermore, cite it.", "Note the date. Cite it."),
        ("Well, if they ask, say yes.", "If they ask, say yes."),
        ("- Just describe what happened.", "- Describe what happened."),
        ("Simply record what was said.", "Record what was said."),
        ("Try to keep it short. Take the time to read it.", "Keep it short. Read it."),
        ("It's kind of their fault.", "It's their fault."),
    ],
)
def test_openers_and_softeners_go_and_the_capital_follows(before: str, after: str) -> None:
    assert rewording.hedges_and_intensifiers(before)[0] == after


@pytest.mark.parametrize(
    "text",
    [
        "So many people ask. Now is the time. Just because it works is no reason.",  # part of the sentence
        "Just one question per message. Simply put, be brief.",  # "just" means "only"; a set phrase
        "Write a kind of report. Sort the list, then stop.",  # "kind of" after a determiner is a noun phrase
        "Then say so. Try again later.",  # not openers
    ],
)
def test_openers_that_carry_meaning_stay(text: str) -> None:
    assert rewording.hedges_and_intensifiers(text) == (text, 0)


def test_an_opener_stays_where_the_next_word_cannot_take_the_capital() -> None:
    # capitalising "say" before a protected span could join them into one name: the opener stays instead of
    # leaving the sentence in lower case
    text = f"It is fine! Just say {t.SENTINEL} instead."
    assert rewording.hedges_and_intensifiers(text) == (text, 0)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("List the issues that were raised in the meeting.", "List the issues raised in the meeting."),
        # and a participle that only says where goes after it
        ("Use the tools which are listed below.", "Use the tools below."),
        ("Greet a customer who is logged in.", "Greet a customer logged in."),
        ("Make sure that is done.", "Make sure that is done."),  # "that" opens a clause after a verb
        ("Say that was needed.", "Say that was needed."),
        ("That is expected.", "That is expected."),  # a pronoun opening the sentence
        # after a conjunction "that" is a pronoun: "as handled separately" loses the subject
        ("Skip guidance, as that is handled separately.", "Skip guidance, as that is handled separately."),
        ("Stop once that is done.", "Stop once that is done."),
    ],
)
def test_reduced_relative_clauses(before: str, after: str) -> None:
    assert rewording.reduced_relatives(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Use the requests set forth in the protocol.", "Use the requests in the protocol."),
        ("Follow the steps outlined in section 3.", "Follow the steps in section 3."),
        ("The values listed below are examples.", "The values below are examples."),
        # a verb, a condition or a comparison keeps its participle
        ("These fields are defined in the schema.", "These fields are defined in the schema."),
        ("Parameters not defined in the tool are errors.", "Parameters not defined in the tool are errors."),
        ("Format dates as described in section 2.", "Format dates as described in section 2."),
        ("Unless otherwise described in the brief, use USD.", "Unless otherwise described in the brief, use USD."),
        ("We outlined in the meeting that it is fine.", "We outlined in the meeting that it is fine."),
        ("Use jargon only if defined in the sentence.", "Use jargon only if defined in the sentence."),
        # a person's act in the past is not among the participles
        (
            "If the user mentioned in the chat that it broke, apologise.",
            "If the user mentioned in the chat that it broke, apologise.",
        ),
    ],
)
def test_a_participle_that_only_says_where_goes(before: str, after: str) -> None:
    assert rewording.reduced_relatives(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Respond in a polite and professional manner.", "Respond politely and professionally."),
        ("Answer in a clear, concise way, always.", "Answer clearly, concisely, always."),
        ("Explain it in a simple way.", "Explain it simply."),
        ("Be specific in a systematic fashion and move on.", "Be specific systematically and move on."),
        ("Write in a clear way that helps the reader.", "Write in a clear way that helps the reader."),
        ("Reply in a friendly manner.", "Reply in a friendly manner."),  # no regular adverb
        ("Reply in a detailed way.", "Reply in a detailed way."),
        # completing the verb, the phrase is not an adverb: "keep it clearly" would be wrong
        ("Keep it in a clear manner and brief.", "Keep it in a clear manner and brief."),
        ("Keep your answer in a concise way.", "Keep your answer in a concise way."),
        ("The reply should be in a formal manner.", "The reply should be in a formal manner."),
    ],
)
def test_manner_phrases_become_adverbs(before: str, after: str) -> None:
    assert rewording.manner_adverbs(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Ask questions so that you can understand the need.", "Ask questions to understand the need."),
        ("Act in the capacity of a reviewer, in accordance with the policy.", "Act as a reviewer, per the policy."),
        ("We hold a number of meetings in the course of a week.", "We hold several meetings during a week."),
        ("Reply as set out below.", "Reply as below."),
        ("Never, ever blame them. Be extra, extra careful.", "Never, ever blame them. Be extra careful."),
        ("Escalate at the very start.", "Escalate at the start."),
    ],
)
def test_wordy_and_legal_phrases_become_short(before: str, after: str) -> None:
    assert t.verbose_phrases(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Here are the help articles you have access to:\n- a\n", "Help articles you have access to:\n- a\n"),
        ("Here's the batch:\n{x}\n", "Batch:\n{x}\n"),
        ("Below is the schema:\n", "Schema:\n"),
        ("Here are a few examples using tools:\n", "A few examples using tools:\n"),  # not "Few examples"
        ("Here is a list of tools:\n", "List of tools:\n"),
        ("A little bit of context about who we are: Acme makes tools.", "Acme makes tools."),
        ("Here is where it gets hard:\n", "Here is where it gets hard:\n"),  # not a label
        ("Here are two examples. Read them:\n", "Here are two examples. Read them:\n"),  # the line goes on
        ("Some background: it is old.", "Some background: it is old."),
        # a line that only announces examples keeps the label and what they are examples of
        ("To help calibrate, here are a couple of examples of what good looks like:\n", "Examples:\n"),
        ("Here is an example:\n```\nx\n```\n", "Example:\n```\nx\n```\n"),
        ("- Here are two examples of greetings:\n  - Hi\n", "- Examples of greetings:\n  - Hi\n"),
        ("Here are two examples that capture our voice perfectly:\n", "Examples:\n"),
        # … but not what says more: a constraint, a judgement, a clause of its own
        ("Here are some examples of replies you must never send:\n", "Examples of replies you must never send:\n"),
        ("Here are two examples of bad answers:\n", "Two examples of bad answers:\n"),
        ("Read this. Here are two examples:\n", "Read this. Two examples:\n"),  # not the whole line
    ],
)
def test_lead_ins_keep_their_label(before: str, after: str) -> None:
    assert rewording.lead_ins(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("You're going to help us write emails.", "You'll help us write emails."),
        ("So you are going to be the assistant.", "So you will be the assistant."),
        ("I'm going to walk you through it.", "I'll walk you through it."),
        ("We are going to the store.", "We are going to the store."),  # "going" is the verb
        ("You're going to have to wait.", "You're going to have to wait."),
    ],
)
def test_going_to_becomes_will(before: str, after: str) -> None:
    assert rewording.going_to(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("If they ask, we'd love you to reply in French.", "If they ask, reply in French."),
        ("At the end, I would ask that you write a summary.", "At the end, write a summary."),
        (
            "We are a small team, and it would be great if you could review first.",
            "We are a small team, and it would be great if you could review first.",  # "we review" would misread
        ),
        (
            "Tell the user that we would be grateful if they could wait.",
            "Tell the user that we would be grateful if they could wait.",
        ),
    ],
)
def test_indirect_requests_after_an_opening_clause(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Your mission, should you choose to accept it, is to write an email.", "Write an email."),
        ("It is your responsibility to prepare a draft.", "Prepare a draft."),
        ("You are to act as a clerk.", "Act as a clerk."),
        ("You are to blame.", "You are to blame."),  # not a request
        ("You should see a stable connection.", "You should see a stable connection."),  # an expectation
        ("You should write tests.", "Write tests."),
        ("I should be much obliged if you would review each diff.", "Review each diff."),  # the formal "should"
        ("You will review each diff.", "Review each diff."),
        ("From that, your job is essentially to write the notes.", "From that, write the notes."),
        (
            "At the end, when the patient confirmed, you have to write a summary.",
            "At the end, when the patient confirmed, write a summary.",
        ),
        ("If you need to stop, say so.", "If you need to stop, say so."),  # a condition, not a request
        # the present tense after the case it applies to
        (
            "If they mention pain, you stop and you tell them to see a doctor.",
            "If they mention pain, stop and tell them to see a doctor.",
        ),
        ("When asked, you answer to the CFO.", "When asked, you answer to the CFO."),  # not a verb of the task
        ("I know you add value.", "I know you add value."),
        ("You will receive a transcript.", "You will receive a transcript."),  # tells, does not ask
    ],
)
def test_more_indirect_requests_become_direct(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("It's totally fine to use the name.", "You may use the name."),
        ("Feel free to ask questions.", "You may ask questions."),
        ("Say it is fine to go.", "Say it is fine to go."),  # not opening the sentence
    ],
)
def test_permission_phrasing_becomes_may(before: str, after: str) -> None:
    assert rewording.permissions(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Make a booking and perform a cross-check of the figures.", "Book and cross-check the figures."),
        ("Don't make an assumption about it.", "Don't make an assumption about it."),  # "assume about": no
        ("Give an update to the team.", "Update the team."),
    ],
)
def test_more_nominalisations(before: str, after: str) -> None:
    assert rewording.nominalisations(before)[0] == after


@pytest.mark.parametrize(
    "text",
    [
        "List all outstanding invoices for the customer.",  # unpaid
        "Only in exceptional circumstances should you escalate a ticket.",  # rare
        "Flag unmatched brackets in the snippet.",  # unpaired
        "Our elite members get free shipping.",  # a tier
        "The response demonstrates an exceptional command of language.",  # a rubric's top level
    ],
)
def test_praise_words_with_a_plain_sense_stay_outside_a_persona(text: str) -> None:
    assert rewording.reword(text) == (text, 0)


def test_praise_words_with_a_plain_sense_go_from_a_persona() -> None:
    assert rewording.reword("Act as an outstanding tutor. You're an exceptional writer.")[0] == (
        "Act as a tutor. You're a writer."
    )


def test_literally_in_its_verbatim_sense_stays() -> None:
    text = "Assume you have it even if `{ARGS}` appears literally below. Take the rule literally as written."
    assert rewording.reword(text) == (text, 0)
    assert t.low_information_words(text * 2)[0] == text * 2
    assert rewording.reword("It is literally the best way.")[0] == "It is the best way."


def test_more_puffery_and_stacks() -> None:
    # "salesy, pushy or spammy" names three faults, not one three times: they stay
    assert rewording.reword("You are a revolutionary, next-generation tool. Not salesy, pushy or spammy.")[0] == (
        "You are a tool. Not salesy, pushy or spammy."
    )
    assert rewording.reword("Keep it short, brief and succinct.")[0] == "Keep it short."


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("When you are writing the summary, cite it.", "When writing the summary, cite it."),
        ("If you're unsure, ask.", "If unsure, ask."),
        ("If you are a bot, say so.", "If you are a bot, say so."),  # not a participle or a state
        # the clause goes on with a subject of its own
        (
            "If you're using grep and it printed nothing, try rg.",
            "If you're using grep and it printed nothing, try rg.",
        ),
    ],
)
def test_reduced_adverbial_clauses(before: str, after: str) -> None:
    assert rewording.reduced_clauses(before)[0] == after


def test_a_manner_that_is_becomes_adverbs() -> None:
    text = "Write it in a manner that is clear, professional and unambiguous."
    assert rewording.manner_adverbs(text)[0] == "Write it clearly, professionally and unambiguously."


def test_a_manner_that_is_followed_by_more_of_the_list_stays() -> None:
    # only "accurate" is an adjective of the manner; "Answer accurately, consistent with policy" would not parse
    text = "Answer in a manner that is accurate, consistent with policy, and aligned with our values."
    assert rewording.manner_adverbs(text) == (text, 0)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("You may want to check the docs.", "Check the docs."),
        ("It is recommended that you cite sources.", "Cite sources."),
        ("It is necessary to log in first.", "Log in first."),
        ("It is better to ask a question.", "Ask a question."),
        (
            "It is preferable that you reply in English rather than in French.",
            "Reply in English rather than in French.",
        ),
        # a comparison needs its "better": "say 'I don't know' than to guess" does not parse
        (
            'If unsure, it is better to say "I don\'t know" than to guess.',
            'If unsure, it is better to say "I don\'t know" than to guess.',
        ),
        ("It's better to ask twice than to guess once.", "It's better to ask twice than to guess once."),
    ],
)
def test_softened_requests_become_direct(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Include the date as well as the time.", "Include the date and the time."),
        ("As well as the name, include the date.", "As well as the name, include the date."),  # not "And"
        ("It was the end result of every single step.", "It was the result of every step."),
        ("The tool will provide you with a list.", "The tool will give you a list."),
        ("Keep all, with the exception of emails from the board.", "Keep all, except emails from the board."),
        ("Shall refrain from the use of jargon.", "Shall avoid jargon."),
        ("Answer the questions in the order given.", "Answer the questions in order."),
        ("List them in the order given by the user.", "List them in the order given by the user."),  # whose order
        # after a modal, "to" would read as its infinitive ("You should to help …")
        ("You should in order to help them always be polite.", "You should in order to help them always be polite."),
    ],
)
def test_more_wordy_phrases_and_redundant_pairs(before: str, after: str) -> None:
    assert t.verbose_phrases(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("The Assistant shall use plain language.", "Use plain language."),
        ("The agent should cite every claim.", "Cite every claim."),
        ("You shall reply in English.", "Reply in English."),
        ("The model shall be retrained.", "The model shall be retrained."),  # not the reader
        ("Tell them the assistant should wait.", "Tell them the assistant should wait."),  # not opening
    ],
)
def test_the_reader_in_the_third_person_gets_an_imperative(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


def test_a_repeated_shall_goes() -> None:
    assert t.verbose_phrases("It shall collect the data and shall assign a level.")[0] == (
        "It shall collect the data and assign a level."
    )


def test_more_intensifiers_stacks_and_going_to() -> None:
    assert rewording.reword("It is super important and incredibly useful. Keep it safe and secure.")[0] == (
        "It is important and useful. Keep it safe and secure."
    )
    assert rewording.going_to("It's going to rain. This is going to help. That is going to the CFO.")[0] == (
        "It'll rain. This will help. That is going to the CFO."
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("The goal is to get a reply.", "Get a reply."),
        ("We expect you to cite sources.", "Cite sources."),
        ("Be aware that it may rain.", "It may rain."),
    ],
)
def test_goals_and_expectations_become_requests(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


def test_example_data_keeps_its_openers_and_capitals_keep_their_phrase() -> None:
    assert rewording.reword("Predicted answer: It helps. In addition, it supports health.\nIn addition, be brief.")[
        0
    ] == ("Predicted answer: It helps. In addition, it supports health.\nBe brief.")
    assert (
        t.verbose_phrases("Check ALL of the criteria. All of the rows.")[0]
        == "Check ALL of the criteria. All the rows."
    )


def test_stress_beside_a_negation_goes() -> None:
    text = f"{t.SENTINEL}, under any circumstances, share it. No reason whatsoever. Under any circumstances, {t.SENTINEL} go."
    assert t.filler_phrases(text)[0] == (f"{t.SENTINEL} share it. No reason. Under any circumstances, {t.SENTINEL} go.")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Use their name whenever it is possible to do so.", "Use their name whenever possible."),
        ("Reply within a period of 48 hours.", "Reply within 48 hours."),
        ("Let them know it is late. Refrain from any kind of markdown.", "Tell them it is late. Avoid any markdown."),
        ("You will be acting as a clerk.", "You are a clerk."),
    ],
)
def test_wordy_phrases_of_everyday_prompts(before: str, after: str) -> None:
    assert t.verbose_phrases(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "We would be grateful if you could avoid jargon, and if you could explain acronyms.",
            "Avoid jargon, and explain acronyms.",
        ),
        (
            "Since the user is premium, you should provide an analysis, and you should include charts.",
            "Since the user is premium, provide an analysis, and include charts.",
        ),
        # after a clause, before a protected word ("do not" here), the request goes without a capital to give
        (
            f"When analysing the data, it is very important that you {t.SENTINEL} invent numbers.",
            f"When analysing the data, {t.SENTINEL} invent numbers.",
        ),
        # a list of three: the middle "to" would dangle, so the request stays whole
        (
            "I would like you to summarise the ticket, to list the questions, and to propose a step.",
            "I would like you to summarise the ticket, to list the questions, and to propose a step.",
        ),
    ],
)
def test_a_request_coordinated_with_if_you_or_a_list(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


def test_a_request_with_a_coordinated_modal_goes_with_it() -> None:
    # the second modal goes with the request, or it would dangle ("identify X, and should explain Y")
    text = "In review, the assistant should identify X, and should explain Y. You should read it and should cite it."
    assert t.filler_phrases(text) == ("In review, identify X, and explain Y. Read it and cite it.", 2)
    assert t.filler_phrases("The assistant is required to read it.")[0] == "Read it."


@pytest.mark.parametrize(
    "text",
    [
        "You should check the logs and should the error persist, escalate.",  # a condition, not a second request
        "I would like you to reply in French and to the manager in English.",  # "to" the manager
        "You should write tests, and to do that, and to run them.",  # a third part would still dangle
        f"I would ask you to write X, and {t.SENTINEL} avoid Y.",  # a protected word after "and"
        f"You should read it and {t.SENTINEL} guess.",  # "should not" is one protected span: "Read it and should not"
    ],
)
def test_a_request_whose_coordinated_word_is_no_second_request_stays(text: str) -> None:
    assert t.filler_phrases(text) == (text, 0)


def test_a_coordinated_should_before_a_protected_negation_goes_with_the_request() -> None:
    S = t.SENTINEL  # "never" here: "should not" is one protected span, so a bare "not" never follows "should"
    text = f"You should refer to them, and you should {S} invent one."
    assert t.filler_phrases(text) == (f"Refer to them, and {S} invent one.", 1)
    kept = f"The agent shall stop, and shall {S} continue."  # "shall" may stand before a bare "not"
    assert t.filler_phrases(kept) == (kept, 0)


def test_an_opener_that_is_no_request_goes_before_a_coordinated_protected_word() -> None:
    S = t.SENTINEL
    text = f"Please note that you should {S} give X, and {S} mention Y."
    assert t.filler_phrases(text) == (f"You should {S} give X, and {S} mention Y.", 1)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("It may be considered to be ambiguous.", "It may be considered ambiguous."),
        ("Suggest as to how it could change.", "Suggest how it could change."),
        ("Avoid the use of slang that is seen as being rude.", "Avoid slang that is seen as rude."),
        ("Keep it as small as you possibly can.", "Keep it as small as possible."),
    ],
)
def test_formal_wordiness(before: str, after: str) -> None:
    assert t.verbose_phrases(before)[0] == after


@pytest.mark.parametrize(
    "text",
    [
        "Upon reaching the limit, the Agent shall compose its answer.",
        # made direct, "it" would stand for nothing: "Refuse requests …, and it should not explain …"
        "The assistant should refuse requests that are not permitted, and it should explain nothing more.",
        f"The assistant should refuse requests, and it should {t.SENTINEL} explain the rule.",  # "should not"
        "The assistant should refuse requests, and it's not allowed to explain why.",
        "The assistant should say so when it cannot help.",
    ],
)
def test_the_reader_named_in_the_third_person_stays_when_its_pronoun_follows(text: str) -> None:
    assert t.filler_phrases(text) == (text, 0)


def test_the_reader_named_in_the_third_person_is_made_direct_without_a_pronoun() -> None:
    text = "The assistant should refuse requests that are not permitted. It may explain why."
    assert t.filler_phrases(text) == ("Refuse requests that are not permitted. It may explain why.", 1)
    assert t.filler_phrases("The assistant is required to read it, and to cite it.")[0] == "Read it, and cite it."


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Tell the user that the store is closed.", "Tell the user the store is closed."),
        ("Confirm that it works.", "Confirm it works."),
        ("Check that box.", "Check that box."),  # a determiner
        # "explain a fee applies" reads as "explain a fee"
        ("Explain that a fee of 50 EUR applies.", "Explain that a fee of 50 EUR applies."),
        ("Make sure he knows that.", "Make sure he knows that."),
        # an example trace is shown as written
        ("Thought: I know that the pope is old.", "Thought: I know that the pope is old."),
    ],
)
def test_that_after_verbs_of_saying_and_knowing(before: str, after: str) -> None:
    assert rewording.that_clauses(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("What you need to do is answer briefly.", "Answer briefly."),
        ("All you have to do is to reply.", "Reply."),
        ("One thing to keep in mind is that prices change.", "Prices change."),
        ("To be clear, stop after one answer.", "Stop after one answer."),
        ("It is important for you to cite sources.", "Cite sources."),
    ],
)
def test_announcements_before_a_request_go(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


def test_empty_words_go_with_the_blank_before_them() -> None:
    text = f"You have three tools at your disposal, and use them. Use a total of {t.SENTINEL} items."
    assert t.filler_phrases(text)[0] == f"You have three tools, and use them. Use {t.SENTINEL} items."


def test_an_intensified_praise_word_goes_with_its_intensifier() -> None:
    assert rewording.reword("You are an absolutely amazing, world-class, super-friendly agent.")[0] == (
        "You are a super-friendly agent."
    )


def test_best_and_better_requests_become_direct() -> None:
    assert t.filler_phrases("It's best to ask first. It is better to wait.")[0] == "Ask first. Wait."


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("What we would really love is for you to make them comfortable.", "Make them comfortable."),
        ("It would also be great if you could use examples.", "Use examples."),
        ("You can then go ahead and explain it.", "You can then explain it."),
        ("It is, to be honest, hard.", "It is hard."),
    ],
)
def test_wishes_and_asides_in_requests(before: str, after: str) -> None:
    assert t.filler_phrases(before)[0] == after


def test_the_first_thing_you_should_do() -> None:
    text = "When asked, the very first thing that you should do is to figure out what they know."
    assert rewording.reword(text)[0] == "When asked, first figure out what they know."


def test_inline_be_sure_to_stays_before_a_coordinated_to() -> None:
    text = "When you present numbers, be sure to include the units and to round them. Then take the time to read it."
    assert t.filler_phrases(text)[0] == (
        "When you present numbers, be sure to include the units and to round them. Then read it."
    )


@pytest.mark.parametrize(
    "text",
    ["These are almost certainly noise.", "The tank is nearly totally full.", "Flag what is most definitely spam."],
)
def test_a_hedge_word_graded_by_the_word_before_it_stays(text: str) -> None:
    assert rewording.reword(text) == (text, 0)


@pytest.mark.parametrize(
    "text",
    ["Really short.", "Keep the answer really short.", "Be really careful with dates.", "Write super concise notes."],
)
def test_a_degree_word_grading_the_asked_quality_stays(text: str) -> None:
    # "really short" asks for shorter than "short"; "Really short." is the whole instruction
    assert rewording.hedges_and_intensifiers(text) == (text, 0)


def test_a_degree_word_before_a_verb_or_an_importance_word_still_goes() -> None:
    text = "I really want you to be brief. It is really important. Super, simple answers.\n"
    assert rewording.hedges_and_intensifiers(text) == (
        "I want you to be brief. It is important. Simple answers.\n",
        3,
    )

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
    text = "Basically, think of it. It is really important. Honestly zero is fine. The tool actually runs.\n"
    assert rewording.hedges_and_intensifiers(text) == (
        "Think of it. It is important. Zero is fine. The tool runs.\n",
        4,
    )


def test_grading_degree_words_and_manner_adverbs_stay() -> None:
    text = "Score from 1 (very poor) to 5. Say so honestly. The really, really important rule.\n"
    assert rewording.hedges_and_intensifiers(text) == (text, 0)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Keep replies short, brief and to the point.", "Keep replies short."),
        ("Be friendly, warm and upbeat, but also professional.", "Be friendly, but also professional."),
        ("Be clear and concise.", "Be clear and concise."),  # two meanings: both stay
        ("Be kind, specific and actionable.", "Be kind, specific and actionable."),
    ],
)
def test_synonym_stacks_keep_one_word_per_meaning(before: str, after: str) -> None:
    assert rewording.synonym_stacks(before)[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Please make a decision about it.", "Please decide about it."),
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


def test_puffery_goes_and_the_article_follows() -> None:
    text = "You are an elite, top-producing copywriter. An amazing, unique offer. The result is amazing."
    assert rewording.puffery(text) == ("You are a copywriter. A unique offer. The result is amazing.", 2)

"""Word lists that `lint` and `compress` share: one place, and no heavy import on either side."""

from __future__ import annotations

#: The words after which "kindly" is a politeness marker ("we kindly ask", "please kindly", "you are kindly
#: requested"); elsewhere it says how to do something ("tell them kindly that …", "respond kindly").
KINDLY_ASKS = ("please", "we", "i", "you", "would", "could", "will", "to", "are", "is", "then", "also")


def set_against(negation: str, rather: str = r"rather\s+than") -> str:
    """The pattern of what a request is set against later in its sentence (", not that you …", ", but not how
    …", "rather than …"): an "it is important that you X" there is half of a contrast, not filler. `negation`
    matches the "not" (compress masks it as a protected span)."""
    return rf"[,;:—–-]\s*(?:and\s+|but\s+)?(?:{negation})\s+(?:that|whether|how)\b|\b{rather}\b"


#: The name of an XML-like tag that holds an example ("example", "examples", "good_example", "example_response",
#: "sample-output"), as a regex: the model is shown what is inside as written.
EXAMPLE_TAG_NAME = r"(?:[\w-]*[_-])?(?:examples?|samples?|demonstrations?)(?:[_-][\w-]*)?(?![\w-])"

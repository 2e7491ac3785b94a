"""Phrase-level rewriting by general mechanisms: hedges, synonym stacks, puffery, nominalisations.

Each works from word classes rather than from a list of our own sentences:
- hedges and filler intensifiers before a word ("really", "basically", "actually", and "honestly" opening a
  sentence) add no instruction; they go, and a sentence one opened starts with the next word. Degree words that
  grade ("very poor", "somewhat likely") stay.
- synonym stacks: a coordination whose members mean the same ("short, brief and to the point", "friendly,
  warm and upbeat") keeps the first member of each meaning (`SYNONYM_GROUPS`).
- puffery: praise words in front of a description ("an amazing, world-class travel agent" → "a travel
  agent") inflate a persona and do not change the task; the article is fixed to the word that follows.
- nominalisations: a light verb with an action noun becomes the verb ("make a decision" → "decide",
  "provide a summary of" → "summarize", "took a look at" → "looked at"), in the light verb's tense.

`reword` does all four in one scan (the `rewording` transform); the four functions do one each. Like every
transform, they see masked text (protected spans are `SENTINEL`) and never touch a sentinel. Every pattern is
searched after a non-word character in the case-folded text (`after_non_word`), with its alternatives grouped
by first letter: the engine skips the letters inside words and tries few branches at each word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from tokcli.compress.protect import after_non_word
from tokcli.compress.transforms import at_sentence_start, may_capitalise, rewrite


def _alternation(words: Iterable[str]) -> str:
    """Regex source matching any of `words` (blanks between their words), grouped by first letter."""
    by_letter: dict[str, list[str]] = {}
    for word in sorted(set(words), key=len, reverse=True):
        by_letter.setdefault(word[0], []).append(re.escape(word[1:]).replace(r"\ ", "[ \t]+"))
    return "(?:" + "|".join(f"{re.escape(c)}(?:{'|'.join(rests)})" for c, rests in by_letter.items()) + ")"


# ---- hedges and filler intensifiers ----------------------------------------------------------------------

# Fillers only: degree words that grade ("very poor" on a rating scale, "somewhat likely") stay at `balanced`
# (`aggressive` drops some in long prose lines: `transforms.low_information_words`).
_HEDGE_WORDS = ("basically", "literally", "actually", "really", "truly", "genuinely", "totally", "definitely",
                "certainly", "essentially")  # fmt: skip
# discourse markers: only where they open a sentence ("Honestly, …"); inside one they are adverbs of manner
# ("say so honestly")
_OPENER_WORDS = (*_HEDGE_WORDS, "honestly", "obviously", "frankly", "so basically", "okay so")
# the next letter is part of the match: it gets the capital
_OPENING = rf"{_alternation(_OPENER_WORDS)},?[ \t]+[a-z]"
# "very much" and "many" keep theirs
_INLINE = rf"{_alternation(_HEDGE_WORDS)}[ \t]+(?=[a-z])(?!much\b|many\b)"


def _opening_hedge(text: str, start: int, end: int) -> str | None:
    if not text[start].isupper() or not at_sentence_start(text, start):
        return None
    letter = end - 1
    return text[letter].upper() if may_capitalise(text, letter) else text[letter]


def _inline_hedge(text: str, start: int, end: int) -> str | None:
    # lower case inside a sentence; not "the very", not the second of "really, really", not in "a-really"
    if start < 1 or not text[start].islower() or text[start - 1] in "'’-,":
        return None
    if text[max(0, start - 2) : start] == ", " or text[max(0, start - 4) : start].lower() == "the ":
        return None
    return ""


# ---- synonym stacks --------------------------------------------------------------------------------------

#: Words and phrases that mean the same in an instruction; a stack keeps the first of each group.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("short", "brief", "concise", "succinct", "to the point", "terse", "compact", "not too long"),
    ("clear", "easy to understand", "easy to follow", "understandable", "easy to read", "readable", "plain"),
    ("friendly", "warm", "kind", "nice", "pleasant", "approachable", "welcoming", "upbeat", "positive", "cheerful"),
    ("polite", "courteous", "respectful"),
    ("accurate", "correct", "precise", "exact", "factual", "factually correct"),
    ("careful", "attentive", "thorough", "diligent", "meticulous"),
    ("quick", "fast", "prompt", "rapid", "speedy", "swift"),
    ("helpful", "useful", "valuable"),
    ("empathetic", "caring", "compassionate", "understanding", "thoughtful", "supportive"),
    ("honest", "truthful", "transparent"),
    ("complete", "comprehensive", "exhaustive", "full"),
    ("professional", "businesslike"),
    ("simple", "straightforward", "uncomplicated"),
    ("calm", "patient", "composed"),
)
_GROUP_OF = {word: index for index, group in enumerate(SYNONYM_GROUPS) for word in group}
_TERM = _alternation(_GROUP_OF)
_STACK = rf"{_TERM}(?:(?:,[ \t]+(?:and[ \t]+|or[ \t]+)?|[ \t]+(?:and|or)[ \t]+){_TERM})+(?![\w'’-])"
_STACK_TERM = re.compile(_TERM)
_OR = re.compile(r"(?<!\w)or[ \t]")


def _stack(text: str, start: int, end: int) -> str | None:
    stack = text[start:end]
    if stack != stack.lower():
        return None  # a name or a title ("Clear and Simple")
    terms = _STACK_TERM.findall(stack)
    kept: list[str] = []
    groups: set[int] = set()
    for term in terms:
        group = _GROUP_OF[" ".join(term.split())]
        if group not in groups:
            groups.add(group)
            kept.append(term)
    if len(kept) == len(terms):
        return None
    if len(kept) == 1:
        return kept[0]
    return ", ".join(kept[:-1]) + f" {'or' if _OR.search(stack) else 'and'} " + kept[-1]


# ---- puffery ---------------------------------------------------------------------------------------------

_PUFFERY_WORDS = (
    "amazing", "awesome", "incredible", "world-class", "elite", "top-notch", "top-producing", "best-in-class",
    "superstar", "rockstar", "fantastic", "brilliant", "stellar", "exceptional", "outstanding", "phenomenal",
    "extraordinary", "legendary", "unparalleled", "unrivalled", "unrivaled", "second-to-none", "first-class",
    "cutting-edge", "state-of-the-art", "irresistible",
)  # fmt: skip
# praise words in front of more words that describe the same noun ("an amazing, world-class, friendly agent"),
# with the article before them
_PUFF = (
    rf"(?:(?:an?|the)[ \t]+)?(?:{_alternation(_PUFFERY_WORDS)}(?:,[ \t]+|[ \t]+))+(?=[a-z])"
    r"(?!(?:and|or|to|for|at|in|of|with)\b)"
)
_ARTICLE = re.compile(r"(?:an?|the)[ \t]+", re.I)
_VOWEL_SOUND = re.compile(r"(?:[aeio]|u(?!ni|s[eu]|ti|r)|hou|hon)")


def _puff(text: str, start: int, end: int) -> str | None:
    article = _ARTICLE.match(text, start, end)
    if article is None:
        return "" if text[start].islower() else None
    word = article.group()
    if word[:1] in "Tt":
        return word
    new = "an" if _VOWEL_SOUND.match(text, end) else "a"
    return (new.capitalize() if word[0] == "A" else new) + " "


# ---- nominalisations -------------------------------------------------------------------------------------

#: action noun → (verb, the prepositions after the noun that the verb does not need)
_ACTIONS: dict[str, tuple[str, str]] = {
    "decision": ("decide", ""),
    "choice": ("choose", ""),
    "recommendation": ("recommend", ""),
    "suggestion": ("suggest", ""),
    "explanation": ("explain", "of"),
    "description": ("describe", "of"),
    "summary": ("summarize", "of"),
    "analysis": ("analyze", "of"),
    "assessment": ("assess", "of"),
    "evaluation": ("evaluate", "of"),
    "comparison": ("compare", "of|between"),
    "investigation": ("investigate", "of|into"),
    "estimate": ("estimate", "of"),
    "translation": ("translate", "of"),
    "calculation": ("calculate", "of"),
    "determination": ("determine", "of"),
    "attempt": ("try", ""),
    "change": ("change", "to"),
    "note": ("note", "of"),
    "look": ("look", ""),
    "response": ("respond", ""),
    "request": ("request", "for"),
    "check": ("check", "of|on"),
}
#: light verb form → (its base form, tense: base, s, ed, ing)
_LIGHT: dict[str, tuple[str, str]] = {}
for _forms in (
    ("make", "makes", "made", "made", "making"),
    ("give", "gives", "gave", "given", "giving"),
    ("provide", "provides", "provided", "provided", "providing"),
    ("perform", "performs", "performed", "performed", "performing"),
    ("conduct", "conducts", "conducted", "conducted", "conducting"),
    ("carry out", "carries out", "carried out", "carried out", "carrying out"),
    ("take", "takes", "took", "taken", "taking"),
    ("have", "has", "had", "had", "having"),
    ("offer", "offers", "offered", "offered", "offering"),
):
    for _form, _tense in zip(_forms, ("base", "s", "ed", "ed", "ing")):
        _LIGHT[_form] = (_forms[0], _tense)
_IRREGULAR = {"choose": ("chooses", "chose", "choosing"), "try": ("tries", "tried", "trying")}
_NOMINAL = (
    rf"{_alternation(_LIGHT)}[ \t]+(?:a|an)[ \t]+{_alternation(_ACTIONS)}"
    r"(?:[ \t]+(?:of|between|into|to|for|on))?(?![\w'’-])"
)
_NOMINAL_PARTS = re.compile(
    rf"(?P<light>{_alternation(_LIGHT)})[ \t]+(?:a|an)[ \t]+(?P<noun>{_alternation(_ACTIONS)})"
    r"(?:[ \t]+(?P<preposition>\w+))?",
    re.I,
)
# "have", "take" and "offer" only with the nouns they make a phrase with ("have a look", "take a decision")
_ONLY_WITH = {"have": {"look"}, "take": {"look", "decision", "note"}, "offer": {"suggestion", "recommendation"}}


def _inflect(verb: str, tense: str) -> str:
    if tense == "base":
        return verb
    if verb in _IRREGULAR:
        return _IRREGULAR[verb][("s", "ed", "ing").index(tense)]
    if tense == "s":
        return verb + ("es" if verb.endswith(("s", "sh", "ch", "x", "z")) else "s")
    if tense == "ed":
        return verb + ("d" if verb.endswith("e") else "ed")
    return (verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb) + "ing"


def _nominal(text: str, start: int, end: int) -> str | None:
    parts = _NOMINAL_PARTS.fullmatch(text, start, end)
    if parts is None:
        return None
    base, tense = _LIGHT[" ".join(parts.group("light").lower().split())]
    noun = parts.group("noun")
    if noun != noun.lower() or noun not in _ONLY_WITH.get(base, _ACTIONS):
        return None  # "a Summary" is a title; "have a decision" is not a phrase
    verb, dropped = _ACTIONS[noun]
    word = _inflect(verb, tense)
    if parts.group("light")[0].isupper():
        word = word[0].upper() + word[1:]
    preposition = parts.group("preposition")
    if preposition and preposition.lower() in dropped.split("|"):
        return word
    return f"{word} {preposition}" if preposition else word


# ---- the transforms --------------------------------------------------------------------------------------

_Handler = Callable[[str, int, int], "str | None"]
_KINDS: tuple[tuple[str, str, _Handler], ...] = (
    ("nominal", _NOMINAL, _nominal),
    ("stack", _STACK, _stack),
    ("puff", _PUFF, _puff),
    ("opening", _OPENING, _opening_hedge),
    ("inline", _INLINE, _inline_hedge),
)
_ALL = after_non_word("|".join(f"(?P<{name}>{source})" for name, source, _ in _KINDS))
_ONE = {name: after_non_word(source) for name, source, _ in _KINDS}
_HANDLERS = {name: handler for name, _, handler in _KINDS}


def reword(text: str) -> tuple[str, int]:
    """Nominalisations, synonym stacks, puffery and hedges, in one scan of the text."""

    def replace(start: int, end: int, match: re.Match[str]) -> str | None:
        return _HANDLERS[next(name for name in _HANDLERS if match.group(name) is not None)](text, start, end)

    return rewrite(text, _ALL, replace)


def _one(kind: str, text: str) -> tuple[str, int]:
    handler = _HANDLERS[kind]
    return rewrite(text, _ONE[kind], lambda start, end, match: handler(text, start, end))


def hedges_and_intensifiers(text: str) -> tuple[str, int]:
    """Filler intensifiers and hedges ("really", "basically", "actually"; "Honestly," opening a sentence)."""
    text, openings = _one("opening", text)
    text, inlines = _one("inline", text)
    return text, openings + inlines


def synonym_stacks(text: str) -> tuple[str, int]:
    """A list of words that mean the same keeps the first of each meaning ("short, brief and to the point")."""
    return _one("stack", text)


def puffery(text: str) -> tuple[str, int]:
    """Praise words in front of a description ("an amazing, world-class travel agent" → "a travel agent")."""
    return _one("puff", text)


def nominalisations(text: str) -> tuple[str, int]:
    """A light verb with an action noun becomes the verb: "make a decision" → "decide"."""
    return _one("nominal", text)

"""Phrase-level rewriting by general mechanisms: hedges and intensifiers, synonym stacks, nominalisations.

Each works from word classes rather than from a list of our own sentences:
- `hedges_and_intensifiers`: a filler intensifier or hedge before a word ("really", "basically", "actually",
  and "honestly" opening a sentence) adds no instruction; it goes, and a sentence it opened starts with the next
  word. Degree words that grade ("very poor", "somewhat likely") stay.
- `synonym_stacks`: a coordination whose members mean the same ("short, brief and to the point", "friendly,
  warm and upbeat") keeps the first member of each meaning; the groups of words that mean the same are below.
- `nominalisations`: a light verb with an action noun becomes the verb ("make a decision" → "decide",
  "provide a summary of" → "summarize", "took a look at" → "looked at"), in the light verb's tense.

Like every transform, these see masked text (protected spans are `SENTINEL`) and never touch a sentinel.
"""

from __future__ import annotations

import re

# ---- hedges and intensifiers -----------------------------------------------------------------------------

# Fillers only: degree words that grade ("very poor" on a rating scale, "somewhat likely") stay at `balanced`
# (`aggressive` drops some in long prose lines: `transforms.low_information_words`).
_HEDGES = "basically|literally|actually|really|truly|genuinely|totally|definitely|certainly|essentially"
# discourse markers: only where they open a sentence ("Honestly, …"); inside one they are adverbs of manner
# ("say so honestly")
_OPENERS = _HEDGES + "|honestly|obviously|frankly"
# lower case inside a sentence, before a lower-case word; "the very end", "very much" and the second of
# "really, really" (the first stays to keep the phrase whole) keep theirs
_INLINE_HEDGE = re.compile(rf"(?<![\w'’,-])(?<![Tt]he )(?<!, )(?:{_HEDGES})[ \t]+(?=[a-z])(?!much\b|many\b)")
# capitalised at a sentence start (line start or after . ! ?), with an optional comma: "Basically, …"
_OPENING_HEDGE = re.compile(
    rf"(?:(?<=^)|(?<=[.!?][ \t])|(?<=^[-*+][ \t]))(?:{_OPENERS.title()}|So,?[ \t]+basically|Okay,?[ \t]+so),?[ \t]+"
    r"(?=[a-z])",
    re.M,
)


def hedges_and_intensifiers(text: str) -> tuple[str, int]:
    """Filler intensifiers and hedges ("really", "basically", "actually"; "Honestly," opening a sentence)."""
    count = 0

    def opening(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return ""

    text = _OPENING_HEDGE.sub(opening, text)
    if count:  # the word after a removed opener starts the sentence
        text = _capitalise_after(text)
    text, inline = _INLINE_HEDGE.subn("", text)
    return text, count + inline


_LOWER_AFTER_CUT = re.compile(r"(?:(?<=^)|(?<=[.!?][ \t])|(?<=^[-*+][ \t]))([a-z])(?=[a-z]*[ \t]+[a-z])", re.M)


def _capitalise_after(text: str) -> str:
    """A lower-case word that now opens a sentence gets its capital (only before another lower-case word, so
    no capitalised run that reads as a name is made)."""
    return _LOWER_AFTER_CUT.sub(lambda match: match.group(1).upper(), text)


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
_TERM = "|".join(sorted((re.escape(word).replace(r"\ ", "[ \t]+") for word in _GROUP_OF), key=len, reverse=True))
_STACK = re.compile(
    rf"(?<![\w'’-])(?P<stack>(?:{_TERM})(?:(?:,[ \t]+(?:and[ \t]+|or[ \t]+)?|[ \t]+(?:and|or)[ \t]+)(?:{_TERM}))+)"
    r"(?![\w'’-])"
)
_STACK_TERM = re.compile(rf"(?:{_TERM})")
_CONJUNCTION = re.compile(r"(?:,[ \t]+)?(?:and|or)[ \t]+|,[ \t]+")


def synonym_stacks(text: str) -> tuple[str, int]:
    """A list of words that mean the same keeps the first of each meaning ("short, brief and to the point")."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        stack = match.group("stack")
        terms = _STACK_TERM.findall(stack)
        kept: list[str] = []
        groups: set[int] = set()
        for term in terms:
            group = _GROUP_OF[" ".join(term.split())]
            if group not in groups:
                groups.add(group)
                kept.append(term)
        if len(kept) == len(terms):
            return stack
        count += 1
        conjunction = "or" if re.search(r"(?<![\w])or[ \t]", stack) else "and"
        if len(kept) == 1:
            return kept[0]
        return ", ".join(kept[:-1]) + f" {conjunction} " + kept[-1]

    return _STACK.sub(replace, text), count


# ---- puffery ----------------------------------------------------------------------------------------------

_PUFFERY = (
    "amazing|awesome|incredible|world-class|elite|top-notch|top-producing|best-in-class|superstar|rockstar|"
    "fantastic|brilliant|stellar|exceptional|outstanding|phenomenal|extraordinary|legendary|unparalleled|"
    "unrivalled|unrivaled|second-to-none|first-class|cutting-edge|state-of-the-art|irresistible"
)
# praise words in front of more words that describe the same noun ("an amazing, world-class, friendly agent"),
# with the article before them (fixed to the word that then follows it)
_PUFF = re.compile(
    rf"(?<![\w'’-])(?P<article>(?:[Aa]n?|[Tt]he)[ \t]+)?(?P<puff>(?:(?:{_PUFFERY})(?:,[ \t]+|[ \t]+))+)"
    r"(?=(?P<next>[a-z][\w'’-]*))(?!(?:and|or|to|for|at|in|of|with)\b)"
)
_VOWEL_SOUND = re.compile(r"(?:[aeio]|u(?!ni|s[eu]|ti|r)|hou|hon)")


def puffery(text: str) -> tuple[str, int]:
    """Praise words in front of a description ("an amazing, world-class travel agent" → "a travel agent"):
    they inflate a persona and do not change the task."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        article = match.group("article")
        if not article or article[:1] in "Tt":
            return article or ""
        word = "an" if _VOWEL_SOUND.match(match.group("next")) else "a"
        return (word.capitalize() if article[0] == "A" else word) + " "

    return _PUFF.sub(replace, text), count


# ---- nominalisations -------------------------------------------------------------------------------------

#: action noun → (verb, the preposition after the noun that the verb does not need)
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
_LIGHT_FORMS = "|".join(sorted((re.escape(form).replace(r"\ ", "[ \t]+") for form in _LIGHT), key=len, reverse=True))
_NOUNS = "|".join(sorted(_ACTIONS, key=len, reverse=True))
_NOMINAL = re.compile(
    rf"(?<![\w'’-])(?P<light>{_LIGHT_FORMS})[ \t]+(?:a|an)[ \t]+(?P<noun>{_NOUNS})"
    rf"(?:[ \t]+(?P<preposition>of|between|into|to|for|on))?(?![\w'’-])",
    re.I,
)
# "have" and "take" only with the nouns they make a phrase with ("have a look", "take a decision")
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


def nominalisations(text: str) -> tuple[str, int]:
    """A light verb with an action noun becomes the verb: "make a decision" → "decide"."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        base, tense = _LIGHT[" ".join(match.group("light").lower().split())]
        noun = match.group("noun")
        if noun != noun.lower() or noun not in _ONLY_WITH.get(base, _ACTIONS):
            return match.group()  # "a Summary" is a title; "have a decision" is not a phrase
        verb, dropped = _ACTIONS[noun]
        word = _inflect(verb, tense)
        if match.group("light")[0].isupper():
            word = word[0].upper() + word[1:]
        preposition = match.group("preposition")
        count += 1
        if preposition and preposition.lower() in dropped.split("|"):
            return word
        return f"{word} {preposition}" if preposition else word

    return _NOMINAL.sub(replace, text), count

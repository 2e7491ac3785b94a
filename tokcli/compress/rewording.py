"""Phrase-level rewriting by general mechanisms: hedges, synonym stacks, puffery, nominalisations, relative
clauses, manner phrases.

Each works from word classes rather than from a list of our own sentences:
- hedges and filler intensifiers before a word ("really", "basically", "truly", and "honestly" opening a
  sentence) add no instruction; they go, and a sentence one opened starts with the next word. Degree words that
  grade ("very poor", "somewhat likely") stay.
- synonym stacks: a coordination whose members mean the same ("short, brief and to the point", "friendly,
  warm and upbeat") keeps the first member of each meaning (`SYNONYM_GROUPS`).
- puffery: praise words in front of a description ("an amazing, world-class travel agent" → "a travel
  agent") inflate a persona and do not change the task; the article is fixed to the word that follows.
- nominalisations: a light verb with an action noun becomes the verb ("make a decision" → "decide",
  "provide a summary of" → "summarize", "took a look at" → "looked at"), in the light verb's tense.

- reduced relative clauses: "the issues that were raised" → "the issues raised";
- manner phrases: "in a clear and concise manner" → "clearly and concisely";
- discourse markers and softeners opening a sentence ("So, basically, …", "Now, …", "Just say …", "Try to keep
  …") go, and the next word gets the capital (where a capital cannot go, the opener stays).

`reword` does all of them in one scan (the `rewording` transform); the functions below do one kind each. Like every
transform, they see masked text (protected spans are `SENTINEL`) and never touch a sentinel. Every pattern is
searched after a non-word character in the case-folded text (`after_non_word`), with its alternatives grouped
by first letter: the engine skips the letters inside words and tries few branches at each word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from tokcli.compress.protect import AfterNonWord, after_non_word, fold
from tokcli.compress.sentences import in_example
from tokcli.compress.transforms import (
    LITERALLY_VERBATIM,
    SENTINEL,
    Replacement,
    at_sentence_start,
    may_capitalise,
    rewrite,
)


def _alternation(words: Iterable[str]) -> str:
    """Regex source matching any of `words` (blanks between their words), grouped by first letter."""
    by_letter: dict[str, list[str]] = {}
    for word in sorted(set(words), key=len, reverse=True):
        by_letter.setdefault(word[0], []).append(re.escape(word[1:]).replace(r"\ ", "[ \t]+"))
    return "(?:" + "|".join(f"{re.escape(c)}(?:{'|'.join(rests)})" for c, rests in by_letter.items()) + ")"


# ---- hedges and filler intensifiers ----------------------------------------------------------------------

# Fillers only: degree words that grade ("very poor" on a rating scale, "somewhat likely") stay at `balanced`
# (`aggressive` drops some in long prose lines: `transforms.low_information_words`).
# (not "actually": inside a sentence it sets the real against the claimed, "What did the agent actually deliver?",
# and lint does not flag it either; "Actually, …" opening a sentence goes with the link words)
_HEDGE_WORDS = ("basically", "literally", "really", "truly", "genuinely", "totally", "definitely",
                "certainly", "essentially", "super", "incredibly", "absolutely")  # fmt: skip
# discourse markers: only where they open a sentence ("Honestly, …"); inside one they are adverbs of manner
# ("say so honestly")
_OPENER_WORDS = (*_HEDGE_WORDS, "honestly", "obviously", "frankly", "so basically", "okay so")
# markers that only link or announce, with their comma ("So, …", "Now, …", "Also, …", "First of all, …"):
# without it "so" and "now" may be part of the sentence ("So many …", "Now is the time")
_LINK_WORDS = (
    "so", "now", "okay", "ok", "alright", "all right", "well", "also", "actually", "additionally", "furthermore", "moreover",
    "in addition", "first of all", "first off", "to be honest", "as you know", "as you can imagine",
    "needless to say", "that said", "with that said", "having said that", "with that in mind", "that being said",
    "with that being said", "having said all that", "with all that said",
    "at the end of the day", "for what it's worth", "of course", "anyway", "in any case", "by the way",
    "for your reference", "for the avoidance of doubt", "as a general rule", "as a rule of thumb", "in this regard",
    "in this task", "for this task", "in this conversation", "in this role", "in this exercise",
)  # fmt: skip
# softeners before the verb of an instruction ("Just say …", "Simply list …", "Try to keep …"); not "just
# because", "just as", "just one" (there "just" means "only"), "simply put"
_SOFTENING = (
    r"(?:just|simply)[ \t]+(?!(?:because|as|like|in|so|put|about|enough|one|once|now|then|before|after|to|the|a|an|"
    r"this|that|these|those|when|if|for|a[ \t]+few|some|two|three)\b)|try[ \t]+(?:to|and)[ \t]+"
    r"|take[ \t]+(?:the[ \t]+time|a[ \t]+moment|steps)[ \t]+to[ \t]+|do[ \t]+your[ \t]+best[ \t]+to[ \t]+"
    r"|make[ \t]+every[ \t]+effort[ \t]+to[ \t]+"
)
# the next letter is part of the match: it gets the capital; chained openers ("So, basically, …") go in one
_OPENING = (
    rf"(?:{_alternation(_OPENER_WORDS)},?[ \t]+|{_alternation(_LINK_WORDS)},[ \t]+|{_SOFTENING})+(?=[a-z])"
    r"(?!(?:and|or|but)\b)[a-z]"
)
# "very much" and "many" keep theirs
_INLINE = rf"(?!{LITERALLY_VERBATIM}){_alternation(_HEDGE_WORDS)}[ \t]+(?=[a-z])(?!much\b|many\b)"


# Degree words (not fillers) where they grade a quality the answer must have: "Keep it really short" asks for
# shorter than "Keep it short", and "Really short." is the whole instruction. Before a verb or an importance word
# they only add emphasis ("I really want you to …", "really important") and go.
_DEGREE_WORDS = frozenset(["really", "super", "incredibly", "truly"])
# qualities of an answer or of how to work, as an instruction asks for them (adjectives and their adverbs)
_ASKED_QUALITIES = frozenset([
    "short", "brief", "briefly", "concise", "concisely", "succinct", "terse", "long", "detailed", "thorough",
    "thoroughly", "careful", "carefully", "precise", "precisely", "specific", "exact", "exactly", "accurate",
    "strict", "strictly", "clear", "clearly", "simple", "plain", "formal", "informal", "casual", "polite",
    "politely", "friendly", "warm", "gentle", "gently", "direct", "blunt", "quick", "quickly", "fast", "slow",
    "slowly", "small", "minimal", "conservative", "cautious", "skeptical", "sceptical", "neutral", "objective",
    "literal", "literally", "basic", "easy", "technical",
])  # fmt: skip
_NEXT_WORD = re.compile(r"[A-Za-z]+")


def _grades_an_asked_quality(text: str, degree_end: int, word_start: int) -> bool:
    """Whether the word ending at `degree_end` is a degree word grading the quality that starts at `word_start`."""
    degree = _PREVIOUS_WORD.search(text, max(0, degree_end - 16), degree_end)
    word = _NEXT_WORD.match(text, word_start)
    return (
        degree is not None
        and word is not None
        and degree.group(1).lower() in _DEGREE_WORDS
        and word.group().lower() in _ASKED_QUALITIES
    )


def _before_blanks(text: str, end: int) -> int:
    """Where the blanks before `end` begin: `len(text[:end].rstrip(" \\t"))` without copying the text before it
    (once per hedge, that made a long text quadratic)."""
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    return end


def _opening_hedge(text: str, start: int, end: int) -> str | None:
    if not text[start].isupper() or not at_sentence_start(text, start) or in_example(text, start):
        return None  # not an opener; or example data ("Predicted answer: Basically, …"), kept as written
    if _grades_an_asked_quality(text, _before_blanks(text, end - 1), end - 1):
        return None  # "Really short." is the instruction, "Short." a weaker one
    letter = end - 1
    # a sentence left opening in lower case reads as a glitch: keep the opener where the capital cannot go
    return text[letter].upper() if may_capitalise(text, letter) else None


def _inline_hedge(text: str, start: int, end: int) -> Replacement:
    # lower case inside a sentence; not "the very", not the second of "really, really", not in "a-really"
    if start < 1 or not text[start].islower() or text[start - 1] in "'’-,":
        return None
    if _grades_an_asked_quality(text, _before_blanks(text, end), end):
        return None  # "keep it really short" asks for more than "keep it short"
    if text[max(0, start - 2) : start] == ", " or text[max(0, start - 4) : start].lower() == "the ":
        return None
    # a degree word before it grades it: "almost certainly noise" is not "almost noise", "not really sure" (a
    # protected negation) not "not sure"
    previous = _PREVIOUS_WORD.search(text, max(0, start - 12), start)
    if text[max(0, start - 2) : start].strip(" \t") == SENTINEL or (
        previous is not None and previous.group(1).lower() in _GRADES_THE_NEXT
    ):
        return None
    return _with_article_fixed(text, start, end)


_GRADES_THE_NEXT = frozenset(["almost", "nearly", "most", "quite", "not", "never"])


def _with_article_fixed(text: str, start: int, end: int) -> Replacement:
    """Nothing for `text[start:end]`, with "a"/"an" before it made to fit the word after it ("an absolutely
    vital part" → "a vital part")."""
    article = _ARTICLE_BEFORE.search(text, max(0, start - 6), start)
    if article is None or article.group()[:1] in "Tt":
        return ""
    new = "an" if _VOWEL_SOUND.match(text, end) else "a"
    if article.group().rstrip().lower() == new:
        return ""
    return article.start(), (new.capitalize() if article.group()[0] == "A" else new) + " "


# "kind of" and "sort of" as hedges before a word ("it's kind of their fault"); after a determiner they are a
# noun phrase ("a kind of report") and stay
_KIND_OF = r"(?:kind|sort)[ \t]+of[ \t]+(?=[a-z])"
_DETERMINERS = frozenset(
    [
        "a", "an", "the", "this", "that", "what", "which", "any", "some", "one", "every", "each", "no", "other",
        "same", "another", "of", "all", "these", "those",
    ]
)  # fmt: skip
_PREVIOUS_WORD = re.compile(r"([\w'’]+)[ \t]*\Z")


def _kind_of(text: str, start: int, end: int) -> str | None:
    if not text[start].islower():
        return None
    previous = _PREVIOUS_WORD.search(text, max(0, start - 24), start)
    if previous is None or previous.group(1).lower() in _DETERMINERS:
        return None
    return ""


# ---- reduced relative clauses ----------------------------------------------------------------------------

# "the issues that were raised" → "the issues raised", "any tool which is listed below" → "any tool listed
# below": a relative pronoun and "be" before a past participle go. Not after a verb or conjunction, where "that"
# opens a clause of its own ("make sure that is done", "so that is clear").
_RELATIVE = (
    r"(?:that|which|who)[ \t]+(?:is|are|was|were)[ \t]+"
    r"(?=(?:[a-z]{2,}(?<!e)ed|given|written|shown|taken|known|made|sent|done|seen|found|held|kept|left|paid|told|"
    r"built|chosen|driven|spoken|broken|hidden|stolen|frozen|forbidden|set|put)\b)"
)
_NOT_A_NOUN = frozenset(
    [
        "sure", "ensure", "ensures", "check", "checks", "verify", "confirm", "confirms", "say", "says", "said",
        "state", "states", "stated", "note", "notes", "mean", "means", "know", "knows", "think", "assume", "show",
        "shows", "prove", "indicate", "indicates", "suggest", "suggests", "find", "found", "mention", "explain",
        "tell", "clear", "so", "such", "now", "and", "or", "but", "is", "are", "was", "were", "be", "been", "than",
        "all", "what", "except", "if", "because", "like", "way", "given", "fact", "hope", "believe", "feel", "guess",
        "expect", "remember", "realise", "realize", "see", "understand", "agree", "decide", "sense",
        # conjunctions: "that" after them is a pronoun ("as that is handled elsewhere")
        "as", "since", "when", "where", "while", "once", "though", "although", "unless", "until", "whether",
        "then", "also", "how", "why", "after", "before",
    ]
)  # fmt: skip
_RELATIVE_DROPS_AFTER = re.compile(r"(?<![\w'’-])[A-Za-z][\w'’-]*[ \t]+\Z")


def _relative(text: str, start: int, end: int) -> str | None:
    if not text[start].islower():
        return None
    previous = _RELATIVE_DROPS_AFTER.search(text, max(0, start - 24), start)
    if previous is None or previous.group().split()[0].lower() in _NOT_A_NOUN:
        return None
    return ""


# A participle that only says where something is: "the requests set forth in the protocol" → "the requests in
# the protocol", "the values listed below" → "the values below". Only after a noun: not after "be", a negation,
# "as", "if", a pronoun ("we outlined in the meeting" is a verb) or where the place is the condition ("unless
# otherwise described in …"). Participles a person often does in the past ("the user mentioned in the chat
# that …", "stated", "specified", "provided") are not among them.
_PLACEMENT = (
    r"(?:set[ \t]+(?:forth|out)|contained|outlined|listed|detailed|described|defined|presented|shown)[ \t]+"
    r"(?=(?:in|below|above)\b)"
)
_NOT_BEFORE_PLACEMENT = _NOT_A_NOUN | frozenset(
    [
        "not", "never", "only", "otherwise", "explicitly", "expressly", "clearly", "being", "has", "have", "had",
        "i", "we", "you", "he", "she", "it", "they", "who", "which", "that", "this", "those", "these", "already",
        "previously", "earlier", "formally", "precisely", "exactly", "fully", "briefly",
    ]
)  # fmt: skip


def _placement(text: str, start: int, end: int) -> str | None:
    previous = _RELATIVE_DROPS_AFTER.search(text, max(0, start - 24), start)
    if previous is None or previous.group().split()[0].lower() in _NOT_BEFORE_PLACEMENT:
        return None
    return ""


# ---- "in a polite manner" → "politely" -------------------------------------------------------------------

# adjectives whose adverb is regular, by ending ("clear" → "clearly", "careful" → "carefully", "simple" →
# "simply", "specific" → "specifically"); not "-ly" ("friendly", "timely") or "-ed" adjectives
_ADVERB_ENDINGS = (
    "ful", "ous", "ive", "al", "ent", "ant", "ic", "ble", "ple", "tle", "ise", "ate", "ct", "ar", "est", "ain",
    "ere", "ite", "ure", "ing", "alm", "arm", "irm", "ief", "ick", "ose", "ow", "ft", "ng", "ld", "id", "ise",
)  # fmt: skip
_ADJECTIVE = rf"[a-z]+(?:{'|'.join(sorted(set(_ADVERB_ENDINGS), key=len, reverse=True))})"
_ADJECTIVES = rf"{_ADJECTIVE}(?:(?:,[ \t]+|[ \t]+(?:and|or)[ \t]+|,[ \t]+(?:and|or)[ \t]+){_ADJECTIVE})*"
_MANNER = (
    rf"in[ \t]+(?:an?[ \t]+{_ADJECTIVES}[ \t]+(?:manner|way|fashion)|an?[ \t]+(?:manner|way|fashion)[ \t]+"
    rf"(?:that|which)[ \t]+is[ \t]+{_ADJECTIVES})(?=[ \t]*(?:[.,;:!?)\n]|\Z|(?:and|or|but)\b))"
)
_MANNER_PARTS = re.compile(r"[a-z]+|,[ \t]+(?:and|or)[ \t]+|,[ \t]+|[ \t]+(?:and|or)[ \t]+|[ \t]+")
_MANNER_WORD = re.compile(r"(?:manner|way|fashion)\b")
_THAT_IS = re.compile(r"[ \t]+(?:that|which)[ \t]+is[ \t]+")
_LIST_GOES_ON = re.compile(r"[ \t]*(?:,|(?:and|or)\b)")
_IRREGULAR_ADVERBS = {"public": "publicly", "whole": "wholly", "true": "truly", "due": "duly"}


def _adverb(adjective: str) -> str:
    if adjective in _IRREGULAR_ADVERBS:
        return _IRREGULAR_ADVERBS[adjective]
    if adjective.endswith("ic"):
        return adjective + "ally"
    if adjective.endswith("le"):
        return adjective[:-1] + "y"
    return adjective + "ly"


# Before a manner phrase that completes its verb ("keep it in a clear manner", "be in a formal manner") an
# adverb is wrong: "keep it clearly". Those phrases stay.
_COMPLEMENT_BEFORE = re.compile(
    r"(?:\b(?:keep|keeps|make|makes|leave|leaves|get|gets)[ \t]+(?:it|them|this|that|everything|things|"
    r"(?:the|your|each|every|all)[ \t]+[a-z]+)|\b(?:be|is|are|was|were|been|being|stay|stays|remain|remains|"
    r"seem|seems|look|looks|sound|sounds|feel|feels))[ \t]+\Z"
)


def _manner(text: str, start: int, end: int) -> str | None:
    phrase = text[start:end]
    if phrase != phrase.lower():
        return None
    if _COMPLEMENT_BEFORE.search(text[max(0, start - 40) : start].lower()):
        return None
    # "in a" … "manner", or "in a manner that is" …: the other words are adjectives and their joiners
    manner = _MANNER_WORD.search(phrase)
    assert manner is not None
    if manner.end() == len(phrase):
        inner = phrase[phrase.index(" ", 3) : manner.start()].strip()
    elif _LIST_GOES_ON.match(text, end):
        return None  # "in a manner that is accurate, consistent with policy, and …": the rest is no adjective
    else:
        inner = _THAT_IS.sub("", phrase[manner.end() :], count=1).strip()
    if not inner:
        return None
    return "".join(
        _adverb(part) if part.isalpha() and part not in ("and", "or") else part for part in _MANNER_PARTS.findall(inner)
    )


# ---- lead-ins -------------------------------------------------------------------------------------------

# A line that introduces what follows it needs only its label: "Here are the help articles you can use:" →
# "Help articles you can use:", "Below is the schema:" → "Schema:". Only where the sentence ends the line with a
# colon ("Here is where it gets hard." stays).
_LEAD_IN = (
    r"(?:here(?:['’]s|[ \t]+is|[ \t]+are)|below[ \t]+(?:is|are)|(?:the[ \t]+)?following[ \t]+(?:is|are))[ \t]+"
    # "a" stays where it makes a quantity: "Here are a few examples:" → "A few examples:", not "Few examples:"
    r"(?:(?:the|some|our|your|an|a(?![ \t]+(?:few|little|couple|lot|number|bit|dozen|handful|great|good)\b))[ \t]+)?"
    r"(?!(?:where|what|how|why|when|who|which|that|it|you|we|they)\b)[a-z]"
)
_ENDS_WITH_COLON = re.compile(r"[^.!?\n]{0,200}:[ \t]*(?:\n|\Z)")
_LEAD_IN_AT = re.compile(_LEAD_IN, re.I)


def _lead_in(text: str, start: int, end: int) -> str | None:
    if not text[start].isupper() or not at_sentence_start(text, start) or not _ENDS_WITH_COLON.match(text, end):
        return None
    if in_example(text, start):
        return None
    letter = end - 1
    return text[letter].upper() if may_capitalise(text, letter) else None


# A line that only announces examples needs only that label: "To give you an idea of what we want, here are a
# couple of examples of that signature touch:" → "Examples:". Not where the line says more than what they are
# examples of: a constraint, a negation or a judgement ("Here are examples of replies you must never send:",
# "… of bad answers:") stays as written.
_EXAMPLE_LEAD = (
    r"(?:(?:to|for|so|just)[ \t][^,.!?:\n\ue000]{0,80},[ \t]+)?(?:and[ \t]+)?"
    r"(?:here(?:['’]s|[ \t]+is|[ \t]+are)|below[ \t]+(?:is|are)|(?:i|we)(?:['’]ve|[ \t]+have)[ \t]+(?:included|added))[ \t]+"
    r"(?:(?P<quantity>a|an|one|two|three|four|five|a[ \t]+few|a[ \t]+couple(?:[ \t]+of)?|some|several|the)[ \t]+)?"
    r"(?:(?:short|quick|brief|more|concrete|real|sample)[ \t]+)?(?:examples?|samples?)(?![\w-])"
)
_EXAMPLE_LEAD_REST = re.compile(r"[^.!?:;\n\ue000]{0,150}:[ \t]*(?=\n|\Z)")
_SAYS_MORE = re.compile(
    r"\b(?:not|never|no|nor|don['’]t|do[ \t]+not|must|mustn['’]t|only|always|avoid|bad|wrong|incorrect|poor|worst"
    r"|should|shouldn['’]t|required?|format)\b",
    re.I,
)
_SINGLE = frozenset({"a", "an", "one"})
_WRITER_OR_PRAISE = frozenset(
    [
        "what", "i", "i'd", "i'm", "i’d", "i’m", "we", "we'd", "we’d", "you", "you'd", "you’d", "my", "our", "your",
        "us", "me", "like", "looking", "great", "good", "perfect", "perfectly", "ideal", "magic", "idea", "calibrate",
    ]
)  # fmt: skip


def _example_lead(text: str, start: int, end: int) -> Replacement:
    if not text[start].isupper() or not at_sentence_start(text, start) or in_example(text, start):
        return None
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(" \t-*+>0123456789.)"):
        return None  # a sentence before it on the line
    rest = _EXAMPLE_LEAD_REST.match(text, end)
    if rest is None or _SAYS_MORE.search(text, start, rest.end()):
        return None
    words = text[start:end].lower().split()
    single = not words[-1].endswith("s") or (len(words) > 2 and words[-2] in _SINGLE)
    colon = end + rest.group().index(":")
    # what they are examples of stays when a few plain words say it ("of greetings", "of a good reply"); words
    # about the writer, the reader or how good they are go ("of what good looks like", "of the kind of line I'd
    # like to see", "that capture our voice perfectly"); anything else ("using tools") keeps the plain lead-in
    tail = text[end:colon].split()
    label = "Example" if single else "Examples"
    if tail and not _WRITER_OR_PRAISE.intersection(word.lower().strip(",'’\"") for word in tail):
        if tail[0].lower() != "of" or len(tail) > 4:
            return None
        label += " " + " ".join(tail)
    return start, label + ":", colon + 1


def _lead_in_or_example(text: str, start: int, end: int) -> Replacement:
    """An example lead-in that says more than its label may still be a plain lead-in ("Some examples:")."""
    new = _example_lead(text, start, end)
    if new is None:
        plain = _LEAD_IN_AT.match(text, start)
        if plain is not None:
            label = _lead_in(text, start, plain.end())
            return None if label is None else (start, label, plain.end())
    return new


# "A little bit of context about who we are: …", "Some background on the team: …": a label for what follows
# on the same line, which says it without one
_CONTEXT_LABEL = (
    r"(?:a[ \t]+little|a[ \t]+bit|some|quick|a[ \t]+quick|brief|a[ \t]+brief)(?:[ \t]+bit)?(?:[ \t]+of)?[ \t]+"
    r"(?:context|background)(?:[ \t]+(?:about|on|for)[^.!?:\n\ue000]{0,50})?:[ \t]+(?=\S)"
)


def _context_label(text: str, start: int, end: int) -> str | None:
    if not text[start].isupper() or not at_sentence_start(text, start):
        return None
    return "" if text[end].isupper() or text[end] == SENTINEL else None


# ---- permission ------------------------------------------------------------------------------------------

# "It's totally fine to use the first name" / "Feel free to ask" → "You may …", opening a sentence
_PERMISSION = (
    r"(?:it(?:['’]s|[ \t]+is)[ \t]+(?:(?:totally|perfectly|completely|absolutely|also)[ \t]+)?(?:fine|ok|okay|"
    r"alright|acceptable)[ \t]+(?:for[ \t]+you[ \t]+)?to|feel[ \t]+free[ \t]+to)[ \t]+(?=[a-z])"
)


def _permission(text: str, start: int, end: int) -> str | None:
    if not text[start].isupper() or not at_sentence_start(text, start) or in_example(text, start):
        return None
    return "You may "


# ---- reduced adverbial clauses -------------------------------------------------------------------------

# "When you are writing the summary, …" → "When writing the summary, …"; "If you are unsure, …" → "If unsure,
# …": the subject is the one addressed, so the clause reads the same without it
_REDUCED_CLAUSE = (
    r"(?:when|while|before|after|if|unless|once)[ \t]+you(?:['’]re|[ \t]+are)[ \t]+"
    r"(?=[a-z]{2,}ing\b|(?:unsure|uncertain|in[ \t]+doubt|unable|able|stuck|confused|done|finished|asked|given)\b)"
)
_CONJUNCTION = re.compile(r"[A-Za-z]+")


# "If you're using grep and it printed nothing, …": the clause goes on with a subject of its own, and "If using grep
# and it printed nothing" would join a participle to a clause
_OWN_SUBJECT_LATER = re.compile(
    r"[^,.;:!?\n]{0,120}?\b(?:and|or|but)[ \t]+(?:it|they|he|she|we|this|that|there|the[ \t]+\w+)[ \t]+\w", re.I
)


def _reduced_clause(text: str, start: int, end: int) -> str | None:
    conjunction = _CONJUNCTION.match(text, start)
    assert conjunction is not None
    if _OWN_SUBJECT_LATER.match(text, end):
        return None
    return conjunction.group() + " "


# ---- "that" after verbs of saying and knowing ------------------------------------------------------------

# "Tell the user that the store is closed" → "Tell the user the store is closed": "that" opening a clause after
# these verbs may go; only before a word that starts a clause ("Check that box" keeps its determiner)
# (not after "explain": "explain that a fee applies" → "explain a fee applies" reads as "explain a fee")
_THAT_CLAUSE = (
    r"(?:say|says|said|state|states|mention|mentions|tell[ \t]+(?:them|the[ \t]+user|the[ \t]+customer|him|her|me|us)"
    r"|confirm|confirms|check|checks|verify|verifies|assume|assumes|know|knows|think|believe|mean|means|show|shows"
    r"|indicate|indicates|realise|realize|remind[ \t]+(?:them|the[ \t]+user|the[ \t]+customer))"
    r"[ \t]+that[ \t]+(?=(?:the|a|an|it|they|you|we|he|she|this|these|there|each|every|all|its|their|your|our|any|"
    r"his|her|some|nothing|everything)\b)"
)


def _that_clause(text: str, start: int, end: int) -> str | None:
    if in_example(text, start):
        return None  # "Thought: I know that …" in an example trace is shown to the model as written
    phrase = text[start:end]
    that = phrase.lower().rindex("that")
    return phrase[:that]


# ---- "the first thing you should do is" ------------------------------------------------------------------

_FIRST_THING = (
    r"the[ \t]+(?:very[ \t]+)?first[ \t]+thing[ \t]+(?:that[ \t]+)?you[ \t]+(?:should|need[ \t]+to|have[ \t]+to|want[ \t]+to)"
    r"[ \t]+do[ \t]+is[ \t]+(?:to[ \t]+)?(?=[a-z])"
)


def _first_thing(text: str, start: int, end: int) -> str | None:
    return "First " if text[start].isupper() else "first "


# ---- "going to" ------------------------------------------------------------------------------------------

# "You're going to help us write …" → "You'll help us write …"; not before a place or thing ("going to the
# store"), where "going" is the verb
_GOING_TO = (
    r"(?:(?:you|we|they|i)(?:['’]re|['’]m|[ \t]+are|[ \t]+am)|(?:it|this|that|there)(?:['’]s|[ \t]+is))"
    r"[ \t]+going[ \t]+to[ \t]+(?=[a-z])"
    r"(?!(?:the|a|an|my|your|our|their|his|her|its|this|that|these|those|some|any|every|each|all|one|two|work|"
    r"school|bed|church|town|class|lunch|dinner|sleep|have[ \t]+to)\b)"
)
_WILL = {
    "you": "you",
    "we": "we",
    "they": "they",
    "i": "I",
    "it": "it",
    "this": "this",
    "that": "that",
    "there": "there",
}


def _going_to(text: str, start: int, end: int) -> str | None:
    phrase = text[start:end]
    subject = re.match(r"[A-Za-z]+", phrase)
    assert subject is not None
    word = subject.group()
    short = _WILL[word.lower()]
    # "it'll", "you'll"; "this will", "that will", "there will" are not contracted
    contracted = phrase[len(word) : len(word) + 1] in "'’" and short in ("you", "we", "they", "I", "it")
    if word[0].isupper():
        short = short.capitalize()
    return short + (phrase[len(word)] + "ll " if contracted else " will ")


# ---- synonym stacks --------------------------------------------------------------------------------------

#: Words and phrases that mean the same in an instruction; a stack keeps the first of each group.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    # Only words an editor would cut as saying the same again: "careful and thorough", "calm and patient", "safe
    # and secure" ask for two things and stay; words that are also nouns ("prompt", "objective") are left out.
    ("short", "brief", "concise", "succinct", "to the point", "terse", "compact", "not too long"),
    ("clear", "easy to understand", "easy to follow", "understandable", "easy to read", "readable"),
    ("friendly", "approachable", "welcoming", "pleasant", "nice"),
    ("upbeat", "cheerful"),
    ("polite", "courteous"),  # "respectful" asks for more than manners
    ("accurate", "correct", "factual", "factually correct"),
    ("careful", "attentive", "diligent", "meticulous"),
    ("quick", "fast", "rapid", "speedy", "swift"),
    ("helpful", "useful", "valuable"),
    ("empathetic", "compassionate", "caring"),
    ("honest", "truthful"),
    ("complete", "comprehensive", "exhaustive"),
    ("professional", "businesslike"),
    ("simple", "straightforward", "uncomplicated"),
    ("calm", "composed"),
    ("important", "crucial", "critical", "essential", "vital"),
    ("detailed", "in-depth", "in depth"),
    ("relevant", "pertinent", "applicable"),
    ("engaging", "compelling", "captivating"),
    ("creative", "imaginative", "inventive"),
    ("fair", "unbiased", "impartial"),
    ("consistent", "uniform"),
    ("appropriate", "suitable", "fitting"),
    ("informal", "casual"),
    ("organized", "organised", "well-organized", "well-organised", "structured", "well-structured"),
    ("fun", "playful", "lighthearted", "light-hearted"),
    ("human", "human-sounding"),
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
    if _LIST_GOES_ON.match(text, end):
        return ", ".join(kept)  # "polite, friendly, courteous and kind": the list's "and" comes after the stack
    return ", ".join(kept[:-1]) + f" {'or' if _OR.search(stack) else 'and'} " + kept[-1]


# ---- puffery ---------------------------------------------------------------------------------------------

_PUFFERY_WORDS = (
    "amazing", "awesome", "incredible", "world-class", "elite", "top-notch", "top-producing", "best-in-class",
    "superstar", "rockstar", "fantastic", "brilliant", "stellar", "exceptional", "outstanding", "phenomenal",
    "extraordinary", "legendary", "unparalleled", "unrivalled", "unrivaled", "second-to-none", "first-class",
    "cutting-edge", "state-of-the-art", "irresistible", "award-winning", "revolutionary", "next-generation",
    "game-changing", "groundbreaking", "industry-leading", "market-leading", "best-of-breed", "unmatched",
    "unforgettable", "high-converting", "jaw-dropping", "mind-blowing",
)  # fmt: skip
# praise words in front of more words that describe the same noun ("an amazing, world-class, friendly agent"),
# with the article before them
# an intensifier before a praise word goes with it ("an absolutely amazing agent"): the article before them is
# looked up by the handler (a pattern starting with an optional article was tried at every word), and fixed to
# the word after them
_PUFF = (
    r"(?:(?:absolutely|truly|really|super|incredibly|genuinely|totally)[ \t]+)?"
    rf"(?:{_alternation(_PUFFERY_WORDS)}(?:,[ \t]+|[ \t]+))+(?=[a-z])"
    r"(?!(?:and|or|to|for|at|in|of|with)\b)"
)
_ARTICLE_BEFORE = re.compile(r"(?<![\w'’-])(?:an?|the)[ \t]+\Z", re.I)
_VOWEL_SOUND = re.compile(r"(?:[aeio]|u(?!ni|s[eu]|ti|r)|hou|hon)")


# praise words with a plain sense too ("outstanding invoices" are unpaid, "exceptional circumstances" rare,
# "unmatched brackets" unpaired, "elite members" a tier, "an exceptional command of language" a rubric's top
# level): puffery only where they describe the persona ("You are an elite copywriter", "Act as a brilliant …")
_TWO_SENSES = frozenset(
    ("exceptional", "outstanding", "elite", "unmatched", "brilliant", "stellar", "legendary", "revolutionary",
     "next-generation", "first-class", "incredible", "fantastic", "extraordinary", "state-of-the-art",
     "award-winning", "top-producing", "high-converting")
)  # fmt: skip
_PERSONA_BEFORE = re.compile(
    r"(?:\b(?:you|i|we)(?:['’](?:re|m)|[ \t]+(?:are|am|will[ \t]+be))|\b(?:as|be|become|play))"
    r"[ \t]+(?:an?|the)[ \t]+\Z",
    re.I,
)
_PRAISE_WORD = re.compile(r"[\w-]+")


def _puff(text: str, start: int, end: int) -> Replacement:
    if not text[start].islower():
        return None  # "Amazing Grace": a name or a title
    if not _TWO_SENSES.isdisjoint(_PRAISE_WORD.findall(text, start, end)) and not _PERSONA_BEFORE.search(
        text, max(0, start - 24), start
    ):
        return None
    return _with_article_fixed(text, start, end)


# ---- nominalisations -------------------------------------------------------------------------------------

#: action noun → (verb, the prepositions after the noun that the verb does not need)
_ACTIONS: dict[str, tuple[str, str]] = {
    "decision": ("decide", ""),
    "choice": ("choose", ""),
    "recommendation": ("recommend", ""),
    "suggestion": ("suggest", ""),
    "explanation": ("explain", "of|about"),
    "description": ("describe", "of|about"),
    "summary": ("summarize", "of|about"),
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
    "cross-check": ("cross-check", "of|on"),
    "review": ("review", "of"),
    "search": ("search", ""),
    "guess": ("guess", ""),
    "promise": ("promise", ""),
    "booking": ("book", ""),
    "reservation": ("reserve", ""),
    "payment": ("pay", ""),
    "selection": ("select", "of"),
    "prediction": ("predict", "of"),
    "judgement": ("judge", ""),
    "judgment": ("judge", ""),
    "confirmation": ("confirm", "of"),
    "update": ("update", "to|of"),
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
    r"(?:[ \t]+(?:of|between|into|to|for|on|about))?(?![\w'’-])"
)
# a verb that takes another preposition than its noun: "make a decision about" → "decide on"
_VERB_PREPOSITION = {("decision", "about"): "on"}
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
    if preposition and preposition.lower() == "about":
        if (noun, "about") not in _VERB_PREPOSITION:
            return None  # "make a suggestion about the tone" is not "suggest about the tone"
        preposition = _VERB_PREPOSITION[noun, "about"]
    return f"{word} {preposition}" if preposition else word


# ---- the transforms --------------------------------------------------------------------------------------

_Handler = Callable[[str, int, int], Replacement]
_KINDS: tuple[tuple[str, str, _Handler], ...] = (
    # the kinds that only open a sentence first: one check of the characters before turns them all away at
    # the other words (see `_SENTENCE_START`)
    ("example_lead", _EXAMPLE_LEAD, _lead_in_or_example),
    ("lead_in", _LEAD_IN, _lead_in),
    ("context_label", _CONTEXT_LABEL, _context_label),
    ("permission", _PERMISSION, _permission),
    ("opening", _OPENING, _opening_hedge),
    ("going_to", _GOING_TO, _going_to),
    ("reduced_clause", _REDUCED_CLAUSE, _reduced_clause),
    ("that_clause", _THAT_CLAUSE, _that_clause),
    ("first_thing", _FIRST_THING, _first_thing),
    ("manner", _MANNER, _manner),
    ("relative", _RELATIVE, _relative),
    ("placement", _PLACEMENT, _placement),
    ("kind_of", _KIND_OF, _kind_of),
    ("nominal", _NOMINAL, _nominal),
    ("stack", _STACK, _stack),
    ("puff", _PUFF, _puff),
    ("inline", _INLINE, _inline_hedge),
)
_OPENING_KINDS = 5
# What may come before a word that opens a sentence (`at_sentence_start`, which the handlers check).
# One negative lookbehind says it all: not a blank after a word (true after a line break, a bold marker, at
# the text's start, and after a blank that follows a stop, a colon, a list marker or another blank).
_SENTENCE_START = r"(?<![^\n \t*+>.)!?:0-9-][ \t])"
#: Words without which a kind cannot match (in the case-folded text): a kind whose words a text lacks is left
#: out of its scan, so the rare kinds cost nothing on the texts that have none of them.
_NEEDS: dict[str, tuple[str, ...]] = {
    "example_lead": ("example", "sample"),
    "lead_in": ("here", "below", "following"),
    "context_label": ("context", "background"),
    "permission": (" to ",),
    "going_to": ("going to",),
    "reduced_clause": ("you are", "you're", "you’re"),
    "that_clause": ("that",),
    "manner": ("manner", "way", "fashion"),
    "relative": ("that", "which", "who"),
    "placement": ("set ", "contained", "outlined", "listed", "detailed", "described", "defined", "presented", "shown"),
    "kind_of": ("kind of", "sort of"),
    "first_thing": ("first thing",),
}
_Scan = tuple[AfterNonWord, re.Pattern[str]]
_SCANS: dict[frozenset[str], _Scan] = {}


def _scan_for(folded: str) -> _Scan:
    """The combined scan of the kinds `folded` may hold, and the same kinds as named groups (which kind a match
    is)."""
    absent = frozenset(name for name, words in _NEEDS.items() if not any(word in folded for word in words))
    scan = _SCANS.get(absent)
    if scan is None:
        kinds = [(index, kind) for index, kind in enumerate(_KINDS) if kind[0] not in absent]

        def alternation(opening: bool, named: bool) -> str:
            return "|".join(
                f"(?P<k{index}>{source})" if named else f"(?:{source})"
                for index, (_, source, _) in kinds
                if (index < _OPENING_KINDS) == opening
            )

        def combined(named: bool) -> str:
            opening, rest = alternation(True, named), alternation(False, named)
            return f"(?:{_SENTENCE_START}(?:{opening})|{rest})" if opening else f"(?:{rest})"

        # Every kind starts with a letter: the lookahead turns away the positions before a blank, a digit or a
        # protected span at once, instead of trying each kind there. The scan has no named groups (a group per
        # kind costs at every position tried); the same alternation with them is matched only where the scan
        # found something, and its `lastgroup` names the kind.
        scan = _SCANS.setdefault(absent, (after_non_word(f"(?=[a-z]){combined(False)}"), re.compile(combined(True))))
    return scan


_ONE = {name: after_non_word(source) for name, source, _ in _KINDS}
_HANDLERS = {name: handler for name, _, handler in _KINDS}


def reword(text: str) -> tuple[str, int]:
    """All the kinds above, in one scan of the text."""
    pattern, named = _scan_for(fold(text))

    def replace(start: int, end: int, match: re.Match[str]) -> Replacement:
        kind = named.match(match.string, match.start("m"))
        if kind is None or kind.end() != match.end("m") or kind.lastgroup is None:
            return None  # cannot happen: the same alternation, in the same order
        return _KINDS[int(kind.lastgroup[1:])][2](text, start, end)

    return rewrite(text, pattern, replace)


def _one(kind: str, text: str) -> tuple[str, int]:
    handler = _HANDLERS[kind]
    return rewrite(text, _ONE[kind], lambda start, end, match: handler(text, start, end))


def hedges_and_intensifiers(text: str) -> tuple[str, int]:
    """Filler intensifiers and hedges ("really", "basically", "kind of"; "Honestly,", "So,", "Just" and "Try to"
    opening a sentence)."""
    text, openings = _one("opening", text)
    text, inlines = _one("inline", text)
    text, kinds = _one("kind_of", text)
    return text, openings + inlines + kinds


def reduced_relatives(text: str) -> tuple[str, int]:
    """A relative pronoun and "be" before a past participle go: "the issues that were raised" → "the issues
    raised"; a participle that only says where goes: "the steps outlined below" → "the steps below"."""
    text, relatives = _one("relative", text)
    text, placements = _one("placement", text)
    return text, relatives + placements


def lead_ins(text: str) -> tuple[str, int]:
    """A line introducing what follows keeps its label: "Here are the help articles:" → "Help articles:", "To
    help calibrate, here are a couple of examples of what good looks like:" → "Examples:"; a context label
    before a sentence goes ("A little bit of context about us: …")."""
    text, examples = _one("example_lead", text)
    text, leads = _one("lead_in", text)
    text, labels = _one("context_label", text)
    return text, examples + leads + labels


def permissions(text: str) -> tuple[str, int]:
    """ "It's totally fine to use …", "Feel free to ask …" → "You may …"."""
    return _one("permission", text)


def that_clauses(text: str) -> tuple[str, int]:
    """ "Tell the user that the store is closed" → "Tell the user the store is closed"."""
    return _one("that_clause", text)


def reduced_clauses(text: str) -> tuple[str, int]:
    """ "When you are writing …" → "When writing …", "If you are unsure" → "If unsure"."""
    return _one("reduced_clause", text)


def going_to(text: str) -> tuple[str, int]:
    """ "You're going to help" → "You'll help"."""
    return _one("going_to", text)


def manner_adverbs(text: str) -> tuple[str, int]:
    """ "in a polite and professional manner" → "politely and professionally"."""
    return _one("manner", text)


def synonym_stacks(text: str) -> tuple[str, int]:
    """A list of words that mean the same keeps the first of each meaning ("short, brief and to the point")."""
    return _one("stack", text)


def puffery(text: str) -> tuple[str, int]:
    """Praise words in front of a description ("an amazing, world-class travel agent" → "a travel agent")."""
    return _one("puff", text)


def nominalisations(text: str) -> tuple[str, int]:
    """A light verb with an action noun becomes the verb: "make a decision" → "decide"."""
    return _one("nominal", text)

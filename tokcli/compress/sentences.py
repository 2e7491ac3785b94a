"""Sentence-level removal of what carries no instruction, and why each sentence went.

A prompt written by a person greets, thanks, encourages, explains what the prompt is for, announces what
comes next and sums up what it already said. None of that tells the model what to do. This module finds such
sentences by what they do, not by a list of our own sentences:

- `greeting` / `sign-off`: a sentence or line that only greets, thanks or signs off ("Hey there!", "Dear
  Analyst,", "Many thanks for all your hard work.", "Best regards,");
- `encouragement`: cheering on ("You've got this!", "Now go write something amazing!");
- `meta-commentary`: talk about the prompt or its author rather than the task ("This prompt is used by…",
  "I hope this note finds you well.", "Allow me to describe what I have in mind.");
- `transition`: a sentence that only announces or links ("Now, let's go through how we do things.",
  "Keep in mind the following:", "Okay, I think that's everything!");
- `restatement`: a recap ("To sum up: …", "Remember: …", a sentence in a "Summary" section) whose words were
  all said before;
- `rationale` (aggressive only): why a rule exists ("The reason for this is that…", "This is because…").

What is never removed: a sentence holding a protected span (it is masked as `SENTINEL`: placeholders,
numbers, negation and constraint words, names, code, quotes), a sentence that is a question to the user, and
anything in a heading, table, list of options or code. A heading whose section the removals left empty goes
too.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tokcli.compress.transforms import SENTINEL, without_ranges

# ---- sentence boundaries --------------------------------------------------------------------------------

_LINE = re.compile(r"[^\n]+")
_LIST_LEAD = re.compile(
    r"[ \t]*(?:[-*+•][ \t]+|\d{1,3}[.)][ \t]+|\d{1,2}(?:\.\d{1,2}){1,3}\.?[ \t]+(?=[A-Z])|[a-z][.)][ \t]+)?"
)
# a candidate end: one or more . ! ? (and closing quotes or brackets), then blanks or the end of the line
_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d"
_END = re.compile(rf"[.!?…]+[\"'”’)\]]*(?:[ \t]*[{_EMOJI}]+)*(?=[ \t]|$)")
_ONLY_EMOJI = re.compile(rf"[{_EMOJI}\s]+\Z")
_TRAILING_EMOJI = re.compile(rf"(?<=\S)[ \t]*[{_EMOJI}][{_EMOJI}\s]*\Z")
#: Words after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "mme",
        "mlle",
        "messrs",
        "rev",
        "hon",
        "capt",
        "sgt",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "etc",
        "approx",
        "incl",
        "excl",
        "dept",
        "est",
        "fig",
        "no",
        "nos",
        "vol",
        "ed",
        "eds",
        "al",
        "cf",
        "ca",
        "resp",
        "e.g",
        "i.e",
        "e.g.",
        "i.e.",
        "a.m",
        "p.m",
        "u.s",
        "u.k",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]
)
_WORD_BEFORE_END = re.compile(r"([\w.]+)\Z")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int  # the end of its text (its final punctuation included)
    line_start: int
    line_end: int
    text: str
    whole_line: bool  # the only sentence of its line (after a list marker)


def split_sentences(text: str, begin: int = 0, stop: int | None = None) -> Iterator[Sentence]:
    """The sentences of `text`, line by line: a line ends every sentence; within a line a sentence ends at
    . ! ? … followed by a blank, except after an abbreviation ("e.g.", "Dr.") or an initial, and when the next
    word starts in lower case (a dotted name, path or version has no blank after its dots)."""
    for line in _LINE.finditer(text, begin, len(text) if stop is None else stop):
        lead = _LIST_LEAD.match(text, line.start(), line.end())
        position = lead.end() if lead else line.start()
        pieces: list[tuple[int, int]] = []
        start = position
        for end in _END.finditer(text, position, line.end()):
            if not _ends_sentence(text, start, end.start(), end.end(), line.end()):
                continue
            pieces.append((start, end.end()))
            start = end.end()
            while start < line.end() and text[start] in " \t":
                start += 1
        if start < line.end() and text[start : line.end()].strip():
            # the line's tail without its trailing blanks (slicing from the text's start copied it all: quadratic)
            pieces.append((start, start + len(text[start : line.end()].rstrip())))
        for piece_start, piece_end in pieces:
            yield Sentence(
                piece_start,
                piece_end,
                line.start(),
                line.end(),
                text[piece_start:piece_end],
                len(pieces) == 1,
            )


def _ends_sentence(text: str, start: int, stop: int, after: int, line_end: int) -> bool:
    if text[stop] == "." and stop - start < 200:
        word = _WORD_BEFORE_END.search(text, max(start, stop - 20), stop)
        if word is not None:
            token = word.group(1).lower()
            if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                return False
    following = _NON_BLANK.search(text, after, line_end)  # (a slice to the line's end: quadratic on one long line)
    return following is None or not following.group().islower()


# ---- example data ----------------------------------------------------------------------------------------

# (the label may wear bold or italic markers: "**Response:** …", "*Output*: …")
_FIELD_LABEL = re.compile(
    r"[ \t>]*(?:[-*+][ \t]+)?(?:(?:example|sample)[ \t]*\d*[ \t]*)?"
    r"(?P<label>(?:\*{1,2}|_{1,2})?[A-Za-z][\w ()\[\]/-]{0,30}?)(?:\*{1,2}|_{1,2})?[ \t]*:(?:\*{1,2}|_{1,2})?[ \t]+"
    r"(?P<quote>[\"“'])?"
)
_FIELD_NAMES = frozenset(
    (
        "user",
        "human",
        "assistant",
        "ai",
        "system",
        "customer",
        "agent",
        "bot",
        "model",
        "input",
        "output",
        "response",
        "answer",
        "question",
        "query",
        "context",
        "ground truth",
        "expected",
        "expected output",
        "result",
        "reply",
        "email",
        "message",
        "text",
        "document",
        "transcript",
        "q",
        "a",
        "draft",
        "review",
        "example",
        "sample",
        "good",
        "bad",
        "correct",
        "incorrect",
        # the steps of an agent's example trace ("Thought: I know that …", "Observation: …")
        "thought",
        "observation",
    )
)


QUOTE_LOOKBACK = 2000
_NON_BLANK = re.compile(r"[^ \t]")


def _is_field_name(label: str) -> bool:
    """ "Response", "Expected output", "Predicted answer": a field of an example (its last word names it)."""
    words = label.strip("*_").lower().split()
    return bool(words) and (" ".join(words) in _FIELD_NAMES or words[-1] in _FIELD_NAMES)


def in_example(text: str, start: int) -> bool:
    """Whether the sentence at `start` is example data, not an instruction: the value of a labelled field of an
    example ("User: …", "Response: \"…\"", "Output: …"), or inside a quotation opened earlier on its line."""
    # Only the line's last `QUOTE_LOOKBACK` characters before the sentence are read: enough for any prose line,
    # and linear on a text that is one long line (a label further back than that is not looked for).
    window = max(0, start - QUOTE_LOOKBACK)
    newline = text.rfind("\n", window, start)
    line_start = newline + 1 if newline >= 0 or window == 0 else -1
    quote_from = max(line_start, window)
    if (
        text.find(":", quote_from, start + 48) < 0
        and text.find('"', quote_from, start) < 0
        and text.find("“", quote_from, start) < 0
    ):
        return False  # no label and no open quotation: most sentences
    field = _FIELD_LABEL.match(text, line_start) if line_start >= 0 else None
    if (
        field is not None
        and field.start("label") <= start
        and (field.group("quote") or _is_field_name(field.group("label")))
    ):
        return True
    before = text[quote_from:start]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


# ---- what a sentence does --------------------------------------------------------------------------------

_WELCOME = re.compile(r"(?:(?:hello|hi|hey|greetings),? (?:and )?)?welcome (?:to|aboard)\b[^.!?]{0,40}[.!]*\Z")
_GREETING = re.compile(
    r"(?:hey|hi|hello|hiya|howdy|greetings|dear|good (?:morning|afternoon|evening)|welcome)\b"
    r"(?:[ ,]+(?:there|all|everyone|team|folks|friend|assistant|analyst|colleague|ai|bot|and welcome|again))*"
    # a greeting with the reader's name ("Hi Claude!", "Dear Sofia,")
    r"(?:[ ,]+[a-z][\w'’-]*)?"
    # or an epithet for the reader: "Greetings, scribe of the Hollow!"
    r"(?:,[ ]*[a-z]+(?: of)?(?: the)?(?: [a-z]+)?)?[ ,]*[^\w]*\Z"
)
_SIGN_OFF = re.compile(
    r"(?:(?:with )?(?:(?:my |our )?(?:very )?(?:best|kind|kindest|warm|warmest|sincere|many) )*"
    r"(?:regards|wishes|thanks|thank you)(?: and (?:kind |warm |best |many |sincere )?(?:regards|wishes|thanks))*"
    r"|(?:yours )?(?:sincerely|truly|faithfully)|cheers|best|all the best|thanks(?: so much| a ton| a lot| again)*"
    r"|thank you(?: so much| very much| again)*(?: in advance)?"
    # a letter's close: "With every good wish for your success in this endeavour, I remain,"
    r"|(?:with (?:every|all|my|our) (?:good|best|kind|warm) wish(?:es)?\b[^.!?]{0,60}?,? )?(?:i|we) remain"
    r"|(?:i'm |we're |i am |we are )?(?:really )?looking forward to (?:(?:hearing|seeing|reading|working)[^.!?:]{0,40}|your \w+(?: \w+)?))"
    r"(?:,[ ]*[a-z][a-z'’-]{1,20})?"  # the signer's first name after it: "Cheers, Tom"
    r"[ ,]*[^\w]*\Z"
)
_THANKS = re.compile(
    r"(?:(?:hi|hello|hey)(?: there)?,? (?:and )?)?"  # "Hi there, and thank you for …"
    r"(?:(?:once again|again|and),? )?(?:many |huge |big )?(?:thanks|thank you|we appreciate|i appreciate|"
    r"(?:we|i) (?:really |truly |very much )?appreciate|(?:may i say )?how (?:very )?grateful"
    # "We are grateful for your careful attention …", "Your diligent adherence to the above is greatly appreciated"
    r"|(?:we|i)(?:'re| are|'m| am) (?:very |truly |most |deeply |so )?grateful (?:for|to you)"
    r"|your (?:\w+ )?(?:adherence|attention|cooperation|help|support|effort|efforts|diligence)\b[^.!?]{0,60}? "
    r"(?:is|are|will be) (?:greatly |much |very much |truly |deeply |most )?appreciated)"
    r"(?![^.!?]*\b(?:if|when|before|after|for (?:not|never))\b)"
)
_ENCOURAGEMENT = re.compile(
    r"(?:you(?:'re| are) (?:the best|awesome|amazing|a star|a legend|a rock ?star|a superstar)[!.]*\Z|"
    # "We're counting on you to flag every risk" and "You're going to be answering questions" are tasks: these
    # go only as the whole sentence
    r"(?:i|we)(?:'m| am|'re| are) counting on you(?: here| on this| for this| today)?[.!]*\Z|"
    r"happy (?:writing|coding|hunting|selling|teaching|helping|reviewing|booking|drafting)\b|"
    r"(?:you(?:'re| are) going to|we know you(?:'ll| will)|you(?:'ll| will)) (?:do (?:great|amazing|so well|fine|"
    r"brilliantly)|be (?:great|amazing|awesome|fantastic|brilliant|a star|fine)|(?:crush|nail|rock|smash|kill) (?:it|this)|"
    r"rock)\b[^.!?:]{0,40}[.!]*\Z|"
    r"you(?:'ve| have) got this|good luck\b|we believe in you|(?:i|we) (?:can't|cannot) wait|"
    # "We hope you will be a good help for our patients.", "I'm thrilled to hand this over to you."
    r"(?:i|we) (?:really |sincerely |truly )?hope (?:that )?you(?:'ll| will) (?:be (?:a )?(?:good|great|real|big|valuable|"
    r"wonderful) (?:help|asset|addition|companion|partner)\b[^.!?:,]{0,40}|enjoy (?:this|it|the work|working with us)"
    r"|find (?:this|it) (?:useful|helpful|rewarding))[.!]*\Z|"
    r"(?:i'm|i am|we're|we are) (?:genuinely |really |so |truly )?(?:thrilled|excited|delighted|happy|glad) to "
    r"(?:hand (?:this|it) (?:over )?to you|have you (?:on board|here|with us)|work with you|welcome you)[.!]*\Z|"
    # "Now go write something amazing!" (not "Now go through the list and flag duplicates.")
    r"now (?:go|let's go) (?:and )?(?:make|write|create|build|help|wow|delight|crush|rock|knock|do)\b[^.!?:]*"
    r"\b(?:amazing|great|awesome|magic|happy|proud|brilliant|wonderful|delightful|fantastic|special|'em|them dead)\b"
    r"[^.!?:]*[.!]*\Z|"
    # these begin instructions too ("You can do this by asking …", "Let's make sure …", "Have fun examples"):
    # only as the whole sentence
    r"(?:have fun|let's (?:go|do this|do it|get started|get going|make it happen|rock)|you can do (?:it|this))"
    r"(?: (?:out there|together|with it))?[!.]*\Z)"
)
# talk about the prompt itself, anywhere in a sentence ("…, which is exactly why this prompt exists.")
_ABOUT_THE_PROMPT = re.compile(
    r"\b(?:this|the) (?:system )?(?:prompt|note|brief) (?:is|was|exists|has been|will be|is being)\b|"
    r"\bwhy this (?:prompt|note|brief) exists\b"
)
_META = re.compile(
    r"(?:(?:this|the) (?:prompt|note|document|brief|guide) (?:is|was|exists|has|will|describes|explains|covers|"
    r"contains|sets out|lays out)\b"
    # ("I hope you can reply in French" asks for something)
    r"|(?:i|we) hope (?:that )?(?:this|that|all (?:of )?(?:this|that)|it|everything)(?: \w+)? (?:finds you|makes sense|helps|"
    r"is clear|is useful|gives you|works)"
    r"|(?:i|we) hope you(?:'re| are| have| had| enjoy)\b"
    r"|(?:allow|let) me (?:(?:first|now|briefly|quickly|also) )?(?:to )?(?:describe|explain|walk|tell|introduce|"
    r"set out|outline)"
    r"|(?:grab (?:a|some) \w+(?: of \w+)?,? )?(?:this|it)(?:'s| is| will be| might be) (?:a bit of |quite )?(?:a )?"
    r"(?:long|lengthy|bit of a) read"
    # a sentence that only announces the examples below ("Here are two short examples so that you can get a feel
    # for the kind of responses I'm looking for."): the examples follow under their own labels
    r"|(?:to give you (?:an |a (?:better|rough|clear) )?idea of what (?:i'm|i am|we're|we are) looking for,? )?"
    r"here (?:are|is) (?:(?:a few|a couple of|some|two|three|four|five|an|a|one) )?(?:(?:short|quick|brief|simple) )?"
    # ("examples of what to avoid" says what they are, and stays)
    r"examples?(?: of the kind of \w+ (?:i'd|i would|we'd|we would) like to see"
    r"| of what (?:i'm|i am|we're|we are) looking for)?(?:,? (?:so that you can|so you can|to) (?:get a feel for|"
    r"see|understand) (?:the kind of \w+|what) (?:i'm|i am|we're|we are) looking for)?[.!]\Z"
    # (about the prompt's own parts: "Below you will find a history of attempts" announces data, and stays)
    r"|(?:in )?(?:the (?:sections?|paragraphs?|points?) )?below,? (?:you will|you'll) find (?:our|the|some|a few|all|"
    r"everything|more)\b[^.!?:]{0,30}?\b(?:instructions?|guidelines?|rules?|sections?|voice|structure|details|"
    r"requirements|expectations|examples|steps|polic(?:y|ies)|need)\b"
    r"|(?:i|we)(?:'m| am|'re| are) going to (?:walk|explain|describe|tell|go through|lay out)"
    r"|(?:i|we)(?:'ve| have) (?:written|put together|tried to)"
    r"|(?:wrote|written) (?:these|this)"
    r"|the reason (?:we|i) (?:mention|say|include|wrote|added)"
    r"|(?:a little|some) (?:bit of )?(?:context|background) (?:about|on)"
    r"|here(?:'s| is) (?:what (?:we|i) (?:want|need|mean|have in mind)|the (?:thing|deal|plan))"
    # ("We care about accuracy" and "I love concise answers" ask for something: only feelings about the work)
    r"|(?:i|we) (?:really |truly )?(?:(?:care|believe|love) (?:about |in )?(?:our|this|the|what|doing|it|you|them|every)\b"
    r"|are (?:so |super |really )?(?:excited|thrilled|happy)\b)"
    r"|please bear with me"
    r"|here(?:'s| is) how (?:it|this|things|it all)(?:'s| is)? (?:going to |will |gonna )?work(?:s)?[.!:]*\Z"
    r"|(?:these|the following|this set of) (?:instructions|guidelines|rules|notes) (?:govern|describe|explain|set out|"
    r"cover|apply to) (?:the|this|that|your|how)\b[^.!?:]{0,60}[.]\Z"
    # the author introducing themselves or the document: "Before anything else, I'd like to tell you a little about
    # who I am", "Below is everything I've learned about …", "With this prompt we want to explain you how …",
    # "The purpose of this memorandum is to set forth …", "This document establishes the procedure …"
    r"|(?:(?:before anything else|first(?: of all)?),? )?(?:i'd|i would|i want to|let me|allow me to|we'd|we would)"
    r"(?: like to)? (?:tell you|say a few words) (?:a (?:little|bit|few things) )?about (?:who (?:i am|we are)|myself"
    r"|ourselves|us|me)"
    r"|(?:below|here) (?:is|are) (?:basically |pretty much )?(?:everything|all|what) (?:i've|i have|we've|we have) "
    r"(?:learned|learnt|figured out|picked up)"
    r"|with this (?:prompt|document|note|memo|text) (?:we|i) (?:want|would like|wish|try|aim|are trying) to (?:explain|"
    r"tell|show|describe)"
    r"|the (?:purpose|aim|goal|objective) of this (?:memorandum|memo|document|prompt|note|guide|brief|text) is to "
    r"(?:set forth|set out|describe|explain|outline|provide|establish|document|summari[sz]e|consolidate)"
    r"|this (?:memorandum|memo|document|guide) (?:establishes|sets forth|sets out|outlines|provides|documents|"
    r"consolidates)"
    r"|this is (?:where|the part where) (?:it gets|the magic|things get)"
    r"|(?:yes,? )?this (?:really |actually )?happened"
    r"|(?:here|below) (?:is|are) everything"
    r"|(?:now,? )?(?:i|we)(?:'ll| will) (?:now )?(?:explain|describe|walk you through|outline|go through|lay out)"
    r"|(?:i )?hope (?:that|this|it|all (?:of )?this) (?:makes sense|is clear|helps)"
    r"|let (?:me|us) know if (?:you have any questions|anything is unclear|you need anything)"
    # being told to read the prompt itself with care ("Read each of these instructions carefully and in their
    # entirety", "read this whole thing before changing anything"); not "the following …" or "the text", which may
    # be the input the task is about
    # (only with the care asked: "Read the document." alone may be the task's first step)
    r"|(?:please )?read (?=[^.!?\n]*\b(?:carefully|attentively|with (?:care|attention)|closely|entirety|in full|"
    r"the way through|before)\b)(?:(?:very )?carefully |attentively )?(?:(?:each|every one|all|every word) of )?"
    r"(?:it|this|these|everything|all (?:of )?(?:it|this|the \w+)|the following|the whole thing|"
    r"(?:this|these|the|my|our) (?:whole |entire )?(?:prompt|document|note|brief|memo|instructions?|rules|guidelines|"
    r"guide|sections?|thing))(?: whole thing)?(?: all)?(?: below| above)?"
    r"(?: (?:very )?carefully| attentively| with (?:care|attention)| closely)?(?: and)?"
    r"(?: in (?:their|its) entirety| in full| (?:all )?the way through)?"
    r"(?: before (?:you )?(?:start|begin|answer|respond|reply|change|starting|beginning|answering|responding|changing|"
    r"replying)(?: anything| it| them)?)?(?=[.!,;:]|\Z)(?<!read this)(?<!read it)(?<!read these)(?<!read everything)"
    r"(?<!read the following))"
)
# What "let's go through …" may name to be a transition: the prompt's own parts, not work to do ("Let's go
# through each invoice line" is a task).
_TOPIC = (
    r"(?:(?:the|our|my|these|those|some|a few|each of (?:the|these)) )?(?:rules?|steps?|process|details|guidelines|basics|"
    r"requirements|instructions|specifics|sections?|points?|workflow|setup|plan|overview|background|context|essentials|"
    r"ground rules|expectations)|how (?:we|i|you|this|it|things) \w+(?: \w+){0,4}|what (?:i|we) (?:need|want|expect)"
    r"(?: from you)?|everything|this|it|them"
)
_TRANSITION = re.compile(
    r"(?:(?:so|okay|ok|alright|right|now|well)[, ]+)*"
    r"(?:(?:i think )?that(?:'s| is) (?:everything|it|all(?: for now)?)(?: from (?:me|us))?[.!]*\Z"
    # each of these is the whole sentence: after "Let's start by …", "Moving on to budgets: if …" or "Roughly, the
    # flow we want is: ask …" comes an instruction
    r"|let(?:'s| us) (?:(?:get started|dive in|start|begin|move on|get going)(?: now| then)?"
    rf"|(?:go through|get into|talk about|move on to|cover|walk through) (?:{_TOPIC})"
    r"|look at (?:(?:some|a few|a couple of) )?examples|look at the following|look at how (?:it|this) works)"
    r"(?:,? shall we)?[.!?:]*\Z"
    r"|(?:just )?so (?:we're|we are) (?:all )?on the same page(?: here)?(?:[.!]*\Z|, (?:there are|here(?:'s| is| are)|"
    r"(?:i|we)(?:'ll| will| want to| need to) (?:explain|go through|list|spell out|describe|clarify))[^:]*[.!:]\Z)"
    r"|(?:please )?(?:kindly )?(?:observe|note|keep in mind|consider|remember|read|follow|bear in mind) "
    r"(?:the following|these (?:points|rules|guidelines))[^.!?:]*:\Z"
    r"|(?:a few|some) (?:more|further|final|other) (?:things|points|notes|words|thoughts)[^.!?:]*[:.!]\Z"
    r"|(?:a few|some|several|a couple of) (?:things|points|notes|tips) (?:to|you should|you need to) (?:keep in mind|"
    r"remember|note|consider|know|bear in mind)[^.!?:]*[:.!]\Z"
    r"|there are (?:a few|some|several|a couple of) (?:things|points|rules|guidelines|considerations) (?:to|(?:that )?you "
    r"(?:should|need to|must)|we'd like you to) (?:keep in mind|remember|know|follow|consider|be aware of)[^.!?:]*[:.]\Z"
    r"|roughly,? the (?:flow|process|plan) (?:we want )?is(?: the following| as follows| this| simple)?[.:]\Z"
    r"|(?:without further ado|moving on(?: to [a-z]+(?: [a-z]+){0,3})?|with that (?:said|out of the way)|here we go)"
    r"[.!:,]*\Z"
    # a topic announced in a few words: "Now, about correcting mistakes."; a lead-in: "So, please do the following."
    r"|(?:now,? )?(?:about|regarding|on to|onto) [a-z]+(?: [a-z]+){0,3}[.]\Z"
    r"|(?:please )?do the following[.]\Z"
    r"|here(?:'s| is) what you need to know:\Z)"
)
_RECAP_OPENING = re.compile(
    r"(?:(?:so|okay|ok|and)[, ]+)*(?:to (?:sum|wrap) (?:it |this |everything )?(?:all )?up|in (?:short|summary|sum|a nutshell)"
    r"|just to (?:recap|reiterate|repeat|sum up|restate|summari[sz]e)|to (?:recap|reiterate|repeat|restate|summari[sz]e)"
    r"|recap|tl;?dr|bottom line|in conclusion|by way of summary"
    r"|as (?:mentioned|stated|said|noted|explained|described)(?: above| earlier| before)?|remember|once again"
    r"|again|one more time|(?:the )?key (?:points|rules|takeaways)"
    # a rule said again in other words
    r"|in other words|(?:to )?put (?:it )?(?:simply|differently|another way)|simply put|that is to say)\b"
)
_RATIONALE = re.compile(
    # (after a time it happened over: "Over the years I have found that …", "Historically, we've seen …")
    r"(?:(?:(?:over|through(?:out)?|in) (?:the|my|our) (?:years|past|career)|historically),? )?"
    r"(?:the reason (?:for this|is|why|being|we)|this is (?:because|so that|why|important because)"
    r"|that(?:'s| is) (?:because|why)|we do this because|(?:this|it) (?:matters|helps) because|because of this"
    # the story behind a rule: "I mention this because …", "We've had a couple of incidents where …"
    r"|(?:i|we) (?:mention|say|ask|stress) this because"
    r"|(?:we|i)(?:'ve| have) (?:had|seen) (?:a few |a couple of |some |several |many |lots of |too many )?"
    r"(?:incidents|cases|problems|issues|situations|complaints)"
    r"|(?:we|i)(?:'ve| have) (?:found|learned|learnt|noticed) (?:through|over|the hard way|that)"
    r"|(?:last|this) (?:year|month|week|quarter),? (?:a|an|one|we|i|someone|somebody)\b"
    # what a rule achieves: "This helps the team triage faster.", "That way we can …"
    r"|(?:this|that) (?:helps|ensures|allows|lets|keeps|makes sure|saves|avoids|prevents)\b|that way\b"
    r"|in (?:my|our) experience\b|it(?:'s| has) been (?:my|our) experience that"
    r"|(?:(?:my|our) )?experience (?:has shown|shows|suggests|has taught (?:me|us)|tells (?:me|us)) that"
    r"|(?:previous|earlier|past|our) (?:\w+ )?(?:studies|pilots|experiments|runs|tests|experience|data) (?:have |has )?"
    r"(?:shown|revealed|found|taught us|suggested|demonstrated)\b)\b"
)
# The author's or the company's story, told in the first person and the past ("I've been running the helpdesk
# for twenty years", "FitLoop started because my co-founder and I …", "I'm Tomás, I joined the team …", "My lead
# said to …"): it tells the model nothing to do. Only without "you": a sentence that addresses the
# reader may ask something of it.
_BACKSTORY = re.compile(
    r"(?:(?:so|um|uh|ok|okay|well|anyway|honestly|now),? )*"
    # announced as such: "By way of background, our claims department has historically received …"
    r"(?:by way of background,? [^.!?:]{0,200}\b(?:has|have|had|was|were)\b"
    r"|(?:i|we)(?:'ve| have)(?: \w+ly)? (?:been|spent|seen|learned|learnt|worked|built|run|written|grown|started|"
    r"watched|tried|done|had|used)\b"
    r"|(?:i|we)(?:'ve| have) (?:\w+ )?(?:years|months)\b"
    r"|(?:i|we) (?:started|founded|joined|built|wrote|spent|began|launched|ran|decided|got asked|was asked|were asked|"
    r"used to|came up with|set up)\b"
    r"|i(?:'m| am) [^\W\d_]+(?:,| and) i (?:joined|started)\b"
    r"|my (?:lead|boss|manager|co-?founder|team) (?:said|told|asked|wanted|suggested)\b"
    r"|[a-z][\w-]* (?:started|began|was founded) because (?:my|our|we|i)\b"
    r"|(?:management|leadership|the company|our (?:ceo|cto|founder|team)) (?:decided|asked|wants|wanted)\b)"
)
# What the company believes or aims at, its brand promise or mission ("At Harbor & Key, we believe every home has
# a story", "Every call is a chance to delight a guest", "Our brand promise is 'Every guest, a regular'", "We aim to
# move the needle on quality"): the tone it hopes for is in the rules; alone it asks nothing of the model. Only
# without "you" (as `_BACKSTORY`).
_MISSION = re.compile(
    r"(?:at [^,.!?:]{1,40}, )?(?:we (?:truly |really |deeply |firmly |strongly )?believe (?:that )?"
    r"|(?:our|the company's|the [a-z-]+'s) (?:(?:brand|core) )?(?:promise|mission|vision|philosophy|purpose"
    r"|(?:core )?value proposition)(?: statement)? (?:is|has always been|was)\b"
    r"|every (?:single )?[a-z-]+ is (?:a chance|an opportunity)\b"
    r"|we (?:aim|strive|exist) to\b)"
)
# ... nor with a consequence for the task: "We started offering refunds last year, so refunds are allowed."
_ADDRESSES_THE_READER = re.compile(
    r"\b(?:you|your|yours|yourself)\b|(?:,? so|therefore|which means|that means|thus|hence),? (?!(?:i|we|my|our)\b)"
)
# "That's why we want you: a patient conversation partner", "That is why you keep answers short": what follows
# "that's why" is the consequence, which addresses the reader and may be the instruction itself
_CONSEQUENCE_FOR_THE_READER = re.compile(r"that(?:'s| is) why\b.*\byou", re.S)
# A reason given at the end of a sentence: ", since they sound terrible read aloud", ", because we pipe it
# into the ticketing system", ", so that I can follow up": the instruction before it stands without it.
_REASON_CLAUSE = re.compile(
    # (the blanks before a dash are taken from their first: tried at each blank, a long run was quadratic)
    r"(?:,|(?<![ \t])[ \t]+[—–])[ \t]+(?:since(?![ \t]+(?:the[ \t]+)?(?:start|beginning|last|first|end|then|when)\b)|because"
    r"|so[ \t]+(?:that[ \t]+)?(?:we|i|the[ \t]+team|our[ \t]+\w+)[ \t]+(?:can|could|may)"
    # a comment after a dash: " — it messes up lockfiles", " — this is super important for legal reasons"; only
    # a judgement or a consequence (" — it offers insight into why …" goes on describing, and stays)
    r"|(?<=[—–][ \t])(?:it|this|that|they)(?:['’]s|['’]re|[ \t]+is|[ \t]+are|[ \t]+(?:mess|break|cause|confuse|"
    r"slow|cost|burn|waste|hurt|annoy|help|save|make)e?s))\b[^.!?\n:;\ue000]{0,300}(?=[.!?])",
    re.I,
)
_EMPHASIS = re.compile(
    r"(?:this|these|that|it|all of (?:this|these)|the (?:above|following) (?:rules?|points?))(?:'s| is| are) "
    r"(?:(?:really|very|absolutely|super|extremely|so|truly) )*(?:important|critical|crucial|essential|vital|key|"
    r"non-negotiable|a must|a big deal|serious)[.!]*\Z"
    # emphasis alone: "Seriously.", "I mean it!", "Keep this in mind."
    r"|(?:seriously|really|honestly|truly|i mean it|period|full stop)[.!]*\Z"
    r"|(?:please )?(?:keep (?:this|that|it) in mind|remember (?:this|that)|don't forget (?:this|that))[.!]*\Z"
)
# "So, …", "Okay …", "And …" before what the sentence does
_LEADING_DISCOURSE = re.compile(r"\A(?:(?:so|okay|ok|alright|well|and|but|anyway)[, ]+)+")
_MAKES_SENSE = re.compile(r"(?:does|did) (?:that|this|all (?:of )?(?:that|this)) (?:make sense|sound good)\?*\Z")
_QUESTION_TO_USER = re.compile(r"\?\s*\Z")
#: Verbs that begin an instruction ("keep it short", "double-check every figure").
INSTRUCTION_VERBS = frozenset(
    [
        "use", "be", "do", "make", "keep", "write", "answer", "reply", "respond", "add", "include", "avoid", "return",
        "output", "follow", "ask", "check", "double-check", "cite", "remember", "note", "stop", "start", "send", "show",
        "list", "give", "tell", "say", "call", "explain", "offer", "suggest", "mark", "summarize", "summarise",
        "classify", "escalate", "apologize", "apologise", "refer", "flag", "confirm", "redirect", "remind", "thank",
        "greet", "repeat", "put", "tag", "label", "read", "find", "extract", "translate", "format", "sort", "rank",
        "group", "compare", "verify", "ensure", "treat", "consider", "focus", "prefer", "limit", "mention", "quote",
        "link", "fill", "leave", "skip", "drop", "remove", "replace", "convert", "count", "calculate", "compute",
        "estimate", "identify", "detect", "report", "describe", "highlight", "emphasize", "emphasise", "provide",
        "generate", "create", "draft", "produce", "rewrite", "edit", "fix", "review", "analyze", "analyse", "evaluate",
        "assess", "score", "rate", "choose", "pick", "select", "decide", "assign", "route", "forward", "transfer",
        "contact", "book", "schedule", "wait", "speak", "address", "match", "end", "begin", "open", "close", "sign",
        "spell", "capitalize", "capitalise", "structure", "organize", "organise", "split", "merge", "combine", "stick",
        "respect", "copy", "paste", "insert", "attach", "search", "look", "fetch", "run", "test", "update", "delete",
        "ignore", "refuse", "decline", "cut", "trim", "shorten", "omit", "exclude", "state", "clarify", "cover", "hide",
        "mask", "redact", "anonymize", "anonymise", "paraphrase", "simplify", "expand", "reduce", "restrict", "wrap",
        "indent", "enclose", "separate", "append", "prepend", "cc", "notify", "alert", "warn", "inform", "introduce",
        "finish", "pause", "retry", "reject", "accept", "approve", "deny", "allow", "block", "categorize",
        "categorise", "prioritize", "prioritise", "lead", "proofread", "double", "print", "save", "store", "log",
        "share", "reveal", "disclose", "invent", "guess", "assume", "promise", "recommend", "encourage", "direct"
    ]
)  # fmt: skip


def _alternation(words: frozenset[str]) -> str:
    return "|".join(sorted(words, key=lambda word: (-len(word), word)))  # longest first, in a fixed order


_VERB_ALTERNATION = _alternation(INSTRUCTION_VERBS)
# after "you" the verbs of a task ("… and you flag any errors"; not "you be", "you do")
_YOU_VERB_ALTERNATION = _alternation(INSTRUCTION_VERBS - {"be", "do"})
# What makes a sentence an instruction whatever its opening says: content after a colon ("Here's the plan: read
# the ticket first"), a clause that begins with a verb after a comma or "so"/"and"/"then" ("We care about accuracy,
# so double-check every figure"), "you" with a task verb ("… and you flag any errors"), or "need you to".
_INSTRUCTION_CLAUSE = re.compile(
    r":[ \t]*[\w\ue000]"
    r"|(?:[,;—–]|\b(?:so|and|then|but|or))[ ]+(?:(?:please|just|also|always|first|then|now|and|instead|simply|really|"
    rf"definitely|still)[ ]+)*(?!thank you\b)(?:{_VERB_ALTERNATION})(?![\w'’-])"
    rf"|(?:[,;—–]|\b(?:so|and|then))[ ]+you (?:{_YOU_VERB_ALTERNATION})(?![\w'’-])"
    r"|\bfor (?:always |never |not )?(?P<gerund>[a-z]+)ing\b(?! (?:here|part|a|an|such|so|these|this|that|the (?:above|following|rules|guidelines|"
    r"instructions|prompt)|them|it|all (?:of )?(?:this|these|that)|my|our|me|us|with (?:me|us))\b)"
    r"|\byou (?:need|have|ought) to (?!know\b)|\b(?:need|want|would like|'d like) you to "
    r"(?!keep in mind|remember|know|note|bear in mind|consider)"
)
#: What a removed sentence may hold although it carries an instruction: a recap's words were all said before.
_SAID_BEFORE = frozenset({"restatement", "emoji"})
#: What a line that only announces what follows may ask: to read or follow the prompt ("so please read
#: carefully:"), not to do anything of the task ("so keep it short:" stays).
_ANNOUNCING_ASKS = frozenset({"read", "follow", "note", "remember", "pay", "bear"})
#: Words a removed sentence may not hold: constraints the protected spans do not cover.
_KEEPS = re.compile(r"\b(?:nothing|nobody|neither|none|always|every time|should|shall(?! we\b)|required|mandatory)\b")
_WORD = re.compile(r"[a-z][a-z'’]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "you",
        "your",
        "yours",
        "we",
        "our",
        "us",
        "i",
        "me",
        "my",
        "they",
        "them",
        "their",
        "he",
        "she",
        "his",
        "her",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
        "just",
        "also",
        "very",
        "really",
        "all",
        "any",
        "each",
        "every",
        "some",
        "more",
        "most",
        "much",
        "many",
        "one",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "up",
        "out",
        "about",
        "into",
        "over",
        "than",
        "too",
        "again",
        "once",
        "here",
        "there",
        "now",
        "please",
    ]
)


def _normal(sentence: str) -> str:
    normal = sentence.lower().replace("’", "'").strip(" \t*_#>-–—").lstrip(":")
    if normal.startswith("(") and normal.endswith(")") and normal.count("(") == 1:
        normal = normal[1:-1]  # an aside in brackets: "(Yes, this happened.)"
    return normal


@functools.lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


#: Content words (stemmed) a recap adds without adding a rule: "Just to recap the big ones one more time: …".
_RECAP_WORDS = frozenset(
    ["recap", "sum", "summary", "summarise", "summarize", "remember", "key", "main", "big", "thing", "point", "rule",
     "rul", "important", "time", "everything", "basically", "make", "sure", "reiterate", "repeat", "final", "last",
     "one"]
)  # fmt: skip


# A sentence that ends its line with a colon and says only that rules follow and that they matter ("Now for the
# actual rules, which are honestly the most important part, so please read carefully:", "Finally, and I know I've
# said this already, but it really is the most important thing:"): every content word is one of these (stemmed). A short label ("Hard
# rules:", "Important:") is not a sentence and stays.
_ANNOUNCING = frozenset(
    _stem(word)
    for word in [
        "rule", "rules", "point", "points", "thing", "things", "guideline", "guidelines", "instruction",
        "instructions", "note", "notes", "part", "bit", "stuff", "detail", "details", "important", "importance",
        "most", "actual", "actually", "real", "really", "honestly", "honest", "seriously", "serious", "carefully",
        "careful", "read", "follow", "closely", "hard", "strict", "key", "few", "further", "final", "finally",
        "additional", "also", "here", "now", "okay", "ok", "know", "said", "already", "whole", "lol", "little",
        "remember", "mind", "matter", "matters", "deal", "great", "again", "want", "following", "non-negotiable",
        "non-negotiables", "absolutely", "critical", "crucial", "essential", "vital", "top", "priority", "below",
        "promise", "couple", "need", "attention", "pay", "because", "i've", "i'll", "i'm", "we've", "we'll", "let's",
    ]
)  # fmt: skip
# (not the words of a task: "Please keep it short, it's important, so read and follow this:" asks to keep it short)
_MIN_ANNOUNCING_WORDS = 6
#: ... and what a line announcing a recap adds (stemmed): "To summarise the foregoing in brief:"
_RECAP_LEAD_WORDS = frozenset(
    _stem(word)
    for word in [
        "stuff", "bits", "ones", "essentials", "essential", "foregoing", "briefly", "clear", "sticks", "stick",
        "central", "principles", "useful", "conclusion", "summary", "summarise", "summarize", "restate",
        "requests", "everything", "may", "once", "more", "big",
    ]
)  # fmt: skip


def _only_announces(normal: str) -> bool:
    if not normal.endswith(":") or len(normal.split()) < _MIN_ANNOUNCING_WORDS:
        return False
    words = content_words(normal)
    return bool(words) and words <= _ANNOUNCING


def content_words(sentence: str) -> set[str]:
    return {_stem(word) for word in set(_WORD.findall(sentence.lower().replace("’", "'"))) if word not in _STOP}


def classify(
    sentence: str,
    *,
    aggressive: bool = False,
    in_recap: bool = False,
    said: set[str] | Callable[[], set[str]] | None = None,
) -> str | None:
    """Why `sentence` (masked text) carries no instruction, or None to keep it. `said` holds the content words
    of the text before it (for restatements)."""
    reason = _reason(sentence, aggressive=aggressive, in_recap=in_recap, said=said)
    if reason is None or reason in _SAID_BEFORE:
        return reason
    normal = _LEADING_DISCOURSE.sub("", _normal(sentence), count=1)
    clauses = [clause for clause in _INSTRUCTION_CLAUSE.finditer(normal) if _is_instruction(clause)]
    if reason == "announcement":
        clauses = [clause for clause in clauses if clause.group().split()[-1] not in _ANNOUNCING_ASKS]
    return None if clauses else reason


def _is_instruction(match: re.Match[str]) -> bool:
    """Whether an `_INSTRUCTION_CLAUSE` match is one: a gerund after "for" ("for keeping …") names an
    instruction when it is one of `INSTRUCTION_VERBS` ("for your help", "for reading" are thanks)."""
    gerund = match.group("gerund")
    if gerund is None:
        return True
    stems = (gerund, gerund + "e", gerund[:-1] if len(gerund) > 2 and gerund[-1] == gerund[-2] else gerund)
    return any(stem in INSTRUCTION_VERBS for stem in stems) and gerund not in {"read", "help", "follow"}


def _reason(
    sentence: str,
    *,
    aggressive: bool,
    in_recap: bool,
    said: set[str] | Callable[[], set[str]] | None,
) -> str | None:
    normal = _TRAILING_EMOJI.sub("", _LEADING_DISCOURSE.sub("", _normal(sentence), count=1)) or _normal(sentence)
    if SENTINEL not in sentence and _MAKES_SENSE.match(normal):
        return "meta-commentary"  # "Does that make sense?" asks nothing of the user
    if SENTINEL in sentence or (_QUESTION_TO_USER.search(sentence) and not sentence.rstrip("?").endswith("shall we")):
        return None
    if not normal or _KEEPS.search(normal):
        return None
    if _ONLY_EMOJI.match(normal):
        return "emoji"
    if _GREETING.match(normal) or _WELCOME.match(normal):
        return "greeting"
    if _SIGN_OFF.match(normal) or _THANKS.match(normal):
        return "sign-off"
    if _ENCOURAGEMENT.match(normal):
        return "encouragement"
    if _META.match(normal) or _ABOUT_THE_PROMPT.search(normal):
        return "meta-commentary"
    if _EMPHASIS.match(normal):
        return "emphasis"
    if _TRANSITION.match(normal):
        return "transition"
    if _only_announces(normal):
        return "announcement"
    if said is not None and (in_recap or _RECAP_OPENING.match(normal)):
        words = content_words(_RECAP_OPENING.sub("", normal, count=1))
        earlier = said() if callable(said) else said
        # every word that could be a rule was said before: "Remember: keep answers short, polite and formal." after
        # "Keep answers short and polite." holds a new rule ("formal") and stays
        if words and not {word for word in words - earlier if word not in _RECAP_WORDS}:
            return "restatement"
        # a line announcing the recap below it says nothing of its own: "Just to recap the big stuff one more
        # time:", "To restate the essentials briefly:"
        if normal.endswith(":") and not words - earlier - _RECAP_WORDS - _ANNOUNCING - _RECAP_LEAD_WORDS:
            return "restatement"
    if aggressive and _RATIONALE.match(normal) and not _CONSEQUENCE_FOR_THE_READER.match(normal):
        return "rationale"
    if aggressive and _BACKSTORY.match(normal) and not _ADDRESSES_THE_READER.search(normal):
        return "backstory"
    if aggressive and _MISSION.match(normal) and not _ADDRESSES_THE_READER.search(normal):
        return "mission statement"
    return None


# ---- the transform ---------------------------------------------------------------------------------------

_RECAP_HEADING = re.compile(
    r"\b(?:recap|reminders?|tl;?dr|in short|to sum up|wrap(?:ping)? up|final (?:notes?|thoughts|words|"
    r"reminders?)|closing|concluding|a few final)\b",
    re.I,
)


@dataclass(frozen=True)
class Removal:
    start: int
    end: int
    reason: str
    text: str


# Where a sentence that may carry no instruction starts: its opening words, at a line start (after a list
# marker or heading marks) or after a sentence end, searched in the lower-cased text with a literal first
# character so that the engine jumps from one line break or stop to the next. Only lines with a hit (and the
# lines of recap sections) are split into sentences and judged: most lines of a large prompt are never looked at.
_OPENING_WORDS = (
    r"hey|hi|hello|hiya|howdy|greetings|dear|good (?:morning|afternoon|evening|luck)|welcome|with|best|kind|warm|"
    r"sincere|many|regards|wishes|thanks|thank|yours|truly|faithfully|cheers|all the best|once|again|and|huge|big|"
    r"(?:we|i)(?:'d|'ve|'re|'m| hope| know| care| believe| love| really| truly| are| am| have| would| can't| cannot|"
    r" appreciate| think| wrote| mention| say| ask| stress|'ll| will| mean it|'m counting| am counting|'re counting|"
    r" are counting| aim| strive| exist)|last|seriously|period|full stop|happy|in other words|put|simply put|that is to say|"
    r"keep (?:this|that|it) in mind|don't forget|this (?:year|month|week|quarter)|does|did|"
    r"there are|hope|may i|you(?:'re going| are going|'ll| will|'ve got| have got| can do)|now|let|"
    r"allow|this (?:prompt|note|document|brief|guide|is (?:where|the part|because|so|why|important|really|very|"
    r"critical|crucial|essential|key|non)|matters|helps)|these (?:are|rules are|points)|that(?:'s| is) "
    r"(?:everything|all|because|why|it|important|critical)|the (?:reason|prompt|note|document|brief|guide|above|"
    r"following|key)|a (?:little|few)|some (?:more|further|final|other|context|background)|wrote|written|here|"
    r"below|please|read|yes|so|okay|ok|alright|right|well|just|keep in mind|observe|note|consider|remember|"
    r"bear in mind|roughly|without|moving|to (?:sum|wrap|recap|reiterate|repeat|restate|summari[sz]e)|in (?:short|summary|sum|a nutshell)"
    r"|in conclusion|by way of summary"
    r"|in the (?:sections?|paragraphs?|points?) below"
    r"|before anything else|the (?:purpose|aim|objective|goal) of this|your (?:\w+ )?(?:adherence|attention|cooperation)"
    r"|my (?:lead|boss|manager|team|co-?founder|name)|management|leadership|um|uh|looking forward|about|regarding"
    r"|[a-z][\w-]* (?:started|began|was founded) because"
    r"|these (?:instructions|guidelines)|the following (?:instructions|guidelines)|previous|in (?:my|our) experience"
    r"|recap|tl;?dr|bottom line|as (?:mentioned|stated|said|noted|explained|described)|one more|key|it(?:'s| is) "
    r"(?:important|critical|crucial|essential|vital|key|non|really|very|a must|a big)|it (?:matters|helps)|all of "
    r"(?:this|these)|because|every|our|at|it(?:'s| has) been|experience|the [a-z-]+'s"
)
_LIST_NUMBER = r"(?:\d{1,3}[.)][ \t]+|\d{1,2}(?:\.\d{1,2}){1,3}\.?[ \t]+)"  # "3. " or a clause's "5.1 "
_AT_LINE_START = re.compile(rf"\n[ \t>*_#+\-–—•(]*{_LIST_NUMBER}?(?:(?:{_OPENING_WORDS})\b|[{_EMOJI}])")
_AFTER_STOP = re.compile(rf"[.!?…][\"'”’)\]]*(?:[ \t]*[{_EMOJI}]+)*[ \t]+\(?(?:(?:{_OPENING_WORDS})\b|[{_EMOJI}])")
_HEADING_LINE = re.compile(
    r"\n(?P<m>[ \t]{0,3}(?:#{1,6}[ \t][^\n]*|[A-Z][A-Z0-9 &,'’/-]{2,60}:?|[^\n.!?]{1,60}:)[ \t]*)(?=\n|\Z)"
)
# a line taken for a heading because it ends with a colon, written as a sentence ("A few further points, if
# I may:"): judged like other lines, so a transition goes (a "# heading" or an all-capitals label is not)
_ANNOUNCING_LINE = re.compile(r"[ \t]*[A-Z][a-z'’]*[ \t,][^\n#]*[a-z,][^\n]*:[ \t]*(?=\n|\Z)")
_FENCE_LINE = re.compile(r"\n[ \t]*(?:```|~~~)")


def _candidate_lines(text: str, folded: str) -> set[int]:
    """The starts of the lines holding a sentence opening that may carry no instruction."""
    padded = "\n" + folded
    starts = {match.start() for match in _AT_LINE_START.finditer(padded)}  # "\n" at padded[i]: the line at i
    line = searched = 0  # the line break before `searched` (matches come in order: each stretch is read once)
    for match in _AFTER_STOP.finditer(padded):
        found = padded.rfind("\n", searched, match.start())
        if found >= 0:
            line = found
        searched = max(searched, match.start())
        starts.add(line)
    return starts


def removals(text: str, *, aggressive: bool = False) -> list[Removal]:
    """What `drop_non_instructions` removes from masked `text`: (start, end) ranges to cut, each with why."""
    folded = text.lower().replace("’", "'")
    if len(folded) != len(text):
        folded = text.replace("\u0130", "I").lower().replace("’", "'")
    lines = _candidate_lines(text, folded)
    # sections: their heading lines, and whether each is a recap (all its lines are judged)
    headings = [
        (match.start("m") - 1, match.end("m") - 1)
        for match in _HEADING_LINE.finditer("\n" + text)
        if not _END.search(match.group("m").rstrip(":"))
    ]
    recap_sections = [(start, end) for start, end in headings if _RECAP_HEADING.search(text, start, end)]
    for heading_start, heading_end in recap_sections:
        following = bisect.bisect_right([start for start, _ in headings], heading_start)
        section_end = headings[following][0] if following < len(headings) else len(text)
        position = heading_end + 1
        while position < section_end:
            lines.add(position)
            position = text.find("\n", position, section_end) + 1 or section_end
    heading_lines = {start for start, _ in headings}
    fences = [match.start() for match in _FENCE_LINE.finditer("\n" + text)] if "```" in text or "~~~" in text else []
    heading_starts = [start for start, _ in headings]
    recap_set = {start for start, _ in recap_sections}
    found: list[Removal] = []
    said = _Said(text)
    announcing = {start for start in heading_lines & lines if _ANNOUNCING_LINE.match(text, start)}
    for line_start in sorted((lines - heading_lines) | announcing):
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end
        line = text[line_start:line_end]
        if bisect.bisect_right(fences, line_start) % 2 or line.lstrip().startswith(("|", "```", "~~~")):
            continue  # code or a table
        # in a recap section: the last heading before the line is a recap heading
        last_heading = bisect.bisect_right(heading_starts, line_start) - 1
        in_recap = last_heading >= 0 and heading_starts[last_heading] in recap_set
        sentences = list(split_sentences(text, line_start, line_end))
        cuts: list[Removal] = []
        for sentence in sentences:
            if in_example(text, sentence.start):
                continue
            before = functools.partial(said.before, sentence.start)
            reason = classify(sentence.text, aggressive=aggressive, in_recap=in_recap, said=before)
            if reason is not None:
                cuts.append(Removal(sentence.start, _sentence_cut_end(text, sentence), reason, sentence.text))
        if not cuts or _alone(text, line_start, line_end):
            continue  # a whole message or text (a chat turn "hi"): what it says is the content
        if len(cuts) == len(sentences):
            end = line_end + 1 if line_end < len(text) else line_end
            found.append(Removal(line_start, end, cuts[0].reason, line.strip()))
        else:
            found.extend(cuts)
    found.extend(_emptied_headings(text, headings, found))
    found.extend(_generic_headings(text, headings, fences))
    found.extend(_signature(text, found))
    found.extend(_dash_signature(text))
    found.sort(key=lambda removal: removal.start)
    merged: list[Removal] = []
    for removal in found:
        if merged and removal.start < merged[-1].end:
            continue
        merged.append(removal)
    return merged


class _Said:
    """The content words of the text before a position, gathered as the positions asked for move on (only
    recaps ask)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.upto = 0
        self.words: set[str] = set()

    def before(self, position: int) -> set[str]:
        if position > self.upto:
            self.words |= content_words(self.text[self.upto : position])
            self.upto = position
        return self.words


# the signer's name (and title) under a sign-off at the end of the text: "— Dana", "Mrs. Okafor"
_SIGNATURE_LINE = re.compile(r"[ \t]*(?:[—–-][ \t]*)?[A-Z][\w.'’-]*(?:[ \t]+(?:of|the|and|[A-Z][\w.'’-]*)){0,4}[ \t]*")


#: A line of a signature block that begins with one of these is an instruction ("Use Markdown"), not a name.
_IMPERATIVES = INSTRUCTION_VERBS


# the writer's name set off by a dash on the text's last line: "-- Gary, Infrastructure & Ops", "— Tomás (team)"
_DASH_SIGNATURE = re.compile(r"\n[ \t]*(?:--|—|–)[ \t]*(?P<name>[^\W\d_][^\n.!?:;\ue000]{0,60})[ \t]*\n*\Z")


def _dash_signature(text: str) -> list[Removal]:
    match = _DASH_SIGNATURE.search(text, max(0, len(text) - 120))
    if match is None or len(match.group("name").split()) > 8:
        return []
    name = match.group("name")
    # a name is capitalised and written in words ("-- END OF REPORT" is an output marker); a line under a colon
    # belongs to the format the colon introduces, and one under a quotation names its author
    above = text[: match.start()].rstrip()
    last_line = above[above.rfind("\n") + 1 :].lstrip()
    if not name[0].isupper() or name.isupper() or above.endswith((":", '"', "”")) or last_line.startswith(">"):
        return []
    return [Removal(match.start() + 1, len(text), "signature", match.group().strip())]


def _signature(text: str, cuts: list[Removal]) -> list[Removal]:
    """The lines after the last sign-off cut when they are only a name and title and end the text."""
    sign_offs = [cut for cut in cuts if cut.reason == "sign-off"]
    if not sign_offs:
        return []
    last = max(sign_offs, key=lambda cut: cut.end)
    if any(cut.start > last.end for cut in cuts):
        return []
    rest = text[last.end :]
    lines = [line for line in rest.split("\n") if line.strip()]
    if not lines or len(lines) > 2 or not all(_SIGNATURE_LINE.fullmatch(line) for line in lines):
        return []
    if any(line.strip(" \t—–-").split()[0].lower() in _IMPERATIVES for line in lines):
        return []  # "Use Markdown": an instruction, not a name
    start = last.end + (len(rest) - len(rest.lstrip("\n")))
    return [Removal(start, len(text), "signature", rest.strip())]


# Words of a heading that names nothing: "## A few final words", "A FEW MORE THINGS", "## Other notes". The
# section's content stays; only a heading that says no more than "here is more" goes. One of its words must say
# "more of the same" ("## Notes" alone is a label and stays).
_MORE_OF_THE_SAME = frozenset(
    ["few", "couple", "some", "more", "other", "others", "final", "last", "further", "additional", "misc",
     "miscellaneous", "just", "recap", "wrapping"]
)  # fmt: skip
_GENERIC_HEADING_WORDS = _MORE_OF_THE_SAME | frozenset(
    ["a", "an", "the", "things", "thing", "stuff", "words", "thoughts", "notes", "bits", "odds", "ends", "and", "to",
     "up"]
)  # fmt: skip
_HEADING_WORDS = re.compile(r"[^\W\d_]+|\S")


def _generic_headings(text: str, headings: list[tuple[int, int]], fences: list[int]) -> list[Removal]:
    """Headings whose words are all generic ("## Final thoughts"), over a section that has content."""
    found = []
    for index, (start, end) in enumerate(headings):
        words = _HEADING_WORDS.findall(text[start:end].strip().strip("#*_:").lower())
        if not _GENERIC_HEADING_WORDS.issuperset(words) or _MORE_OF_THE_SAME.isdisjoint(words):
            continue
        if bisect.bisect_right(fences, start) % 2 or (index and _joins_data(text, headings[index - 1], (start, end))):
            continue
        section_end = headings[index + 1][0] if index + 1 < len(headings) else len(text)
        if text[end:section_end].strip():
            found.append(Removal(start, min(end + 1, len(text)), "heading that names nothing", text[start:end].strip()))
    return found


# A section that shows the model data rather than telling it what to do: rules under a generic heading after it
# would read as part of the example once the heading goes. ("## Output format" tells it what to do.)
_DATA_SECTION = re.compile(
    r"\b(?:examples?|samples?|templates?|transcripts?|demo|inputs?|context|documents?|schema|data|json|yaml|snippets?|"
    r"references?|articles?|quotes?|conversations?|dialog(?:ue)?s?|messages?|emails?)\b",
    re.I,
)


def _joins_data(text: str, previous: tuple[int, int], heading: tuple[int, int]) -> bool:
    """Whether removing `heading` would put its section under a data section (`previous` is the heading before;
    a markdown heading one level down from it is its subsection, and goes back into its parent)."""
    previous_text = text[previous[0] : previous[1]].strip()
    heading_text = text[heading[0] : heading[1]].strip()
    previous_level = len(previous_text) - len(previous_text.lstrip("#"))
    level = len(heading_text) - len(heading_text.lstrip("#"))
    if previous_level and level > previous_level:
        return False
    return _DATA_SECTION.search(previous_text) is not None


def _emptied_headings(text: str, headings: list[tuple[int, int]], cuts: list[Removal]) -> list[Removal]:
    """The headings of the sections that had content and have none left after `cuts`."""
    found = []
    starts = [start for start, _ in headings]
    cut_starts = sorted((cut.start, cut.end) for cut in cuts)
    for index, (start, end) in enumerate(headings):
        section_end = starts[index + 1] if index + 1 < len(starts) else len(text)
        first = bisect.bisect_left(cut_starts, (end, -1))
        inside = cut_starts[first : bisect.bisect_left(cut_starts, (section_end, -1))]
        if not inside:
            continue
        position, left = end, []
        for cut_start, cut_end in inside:
            left.append(text[position:cut_start])
            position = max(position, cut_end)
        left.append(text[position:section_end])
        if not "".join(left).strip():
            line_end = min(end + 1, len(text))
            found.append(Removal(start, line_end, "heading of a section left empty", text[start:end].strip()))
    return found


def _alone(text: str, line_start: int, line_end: int) -> bool:
    """Whether the line is all there is between the text's ends or protected spans on lines of their own
    right before and after it (chat messages are joined with such a break). Across a blank line a protected
    line is a heading or a template comment, not a message break."""
    before = line_start - 1
    while before >= 0 and text[before] == "\n":
        before -= 1
    after = line_end
    while after < len(text) and text[after] == "\n":
        after += 1
    if (before >= 0 and before < line_start - 2) or (after < len(text) and after > line_end + 1):
        return False
    before_line = text[text.rfind("\n", 0, before + 1) + 1 : before + 1] if before >= 0 else None
    after_end = text.find("\n", after)
    after_line = text[after : len(text) if after_end < 0 else after_end] if after < len(text) else None
    return all(line is None or line.strip() == SENTINEL for line in (before_line, after_line))


def _sentence_cut_end(text: str, sentence: Sentence) -> int:
    """A sentence within a line goes with the blanks after it."""
    end = sentence.end
    while end < sentence.line_end and text[end] in " \t":
        end += 1
    return end


# An aside in brackets that gives a reason or a comment: "(it's faster and respects .gitignore)", "(they trigger
# spam filters)", "(which is nice)"; not "(e.g. …)", "(optional)" or one that holds a protected span
_REASON_ASIDE = re.compile(
    r"(?<![ \t])[ \t]*\((?:it(?:'s|’s| is)|this is|that(?:'s|’s| is)|which|because|since|as (?:it|this|that|they)|so (?:that|we|i)"
    # words must follow: "(i)" and "(we)" alone are list markers or labels
    r"|they(?:'re|’re| are)?|we(?:'ve|’ve| have)?|i(?:'ve|’ve| have)?)\b(?=[ \t])[^()\n\ue000]{1,200}\)",
    re.I,
)


def reason_clauses(text: str) -> list[Removal]:
    """The reasons that end a sentence of masked `text` (", since …", ", because …"): rationale at the clause
    level, cut when they hold no protected span and no constraint word, outside example data, code and
    tables."""
    found: list[Removal] = []
    fences = [match.start() for match in _FENCE_LINE.finditer("\n" + text)] if "```" in text or "~~~" in text else []
    matches = sorted(
        [*_REASON_CLAUSE.finditer(text), *(_REASON_ASIDE.finditer(text) if "(" in text else ())],
        key=lambda match: match.start(),
    )
    for match in matches:
        clause = match.group()
        # the line's start, looked for in a bounded window (linear on a text that is one long line)
        window = max(0, match.start() - QUOTE_LOOKBACK)
        newline = text.rfind("\n", window, match.start())
        line_start = newline + 1 if newline >= 0 or window == 0 else window
        if (
            _KEEPS.search(clause.lower())
            # "…, because support links notes to tickets, and add the author's handle": an instruction rides along
            or any(map(_is_instruction, _INSTRUCTION_CLAUSE.finditer(clause.lower())))
            or bisect.bisect_right(fences, line_start) % 2
            or text[line_start : line_start + 16].lstrip().startswith("|")
            or in_example(text, match.start())
            or not text[line_start : match.start()].strip(" \t-*+>")
        ):
            continue
        if found and match.start() < found[-1].end:
            continue
        found.append(Removal(match.start(), match.end(), "rationale", clause.lstrip(" \t,—–")))
    return found


#: the reasons `classify` gives only when `aggressive`
_AGGRESSIVE_REASONS = frozenset({"rationale", "backstory", "mission statement"})


def rationale_cuts(text: str) -> list[Removal]:
    """What `aggressive` adds (the other kinds went at `balanced`, before it): rationale sentences, and the
    reasons that end the sentences left."""
    cuts = [cut for cut in removals(text, aggressive=True) if cut.reason in _AGGRESSIVE_REASONS]
    starts = [cut.start for cut in cuts]
    for clause in reason_clauses(text):
        before = bisect.bisect_right(starts, clause.start) - 1
        if before < 0 or cuts[before].end <= clause.start:
            cuts.append(clause)
    return sorted(cuts, key=lambda cut: cut.start)


def drop(text: str, *, aggressive: bool) -> tuple[str, int]:
    cuts = rationale_cuts(text) if aggressive else removals(text)
    if not cuts:
        return text, 0
    return without_ranges(text, [(cut.start, cut.end) for cut in cuts]), len(cuts)


def drop_non_instructions(text: str) -> tuple[str, int]:
    """Greetings, sign-offs, encouragement, meta-commentary, transitions and recaps (see the module doc)."""
    return drop(text, aggressive=False)


def drop_rationale(text: str) -> tuple[str, int]:
    """As `drop_non_instructions`, and also rationale that does not change the task."""
    return drop(text, aggressive=True)

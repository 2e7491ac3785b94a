"""TK6xx — data payloads: pretty-printed JSON/YAML, base64/hex blobs, long opaque ids and URLs,
invisible Unicode, typographic punctuation."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, ClassVar

from tokcli.json_text import minify_json_text
from tokcli.lint.layout import narrative
from tokcli.lint.rules.base import Context, RangeSet, Rule, Segment, register

_JSON_START = re.compile(r"^[ \t]*([{\[])", re.MULTILINE)


def json_blobs(segment: Segment, min_lines: int) -> list[tuple[int, int]]:
    decoder = json.JSONDecoder()
    masked = segment.masked
    found = []
    position = 0
    for match in _JSON_START.finditer(masked):
        start = match.start(1)
        if start < position:
            continue
        try:
            value, end = decoder.raw_decode(masked, start)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack allows
            continue
        if not isinstance(value, (dict, list)) or masked.count("\n", start, end) + 1 < min_lines:
            continue
        found.append((start, end))
        position = end
    return found


@register
class PrettyPrintedJson(Rule):
    """Pretty-printed JSON (indentation and line breaks cost tokens; the model reads minified JSON as well).

    The fix removes whitespace outside strings only: keys, order, numbers and strings are kept byte for byte.

    Wasteful:
        {
            "name": "Ada",
            "roles": [
                "admin"
            ]
        }
    Fixed:
        {"name":"Ada","roles":["admin"]}
    """

    code = "TK601"
    name = "pretty-printed-json"
    safe_fix = True
    options: ClassVar[dict[str, Any]] = {"min-lines": 3, "min-savings": 4}

    def check(self, ctx: Context) -> None:
        min_lines = int(self.opts["min-lines"])
        minimum = int(self.opts["min-savings"])
        for segment in ctx.segments:
            for start, end in json_blobs(segment, min_lines):
                original = segment.text[start:end]
                minified = minify_json_text(original)
                saved = ctx.savings(segment, start, end, minified)
                if saved >= minimum:
                    ctx.report(
                        segment,
                        start,
                        end,
                        "pretty-printed JSON: minified is shorter",
                        replacement=minified,
                        tokens_wasted=saved,
                    )


_YAML_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*ya?ml[ \t]*\r?\n(.*?)^[ \t]{0,3}\1[ \t]*$", re.M | re.S | re.I)


@register
class PrettyPrintedYaml(Rule):
    """A YAML block (fenced as ```yaml) that costs more tokens than the same data as compact JSON.

    Wasteful:
        ```yaml
        user:
          name: Ada
          roles:
            - admin
            - editor
        ```
    Fixed:
        ```json
        {"user":{"name":"Ada","roles":["admin","editor"]}}
        ```
    """

    code = "TK602"
    name = "pretty-printed-yaml"
    options: ClassVar[dict[str, Any]] = {"min-savings": 15}

    def check(self, ctx: Context) -> None:
        import yaml

        minimum = int(self.opts["min-savings"])
        for segment in ctx.segments:
            for match in _YAML_FENCE.finditer(segment.masked):
                if "\0" in match.group(2):
                    continue
                original = segment.text[match.start(2) : match.end(2)]
                try:
                    data = _load_yaml(original)
                    compact = json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)
                except (yaml.YAMLError, ValueError, TypeError, RecursionError):  # RecursionError: nested too deep
                    continue
                if not isinstance(data, (dict, list)) or _prose_outline(data):
                    continue
                saved = ctx.count(original) - ctx.count(compact)
                if saved >= minimum:
                    ctx.report(
                        segment,
                        match.start(2),
                        match.end(2) - 1,
                        "YAML block: the same data as compact JSON is shorter",
                        tokens_wasted=saved,
                    )


#: A YAML block this long that is a plain top-level list is loaded a run of items at a time (see `_load_yaml`).
_YAML_PIECE_CHARS = 65536
#: What may make a YAML item depend on another (anchors, aliases, merge keys, tags, directives): such blocks
#: are loaded whole.
_YAML_LINKS = re.compile(r"[&*!%]|<<")
_YAML_ITEM_START = re.compile(r"^- |^-$", re.M)
_YAML_TOP_LEVEL = re.compile(r"^[^ \t\n#]", re.M)


def _load_yaml(text: str) -> Any:
    """The data of a YAML block, as PyYAML's safe loader gives it (libyaml's where PyYAML has it: the
    pure-Python one made a large block 4× prose).

    The loader builds the node graph of the whole block before any data (133 MB for a 4 MB list). A long block
    that is a plain top-level list (every line at column 0 opens an item, nothing links one item to another)
    is loaded a run of items at a time, cut where an item opens, and the lists joined: the same data. When a
    run does not load alone, the block is loaded whole, so errors are the loader's own.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if len(text) < 2 * _YAML_PIECE_CHARS or not _plain_top_level_list(text):
        return yaml.load(text, Loader=loader)
    data: list[Any] = []
    position = 0
    while position < len(text):
        cut = _YAML_ITEM_START.search(text, position + _YAML_PIECE_CHARS)
        end = len(text) if cut is None else cut.start()
        try:
            items = yaml.load(text[position:end], Loader=loader)
        except yaml.YAMLError:
            items = None
        if not isinstance(items, list):
            return yaml.load(text, Loader=loader)
        data += items
        position = end
    return data


def _plain_top_level_list(text: str) -> bool:
    if not text.startswith("- ") or _YAML_LINKS.search(text):
        return False
    return all(_YAML_ITEM_START.match(text, match.start()) for match in _YAML_TOP_LEVEL.finditer(text))


def _prose_outline(data: Any) -> bool:
    """Whether YAML holds an outline of sentences (steps, checklists) rather than data: its top-level keys are
    headings ("1. Plan Phase (Hypothesis)", "Do Phase"; a data key is a name), or most of its strings (keys and
    values) are phrases of several words. JSON would not read better to a model, only worse."""
    if isinstance(data, dict) and len(data) >= 2 and all(len(str(key).split()) >= 2 for key in data):
        return True
    strings: list[str] = []
    stack = [data]
    while stack and len(strings) < 500:
        item = stack.pop()
        if isinstance(item, dict):
            strings.extend(str(key) for key in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            strings.append(item)
    wordy = sum(1 for text in strings if len(text.split()) >= 3)
    return bool(strings) and wordy * 2 >= len(strings)


_BASE64 = re.compile(r"(?<![\w+/=\0])(?:data:[\w.+-]+/[\w.+-]+;base64,)?[A-Za-z0-9+/]{%d,}={0,2}(?![\w+/=\0])")
_HEX = re.compile(r"(?<![\w\0])(?:0x)?[0-9a-fA-F]{%d,}(?![\w\0])")
_UUID = re.compile(r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])")
_OPAQUE = re.compile(r"(?<![\w/.\-\0])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9_-]{%d,}(?![\w/.\-\0])")
_URL = re.compile(r"https?://[^\s<>\"'`)\]\0]+")
_TRACKING = re.compile(r"[?&](?:utm_[a-z]+|fbclid|gclid|mc_eid|mc_cid|ref_src|igshid)=[^&#\s]*", re.I)


def _opaque(text: str) -> bool:
    """An id with a long part mixing letters and digits (not a snake_case or kebab-case name)."""
    for part in re.split(r"[-_]", text):
        digits = sum(char.isdigit() for char in part)
        if len(part) >= 16 and digits >= 3 and len(part) - digits >= 3:
            return True
    return False


def _looks_random(text: str) -> bool:
    kinds = sum(1 for test in (str.isupper, str.islower, str.isdigit) if any(test(char) for char in text))
    return kinds >= 3 or (kinds >= 2 and any(char.isdigit() for char in text))


@register
class EncodedBlob(Rule):
    """Base64 or hex blobs: opaque to the model and several characters per token.

    Send the file through the provider's file/image input, or refer to it by a short name.

    Wasteful:
        Here is the logo: iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==
    Fixed:
        Here is the logo: [logo.png attached as an image input]
    """

    code = "TK603"
    name = "encoded-blob"
    options: ClassVar[dict[str, Any]] = {"min-base64-length": 60, "min-hex-length": 40}

    def check(self, ctx: Context) -> None:
        base64 = re.compile(_BASE64.pattern % int(self.opts["min-base64-length"]))
        hexa = re.compile(_HEX.pattern % int(self.opts["min-hex-length"]))
        # Both need a run of that many characters of the base64 alphabet (hex digits are in it): one plain class
        # scan proves most texts hold no blob, faster than the two patterns' lookbehinds at every word.
        shortest = min(int(self.opts["min-base64-length"]), int(self.opts["min-hex-length"]))
        run = re.compile(f"[A-Za-z0-9+/]{{{max(1, shortest)}}}")
        for segment in ctx.segments:
            taken: list[tuple[int, int]] = []
            claimed = RangeSet()
            candidates = ((base64, "base64"), (hexa, "hex")) if run.search(segment.masked) else ()
            for pattern, what in candidates:
                for match in pattern.finditer(segment.masked):
                    text = match.group()
                    if claimed.overlaps(match.start(), match.end()):
                        continue
                    if what == "base64" and not (text.startswith("data:") or _looks_random(text)):
                        continue
                    if what == "hex" and not (any(c.isdigit() for c in text) and any(c.isalpha() for c in text)):
                        continue
                    taken.append((match.start(), match.end()))
                    claimed.add(match.start(), match.end())
                    tokens = ctx.count(text)
                    ctx.report(
                        segment,
                        match.start(),
                        match.end(),
                        f"{what} blob of {len(text):,} characters costs {tokens:,} tokens",
                        tokens_wasted=max(0, tokens - 2),
                    )
            segment.cache["blobs"] = taken


@register
class OpaqueIdentifier(Rule):
    """Long opaque identifiers (UUIDs, API-style ids) and long URLs or tracking parameters.

    Random strings tokenize at 2–3 characters per token. Use short aliases (`doc-1`) and map them back in code;
    drop tracking parameters and shorten URLs the model does not need to follow.

    Wasteful:
        Ticket 3f2b8c1e-9d4a-4e7b-b5c6-1a2b3c4d5e6f: see https://example.com/kb/reset?utm_source=mail&utm_medium=x
    Fixed:
        Ticket T1: see https://example.com/kb/reset
    """

    code = "TK604"
    name = "opaque-identifier"
    options: ClassVar[dict[str, Any]] = {"min-id-length": 24, "max-url-length": 100, "min-tokens": 8}

    def check(self, ctx: Context) -> None:
        minimum = int(self.opts["min-tokens"])
        max_url = int(self.opts["max-url-length"])
        opaque = re.compile(_OPAQUE.pattern % int(self.opts["min-id-length"]))
        # A UUID (36 characters) and an opaque id are runs of that many of these characters: without one, the
        # two patterns (lookbehinds tried at every word) have nothing to find.
        run = re.compile(f"[A-Za-z0-9_-]{{{max(1, min(36, int(self.opts['min-id-length'])))}}}")
        for segment in ctx.segments:
            urls = [(m.start(), m.end()) for m in _URL.finditer(segment.masked)]
            blobs = segment.cache.get("blobs", [])
            covered = RangeSet(urls + blobs)
            for match in _URL.finditer(segment.masked):
                url = match.group().rstrip(".,;:!?")
                end = match.start() + len(url)
                tracking = _TRACKING.findall(url)
                if tracking:
                    clean = _TRACKING.sub("", url)
                    if "?" not in clean and "&" in clean:
                        clean = clean.replace("&", "?", 1)
                    saved = ctx.count(url) - ctx.count(clean)
                    if saved >= 1:
                        ctx.report(
                            segment,
                            match.start(),
                            end,
                            f"URL with tracking parameters ({', '.join(p.split('=')[0][1:] for p in tracking)})",
                            replacement=clean,
                            tokens_wasted=saved,
                        )
                        continue
                if len(url) > max_url:
                    tokens = ctx.count(url)
                    if tokens >= minimum:
                        ctx.report(
                            segment,
                            match.start(),
                            end,
                            f"URL of {len(url)} characters costs {tokens} tokens",
                            tokens_wasted=tokens - min(tokens, 4),
                        )
            for pattern in (_UUID, opaque) if run.search(segment.masked) else ():
                for match in pattern.finditer(segment.masked):
                    if covered.contains(match.start()) or segment.in_fence(match.start()):
                        continue
                    text = match.group()
                    if pattern is opaque and (_UUID.fullmatch(text) or not _opaque(text)):
                        continue
                    tokens = ctx.count(text)
                    if tokens >= minimum:
                        what = "UUID" if pattern is _UUID else "opaque id"
                        ctx.report(
                            segment,
                            match.start(),
                            match.end(),
                            f"{what} '{text}' costs {tokens} tokens; use a short alias",
                            tokens_wasted=tokens - 2,
                        )


_INVISIBLE = {
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    "\u180e": "",
    "\u00ad": "",
    "\u200e": "",
    "\u200f": "",
    "\u2061": "",
    "\u2062": "",
    "\u2063": "",
    "\u2064": "",
    **{chr(code): "" for code in range(0x202A, 0x202F)},
    **{chr(code): "" for code in range(0x2066, 0x206A)},
    "\u00a0": " ",
    **{chr(code): " " for code in range(0x2000, 0x200B)},
    "\u202f": " ",
    "\u205f": " ",
}
_INVISIBLE_RUN = re.compile("[" + "".join(_INVISIBLE) + r"\U000E0000-\U000E007F]+")


def _joins_script(text: str, start: int, end: int) -> bool:
    """ZWJ/ZWNJ between two non-ASCII characters (emoji sequences, Indic and Persian scripts) is meaningful."""
    if set(text[start:end]) - {"\u200c", "\u200d"}:
        return False
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return bool(before and after and ord(before) > 127 and ord(after) > 127)


@register
class InvisibleUnicode(Rule):
    """Zero-width, bidi-control, soft-hyphen, tag and odd space characters: invisible, but each costs tokens
    and splits the words around it into rarer pieces.

    Wasteful:
        Sum<U+200B>marize the art<U+00AD>icle.   (the marks are invisible in the file)
    Fixed:
        Summarize the article.
    """

    code = "TK605"
    name = "invisible-unicode"
    safe_fix = True
    # a zero-width or control character is hidden text even where the tokenizer merges it into its neighbour's
    # token and removing it saves nothing ("brief.\u200b" is one token): reported whatever it costs. An odd
    # space that costs no more than a plain one is not worth a warning (checked in `check`).
    measures_waste = False

    def check(self, ctx: Context) -> None:
        # One message object per distinct run: a file of letters between zero-width spaces has a finding
        # every two characters, and a copy of the message each was a sixth of their memory.
        messages: dict[str, str] = {}
        for segment in ctx.segments:
            for match in _INVISIBLE_RUN.finditer(segment.masked):
                if _joins_script(segment.text, match.start(), match.end()):
                    continue
                text = match.group()
                replacement = " " if any(_INVISIBLE.get(char) == " " for char in text) else ""
                before = segment.text[match.start() - 1 : match.start()]
                after = segment.text[match.end() : match.end() + 1]
                if replacement and (before.isspace() or after.isspace() or not before or not after):
                    replacement = ""
                hidden = any(_INVISIBLE.get(char, "") == "" for char in text)  # tag characters are hidden too
                if not hidden and not ctx.savings(segment, match.start(), match.end(), replacement):
                    continue
                message = messages.get(text)
                if message is None:
                    names = sorted({_char_name(char) for char in text})
                    message = f"invisible character{'s' if len(text) > 1 else ''}: {', '.join(names)}"
                    messages[text] = message
                ctx.report(segment, match.start(), match.end(), message, replacement=replacement)


def _char_name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'TAG CHARACTER').lower()}"


TYPOGRAPHIC = {
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u2033": '"',
    "\u2014": "-",
    "\u2013": "-",
    "\u2012": "-",
    "\u2011": "-",
    "\u2010": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "-",
}
_TYPOGRAPHIC = re.compile("[" + "".join(TYPOGRAPHIC) + "]")


@register
class TypographicPunctuation(Rule):
    """Typographic punctuation (curly quotes, dashes, ellipses, bullets) on lines where it costs more tokens
    than the ASCII equivalent in the configured tokenizer.

    Wasteful:
        Don’t say “maybe” — be decisive…
    Fixed:
        Don't say "maybe" - be decisive...
    """

    code = "TK606"
    name = "typographic-punctuation"
    severity = "info"
    options: ClassVar[dict[str, Any]] = {"min-tokens": 1}

    def check(self, ctx: Context) -> None:
        minimum = int(self.opts["min-tokens"])
        for segment in ctx.segments:
            for start, end, line in segment.lines():
                matches = [m for m in _TYPOGRAPHIC.finditer(line) if narrative(segment, start + m.start())]
                if not matches:
                    continue
                edits = [(start + m.start(), start + m.end(), TYPOGRAPHIC[m.group()]) for m in matches]
                original = segment.text[start:end]
                fixed = "".join(
                    TYPOGRAPHIC.get(char, char) if not segment.touches_template(start + i, start + i + 1) else char
                    for i, char in enumerate(original)
                )
                saved = ctx.count(original) - ctx.count(fixed)
                if saved >= minimum:
                    chars = "".join(sorted({m.group() for m in matches}))
                    ctx.report(
                        segment,
                        edits[0][0],
                        edits[-1][1],
                        f"typographic punctuation ({chars}): ASCII is shorter",
                        edits=edits,
                        tokens_wasted=saved,
                    )

"""An independent safety check of a compressed prompt, for `compress_eval.py`.

It does not use tokcli's own verifier (`tokcli.compress.verify`) or its protected-span finder: it re-derives
everything from Jinja2 and plain regular expressions, so a blind spot shared by the compressor and its
verifier shows up here. Checks, each a named violation:

- `front_matter`: a leading YAML front matter block (`---` … `---`) is unchanged;
- `syntax`: a template that parsed still parses;
- `variables`: the undeclared template variables (`jinja2.meta`) are the same;
- `tags`: the sequence of statement (`{% … %}`) and expression (`{{ … }}`) tags is the same, byte for byte;
- `numbers`: the same numbers occur as often (numbered-list markers at a line start are structure, not counted);
- `negations`: every negation and constraint word occurs as often;
- `render`: a template that renders (sandboxed) with generated sample values still renders, and the values
  come out in the same order, once with truthy values and once with empty/false ones (so both branches of
  an `if` and empty loops are exercised).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:]\d+)*")
_LIST_MARKER = re.compile(r"^[ \t>]*\d{1,3}[.)](?=[ \t])", re.M)
_NEGATION = re.compile(
    r"\b(?:not|never|no|none|nor|neither|nothing|nobody|cannot|must|only|except|unless|without|at\s+least|"
    r"at\s+most)\b|\b\w+n['’]t\b",
    re.I,
)
_SAMPLE_MARK = re.compile(r"⟦[^⟧]*⟧")


@dataclass(frozen=True)
class Violation:
    check: str
    message: str


def front_matter(text: str) -> str:
    match = _FRONT_MATTER.match(text)
    return match.group() if match else ""


def numbers(text: str) -> Counter[str]:
    return Counter(_NUMBER.findall(_LIST_MARKER.sub("", text)))


def negations(text: str) -> Counter[str]:
    return Counter(" ".join(word.lower().replace("’", "'").split()) for word in _NEGATION.findall(text))


def _environment(template: str = "") -> Any:
    """A sandboxed environment that knows every filter and test `template` uses: the ones an application
    registers (`| datetime`) are given as pass-through functions, so the template compiles and renders."""
    from jinja2 import nodes
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment()
    if template:
        try:
            tree = environment.parse(template)
        except Exception:  # a template that does not parse is reported by the caller
            return environment
        for node in tree.find_all(nodes.Filter):
            environment.filters.setdefault(node.name, lambda value, *args, **kwargs: value)
        for node in tree.find_all(nodes.Test):
            environment.tests.setdefault(node.name, lambda value, *args, **kwargs: bool(value))
    return environment


def template_tags(text: str) -> list[str] | None:
    """The statement and expression tags of `text` in order, each as written; None when Jinja2 rejects it."""
    import jinja2

    tags: list[str] = []
    current: list[str] | None = None
    try:
        for _, kind, value in _environment().lex(text):
            if kind in ("block_begin", "variable_begin"):
                current = [value]
            elif current is not None:
                current.append(value)
                if kind in ("block_end", "variable_end"):
                    tags.append("".join(current).rstrip())
                    current = None
        _environment().parse(text)
    except jinja2.TemplateSyntaxError:
        return None
    return tags


class Sample:
    """A generated sample value: prints as a marker with its name (⟦user.name⟧), and has any attribute, item or
    element asked for. `truthy=False` makes it false, empty and zero, for the other branches."""

    def __init__(self, name: str, truthy: bool = True) -> None:
        self._name = name
        self._truthy = truthy

    def __str__(self) -> str:
        return f"⟦{self._name}⟧" if self._truthy else ""

    def __html__(self) -> str:
        return str(self)

    def __getattr__(self, attribute: str) -> Sample:
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return Sample(f"{self._name}.{attribute}", self._truthy)

    def __getitem__(self, key: object) -> Sample:
        return Sample(f"{self._name}[{key}]", self._truthy)

    def __iter__(self) -> Any:
        return iter([Sample(f"{self._name}[{i}]", self._truthy) for i in range(2)] if self._truthy else [])

    def __len__(self) -> int:
        return 2 if self._truthy else 0

    def __bool__(self) -> bool:
        return self._truthy

    def __int__(self) -> int:
        return 2 if self._truthy else 0

    def __float__(self) -> float:
        return float(int(self))

    def __index__(self) -> int:
        return int(self)

    def __round__(self, digits: int | None = None) -> int:
        return int(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sample) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __lt__(self, other: object) -> bool:
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def __add__(self, other: object) -> Sample:
        return self

    __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __mod__ = __add__

    def __contains__(self, item: object) -> bool:
        return self._truthy

    def __call__(self, *args: object, **kwargs: object) -> Sample:
        return self

    def items(self) -> list[tuple[str, Sample]]:
        return [(f"{self._name}.key{i}", Sample(f"{self._name}.value{i}", self._truthy)) for i in range(len(self))]

    def keys(self) -> list[str]:
        return [key for key, _ in self.items()]

    def values(self) -> list[Sample]:
        return [value for _, value in self.items()]


def rendered_values(text: str, truthy: bool) -> list[str] | None:
    """The sample markers the template renders, in order (None when it does not render)."""
    from jinja2 import meta

    try:
        environment = _environment(text)
        names = meta.find_undeclared_variables(environment.parse(text))
        output = environment.from_string(text).render({name: Sample(name, truthy) for name in names})
    except Exception:  # any failure to render is the finding; its kind does not matter here
        return None
    return _SAMPLE_MARK.findall(output)


def check(original: str, compressed: str, *, is_template: bool | None = None) -> list[Violation]:
    """Every violation of `compressed` against `original` (both whole file texts)."""
    found: list[Violation] = []
    if front_matter(original) != front_matter(compressed):
        found.append(Violation("front_matter", "front matter changed"))
    if numbers(original) != numbers(compressed):
        lost, gained = numbers(original) - numbers(compressed), numbers(compressed) - numbers(original)
        found.append(Violation("numbers", f"numbers changed: lost {dict(lost)}, gained {dict(gained)}"))
    if negations(original) != negations(compressed):
        lost, gained = negations(original) - negations(compressed), negations(compressed) - negations(original)
        found.append(Violation("negations", f"negation words changed: lost {dict(lost)}, gained {dict(gained)}"))
    if is_template is False or ("{{" not in original and "{%" not in original):
        return found
    tags_before = template_tags(original)
    if tags_before is None:
        return found  # not a Jinja2 template (stray braces in prose)
    tags_after = template_tags(compressed)
    if tags_after is None:
        return [*found, Violation("syntax", "the template no longer parses")]
    if tags_before != tags_after:
        first = next((i for i, (a, b) in enumerate(zip(tags_before, tags_after)) if a != b), None)
        detail = f"#{first + 1}: {tags_before[first]!r} → {tags_after[first]!r}" if first is not None else "count"
        found.append(Violation("tags", f"statement/expression tags differ at {detail}"))
    from jinja2 import meta

    environment = _environment(original + "\n" + compressed)
    if meta.find_undeclared_variables(environment.parse(original)) != meta.find_undeclared_variables(
        environment.parse(compressed)
    ):
        found.append(Violation("variables", "template variables changed"))
    for truthy in (True, False):
        before = rendered_values(original, truthy)
        if before is None:
            continue  # the original does not render with generated values: nothing to compare
        after = rendered_values(compressed, truthy)
        if after is None:
            found.append(Violation("render", f"no longer renders with {'truthy' if truthy else 'empty'} samples"))
        elif after != before:
            found.append(Violation("render", f"rendered values differ ({'truthy' if truthy else 'empty'} samples)"))
    return found


def chat_contents(text: str, path: str) -> str | None:
    """The message texts of a chat file (YAML or JSON), joined; None when it is not one."""
    import yaml

    try:
        data = json.loads(text) if path.lower().endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return None
    items = data.get("messages") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return None
    texts = []
    for item in items:
        content = item.get("content") if isinstance(item, dict) else None
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(
                part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
            )
    return "\n\n".join(texts)

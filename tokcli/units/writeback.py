"""Writing a unit's new text back into its host file, only where it is exact.

Exact means: the value's source can be spelled again the way the user wrote it (a YAML literal block scalar
at the same indentation and chomping; a Python string literal whose escapes round-trip) with the line breaks
it had (CRLF, LF, an old Mac CR, or each line's own in a mixed file), the file still parses, every other byte
of it is unchanged, and reading the unit again gives the intended text. Anything else is refused with the
reason, and the file is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokcli.errors import TokcliError
from tokcli.lint.finding import Edit
from tokcli.units.model import PromptUnit, Slot
from tokcli.units.select import UnitSettings


class WriteRefused(Exception):
    """The unit cannot be written back exactly; `str()` says why."""


@dataclass(frozen=True)
class Change:
    unit: PromptUnit
    new_text: str


def _yaml_literal(slot: Slot, value: str) -> str:
    if slot.chomp == "":
        if not value.endswith("\n") or value.endswith("\n\n"):
            raise WriteRefused("the new text would change the block scalar's final line break (| keeps one)")
        body = value[:-1]
    elif slot.chomp == "-":
        if value.endswith("\n"):
            raise WriteRefused("the new text ends with a line break, which |- strips")
        body = value
    else:
        body = value[:-1] if value.endswith("\n") else value
        if not value.endswith("\n"):
            raise WriteRefused("the new text has no final line break, which |+ keeps")
    lines = body.split("\n")
    if lines and lines[0] and lines[0][0] == " ":
        raise WriteRefused("the new text starts with a space: YAML would read it as more indentation")
    out = [(slot.indent + line) if line else "" for line in lines]
    return "\n".join(out) + "\n"


def encode(unit: PromptUnit, value: str) -> str:
    """The new source of the unit's slot, with LF line breaks; WriteRefused when it cannot be spelled exactly."""
    slot = unit.slot
    if slot is None:
        raise WriteRefused(unit.refusal or "this value is not written back")
    if slot.style == "yaml-literal":
        return _yaml_literal(slot, value)
    if slot.style in ("js-literal", "js-join"):
        from tokcli.units.js_source import encode_js_literal

        return encode_js_literal(value, slot)
    from tokcli.units.python_source import encode_literal

    encoded = encode_literal(value, slot.prefix, slot.quote)
    if encoded is None:
        raise WriteRefused("the new text cannot be spelled in this string literal's style")
    return encoded


def apply_changes(
    host_text: str, changes: list[Change], settings: UnitSettings, relative: str | None = None
) -> tuple[str, list[tuple[Change, str]]]:
    """`host_text` with every change that can be written exactly; (change, reason) for the others."""
    from tokcli.units.scan import scan_host

    if len(changes) > 1:  # read the file again once for all of them, not once each (lint labels every host's)
        at_once = _apply_at_once(host_text, changes, settings, relative)
        if at_once is not None:
            return at_once
    refused: list[tuple[Change, str]] = []
    text = host_text
    written: dict[tuple[int, int], Change] = {}  # slot → the change written there (two units, one YAML anchor)
    for change in sorted(changes, key=lambda item: -(item.unit.slot.start if item.unit.slot else -1)):
        unit = change.unit
        try:
            source = encode(unit, change.new_text)
            slot = unit.slot
            assert slot is not None
            done = written.get((slot.start, slot.end))
            if done is not None:  # a unit read through an alias of a value already written
                if done.new_text != change.new_text:
                    raise WriteRefused(
                        f"its value is shared with {done.unit.key} (a YAML alias), which changes otherwise"
                    )
                continue
            candidate = _splice(unit.path, text, slot, source)
            try:
                rescanned = scan_host(unit.path, candidate, settings, relative)
            except TokcliError as error:
                raise WriteRefused(f"the file would not parse any more ({error.message})") from None
            found = [item for item in (rescanned.units if rescanned else []) if item.key == unit.key]
            if len(found) != 1 or found[0].text != change.new_text:
                raise WriteRefused("reading the file again does not give the new text")
            if slot.style == "yaml-literal" and "&" in text and "*" in text:  # only an alias reads a value twice
                _check_only_prompts_change(unit.path, text, candidate, changes)
            text = candidate
            written[(slot.start, slot.end)] = change
        except WriteRefused as why:
            refused.append((change, str(why)))
    return text, refused


def _apply_at_once(
    host_text: str, changes: list[Change], settings: UnitSettings, relative: str | None
) -> tuple[str, list[tuple[Change, str]]] | None:
    """`apply_changes`' result when every change its value's source can spell is written and the file, read
    once again, gives each its new text; None where anything else happens (`apply_changes` then writes them
    one at a time and says why each is refused)."""
    from tokcli.units.scan import NOTEBOOK_SUFFIXES, scan_host

    path = changes[0].unit.path
    refused: list[tuple[Change, str]] = []
    written: dict[tuple[int, int], Change] = {}
    edits: list[tuple[Slot, str]] = []
    for change in sorted(changes, key=lambda item: -(item.unit.slot.start if item.unit.slot else -1)):
        try:
            source = encode(change.unit, change.new_text)
        except WriteRefused as why:  # refused whatever else is written: it depends on the unit alone
            refused.append((change, str(why)))
            continue
        slot = change.unit.slot
        assert slot is not None
        done = written.get((slot.start, slot.end))
        if done is not None:
            if done.new_text != change.new_text:
                return None
            continue
        written[(slot.start, slot.end)] = change
        edits.append((slot, source))
    if not written:
        return host_text, refused
    text = host_text
    try:
        if path.lower().endswith(tuple(NOTEBOOK_SUFFIXES)):
            from tokcli.units.notebook import splice_all

            text = splice_all(path, text, edits)  # the notebook read and checked once, not once a change
        else:
            for slot, source in edits:  # from the file's end: the slots before stay put
                text = text[: slot.start] + with_line_breaks(text, slot.start, slot.end, source) + text[slot.end :]
    except WriteRefused:
        return None
    try:
        rescanned = scan_host(path, text, settings, relative)
    except TokcliError:
        return None
    read: dict[str, str | None] = {}
    for unit in rescanned.units if rescanned else []:
        read[unit.key] = None if unit.key in read else unit.text  # a key read twice is not known to be this one
    refused_ids = {id(change) for change, _ in refused}
    wanted = [change for change in changes if id(change) not in refused_ids]
    if any(read.get(change.unit.key) != change.new_text for change in wanted):
        return None
    yaml_literal = any(change.unit.slot and change.unit.slot.style == "yaml-literal" for change in wanted)
    if yaml_literal and "&" in host_text and "*" in host_text:
        try:
            _check_only_prompts_change(path, host_text, text, changes)
        except WriteRefused:
            return None
    return text, refused


def written_edit(host_text: str, unit: PromptUnit, new_text: str) -> Edit:
    """The edit of the host file that writing `new_text` as the unit's value makes, as write-back spells it: from
    the first changed character to the last. WriteRefused where `encode` or the splice refuses."""
    from tokcli.units.scan import NOTEBOOK_SUFFIXES

    slot = unit.slot
    if slot is None:
        raise WriteRefused(unit.refusal or "this value is not written back")
    source = encode(unit, new_text)
    if unit.path.lower().endswith(tuple(NOTEBOOK_SUFFIXES)):
        from tokcli.units.notebook import string_edit

        # the unit's whole new text was read back by `apply_changes`: this one edit of it needs no second look
        start, end, spelled = string_edit(unit.path, host_text, slot, source)
    else:
        start, end, spelled = slot.start, slot.end, with_line_breaks(host_text, slot.start, slot.end, source)
    old = host_text[start:end]
    same_head = _common_length(old, spelled, from_end=False)
    same_tail = _common_length(old[same_head:], spelled[same_head:], from_end=True)
    return Edit(start + same_head, end - same_tail, spelled[same_head : len(spelled) - same_tail])


def _common_length(one: str, other: str, *, from_end: bool) -> int:
    """How many characters `one` and `other` share at their start (or end), by bisection on slice comparisons
    (each a C compare)."""
    low, high = 0, min(len(one), len(other))
    while low < high:
        middle = (low + high + 1) // 2
        same = one[-middle:] == other[-middle:] if from_end else one[:middle] == other[:middle]
        low, high = (middle, high) if same else (low, middle - 1)
    return low


def _splice(path: str, text: str, slot: Slot, source: str) -> str:
    """The host text with the slot's source replaced: in place, or in a notebook, in its cell's JSON strings."""
    from tokcli.units.scan import NOTEBOOK_SUFFIXES

    if path.lower().endswith(tuple(NOTEBOOK_SUFFIXES)):
        from tokcli.units.notebook import splice

        return splice(path, text, slot, source)
    return text[: slot.start] + with_line_breaks(text, slot.start, slot.end, source) + text[slot.end :]


def with_line_breaks(text: str, start: int, end: int, source: str) -> str:
    """`source` (LF) with the line breaks of `text[start:end]`, the source it replaces: a Windows file's
    literal stays CRLF, an old Mac one's CR, a mixed one keeps each line's (Python and YAML read every
    kind as LF, so the value is the same)."""
    from tokcli.line_ends import host_line_break, keep_host_line_breaks

    if "\r" in source:  # unreachable from the encoders, which escape a CR or refuse it: never a line break
        raise WriteRefused("the new text holds a CR, which the file would read as a line break")
    spelled = keep_host_line_breaks(text[start:end], source, host_line_break(text, start, end))
    if spelled is None:
        raise WriteRefused("its source mixes old Mac line ends (CR alone) with others")
    return spelled


def _check_only_prompts_change(path: str, text: str, candidate: str, changes: list[Change]) -> None:
    """WriteRefused when `candidate` reads differently from `text` anywhere but at the units being changed, each
    to its new text: an anchored block scalar is also read through its aliases, which may be settings."""
    from tokcli.structured import load_yaml
    from tokcli.units.select import join_key
    from tokcli.units.yaml_config import walk_data

    wanted = {change.unit.key: change.new_text for change in changes}
    before = {join_key(parts): value for parts, value, _ in walk_data(load_yaml(text, path), [])}
    after = {join_key(parts): value for parts, value, _ in walk_data(load_yaml(candidate, path), [])}
    missing = object()
    others = sorted(
        key
        for key in before.keys() | after.keys()
        if before.get(key, missing) != after.get(key, missing) and wanted.get(key, missing) != after.get(key)
    )
    if others:
        shown = ", ".join(others[:3]) + (" …" if len(others) > 3 else "")
        raise WriteRefused(f"the edit would also change {shown} (a YAML alias of this value)")

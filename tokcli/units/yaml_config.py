"""Prompt units of YAML and JSON config files: the string values at the selected key paths.

YAML is composed with the safe loader (never constructed into objects of arbitrary types), so each scalar
keeps its marks: the line and column of its first character, and for block scalars the exact lines that hold
the value (the only values written back). JSON values are found in the text by their escaped spelling.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from tokcli.units.model import Anchor, HostScan, PromptUnit, Slot
from tokcli.units.presets import GENERIC, Preset, detect_preset
from tokcli.units.select import KeyMatcher, UnitSettings, join_key
from tokcli.units.syntax import infer_syntax, is_prose

_STR_TAG = "tag:yaml.org,2002:str"
#: What every command says about a YAML/JSON file without prompts.
NO_PROMPTS = "YAML/JSON without prompts: no chat messages, no preset matched, no key names a prompt (see prompts.keys)"
_BLOCK_STYLES = ("|", ">")


def compose_yaml(path: str, text: str) -> Any:
    """The YAML node tree of `text` (None when empty); InputError with the line for invalid or hostile YAML."""
    from tokcli.structured import compose_yaml as compose

    return compose(text, path)


def node_data(node: Any) -> Any:
    """Plain data of a composed node: mappings, lists and scalar strings (enough to detect a preset)."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        return {key.value: node_data(value) for key, value in node.value if isinstance(key, yaml.ScalarNode)}
    if isinstance(node, yaml.SequenceNode):
        return [node_data(item) for item in node.value]
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR_TAG else None
    return None


def is_chat_shaped_node(node: Any) -> bool:
    """`is_chat_shaped(node_data(node))`, from the top of the tree only (a mapping with a `messages` key, or a
    list of mappings that each have a `role` key): the rest of the tree is not turned into data for it."""
    import yaml

    def has_key(mapping: Any, name: str) -> bool:
        return any(isinstance(key, yaml.ScalarNode) and key.value == name for key, _ in mapping.value)

    if isinstance(node, yaml.MappingNode):
        return has_key(node, "messages")
    if isinstance(node, yaml.SequenceNode):
        return bool(node.value) and all(
            isinstance(item, yaml.MappingNode) and has_key(item, "role") for item in node.value
        )
    return False


def _walk_yaml(node: Any, parts: list[str | int]) -> Iterator[tuple[list[str | int], Any, Any]]:
    """(key path, scalar node, parent mapping node) of every string scalar below `node`."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        # a key given twice: YAML loaders keep the last value, so the application never sends the first
        last = {key.value: index for index, (key, _) in enumerate(node.value) if isinstance(key, yaml.ScalarNode)}
        for index, (key, value) in enumerate(node.value):
            if isinstance(key, yaml.ScalarNode) and last[key.value] == index:
                if isinstance(value, yaml.ScalarNode):
                    if value.tag == _STR_TAG:
                        yield [*parts, key.value], value, node
                else:
                    yield from _walk_yaml(value, [*parts, key.value])
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            if isinstance(item, yaml.ScalarNode):
                if item.tag == _STR_TAG:
                    yield [*parts, index], item, None
            else:
                yield from _walk_yaml(item, [*parts, index])


def _lookup(data: Any, key: str) -> Any:
    from tokcli.units.select import pattern_segments

    for segment in pattern_segments(key):
        if segment.startswith("[") and isinstance(data, list):
            index = int(segment[1:-1])
            data = data[index] if index < len(data) else None
        elif isinstance(data, dict):
            data = data.get(segment)
        else:
            return None
    return data


def _file_model(preset: Preset | None, data: Any) -> str | None:
    if preset is None:
        return None
    for key in preset.models:
        value = _lookup(data, key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
            return value[0]
    return None


def _choose(path: str, data: Any, settings: UnitSettings, relative: str) -> tuple[list[str], Preset | None, str]:
    """(key patterns, preset, source name) for one file: configured keys win, then a detected preset, then
    the generic key names."""
    configured = settings.keys_for(relative)
    if configured:
        return configured, None, "keys"
    if settings.presets is not None and not settings.presets:
        return [], None, "keys"
    preset = detect_preset(PurePath(path).name, data, settings.presets)
    if preset is not None:
        return list(preset.keys), preset, preset.name
    return list(GENERIC.keys), GENERIC, GENERIC.name


def _block_slot(text: str, node: Any) -> tuple[Slot | None, int, int, str | None]:
    """(slot, first content line, indent width, refusal) of a block scalar. Literal (`|`) scalars are
    written back; folded ones are not (their line breaks are re-flowed)."""
    indicator_line_end = text.find("\n", node.start_mark.index)
    if indicator_line_end < 0:
        return None, node.start_mark.line + 1, 0, "empty block scalar"
    header = text[node.start_mark.index : indicator_line_end].split("#", 1)[0].strip()
    start = indicator_line_end + 1
    end = node.end_mark.index
    content = text[start:end]
    indent = 0
    for line in content.split("\n"):
        if line.strip():
            indent = len(line) - len(line.lstrip(" "))
            break
    first_line = node.start_mark.line + 2
    for line in content.split("\n"):
        if line.strip():
            break
        first_line += 1
    chomp = "-" if "-" in header else "+" if "+" in header else ""
    if chomp != "+":  # blank lines after the last content line are not the value's: they stay as they are
        last = content.find("\n", len(content.rstrip()))
        end = start + (last + 1 if last >= 0 else len(content))
        content = text[start:end]
    if node.style == ">":
        return None, first_line, indent, "folded block scalar (>): YAML re-flows its lines"
    if any(char.isdigit() for char in header):
        return None, first_line, indent, "block scalar with an explicit indentation indicator"
    if "\t" in content[:indent]:
        return None, first_line, indent, "block scalar with tab indentation"
    return Slot(start, end, "yaml-literal", indent=" " * indent, chomp=chomp), first_line, indent, None


def _yaml_unit(
    path: str, text: str, parts: list[str | int], node: Any, syntax: str, source: str, model: str | None
) -> PromptUnit:
    value = node.value
    key = join_key(parts)
    if node.style in _BLOCK_STYLES:
        slot, first_line, indent, refusal = _block_slot(text, node)
        anchors: list[Anchor] = []
        if node.style == "|":
            offset = 0
            skipped_blank = value[: len(value) - len(value.lstrip("\n"))].count("\n")
            for number, line in enumerate(value.split("\n")):
                anchors.append(Anchor(offset, first_line - skipped_blank + number, indent + 1))
                offset += len(line) + 1
        else:
            anchors.extend(_folded_anchors(text, node, value, skip_first=True) or [Anchor(0, first_line, indent + 1)])
        first = anchors[0] if anchors else Anchor(0, first_line, indent + 1)
        return PromptUnit(
            path,
            key,
            value,
            first.line,
            first.column,
            syntax,
            source,
            model=model,
            anchors=tuple(anchors),
            slot=slot,
            refusal=refusal,
        )
    column = node.start_mark.column + 1 + (1 if node.style in ("'", '"') else 0)
    line = node.start_mark.line + 1
    if node.end_mark.line == node.start_mark.line:
        single_line: tuple[Anchor, ...] = (Anchor(0, line, column),)
    else:  # a plain or quoted scalar over several lines, folded into one
        single_line = tuple(_folded_anchors(text, node, value, skip_first=False))
    style = {"'": "single-quoted", '"': "double-quoted"}.get(node.style or "", "plain")
    return PromptUnit(
        path,
        key,
        value,
        line,
        column,
        syntax,
        source,
        model=model,
        anchors=single_line,
        refusal=f"{style} YAML scalar: only block scalars (|) are written back exactly",
    )


def _folded_anchors(text: str, node: Any, value: str, *, skip_first: bool) -> list[Anchor]:
    """Anchors of a scalar whose source lines YAML folds (`>`, plain and quoted scalars over several lines):
    each source line's text is found, in order, in the value, and anchored at its own line and column. A line
    whose text is not found as written (escapes in a quoted scalar) gets none: the one before stays in force."""
    anchors: list[Anchor] = []
    region = text[node.start_mark.index : node.end_mark.index]
    cursor = 0
    for number, source_line in enumerate(region.split("\n")):
        if number == 0 and skip_first:
            continue  # a block scalar's indicator line
        # the region starts at the scalar (its opening quote), not at its line's start
        line_start = node.start_mark.column if number == 0 else 0
        content = source_line[1 if number == 0 and node.style in ("'", '"') else 0 :].lstrip(" \t")
        probe = content.split("\\", 1)[0].rstrip().rstrip("'\"").rstrip() if node.style == '"' else content.rstrip()
        if node.style == "'":
            probe = probe.split("'", 1)[0]
        if not probe:
            continue
        found = value.find(probe, cursor)
        if found < 0:
            continue
        column = line_start + len(source_line) - len(content) + 1
        anchors.append(Anchor(found, node.start_mark.line + 1 + number, column))
        cursor = found + len(probe)
    return anchors


def scan_yaml(
    path: str, text: str, settings: UnitSettings, relative: str | None = None, composed: tuple[Any] | None = None
) -> HostScan:
    """Units of a YAML file; `composed` is its node tree when the caller composed it already (in a 1-tuple)."""
    import yaml

    scan = HostScan(path, "yaml")
    root = composed[0] if composed is not None else compose_yaml(path, text)
    if root is None:
        scan.note = "empty YAML file"
        return scan
    data = node_data(root)
    patterns, preset, source = _choose(path, data, settings, relative or path)
    matcher = KeyMatcher.of(patterns)
    model = _file_model(preset, data)
    prose_only = preset is GENERIC
    for parts, node, parent in _walk_yaml(root, []):
        if source == "promptfoo" and _promptfoo_label(parts, parent):
            key_node = next(key for key, value in parent.value if value is node)
            if key_node.value.strip() and not key_node.value.startswith("file://"):
                unit = _yaml_unit(
                    path, text, ["prompts", node.value or key_node.value], key_node, "jinja2", source, model
                )
                scan.units.append(dataclasses.replace(unit, slot=None, refusal=_PROMPTFOO_KEY))
            continue
        if not matcher.matches(parts) or not node.value.strip():
            continue
        if prose_only and not is_prose(node.value):
            continue
        if source == "promptfoo" and node.value.startswith("file://"):
            continue
        unit_model = model
        if preset is not None and preset.sibling_model and isinstance(parent, yaml.MappingNode):
            for key, value in parent.value:
                if getattr(key, "value", None) == preset.sibling_model and isinstance(value, yaml.ScalarNode):
                    unit_model = value.value or unit_model
        syntax = preset.syntax if preset is not None and preset is not GENERIC else infer_syntax(node.value)
        scan.units.append(_yaml_unit(path, text, parts, node, syntax, source, unit_model))
    scan.preset = preset.name if preset is not None and scan.units else None
    if not scan.units:
        scan.note = _no_prompts_note(source)
    return scan


_PROMPTFOO_KEY = "a mapping key (promptfoo's map of prompts to labels)"


def _promptfoo_label(parts: list[str | int], parent: Any) -> bool:
    """Is this value a label in promptfoo's map form, `prompts: {prompt or file://path: label}`? There the key is
    the prompt and the value only names it in reports."""
    return len(parts) == 2 and parts[0] == "prompts" and isinstance(parts[1], str) and parent is not None


def _no_prompts_note(source: str) -> str:
    if source == "keys":
        return "no prompts: no string value at the configured prompts.keys paths"
    return NO_PROMPTS


def scan_json(path: str, text: str, settings: UnitSettings, relative: str | None = None) -> HostScan:
    from tokcli.structured import load_json

    scan = HostScan(path, "json")
    data = load_json(text, path)
    patterns, preset, source = _choose(path, data, settings, relative or path)
    matcher = KeyMatcher.of(patterns)
    model = _file_model(preset, data)
    cursor = 0
    for parts, value, parent in walk_data(data, []):
        if source == "promptfoo" and _promptfoo_label(parts, parent) and isinstance(value, str):
            prompt = str(parts[1])
            if prompt.strip() and not prompt.startswith("file://"):
                from tokcli.prompts import line_col

                found = text.find(json.dumps(prompt, ensure_ascii=False))
                line, column = line_col(text, found + 1) if found >= 0 else (1, 1)
                label: list[str | int] = ["prompts", value or prompt]
                scan.units.append(
                    PromptUnit(
                        path,
                        join_key(label),
                        prompt,
                        line,
                        column,
                        "jinja2",
                        source,
                        model=model,
                        refusal=_PROMPTFOO_KEY,
                    )
                )
            continue
        if not isinstance(value, str) or not value.strip() or not matcher.matches(parts):
            continue
        if preset is GENERIC and not is_prose(value):
            continue
        if source == "promptfoo" and value.startswith("file://"):
            continue
        found, cursor = _find_json_string(text, parts, value, cursor)
        from tokcli.prompts import line_col

        line, column = line_col(text, found) if found >= 0 else (1, 1)
        unit_model = model
        if preset is not None and preset.sibling_model and isinstance(parent, dict):
            sibling = parent.get(preset.sibling_model)
            unit_model = sibling if isinstance(sibling, str) and sibling else unit_model
        syntax = preset.syntax if preset is not None and preset is not GENERIC else infer_syntax(value)
        anchors = _json_string_anchors(text, found, value, line, column) if found >= 0 else ()
        scan.units.append(
            PromptUnit(
                path,
                join_key(parts),
                value,
                line,
                column,
                syntax,
                source,
                model=unit_model,
                anchors=anchors,
                refusal="JSON string: its escapes are not written back",
            )
        )
    scan.preset = preset.name if preset is not None and scan.units else None
    if not scan.units:
        scan.note = _no_prompts_note(source)
    return scan


def _json_string_anchors(text: str, found: int, value: str, line: int, column: int) -> tuple[Anchor, ...]:
    """Anchors of a JSON string value spelled at `text[found:]` (as `json.dumps` spells it, `\\uXXXX` or not):
    one after each escape (`\\n`, `\\"`, `\\u00e9`), where the value and its spelling stop lining up."""
    for ascii_only in (False, True):
        if text.startswith(json.dumps(value, ensure_ascii=ascii_only)[1:-1], found):
            break
    else:
        return ()
    anchors = [Anchor(0, line, column)]
    for offset, char in enumerate(value):
        width = len(json.dumps(char, ensure_ascii=ascii_only)) - 2
        column += width
        if width != 1:
            anchors.append(Anchor(offset + 1, line, column))
    return tuple(anchors)


def walk_data(data: Any, parts: list[str | int]) -> Iterator[tuple[list[str | int], Any, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)):
                yield from walk_data(value, [*parts, str(key)])
            else:
                yield [*parts, str(key)], value, data
    elif isinstance(data, list):
        for index, item in enumerate(data):
            if isinstance(item, (dict, list)):
                yield from walk_data(item, [*parts, index])
            else:
                yield [*parts, index], item, None


def _find_json_string(text: str, parts: list[str | int], value: str, cursor: int) -> tuple[int, int]:
    """Offset of the first character of `value`'s string literal (inside its quotes) at or after `cursor`,
    after its key when it has one; (-1, cursor) when its spelling is not found."""
    start = cursor
    if parts and isinstance(parts[-1], str):
        key_at = text.find(json.dumps(parts[-1]), cursor)
        if key_at >= 0:
            start = key_at
    for ascii_only in (False, True):
        encoded = json.dumps(value, ensure_ascii=ascii_only)
        found = text.find(encoded, start)
        if found >= 0:
            return found + 1, found + len(encoded)
    return -1, cursor

"""Running a level's transforms over masked text, in order, keeping every stage (for rollbacks).

A large text is split in two at a blank line and each part is transformed in its own process (see
`tokcli.forked`): the transforms are pure-Python regex scans, so a second CPU takes a large share of the
time. The result is the same as transforming the whole text (a test checks this on generated texts):
- every transform marked `by_parts` gives, on two parts split between two line breaks ("…\\n" + "\\n…"), the
  two parts of its result on the whole, and keeps that shape (no transform removes the line break that ends
  the first part or the empty line that starts the second);
- `duplicate_sentences` remembers the sentences it saw: the first part's memory is handed to the second;
- the transforms from the first one not `by_parts` onwards run on the joined text.

The intermediate stages of the part transformed in the child stay there until a rollback asks for them
(`TransformRun.stages`); most runs only need the final text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tokcli import forked
from tokcli.compress.transforms import SENTINEL, Transform

#: Masked texts at least this long are transformed in two parts in parallel (when `forked.available()`).
PARALLEL_MIN_CHARS = 1_000_000

# One transform's outcome on a text or part: (times fired, whether it changed the text, whether it was
# rejected for changing the number of sentinels).
_Outcome = tuple[int, bool, bool]


@dataclass
class _Part:
    """One part's run: its input, the outcome of each transform, and the text after each one that changed it
    (None while they are still in the child process)."""

    text: str
    outcomes: list[_Outcome]
    final: str
    texts: list[str] | None


@dataclass
class TransformRun:
    """What the transforms did to a masked text: the final text, counts, and (on demand) every stage."""

    #: transform name → times it fired (those kept)
    fired: dict[str, int] = field(default_factory=dict)
    #: transforms that changed the number of sentinels (touched a protected span): not applied (in the part
    #: where they did, for a text transformed in parts)
    rejected: list[str] = field(default_factory=list)
    #: the names of the transforms that changed the text, in order (the stages after the input)
    names: list[str] = field(default_factory=list)
    final: str = ""
    _blocks: list[tuple[list[Transform], list[_Part]]] = field(default_factory=list, repr=False)
    _child: forked.Child | None = field(default=None, repr=False)
    _stages: list[tuple[str, str]] | None = field(default=None, repr=False)

    def stages(self) -> list[tuple[str, str]]:
        """(transform name, masked text after it), starting with ("", the input): one per transform that
        changed the text. Fetched from the child process on first use."""
        if self._stages is None:
            stages: list[tuple[str, str]] = []
            for transforms, parts in self._blocks:
                for part in parts:
                    if part.texts is None:
                        part.texts = self._fetch()
                texts = [part.text for part in parts]
                if not stages:
                    stages.append(("", "".join(texts)))
                changed = [iter(part.texts or []) for part in parts]
                for index, transform in enumerate(transforms):
                    if any(part.outcomes[index][1] for part in parts):
                        for number, part in enumerate(parts):
                            if part.outcomes[index][1]:
                                texts[number] = next(changed[number])
                        stages.append((transform.name, "".join(texts)))
            self._stages = stages
        return self._stages

    def _fetch(self) -> list[str]:
        child, self._child = self._child, None
        assert child is not None
        child.send("stages")
        texts: list[str] = child.result()
        return texts

    def close(self) -> None:
        """Let the child process go (if it still waits to hand over its stages)."""
        if self._child is not None:
            self._child.close()
            self._child = None

    def _add(self, transforms: list[Transform], parts: list[_Part]) -> None:
        self._blocks.append((transforms, parts))
        for index, transform in enumerate(transforms):
            outcomes = [part.outcomes[index] for part in parts]
            if any(rejected for _, _, rejected in outcomes) and transform.name not in self.rejected:
                self.rejected.append(transform.name)
            if any(changed for _, changed, _ in outcomes):
                self.names.append(transform.name)
                self.fired[transform.name] = self.fired.get(transform.name, 0) + sum(
                    fired for fired, changed, _ in outcomes if changed
                )
        self.final = "".join(part.final for part in parts)


def run_transforms(masked: str, transforms: list[Transform]) -> TransformRun:
    """Apply `transforms` to `masked` in order; a transform that changes the number of `SENTINEL`s is skipped.
    Call `close()` on the result when done with it."""
    by_parts = 0  # the leading transforms that may run in parts: `by_parts`, and at most one remembering one
    remembering = 0
    for transform in transforms:
        remembering += transform.apply_after is not None
        if not transform.by_parts or remembering > 1:
            break
        by_parts += 1
    split = _split_point(masked) if by_parts else 0  # (0 for a short text, before asking `forked`)
    if split and not forked.available():
        split = 0
    run = TransformRun()
    if not split:
        run._add(transforms, [_apply_all(masked, transforms, set)])
        return run
    run._child, parts = _apply_in_parts(masked[:split], masked[split:], transforms[:by_parts])
    run._add(transforms[:by_parts], parts)
    if by_parts < len(transforms):
        run._add(transforms[by_parts:], [_apply_all(run.final, transforms[by_parts:], set)])
    return run


def _split_point(masked: str) -> int:
    """Where a large text is split: after the first line break of a blank line past the middle (0: not split)."""
    if len(masked) < PARALLEL_MIN_CHARS:
        return 0
    found = masked.find("\n\n", len(masked) // 2)
    return found + 1 if found >= 0 else 0


def _apply_all(text: str, transforms: list[Transform], earlier: Callable[[], set[str]]) -> _Part:
    """Each transform applied to `text` in turn; `earlier` gives a remembering transform the memory of the
    text before this one (see `Transform.apply_after`)."""
    part = _Part(text, [], text, [])
    sentinels = text.count(SENTINEL)
    for transform in transforms:
        current = part.final
        if transform.apply_after is not None:
            new, fired = transform.apply_after(current, earlier)
        else:
            new, fired = transform.apply(current)
        if not fired or new == current:
            part.outcomes.append((fired, False, False))
        elif new.count(SENTINEL) != sentinels:
            part.outcomes.append((fired, False, True))
        else:
            part.outcomes.append((fired, True, False))
            assert part.texts is not None
            part.texts.append(new)
            part.final = new
    return part


def _apply_in_parts(first: str, second: str, transforms: list[Transform]) -> tuple[forked.Child | None, list[_Part]]:
    """Both parts transformed, the second in a forked child (returned, holding that part's stages; None when
    the child failed and this process did its part). The remembering transform (at most one) runs on the
    second part with the memory the first part left, sent over the pipe: the child finds its sentences first
    and only then waits for it."""
    remembering = next((i for i, transform in enumerate(transforms) if transform.apply_after), len(transforms))

    def in_child(parent: forked.Parent) -> list[str] | None:
        part = _apply_all(second, transforms, parent.receive)
        parent.send((part.outcomes, part.final))
        try:
            wanted = parent.receive()
        except EOFError:  # the stages were not needed
            return None
        return part.texts if wanted == "stages" else None

    child: forked.Child | None = forked.Child(in_child)
    try:
        seen: set[str] = set()
        first_part = _apply_all(first, transforms[: remembering + 1], lambda: seen)
        try:
            if remembering < len(transforms):
                child.send(seen)  # type: ignore[union-attr]
        except forked.ChildFailed:
            pass  # `receive` below says so
        if remembering + 1 < len(transforms):
            rest = _apply_all(first_part.final, transforms[remembering + 1 :], set)
            first_part.outcomes.extend(rest.outcomes)
            assert first_part.texts is not None and rest.texts is not None
            first_part.texts.extend(rest.texts)
            first_part.final = rest.final
        try:
            outcomes, final = child.receive()  # type: ignore[union-attr]
            second_part = _Part(second, outcomes, final, None)
        except forked.ChildFailed:  # do the child's part here, with the memory the first part left before it
            child = None
            memory: set[str] = set()
            if remembering < len(transforms):
                _apply_all(first, transforms[: remembering + 1], lambda: memory)
            second_part = _apply_all(second, transforms, lambda: memory)
    except BaseException:
        if child is not None:
            child.close()  # its pipe closes and it ends
        raise
    return child, [first_part, second_part]

"""Deltas against a git ref (`--since REF`, read with git's object store: no checkout) or a baseline JSON
file (`--baseline FILE`, written by `--write-baseline FILE`), and the `--fail-on-increase` check."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import posixpath
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tokcli import __version__
from tokcli.audit.analyze import FileAudit, ModelTarget
from tokcli.audit.budgets import TOKEN_INCREASE
from tokcli.audit.discover import Matcher, display_path, relative_to
from tokcli.errors import ConfigError, InputError, UsageError
from tokcli.inputs import read_regular_file
from tokcli.lint.finding import Finding
from tokcli.structured import guarded

BASELINE_FORMAT = 1


@dataclass
class Snapshot:
    """Tokens (and cost per call) per file and model at some earlier point."""

    source: str  # "git <ref> (<sha>)" or "baseline <file>"
    files: dict[str, dict[str, tuple[int, Decimal | None]]] = field(default_factory=dict)  # path → model → …
    models: list[str] = field(default_factory=list)
    tools: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # path → model → tool → tokens
    rendered: dict[str, dict[str, int]] = field(default_factory=dict)  # path → model → largest render


@dataclass(frozen=True)
class ModelDelta:
    model: str
    before: int
    after: int
    cost_before: Decimal | None = None
    cost_after: Decimal | None = None

    @property
    def delta(self) -> int:
        return self.after - self.before

    @property
    def percent(self) -> float | None:
        """Change in percent of `before`; None when there was nothing before."""
        if self.before == 0:
            return None if self.after else 0.0
        return 100.0 * (self.after - self.before) / self.before

    @property
    def cost_delta(self) -> Decimal | None:
        if self.cost_before is None or self.cost_after is None:
            return None
        return self.cost_after - self.cost_before


@dataclass(frozen=True)
class ToolDelta:
    """A tool whose definition changed size on the first model (0 before: new; 0 after: removed)."""

    name: str
    before: int
    after: int


@dataclass
class FileDelta:
    path: str
    status: str  # "new" | "deleted" | "changed" | "unchanged"
    models: list[ModelDelta] = field(default_factory=list)
    tools: list[ToolDelta] = field(default_factory=list)  # on the first compared model, biggest change first
    rendered: ModelDelta | None = None  # the largest render over the fixtures, on the first compared model

    def model(self, name: str) -> ModelDelta | None:
        return next((delta for delta in self.models if delta.model == name), None)


@dataclass
class DeltaReport:
    source: str
    models: list[str]  # the models compared (audited now and present before)
    files: list[FileDelta] = field(default_factory=list)
    totals: list[ModelDelta] = field(default_factory=list)
    threshold: float | None = None  # --fail-on-increase, percent

    def counts(self) -> dict[str, int]:
        result = {"new": 0, "deleted": 0, "changed": 0, "unchanged": 0}
        for item in self.files:
            result[item.status] += 1
        return result


# -- git ---------------------------------------------------------------------------------------------------


def _git(args: Sequence[str], cwd: Path, data: bytes | None = None) -> bytes:
    try:
        completed = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("--since needs git, which is not installed") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {message[-1] if message else completed.returncode}")
    return completed.stdout


def git_root(cwd: Path) -> Path:
    try:
        return Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    except UsageError:
        raise UsageError("--since needs a git repository; use --baseline FILE without one") from None


def resolve_ref(ref: str, root: Path) -> str:
    try:
        return _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root).decode().strip()
    except UsageError:
        raise UsageError(f"--since: unknown git ref {ref!r}") from None


@dataclass(frozen=True)
class TreeEntry:
    kind: str  # "blob", "tree", "commit" (a submodule) or "link" (a symbolic link, its blob the path it names)
    object_id: str


def tree_entries(sha: str, scopes: Sequence[str], root: Path) -> dict[str, TreeEntry]:
    """The files under `scopes` (repo-relative) in commit `sha`, by repo-relative name.

    Names come NUL-separated and unquoted (`-z`) and scopes are literal pathspecs, so a name may hold spaces,
    quotes, newlines, glob characters or any bytes the file system allows."""
    if not scopes:
        return {}
    listing = _git(["--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", sha, "--", *scopes], root)
    entries = _parse_listing(listing)
    links = {name: entry.object_id for name, entry in entries.items() if entry.kind == "link"}
    targets = _link_targets(sha, links, entries, root)
    for name in links:  # a link is read as its target is at `sha`, as the audit reads it now
        target = targets.get(name)
        if target is None:
            del entries[name]  # dangling then, or outside the repository: no figure at `sha`
        else:
            entries[name] = target
    return entries


#: A symbolic link's mode in a git tree: its blob is the path it points to.
_LINK_MODE = "120000"
#: Links followed through other links at most this many times (git's own limit for a link chain is 40).
_MAX_LINK_HOPS = 40


def _parse_listing(listing: bytes) -> dict[str, TreeEntry]:
    entries: dict[str, TreeEntry] = {}
    for record in filter(None, listing.split(b"\0")):
        header, _, name = record.partition(b"\t")
        mode, kind, object_id = header.decode("ascii").split(" ")
        entries[os.fsdecode(name)] = TreeEntry("link" if mode == _LINK_MODE else kind, object_id)
    return entries


def _link_targets(sha: str, links: dict[str, str], entries: dict[str, TreeEntry], root: Path) -> dict[str, TreeEntry]:
    """The blob each link (by name → its blob id) points to at `sha`, through other links; a link whose target
    is missing, outside the repository or not a file is left out."""
    found: dict[str, TreeEntry] = {}
    pending = dict(links)  # link name → blob id of the link it has reached
    at = {name: name for name in links}  # link name → path of the link it has reached (targets are relative to it)
    known = dict(entries)
    for _ in range(_MAX_LINK_HOPS):
        if not pending:
            break
        paths = read_blobs(list(pending.values()), root)
        reached: dict[str, str] = {}  # link name → repo-relative path it reaches now
        for name, object_id in pending.items():
            data = paths.get(object_id)
            if data is None:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(at[name]), os.fsdecode(data)))
            if not target.startswith(("/", "../")) and target != "..":
                reached[name] = target
        unknown = sorted({target for target in reached.values() if target not in known})
        if unknown:
            listing = _git(["--literal-pathspecs", "ls-tree", "-z", "--full-tree", sha, "--", *unknown], root)
            known.update(_parse_listing(listing))
        pending = {}
        for name, target in reached.items():
            entry = known.get(target)
            if entry is None or entry.kind not in ("blob", "link"):
                continue
            if entry.kind == "blob":
                found[name] = entry
            else:
                pending[name], at[name] = entry.object_id, target
    return found


def read_blobs(object_ids: Sequence[str], root: Path) -> dict[str, bytes]:
    """Contents of the blobs `object_ids`, like `git show ID` for each but in one `git cat-file --batch`.

    Asking by object id rather than by `REF:path` keeps file names out of git's line-based request format."""
    if not object_ids:
        return {}
    unique = list(dict.fromkeys(object_ids))
    output = _git(["cat-file", "--batch"], root, "".join(f"{oid}\n" for oid in unique).encode("ascii"))
    found: dict[str, bytes] = {}
    position = 0
    for object_id in unique:
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split(b" ")
        position = header_end + 1
        if len(header) != 3:  # "<id> missing": an object the repository does not have (a shallow clone)
            continue
        size = int(header[2])
        if header[1] == b"blob":
            found[object_id] = output[position : position + size]
        position += size + 1
    return found


def git_snapshot(
    ref: str,
    paths: Sequence[str],
    current: Sequence[FileAudit],
    matcher: Matcher,
    config_root: Path,
    targets: Sequence[ModelTarget],
    cost_options: Any,
    rendering: Any = None,
    units: Any = None,
) -> Snapshot:
    """Tokens per file at `ref` for the files audited now plus the files that matched then but are gone.
    With `rendering` (tokcli.render.RenderSettings), templates that changed are rendered at `ref` with today's
    fixtures, so deltas cover the rendered figures too."""
    cwd = Path.cwd().resolve()
    root = git_root(cwd).resolve()
    sha = resolve_ref(ref, root)
    wanted: dict[str, str] = {}  # repo-relative → shown path
    for file in current:
        host = file.path.partition("::")[0]  # a prompt unit's row: its host file is read at the ref
        # the directory resolved, not the file: a link is its own entry at the ref, not its target's
        given = cwd / host if not Path(host).is_absolute() else Path(host)
        absolute = given.parent.resolve() / given.name
        try:
            wanted[absolute.relative_to(root).as_posix()] = host
        except ValueError:
            continue
    scopes: list[str] = []
    for raw in paths:
        absolute = Path(raw).resolve()
        try:
            scopes.append(absolute.relative_to(root).as_posix() or ".")
        except ValueError:
            continue
    entries = tree_entries(sha, scopes, root)
    for name, entry in entries.items():
        if name in wanted or entry.kind != "blob":
            continue
        absolute = root / name
        explicit = any(Path(raw).resolve() == absolute for raw in paths)
        relative = relative_to(absolute, config_root.resolve(), root)
        if explicit or matcher.wanted(relative):
            wanted[name] = display_path(absolute, cwd)
    blob_ids = {name: entry.object_id for name, entry in entries.items() if name in wanted and entry.kind == "blob"}
    contents = read_blobs(list(blob_ids.values()), root)
    blobs = {name: contents[oid] for name, oid in blob_ids.items() if oid in contents}
    digests = {file.path: file for file in current}
    snapshot = Snapshot(source=f"git {ref} ({sha[:12]})", models=[target.model for target in targets])
    to_count: list[tuple[str, str]] = []
    for name, data in blobs.items():
        shown = wanted[name]
        now = digests.get(shown)
        if now is not None and hashlib.sha256(data).hexdigest() == now.digest:
            snapshot.files[shown] = {f.model: (f.tokens, f.cost_per_call) for f in now.figures}
            snapshot.tools[shown] = {f.model: {t[0]: t[1] for t in f.tools} for f in now.figures if f.tools}
            # Same template, same (current) fixtures: the same renders.
            snapshot.rendered[shown] = {f.model: f.rendered.maximum for f in now.figures if f.rendered is not None}
            continue
        if b"\x00" in data[:8192]:
            continue
        try:
            text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        except UnicodeDecodeError:
            continue
        to_count.append((shown, text))
    from tokcli.units.audit import expand_texts

    snapshot.files.update(count_snapshot(expand_texts(to_count, units), targets, cost_options, snapshot.tools))
    if rendering is not None:
        from tokcli.audit.rendered import rendered_maxima

        snapshot.rendered.update(rendered_maxima(to_count, targets, rendering, config_root))
    return snapshot


def count_snapshot(
    texts: Sequence[tuple[str, str]],
    targets: Sequence[ModelTarget],
    cost_options: Any,
    tools: dict[str, dict[str, dict[str, int]]] | None = None,
) -> dict[str, dict[str, tuple[int, Decimal | None]]]:
    """Tokens and cost per call of each (path, text) per model; each tool's tokens go into `tools`."""
    from tokcli.audit.analyze import model_tool_prompt, tokenizer_targets
    from tokcli.counting import count_inputs
    from tokcli.inputs import InputText
    from tokcli.pricing.cost import compute_cost
    from tokcli.tool_tokens import forces_tool

    if not texts:
        return {}
    inputs = [InputText(path, text) for path, text in texts]
    tokenizers = list(dict.fromkeys(target.tokenizer for target in targets))
    models = {target.tokenizer: (target.provider, target.model) for target in reversed(targets)}
    report = count_inputs(inputs, tokenizer_targets(tokenizers, models))
    counted = {(row.path, row.tokenizer): row for row in report.results}
    result: dict[str, dict[str, tuple[int, Decimal | None]]] = {}
    for path, _ in texts:
        entry: dict[str, tuple[int, Decimal | None]] = {}
        for target in targets:
            row = counted[(path, target.tokenizer)]
            request = row.request
            forced = request is not None and forces_tool(request.tool_choice_value)
            tokens = row.tokens + model_tool_prompt(target, bool(request and request.tools), forced)
            if request is not None and request.tools and tools is not None:
                tools.setdefault(path, {})[target.model] = {tool.name: tool.total for tool in request.tools}
            cost = compute_cost(target.price, tokens, cost_options).total_cost if target.price is not None else None
            entry[target.model] = (tokens, cost)
        result[path] = entry
    return result


# -- baseline files ------------------------------------------------------------------------------------------


def is_baseline_document(text: str) -> bool:
    """Whether `text` is a baseline `--write-baseline` wrote: tokcli's own output, never a prompt, so an audit
    of the tree it was written into leaves it out without a note."""
    if '"tokcli_baseline"' not in text[:200]:  # cheap test first: every JSON file in the tree comes through here
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and "tokcli_baseline" in data


def baseline_json(files: Sequence[FileAudit], models: Sequence[str]) -> str:
    data = {
        "tokcli_baseline": BASELINE_FORMAT,
        "tokcli_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "models": list(models),
        "files": {
            file.path: {
                "tokens": {figure.model: figure.tokens for figure in file.figures},
                "cost_per_call": {
                    figure.model: str(figure.cost_per_call)
                    for figure in file.figures
                    if figure.cost_per_call is not None
                },
                **_baseline_tools(file),
                **_baseline_rendered(file),
            }
            for file in files
        },
    }
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _baseline_tools(file: FileAudit) -> dict[str, Any]:
    """A file's tools per model, for per-tool deltas (absent for files without tools)."""
    tools = {
        figure.model: {name: tokens for name, tokens, _ in figure.tools} for figure in file.figures if figure.tools
    }
    return {"tools": tools} if tools else {}


def _baseline_rendered(file: FileAudit) -> dict[str, Any]:
    rendered = {figure.model: figure.rendered.maximum for figure in file.figures if figure.rendered is not None}
    return {"rendered": rendered} if rendered else {}


def read_baseline(path: Path) -> Snapshot:
    shown = str(path)
    try:
        text = read_regular_file(path).decode("utf-8")
    except FileNotFoundError:
        raise InputError("baseline file not found", path=shown) from None
    except OSError as error:
        raise InputError(f"cannot read baseline: {error.strerror or error}", path=shown) from None
    except UnicodeDecodeError:
        raise InputError("baseline is not UTF-8 text", path=shown) from None
    with guarded(shown, "baseline JSON", error=ConfigError):
        data = json.loads(text)
    if not isinstance(data, dict) or data.get("tokcli_baseline") != BASELINE_FORMAT:
        raise ConfigError(
            f'not a tokcli baseline (expected "tokcli_baseline": {BASELINE_FORMAT}; write one with --write-baseline)',
            path=shown,
        )
    files = data.get("files")
    if not isinstance(files, dict):
        raise ConfigError("baseline needs a 'files' mapping", path=shown)
    snapshot = Snapshot(source=f"baseline {shown}", models=[str(m) for m in data.get("models", [])])
    for name, entry in files.items():
        tokens = entry.get("tokens") if isinstance(entry, dict) else None
        costs = entry.get("cost_per_call", {}) if isinstance(entry, dict) else None
        if not isinstance(tokens, dict) or not isinstance(costs, dict):
            raise ConfigError(f"baseline entry {name!r} needs 'tokens' and 'cost_per_call' mappings", path=shown)
        models: dict[str, tuple[int, Decimal | None]] = {}
        for model, count in tokens.items():
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ConfigError(f"baseline tokens for {name!r} / {model!r} must be a whole number", path=shown)
            cost = costs.get(model)
            try:
                models[model] = (count, Decimal(str(cost)) if cost is not None else None)
            except InvalidOperation:
                raise ConfigError(f"baseline cost for {name!r} / {model!r} is not a number", path=shown) from None
        snapshot.files[str(name)] = models
        tools = entry.get("tools", {})
        if not isinstance(tools, dict) or not all(
            isinstance(per_model, dict)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in per_model.values())
            for per_model in tools.values()
        ):
            raise ConfigError(f"baseline 'tools' of {name!r} must map models to tool → whole number", path=shown)
        if tools:
            snapshot.tools[str(name)] = {str(model): dict(per_model) for model, per_model in tools.items()}
        rendered = entry.get("rendered", {})
        if not isinstance(rendered, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in rendered.values()
        ):
            raise ConfigError(f"baseline 'rendered' of {name!r} must map models to a whole number", path=shown)
        if rendered:
            snapshot.rendered[str(name)] = {str(model): value for model, value in rendered.items()}
    return snapshot


# -- comparing -------------------------------------------------------------------------------------------------


def _add(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    return None if total is None or value is None else total + value


def compare(snapshot: Snapshot, current: Sequence[FileAudit], models: Sequence[str]) -> DeltaReport:
    """Per-file and total deltas for the models audited now that the snapshot has too. A file that is new
    had 0 tokens (and $0) before; a deleted one has 0 now. A cost unknown on either side stays unknown."""
    before_models = set(snapshot.models) or {m for entry in snapshot.files.values() for m in entry}
    compared = [model for model in models if model in before_models]
    report = DeltaReport(source=snapshot.source, models=compared)
    now = {file.path: file for file in current}
    for path in sorted(set(now) | set(snapshot.files)):
        file = now.get(path)
        before = snapshot.files.get(path)
        status = "new" if before is None else "deleted" if file is None else "changed"
        deltas = []
        for model in compared:
            old = before.get(model) if before is not None else None
            b_tokens, b_cost = old if old is not None else (0, Decimal(0) if before is None else None)
            figure = file.figure(model) if file is not None else None
            a_tokens = figure.tokens if figure is not None else 0
            a_cost = figure.cost_per_call if figure is not None else Decimal(0)
            deltas.append(ModelDelta(model, b_tokens, a_tokens, b_cost, a_cost))
        tool_deltas = _tool_deltas(snapshot, path, file, compared[0]) if compared else []
        rendered = _rendered_delta(snapshot, path, file, compared[0]) if compared else None
        changed_render = rendered is not None and rendered.delta != 0
        if status == "changed" and all(delta.delta == 0 for delta in deltas) and not tool_deltas and not changed_render:
            status = "unchanged"
        report.files.append(FileDelta(path, status, deltas, tool_deltas, rendered))
    for index, model in enumerate(compared):
        rows = [item.models[index] for item in report.files]
        cost_before: Decimal | None = Decimal(0)
        cost_after: Decimal | None = Decimal(0)
        for row in rows:
            cost_before = _add(cost_before, row.cost_before)
            cost_after = _add(cost_after, row.cost_after)
        report.totals.append(
            ModelDelta(model, sum(r.before for r in rows), sum(r.after for r in rows), cost_before, cost_after)
        )
    return report


def _rendered_delta(snapshot: Snapshot, path: str, file: FileAudit | None, model: str) -> ModelDelta | None:
    before = snapshot.rendered.get(path, {}).get(model)
    figure = file.figure(model) if file is not None else None
    after = figure.rendered.maximum if figure is not None and figure.rendered is not None else None
    if before is None or after is None:
        return None  # not rendered on one side (no fixtures then, or the old version does not render): unknown
    return ModelDelta(model, before, after)


def _tool_deltas(snapshot: Snapshot, path: str, file: FileAudit | None, model: str) -> list[ToolDelta]:
    before = snapshot.tools.get(path, {}).get(model, {})
    figure = file.figure(model) if file is not None else None
    after = {name: tokens for name, tokens, _ in figure.tools} if figure is not None else {}
    changed = [
        ToolDelta(name, before.get(name, 0), after.get(name, 0))
        for name in dict.fromkeys([*after, *before])
        if before.get(name, 0) != after.get(name, 0)
    ]
    return sorted(changed, key=lambda delta: (-abs(delta.after - delta.before), delta.name))


def increase_findings(report: DeltaReport, threshold: float, config_path: str | None) -> list[Finding]:
    """TK954 for every file that existed before and grew by more than `threshold` percent on the first
    compared model, and for the total."""
    report.threshold = threshold
    if not report.models:
        return []
    model = report.models[0]
    findings = []

    def finding(path: str, delta: ModelDelta, what: str) -> Finding:
        percent = delta.percent
        shown = f"+{percent:.1f}%" if percent is not None else "new"
        return Finding(
            path,
            1,
            1,
            1,
            1,
            TOKEN_INCREASE.code,
            TOKEN_INCREASE.name,
            TOKEN_INCREASE.severity,
            f"{what} grew from {delta.before:,} to {delta.after:,} tokens on {model} ({shown}, "
            f"limit +{threshold:g}%) since {report.source}",
        )

    for item in report.files:
        delta = item.model(model)
        if item.status == "changed" and delta is not None and delta.percent is not None and delta.percent > threshold:
            findings.append(finding(item.path, delta, "this prompt"))
    total = next((delta for delta in report.totals if delta.model == model), None)
    if total is not None and total.delta > 0 and (total.percent is None or total.percent > threshold):
        findings.append(finding(config_path or ".", total, "all prompt files together"))
    return findings

"""Property: whatever structure or damage a chat file, a front matter, a config or a price file holds, its loader
returns a value or raises tokcli's own one-line error (InputError, ConfigError) — never anything else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_support import alias_bomb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokcli.config import load_config
from tokcli.errors import ConfigError, InputError, TokcliError
from tokcli.pricing.load import build_table, read_price_file
from tokcli.prompts import load_prompt

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["role", "content", "messages", "models", "id", "input", "lint", "tokenizers", "text", "user"])
)
_KEYS = st.sampled_from(
    ["role", "content", "messages", "name", "type", "text", "models", "id", "input", "output", "provider", "lint"]
) | st.text(max_size=6)
_DATA = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=25,
)
#: fragments that break or stretch a document: syntax, tags PyYAML's safe loader refuses, long numbers
_DAMAGE = st.sampled_from(
    ["[", "]", "{", "}", ":", ",", '"', "'", "\n", "- ", "!!python/name:os.system ", "!!python/object:x {}", "&a ",
     "*a", "1" + "0" * 5000, "1e999999", "NaN", "\t", "\\", "\x00", "---\n"]
)  # fmt: skip


@st.composite
def documents(draw: st.DrawFn, form: str) -> str:
    """A JSON or YAML text of random data, maybe wrapped deeply, maybe damaged at random places."""
    data = draw(_DATA)
    flow = draw(st.booleans())
    text = json.dumps(data) if form == "json" else yaml.safe_dump(data, default_flow_style=flow)
    depth = draw(st.sampled_from([0, 0, 0, 10, 500, 3000, 100_000]))
    if depth:
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a": ', "}"), ("{a: ", "}")]))
        text = opener * depth + text + closer * depth
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(_DAMAGE) + text[at:]
    return text


def _only_own_errors(load: Any, *expected: type[TokcliError]) -> None:
    try:
        load()
    except expected as error:
        assert "\n" not in str(error)  # one line
    except TokcliError as error:  # pragma: no cover - a wrong kind of error is a failure too
        pytest.fail(f"{type(error).__name__}: {error}")


@SETTINGS
@given(documents("json"))
def test_chat_json(text: str) -> None:
    _only_own_errors(lambda: load_prompt("c.json", text), InputError)


@SETTINGS
@given(documents("yaml"))
def test_chat_yaml(text: str) -> None:
    _only_own_errors(lambda: load_prompt("c.yaml", text), InputError)


@SETTINGS
@given(documents("yaml"))
def test_front_matter(text: str) -> None:
    _only_own_errors(lambda: load_prompt("p.prompt", f"---\n{text}\n---\nHello {{{{name}}}}.\n"), InputError)
    _only_own_errors(lambda: load_prompt("p.prompty", f"---\n{text}\n---\nuser:\nHello {{{{ name }}}}.\n"), InputError)


@SETTINGS
@given(st.sampled_from(["yaml", "json"]).flatmap(lambda form: st.tuples(st.just(form), documents(form))))
def test_config(tmp_path_factory: pytest.TempPathFactory, document: tuple[str, str]) -> None:
    _, text = document
    path = tmp_path_factory.mktemp("config") / ".tokcli.yaml"  # JSON is YAML too
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _only_own_errors(lambda: load_config(explicit=path), ConfigError)


@SETTINGS
@given(st.sampled_from(["yaml", "json"]).flatmap(lambda form: st.tuples(st.just(form), documents(form))))
def test_price_file(document: tuple[str, str]) -> None:
    form, text = document
    name = f"prices.{form}"
    _only_own_errors(lambda: build_table([read_price_file(name, text=text)]), ConfigError)


def test_the_documents_reach_the_hard_cases() -> None:
    """The strategies are worth running: deep, tagged and long-number documents all come out of them."""
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(documents("yaml"))
    def collect(text: str) -> None:
        if text.count("[") > 1000 or text.count("{") > 1000:
            seen.add("deep")
        if "!!python" in text:
            seen.add("tag")
        if "0" * 5000 in text:
            seen.add("long number")

    collect()
    assert seen == {"deep", "tag", "long number"}


def test_price_file_on_disk_with_an_invalid_byte(tmp_path: Path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_bytes(b"models:\n  - id: \xff\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_price_file(path)


def test_a_price_file_number_beyond_decimal_range_is_a_one_line_error() -> None:
    """Found by hypothesis: Decimal raises InvalidOperation (not ValueError) on an exponent it cannot hold."""
    from tokcli.pricing.load import read_price_file

    with pytest.raises(ConfigError, match="number out of range"):
        read_price_file("prices.json", text='{"gpt-4o": {"input_cost_per_token": 1e9999991000000000000.0}}')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &a\n  b: 1\n  c: *a\n", "t.yaml:1: invalid YAML: a value holds an alias of itself (it never ends)"),
        ("x: 1\ny: &y [1, *y]\n", "t.yaml:2: invalid YAML: a value holds an alias of itself (it never ends)"),
        (
            alias_bomb(6),
            "t.yaml:5: invalid YAML: its aliases expand to 111,111 values (an alias bomb?)",
        ),  # l4 is enough
    ],
)
def test_runaway_aliases_are_a_one_line_error_before_any_walk(text: str, message: str) -> None:
    from tokcli.structured import compose_yaml, load_yaml, load_yaml_with_nodes

    for read in (compose_yaml, load_yaml, load_yaml_with_nodes):
        with pytest.raises(InputError) as caught:
            read(text, "t.yaml")
        assert str(caught.value) == message


def test_aliases_that_stay_small_are_read() -> None:
    from tokcli.structured import load_yaml

    text = "base: &base {model: gpt-4o, note: shared}\na: *base\nb: *base\n" + alias_bomb(4)  # 11,110 values
    data = load_yaml(text, "t.yaml")
    assert data["a"] is data["b"] and data["a"] == {"model": "gpt-4o", "note": "shared"}
    assert len(data["l3"]) == 10 and data["l3"][0][0][0] == ["lol"] * 10

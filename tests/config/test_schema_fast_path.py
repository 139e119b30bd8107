"""The fast path of layer validation never accepts what jsonschema rejects."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.config._fast import layer_plainly_valid
from ollm_actors.config.schema import SettingsSchema, check_layer

SCHEMA = SettingsSchema.load()

PATHS = [
    ("options", "temperature"),
    ("options", "maxTokens"),
    ("options", "topP"),
    ("providers", "ollama", "host"),
    ("providers", "ollama", "hosts"),
    ("providers", "ollama", "options", "numCtx"),
    ("model", "default"),
    ("model", "routing", "defaultProfile"),
    ("model", "routing", "enabled"),
    ("provider",),
    ("cache", "dir"),
    ("inventory", "ttl"),
    ("options", "temprature"),
]

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=10_000_000),
    st.floats(min_value=-5, max_value=5, allow_nan=False),
    st.sampled_from(["http://127.0.0.1:11434", "ftp://x", "", "ollama", "general", "x y"]),
    st.lists(st.sampled_from(["http://a:1", "https://b", "nope"]), max_size=3),
    # Mappings, empty ones too: an empty mapping has no leaf that could fail on its own.
    st.dictionaries(st.sampled_from(["url", "x"]), st.just("http://a:1"), max_size=1),
)


def nest(path: tuple[str, ...], value: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node = out
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return out


@given(st.sampled_from(PATHS), values)
def test_fast_path_agrees_with_jsonschema(path: tuple[str, ...], value: object) -> None:
    layer = nest(path, value)
    if layer_plainly_valid(layer, SCHEMA.node_at):
        assert list(SCHEMA.validator.iter_errors(layer)) == []
    assert (check_layer(layer) == []) == (list(SCHEMA.validator.iter_errors(layer)) == [])


def test_fast_path_takes_the_common_flags() -> None:
    assert layer_plainly_valid(
        {"options": {"temperature": 0.3}, "providers": {"ollama": {"hosts": ["http://h:1"]}}},
        SCHEMA.node_at,
    )
    assert not layer_plainly_valid({"options": {"temperature": 3}}, SCHEMA.node_at)
    assert not layer_plainly_valid({"options": {"maxToken": 3}}, SCHEMA.node_at)

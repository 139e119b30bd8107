"""The settings mapping as plain functions: layers, their labels, dynaconf's merge of them;
flags to paths."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.config.dynamerge import merge_documents
from ollm_actors.config.layers import (
    DEFAULT_SOURCE,
    Layer,
    dotted,
    leaf_paths,
    set_path,
    source_of,
    touches,
    where,
)
from ollm_actors.config.options import FLAGS, flag_source, flags_to_overrides


def merge_layers(layers: list[Layer]) -> dict[str, Any]:
    """The layers merged lowest first, by dynaconf, as the loader merges them."""
    return merge_documents([(layer.source, layer.data) for layer in layers])

# -- labels and positions ------------------------------------------------------------------


def test_a_label_comes_from_the_nearest_labelled_parent() -> None:
    layer = Layer(
        source="file:s.yaml",
        data={},
        sources={("a",): "env:A", ("a", "b", "c"): "env:C"},
    )
    assert layer.label(("a",)) == "env:A"
    assert layer.label(("a", "b")) == "env:A"  # one level up
    assert layer.label(("a", "x", "y")) == "env:A"  # two levels up
    assert layer.label(("a", "b", "c", "d")) == "env:C"
    assert layer.label(("z", "a")) == "file:s.yaml"  # a label below the path does not count
    assert layer.label(()) == "file:s.yaml"


def test_a_position_is_the_label_and_the_nearest_marked_key() -> None:
    layer = Layer(
        source="file:s.yaml",
        data={},
        marks={("a",): (1, 1), ("a", "b"): (2, 3)},
        sources={("e",): "env:E"},
    )
    assert layer.position(("a", "b")) == "file:s.yaml:2:3"
    assert layer.position(("a", "b", "c")) == "file:s.yaml:2:3"
    assert layer.position(("a", "x")) == "file:s.yaml:1:1"
    assert layer.position(("a", "x", "y")) == "file:s.yaml:1:1"
    assert layer.position(("q",)) == "file:s.yaml"
    assert layer.position(("e", "f")) == "env:E"


# -- paths ---------------------------------------------------------------------------------


def test_touches_a_path_or_a_value_above_it() -> None:
    data: dict[str, Any] = {"a": {"b": {"c": 1}, "e": {}}, "s": "text"}
    assert touches(data, ("a", "b", "c"))
    assert touches(data, ("a", "b"))  # a mapping at the path itself
    assert touches(data, ("a", "e"))  # an empty one too
    assert touches(data, ("a",))
    assert touches(data, ("s", "deeper"))  # a value above replaces what is below
    assert not touches(data, ("a", "x"))
    assert not touches(data, ("a", "b", "c2"))
    assert not touches({}, ("a",))


def test_set_path_makes_mappings_on_the_way() -> None:
    data: dict[str, Any] = {"a": 1, "k": {"x": 0}}
    set_path(data, ("a", "b", "c"), 2)
    set_path(data, ("k", "y"), 3)
    set_path(data, ("top",), 4)
    assert data == {"a": {"b": {"c": 2}}, "k": {"x": 0, "y": 3}, "top": 4}


def test_merge_is_key_by_key_for_mappings_and_whole_for_the_rest() -> None:
    low = Layer(source="default", data={"o": {"t": 1, "p": 2}, "h": ["a", "b"], "m": {"x": 1}})
    high = Layer(source="file:f", data={"o": {"t": 9}, "h": ["c"], "m": 5})
    assert merge_layers([low, high]) == {"o": {"t": 9, "p": 2}, "h": ["c"], "m": 5}
    assert merge_layers([high, low]) == {"o": {"t": 1, "p": 2}, "h": ["a", "b"], "m": {"x": 1}}
    assert merge_layers([]) == {}


def test_merge_never_shares_or_changes_its_inputs() -> None:
    nested = {"hosts": ["http://a:1"], "deep": {"list": [1]}}
    layer = Layer(source="file:f", data={"providers": nested})
    merged = merge_layers([Layer(source="default", data={}), layer])
    merged["providers"]["hosts"].append("http://b:2")
    merged["providers"]["deep"]["list"].append(2)
    assert layer.data == {"providers": {"hosts": ["http://a:1"], "deep": {"list": [1]}}}
    again = merge_layers([Layer(source="x", data={"providers": {"deep": {}}}), layer])
    again["providers"]["deep"]["list"].append(3)
    assert layer.data["providers"]["deep"]["list"] == [1]


def test_source_and_where_name_the_highest_layer_setting_a_path() -> None:
    layers = [
        Layer(source="default", data={"o": {"t": 1, "p": 1}}),
        Layer(source="file:u", data={"o": {"t": 2}}, marks={("o", "t"): (4, 5)}),
        Layer(source="env", data={"o": {"p": 3}}, sources={("o", "p"): "env:OLLM_P"}),
    ]
    assert source_of(layers, ("o", "t")) == "file:u"
    assert where(layers, ("o", "t")) == "file:u:4:5"
    assert source_of(layers, ("o", "p")) == where(layers, ("o", "p")) == "env:OLLM_P"
    assert source_of(layers, ("x",)) == where(layers, ("x",)) == DEFAULT_SOURCE == "default"
    assert source_of([], ("o",)) == "default"


def test_leaf_paths_and_dotted() -> None:
    data = {"a": {"b": 1, "c": {}}, "d": [1, 2], "e": {"f": {"g": None}}}
    assert list(leaf_paths(data)) == [("a", "b"), ("a", "c"), ("d",), ("e", "f", "g")]
    assert [dotted(p) for p in leaf_paths(data)] == ["a.b", "a.c", "d", "e.f.g"]
    assert list(leaf_paths({}, ("p",))) == []


_keys = st.sampled_from(["a", "b", "c"])
_trees: st.SearchStrategy[Any] = st.recursive(
    st.integers(0, 3) | st.lists(st.integers(0, 3), max_size=2),
    lambda inner: st.dictionaries(_keys, inner, max_size=3),
    max_leaves=8,
)
_docs = st.dictionaries(_keys, _trees, max_size=3)


def _reference_merge(low: Any, high: Any) -> Any:
    """Mappings merge key by key, anything else is replaced whole by the higher value."""
    if isinstance(low, dict) and isinstance(high, dict):
        out = dict(low)
        for key, value in high.items():
            out[key] = _reference_merge(low[key], value) if key in low else value
        return out
    return high


@given(st.lists(_docs, min_size=1, max_size=3))
def test_merge_agrees_with_the_rule(docs: list[dict[str, Any]]) -> None:
    expected: Any = {}
    for doc in docs:
        expected = _reference_merge(expected, doc)
    assert merge_layers([Layer(source=f"l{i}", data=d) for i, d in enumerate(docs)]) == expected


# -- flags ---------------------------------------------------------------------------------


def test_flag_parameter_names_and_sources() -> None:
    assert [f.param for f in FLAGS] == [
        "model",
        "profile",
        "temperature",
        "max_tokens",
        "top_p",
        "provider",
        "context_size",
        "host",
    ]
    assert flag_source("--model") == "flag:--model"


def test_unset_flags_do_not_stop_the_ones_after_them() -> None:
    overrides, sources = flags_to_overrides(
        {"model": None, "host": [], "temperature": 0.5, "--max-tokens": 9}
    )
    assert overrides == {"options.temperature": 0.5, "options.maxTokens": 9}
    assert sources == {
        "options.temperature": "flag:--temperature",
        "options.maxTokens": "flag:--max-tokens",
    }


@pytest.mark.parametrize("key", ["Xmodel", "model-", "mod el", "models", "--", ""])
def test_only_leading_dashes_are_dropped_from_a_key(key: str) -> None:
    assert flags_to_overrides({key: "x"}) == ({}, {})


def test_host_values_of_every_shape() -> None:
    single = flags_to_overrides({"--host": "http://a:1"})
    listed = flags_to_overrides({"host": ("http://a:1", "http://b:2")})
    assert single == (
        {"providers.ollama.host": "http://a:1", "providers.ollama.hosts": ["http://a:1"]},
        {"providers.ollama.host": "flag:--host", "providers.ollama.hosts": "flag:--host"},
    )
    assert listed[0] == {
        "providers.ollama.host": "http://a:1",
        "providers.ollama.hosts": ["http://a:1", "http://b:2"],
    }

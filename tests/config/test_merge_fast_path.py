"""The merge's fast path (plain values set in order, no dynaconf) agrees with dynaconf's merge
for every stack of layers it accepts; the oracle is dynaconf itself."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ollm_actors.config._fast import merge_plain_leaves, plain_leaves_only
from ollm_actors.config.dynamerge import merge_documents
from ollm_actors.config.model import default_document


def _paths(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for key, value in data.items():
        path = (*prefix, key)
        found.extend(_paths(value, path) if isinstance(value, dict) and value else [path])
    return found


DEFAULTS = default_document()
PATHS = _paths(DEFAULTS)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(0.01, 100.0),
    st.text("abcxyz:-*.", max_size=8),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3))


@st.composite
def overlays(draw: st.DrawFn) -> dict[str, Any]:
    overlay: dict[str, Any] = {}
    for path in draw(st.lists(st.sampled_from(PATHS), max_size=6, unique=True)):
        node = overlay
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = draw(values)
    return overlay


@settings(max_examples=60, deadline=None)
@given(stack=st.lists(overlays(), min_size=1, max_size=3))
def test_the_fast_merge_is_dynaconfs_merge(stack: list[dict[str, Any]]) -> None:
    assert all(plain_leaves_only(layer) for layer in stack)
    documents = [("default", DEFAULTS), *((f"env{i}", layer) for i, layer in enumerate(stack))]
    assert merge_plain_leaves(DEFAULTS, stack) == merge_documents(documents)


def test_what_the_fast_path_leaves_to_dynaconf() -> None:
    assert not plain_leaves_only({"model": {"routing": {}}})
    assert not plain_leaves_only({"model": {"dynaconf_merge": True, "default": "x"}})
    assert not plain_leaves_only({"providers": {"ollama": {"hosts": ["dynaconf_merge", "a"]}}})
    assert plain_leaves_only({"options": {"temperature": 0.2}, "model": {"default": "x"}})

"""The JSON depth bound (ollama/_bounds.json_depth) agrees with the depth of the value the
JSON text encodes, strings full of brackets, quotes and backslashes included: above the
limit exactly when the value nests deeper. It was made faster for 16 hosts x 300 models."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.ollama._bounds import json_depth

_TRICKY = st.text(alphabet='[]{}"\\\\ab\\n\u00e9', max_size=8)
_VALUES = st.recursive(
    st.none() | st.integers() | _TRICKY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TRICKY, inner, max_size=4),
    max_leaves=40,
)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(_VALUES, st.integers(0, 12), st.booleans())
def test_json_depth_matches_the_values_depth(value: object, limit: int, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    # What decode_json relies on: above the limit exactly when the text nests deeper.
    assert (json_depth(raw, limit) > limit) == (_depth(value) > limit)


def test_a_long_unbalanced_run_is_counted_whole() -> None:
    assert json_depth(b"[" * 300_000, 64) == 300_000
    assert json_depth(b"[" * 1000 + b"]" * 1000, 64) > 64
    assert json_depth(b"[[]", 1) == 2

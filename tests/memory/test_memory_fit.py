"""Placement on a GPU and ``max_context`` (``vocab/memory_fit.py``): the edge, the spill."""

from __future__ import annotations

import pytest

from ollm_actors.vocab.memory import MemoryEstimate, estimate_memory
from ollm_actors.vocab.memory_fit import CONTEXT_STEP, max_context, parse_size, place
from tests.memory.facts import llama31_8b

GIB = 1024**3


def _at(num_ctx: int) -> MemoryEstimate:
    return estimate_memory(llama31_8b(), num_ctx=num_ctx)


@pytest.mark.parametrize("vram_gib", [8, 12, 16, 24, 48])
def test_max_context_is_the_edge(vram_gib: int) -> None:
    vram = vram_gib * GIB
    best = max_context(_at, vram, 131_072)
    assert best is not None and best % CONTEXT_STEP == 0
    assert place(_at(best), vram).fits
    if best < 131_072:
        assert not place(_at(best + CONTEXT_STEP), vram).fits


def test_max_context_is_capped_by_the_window_and_none_when_nothing_fits() -> None:
    assert max_context(_at, 1024 * GIB, 131_072) == 131_072
    assert max_context(_at, 1 * GIB, 131_072) is None
    assert max_context(_at, 1024 * GIB, 500) == 500


def test_a_spill_puts_a_share_on_the_cpu() -> None:
    big = _at(131_072)
    placed = place(big, 12 * GIB)
    assert not placed.fits
    assert 0.3 < placed.cpu_share < 0.9
    assert placed.size_vram <= 12 * GIB
    tiny = place(big, 256 * 1024 * 1024)
    assert tiny.size_vram == 0 and tiny.cpu_share == 1.0
    whole = place(_at(4096), 24 * GIB)
    assert whole.fits and whole.cpu_share == 0.0 and whole.size == _at(4096).total


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24GB", 24 * 10**9),
        ("24GiB", 24 * GIB),
        ("24 gib", 24 * GIB),
        ("24G", 24 * 10**9),
        ("512MiB", 512 * 1024**2),
        ("1.5TB", 15 * 10**11),
        (25769803776, 25769803776),
        ("lots", None),
        ("0GB", None),
        (-1, None),
        (True, None),
        ("24i", None),
        (2.5, None),
    ],
)
def test_parse_size(text: object, expected: int | None) -> None:
    assert parse_size(text) == expected

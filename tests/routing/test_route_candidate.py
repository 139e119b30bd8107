"""Facts the router derives from a candidate: parameter counts, quantization, names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.routing.candidate import (
    estimated_billions,
    parse_parameter_size,
    quantization_bits,
)
from ollm_actors.vocab.names import model_base, model_key
from tests.routing.route_builders import A, cand


@pytest.mark.parametrize(
    ("text", "billions"),
    [
        ("7.6B", 7.6),
        ("8.0B", 8.0),
        ("567M", 0.567),
        ("137m", 0.137),
        ("70b", 70.0),
        (" 3.8 B ", 3.8),
        ("1T", 1000.0),
        ("22K", 0.000022),
        ("8x7B", 56.0),
        ("8×22B", 176.0),
        ("7", 7.0),
        ("7000000000", 7.0),
    ],
)
def test_parameter_size_parses_to_billions(text: str, billions: float) -> None:
    assert parse_parameter_size(text) == pytest.approx(billions)


@pytest.mark.parametrize("text", ["", "unknown", "B", "0B", "7.6Q", "-7B", "7.6.1B", "1e9"])
def test_unparseable_parameter_size_is_none(text: str) -> None:
    assert parse_parameter_size(text) is None


@given(st.text(max_size=12))
def test_parameter_size_never_raises(text: str) -> None:
    result = parse_parameter_size(text)
    assert result is None or result > 0


@pytest.mark.parametrize(
    ("text", "bits"),
    [("Q4_K_M", 4), ("q8_0", 8), ("Q5_1", 5), ("F16", 16), ("BF16", 16), ("F32", 32),
     ("IQ3_XXS", 3), ("MXFP4", 4), ("", None), ("GGUF", None)],
)
def test_quantization_bits(text: str, bits: int | None) -> None:
    assert quantization_bits(text) == bits


def test_size_estimated_from_file_size_when_parameter_size_is_unknown() -> None:
    assert estimated_billions("7.6B", "Q4_K_M", 1) == pytest.approx(7.6)
    # 4.7 GB at ~4.6 bits a weight is about 8B parameters.
    guess = estimated_billions("", "Q4_K_M", 4_700_000_000)
    assert guess is not None
    assert 7 < guess < 9
    assert estimated_billions("", "", 4_700_000_000) is None
    assert estimated_billions("", "Q4_0", 0) is None


def test_model_key_equates_implicit_latest_and_case() -> None:
    assert model_key("llama3.1") == model_key("Llama3.1:latest")
    assert model_key("library/llama3.1:8b") == model_key("llama3.1:8b")
    assert model_key("llama3.1:8b") != model_key("llama3.1:70b")
    assert model_key("not a name") != model_key("not_a_name")
    assert model_base("hf.co/ns/Qwen2.5-Coder:7b") == "qwen2.5-coder"


def test_candidate_label_and_freshness() -> None:
    c = cand("phi3:mini", A)
    assert c.label == f"phi3:mini@{A}"
    assert c.fresh
    assert not cand("phi3:mini", stale=True).fresh
    assert not cand("phi3:mini", online=False).fresh

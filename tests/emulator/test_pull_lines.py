"""The pull line sequence and what it does to the state (no I/O)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

import msgspec

from ollm_actors.emulator import CatalogModel, EmulatorState, model_layers
from ollm_actors.emulator.names import parse_server_name
from ollm_actors.emulator.pull import finish_pull, pull_lines


def catalog(state: EmulatorState, name: str) -> CatalogModel:
    model = state.catalog_model(name)
    assert model is not None
    return model


def decoded(state: EmulatorState, name: str) -> list[dict[str, Any]]:
    return [msgspec.json.decode(line) for line in pull_lines(state, parse_server_name(name))]


def test_full_sequence_installs_the_model() -> None:
    state = EmulatorState.empty()
    state.pull_steps_per_layer = 4
    lines = decoded(state, "gemma2:2b")
    layers = model_layers(catalog(state, "gemma2:2b"))
    assert lines[0] == {"status": "pulling manifest"}
    assert [x["status"] for x in lines[-3:]] == [
        "verifying sha256 digest", "writing manifest", "success",
    ]
    weights = [x for x in lines if x.get("digest") == layers[0].digest]
    assert weights[0] == {
        "status": f"pulling {layers[0].digest[7:19]}", "digest": layers[0].digest,
        "total": layers[0].size,
    }
    completed = [x["completed"] for x in weights[1:]]
    assert len(completed) == 4 and completed == sorted(completed)
    assert completed[-1] == layers[0].size
    digests_in_order = list(dict.fromkeys(x["digest"] for x in lines if "digest" in x))
    assert digests_in_order == [la.digest for la in layers]
    assert state.find_installed("gemma2:2b") is not None
    assert state.partial == {}
    assert {la.digest for la in layers} <= state.blobs


def test_unknown_model_gives_the_manifest_error_after_pulling_manifest() -> None:
    state = EmulatorState.empty()
    assert decoded(state, "nope:1b") == [
        {"status": "pulling manifest"},
        {"error": "pull model manifest: file does not exist"},
    ]
    assert state.listed() == []


def test_present_blobs_give_one_complete_line_each() -> None:
    state = EmulatorState.default()
    lines = decoded(state, "phi3:mini")
    layer_lines = [x for x in lines if "digest" in x]
    layers = model_layers(catalog(state, "phi3:mini"))
    assert len(layer_lines) == len(layers)
    assert all(x["completed"] == x["total"] for x in layer_lines)


def test_stopping_midway_keeps_partial_and_a_repull_resumes() -> None:
    state = EmulatorState.empty()
    state.pull_steps_per_layer = 10
    weights = model_layers(catalog(state, "mistral:7b"))[0]
    stream = cast(Generator[bytes, None, None], pull_lines(state, parse_server_name("mistral")))
    taken = [next(stream) for _ in range(6)]  # manifest, first layer line, 4 progress lines
    stream.close()
    got = msgspec.json.decode(taken[-1])["completed"]
    assert state.partial == {weights.digest: got}
    assert state.find_installed("mistral") is None

    lines = decoded(state, "mistral")
    first = next(x for x in lines if x.get("digest") == weights.digest)
    assert first["completed"] == got
    later = [x["completed"] for x in lines if x.get("digest") == weights.digest][1:]
    assert all(c > got for c in later) and later[-1] == weights.size
    assert state.find_installed("mistral:latest") is not None


def test_finish_pull_installs_at_once_or_says_unknown() -> None:
    state = EmulatorState.empty()
    assert finish_pull(state, parse_server_name("llava")) is not None
    assert state.find_installed("llava:latest") is not None
    assert finish_pull(state, parse_server_name("nope")) is None

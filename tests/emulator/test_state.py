"""Catalog facts and the emulator state's rules (no I/O)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ollm_actors.emulator import CATALOG, CatalogModel, EmulatorState, Fault, model_layers
from ollm_actors.emulator.catalog import (
    MEDIA_CONFIG,
    MEDIA_MODEL,
    manifest_digest,
    model_info,
    parameters_text,
)
from ollm_actors.errors import InvalidModelName, ModelNotFound

REQUIRED = (
    "llama3.1:8b", "qwen2.5-coder:7b", "phi3:mini", "mistral:7b", "gemma2:2b",
    "deepseek-coder-v2:16b", "llava:7b", "nomic-embed-text:latest", "llama3.2:3b",
    "codellama:7b", "qwen2.5:7b", "mxbai-embed-large:latest", "llama3.2-vision:11b",
    "deepseek-r1:8b",
)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = datetime(2025, 5, 4, 17, 37, 44, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_catalog_has_the_models_routing_needs() -> None:
    names = {m.name for m in CATALOG}
    assert set(REQUIRED) <= names


@pytest.mark.parametrize(
    ("name", "family", "families", "arch", "context", "caps"),
    [
        ("llama3.1:8b", "llama", ("llama",), "llama", 131072, ("completion", "tools")),
        ("qwen2.5-coder:7b", "qwen2", ("qwen2",), "qwen2", 32768,
         ("completion", "tools", "insert")),
        ("phi3:mini", "phi3", ("phi3",), "phi3", 4096, ("completion",)),
        ("mistral:7b", "llama", ("llama",), "llama", 32768, ("completion", "tools")),
        ("gemma2:2b", "gemma2", ("gemma2",), "gemma2", 8192, ("completion",)),
        ("deepseek-coder-v2:16b", "deepseek2", ("deepseek2",), "deepseek2", 163840,
         ("completion", "insert")),
        ("llava:7b", "llama", ("llama", "clip"), "llama", 32768, ("completion", "vision")),
        ("nomic-embed-text:latest", "nomic-bert", ("nomic-bert",), "nomic-bert", 2048,
         ("embedding",)),
    ],
)
def test_catalog_facts_as_ollama_reports_them(
    name: str, family: str, families: tuple[str, ...], arch: str, context: int,
    caps: tuple[str, ...],
) -> None:
    model = next(m for m in CATALOG if m.name == name)
    assert (model.family, model.families, model.capabilities) == (family, families, caps)
    info = model_info(model)
    assert info["general.architecture"] == arch
    assert info[f"{arch}.context_length"] == context
    assert isinstance(info[f"{arch}.embedding_length"], int)
    assert info["general.parameter_count"] == model.parameter_count


@pytest.mark.parametrize("model", CATALOG, ids=lambda m: m.name)
def test_layers_weights_first_config_last_and_sizes_add_up(model: CatalogModel) -> None:
    layers = model_layers(model)
    assert layers[0].media_type == MEDIA_MODEL
    assert layers[-1].media_type == MEDIA_CONFIG
    assert sum(la.size for la in layers) == model.size
    assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", la.digest) for la in layers)
    assert len({la.digest for la in layers}) == len(layers)
    assert layers[0].size == max(la.size for la in layers)
    assert re.fullmatch(r"[0-9a-f]{64}", manifest_digest(model))


def test_digests_are_deterministic_and_distinct() -> None:
    first = EmulatorState.default().installed
    second = EmulatorState.default().installed
    assert {k: v.digest for k, v in first.items()} == {k: v.digest for k, v in second.items()}
    assert len({manifest_digest(m) for m in CATALOG}) == len(CATALOG)


def test_parameters_text_pads_keys_to_30_columns() -> None:
    text = parameters_text(next(m for m in CATALOG if m.name == "llama3.1:8b"))
    assert text.splitlines()[0] == "stop" + " " * 27 + '"<|start_header_id|>"'


def test_default_installs_a_few_and_empty_none() -> None:
    assert [m.name for m in EmulatorState.default().listed()] == [
        "nomic-embed-text:latest", "phi3:mini", "llama3.1:8b",
    ]
    empty = EmulatorState.empty()
    assert empty.listed() == []
    assert empty.catalog_model("llama3.1") is not None  # alias of llama3.1:8b


def test_install_unknown_or_invalid_raises() -> None:
    state = EmulatorState.empty()
    with pytest.raises(ModelNotFound):
        state.install("nope:1b")
    with pytest.raises(InvalidModelName):
        state.install("bad name")


def test_listed_newest_first_even_with_a_frozen_clock() -> None:
    clock = FixedClock()
    state = EmulatorState(clock=clock)
    for name in ("gemma2:2b", "phi3:mini", "mistral:7b"):
        state.install(name)
    assert [m.name for m in state.listed()] == ["mistral:7b", "phi3:mini", "gemma2:2b"]
    stamps = [m.modified_at for m in state.listed()]
    assert stamps == sorted(set(stamps), reverse=True)


def test_add_synthetic_installs_distinct_models_quickly() -> None:
    state = EmulatorState.empty()
    names = state.add_synthetic(3000) + state.add_synthetic(2000)
    assert len(set(names)) == 5000 == len(state.installed)
    assert len({m.digest for m in state.installed.values()}) == 5000


def test_delete_prunes_only_unshared_blobs() -> None:
    state = EmulatorState.empty()
    state.install("llama3.1:8b")
    state.copy("llama3.1:8b", "backup:1")
    blobs = {la.digest for la in model_layers(state.installed["llama3.1:8b"].model)}
    assert state.delete("llama3.1:8b")
    assert blobs <= state.blobs  # still used by the copy
    assert state.delete("BACKUP:1")
    assert not blobs & state.blobs
    assert not state.delete("llama3.1:8b")


def test_load_orders_ps_by_remaining_time_and_requires_installed() -> None:
    clock = FixedClock()
    state = EmulatorState.default()
    state.clock = clock
    soon = state.load("phi3:mini", context_length=2048, keep_alive=60)
    late = state.load("llama3.1:8b", context_length=8192, size_vram=0)
    forever = state.load("nomic-embed-text", keep_alive=-1)
    assert [m.name for m in state.running()] == [forever.name, late.name, soon.name]
    assert late.expires_at == clock.now + timedelta(seconds=300)
    assert late.size > late.model.size and late.size_vram == 0
    assert soon.size_vram == soon.size
    with pytest.raises(ModelNotFound):
        state.load("mistral:7b")
    assert state.unload("phi3:mini") and not state.unload("phi3:mini")


def test_faults_are_spent_after_times_and_forever_stays() -> None:
    state = EmulatorState.empty()
    state.inject(Fault(kind="http_500", times=2))
    state.inject(Fault(kind="delay", path="*", seconds=0.5, times=-1))
    state.inject(Fault(kind="drop", path="/api/tags"))
    assert state.claim_faults("/api/pull") == (0.5, Fault(kind="http_500", times=2))
    assert state.claim_faults("/api/tags") == (0.5, Fault(kind="drop", path="/api/tags"))
    assert state.claim_faults("/api/pull")[1] == Fault(kind="http_500", times=2)
    assert state.claim_faults("/api/pull") == (0.5, None)
    assert state.faults == (Fault(kind="delay", path="*", seconds=0.5, times=-1),)
    state.clear_faults()
    assert state.claim_faults("/api/pull") == (0.0, None)


def test_fault_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="times"):
        Fault(kind="drop", times=0)
    with pytest.raises(ValueError, match="after_lines"):
        Fault(kind="drop", after_lines=-1)


def test_public_exports() -> None:
    import ollm_actors.emulator as emulator

    assert set(emulator.__all__) == {
        "CATALOG", "CatalogModel", "EmulatorState", "Fault", "FaultKind", "InstalledModel",
        "Layer", "LoadedModel", "RunningEmulator", "model_layers", "run_emulator",
        "serve_forever",
    }
    assert all(hasattr(emulator, name) for name in emulator.__all__)

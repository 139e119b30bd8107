"""``models.<pattern>.options`` (most specific wins), ``request_options``, ``config show
--model``, and the flags ``--top-p`` and ``--provider``."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from ollm_actors.cli.main import hoist_global_options
from ollm_actors.config import flags_to_overrides
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.limits.options import model_options
from ollm_actors.runtime import open_runtime
from tests.config.helpers import load_hermetic
from tests.inventory.support import settings_for

_MODELS = {
    "options": {"temperature": 0.5, "topK": 40, "stop": ["END"]},
    "models": {
        "*": {"options": {"top_k": 10, "seed": 1}},
        "qwen*": {"options": {"temperature": 0.2, "top_k": 20}},
        "qwen2.5-coder:*": {"options": {"temperature": 0.1, "num_ctx": 16384}},
    },
}


def test_the_most_specific_pattern_wins_over_options(tmp_path: Path) -> None:
    settings = load_hermetic(tmp_path, user=_MODELS)
    coder = model_options(settings, "qwen2.5-coder:7b")
    assert coder.options["temperature"] == 0.1  # qwen2.5-coder:* beats qwen* beats options
    assert coder.options["top_k"] == 20  # qwen* beats * beats options.topK
    assert coder.options["seed"] == 1 and coder.options["stop"] == ["END"]
    assert coder.options["num_ctx"] == 16384
    assert coder.patterns == ("*", "qwen*", "qwen2.5-coder:*")
    assert coder.paths["temperature"] == "models.qwen2.5-coder:*.options.temperature"
    assert coder.sources["temperature"] == f"file:{tmp_path}/user.yaml"
    other = model_options(settings, "llama3.1:8b")
    assert (other.options["temperature"], other.options["top_k"]) == (0.5, 10)
    assert other.paths["temperature"] == "options.temperature"


def test_a_flag_beats_the_model_specific_option(tmp_path: Path) -> None:
    settings = load_hermetic(
        tmp_path, user=_MODELS, overrides={"options.temperature": 0.9},
        override_sources={"options.temperature": "flag:--temperature"},
    )
    chosen = model_options(settings, "qwen2.5-coder:7b")
    assert chosen.options["temperature"] == 0.9
    assert chosen.sources["temperature"] == "flag:--temperature"


@pytest.mark.anyio
async def test_request_options_are_the_merged_options_plus_the_budget(tmp_path: Path) -> None:
    overrides = {
        "models": {"phi3:*": {"options": {"temperature": 0.15, "num_predict": 300}}},
        "options.topK": 33,
    }
    async with run_emulator(EmulatorState.default()) as emu:
        settings = settings_for([emu.url], tmp_path, overrides, tmp_path / "c")
        with anyio.fail_after(10):
            async with open_runtime(settings, actors=("limits",)) as rt:
                options = await rt.limits.request_options("phi3:mini", prompt_tokens=1000)
                budget = await rt.limits.budget("phi3:mini", prompt_tokens=1000)
    assert options["temperature"] == 0.15 and options["top_k"] == 33
    assert options["num_predict"] == 300  # the model's num_predict, under the window
    assert options["num_ctx"] >= 1300
    assert budget.options.num_predict != 300  # budget() alone keeps options.maxTokens


def test_top_p_and_provider_flags_map_to_their_paths() -> None:
    overrides, sources = flags_to_overrides({"top_p": 0.4, "provider": "ollama"})
    assert overrides == {"options.topP": 0.4, "provider": "ollama"}
    assert sources == {"options.topP": "flag:--top-p", "provider": "flag:--provider"}
    assert hoist_global_options(["list", "--top-p", "0.4", "--provider", "ollama"]) == [
        "--top-p", "0.4", "--provider", "ollama", "list",
    ]


def test_config_show_model_prints_options_with_sources(tmp_path: Path) -> None:
    import yaml
    from typer.testing import CliRunner

    from tests.config.test_config_cmd import _app, _state

    state = _state(tmp_path, yaml.safe_dump(_MODELS), env={})
    result = CliRunner().invoke(
        _app(state), ["config", "show", "--model", "qwen2.5-coder:7b", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["options"]["temperature"] == 0.1
    assert out["paths"]["temperature"] == "models.qwen2.5-coder:*.options.temperature"
    assert out["sources"]["temperature"] == f"file:{tmp_path}/user.yaml"
    text = CliRunner().invoke(_app(state), ["config", "show", "--model", "qwen2.5-coder:7b"])
    assert "temperature = 0.1" in text.stdout and "models.qwen2.5-coder:*" in text.stdout
    bad = CliRunner().invoke(_app(state), ["config", "show", "--model", "bad name!"])
    assert bad.exit_code == 2

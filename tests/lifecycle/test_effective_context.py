"""The effective context end to end (asyncio and trio): a model whose Modelfile sets
``num_ctx 2048``, a 6,000-token prompt: the budget says a request without options would be
cut, names the ``num_ctx`` to send and the create that fixes it; that create makes a model
the prompt fits. Plus the pure rules of the hint."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.limits.budget import derived_name, suggested_num_ctx
from ollm_actors.vocab.modelfile import default_num_ctx, parse_parameters
from tests.fleet.act_support import ollm
from tests.lifecycle.support import lifecycle_runtime, one_emulator


@pytest.mark.anyio
async def test_a_prompt_over_the_default_context_is_named_and_fixed(tmp_path: Path) -> None:
    async with one_emulator(["llama3.2:3b"]) as emu:
        async with lifecycle_runtime(emu, tmp_path) as (rt, _):
            with anyio.fail_after(30):
                await rt.models.create_model("small", "llama3.2:3b", parameters={"num_ctx": 2048})
                cut = await rt.limits.budget("small", prompt_tokens=6000, max_output=1024)
                assert cut.fits  # the window (131072) holds it ...
                assert not cut.fits_default  # ... the context it loads with does not
                assert (cut.default_context, cut.default_context_source) == (2048, "modelfile")
                assert cut.options.num_ctx == 7168  # what to send instead
                assert cut.default_context_note is not None
                assert "num_ctx 7168" in cut.default_context_note
                assert cut.fix == "ollm create small-8k --from small:latest --num-ctx 8192"
                plain = await rt.limits.budget("llama3.2:3b", prompt_tokens=6000, max_output=1024)
                assert (plain.default_context_source, plain.fits_default) == (
                    "server default", False
                )
        # The fix, as the hint spells it, through the CLI; then the prompt fits by default.
        made = await ollm([emu.url], *cut.fix.split()[1:], cache=tmp_path / "c")
        assert made.code == 0, made.err
        limits = await ollm([emu.url], "--json", "limits", "small-8k", cache=tmp_path / "c")
        assert (limits.json["default_context"], limits.json["default_context_source"]) == (
            8192, "modelfile"
        )
        text = await ollm([emu.url], "limits", "small", cache=tmp_path / "c2")
        assert "default context    2048 tokens" in text.out
        assert "from its Modelfile (PARAMETER num_ctx)" in text.out
        async with lifecycle_runtime(emu, tmp_path / "again") as (rt, _):
            fixed = await rt.limits.budget("small-8k", prompt_tokens=6000, max_output=1024)
            assert fixed.fits_default and fixed.default_context == 8192
            assert fixed.default_context_note is None and fixed.fix is None


def test_the_hint_names_a_power_of_two_and_a_name_that_says_it() -> None:
    assert suggested_num_ctx(7024, 131072) == 8192
    assert suggested_num_ctx(100, 131072) == 2048
    assert suggested_num_ctx(50000, 32768) == 32768  # never past the window
    assert derived_name("llama3.2:latest", 32768) == "llama3.2-32k"
    assert derived_name("llama3.1:8b", 8192) == "llama3.1:8b-8k"


def test_modelfile_parameters_parse_to_typed_values() -> None:
    text = 'num_ctx                        2048\nstop                           "<|eot_id|>"\n' \
           'stop                           "END"\ntemperature                    0.2'
    assert parse_parameters(text) == {
        "num_ctx": 2048, "stop": ["<|eot_id|>", "END"], "temperature": 0.2
    }
    assert default_num_ctx(text) == 2048
    assert default_num_ctx("temperature 0.2") is None
    assert default_num_ctx("num_ctx -1") is None

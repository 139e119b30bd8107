"""The router's fit rule (issue 16), shared with budgets: the reserved output, overrides under
a profile's minimum window, an unknown task type, and the max output of a model the
database calls an embedding model but the server says completes."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.errors import NoModelAvailable, PromptTooLarge
from ollm_actors.limits.budget import compute_budget
from ollm_actors.limits.resolve import ServerFacts, resolve_limits
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.select import select_model
from ollm_actors.runtime import open_runtime
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.database import load_builtin_database
from ollm_actors.vocab.fit import reserved_output
from tests.fleet.act_support import ollm, two_emulators
from tests.inventory.support import settings_for

H = "http://h:11434"
DB = load_builtin_database()


def model(name: str, window: int, max_output: int, *caps: str, family: str = "") -> Candidate:
    return Candidate(
        name=name,
        host=H,
        family=family,
        context_window=window,
        max_output_tokens=max_output,
        capabilities=frozenset({"completion", "streaming", *caps}),
    )


def fits(cand: Candidate, profile: str, prompt: int, wish: int | None) -> bool:
    try:
        select_model(
            profile, [cand], profiles=BUILTIN_PROFILES, prompt_tokens=prompt, max_output=wish
        )
    except NoModelAvailable:
        return False
    return True


def test_reserved_output_is_the_smaller_of_the_request_and_the_model() -> None:
    assert reserved_output(4096, 2048, generates=True) == 2048
    assert reserved_output(1000, 2048, generates=True) == 1000
    assert reserved_output(None, 2048, generates=True) == 1
    assert reserved_output(0, 2048, generates=True) == 1
    assert reserved_output(4096, None, generates=True) == 4096
    assert reserved_output(4096, 2048, generates=False) == 0


def test_router_and_budget_reserve_the_same_output() -> None:
    cand = model("m:1b", 8192, 2048)
    limits = resolve_limits(
        "m:1b",
        database=DB,
        overrides={},
        server=ServerFacts(context_length=8192, capabilities=frozenset({"completion"})),
    )
    capped = msgspec_replace(limits, max_output_tokens=2048)
    # Asked for 4096, the model gives at most 2048: 6144 + 2048 fits 8192, one more does not.
    for prompt, expected in ((6144, True), (6145, False)):
        assert fits(cand, "general", prompt, 4096) is expected
        try:
            budget = compute_budget(capped, prompt_tokens=prompt, max_output=4096)
        except PromptTooLarge as exc:
            assert not expected
            assert exc.reserved_output == 2048
        else:
            assert expected and budget.max_output == 2048
    # Asked for less than the model's maximum, only that is reserved.
    assert fits(cand, "general", 7000, 1000)
    assert not fits(cand, "general", 7193, 1000)
    assert compute_budget(capped, prompt_tokens=7000, max_output=1000).max_output == 1000


def msgspec_replace(obj: object, **changes: object) -> object:
    import msgspec

    return msgspec.structs.replace(obj, **changes)  # type: ignore[type-var]


POOL = [
    model("phi3:mini", 4096, 2048, family="phi3"),
    model("qwen2.5-coder:7b", 32768, 8192, "tools", family="qwen2.5-coder"),
    model("llava:7b", 4096, 2048, "vision", family="llava"),
]


def test_an_override_under_the_profiles_minimum_window_is_honoured() -> None:
    decision = select_model(
        "code", POOL, profiles=BUILTIN_PROFILES, overrides={"code": "phi3:mini"}
    )
    assert decision.model == "phi3:mini"
    assert decision.reasons[0] == (
        "override phi3:mini for 'code' (model.routing.overrides.code) is available on "
        f"{H} and honoured although its context window 4096 is under the 16384 tokens "
        "'code' asks for"
    )


def test_an_override_is_passed_over_when_the_prompt_cannot_fit_its_window() -> None:
    decision = select_model(
        "code",
        POOL,
        profiles=BUILTIN_PROFILES,
        overrides={"code": "phi3:mini"},
        prompt_tokens=3000,
        max_output=4096,
    )
    assert decision.model == "qwen2.5-coder:7b"
    assert "override phi3:mini" in decision.reasons[0]
    assert "cannot hold a 3000-token prompt and 2048 tokens of output" in decision.reasons[0]


def test_an_override_is_passed_over_when_it_lacks_a_required_capability() -> None:
    decision = select_model(
        "code",
        POOL,
        profiles=BUILTIN_PROFILES,
        overrides={"code": "phi3:mini"},
        require=("tools",),
    )
    assert decision.model == "qwen2.5-coder:7b"
    assert "does not fit 'code'" in decision.reasons[0]
    assert "lacks tools" in decision.reasons[0]


def test_an_override_is_passed_over_when_no_online_host_has_it() -> None:
    decision = select_model(
        "code", POOL, profiles=BUILTIN_PROFILES, overrides={"code": "deepseek-coder:6.7b"}
    )
    assert decision.model == "qwen2.5-coder:7b"
    assert "is not installed on any online host" in decision.reasons[0]


def test_an_embedding_entry_that_the_server_says_completes_gets_its_output() -> None:
    # nomic-embed-text is an embedding model in the database; a server that says it
    # completes decides, and the max output must not stay 0 (num_predict=1).
    facts = ServerFacts(context_length=8192, capabilities=frozenset({"completion"}))
    limits = resolve_limits("nomic-embed-text:latest", database=DB, server=facts)
    assert limits.capabilities.completion
    assert limits.max_output_tokens > 1
    budget = compute_budget(limits, prompt_tokens=100, configured_max_tokens=512)
    assert budget.options.num_predict == 512
    plain = resolve_limits("nomic-embed-text:latest", database=DB)
    assert (plain.capabilities.completion, plain.max_output_tokens) == (False, 0)


pytestmark_anyio = pytest.mark.anyio


@pytestmark_anyio
async def test_an_unknown_task_type_says_so_and_names_the_profile(tmp_path: Path) -> None:
    async with two_emulators(["llama3.1:8b"], ["phi3:mini"]) as (a, b):
        settings = settings_for([a.url, b.url], tmp_path)
        with anyio.fail_after(30):
            async with open_runtime(settings) as rt:
                decision = await rt.router.select_for_task("UNKNOWN")
                known = await rt.router.select_for_task("code")
        assert decision.profile == "general"
        assert decision.reasons[0] == (
            "task type 'UNKNOWN' is unknown; used the default profile 'general' "
            "(model.routing.defaultProfile)"
        )
        assert not any("unknown" in reason for reason in known.reasons)

        ran = await ollm([a.url, b.url], "--json", "route", "--task", "UNKNOWN", cache=tmp_path)
        assert ran.code == 0, ran.err
        assert ran.json["profile"] == "general"
        assert ran.json["reasons"][0].startswith("task type 'UNKNOWN' is unknown")
        text = await ollm([a.url, b.url], "route", "--task", "UNKNOWN", cache=tmp_path)
        assert "task type 'UNKNOWN' is unknown" in text.out and "'general'" in text.out

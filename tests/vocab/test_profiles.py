"""get_profile: task type → routing profile."""

from __future__ import annotations

import pytest

from ollm_actors.cli.exits import exit_code
from ollm_actors.errors import UnknownProfile
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES, BUILTIN_TASKS
from ollm_actors.vocab.profile_lookup import get_profile
from ollm_actors.vocab.profiles import RoutingProfile


def lookup(task: str, default: str = "general", **kw: object) -> RoutingProfile:
    profiles = kw.get("profiles", BUILTIN_PROFILES)
    tasks = kw.get("tasks", BUILTIN_TASKS)
    assert isinstance(profiles, dict)
    assert isinstance(tasks, dict)
    return get_profile(task, profiles=profiles, tasks=tasks, default_profile=default)


@pytest.mark.parametrize(("task", "profile"), sorted(BUILTIN_TASKS.items()))
def test_every_builtin_task_maps_to_its_profile(task: str, profile: str) -> None:
    assert lookup(task) is BUILTIN_PROFILES[profile]


@pytest.mark.parametrize("name", sorted(BUILTIN_PROFILES))
def test_a_profile_name_is_a_task_type(name: str) -> None:
    assert lookup(name, default="fast").name == name


@pytest.mark.parametrize(
    ("task", "profile"),
    [("Refactor", "code"), ("  OCR ", "vision"), ("LONG-CONTEXT", "long-context")],
)
def test_lookup_ignores_case_and_spaces(task: str, profile: str) -> None:
    assert lookup(task, default="fast").name == profile


@pytest.mark.parametrize("task", ["", "juggle", "code-golf"])
def test_unknown_task_type_gets_the_default_profile(task: str) -> None:
    assert lookup(task, default="creative").name == "creative"
    assert lookup(task).name == "general"


def test_unknown_default_profile_is_a_clear_error() -> None:
    with pytest.raises(UnknownProfile) as info:
        lookup("juggle", default="genral")
    err = info.value
    assert err.profile == "genral"
    assert err.setting == "model.routing.defaultProfile"
    assert "did you mean 'general'" in str(err)
    assert "code" in err.known
    assert exit_code(err) == 2
    assert err.facts()["known"] == sorted(BUILTIN_PROFILES)


def test_known_task_types_do_not_need_a_valid_default() -> None:
    assert lookup("debug", default="nope").name == "code"


def test_task_mapped_to_a_missing_profile_names_the_task() -> None:
    with pytest.raises(UnknownProfile, match="task type 'draw'"):
        lookup("draw", tasks={"draw": "painting"})


def test_a_configured_profile_shadows_a_builtin_task_of_the_same_name() -> None:
    mine = RoutingProfile(name="summarize", minContextWindow=32768)
    profiles = {**BUILTIN_PROFILES, "summarize": mine}
    assert lookup("summarize", profiles=profiles) is mine
    assert lookup("summarize").name == "general"


def test_changed_builtin_profile_is_the_one_returned() -> None:
    changed = RoutingProfile(name="code", preferredFamilies=("codestral",), minContextWindow=1)
    profiles = {**BUILTIN_PROFILES, "code": changed}
    assert lookup("review", profiles=profiles) is changed

"""The error tree is one module: every OllmError lives in ``ollm_actors.errors``, is drawn in
its docstring, is exported, and reports the facts it names."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import ollm_actors
from ollm_actors import errors
from ollm_actors.errors import OllmError, SettingsProblem


def _every_error_class() -> set[type[OllmError]]:
    """Every OllmError subclass reachable once each module of the package is imported."""
    for info in pkgutil.walk_packages(ollm_actors.__path__, "ollm_actors."):
        # Running the package as a program starts the CLI; importing it would too.
        if not info.name.endswith(".__main__"):
            importlib.import_module(info.name)
    found: set[type[OllmError]] = set()
    pending = list(OllmError.__subclasses__())
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return found


ERRORS = _every_error_class()
TREE = set(re.findall(r"[├└]── (\w+)", errors.__doc__ or ""))

# One instance of each error, with every optional fact given so that none is left at a default.
SAMPLES: dict[str, OllmError] = {
    e.__class__.__name__: e
    for e in (
        errors.InvalidModelName("a b", "no spaces"),
        errors.InvalidHost("ftp://h", "not http(s)"),
        errors.HostUnreachable("http://h", "refused", hint="start it"),
        errors.ProtocolError("http://h", "/api/pull", "bad", line=2, snippet="x"),
        errors.ServerError("http://h", "/api/tags", 500, "boom"),
        errors.ModelNotFound("m", "http://h", ["n"]),
        errors.ModelBusy("m", "http://h", "pulling"),
        errors.ModelOnSeveralHosts("m", ("http://a", "http://b")),
        errors.PullFailed("m", "http://h", "gone", ["n"]),
        errors.PullCancelled("m", "http://h"),
        errors.PullNotFound("m:latest", "http://h", ["n:latest"]),
        errors.OperationFailed("push", "m", "http://h", "denied"),
        errors.OperationCancelled("push", "m", "http://h"),
        errors.BadModelParameter("num_ctxx", "not an Ollama option", "'1'", ["num_ctx"]),
        errors.NoModelAvailable("code", ["tools"], [("m", "small")], ["n"]),
        errors.PromptTooLarge("m", 8, 9, 4),
        errors.MemoryUnknown("m", "http://h", "no block_count"),
        errors.SettingsError([SettingsProblem("a.b", "env", "a number", "'x'", "a.c")]),
        errors.LimitsDataError("db.yaml", ["entry 1: bad"]),
        errors.UnknownProfile("p", ["q"], setting="model.routing.x", suggestions=["q"]),
        errors.UnknownCapability("c", ["tools"], suggestions=["tools"]),
        errors.ListenFailed("127.0.0.1:11434", "in use", hint="use --port"),
        errors.ServiceUnavailable("/run/user/1000/ollm/ollm.sock", "no socket there"),
        errors.ServiceRefused("http://127.0.0.1:11500", 401, "wrong token"),
        errors.StateDataError("redis://***@127.0.0.1:6379", "ollm:facts:ab", "not a mapping"),
        errors.UsageError("no such option: --jsn", command="list", option="--jsn",
                          suggestions=["--json"]),
        errors.ActorUnavailable("inventory", "stopped"),
        errors.AskTimeout("inventory", "ListModels", 1.5),
        errors.InboxFull("inventory", 8),
        errors.UnhandledMessage("inventory", "Nope"),
        errors.ActorCrashed("inventory", ValueError("bug"), crashes=2),
        errors.SubscriberOverflow(["pull.*"], 16),
    )
}


def test_errors_were_found() -> None:
    assert errors.HostUnreachable in ERRORS and errors.ActorCrashed in ERRORS


@pytest.mark.parametrize("cls", sorted(ERRORS, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_error_lives_in_the_one_module_and_its_tree(cls: type[OllmError]) -> None:
    assert cls.__module__ == "ollm_actors.errors"
    assert getattr(errors, cls.__name__) is cls
    assert cls.__name__ in TREE, "draw it in the errors module docstring"
    assert cls.__name__ in errors.__all__
    assert cls.__doc__, "state when it is raised"


def test_the_tree_draws_no_class_that_is_gone() -> None:
    assert {c.__name__ for c in ERRORS} == TREE


def test_all_lists_every_class_of_the_module() -> None:
    classes = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and value.__module__ == errors.__name__
    }
    assert classes == set(errors.__all__)


def test_every_error_has_a_sample() -> None:
    assert set(SAMPLES) == {c.__name__ for c in ERRORS}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_facts_have_every_fact_name(name: str) -> None:
    error = SAMPLES[name]
    facts = error.facts()
    assert facts["type"] == name
    assert facts["message"] == error.message == str(error)
    assert set(type(error).fact_names) <= set(facts)
    for key in type(error).fact_names:
        assert facts[key] is not None, key

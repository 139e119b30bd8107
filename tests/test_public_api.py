"""The public face: every name in __all__ resolves, and nothing heavy loads on import."""

from __future__ import annotations

import subprocess
import sys

import ollm_actors

# The public API as the README documents it: adding a name is a decision, not an accident.
DOCUMENTED = {
    "ActorUnavailable", "AskTimeout", "ServiceRefused", "ServiceUnavailable",
    "connect", "BadModelParameter", "Capabilities", "CreateResult",
    "DownloadsAPI", "LifecycleEvent", "PushResult", "UpdateResult",
    "Event", "EventBus", "HostFit",
    "HostStatus", "HostsAPI", "HostUnreachable", "InvalidHost", "InvalidModelName", "InventoryAPI",
    "LimitsAPI", "LimitsDataError", "LoadedModel", "MemoryEstimate", "MemoryUnknown",
    "ModelBusy", "ModelDeleted",
    "ModelDetails", "ModelInfo", "ModelLimits", "ModelMemory", "ModelNotFound",
    "ModelOnSeveralHosts",
    "ModelStatus", "ModelsAPI",
    "NoModelAvailable", "OllamaClient", "OllmError", "OperationCancelled",
    "OperationFailed", "PromptTooLarge", "ProtocolError",
    "PullCancelled", "PullEvent", "PullFailed", "PullHandle", "PullProgress", "PullResult",
    "RouteDecision", "RouterAPI", "RoutingProfile", "Runtime", "ServerError", "Settings",
    "SettingsError", "TokenBudget", "UnknownCapability", "UnknownProfile", "__version__",
    "estimate_message_tokens", "estimate_tokens", "load_settings", "open_runtime",
    "parse_host", "parse_model_name",
}  # fmt: skip


def test_all_attributes_resolve_from_their_home_module() -> None:
    import importlib

    for name in ollm_actors.__all__:
        value = getattr(ollm_actors, name)
        assert value is not None, name
        if name != "__version__":
            home = importlib.import_module(ollm_actors._EXPORTS[name])
            assert getattr(home, name) is value, name


def test_all_is_the_documented_sorted_tuple_without_duplicates() -> None:
    names = ollm_actors.__all__
    assert isinstance(names, tuple)
    assert list(names) == sorted(names)
    assert len(set(names)) == len(names)
    assert set(names) == DOCUMENTED
    assert set(names) == {"__version__", *ollm_actors._EXPORTS}
    assert dir(ollm_actors) == sorted(names)


def test_errors_share_one_base() -> None:
    for name in ollm_actors.__all__:
        value = getattr(ollm_actors, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, ollm_actors.OllmError), name


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        ollm_actors.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_is_light() -> None:
    code = (
        "import sys, ollm_actors; "
        "print(sorted(m for m in ('httpx', 'anyio', 'msgspec', 'rich', 'typer', 'yaml') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

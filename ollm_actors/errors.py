"""Typed errors of ollm-actors: the whole tree, in this one module.

Every error a user can meet is an :class:`OllmError`. Each carries the facts of what went
wrong as attributes (``host``, ``model``, ``status`` ...), a message a person can act on, and
``facts()``: those attributes as JSON-ready data (what the CLI prints under ``--json``). Which
exit code each maps to is the CLI's business (``ollm_actors.cli.exits``)::

    OllmError
    ├── InvalidModelName      a name Ollama's grammar rejects            (model, reason)
    ├── InvalidHost           not an Ollama server address               (host, reason)
    ├── HostUnreachable       refused, timed out, dropped                (host, reason)
    ├── ProtocolError         an answer that breaks Ollama's protocol    (host, endpoint, ...)
    ├── ServerError           an HTTP error status                       (host, endpoint, status)
    ├── ModelNotFound         not on the host / not in the registry      (model, host, suggestions)
    ├── ModelBusy             refused while in use                       (model, host, reason)
    ├── ModelOnSeveralHosts   one model asked for, several hosts have it (model, hosts)
    ├── PullFailed            the server's error, or retries ran out     (model, host, reason)
    ├── PullCancelled         cancelled before it finished               (model, host)
    ├── PullNotFound          no pull in flight has that id or name      (target, host, running)
    ├── OperationFailed       an error line amid a create/push stream    (operation, model, host)
    ├── OperationCancelled    a push/create/update cancelled midway      (operation, model, host)
    ├── BadModelParameter     a Modelfile parameter Ollama would refuse  (parameter, reason, value)
    ├── NoModelAvailable      nothing fits a profile, fallbacks included (profile, rejected)
    ├── PromptTooLarge        a prompt no window can hold                (model, prompt_tokens)
    ├── MemoryUnknown         no facts to size a model in memory by      (model, host, reason)
    ├── SettingsError         every settings problem at once             (problems)
    ├── LimitsDataError       a bad model database or limits override    (source, problems)
    ├── UnknownProfile        a routing profile no one defines           (profile, known)
    ├── UnknownCapability     outside the capability vocabulary          (capability, known)
    ├── UsageError            a command line the CLI cannot read         (command, option)
    ├── ListenFailed          a server of ours cannot take its address   (address, reason)
    ├── ServiceUnavailable    no `ollm serve` answers there              (target, reason)
    ├── ServiceRefused        the service refused a request (401, 400)   (target, status, reason)
    ├── StateDataError        foreign or hostile data in the shared state (store, key, reason)
    ├── ActorUnavailable      the actor is stopped or stopping           (actor, reason)
    ├── AskTimeout            no answer in time                          (actor, message_type)
    ├── InboxFull             ``tell_nowait`` to a full inbox            (actor, size)
    ├── UnhandledMessage      no handler for a message type              (actor, message_type)
    ├── ActorCrashed          a handler's bug; the cause is chained      (actor, reason)
    └── SubscriberOverflow    a subscriber too far behind state events   (topics, buffer)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

__all__ = (
    "ActorCrashed", "ActorUnavailable", "AskTimeout", "BadModelParameter",
    "HostUnreachable",
    "InboxFull", "InvalidHost", "InvalidModelName", "LimitsDataError", "ListenFailed",
    "MemoryUnknown", "ModelBusy", "ModelNotFound", "ModelOnSeveralHosts", "NoModelAvailable",
    "OllmError", "OperationCancelled", "OperationFailed", "PromptTooLarge", "ProtocolError",
    "PullCancelled", "PullFailed", "PullNotFound", "ServerError", "ServiceRefused",
    "ServiceUnavailable", "SettingsError", "SettingsProblem", "StateDataError",
    "SubscriberOverflow",
    "UnhandledMessage", "UnknownCapability", "UnknownProfile", "UsageError",
)

_UNREACHABLE_HINT = "is Ollama running there? start it with 'ollama serve' or set OLLM_HOST"


def _did_you_mean(suggestions: Sequence[str]) -> str:
    quoted = ", ".join(f"'{s}'" for s in suggestions)
    return f" (did you mean {quoted}?)" if suggestions else ""


def _at(preposition: str, host: str | None) -> str:
    """`` on http://h:11434`` for a known host; nothing for an unknown one."""
    return f" {preposition} {host}" if host else ""


def _listing(head: str, problems: tuple[Any, ...]) -> str:
    """One problem on the head's line; several as a counted, indented list below it."""
    if len(problems) == 1:
        return f"{head}: {problems[0]}"
    lines = "\n".join(f"  - {p}" for p in problems)
    return f"{head} ({len(problems)} problems):\n{lines}"


class OllmError(Exception):
    """Base of every error raised by ollm-actors."""

    #: attribute names included in :meth:`facts`, in order
    fact_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def facts(self) -> dict[str, Any]:
        """The error's facts as JSON-ready data: ``{"type", "message", ...}``."""
        out: dict[str, Any] = {"type": type(self).__name__, "message": self.message}
        for name in self.fact_names:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = [v.as_dict() if isinstance(v, SettingsProblem) else v for v in value]
            out[name] = value
        return out

    def __str__(self) -> str:
        return self.message


class InvalidModelName(OllmError):
    """A model name that Ollama's name grammar rejects."""

    fact_names = ("model", "reason")

    def __init__(self, model: str, reason: str) -> None:
        self.model, self.reason = model, reason
        super().__init__(f"invalid model name {model!r}: {reason}")


class InvalidHost(OllmError):
    """A host string that cannot be an Ollama server address."""

    fact_names = ("host", "reason")

    def __init__(self, host: str, reason: str) -> None:
        self.host, self.reason = host, reason
        super().__init__(f"invalid Ollama host {host!r}: {reason}")


class HostUnreachable(OllmError):
    """A host refused the connection, did not answer in time, or dropped it (retryable);
    ``hint`` replaces the default advice."""

    fact_names = ("host", "reason")

    def __init__(self, host: str, reason: str, *, hint: str | None = None) -> None:
        self.host, self.reason = host, reason
        self.hint = _UNREACHABLE_HINT if hint is None else hint
        super().__init__(f"cannot reach Ollama at {host}: {reason}; {self.hint}")


class ModelNotFound(OllmError):
    """A model that the host does not have (or the registry does not know)."""

    fact_names = ("model", "host", "suggestions")

    def __init__(self, model: str, host: str | None, suggestions: Sequence[str] = ()) -> None:
        self.model, self.host, self.suggestions = model, host, tuple(suggestions)
        super().__init__(
            f"model '{model}' not found{_at('on', host)}{_did_you_mean(self.suggestions)}"
        )


class PullFailed(OllmError):
    """A pull that ended in an error reported by the server or after retries ran out."""

    fact_names = ("model", "host", "reason", "suggestions")

    def __init__(
        self, model: str, host: str | None, reason: str, suggestions: Sequence[str] = ()
    ) -> None:
        self.model, self.host, self.reason = model, host, reason
        self.suggestions = tuple(suggestions)
        super().__init__(
            f"pull of '{model}'{_at('from', host)} failed: {reason}"
            f"{_did_you_mean(self.suggestions)}"
        )


class PullCancelled(OllmError):
    """A pull that was cancelled before it finished."""

    fact_names = ("model", "host")

    def __init__(self, model: str, host: str | None) -> None:
        self.model, self.host = model, host
        super().__init__(f"pull of '{model}'{_at('from', host)} was cancelled")


class PullNotFound(OllmError):
    """A pull to cancel or follow that is not in flight: ``target`` is the id or model name
    asked for, ``running`` the names of the pulls that are."""

    fact_names = ("target", "host", "running")

    def __init__(self, target: int | str, host: str | None, running: Sequence[str]) -> None:
        self.target, self.host, self.running = target, host, tuple(running)
        what = f"pull {target}" if isinstance(target, int) else f"pull of '{target}'"
        now = ", ".join(self.running) if self.running else "none"
        super().__init__(f"no {what} is in flight{_at('on', host)}; running now: {now}")


class OperationFailed(OllmError):
    """A create or push the server began (HTTP 200), then ended with an error line: the
    server's own words are ``reason``; ``operation`` is ``create`` or ``push``."""

    fact_names = ("operation", "model", "host", "reason")

    def __init__(self, operation: str, model: str, host: str | None, reason: str) -> None:
        self.operation, self.model, self.host, self.reason = operation, model, host, reason
        super().__init__(f"{operation} of '{model}'{_at('on', host)} failed: {reason}")


class OperationCancelled(OllmError):
    """A push, create or update that was cancelled before it finished."""

    fact_names = ("operation", "model", "host")

    def __init__(self, operation: str, model: str, host: str | None) -> None:
        self.operation, self.model, self.host = operation, model, host
        super().__init__(f"{operation} of '{model}'{_at('on', host)} was cancelled")


class BadModelParameter(OllmError):
    """A model parameter (``ollm create --param``, ``create_model(parameters=)``) that is not
    one of Ollama's options, or whose value has the wrong type; raised before any request.
    ``suggestions`` are close option names."""

    fact_names = ("parameter", "reason", "value", "suggestions")

    def __init__(
        self, parameter: str, reason: str, value: str | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        self.parameter, self.reason, self.value = parameter, reason, value
        self.suggestions = tuple(suggestions)
        got = f", got {value}" if value is not None else ""
        super().__init__(
            f"model parameter '{parameter}': {reason}{got}{_did_you_mean(self.suggestions)}"
        )


class ProtocolError(OllmError):
    """The server sent something that does not follow Ollama's protocol; ``line`` is the
    1-based line of a streamed answer, ``snippet`` the start of what could not be read."""

    fact_names = ("host", "endpoint", "line", "snippet", "reason")

    def __init__(
        self, host: str, endpoint: str, reason: str, *,
        line: int | None = None, snippet: str | None = None,
    ) -> None:
        self.host, self.endpoint, self.reason = host, endpoint, reason
        self.line, self.snippet = line, snippet
        where = f" line {line}" if line is not None else ""
        shown = f": {snippet!r}" if snippet is not None else ""
        super().__init__(f"unexpected answer from {host}{endpoint}{where} ({reason}){shown}")


class ServerError(OllmError):
    """An HTTP error status from the server other than 'not found'."""

    fact_names = ("host", "endpoint", "status", "body")

    def __init__(self, host: str, endpoint: str, status: int, body: str) -> None:
        self.host, self.endpoint, self.status, self.body = host, endpoint, status, body
        detail = f": {body}" if body else ""
        super().__init__(f"{host}{endpoint} answered HTTP {status}{detail}")


class SettingsProblem:
    """One problem found in the settings: where, from which source, expected and found."""

    __slots__ = ("expected", "found", "path", "source", "suggestion")
    # The order of as_dict(), a person's reading order (__slots__ is kept sorted).
    _FIELDS = ("path", "source", "expected", "found", "suggestion")

    def __init__(
        self, path: str, source: str, expected: str, found: str, suggestion: str | None = None
    ) -> None:
        self.path, self.source, self.expected, self.found = path, source, expected, found
        self.suggestion = suggestion

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._FIELDS}

    def __str__(self) -> str:
        hint = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        where = f"{self.path} " if self.path else ""
        return f"{self.source}: {where}expected {self.expected}, got {self.found}{hint}"

    def __repr__(self) -> str:
        return f"SettingsProblem({self})"


class SettingsError(OllmError):
    """Every problem found while loading settings, reported at once."""

    fact_names = ("problems",)

    def __init__(self, problems: Sequence[SettingsProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(_listing("invalid settings", self.problems))


class NoModelAvailable(OllmError):
    """No available model satisfies a routing profile, even after its fallbacks."""

    fact_names = ("profile", "required", "rejected", "suggestions")

    def __init__(
        self, profile: str, required: Sequence[str],
        rejected: Sequence[tuple[str, str]] = (), suggestions: Sequence[str] = (),
    ) -> None:
        self.profile, self.required = profile, tuple(required)
        self.rejected, self.suggestions = tuple(rejected), tuple(suggestions)
        text = f"no available model fits profile '{profile}'"
        if self.required:
            text += f" (requires {', '.join(self.required)})"
        if self.rejected:
            text += "; rejected: " + "; ".join(f"{m}: {why}" for m, why in self.rejected)
        if self.suggestions:
            text += "; would fit if pulled: " + ", ".join(self.suggestions)
        super().__init__(text)

    def facts(self) -> dict[str, Any]:
        out = super().facts()
        out["rejected"] = [{"model": m, "reason": why} for m, why in self.rejected]
        return out


class PromptTooLarge(OllmError):
    """A prompt that cannot fit a model's context window with the output reserved for it."""

    fact_names = ("model", "context_window", "prompt_tokens", "reserved_output")

    def __init__(self, model: str, context_window: int, prompt_tokens: int, reserved: int = 0) -> None:  # noqa: E501
        self.model, self.context_window, self.prompt_tokens = model, context_window, prompt_tokens
        self.reserved_output = reserved  # the output tokens the fit rule keeps room for
        output = f" and {reserved} tokens of output" if reserved > 1 else ""
        super().__init__(
            f"prompt of ~{prompt_tokens} tokens{output} does not fit '{model}' "
            f"(context window {context_window} tokens)"
        )


class MemoryUnknown(OllmError):
    """A memory estimate asked for a model whose server gave too few facts to size it
    (``model_info`` without the layer and head counts, or no file size)."""

    fact_names = ("model", "host", "reason")

    def __init__(self, model: str, host: str | None, reason: str) -> None:
        self.model, self.host, self.reason = model, host, reason
        super().__init__(f"cannot estimate the memory of '{model}'{_at('on', host)}: {reason}")


class ModelBusy(OllmError):
    """An operation refused because the model is in use (e.g. delete while pulling)."""

    fact_names = ("model", "host", "reason")

    def __init__(self, model: str, host: str | None, reason: str) -> None:
        self.model, self.host, self.reason = model, host, reason
        super().__init__(f"model '{model}'{_at('on', host)} is busy: {reason}")


class ModelOnSeveralHosts(OllmError):
    """An action on one model (``rm``) that found it on several hosts and was not told which."""

    fact_names = ("model", "hosts")

    def __init__(self, model: str, hosts: Sequence[str]) -> None:
        self.model, self.hosts = model, tuple(hosts)
        which = f"model '{model}' is on several hosts ({', '.join(self.hosts)})"
        super().__init__(f"{which}: name one with --on HOST, or use --all-hosts for every one")


class ActorUnavailable(OllmError):
    """An ask to an actor that is stopped, crashed, or shutting down."""

    fact_names = ("actor", "reason")

    def __init__(self, actor: str, reason: str) -> None:
        self.actor, self.reason = actor, reason
        super().__init__(f"actor '{actor}' is unavailable: {reason}")


class AskTimeout(OllmError):
    """An ask that got no answer within ``timeout`` seconds."""

    fact_names = ("actor", "message_type", "timeout")

    def __init__(self, actor: str, message_type: str, timeout: float) -> None:
        self.actor, self.message_type, self.timeout = actor, message_type, timeout
        super().__init__(f"actor '{actor}' did not answer {message_type} within {timeout:g} s")


class SubscriberOverflow(OllmError):
    """An event subscriber that fell so far behind that state events would be lost."""

    fact_names = ("topics", "buffer")

    def __init__(self, topics: Sequence[str], buffer: int) -> None:
        self.topics, self.buffer = tuple(topics), buffer
        super().__init__(
            f"event subscriber for {', '.join(self.topics) or '*'} fell more than {buffer} "
            "state events behind and was closed"
        )


class ActorCrashed(OllmError):
    """An actor hit an unexpected exception (a bug), chained as ``__cause__``.

    Raised to the asker whose message made the handler fail, and out of the
    :class:`~ollm_actors.actors.supervision.ActorSystem` when an actor crashed more often than
    its restart policy allows (``crashes`` counts them).
    """

    fact_names = ("actor", "reason", "crashes")

    def __init__(self, actor: str, cause: BaseException, *, crashes: int = 1) -> None:
        self.actor, self.crashes, kind = actor, crashes, type(cause).__name__
        self.reason = f"{kind}: {cause}" if str(cause) else kind
        again = f" {crashes} times, giving up; last" if crashes > 1 else ""
        super().__init__(f"actor '{actor}' crashed{again}: {self.reason}")
        self.__cause__ = cause


class UnhandledMessage(OllmError):
    """A message sent to an actor that has no handler for its type (a caller's bug)."""

    fact_names = ("actor", "message_type")

    def __init__(self, actor: str, message_type: str) -> None:
        self.actor, self.message_type = actor, message_type
        super().__init__(f"actor '{actor}' has no handler for {message_type}")


class InboxFull(OllmError):
    """``tell_nowait`` to an actor whose bounded inbox is full."""

    fact_names = ("actor", "size")

    def __init__(self, actor: str, size: int) -> None:
        self.actor, self.size = actor, size
        super().__init__(f"inbox of actor '{actor}' is full ({size} messages queued)")


class LimitsDataError(OllmError):
    """A model database or a limits override that is not valid; ``source`` names where the
    data came from (the database file, ``limits.overrides`` or ``pattern``), each of
    ``problems`` the entry it is in."""

    fact_names = ("source", "problems")

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source, self.problems = source, tuple(problems)
        super().__init__(_listing(f"invalid limits data in {source}", self.problems))


class UnknownProfile(OllmError):
    """A routing profile name that no built-in or configured profile has; ``setting`` names
    where it came from (e.g. ``model.routing.defaultProfile``), when not from the caller."""

    fact_names = ("profile", "known", "setting", "suggestions")

    def __init__(
        self, profile: str, known: Iterable[str], *,
        setting: str | None = None, suggestions: Sequence[str] = (),
    ) -> None:
        self.profile, self.known, self.setting = profile, tuple(sorted(known)), setting
        self.suggestions = tuple(suggestions)
        where = f" (from {setting})" if setting else ""
        super().__init__(
            f"unknown routing profile '{profile}'{where}{_did_you_mean(self.suggestions)}; "
            f"known profiles: {', '.join(self.known) or 'none'}"
        )


class UnknownCapability(OllmError):
    """A required capability name outside the capability vocabulary."""

    fact_names = ("capability", "known", "suggestions")

    def __init__(
        self, capability: str, known: Iterable[str], *, suggestions: Sequence[str] = ()
    ) -> None:
        self.capability, self.known, self.suggestions = capability, tuple(known), tuple(suggestions)
        super().__init__(
            f"unknown capability '{capability}'{_did_you_mean(self.suggestions)}; "
            f"known capabilities: {', '.join(self.known)}"
        )


class UsageError(OllmError):
    """A command line `ollm` cannot read: an unknown option or command, a missing or bad
    argument (what click reports, with its message kept)."""

    fact_names = ("command", "option", "suggestions")

    def __init__(
        self,
        message: str,
        *,
        command: str | None = None,
        option: str | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        self.command, self.option, self.suggestions = command, option, tuple(suggestions)
        super().__init__(f"{message}{_did_you_mean(self.suggestions)}")


class ListenFailed(OllmError):
    """A server `ollm` starts (the emulator, the service) cannot listen on its address:
    taken by another program, not ours to use, or not on this machine."""

    fact_names = ("address", "reason")

    def __init__(self, address: str, reason: str, *, hint: str = "") -> None:
        self.address, self.reason = address, reason
        super().__init__(f"cannot listen on {address}: {reason}" + (f"; {hint}" if hint else ""))


class ServiceUnavailable(OllmError):
    """No `ollm serve` answers at ``target`` (a socket path or URL): nothing listens there,
    it stopped mid-call, or it answered something that is not the service."""

    fact_names = ("target", "reason")

    def __init__(self, target: str, reason: str) -> None:
        self.target, self.reason = target, reason
        super().__init__(
            f"no ollm service at {target}: {reason}; start one with 'ollm serve', or use "
            "--no-service"
        )


class ServiceRefused(OllmError):
    """The service refused a request: ``status`` 401 (no or a wrong token; the token itself
    is never part of the error) or 400 (a body or query it cannot read, ``reason`` says
    where)."""

    fact_names = ("target", "status", "reason")

    def __init__(self, target: str, status: int, reason: str) -> None:
        self.target, self.status, self.reason = target, status, reason
        super().__init__(f"the ollm service at {target} refused the request ({status}): {reason}")


class StateDataError(OllmError):
    """A value under our namespace in the shared state is not ours to read: the wrong type,
    undecodable, or larger than its bound. ``store`` is the redacted URL. The read it came
    from treats the value as absent; nothing else fails."""

    fact_names = ("store", "key", "reason")

    def __init__(self, store: str, key: str, reason: str) -> None:
        self.store, self.key, self.reason = store, key, reason
        super().__init__(f"shared state at {store}: {key!r} is unreadable: {reason}")


#: the errors of bad input (a name, a host, settings, data, a command line): exit code 2 in
#: the CLI, HTTP 400 from the service; one list, so both say the same
INPUT_ERRORS: tuple[type[OllmError], ...] = (
    BadModelParameter,
    InvalidHost,
    InvalidModelName,
    LimitsDataError,
    SettingsError,
    UnknownCapability,
    UnknownProfile,
    UsageError,
)

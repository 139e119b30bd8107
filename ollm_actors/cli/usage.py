"""Usage errors (what click refuses to parse) as our own :class:`UsageError`, and the global
options every command's ``--help`` lists.

Click prints its own panel on stderr for a bad command line; `ollm` needs the same error as
every other (one red line, or ``{"error": ...}`` on stdout with ``--json``; exit 2), and
suggestions that know the global options, which click does not count as the command's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer

from ollm_actors.errors import UsageError

__all__ = ("GLOBAL_OPTIONS", "global_options_epilog", "is_click_error", "usage_error")

#: the global options (any may stand before or after the command) with their help
GLOBAL_OPTIONS: tuple[tuple[str, str], ...] = (
    ("--host URL", "Ollama server (repeat for several hosts)"),
    ("--config FILE", "settings file"),
    ("--json", "JSON for scripts"),
    ("-v, --verbose", "more detail (and which runtime ran)"),
    ("--no-service", "run in-process even when a service runs"),
    ("--model NAME", "default model"),
    ("--profile NAME", "default routing profile"),
    ("--temperature T", "sampling temperature (0-2)"),
    ("--max-tokens N", "maximum output tokens"),
    ("--context-size N", "context window (num_ctx)"),
    ("--top-p P", "nucleus sampling (0-1)"),
    ("--provider NAME", "model provider (ollama)"),
)


def global_options_epilog() -> str:
    """The epilog of each command's help: the global options, which may follow it too."""
    listed = "; ".join(f"{flag}: {text}" for flag, text in GLOBAL_OPTIONS)
    return f"Global options (before or after the command): {listed}."


def _global_flags() -> list[str]:
    """``--host``, ``--json``, ``-v``, ``--verbose`` ...: every spelling of a global option."""
    return [
        part
        for flag, _ in GLOBAL_OPTIONS
        for part in flag.replace(",", " ").split()
        if part.startswith("-")
    ]


def _click_class(name: str) -> type[Exception]:
    """Click's exception class ``name`` (typer ships its own copy of click in some versions:
    found through a public typer class rather than by import)."""
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == name:
            return cls
    raise LookupError(name)  # pragma: no cover - every click has both


def is_click_error(exc: BaseException) -> bool:
    """True for what click raises about a command line (a ``ClickException``)."""
    return isinstance(exc, _click_class("ClickException"))


def _options_of(command: Any) -> list[str]:
    names: list[str] = []
    for param in getattr(command, "params", ()):
        names.extend(getattr(param, "opts", ()))
        names.extend(getattr(param, "secondary_opts", ()))
    return [n for n in names if n.startswith("-")]


def _command_names(ctx: Any) -> Iterable[str]:
    command = getattr(ctx, "command", None)
    commands = getattr(command, "commands", None)
    return list(commands) if isinstance(commands, dict) else []


def usage_error(exc: Exception) -> UsageError:
    """``exc`` (a click exception) as a :class:`UsageError`: click's message, the command,
    the option at fault, and close matches among the command's own and the global options
    (or among the commands, for an unknown one)."""
    from ollm_actors.vocab.safe_text import safe_line
    from ollm_actors.vocab.suggest import close_matches

    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None)
    command = command.removeprefix("ollm").strip() or None if isinstance(command, str) else None
    option = getattr(exc, "option_name", None)
    if option is None:  # a bad value: click names the parameter, or was given a hint
        hint = getattr(exc, "param_hint", None)
        opts = getattr(getattr(exc, "param", None), "opts", None) or ()
        option = hint if isinstance(hint, str) else next(iter(opts), None)
        option = option if isinstance(option, str) and option.startswith("-") else None
    suggestions: tuple[str, ...] = ()
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    if exc.__class__.__name__ == "NoSuchOption" and isinstance(option, str):
        message = f"no such option: {option}"
        known = _options_of(getattr(ctx, "command", None)) + _global_flags()
        suggestions = close_matches(option, dict.fromkeys(known), limit=3)
    elif message.startswith("No such command"):
        wanted = message.split("'")[1] if message.count("'") >= 2 else ""
        message = f"no such command: '{wanted}'"
        suggestions = close_matches(wanted, _command_names(ctx), limit=3)
    else:
        message = message[:1].lower() + message[1:]
    return UsageError(
        safe_line(message.rstrip(".")), command=command, option=option, suggestions=suggestions
    )

"""Entry point of `ollm`: global options anywhere on the line, one-line errors, exit codes."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from ollm_actors.cli.stdout import OutputFailed
    from ollm_actors.errors import OllmError

# Global options that take a value, and those that do not: both may follow the command.
_VALUE_OPTIONS = frozenset(
    {"--host", "--config", "--model", "--profile", "--temperature", "--max-tokens",
     "--context-size", "--top-p", "--provider"}
)
_FLAG_OPTIONS = frozenset({"--json", "-v", "--verbose", "--no-service"})


def hoist_global_options(argv: Sequence[str]) -> list[str]:
    """Move global options found after the command to the front, keeping their order.

    Click only accepts group options before the subcommand; users expect
    ``ollm list --json`` to work as well as ``ollm --json list``. Everything after ``--``
    is left alone.
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        name = arg.split("=", 1)[0]
        if name in _VALUE_OPTIONS:
            if "=" in arg:
                front.append(arg)
            else:
                front.append(arg)
                if i + 1 < len(argv):
                    front.append(argv[i + 1])
                    i += 1
        elif arg in _FLAG_OPTIONS:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main(argv: Sequence[str] | None = None) -> None:
    """Run `ollm`; never shows a traceback unless ``-v``.

    Exit codes: 0 done; 1 the operation failed (also a stdout that was closed or full:
    quietly when its reader simply left, as ``| head`` does); 2 a bad command line or
    settings; 130 Ctrl-C; 143 SIGTERM. Bare ``ollm`` prints the help and exits 0.
    """
    raw = list(sys.argv[1:] if argv is None else argv)
    args = hoist_global_options(raw) if raw else ["--help"]
    from ollm_actors.cli.app import app
    from ollm_actors.cli.stdout import OutputFailed, silence_stdout
    from ollm_actors.errors import OllmError

    if sys.stdout is None:
        if sys.stderr is not None:
            sys.stderr.write("error: standard output is closed\n")
        raise SystemExit(1)

    as_json = "--json" in args
    verbose = "-v" in args or "--verbose" in args
    try:
        code = app(args=args, prog_name="ollm", standalone_mode=False)
    except OllmError as exc:  # a command that did not report its own error
        _report(exc, as_json=as_json, verbose=verbose)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    except (OutputFailed, BrokenPipeError, OSError) as exc:
        # stdout closed, full or gone: one line (none for a reader that went away), exit 1.
        failed = exc if isinstance(exc, OutputFailed) else _as_output_failure(exc)
        if failed is None:
            _internal_error(exc, args)
        if not failed.broken_pipe and sys.stderr is not None:
            sys.stderr.write(f"error: {failed.reason}\n")
        silence_stdout()
        raise SystemExit(1) from None
    except Exception as exc:
        import typer

        from ollm_actors.cli.usage import is_click_error, usage_error

        if isinstance(exc, typer.Abort):
            sys.stderr.write("interrupted\n")
            raise SystemExit(130) from None
        if is_click_error(exc):
            _report(usage_error(exc), as_json=as_json, verbose=verbose)
        _internal_error(exc, args)
    # Without standalone mode click hands back the code of an Exit (0 after --help).
    if isinstance(code, int) and code:
        raise SystemExit(code)


def _report(error: OllmError, *, as_json: bool, verbose: bool) -> NoReturn:
    from ollm_actors.cli.exits import exit_code
    from ollm_actors.cli.output import report_error

    report_error(error, as_json=as_json, verbose=verbose)
    raise SystemExit(exit_code(error)) from None


def _internal_error(exc: Exception, args: Sequence[str]) -> NoReturn:
    """A bug in `ollm`: one line naming where to report it, the traceback with ``-v``."""
    if "-v" in args or "--verbose" in args:
        raise exc
    from ollm_actors.vocab.safe_text import safe_line

    text = safe_line(f"{type(exc).__name__}: {exc}")
    sys.stderr.write(
        f"error: ollm hit a bug ({text}); please report it to {bug_report_place()}, "
        "with what the same command prints with -v\n"
    )
    raise SystemExit(1) from None


def bug_report_place() -> str:
    """Where bugs go: the package's ``Issues`` (or ``Bug Tracker``) project URL when its
    metadata names one, else the project's issue tracker in words."""
    from importlib import metadata

    try:
        urls = metadata.metadata("ollm-actors").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in ("issues", "bug tracker", "bugs") and url.strip():
            return str(url.strip())
    return "the ollm-actors issue tracker"


def _as_output_failure(exc: BaseException) -> OutputFailed | None:
    """An OSError raised while writing stdout outside our own writers (typer's echo)."""
    from ollm_actors.cli.stdout import OutputFailed

    if isinstance(exc, BrokenPipeError):
        return OutputFailed("standard output was closed by its reader", broken_pipe=True)
    if isinstance(exc, OSError) and exc.errno in (28, 9):  # ENOSPC, EBADF
        return OutputFailed(f"cannot write to standard output: {exc.strerror}")
    return None


if __name__ == "__main__":
    main()

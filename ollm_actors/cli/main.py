"""Entry point of `ollm`: global options anywhere on the line, one-line errors, exit codes."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from ollm_actors.cli.stdout import OutputFailed

# Global options that take a value, and those that do not: both may follow the command.
_VALUE_OPTIONS = frozenset(
    {"--host", "--config", "--model", "--profile", "--temperature", "--max-tokens",
     "--context-size", "--top-p", "--provider"}
)
_FLAG_OPTIONS = frozenset({"--json", "-v", "--verbose"})


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
    """Run `ollm`; never shows a traceback unless ``-v``."""
    args = hoist_global_options(sys.argv[1:] if argv is None else argv)
    from ollm_actors.cli.app import app
    from ollm_actors.cli.stdout import OutputFailed, silence_stdout
    from ollm_actors.errors import OllmError

    if sys.stdout is None:
        if sys.stderr is not None:
            sys.stderr.write("error: standard output is closed\n")
        raise SystemExit(1)

    try:
        app(args=args, prog_name="ollm")
    except OllmError as exc:  # a command that did not report its own error
        from ollm_actors.cli.exits import exit_code
        from ollm_actors.cli.output import report_error

        report_error(exc, as_json="--json" in args, verbose="-v" in args or "--verbose" in args)
        raise SystemExit(exit_code(exc)) from None
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
    except Exception as exc:  # a bug: one line for users, the traceback with -v
        if "-v" in args or "--verbose" in args:
            raise
        from ollm_actors.vocab.safe_text import safe_line

        line = safe_line(f"internal error: {type(exc).__name__}: {exc}")
        sys.stderr.write(f"{line} (run with -v for details)\n")
        raise SystemExit(1) from None


def _internal_error(exc: Exception, args: Sequence[str]) -> NoReturn:
    """A bug: one line for users, the traceback with ``-v``."""
    if "-v" in args or "--verbose" in args:
        raise exc
    from ollm_actors.vocab.safe_text import safe_line

    text = safe_line(f"{type(exc).__name__}: {exc}")
    sys.stderr.write(f"internal error: {text} (run with -v for details)\n")
    raise SystemExit(1) from None


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

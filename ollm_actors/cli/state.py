"""What the global options of `ollm` decide, shared by every command through ``ctx.obj``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from ollm_actors.config import Settings
    from ollm_actors.errors import OllmError


class CliState:
    """Global options of one `ollm` invocation, and the two services every command needs:
    loading the settings and failing with one clear line and the right exit code."""

    def __init__(
        self,
        *,
        config_file: Path | None = None,
        overrides: dict[str, object] | None = None,
        override_sources: dict[str, str] | None = None,
        json: bool = False,
        verbose: bool = False,
        no_service: bool = False,
    ) -> None:
        self.config_file = config_file
        self.overrides: dict[str, object] = overrides or {}
        self.override_sources: dict[str, str] = override_sources or {}
        self.json = json
        self.verbose = verbose
        self.no_service = no_service
        #: the service the command runs against once chosen (None: an in-process runtime)
        self.service: str | None = None
        self._settings: Settings | None = None

    def load_settings(self) -> Settings:
        """The effective settings (loaded once); a bad setting ends the command with exit 2."""
        if self._settings is None:
            from ollm_actors.config import load_settings
            from ollm_actors.errors import SettingsError

            try:
                self._settings = load_settings(
                    self.config_file,
                    overrides=self.overrides,
                    override_sources=self.override_sources,
                )
            except SettingsError as exc:
                self.fail(exc)
            for warning in self._settings.warnings:
                self.warn(warning)
        return self._settings

    def fail(self, error: OllmError) -> NoReturn:
        """Report ``error`` (one red line, or a JSON error document) and exit with its code."""
        from ollm_actors.cli.exits import exit_code
        from ollm_actors.cli.output import report_error

        report_error(error, as_json=self.json, verbose=self.verbose)
        raise SystemExit(exit_code(error))

    def warn(self, text: str) -> None:
        """A warning on stderr that never mixes with ``--json`` output on stdout."""
        from ollm_actors.cli.output import warn

        warn(text)

    def print_json(self, data: Any) -> None:
        from ollm_actors.cli.output import print_json

        print_json(data)

    @property
    def stdout_is_tty(self) -> bool:
        return sys.stdout.isatty()

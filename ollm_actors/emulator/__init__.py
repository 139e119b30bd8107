"""An Ollama-compatible server for tests and ``ollm demo``: no real Ollama needed.

It speaks Ollama's HTTP API on a real loopback socket (``/``, ``/api/version``, ``/api/tags``,
``/api/show``, ``/api/pull``, ``/api/delete``, ``/api/ps``, ``/api/copy``, ``/api/create``,
``/api/push``, and ``/api/generate``/``/api/chat`` for loading and unloading) with Ollama's
status codes and bodies, serves pulls from a built-in catalog of registry models (whose
revisions a test can publish), records pushes in an emulated registry, and can inject faults
(dropped connections, error and garbage lines, HTTP 500, stalls, delays).

    async with run_emulator(EmulatorState.default()) as emu:
        ...  # point a client at emu.url
"""

from __future__ import annotations

from ollm_actors.emulator.catalog import CATALOG, CatalogModel, Layer, model_layers
from ollm_actors.emulator.faults import Fault, FaultKind
from ollm_actors.emulator.server import RunningEmulator, run_emulator, serve_forever
from ollm_actors.emulator.state import EmulatorState, InstalledModel, LoadedModel

__all__ = (
    "CATALOG",
    "CatalogModel",
    "EmulatorState",
    "Fault",
    "FaultKind",
    "InstalledModel",
    "Layer",
    "LoadedModel",
    "RunningEmulator",
    "model_layers",
    "run_emulator",
    "serve_forever",
)

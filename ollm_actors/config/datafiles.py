"""The data files shipped with the package: the default settings and the settings schema.

A wheel carries them in ``ollm_actors/_data/`` (see ``pyproject.toml``); a source checkout
keeps them at the repository root in ``config/`` and ``schemas/``. Both places are tried, the
packaged copy first.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ("data_file", "data_file_text")

_PACKAGE = Path(__file__).resolve().parent.parent
_CHECKOUT_DIRS = {"default.yaml": "config", "settings.schema.json": "schemas"}


def data_file(name: str) -> Path:
    """The path of the shipped data file ``name`` (``default.yaml`` or ``settings.schema.json``).

    Raises :class:`FileNotFoundError` when neither the packaged nor the checkout copy exists
    (a broken installation).
    """
    candidates = [_PACKAGE / "_data" / name]
    folder = _CHECKOUT_DIRS.get(name)
    if folder is not None:
        candidates.append(_PACKAGE.parent / folder / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name} is missing from the installation (looked in {candidates})")


def data_file_text(name: str) -> str:
    """The UTF-8 text of the shipped data file ``name`` (see :func:`data_file`)."""
    return data_file(name).read_text(encoding="utf-8")

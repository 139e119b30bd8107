"""Helpers for the settings tests: write files into tmp dirs and load hermetically."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ollm_actors.config import Settings, load_settings


def write_yaml(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_hermetic(
    tmp: Path,
    *,
    user: object | None = None,
    project: object | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
    override_sources: Mapping[str, str] | None = None,
) -> Settings:
    """Load with a user file and project dir inside ``tmp`` only (never the real ones)."""
    user_path = tmp / "user.yaml"
    if user is None:
        user_path.write_text("", encoding="utf-8")
    else:
        write_yaml(user_path, user)
    work = tmp / "work"
    work.mkdir(exist_ok=True)
    if project is not None:
        write_yaml(work / ".ollm" / "settings.yaml", project)
    return load_settings(
        user_path,
        env={} if env is None else env,
        overrides={} if overrides is None else overrides,
        override_sources=override_sources,
        cwd=work,
    )


def value_at(settings: Settings, path: tuple[str, ...]) -> Any:
    node: Any = settings.as_dict()
    for key in path:
        node = node[key]
    return node

"""config/default.yaml and the defaults the loader uses are the same document."""

from __future__ import annotations

from typing import Any

import yaml

from ollm_actors.config.datafiles import data_file_text
from ollm_actors.config.model import default_document
from ollm_actors.config.schema import check_layer


def test_default_yaml_equals_the_loader_defaults() -> None:
    shipped: dict[str, Any] = yaml.safe_load(data_file_text("default.yaml"))
    assert shipped == default_document()


def test_defaults_are_valid_and_fresh_each_call() -> None:
    document = default_document()
    assert check_layer(document) == []
    document["options"]["temperature"] = 5
    assert default_document()["options"]["temperature"] == 0.7

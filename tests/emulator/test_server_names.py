"""The emulator's server-side name grammar."""

from __future__ import annotations

import pytest

from ollm_actors.emulator.names import ServerName, parse_server_name
from ollm_actors.errors import InvalidModelName


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("llama3.2", "llama3.2:latest"),
        ("llama3.2:3b", "llama3.2:3b"),
        ("library/llama3.2:3b", "llama3.2:3b"),
        ("registry.ollama.ai/library/phi3:mini", "phi3:mini"),
        ("https://registry.ollama.ai/library/phi3:mini", "phi3:mini"),
        ("myuser/m:7b", "myuser/m:7b"),
        ("host.tld/ns/m:tag", "host.tld/ns/m:tag"),
        ("localhost:5000/ns/m", "localhost:5000/ns/m:latest"),
        ("_under_score:v1.5", "_under_score:v1.5"),
    ],
)
def test_valid_names_display_shortest(text: str, display: str) -> None:
    assert parse_server_name(text).display == display


@pytest.mark.parametrize(
    "text",
    ["", "bad name", "-lead", "m:", ":tag", "a/b/c/d", "ns.dot/m", "m:t@g", "ünï", "x" * 81, "/m"],
)
def test_invalid_names_raise(text: str) -> None:
    with pytest.raises(InvalidModelName) as caught:
        parse_server_name(text)
    assert caught.value.model == text


def test_names_compare_case_insensitively() -> None:
    assert parse_server_name("Llama3.2:LATEST").key == parse_server_name("llama3.2").key
    assert parse_server_name("Llama3.2:LATEST").display == "Llama3.2:LATEST"


def test_parsed_parts() -> None:
    assert parse_server_name("ns/m:t") == ServerName("registry.ollama.ai", "ns", "m", "t")

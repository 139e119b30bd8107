"""Builders of router candidates shared by the routing tests."""

from __future__ import annotations

import msgspec

from ollm_actors.routing.candidate import Candidate

A = "http://127.0.0.1:11434"
B = "http://127.0.0.2:11434"
C = "http://127.0.0.3:11434"

GEN = frozenset({"completion", "streaming"})
TOOLS = frozenset({"completion", "tools", "streaming"})
VISION = frozenset({"completion", "vision", "streaming"})
EMBED = frozenset({"embedding"})


def cand(
    name: str,
    host: str = A,
    *,
    family: str | None = None,
    params: str = "7B",
    quant: str = "Q4_K_M",
    window: int = 32768,
    caps: frozenset[str] = GEN,
    profiles: tuple[str, ...] = (),
    loaded: bool = False,
    stale: bool = False,
    online: bool = True,
    size: int = 4_000_000_000,
) -> Candidate:
    """A candidate with sensible defaults; ``family`` defaults to the name without its tag."""
    return Candidate(
        name=name,
        host=host,
        family=name.split(":", 1)[0] if family is None else family,
        parameter_size=params,
        quantization=quant,
        size=size,
        context_window=window,
        max_output_tokens=None,
        capabilities=caps,
        profiles=profiles,
        loaded=loaded,
        stale=stale,
        online=online,
    )


def offline(c: Candidate) -> Candidate:
    """The same candidate as served from the cached list of an offline host."""
    return msgspec.structs.replace(c, stale=True, online=False)


def inventory(host: str = A) -> list[Candidate]:
    """A realistic single-host inventory covering every built-in profile."""
    return [
        cand("llama3.1:8b", host, family="llama", params="8.0B", window=131072, caps=TOOLS,
             profiles=("general", "code")),
        cand("qwen2.5-coder:7b", host, params="7.6B", window=32768, profiles=("code",)),
        cand("qwen2.5:7b", host, family="qwen2", params="7.6B", window=32768, caps=TOOLS,
             profiles=("general", "tools")),
        cand("phi3:mini", host, family="phi3", params="3.8B", window=4096, quant="Q4_0",
             profiles=("fast",)),
        cand("mistral:7b", host, family="mistral", params="7.2B", window=32768,
             profiles=("general", "fast")),
        cand("llava:7b", host, family="llama", params="7B", window=4096, caps=VISION,
             profiles=("vision",)),
        cand("nomic-embed-text:latest", host, family="nomic-bert", params="137M", quant="F16",
             window=8192, caps=EMBED, profiles=("embedding",)),
    ]

"""What asking ``/api/show`` with ``verbose: true`` would cost, against the emulator's answer
(which, like a real server's, fills the tokenizer arrays and lists the tensors): body bytes,
fetch + parse time, and how far the tensors' weights are from the file size the inventory
uses instead. The inventory does not ask verbose (README, "Will it fit?", for the decision).
Run: ``.venv/bin/python benchmarks/bench_show_verbose.py``.
"""

from __future__ import annotations

import time

import anyio
import httpx
import msgspec

from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.vocab.ggml_sizes import summarise_tensors

MODELS = ("nomic-embed-text:latest", "phi3:mini", "llama3.1:8b", "qwen2.5-coder:7b", "gemma2:2b")


async def main() -> None:
    state = EmulatorState.default()
    for name in MODELS:
        if state.find_installed(name) is None:
            state.install(name)
    print(f"{'model':26}{'plain':>10}{'verbose':>12}{'tensors':>9}{'tensor list':>13}"
          f"{'fetch+parse':>13}{'weights/size':>14}")
    async with run_emulator(state) as emu, httpx.AsyncClient(timeout=60) as client:
        sizes = {m["name"]: m["size"] for m in (await client.get(f"{emu.url}/api/tags")).json()[
            "models"]}
        for name in MODELS:
            plain = await client.post(f"{emu.url}/api/show", json={"model": name})
            started = time.perf_counter()
            asked = {"model": name, "verbose": True}
            verbose = await client.post(f"{emu.url}/api/show", json=asked)
            doc = msgspec.json.decode(verbose.content)
            took = time.perf_counter() - started
            tensors = doc.get("tensors") or []
            listed = len(msgspec.json.encode(tensors))
            parts = summarise_tensors(tensors)
            weights = sum(parts.layers) + parts.output + parts.projector if parts else 0
            ratio = f"{weights / sizes[name]:.3f}" if parts else "-"
            print(f"{name:26}{len(plain.content):>10,}{len(verbose.content):>12,}"
                  f"{len(tensors):>9}{listed:>13,}{took * 1e3:>10.0f} ms{ratio:>14}")


if __name__ == "__main__":
    anyio.run(main)

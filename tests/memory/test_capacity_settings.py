"""Host capacity in settings: a ``providers.ollama.hosts`` entry may be a mapping."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from ollm_actors import SettingsError, load_settings
from ollm_actors.vocab.memory_fit import HostCapacity

GIB = 1024**3


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    return path


def test_mapping_entries_beside_strings(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "providers:\n  ollama:\n    hosts:\n"
        "      - {url: gpu-a, vram: 24GiB, numParallel: 2, kvCacheType: q8_0,\n"
        "         flashAttention: true}\n"
        "      - {url: 'gpu-b:11500', vram: 48000000000}\n"
        "      - ':11600'\n",
    )
    settings = load_settings(config_file=path, env={})
    assert settings.hosts() == [
        "http://gpu-a:11434", "http://gpu-b:11500", "http://127.0.0.1:11600",
    ]
    assert settings.capacities() == {
        "http://gpu-a:11434": HostCapacity(
            vram=24 * GIB, num_parallel=2, kv_cache_type="q8_0", flash_attention=True
        ),
        "http://gpu-b:11500": HostCapacity(vram=48_000_000_000),
    }
    # What config show prints loads back to the same settings.
    again = _write(tmp_path, msgspec.json.encode(settings.as_dict()).decode())
    assert load_settings(config_file=again, env={}).capacities() == settings.capacities()


@pytest.mark.parametrize(
    ("entry", "path", "found"),
    [
        ("{url: gpu-a, vram: lots}", "providers.ollama.hosts.0.vram", "'lots'"),
        ("{url: gpu-a, vram: 0}", "providers.ollama.hosts.0.vram", "0"),
        ("{url: 'ftp://x'}", "providers.ollama.hosts.0.url", "ftp://x"),
        ("{url: gpu-a, kvCacheType: q2}", "providers.ollama.hosts.0.kvCacheType", "q2"),
        ("{url: gpu-a, numParallel: 0}", "providers.ollama.hosts.0.numParallel", "0"),
        ("{vram: 24GB}", "providers.ollama.hosts.0", "url"),
    ],
)
def test_bad_capacity_is_rejected_with_its_path(
    tmp_path: Path, entry: str, path: str, found: str
) -> None:
    config = _write(tmp_path, f"providers:\n  ollama:\n    hosts:\n      - {entry}\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(config_file=config, env={})
    message = str(caught.value)
    assert path in message and found in message
    assert str(config) in message

"""A real crash between writing the cache and putting it in place leaves the old cache
whole: the process is killed (SIGKILL, no cleanup) at its first fsync or replace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ollm_actors.inventory.cache import cache_path_for

ROOT = Path(__file__).resolve().parents[2]

# The child writes a new cache; the first fsync or rename stops it dead for the parent to
# kill. Writing in place (no temp file) would already have clobbered the old file by then.
_CHILD = """
import os, signal, sys
from pathlib import Path
from ollm_actors.inventory.store import save_host_cache

def stop(*args, **kwargs):
    sys.stdout.write("stopped\\n")
    sys.stdout.flush()
    while True:
        signal.pause()  # until the parent's SIGKILL

os.fsync = stop
os.replace = stop
Path.replace = stop
host = sys.argv[2].encode()
new = b'{"format": 1, "host": "' + host + b'", "fetched_at": "' + b"x" * 100000 + b'"}'
save_host_cache(Path(sys.argv[1]), sys.argv[2], new)
sys.stdout.write("finished\\n")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_crash_mid_write_leaves_the_old_cache_whole(tmp_path: Path) -> None:
    host = "http://gpu-box:11434"
    path = cache_path_for(tmp_path, host)
    old = b'{"format": 1, "host": "http://gpu-box:11434", "fetched_at": "old"}'
    path.write_bytes(old)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path), host],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("OLLM_")},
    )
    with child:
        assert child.stdout is not None
        said = child.stdout.readline().strip()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert said == "stopped"  # killed before the new cache was in place
    assert path.read_bytes() == old
    leftovers = [p.name for p in tmp_path.iterdir() if p != path]
    assert all(name.endswith(".tmp") for name in leftovers), leftovers

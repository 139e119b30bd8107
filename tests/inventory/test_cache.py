from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from ollm_actors.inventory.cache import (
    CACHE_FORMAT,
    CacheProblem,
    cache_path_for,
    read_cache,
    write_cache_atomic,
)


class Doc(msgspec.Struct):
    format: int
    items: list[int]


def test_round_trip(tmp_path: Path) -> None:
    path = cache_path_for(tmp_path, "http://127.0.0.1:11434")
    write_cache_atomic(path, msgspec.json.encode(Doc(format=CACHE_FORMAT, items=[1, 2])))
    assert read_cache(path, Doc, stamp=1) == Doc(format=CACHE_FORMAT, items=[1, 2])
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left


def test_missing_file_is_none(tmp_path: Path) -> None:
    assert read_cache(tmp_path / "nope.json", Doc, stamp=1) is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not a cache file"),
        (b'{"format": 999, "items": []}', "cache format 999"),
        (b'{"format": 1, "items": "x"}', "corrupt cache file"),
        (b"[1, 2]", "not a cache file"),
    ],
)
def test_bad_file_is_set_aside(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "inventory-x.json"
    path.write_bytes(content)
    problem = read_cache(path, Doc, stamp=1764644645)
    assert isinstance(problem, CacheProblem)
    assert reason in problem.reason
    assert not path.exists()
    assert problem.moved_to == str(tmp_path / "inventory-x.json.bad-1764644645")
    assert Path(problem.moved_to).read_bytes() == content


def test_file_names_differ_per_host_and_hold_no_secret(tmp_path: Path) -> None:
    a = cache_path_for(tmp_path, "http://gpu-box:11434")
    b = cache_path_for(tmp_path, "http://gpu-box:11435")
    assert a != b
    assert "gpu-box" in a.name


def test_unwritable_dir_raises_oserror(tmp_path: Path) -> None:
    # A cache dir that is really a file: unwritable even for root, who ignores permissions.
    blocker = tmp_path / "cache"
    blocker.write_text("not a directory")
    with pytest.raises(OSError):
        write_cache_atomic(blocker / "f.json", b"{}")
    assert blocker.read_text() == "not a directory"

"""The memory estimate against sizes Ollama reported in its issue tracker: prints the README's
accuracy table from ``tests/memory/published.json`` (the rows ``test_published_accuracy``
checks). Run: ``.venv/bin/python benchmarks/bench_memory_accuracy.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.memory.published import render_table, rows


def main() -> None:
    print(render_table())
    table = rows()
    worst = max(table, key=lambda r: abs(r.error))
    within = sum(r.within_target for r in table)
    print(f"\n{within} of {len(table)} within target; worst {worst.model} at "
          f"{worst.num_ctx}: {worst.error:+.1%}")


if __name__ == "__main__":
    main()

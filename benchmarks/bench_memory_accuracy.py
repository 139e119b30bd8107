"""The memory estimate against sizes Ollama reported in its issue tracker: prints the README's
accuracy table from ``tests/memory/published.json`` (the rows ``test_published_accuracy``
checks); ``--readme`` rewrites the table in README.md after a row is added.
Run: ``.venv/bin/python benchmarks/bench_memory_accuracy.py [--readme]``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.memory.published import render_table, rows  # noqa: E402

_BLOCK = re.compile(r"(<!-- accuracy-table -->\n).*?(\n<!-- /accuracy-table -->)", re.S)


def main() -> None:
    table = render_table()
    if "--readme" in sys.argv[1:]:
        readme = ROOT / "README.md"
        text, count = _BLOCK.subn(lambda m: m.group(1) + table + m.group(2), readme.read_text())
        if count != 1:
            raise SystemExit("README.md: the accuracy-table markers are missing")
        readme.write_text(text)
    print(table)
    found = rows()
    worst = max(found, key=lambda r: abs(r.error))
    within = sum(r.within_target for r in found)
    print(f"\n{within} of {len(found)} within target; worst {worst.model} at "
          f"{worst.num_ctx}: {worst.error:+.1%}")


if __name__ == "__main__":
    main()

"""The Ollama wire: msgspec types of its API (``types``), the async client (``client``, with
the streaming pull reader of ``_pull_lines``), one client per configured host (``pool``), and
the one boundary where httpx errors become ours (``_errors``)."""

"""The Ollama wire: msgspec types of its API (``types``), the async client (``client``),
one client per configured host (``pool``), and the one boundary where httpx errors become
ours (``_errors``)."""

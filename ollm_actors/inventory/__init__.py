"""The inventory actor: installed and loaded models per host, host health, the cache file.

* Rules (pure; no anyio, httpx or pyee): ``rules`` (every decision), ``hoststate`` (what is
  known of one host), ``pending`` (how answers wait for fetches in flight); ``store`` and
  ``cache`` are the cache file's format and its blocking I/O.
* Protocol: ``messages``, ``types`` and ``api`` (the typed client ``InventoryAPI``).
* Shell: ``actor``, with the collaborators it builds from what it is given: ``fetch`` (the
  requests, their deadline, the probe), ``persist`` (with ``writer``: the cache files) and
  ``follow`` (the bus callbacks).
"""

"""The inventory actor: installed and loaded models per host, host health, the cache file.

Rules (pure): ``hoststate``, ``store``, ``cache``. Protocol: ``messages``, ``types`` and
``api`` (the typed client ``InventoryAPI``). Shell: ``actor`` (with ``writer``).
"""

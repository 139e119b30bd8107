"""The router actor: which model serves a profile or a task type, and why.

Rules (pure, no anyio): ``candidate``, ``candidates_from``, ``scoring`` (the per-candidate
rules), ``select`` (``select_model``), ``search`` (the fallback walk), ``outcome`` and
``ranking`` (one pool's evaluation and its orders), ``build_decision``, ``no_model``,
``disabled``, ``decision`` (the value returned), and ``_fast`` (the scoring fast path beside
the plain rules). Protocol: ``messages`` and ``api`` (the typed client ``RouterAPI``).
Shell: ``actor``.
"""

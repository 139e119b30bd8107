"""The router actor: which model serves a profile or a task type, and why.

Rules (pure): ``candidate``, ``candidates_from``, ``scoring``, ``select``, ``decision``.
Protocol: ``messages`` and ``api`` (the typed client ``RouterAPI``). Shell: ``actor``.
"""

"""The limits actor: a model's context window, output and capabilities, and token budgets.

Rules (pure): ``resolve``, ``budget``, ``tokens``. Protocol: ``messages`` and ``api`` (the
typed client ``LimitsAPI``). Shell: ``actor``. The model database itself is vocabulary
(:mod:`ollm_actors.vocab.database`).
"""

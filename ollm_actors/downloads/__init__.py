"""The downloads actor: the pull queue, shared in-flight pulls, progress, cancel, delete.

Rules (pure): ``progress``, ``result``. Protocol: ``messages``, ``handle`` and ``api`` (the
typed client ``DownloadsAPI``). Shell: ``actor`` (with ``job``, one pull, and ``lookup``).
"""

"""Topic patterns: ``pull.*``, ``host.*``, ``*`` or an exact topic.

``*`` matches any run of characters, dots included, so ``*`` matches every topic and
``pull.*`` matches ``pull.progress``; every other character matches itself. Pure functions.
"""

from __future__ import annotations

import re

__all__ = ("check_pattern", "check_topic", "topic_matches")


def check_topic(topic: str) -> str:
    """Return ``topic`` if it is a valid topic (non-empty, no ``*``); else raise ValueError."""
    if not topic or "*" in topic:
        raise ValueError(f"a topic is a non-empty name without '*', got {topic!r}")
    return topic


def check_pattern(pattern: str) -> str:
    """Return ``pattern`` if it is a valid topic pattern (non-empty); else raise ValueError."""
    if not pattern:
        raise ValueError("a topic pattern cannot be empty")
    return pattern


def _regex(pattern: str) -> str:
    return ".*".join(re.escape(part) for part in pattern.split("*"))


def topic_matches(pattern: str, topic: str) -> bool:
    """True if ``topic`` matches ``pattern``."""
    if "*" not in pattern:
        return pattern == topic
    if pattern == "*":
        return True
    # Only on the bus's first sight of a topic: it keeps each topic's targets itself.
    return re.fullmatch(_regex(pattern), topic, re.DOTALL) is not None

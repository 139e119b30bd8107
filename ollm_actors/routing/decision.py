"""What the router decided and why: the value ``select_model`` returns and ``route --json``
prints."""

from __future__ import annotations

import msgspec

__all__ = ("CandidateScore", "RouteDecision")


class CandidateScore(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """How one candidate fared under the profile that was finally used.

    ``rejected_reason`` is ``None`` for a candidate that fits; ``score`` is meaningful only
    then (it is ``0.0`` for a rejected one).
    """

    name: str
    host: str
    score: float
    rejected_reason: str | None = None


class RouteDecision(msgspec.Struct, frozen=True, kw_only=True):
    """The model chosen for a profile, where it runs, and the reasons, in order.

    ``profile`` is the profile that was finally used, ``requested_profile`` the one asked
    for; they differ exactly when ``fallback_used``. ``stale`` is true when the model comes
    from the cached list of a host that did not answer (nothing on an online host fitted).
    ``candidates`` lists the candidates: fitting ones first by descending score, then the
    rejected ones; candidates that compare equal keep the order they were given in. At most
    100 of each kind are listed; ``unlisted`` counts the rest.
    Encodes (``msgspec.json.encode``) to the ``route --json`` shape of the interface.
    """

    profile: str
    requested_profile: str
    model: str
    host: str
    fallback_used: bool
    reasons: tuple[str, ...]
    candidates: tuple[CandidateScore, ...] = ()
    stale: bool = False
    unlisted: int = 0

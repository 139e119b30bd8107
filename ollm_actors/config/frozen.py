"""The building blocks of the settings tree: :class:`FrozenDict` (a ``dict`` that refuses
changes and hashes) and :class:`Section` (the base of every settings Struct)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn, TypeVar

import msgspec

__all__ = ("FrozenDict", "Section", "freeze")

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(dict[K, V]):
    """A ``dict`` that cannot be changed after construction and is hashable.

    It stays a real ``dict`` so that msgspec encodes it and callers can pass it wherever a
    ``dict`` or ``Mapping`` is expected. Hashing needs hashable values.
    """

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(f"{type(self).__name__} cannot be changed")

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"


def freeze(items: Mapping[K, V] | Iterable[tuple[K, V]]) -> FrozenDict[K, V]:
    """A :class:`FrozenDict` of ``items``."""
    return FrozenDict(items)


class Section(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True
):
    """Settings sections: immutable, camelCase on the outside, unknown keys refused."""



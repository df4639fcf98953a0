"""Values computed once per live object: the one cache of derived structures of a network.

A :class:`~transnet.network.RoadNetwork` is a mutable dataclass (so not hashable) that every
stage treats as immutable once built. :class:`PerObject` keeps values derived from one (its
travel-time matrices, its map geometry) by the object's identity, for as long as it lives, and
each under a key the caller derives from the object's current state, so replacing a frame of
it gives a new key.

Examples
--------
>>> class Box:
...     pass
>>> memo = PerObject()
>>> box = Box()
>>> memo.get(box, "size", lambda: [1, 2]) is memo.get(box, "size", lambda: [3])
True
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["PerObject"]

T = TypeVar("T")


class PerObject:
    """A cache of values per live object and key; an object's values go when it does.

    Examples
    --------
    >>> class Box:
    ...     pass
    >>> memo, box = PerObject(), Box()
    >>> memo.get(box, ("a", 1), lambda: "built")
    'built'
    >>> len(memo)
    1
    >>> del box
    >>> len(memo)
    0

    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref, dict[Hashable, Any]]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, owner: object) -> bool:
        entry = self._entries.get(id(owner))
        return entry is not None and entry[0]() is owner

    def get(self, owner: object, key: Hashable, compute: Callable[[], T], *, keep: int = 4) -> T:
        """Return ``owner``'s value under ``key``, computed by ``compute`` the first time.

        Parameters
        ----------
        owner
            The object the value is derived from (held weakly).
        key
            What else the value depends on (the owner's state, options).
        compute
            Builds the value.
        keep
            Values kept per owner; the oldest go first.

        Returns
        -------
        object
            The value.

        Examples
        --------
        >>> class Box:
        ...     pass
        >>> memo, box = PerObject(), Box()
        >>> memo.get(box, 1, lambda: "one"), memo.get(box, 1, lambda: "again")
        ('one', 'one')

        """
        number = id(owner)
        entry = self._entries.get(number)
        if entry is None or entry[0]() is not owner:

            def forget(_: weakref.ref, number: int = number) -> None:
                self._entries.pop(number, None)

            entry = (weakref.ref(owner, forget), {})
            self._entries[number] = entry
        values = entry[1]
        if key not in values:
            value = compute()
            while len(values) >= keep:
                del values[next(iter(values))]
            values[key] = value
        return values[key]

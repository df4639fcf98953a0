"""OSM tags transnet reads: the road classes kept, the tags kept per way, and the one-way rules.

The online and the offline paths both go through these, so a download and a file of the same
area keep the same ways with the same tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = [
    "DEFAULT_HIGHWAYS",
    "WAY_TAGS",
    "highway_filter",
    "junction_name",
    "wanted_highways",
    "way_direction",
]

#: Road classes kept by default: motorway to tertiary and their links.
DEFAULT_HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
)
#: Tags kept on each way; the others are dropped when the data is read.
WAY_TAGS: tuple[str, ...] = ("highway", "ref", "name", "lanes", "maxspeed", "oneway", "junction")

_IMPLIED_ONEWAY = ("motorway", "motorway_link")
_UNCLASSIFIED = "unclassified"


def wanted_highways(highways: Iterable[str], *, include_unclassified: bool = False) -> set[str]:
    """Return the ``highway`` values to keep.

    Parameters
    ----------
    highways
        OSM ``highway`` values.
    include_unclassified
        Also keep ``highway=unclassified`` (village roads in China's tagging).

    Returns
    -------
    set of str

    Examples
    --------
    >>> sorted(wanted_highways(["trunk", "motorway"], include_unclassified=True))
    ['motorway', 'trunk', 'unclassified']

    """
    return set(highways) | ({_UNCLASSIFIED} if include_unclassified else set())


def highway_filter(highways: Iterable[str]) -> str:
    """Return the Overpass tag filter that selects ways of the given ``highway`` values.

    It is what osmnx's ``custom_filter`` takes, and what the network's metadata records as
    ``tag_filter`` for offline files too.

    Parameters
    ----------
    highways
        OSM ``highway`` values; order and duplicates do not matter.

    Returns
    -------
    str

    Examples
    --------
    >>> highway_filter(["trunk", "motorway", "trunk"])
    '["highway"~"^(motorway|trunk)$"]'

    """
    return '["highway"~"^(' + "|".join(sorted(set(highways))) + ')$"]'


def way_direction(tags: Mapping[str, object]) -> tuple[bool, bool]:
    """Return ``(oneway, reversed)`` for a way from its OSM tags.

    ``oneway=-1`` is one-way against the order of the way's nodes. Motorways, motorway links and
    roundabouts are one-way unless tagged ``oneway=no``, as OSM implies.

    Parameters
    ----------
    tags
        The way's tags.

    Returns
    -------
    tuple of bool
        Whether the way is one-way, and whether its nodes run against the direction of travel.

    Examples
    --------
    >>> way_direction({"highway": "trunk", "oneway": "-1"})
    (True, True)
    >>> way_direction({"highway": "motorway"})
    (True, False)
    >>> way_direction({"highway": "motorway", "oneway": "no"})
    (False, False)

    """
    value = str(tags.get("oneway", "")).lower()
    if value == "-1":
        return True, True
    if value in ("yes", "true", "1"):
        return True, False
    if value in ("no", "false", "0"):
        return False, False
    implied = tags.get("highway") in _IMPLIED_ONEWAY or tags.get("junction") == "roundabout"
    return implied, False


def junction_name(tags: Mapping[str, object]) -> str | None:
    """Return the name of a ``highway=motorway_junction`` node, or None for any other node.

    The name is the node's ``name`` (the interchange, 互通), else its ``ref`` (the exit number),
    else ``""``.

    Parameters
    ----------
    tags
        The node's tags.

    Returns
    -------
    str or None

    Examples
    --------
    >>> junction_name({"highway": "motorway_junction", "ref": "12"})
    '12'
    >>> junction_name({"highway": "traffic_signals"}) is None
    True

    """
    if tags.get("highway") != "motorway_junction":
        return None
    return str(tags.get("name") or "") or str(tags.get("ref") or "")

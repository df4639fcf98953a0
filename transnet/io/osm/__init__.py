"""OpenStreetMap input: tags, downloads (osmnx), offline files (pyosmium), the builder, townships.

Data flows one way: :mod:`~transnet.io.osm.tags` → :mod:`~transnet.io.osm.download` and
:mod:`~transnet.io.osm.files` (raw ways) → :mod:`~transnet.io.osm.build` (the network);
:mod:`~transnet.io.osm.places` reads township seats through the same two paths.
"""

from transnet.io.osm.download import OSMDownloadError, network_from_osm
from transnet.io.osm.files import network_from_osm_file
from transnet.io.osm.places import townships_from_osm, townships_from_osm_file
from transnet.io.osm.tags import DEFAULT_HIGHWAYS

__all__ = [
    "DEFAULT_HIGHWAYS",
    "OSMDownloadError",
    "network_from_osm",
    "network_from_osm_file",
    "townships_from_osm",
    "townships_from_osm_file",
]

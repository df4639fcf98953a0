"""OpenStreetMap input: downloads (osmnx), offline files (pyosmium) and the network builder."""

from transnet.io.osm.build import (
    DEFAULT_HIGHWAYS,
    OSMDownloadError,
    network_from_osm,
    network_from_osm_file,
)

__all__ = [
    "DEFAULT_HIGHWAYS",
    "OSMDownloadError",
    "network_from_osm",
    "network_from_osm_file",
]

"""The road network model (:mod:`.model`) and how to build one (:mod:`.build`)."""

from transnet.network.build import network_from_lines
from transnet.network.model import EDGE_ATTRIBUTES, RoadNetwork

__all__ = [
    "EDGE_ATTRIBUTES",
    "RoadNetwork",
    "network_from_lines",
]

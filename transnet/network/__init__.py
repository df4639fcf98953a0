"""The road network model and its builders."""

from transnet.network.model import (
    EDGE_ATTRIBUTES,
    RoadNetwork,
    network_from_lines,
)

__all__ = [
    "EDGE_ATTRIBUTES",
    "RoadNetwork",
    "network_from_lines",
]

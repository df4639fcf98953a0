"""Interactive Folium maps: before, after and synced compare, offline."""

from transnet.viz.web.maps import (
    CHOROPLETH_METRICS,
    GRADE_STYLES,
    LAYER_NAMES,
    PLAN_ACTION_STYLES,
    TILE_PROVIDERS,
    MapView,
    check_map_options,
    compare_map,
    map_html,
    save_map,
    scenario_map,
    study_maps,
    write_study_maps,
)

__all__ = [
    "CHOROPLETH_METRICS",
    "GRADE_STYLES",
    "LAYER_NAMES",
    "PLAN_ACTION_STYLES",
    "TILE_PROVIDERS",
    "MapView",
    "check_map_options",
    "compare_map",
    "map_html",
    "save_map",
    "scenario_map",
    "study_maps",
    "write_study_maps",
]

"""China's administrative places: the national table of counties and towns, regions from codes.

:mod:`~transnet.admin.table` loads the package's table (``data/places/places.csv.gz``, from
Vonng/adcode, CC BY 4.0) and looks units up by code, prefix or name;
:mod:`~transnet.admin.regions` builds a :class:`~transnet.region.Region` from codes or from a
polygon file; :mod:`~transnet.admin.init` writes a new bundle folder
(``transnet init``); :mod:`~transnet.admin.build` makes the table from the shared source.
"""

from __future__ import annotations

from transnet.admin.init import InitResult, init_bundle
from transnet.admin.regions import region_from_codes, region_from_file
from transnet.admin.table import ATTRIBUTION, PlacesTable, places_table

__all__ = [
    "ATTRIBUTION",
    "InitResult",
    "PlacesTable",
    "init_bundle",
    "places_table",
    "region_from_codes",
    "region_from_file",
]

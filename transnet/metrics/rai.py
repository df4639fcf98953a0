"""Rural Access Index (RAI) at township seats.

Adapted from the World Bank's Rural Access Index (Roberts, Shyam and Rastogi, 2006; World
Bank, 2016): the share of the rural population living within 2 km of an all-season road. Here
the places are township seats (not population) and the road is one of grade 3 or better; the
index is given along the network, which transnet measures, and as the straight-line buffer that
peer tools report.
"""

from __future__ import annotations

import pandas as pd

from transnet.metrics.records import RAI, Share

__all__ = ["rural_access_index"]


def rural_access_index(access: pd.DataFrame, *, grade: str, within_m: float) -> RAI:
    """Compute the RAI from a :func:`~transnet.metrics.coverage.grade_access` table.

    Parameters
    ----------
    access
        Network (``m``) and straight-line (``euclidean_m``) distances of each place to a road of
        ``grade`` or better.
    grade, within_m
        The road grade and the distance that count.

    Returns
    -------
    RAI

    Examples
    --------
    >>> access = pd.DataFrame({"m": [1500.0, 2500.0], "euclidean_m": [900.0, 1900.0]})
    >>> rai = rural_access_index(access, grade="3", within_m=2000.0)
    >>> rai.network_share, rai.euclidean_share
    (0.5, 1.0)

    """
    total = len(access)
    return RAI(
        grade=grade,
        within_m=within_m,
        total=total,
        network_share=Share.of(int((access["m"] <= within_m).sum()), total).share,
        euclidean_share=Share.of(int((access["euclidean_m"] <= within_m).sum()), total).share,
    )

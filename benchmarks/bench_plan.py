"""Plan application and attribution on growing networks: transnet against the old approach.

Network: :func:`transnet.testing.synthetic_network` (a jittered 500 m grid near Taiyuan, every
40th line an expressway with interchanges). Plan: :func:`synthetic_plan`, seeded cards spread
over the grid: upgrades of grade-3 roads, widenings of expressways, new diagonal roads, new
expressways parallel to an existing one with planned interchanges (one end near the old
expressway's line, far from its nodes, so it connects only by the snap to the line) and city
by-passes.

Measured in one run, per size: ``apply_plan``, beside what the old builder did on every
application (every edge to a dict and back to a frame, a lower bound of its cost);
``attribute_seat_minutes``, beside the old approach: the plan re-applied without each card and
every seat measured again (timed on two cards, times the number of cards that changed the
network; with today's faster ``apply_plan``, so an underestimate of the old cost). Printed:
seconds, the ratio old / new, and the growth exponent log(t2/t1) / log(n2/n1) between
consecutive sizes.

Run: ``.venv/bin/python benchmarks/bench_plan.py`` (``--quick``: the two smallest sizes).
Sized for 2 cores and under 3 minutes.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from transnet.plan import Plan, ProjectCard

#: Grid spacing and origin of :func:`transnet.testing.synthetic_network`.
_SPACING_M = 500.0
_X0, _Y0 = 500_000.0, 4_200_000.0
_CRS = "EPSG:32649"


def _props(card_id: str, **values) -> dict:
    props = {
        "id": card_id,
        "name": f"card {card_id}",
        "class": "national_provincial",
        "action": "upgrade",
        "length_km": 5.0,
        "investment_100m_cny": 1.0,
        "status": "planned",
        "grade": "2",
        "lanes": 4,
        "ref": "",
        "provenance": "announced",
        "source": "synthetic",
        "interchanges": [],
    }
    props.update(values)
    return props


def synthetic_plan(n_edges: int, n_cards: int, *, seed: int = 7) -> Plan:
    """Return ``n_cards`` seeded cards over ``synthetic_network(n_edges)``'s grid.

    Parameters
    ----------
    n_edges
        The network's edge count (it fixes the grid's side).
    n_cards
        How many cards: upgrades, widenings, new roads, new expressways and by-passes in turn.
    seed
        Seed of where the cards go.

    Returns
    -------
    Plan
    """
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_edges / 2))) + 1
    span = side - 1

    def xy(i: float, j: float) -> tuple[float, float]:
        return (_X0 + i * _SPACING_M, _Y0 + j * _SPACING_M)

    props, lines = [], []
    expressway_lines = [k for k in range(0, side, 40) if k + 3 < side]
    for number in range(n_cards):
        kind = number % 5
        card_id = f"C{number}"
        length = int(rng.integers(3, max(4, min(12, span))))
        i0 = int(rng.integers(0, max(1, span - length)))
        if kind == 0:  # upgrade a grade-3 road (every 4th line) along a stretch
            rows = [k for k in range(4, side, 4) if k % 10]
            j = rows[int(rng.integers(0, len(rows)))] if rows else 0
            props.append(_props(card_id, grade="2", length_km=length * 0.5))
            lines.append(LineString([xy(i0, j), xy(i0 + length, j)]))
        elif kind == 1:  # widen an expressway
            j = expressway_lines[int(rng.integers(0, len(expressway_lines)))]
            props.append(
                _props(
                    card_id,
                    action="widen",
                    **{"class": "expressway"},
                    grade="expressway",
                    lanes=6,
                    length_km=length * 0.5,
                )
            )
            lines.append(LineString([xy(i0, j), xy(i0 + length, j)]))
        elif kind == 2:  # a new diagonal road between two grid nodes
            j0 = int(rng.integers(0, max(1, span - length)))
            props.append(_props(card_id, action="new", grade="2", length_km=length * 0.7))
            lines.append(LineString([xy(i0, j0), xy(i0 + length, j0 + length)]))
        elif kind == 3:  # a new expressway 1.5 cells north of one: ends near its line only
            j = expressway_lines[int(rng.integers(0, len(expressway_lines)))]
            start, end = xy(i0 + 0.5, j + 1.5), xy(i0 + length + 0.5, j + 1.5)
            middle = xy(i0 + 0.5 + length / 2, j + 1.5)
            lon, lat = (
                gpd.GeoSeries.from_xy([middle[0]], [middle[1]], crs=_CRS)
                .to_crs("EPSG:4326")
                .iloc[0]
                .coords[0]
            )
            props.append(
                _props(
                    card_id,
                    action="new",
                    **{"class": "expressway"},
                    grade="expressway",
                    length_km=length * 0.5,
                    interchanges=[{"name": f"{card_id} IC", "lon": lon, "lat": lat}],
                )
            )
            lines.append(LineString([xy(i0 + 0.5, j + 0.1), start, end]))
        else:  # a by-pass beside a road, 200 m off it
            j = int(rng.integers(1, max(2, span)))
            props.append(_props(card_id, action="realign", grade="2", length_km=length * 0.5))
            lines.append(
                LineString(
                    [
                        xy(i0, j),
                        xy(i0 + 1, j + 0.4),
                        xy(i0 + length - 1, j + 0.4),
                        xy(i0 + length, j),
                    ]
                )
            )
    cards = [ProjectCard.model_validate(p) for p in props]
    frame = gpd.GeoDataFrame(
        [c.model_dump(by_alias=True) for c in cards], geometry=lines, crs=_CRS
    ).to_crs("EPSG:4326")
    return Plan(cards=cards, frame=frame)


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


def _old_attribution_per_card(before, plan, result, seats, settings, card_ids) -> float:
    """Seconds per card of the old attribution: the plan re-applied, every seat measured."""
    from transnet.attribution import seat_minutes_to_interchange
    from transnet.plan import apply_plan

    start = time.perf_counter()
    for card_id in card_ids:
        without = apply_plan(before, plan.without([card_id])).network
        seat_minutes_to_interchange(without, seats, settings=settings)
    return (time.perf_counter() - start) / max(1, len(card_ids))


def _records_round_trip(network) -> float:
    """Seconds of what the old builder did on every application: one dict per edge and back."""
    start = time.perf_counter()
    records = network.edges.drop(columns=["length_m"]).to_dict("records")
    pd.DataFrame(records)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    """Run the benchmark and print its table."""
    from transnet.attribution import attribute_seat_minutes
    from transnet.metrics import MetricSettings
    from transnet.plan import apply_plan
    from transnet.region import Region
    from transnet.testing import synthetic_network

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--quick", action="store_true", help="the two smallest sizes only")
    quick = parser.parse_args(argv).quick
    sizes = [10_000, 40_000] if quick else [10_000, 40_000, 120_000, 240_000]
    n_cards = 40
    settings = MetricSettings()
    rows = []
    warnings.simplefilter("ignore")
    print(f"{n_cards} cards per plan; 'old' attribution extrapolated from 2 cards per size")
    for n_edges in sizes:
        grid = synthetic_network(n_edges)
        plan = synthetic_plan(n_edges, n_cards)
        region = Region(name="grid", counties=grid.counties, seats=grid.seats)
        seats = region.seats.set_index("code").geometry
        t_apply, result = _timed(apply_plan, grid.network, plan)
        t_rows = _records_round_trip(grid.network)
        t_attr, _ = _timed(
            attribute_seat_minutes, grid.network, plan, result, region, settings=settings
        )
        changed = list(result.log.loc[result.log["outcome"].isin(["added", "modified"]), "id"])
        per_card = _old_attribution_per_card(
            grid.network, plan, result, seats, settings, changed[:2]
        )
        t_old = per_card * len(changed)
        rows.append((n_edges, t_apply, t_attr, t_old))
        print(
            f"{n_edges:>8} edges: apply_plan {t_apply:6.2f} s (the old builder's dict round trip "
            f"alone: {t_rows:5.2f} s); attribution {t_attr:6.2f} s, old {t_old:7.2f} s "
            f"({len(changed)} cards x {per_card:5.2f} s), old/new {t_old / t_attr:6.1f}x",
            flush=True,
        )
    for (n1, a1, r1, o1), (n2, a2, r2, o2) in itertools.pairwise(rows):
        exponent = [math.log(b / a) / math.log(n2 / n1) for a, b in ((a1, a2), (r1, r2), (o1, o2))]
        print(
            f"growth exponent {n1} -> {n2} edges: apply_plan {exponent[0]:.2f}, "
            f"attribution {exponent[1]:.2f}, old attribution {exponent[2]:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Untrusted text in HTML (issue 10): no user string runs as markup in any page transnet writes.

One study is built from a copy of the embedded bundle in which every user field that reaches a
page carries a script payload: the bundle title, a county's names, a card's id, name, source and
interchange name, a road's name, ref and source, a target's id, unit and source texts, a POI's
and a township's name. The reports, the maps, compare.html and the notebook views must show the
payload as text. (POI and township names reach no page today, only the CSV files: the raw check
still covers them.)
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from shapely.geometry import Point

from transnet.io.bundle import bundle_root
from transnet.report import write_reports
from transnet.study import Study, run_study
from transnet.viz.web import write_study_maps

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(2)>'
# The forms in which a payload would run: as written, or as JSON gave it to a script that
# inserts it into the page (``\u003c``, ``<\/script>``).
RAW = ("<script>alert(1)", "<img src=x onerror=alert(2)>")


def _marked(field: str) -> str:
    """A payload that also names its field, so a failure says which field leaked."""
    return f"{field}{SCRIPT}{IMAGE}"


def _edit_json(path: Path, edit) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    edit(document["features"])
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_study(tmp_path_factory) -> Study:
    folder = tmp_path_factory.mktemp("hostile") / "bundle"
    shutil.copytree(bundle_root() / "taixin", folder)

    manifest = yaml.safe_load((folder / "bundle.yaml").read_text(encoding="utf-8"))
    manifest["title"] = _marked("title")
    (folder / "bundle.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")

    counties = pd.read_csv(folder / "counties.csv", dtype=str)
    counties.loc[0, "name"] = _marked("county")
    counties.loc[1, "name_en"] = _marked("county-en")
    counties.to_csv(folder / "counties.csv", index=False)

    def cards(features):
        first = features[0]["properties"]
        first["id"] = "E1" + SCRIPT
        first["name"] = _marked("card-name")
        first["source"] = _marked("card-source")
        first["interchanges"][0]["name"] = _marked("interchange")
        upgrade = next(f["properties"] for f in features if f["properties"]["action"] != "new")
        upgrade["name"] = _marked("upgrade-name") + " [click](javascript:alert(3))"

    _edit_json(folder / "plan.geojson", cards)

    def roads(features):
        ordinary = next(
            f["properties"] for f in features if f["properties"]["grade"] != "expressway"
        )
        ordinary["name"] = _marked("road-name")
        ordinary["ref"] = "S101" + SCRIPT
        ordinary["source"] = _marked("road-source")

    _edit_json(folder / "network.geojson", roads)

    def pois(features):
        features[0]["properties"]["name"] = _marked("poi")

    _edit_json(folder / "pois.geojson", pois)

    targets = yaml.safe_load((folder / "targets.yaml").read_text(encoding="utf-8"))
    first = targets["targets"][0]
    first["id"] = "density" + SCRIPT
    first["unit"] = "km" + SCRIPT
    first["source_zh"] = _marked("source_zh")
    first["source_en"] = _marked("source_en")
    (folder / "targets.yaml").write_text(yaml.safe_dump(targets, allow_unicode=True), "utf-8")

    townships = gpd.GeoDataFrame(
        {"name": [_marked("township"), "高村乡"]},
        geometry=[Point(112.60, 38.05), Point(112.70, 38.20)],
        crs="EPSG:4326",
    )
    return run_study(folder, townships=townships)


@pytest.fixture(scope="module")
def pages(hostile_study, tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("hostile-out")
    write_study_maps(hostile_study, out)
    write_reports(hostile_study, out)
    written = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.html"))}
    written["Study._repr_html_"] = hostile_study._repr_html_()
    written["TargetResults._repr_html_"] = hostile_study.results._repr_html_()
    return written


def _as_a_browser_may_see_it(page: str) -> str:
    """The page, with JSON's escapes undone and every ``srcdoc`` page appended, unescaped."""
    text = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\x3c", "<")
    text = text.replace("\\u0026", "&")
    text = text.replace("<\\/", "</").replace('\\"', '"')
    inner = [html.unescape(m) for m in re.findall(r'srcdoc="([^"]*)"', page)]
    return "\n".join([text, *(_as_a_browser_may_see_it(p) for p in inner)])


def test_every_html_output_is_there(pages):
    assert {"report.html", "before.html", "after.html", "compare.html"} <= set(pages)


@pytest.mark.parametrize(
    "name",
    [
        "report.html",
        "before.html",
        "after.html",
        "compare.html",
        "Study._repr_html_",
        "TargetResults._repr_html_",
    ],
)
def test_no_payload_runs_in_the_page(pages, name):
    page = _as_a_browser_may_see_it(pages[name])
    for payload in RAW:
        leaks = [
            page[max(0, m.start() - 60) : m.start()] for m in re.finditer(re.escape(payload), page)
        ]
        assert not leaks, f"{name}: raw {payload!r} after: {leaks[:3]}"
    assert "alert(1)" in page  # the payload reached the page, as text


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        (
            "report.html",
            ["title", "county", "card-name", "upgrade-name", "source_zh", "density", "km"],
        ),
        (
            "after.html",
            ["title", "county", "card-name", "upgrade-name", "road-name", "E1", "S101"],
        ),
        ("compare.html", ["title", "county", "card-name", "road-name", "E1"]),
        ("Study._repr_html_", ["density", "km", "source_zh"]),
        ("TargetResults._repr_html_", ["density", "km", "source_zh"]),
    ],
)
def test_each_field_is_shown_escaped(pages, name, fields):
    page = _as_a_browser_may_see_it(pages[name])
    missing = [f for f in fields if f"{f}&lt;script&gt;alert(1)" not in page]
    assert not missing, f"{name}: fields not shown escaped: {missing}"


def test_report_html_has_no_unsafe_links(pages):
    page = pages["report.html"]
    assert '<a href="">click</a>' in page  # the card name's Markdown link, without its address
    assert 'href="javascript:' not in page.lower()

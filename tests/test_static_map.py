"""Static PNG maps of the taixin study: files, pixels, map furniture, text and bad input."""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from PIL import Image

from transnet._errors import InputError
from transnet.study import Study
from transnet.summary import caveats
from transnet.viz.static import metric_names, static_map, write_static_maps
from transnet.viz.static.text import _displayable, _fonts
from transnet.viz.style import PLANNED_STYLE, study_classes
from transnet.viz.web import GRADE_STYLES, PLAN_ACTION_STYLES, study_maps

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
NO_CJK_FONT = len(_fonts()[0]) == 1


@pytest.fixture(scope="module")
def study(bundle_study) -> Study:
    return bundle_study


@pytest.fixture(scope="module")
def pngs(study: Study, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_static_maps(study, tmp_path_factory.mktemp("static"))


@pytest.fixture(scope="module")
def after(study: Study) -> Figure:
    return static_map(study, "after")


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def flat(text: str) -> str:
    return " ".join(text.split())


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def colour_count(rgb: np.ndarray, colour: str, tolerance: int = 6) -> int:
    target = np.array([round(c * 255) for c in to_rgb(colour)], dtype=np.int16)
    return int((np.abs(rgb - target).max(axis=2) <= tolerance).sum())


def map_axes(fig: Figure):
    (ax,) = fig.axes
    return ax


def with_metric(study: Study, scenario: str, code: str, metric: str, value) -> Study:
    metrics = dict(study.metrics)
    counties = [
        record.model_copy(update={metric: value}) if record.code == code else record
        for record in metrics[scenario].counties
    ]
    metrics[scenario] = metrics[scenario].model_copy(update={"counties": counties})
    return dataclasses.replace(study, metrics=metrics)


def test_writes_before_and_after_pngs_of_the_figure_size(study: Study, pngs: list[Path]):
    assert [p.name for p in pngs] == ["before.png", "after.png"]
    for path, scenario in zip(pngs, ("before", "after"), strict=True):
        assert path.is_file()
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = static_map(study, scenario).get_size_inches() * 200
        with Image.open(path) as image:
            assert abs(image.width - width) <= 1 and abs(image.height - height) <= 1
            # Slide-sized: legible at 200 dpi, not a poster.
            assert 1500 <= image.width <= 3000 and 1200 <= image.height <= 3000
            assert "SCHEMATIC" in image.text["Disclaimer"]
            assert "Taiyuan" in image.text["Title"]


def test_pngs_are_drawn_not_blank(study: Study, pngs: list[Path]):
    for path, scenario in zip(pngs, ("before", "after"), strict=True):
        rgb = pixels(path)
        assert rgb.std() > 20
        packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
        assert len(np.unique(packed)) > 200
        # Inside the map frame (not the legend or the caveat box): roads and plan projects in the
        # HTML map's colours, counties in the shading greens.
        box = map_axes(static_map(study, scenario)).get_position()
        height, width = rgb.shape[:2]
        inside = rgb[
            round((1 - box.y1) * height) + 3 : round((1 - box.y0) * height) - 3,
            round(box.x0 * width) + 3 : round(box.x1 * width) - 3,
        ]
        assert inside.size > 0.3 * rgb.size
        assert colour_count(inside, GRADE_STYLES["expressway"]["color"]) > 2000
        assert colour_count(inside, GRADE_STYLES["1"]["color"]) > 200
        plan = [colour_count(inside, PLAN_ACTION_STYLES[a]["color"]) for a in ("new", "upgrade")]
        if scenario == "after":
            assert plan[0] > 2000 and plan[1] > 200
        else:  # the plan is not built: no project is drawn like a road
            assert plan[0] < 200 and plan[1] < 50, plan
        green = (inside[..., 1] > inside[..., 0] + 15) & (inside[..., 1] > inside[..., 2] + 15)
        assert green.sum() > 0.1 * green.size


def test_map_has_legend_scale_bar_and_north_arrow(study: Study, after: Figure):
    ax = map_axes(after)
    legend = ax.get_legend()
    assert isinstance(legend, Legend) and legend in ax.get_children()
    labels = [t.get_text() for t in legend.get_texts()]
    for label in ("Expressway", "Grade 1", "County seat", "Interchange"):
        assert label in labels
    actions = set(study.plan.frame["action"])
    assert {f"Plan project: {a}" for a in actions} <= set(labels)

    (bar,) = [c for c in ax.get_children() if isinstance(c, AnchoredSizeBar)]
    (rectangle,) = bar.size_bar.get_children()
    length_km = rectangle.get_width() / 1000
    assert length_km in (10, 20, 50)
    assert bar.txt_label.get_text() == f"{length_km:g} km"
    # Drawn in metres: the map spans the counties' projected extent.
    xmin, _, xmax, _ = study.region.counties.to_crs(study.after.edges.crs).total_bounds
    x0, x1 = ax.get_xlim()
    assert x0 < xmin and x1 > xmax and (x1 - x0) < 1.2 * (xmax - xmin)
    # The longest round length of at most a fifth of the map.
    assert (x1 - x0) / 12.5 <= rectangle.get_width() <= (x1 - x0) / 5

    (north,) = [t for t in ax.texts if t.get_text() == "N"]
    assert north.arrow_patch is not None


def test_legend_is_drawn_in_the_fonts_its_labels_were_filtered_for(after: Figure):
    """Labels keep the characters the map's fonts can draw (a CJK fallback: 街道), so the
    legend must be drawn in those fonts, not matplotlib's default alone."""
    legend = map_axes(after).get_legend()
    families = list(_fonts()[0])
    for text in [*legend.get_texts(), legend.get_title()]:
        assert text.get_fontfamily() == families, text.get_text()


def test_title_names_region_scenario_source_and_date(study: Study, after: Figure):
    words = flat(" ".join(texts(after)))
    assert "Taiyuan–Xinzhou integrated economic zone: after the plan" in words
    assert study.after.metadata["source"] in words
    assert flat(study.after.metadata["date"]) in words
    assert "SCHEMATIC" in words
    before = flat(" ".join(texts(static_map(study, "before"))))
    assert "before the plan" in before and "after the plan" not in before


def test_caveats_are_in_a_box_under_the_map(study: Study, after: Figure):
    notes = caveats(study)
    assert any("SCHEMATIC" in n for n in notes) and any("ILLUSTRATIVE" in n for n in notes)
    (box,) = [t for t in map_axes(after).texts if t.get_text().startswith("READ BEFORE USE")]
    for note in notes:  # as the map's fonts can draw it
        assert flat(_displayable(note)) in flat(box.get_text())
    assert box.get_bbox_patch() is not None
    after.canvas.draw()
    renderer = after.canvas.get_renderer()
    box_extent = box.get_bbox_patch().get_window_extent(renderer)
    map_extent = map_axes(after).get_window_extent(renderer)
    assert box_extent.y1 < map_extent.y0
    assert box_extent.x1 <= after.bbox.x1 and box_extent.y0 >= after.bbox.y0


@pytest.mark.skipif(not NO_CJK_FONT, reason="a CJK font is installed: Chinese names are shown")
def test_text_is_english_without_a_cjk_font(study: Study, after: Figure):
    assert {"Yangqu", "Xinfu", "Yingze"} <= set(texts(after))
    assert not [t for t in texts(after) if CJK.search(t)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns
        after.canvas.draw()


def test_counties_are_shaded_on_one_scale_with_a_labelled_colorbar(study: Study, after: Figure):
    before = static_map(study, "before")
    bars = [map_axes(fig).child_axes for fig in (before, after)]
    assert [len(b) for b in bars] == [1, 1]
    assert "(min)" in bars[1][0].get_xlabel()
    assert bars[0][0].get_xlim() == bars[1][0].get_xlim()
    values = [
        r.seat_to_interchange_min
        for s in ("before", "after")
        for r in study.metrics[s].counties
        if r.seat_to_interchange_min is not None
    ]
    assert bars[1][0].get_xlim() == pytest.approx((min(values), max(values)))
    shaded = [
        c
        for c in map_axes(after).collections
        if isinstance(c, PathCollection)
        and len(c.get_paths()) == len(study.region.counties)
        and len(c.get_facecolor())
        and c.get_facecolor()[:, 3].min() > 0
    ]
    assert len(shaded) == 1
    assert len(np.unique(shaded[0].get_facecolor(), axis=0)) > 3


def test_county_with_no_value_is_hatched_grey(study: Study):
    code = study.region.counties["code"].iloc[0]
    unreachable = with_metric(study, "after", code, "seat_to_interchange_min", None)
    ax = map_axes(static_map(unreachable, "after"))
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 1 and len(hatched[0].get_paths()) == 1
    assert any("no value" in t.get_text() for t in ax.get_legend().get_texts())
    assert not [c for c in map_axes(static_map(study, "after")).collections if c.get_hatch()]


def test_metric_with_no_value_anywhere_hatches_every_county(study: Study):
    # E.g. a network whose seats reach no interchange: no colour scale, every county hatched.
    nowhere = study
    for scenario in ("before", "after"):
        for code in study.region.counties["code"]:
            nowhere = with_metric(nowhere, scenario, code, "seat_to_interchange_min", None)
    ax = map_axes(static_map(nowhere, "after"))
    (hatched,) = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched.get_paths()) == len(study.region.counties)
    assert ax.child_axes == []


def test_metric_none_draws_outlines_only(study: Study, tmp_path: Path):
    fig = static_map(study, "after", metric=None)
    ax = map_axes(fig)
    assert ax.child_axes == []
    for collection in ax.collections:
        if isinstance(collection, PathCollection):
            assert not collection.get_hatch()
            assert (collection.get_facecolor()[:, 3] == 0).all()
    assert isinstance(ax.get_legend(), Legend)
    written = write_static_maps(study, tmp_path, metric=None, dpi=50)
    assert all(p.stat().st_size > 10_000 for p in written)


def test_other_metric_and_own_axes(study: Study):
    fig = Figure()
    ax = fig.add_subplot()
    assert static_map(study, "before", metric="density_per_100km2", ax=ax) is fig
    assert "(km per 100 km²)" in flat(ax.child_axes[0].get_xlabel().replace("\xa0", " "))
    assert "(km\xa0per\xa0100\xa0km²)" in ax.child_axes[0].get_xlabel()  # never broken
    assert isinstance(ax.get_legend(), Legend)


def test_unknown_metric_is_refused_with_the_valid_names(study: Study, tmp_path: Path):
    for metric in ("minutes", "covered", "code"):
        with pytest.raises(InputError, match="seat_to_interchange_min") as error:
            static_map(study, "after", metric=metric)
        assert error.value.field == "metric"
    assert "density_per_100km2" in metric_names(study)
    assert "covered" not in metric_names(study)
    with pytest.raises(InputError) as error:
        write_static_maps(study, tmp_path / "out", metric="minutes")
    assert error.value.field == "metric"
    assert not (tmp_path / "out").exists()


def test_unknown_scenario_and_bad_dpi_are_refused(study: Study, tmp_path: Path):
    with pytest.raises(InputError, match="before, after") as error:
        static_map(study, "plan")
    assert error.value.field == "scenario"
    with pytest.raises(InputError) as error:
        write_static_maps(study, tmp_path, dpi=0)
    assert error.value.field == "dpi"


def test_names_fall_back_to_english_unless_a_cjk_font_draws_them(monkeypatch):
    from transnet.viz.static import layers, text

    region = "太忻一体化经济区 Taiyuan–Xinzhou integrated economic zone"
    card = "G108 忻州城区过境改线 (西绕) Xinzhou by-pass (illustrative)"
    if NO_CJK_FONT:
        assert text._displayable(region) == "Taiyuan–Xinzhou integrated economic zone"
        assert text._displayable(card) == "G108 Xinzhou by-pass (illustrative)"
        assert layers._seat_label("阳曲县", "Yangqu") == "Yangqu"
        assert layers._seat_label("阳曲县", None) == ""
    plain = "Cards E8, N3–N13 are ILLUSTRATIVE (see data/README.md)."
    assert text._displayable(plain) == plain
    every_glyph = (("DejaVu Sans", "Noto Sans CJK SC"), frozenset(range(0x30000)))
    monkeypatch.setattr(text, "_fonts", lambda: every_glyph)
    assert text._displayable(region) == region
    assert layers._seat_label("阳曲县", "Yangqu") == "Yangqu 阳曲县"


def test_before_map_draws_the_plan_only_as_a_faint_planned_outline(study: Study, after: Figure):
    # Issue 9's bug: the before map drew the planned projects like built roads.
    before = map_axes(static_map(study, "before"))
    labels = [t.get_text() for t in before.get_legend().get_texts()]
    assert PLANNED_STYLE["label"] in labels
    assert not [label for label in labels if label.startswith("Plan project:")]
    planned = [c for c in before.collections if c.get_zorder() == 5]
    assert len(planned) == 1  # one faint dashed outline, no halo
    assert planned[0].get_alpha() == PLANNED_STYLE["opacity"]
    assert planned[0].get_linestyle()[0][1] is not None  # dashed
    after_labels = [t.get_text() for t in map_axes(after).get_legend().get_texts()]
    assert PLANNED_STYLE["label"] not in after_labels


def test_html_and_png_maps_show_the_same_classes(study: Study, after: Figure):
    metric = "seat_to_interchange_min"
    classes = study_classes(study, metric)
    assert 2 <= len(classes.colors) <= 5
    # The PNG: a colour bar whose blocks are the classes, its ticks the class edges.
    (bar,) = map_axes(after).child_axes
    ticks = [float(t) for t in bar.get_xticks()]
    assert ticks == pytest.approx(list(classes.bins))
    shown = [t.get_text() for t in bar.get_xticklabels()]
    # The HTML: the legend lists the same classes, "low – high", with the same edges.
    page = study_maps(study, tiles="none", metric=metric, which=("after",))["after"]
    html = page.get_root().render()
    legend = html.split('class="transnet-legend"', 1)[1]
    rows = re.findall(r"</span> ([-\d.,]+) – ([-\d.,]+)</div>", legend)
    assert [low for low, _ in rows] + [rows[-1][1]] == shown
    assert [f"{low} – {high}" for low, high in rows] == classes.labels()

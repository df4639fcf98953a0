"""The online OSM path with the HTTP layer mocked: no network in tests."""

from __future__ import annotations

import json
import socket
from urllib.parse import parse_qsl

import osmnx as ox
import pytest
import requests
from shapely.geometry import box

from transnet.io.osm import OSMDownloadError, network_from_osm, townships_from_osm

REGION = box(112.49, 37.99, 112.52, 38.02)

# Real-shaped Overpass answer: two carriageways of the G5 and the G108 near Taiyuan.
ELEMENTS = [
    {"type": "node", "id": 1, "lat": 38.0000, "lon": 112.50000},
    {
        "type": "node",
        "id": 2,
        "lat": 38.0000,
        "lon": 112.51141,
        "tags": {"highway": "motorway_junction", "name": "太原北"},
    },
    {"type": "node", "id": 3, "lat": 38.0003, "lon": 112.51141},
    {"type": "node", "id": 4, "lat": 38.0003, "lon": 112.50000},
    {"type": "node", "id": 5, "lat": 38.0100, "lon": 112.50000},
    {"type": "node", "id": 6, "lat": 38.0100, "lon": 112.51141},
    {
        "type": "way",
        "id": 10,
        "nodes": [1, 2],
        "tags": {"highway": "motorway", "ref": "G5", "oneway": "yes"},
    },
    {
        "type": "way",
        "id": 11,
        "nodes": [3, 4],
        "tags": {"highway": "motorway", "ref": "G5", "oneway": "yes"},
    },
    {"type": "way", "id": 12, "nodes": [5, 6], "tags": {"highway": "trunk", "ref": "G108"}},
    {
        "type": "way",
        "id": 13,
        "nodes": [2, 6],
        "tags": {"highway": "motorway_link", "oneway": "yes"},
    },
]


def _response(status: int, body: dict | str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {200: "OK", 500: "Internal Server Error"}.get(status, "")
    response.url = "https://overpass-api.de/api/interpreter"
    response._content = (json.dumps(body) if isinstance(body, dict) else body).encode()
    return response


@pytest.fixture
def overpass(monkeypatch, tmp_path):
    """Answer osmnx's HTTP requests at the transport (requests' adapter); returns the requests made.

    Everything above the socket runs for real: osmnx, requests' session and its response hooks.
    """
    calls: list[dict] = []
    answers: list = []

    def fake_send(adapter, request, **kwargs):
        assert request.method == "POST", "no GET expected: rate limiting is off and DNS is local"
        calls.append({"url": request.url, "data": dict(parse_qsl(request.body))})
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        answer.request = request
        return answer

    def no_dns(hostname):
        raise socket.gaierror("offline test")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", fake_send)
    monkeypatch.setattr(socket, "gethostbyname", no_dns)
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)  # osmnx replaces it
    monkeypatch.setattr(ox.settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox.settings, "doh_url_template", None)
    return calls, answers


def _cache_files(tmp_path):
    folder = tmp_path / "cache"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def test_download_builds_the_network_and_is_cached(overpass, tmp_path):
    calls, answers = overpass
    answers.append(_response(200, {"version": 0.6, "elements": ELEMENTS}))
    network = network_from_osm(REGION, margin_m=0)
    assert len(calls) == 1
    query = calls[0]["data"]["data"]
    assert '["highway"~"^(' in query and "motorway_link" in query and "unclassified" not in query
    assert set(network.edges["osmid"]) == {10, 11, 12, 13}
    assert network.metadata["interchange_method"] == "motorway_junction"
    assert network.nodes.loc[2, "interchange_name"] == "太原北"
    assert network.edges.set_index("osmid").loc[13, "ramp"]
    assert len(_cache_files(tmp_path)) == 1
    # A second call is answered from osmnx's cache: no new request.
    again = network_from_osm(REGION, margin_m=0)
    assert len(calls) == 1
    assert len(again.edges) == len(network.edges)


def test_unclassified_changes_the_query(overpass):
    calls, answers = overpass
    answers.append(_response(200, {"elements": ELEMENTS}))
    network_from_osm(REGION, margin_m=0, include_unclassified=True)
    assert "unclassified" in calls[0]["data"]["data"]


def test_partial_answer_is_rejected_and_not_cached(overpass, tmp_path):
    _, answers = overpass
    remark = 'runtime error: Query timed out in "query" at line 1 after 181 seconds.'
    answers.append(_response(200, {"elements": ELEMENTS[:3], "remark": remark}))
    with pytest.raises(OSMDownloadError, match="partial"):
        network_from_osm(REGION, margin_m=0)
    assert _cache_files(tmp_path) == []


def test_truncated_body_is_an_error_with_advice(overpass, tmp_path):
    _, answers = overpass
    answers.append(_response(200, '{"elements": [{"type": "node", "id": 1, "la'))
    with pytest.raises(OSMDownloadError, match="--source FILE"):
        network_from_osm(REGION, margin_m=0)
    assert _cache_files(tmp_path) == []


def test_http_error_is_an_error_with_advice(overpass, tmp_path):
    _, answers = overpass
    answers.append(_response(500, "<html>Internal Server Error</html>"))
    with pytest.raises(OSMDownloadError, match=r"download failed.*local OSM file instead") as info:
        network_from_osm(REGION, margin_m=0)
    assert "500" in str(info.value)
    assert _cache_files(tmp_path) == []


def test_timeout_is_an_error_with_advice(overpass):
    _, answers = overpass
    answers.append(requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(OSMDownloadError, match="timed out"):
        network_from_osm(REGION, margin_m=0)


def test_townships_download(overpass):
    calls, answers = overpass
    elements = [
        {
            "type": "node",
            "id": 1,
            "lat": 38.0,
            "lon": 112.5,
            "tags": {"place": "town", "name": "黄寨镇"},
        },
        {
            "type": "node",
            "id": 2,
            "lat": 38.01,
            "lon": 112.51,
            "tags": {"place": "village", "name": "北村"},
        },
    ]
    answers.append(_response(200, {"elements": elements}))
    towns = townships_from_osm(REGION)
    assert towns["name"].tolist() == ["黄寨镇"]
    assert "['place'='town']" in calls[0]["data"]["data"]


def test_townships_partial_answer_is_rejected(overpass):
    _, answers = overpass
    answers.append(_response(200, {"elements": [], "remark": "runtime error: timed out"}))
    with pytest.raises(OSMDownloadError, match="partial"):
        townships_from_osm(REGION)


def _overpass_answer(path, highways) -> dict:
    """What Overpass answers for ``way[highway~...]; (._;>;); out;`` on the data of ``path``."""
    import osmium

    ways, needed = [], set()
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if way.tags.get("highway") in highways:
            ids = [node.ref for node in way.nodes]
            ways.append({"type": "way", "id": way.id, "nodes": ids, "tags": dict(way.tags)})
            needed.update(ids)
    nodes = [
        {"type": "node", "id": node.id, "lat": node.location.lat, "lon": node.location.lon}
        | ({"tags": dict(node.tags)} if len(node.tags) else {})
        for node in osmium.FileProcessor(str(path), osmium.osm.NODE)
        if node.id in needed
    ]
    return {"version": 0.6, "elements": nodes + ways}


def test_download_and_file_of_the_same_data_give_the_same_network(overpass, helsinki):
    from transnet.io.osm import DEFAULT_HIGHWAYS, network_from_osm_file

    _, answers = overpass
    answers.append(_response(200, _overpass_answer(helsinki["pbf"], DEFAULT_HIGHWAYS)))
    around = box(24.90, 60.14, 24.99, 60.20)  # holds the whole extract
    online = network_from_osm(around, margin_m=0)
    offline = network_from_osm_file(helsinki["pbf"], region=around, margin_m=0)
    assert len(online.edges) == len(offline.edges) > 300
    columns = ["u", "v", "key", "osmid", "highway", "grade", "ramp", "centerline_factor"]
    expected = offline.edges.sort_values(["u", "v", "key"]).reset_index(drop=True)
    got = online.edges.sort_values(["u", "v", "key"]).reset_index(drop=True)
    assert got[columns].equals(expected[columns])
    assert got["length_m"].to_numpy() == pytest.approx(expected["length_m"].to_numpy())
    assert got.geometry.geom_equals_exact(expected.geometry, tolerance=1e-6).all()
    assert online.nodes.index.sort_values().equals(offline.nodes.index.sort_values())


def test_osmnx_settings_are_restored_after_a_download(overpass):
    _, answers = overpass
    before = (
        ox.settings.all_oneway,
        list(ox.settings.useful_tags_way),
        ox.settings.requests_kwargs,
    )
    answers.append(_response(200, {"elements": ELEMENTS[:3], "remark": "runtime error"}))
    with pytest.raises(OSMDownloadError):
        network_from_osm(REGION, margin_m=0)
    answers.append(_response(200, {"elements": ELEMENTS}))
    network_from_osm(REGION, margin_m=0)
    after = (ox.settings.all_oneway, list(ox.settings.useful_tags_way), ox.settings.requests_kwargs)
    assert after == before

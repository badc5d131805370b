"""The plan pack declares its work CRS (``[plan] crs``): areas, distances, reader projection,
zone inference of corner tables, the registry's SRS and the map captions follow it.

A tiny pack in 3-degree zone 38 (EPSG:4547, CM 114E; prefixed EPSG:4526) around 112.6E 31.2N
(a 钟祥-like county in Hubei) beside the bundled Changle pack (EPSG:4549, zone 40)."""

from __future__ import annotations

import re
import shutil
import sqlite3

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from mineplan.errors import InputError, PlanPackError
from mineplan.pack import bundled_data_dir, load_pack
from mineplan.readers import read_applications

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid (to well under a millimetre here)
#: The county (lon/lat box) and its blocks, around 112.6E 31.2N.
COUNTY = (112.35, 30.95, 112.95, 31.45)
MINING_BLOCK = (112.60, 31.20, 112.62, 31.215)
EXPLORATION_BLOCK = (112.45, 31.05, 112.50, 31.10)
KEY_MINING_ZONE = (112.55, 31.15, 112.70, 31.25)
#: A parcel inside the mining block (lon, lat), unclosed.
PARCEL = [(112.603, 31.203), (112.612, 31.203), (112.612, 31.211), (112.603, 31.211)]


def _layer(path, code, box, **props):
    frame = gpd.GeoDataFrame([{"code": code, "name_zh": code, "name_en": code, **props}],
                             geometry=[shapely.box(*box).segmentize(0.005)], crs="EPSG:4490")
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")


def write_pack(root, crs: str = "EPSG:4547"):
    """Changle's plan.toml with ``[plan] crs`` set to ``crs`` and four layers of its own, placed
    around 112.6E 31.2N (the rule tables are Changle's: only geometry and CRS matter here)."""
    root.mkdir(parents=True, exist_ok=True)
    text = (bundled_data_dir() / "plan.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^crs = "EPSG:4549"', f'crs = "{crs}"', text, count=1)
    # drop Changle's [layers.*] tables, keep the rest
    parts = re.split(r"(?m)^(?=\[)", text)
    text = "".join(p for p in parts if not p.startswith("[layers."))
    (root / "zones").mkdir(exist_ok=True)
    _layer(root / "zones" / "county.geojson", "420881", COUNTY)
    _layer(root / "zones" / "kmz.geojson", "ZX-KM-01", KEY_MINING_ZONE)
    _layer(root / "zones" / "eb.geojson", "ZX-EB-01", EXPLORATION_BLOCK, mineral="岩盐")
    _layer(root / "zones" / "mb.geojson", "ZX-MB-01", MINING_BLOCK, mineral="建筑石料用灰岩")
    text += "".join(f'\n[layers.{name}]\nrole = "{role}"\nfile = "zones/{file}.geojson"\n'
                    for name, role, file in (("county", "county", "county"), ("kmz", "key_mining_zone", "kmz"),
                                             ("eb", "exploration_block", "eb"), ("mb", "mining_block", "mb")))
    (root / "plan.toml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def zone38(tmp_path_factory):
    return load_pack(write_pack(tmp_path_factory.mktemp("zone38") / "pack"))


def survey(pts, code):
    """(X northing, Y easting) strings to the centimetre, as printed in notices."""
    e, n = Transformer.from_crs(4490, code, always_xy=True).transform([p[0] for p in pts], [p[1] for p in pts])
    return [(f"{b:.2f}", f"{a:.2f}") for a, b in zip(e, n, strict=True)]


def corner_csv(path, pts):
    path.write_text("区块号,点号,X,Y\n" + "".join(f"Q1,{i},{x},{y}\n" for i, (x, y) in enumerate(pts, 1)),
                    encoding="utf-8")
    return path


def expected(pts, work="EPSG:4547"):
    return np.column_stack(Transformer.from_crs(4490, work, always_xy=True).transform(
        [p[0] for p in pts], [p[1] for p in pts]))


def shell(g):
    return shapely.get_coordinates(g.exterior)[:-1]


# ---------------------------------------------------------------- [plan] crs in plan.toml
def _config_error(tmp_path, line: str | None) -> str:
    root = tmp_path / "p"
    shutil.copytree(bundled_data_dir(), root, ignore=shutil.ignore_patterns("__pycache__"))
    toml = root / "plan.toml"
    text = toml.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^crs = "EPSG:4549"\n', "" if line is None else line + "\n", text, count=1)
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(PlanPackError) as exc:
        load_pack(root)
    message = str(exc.value)
    assert "\n" not in message and str(toml) in message
    return message


def test_bundled_pack_declares_its_crs():
    pack = load_pack()
    assert pack.work_crs == "EPSG:4549"
    assert all(CRS.from_user_input(la.frame.crs).to_epsg() == 4549 for la in pack.layers.values())


@pytest.mark.parametrize("line, words", [
    (None, "[plan] has no 'crs'"),
    ('crs = "EPSG:99999"', "is not a CRS pyproj knows"),
    ('crs = "EPSG:4490"', "is not projected"),
    ('crs = "EPSG:2263"', "is not in metres"),
    ("crs = 4549", "must be a CRS name"),
])
def test_work_crs_is_required_projected_and_in_metres(tmp_path, line, words):
    assert words in _config_error(tmp_path, line)


# ---------------------------------------------------------------- measured in the pack's CRS
def test_zone38_pack_measures_in_epsg4547(zone38):
    assert zone38.work_crs == "EPSG:4547"
    assert CRS.from_user_input(zone38.features("county").crs).to_epsg() == 4547
    # the block's area in EPSG:4547 (1.4° from its CM) is within 0.1 % of the ellipsoidal area;
    # Changle's EPSG:4549 (7.4° away) would be 1.2 % too large
    block = zone38.features("mining_block").geometry.iloc[0]
    lon, lat = shapely.get_coordinates(shapely.box(*MINING_BLOCK).segmentize(0.005).exterior).T
    ellipsoidal = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
    assert block.area == pytest.approx(ellipsoidal, rel=1e-3)
    in_4549 = gpd.GeoSeries([shapely.box(*MINING_BLOCK).segmentize(0.005)], crs=4490).to_crs(4549).area[0]
    assert abs(in_4549 / ellipsoidal - 1) > 0.01
    # a distance: 1 km east along the parallel, measured in the pack's CRS
    t = Transformer.from_crs(4490, zone38.work_crs, always_xy=True)
    lon2, lat2, _ = GEOD.fwd(112.6, 31.2, 90, 1000.0)
    (x1, x2), (y1, y2) = t.transform([112.6, lon2], [31.2, lat2])
    assert np.hypot(x2 - x1, y2 - y1) == pytest.approx(1000.0, abs=0.5)


def test_zone38_check_reports_areas_in_epsg4547(zone38, tmp_path):
    from mineplan.checker import check_file

    path = tmp_path / "parcel.geojson"
    gpd.GeoDataFrame({"id": ["ZX-1"], "right_type": ["mining"]}, geometry=[shapely.Polygon(PARCEL)],
                     crs="EPSG:4490").to_file(path, driver="GeoJSON", engine="pyogrio")
    report = check_file(path, pack=zone38)
    assert CRS.from_user_input(report.frame.crs).to_epsg() == 4547
    assert report.frame.geometry.iloc[0].area == pytest.approx(
        shapely.Polygon(expected(PARCEL)).area, rel=1e-9)
    assert report.results[0].verdict in ("allowed", "restricted", "forbidden")


# ---------------------------------------------------------------- corner tables in zone 38
def test_zone38_prefixed_corner_table_is_read_in_zone38(zone38, tmp_path):
    pts = survey(PARCEL, 4526)
    assert all(y.startswith("38") and len(y.split(".")[0]) == 8 for _x, y in pts)
    res = read_applications(corner_csv(tmp_path / "c.csv", pts), work_crs=zone38.work_crs,
                            plan_area=zone38.county_geometry)
    assert "EPSG:4526" in res.source_crs
    assert CRS.from_user_input(res.frame.crs).to_epsg() == 4547
    assert np.allclose(shell(res.frame.geometry[0]), expected(PARCEL), atol=0.011)
    assert not any("easting prefix" in n for n in res.notes)


def test_zone38_unprefixed_eastings_are_read_at_cm_114(zone38, tmp_path):
    pts = survey(PARCEL, 4547)
    assert all(len(y.split(".")[0]) == 6 for _x, y in pts)
    res = read_applications(corner_csv(tmp_path / "c.csv", pts), work_crs=zone38.work_crs,
                            plan_area=zone38.county_geometry)
    assert "EPSG:4547" in res.source_crs and "CM 114E" in res.source_crs
    assert np.allclose(shell(res.frame.geometry[0]), expected(PARCEL), atol=0.011)


def test_zone38_unprefixed_eastings_are_not_found_with_changles_guesses(zone38, tmp_path):
    """The same 6-digit table with Changle's work CRS: its zone guesses (CM 120E, 117E, …) put
    the parcel nowhere near the plan area, so the inference refuses."""
    pts = survey(PARCEL, 4547)
    with pytest.raises(InputError, match="no reading of the coordinates falls in the plan area"):
        read_applications(corner_csv(tmp_path / "c.csv", pts), work_crs="EPSG:4549",
                          plan_area=shapely.transform(zone38.county_geometry, lambda p: np.column_stack(
                              Transformer.from_crs(4547, 4549, always_xy=True).transform(p[:, 0], p[:, 1]))))


def test_zone38_wrong_prefix_is_named(zone38, tmp_path):
    """Zone 39 written in front of zone-38 eastings: the prefix is dropped (only that reading is
    in the plan area) and the note names the disagreement with the pack's zone."""
    pts = [(x, "39" + y) for x, y in survey(PARCEL, 4547)]
    res = read_applications(corner_csv(tmp_path / "c.csv", pts), work_crs=zone38.work_crs,
                            plan_area=zone38.county_geometry)
    assert "zone prefix 39 dropped" in res.source_crs and "EPSG:4547" in res.source_crs
    assert any("easting prefix 39 is zone 39 (CM 117E) but the plan's work CRS is zone 38 (CM 114E)" in n
               for n in res.notes)
    assert np.allclose(shell(res.frame.geometry[0]), expected(PARCEL), atol=0.011)


def test_zone38_prefix_far_off_is_named_in_the_error(zone38, tmp_path):
    pts = [(x, "39" + y) for x, y in survey(PARCEL, 4547)]
    pts = [(f"{float(x) + 400_000:.2f}", y) for x, y in pts]  # and 400 km north: nothing fits
    with pytest.raises(InputError, match=r"easting prefix 39 is zone 39 \(CM 117E\) but the plan's work CRS is "
                                         r"zone 38 \(CM 114E\)"):
        read_applications(corner_csv(tmp_path / "c.csv", pts), work_crs=zone38.work_crs,
                          plan_area=zone38.county_geometry)


def test_changle_wrong_prefix_is_named(tmp_path):
    pack = load_pack()
    pts = [(x, "39" + y) for x, y in survey([(118.75, 36.60), (118.76, 36.60), (118.76, 36.61)], 4549)]
    res = read_applications(corner_csv(tmp_path / "c.csv", pts), work_crs=pack.work_crs,
                            plan_area=pack.county_geometry)
    assert "zone prefix 39 dropped" in res.source_crs and "EPSG:4549" in res.source_crs
    assert any("easting prefix 39 is zone 39 (CM 117E) but the plan's work CRS is zone 40 (CM 120E)" in n
               for n in res.notes)


def test_zone38_datum_named_prefix_disagreeing_is_noted(zone38, tmp_path):
    """A notice that names CGCS2000 and carries zone-39 prefixes is read in zone 39, as it says,
    with a note that the plan's zone is 38."""
    pts = survey([(p[0] + 0.0, p[1]) for p in PARCEL], 4527)  # genuinely zone 39 numbers
    path = tmp_path / "c.csv"
    path.write_text("2000国家大地坐标系\n区块号,点号,X,Y\n"
                    + "".join(f"Q1,{i},{x},{y}\n" for i, (x, y) in enumerate(pts, 1)), encoding="utf-8")
    res = read_applications(path, work_crs=zone38.work_crs, plan_area=zone38.county_geometry)
    assert "EPSG:4527" in res.source_crs
    assert any("easting prefix 39 is zone 39 (CM 117E) but the plan's work CRS is zone 38 (CM 114E)" in n
               for n in res.notes)
    assert np.allclose(shell(res.frame.geometry[0]), expected(PARCEL), atol=0.011)


def test_xian80_without_zone_hints_the_packs_zone(zone38, tmp_path):
    pts = survey(PARCEL, 4547)
    path = tmp_path / "c.txt"
    path.write_text("西安80坐标系\n" + "".join(f"{i} {x} {y}\n" for i, (x, y) in enumerate(pts, 1)), encoding="utf-8")
    with pytest.raises(InputError, match=r"the plan's work CRS is zone 38 \(CM 114E\): EPSG:\d+ "
                                         r"\(Xian 1980 / 3-degree Gauss-Kruger CM 114E\)"):
        read_applications(path, work_crs=zone38.work_crs, plan_area=zone38.county_geometry)


# ---------------------------------------------------------------- the registry's SRS
def test_registry_srs_follows_the_pack(zone38, tmp_path):
    import pyogrio

    from mineplan.registry import RegistryError, open_registry, rights_from_file

    path = tmp_path / "parcel.geojson"
    gpd.GeoDataFrame({"id": ["ZX-R1"], "right_type": ["mining"], "holder": ["甲"]},
                     geometry=[shapely.Polygon(PARCEL)], crs="EPSG:4490").to_file(path, driver="GeoJSON",
                                                                                  engine="pyogrio")
    reg_path = tmp_path / "zx.gpkg"
    reg = open_registry(reg_path, work_crs=zone38.work_crs, create=True)
    reg.add(rights_from_file(path, pack=zone38), who="test")
    with sqlite3.connect(reg_path) as conn:
        assert conn.execute("SELECT srs_id FROM gpkg_geometry_columns").fetchall() == [(4547,)]
        assert conn.execute("SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys "
                            "WHERE srs_id = 4547").fetchall() == [("EPSG", 4547)]
    assert pyogrio.read_info(reg_path, layer="rights")["crs"] == "EPSG:4547"
    frame = open_registry(reg_path, work_crs="EPSG:4547").existing_rights()
    assert CRS.from_user_input(frame.crs).to_epsg() == 4547
    assert np.allclose(shell(frame.geometry[0]), expected(PARCEL), atol=1e-6)
    # the same file opened for Changle's pack: refused in one line naming both CRSs
    with pytest.raises(RegistryError) as exc:
        open_registry(reg_path, work_crs="EPSG:4549")
    message = str(exc.value)
    assert "\n" not in message and str(reg_path) in message
    assert "EPSG:4547" in message and "EPSG:4549" in message


# ---------------------------------------------------------------- maps name the pack's CRS
def test_web_map_caption_names_the_packs_crs(zone38, tmp_path):
    from mineplan.maps.web import render_web

    out = tmp_path / "m.html"
    render_web(zone38, out, lang="en")
    html = out.read_text(encoding="utf-8")
    assert "zone 38 (central meridian 114°E, EPSG:4547)" in html
    assert "EPSG:4549" not in html
    render_web(zone38, out, lang="zh")
    assert "第 38 带（中央经线 114°E，EPSG:4547）" in out.read_text(encoding="utf-8")

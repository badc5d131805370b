"""``mineplan where``: the siting surface agrees with ``check``, covers the county, and ``--clip``
cuts an application back to the part the plan allows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mineplan.checker import check_frame
from mineplan.cli import cli
from mineplan.engine.options import RunOptions, constraint_layers
from mineplan.findings import VERDICT_OF, worst_verdict
from mineplan.pack import load_pack as _load_pack
from mineplan.siting import PLACE_OUTCOMES, clip, faces, location_codes, surface

BY_CODE = _load_pack().rule_set.by_code

# a limestone quarry is at best restricted on its block: 5.3.3's minimum output over the licence term
# exceeds both blocks' stated resources (X224, 5.3)
QUARRY = {"right_type": "mining", "mineral": "建筑石料用灰岩", "method": "open_pit", "annual_output": 250,
          "output_unit": "万吨/年", "licence_years": 15, "green_mine": True, "grant": "挂牌", "mine_status": "new",
          "clean_grant": True, "restoration_plan": True}
EXPLORATION = {"right_type": "exploration", "mineral": "地热", "stage": "详查", "green_mine": True, "grant": "挂牌"}
SITE = {"right_type": "site"}
PROFILES = {"exploration": EXPLORATION, "mining": QUARRY, "site": SITE}
QUARRY_ARGS = ["--right-type", "mining", "--mineral", "建筑石料用灰岩", "--method", "open_pit",
               "--annual-output", "250", "--output-unit", "万吨/年", "--licence-years", "15", "--green-mine",
               "--grant", "挂牌", "--mine-status", "new", "--clean-grant", "--restoration-plan"]
RADIUS = 10.0


def options(pack, profile) -> RunOptions:
    return RunOptions(overrides=profile, constraints=constraint_layers(pack))


@pytest.fixture(scope="module")
def surfaces(pack):
    return {name: surface(pack, options(pack, profile), radius=RADIUS) for name, profile in PROFILES.items()}


@pytest.fixture(scope="module")
def edges_of(pack, surfaces):
    """Per profile: the faces' boundaries (prepared), for the tolerance band of the agreement test."""
    out = {}
    for name, s in surfaces.items():
        lines = shapely.union_all(shapely.boundary(np.asarray(s.faces.geometry.values, dtype=object)))
        shapely.prepare(lines)
        out[name] = lines
    return out


# -- the surface -----------------------------------------------------------------------------------------
def test_surface_covers_the_county_once(pack, surfaces):
    county = pack.county_geometry
    for s in surfaces.values():
        geoms = np.asarray(s.frame.geometry.values, dtype=object)
        assert abs(shapely.area(shapely.union_all(geoms)) - county.area) < 1e-6 * county.area
        assert abs(shapely.area(geoms).sum() - county.area) < 1e-6 * county.area  # no overlaps
        assert set(s.frame.columns) >= {"verdict", "rules", "reasons_zh", "reasons_en", "conditions", "area_km2"}
        assert set(s.frame["verdict"]) <= {"allowed", "restricted", "forbidden"}


def test_quarry_surface(surfaces):
    s = surfaces["mining"]
    areas = s.area_by_verdict()
    assert 0 < areas["restricted"] < 5 and areas["forbidden"] > 1000 and not areas.get("allowed")
    allowed = s.frame[s.frame["verdict"] == "restricted"]  # the blocks: X224 only
    assert set(allowed["rules"]) == {"X224"}
    # the conditions name the block of each allowed area
    assert any("≥ 90% of block CL-MB-01" in c for c in allowed["conditions"])
    forbidden = s.frame[s.frame["verdict"] == "forbidden"]
    codes = {c for text in forbidden["rules"] for c in text.split(",")}
    assert {"X210", "X220", "V230", "L241"} <= codes
    assert all(r.split(" ")[0] in BY_CODE for text in forbidden["reasons_en"] for r in text.split("; "))
    assert s.timings["total_s"] < 10


def test_exploration_outside_blocks_is_forbidden_by_e200(surfaces):
    s = surfaces["exploration"]
    e200 = s.frame[s.frame["rules"] == "E200"]
    assert len(e200) == 1 and e200["verdict"].iloc[0] == "forbidden"
    allowed = s.frame[s.frame["verdict"] == "allowed"]
    assert len(allowed) and all("CL-EB" in c for c in allowed["conditions"])


def test_site_surface_restricted_over_planned_resources(surfaces):
    s = surfaces["site"]
    assert set(s.frame.loc[s.frame["verdict"] == "restricted", "rules"]) == {"S270"}
    assert s.frame.loc[s.frame["verdict"] == "allowed", "conditions"].eq("").all()


def test_footprint_rules_are_conditions_not_drawn(pack):
    local, cross = location_codes(pack, RunOptions(overrides=QUARRY))
    assert not {"E200", "X212", "X213"} & set(local) and not cross
    local, cross = location_codes(pack, RunOptions(overrides=QUARRY, existing=gpd.GeoDataFrame(
        {"id": ["R1"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4549")), "mining")
    assert set(cross) == {"K301", "K302"}  # K300 is for exploration rights


# -- agreement with check (hypothesis) ------------------------------------------------------------------------
def _counted(result) -> list:
    """A check's findings that keep a place from being allowed: the location rules', and a
    footprint rule's outcome about the place (E200 outside every block)."""
    out = []
    for f in result.findings:
        if f.severity not in ("cannot_judge", "restricted", "forbidden"):
            continue
        rule = BY_CODE[f.rule]
        if rule.footprint and not (f.rule in PLACE_OUTCOMES and "nearest_block" in f.facts):
            continue
        out.append(f)
    return out


def _verdict(result) -> str:
    """The verdict of a check counting only :func:`_counted` findings."""
    counted = _counted(result)
    return worst_verdict(VERDICT_OF[f.severity] for f in counted) if counted else "allowed"


def _fired(result) -> tuple[str, ...]:
    """The codes that decide the verdict: the counted findings that give it."""
    verdict = _verdict(result)
    return tuple(f.rule for f in _counted(result) if VERDICT_OF[f.severity] == verdict)


def _agree(pack, surfaces, edges_of, name, fractions):
    s = surfaces[name]
    county = pack.county_geometry
    x0, y0, x1, y1 = county.bounds
    pts = shapely.points([(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)) for fx, fy in fractions])
    keep = shapely.contains(county, pts) & ~shapely.dwithin(pts, edges_of[name], 2 * RADIUS)
    pts = pts[keep]
    if not len(pts):
        return
    discs = shapely.buffer(pts, RADIUS)
    frame = gpd.GeoDataFrame({"id": [f"s{k}" for k in range(len(pts))]}, geometry=discs, crs="EPSG:4549")
    local, _ = location_codes(pack, RunOptions())
    opts = options(pack, PROFILES[name])
    results = check_frame(frame, pack=pack, options=RunOptions(
        overrides=opts.overrides, constraints=opts.constraints, rules=(*local, *PLACE_OUTCOMES), findings="json"))
    tree = shapely.STRtree(np.asarray(s.faces.geometry.values, dtype=object))
    pt_idx, face_idx = tree.query(pts, predicate="within")
    assert len(pt_idx) == len(pts)
    order = np.argsort(pt_idx)
    for k, f in zip(pt_idx[order].tolist(), face_idx[order].tolist(), strict=True):
        face = s.faces.iloc[f]
        got = results[k]
        assert _verdict(got) == face["verdict"], (name, k, _verdict(got), face["verdict"], got.findings)
        assert ",".join(_fired(got)) == face["rules"], (name, _fired(got), face["rules"])


FRACTIONS = st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=60)


@pytest.mark.parametrize("name", list(PROFILES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fractions=FRACTIONS)
def test_surface_agrees_with_check(pack, surfaces, edges_of, name, fractions):
    _agree(pack, surfaces, edges_of, name, fractions)


@pytest.mark.parametrize("name", list(PROFILES))
def test_every_face_agrees_with_check_at_its_probe(pack, surfaces, name):
    """The deterministic half: each face's own probe, checked again through check_frame."""
    s = surfaces[name]
    probes = gpd.GeoDataFrame({"id": [f"f{k}" for k in range(len(s.faces))]}, geometry=s.faces["probe"].values,
                              crs="EPSG:4549")
    local, _ = location_codes(pack, RunOptions())
    opts = options(pack, PROFILES[name])
    results = check_frame(probes, pack=pack, options=RunOptions(
        overrides=opts.overrides, constraints=opts.constraints, rules=(*local, *PLACE_OUTCOMES), findings="json"))
    assert [_verdict(r) for r in results] == s.faces["verdict"].tolist()
    assert [",".join(_fired(r)) for r in results] == s.faces["rules"].tolist()


# -- registry ------------------------------------------------------------------------------------------------
def test_registry_right_takes_its_block(pack, index):
    f = index.features
    block = f[f["role"] == "mining_block"].iloc[0]
    right = shapely.buffer(block.geometry.centroid, 100)
    existing = gpd.GeoDataFrame([{"id": "R-1", "holder": "甲", "right_type": "mining", "mineral": "建筑石料用灰岩",
                                  "method": "open_pit", "status": "granted"}], geometry=[right], crs="EPSG:4549")
    s = surface(pack, RunOptions(overrides=QUARRY, existing=existing))
    faces_in_block = s.faces[shapely.within(shapely.centroid(s.faces["probe"].values), block.geometry)]
    assert len(faces_in_block) >= 2  # the right's outline cuts the block
    assert (faces_in_block["verdict"] == "forbidden").all()
    assert faces_in_block["rules"].str.contains("K301").all()
    on_right = faces_in_block[shapely.within(shapely.centroid(faces_in_block["probe"].values), right)]
    assert on_right["rules"].str.contains("K302").all()
    # the other block is still restricted by X224 alone, and names K301 as a drawn rule no more
    other = s.frame[s.frame["verdict"] == "restricted"]
    assert len(other) == 1 and "K301" not in other["conditions"].iloc[0]


def test_faces_follow_constraint_layers(pack, tmp_path):
    red = gpd.GeoDataFrame({"code": ["RL-1"]}, geometry=[shapely.buffer(pack.county_geometry.centroid, 2000)],
                           crs="EPSG:4549")
    path = tmp_path / "red.geojson"
    red.to_crs("EPSG:4326").to_file(path)
    opts = RunOptions(overrides=SITE, constraints=constraint_layers(pack, [(str(path), "forbidden")]))
    assert len(faces(pack, opts)) > len(faces(pack, RunOptions(overrides=SITE)))
    s = surface(pack, opts)
    c280 = s.frame[s.frame["rules"].str.contains("C280")]
    assert (c280["verdict"] == "forbidden").all()
    assert abs(c280["area_km2"].sum() - red.area.iloc[0] / 1e6) < 0.05


# -- clip -------------------------------------------------------------------------------------------------
def test_clip_keeps_the_block_and_checks_it(pack, index, surfaces):
    f = index.features
    block = f[f["role"] == "mining_block"].iloc[0].geometry
    app = gpd.GeoDataFrame({"id": ["A1"]}, geometry=[shapely.buffer(block, 300)], crs="EPSG:4549")
    (c,) = clip(pack, options(pack, QUARRY), app, surfaces["mining"])
    assert not c.empty and abs(c.kept_km2 - block.area / 1e6) < 0.01
    assert c.kept_km2 + c.removed_km2 == pytest.approx(c.area_km2, abs=1e-5)
    assert "X210" in c.removed_by and c.removed_by["X210"] == pytest.approx(c.removed_km2, rel=0.02)
    assert c.result.verdict == "restricted"
    assert [x.rule for x in c.result.findings if x.severity not in ("pass", "info")] == ["X224"]
    assert {x.rule for x in c.result.findings} >= {"X212", "K302", "K311"}  # footprint and cross rules checked


def test_clip_nothing_left(pack, surfaces):
    far = shapely.buffer(pack.county_geometry.representative_point(), 300)
    app = gpd.GeoDataFrame({"id": ["A2"]}, geometry=[far], crs="EPSG:4549")
    (c,) = clip(pack, options(pack, QUARRY), app, surfaces["mining"])
    assert c.empty and c.result is None and c.kept_km2 == 0
    assert "X210" in c.removed_by


# -- the command -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def test_cli_writes_surface_by_suffix(runner, tmp_path, pack):
    for suffix in (".gpkg", ".geojson", ".parquet", ".shp", ".kml"):
        out = tmp_path / f"surface{suffix}"
        result = runner.invoke(cli, ["where", *QUARRY_ARGS, "-o", str(out), "--lang", "en"])
        assert result.exit_code == 0, result.output
        back = gpd.read_parquet(out) if suffix == ".parquet" else gpd.read_file(out)
        assert len(back) >= 3, suffix
        if suffix in (".gpkg", ".geojson", ".parquet"):
            assert set(back["verdict"]) == {"restricted", "forbidden"}
            assert back["area_km2"].sum() == pytest.approx(pack.county_geometry.area / 1e6, rel=1e-4)
    assert "restricted 0.95 km²" in result.output


def test_cli_json_and_map(runner, tmp_path):
    png, page = tmp_path / "where.png", tmp_path / "where.html"
    result = runner.invoke(cli, ["where", *QUARRY_ARGS, "--format", "json", "--map", str(png)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["area_km2"]["restricted"] == pytest.approx(0.95, abs=0.01)
    assert png.stat().st_size > 50_000
    result = runner.invoke(cli, ["where", "--right-type", "site", "--map", str(page), "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert "mp-rules" in text and "S270" in text


def test_cli_clip(runner, tmp_path, index):
    f = index.features
    block = f[f["role"] == "mining_block"].iloc[1].geometry
    app = tmp_path / "app.geojson"
    gpd.GeoDataFrame({"id": ["Q-1"]}, geometry=[shapely.buffer(block, 250)], crs="EPSG:4549").to_crs(
        "EPSG:4490").to_file(app)
    out = tmp_path / "kept.geojson"
    result = runner.invoke(cli, ["where", *QUARRY_ARGS, "--clip", str(app), "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "X210" in result.output and "check of the kept part: restricted" in result.output
    kept = gpd.read_file(out)
    assert kept["id"].tolist() == ["Q-1"] and kept["verdict"].tolist() == ["restricted"]
    removed = kept["removed_by"].iloc[0]
    assert (removed if isinstance(removed, dict) else json.loads(removed))["X210"] > 0


def test_cli_clip_nothing_left(runner, tmp_path, pack):
    app = tmp_path / "far.geojson"
    gpd.GeoDataFrame({"id": ["F-1"]}, geometry=[shapely.buffer(pack.county_geometry.representative_point(), 200)],
                     crs="EPSG:4549").to_file(app)
    result = runner.invoke(cli, ["where", *QUARRY_ARGS, "--clip", str(app), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "nothing is left" in result.output and "X210" in result.output


def test_cli_bad_suffix(runner, tmp_path):
    result = runner.invoke(cli, ["where", "--right-type", "site", "-o", str(tmp_path / "x.txt")])
    assert result.exit_code == 2 and "unknown format" in result.output


def test_real_subprocess(tmp_path):
    exe = shutil.which("mineplan", path=os.path.dirname(sys.executable)) or shutil.which("mineplan")
    assert exe, "the mineplan console script is not installed"
    env = {k: v for k, v in os.environ.items() if k != "MINEPLAN_DATA"}
    proc = subprocess.run([exe, "where", *QUARRY_ARGS, "-o", "surface.gpkg", "--format", "json"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["area_km2"]["restricted"] == pytest.approx(0.95, abs=0.01)
    assert len(gpd.read_file(tmp_path / "surface.gpkg")) == len(doc["polygons"])


def test_cli_registry(runner, tmp_path, index):
    """A granted right in the registry takes its block from the surface (K301), as check says."""
    f = index.features
    block = f[f["role"] == "mining_block"].iloc[0]
    right = tmp_path / "right.geojson"
    gpd.GeoDataFrame({"id": ["R-9"]}, geometry=[shapely.buffer(block.geometry.centroid, 80)], crs="EPSG:4549").to_crs(
        "EPSG:4490").to_file(right)
    reg = tmp_path / "registry.gpkg"
    added = runner.invoke(cli, ["registry", "--registry", str(reg), "add", str(right), "--right-type", "mining",
                                "--mineral", "建筑石料用灰岩", "--holder", "甲", "--status", "granted"])
    assert added.exit_code == 0, added.output
    result = runner.invoke(cli, ["where", *QUARRY_ARGS, "--registry", str(reg), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    allowed = [p for p in doc["polygons"] if p["verdict"] == "restricted"]
    assert len(allowed) == 1 and block["code"] not in allowed[0]["conditions"]
    taken = [p for p in doc["polygons"] if "K301" in p["rules"]]
    assert taken and all(p["verdict"] == "forbidden" for p in taken)
    assert sum(p["area_km2"] for p in taken) == pytest.approx(block.geometry.area / 1e6, rel=0.01)


def test_rules_name_what_decides_and_no_conditions_without_a_right_type(pack):
    """A mining right with nothing else given: the blocks are restricted (what cannot be judged is
    named), the rest forbidden by X210 alone; without a right type no conditions are listed."""
    s = surface(pack, RunOptions(overrides={"right_type": "mining"}))
    forbidden = s.frame[s.frame["verdict"] == "forbidden"]
    assert forbidden["rules"].tolist() == ["X210"]
    restricted = s.frame[s.frame["verdict"] == "restricted"]
    assert len(restricted) == 2 and all("M100" in r for r in restricted["rules"])
    bare = surface(pack, RunOptions())
    assert set(bare.frame["verdict"]) == {"restricted"} and bare.frame["conditions"].eq("").all()


def test_cli_clip_point_needs_radius(runner, tmp_path, index):
    f = index.features
    centre = f[f["role"] == "mining_block"].iloc[0].geometry.centroid
    app = tmp_path / "pt.geojson"
    gpd.GeoDataFrame({"id": ["P-1"]}, geometry=[centre], crs="EPSG:4549").to_file(app)
    result = runner.invoke(cli, ["where", *QUARRY_ARGS, "--clip", str(app), "--lang", "en"])
    assert result.exit_code == 2 and "--radius" in result.output
    result = runner.invoke(cli, ["where", *QUARRY_ARGS, "--clip", str(app), "--radius", "100", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "P-1: area 0.031" in result.output and "X212" in result.output  # a 100 m disc: 大矿小开


@pytest.mark.parametrize(("applicant", "verdict", "rules"), [(None, "restricted", "K300"), ("甲", "allowed", ""),
                                                             ("乙", "forbidden", "K300")])
def test_exploration_block_held_in_the_registry(pack, index, applicant, verdict, rules):
    """K300 drawn from the registry: the holder may explore the rest of its block, another may not."""
    f = index.features
    block = f[(f["role"] == "exploration_block") & (f["mineral"] == "地热")].iloc[0]
    right = shapely.buffer(block.geometry.centroid, 500)
    existing = gpd.GeoDataFrame([{"id": "E-9", "holder": "甲", "right_type": "exploration", "mineral": "地热",
                                  "status": "granted"}], geometry=[right], crs="EPSG:4549")
    s = surface(pack, RunOptions(overrides={**EXPLORATION, "applicant": applicant}, existing=existing))
    rest = shapely.difference(block.geometry, right)
    row = s.frame[(s.frame["verdict"] == verdict) & (s.frame["rules"] == rules)]
    assert len(row) == 1 and row["area_km2"].iloc[0] == pytest.approx(rest.area / 1e6, rel=1e-3)
    on_right = s.frame[s.frame["rules"].str.contains("K302")]
    assert (on_right["verdict"] == "forbidden").all() and on_right["area_km2"].sum() == pytest.approx(
        right.area / 1e6, rel=1e-3)


def test_clip_by_a_blasting_distance(runner, tmp_path, index):
    """The 钟祥 2024 case: a block cut back by a 300 m blasting distance to houses (a constraint layer)."""
    f = index.features
    block = f[f["role"] == "mining_block"].iloc[0].geometry
    _x0, y0, x1, y1 = block.bounds
    house = shapely.Point(x1 + 100, (y0 + y1) / 2)
    houses = tmp_path / "houses300.gpkg"
    gpd.GeoDataFrame({"code": ["H-1"]}, geometry=[shapely.buffer(house, 300)], crs="EPSG:4549").to_file(houses)
    app = tmp_path / "block.geojson"
    gpd.GeoDataFrame({"id": ["B-1"]}, geometry=[block], crs="EPSG:4549").to_file(app)
    out = tmp_path / "kept.gpkg"
    result = runner.invoke(cli, ["where", *QUARRY_ARGS, "--constraints", str(houses), "--clip", str(app),
                                 "-o", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    (c,) = json.loads(result.stdout)["clip"]
    cut = shapely.intersection(block, shapely.buffer(house, 300)).area / 1e6
    assert c["removed_by"]["C280"] == pytest.approx(cut, rel=0.01)
    assert 0 < c["margin_km2"] < 0.01  # the 2 m band along the forbidden ground round the block
    assert c["kept_km2"] == pytest.approx(block.area / 1e6 - cut - c["margin_km2"], abs=1e-4)
    kept = gpd.read_file(out).geometry.iloc[0]
    assert not kept.intersects(shapely.buffer(house, 300))

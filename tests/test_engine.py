"""The one path: check of an application equals screen of it in every input format; a batch
evaluated on columns equals each row evaluated alone; chunk sizes change nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate

from mineplan.checker import check_file, check_frame
from mineplan.pack import load_pack as _load_pack
from mineplan.screen import screen

CATALOGUE = _load_pack().rule_set.rules

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.geojson"))
LOCAL_RULES = [r for r in CATALOGUE if not r.cross]


def _as_json(findings) -> list:
    return json.loads(json.dumps(findings, ensure_ascii=False))


def _write(frame, path: Path) -> Path:
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_file(path, engine="pyogrio")
    return path


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_check_equals_screen_of_one_application_in_every_format(pack, example, tmp_path):
    report = check_file(example, pack=pack)
    want = [(r.id, r.verdict, _as_json([f.as_dict() for f in r.findings])) for r in report.results]
    frame = gpd.read_file(example)
    for suffix in (".geojson", ".parquet", ".shp", ".gpkg"):
        src = _write(frame if suffix != ".shp" else frame.to_crs("EPSG:4549"), tmp_path / f"in{suffix}")
        assert [(r.id, r.verdict, _as_json([f.as_dict() for f in r.findings]))
                for r in check_file(src, pack=pack).results] == want, suffix
        out = tmp_path / f"out-{suffix[1:]}.parquet"
        screen(src, out, pack=pack, findings="json")
        rows = gpd.read_parquet(out)
        got = [(str(i), v, json.loads(f))
               for i, v, f in zip(rows["id"], rows["verdict"], rows["findings"], strict=True)]
        assert got == want, suffix
        # every finding carries the clause of its rule, as check's JSON does
        for _i, _v, findings in got:
            assert findings and all(f["clause"] == pack.config["catalogue"][f["rule"]]["clause"] for f in findings)


def test_chunk_size_and_findings_form_change_nothing(pack, tmp_path):
    apps = generate(2500, seed=3, pack=pack)
    apps["green_mine"] = apps["green_mine"].astype(object)
    src = tmp_path / "in.parquet"
    apps.to_parquet(src)
    small, big = tmp_path / "small.parquet", tmp_path / "big.parquet"
    screen(src, small, pack=pack, chunk_size=1000, findings="json")
    screen(src, big, pack=pack, chunk_size=100_000, findings="json")
    a, b = gpd.read_parquet(small), gpd.read_parquet(big)
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    cols = tmp_path / "columns.parquet"
    screen(src, cols, pack=pack, chunk_size=1000)  # the default form: a severity column per rule
    c = gpd.read_parquet(cols)
    for key in ("id", "verdict", "worst_rule", "reason_zh", "fired"):
        assert c[key].equals(a[key]), key
    for rule in CATALOGUE:  # the severity columns are the findings' severities
        from_json = [next((f["severity"] for f in json.loads(t) if f["rule"] == rule.code), None)
                     for t in a["findings"]]
        assert [None if pd.isna(v) else v for v in c[f"sev_{rule.code}"]] == from_json, rule.code


# -- a frame evaluated on columns equals each row evaluated alone ---------------------------------
MINERALS = [None, "建筑石料用灰岩", "地热", "矿泉水", "油页岩", "膨润土", "花岗岩", "建筑用砂", "水泥用石灰岩", "铜矿"]


@st.composite
def application(draw, bounds):
    minx, miny, maxx, maxy = bounds
    x = draw(st.floats(minx, maxx))
    y = draw(st.floats(miny, maxy))
    size = draw(st.floats(20, 3000))
    kind = draw(st.sampled_from(["point", "line", "box", "holed", "multi"]))
    if kind == "point":
        geom = shapely.Point(x, y)
    elif kind == "line":
        geom = shapely.LineString([(x, y), (x + size, y + size / 2), (x + size * 1.5, y - size)])
    elif kind == "box":
        geom = shapely.box(x, y, x + size, y + size * draw(st.floats(0.2, 3)))
    elif kind == "holed":
        geom = shapely.box(x, y, x + size, y + size).difference(shapely.box(x + size / 4, y + size / 4, x + size / 2,
                                                                           y + size / 2))
    else:
        geom = shapely.MultiPolygon([shapely.box(x, y, x + size, y + size),
                                     shapely.box(x + 2 * size, y, x + 3 * size, y + size)])
    right = draw(st.sampled_from([None, "exploration", "mining", "site"]))
    attrs = {"right_type": right, "mineral": draw(st.sampled_from(MINERALS)) if right != "site" else None,
             "method": draw(st.sampled_from([None, "open_pit", "underground", "well"])),
             "stage": draw(st.sampled_from([None, "普查", "详查", "勘探"])),
             "annual_output": draw(st.sampled_from([None, 3.0, 60.0, 250.0])),
             "output_unit": draw(st.sampled_from([None, "万吨/年", "万立方米/年"])),
             "licence_years": draw(st.sampled_from([None, 5.0, 15.0])),
             "green_mine": draw(st.sampled_from([None, True, False])),
             "grant": draw(st.sampled_from([None, "挂牌", "协议"])),
             "applicant": draw(st.sampled_from([None, "甲", "乙"]))}
    return attrs, geom


def _summary(result):
    return result.verdict, result.error, [(f.rule, f.severity, f.message_en, f.facts) for f in result.findings]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_columns_equal_each_row_alone(pack, data):
    rows = data.draw(st.lists(application(pack.county_geometry.bounds), min_size=1, max_size=12))
    frame = gpd.GeoDataFrame([a for a, _g in rows], geometry=[g for _a, g in rows], crs="EPSG:4549")
    frame["green_mine"] = frame["green_mine"].astype(object)
    together = check_frame(frame, pack=pack, rules=LOCAL_RULES, collect=True)
    for i, result in enumerate(together):
        alone = check_frame(frame.iloc[[i]].reset_index(drop=True), pack=pack, rules=LOCAL_RULES, collect=True)[0]
        assert _summary(result) == _summary(alone)

"""Property tests (hypothesis): batch results equal one-by-one results, and the vectorised
index agrees with plain shapely predicates on random sites."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mineplan.checker import check_frame
from mineplan.index import line_pieces
from mineplan.pack import load_pack as _load_pack

CATALOGUE = _load_pack().rule_set.rules

PER_APPLICATION = [rule for rule in CATALOGUE if not getattr(rule, "cross", False)]
EXAMPLE_FRAMES = sorted(EXAMPLES.glob("*.geojson"))


def _examples():
    frames = [gpd.read_file(path).to_crs("EPSG:4549") for path in EXAMPLE_FRAMES]
    return gpd.GeoDataFrame(gpd.pd.concat(frames, ignore_index=True), crs="EPSG:4549")


ALL = _examples()


def _summary(result):
    return result.verdict, [(f.rule, f.severity, f.message_en, f.facts) for f in result.findings]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations(range(len(ALL))), st.integers(min_value=1, max_value=len(ALL)))
def test_a_batch_gives_each_application_its_own_result(pack, order, size):
    batch = ALL.iloc[list(order)[:size]].reset_index(drop=True)
    together = check_frame(batch, pack=pack, rules=PER_APPLICATION)
    for i, result in enumerate(together):
        alone = check_frame(batch.iloc[[i]].reset_index(drop=True), pack=pack, rules=PER_APPLICATION)[0]
        assert _summary(result) == _summary(alone)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=30))
def test_site_findings_agree_with_shapely(pack, index, fractions):
    minx, miny, maxx, maxy = pack.county_geometry.bounds
    points = [shapely.Point(minx + fx * (maxx - minx), miny + fy * (maxy - miny)) for fx, fy in fractions]
    frame = gpd.GeoDataFrame({"right_type": ["site"] * len(points)}, geometry=points, crs="EPSG:4549")
    planned = index.features[index.features["role"].isin(
        ["exploration_block", "mining_block", "key_exploration_zone", "key_mining_zone"])]
    for point, result in zip(points, check_frame(frame, pack=pack), strict=True):
        by_rule = {f.rule: f for f in result.findings}
        inside_county = pack.county_geometry.covers(point)
        assert (by_rule["B100"].severity == "pass") == inside_county
        covered = {code for code, geom in zip(planned["code"], planned.geometry, strict=True) if geom.covers(point)}
        if covered:
            assert by_rule["S270"].severity == "restricted"
            assert {c["code"] for c in by_rule["S270"].facts["covered"]} == covered
        else:
            assert by_rule["S270"].severity == "pass"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.floats(-0.2, 1.2), st.floats(-0.2, 1.2), st.floats(0, 800)), min_size=1, max_size=20))
def test_nearest_on_line_pieces_equals_the_plain_distance(pack, index, specs):
    # nearest() cuts long lines into pieces for speed: distances and the nearest feature must not change
    minx, miny, maxx, maxy = pack.county_geometry.bounds
    geoms = np.array([shapely.Point(minx + fx * (maxx - minx), miny + fy * (maxy - miny)).buffer(r) if r > 50 else
                      shapely.Point(minx + fx * (maxx - minx), miny + fy * (maxy - miny)) for fx, fy, r in specs])
    for role in ("two_lines", "three_zones", "county", "mining_block"):
        positions = index.positions(role)
        table = index.nearest(geoms, role)
        assert sorted(table["app"]) == list(range(len(geoms)))
        for app, feature, distance in zip(table["app"], table["feature"], table["distance"], strict=True):
            plain = shapely.distance(geoms[app], index.geoms[positions])
            assert distance == pytest.approx(plain.min(), abs=1e-6)
            assert shapely.distance(geoms[app], index.geoms[feature]) == pytest.approx(plain.min(), abs=1e-6)


def test_line_pieces_cover_the_line_exactly():
    line = shapely.LineString([(k, (k * 7) % 5) for k in range(100)])
    pieces, owner = line_pieces(np.array([line, shapely.Point(0, 0)]), 32)
    assert owner.tolist() == [0, 0, 0, 0, 1]
    assert all(shapely.get_num_coordinates(p) <= 32 for p in pieces)
    assert shapely.equals(shapely.line_merge(shapely.union_all(pieces[:4])), line)
    assert sum(shapely.length(pieces[:4])) == pytest.approx(line.length)

"""Property tests (hypothesis): batch results equal one-by-one results, and the vectorised
index agrees with plain shapely predicates on random sites."""

from __future__ import annotations

import geopandas as gpd
import shapely
from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mineplan.checker import check_frame
from mineplan.rules import CATALOGUE

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

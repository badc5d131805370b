"""Pairwise overlaps in bounded memory (mineplan.overlaps), against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import mineplan.overlaps as overlaps
from mineplan.overlaps import TopOverlaps, overlapping_pairs

entries = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 30), st.sampled_from([1.0, 2.0, 2.5, 7.0, 9.0])),
                   max_size=80)


@settings(max_examples=80, deadline=None)
@given(entries, st.integers(1, 4), st.integers(1, 10), st.integers(1, 5), st.integers(1, 6))
def test_top_overlaps_equals_sorting_everything(rows, listed, batch, prune_at, bucket_apps):
    original = overlaps.PRUNE_AT, overlaps.BUCKET_APPS
    overlaps.PRUNE_AT = prune_at  # prune all the time: dropping entries early must not change the answer
    overlaps.BUCKET_APPS = bucket_apps  # 1 to 6 buckets of applications
    try:
        top = TopOverlaps(6, listed)
        for start in range(0, len(rows), batch):
            part = np.array(rows[start:start + batch], dtype=float).reshape(-1, 3)
            app, other = part[:, 0].astype(int), part[:, 1].astype(int)
            top.add(app, other, other, part[:, 2])
        top_of = top.top()
    finally:
        overlaps.PRUNE_AT, overlaps.BUCKET_APPS = original
    for app in range(6):
        mine = sorted((-a, o) for a_, o, a in rows if a_ == app)
        assert top.count[app] == len(mine)
        assert top.total[app] == pytest.approx(-sum(a for a, _ in mine))
        expected = [(o, -a) for a, o in mine[:listed]]
        got = list(zip(*top_of(app), strict=True))
        assert [(int(o), float(a)) for o, a in got] == expected


@pytest.mark.parametrize(("threads", "convex"), [(1, 16), (2, 16), (2, 0)])
def test_overlapping_pairs_in_slices_equal_one_join(monkeypatch, threads, convex):
    # convex=0 sends every pair to GEOS; 16 clips the 16-corner discs in numpy
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 1000, (300, 2)) + np.array([500_000, 4_000_000])  # projected metres
    geoms = shapely.buffer(shapely.points(xy), rng.uniform(10, 80, 300), quad_segs=4)
    geoms[::10] = shapely.difference(geoms[::10], shapely.buffer(shapely.points(xy[::10]), 5))  # holes: GEOS
    monkeypatch.setattr(overlaps, "OVERLAP_SLICE", 17)
    monkeypatch.setattr(overlaps, "MAX_CONVEX_VERTICES", convex)
    assert (overlaps.convex_rings(geoms)[1] > 0).sum() == (270 if convex else 0)
    parts = list(overlapping_pairs(geoms, geoms, lambda a, b: a < b, lambda a, b, ar: ar > 5.0, threads=threads))
    q = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts])
    area = np.concatenate([p[2] for p in parts])
    assert np.all(np.diff(q) >= 0)  # slices come back in query order
    qq, tt = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    ref = {(a, b): shapely.area(shapely.intersection(geoms[a], geoms[b])) for a, b in zip(qq, tt, strict=True) if a < b}
    ref = {k: v for k, v in ref.items() if v > 5.0}
    assert dict(zip(zip(q.tolist(), t.tolist(), strict=True), area.tolist(), strict=True)) == pytest.approx(ref)
    assert len(ref) > 50


corner = st.tuples(st.floats(-50, 50), st.floats(-50, 50))


def _convex(points, dx, dy):
    hull = shapely.convex_hull(shapely.MultiPoint([(x + dx, y + dy) for x, y in points]))
    return hull if hull.geom_type == "Polygon" else shapely.box(dx, dy, dx + 3, dy + 2)


@settings(max_examples=200, deadline=None)
@given(st.lists(corner, min_size=3, max_size=12), st.lists(corner, min_size=3, max_size=12),
       st.floats(-60, 60), st.floats(-60, 60), st.booleans())
def test_convex_overlap_area_equals_geos(pa, pb, dx, dy, clockwise):
    a = _convex(pa, 512_345.0, 4_012_345.0)  # where EPSG:4549 coordinates are
    b = _convex(pb, 512_345.0 + dx, 4_012_345.0 + dy)
    if clockwise:
        b = shapely.Polygon(list(b.exterior.coords)[::-1])
    geoms = np.array([a, b, a])  # a with itself: identical polygons
    rings = overlaps.convex_rings(geoms)
    assert (rings[1] > 0).all()
    got = overlaps.convex_overlap_area(rings[0][[0, 0]], rings[1][[0, 0]], rings[0][[1, 2]], rings[1][[1, 2]])
    want = [shapely.area(shapely.intersection(a, b)), a.area]
    assert got == pytest.approx(want, rel=1e-9, abs=1e-6)


def test_convex_rings_leave_other_shapes_to_geos():
    square = shapely.box(0, 0, 10, 10)
    concave = shapely.Polygon([(0, 0), (10, 0), (10, 10), (5, 2), (0, 10)])
    holed = square.difference(shapely.box(4, 4, 6, 6))
    many = shapely.Point(0, 0).buffer(10, quad_segs=16)  # 64 corners
    geoms = np.array([square, concave, holed, many, shapely.MultiPolygon([square]), shapely.Point(1, 1), None])
    assert overlaps.convex_rings(geoms)[1].tolist() == [4, 0, 0, 0, 0, 0, 0]
    # and the mixed pairs still get GEOS's areas
    q, t = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0])
    rings = overlaps.convex_rings(geoms)
    want = shapely.area(shapely.intersection(geoms[q], geoms[t]))
    assert overlaps.overlap_areas(geoms, geoms, q, t, rings, rings) == pytest.approx(want)

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


@settings(max_examples=60, deadline=None)
@given(entries, st.integers(1, 4), st.integers(1, 10), st.integers(1, 5))
def test_top_overlaps_equals_sorting_everything(rows, listed, batch, prune_at):
    original = overlaps.PRUNE_AT
    overlaps.PRUNE_AT = prune_at  # prune all the time: dropping entries early must not change the answer
    try:
        top = TopOverlaps(6, listed)
        for start in range(0, len(rows), batch):
            part = np.array(rows[start:start + batch], dtype=float).reshape(-1, 3)
            app, other = part[:, 0].astype(int), part[:, 1].astype(int)
            top.add(app, other, other, part[:, 2])
        groups = top.groups()
    finally:
        overlaps.PRUNE_AT = original
    for app in range(6):
        mine = sorted((-a, o) for a_, o, a in rows if a_ == app)
        assert top.count[app] == len(mine)
        assert top.total[app] == pytest.approx(-sum(a for a, _ in mine))
        expected = [(o, -a) for a, o in mine[:listed]]
        got = list(zip(*groups[app], strict=True)) if app in groups else []
        assert [(int(o), float(a)) for o, a in got] == expected


@pytest.mark.parametrize("threads", [1, 2])
def test_overlapping_pairs_in_slices_equal_one_join(monkeypatch, threads):
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 1000, (300, 2))
    geoms = shapely.buffer(shapely.points(xy), rng.uniform(10, 80, 300), quad_segs=4)
    monkeypatch.setattr(overlaps, "OVERLAP_SLICE", 17)
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

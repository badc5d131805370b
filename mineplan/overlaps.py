"""Overlaps among many polygons: which pairs overlap and by how much, in bounded memory.

Rule K302 (no overlapping rights) compares every right of a batch with every other and with the
existing rights. The number of overlapping pairs grows with the square of the density, so the pairs
are never all held: :func:`overlapping_pairs` joins slice by slice (an STRtree query, then the
overlap area of the candidate pairs, on a few threads: shapely and numpy release the GIL), and
:class:`TopOverlaps` keeps per application only what a finding reports — the number of overlaps,
their total area and the ``listed`` largest.

Most rights are simple convex polygons (a handful of corner points). GEOS's general overlay takes
about 12 µs for the intersection of two such squares here; :func:`convex_overlap_area` clips them
against each other (Sutherland–Hodgman) in a loop compiled by numba, on every core, about 0.2 µs a
pair. Any other pair (holes, concave or multi-part shapes, many vertices) goes to GEOS. Both give
the same areas (tested against GEOS to 1e-9).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import shapely

#: query geometries per slice of the join: bounds the candidate pairs and overlay geometries held at once
OVERLAP_SLICE = 500
#: threads that join slices at the same time (shapely releases the GIL in queries and overlays)
THREADS = max(1, min(2, os.cpu_count() or 1))
#: entries buffered by TopOverlaps (over all its buckets) before it drops those below each
#: application's top ``listed``
PRUNE_AT = 4_000_000
#: TopOverlaps's buckets of consecutive applications: at most BUCKETS, at least BUCKET_APPS each
BUCKETS = 64
BUCKET_APPS = 10_000
#: polygons with at most this many corners (no holes, convex) take the numpy clipping path
MAX_CONVEX_VERTICES = 16


#: geometries whose corners are read at once by convex_rings (bounds its temporaries)
RINGS_SLICE = 65_536


def convex_rings(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counter-clockwise corner arrays of the simple convex polygons among ``geoms``: (corners
    (N, V, 2), number of corners (N,)), 0 corners for any geometry that is not a convex polygon
    without holes of at most :data:`MAX_CONVEX_VERTICES` corners (it takes the GEOS path).
    Computed :data:`RINGS_SLICE` geometries at a time: the temporaries are a slice's."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) <= RINGS_SLICE:
        return _convex_rings(geoms)
    parts = [_convex_rings(geoms[s:s + RINGS_SLICE]) for s in range(0, len(geoms), RINGS_SLICE)]
    width = max(p[0].shape[1] for p in parts)
    out = np.zeros((len(geoms), width, 2))
    at = 0
    for corners, _ in parts:
        out[at:at + len(corners), :corners.shape[1]] = corners
        at += len(corners)
    return out, np.concatenate([p[1] for p in parts])


def _convex_rings(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(geoms)
    counts = np.zeros(n, dtype=np.int64)
    if n == 0 or MAX_CONVEX_VERTICES < 3:
        return np.zeros((n, 0, 2)), counts
    present = ~shapely.is_missing(geoms)
    ok = np.zeros(n, dtype=bool)
    ok[present] = shapely.get_type_id(geoms[present]) == 3
    idx = np.flatnonzero(ok)
    ok[idx] = shapely.get_num_interior_rings(geoms[idx]) == 0
    idx = np.flatnonzero(ok)
    rings = shapely.get_exterior_ring(geoms[idx])
    corners = shapely.get_num_coordinates(rings) - 1
    area = shapely.area(geoms[idx])
    good = (corners >= 3) & (corners <= MAX_CONVEX_VERTICES) & (area > 0)
    idx, rings, corners = idx[good], rings[good], corners[good]
    width = int(corners.max()) if len(corners) else 0
    out = np.zeros((n, width, 2))
    if not len(idx):
        return out, counts
    xy, owner = shapely.get_coordinates(rings, return_index=True)
    start = np.r_[0, np.cumsum(corners + 1)[:-1]]
    k = np.arange(len(xy)) - start[owner]  # vertex number within its ring
    keep = k < corners[owner]  # drop each ring's closing vertex
    out[idx[owner[keep]], k[keep]] = xy[keep]
    counts[idx] = corners
    # orient counter-clockwise (clipping keeps the left side of each edge)
    sub = out[idx]
    j = np.arange(width)[None, :]
    valid = j < corners[:, None]
    # the signed area near a local origin: at millions of metres the products would swamp a sliver's area
    loc = np.where(valid[..., None], sub - sub[:, :1, :], 0.0)
    nxt = np.take_along_axis(loc, ((j + 1) % corners[:, None])[..., None].repeat(2, axis=2), axis=1)
    signed = np.where(valid, loc[..., 0] * nxt[..., 1] - nxt[..., 0] * loc[..., 1], 0.0).sum(axis=1)
    clockwise = signed < 0
    if clockwise.any():
        rev = np.where(valid, (corners[:, None] - 1 - j), j)  # reverse the valid corners, keep the padding
        flipped = np.take_along_axis(sub, rev[..., None].repeat(2, axis=2), axis=1)
        sub[clockwise] = flipped[clockwise]
        out[idx] = sub
    # convex: every corner turns left (near a local origin; collinear corners allowed). The others
    # take the GEOS path.
    loc = sub - sub[:, :1, :]
    nxt = np.take_along_axis(loc, ((j + 1) % corners[:, None])[..., None].repeat(2, axis=2), axis=1)
    prv = np.take_along_axis(loc, ((j - 1) % corners[:, None])[..., None].repeat(2, axis=2), axis=1)
    a, b = loc - prv, nxt - loc
    turn = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    scale = np.where(valid, (a ** 2).sum(axis=2), 0.0).max(axis=1)
    convex = np.where(valid, turn >= -1e-9 * scale[:, None], True).all(axis=1)
    counts[idx[~convex]] = 0
    return out, counts


def convex_overlap_area(a: np.ndarray, na: np.ndarray, b: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """Area of the intersection of convex polygons a[i] and b[i] (corners counter-clockwise,
    padded; ``na``/``nb`` corners each), for every pair."""
    k = np.arange(len(na), dtype=np.int64)
    return _convex_pair_areas(a, np.asarray(na, dtype=np.int64), b, np.asarray(nb, dtype=np.int64), k, k)


#: pairs per block of the compiled clip: each block allocates its scratch corners once
CLIP_BLOCK = 4096


@numba.njit(cache=True, parallel=True, nogil=True)
def _convex_pair_areas(corners_a, count_a, corners_b, count_b, qa, tb):  # pragma: no cover (compiled)
    """Sutherland–Hodgman: polygon corners_a[qa[k]] clipped by each edge of corners_b[tb[k]],
    then the shoelace area; near a local origin (projected coordinates are millions of metres).
    Compiled by numba and run on every core, in blocks of :data:`CLIP_BLOCK` pairs that each
    allocate their scratch corners once (an allocation per pair cost as much as the clip)."""
    m = len(qa)
    out = np.zeros(m)
    width = corners_a.shape[1] + corners_b.shape[1] + 2
    blocks = (m + CLIP_BLOCK - 1) // CLIP_BLOCK
    for blk in numba.prange(blocks):
        px = np.empty(width)
        py = np.empty(width)
        qx = np.empty(width)
        qy = np.empty(width)
        for k in range(blk * CLIP_BLOCK, min(m, (blk + 1) * CLIP_BLOCK)):
            out[k] = _clip_area(corners_a, count_a, corners_b, count_b, qa[k], tb[k], px, py, qx, qy)
    return out


@numba.njit(cache=True, inline="always")
def _clip_area(corners_a, count_a, corners_b, count_b, i, j, px, py, qx, qy):  # pragma: no cover (compiled)
    """The overlap area of convex polygons corners_a[i] and corners_b[j] (see
    :func:`_convex_pair_areas`), with scratch arrays px, py, qx, qy."""
    na = count_a[i]
    nb = count_b[j]
    if na < 3 or nb < 3:
        return 0.0
    ox = corners_b[j, 0, 0]
    oy = corners_b[j, 0, 1]
    n = na
    for v in range(na):
        px[v] = corners_a[i, v, 0] - ox
        py[v] = corners_a[i, v, 1] - oy
    for e in range(nb):
        e0x = corners_b[j, e, 0] - ox
        e0y = corners_b[j, e, 1] - oy
        e1 = e + 1 if e + 1 < nb else 0
        ex = corners_b[j, e1, 0] - ox - e0x
        ey = corners_b[j, e1, 1] - oy - e0y
        cnt = 0
        prevx = px[n - 1]
        prevy = py[n - 1]
        dprev = ex * (prevy - e0y) - ey * (prevx - e0x)
        for v in range(n):
            cx = px[v]
            cy = py[v]
            d = ex * (cy - e0y) - ey * (cx - e0x)
            if (d >= 0) != (dprev >= 0):
                t = dprev / (dprev - d)
                qx[cnt] = prevx + t * (cx - prevx)
                qy[cnt] = prevy + t * (cy - prevy)
                cnt += 1
            if d >= 0:
                qx[cnt] = cx
                qy[cnt] = cy
                cnt += 1
            prevx = cx
            prevy = cy
            dprev = d
        n = cnt
        for v in range(n):
            px[v] = qx[v]
            py[v] = qy[v]
        if n < 3:
            return 0.0
    twice = 0.0
    for v in range(n):
        w = v + 1 if v + 1 < n else 0
        twice += px[v] * py[w] - px[w] * py[v]
    return abs(twice) / 2


def overlap_areas(queries: np.ndarray, targets: np.ndarray, q: np.ndarray, t: np.ndarray,
                  q_rings=None, t_rings=None) -> np.ndarray:
    """Overlap area of each pair (queries[q[k]], targets[t[k]]): numpy clipping where both are
    simple convex polygons (``*_rings`` from :func:`convex_rings`), GEOS for the rest."""
    area = np.zeros(len(q))
    fast = np.zeros(len(q), dtype=bool)
    if q_rings is not None and t_rings is not None:
        fast = (q_rings[1][q] > 0) & (t_rings[1][t] > 0)
        where = np.flatnonzero(fast)
        if len(where):
            area[where] = _convex_pair_areas(q_rings[0], q_rings[1], t_rings[0], t_rings[1],
                                             q[where].astype(np.int64), t[where].astype(np.int64))
    slow = np.flatnonzero(~fast)
    if len(slow):
        a, b = queries[q[slow]], targets[t[slow]]
        hit = shapely.intersects(a, b)
        area[slow[hit]] = shapely.area(shapely.intersection(a[hit], b[hit]))
    return area


def overlapping_pairs(queries: np.ndarray, targets: np.ndarray,
                      pair_filter: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                      keep: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
                      threads: int | None = None, min_area: float = 0.0,
                      ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield, slice by slice in query order, (query index, target index, overlap area) of the
    pairs that overlap by more than ``min_area``, pass ``pair_filter(q, t)`` (before any overlay)
    and ``keep(q, t, area)``. At most ``threads + 1`` slices are in flight, so memory stays
    bounded whatever the input."""
    tree = shapely.STRtree(targets)
    threads = THREADS if threads is None else max(1, threads)
    q_rings = convex_rings(queries)
    t_rings = q_rings if targets is queries else convex_rings(targets)

    def join(start: int):
        q, t = tree.query(queries[start:start + OVERLAP_SLICE])  # envelopes; the areas decide
        q = q + start
        if pair_filter is not None:
            sel = pair_filter(q, t)
            q, t = q[sel], t[sel]
        area = overlap_areas(queries, targets, q, t, q_rings, t_rings)
        ok = area > min_area
        if keep is not None:
            ok &= keep(q, t, area)
        return q[ok], t[ok], area[ok]

    starts = range(0, len(queries), OVERLAP_SLICE)
    if threads == 1 or len(starts) == 1:
        for start in starts:
            yield join(start)
        return
    with ThreadPoolExecutor(threads) as pool:
        pending: deque = deque()
        for start in starts:
            pending.append(pool.submit(join, start))
            if len(pending) > threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@numba.njit(cache=True)
def _top_k(app, tie, area, n, k):  # pragma: no cover (compiled)
    """Positions of the entries that are among their application's ``k`` largest by area (ties by
    ``tie``), grouped by application in ascending order and sorted within each group, and each
    kept entry's rank in its group. A counting sort by application, then an insertion into each
    group's top k: linear in the entries, where a lexsort of three keys was their n log n."""
    m = len(app)
    counts = np.zeros(n + 1, dtype=np.int64)
    for j in range(m):
        counts[app[j] + 1] += 1
    starts = np.cumsum(counts)
    fill = starts[:-1].copy()
    by_app = np.empty(m, dtype=np.int64)
    for j in range(m):
        by_app[fill[app[j]]] = j
        fill[app[j]] += 1
    kept = np.empty(m, dtype=np.int64)
    rank = np.empty(m, dtype=np.int64)
    out = 0
    best = np.empty(k, dtype=np.int64)
    for a in range(n):
        lo, hi = starts[a], starts[a + 1]
        size = 0
        for p in range(lo, hi):
            j = by_app[p]
            # insert j into best[:size] (largest area first, then smallest tie) if it belongs
            pos = size
            while pos > 0:
                q = best[pos - 1]
                if area[j] > area[q] or (area[j] == area[q] and tie[j] < tie[q]):
                    pos -= 1
                else:
                    break
            if pos >= k:
                continue
            last = size if size < k else k - 1
            for t in range(last, pos, -1):
                best[t] = best[t - 1]
            best[pos] = j
            if size < k:
                size += 1
        for t in range(size):
            kept[out] = best[t]
            rank[out] = t
            out += 1
    return kept[:out], rank[:out]


@numba.njit(cache=True, nogil=True)
def earliest_update(other, other_area, right, left, area):  # pragma: no cover (compiled)
    """For each pair k: where left[k] is lower than other[right[k]], it becomes that right's
    earliest, with area[k] (each pair once, so a minimum has one area)."""
    for k in range(len(right)):
        r = right[k]
        if left[k] < other[r]:
            other[r] = left[k]
            other_area[r] = area[k]


class TopOverlaps:
    """Per application (0..n-1): the count and total area of its overlaps and the ``listed``
    largest, ties broken by ``tie`` (e.g. the rank of the other right's id). Entries that can no
    longer enter an application's top are dropped as they arrive, so memory is about
    ``n * listed`` entries, not the number of pairs."""

    def __init__(self, n: int, listed: int):
        self.n, self.listed = n, listed
        self.count = np.zeros(n, dtype=np.int64)
        self.total = np.zeros(n)
        self._floor = np.full(n, -np.inf)  # the smallest area still in each full top
        # entries are kept in buckets of consecutive applications, pruned one bucket at a time,
        # so a prune's temporaries are a bucket's, not the whole batch's
        self._buckets = max(1, min(BUCKETS, n // BUCKET_APPS))
        self._result = None
        self._parts: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(self._buckets)]
        self._size = np.zeros(self._buckets, dtype=np.int64)
        self._kept = np.zeros(self._buckets, dtype=np.int64)

    def _bucket(self, app: np.ndarray) -> np.ndarray:
        return app.astype(np.int64) * self._buckets // max(self.n, 1)

    def add(self, app: np.ndarray, other: np.ndarray, tie: np.ndarray, area: np.ndarray) -> None:
        if not len(app):
            return
        self.count += np.bincount(app, minlength=self.n)
        self.total += np.bincount(app, weights=area, minlength=self.n)
        may_enter = np.flatnonzero(area >= self._floor[app])
        bucket = self._bucket(app[may_enter])
        order = may_enter[np.argsort(bucket.astype(np.uint8), kind="stable")]  # BUCKETS <= 64: a radix sort
        cuts = np.cumsum(np.bincount(bucket, minlength=self._buckets))[:-1]
        limit = max(PRUNE_AT // self._buckets, 1)
        for b, idx in enumerate(np.split(order, cuts)):
            if not len(idx):
                continue
            self._parts[b].append((app[idx].astype(np.int32), other[idx].astype(np.int32), tie[idx].astype(np.int32),
                                   area[idx]))
            self._size[b] += len(idx)
            if self._size[b] > self._kept[b] + limit:
                self._prune(b)

    def _prune(self, b: int) -> None:
        parts = self._parts[b]
        if not parts:
            return
        app, other, tie, area = (np.concatenate(c) if len(parts) > 1 else c[0] for c in zip(*parts, strict=True))
        parts.clear()
        # per application, its ``listed`` largest (ties by ``tie``), grouped by application in order
        order, rank = _top_k(app.astype(np.int64), tie.astype(np.int64), area, self.n, self.listed)
        app, other, tie, area = app[order], other[order], tie[order], area[order]
        full = rank == self.listed - 1
        self._floor[app[full]] = area[full]
        parts.append((app, other, tie, area))
        self._size[b] = self._kept[b] = len(app)

    def top(self) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
        """A function of an application giving (others, areas) of its top overlaps, largest
        first (arrays; nothing is built per application until asked). Call it once all entries
        are added; it also sets ``largest_other``/``largest_area`` (arrays: each application's
        largest overlap, -1 and 0 for none)."""
        if self._result is not None:
            return self._result
        start = np.zeros(self.n, dtype=np.int64)
        end = np.zeros(self.n, dtype=np.int64)
        self.largest_other = np.full(self.n, -1, dtype=np.int64)
        self.largest_area = np.zeros(self.n)
        kept = []
        for b in range(self._buckets):
            self._prune(b)
            if self._parts[b]:
                app, other, _tie, area = self._parts[b][0]
                self._parts[b] = []
                first = np.flatnonzero(np.r_[True, app[1:] != app[:-1]]) if len(app) else np.zeros(0, dtype=int)
                start[app[first]] = first
                end[app[first]] = np.r_[first[1:], len(app)]
                self.largest_other[app[first]] = other[first]
                self.largest_area[app[first]] = area[first]
                kept.append((other, area))  # the bucket's entries, sorted; its tie column dropped
            else:
                kept.append((np.zeros(0, dtype=np.int32), np.zeros(0)))
        bucket_of = self._bucket(np.arange(self.n))

        def of(k: int) -> tuple[np.ndarray, np.ndarray]:
            other, area = kept[bucket_of[k]]
            return other[start[k]:end[k]], area[start[k]:end[k]]

        self._result = of
        return of

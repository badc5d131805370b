"""Overlaps among many polygons: which pairs overlap and by how much, in bounded memory.

Rule K302 (no overlapping rights) compares every right of a batch with every other and with the
existing rights. The number of overlapping pairs grows with the square of the density, so the pairs
are never all held: :func:`overlapping_pairs` joins slice by slice (an STRtree query, then the
overlap area of the candidate pairs, on a few threads: shapely releases the GIL), and
:class:`TopOverlaps` keeps per application only what a finding reports — the number of overlaps,
their total area and the ``listed`` largest.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

#: query geometries per slice of the join: bounds the candidate pairs and overlay geometries held at once
OVERLAP_SLICE = 20_000
#: threads that join slices at the same time (shapely releases the GIL in queries and overlays)
THREADS = max(1, min(2, os.cpu_count() or 1))
#: entries buffered by TopOverlaps before it drops those below each application's top ``listed``
PRUNE_AT = 2_000_000


def overlapping_pairs(queries: np.ndarray, targets: np.ndarray,
                      pair_filter: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                      keep: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
                      threads: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield, slice by slice in query order, (query index, target index, overlap area) of the
    pairs that intersect, pass ``pair_filter(q, t)`` (before any overlay) and ``keep(q, t, area)``.
    At most ``threads + 1`` slices are in flight, so memory stays bounded whatever the input."""
    tree = shapely.STRtree(targets)
    threads = THREADS if threads is None else max(1, threads)

    def join(start: int):
        q, t = tree.query(queries[start:start + OVERLAP_SLICE], predicate="intersects")
        q = q + start
        if pair_filter is not None:
            sel = pair_filter(q, t)
            q, t = q[sel], t[sel]
        area = shapely.area(shapely.intersection(queries[q], targets[t])) if len(q) else np.zeros(0)
        if keep is not None:
            ok = keep(q, t, area)
            q, t, area = q[ok], t[ok], area[ok]
        return q, t, area

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
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._size = 0
        self._kept = 0

    def add(self, app: np.ndarray, other: np.ndarray, tie: np.ndarray, area: np.ndarray) -> None:
        if not len(app):
            return
        self.count += np.bincount(app, minlength=self.n)
        self.total += np.bincount(app, weights=area, minlength=self.n)
        may_enter = area >= self._floor[app]
        part = (app[may_enter], other[may_enter], tie[may_enter], area[may_enter])
        self._parts.append(part)
        self._size += len(part[0])
        if self._size > self._kept + PRUNE_AT:
            self._prune()

    def _prune(self) -> None:
        if not self._parts:
            return
        app, other, tie, area = (np.concatenate(c) for c in zip(*self._parts, strict=True))
        order = np.lexsort((tie, -area, app))  # per application: largest first, then by tie
        app, other, tie, area = app[order], other[order], tie[order], area[order]
        first = np.r_[True, app[1:] != app[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(app)), 0))
        rank = np.arange(len(app)) - group_start
        top = rank < self.listed
        app, other, tie, area, rank = app[top], other[top], tie[top], area[top], rank[top]
        full = rank == self.listed - 1
        self._floor[app[full]] = area[full]
        self._parts = [(app, other, tie, area)]
        self._size = self._kept = len(app)

    def groups(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Application -> (others, areas) of its top overlaps, largest first."""
        self._prune()
        if not self._parts or not len(self._parts[0][0]):
            return {}
        app, other, _tie, area = self._parts[0]
        starts = np.flatnonzero(np.r_[True, app[1:] != app[:-1]])
        ends = np.r_[starts[1:], len(app)]
        return {int(app[s]): (other[s:e], area[s:e]) for s, e in zip(starts, ends, strict=True)}

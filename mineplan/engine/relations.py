"""Spatial relations between a batch and the plan's layers, computed once and read by every rule.

Each relation is one bulk query of the pack's index (:mod:`mineplan.index`: STRtree, prepared
features, ``covers`` before any intersection, ``dwithin`` for distances), computed the first time a
rule asks for it; a relation nobody asks for is never computed. Results are arrays over the
batch's rows or (row, feature) pairs sorted by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from mineplan.index import SpatialIndex, measure

#: the polygonal planning layers whose overlaps are measured together
PLANNING_ROLES = ("county", "key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block")


@dataclass
class Pairs:
    """(row, feature) pairs with measures, sorted by row, then by ``order`` within a row."""

    app: np.ndarray
    feature: np.ndarray
    values: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def __len__(self) -> int:
        return len(self.app)

    def subset(self, mask: np.ndarray) -> Pairs:
        return Pairs(self.app[mask], self.feature[mask], {k: v[mask] for k, v in self.values.items()})

    def sorted(self, by: str | None = None, descending: bool = False) -> Pairs:
        if by is None:
            order = np.argsort(self.app, kind="stable")
        else:
            key = -self.values[by] if descending else self.values[by]
            order = np.lexsort((key, self.app))
        return Pairs(self.app[order], self.feature[order], {k: v[order] for k, v in self.values.items()})

    def first(self, n: int) -> np.ndarray:
        """Per row (0..n-1): the position of its first pair, -1 for rows without one."""
        out = np.full(n, -1, dtype=np.int64)
        if len(self.app):
            starts = np.flatnonzero(np.r_[True, self.app[1:] != self.app[:-1]])
            out[self.app[starts]] = starts
        return out

    def count(self, n: int) -> np.ndarray:
        return np.bincount(self.app, minlength=n) if len(self.app) else np.zeros(n, dtype=np.int64)

    def groups(self, rows: np.ndarray) -> dict[int, slice]:
        """Row -> the slice of its pairs, for the given rows only (pairs sorted by row)."""
        if not len(self.app):
            return {}
        starts = np.flatnonzero(np.r_[True, self.app[1:] != self.app[:-1]])
        ends = np.r_[starts[1:], len(self.app)]
        keys = self.app[starts]
        pos = np.searchsorted(keys, rows)
        out = {}
        for r, p in zip(np.asarray(rows).tolist(), pos.tolist(), strict=True):
            if p < len(keys) and keys[p] == r:
                out[r] = slice(int(starts[p]), int(ends[p]))
        return out


@dataclass
class Best:
    """Per row: the feature it overlaps most among a role's features (-1: none), with measures."""

    feature: np.ndarray
    overlap: np.ndarray
    app_share: np.ndarray
    feature_share: np.ndarray
    count: np.ndarray

    @property
    def found(self) -> np.ndarray:
        return self.feature >= 0


class Relations:
    """``planning``: measure the overlaps with every planning layer in one search the first time
    any is asked (a chunk's rules and measures ask for all of them); without it, each role is
    searched when asked (the cross rules ask for blocks only)."""

    def __init__(self, index: SpatialIndex, geoms: np.ndarray, usable: np.ndarray, planning: bool = True):
        self.index = index
        self.geoms = np.where(usable, geoms, None)
        self.n = len(geoms)
        self.all_planning = planning
        self._pairs: dict[str, Pairs] = {}
        self._best: dict[str, Best] = {}
        self._within: dict[tuple, Pairs] = {}  # (role, distance, classes, rows) -> pairs

    @cached_property
    def tree(self) -> shapely.STRtree:
        """A tree over the batch, built once: every search queries it with the plan's features."""
        return shapely.STRtree(self.geoms)

    # -- sizes --------------------------------------------------------------------------------
    @cached_property
    def sizes(self) -> np.ndarray:
        return measure(self.geoms)

    @cached_property
    def areas(self) -> np.ndarray:
        return np.nan_to_num(shapely.area(self.geoms))

    @cached_property
    def is_areal(self) -> np.ndarray:
        return self.areas > 0

    # -- overlaps with the planning layers -----------------------------------------------------
    @cached_property
    def planning(self) -> Pairs:
        """Every (row, planning-layer feature) pair that intersects, largest overlap first."""
        return self._overlaps(PLANNING_ROLES)

    def pairs(self, role: str | tuple[str, ...]) -> Pairs:
        """The planning pairs of one role (or several), largest overlap first within a row."""
        key = role if isinstance(role, str) else ",".join(role)
        if key not in self._pairs:
            roles = (role,) if isinstance(role, str) else role
            if self.all_planning or not set(roles) <= set(PLANNING_ROLES):
                feature_roles = self.index.roles[self.planning.feature]
                self._pairs[key] = self.planning.subset(np.isin(feature_roles, roles))
            else:  # only these roles (the cross rules ask for blocks alone)
                self._pairs[key] = self._overlaps(roles)
        return self._pairs[key]

    def _overlaps(self, roles: tuple[str, ...]) -> Pairs:
        table = self.index.overlaps(self.geoms, roles, tree=self.tree)
        pairs = Pairs(table["app"].to_numpy(np.int64), table["feature"].to_numpy(np.int64),
                      {c: table[c].to_numpy() for c in ("overlap", "app_share", "feature_share", "covered")})
        return pairs.sorted("overlap", descending=True)

    def share_inside(self, role: str) -> np.ndarray:
        """Per row: the share of its size inside the role's features (they do not overlap)."""
        pairs = self.pairs(role)
        inside = np.bincount(pairs.app, weights=pairs["app_share"], minlength=self.n) if len(pairs) else np.zeros(
            self.n)
        return np.minimum(inside, 1.0)

    def best(self, role: str) -> Best:
        """Per row: the role's feature it overlaps most (blocks: the block a right is in)."""
        if role not in self._best:
            pairs = self.pairs(role)
            first = pairs.first(self.n)
            has = first >= 0
            f = np.where(has, first, 0)

            def pick(values, fill):
                return np.where(has, values[f], fill) if len(values) else np.full(self.n, fill)

            self._best[role] = Best(pick(pairs.feature, -1).astype(np.int64), pick(pairs["overlap"], 0.0),
                                    pick(pairs["app_share"], 0.0), pick(pairs["feature_share"], np.nan),
                                    pairs.count(self.n))
        return self._best[role]

    def best_per_row(self, roles: np.ndarray) -> Best:
        """Like :meth:`best`, with each row's own role (``roles``, a role name per row): a mining
        right's block is a mining block, or for 探转采 an exploration block."""
        parts = {role: self.best(role) for role in np.unique(roles.astype(str)).tolist()}
        if len(parts) == 1:
            return next(iter(parts.values()))
        out = Best(np.full(self.n, -1, dtype=np.int64), np.zeros(self.n), np.zeros(self.n), np.full(self.n, np.nan),
                   np.zeros(self.n, dtype=np.int64))
        for role, best in parts.items():
            sel = roles == role
            for name in ("feature", "overlap", "app_share", "feature_share", "count"):
                getattr(out, name)[sel] = getattr(best, name)[sel]
        return out

    # -- distances ----------------------------------------------------------------------------
    def visibility(self, rows: np.ndarray | None = None) -> Pairs:
        """(row, "three zones, two lines" feature) pairs within the feature's visibility range,
        nearest first, with ``distance`` and ``limit`` (5.4.2), for ``rows`` (a mask; all rows by
        default)."""
        idx = np.arange(self.n) if rows is None else np.flatnonzero(rows)
        table = self.index.visibility(self.geoms[idx], tree=self.tree if rows is None else None)
        pairs = Pairs(idx[table["app"].to_numpy(np.int64)], table["feature"].to_numpy(np.int64),
                      {"distance": table["distance"].to_numpy(), "limit": table["limit"].to_numpy()})
        return pairs.sorted("distance")

    def within(self, role: str, distance: float, classes: tuple[str, ...] | None = None,
               rows: np.ndarray | None = None, layer: str | None = None) -> Pairs:
        """(row, feature of ``role``) pairs closer than ``distance`` m (``dwithin``), nearest first,
        for ``rows`` (a mask; all rows by default); ``classes`` (and ``layer``) limit the features."""
        key = (role, float(distance), classes, layer, None if rows is None else rows.tobytes())
        if key not in self._within:
            idx = np.arange(self.n) if rows is None else np.flatnonzero(rows)
            table = self.index.within_distance(self.geoms[idx], role, distance,
                                               tree=self.tree if rows is None else None)
            pairs = Pairs(idx[table["app"].to_numpy(np.int64)], table["feature"].to_numpy(np.int64),
                          {"distance": table["distance"].to_numpy()})
            if classes is not None or layer is not None:
                pairs = pairs.subset(np.isin(pairs.feature, self.index.select(role, classes, layer)))
            self._within[key] = pairs.sorted("distance")
        return self._within[key]

    def nearest(self, role: str | tuple[str, ...], rows: np.ndarray,
                classes: tuple[str, ...] | None = None, layer: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """For ``rows`` (a mask): the nearest feature of ``role`` (or of several roles; on a tie
        the lowest feature position) and its distance (feature -1 and NaN elsewhere); ``classes``
        limits the features to those classes. Rules ask it through :class:`LazyNearest`, for the
        rows a finding reports on."""
        feature = np.full(self.n, -1, dtype=np.int64)
        distance = np.full(self.n, np.nan)
        idx = np.flatnonzero(rows)
        if not len(idx):
            return feature, distance
        for r in (role,) if isinstance(role, str) else role:
            if classes is None and layer is None:
                table = self.index.nearest(self.geoms[idx], r)
            else:
                table = self.index.nearest_of_class(self.geoms[idx], r, None if classes is None else tuple(classes),
                                                    layer)
            if not len(table):
                continue
            at = idx[table["app"].to_numpy(np.int64)]
            d = table["distance"].to_numpy(float)
            f = table["feature"].to_numpy(np.int64)
            closer = ~(d > distance[at]) & ~((d == distance[at]) & (f > feature[at]))  # NaN: none yet
            feature[at[closer]] = f[closer]
            distance[at[closer]] = d[closer]
        return feature, distance


class LazyNearest:
    """The nearest feature of some roles (and classes) for the rows a finding is serialised for,
    each row queried once: a fact that costs a tree search is paid only where it is reported."""

    def __init__(self, rel: Relations, roles: str | tuple[str, ...], classes: tuple[str, ...] | None = None,
                 rows: np.ndarray | None = None, layer: str | None = None):
        self.rel, self.roles, self.classes, self.layer = rel, roles, classes, layer
        self.allowed = np.ones(rel.n, dtype=bool) if rows is None else rows
        self._feature = np.full(rel.n, -2, dtype=np.int64)  # -2: not asked yet
        self._distance = np.full(rel.n, np.nan)

    def get(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.asarray(rows, dtype=np.int64)
        todo = rows[(self._feature[rows] == -2) & self.allowed[rows]]
        if len(todo):
            mask = np.zeros(self.rel.n, dtype=bool)
            mask[todo] = True
            f, d = self.rel.nearest(self.roles, mask, self.classes, self.layer)
            self._feature[todo], self._distance[todo] = f[todo], d[todo]
        feature = np.where(self._feature[rows] == -2, -1, self._feature[rows])
        return feature, self._distance[rows]

    def code(self, rows: np.ndarray) -> list:
        feature, _d = self.get(rows)
        return [None if f < 0 else str(self.rel.index.codes[f]) for f in feature.tolist()]

    def name(self, lang: str):
        names = self.rel.index.names_zh if lang == "zh" else self.rel.index.names_en
        return lambda rows: [None if f < 0 else str(names[f]) for f in self.get(rows)[0].tolist()]

    def distance(self, rows: np.ndarray, digits: int | None = 1) -> list:
        d = self.get(rows)[1]
        return [None if np.isnan(v) else (round(float(v), digits) if digits is not None else float(v))
                for v in d.tolist()]

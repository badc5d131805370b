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
    def __init__(self, index: SpatialIndex, geoms: np.ndarray, usable: np.ndarray):
        self.index = index
        self.geoms = np.where(usable, geoms, None)
        self.n = len(geoms)
        self._pairs: dict[str, Pairs] = {}
        self._best: dict[str, Best] = {}
        self._within: dict[tuple, Pairs] = {}

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
        table = self.index.overlaps(self.geoms, PLANNING_ROLES)
        pairs = Pairs(table["app"].to_numpy(np.int64), table["feature"].to_numpy(np.int64),
                      {c: table[c].to_numpy() for c in ("overlap", "app_share", "feature_share", "covered")})
        return pairs.sorted("overlap", descending=True)

    def pairs(self, role: str | tuple[str, ...]) -> Pairs:
        """The planning pairs of one role (or several), largest overlap first within a row."""
        key = role if isinstance(role, str) else ",".join(role)
        if key not in self._pairs:
            roles = (role,) if isinstance(role, str) else role
            feature_roles = self.index.roles[self.planning.feature]
            self._pairs[key] = self.planning.subset(np.isin(feature_roles, roles))
        return self._pairs[key]

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

    # -- distances ----------------------------------------------------------------------------
    @cached_property
    def visibility(self) -> Pairs:
        """(row, "three zones, two lines" feature) pairs within the feature's visibility range,
        nearest first, with ``distance`` and ``limit`` (5.4.2)."""
        table = self.index.visibility(self.geoms)
        pairs = Pairs(table["app"].to_numpy(np.int64), table["feature"].to_numpy(np.int64),
                      {"distance": table["distance"].to_numpy(), "limit": table["limit"].to_numpy()})
        return pairs.sorted("distance")

    def within(self, role: str, distance: float, classes: tuple[str, ...] | None = None) -> Pairs:
        """(row, feature of ``role``) pairs closer than ``distance`` m (``dwithin``), nearest first;
        ``classes`` limits the features to those classes."""
        key = (role, float(distance), classes)
        if key not in self._within:
            table = self.index.within_distance(self.geoms, role, distance)
            pairs = Pairs(table["app"].to_numpy(np.int64), table["feature"].to_numpy(np.int64),
                          {"distance": table["distance"].to_numpy()})
            if classes is not None:
                pairs = pairs.subset(np.isin(self.index.classes[pairs.feature], list(classes)))
            self._within[key] = pairs.sorted("distance")
        return self._within[key]

    def nearest(self, role: str | tuple[str, ...], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For ``rows`` (a mask): the nearest feature of ``role`` (or of several roles) and its
        distance (feature -1 and NaN elsewhere). Asked only for the rows a finding reports on."""
        feature = np.full(self.n, -1, dtype=np.int64)
        distance = np.full(self.n, np.nan)
        idx = np.flatnonzero(rows)
        if not len(idx):
            return feature, distance
        for r in (role,) if isinstance(role, str) else role:
            table = self.index.nearest(self.geoms[idx], r)
            if not len(table):
                continue
            at = idx[table["app"].to_numpy(np.int64)]
            d = table["distance"].to_numpy(float)
            closer = ~(d >= distance[at])  # NaN (none yet) counts as farther
            feature[at[closer]] = table["feature"].to_numpy(np.int64)[closer]
            distance[at[closer]] = d[closer]
        return feature, distance

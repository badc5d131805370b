"""The plan pack's spatial index: every feature of every layer in one place, in the pack's work
CRS (``pack.work_crs``, the ``[plan] crs`` of plan.toml; Changle: EPSG:4549).

Built once per pack. All queries take an array of geometries (already in the work CRS) and answer
for all of them at once with bulk ``STRtree`` queries and shapely 2 array functions; Python
loops run only over the few pairs a bulk query returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import shapely

from mineplan.pack import VISIBILITY_ROLES, PlanPack


def measure(geoms: np.ndarray) -> np.ndarray:
    """Size of each geometry: area for polygons, length for lines, 1 for points (m², m, count)."""
    area = shapely.area(geoms)
    length = shapely.length(geoms)
    return np.where(area > 0, area, np.where(length > 0, length, 1.0))


#: lines are indexed for nearest-feature queries in pieces of at most this many vertices: a
#: distance to a long line costs as much as its vertex count, and the tree then prunes pieces
NEAREST_PIECE_VERTICES = 32


@dataclass
class _RoleTree:
    positions: np.ndarray  # positions into SpatialIndex.features
    tree: shapely.STRtree
    #: for nearest queries: the features with lines cut into pieces, and each piece's feature
    #: (a position into ``positions``)
    piece_tree: shapely.STRtree | None = None
    piece_owner: np.ndarray | None = None

    @classmethod
    def build(cls, positions: np.ndarray, geoms: np.ndarray) -> _RoleTree:
        pieces, owner = line_pieces(geoms, NEAREST_PIECE_VERTICES)
        return cls(positions, shapely.STRtree(geoms), shapely.STRtree(pieces), owner)

    def nearest(self, geoms: np.ndarray) -> pd.DataFrame:
        """For each geometry, the nearest feature (a position into the index) and the distance."""
        if len(self.positions) == 0 or len(geoms) == 0:
            return pd.DataFrame({"app": np.zeros(0, dtype=int), "feature": np.zeros(0, dtype=int),
                                 "distance": np.zeros(0)})
        (app, piece), dist = self.piece_tree.query_nearest(geoms, return_distance=True, all_matches=False)
        return pd.DataFrame({"app": app, "feature": self.positions[self.piece_owner[piece]], "distance": dist})


def line_pieces(geoms: np.ndarray, max_vertices: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut every line of ``geoms`` (LineStrings and the parts of MultiLineStrings) into pieces of
    at most ``max_vertices`` vertices that share their end vertices, so the pieces cover the line
    exactly; other geometries stay whole. Returns (pieces, index of the geometry each came from)."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    out, out_owner = [], []
    step = max(max_vertices - 1, 1)
    for part, k in zip(parts, owner, strict=True):
        if shapely.get_type_id(part) != 1 or shapely.get_num_coordinates(part) <= max_vertices:
            # whole (polygons keep their interior: a point inside is at distance 0)
            out.append(part)
            out_owner.append(k)
            continue
        xy = shapely.get_coordinates(part)
        for start in range(0, len(xy) - 1, step):
            out.append(shapely.linestrings(xy[start:start + step + 1]))
            out_owner.append(k)
    return np.asarray(out, dtype=object), np.asarray(out_owner, dtype=int)


class SpatialIndex:
    """STRtree over all features of a pack (its work CRS), prepared, with visibility buffers."""

    def __init__(self, pack: PlanPack):
        frames = [layer.frame.assign(layer=layer.name, role=layer.role) for layer in pack.layers.values()]
        features = pd.concat(frames, ignore_index=True)
        self.pack = pack
        self.features = features
        self.geoms = np.asarray(features.geometry.values, dtype=object)
        shapely.prepare(self.geoms)
        self.areas = shapely.area(self.geoms)
        # feature attributes as arrays, for rules that look them up for many rows at once
        self.roles = features["role"].to_numpy(dtype=object)
        self.classes = features["class"].to_numpy(dtype=object)
        self.codes = features["code"].astype(str).to_numpy(dtype=object)
        self.names_zh = features["name_zh"].to_numpy(dtype=object)
        self.names_en = features["name_en"].to_numpy(dtype=object)
        self.minerals = features["mineral"].to_numpy(dtype=object)
        self.stages = features["stage"].to_numpy(dtype=object)
        self.resources = pd.to_numeric(features["resource_wm3"], errors="coerce").to_numpy(dtype=float)
        self.tree = shapely.STRtree(self.geoms)
        self._role_trees: dict[str, _RoleTree] = {}
        self._class_trees: dict[tuple, _RoleTree] = {}
        self._minerals: dict[str, set[str]] = {}
        for role in features["role"].unique():
            positions = np.flatnonzero(features["role"].to_numpy() == role)
            self._role_trees[role] = _RoleTree.build(positions, self.geoms[positions])
        # "Three zones, two lines" features with their visibility distance and buffer (5.4.2).
        vis = np.flatnonzero(features["role"].isin(VISIBILITY_ROLES).to_numpy())
        distances = np.array(
            [pack.visibility_distance(c) or 0.0 for c in features["class"].to_numpy()[vis]], dtype=float
        )
        self.visibility_positions = vis
        self.visibility_distances = distances
        self.visibility_buffers = shapely.buffer(self.geoms[vis], distances, quad_segs=16)
        shapely.prepare(self.visibility_buffers)
        self._visibility_tree = shapely.STRtree(self.visibility_buffers)

    # -- queries ------------------------------------------------------------------------
    def positions(self, role: str) -> np.ndarray:
        tree = self._role_trees.get(role)
        return tree.positions if tree else np.array([], dtype=int)

    def overlaps(self, geoms: np.ndarray, roles: tuple[str, ...] | None = None, tree=None) -> pd.DataFrame:
        """Every (application, feature) pair that intersects, with measured overlap.

        Columns: ``app``, ``feature`` (position in :attr:`features`), ``overlap`` (m² for
        polygons; for lines the length inside, for points 1), ``app_share`` (overlap / the
        application's size), ``feature_share`` (overlap area / the feature's area, polygons
        only), ``covered`` (the application lies wholly in the feature, edges included).
        """
        geoms = np.asarray(geoms, dtype=object)
        app, feat = self._query_features(geoms, self._positions_of(roles), "intersects", tree=tree)
        a, f = geoms[app], self.geoms[feat]
        covered = shapely.covers(f, a)  # the prepared feature first: prepared predicates only help there
        size = measure(geoms)[app]
        overlap = size.copy()
        partial = ~covered
        if partial.any():
            overlap[partial] = measure(shapely.intersection(a[partial], f[partial]))
            # a point on the boundary "intersects" and has size 1; a line touching at one point has 0 length
            touching_pts = partial & (shapely.get_type_id(a) == 0)
            overlap[touching_pts] = 1.0
        polygonal = self.areas[feat] > 0
        app_is_area = shapely.area(a) > 0
        feature_share = np.where(polygonal & app_is_area, overlap / np.where(polygonal, self.areas[feat], 1), np.nan)
        return pd.DataFrame(
            {
                "app": app,
                "feature": feat,
                "overlap": overlap,
                "app_share": overlap / size,
                "feature_share": feature_share,
                "covered": covered,
            }
        )

    def _positions_of(self, roles: tuple[str, ...] | str | None) -> np.ndarray:
        if roles is None:
            return np.arange(len(self.geoms))
        roles = (roles,) if isinstance(roles, str) else roles
        return np.concatenate([self.positions(r) for r in roles]) if roles else np.zeros(0, dtype=int)

    def _query_features(self, geoms: np.ndarray, positions: np.ndarray, predicate: str,
                        distance: float | None = None, features: np.ndarray | None = None, tree=None
                        ) -> tuple[np.ndarray, np.ndarray]:
        """(application, feature) pairs for which ``predicate`` holds, answered the fast way round:
        a tree over the applications (``tree``, if the caller keeps one for ``geoms``) queried with
        the features, which are prepared at load (a prepared polygon answers in about a
        microsecond, an unprepared one in tens)."""
        if not len(positions) or not len(geoms):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        tree = shapely.STRtree(geoms) if tree is None else tree
        query = self.geoms[positions] if features is None else features
        kwargs = {"distance": distance} if distance is not None else {}
        local, app = tree.query(query, predicate=predicate, **kwargs)
        order = np.lexsort((positions[local], app))
        return app[order].astype(np.int64), positions[local][order].astype(np.int64)

    def nearest(self, geoms: np.ndarray, role: str) -> pd.DataFrame:
        """For each application, the nearest feature of ``role`` and the distance in metres."""
        rt = self._role_trees.get(role)
        if rt is None:
            return pd.DataFrame({"app": [], "feature": [], "distance": []})
        return rt.nearest(np.asarray(geoms, dtype=object))

    def select(self, role: str, classes: tuple[str, ...] | None = None, layer: str | None = None) -> np.ndarray:
        """Positions of the features of ``role``, of those ``classes`` and that ``layer`` (None: any)."""
        pos = self.positions(role)
        if classes is not None:
            pos = pos[np.isin(self.classes[pos], list(classes))]
        if layer is not None:
            pos = pos[self.features["layer"].to_numpy()[pos] == layer]
        return pos

    def nearest_of_class(self, geoms: np.ndarray, role: str, classes: tuple[str, ...] | None,
                         layer: str | None = None) -> pd.DataFrame:
        """Like :meth:`nearest`, among the features of ``role`` whose class is in ``classes``
        (and of ``layer``)."""
        key = (role, None if classes is None else tuple(sorted(classes)), layer)
        if key not in self._class_trees:
            pos = self.select(role, classes, layer)
            self._class_trees[key] = _RoleTree.build(pos, self.geoms[pos])
        return self._class_trees[key].nearest(np.asarray(geoms, dtype=object))

    def within_distance(self, geoms: np.ndarray, role: str | tuple[str, ...], distance: float,
                        tree=None) -> pd.DataFrame:
        """Every (application, feature of ``role``) pair closer than ``distance`` metres."""
        geoms = np.asarray(geoms, dtype=object)
        app, feat = self._query_features(geoms, self._positions_of(role), "dwithin", distance, tree=tree)
        return pd.DataFrame({"app": app, "feature": feat, "distance": shapely.distance(geoms[app], self.geoms[feat])})

    def visibility(self, geoms: np.ndarray, tree=None) -> pd.DataFrame:
        """Every (application, "three zones, two lines" feature) pair inside the feature's
        visibility buffer (edges included), with the distance and the class's limit."""
        geoms = np.asarray(geoms, dtype=object)
        app, local = self._query_features(geoms, np.arange(len(self.visibility_buffers)), "intersects",
                                          features=self.visibility_buffers, tree=tree)
        feat = self.visibility_positions[local]
        return pd.DataFrame(
            {
                "app": app,
                "feature": feat,
                "distance": shapely.distance(geoms[app], self.geoms[feat]),
                "limit": self.visibility_distances[local],
            }
        )

    @cached_property
    def mining_areas(self) -> np.ndarray:
        """Per feature: a mining block minus the buffers of the pack's setbacks that cut blocks back
        (``cuts_block``: [rules] mining_area = "within_block_after_setbacks"), None for other
        features. Built once, on first use."""
        cuts = [shapely.buffer(self.geoms[self.select(rule.role, rule.classes, rule.layer)], rule.distance,
                               quad_segs=32) for rule in self.pack.rule_set.rules if getattr(rule, "cuts_block", False)]
        zone = shapely.union_all(np.concatenate(cuts)) if cuts else None
        out = np.full(len(self.geoms), None, dtype=object)
        blocks = self.positions("mining_block")
        out[blocks] = self.geoms[blocks] if zone is None else shapely.difference(self.geoms[blocks], zone)
        return out

    def minerals_of(self, role: str) -> set[str]:
        """The minerals the features of ``role`` name (e.g. which minerals have a mining block)."""
        if role not in self._minerals:
            rows = self.features[self.features["role"] == role]
            self._minerals[role] = {m for m in rows["mineral"] if isinstance(m, str)}
        return self._minerals[role]

    @cached_property
    def records(self) -> list[dict]:
        """Every feature's attributes (no geometry), missing values as None; built once."""
        rows = self.features.drop(columns="geometry").to_dict("records")
        return [{k: (None if _isnull(v) else v) for k, v in row.items()} for row in rows]

    def feature(self, position: int) -> dict:
        """The attributes of one feature (no geometry): a list lookup, cheap in per-application loops."""
        return self.records[int(position)]


def _isnull(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


_INDEXES: dict[int, SpatialIndex] = {}


def index_for(pack: PlanPack) -> SpatialIndex:
    """The pack's index, built on first use and kept for the process."""
    key = id(pack)
    if key not in _INDEXES:
        _INDEXES[key] = SpatialIndex(pack)
    return _INDEXES[key]

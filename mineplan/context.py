"""What the rules look at: a batch of applications with their spatial facts, computed once.

Every spatial table is one bulk query over the whole batch (see :mod:`mineplan.index`) and is
computed on first use, so a batch of only exploration rights never pays for the visibility
buffers, and a rule that needs the same table as another reuses it.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import shapely

from mineplan.applications import Application
from mineplan.errors import RuleConfigError
from mineplan.index import SpatialIndex, measure
from mineplan.minerals import MineralCatalog
from mineplan.pack import PlanPack


def group_by_app(table: pd.DataFrame, columns: tuple[str, ...], order_by: str | None = None) -> dict[int, tuple]:
    """Per application, the given columns of its rows as arrays, ordered by ``order_by`` within
    each application (one sort of the whole table instead of a groupby of small frames)."""
    apps = table["app"].to_numpy()
    if not len(apps):
        return {}
    if order_by is None:
        order = np.argsort(apps, kind="stable")  # rows keep their table order within an application
    else:
        order = np.lexsort((table[order_by].to_numpy(), apps))  # by application, then by order_by
    apps = apps[order]
    cols = [table[c].to_numpy()[order] for c in columns]
    starts = np.flatnonzero(np.r_[True, apps[1:] != apps[:-1]])
    ends = np.r_[starts[1:], len(apps)].astype(int)
    return {int(apps[s]): tuple(c[s:e] for c in cols) for s, e in zip(starts, ends, strict=True)}


class CheckContext:
    def __init__(self, pack: PlanPack, index: SpatialIndex, catalog: MineralCatalog,
                 apps: list[Application | None], geoms: np.ndarray, constraints=None, repaired=None,
                 existing=None):
        self.pack = pack
        self.index = index
        self.catalog = catalog
        self.apps = apps
        self.geoms = np.asarray(geoms, dtype=object)
        self.constraints = constraints  # constraint layers: list of (name, title, severity, GeoDataFrame)
        self.repaired = repaired  # per application: its geometry was repaired by make_valid
        self.existing = existing  # rights already granted or pending (GeoDataFrame, EPSG:4549) or None
        self._valid: dict = {}

    # -- configuration -----------------------------------------------------------------
    def param(self, name: str):
        try:
            return self.pack.rules[name]
        except KeyError:
            raise RuleConfigError(f"{self.pack.root / 'plan.toml'}: [rules] has no {name!r}") from None

    def indicator(self, name: str):
        """A value of the plan's indicator table ([indicators] in plan.toml)."""
        try:
            return self.pack.indicators[name]
        except KeyError:
            raise RuleConfigError(f"{self.pack.root / 'plan.toml'}: [indicators] has no {name!r}") from None

    def clause(self, code: str) -> str:
        return self._clauses.get(code, "")

    @cached_property
    def _clauses(self) -> dict[str, str]:
        return {code: entry.get("clause", "") for code, entry in self.pack.config.get("catalogue", {}).items()}

    def valid(self, right_types: tuple[str, ...] | None = None) -> list[tuple[int, Application]]:
        """(position, application) for the usable applications of the given right types."""
        key = right_types if right_types is None else tuple(right_types)
        if key not in self._valid:
            usable = self._valid.get(None)
            if usable is None:
                usable = self._valid[None] = [(i, app) for i, app in enumerate(self.apps)
                                              if app is not None and self.geoms[i] is not None]
            if key is not None:
                self._valid[key] = [(i, app) for i, app in usable if app.right_type in key]
        return self._valid[key]

    # -- sizes -------------------------------------------------------------------------
    @cached_property
    def sizes(self) -> np.ndarray:
        return measure(self.geoms)

    @cached_property
    def areas(self) -> np.ndarray:
        return shapely.area(self.geoms)

    @cached_property
    def is_areal(self) -> np.ndarray:
        return self.areas > 0

    # -- spatial tables ----------------------------------------------------------------
    @cached_property
    def overlaps(self) -> pd.DataFrame:
        """Overlaps with every polygonal planning layer (county, zones, blocks)."""
        roles = ("county", "key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block")
        return self.index.overlaps(self.geoms, roles)

    def overlaps_with(self, role: str) -> pd.DataFrame:
        table = self.overlaps
        roles = self.index.features["role"].to_numpy()[table["feature"].to_numpy()]
        return table[roles == role]

    def share_inside(self, role: str) -> np.ndarray:
        """Per application: the share of its size inside the union of the role's features
        (features of one role do not overlap, so shares add up)."""
        table = self.overlaps_with(role)
        inside = np.zeros(len(self.geoms))
        np.add.at(inside, table["app"].to_numpy(), table["app_share"].to_numpy())
        return np.minimum(inside, 1.0)

    @cached_property
    def visibility(self) -> pd.DataFrame:
        return self.index.visibility(self.geoms)

    def nearest(self, role: str) -> pd.DataFrame:
        key = f"_nearest_{role}"
        if key not in self.__dict__:
            self.__dict__[key] = self.index.nearest(self.geoms, role).set_index("app")
        return self.__dict__[key]

    def nearest_of(self, role: str, i: int) -> tuple[float, int] | None:
        """(distance, feature) of the nearest feature of ``role`` to application ``i`` (a dict
        lookup: rules call it once per application). Rules :meth:`prefetch_nearest` the
        applications they will ask about first, so one bulk query answers them all."""
        full = f"_nearest_map_{role}"
        if full in self.__dict__:
            return self.__dict__[full].get(i)
        if f"_nearest_{role}" in self.__dict__:  # the whole batch's table exists: use it
            table = self.nearest(role)
            self.__dict__[full] = dict(zip(table.index.tolist(), zip(table["distance"].tolist(),
                                      table["feature"].astype(int).tolist(), strict=True), strict=True))
            return self.__dict__[full].get(i)
        cache, done = self._nearest_partial(role)
        if i not in done:
            self.prefetch_nearest(role, [i])
        return cache.get(i)

    def prefetch_nearest(self, role: str, positions) -> None:
        """Find the nearest feature of ``role`` for these applications in one bulk query."""
        if f"_nearest_{role}" in self.__dict__:
            return
        cache, done = self._nearest_partial(role)
        todo = np.array([p for p in positions if p not in done and self.geoms[p] is not None], dtype=int)
        done.update(int(p) for p in positions)
        if not len(todo):
            return
        table = self.index.nearest(self.geoms[todo], role)
        apps = todo[table["app"].to_numpy(dtype=int)]
        cache.update(zip(apps.tolist(), zip(table["distance"].tolist(), table["feature"].astype(int).tolist(),
                                            strict=True), strict=True))

    def _nearest_partial(self, role: str) -> tuple[dict, set]:
        key = f"_nearest_partial_{role}"
        if key not in self.__dict__:
            self.__dict__[key] = ({}, set())
        return self.__dict__[key]

    def feature(self, position: int) -> dict:
        """The attributes of one plan feature (code, name_zh, name_en, mineral, stage, class …)."""
        return self.index.feature(position)

    def railway_distances(self) -> dict[int, tuple[float, int]]:
        """Per application, (distance, feature) of the nearest railway (classes in [rules].railway_classes)."""
        key = "_railways"
        if key not in self.__dict__:
            classes = tuple(self.param("railway_classes"))
            table = self.index.nearest_of_class(self.geoms, "two_lines", classes)
            self.__dict__[key] = dict(zip(table["app"].astype(int).tolist(), zip(
                table["distance"].tolist(), table["feature"].astype(int).tolist(), strict=True), strict=True))
        return self.__dict__[key]

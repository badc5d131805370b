"""What a rule sees: the batch, its spatial relations, the plan pack and the run's options."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineplan.engine.batch import Batch
from mineplan.engine.options import RunOptions
from mineplan.engine.relations import LazyNearest, Relations
from mineplan.errors import RuleConfigError
from mineplan.index import SpatialIndex
from mineplan.minerals import MineralCatalog
from mineplan.pack import PlanPack


@dataclass
class RuleContext:
    pack: PlanPack
    index: SpatialIndex
    catalog: MineralCatalog
    batch: Batch
    rel: Relations
    options: RunOptions

    @property
    def n(self) -> int:
        return self.batch.n

    # -- configuration (the pack decides) -------------------------------------------------------
    def param(self, name: str):
        try:
            return self.pack.rules[name]
        except KeyError:
            raise RuleConfigError(f"{self.pack.root / 'plan.toml'}: [rules] has no {name!r}") from None

    # -- rows ------------------------------------------------------------------------------------
    def rows(self, right_types: tuple[str, ...] | None = None) -> np.ndarray:
        """Mask of the usable rows (of the given right types)."""
        if right_types is None:
            return self.batch.usable
        return self.batch.right_type_is(right_types)

    def mineral_table(self, attribute: str, default=None) -> np.ndarray:
        """Per row: ``attribute`` of the row's mineral in the catalogue (``default`` without one)."""
        import pandas as pd

        table = {name: getattr(m, attribute) for name, m in self.catalog.minerals.items()}
        codes, uniques = pd.factorize(self.batch["mineral"], use_na_sentinel=True)
        values = np.empty(len(uniques) + 1, dtype=object)
        values[:-1] = [table.get(m, default) for m in uniques]
        values[-1] = default  # code -1: no mineral
        return values[codes]

    def feature_names(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(code, name_zh, name_en) of plan features by position (-1 gives None)."""
        ok = features >= 0
        f = np.where(ok, features, 0)

        def pick(values):
            out = np.full(len(features), None, dtype=object)
            if len(values):
                out[ok] = values[f[ok]]
            return out

        return pick(self.index.codes), pick(self.index.names_zh), pick(self.index.names_en)

    def lazy_nearest(self, roles: str | tuple[str, ...], classes: tuple[str, ...] | None = None,
                     rows: np.ndarray | None = None, layer: str | None = None) -> LazyNearest:
        """The nearest feature of ``roles`` (of ``classes``, of ``layer``) as lazy facts: searched
        only for the rows serialised (limited to ``rows``, a mask)."""
        return LazyNearest(self.rel, roles, classes, rows, layer)

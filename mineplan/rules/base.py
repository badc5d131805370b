"""What a rule is: a stable code, titles, the severity it gives, the rights it applies to, its
possible outcomes, and an ``evaluate`` that looks at a whole batch and answers in arrays.

The clause a rule enforces and the plan's own sentence live in the plan pack
(``[catalogue.CODE]`` in plan.toml), so an amended plan or another county is new data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from mineplan.engine.result import FIRE, SEVERITY_RANK, Outcome, RuleResult, cannot

if TYPE_CHECKING:
    from mineplan.engine.context import RuleContext

RIGHT_TYPE_ALL = ("exploration", "mining", "site")

#: outcomes many rules share
NEEDS_AREA = cannot(
    "矿业权范围应为面（拐点圈定的多边形），给出的是点或线；请提供范围或使用 --radius",
    "a right must be given as its boundary polygon, got a point or line (give the boundary or --radius)",
    ("geometry_type",),
)
NO_MINERAL = cannot("未给出矿种", "mineral not given")


class Rule:
    code: ClassVar[str] = ""
    title_zh: ClassVar[str] = ""
    title_en: ClassVar[str] = ""
    #: the severity the rule gives when it fires
    severity: str = "forbidden"
    #: the right types it looks at
    applies_to: ClassVar[tuple[str, ...]] = RIGHT_TYPE_ALL
    #: what the rule checks, in a sentence (for `mineplan rules CODE`)
    what: ClassVar[str] = ""
    #: compares applications with each other: evaluated once over a whole input (cross.py)
    cross: ClassVar[bool] = False
    #: judges the right's own extent (coincide with a block, take the whole block, span two blocks),
    #: not the place: the siting surface lists it as a condition instead of drawing it
    footprint: ClassVar[bool] = False
    #: every way the rule can end for an application, by name
    outcomes: ClassVar[dict[str, Outcome]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.outcome_names = tuple(cls.outcomes)
        cls.outcome_index = {name: k for k, name in enumerate(cls.outcomes)}

    @property
    def outcome_severity(self) -> np.ndarray:
        """Severity rank of each outcome (in ``outcomes`` order)."""
        return np.array([SEVERITY_RANK[self.severity if o.severity == FIRE else o.severity]
                         for o in self.outcomes.values()], dtype=np.int8)

    def outcome(self, k: int) -> Outcome:
        return self.outcomes[self.outcome_names[k]]

    def severity_of(self, k: int) -> str:
        o = self.outcome(k)
        return self.severity if o.severity == FIRE else o.severity

    def evaluate(self, ctx: RuleContext) -> RuleResult:
        raise NotImplementedError

    def result(self, ctx: RuleContext) -> RuleResult:
        return RuleResult(self, ctx.n)

    # -- shared pieces ----------------------------------------------------------------------
    def needs_area(self, ctx: RuleContext, result: RuleResult, rows: np.ndarray) -> np.ndarray:
        """Rows among ``rows`` (a mask) given as a point or line get NEEDS_AREA (the rule must list
        it in its outcomes); returns the mask of the areal ones."""
        flat = rows & ~ctx.rel.is_areal
        if flat.any():
            result.set("needs_area", flat)
            result.fact("geometry_type", ctx.batch.geom_types(flat), rows=flat)
        return rows & ctx.rel.is_areal

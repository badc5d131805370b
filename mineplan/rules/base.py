"""What a rule is: a stable code, titles, the severity it gives, the rights it applies to, the
layer roles and pack parameters it reads, its possible outcomes, and an ``evaluate`` that looks at
a whole batch and answers in arrays.

The clause a rule enforces and the plan's own sentence live in the plan pack
(``[catalogue.CODE]`` in plan.toml), so an amended plan or another county is new data. The pack
also configures each rule (:meth:`Rule.configure`): on or off, its severity, its titles, formatted
from the pack's own values.
"""

from __future__ import annotations

import copy
import string
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from mineplan.engine.result import FIRE, NOT_CHECKED, SEVERITY_RANK, Outcome, RuleResult, cannot
from mineplan.errors import RuleConfigError

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
#: every rule's outcome when the pack has no layer for a role it needs
NO_LAYER = Outcome(NOT_CHECKED, "未检查：规划包中无“{role}”角色的图层", "not checked: no layer for role {role}",
                   ("role",))


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
    #: the layer roles it measures against: without a layer for them (every one, or with
    #: ``any_role`` at least one) the rule reports "not checked" instead of evaluating
    roles: ClassVar[tuple[str, ...]] = ()
    any_role: ClassVar[bool] = False
    #: the ``[rules]`` parameters it reads (``plan validate`` checks an enabled rule has them)
    params: ClassVar[tuple[str, ...]] = ()
    #: the severity of "not checked" (the pack's ``[rules] not_checked_severity``)
    not_checked_severity: str = "cannot_judge"
    #: the pack entry a data-made rule comes from ([[setbacks]], [[indicators]]); its keys feed titles
    entry: dict = {}
    #: every way the rule can end for an application, by name ("no_layer" is added to each)
    outcomes: ClassVar[dict[str, Outcome]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "no_layer" not in cls.outcomes:
            cls.outcomes = {**cls.outcomes, "no_layer": NO_LAYER}
        cls.outcome_names = tuple(cls.outcomes)
        cls.outcome_index = {name: k for k, name in enumerate(cls.outcomes)}

    def _severity(self, o: Outcome) -> str:
        if o.severity == FIRE:
            return self.severity
        return self.not_checked_severity if o.severity == NOT_CHECKED else o.severity

    @property
    def outcome_severity(self) -> np.ndarray:
        """Severity rank of each outcome (in ``outcomes`` order)."""
        return np.array([SEVERITY_RANK[self._severity(o)] for o in self.outcomes.values()], dtype=np.int8)

    def outcome(self, k: int) -> Outcome:
        return self.outcomes[self.outcome_names[k]]

    def severity_of(self, k: int) -> str:
        return self._severity(self.outcome(k))

    # -- configured by the pack ---------------------------------------------------------------
    def title_values(self, pack) -> dict:
        """The values a title template may name: the pack's ``[rules]``, the rule's scope
        (``{minerals}``, joined) and the keys of the pack entry a data-made rule comes from."""
        from mineplan.rules.scope import scope_entry

        scope = scope_entry(pack.rules, self.code)
        minerals = scope.get("minerals", ())
        english = [pack.config.get("minerals", {}).get(m, {}).get("en", m) for m in minerals]
        return {**pack.rules, "minerals": "、".join(minerals), "minerals_en": ", ".join(english), **self.entry}

    def configure(self, pack, entry: dict) -> Rule:
        """A copy of this rule as the pack sets it: ``entry`` is its ``[catalogue.CODE]`` table
        (``severity``, ``title_zh``, ``title_en``); titles are templates over :meth:`title_values`."""
        rule = copy.copy(self)
        where = f"{pack.root / 'plan.toml'}: [catalogue.{self.code}]"
        if "severity" in entry:
            if entry["severity"] not in SEVERITY_RANK:
                raise RuleConfigError(f"{where}: severity {entry['severity']!r} is not one of "
                                      f"{', '.join(SEVERITY_RANK)}")
            rule.severity = entry["severity"]
        rule.not_checked_severity = pack.rules.get("not_checked_severity", "cannot_judge")
        if rule.not_checked_severity not in SEVERITY_RANK:
            raise RuleConfigError(f"{pack.root / 'plan.toml'}: [rules] not_checked_severity "
                                  f"{rule.not_checked_severity!r} is not one of {', '.join(SEVERITY_RANK)}")
        values = rule.title_values(pack)
        for attr in ("title_zh", "title_en"):
            template = entry.get(attr, getattr(rule, attr))
            setattr(rule, attr, format_template(template, values, f"{where} {attr}"))
        return rule

    def missing_roles(self, index) -> tuple[str, ...]:
        """The roles this rule needs that have no feature in the pack's index."""
        missing = tuple(role for role in self.roles if not len(index.positions(role)))
        if self.any_role and len(missing) < len(self.roles):
            return ()
        return missing

    def evaluate(self, ctx: RuleContext) -> RuleResult:
        raise NotImplementedError

    def result(self, ctx: RuleContext) -> RuleResult:
        return RuleResult(self, ctx.n)

    def not_checked(self, ctx: RuleContext, missing: tuple[str, ...]) -> RuleResult:
        """Every row the rule speaks of: "not checked: no layer for role …"."""
        r = self.result(ctx)
        r.set("no_layer", ctx.rows(self.applies_to))
        r.fact("role", " / ".join(missing) if self.any_role else ", ".join(missing))
        return r

    # -- shared pieces ----------------------------------------------------------------------
    def needs_area(self, ctx: RuleContext, result: RuleResult, rows: np.ndarray) -> np.ndarray:
        """Rows among ``rows`` (a mask) given as a point or line get NEEDS_AREA (the rule must list
        it in its outcomes); returns the mask of the areal ones."""
        flat = rows & ~ctx.rel.is_areal
        if flat.any():
            result.set("needs_area", flat)
            result.fact("geometry_type", ctx.batch.geom_types(flat), rows=flat)
        return rows & ctx.rel.is_areal


def format_template(template: str, values: dict, where: str) -> str:
    """``template`` formatted with ``values``; a name the pack lacks is a one-line error."""
    try:
        return string.Formatter().vformat(template, (), values)
    except (KeyError, IndexError, ValueError) as exc:
        raise RuleConfigError(f"{where}: cannot format {template!r}: {exc!r}") from None

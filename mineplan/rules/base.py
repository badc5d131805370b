"""What a rule is: a stable code, titles, the severity it gives, the rights it applies to,
and an ``evaluate`` that looks at a whole batch and yields (application position, finding).

The clause a rule enforces and the plan's own sentence live in the plan pack
(``[catalogue.CODE]`` in plan.toml), so an amended plan or another county is new data.
"""

from __future__ import annotations

from collections.abc import Iterator

from mineplan.context import CheckContext
from mineplan.findings import Finding

RIGHT_TYPE_ALL = ("exploration", "mining", "site")


class Rule:
    code: str = ""
    title_zh: str = ""
    title_en: str = ""
    #: the severity the rule gives when it fires
    severity: str = "forbidden"
    #: the right types it looks at
    applies_to: tuple[str, ...] = RIGHT_TYPE_ALL
    #: what the rule checks, in a sentence (for `mineplan rules CODE`)
    what: str = ""

    def evaluate(self, ctx: CheckContext) -> Iterator[tuple[int, Finding]]:
        raise NotImplementedError

    # -- helpers for findings ------------------------------------------------------------
    def finding(self, ctx: CheckContext, severity: str, zh: str, en: str, **facts) -> Finding:
        return Finding(self.code, severity, ctx.clause(self.code), zh, en, facts)

    def fire(self, ctx: CheckContext, zh: str, en: str, **facts) -> Finding:
        return self.finding(ctx, self.severity, zh, en, **facts)

    def ok(self, ctx: CheckContext, zh: str, en: str, **facts) -> Finding:
        return self.finding(ctx, "pass", zh, en, **facts)

    def cannot(self, ctx: CheckContext, missing_zh: str, missing_en: str, **facts) -> Finding:
        return self.finding(ctx, "cannot_judge", f"无法判定：{missing_zh}", f"cannot judge: {missing_en}", **facts)

    def needs_area(self, ctx: CheckContext, i: int) -> Finding | None:
        """A right is an area: a point or a line cannot be compared with a block."""
        if ctx.is_areal[i]:
            return None
        return self.cannot(
            ctx,
            "矿业权范围应为面（拐点圈定的多边形），给出的是点或线；请提供范围或使用 --radius",
            "a right must be given as its boundary polygon, got a point or line (give the boundary or --radius)",
            geometry_type=ctx.geoms[i].geom_type,
        )

"""Rules that apply to every application: its type, the planning area, prohibited minerals."""

from __future__ import annotations

from mineplan.findings import rounded
from mineplan.rules.base import Rule


class RightTypeGiven(Rule):
    code = "A001"
    title_zh = "申请类型"
    title_en = "Application type"
    severity = "cannot_judge"
    what = "The type of the application (exploration right, mining right or site) decides which rules apply."

    def evaluate(self, ctx):
        for i, app in ctx.valid():
            if app.right_type is None:
                yield i, self.cannot(
                    ctx, "未给出申请类型（探矿权/采矿权/建设项目），仅适用空间规则",
                    "right type not given (exploration, mining or site): only the spatial rules were applied",
                )


class PlanningArea(Rule):
    code = "B100"
    title_zh = "规划范围（县域）"
    title_en = "Inside the planning area (the county)"
    what = ("The plan covers the county's administrative area; a right or site outside it, or straddling "
            "its boundary, is not within this plan's authority.")

    def evaluate(self, ctx):
        share_in = ctx.share_inside("county")
        tolerance = float(ctx.param("max_outside_county_share"))
        ctx.prefetch_nearest("county", [i for i, _app in ctx.valid() if share_in[i] <= 0])
        for i, _app in ctx.valid():
            outside = max(0.0, 1.0 - share_in[i])
            facts = {"share_outside": rounded(outside, 4)}
            if ctx.is_areal[i]:
                facts["area_outside_m2"] = rounded(outside * ctx.areas[i])
            if share_in[i] <= 0:
                dist = ctx.nearest_of("county", i)
                facts["distance_to_county_m"] = rounded(dist[0]) if dist is not None else None
                yield i, self.fire(ctx, "位于县域（规划范围）之外", "outside the county (the planning area)", **facts)
            elif outside > tolerance:
                yield i, self.fire(
                    ctx, f"跨越县界：{outside:.1%} 位于县域之外",
                    f"straddles the county boundary: {outside:.1%} lies outside", **facts,
                )
            else:
                yield i, self.ok(ctx, "位于县域（规划范围）内", "inside the county (the planning area)", **facts)


class ProhibitedMineral(Rule):
    code = "M100"
    title_zh = "禁止勘查开采矿种"
    title_en = "Prohibited mineral"
    applies_to = ("exploration", "mining")
    what = "No exploration or mining of a prohibited mineral anywhere in the county."

    def evaluate(self, ctx):
        for i, app in ctx.valid(self.applies_to):
            if app.mineral is None:
                yield i, self.cannot(ctx, "未给出矿种", "mineral not given")
                continue
            mineral = ctx.catalog.minerals[app.mineral]
            if mineral.prohibited:
                yield i, self.fire(
                    ctx, f"{mineral.name}为本县禁止勘查开采矿种", f"{mineral.en} is a prohibited mineral in the county",
                    mineral=mineral.name,
                )
            else:
                yield i, self.ok(ctx, f"{mineral.name}不属禁止勘查开采矿种", f"{mineral.en} is not prohibited",
                                 mineral=mineral.name)


class GeometryRepaired(Rule):
    code = "F001"
    title_zh = "几何已修复"
    title_en = "Geometry repaired"
    severity = "info"
    what = "With --fix, an invalid geometry is repaired by make_valid and judged as repaired; this says so."

    def evaluate(self, ctx):
        if ctx.repaired is None:
            return
        for i, _app in ctx.valid():
            if ctx.repaired[i]:
                yield i, self.fire(ctx, "输入几何无效，已用 make_valid 修复后判定", "the input geometry was invalid and was "
                                   "repaired with make_valid before judging", area_m2=rounded(ctx.areas[i]))

"""Rules that apply to every application: its type, the planning area, prohibited minerals."""

from __future__ import annotations

import numpy as np

from mineplan.engine.result import Outcome, cannot, fires, passes
from mineplan.rules.base import NO_MINERAL, Rule


class RightTypeGiven(Rule):
    code = "A001"
    title_zh = "申请类型"
    title_en = "Application type"
    severity = "cannot_judge"
    what = "The type of the application (exploration right, mining right or site) decides which rules apply."
    outcomes = {
        "missing": cannot("未给出申请类型（探矿权/采矿权/建设项目），仅适用空间规则",
                          "right type not given (exploration, mining or site): only the spatial rules were applied"),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        r.set("missing", ctx.rows() & (ctx.batch["right_type"] == None))  # noqa: E711
        return r


#: right types that must lie in a planning block: outside the county they cannot (E200, X210)
_RIGHTS = ("exploration", "mining")


class PlanningArea(Rule):
    code = "B100"
    roles = ("county",)
    params = ("max_outside_county_share",)
    title_zh = "规划范围（县域）"
    title_en = "Inside the planning area (the county)"
    what = ("The plan applies to the county's administrative area (Changle's 总则: 适用范围为昌乐县所辖行政区域). An "
            "exploration or mining right must lie in a planning block, so one outside the county or straddling "
            "its boundary is forbidden. Anything else (a construction site, an application of unknown type) "
            "is not judged by this plan where it lies outside the county: wholly outside, it is outside the "
            "plan's scope; straddling, the part outside is not judged (both restricted, with the share and "
            "area outside), and the part inside is judged by the other rules. More than "
            "[rules].max_outside_county_share outside counts as straddling.")
    outcomes = {
        "outside": fires("位于县域（规划范围）之外", "outside the county (the planning area)",
                         ("share_outside", "area_outside_m2", "distance_to_county_m")),
        "straddles": fires("跨越县界：{_outside:.1%} 位于县域之外",
                           "straddles the county boundary: {_outside:.1%} lies outside",
                           ("share_outside", "area_outside_m2")),
        "out_of_scope": Outcome("restricted",
                                "位于县域之外，不属本规划适用范围（{_county_zh}所辖行政区域），本规划未予判定",
                                "outside the county: outside this plan's scope ({_county_en}'s administrative "
                                "area), not judged by this plan",
                                ("share_outside", "area_outside_m2", "distance_to_county_m")),
        "partly_out_of_scope": Outcome("restricted",
                                       "跨越县界：{_outside:.1%} 位于县域之外，该部分不属本规划适用范围"
                                       "（{_county_zh}所辖行政区域），未予判定",
                                       "straddles the county boundary: {_outside:.1%} lies outside the county, "
                                       "outside this plan's scope ({_county_en}'s administrative area), and is "
                                       "not judged",
                                       ("share_outside", "area_outside_m2")),
        "inside": passes("位于县域（规划范围）内", "inside the county (the planning area)",
                         ("share_outside", "area_outside_m2")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = ctx.rows()
        share_in = ctx.rel.share_inside("county")
        outside = np.maximum(0.0, 1.0 - share_in)
        tolerance = float(ctx.param("max_outside_county_share"))
        rights = rows & ctx.batch.right_type_is(_RIGHTS)
        away = rows & (share_in <= 0)
        straddles = rows & ~away & (outside > tolerance)
        r.set("inside", rows)
        r.set("straddles", straddles & rights)
        r.set("outside", away & rights)
        r.set("partly_out_of_scope", straddles & ~rights)
        r.set("out_of_scope", away & ~rights)
        area_outside = np.where(ctx.rel.is_areal, outside * ctx.rel.areas, np.nan)
        r.fact("share_outside", outside, digits=4)
        r.fact("_outside", outside)
        r.fact("_county_zh", ctx.pack.plan.get("county_zh", "县"))
        r.fact("_county_en", ctx.pack.plan.get("county_en", "the county"))
        r.fact("area_outside_m2", area_outside, digits=1)
        r.lazy_fact("distance_to_county_m", ctx.lazy_nearest("county", rows=away).distance)
        return r


class ProhibitedMineral(Rule):
    code = "M100"
    title_zh = "禁止勘查开采矿种"
    title_en = "Prohibited mineral"
    applies_to = ("exploration", "mining")
    what = "No exploration or mining of a prohibited mineral anywhere in the county."
    outcomes = {
        "no_mineral": NO_MINERAL,
        "prohibited": fires("{_mineral_zh}为本县禁止勘查开采矿种",
                            "{_mineral_en} is a prohibited mineral in the county", ("mineral",)),
        "allowed": passes("{_mineral_zh}不属禁止勘查开采矿种", "{_mineral_en} is not prohibited", ("mineral",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = ctx.rows(self.applies_to)
        mineral = ctx.batch["mineral"]
        given = rows & (mineral != None)  # noqa: E711
        prohibited = ctx.mineral_table("prohibited", False).astype(bool)
        r.set("no_mineral", rows & ~given)
        r.set("allowed", given & ~prohibited)
        r.set("prohibited", given & prohibited)
        r.fact("mineral", mineral)
        r.fact("_mineral_zh", mineral)
        r.fact("_mineral_en", ctx.mineral_table("en"))
        return r


class GeometryRepaired(Rule):
    code = "F001"
    title_zh = "几何已修复"
    title_en = "Geometry repaired"
    severity = "info"
    what = "With --fix, an invalid geometry is repaired by make_valid and judged as repaired; this says so."
    outcomes = {
        "repaired": fires("输入几何无效，已用 make_valid 修复后判定",
                          "the input geometry was invalid and was repaired with make_valid before judging",
                          ("area_m2",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        r.set("repaired", ctx.rows() & ctx.batch.repaired)
        r.fact("area_m2", ctx.rel.areas, digits=1)
        return r

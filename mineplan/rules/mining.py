"""Rules on new mines: where open pits may go, scale, minimum output, licence term (4.2.3, 5.3)."""

from __future__ import annotations

from mineplan.applications import Application
from mineplan.context import CheckContext
from mineplan.findings import rounded
from mineplan.rules.base import Rule

UNIT_NAMES = {"wt": ("万吨/年", "10kt/yr"), "wm3": ("万立方米/年", "10k m³/yr")}
_UNIT_OF_TEXT = {"万吨/年": "wt", "万立方米/年": "wm3"}


def output_in(ctx: CheckContext, app: Application, unit: str) -> tuple[float | None, str]:
    """The application's annual output in ``unit`` ("wt" or "wm3"), converted with the
    mineral's density from the plan pack; None with the reason when it cannot be had."""
    if app.annual_output is None:
        return None, "output"
    mineral = ctx.catalog.minerals.get(app.mineral) if app.mineral else None
    given = app.output_unit or (_UNIT_OF_TEXT.get(mineral.unit) if mineral and mineral.unit else None)
    if given is None:
        return None, "unit"
    if given == unit:
        return app.annual_output, ""
    if mineral is None or not mineral.density:
        return None, "density"
    factor = 1 / mineral.density if unit == "wm3" else mineral.density
    return app.annual_output * factor, ""


def _missing_output(rule: Rule, ctx: CheckContext, why: str, app: Application):
    text = {
        "output": ("未给出年开采规模", "annual output not given"),
        "unit": ("未给出规模单位（万吨/年或万立方米/年）", "output unit not given (万吨/年 or 万立方米/年)"),
        "density": (f"规划包中无{app.mineral}的体重，无法换算单位", f"no density for {app.mineral} in the plan pack to convert units"),
    }[why]
    return rule.cannot(ctx, *text)


def is_open_pit_sensitive(rule: Rule, ctx: CheckContext, i: int, app: Application):
    """True for an open-pit mine; a finding when the method is not given; False otherwise."""
    if app.method is None:
        return rule.cannot(ctx, "未给出开采方式（露天/地下/钻井）", "mining method not given (open_pit, underground, well)")
    return app.method == "open_pit"


class SandGravelOutsideKeyZone(Rule):
    code = "X220"
    title_zh = "重点开采区外不得新设砂石类露天采矿项目"
    title_en = "No new open-pit sand/gravel-type mine outside the key mining zone"
    applies_to = ("mining",)
    what = "Open-pit mining of sand/gravel-type minerals (building stone etc.) only inside a key mining zone."

    def evaluate(self, ctx):
        inside = ctx.share_inside("key_mining_zone")
        tol = float(ctx.param("max_outside_block_share"))
        for i, app in ctx.valid(self.applies_to):
            if app.mineral is None:
                yield i, self.cannot(ctx, "未给出矿种", "mineral not given")
                continue
            mineral = ctx.catalog.minerals[app.mineral]
            if not mineral.sand_gravel:
                continue
            open_pit = is_open_pit_sensitive(self, ctx, i, app)
            if open_pit is not True and open_pit is not False:
                yield i, open_pit
                continue
            if not open_pit:
                continue
            outside = 1.0 - inside[i]
            facts = {"share_outside_key_mining_zone": rounded(outside, 4)}
            if outside > tol:
                yield i, self.fire(ctx, f"砂石类露天采矿项目 {outside:.1%} 位于重点开采区之外",
                                   f"open-pit sand/gravel-type mine: {outside:.1%} lies outside the key mining zone", **facts)
            else:
                yield i, self.ok(ctx, "位于重点开采区内", "inside the key mining zone", **facts)


class MediumScale(Rule):
    code = "X221"
    title_zh = "新建矿山规模应达到中型以上"
    title_en = "New mine of at least medium scale"
    applies_to = ("mining",)
    what = ("A new mine's design output must reach the medium class of the national scale table "
            "(国土资发〔2004〕208号, in the plan pack); bounds are inclusive.")

    def evaluate(self, ctx):
        for i, app in ctx.valid(self.applies_to):
            if app.mineral is None:
                yield i, self.cannot(ctx, "未给出矿种", "mineral not given")
                continue
            mineral = ctx.catalog.minerals[app.mineral]
            if mineral.prohibited:
                continue
            if not mineral.scale_table:
                yield i, self.cannot(ctx, f"规划包中无{mineral.name}的规模分类标准", f"no scale table for {mineral.en} in the plan pack")
                continue
            table = ctx.catalog.scale_tables[mineral.scale_table]
            unit = _UNIT_OF_TEXT[table["unit"]]
            value, why = output_in(ctx, app, unit)
            if value is None:
                yield i, _missing_output(self, ctx, why, app)
                continue
            medium, large = float(table["medium"]), float(table["large"])
            scale = "large" if value >= large else "medium" if value >= medium else "small"
            zh_scale = {"large": "大型", "medium": "中型", "small": "小型"}[scale]
            facts = {"output": rounded(value, 3), "unit": table["unit"], "scale": scale,
                     "medium_threshold": medium, "scale_table": mineral.scale_table}
            if scale == "small":
                yield i, self.fire(ctx, f"设计规模 {value:.4g} {table['unit']} 为小型（中型下限 {medium:g}）",
                                   f"design output {value:.4g} {UNIT_NAMES[unit][1]} is small scale (medium from {medium:g})", **facts)
            else:
                yield i, self.ok(ctx, f"设计规模 {value:.4g} {table['unit']}，为{zh_scale}",
                                 f"design output {value:.4g} {UNIT_NAMES[unit][1]}: {scale} scale", **facts)


class LimestoneMinimumOutput(Rule):
    code = "X222"
    title_zh = "建筑石料用灰岩新建矿山最低开采规模"
    title_en = "Minimum output of a new building-stone limestone mine"
    applies_to = ("mining",)
    what = "A new building-stone limestone mine produces at least [rules].limestone_min_output_wt 万吨/年."

    def evaluate(self, ctx):
        minimum = float(ctx.param("limestone_min_output_wt"))
        minerals = set(ctx.param("limestone_min_output_minerals"))
        for i, app in ctx.valid(self.applies_to):
            if app.mineral not in minerals:
                continue
            value, why = output_in(ctx, app, "wt")
            if value is None:
                yield i, _missing_output(self, ctx, why, app)
                continue
            facts = {"output_wt": rounded(value, 3), "minimum_wt": minimum}
            if value < minimum:
                yield i, self.fire(ctx, f"开采规模 {value:.4g} 万吨/年，低于最低 {minimum:g} 万吨/年",
                                   f"output {value:.4g} 10kt/yr is below the minimum {minimum:g}", **facts)
            else:
                yield i, self.ok(ctx, f"开采规模 {value:.4g} 万吨/年，不低于 {minimum:g} 万吨/年",
                                 f"output {value:.4g} 10kt/yr meets the minimum {minimum:g}", **facts)


class LicenceTerm(Rule):
    code = "X223"
    title_zh = "采矿许可证有效期原则上不少于10年"
    title_en = "Mining licence term of at least 10 years (in principle)"
    applies_to = ("mining",)
    severity = "restricted"
    what = "The mining licence is valid, in principle, for at least [rules].min_licence_years years."

    def evaluate(self, ctx):
        minimum = float(ctx.param("min_licence_years"))
        for i, app in ctx.valid(self.applies_to):
            if app.licence_years is None:
                yield i, self.cannot(ctx, "未给出采矿许可证有效期", "licence term not given", minimum_years=minimum)
            elif app.licence_years < minimum:
                yield i, self.fire(ctx, f"有效期 {app.licence_years:g} 年，少于 {minimum:g} 年（原则上）",
                                   f"licence term {app.licence_years:g} years is below {minimum:g} (in principle)",
                                   licence_years=app.licence_years, minimum_years=minimum)
            else:
                yield i, self.ok(ctx, f"有效期 {app.licence_years:g} 年", f"licence term {app.licence_years:g} years",
                                 licence_years=app.licence_years, minimum_years=minimum)

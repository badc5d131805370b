"""Rules on new mines: where open pits may go, scale, minimum output, licence term, output against
the block's resource (4.2.3, 5.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mineplan.engine.result import Outcome, cannot, fires, passes
from mineplan.rules.base import NO_MINERAL, Rule
from mineplan.rules.scope import in_scope

if TYPE_CHECKING:
    from mineplan.engine.context import RuleContext
    from mineplan.engine.result import RuleResult

UNIT_NAMES = {"wt": ("万吨/年", "10kt/yr"), "wm3": ("万立方米/年", "10k m³/yr")}
_UNIT_OF_TEXT = {"万吨/年": "wt", "万立方米/年": "wm3"}

# -- shared outcomes ------------------------------------------------------------------------------
#: the mining method is not given: open-pit rules cannot judge (see :func:`open_pit_rows`)
METHOD_MISSING = cannot("未给出开采方式（露天/地下/钻井）", "mining method not given (open_pit, underground, well)")

#: why an output cannot be had in the unit a rule needs (the ``why`` of :func:`output_in_array`, which
#: is also the outcome's name): a rule puts ``**MISSING_OUTPUT`` in its outcomes and calls
#: :func:`set_missing_output` (the density message needs a ``_mineral`` fact, which it sets)
MISSING_OUTPUT = {
    "output": cannot("未给出年开采规模", "annual output not given"),
    "unit": cannot("未给出规模单位（万吨/年或万立方米/年）", "output unit not given (万吨/年 or 万立方米/年)"),
    "density": cannot("规划包中无{_mineral}的体重，无法换算单位",
                      "no density for {_mineral} in the plan pack to convert units"),
}


def open_pit_rows(ctx: RuleContext, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Among ``rows`` (a mask; default: the usable mining rights): the open-pit mines, and the rows
    whose method is not given (they get :data:`METHOD_MISSING`)."""
    if rows is None:
        rows = ctx.rows(("mining",))
    method = ctx.batch["method"]
    return rows & (method == "open_pit"), rows & (method == None)  # noqa: E711


def output_in_array(ctx: RuleContext, rows: np.ndarray, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """For ``rows`` (a mask): the annual output in ``unit`` ("wt" or "wm3"), converted with the
    mineral's density from the plan pack (NaN where it cannot be had), and why not ("output",
    "unit" or "density"; None where it could be had or outside ``rows``). An output without its
    unit cannot be had: no unit is assumed. Same logic as :func:`output_in`, column-wise."""
    n = ctx.n
    values = np.full(n, np.nan)
    why = np.full(n, None, dtype=object)
    if not rows.any():
        return values, why
    output = np.asarray(ctx.batch["annual_output"], dtype=float)
    missing = rows & np.isnan(output)
    why[missing] = "output"
    rows = rows & ~missing
    # no unit: the scale cannot be judged (never the mineral's usual unit, silently)
    given = np.asarray(ctx.batch["output_unit"], dtype=object)
    no_unit = rows & (given == None)  # noqa: E711
    why[no_unit] = "unit"
    rows = rows & ~no_unit
    same = rows & (given == unit)
    values[same] = output[same]
    convert = rows & ~same
    if convert.any():
        density = np.array(ctx.mineral_table("density"), dtype=float)  # None -> NaN
        no_density = convert & (np.isnan(density) | (density == 0))
        why[no_density] = "density"
        ok = convert & ~no_density
        factor = 1 / density[ok] if unit == "wm3" else density[ok]
        values[ok] = output[ok] * factor
    return values, why


def conversion_density(ctx: RuleContext, rows: np.ndarray, unit: str) -> np.ndarray:
    """Per row of ``rows`` (a mask): the density (t/m³) :func:`output_in_array` converted the output
    with, NaN where it did not convert. Reported as a fact: a density is an assumption."""
    out = np.full(ctx.n, np.nan)
    given = np.asarray(ctx.batch["output_unit"], dtype=object)
    convert = rows & (given != None) & (given != unit)  # noqa: E711
    if convert.any():
        density = np.array(ctx.mineral_table("density"), dtype=float)
        out[convert] = density[convert]
    return out


def set_missing_output(result: RuleResult, ctx: RuleContext, why: np.ndarray) -> np.ndarray:
    """Give the rows of ``why`` (from :func:`output_in_array`) their :data:`MISSING_OUTPUT`
    outcome; returns the mask of those rows."""
    for key in MISSING_OUTPUT:
        result.set(key, why == key)
    result.fact("_mineral", ctx.batch["mineral"])
    return why != None  # noqa: E711


def output_in(ctx, app, unit: str) -> tuple[float | None, str]:
    """One application's annual output in ``unit`` ("wt" or "wm3"), converted with the
    mineral's density from the plan pack; None with the reason when it cannot be had.
    (Used by :mod:`mineplan.indicators`; rules use :func:`output_in_array`.)"""
    if app.annual_output is None:
        return None, "output"
    mineral = ctx.catalog.minerals.get(app.mineral) if app.mineral else None
    given = app.output_unit  # no unit assumed
    if given is None:
        return None, "unit"
    if given == unit:
        return app.annual_output, ""
    if mineral is None or not mineral.density:
        return None, "density"
    factor = 1 / mineral.density if unit == "wm3" else mineral.density
    return app.annual_output * factor, ""


class SandGravelOutsideKeyZone(Rule):
    code = "X220"
    roles = ("key_mining_zone",)
    params = ("max_outside_block_share",)
    title_zh = "重点开采区外不得新设砂石类露天采矿项目"
    title_en = "No new open-pit sand/gravel-type mine outside the key mining zone"
    applies_to = ("mining",)
    what = ("No new open-pit mine of a sand/gravel-type mineral (building stone etc.: the minerals marked "
            "sand_gravel in the pack) outside a key mining zone (new mines: [rules.scope.X220]).")
    outcomes = {
        "no_mineral": NO_MINERAL,
        "no_method": METHOD_MISSING,
        "outside": fires("砂石类露天采矿项目 {_outside:.1%} 位于重点开采区之外",
                         "open-pit sand/gravel-type mine: {_outside:.1%} lies outside the key mining zone",
                         ("share_outside_key_mining_zone",)),
        "inside": passes("位于重点开采区内", "inside the key mining zone", ("share_outside_key_mining_zone",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = in_scope(ctx, self.code, self.applies_to)
        given = rows & (ctx.batch["mineral"] != None)  # noqa: E711
        r.set("no_mineral", rows & ~given)
        sand = given & ctx.mineral_table("sand_gravel", False).astype(bool)
        pit, no_method = open_pit_rows(ctx, sand)
        r.set("no_method", no_method)
        if pit.any():
            outside = 1.0 - ctx.rel.share_inside("key_mining_zone")
            tol = float(ctx.param("max_outside_block_share"))
            r.set("inside", pit)
            r.set("outside", pit & (outside > tol))
            r.fact("share_outside_key_mining_zone", outside, digits=4)
            r.fact("_outside", outside)
        return r


_SCALE_FACTS = ("output", "unit", "scale", "medium_threshold", "scale_table", "density_t_per_m3")
_SCALE_ZH = {"large": "大型", "medium": "中型", "small": "小型"}


class MediumScale(Rule):
    code = "X221"
    title_zh = "新建矿山规模应达到中型以上"
    title_en = "New mine of at least medium scale"
    applies_to = ("mining",)
    what = ("A new mine's design output must reach the medium class of the national scale table "
            "(国土资发〔2004〕208号, in the plan pack); bounds are inclusive. An output converted between 万吨 "
            "and 万立方米 reports the density used.")
    outcomes = {
        "no_mineral": NO_MINERAL,
        "no_scale_table": cannot("规划包中无{_mineral_name}的规模分类标准",
                                 "no scale table for {_mineral_en} in the plan pack"),
        **MISSING_OUTPUT,
        "small": fires("设计规模 {_value:.4g} {unit} 为小型（中型下限 {medium_threshold:g}）",
                       "design output {_value:.4g} {_unit_en} is small scale (medium from {medium_threshold:g})",
                       _SCALE_FACTS),
        "scaled": passes("设计规模 {_value:.4g} {unit}，为{_scale_zh}",
                         "design output {_value:.4g} {_unit_en}: {scale} scale", _SCALE_FACTS),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        n = ctx.n
        rows = in_scope(ctx, self.code, self.applies_to)
        mineral = ctx.batch["mineral"]
        given = rows & (mineral != None)  # noqa: E711
        r.set("no_mineral", rows & ~given)
        judged = given & ~ctx.mineral_table("prohibited", False).astype(bool)
        if not judged.any():
            return r
        table_name = ctx.mineral_table("scale_table")
        has_table = judged & table_name.astype(bool)
        r.set("no_scale_table", judged & ~has_table)
        r.fact("_mineral_name", ctx.mineral_table("name"))
        r.fact("_mineral_en", ctx.mineral_table("en"))
        value = np.full(n, np.nan)
        why = np.full(n, None, dtype=object)
        unit_text = np.full(n, None, dtype=object)
        unit_en = np.full(n, None, dtype=object)
        medium = np.full(n, np.nan)
        large = np.full(n, np.nan)
        density = np.full(n, np.nan)
        for name in dict.fromkeys(table_name[has_table].tolist()):  # a few scale tables
            sel = has_table & (table_name == name)
            table = ctx.catalog.scale_tables[name]
            unit = _UNIT_OF_TEXT[table["unit"]]
            v, w = output_in_array(ctx, sel, unit)
            value[sel], why[sel] = v[sel], w[sel]
            density[sel] = conversion_density(ctx, sel, unit)[sel]
            unit_text[sel], unit_en[sel] = table["unit"], UNIT_NAMES[unit][1]
            medium[sel], large[sel] = float(table["medium"]), float(table["large"])
        missing = set_missing_output(r, ctx, why)
        ok = has_table & ~missing
        scale = np.where(value >= large, "large", np.where(value >= medium, "medium", "small")).astype(object)
        scale[~ok] = None
        r.set("scaled", ok)
        r.set("small", ok & (scale == "small"))
        r.fact("output", value, digits=3)
        r.fact("_value", value)
        r.fact("unit", unit_text)
        r.fact("_unit_en", unit_en)
        r.fact("scale", scale)
        r.fact("_scale_zh", np.array([_SCALE_ZH.get(s) for s in scale.tolist()], dtype=object))
        r.fact("medium_threshold", medium)
        r.fact("scale_table", np.where(ok, table_name, None))
        r.fact("density_t_per_m3", np.where(ok, density, np.nan))
        return r


class MinimumOutput(Rule):
    code = "X222"
    params = ("min_output_wt",)
    title_zh = "{minerals}新建矿山最低开采规模 {min_output_wt:g} 万吨/年"
    title_en = "Minimum output of a new {minerals_en} mine: {min_output_wt:g} 10 kt/yr"
    applies_to = ("mining",)
    what = ("A new mine produces at least [rules].min_output_wt 万吨/年 (only the minerals and mines of "
            "[rules.scope.X222]; Changle: new building-stone limestone mines, 5.3.3).")
    outcomes = {
        **MISSING_OUTPUT,
        "below": fires("开采规模 {_value:.4g} 万吨/年，低于最低 {minimum_wt:g} 万吨/年",
                       "output {_value:.4g} 10kt/yr is below the minimum {minimum_wt:g}",
                       ("output_wt", "minimum_wt", "density_t_per_m3")),
        "meets": passes("开采规模 {_value:.4g} 万吨/年，不低于 {minimum_wt:g} 万吨/年",
                        "output {_value:.4g} 10kt/yr meets the minimum {minimum_wt:g}",
                        ("output_wt", "minimum_wt", "density_t_per_m3")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        minimum = float(ctx.param("min_output_wt"))
        rows = in_scope(ctx, self.code, self.applies_to)
        if not rows.any():
            return r
        value, why = output_in_array(ctx, rows, "wt")
        ok = rows & ~set_missing_output(r, ctx, why)
        r.set("meets", ok)
        r.set("below", ok & (value < minimum))
        r.fact("output_wt", value, digits=3)
        r.fact("_value", value)
        r.fact("minimum_wt", minimum)
        r.fact("density_t_per_m3", np.where(ok, conversion_density(ctx, ok, "wt"), np.nan))
        return r


class LicenceTerm(Rule):
    code = "X223"
    params = ("min_licence_years",)
    title_zh = "采矿许可证有效期原则上不少于{min_licence_years:g}年"
    title_en = "Mining licence term of at least {min_licence_years:g} years (in principle)"
    applies_to = ("mining",)
    severity = "restricted"
    what = ("The mining licence of a new building-stone limestone mine is valid, in principle, for at least "
            "[rules].min_licence_years years (5.3.3 speaks of those mines only: [rules.scope.X223]).")
    outcomes = {
        "missing": cannot("未给出采矿许可证有效期", "licence term not given", ("minimum_years",)),
        "short": fires("有效期 {licence_years:g} 年，少于 {minimum_years:g} 年（原则上）",
                       "licence term {licence_years:g} years is below {minimum_years:g} (in principle)",
                       ("licence_years", "minimum_years")),
        "term": passes("有效期 {licence_years:g} 年", "licence term {licence_years:g} years",
                       ("licence_years", "minimum_years")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        minimum = float(ctx.param("min_licence_years"))
        rows = in_scope(ctx, self.code, self.applies_to)
        years = np.asarray(ctx.batch["licence_years"], dtype=float)
        given = rows & ~np.isnan(years)
        r.set("missing", rows & ~given)
        r.set("term", given)
        r.set("short", given & (years < minimum))
        r.fact("licence_years", years)
        r.fact("minimum_years", minimum)
        return r


_RESOURCE_FACTS = ("block", "resource_wm3", "output_wm3", "licence_years", "output_over_term_wm3",
                   "service_life_years", "density_t_per_m3", "resource_source")


class OutputWithinResource(Rule):
    code = "X224"
    roles = ("mining_block",)
    title_zh = "矿山设计开采规模与矿区储量规模相适应"
    title_en = "Design output commensurate with the block's resource"
    applies_to = ("mining",)
    severity = "restricted"
    what = ("A mining right's design output over its licence term must not exceed the resource the plan "
            "states for its mining block ([resources] in the plan pack, 万立方米; outputs in 万吨 converted "
            "with the mineral's density). The service life (resource ÷ annual output) is reported.")
    outcomes = {
        "no_resource": Outcome("info", "规划未给出区块“{_block_zh}”的资源量：开采规模与资源量未核对",
                               "the plan states no resource for block {_block_en}: output against resource "
                               "not checked", ("block",)),
        "no_mineral": NO_MINERAL,
        **MISSING_OUTPUT,
        "no_term": cannot("未给出采矿许可证有效期，无法核对有效期内采出量（资源量 {resource_wm3:g} 万立方米，"
                          "服务年限约 {_life:.1f} 年）",
                          "licence term not given: output over the term cannot be checked (resource "
                          "{resource_wm3:g} 10k m³, service life about {_life:.1f} years)", _RESOURCE_FACTS),
        "exceeds": fires("有效期 {licence_years:g} 年内采出 {_total:.4g} 万立方米，超过区块“{_block_zh}”的资源量 "
                         "{resource_wm3:g} 万立方米（按年采 {_output:.4g} 万立方米，服务年限约 {_life:.1f} 年）",
                         "{_total:.4g} 10k m³ over the {licence_years:g}-year term exceed block {_block_en}'s "
                         "resource of {resource_wm3:g} 10k m³ (at {_output:.4g} 10k m³/yr the resource lasts "
                         "about {_life:.1f} years)", _RESOURCE_FACTS),
        "fits": passes("有效期 {licence_years:g} 年内采出 {_total:.4g} 万立方米，不超过区块“{_block_zh}”的资源量 "
                       "{resource_wm3:g} 万立方米（服务年限约 {_life:.1f} 年）",
                       "{_total:.4g} 10k m³ over the {licence_years:g}-year term within block {_block_en}'s "
                       "resource of {resource_wm3:g} 10k m³ (service life about {_life:.1f} years)", _RESOURCE_FACTS),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = in_scope(ctx, self.code, self.applies_to)
        mining = ctx.rel.best("mining_block")
        explored = ctx.rel.best("exploration_block")
        feature = np.where(mining.found, mining.feature, explored.feature)
        rows = rows & (feature >= 0)  # a right outside every block: X210 speaks
        if not rows.any():
            return r
        code, zh, en = ctx.feature_names(feature)
        r.fact("block", code)
        r.fact("_block_zh", zh)
        r.fact("_block_en", en)
        table = ctx.pack.config.get("resources", {})
        blocks = pd.Series(code, dtype=object)
        resource = blocks.map({c: float(e["resource_wm3"]) for c, e in table.items()}).to_numpy(dtype=float)
        source = blocks.map({c: e.get("source") for c, e in table.items()}).to_numpy(dtype=object)
        source[pd.isna(source)] = None
        # an official layer may carry the resource as a field (mapped to resource_wm3): used where the
        # pack's [resources] (with the plan's sentence) does not state the block's
        given = ctx.index.resources[np.maximum(feature, 0)]
        has = (feature >= 0) & np.isnan(resource) & ~np.isnan(given)
        resource = np.where(has, given, resource)
        layer = ctx.index.features["layer"].to_numpy(dtype=object)
        source[has] = [f"layer {layer[f]}: resource_wm3" for f in feature[has].tolist()]
        known = rows & ~np.isnan(resource)
        r.set("no_resource", rows & ~known)
        no_mineral = known & (ctx.batch["mineral"] == None)  # noqa: E711
        r.set("no_mineral", no_mineral)  # its density (万吨 -> 万立方米) is unknown
        known &= ~no_mineral
        value, why = output_in_array(ctx, known, "wm3")
        ok = known & ~set_missing_output(r, ctx, why)
        years = np.asarray(ctx.batch["licence_years"], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            life = np.where(ok & (value > 0), resource / value, np.nan)
        total = value * years
        r.set("no_term", ok & np.isnan(years))
        judged = ok & ~np.isnan(years)
        r.set("fits", judged)
        r.set("exceeds", judged & (total > resource))
        r.fact("resource_wm3", np.where(known, resource, np.nan))
        r.fact("resource_source", np.where(known, source, None))
        r.fact("output_wm3", np.where(ok, value, np.nan), digits=3)
        r.fact("_output", value)
        r.fact("licence_years", np.where(judged, years, np.nan))
        r.fact("output_over_term_wm3", np.where(judged, total, np.nan), digits=3)
        r.fact("_total", total)
        r.fact("service_life_years", life, digits=2)
        r.fact("_life", life)
        r.fact("density_t_per_m3", np.where(ok, conversion_density(ctx, ok, "wm3"), np.nan))
        return r

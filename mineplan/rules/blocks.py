"""Rights against the planning blocks: exploration rights (4.2.2(2)) and mining rights (4.2.4(2))."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import shapely

from mineplan.engine.relations import Best, Pairs
from mineplan.engine.result import cannot, fires, passes
from mineplan.errors import RuleConfigError
from mineplan.rules.base import NEEDS_AREA, Rule

#: how a mining right relates to its block ([rules] mining_area)
MINING_AREA_MODES = ("coincide", "within_block_after_setbacks")

# the facts E200 reports on a right that lies in a block (pass or fire alike)
_COINCIDE_FACTS = ("block", "overlap_m2", "share_of_block", "share_of_right", "boundary_offset_m",
                   "offset_tolerance_m", "symmetric_difference_m2", "symmetric_difference_share", "share_cap",
                   "other_blocks")


def convertible_minerals(ctx) -> set[str]:
    """The minerals the plan lets a mine take inside their exploration block (5.3.1 探转采:
    [rules].exploration_to_mining_minerals) and that have an exploration block but no mining block."""
    named = set(ctx.param("exploration_to_mining_minerals"))
    return named & (ctx.index.minerals_of("exploration_block") - ctx.index.minerals_of("mining_block"))


def mining_block_role_array(ctx, minerals: np.ndarray) -> np.ndarray:
    """Per row, the layer its mining right must lie in: "mining_block", or "exploration_block"
    for a mineral the plan converts from exploration to mining (5.3.1 探转采: the pack's
    [rules].exploration_to_mining_minerals, geothermal and mineral water) that has an exploration
    block but no mining block. Any other mineral (oil shale, say) and a row without a mineral get
    "mining_block": an exploration block is no place to mine it."""
    out = np.full(len(minerals), "mining_block", dtype=object)
    for mineral in convertible_minerals(ctx):  # a few minerals; == on an object column is safe with None
        out[minerals == mineral] = "exploration_block"
    return out


def mining_areas(ctx, features: np.ndarray) -> np.ndarray | None:
    """The mining area of each mining block in ``features`` (index positions, -1 for none) when the
    pack says a block is cut back by its setbacks ([rules] mining_area = "within_block_after_setbacks":
    the block minus every [[setbacks]] entry with ``cuts_block``, :attr:`SpatialIndex.mining_areas`);
    None when the mining area is the block itself ("coincide", the default)."""
    mode = ctx.pack.rules.get("mining_area", "coincide")
    if mode not in MINING_AREA_MODES:
        raise RuleConfigError(f"{ctx.pack.root / 'plan.toml'}: [rules] mining_area = {mode!r} is not one of "
                              f"{', '.join(MINING_AREA_MODES)}")
    if mode == "coincide":
        return None
    return np.where(features >= 0, ctx.index.mining_areas[np.maximum(features, 0)], None)


def _boundary_offset(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The largest distance between the boundaries of ``a`` and ``b`` (pairwise; discrete Hausdorff
    distance: every vertex of each boundary to the other boundary), in metres."""
    return shapely.hausdorff_distance(shapely.boundary(a), shapely.boundary(b))


def _feature_attr(values: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """``values`` (a per-feature attribute of the index) by feature position; None for -1 and for
    a feature that does not give it (pandas' NaN)."""
    out = np.full(len(feature), None, dtype=object)
    ok = feature >= 0
    if ok.any():
        out[ok] = values[feature[ok]]
        out[pd.isna(out)] = None
    return out


def _codes_after(ctx, pairs: Pairs, skip: int, join: str | None = None) -> Callable[[np.ndarray], list]:
    """A lazy fact: per row, the codes of its pairs after the first ``skip`` (None when there are
    none), as a list or joined with ``join``."""

    def fn(rows: np.ndarray) -> list:
        groups = pairs.groups(np.asarray(rows))
        out = []
        for row in np.asarray(rows).tolist():
            s = groups.get(row)
            codes = [] if s is None else ctx.index.codes[pairs.feature[s][skip:]].tolist()
            if not codes:
                out.append(None)
            else:
                out.append(codes if join is None else join.join(codes))
        return out

    return fn


def _nearest_blocks(ctx, r, rows: np.ndarray, roles: np.ndarray | str) -> None:
    """Lazy facts ``nearest_block`` and ``distance_m`` for ``rows`` (a mask): the nearest block of
    each row's role (one role for all, or a role per row), searched where the finding is serialised."""
    per_role = {role: ctx.lazy_nearest(role, rows=rows if isinstance(roles, str) else rows & (roles == role))
                for role in ((roles,) if isinstance(roles, str) else ("mining_block", "exploration_block"))}

    def pick(what):
        def fn(sel: np.ndarray) -> list:
            sel = np.asarray(sel, dtype=np.int64)
            out: list = [None] * len(sel)
            for near in per_role.values():
                mine = np.flatnonzero(near.allowed[sel])
                if len(mine):
                    values = near.code(sel[mine]) if what == "code" else near.distance(sel[mine])
                    for k, v in zip(mine.tolist(), values, strict=True):
                        out[k] = v
            return out
        return fn

    r.lazy_fact("nearest_block", pick("code"))
    r.lazy_fact("distance_m", pick("distance"))


def _block_names(ctx, r, feature: np.ndarray) -> None:
    """Facts ``block`` (its code) and the hidden ``_block_zh``/``_block_en`` names for messages."""
    code, zh, en = ctx.feature_names(feature)
    r.fact("block", code)
    r.fact("_block_zh", zh)
    r.fact("_block_en", en)


class ExplorationCoincidesWithBlock(Rule):
    code = "E200"
    roles = ("exploration_block",)
    params = ("coincide_offset_m", "coincide_max_share")
    footprint = True
    title_zh = "探矿权与勘查规划区块范围一致"
    title_en = "Exploration right coincides with an exploration planning block"
    applies_to = ("exploration",)
    what = ("An exploration right must have the extent of one exploration planning block (范围一致). Coincide "
            "is a surveying tolerance: the right's boundary lies within [rules].coincide_offset_m of the "
            "block's and the block's within that distance of the right's (the Hausdorff distance of the two "
            "boundaries), and the symmetric difference of right and block is at most "
            "[rules].coincide_max_share of the block's area (a cap, never the test on its own). The finding "
            "names the tolerance exceeded.")
    outcomes = {
        "needs_area": NEEDS_AREA,
        "outside": fires("不在任何勘查规划区块内", "not in any exploration planning block",
                         ("nearest_block", "distance_m")),
        "coincides": passes("与勘查规划区块“{_block_zh}”范围一致（边界最大偏差 {_offset:.2f} 米，容差 "
                            "{offset_tolerance_m:g} 米）",
                            "coincides with exploration block {_block_en} (boundaries at most {_offset:.2f} m "
                            "apart, tolerance {offset_tolerance_m:g} m)", _COINCIDE_FACTS),
        "differs": fires("与勘查规划区块“{_block_zh}”范围不一致：边界最大偏差 {_offset:.1f} 米（容差 "
                         "{offset_tolerance_m:g} 米），范围差 {_symdiff:,.0f} 平方米（区块的 {_symdiff_share:.2%}，"
                         "上限 {share_cap:.0%}）；超出：{_exceeded_zh}",
                         "does not coincide with exploration block {_block_en}: boundaries up to {_offset:.1f} m "
                         "apart (tolerance {offset_tolerance_m:g} m), symmetric difference {_symdiff:,.0f} m² "
                         "({_symdiff_share:.2%} of the block, cap {share_cap:.0%}); exceeded: {_exceeded_en}",
                         (*_COINCIDE_FACTS, "exceeded")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        offset_tol = float(ctx.param("coincide_offset_m"))
        share_cap = float(ctx.param("coincide_max_share"))
        best = ctx.rel.best("exploration_block")
        areal = self.needs_area(ctx, r, ctx.rows(self.applies_to))
        outside = areal & ~best.found
        inside = areal & best.found
        block_area = np.where(best.found, ctx.index.areas[np.maximum(best.feature, 0)], np.nan)
        symdiff = np.maximum(ctx.rel.areas + block_area - 2 * best.overlap, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            symdiff_share = symdiff / block_area
        over_share = inside & ~(symdiff <= share_cap * block_area)
        # the boundary offset: the largest distance between the two boundaries (discrete Hausdorff:
        # the vertices of each to the other), measured only where it decides (it costs about three
        # intersections a row): boundaries within t of each other leave at most a band of width t
        # along them, so a larger area difference is over the offset without measuring, and a right
        # given with the block's own vertices (each within t) is within it. Elsewhere the fact is
        # measured lazily, for the findings serialised.
        feature = np.maximum(best.feature, 0)
        geoms, block_geoms = ctx.rel.geoms, ctx.index.geoms
        perimeters = shapely.length(geoms) + shapely.length(block_geoms[feature])
        band = offset_tol * np.nan_to_num(perimeters) + np.pi * offset_tol ** 2
        unsure = inside & (symdiff <= band)
        at = np.flatnonzero(unsure)
        if len(at):
            at = at[~shapely.equals_exact(geoms[at], block_geoms[feature[at]], tolerance=offset_tol)]
        offset = np.full(ctx.n, np.nan)
        measured = np.zeros(ctx.n, dtype=bool)
        if len(at):
            offset[at] = _boundary_offset(geoms[at], block_geoms[feature[at]])
            measured[at] = True
        over_offset = (inside & ~unsure) | (offset > offset_tol)  # unsure, unmeasured: the block's vertices

        def offsets(rows) -> np.ndarray:
            """The boundary offset of ``rows``, measured now where it was not (and kept)."""
            rows = np.asarray(rows, dtype=np.int64)
            todo = rows[inside[rows] & ~measured[rows]]
            if len(todo):
                offset[todo] = _boundary_offset(geoms[todo], block_geoms[feature[todo]])
                measured[todo] = True
            return offset[rows]

        r.set("differs", inside)
        r.set("coincides", inside & ~over_offset & ~over_share)
        r.set("outside", outside)
        _nearest_blocks(ctx, r, outside, "exploration_block")
        _block_names(ctx, r, best.feature)
        r.fact("overlap_m2", best.overlap, digits=1)
        r.fact("share_of_block", best.feature_share, digits=4)
        r.fact("share_of_right", best.app_share, digits=4)
        r.lazy_fact("boundary_offset_m", lambda rows: [None if np.isnan(v) else round(float(v), 2)
                                                       for v in offsets(rows).tolist()])
        r.lazy_fact("_offset", lambda rows: [None if np.isnan(v) else float(v) for v in offsets(rows).tolist()])
        r.fact("offset_tolerance_m", offset_tol)
        r.fact("symmetric_difference_m2", symdiff, digits=1)
        r.fact("symmetric_difference_share", symdiff_share, digits=6)
        r.fact("share_cap", share_cap)
        exceeded = np.full(ctx.n, None, dtype=object)
        names = {(True, False): ["boundary_offset"], (False, True): ["share_cap"],
                 (True, True): ["boundary_offset", "share_cap"]}
        zh = {"boundary_offset": "边界偏差容差", "share_cap": "范围差上限"}
        en = {"boundary_offset": "the boundary offset tolerance", "share_cap": "the share cap"}
        for (a, b), which in names.items():
            sel = (over_offset == a) & (over_share == b) & inside
            if sel.any():
                exceeded[sel] = "|".join(which)
        r.lazy_fact("exceeded", lambda rows: [None if v is None else v.split("|") for v in exceeded[rows].tolist()])
        r.lazy_fact("_exceeded_zh", lambda rows: [None if v is None else "、".join(zh[k] for k in v.split("|"))
                                                  for v in exceeded[rows].tolist()])
        r.lazy_fact("_exceeded_en", lambda rows: [None if v is None else " and ".join(en[k] for k in v.split("|"))
                                                  for v in exceeded[rows].tolist()])
        # messages show the unrounded measures
        r.fact("_symdiff", symdiff)
        r.fact("_symdiff_share", symdiff_share)
        r.lazy_fact("other_blocks", _codes_after(ctx, ctx.rel.pairs("exploration_block"), 1))
        return r


class _KeepsMineral(Rule):
    """The right's mineral against its block's (the block found by ``_best``)."""

    applies_to = ("mining",)

    def _best(self, ctx) -> Best:
        raise NotImplementedError

    def evaluate(self, ctx):
        r = self.result(ctx)
        best = self._best(ctx)
        rows = ctx.rows(self.applies_to) & best.found  # a right outside every block: E200/X210 speak
        mineral = ctx.batch["mineral"]
        block_mineral = _feature_attr(ctx.index.minerals, best.feature)
        given = rows & (mineral != None)  # noqa: E711
        differs = given & (mineral != block_mineral)
        r.set("no_mineral", rows & ~given)
        r.set("matches", given & ~differs)
        r.set("differs", differs)
        _block_names(ctx, r, best.feature)
        r.fact("mineral", mineral)
        r.fact("block_mineral", block_mineral)
        return r


class ExplorationKeepsMineral(_KeepsMineral):
    code = "E201"
    roles = ("exploration_block",)
    title_zh = "不得变更勘查矿种"
    title_en = "Exploration right keeps the block's mineral"
    applies_to = ("exploration",)
    what = "An exploration right must be for the mineral its exploration planning block names."
    outcomes = {
        "no_mineral": cannot("未给出矿种", "mineral not given", ("block", "block_mineral")),
        "differs": fires("矿种“{mineral}”与区块“{_block_zh}”的勘查矿种“{block_mineral}”不同",
                         "mineral {mineral} differs from block {_block_en}'s {block_mineral}",
                         ("block", "mineral", "block_mineral")),
        "matches": passes("勘查矿种与区块一致（{block_mineral}）", "mineral matches the block ({block_mineral})",
                          ("block", "mineral")),
    }

    def _best(self, ctx) -> Best:
        return ctx.rel.best("exploration_block")


class ExplorationStage(Rule):
    code = "E202"
    roles = ("exploration_block",)
    params = ("stages",)
    title_zh = "不得降低勘查阶段"
    title_en = "Exploration stage not lowered"
    applies_to = ("exploration",)
    what = ("The right's exploration stage must not be lower than the block's, in the order of [rules].stages "
            "(预查 < 普查 < 详查 < 勘探); a stage outside that order cannot be judged.")
    outcomes = {
        "block_no_stage": cannot("区块“{_block_zh}”未给出勘查阶段", "block {_block_en} states no stage", ("block",)),
        "no_stage": cannot("未给出勘查阶段", "exploration stage not given", ("block", "block_stage")),
        "unknown_stage": cannot("勘查阶段“{stage}”不在规划包所列阶段中（{known_stages}）",
                                "stage {stage} is none of the pack's stages ({known_stages})",
                                ("block", "stage", "block_stage", "known_stages")),
        "lower": fires("勘查阶段“{stage}”低于区块规定的“{block_stage}”",
                       "stage {stage} is lower than the block's {block_stage}", ("block", "stage", "block_stage")),
        "not_lower": passes("勘查阶段“{stage}”不低于区块的“{block_stage}”",
                            "stage {stage} is not lower than the block's {block_stage}",
                            ("block", "stage", "block_stage")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        stages = list(ctx.param("stages"))
        best = ctx.rel.best("exploration_block")
        rows = ctx.rows(self.applies_to) & best.found  # E200 already forbids a right outside every block
        stage = ctx.batch["stage"]
        block_stage = _feature_attr(ctx.index.stages, best.feature)
        # rank in ``stages`` (-1: not one of them); == on object columns is safe with None
        rank = np.full(ctx.n, -1)
        block_rank = np.full(ctx.n, -1)
        for k, name in enumerate(stages):
            rank[stage == name] = k
            block_rank[block_stage == name] = k
        known = rows & (block_rank >= 0)
        given = known & (stage != None)  # noqa: E711
        r.set("block_no_stage", rows & ~known)
        r.set("no_stage", known & ~given)
        r.set("not_lower", given)
        r.set("lower", given & (rank < block_rank))
        r.set("unknown_stage", given & (rank < 0))
        r.fact("known_stages", " < ".join(stages))
        _block_names(ctx, r, best.feature)
        r.fact("stage", stage)
        r.fact("block_stage", block_stage)
        return r


class MiningInsideBlock(Rule):
    code = "X210"
    roles = ("mining_block", "exploration_block")
    any_role = True
    params = ("max_outside_block_share", "exploration_to_mining_minerals")
    title_zh = "采矿权严格落实规划区块范围"
    title_en = "Mining right keeps inside its planning block"
    applies_to = ("mining",)
    what = ("A mining right must lie inside one mining planning block. Only the minerals of "
            "[rules].exploration_to_mining_minerals (5.3.1 探转采: geothermal, mineral water) are mined inside "
            "the exploration block of that mineral; any other mineral in an exploration block (oil shale in the "
            "五图 block) is outside every mining block. At most [rules].max_outside_block_share of its area may "
            "lie outside.")
    outcomes = {
        "needs_area": NEEDS_AREA,
        "outside": fires("不在任何开采规划区块内", "not inside any mining planning block",
                         ("block_layer", "nearest_block", "distance_m")),
        "not_convertible": fires("不在任何开采规划区块内：位于勘查规划区块“{_explored_zh}”，但规划只对{_convertible_zh}"
                                 "探转采（5.3.1），{mineral}不在其列",
                                 "not inside any mining planning block: it lies in exploration block {_explored_en}, "
                                 "but the plan converts exploration to mining (探转采, 5.3.1) only for "
                                 "{_convertible_en}, not {_mineral_en}",
                                 ("block_layer", "mineral", "exploration_block", "convertible_minerals",
                                  "nearest_block", "distance_m")),
        "leaves": fires("超出规划区块“{_block_zh}”范围：{_outside:.1%} 位于区块之外",
                        "leaves planning block {_block_en}: {_outside:.1%} lies outside it",
                        ("block", "share_inside_block", "area_outside_m2")),
        "inside": passes("位于规划区块“{_block_zh}”内", "inside planning block {_block_en}",
                         ("block", "share_inside_block", "area_outside_m2")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        tol = float(ctx.param("max_outside_block_share"))
        roles = mining_block_role_array(ctx, ctx.batch["mineral"])
        best = ctx.rel.best_per_row(roles)
        areal = self.needs_area(ctx, r, ctx.rows(self.applies_to))
        away = areal & ~best.found
        inside = areal & best.found
        outside_share = 1.0 - best.app_share
        r.set("inside", inside)
        r.set("leaves", inside & (outside_share > tol))
        r.set("outside", away)
        # a right outside every mining block but in an exploration block of its own mineral: the plan
        # does not convert that mineral (5.3.1), so say so
        mineral = ctx.batch["mineral"]
        explored = ctx.rel.best("exploration_block")
        explored_mineral = _feature_attr(ctx.index.minerals, explored.feature)
        in_explored = away & (roles == "mining_block") & explored.found & (mineral != None)  # noqa: E711
        in_explored &= mineral == explored_mineral
        r.set("not_convertible", in_explored)
        convertible = list(ctx.param("exploration_to_mining_minerals"))
        code, zh, en = ctx.feature_names(np.where(in_explored, explored.feature, -1))
        r.fact("mineral", mineral)
        r.fact("_mineral_en", ctx.mineral_table("en"))
        r.fact("exploration_block", code)
        r.fact("_explored_zh", zh)
        r.fact("_explored_en", en)
        r.lazy_fact("convertible_minerals", lambda rows: [list(convertible) for _ in range(len(rows))])
        r.fact("_convertible_zh", "、".join(convertible))
        r.fact("_convertible_en", ", ".join(str(getattr(ctx.catalog.minerals.get(m), "en", m)) for m in convertible))
        r.fact("block_layer", roles)
        _nearest_blocks(ctx, r, away, roles)
        _block_names(ctx, r, best.feature)
        r.fact("share_inside_block", best.app_share, digits=4)
        r.fact("area_outside_m2", outside_share * ctx.rel.areas, digits=1)
        r.fact("_outside", outside_share)
        return r


class MiningKeepsMineral(_KeepsMineral):
    code = "X211"
    roles = ("mining_block",)
    title_zh = "不得变更开采主矿种"
    title_en = "Mining right keeps the block's main mineral"
    applies_to = ("mining",)
    what = "A mining right must be for the main mineral of the planning block it lies in."
    outcomes = {
        "no_mineral": cannot("未给出矿种", "mineral not given", ("block", "block_mineral")),
        "differs": fires("开采矿种“{mineral}”与区块“{_block_zh}”的主矿种“{block_mineral}”不同",
                         "mineral {mineral} differs from block {_block_en}'s main mineral {block_mineral}",
                         ("block", "mineral", "block_mineral")),
        "matches": passes("开采主矿种与区块一致（{block_mineral}）", "main mineral matches the block ({block_mineral})",
                          ("block", "mineral")),
    }

    def _best(self, ctx) -> Best:
        return ctx.rel.best_per_row(mining_block_role_array(ctx, ctx.batch["mineral"]))


class LargeDepositSmallMine(Rule):
    code = "X212"
    roles = ("mining_block",)
    params = ("min_block_share",)
    footprint = True
    title_zh = "严禁大矿小开"
    title_en = "No small mine on a large deposit (大矿小开)"
    applies_to = ("mining",)
    what = ("A mining right must take its whole mining planning block: covering less than "
            "[rules].min_block_share of the block is 大矿小开. With [rules] mining_area = "
            "\"within_block_after_setbacks\" the share is of the block's mining area: the block cut back by the "
            "setbacks with cuts_block (the block's area beyond them cannot be mined).")
    outcomes = {
        "small": fires("仅占{_of_zh}“{_block_zh}”的 {_share:.1%}（应不少于 {minimum_share:.0%}）：大矿小开",
                       "covers only {_share:.1%} of {_of_en} {_block_en} (at least {minimum_share:.0%}): a small "
                       "mine on a large deposit", ("block", "share_of_block", "mining_area_m2", "minimum_share")),
        "whole": passes("覆盖{_of_zh}“{_block_zh}”的 {_share:.1%}", "covers {_share:.1%} of {_of_en} {_block_en}",
                        ("block", "share_of_block", "mining_area_m2", "minimum_share")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        minimum = float(ctx.param("min_block_share"))
        best = ctx.rel.best("mining_block")
        # X210 speaks for rights outside mining blocks or given as points
        rows = ctx.rows(self.applies_to) & best.found & ctx.rel.is_areal
        share = best.feature_share
        area = np.full(ctx.n, np.nan)
        cut = mining_areas(ctx, np.where(rows, best.feature, -1))
        if cut is not None and rows.any():
            idx = np.flatnonzero(rows)
            area[idx] = shapely.area(cut[idx])
            overlap = shapely.area(shapely.intersection(ctx.rel.geoms[idx], cut[idx]))
            share = share.copy()
            share[idx] = np.where(area[idx] > 0, overlap / np.where(area[idx] > 0, area[idx], 1), 0.0)
        r.set("whole", rows)
        r.set("small", rows & (share < minimum))
        _block_names(ctx, r, best.feature)
        r.fact("share_of_block", share, digits=4)
        r.fact("mining_area_m2", area, digits=1)
        r.fact("minimum_share", minimum)
        r.fact("_share", share)
        r.fact("_of_zh", "规划区块" if cut is None else "规划区块退让后的开采范围")
        r.fact("_of_en", "block" if cut is None else "the mining area (after setbacks) of block")
        return r


class OneDepositManyMines(Rule):
    code = "X213"
    roles = ("mining_block",)
    params = ("max_outside_block_share",)
    footprint = True
    title_zh = "严禁一矿多开"
    title_en = "No several mines on one deposit (一矿多开)"
    applies_to = ("mining",)
    what = ("One mining right per planning block and one block per right: a right spanning two blocks is "
            "一矿多开 (a second right in the same block is checked across a batch or the registry).")
    outcomes = {
        "spans": fires("跨越 {_count} 个开采规划区块：{_blocks_zh}",
                       "spans {_count} mining planning blocks: {_blocks_en}", ("blocks",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        tol = float(ctx.param("max_outside_block_share"))
        pairs = ctx.rel.pairs("mining_block")
        spanned = pairs.subset(pairs["app_share"] > tol)
        count = spanned.count(ctx.n)
        r.set("spans", ctx.rows(self.applies_to) & (count > 1))
        r.fact("_count", count)
        r.lazy_fact("blocks", _codes_after(ctx, spanned, 0))
        r.lazy_fact("_blocks_zh", _codes_after(ctx, spanned, 0, "、"))
        r.lazy_fact("_blocks_en", _codes_after(ctx, spanned, 0, ", "))
        return r

"""Rights against the planning blocks: exploration rights (4.2.2(2)) and mining rights (4.2.4(2))."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from mineplan.engine.relations import Best, Pairs
from mineplan.engine.result import cannot, fires, passes
from mineplan.rules.base import NEEDS_AREA, Rule

# the facts E200 reports on a right that lies in a block (pass or fire alike)
_COINCIDE_FACTS = ("block", "overlap_m2", "share_of_block", "share_of_right", "symmetric_difference_m2",
                   "symmetric_difference_share", "tolerance", "other_blocks")


def mining_block_role_array(ctx, minerals: np.ndarray) -> np.ndarray:
    """Per row, the layer its mining right must lie in: "mining_block", or "exploration_block"
    for a mineral that has no mining block but has an exploration block (geothermal, mineral
    water: mined where it was explored, 5.3.1 探转采). A row without a mineral gets "mining_block"."""
    out = np.full(len(minerals), "mining_block", dtype=object)
    explored_only = ctx.index.minerals_of("exploration_block") - ctx.index.minerals_of("mining_block")
    for mineral in explored_only:  # a few minerals; == on an object column is safe with None
        out[minerals == mineral] = "exploration_block"
    return out


def _feature_attr(values: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """``values`` (a per-feature attribute of the index) by feature position; None for -1 and for
    a feature that does not give it (pandas' NaN)."""
    out = np.full(len(feature), None, dtype=object)
    ok = feature >= 0
    if ok.any():
        out[ok] = values[feature[ok]]
        out[pd.isna(out)] = None
    return out


def _best_of_roles(ctx, roles: np.ndarray) -> Best:
    """Per row: the block it overlaps most among the features of its own role (``roles``, a role
    name per row), as :meth:`Relations.best` gives for one role."""
    parts = {role: ctx.rel.best(role) for role in np.unique(roles.astype(str)).tolist()}
    if len(parts) == 1:
        return next(iter(parts.values()))
    n = ctx.n
    out = Best(np.full(n, -1, dtype=np.int64), np.zeros(n), np.zeros(n), np.full(n, np.nan),
               np.zeros(n, dtype=np.int64))
    for role, best in parts.items():
        sel = roles == role
        for name in ("feature", "overlap", "app_share", "feature_share", "count"):
            getattr(out, name)[sel] = getattr(best, name)[sel]
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
            for role, near in per_role.items():
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
    footprint = True
    title_zh = "探矿权与勘查规划区块范围一致"
    title_en = "Exploration right coincides with an exploration planning block"
    applies_to = ("exploration",)
    what = ("An exploration right must have the extent of one exploration planning block. Coincide is "
            "measured: the symmetric difference of right and block is at most [rules].coincide_tolerance "
            "of the block's area.")
    outcomes = {
        "needs_area": NEEDS_AREA,
        "outside": fires("不在任何勘查规划区块内", "not in any exploration planning block",
                         ("nearest_block", "distance_m")),
        "coincides": passes("与勘查规划区块“{_block_zh}”范围一致（区块的 {_share_of_block:.1%}）",
                            "coincides with exploration block {_block_en} ({_share_of_block:.1%} of the block)",
                            _COINCIDE_FACTS),
        "differs": fires("与勘查规划区块“{_block_zh}”范围不一致：覆盖区块 {_share_of_block:.1%}，"
                         "范围差 {_symdiff_share:.1%}（容差 {tolerance:.0%}）",
                         "does not coincide with exploration block {_block_en}: covers {_share_of_block:.1%} of it, "
                         "symmetric difference {_symdiff_share:.1%} of the block (tolerance {tolerance:.0%})",
                         _COINCIDE_FACTS),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        tol = float(ctx.param("coincide_tolerance"))
        best = ctx.rel.best("exploration_block")
        areal = self.needs_area(ctx, r, ctx.rows(self.applies_to))
        outside = areal & ~best.found
        inside = areal & best.found
        block_area = np.where(best.found, ctx.index.areas[np.maximum(best.feature, 0)], np.nan)
        symdiff = ctx.rel.areas + block_area - 2 * best.overlap
        with np.errstate(divide="ignore", invalid="ignore"):
            symdiff_share = symdiff / block_area
        r.set("differs", inside)
        r.set("coincides", inside & (symdiff <= tol * block_area))
        r.set("outside", outside)
        _nearest_blocks(ctx, r, outside, "exploration_block")
        _block_names(ctx, r, best.feature)
        r.fact("overlap_m2", best.overlap, digits=1)
        r.fact("share_of_block", best.feature_share, digits=4)
        r.fact("share_of_right", best.app_share, digits=4)
        r.fact("symmetric_difference_m2", symdiff, digits=1)
        r.fact("symmetric_difference_share", symdiff_share, digits=4)
        r.fact("tolerance", tol)
        # messages show the unrounded shares, as before
        r.fact("_share_of_block", best.feature_share)
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
    title_zh = "不得降低勘查阶段"
    title_en = "Exploration stage not lowered"
    applies_to = ("exploration",)
    what = "The right's exploration stage must not be lower than the block's (普查 < 详查 < 勘探)."
    outcomes = {
        "block_no_stage": cannot("区块“{_block_zh}”未给出勘查阶段", "block {_block_en} states no stage", ("block",)),
        "no_stage": cannot("未给出勘查阶段", "exploration stage not given", ("block", "block_stage")),
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
        _block_names(ctx, r, best.feature)
        r.fact("stage", stage)
        r.fact("block_stage", block_stage)
        return r


class MiningInsideBlock(Rule):
    code = "X210"
    title_zh = "采矿权严格落实规划区块范围"
    title_en = "Mining right keeps inside its planning block"
    applies_to = ("mining",)
    what = ("A mining right must lie inside one mining planning block (for geothermal and mineral water, "
            "converted from exploration, inside the exploration block of that mineral). At most "
            "[rules].max_outside_block_share of its area may lie outside.")
    outcomes = {
        "needs_area": NEEDS_AREA,
        "outside": fires("不在任何开采规划区块内", "not inside any mining planning block",
                         ("block_layer", "nearest_block", "distance_m")),
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
        best = _best_of_roles(ctx, roles)
        areal = self.needs_area(ctx, r, ctx.rows(self.applies_to))
        away = areal & ~best.found
        inside = areal & best.found
        outside_share = 1.0 - best.app_share
        r.set("inside", inside)
        r.set("leaves", inside & (outside_share > tol))
        r.set("outside", away)
        r.fact("block_layer", roles)
        _nearest_blocks(ctx, r, away, roles)
        _block_names(ctx, r, best.feature)
        r.fact("share_inside_block", best.app_share, digits=4)
        r.fact("area_outside_m2", outside_share * ctx.rel.areas, digits=1)
        r.fact("_outside", outside_share)
        return r


class MiningKeepsMineral(_KeepsMineral):
    code = "X211"
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
        return _best_of_roles(ctx, mining_block_role_array(ctx, ctx.batch["mineral"]))


class LargeDepositSmallMine(Rule):
    code = "X212"
    footprint = True
    title_zh = "严禁大矿小开"
    title_en = "No small mine on a large deposit (大矿小开)"
    applies_to = ("mining",)
    what = ("A mining right must take its whole mining planning block: covering less than "
            "[rules].min_block_share of the block is 大矿小开.")
    outcomes = {
        "small": fires("仅占规划区块“{_block_zh}”的 {_share:.1%}（应不少于 {minimum_share:.0%}）：大矿小开",
                       "covers only {_share:.1%} of block {_block_en} (at least {minimum_share:.0%}): a small mine "
                       "on a large deposit", ("block", "share_of_block", "minimum_share")),
        "whole": passes("覆盖规划区块“{_block_zh}”的 {_share:.1%}", "covers {_share:.1%} of block {_block_en}",
                        ("block", "share_of_block", "minimum_share")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        minimum = float(ctx.param("min_block_share"))
        best = ctx.rel.best("mining_block")
        # X210 speaks for rights outside mining blocks or given as points
        rows = ctx.rows(self.applies_to) & best.found & ctx.rel.is_areal
        r.set("whole", rows)
        r.set("small", rows & (best.feature_share < minimum))
        _block_names(ctx, r, best.feature)
        r.fact("share_of_block", best.feature_share, digits=4)
        r.fact("minimum_share", minimum)
        r.fact("_share", best.feature_share)
        return r


class OneDepositManyMines(Rule):
    code = "X213"
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

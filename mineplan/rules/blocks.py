"""Rights against the planning blocks: exploration rights (4.2.2(2)) and mining rights (4.2.4(2))."""

from __future__ import annotations

from mineplan.context import CheckContext
from mineplan.findings import rounded
from mineplan.rules.base import Rule


def block_matches(ctx: CheckContext, role: str) -> dict[int, list[dict]]:
    """Per application, its overlaps with the blocks of ``role`` (dicts with ``feature``,
    ``overlap``, ``app_share``, ``feature_share``), largest first."""
    key = f"_blocks_{role}"
    if key not in ctx.__dict__:
        table = ctx.overlaps_with(role).sort_values(["app", "overlap"], ascending=[True, False])
        matches: dict[int, list[dict]] = {}
        for record in table.to_dict("records"):
            record["feature"] = int(record["feature"])
            matches.setdefault(int(record["app"]), []).append(record)
        ctx.__dict__[key] = matches
    return ctx.__dict__[key]


def _name(ctx: CheckContext, feature: int) -> tuple[str, str, str]:
    row = ctx.feature(feature)
    return str(row["code"]), str(row["name_zh"]), str(row["name_en"])


def mining_block_role(ctx: CheckContext, mineral: str | None) -> str:
    """Mining rights go in mining blocks; a mineral that has no mining block but has an
    exploration block (geothermal, mineral water) is mined where it was explored (5.3.1 探转采)."""
    if mineral is None:
        return "mining_block"
    minerals = ctx.index.minerals_of
    if mineral not in minerals("mining_block") and mineral in minerals("exploration_block"):
        return "exploration_block"
    return "mining_block"


class ExplorationCoincidesWithBlock(Rule):
    code = "E200"
    title_zh = "探矿权与勘查规划区块范围一致"
    title_en = "Exploration right coincides with an exploration planning block"
    applies_to = ("exploration",)
    what = ("An exploration right must have the extent of one exploration planning block. Coincide is "
            "measured: the symmetric difference of right and block is at most [rules].coincide_tolerance "
            "of the block's area.")

    def evaluate(self, ctx):
        tol = float(ctx.param("coincide_tolerance"))
        matches = block_matches(ctx, "exploration_block")
        ctx.prefetch_nearest("exploration_block", [i for i, _app in ctx.valid(self.applies_to) if i not in matches])
        for i, _app in ctx.valid(self.applies_to):
            if (f := self.needs_area(ctx, i)) is not None:
                yield i, f
                continue
            hits = matches.get(i)
            if hits is None:
                near = ctx.nearest_of("exploration_block", i)
                facts = {}
                if near is not None:
                    code, zh, en = _name(ctx, near[1])
                    facts = {"nearest_block": code, "distance_m": rounded(near[0])}
                yield i, self.fire(ctx, "不在任何勘查规划区块内", "not in any exploration planning block", **facts)
                continue
            best = hits[0]
            code, zh, en = _name(ctx, best["feature"])
            block_area = ctx.index.areas[int(best["feature"])]
            symdiff = ctx.areas[i] + block_area - 2 * best["overlap"]
            facts = {
                "block": code,
                "overlap_m2": rounded(best["overlap"]),
                "share_of_block": rounded(best["feature_share"], 4),
                "share_of_right": rounded(best["app_share"], 4),
                "symmetric_difference_m2": rounded(symdiff),
                "symmetric_difference_share": rounded(symdiff / block_area, 4),
                "tolerance": tol,
            }
            if len(hits) > 1:
                facts["other_blocks"] = [_name(ctx, h["feature"])[0] for h in hits[1:]]
            if symdiff <= tol * block_area:
                yield i, self.ok(ctx, f"与勘查规划区块“{zh}”范围一致（区块的 {best['feature_share']:.1%}）",
                                 f"coincides with exploration block {en} ({best['feature_share']:.1%} of the block)", **facts)
            else:
                yield i, self.fire(
                    ctx,
                    f"与勘查规划区块“{zh}”范围不一致：覆盖区块 {best['feature_share']:.1%}，"
                    f"范围差 {symdiff / block_area:.1%}（容差 {tol:.0%}）",
                    f"does not coincide with exploration block {en}: covers {best['feature_share']:.1%} of it, "
                    f"symmetric difference {symdiff / block_area:.1%} of the block (tolerance {tol:.0%})",
                    **facts,
                )


class ExplorationKeepsMineral(Rule):
    code = "E201"
    title_zh = "不得变更勘查矿种"
    title_en = "Exploration right keeps the block's mineral"
    applies_to = ("exploration",)
    what = "An exploration right must be for the mineral its exploration planning block names."

    def evaluate(self, ctx):
        matches = block_matches(ctx, "exploration_block")
        for i, app in ctx.valid(self.applies_to):
            hits = matches.get(i)
            if hits is None:
                continue  # E200 already forbids a right outside every block
            code, zh, en = _name(ctx, hits[0]["feature"])
            block_mineral = ctx.feature(hits[0]["feature"])["mineral"]
            if app.mineral is None:
                yield i, self.cannot(ctx, "未给出矿种", "mineral not given", block=code, block_mineral=block_mineral)
            elif app.mineral != block_mineral:
                yield i, self.fire(ctx, f"矿种“{app.mineral}”与区块“{zh}”的勘查矿种“{block_mineral}”不同",
                                   f"mineral {app.mineral} differs from block {en}'s {block_mineral}",
                                   block=code, mineral=app.mineral, block_mineral=block_mineral)
            else:
                yield i, self.ok(ctx, f"勘查矿种与区块一致（{block_mineral}）", f"mineral matches the block ({block_mineral})",
                                 block=code, mineral=app.mineral)


class ExplorationStage(Rule):
    code = "E202"
    title_zh = "不得降低勘查阶段"
    title_en = "Exploration stage not lowered"
    applies_to = ("exploration",)
    what = "The right's exploration stage must not be lower than the block's (普查 < 详查 < 勘探)."

    def evaluate(self, ctx):
        stages = list(ctx.param("stages"))
        matches = block_matches(ctx, "exploration_block")
        for i, app in ctx.valid(self.applies_to):
            hits = matches.get(i)
            if hits is None:
                continue  # E200 already forbids a right outside every block
            code, zh, en = _name(ctx, hits[0]["feature"])
            block_stage = ctx.feature(hits[0]["feature"])["stage"]
            if block_stage not in stages:
                yield i, self.cannot(ctx, f"区块“{zh}”未给出勘查阶段", f"block {en} states no stage", block=code)
            elif app.stage is None:
                yield i, self.cannot(ctx, "未给出勘查阶段", "exploration stage not given", block=code, block_stage=block_stage)
            elif stages.index(app.stage) < stages.index(block_stage):
                yield i, self.fire(ctx, f"勘查阶段“{app.stage}”低于区块规定的“{block_stage}”",
                                   f"stage {app.stage} is lower than the block's {block_stage}",
                                   block=code, stage=app.stage, block_stage=block_stage)
            else:
                yield i, self.ok(ctx, f"勘查阶段“{app.stage}”不低于区块的“{block_stage}”",
                                 f"stage {app.stage} is not lower than the block's {block_stage}",
                                 block=code, stage=app.stage, block_stage=block_stage)


class MiningInsideBlock(Rule):
    code = "X210"
    title_zh = "采矿权严格落实规划区块范围"
    title_en = "Mining right keeps inside its planning block"
    applies_to = ("mining",)
    what = ("A mining right must lie inside one mining planning block (for geothermal and mineral water, "
            "converted from exploration, inside the exploration block of that mineral). At most "
            "[rules].max_outside_block_share of its area may lie outside.")

    def evaluate(self, ctx):
        tol = float(ctx.param("max_outside_block_share"))
        for role in ("mining_block", "exploration_block"):
            ctx.prefetch_nearest(role, [i for i, app in ctx.valid(self.applies_to)
                                        if mining_block_role(ctx, app.mineral) == role
                                        and i not in block_matches(ctx, role)])
        for i, app in ctx.valid(self.applies_to):
            if (f := self.needs_area(ctx, i)) is not None:
                yield i, f
                continue
            role = mining_block_role(ctx, app.mineral)
            hits = block_matches(ctx, role).get(i)
            if hits is None:
                near = ctx.nearest_of(role, i)
                facts = {"block_layer": role}
                if near is not None:
                    facts.update(nearest_block=_name(ctx, near[1])[0], distance_m=rounded(near[0]))
                yield i, self.fire(ctx, "不在任何开采规划区块内", "not inside any mining planning block", **facts)
                continue
            best = hits[0]
            code, zh, en = _name(ctx, best["feature"])
            outside = 1.0 - best["app_share"]
            facts = {"block": code, "share_inside_block": rounded(best["app_share"], 4),
                     "area_outside_m2": rounded(outside * ctx.areas[i])}
            if outside > tol:
                yield i, self.fire(ctx, f"超出规划区块“{zh}”范围：{outside:.1%} 位于区块之外",
                                   f"leaves planning block {en}: {outside:.1%} lies outside it", **facts)
            else:
                yield i, self.ok(ctx, f"位于规划区块“{zh}”内", f"inside planning block {en}", **facts)


class MiningKeepsMineral(Rule):
    code = "X211"
    title_zh = "不得变更开采主矿种"
    title_en = "Mining right keeps the block's main mineral"
    applies_to = ("mining",)
    what = "A mining right must be for the main mineral of the planning block it lies in."

    def evaluate(self, ctx):
        for i, app in ctx.valid(self.applies_to):
            role = mining_block_role(ctx, app.mineral)
            hits = block_matches(ctx, role).get(i)
            if hits is None:
                continue  # X210 already forbids a right outside every block
            code, zh, en = _name(ctx, hits[0]["feature"])
            block_mineral = ctx.feature(hits[0]["feature"])["mineral"]
            if app.mineral is None:
                yield i, self.cannot(ctx, "未给出矿种", "mineral not given", block=code, block_mineral=block_mineral)
            elif app.mineral != block_mineral:
                yield i, self.fire(ctx, f"开采矿种“{app.mineral}”与区块“{zh}”的主矿种“{block_mineral}”不同",
                                   f"mineral {app.mineral} differs from block {en}'s main mineral {block_mineral}",
                                   block=code, mineral=app.mineral, block_mineral=block_mineral)
            else:
                yield i, self.ok(ctx, f"开采主矿种与区块一致（{block_mineral}）",
                                 f"main mineral matches the block ({block_mineral})", block=code, mineral=app.mineral)


class LargeDepositSmallMine(Rule):
    code = "X212"
    title_zh = "严禁大矿小开"
    title_en = "No small mine on a large deposit (大矿小开)"
    applies_to = ("mining",)
    what = ("A mining right must take its whole mining planning block: covering less than "
            "[rules].min_block_share of the block is 大矿小开.")

    def evaluate(self, ctx):
        minimum = float(ctx.param("min_block_share"))
        matches = block_matches(ctx, "mining_block")
        for i, _app in ctx.valid(self.applies_to):
            hits = matches.get(i)
            if hits is None or not ctx.is_areal[i]:
                continue  # X210 speaks for rights outside mining blocks or given as points
            best = hits[0]
            code, zh, en = _name(ctx, best["feature"])
            share = float(best["feature_share"])
            facts = {"block": code, "share_of_block": rounded(share, 4), "minimum_share": minimum}
            if share < minimum:
                yield i, self.fire(ctx, f"仅占规划区块“{zh}”的 {share:.1%}（应不少于 {minimum:.0%}）：大矿小开",
                                   f"covers only {share:.1%} of block {en} (at least {minimum:.0%}): a small mine "
                                   "on a large deposit", **facts)
            else:
                yield i, self.ok(ctx, f"覆盖规划区块“{zh}”的 {share:.1%}", f"covers {share:.1%} of block {en}", **facts)


class OneDepositManyMines(Rule):
    code = "X213"
    title_zh = "严禁一矿多开"
    title_en = "No several mines on one deposit (一矿多开)"
    applies_to = ("mining",)
    what = ("One mining right per planning block and one block per right: a right spanning two blocks is "
            "一矿多开 (a second right in the same block is checked across a batch or the registry).")

    def evaluate(self, ctx):
        tol = float(ctx.param("max_outside_block_share"))
        matches = block_matches(ctx, "mining_block")
        for i, _app in ctx.valid(self.applies_to):
            hits = matches.get(i)
            if hits is None:
                continue
            spanned = [h for h in hits if h["app_share"] > tol]
            if len(spanned) > 1:
                codes = [_name(ctx, h["feature"])[0] for h in spanned]
                yield i, self.fire(ctx, f"跨越 {len(codes)} 个开采规划区块：{'、'.join(codes)}",
                                   f"spans {len(codes)} mining planning blocks: {', '.join(codes)}", blocks=codes)

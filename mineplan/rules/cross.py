"""Cross-application rules: what one application means for the others in the batch and for the
rights already granted or pending (``ctx.existing``, e.g. from the registry).

* one exploration holder per exploration block (K300, 4.2.2(2))
* one mining right per mining block (K301, 一矿多开, 4.2.4(2))
* no right overlapping another application or an existing right (K302, 矿业权重叠)
* the caps of the indicator table (K310 exploration rights, K311 mines) and its extraction
  limits (K312 geothermal, K313 mineral water)

**Ranking.** Where the first comers take a place (a block's holder, a cap), existing rights come
first, then the applications in their order in the batch (``ctx.apps``): input order for
``mineplan check``; ``mineplan screen --priority FIELD`` sorts the batch by FIELD (ascending,
ties in input order) before these rules run. An existing right whose id is also an application's
id is the same right (a pending application already in the registry) and counts once, as the
application.

These rules have ``cross = True``: a chunked screen runs the other rules chunk by chunk and these
once over every exploration and mining application of the whole batch, so the verdicts do not
depend on the chunking.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from mineplan.applications import Application
from mineplan.context import CheckContext
from mineplan.findings import rounded
from mineplan.overlaps import TopOverlaps, overlapping_pairs
from mineplan.rules.base import Rule
from mineplan.rules.blocks import _name, block_matches, mining_block_role
from mineplan.rules.mining import _missing_output, output_in

log = logging.getLogger("mineplan.screen")
RIGHTS = ("exploration", "mining")
#: statuses of existing rights that count (registry.COUNTING)
COUNTING = ("granted", "pending")


def existing_rights(ctx: CheckContext):
    """The existing rights that count (granted or pending), minus the batch's own ids, with
    a positional index; None without a registry."""
    key = "_cross_existing"
    if key in ctx.__dict__:
        return ctx.__dict__[key]
    frame = ctx.existing
    if frame is not None and len(frame):
        if "status" in frame.columns:
            frame = frame[frame["status"].isin(COUNTING) | frame["status"].isna()]
        ids = {app.id for app in ctx.apps if app is not None}
        frame = frame[~frame["id"].astype(str).isin(ids)]
        geoms = frame.geometry
        frame = frame[geoms.notna() & ~geoms.is_empty].reset_index(drop=True)
        if frame.crs is not None and str(frame.crs) != "EPSG:4549":
            frame = frame.to_crs("EPSG:4549")
    else:
        frame = None
    ctx.__dict__[key] = frame if frame is not None and len(frame) else None
    return ctx.__dict__[key]


def _existing_apps(ctx: CheckContext, right_type: str) -> list[tuple[int, Application]]:
    """(row, Application) for the existing rights of ``right_type``, in the registry's order."""
    frame = existing_rights(ctx)
    if frame is None:
        return []
    out = []
    for row, rec in enumerate(frame.to_dict("records")):
        if rec.get("right_type") != right_type:
            continue
        output = rec.get("annual_output")
        out.append((row, Application(
            index=-1, id=str(rec["id"]), right_type=right_type, mineral=_clean(rec.get("mineral")),
            method=_clean(rec.get("method")), annual_output=None if _clean(output) is None else float(output),
            output_unit=_clean(rec.get("output_unit")), applicant=_clean(rec.get("holder")))))
    return out


def _clean(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def _existing_block(ctx: CheckContext, role: str) -> dict[int, int]:
    """Existing right (row) -> the feature of ``role`` it overlaps most."""
    key = f"_cross_existing_block_{role}"
    if key not in ctx.__dict__:
        frame = existing_rights(ctx)
        out: dict[int, int] = {}
        if frame is not None:
            table = ctx.index.overlaps(np.asarray(frame.geometry.values, dtype=object), (role,))
            table = table.sort_values(["app", "overlap"], ascending=[True, False]).drop_duplicates("app")
            out = dict(zip(table["app"].astype(int), table["feature"].astype(int), strict=True))
        ctx.__dict__[key] = out
    return ctx.__dict__[key]


def _app_block(ctx: CheckContext, i: int, role: str) -> int | None:
    hits = block_matches(ctx, role).get(i)
    return None if hits is None else hits[0]["feature"]


class _Members:
    """The rights in one planning block (ids in rank order): the others an application shares it with."""

    listed = 20

    def __init__(self, ids: list[str]):
        self.ids = ids
        self.counts = Counter(ids)

    def others(self, own: str) -> tuple[list[str], int]:
        """The first ``listed`` ids other than ``own`` (rank order) and how many others there are:
        O(listed), not O(block), per application."""
        out: list[str] = []
        for rid in self.ids:
            if rid != own:
                out.append(rid)
                if len(out) == self.listed:
                    break
        return out, len(self.ids) - self.counts[own]


class CrossRule(Rule):
    """A rule that compares applications with each other: run once over the whole batch."""

    cross = True
    applies_to = RIGHTS


class OneExplorationHolder(CrossRule):
    code = "K300"
    title_zh = "每个勘查规划区块只设一个勘查主体"
    title_en = "One exploration holder per exploration block"
    applies_to = ("exploration",)
    what = ("Each exploration planning block has one exploration holder. The block's holder is the holder of "
            "an existing exploration right in it, else the applicant of the first exploration application in "
            "it (ranked: existing rights, then batch order); another applicant is forbidden. An application "
            "without an applicant in a block sought by others cannot be judged.")

    def evaluate(self, ctx):
        role = "exploration_block"
        members: dict[int, list[tuple[str, str | None, bool]]] = {}  # block -> (id, holder, existing)
        for row, right in _existing_apps(ctx, "exploration"):
            block = _existing_block(ctx, role).get(row)
            if block is not None:
                members.setdefault(block, []).append((right.id, right.applicant, True))
        located = []
        for i, app in ctx.valid(self.applies_to):
            block = _app_block(ctx, i, role)
            if block is None:
                continue  # E200 forbids a right outside every block
            members.setdefault(block, []).append((app.id, app.applicant, False))
            located.append((i, app, block))
        blocks = {block: _Members([rid for rid, _h, _ex in entries]) for block, entries in members.items()}
        firsts = {block: next(((rid, h, ex) for rid, h, ex in entries if h is not None), None)
                  for block, entries in members.items()}
        for i, app, block in located:
            code, zh, en = _name(ctx, block)
            first = firsts[block]
            others, count = blocks[block].others(app.id)
            facts = {"block": code, "others_in_block": others, "others_count": count}
            if app.applicant is None:
                if count:
                    yield i, self.cannot(ctx, f"未给出申请人，区块“{zh}”另有 {count} 个探矿权或申请",
                                         f"applicant not given; block {en} has {count} other rights or "
                                         "applications", **facts)
                else:
                    yield i, self.ok(ctx, f"区块“{zh}”内无其他探矿权或申请", f"no other right or application in block {en}",
                                     **facts)
                continue
            holder_id, holder, existing = first
            facts.update(block_holder=holder, block_holder_right=holder_id, block_holder_existing=existing)
            if holder == app.applicant:
                yield i, self.ok(ctx, f"区块“{zh}”的勘查主体为本申请人（{holder}）",
                                 f"the applicant ({holder}) is block {en}'s exploration holder", **facts)
            else:
                what_zh = "已有探矿权" if existing else "排序在前的申请"
                what_en = "existing right" if existing else "earlier-ranked application"
                yield i, self.fire(ctx, f"区块“{zh}”已有勘查主体“{holder}”（{what_zh} {holder_id}），不得另设勘查主体",
                                   f"block {en} already has an exploration holder, {holder} ({what_en} {holder_id}): "
                                   "no second holder", **facts)


class OneMinePerBlock(CrossRule):
    code = "K301"
    title_zh = "严禁一矿多开（同一规划区块第二个采矿权）"
    title_en = "No second mining right in the same block (一矿多开)"
    applies_to = ("mining",)
    what = ("One mining right per mining planning block (geothermal and mineral water: per exploration block of "
            "the mineral, 探转采). The first right in a block (ranked: existing rights, then batch order) keeps "
            "it; every later application in the block is forbidden, whoever the holder.")

    def evaluate(self, ctx):
        members: dict[int, list[tuple[str, bool]]] = {}
        for row, right in _existing_apps(ctx, "mining"):
            block = _existing_block(ctx, mining_block_role(ctx, right.mineral)).get(row)
            if block is not None:
                members.setdefault(block, []).append((right.id, True))
        located = []
        for i, app in ctx.valid(self.applies_to):
            block = _app_block(ctx, i, mining_block_role(ctx, app.mineral))
            if block is None:
                continue  # X210 forbids a right outside every block
            members.setdefault(block, []).append((app.id, False))
            located.append((i, app, block))
        blocks = {block: _Members([rid for rid, _ex in entries]) for block, entries in members.items()}
        for i, app, block in located:
            code, zh, en = _name(ctx, block)
            first_id, existing = members[block][0]
            others, count = blocks[block].others(app.id)
            facts = {"block": code, "others_in_block": others, "others_count": count}
            if first_id == app.id:
                yield i, self.ok(ctx, f"区块“{zh}”内无在先的采矿权或申请", f"no earlier mining right or application in block {en}",
                                 **facts)
            else:
                what_zh = "已有采矿权" if existing else "排序在前的申请"
                what_en = "existing right" if existing else "earlier-ranked application"
                facts.update(first_right=first_id, first_existing=existing)
                yield i, self.fire(ctx, f"一矿多开：区块“{zh}”已有{what_zh} {first_id}",
                                   f"several mines on one deposit: block {en} already has {what_en} {first_id}", **facts)


class RightsOverlap(CrossRule):
    code = "K302"
    title_zh = "矿业权范围不得重叠"
    title_en = "No overlapping mineral rights"
    #: the overlaps a finding lists (largest first); all are counted and summed
    listed = 20
    what = ("An exploration or mining application must not overlap another application of the batch or an "
            "existing right by more than [rules].overlap_tolerance_m2 (1 m²; edges may touch). A mining application over its own holder's "
            "exploration right is 探转采 and does not count. Every application in an overlap is forbidden; the "
            "finding names the others (the 20 largest) and the overlap areas.")

    def evaluate(self, ctx):
        tolerance = float(ctx.param("overlap_tolerance_m2"))
        rows = list(ctx.valid(self.applies_to))
        pos = np.array([i for i, _ in rows if ctx.is_areal[i]], dtype=int)
        geoms = ctx.geoms[pos] if len(pos) else np.array([], dtype=object)
        types = np.array([ctx.apps[i].right_type for i in pos], dtype=object)
        holders = np.array([ctx.apps[i].applicant for i in pos], dtype=object)
        ids = np.array([ctx.apps[i].id for i in pos], dtype=object)
        frame = existing_rights(ctx) if len(pos) else None
        if frame is not None:
            ex_geoms = np.asarray(frame.geometry.values, dtype=object)
            ex_type = frame["right_type"].to_numpy(dtype=object) if "right_type" in frame.columns else \
                np.full(len(frame), None, dtype=object)
            ex_holder = np.array([_clean(h) for h in frame["holder"]], dtype=object) if "holder" in frame.columns \
                else np.full(len(frame), None, dtype=object)
            ex_ids = frame["id"].astype(str).to_numpy(dtype=object)
        else:
            ex_geoms = ex_type = ex_holder = ex_ids = np.array([], dtype=object)
        n = len(pos)
        # the others: the batch's areal rights (0..n-1), then the existing rights (n..); ties in
        # overlap area are listed by id
        other_ids = np.concatenate([ids, ex_ids]).astype(str)
        tie = np.unique(other_ids, return_inverse=True)[1] if len(other_ids) else np.zeros(0, dtype=int)

        def keep(a_idx, area, o_types, o_holders):
            # 探转采: the holder's own exploration right under its mining right does not count
            same = (types[a_idx] != o_types) & (holders[a_idx] != None) & (holders[a_idx] == o_holders)  # noqa: E711
            return (area > tolerance) & ~same

        tops = TopOverlaps(n, self.listed)
        pairs = 0
        if n:
            for left, right, area in overlapping_pairs(geoms, geoms, lambda a, b: a < b,
                                                       lambda a, b, ar: keep(a, ar, types[b], holders[b])):
                apps, others = np.r_[left, right], np.r_[right, left]
                tops.add(apps, others, tie[others], np.r_[area, area])
                pairs += len(left)
            if len(ex_geoms):
                for a_idx, e_idx, area in overlapping_pairs(geoms, ex_geoms, None,
                                                            lambda a, b, ar: keep(a, ar, ex_type[b], ex_holder[b])):
                    tops.add(a_idx, n + e_idx, tie[n + e_idx], area)
                    pairs += len(a_idx)
        log.info("K302: %d rights (%d existing), %d overlapping pairs", n, len(ex_geoms), pairs)
        # per application, its listed overlaps are built when its finding is (not all at once)
        top_of = tops.top()
        id_list = other_ids.tolist()
        slot = np.full(len(ctx.apps), -1, dtype=np.int64)  # application -> its row among the areal rights
        slot[pos] = np.arange(n)

        def overlaps_of(i: int):
            k = int(slot[i])
            if k < 0 or not tops.count[k]:
                return None
            others, areas = top_of(k)
            listed = [{"id": id_list[o], "existing": o >= n, "overlap_m2": round(a, 1)}  # as findings.rounded
                      for o, a in zip(others.tolist(), areas.tolist(), strict=True)]
            return listed, int(tops.count[k]), rounded(float(tops.total[k]))

        for i, _app in rows:
            if not ctx.is_areal[i]:
                yield i, self.needs_area(ctx, i)
                continue
            found = overlaps_of(i)
            if not found:
                yield i, self.ok(ctx, "与其他申请及已有矿业权均不重叠", "overlaps no other application or existing right")
                continue
            top, count, total = found
            first = top[0]
            kind_zh = "已有矿业权" if first["existing"] else "申请"
            kind_en = "existing right" if first["existing"] else "application"
            more_zh = f"等 {count} 处" if count > 1 else ""
            more_en = f" and {count - 1} more" if count > 1 else ""
            yield i, self.fire(ctx, f"与{kind_zh} {first['id']} 重叠 {first['overlap_m2']:g} 平方米{more_zh}",
                               f"overlaps {kind_en} {first['id']} by {first['overlap_m2']:g} m²{more_en}",
                               overlaps=top, overlaps_count=count, overlap_total_m2=total)


class _CountCap(CrossRule):
    severity = "restricted"
    right_type = ""
    indicator = ""
    noun_zh = ""
    noun_en = ""

    def evaluate(self, ctx):
        cap = int(ctx.indicator(self.indicator))
        existing = [right.id for _row, right in _existing_apps(ctx, self.right_type)]
        holders = list(existing)  # the rights that take the places, in rank order
        for rank, (i, app) in enumerate(ctx.valid((self.right_type,)), start=1):
            count = len(existing) + rank
            facts = {"rank": rank, "count_with_this": count, "cap": cap, "existing": len(existing)}
            if count <= cap:
                holders.append(app.id)
                yield i, self.ok(ctx, f"{self.noun_zh}第 {count} 个（上限 {cap} 个）",
                                 f"{self.noun_en} number {count} (at most {cap})", **facts)
            else:
                facts["within_cap"] = holders[:cap]
                yield i, self.fire(ctx, f"超出规划{self.noun_zh}上限 {cap} 个：排在 {'、'.join(holders[:cap])} 之后（第 {count} 个）",
                                   f"beyond the plan's cap of {cap} {self.noun_en}s: ranked after "
                                   f"{', '.join(holders[:cap])} (number {count})", **facts)


class ExplorationRightsCap(_CountCap):
    code = "K310"
    title_zh = "探矿权投放最大数"
    title_en = "Cap on exploration rights"
    applies_to = ("exploration",)
    right_type = "exploration"
    indicator = "max_exploration_rights"
    noun_zh = "探矿权"
    noun_en = "exploration right"
    what = ("The indicator table caps exploration rights ([indicators].max_exploration_rights, 3). Existing "
            "rights count first, then applications in rank order; those beyond the cap are restricted and the "
            "finding names the rights within it.")


class MinesCap(_CountCap):
    code = "K311"
    title_zh = "采矿权（矿山）最大数"
    title_en = "Cap on mines (mining rights)"
    applies_to = ("mining",)
    right_type = "mining"
    indicator = "max_mines"
    noun_zh = "采矿权"
    noun_en = "mining right"
    what = ("The indicator table caps mines ([indicators].max_mines, 5). Existing mining rights count first, "
            "then applications in rank order; those beyond the cap are restricted and the finding names the "
            "rights within it.")


class _ExtractionCap(CrossRule):
    severity = "restricted"
    applies_to = ("mining",)
    mineral = ""
    indicator = ""

    def evaluate(self, ctx):
        limit = float(ctx.indicator(self.indicator))
        total, holders = 0.0, []
        for _row, right in _existing_apps(ctx, "mining"):
            if right.mineral == self.mineral:
                value, _why = output_in(ctx, right, "wm3")
                if value is not None:
                    total += value
                    holders.append(right.id)
        existing_total = total
        for i, app in ctx.valid(self.applies_to):
            if app.mineral != self.mineral:
                continue
            value, why = output_in(ctx, app, "wm3")
            if value is None:
                yield i, _missing_output(self, ctx, why, app)
                continue
            before = total
            total += value
            facts = {"output_wm3": rounded(value, 3), "total_before_wm3": rounded(before, 3),
                     "total_with_this_wm3": rounded(total, 3), "limit_wm3": limit,
                     "existing_total_wm3": rounded(existing_total, 3), "counted_before": holders[:20]}
            if total > limit + 1e-9:
                total = before  # a refused application does not use the allowance
                yield i, self.fire(
                    ctx, f"{self.mineral}开采总量将达 {before + value:.4g} 万立方米/年，超过规划上限 {limit:g}"
                    f"（在先：{'、'.join(holders[:5]) or '无'}）",
                    f"total {self.mineral} extraction would reach {before + value:.4g} 10k m³/yr, above the plan's "
                    f"{limit:g} (counted before: {', '.join(holders[:5]) or 'none'})", **facts)
            else:
                holders.append(app.id)
                yield i, self.ok(ctx, f"{self.mineral}开采总量 {total:.4g} 万立方米/年，不超过 {limit:g}",
                                 f"total {self.mineral} extraction {total:.4g} 10k m³/yr, within {limit:g}", **facts)


class GeothermalCap(_ExtractionCap):
    code = "K312"
    title_zh = "地热开采总量上限"
    title_en = "Geothermal extraction total"
    mineral = "地热"
    indicator = "geothermal_max_wm3"
    what = ("Total geothermal extraction of existing mining rights and applications (in rank order) at most "
            "[indicators].geothermal_max_wm3 (10万 m³/年). An application that would pass it is restricted and "
            "does not use the allowance; the finding names the rights counted before it.")


class MineralWaterCap(_ExtractionCap):
    code = "K313"
    title_zh = "矿泉水开采总量上限"
    title_en = "Mineral-water extraction total"
    mineral = "矿泉水"
    indicator = "mineral_water_max_wm3"
    what = ("Total mineral-water extraction of existing mining rights and applications (in rank order) at most "
            "[indicators].mineral_water_max_wm3 (5万 m³/年, 1 m³ ≈ 1 t). An application that would pass it is "
            "restricted and does not use the allowance; the finding names the rights counted before it.")

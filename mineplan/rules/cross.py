"""Cross-application rules: what one application means for the others of the input and for the
rights already granted or pending (the registry).

* one exploration holder per exploration block (K300, 4.2.2(2))
* one mining right per mining block (K301, 一矿多开, 4.2.4(2))
* no right overlapping another application or an existing right (K302, 矿业权重叠)
* the caps of the indicator table, one rule per ``[[indicators]]`` entry with a ``rule`` (Changle:
  K310 exploration rights, K311 mines, K312 geothermal and K313 mineral-water extraction)

They run once over every right of a whole input (:meth:`mineplan.engine.pipeline.Engine.cross`),
whatever the chunking: the batch they see holds the existing rights first (``batch.extra
["existing"]`` true; the registry's order), then the applications in rank order (input order, or
``--priority``). Where the first comers take a place (a block's holder, a cap), that order decides.
An existing right whose id is also an application's id is that application and counts once.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from mineplan.engine.result import SEVERITY_RANK, Outcome, cannot, fires, passes
from mineplan.errors import RuleConfigError
from mineplan.rules.base import NEEDS_AREA, Rule
from mineplan.rules.blocks import mining_block_role_array
from mineplan.rules.mining import MISSING_OUTPUT, output_in_array

log = logging.getLogger("mineplan.screen")
RIGHTS = ("exploration", "mining")
#: the others a finding lists
LISTED = 20


def existing_mask(ctx) -> np.ndarray:
    ex = ctx.batch.extra.get("existing")
    return np.zeros(ctx.n, dtype=bool) if ex is None else ex.astype(bool)


def granted_mask(ctx) -> np.ndarray:
    """Rows that are granted rights (the registry's granted ones; its pending ones are earlier
    applications)."""
    g = ctx.batch.extra.get("granted")
    return np.zeros(ctx.n, dtype=bool) if g is None else g.astype(bool)


def green_first(ctx, apps: np.ndarray) -> np.ndarray:
    """Positions of the rows in ``apps`` (a mask) in the order they take a capped place: green
    mines (and green exploration) first, then the others, each in rank order (6.2.2: 开采指标、
    矿业权投放优先向绿色矿山安排)."""
    rows = np.flatnonzero(apps)
    green = ctx.batch["green_mine"][rows] == True  # noqa: E712
    return np.r_[rows[green], rows[~green]]


class CrossRule(Rule):
    """A rule that compares applications with each other: run once over the whole input."""

    cross = True
    applies_to = RIGHTS


def _block_facts(ctx, r, block: np.ndarray, others: np.ndarray, listed, earlier: np.ndarray, right_zh: str) -> None:
    """The facts both one-per-block rules report: the block, the others in it, and what the earlier
    right (row ``earlier``) is: a granted right, a pending one, or an earlier-ranked application."""
    code, zh, en = ctx.feature_names(block)
    r.fact("block", code)
    r.fact("_zh", zh)
    r.fact("_en", en)
    r.fact("others_count", others)
    r.lazy_fact("others_in_block", listed)
    existing, granted = existing_mask(ctx)[earlier], granted_mask(ctx)[earlier]
    what = np.where(existing, np.where(granted, 0, 1), 2)  # granted right, pending right, earlier application
    r.choice("_what_zh", what, (right_zh, "在先待批的申请", "排序在前的申请"))
    r.choice("_what_en", what, ("existing right", "pending application", "earlier-ranked application"))


def _first_in_block(block: np.ndarray, candidates: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows`` (a mask): the first row (lowest position: rank order) among
    ``candidates`` (a mask) in the same block; -1 where its block has none, and for other rows."""
    out = np.full(len(block), -1, dtype=np.int64)
    cand = np.flatnonzero(candidates)
    blocks, first = np.unique(block[cand], return_index=True)  # cand ascends: the first occurrence is the first
    at = np.flatnonzero(rows)
    if len(blocks) and len(at):
        k = np.minimum(np.searchsorted(blocks, block[at]), len(blocks) - 1)
        hit = blocks[k] == block[at]
        out[at[hit]] = cand[first[k[hit]]]
    return out


def _block_membership(ctx, rows: np.ndarray, block: np.ndarray):
    """For the rows in blocks: per row the count of others in its block (by id), and a lazy
    list of them (first LISTED, batch order)."""
    located = rows & (block >= 0)
    ids = ctx.batch.ids
    frame = pd.DataFrame({"block": block[located], "id": ids[located]})
    size = frame.groupby("block")["id"].transform("size").to_numpy()
    same = frame.groupby(["block", "id"])["id"].transform("size").to_numpy()
    others = np.zeros(ctx.n, dtype=np.int64)
    others[located] = size - same
    order = np.flatnonzero(located)
    order = order[np.argsort(block[order], kind="stable")]
    order_block, order_ids = block[order], ids[order]
    starts = np.searchsorted(order_block, block)

    def listed(sel: np.ndarray) -> list:
        out = []
        for r in sel.tolist():
            k, found = int(starts[r]), []
            while k < len(order_block) and order_block[k] == block[r] and len(found) < LISTED:
                if order_ids[k] != ids[r]:
                    found.append(order_ids[k])
                k += 1
            out.append(found)
        return out

    return located, others, listed


class OneExplorationHolder(CrossRule):
    code = "K300"
    roles = ("exploration_block",)
    title_zh = "每个勘查规划区块只设一个勘查主体"
    title_en = "One exploration holder per exploration block"
    applies_to = ("exploration",)
    what = ("Each exploration planning block has one exploration holder. The block's holder is the holder of "
            "an existing exploration right in it, else the applicant of the first exploration application in "
            "it (ranked: existing rights, then batch order). Another applicant is forbidden where the holder's "
            "right is granted; where the holder is an earlier application (or a pending right) the later one is "
            "a competing application for the block: restricted (only one can be granted). An application "
            "without an applicant in a block sought by others cannot be judged.")
    _facts = ("block", "others_in_block", "others_count")
    _holder = (*_facts, "block_holder", "block_holder_right", "block_holder_existing")
    outcomes = {
        "alone": passes("区块“{_zh}”内无其他探矿权或申请", "no other right or application in block {_en}", _facts),
        "no_applicant": cannot("未给出申请人，区块“{_zh}”另有 {others_count} 个探矿权或申请",
                               "applicant not given; block {_en} has {others_count} other rights or applications",
                               _facts),
        "holder": passes("区块“{_zh}”的勘查主体为本申请人（{block_holder}）",
                         "the applicant ({block_holder}) is block {_en}'s exploration holder", _holder),
        "competing": Outcome("restricted", "与{_what_zh} {block_holder_right}（{block_holder}）竞争区块“{_zh}”："
                             "每个勘查规划区块只设一个勘查主体，仅一方可获出让",
                             "competing for block {_en} with {_what_en} {block_holder_right} ({block_holder}): one "
                             "exploration holder per block, only one can be granted", _holder),
        "second": fires("区块“{_zh}”已有勘查主体“{block_holder}”（{_what_zh} {block_holder_right}），不得另设勘查主体",
                        "block {_en} already has an exploration holder, {block_holder} ({_what_en} "
                        "{block_holder_right}): no second holder", _holder),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = ctx.rows(self.applies_to)
        block = np.where(rows, ctx.rel.best("exploration_block").feature, -1)
        located, others, listed = _block_membership(ctx, rows, block)
        applicant = ctx.batch["applicant"]
        ids = ctx.batch.ids
        given = located & (applicant != None)  # noqa: E711
        # the block's holder: the first member (batch order: existing first) with an applicant
        holder_row = _first_in_block(block, given, located)
        hr = np.maximum(holder_row, 0)
        same = given & (holder_row >= 0) & (applicant[hr] == applicant)
        r.set("alone", located & ~given)
        r.set("no_applicant", located & ~given & (others > 0))
        r.set("holder", same)
        granted = granted_mask(ctx)
        r.set("second", given & ~same & granted[hr])
        r.set("competing", given & ~same & ~granted[hr])
        _block_facts(ctx, r, block, others, listed, hr, "已有探矿权")
        r.fact("block_holder", np.where(holder_row >= 0, applicant[hr], None))
        r.fact("block_holder_right", np.where(holder_row >= 0, ids[hr], None))
        r.fact("block_holder_existing", np.where(holder_row >= 0, existing_mask(ctx)[hr], None).astype(object))
        return r


class OneMinePerBlock(CrossRule):
    code = "K301"
    roles = ("mining_block",)
    title_zh = "严禁一矿多开（同一规划区块第二个采矿权）"
    title_en = "No second mining right in the same block (一矿多开)"
    applies_to = ("mining",)
    what = ("One mining right per mining planning block (geothermal and mineral water: per exploration block of "
            "the mineral, 探转采). The first right in a block (ranked: existing rights, then batch order) keeps "
            "it. A later application in a block with a granted mining right is forbidden, whoever the holder; "
            "where the first is an earlier application (or a pending right) the later one competes for the block: "
            "restricted (only one can be granted).")
    _facts = ("block", "others_in_block", "others_count")
    outcomes = {
        "first": passes("区块“{_zh}”内无在先的采矿权或申请", "no earlier mining right or application in block {_en}",
                        _facts),
        "competing": Outcome("restricted", "与{_what_zh} {first_right} 竞争开采规划区块“{_zh}”：严禁一矿多开，"
                             "仅一方可获出让",
                             "competing for block {_en} with {_what_en} {first_right}: one mine per block, only one "
                             "can be granted", (*_facts, "first_right", "first_existing")),
        "later": fires("一矿多开：区块“{_zh}”已有{_what_zh} {first_right}",
                       "several mines on one deposit: block {_en} already has {_what_en} {first_right}",
                       (*_facts, "first_right", "first_existing")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = ctx.rows(self.applies_to)
        best = ctx.rel.best_per_row(mining_block_role_array(ctx, ctx.batch["mineral"]))
        block = np.where(rows, best.feature, -1)
        located, others, listed = _block_membership(ctx, rows, block)
        first_row = _first_in_block(block, located, located)
        ids = ctx.batch.ids
        fr = np.maximum(first_row, 0)
        is_first = located & (ids[fr] == ids)
        r.set("first", is_first)
        granted = granted_mask(ctx)
        r.set("later", located & ~is_first & granted[fr])
        r.set("competing", located & ~is_first & ~granted[fr])
        _block_facts(ctx, r, block, others, listed, fr, "已有采矿权")
        r.fact("first_right", np.where(first_row >= 0, ids[fr], None))
        r.fact("first_existing", existing_mask(ctx)[fr].astype(object))
        return r


class RightsOverlap(CrossRule):
    code = "K302"
    params = ("overlap_tolerance_m2",)
    title_zh = "矿业权范围不得重叠"
    title_en = "No overlapping mineral rights"
    what = ("An exploration or mining application must not overlap a granted right by more than "
            "[rules].overlap_tolerance_m2 (1 m²; edges may touch): forbidden. Applications that overlap each "
            "other (or a pending right) compete for the same ground and only one can be granted: the first in rank "
            "(--priority, else input order; pending rights first) passes, every later one is restricted, naming the "
            "earliest it competes with. A mining application over its own holder's exploration right is 探转采 and "
            "does not count. The finding lists the others (the 20 largest) and the overlap areas.")
    _facts = ("overlaps", "overlaps_count", "overlap_total_m2")
    outcomes = {
        "needs_area": NEEDS_AREA,
        "none": passes("与其他申请及已有矿业权均不重叠", "overlaps no other application or existing right"),
        "first": passes("与排序在后的申请 {_first_id} 重叠 {_first_m2:g} 平方米{_more_zh}；本申请排序在前",
                        "overlaps later-ranked application {_first_id} by {_first_m2:g} m²{_more_en}; this one ranks "
                        "first", _facts),
        "competing": Outcome("restricted", "与排序在前的{_kind_zh} {_other_id} 竞争（重叠 {_other_m2:g} 平方米）："
                             "范围重叠的申请仅一方可获出让",
                             "competing with earlier-ranked {_kind_en} {_other_id} (overlap {_other_m2:g} m²): only "
                             "one of overlapping applications can be granted", (*_facts, "competing_with")),
        "overlaps": fires("与已有矿业权 {_other_id} 重叠 {_other_m2:g} 平方米",
                          "overlaps existing right {_other_id} by {_other_m2:g} m²", (*_facts, "granted_right")),
    }

    def evaluate(self, ctx):
        # imported here: numba's import and loading its compiled functions take ~0.3 s, and only K302
        # needs them (a check of a site or a point never pays it)
        from mineplan.overlaps import TopOverlaps, overlapping_pairs

        r = self.result(ctx)
        rows = ctx.rows(self.applies_to)
        areal = self.needs_area(ctx, r, rows)
        tolerance = float(ctx.param("overlap_tolerance_m2"))
        pos = np.flatnonzero(areal)
        n = len(pos)
        geoms = ctx.batch.geoms[pos]
        types = ctx.batch["right_type"][pos]
        holders = ctx.batch["applicant"][pos]
        existing = existing_mask(ctx)[pos]
        granted = granted_mask(ctx)[pos]
        ids = ctx.batch.ids[pos].astype(str)
        tie = np.unique(ids, return_inverse=True)[1] if n else np.zeros(0, dtype=np.int64)
        # the pair tests run on integer codes (equal codes: equal values; -1: no holder), not objects
        type_code = pd.factorize(types)[0]
        holder_code = pd.factorize(holders)[0]
        any_existing = bool(existing.any())

        def pair_filter(a, b):  # each pair once; two existing rights are not compared
            return (a < b) & ~(existing[a] & existing[b]) if any_existing else a < b

        def keep(a, b, area):
            # 探转采: the holder's own exploration right under its mining right does not count
            ha = holder_code[a]
            same = (type_code[a] != type_code[b]) & (ha >= 0) & (ha == holder_code[b])
            return (area > tolerance) & ~same

        tops = TopOverlaps(n, LISTED)
        # per right: the earliest-ranked right it overlaps, and the earliest granted one (rows are in
        # rank order, existing first: a pair (a, b) has a < b), with the overlap area
        earliest = _Earliest(n)
        earliest_granted = _Earliest(n)
        pairs = 0
        if n:
            for left, right, area in overlapping_pairs(geoms, geoms, pair_filter, keep):
                apps, others = np.r_[left, right], np.r_[right, left]
                tops.add(apps, others, tie[others], np.r_[area, area])
                earliest.add(right, left, area)
                g = granted[left]
                earliest_granted.add(right[g], left[g], area[g])
                pairs += len(left)
        log.info("K302: %d rights (%d existing), %d overlapping pairs", n, int(existing.sum()), pairs)
        count = np.zeros(ctx.n, dtype=np.int64)
        total = np.zeros(ctx.n)
        count[pos], total[pos] = tops.count, tops.total
        top_of = tops.top()
        hit = areal & (count > 0)
        competing = np.zeros(ctx.n, dtype=bool)
        competing[pos] = earliest.other >= 0
        on_granted = np.zeros(ctx.n, dtype=bool)
        on_granted[pos] = earliest_granted.other >= 0
        r.set("none", areal)
        r.set("first", hit)
        r.set("competing", hit & competing)
        r.set("overlaps", hit & on_granted)
        # the named other: the earliest granted right, else the earliest-ranked competitor
        other = np.where(earliest_granted.other >= 0, earliest_granted.other, earliest.other)
        other_m2 = np.where(earliest_granted.other >= 0, earliest_granted.area, earliest.area)
        named = np.full(ctx.n, None, dtype=object)
        named_m2 = np.full(ctx.n, np.nan)
        named_existing = np.zeros(ctx.n, dtype=bool)
        has = other >= 0
        named[pos[has]] = ids[other[has]]
        named_m2[pos[has]] = np.round(other_m2[has], 1)
        named_existing[pos[has]] = existing[other[has]]
        first_id = np.full(ctx.n, None, dtype=object)
        first_m2 = np.full(ctx.n, np.nan)
        largest = tops.largest_other
        has = largest >= 0
        first_id[pos[has]] = ids[largest[has]]
        first_m2[pos[has]] = np.round(tops.largest_area[has], 1)

        def listed(sel: np.ndarray) -> list:
            out = []
            for i in sel.tolist():
                others, areas = top_of(int(slot[i]))
                out.append([{"id": ids[o], "existing": bool(existing[o]), "overlap_m2": round(a, 1)}
                            for o, a in zip(others.tolist(), areas.tolist(), strict=True)])
            return out

        slot = np.full(ctx.n, -1, dtype=np.int64)
        slot[pos] = np.arange(n)
        r.lazy_fact("overlaps", listed)
        r.fact("overlaps_count", count)
        r.fact("overlap_total_m2", total, digits=1)
        r.fact("competing_with", named)
        r.fact("granted_right", named)
        r.fact("_other_id", named)
        r.fact("_other_m2", named_m2)
        r.fact("_first_id", first_id)
        r.fact("_first_m2", first_m2)
        r.choice("_kind_zh", named_existing, ("申请", "待批矿业权"))
        r.choice("_kind_en", named_existing, ("application", "pending right"))
        r.lazy_fact("_more_zh", lambda rows: [f"等 {c} 处" if c > 1 else "" for c in count[rows].tolist()])
        r.lazy_fact("_more_en", lambda rows: [f" and {c - 1} more" if c > 1 else "" for c in count[rows].tolist()])
        return r


class _Earliest:
    """Per right (0..n-1): the earliest-ranked other (lowest position) it overlaps, with the area."""

    NONE = np.iinfo(np.int64).max

    def __init__(self, n: int):
        self._other = np.full(n, self.NONE, dtype=np.int64)
        self.area = np.zeros(n)

    @property
    def other(self) -> np.ndarray:
        return np.where(self._other == self.NONE, -1, self._other)

    def add(self, right: np.ndarray, left: np.ndarray, area: np.ndarray) -> None:
        from mineplan.overlaps import earliest_update

        if len(right):  # compiled: np.minimum.at and its follow-up passes cost ~10 s at 119 M pairs
            earliest_update(self._other, self.area, right.astype(np.int64, copy=False),
                            left.astype(np.int64, copy=False), area.astype(np.float64, copy=False))


#: the ``counts`` of an [[indicators]] entry a cap rule can enforce on applications
CAP_COUNTS = {"exploration_rights": "exploration", "mining_rights": "mining", "output": "mining"}
#: units of output caps -> the unit code of :func:`~mineplan.rules.mining.output_in_array`
UNIT_CODES = {"万吨/年": "wt", "万立方米/年": "wm3"}
UNIT_EN = {"万吨/年": "10 kt/yr", "万立方米/年": "10k m³/yr"}


class CountCap(CrossRule):
    """An [[indicators]] cap on how many rights of a type (and minerals) the plan allows. Existing
    rights count first, then applications committed to green mining or exploration, then the
    others, each in rank order (6.2.2: 矿业权投放优先向绿色矿山安排); those beyond the cap get the
    entry's severity and the finding names the rights within it."""

    title_zh = "{title_zh}上限 {limit:g}"
    title_en = "{title_en}: at most {limit:g}"
    severity = "restricted"
    facts = ("rank", "count_with_this", "cap", "existing")
    outcomes = {
        "within": passes("{_noun_zh}第 {count_with_this} 个（上限 {cap} 个）",
                         "{_noun_en} number {count_with_this} (at most {cap})", facts),
        "beyond": fires("超出规划{_noun_zh}上限 {cap} 个：排在 {_holders} 之后（第 {count_with_this} 个）",
                        "beyond the plan's cap of {cap} ({_noun_en}): ranked after {_holders_en} "
                        "(number {count_with_this})", (*facts, "within_cap")),
    }

    def __init__(self, entry: dict, minerals: tuple[str, ...] = ()):
        self.entry = entry
        self.code = entry["rule"]
        self.right_type = CAP_COUNTS[entry["counts"]]
        self.applies_to = (self.right_type,)
        self.minerals = minerals
        self.limit = float(entry["limit"])
        self.severity = entry.get("severity", "restricted")
        self.what = (f"[[indicators]] {entry['key']}: at most {self.limit:g} {entry['counts'].replace('_', ' ')}"
                     + (f" of {', '.join(self.minerals)}" if self.minerals else "")
                     + " (existing rights first, then green commitments, then rank order).")

    def counted(self, ctx) -> np.ndarray:
        rows = ctx.rows(self.applies_to)
        if self.minerals:
            rows &= np.isin(ctx.batch["mineral"], list(self.minerals))
        return rows

    def evaluate(self, ctx):
        r = self.result(ctx)
        cap = int(self.limit)
        rows = self.counted(ctx)
        existing = existing_mask(ctx)
        ex_count = int((rows & existing).sum())
        apps = rows & ~existing
        order = green_first(ctx, apps)  # the order the places are taken in
        rank = np.zeros(ctx.n, dtype=np.int64)
        rank[order] = np.arange(1, len(order) + 1)
        count = ex_count + rank
        r.set("within", apps & (count <= cap))
        r.set("beyond", apps & (count > cap))
        r.fact("rank", rank)
        r.fact("count_with_this", count)
        r.fact("cap", cap)
        r.fact("existing", ex_count)
        holders = ctx.batch.ids[np.r_[np.flatnonzero(rows & existing), order]][:cap].tolist()
        r.lazy_fact("within_cap", lambda sel: [holders] * len(sel))
        r.fact("_holders", "、".join(holders))
        r.fact("_holders_en", ", ".join(holders))
        r.fact("_noun_zh", self.entry["title_zh"])
        r.fact("_noun_en", self.entry["title_en"])
        return r


class OutputCap(CrossRule):
    """An [[indicators]] cap on the total annual output of the mining rights of some minerals:
    existing rights and applications counted in order (existing, then green mines, then the others,
    each in rank order, 6.2.2). An application that would pass it gets the entry's severity and
    does not use the allowance; the finding names the rights counted before it."""

    title_zh = "{title_zh}上限 {limit:g} {unit}"
    title_en = "{title_en}: at most {limit:g} {unit_en}"
    severity = "restricted"
    applies_to = ("mining",)
    facts = ("output", "total_before", "total_with_this", "limit", "unit", "existing_total", "counted_before")
    outcomes = {
        **MISSING_OUTPUT,
        "within": passes("{_noun_zh}总量 {total_with_this:.4g} {unit}，不超过 {limit:g}",
                         "total {_noun_en} {total_with_this:.4g} {_unit_en}, within {limit:g}", facts),
        "over": fires("{_noun_zh}总量将达 {total_with_this:.4g} {unit}，超过规划上限 {limit:g}（在先：{_before_zh}）",
                      "total {_noun_en} would reach {total_with_this:.4g} {_unit_en}, above the plan's {limit:g} "
                      "(counted before: {_before_en})", facts),
    }

    def __init__(self, entry: dict, minerals: tuple[str, ...]):
        self.entry = entry
        self.code = entry["rule"]
        self.minerals = minerals
        self.limit = float(entry["limit"])
        self.unit = entry["unit"]
        self.unit_code = UNIT_CODES[self.unit]
        self.severity = entry.get("severity", "restricted")
        self.what = (f"[[indicators]] {entry['key']}: total annual output of {', '.join(self.minerals)} at most "
                     f"{self.limit:g} {self.unit} (existing rights first, then green mines, then rank order).")

    def title_values(self, pack) -> dict:
        return {**super().title_values(pack), "unit_en": UNIT_EN[self.unit]}

    def evaluate(self, ctx):
        r = self.result(ctx)
        limit = self.limit
        rows = ctx.rows(self.applies_to) & np.isin(ctx.batch["mineral"], list(self.minerals))
        existing = existing_mask(ctx)
        value, why = output_in_array(ctx, rows, self.unit_code)
        known = rows & ~np.isnan(value)
        ex = known & existing
        existing_total = float(value[ex].sum())
        apps = rows & ~existing
        for reason in ("output", "unit", "density"):
            r.set(reason, apps & ~known & (why == reason))
        # the allowance is taken in rank order; a refused application does not use it (sequential
        # by nature: a loop over these minerals' applications only)
        ids = ctx.batch.ids
        holders = [str(x) for x in ids[ex].tolist()]
        before = np.full(ctx.n, np.nan)
        counted = np.zeros(ctx.n, dtype=np.int64)
        total = existing_total
        over = np.zeros(ctx.n, dtype=bool)
        for i in green_first(ctx, apps & known).tolist():  # green mines take the allowance first (6.2.2)
            before[i], counted[i] = total, len(holders)
            if total + value[i] > limit + 1e-9:
                over[i] = True
            else:
                total += value[i]
                holders.append(str(ids[i]))
        ok = apps & known & ~over
        r.set("within", ok)
        r.set("over", apps & known & over)
        r.fact("output", value, digits=3)
        r.fact("total_before", before, digits=3)
        r.fact("total_with_this", before + value, digits=3)
        r.fact("limit", limit)
        r.fact("unit", self.unit)
        r.fact("_unit_en", UNIT_EN[self.unit])
        r.fact("existing_total", existing_total, digits=3)
        r.fact("_noun_zh", self.entry["title_zh"])
        r.fact("_noun_en", self.entry["title_en"].lower())
        r.fact("_mineral", ctx.batch["mineral"])
        r.lazy_fact("counted_before", lambda sel: [holders[:min(int(counted[i]), LISTED)] for i in sel.tolist()])
        r.lazy_fact("_before_zh", lambda sel: ["、".join(holders[:min(int(counted[i]), 5)]) or "无"
                                                for i in sel.tolist()])
        r.lazy_fact("_before_en", lambda sel: [", ".join(holders[:min(int(counted[i]), 5)]) or "none"
                                                for i in sel.tolist()])
        return r


#: the keys of an [[indicators]] entry
INDICATOR_KEYS = {"key", "title_zh", "title_en", "counts", "minerals", "classes", "limit", "kind", "unit", "clause",
                  "rule", "severity", "note"}


def indicator_minerals(entry: dict, pack) -> tuple[str, ...]:
    """The minerals an [[indicators]] entry counts: its ``minerals`` and every mineral of the pack
    whose ``classes`` meet its ``classes`` (e.g. ``classes = ["key_mining"]``); () for all."""
    named = list(entry.get("minerals", ()))
    classes = set(entry.get("classes", ()))
    if classes:
        named += [m for m, e in pack.config.get("minerals", {}).items() if classes & set(e.get("classes", ()))]
    return tuple(dict.fromkeys(named))
INDICATOR_COUNTS = ("exploration_rights", "mining_rights", "output", "share_medium_or_larger", "share_green")


def check_indicator(entry, pack, k: int) -> None:
    """An [[indicators]] entry's keys and values, or a one-line :class:`RuleConfigError`."""
    where = f"{pack.root / 'plan.toml'}: [[indicators]] #{k + 1}"
    if not isinstance(entry, dict):
        raise RuleConfigError(f"{where}: must be a table")
    where += f" ({entry.get('key', 'no key')})"
    for key in ("key", "title_zh", "title_en", "counts", "limit", "kind"):
        if key not in entry:
            raise RuleConfigError(f"{where}: no {key!r}")
    unknown = sorted(set(entry) - INDICATOR_KEYS)
    if unknown:
        raise RuleConfigError(f"{where}: unknown key(s) {', '.join(unknown)} "
                              f"(known: {', '.join(sorted(INDICATOR_KEYS))})")
    if entry["counts"] not in INDICATOR_COUNTS:
        raise RuleConfigError(f"{where}: counts {entry['counts']!r} is not one of {', '.join(INDICATOR_COUNTS)}")
    if entry["kind"] not in ("max", "min"):
        raise RuleConfigError(f"{where}: kind {entry['kind']!r} is not max or min")
    if not isinstance(entry["limit"], int | float) or isinstance(entry["limit"], bool):
        raise RuleConfigError(f"{where}: limit must be a number, got {entry['limit']!r}")
    if entry["counts"] == "output":
        if not indicator_minerals(entry, pack):
            raise RuleConfigError(f"{where}: an output indicator names its minerals (or mineral classes)")
        if entry.get("unit") not in UNIT_CODES:
            raise RuleConfigError(f"{where}: unit {entry.get('unit')!r} is not one of {', '.join(UNIT_CODES)}")
    if entry.get("rule"):
        if entry["counts"] not in CAP_COUNTS or entry["kind"] != "max":
            raise RuleConfigError(f"{where}: only a max of exploration_rights, mining_rights or output can be a rule")
        if entry.get("severity", "restricted") not in SEVERITY_RANK:
            raise RuleConfigError(f"{where}: severity {entry['severity']!r} is not one of {', '.join(SEVERITY_RANK)}")


def cap_rule(entry, pack, k: int) -> CrossRule:
    """The cross rule enforcing the ``k``-th [[indicators]] entry (one that names a ``rule``)."""
    check_indicator(entry, pack, k)
    minerals = indicator_minerals(entry, pack)
    return OutputCap(entry, minerals) if entry["counts"] == "output" else CountCap(entry, minerals)

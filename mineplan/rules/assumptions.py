"""What the engine did not read from the application: its assumptions (A002) and a mineral name
that may mean several of the plan's minerals (M101). Nothing is assumed silently."""

from __future__ import annotations

import numpy as np

from mineplan.engine.result import Outcome, cannot
from mineplan.rules.base import Rule

_STATUS = {"new": ("新建矿山", "a new mine"), "existing": ("已有矿山", "an existing mine")}


class Assumptions(Rule):
    code = "A002"
    title_zh = "判定所依据的假设"
    title_en = "Assumptions made in judging"
    severity = "info"
    what = ("Every default the engine applies to an application is reported: a mining right without a "
            "mine status is judged as [rules].default_mine_status (the plan records no mining right in force).")
    outcomes = {
        "assumed": Outcome("info", "假设：{_zh}", "assumed: {_en}", ("assumed",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        n = ctx.n
        zh = [[] for _ in range(n)]
        en = [[] for _ in range(n)]
        keys = [[] for _ in range(n)]
        default = ctx.pack.rules.get("default_mine_status")
        if default is not None:
            rows = ctx.rows(("mining",)) & (ctx.batch["mine_status"] == None)  # noqa: E711
            word_zh, word_en = _STATUS.get(default, (default, default))
            for i in np.flatnonzero(rows).tolist():
                zh[i].append(f"未给出矿山性质，按{word_zh}判定（规划期初无有效采矿权）")
                en[i].append(f"mine status not given: judged as {word_en} (no mining right was in force "
                             "when the plan began)")
                keys[i].append(f"mine_status={default}")
        some = np.array([bool(k) for k in keys], dtype=bool)
        r.set("assumed", some)
        r.fact("assumed", np.array([k or None for k in keys] + [None], dtype=object)[:-1])
        r.fact("_zh", np.array(["；".join(z) for z in zh], dtype=object))
        r.fact("_en", np.array(["; ".join(e) for e in en], dtype=object))
        return r


class MineralNamed(Rule):
    code = "M101"
    title_zh = "矿种名称须明确"
    title_en = "Mineral named unambiguously"
    applies_to = ("exploration", "mining")
    severity = "cannot_judge"
    what = ("A mineral name that may mean several of the plan's minerals ([rules.ambiguous_minerals]: a bare "
            "石灰岩 is building-stone, cement or flux limestone) cannot be judged; the finding names the candidates.")
    outcomes = {
        "ambiguous": cannot("矿种名称不明确，可能是：{_candidates}（请写明规划所列矿种）",
                            "the mineral name may mean any of {_candidates} (name one of the plan's minerals)",
                            ("candidates",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = ctx.rows(self.applies_to)
        candidates = ctx.batch.attrs.get("mineral_candidates")
        if candidates is None:
            candidates = np.full(ctx.n, None, dtype=object)
        ambiguous = rows & (candidates != None)  # noqa: E711
        r.set("ambiguous", ambiguous)
        r.fact("_candidates", candidates)
        listed = np.full(ctx.n, None, dtype=object)
        for i in np.flatnonzero(ambiguous).tolist():
            listed[i] = candidates[i].split("、")
        r.fact("candidates", listed)
        return r

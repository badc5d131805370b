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
        #: (rows, what was assumed, zh, en): one entry per default the engine applies
        items: list[tuple[np.ndarray, str, str, str]] = []
        default = ctx.pack.rules.get("default_mine_status")
        if default is not None:
            word_zh, word_en = _STATUS.get(default, (default, default))
            items.append((ctx.rows(("mining",)) & (ctx.batch["mine_status"] == None),  # noqa: E711
                          f"mine_status={default}",
                          f"未给出矿山性质，按{word_zh}判定（规划期初无有效采矿权）",
                          f"mine status not given: judged as {word_en} (no mining right was in force when "
                          "the plan began)"))
        some = np.zeros(ctx.n, dtype=bool)
        for rows, *_ in items:
            some |= rows
        r.set("assumed", some)

        def listed(k: int, join: str | None):  # a lazy fact: only the serialised rows are spelled out
            def fn(sel: np.ndarray) -> list:
                out = []
                for i in np.asarray(sel).tolist():
                    parts = [item[k] for item in items if item[0][i]]
                    out.append((parts or None) if join is None else join.join(parts))
                return out
            return fn

        r.lazy_fact("assumed", listed(1, None))
        r.lazy_fact("_zh", listed(2, "；"))
        r.lazy_fact("_en", listed(3, "; "))
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
        r.lazy_fact("candidates", lambda sel: [c.split("、") if c else None for c in candidates[sel].tolist()])
        return r

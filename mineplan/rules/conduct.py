"""How a right is granted and run: competitive grant, green mine, green exploration."""

from __future__ import annotations

import numpy as np

from mineplan.engine.result import cannot, fires, passes
from mineplan.rules.base import Rule


class CompetitiveGrant(Rule):
    code = "T260"
    title_zh = "严格限制协议出让"
    title_en = "Agreement grants strictly limited"
    applies_to = ("exploration", "mining")
    severity = "restricted"
    what = "Rights are granted by tender, auction or listing (招标、拍卖、挂牌); an agreement grant is strictly limited."
    outcomes = {
        "missing": cannot("未给出出让方式", "grant method not given"),
        "competitive": passes("以{grant}方式出让", "granted by {grant} (competitive)", ("grant",)),
        "agreement": fires("协议出让：严格限制，需专门审批", "agreement grant: strictly limited, needs special approval",
                           ("grant",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = ctx.rows(self.applies_to)
        grant = ctx.batch["grant"]
        given = rows & (grant != None)  # noqa: E711
        competitive = np.isin(grant, list(ctx.param("competitive_grants")))
        r.set("missing", rows & ~given)
        r.set("competitive", given & competitive)
        r.set("agreement", given & ~competitive)
        r.fact("grant", grant)
        return r


class _Commitment(Rule):
    """A yes/no commitment (the ``green_mine`` attribute): pass, fire, or cannot judge."""

    severity = "restricted"

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = ctx.rows(self.applies_to)
        green = ctx.batch["green_mine"]
        r.set("missing", rows & (green == None))  # noqa: E711
        r.set("committed", rows & (green == True))  # noqa: E712
        r.set("not_committed", rows & (green == False))  # noqa: E712
        return r


class GreenMine(_Commitment):
    code = "G250"
    title_zh = "新建矿山按绿色矿山标准建设"
    title_en = "New mine built to the green-mine standard"
    applies_to = ("mining",)
    what = "Every new mine is built to the green-mine standard, with a restoration plan; restricted until committed."
    outcomes = {
        "committed": passes("已承诺按绿色矿山标准建设", "committed to the green-mine standard"),
        "missing": cannot("未说明是否承诺绿色矿山建设", "no green-mine commitment stated"),
        "not_committed": fires("未承诺按绿色矿山标准建设", "no commitment to the green-mine standard"),
    }


class GreenExploration(_Commitment):
    code = "G251"
    title_zh = "全面实施绿色勘查"
    title_en = "Green exploration"
    applies_to = ("exploration",)
    what = "Exploration is green exploration (绿色勘查); restricted until committed."
    outcomes = {
        "committed": passes("已承诺绿色勘查", "committed to green exploration"),
        "missing": cannot("未说明是否承诺绿色勘查", "no green-exploration commitment stated"),
        "not_committed": fires("未承诺绿色勘查", "no commitment to green exploration"),
    }

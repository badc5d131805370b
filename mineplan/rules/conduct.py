"""How a right is granted and run: competitive grant, clean grant, green mine, restoration plan,
green exploration."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mineplan.engine.result import cannot, fires, passes
from mineplan.rules.base import Rule
from mineplan.rules.scope import in_scope


class CompetitiveGrant(Rule):
    code = "T260"
    params = ("competitive_grants",)
    title_zh = "严格限制协议出让"
    title_en = "Agreement grants strictly limited"
    applies_to = ("exploration", "mining")
    severity = "restricted"
    what = ("Rights are granted by tender, auction or listing (招标、拍卖、挂牌); an agreement grant is "
            "strictly limited.")
    outcomes = {
        "missing": cannot("未给出出让方式", "grant method not given"),
        "competitive": passes("以{grant}方式出让", "granted by {grant} (competitive)", ("grant",)),
        "agreement": fires("协议出让：严格限制，需专门审批",
                           "agreement grant: strictly limited, needs special approval", ("grant",)),
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
    """A yes/no attribute the plan makes a condition: pass (yes), fire (no), cannot judge (not
    given). The rows are the clause's scope ([rules.scope.CODE], else the rule's right types)."""

    severity = "restricted"
    #: the canonical attribute (a yes/no column)
    attribute: ClassVar[str] = "green_mine"

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = in_scope(ctx, self.code, self.applies_to)
        value = ctx.batch[self.attribute]
        r.set("missing", rows & (value == None))  # noqa: E711
        r.set("committed", rows & (value == True))  # noqa: E712
        r.set("not_committed", rows & (value == False))  # noqa: E712
        return r


class CleanGrant(_Commitment):
    code = "T261"
    title_zh = "采矿权“净矿”出让"
    title_en = "Mining right granted clean (净矿出让)"
    applies_to = ("mining",)
    attribute = "clean_grant"
    what = ("A mining right is granted clean (净矿: land, red line, overlapping rights and other obstacles "
            "cleared before the grant; attribute clean_grant); restricted until the preparatory work is done.")
    outcomes = {
        "committed": passes("“净矿”出让", "granted clean (净矿)"),
        "missing": cannot("未说明是否“净矿”出让", "not stated whether the right is granted clean (净矿)"),
        "not_committed": fires("非“净矿”出让：须先完成出让前期准备工作",
                               "not granted clean (净矿): the preparatory work must be done before the grant"),
    }


class GreenMine(_Commitment):
    code = "G250"
    title_zh = "新建矿山必须达到绿色矿山要求"
    title_en = "New mine must meet the green-mine requirements"
    applies_to = ("mining",)
    severity = "forbidden"
    what = ("A new mine must meet the green-mine requirements (6.3.1 必须, an admission condition): "
            "forbidden without the commitment (attribute green_mine), cannot judge when not stated.")
    outcomes = {
        "committed": passes("已承诺按绿色矿山标准建设", "committed to the green-mine standard"),
        "missing": cannot("未说明是否承诺绿色矿山建设", "no green-mine commitment stated"),
        "not_committed": fires("新建矿山未承诺达到绿色矿山要求（准入条件）",
                               "a new mine without the green-mine commitment (an admission condition)"),
    }


class RestorationPlan(_Commitment):
    code = "G252"
    title_zh = "采前有规划（矿山地质环境保护与土地复垦方案）"
    title_en = "Restoration plan before mining (采前有规划)"
    applies_to = ("mining",)
    attribute = "restoration_plan"
    what = ("A new mine has its whole-life restoration plan (矿山地质环境保护与土地复垦方案; attribute "
            "restoration_plan) before mining: restricted until it is prepared, cannot judge when not stated.")
    outcomes = {
        "committed": passes("已编制矿山地质环境保护与土地复垦方案", "restoration plan prepared"),
        "missing": cannot("未说明是否编制矿山地质环境保护与土地复垦方案",
                          "not stated whether a restoration plan is prepared"),
        "not_committed": fires("未编制矿山地质环境保护与土地复垦方案：采前须有规划",
                               "no restoration plan: one is needed before mining (采前有规划)"),
    }


class GreenExploration(_Commitment):
    code = "G251"
    title_zh = "全面实施绿色勘查"
    title_en = "Green exploration"
    applies_to = ("exploration",)
    what = ("Exploration is green exploration (绿色勘查); restricted until committed (the plan enforces it by "
            "supervision and contract, not as a bar to the grant).")
    outcomes = {
        "committed": passes("已承诺绿色勘查", "committed to green exploration"),
        "missing": cannot("未说明是否承诺绿色勘查", "no green-exploration commitment stated"),
        "not_committed": fires("未承诺绿色勘查", "no commitment to green exploration"),
    }

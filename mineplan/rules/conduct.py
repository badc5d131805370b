"""How a right is granted and run: competitive grant, green mine, green exploration."""

from __future__ import annotations

from mineplan.rules.base import Rule


class CompetitiveGrant(Rule):
    code = "T260"
    title_zh = "严格限制协议出让"
    title_en = "Agreement grants strictly limited"
    applies_to = ("exploration", "mining")
    severity = "restricted"
    what = "Rights are granted by tender, auction or listing (招标、拍卖、挂牌); an agreement grant is strictly limited."

    def evaluate(self, ctx):
        competitive = set(ctx.param("competitive_grants"))
        for i, app in ctx.valid(self.applies_to):
            if app.grant is None:
                yield i, self.cannot(ctx, "未给出出让方式", "grant method not given")
            elif app.grant in competitive:
                yield i, self.ok(ctx, f"以{app.grant}方式出让", f"granted by {app.grant} (competitive)", grant=app.grant)
            else:
                yield i, self.fire(ctx, "协议出让：严格限制，需专门审批", "agreement grant: strictly limited, needs special approval",
                                   grant=app.grant)


class GreenMine(Rule):
    code = "G250"
    title_zh = "新建矿山按绿色矿山标准建设"
    title_en = "New mine built to the green-mine standard"
    applies_to = ("mining",)
    severity = "restricted"
    what = "Every new mine is built to the green-mine standard, with a restoration plan; restricted until committed."

    def evaluate(self, ctx):
        for i, app in ctx.valid(self.applies_to):
            if app.green_mine:
                yield i, self.ok(ctx, "已承诺按绿色矿山标准建设", "committed to the green-mine standard")
            elif app.green_mine is None:
                yield i, self.cannot(ctx, "未说明是否承诺绿色矿山建设", "no green-mine commitment stated")
            else:
                yield i, self.fire(ctx, "未承诺按绿色矿山标准建设", "no commitment to the green-mine standard")


class GreenExploration(Rule):
    code = "G251"
    title_zh = "全面实施绿色勘查"
    title_en = "Green exploration"
    applies_to = ("exploration",)
    severity = "restricted"
    what = "Exploration is green exploration (绿色勘查); restricted until committed."

    def evaluate(self, ctx):
        for i, app in ctx.valid(self.applies_to):
            if app.green_mine:
                yield i, self.ok(ctx, "已承诺绿色勘查", "committed to green exploration")
            elif app.green_mine is None:
                yield i, self.cannot(ctx, "未说明是否承诺绿色勘查", "no green-exploration commitment stated")
            else:
                yield i, self.fire(ctx, "未承诺绿色勘查", "no commitment to green exploration")

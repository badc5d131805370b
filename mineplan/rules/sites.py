"""Rules for projects that are not mineral rights, and for user constraint layers."""

from __future__ import annotations

import numpy as np
import shapely

from mineplan.context import group_by_app
from mineplan.findings import rounded
from mineplan.index import measure
from mineplan.rules.base import Rule

PLANNED_RESOURCE_ROLES = ("exploration_block", "mining_block", "key_exploration_zone", "key_mining_zone")


class SiteCoversPlannedResources(Rule):
    code = "S270"
    title_zh = "建设项目压覆规划矿产资源"
    title_en = "Project covers planned mineral resources (压覆)"
    applies_to = ("site",)
    severity = "restricted"
    what = ("A project that is not a mineral right but overlaps a planning block or key zone would cover "
            "(压覆) planned mineral resources and needs that assessment before approval.")

    def evaluate(self, ctx):
        table = ctx.overlaps
        roles = ctx.index.features["role"].to_numpy()[table["feature"].to_numpy()]
        table = table[np.isin(roles, PLANNED_RESOURCE_ROLES)]
        by_app = group_by_app(table, ("feature", "overlap", "app_share"))
        for role in PLANNED_RESOURCE_ROLES:
            ctx.prefetch_nearest(role, [i for i, _app in ctx.valid(self.applies_to) if i not in by_app])
        for i, _app in ctx.valid(self.applies_to):
            hits = by_app.get(i)
            if hits is None:
                near = [c for c in (ctx.nearest_of(r, i) for r in PLANNED_RESOURCE_ROLES) if c is not None]
                facts = {}
                if near:
                    dist, feat = min(near)
                    facts = {"nearest": str(ctx.feature(feat)["code"]), "distance_m": rounded(dist)}
                yield i, self.ok(ctx, "不压覆规划区块或重点区", "covers no planning block or key zone", **facts)
                continue
            covered = []
            for f, overlap, share in zip(*hits, strict=True):
                row = ctx.feature(f)
                covered.append({"code": str(row["code"]), "name_zh": str(row["name_zh"]), "name_en": str(row["name_en"]),
                                "overlap_m2": rounded(overlap) if ctx.is_areal[i] else None,
                                "share_of_site": rounded(share, 4)})
            names_zh = "、".join(c["name_zh"] for c in covered)
            names_en = ", ".join(c["name_en"] for c in covered)
            yield i, self.fire(ctx, f"压覆规划矿产资源：{names_zh}；需进行压覆矿产资源评估",
                               f"covers planned mineral resources: {names_en}; a 压覆 assessment is required",
                               covered=covered)


class ConstraintLayers(Rule):
    code = "C280"
    title_zh = "用户约束图层（生态保护红线、永久基本农田等）"
    title_en = "User constraint layers (ecological red line, permanent basic farmland, …)"
    severity = "forbidden"
    what = ("Each constraint layer (a plan-pack layer with role 'constraint', or --constraints FILE) gives its "
            "own verdict where an application overlaps it; the plan publishes no such layer (1.4.1).")

    def evaluate(self, ctx):
        layers = list(ctx.constraints or [])
        if not layers:
            return
        for name, title, severity, frame in layers:
            geoms = np.asarray(frame.geometry.values, dtype=object)
            tree = shapely.STRtree(geoms)
            app, feat = tree.query(ctx.geoms, predicate="intersects")
            done = set()
            for a, f in zip(app, feat, strict=True):
                a = int(a)
                if a in done or ctx.apps[a] is None:
                    continue
                done.add(a)
                inter = shapely.intersection(ctx.geoms[a], geoms[f])
                share = float(measure(np.array([inter]))[0] / ctx.sizes[a]) if ctx.is_areal[a] else 1.0
                facts = {"layer": name, "feature": str(frame.iloc[int(f)].get("code", f)), "share": rounded(share, 4)}
                if ctx.is_areal[a]:
                    facts["overlap_m2"] = rounded(shapely.area(inter))
                yield a, self.finding(ctx, severity, f"与约束图层“{title}”重叠（{share:.1%}）",
                                      f"overlaps constraint layer {title} ({share:.1%})", **facts)
            for i, _ in ctx.valid():
                if i not in done:
                    yield i, self.ok(ctx, f"不与约束图层“{title}”重叠", f"does not overlap constraint layer {title}", layer=name)

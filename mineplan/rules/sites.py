"""Rules for projects that are not mineral rights, and for user constraint layers."""

from __future__ import annotations

import numpy as np
import shapely

from mineplan.engine.result import SEVERITY_RANK, Outcome, fires, passes
from mineplan.findings import SEVERITIES, rounded
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
    outcomes = {
        "covers": fires("压覆规划矿产资源：{_names_zh}；需进行压覆矿产资源评估",
                        "covers planned mineral resources: {_names_en}; a 压覆 assessment is required", ("covered",)),
        "clear": passes("不压覆规划区块或重点区", "covers no planning block or key zone", ("nearest", "distance_m")),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows = ctx.rows(self.applies_to)
        if not rows.any():
            return r
        pairs = ctx.rel.pairs(PLANNED_RESOURCE_ROLES)  # largest overlap first within a row
        covers = rows & (pairs.count(ctx.n) > 0)
        clear = rows & ~covers
        r.set("covers", covers)
        r.set("clear", clear)
        nearest = ctx.lazy_nearest(PLANNED_RESOURCE_ROLES, rows=clear)  # asked where the finding is serialised
        r.lazy_fact("nearest", nearest.code)
        r.lazy_fact("distance_m", nearest.distance)
        areal = ctx.rel.is_areal
        index = ctx.index

        def covered(rows):
            groups = pairs.groups(rows)
            out = []
            for row in np.asarray(rows).tolist():
                sl = groups.get(row)
                out.append(None if sl is None else [
                    {"code": str(index.codes[f]), "name_zh": str(index.names_zh[f]), "name_en": str(index.names_en[f]),
                     "overlap_m2": rounded(overlap) if areal[row] else None, "share_of_site": rounded(share, 4)}
                    for f, overlap, share in zip(pairs.feature[sl].tolist(), pairs["overlap"][sl].tolist(),
                                                 pairs["app_share"][sl].tolist(), strict=True)])
            return out

        def names(values, sep):
            def fn(rows):
                groups = pairs.groups(rows)
                return [None if (sl := groups.get(row)) is None else sep.join(str(v) for v in values[pairs.feature[sl]])
                        for row in np.asarray(rows).tolist()]
            return fn

        r.lazy_fact("covered", covered)
        r.lazy_fact("_names_zh", names(index.names_zh, "、"))
        r.lazy_fact("_names_en", names(index.names_en, ", "))
        return r


_LAYER_FACTS = ("layer", "feature", "share", "overlap_m2", "other_layers")


def _overlaps(severity: str) -> Outcome:
    return Outcome(severity, "与约束图层“{_title}”重叠（{_share:.1%}）",
                   "overlaps constraint layer {_title} ({_share:.1%})", _LAYER_FACTS)


class ConstraintLayers(Rule):
    code = "C280"
    title_zh = "用户约束图层（生态保护红线、永久基本农田等）"
    title_en = "User constraint layers (ecological red line, permanent basic farmland, …)"
    severity = "forbidden"
    what = ("Each constraint layer (a plan-pack layer with role 'constraint', or --constraints FILE) gives its "
            "own verdict where an application overlaps it; the plan publishes no such layer (1.4.1). An "
            "application overlapping several layers gets the heaviest layer's verdict (the first such layer "
            "in order), with the other layers it overlaps named in other_layers; the reported feature is "
            "the layer's first feature found overlapping it.")
    outcomes = {
        **{f"overlaps_{severity}": _overlaps(severity) for severity in reversed(SEVERITIES)},
        "clear": passes("不与约束图层{_titles_zh}重叠", "does not overlap {_titles_en}", ("layer",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        layers = list(ctx.options.constraints or ())
        rows = ctx.rows()
        if not layers or not rows.any():
            return r
        n = ctx.n
        geoms = ctx.rel.geoms
        best = np.full(n, -1, dtype=np.int64)  # per row: the layer it gets its verdict from
        best_rank = np.full(n, -1, dtype=np.int64)
        hits = []  # per layer: mask of the rows overlapping it
        feature = np.full(n, None, dtype=object)
        share = np.full(n, np.nan)
        overlap = np.full(n, np.nan)
        for k, layer in enumerate(layers):
            lgeoms = np.asarray(layer.frame.geometry.values, dtype=object)
            app, feat = shapely.STRtree(lgeoms).query(geoms, predicate="intersects")
            app, first = np.unique(app, return_index=True)  # the first feature found per row
            feat = feat[first]
            keep = rows[app]
            app, feat = app[keep], feat[keep]
            hit = np.zeros(n, dtype=bool)
            hit[app] = True
            hits.append(hit)
            rank = SEVERITY_RANK[layer.severity]
            better = rank > best_rank[app]
            app, feat = app[better], feat[better]
            if not len(app):
                continue
            best[app], best_rank[app] = k, rank
            a, f = geoms[app], lgeoms[feat]
            areal = ctx.rel.is_areal[app]
            inter = a.copy()
            partial = areal.copy()  # points and lines count as wholly inside (share 1)
            partial[areal] = ~shapely.covers(f[areal], a[areal])  # intersect only where not covered
            inter[partial] = shapely.intersection(a[partial], f[partial])
            share[app] = np.where(areal, measure(inter) / ctx.rel.sizes[app], 1.0)
            overlap[app] = np.where(areal, shapely.area(inter), np.nan)
            codes = layer.frame["code"].tolist() if "code" in layer.frame.columns else None
            feature[app] = [str(codes[i] if codes is not None else i) for i in feat.tolist()]
        hit_any = best >= 0
        for k, layer in enumerate(layers):
            r.set(f"overlaps_{layer.severity}", best == k)
        r.set("clear", rows & ~hit_any)
        names = np.array([la.name for la in layers] + [", ".join(la.name for la in layers)], dtype=object)
        titles = np.array([la.title for la in layers], dtype=object)
        r.fact("layer", names[best])  # -1: every layer's name (the clear rows)
        r.fact("_title", np.where(hit_any, titles[np.maximum(best, 0)], None))
        r.fact("feature", feature)
        r.fact("share", share, digits=4)
        r.fact("_share", share)
        r.fact("overlap_m2", overlap, digits=1)
        r.fact("_titles_zh", "、".join(f"“{la.title}”" for la in layers))
        r.fact("_titles_en", ("constraint layer " if len(layers) == 1 else "constraint layers ")
               + ", ".join(la.title for la in layers))

        def other_layers(rows):
            out = []
            for row in np.asarray(rows).tolist():
                others = [la.name for k, la in enumerate(layers) if hits[k][row] and k != best[row]]
                out.append(others or None)
            return out

        r.lazy_fact("other_layers", other_layers)
        return r

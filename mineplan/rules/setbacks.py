"""Distance rules for open-pit mines: the "three zones, two lines" visibility range (5.4.2) and
the setbacks of national law that stand beside the plan (railways, road bridges)."""

from __future__ import annotations

from mineplan.context import group_by_app
from mineplan.findings import rounded
from mineplan.rules.base import Rule
from mineplan.rules.mining import is_open_pit_sensitive


def _open_pits(rule: Rule, ctx):
    """Yield (i, app, None) for open-pit mines and (i, app, finding) where the method is missing."""
    for i, app in ctx.valid(("mining",)):
        verdict = is_open_pit_sensitive(rule, ctx, i, app)
        if verdict is True:
            yield i, app, None
        elif verdict is not False:
            yield i, app, verdict


def _describe(ctx, feature: int) -> dict:
    row = ctx.feature(feature)
    return {"code": str(row["code"]), "name_zh": str(row["name_zh"]), "name_en": str(row["name_en"]),
            "class": None if row["class"] is None else str(row["class"])}


class ThreeZonesTwoLines(Rule):
    code = "V230"
    title_zh = "“三区两线”可视范围内严禁设置露天矿山"
    title_en = "No open-pit mine within sight of the “three zones, two lines”"
    applies_to = ("mining",)
    what = ("No open-pit mine within the visibility range of a “three zones, two lines” feature. The range is "
            "a distance per feature class from [visibility.distance_m] (no official width exists).")

    def evaluate(self, ctx):
        by_app = group_by_app(ctx.visibility, ("feature", "distance", "limit"), order_by="distance")
        roles = ("three_zones", "two_lines")
        pits = list(_open_pits(self, ctx))
        for role in roles:
            ctx.prefetch_nearest(role, [i for i, _app, missing in pits if missing is None and i not in by_app])
        for i, _app, missing in pits:
            if missing is not None:
                yield i, missing
                continue
            hits = by_app.get(i)
            if hits is not None:
                features = [dict(_describe(ctx, f), distance_m=rounded(d), limit_m=rounded(lim))
                            for f, d, lim in zip(*hits, strict=True)]
                first = features[0]
                yield i, self.fire(
                    ctx,
                    f"露天矿山距“{first['name_zh']}”{first['distance_m']:g} 米，在其可视范围 {first['limit_m']:g} 米内",
                    f"open-pit mine {first['distance_m']:g} m from {first['name_en']}, within its "
                    f"{first['limit_m']:g} m visibility range",
                    features=features,
                )
                continue
            candidates = [c for c in (ctx.nearest_of(role, i) for role in roles) if c is not None]
            if not candidates:
                yield i, self.ok(ctx, "规划包中无“三区两线”要素", "the plan pack has no three-zones/two-lines feature")
                continue
            dist, feat = min(candidates)
            desc = _describe(ctx, feat)
            limit = ctx.pack.visibility_distance(desc["class"])
            yield i, self.ok(ctx, f"不在“三区两线”可视范围内；最近为“{desc['name_zh']}”，{dist:.0f} 米（范围 {limit:g} 米）",
                             f"outside every visibility range; nearest is {desc['name_en']} at {dist:.0f} m (range {limit:g} m)",
                             nearest=dict(desc, distance_m=rounded(dist), limit_m=limit))


class RailwaySetback(Rule):
    code = "L240"
    title_zh = "铁路线路两侧1000米内禁止露天采矿"
    title_en = "No open-pit mining within 1000 m of a railway"
    applies_to = ("mining",)
    what = "铁路安全管理条例 art. 34: no open-pit mining, quarrying or blasting within 1000 m on either side of a railway."

    def evaluate(self, ctx):
        limit = float(ctx.param("railway_setback_m"))
        near = ctx.railway_distances()
        for i, _app, missing in _open_pits(self, ctx):
            if missing is not None:
                yield i, missing
                continue
            nearest = near.get(i)
            if nearest is None:
                yield i, self.ok(ctx, "规划包中无铁路要素", "the plan pack has no railway", limit_m=limit)
                continue
            distance, feature = nearest
            desc = _describe(ctx, feature)
            if distance <= limit:
                yield i, self.fire(ctx, f"距“{desc['name_zh']}”{distance:.0f} 米（应大于 {limit:g} 米）",
                                   f"{distance:.0f} m from {desc['name_en']} (must be more than {limit:g} m)",
                                   railway=desc["code"], distance_m=rounded(distance), limit_m=limit)
            else:
                yield i, self.ok(ctx, f"距最近铁路“{desc['name_zh']}”{distance:.0f} 米（应大于 {limit:g} 米）",
                                 f"{distance:.0f} m from the nearest railway, {desc['name_en']} (limit {limit:g} m)",
                                 railway=desc["code"], distance_m=rounded(distance), limit_m=limit)


class BridgeSetback(Rule):
    code = "L241"
    title_zh = "大中型公路桥梁周围200米内禁止采石"
    title_en = "No quarrying within 200 m of a large or medium road bridge"
    applies_to = ("mining",)
    what = "公路法 art. 47: no quarrying within 200 m of large and medium road bridges (bridges are a pack layer)."

    def evaluate(self, ctx):
        limit = float(ctx.param("bridge_setback_m"))
        near = ctx.index.within_distance(ctx.geoms, "road_bridge", limit)
        closest = group_by_app(near, ("feature", "distance"), order_by="distance")
        has_layer = len(ctx.index.positions("road_bridge")) > 0
        for i, _app, missing in _open_pits(self, ctx):
            if missing is not None:
                yield i, missing
                continue
            hits = closest.get(i)
            if hits is not None:
                feature, distance = int(hits[0][0]), float(hits[1][0])
                desc = _describe(ctx, feature)
                yield i, self.fire(ctx, f"距桥梁“{desc['name_zh']}”{distance:.0f} 米（应大于 {limit:g} 米）",
                                   f"{distance:.0f} m from bridge {desc['name_en']} (must be more than {limit:g} m)",
                                   bridge=desc["code"], distance_m=rounded(distance), limit_m=limit)
            elif not has_layer:
                yield i, self.cannot(ctx, "规划包中无桥梁图层", "the plan pack has no road-bridge layer")
            else:
                yield i, self.ok(ctx, f"距大中型桥梁大于 {limit:g} 米", f"more than {limit:g} m from any large or medium bridge",
                                 limit_m=limit)

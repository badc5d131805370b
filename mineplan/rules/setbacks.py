"""Distance rules for open-pit mines: the "three zones, two lines" visibility range (5.4.2) and
the setbacks of national law that stand beside the plan (railways, road bridges)."""

from __future__ import annotations

import numpy as np

from mineplan.engine.result import cannot, fires, passes
from mineplan.findings import rounded
from mineplan.rules.base import Rule
from mineplan.rules.mining import METHOD_MISSING, open_pit_rows

VISIBILITY_ROLES = ("three_zones", "two_lines")


def _describe(ctx, feature: int) -> dict:
    row = ctx.index.feature(feature)
    return {"code": str(row["code"]), "name_zh": str(row["name_zh"]), "name_en": str(row["name_en"]),
            "class": None if row["class"] is None else str(row["class"])}


def by_position(ctx, roles: tuple[str, ...]) -> tuple[str, ...]:
    """``roles`` in the order of their features in the index: :meth:`Relations.nearest` keeps the
    first role's feature on a tie, so equal distances go to the lowest feature position, as the
    old ``min((distance, feature))`` did."""
    def first(role):
        pos = ctx.index.positions(role)
        return int(pos.min()) if len(pos) else 1 << 62

    return tuple(sorted(roles, key=first))


def nearest_of_class(ctx, role: str, classes: tuple[str, ...], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like :meth:`Relations.nearest` among the features of ``role`` whose class is in ``classes``:
    for ``rows`` (a mask) the nearest such feature and its distance (-1 and NaN elsewhere).
    (Belongs in :class:`~mineplan.engine.relations.Relations`.)"""
    feature = np.full(ctx.n, -1, dtype=np.int64)
    distance = np.full(ctx.n, np.nan)
    idx = np.flatnonzero(rows)
    if len(idx):
        table = ctx.index.nearest_of_class(ctx.rel.geoms[idx], role, tuple(classes))
        if len(table):
            at = idx[table["app"].to_numpy(np.int64)]
            feature[at] = table["feature"].to_numpy(np.int64)
            distance[at] = table["distance"].to_numpy(float)
    return feature, distance


def _first_of(pairs, n: int, rows: np.ndarray, *names: str):
    """Per row of ``rows`` (a mask): whether it has a pair, and its first pair's feature (-1) and
    values of ``names`` (NaN) -- pairs are sorted nearest first."""
    first = pairs.first(n)
    has = rows & (first >= 0)
    at = first[has]
    feature = np.full(n, -1, dtype=np.int64)
    feature[has] = pairs.feature[at]
    values = []
    for name in names:
        v = np.full(n, np.nan)
        v[has] = pairs[name][at]
        values.append(v)
    return has, feature, *values


class ThreeZonesTwoLines(Rule):
    code = "V230"
    title_zh = "“三区两线”可视范围内严禁设置露天矿山"
    title_en = "No open-pit mine within sight of the “three zones, two lines”"
    applies_to = ("mining",)
    what = ("No open-pit mine within the visibility range of a “three zones, two lines” feature. The range is "
            "a distance per feature class from [visibility.distance_m] (no official width exists).")
    outcomes = {
        "no_method": METHOD_MISSING,
        "within": fires("露天矿山距“{_name_zh}”{_distance_m:g} 米，在其可视范围 {_limit_m:g} 米内",
                        "open-pit mine {_distance_m:g} m from {_name_en}, within its {_limit_m:g} m visibility range",
                        ("features",)),
        "no_features": passes("规划包中无“三区两线”要素", "the plan pack has no three-zones/two-lines feature"),
        "outside": passes("不在“三区两线”可视范围内；最近为“{_near_zh}”，{_distance:.0f} 米（范围 {_limit:g} 米）",
                          "outside every visibility range; nearest is {_near_en} at {_distance:.0f} m "
                          "(range {_limit:g} m)",
                          ("nearest",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        pit, no_method = open_pit_rows(ctx)
        r.set("no_method", no_method)
        if not pit.any():
            return r
        pairs = ctx.rel.visibility(pit)
        within, feature, distance_m, limit_m = _first_of(pairs, ctx.n, pit, "distance", "limit")
        rest = pit & ~within
        roles = by_position(ctx, VISIBILITY_ROLES)
        has_features = any(len(ctx.index.positions(role)) for role in roles)
        r.set("within", within)
        r.set("no_features" if not has_features else "outside", rest)
        _code, name_zh, name_en = ctx.feature_names(feature)
        r.fact("_name_zh", name_zh)
        r.fact("_name_en", name_en)
        r.fact("_distance_m", distance_m, digits=1)
        r.fact("_limit_m", limit_m, digits=1)
        # the nearest feature of a passing mine: searched only where the finding is serialised
        near = ctx.lazy_nearest(roles, rows=rest)
        r.lazy_fact("_near_zh", near.name("zh"))
        r.lazy_fact("_near_en", near.name("en"))
        r.lazy_fact("_distance", lambda rows: near.distance(rows, None))
        r.lazy_fact("_limit", lambda rows: _visibility_limits(ctx, near.get(rows)[0]).tolist())

        def features(rows):
            groups = pairs.groups(rows)
            out = []
            for row in np.asarray(rows).tolist():
                sl = groups.get(row)
                out.append(None if sl is None else [
                    dict(_describe(ctx, f), distance_m=rounded(d), limit_m=rounded(lim))
                    for f, d, lim in zip(pairs.feature[sl].tolist(), pairs["distance"][sl].tolist(),
                                         pairs["limit"][sl].tolist(), strict=True)])
            return out

        def nearest(rows):
            out = []
            feature, distance = near.get(rows)
            for f, d in zip(feature.tolist(), distance.tolist(), strict=True):
                if f < 0:
                    out.append(None)
                    continue
                desc = _describe(ctx, f)
                out.append(dict(desc, distance_m=rounded(d), limit_m=ctx.pack.visibility_distance(desc["class"])))
            return out

        r.lazy_fact("features", features)
        r.lazy_fact("nearest", nearest)
        return r


def _visibility_limits(ctx, features: np.ndarray) -> np.ndarray:
    """The visibility distance of each feature's class (NaN for -1), one look-up per class."""
    out = np.full(len(features), np.nan)
    ok = features >= 0
    if ok.any():
        classes = ctx.index.classes[features[ok]]
        limits = {c: ctx.pack.visibility_distance(c) for c in dict.fromkeys(classes.tolist())}
        out[ok] = [np.nan if limits[c] is None else limits[c] for c in classes.tolist()]
    return out


class RailwaySetback(Rule):
    code = "L240"
    title_zh = "铁路线路两侧1000米内露天采矿须与铁路运输企业协商一致并经批准"
    title_en = "Open-pit mining within 1000 m of a railway needs the railway's agreement and approval"
    applies_to = ("mining",)
    severity = "restricted"
    what = ("铁路安全管理条例 (2013) art. 34: open-pit mining, quarrying or blasting within 1000 m on either side "
            "of a railway is allowed only when agreed with the railway operator and approved by the county-level "
            "government (the repealed 2004 条例 §18 forbade it): restricted until both are given.")
    outcomes = {
        "no_method": METHOD_MISSING,
        "near": fires("距“{_name_zh}”{_distance:.0f} 米（{limit_m:g} 米内）：须与铁路运输企业协商一致并报县级以上"
                      "人民政府有关部门批准",
                      "{_distance:.0f} m from {_name_en} (within {limit_m:g} m): needs the railway operator's "
                      "agreement and the county-level government's approval", ("railway", "distance_m", "limit_m")),
        "clear": passes("距最近铁路“{_near_zh}”{_near_distance:.0f} 米（应大于 {limit_m:g} 米）",
                        "{_near_distance:.0f} m from the nearest railway, {_near_en} (limit {limit_m:g} m)",
                        ("railway", "distance_m", "limit_m")),
        "no_railway": passes("规划包中无铁路要素", "the plan pack has no railway", ("limit_m",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        pit, no_method = open_pit_rows(ctx)
        r.set("no_method", no_method)
        if not pit.any():
            return r
        limit = float(ctx.param("railway_setback_m"))
        classes = tuple(ctx.param("railway_classes"))
        has_railway = bool(np.isin(ctx.index.classes[ctx.index.positions("two_lines")], list(classes)).any())
        near, feature, distance = _first_of(ctx.rel.within("two_lines", limit, classes, rows=pit), ctx.n, pit,
                                            "distance")
        r.set("clear" if has_railway else "no_railway", pit)
        r.set("near", near)
        code, name_zh, name_en = ctx.feature_names(feature)
        # a mine clear of every railway reports the nearest one only where its finding is serialised
        nearest = ctx.lazy_nearest("two_lines", classes, rows=pit & ~near)
        r.lazy_fact("railway", nearest.code, where=near, values=code)
        r.fact("_name_zh", name_zh)
        r.fact("_name_en", name_en)
        r.lazy_fact("_near_zh", nearest.name("zh"))
        r.lazy_fact("_near_en", nearest.name("en"))
        r.lazy_fact("distance_m", nearest.distance, where=near, values=np.round(distance, 1))
        r.fact("_distance", distance)
        r.lazy_fact("_near_distance", lambda rows: nearest.distance(rows, None))
        r.fact("limit_m", limit)
        return r


class BridgeSetback(Rule):
    code = "L241"
    title_zh = "大中型公路桥梁周围200米内禁止采石"
    title_en = "No quarrying within 200 m of a large or medium road bridge"
    applies_to = ("mining",)
    what = "公路法 art. 47: no quarrying within 200 m of large and medium road bridges (bridges are a pack layer)."
    outcomes = {
        "no_method": METHOD_MISSING,
        "near": fires("距桥梁“{_name_zh}”{_distance:.0f} 米（应大于 {limit_m:g} 米）",
                      "{_distance:.0f} m from bridge {_name_en} (must be more than {limit_m:g} m)",
                      ("bridge", "distance_m", "limit_m")),
        "no_layer": cannot("规划包中无桥梁图层", "the plan pack has no road-bridge layer"),
        "clear": passes("距大中型桥梁大于 {limit_m:g} 米", "more than {limit_m:g} m from any large or medium bridge",
                        ("limit_m",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        pit, no_method = open_pit_rows(ctx)
        r.set("no_method", no_method)
        if not pit.any():
            return r
        limit = float(ctx.param("bridge_setback_m"))
        if not len(ctx.index.positions("road_bridge")):
            r.set("no_layer", pit)
            return r
        near, feature, distance = _first_of(ctx.rel.within("road_bridge", limit, rows=pit), ctx.n, pit, "distance")
        r.set("clear", pit)
        r.set("near", near)
        code, name_zh, name_en = ctx.feature_names(feature)
        r.fact("bridge", code)
        r.fact("_name_zh", name_zh)
        r.fact("_name_en", name_en)
        r.fact("distance_m", distance, digits=1)
        r.fact("_distance", distance)
        r.fact("limit_m", limit)
        return r

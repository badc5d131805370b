"""Rules for projects that are not mineral rights, and for user constraint layers."""

from __future__ import annotations

import numpy as np
import shapely

from mineplan.engine.result import SEVERITY_RANK, Outcome, fires, passes
from mineplan.errors import RuleConfigError
from mineplan.findings import SEVERITIES, rounded
from mineplan.index import measure
from mineplan.rules.base import Rule

PLANNED_RESOURCE_ROLES = ("exploration_block", "mining_block", "key_exploration_zone", "key_mining_zone")


class SiteCoversPlannedResources(Rule):
    code = "S270"
    roles = ("key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block")
    any_role = True
    title_zh = "建设项目压覆规划矿产资源"
    title_en = "Project covers planned mineral resources (压覆)"
    applies_to = ("site",)
    severity = "restricted"
    what = ("A project that is not a mineral right but overlaps a planning block or key zone would cover "
            "(压覆) planned mineral resources and needs that assessment before approval. Covering needs area: a "
            "polygon covers a block only where the overlap has an area (sharing an edge or a corner covers "
            "nothing); a point or line (extent unknown) covers it only where it reaches the block's interior "
            "(a point on the boundary or a line along it covers nothing).")
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
        pairs = pairs.subset(_covering(ctx, pairs))
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


def _covering(ctx, pairs) -> np.ndarray:
    """Per (row, feature) pair: does the row cover part of the feature, i.e. do their interiors meet
    (DE-9IM)? For polygons that is an overlap with an area (a shared edge or corner is not); for a
    point or a line, reaching into the feature (on its boundary or along it is not). The pairs
    intersect, so their interiors meet unless they only touch (the prepared feature asked first)."""
    keep = pairs["covered"] & ctx.rel.is_areal[pairs.app]  # a polygon wholly in the feature: area > 0
    rest = np.flatnonzero(~keep)
    if len(rest):
        keep[rest] = ~shapely.touches(ctx.index.geoms[pairs.feature[rest]], ctx.rel.geoms[pairs.app[rest]])
    return keep


_LAYER_FACTS = ("layer", "feature", "share", "overlap_m2", "other_layers", "not_checked")
#: the severities a "not checked" finding may take (pack: [rules].constraint_not_checked_severity)
NOT_CHECKED_SEVERITIES = ("info", "cannot_judge", "restricted")


def _overlaps(severity: str) -> Outcome:
    return Outcome(severity, "与约束图层“{_title}”重叠（{_share:.1%}）{_unchecked_zh}",
                   "overlaps constraint layer {_title} ({_share:.1%}){_unchecked_en}", _LAYER_FACTS)


def _not_checked(severity: str) -> Outcome:
    return Outcome(severity, "未核查：未提供{_missing_zh}图层，结论以此为条件{_checked_zh}",
                   "not checked: no {_missing_en} layer; the verdict is conditional on it{_checked_en}",
                   ("not_checked", "layer"))


def constraint_kind(ctx, layer) -> str | None:
    """The kind of a constraint layer ([rules.constraint_kinds]): its pack entry's ``kind``, else the
    first kind one of whose ``names`` occurs in the layer's name or title (a --constraints file's
    name: redline.gpkg, 永久基本农田.shp …)."""
    kinds = ctx.pack.rules.get("constraint_kinds", {})
    entry = ctx.pack.config.get("layers", {}).get(layer.name, {})
    if entry.get("role") == "constraint" and entry.get("kind"):
        return entry["kind"]
    label = f"{layer.name} {layer.title}".lower()
    for kind, spec in kinds.items():
        if any(str(name).lower() in label for name in spec.get("names", ())):
            return kind
    return None


class ConstraintLayers(Rule):
    code = "C280"
    params = ("constraint_not_checked_severity", "expected_constraints")
    title_zh = "用户约束图层（生态保护红线、永久基本农田等）"
    title_en = "User constraint layers (ecological red line, permanent basic farmland, …)"
    severity = "forbidden"
    what = ("Each constraint layer (a plan-pack layer with role 'constraint', or --constraints FILE) gives its "
            "own verdict where an application overlaps it; the plan publishes no such layer (1.4.1). An "
            "application overlapping several layers gets the heaviest layer's verdict (the first such layer "
            "in order), with the other layers it overlaps named in other_layers; the reported feature is "
            "the layer's first feature found overlapping it. The plan says the county's hills lie in the "
            "ecological red line and the rest is hemmed in by permanent basic farmland (1.4.1): each kind of "
            "[rules].expected_constraints without a layer of that kind is reported on every application as "
            "\"not checked\" (severity [rules].constraint_not_checked_severity, info by default: the verdict "
            "stays but is conditional on it; restricted with the strict run option). A layer's kind is its "
            "pack entry's `kind`, or else found in its name or title by [rules.constraint_kinds] names "
            "(--constraints redline.gpkg is a red line, 永久基本农田.shp or farmland.shp permanent basic "
            "farmland).")
    outcomes = {
        **{f"overlaps_{severity}": _overlaps(severity) for severity in reversed(SEVERITIES)},
        **{f"not_checked_{severity}": _not_checked(severity) for severity in reversed(NOT_CHECKED_SEVERITIES)},
        "clear": passes("不与约束图层{_titles_zh}重叠", "does not overlap {_titles_en}", ("layer",)),
    }

    def evaluate(self, ctx):
        r = self.result(ctx)
        layers = list(ctx.options.constraints or ())
        rows = ctx.rows()
        if not rows.any():
            return r
        missing = self._missing_kinds(ctx, r, layers)
        nc_severity = self._not_checked_severity(ctx)
        if not layers:
            if missing:
                r.set(f"not_checked_{nc_severity}", rows)
                r.fact("_checked_zh", "")
                r.fact("_checked_en", "")
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
        # a missing kind (not checked) outweighs a lighter layer's overlap; a heavier overlap or an equal
        # one is what the finding says, with the unchecked kinds named in it
        nc_rank = SEVERITY_RANK[nc_severity] if missing else -1
        unchecked = rows & (best_rank < nc_rank)
        for k, layer in enumerate(layers):
            r.set(f"overlaps_{layer.severity}", (best == k) & ~unchecked)
        r.set("clear", rows & ~hit_any & ~unchecked)
        r.set(f"not_checked_{nc_severity}", unchecked)
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
        listed = "、".join(f"“{la.title}”" for la in layers)
        listed_en = ", ".join(la.title for la in layers)

        def checked(lang):
            def fn(rows):
                out = []
                for row in np.asarray(rows).tolist():
                    k = best[row]
                    if k < 0:
                        out.append(f"；不与约束图层{listed}重叠" if lang == "zh"
                                   else f"; it does not overlap {listed_en}")
                    elif lang == "zh":
                        out.append(f"；与约束图层“{layers[k].title}”重叠（{share[row]:.1%}，{layers[k].severity}）")
                    else:
                        out.append(f"; it overlaps {layers[k].title} ({share[row]:.1%}, {layers[k].severity})")
                return out
            return fn

        r.lazy_fact("_checked_zh", checked("zh"))
        r.lazy_fact("_checked_en", checked("en"))
        return r

    @staticmethod
    def _not_checked_severity(ctx) -> str:
        if getattr(ctx.options, "strict", False):
            return "restricted"
        severity = str(ctx.param("constraint_not_checked_severity"))
        if severity not in NOT_CHECKED_SEVERITIES:
            raise RuleConfigError(f"{ctx.pack.root / 'plan.toml'}: [rules].constraint_not_checked_severity must be "
                                  f"one of {', '.join(NOT_CHECKED_SEVERITIES)}, got {severity!r}")
        return severity

    @staticmethod
    def _missing_kinds(ctx, r, layers) -> list[str]:
        """The expected kinds ([rules].expected_constraints) no given layer is of; sets the facts that
        name them (``not_checked`` and the messages' ``_missing_*``, ``_unchecked_*``)."""
        kinds = ctx.pack.rules.get("constraint_kinds", {})
        have = {constraint_kind(ctx, layer) for layer in layers}
        missing = [kind for kind in ctx.param("expected_constraints") if kind not in have]
        zh = [kinds.get(k, {}).get("zh", k) for k in missing]
        en = [kinds.get(k, {}).get("en", k) for k in missing]
        r.lazy_fact("not_checked", lambda rows: [list(zh) if zh else None for _ in range(len(rows))])
        r.fact("_missing_zh", "、".join(zh))
        r.fact("_missing_en", " / ".join(en))
        r.fact("_unchecked_zh", f"；未核查：未提供{'、'.join(zh)}图层" if zh else "")
        r.fact("_unchecked_en", f"; not checked: no {' / '.join(en)} layer" if en else "")
        return missing

"""Distance rules for mines: the "three zones, two lines" visibility range (5.4.2) and the pack's
setbacks (``[[setbacks]]``: national law beside the plan, such as railways and road bridges, and a
county's own distances)."""

from __future__ import annotations

import numpy as np

from mineplan.engine.result import SEVERITY_RANK, fires, passes
from mineplan.errors import RuleConfigError
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
    roles = VISIBILITY_ROLES
    any_role = True
    what = ("No open-pit mine within the visibility range of a “three zones, two lines” feature. The range is "
            "a distance per feature class from [visibility.distance_m] (no official width exists).")
    outcomes = {
        "no_method": METHOD_MISSING,
        "within": fires("露天矿山距“{_name_zh}”{_distance_m:g} 米，在其可视范围 {_limit_m:g} 米内",
                        "open-pit mine {_distance_m:g} m from {_name_en}, within its {_limit_m:g} m visibility range",
                        ("features",)),
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
        r.set("within", within)
        r.set("outside", rest)
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


class Setback(Rule):
    """A setback of the pack's ``[[setbacks]]`` list: no mine (open-pit by default) within
    ``distance_m`` of the features of a layer role (of some classes, of one layer). Railways
    (铁路安全管理条例 §34), road bridges (公路法 §47) and a county's own distances (e.g. 爆破安全距离
    to 居民点) are entries of it, each its own rule code with its clause in ``[catalogue.CODE]``."""

    title_zh = "{feature_zh}{distance_m:g}米范围内不得设置矿山"
    title_en = "No mine within {distance_m:g} m of a {feature_en}"
    applies_to = ("mining",)
    outcomes = {
        "no_method": METHOD_MISSING,
        "near": fires("距{_feature_zh}“{_name_zh}”{_distance:.0f} 米（{limit_m:g} 米内）{_action_zh}",
                      "{_distance:.0f} m from {_feature_en} {_name_en} (within {limit_m:g} m){_action_en}",
                      ("feature", "distance_m", "limit_m")),
        "clear": passes("距最近{_feature_zh}“{_near_zh}”{_near_distance:.0f} 米（应大于 {limit_m:g} 米）",
                        "{_near_distance:.0f} m from the nearest {_feature_en}, {_near_en} (limit {limit_m:g} m)",
                        ("feature", "distance_m", "limit_m")),
    }
    #: the keys of a [[setbacks]] entry
    KEYS = {"code", "role", "layer", "classes", "distance_m", "severity", "right_types", "open_pit_only",
            "feature_zh", "feature_en", "action_zh", "action_en", "title_zh", "title_en", "cuts_block"}

    def __init__(self, entry: dict):
        self.entry = entry
        self.code = entry["code"]
        self.role = entry["role"]
        self.roles = (self.role,)
        self.layer = entry.get("layer")
        self.classes = tuple(entry["classes"]) if "classes" in entry else None
        self.distance = float(entry["distance_m"])
        self.severity = entry.get("severity", "forbidden")
        self.applies_to = tuple(entry.get("right_types", ("mining",)))
        self.open_pit_only = bool(entry.get("open_pit_only", True))
        self.cuts_block = bool(entry.get("cuts_block", False))
        self.title_zh = entry.get("title_zh", type(self).title_zh)
        self.title_en = entry.get("title_en", type(self).title_en)
        what = "open-pit mines" if self.open_pit_only else ", ".join(self.applies_to) + " applications"
        self.what = (f"[[setbacks]] {self.code}: {what} within {self.distance:g} m of the features of role "
                     f"{self.role!r}" + (f" of classes {', '.join(self.classes)}" if self.classes else "")
                     + (f" in layer {self.layer!r}" if self.layer else "") + f" are {self.severity}.")

    @classmethod
    def from_entry(cls, entry, pack, k: int) -> Setback:
        """One ``[[setbacks]]`` entry (the ``k``-th) checked and made a rule."""
        from mineplan.pack import ROLES

        where = f"{pack.root / 'plan.toml'}: [[setbacks]] #{k + 1}"
        if not isinstance(entry, dict):
            raise RuleConfigError(f"{where}: must be a table")
        where += f" ({entry.get('code', 'no code')})"
        for key in ("code", "role", "distance_m", "feature_zh", "feature_en"):
            if key not in entry:
                raise RuleConfigError(f"{where}: no {key!r}")
        unknown = sorted(set(entry) - cls.KEYS)
        if unknown:
            raise RuleConfigError(f"{where}: unknown key(s) {', '.join(unknown)} "
                                  f"(known: {', '.join(sorted(cls.KEYS))})")
        if entry["role"] not in ROLES:
            raise RuleConfigError(f"{where}: unknown role {entry['role']!r} (known: {', '.join(ROLES)})")
        if not isinstance(entry["distance_m"], int | float) or entry["distance_m"] <= 0:
            raise RuleConfigError(f"{where}: distance_m must be a positive number of metres, got "
                                  f"{entry['distance_m']!r}")
        if entry.get("severity", "forbidden") not in SEVERITY_RANK:
            raise RuleConfigError(f"{where}: severity {entry['severity']!r} is not one of {', '.join(SEVERITY_RANK)}")
        return cls(entry)

    def missing_roles(self, index) -> tuple[str, ...]:
        if len(index.select(self.role, self.classes, self.layer)):
            return ()
        what = self.role + (f" (classes {', '.join(self.classes)})" if self.classes else "")
        return (what + (f" (layer {self.layer})" if self.layer else ""),)

    def judged_rows(self, ctx) -> tuple[np.ndarray, np.ndarray]:
        """(rows judged, rows without the method an open-pit-only setback needs)."""
        if self.open_pit_only:
            return open_pit_rows(ctx, ctx.rows(self.applies_to))
        return ctx.rows(self.applies_to), np.zeros(ctx.n, dtype=bool)

    def evaluate(self, ctx):
        r = self.result(ctx)
        rows, no_method = self.judged_rows(ctx)
        r.set("no_method", no_method)
        if not rows.any():
            return r
        pairs = ctx.rel.within(self.role, self.distance, self.classes, rows=rows, layer=self.layer)
        near, feature, distance = _first_of(pairs, ctx.n, rows, "distance")
        r.set("clear", rows)
        r.set("near", near)
        code, name_zh, name_en = ctx.feature_names(feature)
        # a mine clear of every feature reports the nearest one only where its finding is serialised
        nearest = ctx.lazy_nearest(self.role, self.classes, rows=rows & ~near, layer=self.layer)
        r.lazy_fact("feature", nearest.code, where=near, values=code)
        r.fact("_name_zh", name_zh)
        r.fact("_name_en", name_en)
        r.lazy_fact("_near_zh", nearest.name("zh"))
        r.lazy_fact("_near_en", nearest.name("en"))
        r.lazy_fact("distance_m", nearest.distance, where=near, values=np.round(distance, 1))
        r.fact("_distance", distance)
        r.lazy_fact("_near_distance", lambda rows_: nearest.distance(rows_, None))
        r.fact("limit_m", self.distance)
        r.fact("_feature_zh", self.entry["feature_zh"])
        r.fact("_feature_en", self.entry["feature_en"])
        action_zh, action_en = self.entry.get("action_zh"), self.entry.get("action_en")
        r.fact("_action_zh", "：" + action_zh if action_zh else "")
        r.fact("_action_en", ": " + action_en if action_en else "")
        return r


def setback_rules(rules) -> list[Setback]:
    """The setbacks among a rule set's rules."""
    return [rule for rule in rules if isinstance(rule, Setback)]

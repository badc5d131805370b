"""Where a right could be allowed: the siting surface, and an application cut back to what the plan allows.

The surface comes from the rules themselves, not from a copy of them:

1. **Partition.** The boundaries of every geometry a location rule looks at (the county, key zones,
   blocks, the "three zones, two lines" visibility buffers of the index, the railway and bridge
   setback buffers, constraint layers, rights of the registry) are noded together and polygonized
   into *faces*. Inside one face every location rule answers the same way.
2. **Ask the engine.** Each face gets one probe: a small disc around the centre of its largest
   inscribed circle, wholly inside the face (so it touches none of the edges the rules count as
   "intersecting"). All probes go through the engine at once (:meth:`Engine.chunk`, the path of
   ``check`` and ``screen``) with the profile as overrides and the footprint rules left out. Where
   the registry is given, the cross rules that depend on the place (K300 block holder, K301 one mine
   per block, K302 overlap) are asked too, in rounds in which no two probes share a block.
3. **Dissolve.** Faces with the same verdict, deciding rules and conditions become one polygon.

The footprint rules (E200 coincide with a block, X212 大矿小开, X213 一矿多开) and the cross rules that
count other rights (caps, one right per block) cannot be drawn: they are listed as the *conditions* a
right in each allowed or restricted area must still meet, naming the block there.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from mineplan.engine.options import RunOptions
from mineplan.findings import SEVERITIES, VERDICT_OF, VERDICTS
from mineplan.pack import PlanPack

#: the default probe radius (m): a probe never reaches past its face
DEFAULT_RADIUS = 10.0
#: cross rules whose answer depends on where a right lies relative to the registry's rights
PLACE_CROSS = ("K300", "K301", "K302")
#: outcomes of footprint rules that depend on the place alone: an exploration right where no
#: exploration block lies can coincide with none (E200 "outside"); the surface draws them
PLACE_OUTCOMES = {"E200": ("outside",)}
#: how far (m) ``clip`` keeps the kept part from the forbidden faces: the rules count edges as
#: touching, and the setback buffers are polygons a metre or so inside the true distance
CLIP_MARGIN = 2.0
_RANK = {s: k for k, s in enumerate(SEVERITIES)}
_COUNTS = _RANK["cannot_judge"]  # a severity from here up keeps a place from being allowed


def _applies(rule, right_type: str | None) -> bool:
    return right_type is None or right_type in rule.applies_to


def canonical_right_type(value) -> str | None:
    """``exploration``, ``mining`` or ``site`` from any of their aliases (None when not given)."""
    from mineplan.applications import RIGHT_TYPES

    if value is None:
        return None
    text = str(value).strip().lower()
    return next((name for name, names in RIGHT_TYPES.items() if text in {n.lower() for n in names}), text)


def location_codes(pack: PlanPack, options: RunOptions,
                   right_type: str | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(codes of the local location rules, codes of the place-dependent cross rules) the surface
    is made of: every rule that is neither a footprint rule nor a cross rule, and with a registry
    K300, K301 and K302; limited to ``options.rules`` where given."""
    wanted = options.rules
    local, cross = [], []
    for rule in pack.rule_set.rules:
        if wanted is not None and rule.code not in wanted:
            continue
        if rule.footprint:
            continue
        if not rule.cross:
            local.append(rule.code)
        elif rule.code in PLACE_CROSS and options.existing is not None and len(options.existing) \
                and _applies(rule, right_type):
            cross.append(rule.code)
    return tuple(local), tuple(cross)


def condition_codes(pack: PlanPack, options: RunOptions, right_type: str | None,
                    mineral: str | None = None) -> tuple[str, ...]:
    """The rules a right must still meet wherever it lies: footprint rules, and the cross rules
    that are not drawn (caps; one right per block where no registry is given). A rule about some
    minerals (Changle's K312 geothermal, K313 mineral water) only for those minerals."""
    _, drawn = location_codes(pack, options, right_type)
    wanted = options.rules
    return tuple(r.code for r in pack.rule_set.rules if (wanted is None or r.code in wanted)
                 and _applies(r, right_type) and (r.footprint or (r.cross and r.code not in drawn))
                 and (not getattr(r, "minerals", ()) or mineral in r.minerals))


# -- 1. partition ------------------------------------------------------------------------------------
def rule_geometries(pack: PlanPack, options: RunOptions) -> np.ndarray:
    """Every geometry whose edge can change a location rule's answer (work CRS)."""
    from mineplan.index import index_for
    from mineplan.rules.setbacks import setback_rules

    index = index_for(pack)
    areal_roles = ("county", "key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block")
    parts = [index.geoms[np.isin(index.roles, areal_roles)], index.visibility_buffers]
    for rule in setback_rules(pack.rule_set.rules):
        parts.append(shapely.buffer(index.geoms[index.select(rule.role, rule.classes, rule.layer)], rule.distance,
                                    quad_segs=16))
    for layer in options.constraints:
        parts.append(np.asarray(layer.frame.geometry.values, dtype=object))
    if options.existing is not None and len(options.existing):
        existing = options.existing
        if existing.crs is not None and existing.crs != pack.work_crs:
            existing = existing.to_crs(pack.work_crs)
        parts.append(np.asarray(existing.geometry.values, dtype=object))
    geoms = np.concatenate([np.asarray(p, dtype=object) for p in parts])
    return geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]


def edges(geoms: np.ndarray) -> np.ndarray:
    """The lines that bound ``geoms``: a polygon's boundary, a line itself (points bound nothing)."""
    geoms = shapely.make_valid(geoms)
    parts = shapely.get_parts(geoms)
    kind = shapely.get_type_id(parts)
    polygons = parts[kind == 3]
    lines = parts[(kind == 1) | (kind == 2)]
    return np.concatenate([shapely.boundary(polygons), lines])


def faces(pack: PlanPack, options: RunOptions) -> np.ndarray:
    """The county cut into faces on which every location rule is constant (polygons, work CRS)."""
    noded = shapely.union_all(edges(rule_geometries(pack, options)))
    out = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    county = pack.county_geometry
    shapely.prepare(county)
    keep = shapely.contains(county, shapely.point_on_surface(out)) & (shapely.area(out) > 0)
    return out[keep]


def probes(face_geoms: np.ndarray, radius: float) -> np.ndarray:
    """Per face a disc wholly inside it, of ``radius`` or half the room there is: around a point on
    its surface, or where that lies within two radii of the face's edge, around the centre of its
    largest inscribed circle."""
    centre = shapely.point_on_surface(face_geoms)
    room = shapely.distance(centre, shapely.boundary(face_geoms))
    narrow = np.flatnonzero(room < 2 * radius)
    if len(narrow):
        circle = shapely.maximum_inscribed_circle(face_geoms[narrow], 0.1)
        better = shapely.length(circle) > room[narrow]
        centre[narrow[better]] = shapely.get_point(circle[better], 0)
        room[narrow[better]] = shapely.length(circle[better])
    return shapely.buffer(centre, np.minimum(radius, 0.5 * room), quad_segs=8)


# -- 2. ask the engine ------------------------------------------------------------------------------
@dataclass
class Judged:
    """Per probe: verdict, the codes that count against it (catalogue order), and its normalised
    right type and mineral (for the conditions)."""

    verdict: np.ndarray
    rules: list[tuple[str, ...]]
    right_type: str | None
    mineral: str | None


def judge(pack: PlanPack, options: RunOptions, discs: np.ndarray) -> Judged:
    """Every disc through the engine (the location rules); the place-dependent cross rules in
    rounds with the registry."""
    import geopandas as gpd

    from mineplan.engine.pipeline import Engine

    right_type = canonical_right_type(options.overrides.get("right_type"))
    local, cross = location_codes(pack, options, right_type)
    frame = gpd.GeoDataFrame({"id": [f"probe-{k}" for k in range(len(discs))]},
                             geometry=gpd.GeoSeries(discs, crs=pack.work_crs))
    engine = Engine(pack, dataclasses.replace(options, rules=local, findings="columns", radius=None, priority=None))
    chunk = engine.chunk(frame, collect=True)
    rows = chunk.rows
    codes = [c for c in local if f"sev_{c}" in rows.columns]
    sev = {c: rows[f"sev_{c}"].to_numpy(dtype=object) for c in codes}
    if cross:
        sev.update(_cross_rounds(pack, options, cross, frame, canonical_right_type(chunk.batch["right_type"][0]),
                                 chunk.batch["mineral"][0]))
        codes += list(cross)
    place = _place_outcomes(pack, options, frame)
    sev.update(place)
    codes += list(place)
    n = len(discs)
    ranks = {c: np.array([_RANK.get(s, -1) if isinstance(s, str) else -1 for s in sev[c]], dtype=np.int64)
             for c in codes}
    rank = np.zeros(n, dtype=np.int64)
    for r in ranks.values():
        rank = np.maximum(rank, r)
    verdict = np.array([VERDICT_OF[SEVERITIES[max(k, 0)]] for k in rank.tolist()], dtype=object)
    # the rules that decide: those whose finding gives the probe's verdict (a forbidden place lists
    # what forbids it; a restricted one what restricts it or cannot be judged)
    fired: list[list[str]] = [[] for _ in range(n)]
    for c, r in ranks.items():
        gives = np.array([VERDICT_OF[SEVERITIES[k]] if k >= 0 else None for k in r.tolist()], dtype=object)
        for k in np.flatnonzero((r >= _COUNTS) & (gives == verdict)).tolist():
            fired[k].append(c)
    order = pack.rule_set.order
    errors = rows["error"].to_numpy(dtype=object)
    verdict[errors != None] = "error"  # noqa: E711
    batch = chunk.batch
    rt = batch["right_type"][0] if batch.n else right_type
    mineral = batch["mineral"][0] if batch.n else None
    return Judged(verdict, [tuple(sorted(f, key=order.get)) for f in fired], rt, mineral)


def _place_outcomes(pack: PlanPack, options: RunOptions, frame) -> dict[str, np.ndarray]:
    """Per footprint rule of :data:`PLACE_OUTCOMES`: the severity of its outcome on each probe
    where that outcome is one about the place (None elsewhere), evaluated by the rule itself."""
    from mineplan.engine.evaluate import evaluate
    from mineplan.engine.pipeline import Engine

    wanted = options.rules
    codes = tuple(c for c in PLACE_OUTCOMES if wanted is None or c in wanted)
    if not codes:
        return {}
    engine = Engine(pack, dataclasses.replace(options, rules=codes, radius=None, priority=None))
    batch = engine.normalise(frame, collect=True)
    ev = evaluate(engine.context(batch), engine.local_rules)
    out = {}
    for result in ev.results:
        rule = result.rule
        k = result.outcome.astype(np.int64)
        names = np.array([*rule.outcome_names, None], dtype=object)[np.where(k < 0, len(rule.outcome_names), k)]
        severity = np.array([*(SEVERITIES[s] for s in rule.outcome_severity), None], dtype=object)[
            np.where(k < 0, len(rule.outcome_names), k)]
        out[rule.code] = np.where(np.isin(names, PLACE_OUTCOMES[rule.code]), severity, None)
    return out


def _cross_rounds(pack: PlanPack, options: RunOptions, codes: tuple[str, ...], frame, right_type: str | None,
                  mineral: str | None) -> dict[str, np.ndarray]:
    """The cross rules ``codes`` on every probe with the registry's rights: probes are asked in
    rounds in which no two lie in the same block (of the role a right of this type and mineral
    belongs to), so a probe meets only the registry, never another probe (probes lie inside
    disjoint faces and never overlap)."""
    from mineplan.engine.pipeline import Engine

    discs = np.asarray(frame.geometry.values, dtype=object)
    # the block a right there belongs to (the block K300/K301 count in); probes outside blocks all
    # go in the first round
    block = pd.Series(_block_of(pack, discs, right_type, mineral), dtype=object)
    rounds = np.where(block.isna(), 0, block.groupby(block).cumcount().to_numpy())
    engine = Engine(pack, dataclasses.replace(options, rules=codes, findings="columns", radius=None, priority=None))
    out = {c: np.full(len(discs), None, dtype=object) for c in codes}
    for r in np.unique(rounds).tolist():
        idx = np.flatnonzero(rounds == r)
        sub = frame.iloc[idx].reset_index(drop=True)
        chunk = engine.chunk(sub, collect=True)
        table = engine.cross(chunk.rights).merge(chunk.rows, "columns")
        for c in codes:
            if f"sev_{c}" in table.columns:
                out[c][idx] = table[f"sev_{c}"].to_numpy(dtype=object)
    return out


# -- 3. conditions and the dissolved surface --------------------------------------------------------------
def _block_of(pack: PlanPack, discs: np.ndarray, right_type: str | None, mineral: str | None) -> np.ndarray:
    """Per disc the code of the block a right there would belong to (None outside every block)."""
    from mineplan.index import index_for

    index = index_for(pack)
    if right_type == "exploration":
        role = "exploration_block"
    else:  # geothermal, mineral water: mined where explored (X210)
        explored_only = index.minerals_of("exploration_block") - index.minerals_of("mining_block")
        role = "exploration_block" if mineral in explored_only else "mining_block"
    out = np.full(len(discs), None, dtype=object)
    pairs = index.overlaps(discs, (role,))
    if len(pairs):
        first = pairs.drop_duplicates("app")
        out[first["app"].to_numpy()] = index.codes[first["feature"].to_numpy()]
    return out


def condition_text(pack: PlanPack, code: str, block: str | None) -> tuple[str, str]:
    """One condition in Chinese and English, naming ``block`` where there is one."""
    rules = pack.rules
    b_zh = f"“{block}”" if block else ""
    b_en = f" {block}" if block else ""
    tol = rules.get("coincide_offset_m", 0)
    texts = {
        "E200": (f"探矿权范围应与勘查规划区块{b_zh}一致（边界相差不超过 {tol:g} 米）",
                 f"must coincide with exploration block{b_en} (boundaries at most {tol:g} m apart)"),
        "X212": (f"应覆盖开采规划区块{b_zh}面积的 {rules.get('min_block_share', 0):.0%} 以上（严禁大矿小开）",
                 f"must cover ≥ {rules.get('min_block_share', 0):.0%} of block{b_en} (no small mine on a large "
                 "deposit)"),
        "X213": (f"只能位于一个开采规划区块{b_zh}内，不得跨越两个区块（严禁一矿多开）",
                 f"must lie in one block{b_en} only, not span two (no several mines on one deposit)"),
        "K300": (f"区块{b_zh}只设一个勘查主体", f"one exploration holder in block{b_en}"),
        "K301": (f"区块{b_zh}只设一个采矿权", f"one mining right in block{b_en}"),
        "K302": ("不得与其他申请或已有矿业权重叠", "must not overlap another application or existing right"),
    }
    if code in texts:
        return texts[code]
    rule = pack.rule_set.by_code[code]
    return rule.title_zh, rule.title_en


@dataclass
class Surface:
    """The siting surface: ``frame`` (dissolved polygons with verdict, rules, reasons, conditions,
    area) and ``faces`` (every face with its probe's answer), both in the work CRS."""

    frame: object
    faces: object
    profile: dict
    timings: dict = field(default_factory=dict)

    def area_by_verdict(self) -> dict[str, float]:
        """km² per verdict (allowed, restricted, forbidden, in that order; absent ones 0)."""
        s = self.frame.groupby("verdict")["area_km2"].sum()
        return {v: float(s.get(v, 0.0)) for v in (*VERDICTS, *[x for x in s.index if x not in VERDICTS])}

    def union(self, verdicts: tuple[str, ...]):
        sel = self.frame["verdict"].isin(verdicts).to_numpy()
        return shapely.union_all(np.asarray(self.frame.geometry.values, dtype=object)[sel])


def check_profile(pack: PlanPack, options: RunOptions) -> None:
    """Refuse an unusable profile (an unknown mineral, a bad unit …) with the normaliser's one-line
    message, before any face is drawn."""
    from mineplan.applications import Normaliser
    from mineplan.errors import InputError
    from mineplan.minerals import MineralCatalog

    _attrs, errors, _ids = Normaliser(MineralCatalog(pack.config), pack.rules).columns({}, ["profile"],
                                                                                        options.overrides)
    if errors[0] is not None:
        raise InputError(f"profile: {errors[0]}")


def surface(pack: PlanPack, options: RunOptions | None = None, *, radius: float | None = None) -> Surface:
    """The siting surface for the profile in ``options.overrides`` (right type, mineral, method …)."""
    import geopandas as gpd

    by_code = pack.rule_set.by_code
    options = options or RunOptions()
    check_profile(pack, options)
    radius = radius or options.radius or DEFAULT_RADIUS
    timings = {}
    t0 = time.perf_counter()
    face_geoms = faces(pack, options)
    timings["partition_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    discs = probes(face_geoms, radius)
    judged = judge(pack, options, discs)
    timings["engine_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    blocks = _block_of(pack, discs, judged.right_type, judged.mineral)
    conditions = condition_codes(pack, options, judged.right_type, judged.mineral)
    cond_en, cond_zh = [], []
    for verdict, block in zip(judged.verdict.tolist(), blocks.tolist(), strict=True):
        if verdict == "forbidden" or not conditions or judged.right_type is None:
            cond_en.append("")
            cond_zh.append("")
            continue
        texts = [(c, *condition_text(pack, c, block)) for c in conditions]
        cond_zh.append("；".join(f"{c} {zh}" for c, zh, _ in texts))
        cond_en.append("; ".join(f"{c}: {en}" for c, _, en in texts))
    face_frame = gpd.GeoDataFrame({
        "verdict": judged.verdict, "rules": [",".join(r) for r in judged.rules], "block": blocks,
        "conditions": cond_en, "conditions_zh": cond_zh,
        "probe": gpd.GeoSeries(discs, crs=pack.work_crs)},
        geometry=gpd.GeoSeries(face_geoms, crs=pack.work_crs))
    keys = ["verdict", "rules", "conditions", "conditions_zh"]
    groups = face_frame.groupby(keys, sort=False, dropna=False).indices
    out = []
    for key, idx in groups.items():
        geom = shapely.union_all(face_geoms[idx])
        verdict, codes, c_en, c_zh = key
        rules = [by_code[c] for c in codes.split(",")] if codes else []
        out.append({"verdict": verdict, "rules": codes,
                    "reasons_zh": "；".join(f"{r.code} {r.title_zh}" for r in rules),
                    "reasons_en": "; ".join(f"{r.code} {r.title_en}" for r in rules),
                    "conditions": c_en, "conditions_zh": c_zh,
                    "area_km2": round(float(shapely.area(geom)) / 1e6, 4), "geometry": geom})
    order = {v: k for k, v in enumerate(VERDICTS)}
    frame = gpd.GeoDataFrame(out, geometry="geometry", crs=pack.work_crs)
    frame = frame.assign(_o=frame["verdict"].map(lambda v: order.get(v, 9))).sort_values(
        ["_o", "area_km2"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)
    timings["dissolve_s"] = time.perf_counter() - t2
    timings["total_s"] = time.perf_counter() - t0
    timings["faces"] = len(face_geoms)
    return Surface(frame, face_frame, dict(options.overrides), timings)


# -- clip -------------------------------------------------------------------------------------------
@dataclass
class Clipped:
    """One application cut back to its part no location rule forbids."""

    id: str
    original: object  # shapely geometry (work CRS)
    part: object  # the kept part (empty when nothing is left)
    area_km2: float
    kept_km2: float
    removed_km2: float
    removed_by: dict[str, float]  # rule code -> km² of the application it forbids
    margin_km2: float = 0.0  # removed to keep the part ``margin`` metres clear of forbidden ground (or --largest)
    result: object = None  # the check of the part (mineplan.findings.Result), None when nothing is left

    @property
    def empty(self) -> bool:
        return self.part is None or shapely.is_empty(self.part)


def clip(pack: PlanPack, options: RunOptions, applications, surf: Surface | None = None, *,
         margin: float = CLIP_MARGIN, largest: bool = False) -> list[Clipped]:
    """Cut every application of ``applications`` (a GeoDataFrame, work CRS) back to its part that no
    location rule forbids (its intersection with the surface's non-forbidden polygons), and check
    that part with every rule (footprint and cross rules included). Where the check of that part
    still names a location rule as forbidding it — the rules count a touching edge, and the setback
    buffers are polygons a little inside the true distance — the part is kept ``margin`` metres clear
    of the forbidden ground and checked again."""
    surf = surf or surface(pack, options)
    frame = surf.frame
    forbidden = frame[frame["verdict"] == "forbidden"]
    bad = shapely.union_all(np.asarray(forbidden.geometry.values, dtype=object))
    exact = surf.union(("allowed", "restricted"))
    clear = shapely.difference(exact, shapely.buffer(bad, margin))
    shapely.prepare(exact)
    shapely.prepare(clear)
    local, cross = location_codes(pack, options, canonical_right_type(options.overrides.get("right_type")))
    drawn = {*local, *cross, *PLACE_OUTCOMES}
    out: list[Clipped] = []
    ids = applications["id"].astype(str).tolist() if "id" in applications.columns else \
        [str(k + 1) for k in range(len(applications))]
    for app_id, geom in zip(ids, applications.geometry.values, strict=True):
        geom = shapely.make_valid(geom)
        if shapely.area(geom) <= 0:  # a point or line: a disc of --radius, as check reads it
            if not options.radius:
                from mineplan.errors import InputError

                kind = "point" if shapely.get_type_id(geom) in (0, 4) else "line"
                raise InputError(f"application {app_id} is a {kind}: --clip needs its boundary polygon (or --radius)")
            geom = shapely.buffer(geom, options.radius)
        part, result = _kept(pack, options, app_id, geom, exact, largest)
        if result is not None and any(f.severity == "forbidden" and f.rule in drawn for f in result.findings):
            part, result = _kept(pack, options, app_id, geom, clear, largest)
        removed: dict[str, float] = {}
        forbidden_km2 = 0.0
        for codes, fgeom in zip(forbidden["rules"].tolist(), forbidden.geometry.values, strict=True):
            a = float(shapely.area(shapely.intersection(geom, fgeom))) / 1e6
            if a <= 0:
                continue
            forbidden_km2 += a
            for c in (codes.split(",") if codes else ["?"]):
                removed[c] = removed.get(c, 0.0) + a
        area = float(shapely.area(geom)) / 1e6
        kept = float(shapely.area(part)) / 1e6 if not shapely.is_empty(part) else 0.0
        margin_km2 = max(area - kept - forbidden_km2, 0.0)  # the band along forbidden ground (and --largest)
        out.append(Clipped(app_id, geom, part, round(area, 6), round(kept, 6), round(max(area - kept, 0.0), 6) + 0.0,
                           {k: round(v, 6) for k, v in sorted(removed.items(), key=lambda kv: -kv[1])},
                           round(margin_km2, 6), result))
    return out


def _kept(pack: PlanPack, options: RunOptions, app_id: str, geom, zone, largest: bool):
    """The part of ``geom`` in ``zone`` (its largest piece with ``largest``) and its check (None when
    nothing is left)."""
    import geopandas as gpd

    from mineplan.checker import check_frame

    part = _polygonal(shapely.intersection(geom, zone))
    if shapely.is_empty(part) or shapely.area(part) <= 0:
        return part, None
    if largest:
        pieces = shapely.get_parts(part)
        part = pieces[int(np.argmax(shapely.area(pieces)))]
    one = gpd.GeoDataFrame({"id": [app_id]}, geometry=gpd.GeoSeries([part], crs=pack.work_crs))
    return part, check_frame(one, pack=pack, options=dataclasses.replace(options, findings="json"))[0]


def _polygonal(geom):
    """The polygons of ``geom`` (an intersection may leave lines and points on shared edges)."""
    if shapely.is_empty(geom):
        return shapely.Polygon()
    parts = shapely.get_parts(geom)
    polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    if not len(polys):
        return shapely.Polygon()
    return shapely.union_all(polys)


def clipped_frame(pack: PlanPack, clipped: list[Clipped]):
    """The kept parts as a GeoDataFrame (work CRS): id, verdict of their check, areas, removed_by."""
    import geopandas as gpd
    import orjson

    rows = []
    for c in clipped:
        res = c.result
        worst = None
        if res is not None:
            counting = [f for f in res.findings if _RANK.get(f.severity, 0) >= _COUNTS]
            worst = ",".join(dict.fromkeys(f.rule for f in counting)) or None
        rows.append({"id": c.id, "verdict": res.verdict if res is not None else "nothing_left",
                     "rules": worst, "area_km2": c.area_km2, "kept_km2": c.kept_km2, "removed_km2": c.removed_km2,
                     "margin_km2": c.margin_km2, "removed_by": orjson.dumps(c.removed_by).decode(),
                     "geometry": None if c.empty else c.part})
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=pack.work_crs)


def surface_geojson(surf: Surface) -> str:
    """The surface as a GeoJSON FeatureCollection in WGS84 (the web API's answer): each polygon
    with verdict, rules, reasons, conditions and area; ``area_km2`` per verdict and the profile."""
    import orjson

    wgs = surf.frame.to_crs("EPSG:4326")
    props = wgs.drop(columns="geometry").to_dict("records")
    features = [{"type": "Feature", "properties": p, "geometry": None if g is None else g.__geo_interface__}
                for p, g in zip(props, wgs.geometry, strict=True)]
    doc = {"type": "FeatureCollection", "profile": surf.profile, "area_km2": surf.area_by_verdict(),
           "features": features}
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY).decode()

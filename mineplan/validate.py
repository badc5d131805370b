"""Plan-pack invariants: what must hold of a pack's layers before rules can rely on them.

Each problem is one line naming the file, the feature and what is wrong. The bundled pack
passes them all (tests/test_pack.py); a bureau's official layers are checked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

from mineplan.errors import PlanPackError
from mineplan.pack import REQUIRED_ROLES, ROLES, PlanPack, bundled_data_dir, effective_date, pack_versions, read_pack

PLANNING_ROLES = ("key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block")
BLOCK_ROLES = ("exploration_block", "mining_block")


@dataclass
class Validation:
    pack: PlanPack | None
    problems: list[str] = field(default_factory=list)
    #: what is not a problem but changes what the rules can say (an enabled rule without its layer)
    notes: list[str] = field(default_factory=list)
    areas: list[dict] = field(default_factory=list)  # per feature: layer, code, name, stated, measured

    @property
    def ok(self) -> bool:
        return not self.problems


#: [plan] keys every pack fills in, with what each means (a new pack's skeleton leaves them empty)
REQUIRED_PLAN_KEYS = {
    "id": "a stable id of the plan, e.g. 420881-kczygh-2021-2025",
    "version": "this version of the pack",
    "name_zh": "the plan's title",
    "issued": "the date it was issued, YYYY-MM-DD",
    "period": "the plan period, [first year, last year]",
    "adcode": "the county's administrative code",
}
#: [plan] keys reported here only when left as an empty placeholder (their absence is the loader's to report)
PLACEHOLDER_PLAN_KEYS = {"crs": "the projected work CRS in metres, e.g. EPSG:4547"}


def _placeholder(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, (list, dict)) and not value)


def missing_keys(root: Path) -> tuple[dict | None, list[str]]:
    """(the parsed plan.toml or None, one line per required key still missing or a placeholder):
    what a new pack (``mineplan plan init``) has yet to fill in, all listed at once."""
    import tomllib

    toml = root / "plan.toml"
    if not toml.is_file():
        return None, [f"{toml}: no plan.toml in the plan pack directory (mineplan plan init DIR writes one)"]
    try:
        config = tomllib.loads(toml.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return None, [f"{toml}: not valid TOML: {exc}".replace("\n", " ")]
    problems = []
    plan = config.get("plan")
    if not isinstance(plan, dict):
        problems.append(f"{toml}: missing [plan] table")
        plan = {}
    for key, meaning in REQUIRED_PLAN_KEYS.items():
        if _placeholder(plan.get(key)):
            problems.append(f"{toml}: [plan] {key!r} is missing ({meaning})")
    for key, meaning in PLACEHOLDER_PLAN_KEYS.items():
        if key in plan and _placeholder(plan[key]):
            problems.append(f"{toml}: [plan] {key!r} is missing ({meaning})")
    if not _placeholder(plan.get("effective")) or not _placeholder(plan.get("issued")):
        try:
            effective_date(config, toml)
        except PlanPackError as exc:
            problems.append(str(exc))
    layers = config.get("layers")
    if not isinstance(layers, dict) or not layers:
        problems.append(f"{toml}: missing [layers] tables (one [layers.NAME] per layer)")
        layers = {}
    for name, entry in layers.items():
        if _placeholder(entry.get("role")):
            problems.append(f"{toml}: [layers.{name}]: no 'role' (one of {', '.join(ROLES)})")
        if _placeholder(entry.get("file")):
            problems.append(f"{toml}: [layers.{name}]: no 'file' (the layer's file, relative to plan.toml)")
    roles = {entry.get("role") for entry in layers.values()}
    for role in REQUIRED_ROLES:
        if role not in roles:
            problems.append(f"{toml}: no layer with role {role!r}")
    if _placeholder(config.get("minerals")):
        problems.append(f'{toml}: [minerals]: no mineral (one [minerals."NAME"] table per mineral of the plan)')
    return config, problems


def validate_pack(data_dir: str | Path | None = None) -> Validation:
    root = Path(data_dir).resolve() if data_dir else bundled_data_dir()
    config, missing = missing_keys(root)
    if missing:  # a pack still being written: say everything it lacks at once
        result = Validation(pack=None, problems=missing)
        if config is not None:
            _check_unfilled_rules(root / "plan.toml", config, result)
        return result
    pack, problems = read_pack(root)
    result = Validation(pack=pack, problems=list(problems))
    _check_versions(root, result)
    if any(role not in {la.role for la in pack.layers.values()} for role in ("county",)):
        return result
    from mineplan.index import SpatialIndex

    index = SpatialIndex(pack)  # one index for the checks that measure against the layers
    _check_catalogue(pack, index, result)
    settings = pack.config.get("validation", {})
    tolerance = float(settings.get("area_tolerance", 0.005))
    county = pack.county_geometry
    county_fuzzy = county.buffer(float(settings.get("county_tolerance_m", 1.0)))
    by_code = {}
    for layer in pack.layers.values():
        for code, row in zip(layer.frame["code"], layer.frame.itertuples(), strict=True):
            by_code[code] = (layer, row)
    # stated areas, measured in the pack's work CRS, or on the ellipsoid where the pack says its
    # stated areas are ellipsoidal ([validation] area_method = "ellipsoidal", as official areas are)
    method = settings.get("area_method", "projected")
    if method not in ("projected", "ellipsoidal"):
        result.problems.append(f"{pack.root / 'plan.toml'}: [validation] area_method = {method!r} is not "
                               "'projected' or 'ellipsoidal'")
        method = "projected"
    for layer in pack.layers.values():
        if layer.role not in (*PLANNING_ROLES, "county"):
            continue
        for row in layer.frame.itertuples():
            if row.geometry is None:
                measured = float("nan")
            elif method == "ellipsoidal":
                measured = ellipsoidal_area(row.geometry, pack.work_crs) / 1e6
            else:
                measured = row.geometry.area / 1e6
            stated = _number(row.stated_area_km2)
            result.areas.append({"layer": layer.name, "code": row.code, "name_zh": row.name_zh, "stated_km2": stated,
                                 "measured_km2": measured, "provenance": row.provenance})
            if stated and layer.role != "county" and abs(measured - stated) > tolerance * stated:
                result.problems.append(
                    f"{layer.path}: feature {row.code}: area {measured:.3f} km² differs from the plan's "
                    f"{stated:g} km² by {abs(measured - stated) / stated:.2%} (tolerance {tolerance:.1%})"
                )
    # everything planned lies inside the county
    for layer in pack.layers.values():
        if layer.role not in PLANNING_ROLES:
            continue
        for row in layer.frame.itertuples():
            if row.geometry is not None and not county_fuzzy.covers(row.geometry):
                outside = row.geometry.difference(county).area / 1e6
                result.problems.append(f"{layer.path}: feature {row.code}: lies partly outside the county "
                                       f"({outside:.3f} km² outside)")
    # blocks inside their zones
    for block, zone in settings.get("block_in_zone", {}).items():
        if block not in by_code or zone not in by_code:
            missing = block if block not in by_code else zone
            result.problems.append(f"{pack.root / 'plan.toml'}: [validation.block_in_zone]: no feature {missing!r}")
            continue
        blayer, brow = by_code[block]
        _, zrow = by_code[zone]
        if not zrow.geometry.buffer(1.0).covers(brow.geometry):
            outside = brow.geometry.difference(zrow.geometry).area
            result.problems.append(
                f"{blayer.path}: feature {block}: not inside zone {zone} ({outside:,.0f} m² outside)")
    # blocks do not overlap each other
    blocks = [(la, row) for la in pack.layers.values() if la.role in BLOCK_ROLES for row in la.frame.itertuples()]
    geoms = np.array([row.geometry for _, row in blocks], dtype=object)
    if len(geoms):
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        for a, b in zip(left, right, strict=True):
            if a < b:
                area = shapely.intersection(geoms[a], geoms[b]).area
                if area > 1.0:
                    result.problems.append(f"{blocks[a][0].path}: feature {blocks[a][1].code}: overlaps block "
                                           f"{blocks[b][1].code} ({area:,.0f} m²)")
    # each zone/block lies where the plan says
    to_work = Transformer.from_crs("EPSG:4326", pack.work_crs, always_xy=True)
    for code, place in settings.get("places", {}).items():
        if code not in by_code:
            result.problems.append(f"{pack.root / 'plan.toml'}: [validation.places]: no feature {code!r}")
            continue
        layer, row = by_code[code]
        x, y = to_work.transform(place["lon"], place["lat"])
        dist = row.geometry.distance(shapely.Point(x, y))
        if dist > float(place["within_km"]) * 1000:
            result.problems.append(f"{layer.path}: feature {code}: {dist / 1000:.1f} km from {place['name']} "
                                   f"(the plan places it there; at most {place['within_km']} km)")
    # the plan's own mining blocks are minable: outside every visibility range and legal setback
    _check_minable(pack, index, result)
    return result


def _check_unfilled_rules(toml: Path, config: dict, result: Validation) -> None:
    """Of a pack still being written: every enabled rule of mineplan without its clause, and every
    [rules] parameter an enabled rule reads that is not there (without building the rules, which
    needs them)."""
    from mineplan.rules import FIXED_RULES

    catalogue = config.get("catalogue", {})
    catalogue = catalogue if isinstance(catalogue, dict) else {}
    params = config.get("rules", {})
    params = params if isinstance(params, dict) else {}
    readers: dict[str, list[str]] = {}
    for rule in FIXED_RULES:
        entry = catalogue.get(rule.code, {})
        if isinstance(entry, dict) and entry.get("enabled", True) is False:
            continue
        if not isinstance(entry, dict) or not entry.get("clause"):
            result.problems.append(f"{toml}: [catalogue.{rule.code}]: missing, or has no clause (rule {rule.code} "
                                   "is enabled: give its clause, or set enabled = false)")
        for name in rule.params:
            readers.setdefault(name, []).append(rule.code)
    for name, codes in readers.items():
        if name not in params:
            result.problems.append(f"{toml}: [rules] has no {name!r} (read by rule {', '.join(codes)}; or disable "
                                   "the rule with enabled = false)")


def _check_versions(root: Path, result: Validation) -> None:
    """Every dated version under versions/ reads, is of this plan, and has its own effective date."""
    try:
        versions = pack_versions(root)
    except PlanPackError as exc:
        result.problems.append(str(exc))
        return
    seen: dict = {}
    for version in versions:
        label = version.root / "plan.toml"
        if version.effective in seen:
            result.problems.append(f"{label}: effective {version.effective.isoformat()} is also the date of "
                                   f"{seen[version.effective]}: one version in force per date")
        seen[version.effective] = label
        if version.name:
            _, problems = read_pack(version.root)
            result.problems.extend(problems)


def ellipsoidal_area(geometry, work_crs: str) -> float:
    """The area (m²) of ``geometry`` (in ``work_crs``) on the ellipsoid of the work CRS's datum:
    the area an official table states, free of the projection's scale."""
    from pyproj import CRS, Geod

    crs = CRS.from_user_input(work_crs)
    geographic = crs.geodetic_crs
    to_geo = Transformer.from_crs(crs, geographic, always_xy=True)
    lonlat = shapely.transform(geometry, lambda xy: np.column_stack(to_geo.transform(xy[:, 0], xy[:, 1])))
    ellipsoid = geographic.ellipsoid
    geod = Geod(a=ellipsoid.semi_major_metre, rf=ellipsoid.inverse_flattening)
    return abs(geod.geometry_area_perimeter(lonlat)[0])


def _check_catalogue(pack: PlanPack, index, result: Validation) -> None:
    """The pack's rules can be built (each enabled rule's [rules] parameters are there); every
    enabled rule has its clause; the pack names no rule mineplan lacks; an enabled rule without a
    layer for its roles is noted (it will report "not checked")."""
    from mineplan.errors import RuleConfigError

    toml = pack.root / "plan.toml"
    catalogue = pack.config.get("catalogue", {})
    try:
        rules = pack.rule_set
    except RuleConfigError as exc:
        result.problems.append(str(exc))
        return
    known = {*rules.codes, *rules.disabled}
    for code in sorted(set(catalogue) - known):
        result.problems.append(f"{toml}: [catalogue.{code}]: unknown rule code (known: {', '.join(sorted(known))})")
    for rule in rules.rules:
        if not catalogue.get(rule.code, {}).get("clause"):
            result.problems.append(f"{toml}: [catalogue.{rule.code}]: missing, or has no clause (rule {rule.code} "
                                   "is enabled: give its clause, or set enabled = false)")
        missing = rule.missing_roles(index)
        if missing:
            result.notes.append(f"{toml}: rule {rule.code} is enabled but the pack has no layer for role "
                                f"{' / '.join(missing)}: it will report \"not checked\"")


def _check_minable(pack: PlanPack, index, result: Validation) -> None:
    mining = index.positions("mining_block")
    if not len(mining):
        return
    geoms = index.geoms[mining]
    vis = index.visibility(geoms)
    for app, feat, dist, limit in zip(vis["app"], vis["feature"], vis["distance"], vis["limit"], strict=True):
        block = index.features.iloc[mining[app]]
        other = index.features.iloc[feat]
        result.problems.append(f"{pack.layers[block['layer']].path}: feature {block['code']}: {dist:.0f} m from "
                               f"{other['code']} ({other['name_en']}), inside its {limit:g} m visibility range")
    from mineplan.errors import RuleConfigError
    from mineplan.rules.setbacks import setback_rules

    try:
        rules = pack.rule_set.rules
    except RuleConfigError:
        return  # reported by _check_catalogue
    cut = pack.rules.get("mining_area", "coincide") == "within_block_after_setbacks"
    for rule in setback_rules(rules):
        if cut and rule.cuts_block:
            continue  # the block is cut back by this setback: its mining area keeps clear of it
        limit = rule.distance
        near = index.within_distance(geoms, rule.role, limit)
        allowed = set(index.select(rule.role, rule.classes, rule.layer).tolist())
        for app, feat, dist in zip(near["app"], near["feature"], near["distance"], strict=True):
            other = index.features.iloc[feat]
            if feat not in allowed:
                continue
            block = index.features.iloc[mining[app]]
            result.problems.append(f"{pack.layers[block['layer']].path}: feature {block['code']}: {dist:.0f} m from "
                                   f"{other['code']} ({other['name_en']}), inside the {limit:g} m setback {rule.code}")


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number

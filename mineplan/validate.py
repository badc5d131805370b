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

from mineplan.pack import PlanPack, read_pack

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


def validate_pack(data_dir: str | Path | None = None) -> Validation:
    pack, problems = read_pack(data_dir)
    result = Validation(pack=pack, problems=list(problems))
    if any(role not in {la.role for la in pack.layers.values()} for role in ("county",)):
        return result
    _check_catalogue(pack, result)
    settings = pack.config.get("validation", {})
    tolerance = float(settings.get("area_tolerance", 0.005))
    county = pack.county_geometry
    county_fuzzy = county.buffer(float(settings.get("county_tolerance_m", 1.0)))
    by_code = {}
    for layer in pack.layers.values():
        for code, row in zip(layer.frame["code"], layer.frame.itertuples(), strict=True):
            by_code[code] = (layer, row)
    # stated areas, measured in the pack's work CRS
    for layer in pack.layers.values():
        if layer.role not in (*PLANNING_ROLES, "county"):
            continue
        for row in layer.frame.itertuples():
            measured = row.geometry.area / 1e6 if row.geometry is not None else float("nan")
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
    _check_minable(pack, result)
    return result


def _check_catalogue(pack: PlanPack, result: Validation) -> None:
    """The pack's rules can be built; every enabled rule has its clause and its parameters in the
    pack; the pack names no rule mineplan lacks; an enabled rule without a layer for its roles is
    noted (it will report "not checked")."""
    from mineplan.errors import RuleConfigError
    from mineplan.index import SpatialIndex

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
    index = SpatialIndex(pack)
    for rule in rules.rules:
        if not catalogue.get(rule.code, {}).get("clause"):
            result.problems.append(f"{toml}: [catalogue.{rule.code}]: missing, or has no clause (rule {rule.code} "
                                   "is enabled: give its clause, or set enabled = false)")
        missing = rule.missing_roles(index)
        if missing:
            result.notes.append(f"{toml}: rule {rule.code} is enabled but the pack has no layer for role "
                                f"{' / '.join(missing)}: it will report \"not checked\"")


def _check_minable(pack: PlanPack, result: Validation) -> None:
    from mineplan.index import SpatialIndex

    index = SpatialIndex(pack)
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

"""Loading a plan pack: ``plan.toml`` plus the layers it names, reprojected to its work CRS
(``[plan] crs``; Changle: EPSG:4549).

A plan pack is a directory. The bundled one (Changle 2021-2025) ships inside the wheel as
``mineplan._data`` and sits at ``data/`` in a source checkout; ``--data DIR`` or
``MINEPLAN_DATA`` point at another one (a bureau's official layers).
"""

from __future__ import annotations

import datetime
import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mineplan.errors import PlanPackError
from mineplan.pack_sources import read_source

#: Layer roles the rules know. An unknown role in a pack is an error.
ROLES = {
    "county": "polygon",
    "key_exploration_zone": "polygon",
    "key_mining_zone": "polygon",
    "exploration_block": "polygon",
    "mining_block": "polygon",
    "three_zones": "any",
    "two_lines": "any",
    "road_bridge": "any",
    "constraint": "any",
    "setback": "any",  # features a [[setbacks]] entry measures from (e.g. 居民点 for a blasting distance)
}
#: Roles a pack must have: the planning area. Every other role is optional: a plan may set no
#: exploration block, say, and a rule whose role has no layer reports "not checked" (issue 14).
REQUIRED_ROLES = ("county",)
#: Roles whose features carry a visibility class (5.4.2).
VISIBILITY_ROLES = ("three_zones", "two_lines")
#: The attribute columns every feature carries after loading (missing ones are filled with None).
FEATURE_FIELDS = (
    "code", "name_zh", "name_en", "kind", "mineral", "stage", "stated_area_km2",
    "provenance", "anchors", "source", "class", "resource_wm3",
)


@dataclass
class Layer:
    """One layer of a pack, in the pack's work CRS, with the plan.toml entry that named it."""

    name: str
    role: str
    path: Path
    title_zh: str
    title_en: str
    frame: Any  # geopandas.GeoDataFrame in the work CRS, columns FEATURE_FIELDS + geometry
    source_crs: str = ""
    verdict: str | None = None  # for constraint layers: the severity the layer gives


@dataclass
class PlanPack:
    """A loaded plan pack. Geometries are in its work CRS (:attr:`work_crs`)."""

    root: Path
    config: dict
    layers: dict[str, Layer] = field(default_factory=dict)

    @property
    def plan(self) -> dict:
        return self.config["plan"]

    @property
    def work_crs(self) -> str:
        """The projected CRS (metres) every area, distance and buffer is measured in: ``[plan] crs``
        as written in plan.toml (e.g. ``"EPSG:4549"``), checked by :func:`read_config`."""
        return self.plan["crs"]

    @property
    def rules(self) -> dict:
        return self.config.get("rules", {})

    @property
    def indicators(self) -> list[dict]:
        """The indicator table ([[indicators]]): one entry per row, in the pack's order."""
        return list(self.config.get("indicators", []))

    @cached_property
    def rule_set(self):
        """The rules this pack enables, configured by it (:mod:`mineplan.rules.configure`)."""
        from mineplan.rules.configure import build_rule_set

        return build_rule_set(self)

    def layers_with_role(self, role: str) -> list[Layer]:
        return [layer for layer in self.layers.values() if layer.role == role]

    def features(self, role: str):
        """All features of the layers with ``role``, concatenated, with a ``layer`` column."""
        import geopandas as gpd
        import pandas as pd

        frames = [layer.frame.assign(layer=layer.name) for layer in self.layers_with_role(role)]
        if not frames:
            return gpd.GeoDataFrame({c: [] for c in (*FEATURE_FIELDS, "layer")}, geometry=[], crs=self.work_crs)
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=self.work_crs)

    @cached_property
    def county_geometry(self):
        """The planning area (union of the county layer), a shapely geometry in the work CRS."""
        import shapely

        return shapely.union_all(self.features("county").geometry.values)

    @cached_property
    def data_sha256(self) -> str:
        """SHA-256 over plan.toml and every layer file (with its sidecars), in a stable order."""
        digest = hashlib.sha256()
        files = [self.root / "plan.toml"]
        for layer in sorted(self.layers.values(), key=lambda la: la.name):
            if layer.path.is_dir():
                files.extend(sorted(p for p in layer.path.rglob("*") if p.is_file()))
            else:
                files.extend(sorted(layer.path.parent.glob(layer.path.stem + ".*")))
        for path in files:
            # relative to the pack: a dated version's layers may lie beside it (../../zones/…)
            digest.update(Path(os.path.relpath(path, self.root)).as_posix().encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def visibility_distance(self, feature_class: str | None) -> float | None:
        """The "three zones, two lines" visibility distance of a feature class, in metres."""
        table = self.config.get("visibility", {}).get("distance_m", {})
        return None if feature_class is None else table.get(feature_class)

    @property
    def effective(self) -> datetime.date:
        """The date this version of the plan came into force ([plan] effective, else issued)."""
        return effective_date(self.config, self.root / "plan.toml")

    def identity(self) -> dict:
        return {"id": self.plan["id"], "version": self.plan["version"], "data_sha256": self.data_sha256}


def bundled_data_dir() -> Path:
    """The bundled Changle plan pack: ``mineplan._data`` when installed, ``data/`` in a checkout."""
    here = Path(__file__).resolve().parent
    for root in (here / "_data", here.parent / "data"):  # installed wheel, then a source checkout
        if (root / "plan.toml").is_file():
            return root
    raise PlanPackError("the bundled plan pack was not found; pass --data DIR or set MINEPLAN_DATA")


def read_config(root: Path) -> dict:
    path = root / "plan.toml"
    if not path.is_file():
        raise PlanPackError(f"{path}: no plan.toml in the plan pack directory")
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlanPackError(f"{path}: not valid TOML: {exc}") from exc
    for key in ("plan", "layers"):
        if key not in config:
            raise PlanPackError(f"{path}: missing [{key}] table")
    for key in ("id", "version", "adcode", "crs"):
        if key not in config["plan"]:
            hint = " (the projected work CRS in metres, e.g. crs = \"EPSG:4549\")" if key == "crs" else ""
            raise PlanPackError(f"{path}: [plan] has no {key!r}{hint}")
    check_work_crs(config["plan"]["crs"], path)
    return config


def check_work_crs(value, path: Path) -> None:
    """``[plan] crs`` must name a projected CRS whose axes are in metres (areas and distances are
    measured in it); else a one-line :class:`PlanPackError` naming plan.toml."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if not isinstance(value, str) or not value.strip():
        raise PlanPackError(f"{path}: [plan] crs must be a CRS name such as \"EPSG:4549\", not {value!r}")
    try:
        crs = CRS.from_user_input(value)
    except CRSError:
        raise PlanPackError(f"{path}: [plan] crs {value!r} is not a CRS pyproj knows") from None
    if not crs.is_projected:
        raise PlanPackError(f"{path}: [plan] crs {value!r} ({crs.name}) is not projected: areas and distances "
                            "need a projected CRS in metres (e.g. a CGCS2000 Gauss-Kruger CRS)")
    units = {(ax.unit_name or "").lower() for ax in crs.axis_info}
    if not units or not units <= {"metre", "meter", "m"}:
        raise PlanPackError(f"{path}: [plan] crs {value!r} ({crs.name}) is not in metres "
                            f"(axis units: {', '.join(sorted(units)) or 'none'})")


def read_layer(root: Path, name: str, entry: dict, work_crs: str) -> tuple[Layer | None, list[str]]:
    """Read one layer into ``work_crs``; return it (or None) and the list of one-line problems found."""
    import shapely

    role = entry.get("role")
    if role not in ROLES:
        return None, [f"plan.toml: layer {name!r}: unknown role {role!r} (known: {', '.join(ROLES)})"]
    if not entry.get("file"):
        return None, [f"{root / 'plan.toml'}: [layers.{name}]: no 'file'"]
    path = (root / entry["file"]).resolve()
    label = str(path)
    if not path.exists():
        return None, [f"{label}: layer {name!r}: file not found"]
    frame, problems = read_source(path, name, entry, FEATURE_FIELDS)
    if frame is None:
        return None, problems
    if frame.crs is None:
        return None, [f"{label}: layer {name!r}: no CRS defined (add a .prj, or crs = \"EPSG:…\" in its "
                      "[layers] entry)"]
    source_crs = frame.crs.to_string()
    for column in FEATURE_FIELDS:
        if column not in frame.columns:
            frame[column] = None
    if len(frame) == 0:
        problems.append(f"{label}: layer {name!r}: no features")
    for i, (code, geom) in enumerate(zip(frame["code"], frame.geometry, strict=True)):
        feature = f"feature {code if code else '#' + str(i + 1)}"
        if code is None or (isinstance(code, float) and code != code):
            problems.append(f"{label}: {feature}: no 'code' attribute")
        if geom is None or geom.is_empty:
            problems.append(f"{label}: {feature}: empty geometry")
        elif not geom.is_valid:
            problems.append(f"{label}: {feature}: invalid geometry: {shapely.is_valid_reason(geom)}")
        elif ROLES[role] == "polygon" and geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(f"{label}: {feature}: a {role} must be a polygon, got {geom.geom_type}")
    frame = frame.to_crs(work_crs)
    frame = frame[[*FEATURE_FIELDS, "geometry"]]
    frame["code"] = frame["code"].astype(str)
    layer = Layer(
        name=name,
        role=role,
        path=path,
        title_zh=entry.get("title_zh", name),
        title_en=entry.get("title_en", name),
        frame=frame,
        source_crs=source_crs,
        verdict=entry.get("verdict"),
    )
    return layer, problems


def read_pack(data_dir: str | Path | None = None) -> tuple[PlanPack, list[str]]:
    """Read a pack and return it with every structural problem found (not raising on them)."""
    root = Path(data_dir).resolve() if data_dir else bundled_data_dir()
    config = read_config(root)
    pack = PlanPack(root=root, config=config)
    problems: list[str] = []
    for name, entry in config["layers"].items():
        layer, found = read_layer(root, name, entry, pack.work_crs)
        problems.extend(found)
        if layer is not None:
            pack.layers[name] = layer
    roles = {layer.role for layer in pack.layers.values()}
    for role in REQUIRED_ROLES:
        if role not in roles and not any(e.get("role") == role for e in config["layers"].values()):
            problems.append(f"{root / 'plan.toml'}: no layer with role {role!r}")
    seen: dict[str, str] = {}
    for layer in pack.layers.values():
        for code in layer.frame["code"]:
            if code in seen:
                problems.append(f"{layer.path}: feature {code}: duplicate code (also in layer {seen[code]!r})")
            seen[code] = layer.name
    table = config.get("visibility", {}).get("distance_m", {})
    for role in VISIBILITY_ROLES:
        for layer in pack.layers_with_role(role):
            for code, cls in zip(layer.frame["code"], layer.frame["class"], strict=True):
                if cls not in table:
                    problems.append(
                        f"{layer.path}: feature {code}: class {cls!r} has no visibility distance in "
                        f"[visibility.distance_m] (known: {', '.join(table)})"
                    )
    return pack, problems


def effective_date(config: dict, path: Path) -> datetime.date:
    """``[plan] effective`` (default: ``issued``) as a date; a TOML date or "YYYY-MM-DD"."""
    plan = config.get("plan", {})
    key = "effective" if plan.get("effective") not in (None, "") else "issued"
    value = plan.get(key)
    if value is None or value == "":
        raise PlanPackError(f"{path}: [plan] has neither 'effective' nor 'issued' (the date it came into force)")
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise PlanPackError(f"{path}: [plan] {key} {value!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class PackVersion:
    """One dated version of a plan: the pack's own plan.toml, or ``versions/<name>/plan.toml``."""

    name: str  # "" for the pack itself, else the folder name under versions/
    root: Path
    version: str
    effective: datetime.date


VERSIONS_DIR = "versions"


def pack_versions(root: str | Path) -> list[PackVersion]:
    """Every version of the pack at ``root`` (itself and ``versions/*/plan.toml``), oldest first.
    Raises :class:`PlanPackError` on a version whose plan.toml or date cannot be read, or that is
    another plan (a different [plan] id)."""
    root = Path(root).resolve()
    config = read_config(root)
    found = [PackVersion("", root, str(config["plan"]["version"]), effective_date(config, root / "plan.toml"))]
    folder = root / VERSIONS_DIR
    for toml in sorted(folder.glob("*/plan.toml")) if folder.is_dir() else []:
        other = read_config(toml.parent)
        if other["plan"]["id"] != config["plan"]["id"]:
            raise PlanPackError(f"{toml}: [plan] id {other['plan']['id']!r} is not the pack's "
                                f"{config['plan']['id']!r}: a version must be of the same plan")
        found.append(PackVersion(toml.parent.name, toml.parent.resolve(), str(other["plan"]["version"]),
                                 effective_date(other, toml)))
    return sorted(found, key=lambda v: (v.effective, v.name == ""))


def version_in_force(root: str | Path, as_of: datetime.date) -> PackVersion:
    """The version with the latest effective date on or before ``as_of``."""
    if isinstance(as_of, datetime.datetime):
        as_of = as_of.date()
    versions = pack_versions(root)
    in_force = [v for v in versions if v.effective <= as_of]
    if not in_force:
        first = versions[0]
        plan_id = read_config(Path(root).resolve())["plan"]["id"]
        raise PlanPackError(f"no version of {plan_id} in force on {as_of.isoformat()} "
                            f"(earliest: {first.version} effective {first.effective.isoformat()})")
    return in_force[-1]


_CACHE: dict[Path, PlanPack] = {}


def load_pack(data_dir: str | Path | None = None, as_of: datetime.date | None = None) -> PlanPack:
    """Load a pack once per process; raise :class:`PlanPackError` on its first problem. With
    ``as_of``, the version of the plan in force on that date (the pack or one of ``versions/*``)."""
    root = Path(data_dir).resolve() if data_dir else bundled_data_dir()
    if as_of is not None:
        root = version_in_force(root, as_of).root
    if root not in _CACHE:
        pack, problems = read_pack(root)
        if problems:
            more = f" (and {len(problems) - 1} more: run `mineplan plan validate`)" if len(problems) > 1 else ""
            raise PlanPackError(problems[0] + more)
        _CACHE[root] = pack
    return _CACHE[root]

"""Loading a plan pack: ``plan.toml`` plus the layers it names, reprojected to its work CRS
(``[plan] crs``; Changle: EPSG:4549).

A plan pack is a directory. The bundled one (Changle 2021-2025) ships inside the wheel as
``mineplan._data`` and sits at ``data/`` in a source checkout; ``--data DIR`` or
``MINEPLAN_DATA`` point at another one (a bureau's official layers).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mineplan.errors import PlanPackError

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
#: Roles a pack must have for the rules to work.
REQUIRED_ROLES = ("county", "exploration_block", "mining_block", "key_mining_zone")
#: Roles whose features carry a visibility class (5.4.2).
VISIBILITY_ROLES = ("three_zones", "two_lines")
#: The attribute columns every feature carries after loading (missing ones are filled with None).
FEATURE_FIELDS = (
    "code", "name_zh", "name_en", "kind", "mineral", "stage", "stated_area_km2",
    "provenance", "anchors", "source", "class",
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
            digest.update(path.relative_to(self.root).as_posix().encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def visibility_distance(self, feature_class: str | None) -> float | None:
        """The "three zones, two lines" visibility distance of a feature class, in metres."""
        table = self.config.get("visibility", {}).get("distance_m", {})
        return None if feature_class is None else table.get(feature_class)

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
    import geopandas as gpd
    import shapely

    problems: list[str] = []
    role = entry.get("role")
    if role not in ROLES:
        return None, [f"plan.toml: layer {name!r}: unknown role {role!r} (known: {', '.join(ROLES)})"]
    if "file" not in entry:
        return None, [f"plan.toml: layer {name!r}: no 'file'"]
    path = (root / entry["file"]).resolve()
    label = str(path)
    if not path.exists():
        return None, [f"{label}: layer {name!r}: file not found"]
    try:
        frame = gpd.read_file(path, layer=entry.get("layer"), engine="pyogrio")
    except Exception as exc:  # GDAL's errors are many; each becomes one line
        return None, [f"{label}: layer {name!r}: cannot read: {exc}".replace("\n", " ")]
    if frame.crs is None:
        return None, [f"{label}: layer {name!r}: no CRS defined (add a .prj or name it in the file)"]
    source_crs = frame.crs.to_string()
    renames = {src: dst for dst, src in entry.get("fields", {}).items() if src in frame.columns}
    frame = frame.rename(columns=renames)
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


_CACHE: dict[Path, PlanPack] = {}


def load_pack(data_dir: str | Path | None = None) -> PlanPack:
    """Load a pack once per process; raise :class:`PlanPackError` on its first problem."""
    root = Path(data_dir).resolve() if data_dir else bundled_data_dir()
    if root not in _CACHE:
        pack, problems = read_pack(root)
        if problems:
            more = f" (and {len(problems) - 1} more: run `mineplan plan validate`)" if len(problems) > 1 else ""
            raise PlanPackError(problems[0] + more)
        _CACHE[root] = pack
    return _CACHE[root]

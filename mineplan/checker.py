"""The checker: applications in, a verdict with every reason out.

``check_frame`` is the one place where rules run; ``mineplan check`` calls it on one file and
batch screening on chunks, so both give the same verdict for the same feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from mineplan import WORK_CRS
from mineplan.applications import Normaliser
from mineplan.context import CheckContext
from mineplan.errors import InputError
from mineplan.findings import SEVERITIES, Result, worst_verdict
from mineplan.index import index_for
from mineplan.minerals import MineralCatalog
from mineplan.pack import PlanPack, load_pack
from mineplan.rules import CATALOGUE, ORDER


@dataclass
class CheckReport:
    """The results of checking one input, with how it was read."""

    results: list[Result]
    pack: PlanPack
    source: str = ""
    source_crs: str = ""
    notes: list[str] = field(default_factory=list)
    frame: object = None  # the features as read (GeoDataFrame, EPSG:4549)

    @property
    def verdict(self) -> str:
        return worst_verdict(r.verdict for r in self.results)

    def as_dict(self) -> dict:
        return {
            "plan": self.pack.identity(),
            "verdict": self.verdict,
            "results": [r.as_dict() for r in self.results],
        }


def catalog_for(pack: PlanPack) -> MineralCatalog:
    if "_catalog" not in pack.__dict__:
        pack.__dict__["_catalog"] = MineralCatalog(pack.config)
    return pack.__dict__["_catalog"]


def constraint_layers(pack: PlanPack, extra: list[tuple[str, str]] | None = None) -> list:
    """The pack's constraint layers plus user files given as (path, severity)."""
    import geopandas as gpd

    layers = [(la.name, la.title_zh, la.verdict or "forbidden", la.frame) for la in pack.layers_with_role("constraint")]
    for path, severity in extra or []:
        if severity not in SEVERITIES:
            raise InputError(f"unknown severity {severity!r} (known: {', '.join(SEVERITIES[2:])})", path=path)
        try:
            frame = gpd.read_file(path, engine="pyogrio")
        except Exception as exc:
            raise InputError(f"cannot read constraint layer: {exc}".replace("\n", " "), path=path) from None
        if frame.crs is None:
            raise InputError("constraint layer has no CRS", path=path)
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].to_crs(WORK_CRS)
        layers.append((Path(path).stem, Path(path).stem, severity, frame))
    return layers


def check_frame(frame, *, pack: PlanPack | None = None, overrides: dict | None = None, path: str | None = None,
                collect: bool = False, radius: float | None = None, constraints: list | None = None,
                existing=None, rules=None, contexts: list | None = None) -> list[Result]:
    """Check every row of ``frame`` (a GeoDataFrame in EPSG:4549 as returned by
    :func:`mineplan.readers.read_applications`). Returns one :class:`Result` per row, in order.

    With ``collect``, a row whose attributes or geometry are unusable becomes an error result;
    otherwise the first such row raises :class:`InputError`. ``existing`` holds rights already
    granted (a GeoDataFrame in EPSG:4549, e.g. from the registry) for the rules that compare
    with them; ``rules`` limits the run to some rules (default: the whole catalogue). A list
    given as ``contexts`` receives the :class:`CheckContext` (batch screening reads its measures).
    """
    pack = pack or load_pack()
    if frame.crs is not None and frame.crs != WORK_CRS:
        frame = frame.to_crs(WORK_CRS)
    catalog = catalog_for(pack)
    normaliser = Normaliser(catalog, pack.rules)
    apps, errors = normaliser.frame(frame, overrides, path=path, collect=collect)
    geoms = np.asarray(frame.geometry.values, dtype=object).copy()
    labels = frame["_label"].tolist() if "_label" in frame.columns else [f"#{i + 1}" for i in range(len(frame))]
    read_errors = frame["_error"].tolist() if "_error" in frame.columns else [None] * len(frame)
    for i, err in enumerate(read_errors):
        if err is not None and not (isinstance(err, float) and np.isnan(err)):
            errors[i] = str(err)
            apps[i] = None
            geoms[i] = None
        elif geoms[i] is None or shapely.is_empty(geoms[i]):
            if not collect:
                raise InputError("empty geometry", path=path, feature=labels[i])
            errors[i], apps[i], geoms[i] = "empty geometry", None, None
    # The readers refuse invalid geometries; a frame built by a caller may still hold one, and
    # GEOS overlays on it fail: refuse it here with GEOS's reason, one row at a time.
    present = np.array([g is not None for g in geoms], dtype=bool)
    invalid = np.flatnonzero(present & ~shapely.is_valid(np.where(present, geoms, None)))
    for i in invalid:
        problem = f"invalid geometry: {shapely.is_valid_reason(geoms[i])}"
        if not collect:
            raise InputError(problem, path=path, feature=labels[i])
        errors[i], apps[i], geoms[i] = problem, None, None
    if radius is not None:
        if radius <= 0:
            raise InputError(f"--radius must be positive, got {radius:g}")
        points = np.array([g is not None and shapely.get_type_id(g) in (0, 4) for g in geoms])
        geoms[points] = shapely.buffer(geoms[points], radius, quad_segs=32)
    repaired = frame["_repaired"].to_numpy(dtype=bool) if "_repaired" in frame.columns else None
    ctx = CheckContext(pack, index_for(pack), catalog, apps, geoms, constraints=constraints, repaired=repaired,
                       existing=existing)
    if contexts is not None:
        contexts.append(ctx)
    results = [
        Result(id=app.id if app else str(labels[i]), index=i, error=errors[i],
               attributes=app.attributes() if app else {})
        for i, app in enumerate(apps)
    ]
    for rule in CATALOGUE if rules is None else rules:
        for i, finding in rule.evaluate(ctx):
            results[i].findings.append(finding)
    for result in results:
        result.findings.sort(key=lambda f: ORDER[f.rule])
    return results


def check_file(path: str | Path, *, pack: PlanPack | None = None, overrides: dict | None = None, layer: str | None = None,
               crs: str | None = None, fix: bool = False, radius: float | None = None,
               constraints: list[tuple[str, str]] | None = None, existing=None) -> CheckReport:
    """Read an application file (any format the readers accept) and check every feature."""
    from mineplan.readers import read_applications

    pack = pack or load_pack()
    read = read_applications(path, layer=layer, crs=crs, fix=fix, plan_area=pack.county_geometry)
    results = check_frame(read.frame, pack=pack, overrides=overrides, path=str(path), radius=radius,
                          constraints=constraint_layers(pack, constraints), existing=existing)
    return CheckReport(results=results, pack=pack, source=str(path), source_crs=read.source_crs, notes=list(read.notes),
                       frame=read.frame)

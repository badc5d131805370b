"""The options that shape a run, as one object passed down from the command to the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mineplan.errors import InputError
from mineplan.findings import SEVERITIES


@dataclass(frozen=True)
class ConstraintLayer:
    """A layer an application must not overlap (ecological red line, farmland …) and the
    severity it gives: from the pack (role ``constraint``) or ``--constraints FILE[=SEVERITY]``."""

    name: str
    title: str
    severity: str
    frame: object  # GeoDataFrame in the work CRS


@dataclass(frozen=True)
class RunOptions:
    """What shapes a run besides the input: checked once, here."""

    overrides: dict = field(default_factory=dict)  # attribute values for every application (CLI options)
    constraints: tuple[ConstraintLayer, ...] = ()
    existing: object = None  # rights already granted or pending (GeoDataFrame, work CRS), e.g. the registry
    radius: float | None = None  # points become discs of this radius (m)
    priority: str | None = None  # attribute ranking applications for the cross rules
    fix: bool = False  # repair invalid geometries (reported by F001)
    strict: bool = False  # what could not be checked (a missing layer) restricts instead of informing
    problems_only: bool = False  # leave passing findings out
    rules: tuple[str, ...] | None = None  # rule codes to run (default: the whole catalogue)
    layer: str | None = None  # input layer (GeoPackage, …)
    crs: str | None = None  # input CRS where the file does not say
    angle_format: str | None = None  # degrees written as "dms" (ddd.mmss) or "deg", where the file does not say
    encoding: str | None = None  # text encoding of the input's attributes (a Shapefile's DBF …)
    #: serialised findings: "columns" (a severity column per rule beside the deciding reason: the fast
    #: default of screen) or "json" (every finding object as JSON text: check, the report, the web API)
    findings: str = "columns"

    def __post_init__(self):
        if self.radius is not None and not self.radius > 0:
            raise InputError(f"--radius must be positive, got {self.radius:g}")
        if self.findings not in ("json", "columns"):
            raise InputError(f"--findings must be json or columns, got {self.findings!r}")
        object.__setattr__(self, "overrides", {k: v for k, v in (self.overrides or {}).items() if v is not None})


def parse_constraint(value: str) -> tuple[str, str]:
    """``FILE[=SEVERITY]`` -> (path, severity), severity forbidden by default."""
    path, _, severity = value.partition("=")
    return path, severity or "forbidden"


def constraint_layers(pack, extra: list[tuple[str, str]] | None = None) -> tuple[ConstraintLayer, ...]:
    """The pack's constraint layers plus user files given as (path, severity), reprojected to the
    pack's work CRS."""
    import geopandas as gpd

    work_crs = pack.work_crs
    layers = [ConstraintLayer(la.name, la.title_zh, la.verdict or "forbidden", la.frame)
              for la in pack.layers_with_role("constraint")]
    for path, severity in extra or []:
        if severity not in SEVERITIES:
            raise InputError(f"unknown severity {severity!r} (known: {', '.join(SEVERITIES[2:])})", path=path)
        try:
            frame = gpd.read_file(path, engine="pyogrio")
        except Exception as exc:
            raise InputError(f"cannot read constraint layer: {exc}".replace("\n", " "), path=path) from None
        if frame.crs is None:
            raise InputError("constraint layer has no CRS", path=path)
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].to_crs(work_crs)
        layers.append(ConstraintLayer(Path(path).stem, Path(path).stem, severity, frame))
    return tuple(layers)

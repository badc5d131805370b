"""What every reader shares: the raw feature record, CRS decision, validity, projection.

A format module turns a file into :class:`Raw` records (properties, a shapely geometry in the
file's own numbers and pair order, or the one-line reason it could not be built) plus the CRS
the file declares, if any. :func:`finish` then decides the reading of the coordinates, checks
each geometry, repairs it if asked, projects it to EPSG:4549 and builds the frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from mineplan import WORK_CRS
from mineplan import crs as crsmod
from mineplan.errors import InputError

LABEL_KEYS = ("id", "ID", "Id", "编号", "name", "NAME", "Name", "名称")

#: Beyond this many metres from zero a number is not an angle.
METRES_THRESHOLD = 1000.0


@dataclass
class ReadResult:
    """``frame``: GeoDataFrame in EPSG:4549, one row per input feature, with the original
    properties plus ``_label``, ``_error`` and ``_repaired``. ``source_crs``: how the
    coordinates were read, in words. ``notes``: one-line remarks for the user."""

    frame: Any
    source_crs: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Raw:
    props: dict
    geom: Any = None  # shapely geometry in file numbers, or None
    error: str | None = None
    fid: Any = None  # a format-level feature id (GeoJSON "id"), used for the label
    label: str | None = None  # set by finish()


def make_label(props: dict, fid, n: int) -> str:
    for key in LABEL_KEYS:
        v = props.get(key) if isinstance(props, dict) else None
        if v is not None and str(v).strip() != "":
            return str(v).strip()
    if fid is not None and isinstance(fid, (str, int, float)) and not isinstance(fid, bool) and str(fid) != "":
        return str(fid)
    return f"#{n}"


def _fmt(v: float) -> str:
    return f"{v:.6f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:.2f}"


def _where(reason: str) -> str:
    """'Self-intersection[13.3 52.5]' -> 'self-intersection at (13.3, 52.5)'."""
    if "[" in reason and reason.endswith("]"):
        what, _, pt = reason[:-1].partition("[")
        nums = pt.split()
        try:
            loc = ", ".join(_fmt(float(v)) for v in nums[:2])
        except ValueError:
            loc = pt
        return f"{what.strip().lower()} at ({loc})"
    return reason.strip().lower()


def _polygonal_part(g):
    """The polygonal part of a make_valid result (None if nothing polygonal remains)."""
    if g is None or g.is_empty:
        return None
    t = g.geom_type
    if t in ("Polygon", "MultiPolygon"):
        return g
    if t == "GeometryCollection":
        polys = []
        for part in g.geoms:
            if part.geom_type == "Polygon":
                polys.append(part)
            elif part.geom_type == "MultiPolygon":
                polys.extend(part.geoms)
        if not polys:
            return None
        return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    return None


def _range_problem(g, src_geographic: bool) -> str | None:
    xy = shapely.get_coordinates(g)
    if not len(xy):
        return None
    lon, lat = xy[:, 0], xy[:, 1]
    if src_geographic:
        big = np.abs(xy) > METRES_THRESHOLD
        if big.any():
            i = int(np.argmax(big.any(axis=1)))
            return (f"coordinates ({_fmt(lon[i])}, {_fmt(lat[i])}) are clearly projected metres, "
                    "but the file claims degrees (name the CRS with --crs)")
        bad = np.abs(lon) > 180
        if bad.any():
            return f"longitude {_fmt(lon[np.argmax(bad)])} outside [-180, 180]"
        bad = np.abs(lat) > 90
        if bad.any():
            return f"latitude {_fmt(lat[np.argmax(bad)])} outside [-90, 90]"
        if lon.max() - lon.min() > 180:
            return "spans more than 180° of longitude (crosses the antimeridian?); split it"
    return None


def finish(path, raws: list[Raw], *, declared: crsmod.SourceCRS | None, user_crs, plan_area,
           fix: bool, on_error: str, notes: list[str], default_geographic: crsmod.SourceCRS | None = None,
           declared_how: str = "declared in the file") -> ReadResult:
    import geopandas as gpd
    import pandas as pd

    path_s = str(path)
    if on_error not in ("raise", "collect"):
        raise ValueError(f"on_error must be 'raise' or 'collect', not {on_error!r}")
    if not raws:
        raise InputError("no features", path=path_s)
    for n, r in enumerate(raws, 1):
        r.label = make_label(r.props, r.fid, n)

    def fail(r: Raw, msg: str):
        r.error = msg
        r.geom = None
        if on_error == "raise":
            raise InputError(msg, path=path_s, feature=r.label)

    # Structural problems come first, in file order.
    for r in raws:
        if r.error is not None:
            fail(r, r.error)
        elif r.geom is None:
            fail(r, "no geometry")
        elif r.geom.is_empty:
            fail(r, "empty geometry")
        elif r.geom.geom_type == "GeometryCollection":
            fail(r, "GeometryCollection is not supported (one geometry per feature)")

    good = [r for r in raws if r.geom is not None]
    # Drop Z: heights in mining documents are elevation limits, kept as attributes.
    if any(shapely.has_z(r.geom) for r in good):
        for r in good:
            r.geom = shapely.force_2d(r.geom)
        notes.append("Z coordinates dropped (2D only)")

    coords = shapely.get_coordinates([r.geom for r in good]) if good else np.empty((0, 2))
    a, b = coords[:, 0], coords[:, 1]
    user = crsmod.parse_crs(user_crs, path=path_s) if user_crs is not None else None
    finite = np.isfinite(a) & np.isfinite(b)
    a_f, b_f = a[finite], b[finite]
    clearly_metres = bool(len(a_f)) and bool(np.any(np.abs(a_f) > METRES_THRESHOLD) or np.any(np.abs(b_f) > METRES_THRESHOLD))

    src = declared or user
    if src is not None:
        how = declared_how if declared is not None else "named with --crs"
        if src.is_geographic:
            inside = ~clearly_metres
        else:
            inside = True
            if len(a_f) and crsmod.looks_like_degrees(a_f, b_f):
                raise InputError(f"coordinates look like degrees, but the CRS {src.describe()} ({how}) is projected",
                                 path=path_s)
        reading = crsmod.swap_check(src, a_f, b_f, plan_area) if inside else crsmod.Reading(src)
        if reading.swap:
            notes.append(f"pairs read swapped ({'lat/lon' if src.is_geographic else 'northing/easting'}): "
                         "only that reading falls in the plan area")
        source_desc = f"{reading.describe()} ({how})"
    elif not clearly_metres and default_geographic is not None:
        reading = crsmod.swap_check(default_geographic, a_f, b_f, plan_area)
        source_desc = f"{reading.describe()} (no CRS in the file: the format's default)"
        if reading.swap:
            notes.append("pairs read as lat/lon: only that reading falls in the plan area")
    elif not len(a_f):
        reading = crsmod.Reading(default_geographic or crsmod.parse_crs("EPSG:4490"))
        source_desc = reading.describe()
    else:
        if clearly_metres:
            cands = crsmod.projected_candidates(a_f, b_f)
        else:
            cands = crsmod.geographic_candidates(a_f, b_f)
        inf = crsmod.choose_reading(cands, a_f, b_f, plan_area, path=path_s)
        reading = inf.reading
        source_desc = f"{reading.describe()}, inferred"
        if inf.note:
            notes.append(inf.note)
    if reading.src.web:
        notes.append(f"converted from {'GCJ-02' if reading.src.web == 'gcj02' else 'BD-09'} to WGS84")

    geographic = reading.src.is_geographic
    repaired: dict[int, bool] = {}
    # Vectorised checks over all geometries; a Python loop only over the few that fail.
    idx = [i for i, r in enumerate(raws) if r.geom is not None]
    geoms = np.array([raws[i].geom for i in idx], dtype=object)
    if len(idx):
        n = len(idx)
        xy, gi = shapely.get_coordinates(geoms, return_index=True)
        nonfinite = np.bincount(gi, weights=~np.isfinite(xy).all(axis=1), minlength=n) > 0
        if reading.swap or reading.pre is not None:
            with np.errstate(all="ignore"):
                geoms = shapely.transform(geoms, lambda q: np.column_stack(reading.xy(q[:, 0], q[:, 1])))
            xy, gi = shapely.get_coordinates(geoms, return_index=True)
        suspect = nonfinite.copy()
        if geographic:
            with np.errstate(invalid="ignore"):
                out_of_range = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
            suspect |= np.bincount(gi, weights=out_of_range, minlength=n) > 0
            lo = np.full(n, np.inf)
            hi = np.full(n, -np.inf)
            np.minimum.at(lo, gi, xy[:, 0])
            np.maximum.at(hi, gi, xy[:, 0])
            with np.errstate(invalid="ignore"):
                suspect |= (hi - lo) > 180
        valid = shapely.is_valid(geoms)
        for k, i in enumerate(idx):
            r = raws[i]
            g = geoms[k]
            if suspect[k]:
                if nonfinite[k]:
                    fail(r, "coordinate is not a finite number")
                    continue
                problem = _range_problem(g, geographic)
                if problem:
                    fail(r, problem)
                    continue
            if not valid[k]:
                reason = _where(shapely.is_valid_reason(g))
                polygonal = g.geom_type in ("Polygon", "MultiPolygon")
                if fix and polygonal:
                    fixed = _polygonal_part(shapely.make_valid(g))
                    if fixed is None:
                        fail(r, f"{reason}; nothing polygonal is left after repair")
                        continue
                    g = fixed
                    repaired[i] = True
                    notes.append(f"repaired {r.label}: {reason}")
                else:
                    fail(r, reason + (" (--fix repairs it)" if polygonal and not fix else ""))
                    continue
            r.geom = g

    work = [r for r in raws if r.geom is not None]
    if work:
        geoms = np.array([r.geom for r in work], dtype=object)

        def project(p):
            with np.errstate(all="ignore"):
                x, y = crsmod.to_work(reading.src, p[:, 0], p[:, 1])
            return np.column_stack([x, y])

        projected = shapely.transform(geoms, project)
        for r, g in zip(work, projected):
            if not np.all(np.isfinite(shapely.get_coordinates(g))):
                fail(r, f"cannot be projected to {WORK_CRS} (coordinates outside the projection's range)")
            else:
                r.geom = g

    rows = [r.props if isinstance(r.props, dict) else {} for r in raws]
    df = pd.DataFrame(rows, index=pd.RangeIndex(len(raws)))
    if "geometry" in df.columns:
        df = df.rename(columns={"geometry": "geometry_"})
    df["_label"] = [r.label for r in raws]
    df["_error"] = pd.Series([r.error for r in raws], dtype=object)
    df["_repaired"] = [bool(repaired.get(i, False)) for i in range(len(raws))]
    frame = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([r.geom for r in raws], crs=WORK_CRS), crs=WORK_CRS)
    errors = sum(r.error is not None for r in raws)
    if errors:
        notes.append(f"{errors} of {len(raws)} features could not be read (see _error)")
    return ReadResult(frame, source_desc, notes)


def plain_path(path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(path))
    return p

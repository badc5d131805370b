"""What every reader shares: the raw feature record, CRS decision, validity, projection.

A format module turns a file into :class:`Raw` records (properties, a shapely geometry in the
file's own numbers and pair order, or the one-line reason it could not be built) plus the CRS
the file declares, if any. :func:`finish` then decides the reading of the coordinates, checks
each geometry, repairs it if asked, projects it to the work CRS (the plan pack's ``[plan] crs``,
passed in as ``work_crs``) and builds the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from mineplan import crs as crsmod
from mineplan.errors import InputError

LABEL_KEYS = ("id", "ID", "Id", "编号", "name", "NAME", "Name", "名称")

#: Beyond this many metres from zero a number is not an angle.
METRES_THRESHOLD = 1000.0


@dataclass
class ReadResult:
    """``frame``: GeoDataFrame in the work CRS, one row per input feature, with the original
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
    if not math.isfinite(v) or abs(v) >= 1e12:
        return f"{v:g}"
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


#: Margin (degrees) around a CRS's area of use inside which coordinates are still accepted: a
#: Gauss-Krüger projection stays usable well beyond its 3° zone (a site 100 km outside the county
#: is judged, not refused); a broken number or a wrong CRS lands much farther away.
AREA_OF_USE_MARGIN_DEG = 8.0

_STRUCTURE = {"missing": "no geometry", "empty": "empty geometry",
              "collection": "GeometryCollection is not supported (one geometry per feature)"}


def structural_errors(geoms: np.ndarray, errors: np.ndarray) -> np.ndarray:
    """Set the structural error of each geometry that has none yet (missing, empty, a
    GeometryCollection); return the mask of geometries still to check."""
    todo = errors == None  # noqa: E711
    missing = todo & shapely.is_missing(geoms)
    errors[missing] = _STRUCTURE["missing"]
    todo &= ~missing
    empty = todo & shapely.is_empty(geoms)
    errors[empty] = _STRUCTURE["empty"]
    todo &= ~empty
    coll = todo & (shapely.get_type_id(geoms) == 7)
    errors[coll] = _STRUCTURE["collection"]
    return todo & ~coll


def _first_per_feature(mask: np.ndarray, gi: np.ndarray, n: int) -> np.ndarray:
    """For each of ``n`` features, the index of its first coordinate where ``mask`` holds, else -1."""
    first = np.full(n, -1)
    hits = np.flatnonzero(mask)
    if len(hits):
        feats, pos = np.unique(gi[hits], return_index=True)
        first[feats] = hits[pos]
    return first


_AREA_CACHE: dict = {}


def _area_of_use(src: crsmod.SourceCRS):
    """((west, south, east, north) in degrees with the margin, the same box in the CRS's own units)
    or None when the CRS has no area of use or covers the world. The box in own units (for a
    projected CRS, the densified projection of the degree box) lets the check compare numbers
    without projecting every coordinate."""
    if src.web or src.crs is None:
        return None
    key = src.crs.to_wkt()
    if key in _AREA_CACHE:
        return _AREA_CACHE[key]
    out = None
    aou = src.crs.area_of_use
    if aou is not None and not (aou.east - aou.west >= 359 and aou.north - aou.south >= 179):
        m = AREA_OF_USE_MARGIN_DEG
        deg = (max(aou.west - m, -180.0), max(aou.south - m, -90.0), min(aou.east + m, 180.0),
               min(aou.north + m, 90.0))
        if src.crs.is_geographic:
            own = deg
        else:
            from pyproj import Transformer

            t = Transformer.from_crs(src.crs.geodetic_crs, src.crs, always_xy=True)
            try:
                own = t.transform_bounds(*deg, densify_pts=41, errcheck=True)
            except Exception:  # the projection cannot map the box: no check in own units
                own = None
            if own is not None and not all(np.isfinite(own)):
                own = None
        out = (deg, own) if own is not None else None
    _AREA_CACHE[key] = out
    return out


def check_geometries(geoms: np.ndarray, reading: crsmod.Reading, *, work_crs, fix: bool, labels, notes: list[str]):
    """The input checks of every reader, vectorised over ``geoms`` (shapely geometries in the
    file's numbers and pair order, none missing): finite numbers, degree ranges, metres
    labelled as degrees, spans over 180° of longitude, the CRS's area of use, validity with
    GEOS's reason (repaired with ``fix``), projection to ``work_crs``.

    Returns (projected geometries or None, error texts or None, repaired flags). A Python loop
    runs only over the features that fail."""
    n = len(geoms)
    errors = np.full(n, None, dtype=object)
    repaired = np.zeros(n, dtype=bool)
    out = np.array(geoms, dtype=object)
    if n == 0:
        return out, errors, repaired
    if shapely.has_z(out).any():
        out = shapely.force_2d(out)
        if "Z coordinates dropped (2D only)" not in notes:
            notes.append("Z coordinates dropped (2D only)")
    xy, gi = shapely.get_coordinates(out, return_index=True)
    bad_pt = ~np.isfinite(xy).all(axis=1)
    nonfinite = np.bincount(gi, weights=bad_pt, minlength=n) > 0
    errors[nonfinite] = "coordinate is not a finite number"
    if reading.swap or reading.pre is not None:
        with np.errstate(all="ignore"):
            out = shapely.transform(out, lambda q: np.column_stack(reading.xy(q[:, 0], q[:, 1])))
        xy, gi = shapely.get_coordinates(out, return_index=True)
    x, y = xy[:, 0], xy[:, 1]

    def refuse(mask_pt, message):
        """Refuse each feature (without an error yet) with a coordinate in ``mask_pt``."""
        first = _first_per_feature(mask_pt, gi, n)
        for k in np.flatnonzero((first >= 0) & (errors == None)):  # noqa: E711
            errors[k] = message(first[k])

    src = reading.src
    with np.errstate(invalid="ignore", over="ignore"):
        if src.is_geographic:
            refuse((np.abs(x) > METRES_THRESHOLD) | (np.abs(y) > METRES_THRESHOLD),
                   lambda i: (f"coordinates ({_fmt(x[i])}, {_fmt(y[i])}) are clearly projected metres, "
                              "but the file claims degrees (name the CRS with --crs)"))
            refuse(np.abs(x) > 180, lambda i: f"longitude {_fmt(x[i])} outside [-180, 180]")
            refuse(np.abs(y) > 90, lambda i: f"latitude {_fmt(y[i])} outside [-90, 90]")
            lo = np.full(n, np.inf)
            hi = np.full(n, -np.inf)
            np.minimum.at(lo, gi, x)
            np.maximum.at(hi, gi, x)
            span = ((hi - lo) > 180) & (errors == None)  # noqa: E711
            errors[span] = "spans more than 180° of longitude (crosses the antimeridian?); split it"
        area = _area_of_use(src)
        if area is not None:
            (w, s, e, nn), (ox0, oy0, ox1, oy1) = area
            todo_pt = (errors == None)[gi]  # noqa: E711
            outside = todo_pt & ~((x >= ox0) & (x <= ox1) & (y >= oy0) & (y <= oy1))
            m = AREA_OF_USE_MARGIN_DEG
            where = (f"{src.describe()} ({_fmt(w + m)}..{_fmt(e - m)}°E, {_fmt(s + m)}..{_fmt(nn - m)}°N, "
                     f"{m:g}° margin)")
            refuse(outside, lambda i: (f"coordinate ({_fmt(x[i])}, {_fmt(y[i])}) lies outside the area of use of "
                                       f"{where}: wrong CRS or a broken number?"))
    todo = errors == None  # noqa: E711
    valid = np.ones(n, dtype=bool)
    valid[todo] = shapely.is_valid(out[todo])
    for k in np.flatnonzero(~valid):
        g = out[k]
        reason = _where(shapely.is_valid_reason(g))
        polygonal = g.geom_type in ("Polygon", "MultiPolygon")
        if fix and polygonal:
            fixed = _polygonal_part(shapely.make_valid(g))
            if fixed is None:
                errors[k] = f"{reason}; nothing polygonal is left after repair"
                continue
            out[k] = fixed
            repaired[k] = True
            notes.append(f"repaired {labels[k]}: {reason}")
        else:
            errors[k] = reason + (" (--fix repairs it)" if polygonal and not fix else "")
    todo = errors == None  # noqa: E711
    if todo.any():
        if crsmod.is_work_crs(src, work_crs):
            projected = out[todo]
        else:
            def project(p):
                with np.errstate(all="ignore"):
                    px, py = crsmod.to_work(src, p[:, 0], p[:, 1], work_crs)
                return np.column_stack([px, py])

            projected = shapely.transform(out[todo], project)
        pxy, pgi = shapely.get_coordinates(projected, return_index=True)
        bad = np.bincount(pgi, weights=~np.isfinite(pxy).all(axis=1), minlength=len(projected)) > 0
        pos = np.flatnonzero(todo)
        errors[pos[bad]] = f"cannot be projected to {work_crs} (coordinates outside the projection's range)"
        out[pos] = projected
    out[errors != None] = None  # noqa: E711
    return out, errors, repaired


def decide_reading(a: np.ndarray, b: np.ndarray, *, declared: crsmod.SourceCRS | None, user, plan_area,
                   work_crs, path: str, notes: list[str], default_geographic: crsmod.SourceCRS | None = None,
                   declared_how: str = "declared in the file",
                   allow_dms_packed: bool = True) -> tuple[crsmod.Reading, str]:
    """How to read the file's coordinate pairs ``(a, b)`` (finite ones): the declared CRS, else
    the one named with --crs (pairs swapped only when that alone falls in the plan area), else
    the format's default for degrees, else inferred from the plan area (``plan_area`` in
    ``work_crs``; survey metres are first tried in the work CRS's zones). -> (reading, in words)."""
    user_src = crsmod.parse_crs(user, path=path) if user is not None else None
    clearly_metres = bool(len(a)) and bool(np.any(np.abs(a) > METRES_THRESHOLD) or np.any(np.abs(b) > METRES_THRESHOLD))
    src = declared or user_src
    if src is not None:
        how = declared_how if declared is not None else "named with --crs"
        if src.is_geographic:
            inside = not clearly_metres
        else:
            inside = True
            if len(a) and crsmod.looks_like_degrees(a, b):
                raise InputError(f"coordinates look like degrees, but the CRS {src.describe()} ({how}) is projected",
                                 path=path)
        reading = crsmod.swap_check(src, a, b, plan_area, work_crs) if inside else crsmod.Reading(src)
        if reading.swap:
            notes.append(f"pairs read swapped ({'lat/lon' if src.is_geographic else 'northing/easting'}): "
                         "only that reading falls in the plan area")
        source_desc = f"{reading.describe()} ({how})"
    elif not clearly_metres and default_geographic is not None:
        reading = crsmod.swap_check(default_geographic, a, b, plan_area, work_crs)
        source_desc = f"{reading.describe()} (no CRS in the file: the format's default)"
        if reading.swap:
            notes.append("pairs read as lat/lon: only that reading falls in the plan area")
    elif not len(a):
        reading = crsmod.Reading(default_geographic or crsmod.parse_crs("EPSG:4490"))
        source_desc = reading.describe()
    else:
        # Numbers of 1e8 and more fit no reading (eastings have at most 8 digits): they would only
        # spoil the inference for every other feature; their features are refused later.
        sane = (np.abs(a) < 1e8) & (np.abs(b) < 1e8)
        if sane.any():
            a, b = a[sane], b[sane]
            clearly_metres = bool(np.any(np.abs(a) > METRES_THRESHOLD) or np.any(np.abs(b) > METRES_THRESHOLD))
        remark = None
        if clearly_metres:
            cands = crsmod.projected_candidates(a, b, work_crs, plan_area)
            remark = crsmod.prefix_remark(a, b, work_crs, plan_area)
        else:
            cands = crsmod.geographic_candidates(a, b, allow_dms_packed=allow_dms_packed)
        inf = crsmod.choose_reading(cands, a, b, plan_area, work_crs=work_crs, path=path, remark=remark)
        reading = inf.reading
        source_desc = f"{reading.describe()}, inferred"
        if inf.note:
            notes.append(inf.note)
    if reading.src.web:
        notes.append(f"converted from {'GCJ-02' if reading.src.web == 'gcj02' else 'BD-09'} to WGS84")
    return reading, source_desc


def finite_pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The finite coordinate pairs of ``geoms`` (2D), as two arrays."""
    if not len(geoms):
        return np.empty(0), np.empty(0)
    xy = shapely.get_coordinates(geoms)
    fin = np.isfinite(xy).all(axis=1)
    return xy[fin, 0], xy[fin, 1]


def finish(path, raws: list[Raw], *, declared: crsmod.SourceCRS | None, user_crs, plan_area, work_crs,
           fix: bool, on_error: str, notes: list[str], default_geographic: crsmod.SourceCRS | None = None,
           declared_how: str = "declared in the file", allow_dms_packed: bool = True) -> ReadResult:
    """Records of a format module -> the readers' frame: structural checks, the CRS reading,
    then :func:`check_geometries` (the same checks the chunked readers run)."""
    import geopandas as gpd
    import pandas as pd

    path_s = str(path)
    if on_error not in ("raise", "collect"):
        raise ValueError(f"on_error must be 'raise' or 'collect', not {on_error!r}")
    if not raws:
        raise InputError("no features", path=path_s)
    labels = np.array([make_label(r.props, r.fid, n) for n, r in enumerate(raws, 1)], dtype=object)
    for r, lab in zip(raws, labels, strict=True):
        r.label = lab
    geoms = np.array([r.geom if r.error is None else None for r in raws], dtype=object)
    errors = np.array([r.error for r in raws], dtype=object)
    todo = structural_errors(geoms, errors)

    def raise_first(errs):
        if on_error == "raise":
            bad = np.flatnonzero(errs != None)  # noqa: E711
            if len(bad):
                k = bad[0]
                raise InputError(errs[k], path=path_s, feature=labels[k])

    # Structural problems come first, in file order.
    raise_first(errors)
    idx = np.flatnonzero(todo)
    good = geoms[idx]
    if len(good) and shapely.has_z(good).any():
        good = shapely.force_2d(good)
        notes.append("Z coordinates dropped (2D only)")
    a, b = finite_pairs(good)
    reading, source_desc = decide_reading(a, b, declared=declared, user=user_crs, plan_area=plan_area,
                                          work_crs=work_crs, path=path_s,
                                          notes=notes, default_geographic=default_geographic,
                                          declared_how=declared_how, allow_dms_packed=allow_dms_packed)
    out, errs, rep = check_geometries(good, reading, work_crs=work_crs, fix=fix, labels=labels[idx], notes=notes)
    errors[idx] = errs
    geoms[:] = None
    geoms[idx] = out
    repaired = np.zeros(len(raws), dtype=bool)
    repaired[idx] = rep
    raise_first(errors)
    for r, e, g in zip(raws, errors, geoms, strict=True):
        r.error, r.geom = e, g

    rows = [r.props if isinstance(r.props, dict) else {} for r in raws]
    df = pd.DataFrame(rows, index=pd.RangeIndex(len(raws)))
    if "geometry" in df.columns:
        df = df.rename(columns={"geometry": "geometry_"})
    df["_label"] = labels
    df["_error"] = pd.Series(errors, dtype=object)
    df["_repaired"] = repaired
    frame = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=work_crs), crs=work_crs)
    n_err = int((errors != None).sum())  # noqa: E711
    if n_err:
        notes.append(f"{n_err} of {len(raws)} features could not be read (see _error)")
    return ReadResult(frame, source_desc, notes)


def plain_path(path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(path))
    return p

"""Coordinate reference systems of Chinese mining documents, and how to read unlabeled ones.

A *reading* is one way to interpret a file's coordinate pairs: a CRS (or a web-map offset
datum, GCJ-02 / BD-09), whether the pair must be swapped first, and how each number is
parsed. :func:`infer_reading` tries every plausible reading and keeps the one that falls
inside the plan area; it refuses when none or several do.

Survey convention (CONTEXT.md): X is the northing (7 digits), Y the easting (8 digits with the
2-digit zone prefix, or 6 without). Unlabeled survey metres are first tried in the zones of the
plan pack's work CRS (``[plan] crs``, :func:`work_zones`): the 3-degree CGCS2000 zone with its
central meridian and the 6-degree zone holding the plan area. Changle's work CRS is EPSG:4549,
so it is tried in 3-degree zone 40 (CM 120E) and in 6-degree zone 20 (CM 117E):

=========  =============================================  ======================
EPSG       name (pyproj)                                  easting
=========  =============================================  ======================
4528       CGCS2000 / 3-degree Gauss-Kruger zone 40       40 xxx xxx (prefix)
4549       CGCS2000 / 3-degree Gauss-Kruger CM 120E       xxx xxx
4498       CGCS2000 / Gauss-Kruger zone 20                20 xxx xxx (prefix)
4509       CGCS2000 / Gauss-Kruger CM 117E                xxx xxx
=========  =============================================  ======================

A county in zone 38 (work CRS EPSG:4547, CM 114E) is tried in EPSG:4526 (zone 38, prefixed),
EPSG:4547 and its 6-degree zone. Beijing 1954 and Xian 1980 (e.g. EPSG:2416 / 2364 for zone 40)
differ from CGCS2000 by tens of metres only, so they are never inferred: name them with ``crs``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from mineplan.errors import AmbiguousCRSError, InputError

#: Buffer (metres) around the plan area inside which a reading counts as "in the plan area".
PLAN_AREA_BUFFER_M = 5000.0

#: Names accepted for the web-map datums (case- and punctuation-insensitive).
_WEB_DATUMS = {"gcj02": "gcj02", "gcj": "gcj02", "mars": "gcj02", "amap": "gcj02", "gaode": "gcj02",
               "tencent": "gcj02", "bd09": "bd09", "bd09ll": "bd09", "baidu": "bd09"}
_ALIASES = {"wgs84": "EPSG:4326", "crs84": "OGC:CRS84", "cgcs2000": "EPSG:4490",
            "beijing1954": "EPSG:4214", "xian1980": "EPSG:4610"}


# --------------------------------------------------------------------------------------
# GCJ-02 and BD-09
# --------------------------------------------------------------------------------------
# The public GCJ-02 formulas (as in eviltransform / coord-convert, both MIT): a Krasovsky
# ellipsoid offset polynomial. The inverse is a fixed-point iteration on the forward transform,
# stopped when the forward image of the estimate is within 1e-10 degrees (~0.01 mm) of the
# input; tests check the round trip < 1 mm and published vectors.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    """WGS84 -> GCJ-02 (the public formula; applied everywhere, no out-of-China shortcut)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def _invert(forward, lon, lat, start, *, tol: float, max_iter: int):
    """Solve ``forward(x) = (lon, lat)`` by fixed-point iteration from ``start`` (the offsets
    are smooth and small, so each step removes most of the error)."""
    tlon = np.asarray(lon, dtype=float)
    tlat = np.asarray(lat, dtype=float)
    xlon, xlat = start
    for _ in range(max_iter):
        flon, flat = forward(xlon, xlat)
        elon, elat = flon - tlon, flat - tlat
        xlon, xlat = xlon - elon, xlat - elat
        if np.all(np.abs(elon) < tol) and np.all(np.abs(elat) < tol):
            break
    return xlon, xlat


def gcj02_to_wgs84(lon, lat, *, tol: float = 1e-10, max_iter: int = 30):
    """GCJ-02 -> WGS84, exact inverse by iteration (error well under 1 mm)."""
    start = (np.asarray(lon, dtype=float).copy(), np.asarray(lat, dtype=float).copy())
    return _invert(wgs84_to_gcj02, lon, lat, start, tol=tol, max_iter=max_iter)


def gcj02_to_bd09(lon, lat):
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat, *, tol: float = 1e-10, max_iter: int = 30):
    """BD-09 -> GCJ-02: the usual closed-form approximation, refined by iteration to exact."""
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    start = (z * np.cos(theta), z * np.sin(theta))
    return _invert(gcj02_to_bd09, lon, lat, start, tol=tol, max_iter=max_iter)


def wgs84_to_bd09(lon, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


# --------------------------------------------------------------------------------------
# Naming CRSs
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceCRS:
    """A CRS as named by a user or a file: a pyproj CRS, or the web datum ``gcj02``/``bd09``."""

    crs: CRS | None
    web: str | None = None  # "gcj02" | "bd09"

    @property
    def is_geographic(self) -> bool:
        return self.web is not None or bool(self.crs and self.crs.is_geographic)

    def describe(self) -> str:
        if self.web == "gcj02":
            return "GCJ-02 (Amap/Tencent web-map offset of WGS84)"
        if self.web == "bd09":
            return "BD-09 (Baidu web-map offset of WGS84)"
        return describe_crs(self.crs)


def describe_crs(crs: CRS) -> str:
    auth = crs.to_authority(min_confidence=90)
    code = f"{auth[0]}:{auth[1]}" if auth else "custom CRS"
    return f"{code} ({crs.name})"


def parse_crs(name, *, path=None) -> SourceCRS:
    """A user- or file-named CRS: ``EPSG:4528``, ``4528``, ``urn:ogc:def:crs:EPSG::4528``,
    ``gcj02``, ``bd09``, ``wgs84``, ``cgcs2000``, a WKT or PROJ string, or a pyproj CRS."""
    if isinstance(name, SourceCRS):
        return name
    if isinstance(name, CRS):
        return SourceCRS(name)
    text = str(name).strip()
    key = re.sub(r"[\s_\-]", "", text.lower())
    if key in _WEB_DATUMS:
        return SourceCRS(None, _WEB_DATUMS[key])
    text = _ALIASES.get(key, text)
    if re.fullmatch(r"\d{4,6}", text):
        text = f"EPSG:{text}"
    try:
        return SourceCRS(CRS.from_user_input(text))
    except CRSError:
        raise InputError(f"unknown CRS {str(name)!r} (use e.g. EPSG:4528, gcj02, bd09)", path=path) from None


# --------------------------------------------------------------------------------------
# Transforming to the working CRS (the plan pack's ``[plan] crs``)
# --------------------------------------------------------------------------------------
_TRANSFORMERS: dict[tuple[str, str], Transformer] = {}
_WORK: dict[str, CRS] = {}


def work_crs_of(work_crs) -> CRS:
    """The work CRS (a name such as ``"EPSG:4549"``, or a pyproj CRS) as a pyproj CRS, cached."""
    if isinstance(work_crs, CRS):
        return work_crs
    key = str(work_crs)
    crs = _WORK.get(key)
    if crs is None:
        crs = _WORK[key] = CRS.from_user_input(work_crs)
    return crs


def _transformer(src: CRS, work_crs) -> Transformer:
    work = work_crs_of(work_crs)
    key = (src.to_wkt(), work.to_wkt())
    t = _TRANSFORMERS.get(key)
    if t is None:
        t = Transformer.from_crs(src, work, always_xy=True)
        _TRANSFORMERS[key] = t
    return t


def to_work(src: SourceCRS, x, y, work_crs) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) in ``src`` (traditional GIS order: lon/easting first) -> metres in ``work_crs``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if src.web == "gcj02":
        x, y = gcj02_to_wgs84(x, y)
        return _transformer(CRS.from_epsg(4326), work_crs).transform(x, y)
    if src.web == "bd09":
        x, y = bd09_to_wgs84(x, y)
        return _transformer(CRS.from_epsg(4326), work_crs).transform(x, y)
    return _transformer(src.crs, work_crs).transform(x, y)


def is_work_crs(src: SourceCRS, work_crs) -> bool:
    """True when ``src`` is the work CRS itself (no projection needed)."""
    return src.crs is not None and not src.web and src.crs == work_crs_of(work_crs)


# --------------------------------------------------------------------------------------
# Readings and inference
# --------------------------------------------------------------------------------------
@dataclass
class Reading:
    """One interpretation of coordinate pairs ``(a, b)`` as written in a file."""

    src: SourceCRS
    swap: bool = False  # True: the file writes (northing, easting) / (lat, lon)
    how: str = ""       # extra words: "zone prefix 40 dropped", "ddd.mmss" ...
    pre: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None

    def xy(self, a, b) -> tuple[np.ndarray, np.ndarray]:
        """File pairs -> (x, y) in ``src`` order (easting/lon first)."""
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        x, y = (b, a) if self.swap else (a, b)
        if self.pre is not None:
            x, y = self.pre(x, y)
        return x, y

    def to_work(self, a, b, work_crs) -> tuple[np.ndarray, np.ndarray]:
        return to_work(self.src, *self.xy(a, b), work_crs)

    def describe(self) -> str:
        words = []
        if self.how:
            words.append(self.how)
        if self.swap:
            words.append("X/Y swapped" if not self.src.is_geographic else "lat/lon swapped")
        return self.src.describe() + (f", {', '.join(words)}" if words else "")


def _cgcs_3deg(zone: int) -> int | None:
    return 4513 + zone - 25 if 25 <= zone <= 45 else None


def _cgcs_6deg(zone: int) -> int | None:
    return 4491 + zone - 13 if 13 <= zone <= 23 else None


def _strip_prefix(x, y):
    return np.mod(x, 1_000_000.0), y


def _ndigits(v: np.ndarray) -> np.ndarray:
    return np.floor(np.log10(np.maximum(np.abs(v), 1.0))).astype(int) + 1


def looks_like_degrees(a, b) -> bool:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return bool(a.size) and bool(np.all(np.abs(a) <= 180) and np.all(np.abs(b) <= 180))


@dataclass(frozen=True)
class WorkZones:
    """The Gauss-Krüger zones the work CRS stands for: survey coordinates without a CRS are
    tried there first. ``cm``: the work CRS's central meridian (None if it is not transverse
    Mercator); ``zone3``: the 3-degree zone with that CM; ``zones6``: the 6-degree zone(s) holding
    the plan area (both neighbours when a CM on a 6-degree boundary is all there is to go by)."""

    crs: CRS
    cm: float | None
    zone3: int | None
    zones6: tuple[int, ...]

    def describe(self) -> str:
        if self.cm is None:
            return describe_crs(self.crs)
        if self.zone3 is not None:
            return f"zone {self.zone3} (CM {self.cm:g}E)"
        return f"CM {self.cm:g}E"

    def unprefixed(self) -> list[SourceCRS]:
        """CRSs for eastings without a zone prefix, most likely first: CGCS2000 3-degree at the
        work CM, the 6-degree zone(s), and the work CRS itself (when it is none of those)."""
        out: list[SourceCRS] = []
        if self.cm is not None and float(self.cm).is_integer():
            for src in (gk_crs("CGCS2000", 3, cm=int(self.cm)),
                        *(gk_crs("CGCS2000", 6, cm=zone_cm(z, 6)) for z in self.zones6)):
                if src is not None:
                    out.append(src)
        if not any(src.crs == self.crs for src in out):
            gk = gk_params(SourceCRS(self.crs))
            if gk is None or gk.zone is None:  # (a prefixed work CRS reads 8 digits: a prefix reading)
                out.append(SourceCRS(self.crs))
        return out

    def agrees(self, prefix: int) -> bool:
        """Does an easting's zone prefix name the work CRS's zone (3-degree) or its 6-degree zone?"""
        width = zone_width(prefix)
        if self.cm is None or width is None:
            return True
        return prefix == self.zone3 if width == 3 else prefix in self.zones6


def _lon_of(area, work: CRS) -> float | None:
    """The longitude of the centre of ``area`` (a shapely geometry in ``work``), or None."""
    if area is None or area.is_empty:
        return None
    c = area.centroid
    try:
        lon, _lat = Transformer.from_crs(work, work.geodetic_crs, always_xy=True).transform(c.x, c.y)
    except Exception:  # a projection that cannot invert the point: fall back to the CM
        return None
    return float(lon) if math.isfinite(lon) else None


def work_zones(work_crs, plan_area=None) -> WorkZones:
    """The zones of the work CRS (:class:`WorkZones`); ``plan_area`` (in the work CRS) picks the
    6-degree zone when the CM lies on a 6-degree boundary."""
    work = work_crs_of(work_crs)
    gk = gk_params(SourceCRS(work))
    if gk is None:
        return WorkZones(work, None, None, ())
    cm = gk.cm
    z3 = round(cm / 3)
    zone3 = z3 if abs(cm / 3 - z3) < 1e-9 and zone_width(z3) == 3 else None
    lon = _lon_of(plan_area, work)
    z6 = round(cm / 6)
    if lon is not None:
        zones6 = (math.floor(lon / 6) + 1,)
    elif abs(cm / 6 - z6) < 1e-9:  # on a 6-degree boundary: both neighbours
        zones6 = (z6, z6 + 1)
    else:
        zones6 = (math.floor(cm / 6) + 1,)
    return WorkZones(work, cm, zone3, tuple(z for z in zones6 if zone_width(z) == 6))


def _prefixes(east: np.ndarray) -> list[int]:
    return sorted(set(np.floor(east / 1_000_000).astype(int).tolist()))


def _prefixed_eastings(a, b) -> np.ndarray | None:
    """The column of 8-digit eastings (zone prefix + 6 digits) beside 6/7-digit northings, or None."""
    for east, north in ((a, b), (b, a)):
        dn, de = _ndigits(north), _ndigits(east)
        if len(de) and np.all((dn == 7) | (dn == 6)) and np.all(de == 8):
            return east
    return None


def prefix_remark(a, b, work_crs, plan_area=None) -> str | None:
    """A zone prefix of 8-digit eastings that disagrees with the work CRS's zone, in words
    (None when the prefix agrees, or the numbers carry none)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    east = _prefixed_eastings(a, b)
    if east is None:
        return None
    zones = _prefixes(east)
    if len(zones) != 1:
        return None
    return zone_disagreement(zones[0], work_zones(work_crs, plan_area))


def zone_disagreement(prefix: int, wz: WorkZones) -> str | None:
    """``"easting prefix 39 is zone 39 (CM 117E) but the plan's work CRS is zone 40 (CM 120E)"``, or None."""
    if wz.agrees(prefix):
        return None
    width = zone_width(prefix)
    what = f"{'6-degree ' if width == 6 else ''}zone {prefix} (CM {zone_cm(prefix, width)}E)"
    return f"easting prefix {prefix} is {what} but the plan's work CRS is {wz.describe()}"


def projected_candidates(a, b, work_crs, plan_area=None) -> list[Reading]:
    """Every plausible survey-coordinate reading of pairs ``(a, b)`` in metres: an 8-digit
    easting's zone prefix first, then the zones of the work CRS (:func:`work_zones`)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    wz = work_zones(work_crs, plan_area)
    out: list[Reading] = []
    for swap in (False, True):
        east, north = (b, a) if swap else (a, b)
        dn = _ndigits(north)
        if not np.all((dn == 7) | (dn == 6)):
            continue
        de = _ndigits(east)
        if np.all(de == 8):
            zones = _prefixes(east)
            if len(zones) == 1:
                zone = zones[0]
                for code in (_cgcs_3deg(zone), _cgcs_6deg(zone)):
                    if code:
                        out.append(Reading(SourceCRS(CRS.from_epsg(code)), swap))
            # A wrong zone prefix: drop it and read the rest in the work CRS's zones.
            for src in wz.unprefixed():
                out.append(Reading(src, swap, f"zone prefix {zones[0]} dropped", _strip_prefix))
        elif np.all(de == 6):
            for src in wz.unprefixed():
                out.append(Reading(src, swap))
    # de-duplicate identical (crs, swap, how)
    seen, uniq = set(), []
    for r in out:
        k = (r.src.crs.to_wkt(), r.swap, r.how)
        if k not in seen:
            seen.add(k)
            uniq.append(r)
    return uniq


def _dmm_ok(v: np.ndarray) -> bool:
    frac = np.abs(v) - np.floor(np.abs(v))
    mm = np.floor(frac * 100 + 1e-9)
    ss = frac * 10000 - mm * 100
    return bool(np.all(mm < 60) and np.all(ss < 60 + 1e-6))


def dddmmss_to_degrees(v):
    """``118.4530`` (118°45′30″) -> 118.758333…"""
    v = np.asarray(v, dtype=float)
    sign = np.sign(v)
    v = np.abs(v)
    d = np.floor(v)
    frac = (v - d) * 100
    m = np.floor(frac + 1e-9)
    s = (frac - m) * 100
    return sign * (d + m / 60 + s / 3600)


def _dms_pre(x, y):
    return dddmmss_to_degrees(x), dddmmss_to_degrees(y)


def geographic_candidates(a, b, *, datum: str = "EPSG:4490", allow_dms_packed: bool = True) -> list[Reading]:
    """Readings of degree pairs: lon/lat or lat/lon, decimal or ``ddd.mmss``."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    src = parse_crs(datum)
    out = []
    for swap in (False, True):
        lon, lat = (b, a) if swap else (a, b)
        if not (np.all(np.abs(lon) <= 180) and np.all(np.abs(lat) <= 90)):
            continue
        out.append(Reading(src, swap))
        if allow_dms_packed and _dmm_ok(lon) and _dmm_ok(lat):
            out.append(Reading(src, swap, "degrees written as ddd.mmss", _dms_pre))
    return out


@dataclass
class Inference:
    reading: Reading
    inferred: bool
    note: str | None = None
    tried: list[str] = field(default_factory=list)


def _inside(reading: Reading, a, b, area, work_crs) -> bool:
    import shapely

    with np.errstate(all="ignore"):
        x, y = reading.to_work(a, b, work_crs)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return False
    return bool(np.all(shapely.contains_xy(area, x, y)))


def _distinct(readings: list[Reading], a, b, work_crs) -> list[Reading]:
    """Drop readings that put the points where an earlier one does (within 1 m): the
    3-degree CM 117E and 6-degree zone 20 projections are the same, for instance."""
    out, seen = [], []
    for r in readings:
        x, y = r.to_work(a, b, work_crs)
        pt = np.column_stack([x, y])
        if any(np.all(np.abs(pt - q) < 1.0) for q in seen):
            continue
        seen.append(pt)
        out.append(r)
    return out


def choose_reading(candidates: Sequence[Reading], a, b, plan_area, *, work_crs, path=None,
                   what: str = "coordinates", remark: str | None = None) -> Inference:
    """Keep the one candidate reading whose points all fall in the plan area (+5 km, both in
    ``work_crs``). ``remark`` (a zone prefix disagreeing with the work CRS, :func:`prefix_remark`)
    is added to the note and to the error."""
    import shapely

    tried = [r.describe() for r in candidates]
    extra = f" ({remark})" if remark else ""
    if not candidates:
        raise InputError(f"{what} match no known coordinate convention "
                         "(expected 7-digit northings and 6- or 8-digit eastings, or degrees); "
                         "name the CRS with --crs", path=path)
    if plan_area is None:
        if len(candidates) == 1:
            return Inference(candidates[0], True,
                             f"coordinates read as {tried[0]} (inferred; no plan area to check){extra}", tried)
        raise AmbiguousCRSError(
            f"{what} carry no CRS and there is no plan area to infer it from; candidate readings: "
            + "; ".join(tried) + f" (name one with --crs){extra}", path=path)
    area = shapely.buffer(plan_area, PLAN_AREA_BUFFER_M)
    shapely.prepare(area)
    hits = _distinct([r for r in candidates if _inside(r, a, b, area, work_crs)], a, b, work_crs)
    if len(hits) == 1:
        r = hits[0]
        return Inference(r, True, f"coordinates read as {r.describe()} "
                                  f"(inferred: the only reading inside the plan area){extra}", tried)
    if not hits:
        raise InputError(f"no reading of the {what} falls in the plan area (tried: " + "; ".join(tried)
                         + f"); name the CRS with --crs{extra}", path=path)
    raise AmbiguousCRSError(f"{what} fall in the plan area under several readings: "
                            + "; ".join(r.describe() for r in hits) + f" (name one with --crs){extra}", path=path)


def swap_check(src: SourceCRS, a, b, plan_area, work_crs) -> Reading:
    """A named CRS: read as written, unless that falls outside the plan area and the swapped
    pair falls inside (files from Chinese software often write northing first)."""
    import shapely

    plain = Reading(src, False)
    if plan_area is None or len(np.asarray(a)) == 0:
        return plain
    area = shapely.buffer(plan_area, PLAN_AREA_BUFFER_M)
    shapely.prepare(area)
    if _inside(plain, a, b, area, work_crs):
        return plain
    swapped = Reading(src, True)
    if _inside(swapped, a, b, area, work_crs):
        return swapped
    return plain


# --------------------------------------------------------------------------------------
# Gauss-Krüger zones of Chinese datums: from zone numbers and prefixes to EPSG codes
# --------------------------------------------------------------------------------------
#: datum -> the EPSG name prefix of its Gauss-Krüger CRSs, and its geographic CRS
GK_DATUMS = {"CGCS2000": ("CGCS2000", 4490), "Xian 1980": ("Xian 1980", 4610),
             "Beijing 1954": ("Beijing 1954", 4214)}
_GK_NAME = re.compile(r"^(CGCS2000|Xian 1980|Beijing 1954) / (3-degree )?Gauss-Kruger (zone (\d+)|CM (\d+)E)$")
_GK_TABLE: dict | None = None


def _gk_table() -> dict:
    """(datum, width, 'zone'|'cm', number) -> EPSG code, from the PROJ database."""
    global _GK_TABLE
    if _GK_TABLE is None:
        from pyproj.database import query_crs_info

        table = {}
        for info in query_crs_info(auth_name="EPSG", pj_types="PROJECTED_CRS"):
            m = _GK_NAME.match(info.name)
            if m:
                width = 3 if m.group(2) else 6
                key = ("zone", int(m.group(4))) if m.group(4) else ("cm", int(m.group(5)))
                table[(m.group(1), width, *key)] = int(info.code)
        _GK_TABLE = table
    return _GK_TABLE


def zone_width(zone: int) -> int | None:
    """China's zone numbers tell the width: 6-degree zones 13–23, 3-degree zones 25–45."""
    if 13 <= zone <= 23:
        return 6
    if 25 <= zone <= 45:
        return 3
    return None


def zone_cm(zone: int, width: int) -> int:
    """The central meridian (degrees east) of a Gauss-Krüger zone."""
    return 3 * zone if width == 3 else 6 * zone - 3


def gk_crs(datum: str, width: int, *, zone: int | None = None, cm: int | None = None) -> SourceCRS | None:
    """The EPSG Gauss-Krüger CRS of ``datum`` for a zone (eastings with the zone prefix) or a
    central meridian (eastings without it); None if EPSG has none."""
    key = (datum, width, "zone", zone) if zone is not None else (datum, width, "cm", cm)
    code = _gk_table().get(key)
    return SourceCRS(CRS.from_epsg(code)) if code else None


@dataclass(frozen=True)
class GKParams:
    """What a Gauss-Krüger CRS expects of eastings: the zone prefix (or None) and its CM."""

    datum: str | None
    width: int | None
    zone: int | None  # the prefix the eastings carry, None when they carry none
    cm: float


def gk_params(src: SourceCRS) -> GKParams | None:
    """The Gauss-Krüger parameters of a named projected CRS (None if it is not transverse Mercator)."""
    if src.crs is None or not src.crs.is_projected:
        return None
    m = _GK_NAME.match(src.crs.name)
    try:
        params = {p.name: p.value for p in src.crs.coordinate_operation.params}
    except AttributeError:
        return None
    if "Transverse Mercator" not in (src.crs.coordinate_operation.method_name or ""):
        return None
    cm = params.get("Longitude of natural origin")
    fe = params.get("False easting", 500000.0)
    if cm is None:
        return None
    zone = int(fe // 1_000_000) if fe >= 1_000_000 else None
    width = (3 if m.group(2) else 6) if m else (zone_width(zone) if zone else None)
    return GKParams(m.group(1) if m else None, width, zone, float(cm))


def work_crs_words(work_crs, lang: str = "en") -> str:
    """The work CRS in words for captions: ``"CGCS2000, 3° Gauss–Krüger zone 40 (central meridian
    120°E, EPSG:4549)"``, in Chinese with ``lang="zh"``; any other CRS by its name and code."""
    crs = work_crs_of(work_crs)
    auth = crs.to_authority(min_confidence=90)
    code = f"{auth[0]}:{auth[1]}" if auth else "custom CRS"
    m = _GK_NAME.match(crs.name)
    gk = gk_params(SourceCRS(crs))
    if m and gk is not None:
        width = 3 if m.group(2) else 6
        zone = gk.zone
        if zone is None and float(gk.cm).is_integer():
            z = int(gk.cm) // 3 if width == 3 else (int(gk.cm) + 3) // 6
            zone = z if zone_cm(z, width) == int(gk.cm) else None
        datum = m.group(1)
        if lang == "zh":
            named = "2000国家大地坐标系（CGCS2000）" if datum == "CGCS2000" else datum
            band = f"第 {zone} 带" if zone is not None else ""
            return f"{named}，高斯—克吕格投影 {width}° 带{band}（中央经线 {gk.cm:g}°E，{code}）"
        band = f" zone {zone}" if zone is not None else ""
        return f"{datum}, {width}° Gauss–Krüger{band} (central meridian {gk.cm:g}°E, {code})"
    return f"{crs.name}（{code}）" if lang == "zh" else f"{crs.name} ({code})"

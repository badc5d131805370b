"""The CRS of a corner-point file, weighed from everything it says: the numbers (zone prefix of
8-digit eastings, 7-digit northings, degrees and how they are packed), the facts of its text
(datum, 带号, zone width, central meridian, 度分秒), ``--crs`` and ``--angle-format``.

:func:`resolve` settles the reading where those agree, refuses naming both sides where they
contradict, and leaves the rest to the plan-area inference of
:func:`mineplan.readers._core.decide_reading`. It rewrites the parcels' points in place (X/Y
swapped from magnitudes, packed degrees unpacked) and says what it did in ``notes``.
"""

from __future__ import annotations

import numpy as np

from mineplan import crs as crsmod
from mineplan.errors import InputError
from mineplan.readers.corners import Facts, Parcel

#: China: longitudes and latitudes a parcel can have (degrees), to tell lon from lat.
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)
#: Packed ddd.mmss decimals fit by chance with probability ~0.36 per value: at this many
#: distinct values (0.36**8 < 3e-4) a fit is taken as the packed form.
PACKED_MIN_VALUES = 8

_GEOGRAPHIC = {"CGCS2000": "EPSG:4490", "Xian 1980": "EPSG:4610", "Beijing 1954": "EPSG:4214", "WGS84": "EPSG:4326"}


def _within(v: np.ndarray, lo_hi: tuple[float, float]) -> bool:
    return bool(len(v)) and bool(np.all((v >= lo_hi[0]) & (v <= lo_hi[1])))


def _packed_fits(v: np.ndarray) -> bool:
    """Every value reads as ddd.mmss(ss): minutes and seconds below 60."""
    a = np.abs(v)
    frac = np.round((a - np.floor(a)) * 1e6)  # mmssss
    mm = np.floor(frac / 1e4)
    ss = (frac - mm * 1e4) / 100
    return bool(np.all(mm < 60) and np.all(ss < 60))


def _unpack(v):
    return crsmod.dddmmss_to_degrees(v)


def _unpack_int(v):
    """MapGIS DDDMMSS.SS (830048.281 = 83°00′48.281″) -> decimal degrees."""
    return crsmod.dddmmss_to_degrees(np.asarray(v, dtype=float) / 10000.0)


def _zone_words(zone: int) -> str:
    width = crsmod.zone_width(zone)
    if width is None:
        return f"zone {zone}"
    return f"{width}-degree zone {zone}, CM {crsmod.zone_cm(zone, width)}°E"


def resolve(parcels: list[Parcel], facts: Facts, *, user_crs, angle_format: str | None, plan_area, work_crs,
            path: str, notes: list[str]) -> tuple[crsmod.SourceCRS | None, str]:
    """-> (the CRS the file declares, in words how) or (None, "") to leave it to ``--crs`` or the
    inference. Raises InputError where the file and ``--crs`` contradict each other. ``work_crs``
    (the plan pack's) names the zone expected, in hints and in notes on a disagreeing prefix."""
    if angle_format not in (None, "dms", "deg"):
        raise InputError(f"angle format must be 'dms' or 'deg', not {angle_format!r}", path=path)
    pts = [p for pc in parcels if not pc.error for p in pc.points]
    if not pts:
        return None, ""
    a = np.array([p.x for p in pts], dtype=float)
    b = np.array([p.y for p in pts], dtype=float)
    fin = np.isfinite(a) & np.isfinite(b)
    if not fin.any():
        return None, ""
    user = crsmod.parse_crs(user_crs, path=path) if user_crs is not None else None
    symbols = any(p.dms for p in pts)
    degrees = bool(np.all(np.abs(a[fin]) <= 180) and np.all(np.abs(b[fin]) <= 180))
    unpacked = False
    if not degrees and not symbols and _packed_integer(a[fin], b[fin], facts, angle_format, notes):
        a, b = _unpack_int(a), _unpack_int(b)
        degrees = unpacked = True
    if degrees:
        a, b = _degrees(a, b, fin, symbols=symbols, unpacked=unpacked, facts=facts, angle_format=angle_format,
                        user=user, plan_area=plan_area, work_crs=work_crs, path=path, notes=notes)
        _write(pts, a, b)
        if user is None and facts.datum in _GEOGRAPHIC:
            return crsmod.parse_crs(_GEOGRAPHIC[facts.datum]), f"{facts.datum} named in {facts.origin}"
        return None, ""
    a, b = _metres_order(a, b, fin, notes)
    _write(pts, a, b)
    return _projected(b[fin], facts, user, path, notes, crsmod.work_zones(work_crs, plan_area))


def _write(pts, a, b) -> None:
    for p, x, y in zip(pts, a, b, strict=True):
        p.x, p.y = float(x), float(y)


def _packed_integer(a, b, facts: Facts, angle_format, notes) -> bool:
    """MapGIS DDDMMSS.SS degrees, which look like metres: only when said (``--angle-format dms``,
    a 度分秒 header) or when every value fits, decodes into China and no column is a northing."""
    if angle_format == "deg":
        return False
    fits = _packed_fits(a / 10000.0) and _packed_fits(b / 10000.0)
    if not fits:
        if angle_format == "dms":
            raise InputError("--angle-format dms: the values are not degrees written as DDDMMSS.SS "
                             "(minutes or seconds above 59)")
        return False
    la, lb = _unpack_int(a), _unpack_int(b)
    china = ((_within(la, LON_RANGE) and _within(lb, LAT_RANGE)) or (_within(la, LAT_RANGE) and _within(lb, LON_RANGE)))
    if not china:
        return False
    if angle_format == "dms" or facts.dms:
        notes.append("degrees read as packed DDDMMSS.SS (" + ("--angle-format dms" if angle_format else
                                                              "the file says 度分秒") + ")")
        return True
    # Read as metres, a 7-digit column below 1.9e6 would be a northing south of 17°N: not China.
    northing = _within(a, (1.9e6, 6.0e6)) or _within(b, (1.9e6, 6.0e6))
    if not northing:
        n = len(np.unique(np.concatenate([a, b])))
        notes.append(f"degrees read as packed DDDMMSS.SS: all {n} values fit that form and decode into China, "
                     "and as metres none would be a northing in China (--angle-format deg to refuse)")
        return True
    return False


def _degrees(a, b, fin, *, symbols, unpacked, facts, angle_format, user, plan_area, work_crs, path, notes):
    """Decide the angle format and the lon/lat order of degree pairs; -> (lat, lon) arrays."""
    af, bf = a[fin], b[fin]
    if unpacked:
        pass  # DDDMMSS.SS, already decimal (noted)
    elif symbols:
        notes.append("degrees read from degree/minute/second symbols")
    elif angle_format == "dms" or (angle_format is None and facts.dms):
        if not (_packed_fits(af) and _packed_fits(bf)):
            raise InputError("values are not ddd.mmss (minutes or seconds above 59) although "
                             + ("--angle-format dms says so" if angle_format else "the file says 度分秒")
                             + ": use --angle-format deg", path=path)
        a, b = _unpack(a), _unpack(b)
        notes.append("degrees read as ddd.mmss (" + ("--angle-format dms" if angle_format else
                                                     "the file says 度分秒") + ")")
    elif angle_format == "deg":
        notes.append("degrees read as decimal degrees (--angle-format deg)")
    elif _packed_fits(af) and _packed_fits(bf):
        n = len(np.unique(np.concatenate([af, bf])))
        if n >= PACKED_MIN_VALUES:
            a, b = _unpack(a), _unpack(b)
            notes.append(f"degrees read as ddd.mmss (118.4530 = 118°45′30″): all {n} values fit that form, "
                         "which decimal degrees do by chance < 1 in 3000 (--angle-format deg to override)")
        else:
            choice = _ask_plan_area(a, b, fin, user, plan_area, work_crs)
            if choice is None:
                raise InputError(f"the {n} values read as decimal degrees and as ddd.mmss (118.4530 = 118°45′30″) "
                                 "alike: say which with --angle-format dms|deg", path=path)
            if choice:
                a, b = _unpack(a), _unpack(b)
            notes.append(f"degrees read as {'ddd.mmss' if choice else 'decimal degrees'}: only that reading of "
                         f"the {n} values falls in the plan area")
    else:
        notes.append("degrees read as decimal degrees (some values do not fit ddd.mmss)")
    af, bf = a[fin], b[fin]
    if _within(af, LON_RANGE) and _within(bf, LAT_RANGE) and not _within(af, LAT_RANGE):
        notes.append("pairs read as longitude, latitude (from their magnitudes)")
        a, b = b, a
    return a, b


def _ask_plan_area(a, b, fin, user, plan_area, work_crs) -> bool | None:
    """Which of decimal (False) and ddd.mmss (True) alone falls in the plan area, or None."""
    if plan_area is None:
        return None
    src = user if user is not None and user.is_geographic else crsmod.parse_crs("EPSG:4490")
    inside = []
    for packed in (False, True):
        x, y = (_unpack(a[fin]), _unpack(b[fin])) if packed else (a[fin], b[fin])
        lon, lat = (x, y) if _within(x, LON_RANGE) and not _within(x, LAT_RANGE) else (y, x)
        import shapely

        area = shapely.buffer(plan_area, crsmod.PLAN_AREA_BUFFER_M)
        with np.errstate(all="ignore"):
            px, py = crsmod.to_work(src, lon, lat, work_crs)
        inside.append(bool(np.all(np.isfinite(px))) and bool(np.all(shapely.contains_xy(area, px, py))))
    if inside[0] != inside[1]:
        return inside[1]
    return None


def _digits(v: np.ndarray) -> np.ndarray:
    return np.floor(np.log10(np.maximum(np.abs(v), 1.0))).astype(int) + 1


def _metres_order(a, b, fin, notes):
    """Survey order is X = northing (7 digits), Y = easting (6, or 8 with the zone prefix). A
    table whose X column holds the eastings is swapped, with a note."""
    da, db = _digits(a[fin]), _digits(b[fin])
    b_north = bool(np.all(db == 7))
    a_east = bool(np.all((da == 8) | (da == 6)))
    if a_east and b_north:
        kind = "8-digit eastings (with the zone prefix)" if np.all(da == 8) else "6-digit eastings"
        notes.append(f"X/Y swapped: the first (X) column holds {kind}, the second (Y) 7-digit northings")
        return b, a
    return a, b


def _projected(east: np.ndarray, facts: Facts, user, path, notes,
               wz: crsmod.WorkZones) -> tuple[crsmod.SourceCRS | None, str]:
    """Zone prefix, 带号, central meridian, datum and ``--crs`` for survey metres; ``wz``: the
    zones of the plan's work CRS (a prefix that disagrees with it is noted)."""
    de = _digits(east)
    prefix = None
    if len(de) and np.all(de == 8):
        zones = sorted(set(np.floor(east / 1e6).astype(int).tolist()))
        if len(zones) > 1:
            raise InputError("the eastings carry different zone prefixes (" + ", ".join(map(str, zones)) + ")",
                             path=path)
        prefix = zones[0]
        if crsmod.zone_width(prefix) is None:
            raise InputError(f"the eastings carry zone prefix {prefix}, which is no Chinese Gauss-Krüger zone "
                             "(6-degree zones 13–23, 3-degree zones 25–45)", path=path)
    unprefixed = len(de) and bool(np.all(de == 6))
    header = facts.zone
    if header is not None and crsmod.zone_width(header) is None and facts.width is None:
        raise InputError(f"the file says 带号={header}, which is no Chinese Gauss-Krüger zone "
                         "(6-degree zones 13–23, 3-degree zones 25–45)", path=path)
    if prefix is not None and header is not None and prefix != header:
        raise InputError(f"the eastings carry zone prefix {prefix} ({_zone_words(prefix)}) but the file says "
                         f"带号={header} ({_zone_words(header)}): one of them is wrong", path=path)
    datum = facts.datum if facts.datum in crsmod.GK_DATUMS else None
    hw = facts.width or (crsmod.zone_width(header) if header is not None else None)
    header_cm = crsmod.zone_cm(header, hw) if header is not None and hw else facts.cm
    if user is not None:
        gk = crsmod.gk_params(user)
        if gk is None:
            return None, ""
        use_datum = gk.datum or datum or "CGCS2000"
        if prefix is not None and gk.zone is None:
            fit = crsmod.gk_crs(use_datum, crsmod.zone_width(prefix), zone=prefix)
            raise InputError(f"the eastings carry zone prefix {prefix} (8 digits, {_zone_words(prefix)}) but --crs "
                             f"{user.describe()} expects eastings without a prefix"
                             + (f": use {fit.describe()}" if fit else ""), path=path)
        if prefix is not None and gk.zone != prefix:
            fit = crsmod.gk_crs(use_datum, crsmod.zone_width(prefix), zone=prefix)
            raise InputError(f"the eastings carry zone prefix {prefix} ({_zone_words(prefix)}) but --crs "
                             f"{user.describe()} is zone {gk.zone} (CM {gk.cm:g}°E): the parcel would land in the "
                             "wrong zone" + (f"; the prefix fits {fit.describe()}" if fit else ""), path=path)
        if unprefixed and gk.zone is not None:
            fit = crsmod.gk_crs(use_datum, gk.width or 3, cm=int(gk.cm))
            raise InputError(f"the eastings have 6 digits (no zone prefix) but --crs {user.describe()} expects "
                             f"the prefix {gk.zone}: the zone prefix is missing"
                             + (f"; without it use {fit.describe()}" if fit else ""), path=path)
        if header_cm is not None and abs(gk.cm - header_cm) > 1e-9:
            raise InputError(f"the file says {'带号=' + str(header) if header is not None else '中央子午线'} "
                             f"(CM {header_cm}°E) but --crs {user.describe()} has CM {gk.cm:g}°E", path=path)
        return None, ""
    if prefix is not None:
        if datum is None:
            return None, ""  # the inference tries the prefix's zone (CGCS2000) and a wrong prefix
        src = crsmod.gk_crs(datum, crsmod.zone_width(prefix), zone=prefix)
        if src is None:
            raise InputError(f"no EPSG CRS for {datum} {_zone_words(prefix)}: name one with --crs", path=path)
        remark = crsmod.zone_disagreement(prefix, wz)
        if remark:
            notes.append(f"{remark}: read in zone {prefix} as the prefix says")
        return src, f"{datum} named in {facts.origin}, zone prefix {prefix} of the eastings"
    if unprefixed and header_cm is not None:
        width = hw or 3
        use = datum or "CGCS2000"
        if datum is None:
            notes.append("the file names no datum: CGCS2000 assumed (Xian 1980 and Beijing 1954 lie tens of "
                         "metres away; name the CRS with --crs if it is one of those)")
        src = crsmod.gk_crs(use, width, cm=int(header_cm))
        if src is None:
            raise InputError(f"no EPSG CRS for {use} {width}-degree CM {header_cm}°E: name one with --crs", path=path)
        said = f"带号={header}" if header is not None else f"中央子午线={header_cm}"
        return src, f"{said} in {facts.origin} (eastings without the zone prefix)" + (f", {datum}" if datum else "")
    if datum in ("Xian 1980", "Beijing 1954"):
        ex = crsmod.gk_crs(datum, 3, cm=int(wz.cm)) if wz.cm is not None and float(wz.cm).is_integer() else None
        hint = (f"; the plan's work CRS is {wz.describe()}" + (f": {ex.describe()}" if ex else "")
                if wz.cm is not None else "")
        raise InputError(f"the file says {datum} but names no zone (带号) and its eastings carry no zone prefix: "
                         f"name the CRS with --crs{hint}", path=path)
    return None, ""

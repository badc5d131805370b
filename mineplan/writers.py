"""Writing application frames: GeoJSON, GeoPackage, Shapefile, KML and corner-point CSV.

The frame comes from :func:`mineplan.readers.read_applications` (EPSG:4549, with ``_label``,
``_error``, ``_repaired``); it is written in the CRS asked for (default EPSG:4490). Web-map
datums (GCJ-02, BD-09) are input-only: they are never written.
"""

from __future__ import annotations

import csv
from pathlib import Path

from mineplan import crs as crsmod
from mineplan.errors import InputError

DEFAULT_CRS = "EPSG:4490"

#: suffix -> (format name, GDAL driver)
WRITE_FORMATS = {
    ".geojson": ("geojson", "GeoJSON"), ".json": ("geojson", "GeoJSON"),
    ".gpkg": ("gpkg", "GPKG"),
    ".shp": ("shp", "ESRI Shapefile"),
    ".kml": ("kml", "KML"),
    ".csv": ("csv", None),
}
_INTERNAL = ("_label", "_error", "_repaired")


def write_frame(frame, path, *, to_crs=DEFAULT_CRS, layer: str | None = None) -> list[str]:
    """Write ``frame`` to ``path`` (format from the suffix) in ``to_crs``; returns notes."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in WRITE_FORMATS:
        raise InputError(f"cannot write this format (suffix {suffix or 'none'!r}; supported: "
                         + ", ".join(WRITE_FORMATS) + ")", path=str(p))
    fmt, driver = WRITE_FORMATS[suffix]
    target = crsmod.parse_crs(to_crs)
    if target.web:
        raise InputError(f"{target.describe()} is an input-only datum: convert to EPSG:4490 or a "
                         "Gauss-Kruger CRS instead", path=str(p))
    notes: list[str] = []
    if fmt == "kml" and target.crs.to_epsg() not in (4326, 4490):
        notes.append(f"KML is always WGS84 longitude/latitude: wrote EPSG:4326, not {to_crs}")
        target = crsmod.parse_crs("EPSG:4326")
    good = frame[frame.geometry.notna()] if len(frame) else frame
    skipped = len(frame) - len(good)
    if skipped:
        notes.append(f"skipped {skipped} feature(s) without geometry")
    if not len(good):
        raise InputError("nothing to write: no feature has a geometry", path=str(p))
    out = good.to_crs(target.crs)
    if fmt == "csv":
        n = write_corner_csv(out, p, geographic=target.crs.is_geographic)
        notes.append(f"wrote {n} corner points")
    else:
        cols = [c for c in out.columns if c not in _INTERNAL]
        data = out[cols]
        kwargs = {"driver": driver, "engine": "pyogrio"}
        if fmt == "gpkg":
            kwargs["layer"] = layer or p.stem
        if fmt == "shp":
            kwargs["encoding"] = "UTF-8"
        if fmt == "geojson" and p.exists():
            p.unlink()  # the GeoJSON driver does not overwrite
        try:
            data.to_file(p, **kwargs)
        except Exception as exc:  # GDAL write errors: one line
            raise InputError(f"cannot write: {str(exc).splitlines()[0]}", path=str(p)) from None
    notes.append(f"wrote {len(out)} feature(s) to {p} in {crsmod.describe_crs(target.crs)}")
    return notes


def write_corner_csv(frame, path: Path, *, geographic: bool) -> int:
    """Corner-point CSV: 区块号, 圈号, 点号, X (northing), Y (easting) — or 纬度, 经度 for a
    geographic CRS. The easting carries the zone prefix when the CRS has one (EPSG:4528 …).
    Rings are written unclosed (the reader closes them). Polygons only."""
    import shapely

    rows = []
    for label, g in zip(frame["_label"] if "_label" in frame else range(1, len(frame) + 1), frame.geometry):
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(f"corner-point CSV holds polygons only; this is a {g.geom_type}",
                             path=str(path), feature=label)
        parts = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
        for k, part in enumerate(parts, 1):
            name = str(label) if len(parts) == 1 else f"{label}/{k}"
            for ring_no, ring in enumerate([part.exterior, *part.interiors], 1):
                xy = shapely.get_coordinates(ring)[:-1]
                for i, (x, y) in enumerate(xy, 1):
                    if geographic:
                        rows.append([name, ring_no, i, f"{y:.9f}", f"{x:.9f}"])
                    else:
                        rows.append([name, ring_no, i, f"{y:.3f}", f"{x:.3f}"])
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["区块号", "圈号", "点号", "纬度" if geographic else "X", "经度" if geographic else "Y"])
        w.writerows(rows)
    return len(rows)

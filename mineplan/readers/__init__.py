"""Reading applications (mining-right parcels, sites) from any supported input.

``read_applications(path, ...)`` returns a :class:`ReadResult` whose frame is in EPSG:4549,
one row per input feature, with ``_label``, ``_error`` and ``_repaired`` columns. Formats
and conventions are described in ``docs/input-formats.md``.
"""

from __future__ import annotations

from pathlib import Path

from mineplan import crs as crsmod
from mineplan.errors import InputError
from mineplan.readers._core import ReadResult, finish

__all__ = ["FORMATS", "ReadResult", "read_applications"]

#: suffix -> format name
FORMATS = {
    ".geojson": "geojson", ".json": "geojson",
    ".wkt": "wkt",
    ".shp": "shp", ".zip": "zip", ".gpkg": "gpkg", ".kml": "kml", ".kmz": "kmz", ".fgb": "fgb",
    ".parquet": "parquet", ".geoparquet": "parquet", ".dxf": "dxf",
    ".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".txt": "text",
}


def read_applications(path, *, layer=None, crs=None, fix: bool = False, on_error: str = "raise",
                      plan_area=None) -> ReadResult:
    """Read every feature of ``path`` into EPSG:4549.

    ``crs`` names the input CRS where the file does not say; ``plan_area`` (EPSG:4549) decides
    ambiguous coordinate readings. ``on_error="collect"`` keeps bad features as rows with
    ``_error`` set instead of raising; ``fix=True`` repairs invalid polygons.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(path))
    fmt = _format_of(p)
    notes: list[str] = []
    if crs is not None:
        crsmod.parse_crs(crs, path=str(path))  # fail early on a bad name
    if fmt == "geojson":
        from mineplan.readers import geojson

        raws, declared = geojson.parse(p, p.read_bytes(), notes)
        return finish(p, raws, declared=declared, user_crs=crs, plan_area=plan_area, fix=fix,
                      on_error=on_error, notes=notes,
                      default_geographic=None if crs is not None else crsmod.parse_crs("EPSG:4326"))
    if fmt == "wkt":
        from mineplan.readers import wkt

        text = _read_text(p, notes)
        raws, declared = wkt.parse_lines(text.splitlines(), p)
        if not raws:
            raise InputError("no geometries (empty file?)", path=str(p))
        return finish(p, raws, declared=declared, user_crs=crs, plan_area=plan_area, fix=fix,
                      on_error=on_error, notes=notes, declared_how="SRID in the file")
    if fmt in ("shp", "shp-dir", "zip", "gpkg", "kml", "kmz", "fgb", "parquet", "dxf"):
        from mineplan.readers import ogr

        raws, declared = ogr.read(p, fmt, layer=layer, notes=notes)
        return finish(p, raws, declared=declared, user_crs=crs, plan_area=plan_area, fix=fix,
                      on_error=on_error, notes=notes, declared_how=f"declared in the {fmt.upper()} file")
    if fmt in ("csv", "xlsx", "text"):
        return _read_corners(p, fmt, layer=layer, crs=crs, fix=fix, on_error=on_error,
                             plan_area=plan_area, notes=notes)
    raise InputError(f"unknown format (suffix {p.suffix or 'none'!r}; supported: "
                     + ", ".join(sorted(set(FORMATS))) + ")", path=str(p))


def _format_of(p: Path) -> str | None:
    if p.is_dir():
        return "shp-dir"
    return FORMATS.get(p.suffix.lower())


def _read_text(p: Path, notes: list[str]) -> str:
    data = p.read_bytes()
    if not data.strip():
        raise InputError("empty file", path=str(p))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError("text is neither UTF-8 nor GBK", path=str(p)) from None
        notes.append("decoded as GBK (not UTF-8)")
        return text


def _read_corners(p: Path, fmt: str, *, layer, crs, fix, on_error, plan_area, notes) -> ReadResult:
    from mineplan.readers import corners

    path_s = str(p)
    declared = None
    how = "declared in the file"
    if fmt == "xlsx":
        rows, sheet = corners.read_xlsx_rows(p, layer, path_s)
        parcels = corners.parse_table(rows, path_s, unit=f"sheet {sheet} row")
        text = ""
    else:
        text = _read_text(p, notes)
        if fmt == "csv":
            parcels = corners.parse_table(corners.read_csv_rows(text), path_s, unit="line")
        elif "[地块坐标]" in text:
            parcels, header = corners.parse_bubiao(text.splitlines(), path_s)
            notes.append("read as 部标 land-parcel text")
            if crs is None:
                declared = corners.bubiao_crs(header, parcels, path_s)
                how = "[属性描述] of the file"
        elif any(corners._BAOPAN.match(line) for line in text.splitlines()):
            parcels, _attrs = corners.parse_baopan(text.splitlines(), path_s)
            notes.append("read as 报盘 registration text (XYnnn= lines)")
        else:
            parcels = corners.parse_notice(text.splitlines(), path_s)
            notes.append("read as corner-point text (point, X, Y lines)")
    datum = corners.datum_hint(text[:2000]) if text else None
    if crs is None and declared is None and datum in ("Xian 1980", "Beijing 1954"):
        raise InputError(f"the file says {datum}: name its EPSG code with --crs "
                         "(e.g. Beijing 1954 zone 40: EPSG:2416, Xian 1980 zone 40: EPSG:2364)", path=path_s)
    raws = corners.to_raws(parcels, notes)
    return finish(p, raws, declared=declared, user_crs=crs, plan_area=plan_area, fix=fix,
                  on_error=on_error, notes=notes, declared_how=how)

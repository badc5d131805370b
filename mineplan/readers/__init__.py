"""Reading applications (mining-right parcels, sites) from any supported input.

``read_applications(path, work_crs=..., ...)`` returns a :class:`ReadResult` whose frame is in
``work_crs`` (the plan pack's ``[plan] crs``),
one row per input feature, with ``_label``, ``_error`` and ``_repaired`` columns. Formats
and conventions are described in ``docs/input-formats.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mineplan import crs as crsmod
from mineplan.errors import InputError
from mineplan.readers._core import ReadResult, finish

__all__ = ["FORMATS", "Limits", "ReadResult", "read_applications"]

#: suffix -> format name
FORMATS = {
    ".geojson": "geojson", ".json": "geojson",
    ".wkt": "wkt",
    ".shp": "shp", ".zip": "zip", ".gpkg": "gpkg", ".kml": "kml", ".kmz": "kmz", ".fgb": "fgb",
    ".parquet": "parquet", ".geoparquet": "parquet", ".dxf": "dxf",
    ".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".txt": "text",
}


#: Defaults of the input limits; the environment variables override them, the keywords both.
MAX_INPUT_MB = 512
MAX_FEATURES = 2_000_000


@dataclass(frozen=True)
class Limits:
    """How much a whole-file read may take: bytes of input and features."""

    max_bytes: int
    max_features: int
    max_mb: float = MAX_INPUT_MB

    @classmethod
    def of(cls, max_input_mb=None, max_features=None) -> Limits:
        def pick(value, env, default, kind):
            if value is None:
                value = os.environ.get(env, default)
            try:
                v = kind(value)
            except (TypeError, ValueError):
                raise InputError(f"{env} must be a number, not {value!r}") from None
            if v <= 0:
                raise InputError(f"{env} must be positive, not {value!r}")
            return v

        mb = pick(max_input_mb, "MINEPLAN_MAX_INPUT_MB", MAX_INPUT_MB, float)
        return cls(int(mb * 1024 * 1024), pick(max_features, "MINEPLAN_MAX_FEATURES", MAX_FEATURES, int), mb)

    def check_bytes(self, size: int, path: str) -> None:
        if size > self.max_bytes:
            raise InputError(f"input larger than the limit of {self.max_mb:g} MB (raise it with "
                             "MINEPLAN_MAX_INPUT_MB, or convert the file to GeoPackage or GeoParquet, which "
                             "screen reads in chunks)", path=path)

    def check_features(self, n: int, path: str) -> None:
        if n > self.max_features:
            raise InputError(f"{n} features, more than the limit of {self.max_features} (raise it with "
                             "MINEPLAN_MAX_FEATURES)", path=path)


def read_bytes(p: Path, limits: Limits) -> bytes:
    """The file's bytes, reading at most the limit (a device such as /dev/zero never ends)."""
    path_s = str(p)
    try:
        if p.is_file():
            limits.check_bytes(p.stat().st_size, path_s)
        with open(p, "rb") as fh:
            data = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path_s) from None
    limits.check_bytes(len(data), path_s)
    return data


def read_applications(path, *, work_crs, layer=None, crs=None, fix: bool = False, on_error: str = "raise",
                      plan_area=None, angle_format: str | None = None, encoding: str | None = None,
                      max_input_mb: float | None = None, max_features: int | None = None) -> ReadResult:
    """Read every feature of ``path`` into ``work_crs`` (the plan pack's ``pack.work_crs``).

    ``crs`` names the input CRS where the file does not say; ``plan_area`` (in ``work_crs``) decides
    ambiguous coordinate readings, whose survey-metre guesses start from ``work_crs``'s zone.
    ``on_error="collect"`` keeps bad features as rows with ``_error`` set instead of raising;
    ``fix=True`` repairs invalid polygons. ``angle_format`` (``"dms"`` or ``"deg"``) says how
    corner files write degrees (``118.4530`` = 118°45′30″ or 118.453°) where the file does not tell.
    ``encoding`` forces the attribute encoding of a Shapefile (else its .cpg, else detected).
    ``max_input_mb`` / ``max_features`` bound what a whole-file read may take (defaults: env
    MINEPLAN_MAX_INPUT_MB / MINEPLAN_MAX_FEATURES, else 512 MB and 2,000,000 features).
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(path))
    fmt = _format_of(p)
    notes: list[str] = []
    limits = Limits.of(max_input_mb, max_features)
    if crs is not None:
        crsmod.parse_crs(crs, path=str(path))  # fail early on a bad name
    if fmt == "geojson":
        from mineplan.readers import geojson

        raws, declared = geojson.parse(p, read_bytes(p, limits), notes)
        limits.check_features(len(raws), str(p))
        return finish(p, raws, declared=declared, user_crs=crs, plan_area=plan_area, work_crs=work_crs, fix=fix,
                      on_error=on_error, notes=notes,
                      default_geographic=None if crs is not None else crsmod.parse_crs("EPSG:4326"))
    if fmt == "wkt":
        from mineplan.readers import wkt

        text = _read_text(p, notes, limits)
        raws, declared = wkt.parse_lines(text.splitlines(), p)
        limits.check_features(len(raws), str(p))
        if not raws:
            raise InputError("no geometries (empty file?)", path=str(p))
        return finish(p, raws, declared=declared, user_crs=crs, plan_area=plan_area, work_crs=work_crs, fix=fix,
                      on_error=on_error, notes=notes, declared_how="SRID in the file")
    if fmt in ("shp", "shp-dir", "zip", "gpkg", "kml", "kmz", "fgb", "parquet", "dxf"):
        from mineplan.readers import ogr

        raws, declared = ogr.read(p, fmt, layer=layer, notes=notes, encoding=encoding, limits=limits)
        return finish(p, raws, declared=declared, user_crs=crs, plan_area=plan_area, work_crs=work_crs, fix=fix,
                      on_error=on_error, notes=notes, declared_how=f"declared in the {fmt.upper()} file")
    if fmt in ("csv", "xlsx", "text"):
        return _read_corners(p, fmt, layer=layer, crs=crs, fix=fix, on_error=on_error,
                             plan_area=plan_area, work_crs=work_crs, notes=notes, angle_format=angle_format,
                             limits=limits)
    raise InputError(f"unknown format (suffix {p.suffix or 'none'!r}; supported: "
                     + ", ".join(sorted(set(FORMATS))) + ")", path=str(p))


def _format_of(p: Path) -> str | None:
    if p.is_dir():
        return "shp-dir"
    return FORMATS.get(p.suffix.lower())


def _read_text(p: Path, notes: list[str], limits: Limits) -> str:
    data = read_bytes(p, limits)
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


def _read_corners(p: Path, fmt: str, *, layer, crs, fix, on_error, plan_area, work_crs, notes, angle_format,
                  limits: Limits) -> ReadResult:
    from mineplan.readers import corners, resolve

    path_s = str(p)
    if fmt == "xlsx":
        if p.is_file():
            limits.check_bytes(p.stat().st_size, path_s)
        rows, sheet = corners.read_xlsx_rows(p, layer, path_s)
        unit = f"sheet {sheet} row"
    elif fmt == "csv":
        text = _read_text(p, notes, limits)
        rows, unit = corners.read_csv_rows(text), "line"
    if fmt in ("xlsx", "csv"):
        all_text = "\n".join(" ".join(corners.cell_text(c) for c in cells) for _w, cells in rows[:200])
        facts = corners.facts_from_text(all_text)
        parcels = corners.parse_table(rows, path_s, unit=unit)
        if parcels is None:  # no X/Y header: read the table as lines of text
            lines = corners.table_lines(rows)
            try:
                parcels = corners.parse_lines([t for _w, t in lines], path_s, unit=unit)
            except InputError:
                raise InputError("no header row with X and Y (or 纬度/经度, lat/lon) columns, and no lines of "
                                 "corner points (point, X, Y) found", path=path_s) from None
            notes.append("read as corner-point text (no X/Y header in the table)")
        else:
            notes.append("read as a corner-point table")
    else:
        text = _read_text(p, notes, limits)
        lines = text.splitlines()
        facts = corners.facts_from_text(text)
        if "[地块坐标]" in text:
            parcels, header = corners.parse_bubiao(lines, path_s)
            facts = corners.bubiao_facts(header)
            notes.append("read as 部标 land-parcel text")
        elif corners.is_baopan(lines):
            parcels, _attrs = corners.parse_baopan(lines, path_s)
            notes.append("read as 报盘 registration text (XYnnn= lines)")
        else:
            parcels = corners.parse_lines(lines, path_s)
            notes.append("read as corner-point text (point, X, Y lines)")
    declared, how = resolve.resolve(parcels, facts, user_crs=crs, angle_format=angle_format, plan_area=plan_area,
                                    work_crs=work_crs, path=path_s, notes=notes)
    names = [pc.name or f"#{i}" for i, pc in enumerate(parcels, 1)]
    notes.append(f"{len(parcels)} parcel{'s' if len(parcels) != 1 else ''}: " + ", ".join(names[:20])
                 + (" …" if len(names) > 20 else ""))
    limits.check_features(len(parcels), path_s)
    raws = corners.to_raws(parcels, notes)
    res = finish(p, raws, declared=declared, user_crs=crs, plan_area=plan_area, work_crs=work_crs, fix=fix,
                 on_error=on_error, notes=notes, declared_how=how or "declared in the file", allow_dms_packed=False)
    if not any(n.startswith("coordinates read as") for n in res.notes):
        res.notes.append(f"coordinates read as {res.source_crs}")
    return res

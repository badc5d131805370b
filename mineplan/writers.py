"""Every file mineplan writes goes through here.

* :class:`TableSink` — screened rows to GeoParquet, GeoPackage, GeoJSON, CSV or XLSX (``screen``),
  written to a temporary file in the output's folder and moved over it at the end (atomic);
* :func:`write_frame` — application frames to GeoJSON, GeoPackage, Shapefile, KML or corner-point
  CSV (``convert``, ``registry export``);
* :func:`report_json`, :func:`report_geojson`, :func:`write_text` — ``check``'s JSON and GeoJSON.

Frames come in the pack's work CRS; web-map datums (GCJ-02, BD-09) are input-only: never written.
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
    labels = frame["_label"] if "_label" in frame else range(1, len(frame) + 1)
    for label, g in zip(labels, frame.geometry, strict=True):
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


# ---------------------------------------------------------------------------------------------
# Screened rows (``screen``): one sink per output, written atomically
# ---------------------------------------------------------------------------------------------
#: output suffix -> sink kind
TABLE_FORMATS = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson", ".parquet": "parquet",
                 ".geoparquet": "parquet", ".csv": "csv", ".xlsx": "xlsx"}
XLSX_MAX_ROWS = 1_048_575


def table_kind(path) -> str:
    p = Path(path)
    kind = TABLE_FORMATS.get(p.suffix.lower())
    if kind is None:
        raise InputError(f"unknown output format {p.suffix or 'none'!r} (supported: "
                         + ", ".join(sorted(TABLE_FORMATS)) + ")", path=str(path))
    return kind


def output_folder(path) -> Path:
    """The folder ``path`` will be written in; a missing or read-only one is a one-line error."""
    import os

    folder = Path(path).parent if str(Path(path).parent) else Path(".")
    if not folder.is_dir():
        raise InputError("output folder does not exist", path=str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError("output folder is not writable", path=str(folder))
    return folder


class TableSink:
    """Writes batches of rows (GeoDataFrames in the work CRS; for GeoParquet also Arrow tables
    from :func:`mineplan.engine.spill.to_arrow`) to one file of ``kind``, through a
    temporary file in the output's folder renamed over the output by :meth:`close`; GeoJSON and
    XLSX are written at close. :meth:`abort` removes the temporary file."""

    def __init__(self, path, kind: str | None = None):
        import tempfile

        self.path = Path(path)
        self.kind = kind or table_kind(path)
        folder = output_folder(self.path)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=self.path.suffix, dir=folder)
        import os

        os.close(fd)
        self.tmp = Path(tmp)
        self.tmp.unlink()  # the writers create it
        self.first = True
        self.held: list = []
        self.parquet = None

    def write(self, frame) -> None:
        if self.kind == "parquet":
            from mineplan.engine.spill import ParquetWriter

            if self.parquet is None:
                self.parquet = ParquetWriter(self.tmp)
            self.parquet.write(frame)
        elif self.kind == "gpkg":
            import pyogrio

            pyogrio.write_dataframe(_ogr_safe(frame), str(self.tmp), layer=self.path.stem, driver="GPKG",
                                    append=not self.first)
        elif self.kind == "csv":
            from mineplan.textsafe import csv_safe_frame

            flat = csv_safe_frame(_flat(frame))  # a text '=…' from an input file is no live formula
            flat.to_csv(self.tmp, mode="w" if self.first else "a", header=self.first, index=False,
                        encoding="utf-8-sig" if self.first else "utf-8")
        else:
            self.held.append(frame)
        self.first = False

    def close(self) -> None:
        import os

        import pandas as pd

        if self.kind == "parquet" and self.parquet is not None:
            self.parquet.close()
        if self.kind in ("geojson", "xlsx") and self.held:
            frame = pd.concat(self.held) if len(self.held) > 1 else self.held[0]
            if self.kind == "geojson":
                import pyogrio

                pyogrio.write_dataframe(_ogr_safe(frame).to_crs("EPSG:4326"), str(self.tmp), driver="GeoJSON",
                                        layer=self.path.stem)
            else:
                write_xlsx(_flat(frame), self.tmp, sheet="screen")
        if not self.tmp.exists():
            raise InputError("nothing to write", path=str(self.path))
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.tmp.unlink(missing_ok=True)


def write_xlsx(table, path: Path, *, sheet: str) -> None:
    """A table to one XLSX sheet. Every text is a text cell: a value such as ``=HYPERLINK(…)`` from
    an input file stays text and never becomes a live formula (openpyxl would make it one)."""
    import math

    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    if len(table) > XLSX_MAX_ROWS:
        raise InputError(f"{len(table)} rows do not fit in an XLSX sheet: write .parquet or .gpkg", path=str(path))
    table = table.copy()
    for c in table.columns:
        if isinstance(table[c].dtype, pd.DatetimeTZDtype):
            table[c] = table[c].dt.tz_convert("UTC").dt.tz_localize(None)  # Excel has no time zones
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)

    def cell(value):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
            return None
        if isinstance(value, str):
            if len(value) > 32_000:  # Excel's limit per cell is 32 767 characters
                value = value[:31_990] + "…"
            text = WriteOnlyCell(ws, value=value)
            text.data_type = "s"
            return text
        return value.item() if hasattr(value, "item") else value

    ws.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False, name=None):
        ws.append([cell(v) for v in row])
    book.save(path)


def _flat(frame):
    """A table without geometry: the geometry as WKT (3 decimals) in ``wkt``."""
    import numpy as np
    import pandas as pd
    import shapely

    flat = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    flat["wkt"] = shapely.to_wkt(np.asarray(frame.geometry.values, dtype=object), rounding_precision=3)
    return flat


def _ogr_safe(frame):
    """Object columns as text (GDAL wants one type per field)."""
    from mineplan.engine.spill import as_text, is_na

    out = frame.copy()
    for c in out.columns:
        if c != out.geometry.name and out[c].dtype == object:
            out[c] = out[c].map(lambda v: None if is_na(v) else (v if isinstance(v, str) else as_text(v)))
    return out


# ---------------------------------------------------------------------------------------------
# ``check``'s JSON and GeoJSON
# ---------------------------------------------------------------------------------------------
def _clean(value):
    """JSON-safe values: numpy scalars to Python, NaN to None."""
    import math

    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def report_json(report) -> str:
    import json

    return json.dumps(_clean(report.as_dict()), ensure_ascii=False, indent=2)


def report_geojson(report) -> str:
    """The input features (in WGS84) with verdict and findings as properties."""
    import json

    frame = report.frame
    wgs = frame.to_crs("EPSG:4326")
    features = []
    for result, geom, (_, row) in zip(report.results, wgs.geometry, wgs.iterrows(), strict=True):
        props = {k: v for k, v in row.items() if k != "geometry" and not str(k).startswith("_")}
        props.update(id=result.id, verdict=result.verdict, findings=[f.as_dict() for f in result.findings])
        if result.error:
            props["error"] = result.error
        features.append({"type": "Feature", "properties": _clean(props),
                         "geometry": None if geom is None else geom.__geo_interface__})
    doc = {"type": "FeatureCollection", "plan": report.pack.identity(), "verdict": report.verdict, "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def write_text(path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically; a missing or read-only folder is a one-line error."""
    import os
    import tempfile

    p = Path(path)
    folder = output_folder(p)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

"""Reading one ``[layers.NAME]`` entry's source: a bureau's official layer as it comes.

The keys of an entry that shape the read (``docs/plan-packs.md``):

* ``layer`` — the GDAL layer (or XLSX sheet) in the file;
* ``encoding`` — the text encoding of a DBF (GBK …); without it a ``.cpg`` sidecar is honoured;
* ``crs`` — the source CRS where the file has none, or to override it (EPSG:4526 …);
* ``where = { FIELD = value | [values] }`` — only the features whose FIELD (the file's own name,
  before ``fields``) holds one of the values: a shared layer holding several kinds of zone;
* ``fields = { canonical = "SOURCE" }`` — the file's column for each feature column (GHQBH …);
* ``coordinates = { field, format, crs, angle }`` — a table without geometry (CSV, DBF, XLSX)
  whose polygon is a coordinate string in ``field``: ``format = "gdzb"`` (``X1,Y1;X2,Y2;…``) or
  ``"rings"`` (``区域数,拐点数,x,y,…`` with ``*`` ring markers); ``angle = "dddmmss"`` when the
  numbers are packed degrees (latitude, longitude). Parsed by :mod:`mineplan.readers.corners`.

Every problem is one line naming the file, the layer and, where there is one, the row or feature.
"""

from __future__ import annotations

import codecs
from pathlib import Path

#: the feature columns whose values are numbers
NUMERIC_FIELDS = ("stated_area_km2", "resource_wm3")
#: the keys a ``coordinates`` table may have
COORDINATE_KEYS = ("field", "format", "crs", "angle")


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def _matches(series, wanted: list):
    """Rows whose value equals one of ``wanted``: as text, or as numbers when both are numbers
    (a DBF's 330102 matches "330102" and 330102.0)."""
    import pandas as pd

    text = series.map(lambda v: "" if _blank(v) else str(v).strip())
    numbers = pd.to_numeric(series, errors="coerce")
    mask = pd.Series(False, index=series.index)
    for value in wanted:
        mask |= text == str(value).strip()
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        mask |= numbers == number
    return mask


def _fields_text(frame) -> str:
    return ", ".join(str(c) for c in frame.columns if c != "geometry")


def _check_crs(value, where: str) -> str | None:
    """None when ``value`` names a CRS, else the problem."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(value)
    except (CRSError, TypeError, ValueError):
        return f"{where}: {value!r} is not a CRS (e.g. EPSG:4526)"
    return None


def read_source(path: Path, name: str, entry: dict, feature_fields: tuple[str, ...]):
    """(GeoDataFrame with the feature columns renamed, or None; one-line problems)."""
    import geopandas as gpd
    import pyogrio

    label = f"{path}: layer {name!r}"
    encoding = entry.get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(str(encoding))
        except LookupError:
            return None, [f"{label}: encoding: unknown encoding {encoding!r} (e.g. GBK, UTF-8)"]
    for key in ("crs",):
        if entry.get(key) is not None and (problem := _check_crs(entry[key], f"{label}: {key}")):
            return None, [problem]
    coords = entry.get("coordinates")
    kwargs = {"layer": entry.get("layer")}
    if encoding is not None:
        kwargs["encoding"] = str(encoding)
    if path.suffix.lower() in (".xlsx", ".ods"):
        kwargs["HEADERS"] = "FORCE"  # GDAL guesses no header row when every cell is text (a GDZB table)
    try:
        if coords is not None:
            frame = pyogrio.read_dataframe(path, read_geometry=False, **kwargs)
        else:
            frame = gpd.read_file(path, engine="pyogrio", **kwargs)
    except Exception as exc:  # GDAL's errors are many; each becomes one line
        return None, [f"{label}: cannot read: {exc}".replace("\n", " ")]

    where = entry.get("where") or {}
    if not isinstance(where, dict):
        return None, [f"{label}: where must be a table {{ FIELD = value }}, got {where!r}"]
    for field, wanted in where.items():
        if field not in frame.columns:
            return None, [f"{label}: where: no field {field!r} in the file (fields: {_fields_text(frame)})"]
        frame = frame[_matches(frame[field], wanted if isinstance(wanted, list) else [wanted])]

    fields = entry.get("fields") or {}
    if not isinstance(fields, dict):
        return None, [f"{label}: fields must be a table {{ canonical = \"SOURCE\" }}, got {fields!r}"]
    for canonical, source in fields.items():
        if canonical not in feature_fields:
            return None, [f"{label}: fields: unknown feature column {canonical!r} (known: {', '.join(feature_fields)})"]
        if source not in frame.columns:
            return None, [f"{label}: fields: {canonical} = {source!r}: no field {source!r} in the file "
                          f"(fields: {_fields_text(frame)})"]

    if coords is not None:
        frame, problems = _from_coordinates(frame, label, entry, coords)
        if frame is None:
            return None, problems
    elif entry.get("crs") is not None:
        frame = frame.set_crs(entry["crs"], allow_override=True)

    frame = frame.rename(columns={src: dst for dst, src in fields.items()})
    problems = []
    for column in NUMERIC_FIELDS:
        if column in frame.columns:
            frame[column], bad = _numbers(frame[column])
            for position in bad:
                code = frame["code"].iloc[position] if "code" in frame.columns else None
                feature = f"feature {code}" if not _blank(code) else f"row {frame.index[position] + 1}"
                problems.append(f"{label}: {feature}: {column} {frame[column].iloc[position]!r} is not a number")
    return frame, problems


def _numbers(series):
    """(the column as floats, positions of values that are not numbers)."""
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce")
    bad = [i for i, (v, n) in enumerate(zip(series, values, strict=True)) if not _blank(v) and np.isnan(n)]
    if bad:
        return series, bad
    return values.astype(float), []


def _from_coordinates(frame, label: str, entry: dict, coords):
    """A table's coordinate strings -> a GeoDataFrame of polygons (one per row)."""
    import geopandas as gpd

    from mineplan.readers.corners import ANGLE_FORMATS, COORDINATE_FORMATS, string_polygon

    if not isinstance(coords, dict):
        return None, [f"{label}: coordinates must be a table {{ field, format, crs }}, got {coords!r}"]
    unknown = sorted(set(coords) - set(COORDINATE_KEYS))
    if unknown:
        known = ", ".join(COORDINATE_KEYS)
        return None, [f"{label}: coordinates: unknown key(s) {', '.join(unknown)} (known: {known})"]
    field, fmt, angle = coords.get("field"), coords.get("format", "gdzb"), coords.get("angle")
    if not field:
        return None, [f"{label}: coordinates: no 'field' (the column holding the coordinate strings)"]
    if fmt not in COORDINATE_FORMATS:
        return None, [f"{label}: coordinates: unknown format {fmt!r} (known: {', '.join(COORDINATE_FORMATS)})"]
    if angle is not None and angle not in ANGLE_FORMATS:
        return None, [f"{label}: coordinates: unknown angle {angle!r} (known: {', '.join(ANGLE_FORMATS)})"]
    crs = coords.get("crs") or entry.get("crs") or ("EPSG:4490" if angle else None)
    if crs is None:
        return None, [f"{label}: coordinates: no 'crs' (the CRS the coordinate strings are in, e.g. EPSG:4526)"]
    if problem := _check_crs(crs, f"{label}: coordinates: crs"):
        return None, [problem]
    if field not in frame.columns:
        return None, [f"{label}: coordinates: no field {field!r} in the file (fields: {_fields_text(frame)})"]
    code_column = (entry.get("fields") or {}).get("code", "code")
    problems, geoms = [], []
    for position, (index, text) in enumerate(zip(frame.index, frame[field], strict=True)):
        code = frame[code_column].iloc[position] if code_column in frame.columns else None
        row = f"row {index + 1}" + ("" if _blank(code) else f" (feature {code})")
        try:
            geoms.append(string_polygon(text, fmt, angle=angle))
        except ValueError as exc:
            problems.append(f"{label}: {row}: {field}: {exc}")
            geoms.append(None)
    if problems:
        return None, problems
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=crs), []

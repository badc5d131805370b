"""Reading a large input in chunks: GeoParquet through pyarrow, GeoPackage and FlatGeobuf through
pyogrio's Arrow reader; any other format through :func:`mineplan.readers.read_applications`, then
sliced. Each chunk is finished like the readers' frames (``_label``, ``_error``, ``_repaired``,
EPSG:4549), with a global RangeIndex (row numbers in the input)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from mineplan import WORK_CRS
from mineplan import crs as crsmod
from mineplan.errors import InputError

#: input suffixes read in chunks (the others are read whole, then sliced)
STREAMED = {".parquet": "parquet", ".geoparquet": "parquet", ".gpkg": "ogr", ".fgb": "ogr"}
DEFAULT_CHUNK = 20_000


def _labels(props: pd.DataFrame, start: int) -> np.ndarray:
    """The readers' feature labels (first non-empty of LABEL_KEYS, else #n), column-wise."""
    from mineplan.readers._core import LABEL_KEYS

    labels = np.array([f"#{start + k + 1}" for k in range(len(props))], dtype=object)
    todo = np.ones(len(props), dtype=bool)
    for key in LABEL_KEYS:
        if key not in props.columns or not todo.any():
            continue
        col = props[key]
        ok = col.notna().to_numpy()
        text = np.array([str(v).strip() if o else "" for v, o in zip(col.to_numpy(), ok, strict=True)], dtype=object)
        use = todo & ok & (text != "")
        labels[use] = text[use]
        todo &= ~use
    return labels


class ChunkFinisher:
    """The readers' ``finish`` for a chunk of an already-tabular input, vectorised: structural
    errors, Z dropped, CRS reading (decided on the first chunk), validity (repaired with ``fix``),
    projection to EPSG:4549. Error texts are the readers' own."""

    def __init__(self, path: str, declared, user_crs, plan_area, fix: bool, notes: list[str]):
        self.path = path
        self.src = declared or (crsmod.parse_crs(user_crs, path=path) if user_crs is not None else None)
        if self.src is None:
            raise InputError("no CRS in the file: name it with --crs", path=path)
        self.plan_area = plan_area
        self.fix = fix
        self.notes = notes
        self.reading = None

    def __call__(self, props: pd.DataFrame, geoms: np.ndarray, start: int):
        import geopandas as gpd

        from mineplan.readers._core import _polygonal_part, _range_problem, _where

        n = len(geoms)
        geoms = np.asarray(geoms, dtype=object).copy()
        errors = np.full(n, None, dtype=object)
        repaired = np.zeros(n, dtype=bool)
        labels = _labels(props, start)
        missing = shapely.is_missing(geoms)
        errors[missing] = "no geometry"
        empty = ~missing & shapely.is_empty(geoms)
        errors[empty] = "empty geometry"
        collection = ~missing & ~empty & (shapely.get_type_id(geoms) == 7)
        errors[collection] = "GeometryCollection is not supported (one geometry per feature)"
        geoms[missing | empty | collection] = None
        good = np.flatnonzero(errors == None)  # noqa: E711
        g = geoms[good]
        if len(g) and shapely.has_z(g).any():
            g = shapely.force_2d(g)
            if "Z coordinates dropped (2D only)" not in self.notes:
                self.notes.append("Z coordinates dropped (2D only)")
        if self.reading is None:
            xy = shapely.get_coordinates(g)
            fin = np.isfinite(xy).all(axis=1)
            a, b = xy[fin, 0], xy[fin, 1]
            if not self.src.is_geographic and len(a) and crsmod.looks_like_degrees(a, b):
                raise InputError(f"coordinates look like degrees, but the CRS {self.src.describe()} is projected",
                                 path=self.path)
            clearly_metres = bool(len(a)) and bool(np.any(np.abs(a) > 1000) or np.any(np.abs(b) > 1000))
            inside = not (self.src.is_geographic and clearly_metres)
            self.reading = crsmod.swap_check(self.src, a, b, self.plan_area) if inside else crsmod.Reading(self.src)
            if self.reading.swap:
                self.notes.append("pairs read swapped: only that reading falls in the plan area (decided on the first chunk)")
        reading = self.reading
        if len(g):
            xy, gi = shapely.get_coordinates(g, return_index=True)
            nonfinite = np.bincount(gi, weights=~np.isfinite(xy).all(axis=1), minlength=len(g)) > 0
            if reading.swap or reading.pre is not None:
                with np.errstate(all="ignore"):
                    g = shapely.transform(g, lambda q: np.column_stack(reading.xy(q[:, 0], q[:, 1])))
                xy, gi = shapely.get_coordinates(g, return_index=True)
            suspect = nonfinite.copy()
            if reading.src.is_geographic:
                with np.errstate(invalid="ignore"):
                    bad = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
                suspect |= np.bincount(gi, weights=bad, minlength=len(g)) > 0
            valid = shapely.is_valid(g)
            for k in np.flatnonzero(suspect | ~valid):  # the few failing features
                geom = g[k]
                if suspect[k]:
                    problem = "coordinate is not a finite number" if nonfinite[k] else _range_problem(
                        geom, reading.src.is_geographic)
                    if problem:
                        errors[good[k]], g[k] = problem, None
                        continue
                if not valid[k]:
                    reason = _where(shapely.is_valid_reason(geom))
                    polygonal = geom.geom_type in ("Polygon", "MultiPolygon")
                    if self.fix and polygonal:
                        fixed = _polygonal_part(shapely.make_valid(geom))
                        if fixed is None:
                            errors[good[k]], g[k] = f"{reason}; nothing polygonal is left after repair", None
                            continue
                        g[k] = fixed
                        repaired[good[k]] = True
                    else:
                        errors[good[k]] = reason + (" (--fix repairs it)" if polygonal and not self.fix else "")
                        g[k] = None
            keep = ~shapely.is_missing(g)
            if keep.any():
                def project(p):
                    with np.errstate(all="ignore"):
                        x, y = crsmod.to_work(reading.src, p[:, 0], p[:, 1])
                    return np.column_stack([x, y])

                if reading.src.crs is not None and reading.src.crs.to_epsg() == 4549 and not reading.src.web:
                    projected = g[keep]
                else:
                    projected = shapely.transform(g[keep], project)
                xy, gi = shapely.get_coordinates(projected, return_index=True)
                bad = np.bincount(gi, weights=~np.isfinite(xy).all(axis=1), minlength=len(projected)) > 0
                pos = np.flatnonzero(keep)
                projected[bad] = None
                g[pos] = projected
                errors[good[pos[bad]]] = f"cannot be projected to {WORK_CRS} (coordinates outside the projection's range)"
            geoms[good] = g
        df = props.copy()
        if "geometry" in df.columns:
            df = df.rename(columns={"geometry": "geometry_"})
        df.index = pd.RangeIndex(start, start + n)
        df["_label"] = labels
        df["_error"] = pd.Series(errors, index=df.index, dtype=object)
        df["_repaired"] = repaired
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, index=df.index, crs=WORK_CRS), crs=WORK_CRS)


def _parquet_chunks(path: str, chunk_size: int) -> tuple[object, Iterator]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        geo = json.loads((pf.schema_arrow.metadata or {}).get(b"geo", b"{}"))
    except Exception as exc:
        raise InputError(f"not a readable GeoParquet file: {str(exc).splitlines()[0]}", path=path) from None
    if not geo:
        raise InputError("not a GeoParquet file (no 'geo' metadata)", path=path)
    col = geo["primary_column"]
    meta = geo["columns"][col]
    if meta.get("encoding", "WKB").upper() != "WKB":
        raise InputError(f"GeoParquet geometry encoding {meta.get('encoding')!r} is not supported (WKB only)", path=path)
    crs = meta.get("crs", "OGC:CRS84")  # GeoParquet: a missing crs means OGC:CRS84
    declared = None if crs is None else crsmod.SourceCRS(__import__("pyproj").CRS.from_user_input(crs))

    def batches():
        for batch in pf.iter_batches(batch_size=chunk_size):
            wkb = batch.column(col)
            props = batch.drop_columns([col]).to_pandas() if batch.num_columns > 1 else pd.DataFrame(index=range(len(wkb)))
            yield props, shapely.from_wkb(np.asarray(wkb.to_numpy(zero_copy_only=False), dtype=object))

    return declared, batches()


def _ogr_chunks(path: str, layer, chunk_size: int) -> tuple[object, Iterator]:
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:
        raise InputError(f"not readable: {str(exc).splitlines()[0]}", path=path) from None
    names = [str(n) for n in layers[:, 0]]
    if not names:
        raise InputError("no layers", path=path)
    if layer is not None and layer not in names:
        raise InputError(f"no layer {layer!r} (layers: {', '.join(names)})", path=path)
    use = layer if layer is not None else names[0]
    info = pyogrio.read_info(path, layer=use)
    declared = crsmod.SourceCRS(__import__("pyproj").CRS.from_user_input(info["crs"])) if info.get("crs") else None

    def batches():
        with pyogrio.open_arrow(path, layer=use, batch_size=chunk_size, use_pyarrow=True) as (meta, reader):
            gcol = meta.get("geometry_name") or "wkb_geometry"
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                wkb = batch.column(gcol)
                rest = [c for c in batch.schema.names if c != gcol]
                props = batch.select(rest).to_pandas() if rest else pd.DataFrame(index=range(batch.num_rows))
                yield props, shapely.from_wkb(np.asarray(wkb.to_numpy(zero_copy_only=False), dtype=object))

    return declared, batches()


def iter_chunks(path, *, pack, chunk_size: int = DEFAULT_CHUNK, layer=None, crs=None, fix: bool = False,
                notes: list[str] | None = None) -> Iterator:
    """Yield the input as GeoDataFrames of at most ``chunk_size`` rows in EPSG:4549, shaped like
    :func:`mineplan.readers.read_applications`'s frame (``_label``, ``_error``, ``_repaired``),
    with a global RangeIndex (row numbers in the input)."""
    from mineplan.readers import read_applications

    notes = [] if notes is None else notes
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(path))
    kind = STREAMED.get(p.suffix.lower()) if p.is_file() else None
    source = None
    if kind is not None:
        declared, batches = _parquet_chunks(str(p), chunk_size) if kind == "parquet" else _ogr_chunks(
            str(p), layer, chunk_size)
        if declared is not None or crs is not None:
            source = (declared, batches)
    if source is None:  # small or odd formats, or no CRS to stream with: the readers, whole
        read = read_applications(p, layer=layer, crs=crs, fix=fix, on_error="collect", plan_area=pack.county_geometry)
        notes.extend(read.notes)
        frame = read.frame
        for start in range(0, len(frame), chunk_size):
            yield frame.iloc[start:start + chunk_size]
        return
    declared, batches = source
    finisher = ChunkFinisher(str(p), declared, crs, pack.county_geometry, fix, notes)
    start = 0
    for props, geoms in batches:
        for s in range(0, len(geoms), chunk_size):  # GDAL may hand over bigger batches
            part = props.iloc[s:s + chunk_size].reset_index(drop=True)
            yield finisher(part, geoms[s:s + chunk_size], start)
            start += len(part)
    if start == 0:
        raise InputError("no features", path=str(p))


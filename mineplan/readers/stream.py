"""Reading a large input in chunks: GeoParquet through pyarrow, GeoPackage and FlatGeobuf through
pyogrio's Arrow reader; any other format through :func:`mineplan.readers.read_applications`, then
sliced. Each chunk is finished like the readers' frames (``_label``, ``_error``, ``_repaired``,
the plan pack's work CRS), with a global RangeIndex (row numbers in the input)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from mineplan import crs as crsmod
from mineplan.errors import InputError

#: input suffixes read in chunks (the others are read whole, then sliced)
STREAMED = {".parquet": "parquet", ".geoparquet": "parquet", ".gpkg": "ogr", ".fgb": "ogr"}
DEFAULT_CHUNK = 20_000
#: GeoJSON files larger than this are read feature by feature (a FeatureCollection whose CRS is
#: known before its features); smaller ones whole.
GEOJSON_STREAM_BYTES = 32 * 2**20


def _labels(props: pd.DataFrame, start: int, fids=None) -> np.ndarray:
    """The readers' feature labels (first non-empty of LABEL_KEYS, else the format's feature id,
    else #n), column-wise."""
    from mineplan.readers._core import LABEL_KEYS

    labels = np.array([f"#{start + k + 1}" for k in range(len(props))], dtype=object)
    if fids is not None:
        for k, fid in enumerate(fids):
            if isinstance(fid, (str, int, float)) and not isinstance(fid, bool) and str(fid) != "":
                labels[k] = str(fid)
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


def _state_reading(notes: list[str], source_desc: str) -> None:
    """Say in ``notes`` how the coordinates were read, unless a note already does."""
    if not any(n.startswith("coordinates read as") for n in notes):
        notes.append(f"coordinates read as {source_desc}")


class ChunkFinisher:
    """The readers' finish for a chunk of an already-tabular input: the same structural checks,
    CRS decision (:func:`~mineplan.readers._core.decide_reading`, on the first chunk) and
    input checks (:func:`~mineplan.readers._core.check_geometries`) as every other reader, so
    the error texts are the readers' own."""

    def __init__(self, path: str, declared, user_crs, plan_area, fix: bool, notes: list[str], *,
                 work_crs, default_geographic=None):
        self.path = path
        self.work_crs = work_crs
        self.declared = declared
        self.user_crs = user_crs
        self.default_geographic = default_geographic
        if declared is None and user_crs is None and default_geographic is None:
            raise InputError("no CRS in the file: name it with --crs", path=path)
        if user_crs is not None:
            crsmod.parse_crs(user_crs, path=path)  # fail early on a bad name
        self.plan_area = plan_area
        self.fix = fix
        self.notes = notes
        self.reading = None
        self.source_desc = None

    def __call__(self, props: pd.DataFrame, geoms: np.ndarray, start: int, *, errors=None, fids=None):
        """``errors``: the format's own error per feature (or None); ``fids``: its feature ids,
        used as labels where the properties hold none."""
        import geopandas as gpd

        from mineplan.readers._core import check_geometries, decide_reading, finite_pairs, structural_errors

        n = len(geoms)
        geoms = np.asarray(geoms, dtype=object).copy()
        errors = np.full(n, None, dtype=object) if errors is None else np.array(errors, dtype=object)
        geoms[errors != None] = None  # noqa: E711
        repaired = np.zeros(n, dtype=bool)
        labels = _labels(props, start, fids)
        good = np.flatnonzero(structural_errors(geoms, errors))
        g = geoms[good]
        if len(g) and shapely.has_z(g).any():
            g = shapely.force_2d(g)
            if "Z coordinates dropped (2D only)" not in self.notes:
                self.notes.append("Z coordinates dropped (2D only)")
        if self.reading is None:
            a, b = finite_pairs(g)
            self.reading, self.source_desc = decide_reading(
                a, b, declared=self.declared, user=self.user_crs, plan_area=self.plan_area,
                work_crs=self.work_crs, path=self.path,
                notes=self.notes, default_geographic=self.default_geographic)
            if self.reading.swap:
                self.notes.append("(the reading was decided on the first chunk)")
            _state_reading(self.notes, self.source_desc)
        out, errs, rep = check_geometries(g, self.reading, work_crs=self.work_crs, fix=self.fix, labels=labels[good],
                                          notes=self.notes)
        geoms[:] = None
        geoms[good] = out
        errors[good] = errs
        repaired[good] = rep
        df = props.copy()
        if "geometry" in df.columns:
            df = df.rename(columns={"geometry": "geometry_"})
        df.index = pd.RangeIndex(start, start + n)
        df["_label"] = labels
        df["_error"] = pd.Series(errors, index=df.index, dtype=object)
        df["_repaired"] = repaired
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, index=df.index, crs=self.work_crs),
                                crs=self.work_crs)


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
        raise InputError(f"GeoParquet geometry encoding {meta.get('encoding')!r} is not supported (WKB only)",
                         path=path)
    crs = meta.get("crs", "OGC:CRS84")  # GeoParquet: a missing crs means OGC:CRS84
    declared = None if crs is None else crsmod.SourceCRS(__import__("pyproj").CRS.from_user_input(crs))

    def batches():
        for batch in pf.iter_batches(batch_size=chunk_size):
            wkb = batch.column(col)
            props = (batch.drop_columns([col]).to_pandas() if batch.num_columns > 1
                     else pd.DataFrame(index=range(len(wkb))))
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


def _geojson_stream(p: Path, pack, chunk_size: int, crs, fix: bool, notes: list[str]):
    """A large GeoJSON FeatureCollection in chunks (None: read it whole)."""
    from mineplan.readers import geojson

    res = geojson.stream(p)
    if res is None:
        return None
    declared, raws = res
    if crs is not None:
        crsmod.parse_crs(crs, path=str(p))
    finisher = ChunkFinisher(str(p), declared, crs, pack.county_geometry, fix, notes, work_crs=pack.work_crs,
                             default_geographic=None if crs is not None else crsmod.parse_crs("EPSG:4326"))
    notes.append("GeoJSON read feature by feature (large file)")

    def chunks():
        start = 0
        batch: list = []
        for raw in raws:
            batch.append(raw)
            if len(batch) == chunk_size:
                yield _raw_chunk(finisher, batch, start)
                start += len(batch)
                batch = []
        if batch:
            yield _raw_chunk(finisher, batch, start)
            start += len(batch)
        if start == 0:
            raise InputError("no features", path=str(p))

    return chunks()


def _raw_chunk(finisher: ChunkFinisher, batch: list, start: int):
    props = pd.DataFrame([r.props if isinstance(r.props, dict) else {} for r in batch], index=range(len(batch)))
    geoms = np.empty(len(batch), dtype=object)
    geoms[:] = [r.geom for r in batch]
    return finisher(props, geoms, start, errors=[r.error for r in batch], fids=[r.fid for r in batch])


def iter_chunks(path, *, pack, chunk_size: int = DEFAULT_CHUNK, layer=None, crs=None, fix: bool = False,
                notes: list[str] | None = None, angle_format: str | None = None,
                encoding: str | None = None) -> Iterator:
    """Yield the input as GeoDataFrames of at most ``chunk_size`` rows in ``pack.work_crs``, shaped like
    :func:`mineplan.readers.read_applications`'s frame (``_label``, ``_error``, ``_repaired``),
    with a global RangeIndex (row numbers in the input). ``angle_format`` and ``encoding`` are
    passed to :func:`~mineplan.readers.read_applications` for the formats read whole."""
    from mineplan.readers import read_applications

    notes = [] if notes is None else notes
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(path))
    kind = STREAMED.get(p.suffix.lower()) if p.is_file() else None
    if p.suffix.lower() in (".geojson", ".json") and p.is_file() and p.stat().st_size > GEOJSON_STREAM_BYTES:
        streamed = _geojson_stream(p, pack, chunk_size, crs, fix, notes)
        if streamed is not None:
            yield from streamed
            return
    source = None
    if kind is not None:
        declared, batches = _parquet_chunks(str(p), chunk_size) if kind == "parquet" else _ogr_chunks(
            str(p), layer, chunk_size)
        if declared is not None or crs is not None:
            source = (declared, batches)
    if source is None:  # small or odd formats, or no CRS to stream with: the readers, whole
        read = read_applications(p, work_crs=pack.work_crs, layer=layer, crs=crs, fix=fix, on_error="collect",
                                 plan_area=pack.county_geometry, angle_format=angle_format, encoding=encoding)
        notes.extend(read.notes)
        _state_reading(notes, read.source_crs)
        frame = read.frame
        for start in range(0, len(frame), chunk_size):
            yield frame.iloc[start:start + chunk_size]
        return
    declared, batches = source
    finisher = ChunkFinisher(str(p), declared, crs, pack.county_geometry, fix, notes, work_crs=pack.work_crs)
    start = 0
    for props, geoms in batches:
        for s in range(0, len(geoms), chunk_size):  # GDAL may hand over bigger batches
            part = props.iloc[s:s + chunk_size].reset_index(drop=True)
            yield finisher(part, geoms[s:s + chunk_size], start)
            start += len(part)
    if start == 0:
        raise InputError("no features", path=str(p))


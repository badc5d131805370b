"""Where serialised rows wait for the cross rules: in memory (one file, ``check``) or in
GeoParquet part files beside the output (``screen``: memory bounded by the chunk size)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import shapely


class MemorySpill:
    """Rows held in memory, with the batches they came from (``check`` reads their attributes)."""

    def __init__(self):
        self.tables: list = []
        self.kept: list = []

    def add(self, table, batch=None) -> None:
        self.tables.append(table)
        if batch is not None:
            self.kept.append(batch)

    def batches(self, size: int) -> Iterator:
        for table in self.tables:
            for start in range(0, len(table), size):
                yield table.iloc[start:start + size]

    def close(self) -> None:
        self.tables = []  # the batches stay: check reads them after the run


class ParquetSpill:
    """Part files ``part-NNNNNN.parquet`` in ``folder`` (written here or by worker processes);
    the first ``in_memory`` rows evaluated here are held as they are instead (a batch of that size
    fits in memory, and the round trip through Parquet costs as much as evaluating it).

    With ``arrow`` (a GeoParquet output) the rows stay Arrow tables from the spill to the output
    (held rows are converted once, when added; parts are read back as Arrow, geometry as WKB):
    :meth:`batches` yields Arrow tables. Otherwise it yields GeoDataFrames."""

    def __init__(self, folder: Path, crs, in_memory: int = 0, arrow: bool = False):
        self.folder = Path(folder)
        self.crs = crs
        self.in_memory = in_memory
        self.arrow = arrow
        self.parts: list = []  # paths, or tables held in memory, in input order

    def next_path(self) -> Path:
        path = self.folder / f"part-{len(self.parts):06d}.parquet"
        self.parts.append(path)
        return path

    def add(self, table, batch=None) -> None:
        if len(table) <= self.in_memory:
            self.in_memory -= len(table)
            self.parts.append(to_arrow(table) if self.arrow else table)
        else:
            write_parquet(table, self.next_path())

    def batches(self, size: int) -> Iterator:
        import geopandas as gpd
        import pyarrow as pa
        import pyarrow.parquet as pq

        for path in self.parts:
            if not isinstance(path, Path):  # held in memory
                for start in range(0, len(path), size):
                    yield path.slice(start, size) if self.arrow else path.iloc[start:start + size]
                continue
            if not path.exists():  # a worker's chunk without rows
                continue
            for batch in pq.ParquetFile(str(path)).iter_batches(batch_size=size):
                if self.arrow:
                    yield pa.Table.from_batches([batch])
                    continue
                table = batch.to_pandas()
                geoms = shapely.from_wkb(np.asarray(table.pop("geometry").to_numpy(), dtype=object))
                yield gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=self.crs), crs=self.crs)

    def close(self) -> None:
        for path in self.parts:
            if isinstance(path, Path):
                path.unlink(missing_ok=True)
        self.parts = []


def write_parquet(frame, path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(to_arrow(frame), str(path), compression="zstd")


class ParquetWriter:
    """GeoDataFrames to one GeoParquet file, batch by batch (schema of the first batch)."""

    def __init__(self, path: Path):
        self.path = path
        self.writer = None
        self.schema = None

    def write(self, frame) -> None:
        """Write a GeoDataFrame, or an Arrow table from :func:`to_arrow` (written as it is)."""
        import pyarrow.parquet as pq

        table = frame if is_arrow(frame) else to_arrow(frame, self.schema)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(str(self.path), self.schema, compression="zstd")
        self.writer.write_table(table.cast(self.schema) if table.schema != self.schema else table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def to_arrow(frame, schema=None):
    """A frame -> Arrow table; geometry as WKB with GeoParquet metadata; object columns as text."""
    import pyarrow as pa

    cols = {}
    for c in frame.columns:
        if c == frame.geometry.name:
            continue
        cols[str(c)] = arrow_column(frame[c])
    cols["geometry"] = pa.array(shapely.to_wkb(np.asarray(frame.geometry.values, dtype=object)), type=pa.binary())
    table = pa.table(cols)
    if schema is not None:
        return table
    crs = frame.crs.to_json_dict() if frame.crs is not None else None
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": [], "crs": crs}}}
    # fields that are all-null in the first batch become text, so later batches fit the schema
    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields, metadata={b"geo": json.dumps(geo).encode()}))


def is_arrow(table) -> bool:
    return hasattr(table, "schema") and hasattr(table, "column")


def arrow_column(values):
    """A column (Series, numpy array or Categorical) as Arrow: categoricals dictionary-encoded as
    they are, text and missing values as strings (other objects as their text), numbers as they are."""
    import pyarrow as pa

    if isinstance(values, np.ndarray) and values.dtype == object:
        values = pd.Series(values, dtype=object, copy=False)
    s = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    if isinstance(s.dtype, pd.CategoricalDtype):  # dictionary-encoded as it is
        return pa.array(s.array)
    if s.dtype == object or str(s.dtype) in ("str", "string"):
        try:  # text and missing values only: Arrow converts the column at once
            return pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed values: each as text
            return pa.array([None if is_na(v) else (v if isinstance(v, str) else as_text(v))
                             for v in s.tolist()], type=pa.string())
    return pa.array(s, from_pandas=True)


def is_na(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT


def as_text(v) -> str:
    import orjson

    if isinstance(v, (dict, list)):
        return orjson.dumps(v, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    return str(v.item() if isinstance(v, np.generic) else v)

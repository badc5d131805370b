"""Batch screening: many applications in, one row per application out, every reason kept.

``screen(INPUT, OUTPUT)`` is :func:`mineplan.engine.runners.run` with the rows spilled to
GeoParquet parts beside OUTPUT (memory bounded by the chunk size), chunks evaluated on worker
processes, and OUTPUT written atomically by :class:`mineplan.writers.TableSink`. The verdicts and
findings equal ``mineplan check``'s on the same features whatever the chunk size. See
``docs/screening.md``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mineplan.engine.options import RunOptions
from mineplan.engine.pipeline import Engine
from mineplan.engine.runners import run
from mineplan.engine.spill import ParquetSpill
from mineplan.engine.summary import ScreenSummary
from mineplan.readers.stream import DEFAULT_CHUNK
from mineplan.writers import TableSink, output_folder, table_kind

__all__ = ["DEFAULT_CHUNK", "ScreenSummary", "screen"]

#: an input of at most this many rows waits for the cross rules in memory (a larger one in Parquet parts)
IN_MEMORY_ROWS = 200_000
#: spill folders are named ``.<output name>.<random>.spill-<pid>``: a folder whose process is gone
#: is a leftover of a killed run, removed by the next run in the same folder
SPILL_MARK = ".spill-"


def spill_folder(out_path: Path) -> Path:
    folder = output_folder(out_path)
    remove_stale_spills(folder)
    return Path(tempfile.mkdtemp(prefix=f".{out_path.name}.", suffix=f"{SPILL_MARK}{os.getpid()}", dir=folder))


def remove_stale_spills(folder: Path) -> None:
    """Remove the spill folders of runs whose process no longer exists (killed with -9, …)."""
    for path in folder.glob(f".*{SPILL_MARK}*"):
        pid = path.name.rsplit(SPILL_MARK, 1)[-1]
        if not pid.isdigit() or not path.is_dir():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            continue


def count_rows(path, layer=None) -> int | None:
    """The number of features, when the format says it cheaply (GeoParquet, GeoPackage, FlatGeobuf,
    Shapefile); None otherwise."""
    suffix = Path(path).suffix.lower()
    try:
        if suffix in (".parquet", ".geoparquet"):
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        if suffix in (".gpkg", ".fgb", ".shp"):
            import pyogrio

            return int(pyogrio.read_info(path, layer=layer)["features"])
    except Exception:
        return None
    return None


def screen(input_path, output_path, *, pack=None, options: RunOptions | None = None, chunk_size: int = DEFAULT_CHUNK,
           workers: int | None = 1, progress: Callable[[int], None] | None = None, **option_values) -> ScreenSummary:
    """Screen every application of ``input_path`` and write one row each to ``output_path``
    (format by suffix: .gpkg, .geojson, .parquet, .csv, .xlsx). Returns a :class:`ScreenSummary`.

    ``options`` (or the same as keywords: constraints, existing, radius, priority, fix,
    problems_only, rules, layer, crs, findings) shape the run. ``workers`` processes evaluate the
    chunks: 1 (the default) here; None means one per core (at most 2); an input of one chunk is
    always evaluated here. Workers are spawned, so a script that calls this with ``workers != 1``
    needs the usual ``if __name__ == "__main__":`` guard (the ``mineplan`` command has it).
    ``progress`` is called with the number of rows done after each chunk.
    """
    from mineplan.pack import load_pack

    t0 = time.perf_counter()
    pack = pack or load_pack()
    options = options or RunOptions(**option_values)
    out_path = Path(output_path)
    kind = table_kind(out_path)
    engine = Engine(pack, options)
    summary = ScreenSummary(input=str(input_path), output=str(output_path))
    folder = spill_folder(out_path)
    try:
        rows = count_rows(input_path, options.layer)
        # a small input waits for the cross rules in memory; a large one in Parquet parts from the start
        spill = ParquetSpill(folder, crs=pack.work_crs, in_memory=IN_MEMORY_ROWS if rows is None or
                             rows <= IN_MEMORY_ROWS else 0, arrow=kind == "parquet")  # Arrow to the output
        sink = TableSink(out_path, kind)
        run(input_path, engine, spill, sink, chunk_size=chunk_size, workers=workers, progress=progress,
            summary=summary, rows_hint=rows)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summary.seconds = time.perf_counter() - t0
    return summary

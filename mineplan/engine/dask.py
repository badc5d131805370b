"""``mineplan screen --engine dask``: the same evaluation on dask-geopandas partitions.

The input GeoParquet is opened with :func:`dask_geopandas.read_parquet` (one partition per row
group). The plan pack and the run's options are scattered to every worker once; each partition is
finished like any chunk (:class:`mineplan.readers.stream.ChunkFinisher`), evaluated with
:meth:`Engine.chunk` on a worker and written by it to a part file beside OUTPUT (so OUTPUT's
folder must be on a filesystem the workers share); only the partition's rights come back. The
client then runs :func:`mineplan.engine.runners.finish` — the cross rules once over every right,
the merge and the write — as the local runner does. The result equals the local engine's.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from mineplan.engine.options import RunOptions
from mineplan.errors import InputError

_ENGINES: dict = {}


def _partition(part, start: int, pack, options, spill: str, declared, path: str):
    """Worker side: one partition -> its part file; returns (rows, rights, notes)."""
    import numpy as np

    from mineplan.engine.pipeline import Engine
    from mineplan.engine.spill import write_parquet
    from mineplan.readers.stream import ChunkFinisher

    key = (id(pack), id(options))
    if key not in _ENGINES:  # one engine per worker process and run
        _ENGINES.clear()
        _ENGINES[key] = Engine(pack, options)
    engine = _ENGINES[key]
    notes: list[str] = []
    geom_col = part.geometry.name
    props = part.drop(columns=[geom_col]).reset_index(drop=True)
    finisher = ChunkFinisher(path, declared, options.crs, pack.county_geometry, options.fix, notes,
                             work_crs=pack.work_crs)
    chunk = engine.chunk(finisher(props, np.asarray(part.geometry.values, dtype=object), start), path=path)
    write_parquet(chunk.rows, Path(spill))
    return len(part), chunk.rights, notes


def screen_dask(input_path, output_path, *, pack=None, options: RunOptions | None = None, scheduler: str | None = None,
                client=None, n_workers: int = 2, **option_values):
    """Screen ``input_path`` (GeoParquet) to ``output_path`` on a dask cluster: ``client`` if
    given, else the scheduler at ``scheduler``, else a new LocalCluster of ``n_workers``
    processes. Returns a :class:`mineplan.engine.summary.ScreenSummary`."""
    import json

    import pyarrow.parquet as pq
    import pyproj

    from mineplan import crs as crsmod
    from mineplan.engine.pipeline import Engine, phase
    from mineplan.engine.runners import finish
    from mineplan.engine.spill import ParquetSpill
    from mineplan.engine.summary import ScreenSummary
    from mineplan.pack import load_pack
    from mineplan.screen import spill_folder
    from mineplan.writers import TableSink, table_kind

    try:
        import dask_geopandas
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine dask needs dask-geopandas and distributed: pip install 'mineplan[dask]'") from None
    t0 = time.perf_counter()
    options = options or RunOptions(**option_values)
    src, out = Path(input_path), Path(output_path)
    if src.suffix.lower() not in (".parquet", ".geoparquet") and not src.is_dir():
        raise InputError("--engine dask reads GeoParquet (a file or a folder of parts)", path=str(src))
    kind = table_kind(out)
    if options.layer is not None:
        raise InputError("--layer does not apply to GeoParquet")
    pack = pack or load_pack()
    try:
        first = next(iter(sorted(src.glob("*.parquet")))) if src.is_dir() else src
        geo = json.loads(pq.ParquetFile(first).schema_arrow.metadata[b"geo"])
        meta = geo["columns"][geo["primary_column"]]
        ddf = dask_geopandas.read_parquet(str(src), split_row_groups=True)  # a partition per row group
    except Exception as exc:
        raise InputError(f"not a readable GeoParquet file: {str(exc).splitlines()[0]}", path=str(src)) from None
    file_crs = meta.get("crs", "OGC:CRS84")
    declared = crsmod.SourceCRS(pyproj.CRS.from_user_input(file_crs)) if file_crs is not None else None
    if declared is None and options.crs is None:
        raise InputError("no CRS in the file: name it with --crs", path=str(src))
    if options.priority is not None and options.priority not in ddf.columns:
        raise InputError(f"--priority: no attribute {options.priority!r}", path=str(src))
    engine = Engine(pack, options)
    own = cluster = None
    if client is None:
        if scheduler:
            client = own = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = own = Client(cluster)
    summary = ScreenSummary(input=str(src), output=str(out))
    folder = spill_folder(out)
    try:
        lengths = ddf.map_partitions(len).compute()  # row offsets, so labels and ranks are global
        starts = [0]
        for n in lengths[:-1]:
            starts.append(starts[-1] + int(n))
        if sum(int(n) for n in lengths) == 0:
            raise InputError("no features", path=str(src))
        pack_f = client.scatter(pack, broadcast=True)
        options_f = client.scatter(options, broadcast=True)
        parts = client.compute(ddf.to_delayed())
        spill = ParquetSpill(folder, crs=pack.work_crs)
        paths = [spill.next_path() for _ in parts]
        futures = [client.submit(_partition, part, start, pack_f, options_f, str(path), declared, str(src), pure=False)
                   for part, start, path in zip(parts, starts, paths, strict=True)]
        rights = []
        t1 = time.perf_counter()
        for fut in futures:  # in partition order
            _n, r, notes = fut.result()
            rights.append(r)
            summary.notes.extend(n for n in notes if n not in summary.notes)
        phase(f"checked {sum(int(n) for n in lengths)} rows in {len(parts)} partitions on the cluster", t1)
        sink = TableSink(out, kind)
        try:
            finish(engine, rights, spill, sink, summary)
        except BaseException:
            sink.abort()
            raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if own is not None:
            own.close()
            if cluster is not None:
                cluster.close()
    summary.seconds = time.perf_counter() - t0
    return summary

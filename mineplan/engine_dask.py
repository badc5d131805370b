"""``mineplan screen --engine dask``: the same screening on dask-geopandas partitions.

The input GeoParquet is opened with :func:`dask_geopandas.read_parquet` (one partition per row
group: ``split_row_groups=True``). The plan pack (and the registry's existing rights) is scattered to every worker
once (``client.scatter(..., broadcast=True)``); each partition is screened on a worker with
:func:`mineplan.screen.screen_to_spill` (every rule except the cross rules) and written by the worker
to a part file next to OUTPUT (so OUTPUT's folder must be on a filesystem the workers share);
only the partition's exploration and mining applications come back to the client. The client then
runs the cross rules once over all of them, ranked as in the local engine, and merges the parts
into OUTPUT atomically. The result equals the local engine's (tested on a two-worker LocalCluster).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from mineplan.errors import InputError


def _screen_partition(part, start: int, pack, existing, options: dict, spill: str):
    """Worker side: one partition -> its part file; returns (rows, right rows, apps, geoms, priorities), notes."""
    import numpy as np

    from mineplan.readers.stream import ChunkFinisher
    from mineplan.screen import screen_to_spill, split_rules

    notes: list[str] = []
    geom_col = part.geometry.name
    props = part.drop(columns=[geom_col]).reset_index(drop=True)
    finisher = ChunkFinisher(options["path"], options["declared"], options["crs"], pack.county_geometry,
                              options["fix"], notes)
    chunk = finisher(props, np.asarray(part.geometry.values, dtype=object), start)
    local_rules, _cross = split_rules()
    result = screen_to_spill(chunk, Path(spill), pack=pack, rules=local_rules, constraints=options["constraints"],
                             existing=existing, radius=options["radius"], problems_only=options["problems_only"],
                             priority=options["priority"])
    return result, notes


def screen_dask(input_path, output_path, *, pack=None, scheduler: str | None = None, client=None,
                chunk_size: int | None = None, layer=None, crs=None, fix: bool = False, radius=None,
                constraints=None, existing=None, priority: str | None = None, problems_only: bool = False,
                n_workers: int = 2):
    """Screen ``input_path`` (GeoParquet) to ``output_path`` on a dask cluster: ``client`` if
    given, else the scheduler at ``scheduler``, else a new LocalCluster of ``n_workers``
    processes. Returns a :class:`mineplan.screen.ScreenSummary`."""
    import json

    import pyarrow.parquet as pq
    import pyproj

    from mineplan import crs as crsmod
    from mineplan.checker import constraint_layers
    from mineplan.pack import load_pack
    from mineplan.screen import OUTPUTS, ScreenSummary, _phase, _Rights, finish_screen, split_rules

    try:
        import dask_geopandas
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine dask needs dask-geopandas and distributed: pip install 'mineplan[dask]'") from None
    t0 = time.perf_counter()
    src, out = Path(input_path), Path(output_path)
    if src.suffix.lower() not in (".parquet", ".geoparquet") and not src.is_dir():
        raise InputError("--engine dask reads GeoParquet (a file or a folder of parts)", path=str(src))
    if OUTPUTS.get(out.suffix.lower()) is None:
        raise InputError(f"unknown output format {out.suffix!r}", path=str(out))
    if layer is not None:
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
    if declared is None and crs is None:
        raise InputError("no CRS in the file: name it with --crs", path=str(src))
    if priority is not None and priority not in ddf.columns:
        raise InputError(f"--priority: no attribute {priority!r}", path=str(src))
    options = {"path": str(src), "declared": declared, "crs": crs, "fix": fix, "radius": radius,
               "constraints": constraint_layers(pack, constraints), "problems_only": problems_only,
               "priority": priority}
    own = None
    if client is None:
        if scheduler:
            client = own = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = own = Client(cluster)
    summary = ScreenSummary(input=str(src), output=str(out))
    workdir = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent if str(out.parent) else "."))
    try:
        lengths = ddf.map_partitions(len).compute()  # row offsets, so labels and ranks are global
        starts = [0]
        for n in lengths[:-1]:
            starts.append(starts[-1] + int(n))
        pack_f = client.scatter(pack, broadcast=True)  # the plan pack: once per worker
        existing_f = client.scatter(existing, broadcast=True) if existing is not None else None
        parts = client.compute(ddf.to_delayed())
        spills = [str(workdir / f"part-{k:06d}.parquet") for k in range(len(parts))]
        futures = [client.submit(_screen_partition, part, start, pack_f, existing_f, options, spill, pure=False)
                   for part, start, spill in zip(parts, starts, spills, strict=True)]
        rights = _Rights()
        t1 = time.perf_counter()
        for fut in futures:  # in partition order
            (_n, rows, apps, geoms, prio), notes = fut.result()
            rights.add(rows, apps, geoms, prio)
            summary.notes.extend(n for n in notes if n not in summary.notes)
        if sum(int(n) for n in lengths) == 0:
            raise InputError("no features", path=str(src))
        _phase(f"checked {sum(int(n) for n in lengths)} rows in {len(parts)} partitions on the cluster, "
               f"{len(rights.apps)} rights kept for the cross rules", t1)
        _local, cross_rules = split_rules()
        t1 = time.perf_counter()
        finish_screen(pack, rights, [p for p in spills if Path(p).exists()], out, OUTPUTS[out.suffix.lower()],
                      cross_rules=cross_rules, existing=existing, constraints=options["constraints"],
                      priority=priority, problems_only=problems_only, summary=summary)
        _phase("cross rules and output written", t1)
    finally:
        for p in workdir.glob("*"):
            p.unlink(missing_ok=True)
        workdir.rmdir()
        if own is not None:
            cluster = getattr(own, "cluster", None)
            own.close()
            if cluster is not None and not scheduler:
                cluster.close()
    summary.seconds = time.perf_counter() - t0
    return summary

"""Running the one path over an input: chunks on this process or on worker processes.

:func:`run` reads the input in chunks (:func:`mineplan.readers.stream.iter_chunks`), has each
evaluated by :meth:`Engine.chunk` — here, or in spawned worker processes that each build the
engine once and write their chunk's rows to a spill file, sending back only its rights — then
runs the cross rules once over all rights and merges and writes the rows. ``check`` and
``screen`` both end up here; dask partitions run the same :meth:`Engine.chunk`
(:mod:`mineplan.engine.dask`).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from mineplan.engine.batch import Batch
from mineplan.engine.pipeline import INTERNAL, MEASURE_COLUMNS, RESULT_COLUMNS, Engine, phase
from mineplan.engine.spill import is_arrow, write_parquet
from mineplan.engine.summary import ScreenSummary
from mineplan.errors import InputError

#: default worker processes: one per core, at most this many
MAX_WORKERS = 2
#: rows merged and written at once
WRITE_BATCH = 20_000
#: rows evaluated here before worker processes start (unless the input is known to be larger): a
#: spawned worker takes ~3 s to import, load the pack and build its index, more than evaluating
#: 100k rows here costs (~0.5 s per 20k)
POOL_AFTER_ROWS = int(os.environ.get("MINEPLAN_POOL_AFTER_ROWS", 200_000))

_WORKER: dict = {}


def default_workers() -> int:
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def _worker_init(pack, options, parent: int) -> None:
    _WORKER["engine"] = Engine(pack, options)
    _WORKER["parent"] = parent
    _die_with_parent()


def _die_with_parent() -> None:
    """A worker ends when the process that started it is gone (kill -9 included): Linux's
    PR_SET_PDEATHSIG, where it exists."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != _WORKER.get("parent"):  # the parent died before prctl
            os._exit(1)
    except (OSError, AttributeError):
        pass


def _worker_chunk(frame, spill: str, path: str):
    chunk = _WORKER["engine"].chunk(frame, path=path)
    write_parquet(chunk.rows, Path(spill))
    return len(frame), chunk.rights


class ChunkRunner:
    """Evaluates chunks here (one worker, or the first :data:`POOL_AFTER_ROWS` rows) or on spawned
    processes; results come back in chunk order, at most ``workers + 1`` chunks in flight."""

    def __init__(self, engine: Engine, spill, workers: int | None, path: str, collect: bool = True,
                 pool_after: int | None = None):
        self.engine = engine
        self.collect = collect
        self.pool_after = POOL_AFTER_ROWS if pool_after is None else pool_after
        self.spill = spill
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.path = path
        self.pool: ProcessPoolExecutor | None = None
        self.used = 1
        self.pending: deque = deque()
        self.seen = 0  # rows submitted

    def _here(self, frame):
        chunk = self.engine.chunk(frame, path=self.path, collect=self.collect)
        self.spill.add(chunk.rows, chunk.batch)
        return len(frame), chunk.rights

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_worker_init,
                                        initargs=(self.engine.pack, self.engine.options, os.getpid()))
        self.used = self.workers
        atexit.register(self.close)

    def _submit(self, frame):
        return self.pool.submit(_worker_chunk, frame, str(self.spill.next_path()), self.path)

    def submit(self, frame):
        self.seen += len(frame)
        if self.workers == 1 or not hasattr(self.spill, "next_path") or (
                self.pool is None and self.seen <= self.pool_after):
            yield self._here(frame)
            return
        if self.pool is None:
            self._start()
        self.pending.append(self._submit(frame))
        while len(self.pending) > self.workers:
            yield self.pending.popleft().result()

    def finish(self):
        while self.pending:
            yield self.pending.popleft().result()

    def close(self) -> None:
        if self.pool is not None:
            for future in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def prefetched(chunks, depth: int = 1):
    """Iterate ``chunks`` with the next ``depth`` read ahead on a thread: reading and finishing a
    chunk (Arrow decoding, WKB, GEOS checks, projection) mostly runs outside the GIL, so it
    overlaps the evaluation of the chunk before, which mostly holds it. Same items, same order,
    same exceptions; the reading stops when the caller stops iterating."""
    import queue
    import threading

    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not put((chunk, None)):
                    return
            put((done, None))
        except BaseException as exc:  # handed to the caller, raised there
            put((None, exc))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None and stop.is_set():
                close()

    thread = threading.Thread(target=read, name="mineplan-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = items.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def final_columns(table):
    """id first, then the input's attributes, the results, findings or severity columns, the
    measures and the geometry; helper columns dropped."""
    arrow = is_arrow(table)
    cols = list(table.column_names if arrow else table.columns)
    results = [c for c in RESULT_COLUMNS if c in cols]
    detail = [c for c in cols if c == "findings" or c.startswith("sev_")]
    measures = [c for c in MEASURE_COLUMNS if c in cols]
    geometry = "geometry" if arrow else table.geometry.name
    skip = {"id", *results, *detail, *measures, *INTERNAL, geometry}
    attrs = [c for c in cols if c not in skip]
    order = ["id", *attrs, *results, *detail, *measures, geometry]
    return table.select(order) if arrow else table[order]


def run(source, engine: Engine, spill, sink, *, chunk_size: int, workers: int | None = 1,
        progress: Callable[[int], None] | None = None, collect: bool = True,
        summary: ScreenSummary | None = None, path: str | None = None, rows_hint: int | None = None
        ) -> ScreenSummary:
    """Evaluate ``source`` (a path read in chunks, or readers' frames), run the cross rules once
    over its rights, merge and write to ``sink``. Without ``collect`` the first refused feature
    raises (``check``); with it, it becomes an error row (``screen``)."""
    from mineplan.readers.stream import iter_chunks

    t0 = time.perf_counter()
    if isinstance(source, (str, Path)):
        path = str(source)
    summary = summary or ScreenSummary(input=str(path), output=str(getattr(sink, "path", "")))
    if isinstance(source, (str, Path)):
        chunks = prefetched(iter_chunks(source, pack=engine.pack, chunk_size=chunk_size, layer=engine.options.layer,
                                        crs=engine.options.crs, fix=engine.options.fix, notes=summary.notes,
                                        angle_format=engine.options.angle_format, encoding=engine.options.encoding))
    else:
        chunks = source
    options = engine.options
    if chunk_size < 1:
        raise InputError(f"chunk size must be at least 1, got {chunk_size}")
    large = rows_hint is not None and rows_hint > POOL_AFTER_ROWS  # worker processes from the first chunk
    runner = ChunkRunner(engine, spill, workers if collect else 1, path, collect, pool_after=0 if large else None)
    rights: list[Batch] = []
    done = chunks_seen = 0
    try:
        def gather(results):
            nonlocal done
            for n, r in results:
                rights.append(r)
                done += n
                if progress is not None:
                    progress(done)

        for chunk in chunks:
            chunks_seen += 1
            if options.priority is not None and options.priority not in chunk.columns:
                raise InputError(f"--priority: no attribute {options.priority!r} (attributes: "
                                 + ", ".join(c for c in chunk.columns if not str(c).startswith("_") and c != "geometry")
                                 + ")", path=path)
            gather(runner.submit(chunk))
        gather(runner.finish())
        runner.close()  # the workers' memory is free before the cross rules start
        if done == 0:
            raise InputError("no features", path=path)
        where = f"{runner.used} worker processes" if runner.used > 1 else "this process"
        phase(f"checked {done} rows in {chunks_seen} chunks in {where}, {sum(r.n for r in rights)} rights kept for "
              "the cross rules", t0)
        finish(engine, rights, spill, sink, summary)
    except BaseException:
        abort = getattr(sink, "abort", None)
        if abort is not None:
            abort()
        raise
    finally:
        runner.close()
        spill.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def finish(engine: Engine, rights: list[Batch], spill, sink, summary: ScreenSummary) -> None:
    """The cross rules once over every right of the input, then the spilled rows merged with
    their cross results and written (the local and dask runners both end here)."""
    t1 = time.perf_counter()
    cross = engine.cross(_all_rights(rights))  # the chunks' batches are freed before the cross rules run
    phase("cross rules evaluated", t1)
    t1 = time.perf_counter()
    for table in spill.batches(WRITE_BATCH):
        table = cross.merge(table, engine.options.findings)
        summary.count(table)
        sink.write(final_columns(table))
    sink.close()
    phase("rows merged and written", t1)


def _all_rights(rights: list[Batch]) -> Batch:
    """The chunks' rights as one batch; the list is emptied (only the batch holds them)."""
    batch = Batch.concat(rights)
    rights.clear()
    return batch

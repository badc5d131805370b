"""Check chunks on several cores: ``mineplan screen``'s per-chunk work in worker processes.

The rules run in Python, so threads would share one core; :class:`ChunkRunner` hands chunks to a
pool of ``spawn``ed processes (no ``fork``: the parent may hold Arrow and GEOS threads) that each
load the plan pack once (it is sent with the pool's initializer, not with every chunk). A worker
checks a chunk with :func:`mineplan.screen.screen_to_spill`, writes its rows to that chunk's spill
file and returns only the chunk's rights. Results come back in chunk order, and at most
``workers + 1`` chunks are in flight, so memory stays bounded by the chunk size.

With one worker, or an input of one chunk, everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

#: default worker processes: one per core, at most this many
MAX_WORKERS = 2

_STATE: dict = {}


def default_workers() -> int:
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def _init(options: dict) -> None:
    from mineplan.rules import BY_CODE

    options = dict(options)
    options["rules"] = [BY_CODE[code] for code in options["rules"]]
    _STATE.clear()
    _STATE.update(options)


def _run(chunk, spill: str):
    from mineplan.screen import screen_to_spill

    return screen_to_spill(chunk, Path(spill), **_STATE)


class ChunkRunner:
    """``submit(chunk, spill)`` and ``finish()`` yield finished chunks' results, in chunk order."""

    def __init__(self, workers: int | None, **options):
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.options = options
        self.pool: ProcessPoolExecutor | None = None
        self.used = 1  # processes that checked chunks: the workers once the pool has started
        self.pending: deque = deque()  # futures of submitted chunks, oldest first
        self.held = None  # the first chunk, held until a second one shows the input needs the pool

    def _local(self, chunk, spill):
        from mineplan.screen import screen_to_spill

        return screen_to_spill(chunk, Path(spill), **self.options)

    def _start(self) -> None:
        opts = dict(self.options, rules=[rule.code for rule in self.options["rules"]])
        self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_init, initargs=(opts,))
        self.used = self.workers

    def submit(self, chunk, spill) -> Iterator[tuple]:
        if self.workers == 1:
            yield self._local(chunk, spill)
            return
        if self.pool is None and self.held is None:
            self.held = (chunk, spill)  # one chunk may be the whole input: wait for a second
            return
        if self.pool is None:
            self._start()
            self.pending.append(self.pool.submit(_run, self.held[0], str(self.held[1])))
            self.held = None
        self.pending.append(self.pool.submit(_run, chunk, str(spill)))
        while len(self.pending) > self.workers:
            yield self.pending.popleft().result()

    def finish(self) -> Iterator[tuple]:
        if self.held is not None:
            chunk, spill = self.held
            self.held = None
            yield self._local(chunk, spill)
        while self.pending:
            yield self.pending.popleft().result()

    def close(self) -> None:
        if self.pool is not None:
            for future in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

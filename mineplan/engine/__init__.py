"""The engine: one path from applications to verdicts for every command.

    read ──► normalise ──► relate ──► evaluate ──► cross ──► decide ──► serialise ──► write

* :mod:`~mineplan.engine.batch` — a chunk of applications as columns (normalised attributes,
  geometry in the pack's work CRS, an error per refused row);
* :mod:`~mineplan.engine.relations` — spatial relations with the plan's layers, computed once per
  batch and read by every rule that asks;
* :mod:`~mineplan.engine.result` — what a rule returns: an outcome per row and arrays of facts;
* :mod:`~mineplan.engine.evaluate` — runs the rules on a batch and decides the verdicts;
* :mod:`~mineplan.engine.serialise` — finding objects, built only when an output asks for them;
* :mod:`~mineplan.engine.pipeline` — the one path (``check`` is a ``screen`` of one file);
* :mod:`~mineplan.engine.spill`, :mod:`~mineplan.engine.runners`, :mod:`~mineplan.engine.summary`
  — chunked runs, worker processes and dask, and what a run reports.
"""

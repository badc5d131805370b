"""The one path: read → normalise → evaluate → cross → decide → serialise → write.

:class:`Engine` holds what a run needs once (the pack's index, mineral catalogue, rules, clauses).
:func:`run` drives an input through it: chunks are normalised and evaluated with every rule
that is not a cross rule (:meth:`Engine.chunk`), their rows serialised into a spill; the cross
rules then run once over the rights of the whole input (:meth:`Engine.cross`), and the spilled
rows are merged with their cross results and written to a sink (:mod:`mineplan.writers`).
``mineplan check`` is :func:`run` of one file with an in-memory spill and sink; ``mineplan
screen`` the same with Parquet spills, worker processes or dask (:mod:`mineplan.engine.runners`).
"""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from mineplan.applications import Normaliser
from mineplan.engine.batch import Batch, normalise
from mineplan.engine.context import RuleContext
from mineplan.engine.evaluate import Evaluation, evaluate, verdicts
from mineplan.engine.options import RunOptions
from mineplan.engine.relations import Relations
from mineplan.engine.serialise import findings_json, fired_text, messages
from mineplan.findings import SEVERITIES
from mineplan.index import index_for
from mineplan.minerals import MineralCatalog
from mineplan.pack import PlanPack

log = logging.getLogger("mineplan.screen")

RIGHTS = ("exploration", "mining")
#: statuses of existing rights that count (registry.COUNTING)
COUNTING = ("granted", "pending")
#: roles whose overlap share is reported as a measure column (share of the application inside)
SHARE_ROLES = ("county", "key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block")
RESULT_COLUMNS = ("verdict", "worst_rule", "worst_severity", "reason_zh", "reason_en", "fired", "error")
MEASURE_COLUMNS = tuple(f"share_{r}" for r in SHARE_ROLES)
#: helper columns of the serialised rows (dropped before writing)
INTERNAL = ("_row", "_rank", "_right_type", "_label", "_error", "_repaired")


def phase(what: str, t0: float) -> None:
    """Log a phase's end with its time and this process's peak RSS (``mineplan --verbose``)."""
    if log.isEnabledFor(logging.INFO):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        log.info("%s: %.1f s, peak RSS of this process %.2f GiB", what, time.perf_counter() - t0, peak)


@dataclass
class Chunk:
    rows: pd.DataFrame  # serialised rows (GeoDataFrame)
    rights: Batch  # its usable exploration and mining rights
    batch: Batch


class Engine:
    """A pack's rules, ready to evaluate batches under one run's options."""

    def __init__(self, pack: PlanPack, options: RunOptions | None = None):
        self.pack = pack
        self.options = options or RunOptions()
        self.index = index_for(pack)
        self.catalog = MineralCatalog(pack.config)
        self.normaliser = Normaliser(self.catalog, pack.rules)
        wanted = self.options.rules
        rules = [r for r in pack.rule_set.rules if wanted is None or r.code in wanted]
        self.local_rules = [r for r in rules if not r.cross]
        self.cross_rules = [r for r in rules if r.cross]
        self.clauses = {code: entry.get("clause", "") for code, entry in pack.config.get("catalogue", {}).items()}

    # -- the steps ---------------------------------------------------------------------------------
    def normalise(self, frame, *, path: str | None = None, collect: bool = True) -> Batch:
        extra = (self.options.priority,) if self.options.priority else ()
        return normalise(frame, self.normaliser, overrides=self.options.overrides, radius=self.options.radius,
                         path=path, collect=collect, extra=extra)

    def context(self, batch: Batch, planning: bool = True) -> RuleContext:
        """What the rules see of ``batch``; ``planning``: measure every planning layer at once."""
        relations = Relations(self.index, batch.geoms, batch.usable, planning)
        return RuleContext(self.pack, self.index, self.catalog, batch, relations, self.options)

    def chunk(self, frame, *, path: str | None = None, collect: bool = True) -> Chunk:
        """One chunk: its serialised rows (local rules only), its usable rights (for the cross
        rules) and its batch."""
        batch = self.normalise(frame, path=path, collect=collect)
        ctx = self.context(batch)
        ev = evaluate(ctx, self.local_rules)
        rows = self.serialise(frame, ev, ctx)
        return Chunk(rows, rights_of(batch), batch)

    def cross(self, rights: Batch) -> CrossResults:
        """The cross rules once over every right of the input: the existing rights (registry) first,
        then the applications ranked (``--priority``, else input order)."""
        order = rank(rights.extra.get(self.options.priority) if self.options.priority else None, rights.n)
        ranked = rights.take(order)
        del rights  # the caller's batch in input order is no longer needed here (finish holds none)
        ranked.extra = {"existing": np.zeros(ranked.n, dtype=bool), "granted": np.zeros(ranked.n, dtype=bool)}
        existing = self.existing_rights(set(ranked.ids.tolist()))
        combined = Batch.concat([existing, ranked]) if existing is not None else ranked
        ev = evaluate(self.context(combined, planning=False), self.cross_rules)
        if existing is not None:
            apps = np.arange(existing.n, combined.n)
            ev = Evaluation(ranked, [r.take(apps) for r in ev.results])
        return CrossResults(ev, self.clauses, self.options.problems_only)

    def existing_rights(self, application_ids: set[str]) -> Batch | None:
        """The rights already granted or pending that count (``options.existing``, e.g. from the
        registry) as a batch, minus those that are applications of this input (a pending
        application already registered counts once, as the application)."""
        frame = self.options.existing
        if frame is None or not len(frame):
            return None
        if "status" in frame.columns:
            frame = frame[frame["status"].isin(COUNTING) | frame["status"].isna()]
        frame = frame[~frame["id"].astype(str).isin(application_ids)]
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        if frame.crs is not None and frame.crs != self.pack.work_crs:
            frame = frame.to_crs(self.pack.work_crs)
        frame = frame.reset_index(drop=True).assign(_label=lambda f: f["id"].astype(str))
        if not len(frame):
            return None
        batch = normalise(frame, self.normaliser, collect=True, extra=("status",))
        batch = batch.take(np.flatnonzero(batch.right_type_is(RIGHTS)))
        batch.rows = -1 - np.arange(batch.n, dtype=np.int64)  # never an input row
        status = batch.extra.get("status", np.full(batch.n, None, dtype=object))
        # a pending right in the registry is an earlier application; a right without a status is granted
        batch.extra = {"existing": np.ones(batch.n, dtype=bool), "granted": status != "pending"}
        return batch if batch.n else None

    # -- serialising a chunk's rows -----------------------------------------------------------------
    def serialise(self, frame, ev: Evaluation, ctx: RuleContext) -> pd.DataFrame:
        import geopandas as gpd

        batch = ev.batch
        n = batch.n
        rank_, worst = ev.worst()
        every = np.arange(n)
        out = {"_row": batch.rows, "id": batch.ids}
        for c in frame.columns:
            if c != frame.geometry.name and c not in INTERNAL and c != "id":
                out[c] = frame[c]  # as read (Arrow-backed text stays Arrow)
        out["_rank"] = rank_
        out["_right_type"] = batch["right_type"]
        out["verdict"] = verdicts(rank_, batch.errors)
        codes = np.array([r.rule.code for r in ev.results] + [None], dtype=object)
        counts = rank_ > 1
        out["worst_rule"] = np.where(counts, codes[worst], None)
        out["worst_severity"] = np.where(counts, np.array(SEVERITIES, dtype=object)[np.maximum(rank_, 0)], None)
        reason_zh, reason_en = reasons(ev.results, worst, counts)
        out["reason_zh"], out["reason_en"] = reason_zh, reason_en
        out["fired"] = fired_text(ev.results, every)
        out["error"] = batch.errors
        if self.options.findings == "json":
            out["findings"] = np.array(findings_json(ev.results, every, self.clauses, self.options.problems_only),
                                       dtype=object)
        else:
            for r in ev.results:
                out[f"sev_{r.rule.code}"] = severity_names(r.severity, self.options.problems_only)
        usable = batch.usable
        for role in SHARE_ROLES:
            out[f"share_{role}"] = np.where(usable, np.round(ctx.rel.share_inside(role), 4), np.nan)
        given = np.asarray(frame.geometry.values, dtype=object)
        geoms = np.where(usable | shapely.is_missing(given), batch.geoms, given)  # refused rows keep theirs
        index = frame.index
        columns = {k: pd.Series(v, index=index, dtype=object, copy=False) if isinstance(v, np.ndarray) and
                   v.dtype == object else v for k, v in out.items()}  # our text stays objects until written
        return gpd.GeoDataFrame(pd.DataFrame(columns, index=index), geometry=gpd.GeoSeries(geoms, index=index,
                                                                                           crs=frame.crs))


def rights_of(batch: Batch) -> Batch:
    """The usable exploration and mining rights of a batch (what the cross rules read, kept until
    they run: at 1M applications, 600 000 rights). A label equal to the id is the id's string
    object, not a second copy of it."""
    rights = batch.take(np.flatnonzero(batch.right_type_is(RIGHTS)))
    if rights.n:
        rights.labels = np.array([i if type(la) is str and type(i) is str and la == i else la
                                  for la, i in zip(rights.labels.tolist(), rights.ids.tolist(), strict=True)],
                                 dtype=object)
    return rights


def reasons(results, worst: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the deciding finding's messages — rule ``worst`` (a position in ``results``) —
    where ``counts`` (something counts against the row)."""
    zh = np.full(len(worst), None, dtype=object)
    en = np.full(len(worst), None, dtype=object)
    for k, result in enumerate(results):
        rows = np.flatnonzero(counts & (worst == k))
        if len(rows):
            zh[rows], en[rows] = messages(result, rows)
    return zh, en


def severity_names(sev: np.ndarray, problems_only: bool) -> pd.Categorical:
    """Severity ranks (-1: the rule does not apply) as a categorical of severity names: written as
    a dictionary-encoded column, a byte per row."""
    codes = np.asarray(sev, dtype=np.int8).copy()
    if problems_only:
        codes[codes == 0] = -1
    return pd.Categorical.from_codes(codes, categories=list(SEVERITIES))


def rank(priority_values, n: int) -> np.ndarray:
    """Positions 0..n-1 sorted by priority (ascending, missing last), ties in input order."""
    if priority_values is None:
        return np.arange(n)
    s = pd.Series(priority_values)
    return np.asarray(s.sort_values(kind="stable", na_position="last").index, dtype=np.int64)


@dataclass
class CrossResults:
    """The cross rules' answers over the input's ranked rights, merged into rows by input row."""

    evaluation: Evaluation
    clauses: dict
    problems_only: bool

    def __post_init__(self):
        rows = self.evaluation.batch.rows
        self._order = np.argsort(rows, kind="stable")
        self._sorted_rows = rows[self._order]

    def positions(self, rows: np.ndarray) -> np.ndarray:
        """Position in the ranked rights of each input row (-1: not a right)."""
        if not len(self._sorted_rows):
            return np.full(len(rows), -1, dtype=np.int64)
        p = np.minimum(np.searchsorted(self._sorted_rows, rows), len(self._sorted_rows) - 1)
        return np.where(self._sorted_rows[p] == rows, self._order[p], -1)

    def merge(self, table, findings_mode: str):
        """Add the cross findings to a batch of serialised rows (a DataFrame, or an Arrow table
        from a spill): verdict, worst rule, reasons, fired and the findings (or severity columns)
        updated; the other columns are left as they are."""
        results = self.evaluation.results
        if not results:
            return table
        pos = self.positions(column_values(table, "_row").astype(np.int64))
        has = pos >= 0
        n = len(pos)
        idx = np.flatnonzero(has)
        p = pos[idx]
        sub = [r.take(p) for r in results] if len(p) else []
        updates: dict = {}
        if findings_mode == "columns":
            for r in results:
                sev = np.full(n, -1, dtype=np.int8)
                if len(p):
                    sev[idx] = r.severity[p]
                updates[f"sev_{r.rule.code}"] = severity_names(sev, self.problems_only)
        if not len(p):
            return with_columns(table, updates)
        cross_eval = Evaluation(self.evaluation.batch.take(p), sub)
        c_rank, c_worst = cross_eval.worst()
        rank_ = column_values(table, "_rank").copy()
        local = rank_[idx]
        heavier = c_rank > local
        rank_[idx] = np.maximum(local, c_rank)
        verdict = column_values(table, "verdict").astype(object)
        verdict[idx] = np.where(verdict[idx] == "error", "error", verdicts(rank_[idx], np.full(len(idx), None)))
        updates["verdict"] = verdict
        updates["_rank"] = rank_
        upd = heavier & (c_rank > 1)
        if upd.any():
            codes = np.array([r.rule.code for r in results], dtype=object)
            zh, en = reasons(sub, c_worst, upd)
            for name, values in (("worst_rule", codes[c_worst[upd]]),
                                 ("worst_severity", np.array(SEVERITIES, dtype=object)[c_rank[upd]]),
                                 ("reason_zh", zh[upd]), ("reason_en", en[upd])):
                col = column_values(table, name).astype(object)
                col[idx[upd]] = values
                updates[name] = col
        fired = column_values(table, "fired").astype(object)
        more = fired_text(sub, np.arange(len(p)))
        fired[idx] = [";".join(x for x in (a, b) if x) for a, b in zip(fired[idx], more, strict=True)]
        updates["fired"] = fired
        if findings_mode == "json":
            text = findings_json(sub, np.arange(len(p)), self.clauses, self.problems_only)
            col = column_values(table, "findings").astype(object)
            col[idx] = [_join_json(a, b) for a, b in zip(col[idx], text, strict=True)]
            updates["findings"] = col
        return with_columns(table, updates)


def column_values(table, name: str) -> np.ndarray:
    """A column of serialised rows (a DataFrame or an Arrow table) as a numpy array (a copy)."""
    if isinstance(table, pd.DataFrame):
        values = table[name]
        if pd.api.types.is_numeric_dtype(values.dtype):
            return values.to_numpy().copy()
        return values.to_numpy(dtype=object).copy()
    return np.array(table.column(name).to_numpy(zero_copy_only=False))


def with_columns(table, updates: dict):
    """``table`` with ``updates`` (name -> values) replacing or adding columns: a copy of a
    DataFrame; an Arrow table's other columns are shared, the new ones converted as
    :func:`mineplan.engine.spill.to_arrow` converts them."""
    if isinstance(table, pd.DataFrame):
        table = table.copy()
        for name, values in updates.items():
            table[name] = values
        return table
    from mineplan.engine.spill import arrow_column

    for name, values in updates.items():
        column = arrow_column(values)
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, column) if i >= 0 else table.append_column(name, column)
    return table


def _join_json(a: str, b: str) -> str:
    """Two JSON arrays as text, joined into one."""
    if a == "[]" or a is None:
        return b
    if b == "[]":
        return a
    return a[:-1] + "," + b[1:]

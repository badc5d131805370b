"""Batch screening: many applications in, one row per application out, every reason kept.

``screen(INPUT, OUTPUT)`` streams the input in chunks (GeoParquet through pyarrow, GeoPackage and
FlatGeobuf through pyogrio's Arrow reader; any other format through
:func:`mineplan.readers.read_applications` and then sliced), runs
:func:`mineplan.checker.check_frame` on each chunk with every rule that is not a cross rule (in
worker processes, :mod:`mineplan.chunk_pool`), spills each chunk's rows to a temporary GeoParquet
file, then runs the cross rules (``cross = True``, :mod:`mineplan.rules.cross`) once over every
exploration and mining application of the whole batch, streaming their findings into the rows as
OUTPUT is written atomically (a temporary file in OUTPUT's folder, then :func:`os.replace`). The
verdicts equal ``mineplan check`` on the same features whatever the chunk size. See
``docs/screening.md``.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import shapely

from mineplan import WORK_CRS
from mineplan.errors import InputError
from mineplan.findings import SEVERITIES, VERDICT_OF, worst_verdict
from mineplan.readers.stream import DEFAULT_CHUNK, iter_chunks

#: output suffix -> writer kind
OUTPUTS = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson", ".parquet": "parquet",
           ".geoparquet": "parquet", ".csv": "csv", ".xlsx": "xlsx"}
RIGHTS = ("exploration", "mining")
#: roles whose overlap share is a key measure (share of the application inside the role's features)
SHARE_ROLES = ("county", "key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block")
RESULT_COLUMNS = ("verdict", "worst_rule", "worst_severity", "fired", "error", "findings")
MEASURE_COLUMNS = (*(f"share_{r}" for r in SHARE_ROLES), "nearest_3z2l", "nearest_3z2l_name", "nearest_3z2l_m")
#: rows merged and written at once (findings JSON can be kilobytes per row)
WRITE_BATCH = 20_000
log = logging.getLogger("mineplan.screen")


def _phase(what: str, t0: float) -> None:
    """Log a phase's end: seconds since ``t0`` and this process's peak RSS (``mineplan --verbose``)."""
    if log.isEnabledFor(logging.INFO):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        log.info("%s: %.1f s, peak RSS of this process %.2f GiB", what, time.perf_counter() - t0, peak)


_SEV = {s: n for n, s in enumerate(SEVERITIES)}


@dataclass
class ScreenSummary:
    """What a screen did: counts per verdict, per rule (fired findings by severity), per right type."""

    input: str
    output: str
    rows: int = 0
    verdicts: Counter = field(default_factory=Counter)
    rules: dict = field(default_factory=dict)  # code -> Counter(severity -> rows)
    right_types: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # reason -> rows
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error_count(self) -> int:
        return int(self.verdicts.get("error", 0))

    def as_dict(self) -> dict:
        return {"input": self.input, "output": self.output, "rows": self.rows, "verdicts": dict(self.verdicts),
                "rules": {k: dict(v) for k, v in sorted(self.rules.items())}, "right_types": dict(self.right_types),
                "errors": self.error_count, "seconds": round(self.seconds, 3), "notes": self.notes}


# ---------------------------------------------------------------------------------------------
# Screening
# ---------------------------------------------------------------------------------------------
def split_rules(rules=None) -> tuple[list, list]:
    """(per-chunk rules, cross rules) of the catalogue (or of ``rules``), catalogue order kept."""
    from mineplan.rules import CATALOGUE

    rules = list(CATALOGUE if rules is None else rules)
    return [r for r in rules if not getattr(r, "cross", False)], [r for r in rules if getattr(r, "cross", False)]


def _finding_dict(f) -> dict:
    return {"rule": f.rule, "severity": f.severity, "message_zh": f.message_zh, "message_en": f.message_en,
            "facts": f.facts}


def _json(value) -> str:
    """Compact UTF-8 JSON text (orjson: a row's findings are JSON, millions of rows; NaN -> null)."""
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _verdict_worst(findings: list[dict], error) -> tuple[str, str | None, str | None]:
    if error is not None:
        return "error", None, None
    verdict = worst_verdict(VERDICT_OF[f["severity"]] for f in findings)
    if not findings:
        return verdict, None, None
    worst = max(findings, key=lambda f: _SEV[f["severity"]])
    if worst["severity"] in ("pass", "info"):
        return verdict, None, None  # nothing against it
    return verdict, worst["rule"], worst["severity"]


def _measures(ctx, n: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    usable = np.array([a is not None and g is not None for a, g in zip(ctx.apps, ctx.geoms, strict=True)], dtype=bool)
    for role in SHARE_ROLES:
        share = ctx.share_inside(role).astype(float)
        share[~usable] = np.nan
        out[f"share_{role}"] = np.round(share, 4)
    dist = np.full(n, np.inf)
    feat = np.full(n, -1)
    for role in ("three_zones", "two_lines"):
        table = ctx.nearest(role)
        if len(table):
            apps = table.index.to_numpy(dtype=int)
            d = table["distance"].to_numpy(dtype=float)
            closer = d < dist[apps]
            dist[apps[closer]] = d[closer]
            feat[apps[closer]] = table["feature"].to_numpy(dtype=int)[closer]
    has = (feat >= 0) & usable
    codes = ctx.index.features["code"].astype(object).to_numpy()
    names = ctx.index.features["name_zh"].astype(object).to_numpy()
    out["nearest_3z2l"] = np.where(has, codes[np.maximum(feat, 0)], None)
    out["nearest_3z2l_name"] = np.where(has, names[np.maximum(feat, 0)], None)
    out["nearest_3z2l_m"] = np.where(has, np.round(dist, 1), np.nan)
    return out


def screen_chunk(chunk, *, pack, rules, constraints=None, existing=None, radius=None, problems_only=False):
    """Check one chunk with the (non-cross) ``rules``. Returns (result frame, rights) where the
    result frame holds the chunk's attributes, geometry, result columns and key measures, and
    ``rights`` is (positions, apps, geoms) of its usable exploration and mining applications."""
    from mineplan.checker import check_frame

    if radius is not None:
        if radius <= 0:
            raise InputError(f"--radius must be positive, got {radius:g}")
        geoms = np.asarray(chunk.geometry.values, dtype=object)
        points = ~shapely.is_missing(geoms) & np.isin(shapely.get_type_id(geoms), (0, 4))
        if points.any():
            geoms = geoms.copy()
            geoms[points] = shapely.buffer(geoms[points], radius, quad_segs=32)
            chunk = chunk.set_geometry(pd.Series(geoms, index=chunk.index).pipe(
                lambda s: __import__("geopandas").GeoSeries(s, crs=WORK_CRS)))
    contexts: list = []
    results = check_frame(chunk, pack=pack, collect=True, rules=rules, constraints=constraints, existing=existing,
                          contexts=contexts)
    ctx = contexts[0]
    n = len(results)
    verdict, worst_rule, worst_sev, errors, findings, fired = [], [], [], [], [], []
    right_pos, right_apps = [], []
    for k, r in enumerate(results):
        dicts = [_finding_dict(f) for f in r.findings if not (problems_only and f.severity == "pass")]
        v, w, ws = _verdict_worst(dicts, r.error)
        verdict.append(v)
        worst_rule.append(w)
        worst_sev.append(ws)
        errors.append(r.error)
        findings.append(_json(dicts))
        fired.append(_fired(dicts))
        if r.error is None and r.attributes.get("right_type") in RIGHTS:
            right_pos.append(k)
            right_apps.append(ctx.apps[k])  # the normalised Application (index = its row in the chunk)
    out = chunk.drop(columns=[c for c in ("_error", "_repaired") if c in chunk.columns])
    out["_row"] = chunk.index.to_numpy()
    out["id"] = [r.id for r in results]
    out["_right_type"] = [r.attributes.get("right_type") for r in results]
    for col, values in (("verdict", verdict), ("worst_rule", worst_rule), ("worst_severity", worst_sev),
                        ("fired", fired), ("error", errors), ("findings", findings)):
        out[col] = pd.Series(values, index=out.index, dtype=object)
    for col, values in _measures(ctx, n).items():
        out[col] = values
    pos = np.array(right_pos, dtype=int)
    return out, (pos, right_apps, ctx.geoms[pos] if len(pos) else np.array([], dtype=object))


def cross_findings(pack, apps, geoms, *, rules, existing=None, constraints=None) -> Iterator[tuple[int, list]]:
    """Run the cross ``rules`` once over the batch's rights (``apps`` in rank order) and yield
    (position, findings) in ascending position, the findings in catalogue order. Each rule yields
    in ascending position, so the rules are merged as they run: no rule's findings for the whole
    batch are held at once."""
    import heapq
    import itertools

    from mineplan.checker import catalog_for
    from mineplan.context import CheckContext
    from mineplan.index import index_for

    if not rules or not apps:
        return
    ctx = CheckContext(pack, index_for(pack), catalog_for(pack), list(apps), np.asarray(geoms, dtype=object),
                       constraints=constraints, existing=existing)
    streams = [_in_order(rule.code, rule.evaluate(ctx)) for rule in rules]  # catalogue order: ties keep it
    for i, group in itertools.groupby(heapq.merge(*streams, key=lambda item: item[0]), key=lambda item: item[0]):
        yield int(i), [finding for _i, finding in group]


def _in_order(code: str, findings):
    last = -1
    for i, finding in findings:
        if i < last:
            raise RuntimeError(f"cross rule {code} yielded application {i} after {last}: cross rules yield in order")
        last = i
        yield i, finding


def _compact(findings: list, problems_only: bool) -> tuple[str, int, str | None, str]:
    """Cross findings of one application as they are merged into its row: (findings as JSON,
    heaviest severity shown (-1 for none), the first rule with it, fired)."""
    from mineplan.rules import ORDER

    dicts = [_finding_dict(f) for f in sorted(findings, key=lambda f: ORDER[f.rule])]
    shown = [d for d in dicts if not (problems_only and d["severity"] == "pass")]
    heaviest = max((_SEV[d["severity"]] for d in shown), default=-1)
    worst = next((d["rule"] for d in shown if _SEV[d["severity"]] == heaviest), None)
    return _json(shown), heaviest, worst, _fired(dicts)


class _Rights:
    """The batch's usable exploration and mining applications, gathered chunk by chunk for the
    cross rules: input row, Application, geometry (EPSG:4549) and --priority value."""

    def __init__(self):
        self.rows: list[int] = []
        self.apps: list = []
        self.geoms: list = []
        self.prio: list = []

    def add(self, rows, apps, geoms, prio) -> None:
        self.rows.extend(rows)
        self.apps.extend(apps)
        self.geoms.extend(geoms)
        if prio is not None:
            self.prio.extend(prio)


#: with --priority, cross results are spilled in parts of this many input rows, read back part by part
CROSS_PART_ROWS = 100_000
_CROSS_SCHEMA = (("row", "int64"), ("findings", "string"), ("heaviest", "int8"), ("worst", "string"),
                 ("fired", "string"))


class _CrossByRow:
    """Cross results per input row for the merge. Without --priority the rights are ranked in
    input order, so results arrive in row order and are consumed as the output is written (held:
    one batch). With --priority they arrive in rank order: they are spilled to Parquet files in
    ``spill_dir``, one per :data:`CROSS_PART_ROWS` input rows, and read back one part at a time."""

    def __init__(self, results: Iterator[tuple[int, tuple]], in_row_order: bool, spill_dir: Path):
        self.in_row_order = in_row_order
        t0 = time.perf_counter()
        if in_row_order:
            self.results = results
            self.head = next(results, None)
        else:
            self.parts = self._spill(results, Path(spill_dir))
            self.loaded_part, self.loaded = None, {}
        _phase("cross rules ready (K302's overlap join done)", t0)

    @staticmethod
    def _spill(results, spill_dir: Path) -> dict[int, Path]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in _CROSS_SCHEMA])
        paths: dict[int, Path] = {}
        writers: dict[int, object] = {}
        buffers: dict[int, list] = {}

        def flush(part: int) -> None:
            columns = list(zip(*buffers.pop(part), strict=True))
            if part not in writers:
                paths[part] = spill_dir / f"cross-{part:06d}.parquet"
                writers[part] = pq.ParquetWriter(str(paths[part]), schema)
            writers[part].write_table(pa.table(dict(zip(schema.names, columns, strict=True)), schema=schema))

        try:
            for row, (text, heaviest, worst, fired) in results:
                part = row // CROSS_PART_ROWS
                buffers.setdefault(part, []).append((row, text, heaviest, worst, fired))
                if len(buffers[part]) >= 5_000:
                    flush(part)
            for part in list(buffers):
                flush(part)
        finally:
            for writer in writers.values():
                writer.close()
        return paths

    def _load(self, part: int) -> dict[int, tuple]:
        import pyarrow.parquet as pq

        if part not in self.parts:
            return {}
        table = pq.read_table(str(self.parts[part])).to_pydict()
        return dict(zip(table["row"], zip(table["findings"], table["heaviest"], table["worst"], table["fired"],
                                          strict=True), strict=True))

    def take(self, rows: np.ndarray) -> dict[int, tuple]:
        """The results of ``rows`` (one output batch; batches come in row order)."""
        if not len(rows):
            return {}
        if not self.in_row_order:
            out = {}
            parts = rows // CROSS_PART_ROWS
            for part in np.unique(parts).tolist():  # ascending: a part once left is not needed again
                if part != self.loaded_part:
                    self.loaded_part, self.loaded = part, self._load(part)
                for r in rows[parts == part].tolist():
                    if r in self.loaded:
                        out[r] = self.loaded.pop(r)
            return out
        out = {}
        last = int(rows.max())
        while self.head is not None and self.head[0] <= last:
            out[self.head[0]] = self.head[1]
            self.head = next(self.results, None)
        return out


def finish_screen(pack, rights: _Rights, spills: list, out_path: Path, kind: str, *, cross_rules, existing,
                  constraints, priority: str | None, problems_only: bool, summary: ScreenSummary) -> None:
    """Rank the rights, run the cross rules over them and write the spilled rows with the cross
    findings merged to ``out_path`` (both engines end here)."""
    order = _rank(rights.prio if priority is not None else None, len(rights.apps))
    rows = np.asarray(rights.rows, dtype=np.int64)[order] if len(order) else np.zeros(0, dtype=np.int64)
    stream = cross_findings(pack, [rights.apps[k] for k in order], [rights.geoms[k] for k in order],
                            rules=cross_rules, existing=existing, constraints=constraints)
    rights.apps, rights.geoms = [], []  # the cross context holds them now
    results = ((int(rows[i]), _compact(fs, problems_only)) for i, fs in stream)
    cross = _CrossByRow(results, in_row_order=priority is None, spill_dir=Path(spills[0]).parent)
    _write_output(spills, out_path, kind, cross, summary)


def _rank(priority_values: list, n: int) -> np.ndarray:
    """Positions 0..n-1 sorted by priority (ascending, missing last), ties in input order."""
    if priority_values is None:
        return np.arange(n)
    s = pd.Series(priority_values)
    return np.asarray(s.sort_values(kind="stable", na_position="last").index, dtype=int)


def screen(input_path, output_path, *, pack=None, chunk_size: int = DEFAULT_CHUNK, layer=None, crs=None,
           fix: bool = False, radius: float | None = None, constraints: list | None = None, existing=None,
           priority: str | None = None, problems_only: bool = False, rules=None, workers: int | None = 1,
           progress: Callable[[int], None] | None = None) -> ScreenSummary:
    """Screen every application of ``input_path`` and write one row each to ``output_path``
    (format by suffix: .gpkg, .geojson, .parquet, .csv, .xlsx). Returns a :class:`ScreenSummary`.

    ``priority`` names an attribute that ranks the applications for the cross rules (ascending;
    default: input order). ``workers`` processes check the chunks: 1 (the default) checks them in
    this process; None means one per core (at most 2); an input of one chunk is always checked
    here. Worker processes are spawned, so a script that calls this with ``workers != 1`` needs
    the usual ``if __name__ == "__main__":`` guard (the ``mineplan`` command has it). ``progress``
    is called with the number of rows done after each chunk.
    """
    from mineplan.checker import constraint_layers
    from mineplan.chunk_pool import ChunkRunner
    from mineplan.pack import load_pack

    t0 = time.perf_counter()
    pack = pack or load_pack()
    out_path = Path(output_path)
    kind = OUTPUTS.get(out_path.suffix.lower())
    if kind is None:
        raise InputError(f"unknown output format {out_path.suffix or 'none'!r} (supported: "
                         + ", ".join(sorted(OUTPUTS)) + ")", path=str(output_path))
    if chunk_size < 1:
        raise InputError(f"chunk size must be at least 1, got {chunk_size}")
    if radius is not None and radius <= 0:
        raise InputError(f"--radius must be positive, got {radius:g}")
    layers = constraint_layers(pack, constraints)
    local_rules, cross_rules = split_rules(rules)
    summary = ScreenSummary(input=str(input_path), output=str(output_path))
    out_dir = out_path.parent if str(out_path.parent) else Path(".")
    workdir = Path(tempfile.mkdtemp(prefix=f".{out_path.name}.", suffix=".spill", dir=out_dir))
    runner = ChunkRunner(workers, pack=pack, rules=local_rules, constraints=layers, existing=existing, radius=radius,
                         problems_only=problems_only, priority=priority)
    try:
        rights = _Rights()
        spills: list[Path] = []
        done = 0

        def gather(results):
            nonlocal done
            for n, rows, apps, geoms, prio in results:
                rights.add(rows, apps, geoms, prio)
                done += n
                if progress is not None:
                    progress(done)

        for chunk in iter_chunks(input_path, pack=pack, chunk_size=chunk_size, layer=layer, crs=crs, fix=fix,
                                 notes=summary.notes):
            if priority is not None and priority not in chunk.columns:
                raise InputError(f"--priority: no attribute {priority!r} (attributes: "
                                 + ", ".join(c for c in chunk.columns if not str(c).startswith("_") and c != "geometry")
                                 + ")", path=str(input_path))
            spills.append(workdir / f"part-{len(spills):06d}.parquet")
            gather(runner.submit(chunk, spills[-1]))
        gather(runner.finish())
        runner.close()  # the workers' memory is free before the cross rules start
        if done == 0:
            raise InputError("no features", path=str(input_path))
        where = f"{runner.used} worker processes" if runner.used > 1 else "this process"
        _phase(f"checked {done} rows in {len(spills)} chunks in {where}, "
               f"{len(rights.apps)} rights kept for the cross rules", t0)
        t1 = time.perf_counter()
        finish_screen(pack, rights, spills, out_path, kind, cross_rules=cross_rules, existing=existing,
                      constraints=layers, priority=priority, problems_only=problems_only, summary=summary)
        _phase("cross rules and output written", t1)
    finally:
        runner.close()
        for part in workdir.glob("*"):
            part.unlink(missing_ok=True)
        workdir.rmdir()
    summary.seconds = time.perf_counter() - t0
    return summary


def screen_to_spill(chunk, spill: Path, *, pack, rules, constraints, existing, radius, problems_only, priority):
    """Check one chunk, write its rows to ``spill`` and return what the cross rules need:
    (rows in the chunk, input rows of its rights, their Applications, geometries, priorities)."""
    frame, (pos, apps, geoms) = screen_chunk(chunk, pack=pack, rules=rules, constraints=constraints,
                                             existing=existing, radius=radius, problems_only=problems_only)
    writer = _ParquetSpill(Path(spill))
    writer.write(frame)
    writer.close()
    prio = chunk[priority].iloc[pos].tolist() if priority is not None else None
    return len(chunk), chunk.index[pos].tolist(), apps, list(geoms), prio


class _ParquetSpill:
    """Chunk frames to one GeoParquet file (schema of the first chunk; object columns as text)."""

    def __init__(self, path: Path):
        self.path = path
        self.writer = None
        self.schema = None

    def write(self, frame) -> None:
        import pyarrow.parquet as pq

        table = _to_arrow(frame, self.schema)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(str(self.path), self.schema, compression="zstd")
        self.writer.write_table(table.cast(self.schema) if table.schema != self.schema else table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _to_arrow(frame, schema=None):
    """A result frame -> Arrow table; geometry as WKB with GeoParquet metadata; object columns as text."""
    import pyarrow as pa

    cols = {}
    for c in frame.columns:
        if c == frame.geometry.name:
            continue
        s = frame[c]
        if s.dtype == object or str(s.dtype) in ("str", "string"):
            try:  # text and missing values only: Arrow converts the column at once
                cols[str(c)] = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed values: each as text
                cols[str(c)] = pa.array([None if _na(v) else (v if isinstance(v, str) else _text(v))
                                         for v in s.tolist()], type=pa.string())
        else:
            cols[str(c)] = pa.array(s, from_pandas=True)
    cols["geometry"] = pa.array(shapely.to_wkb(np.asarray(frame.geometry.values, dtype=object)), type=pa.binary())
    table = pa.table(cols)
    if schema is not None:
        return table
    crs = frame.crs.to_json_dict() if frame.crs is not None else None
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": [], "crs": crs}}}
    # fields that are all-null in the first chunk become text, so later chunks fit the schema
    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields, metadata={b"geo": json.dumps(geo).encode()}))


def _na(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT


def _text(v) -> str:
    if isinstance(v, (dict, list)):
        return _json(v)
    return str(v.item() if isinstance(v, np.generic) else v)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def _merge(frame, cross: _CrossByRow) -> None:
    """Add the cross findings to the rows that have them (cross rules come last in the catalogue,
    so their findings follow the row's); verdict, worst rule and fired updated."""
    rows = frame["_row"].to_numpy()
    hits = cross.take(rows)
    if not hits:
        return
    cols = {c: frame[c].to_numpy(dtype=object).copy()
            for c in ("verdict", "worst_rule", "worst_severity", "fired", "findings")}
    position = {int(r): k for k, r in enumerate(rows.tolist())}
    for row, (text, heaviest, worst, fired) in hits.items():
        k = position[row]
        local = cols["worst_severity"][k]
        if heaviest > max(_SEV[local] if isinstance(local, str) else 1, 1):
            cols["worst_rule"][k], cols["worst_severity"][k] = worst, SEVERITIES[heaviest]
        if heaviest >= 0:
            cols["verdict"][k] = worst_verdict([cols["verdict"][k], VERDICT_OF[SEVERITIES[heaviest]]])
        mine = cols["findings"][k]
        cols["findings"][k] = text if mine == "[]" else mine if text == "[]" else mine[:-1] + "," + text[1:]
        cols["fired"][k] = ";".join(x for x in (cols["fired"][k], fired) if x)
    for c, values in cols.items():  # whole columns: setting cells of Arrow-backed columns is slow
        frame[c] = pd.Series(values, index=frame.index, dtype=object)


def _fired(findings: list[dict]) -> str:
    """The rules that fired (severity above info), as "CODE:severity;…" (for filtering and counting)."""
    return ";".join(f"{f['rule']}:{f['severity']}" for f in findings if _SEV[f["severity"]] > 1)


def _count(summary: ScreenSummary, frame) -> None:
    summary.rows += len(frame)
    summary.verdicts.update(frame["verdict"].tolist())
    summary.right_types.update("error" if v == "error" else (t if isinstance(t, str) else "unknown")
                               for t, v in zip(frame["_right_type"].tolist(), frame["verdict"].tolist(), strict=True))
    errs = frame["error"].dropna()
    summary.errors.update(str(e).split(":")[0][:60] for e in errs.tolist())
    # per rule: rows where it fired (rows share a few distinct "fired" texts: each is split once)
    for text, rows in Counter(frame["fired"].tolist()).items():
        if not isinstance(text, str) or not text:
            continue
        for item in text.split(";"):
            code, _, severity = item.partition(":")
            summary.rules.setdefault(code, Counter())[severity] += rows


def _write_output(spill_paths, out_path: Path, kind: str, cross: _CrossByRow, summary: ScreenSummary) -> None:
    import geopandas as gpd
    import pyarrow.parquet as pq

    tmp = tempfile.NamedTemporaryFile(prefix=f".{out_path.stem}.", suffix=out_path.suffix, dir=out_path.parent or ".",
                                      delete=False)
    tmp.close()
    tmp_path = Path(tmp.name)
    tmp_path.unlink()  # the writers create it
    try:
        sink = _Sink(tmp_path, kind)
        paths = [spill_paths] if isinstance(spill_paths, (str, Path)) else list(spill_paths)
        batches = (b for p in paths for b in pq.ParquetFile(str(p)).iter_batches(batch_size=WRITE_BATCH))
        for batch in batches:
            table = batch.to_pandas()
            geoms = shapely.from_wkb(np.asarray(table.pop("geometry").to_numpy(), dtype=object))
            frame = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=WORK_CRS), crs=WORK_CRS)
            _merge(frame, cross)
            _count(summary, frame)
            sink.write(_final_columns(frame))
        sink.close()
        os.replace(tmp_path, out_path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _final_columns(frame):
    """id first, then the input's attributes, results, measures, geometry; helper columns dropped."""
    head = ["id"]
    results = list(RESULT_COLUMNS)
    measures = [c for c in MEASURE_COLUMNS if c in frame.columns]
    skip = set(head) | set(results) | set(measures) | {"_row", "_label", "_right_type", "geometry"}
    attrs = [c for c in frame.columns if c not in skip]
    out = frame[head + attrs + results + measures + ["geometry"]]
    return out


class _Sink:
    """Writes result chunks to one file of ``kind``; GeoJSON and XLSX are written at close."""

    def __init__(self, path: Path, kind: str):
        self.path, self.kind = path, kind
        self.first = True
        self.held: list = []
        self.parquet = None

    def write(self, frame) -> None:
        if self.kind == "parquet":
            if self.parquet is None:
                self.parquet = _ParquetSpill(self.path)
            self.parquet.write(frame)
        elif self.kind == "gpkg":
            import pyogrio

            pyogrio.write_dataframe(_ogr_safe(frame), str(self.path), layer="screen", driver="GPKG",
                                    append=not self.first)
        elif self.kind == "csv":
            flat = pd.DataFrame(frame.drop(columns="geometry"))
            flat["wkt"] = shapely.to_wkt(np.asarray(frame.geometry.values, dtype=object), rounding_precision=3)
            flat.to_csv(self.path, mode="w" if self.first else "a", header=self.first, index=False,
                        encoding="utf-8-sig" if self.first else "utf-8")
        else:
            self.held.append(frame)
        self.first = False

    def close(self) -> None:
        if self.kind == "parquet" and self.parquet is not None:
            self.parquet.close()
        if self.kind in ("geojson", "xlsx") and self.held:
            frame = pd.concat(self.held) if len(self.held) > 1 else self.held[0]
            if self.kind == "geojson":
                import pyogrio

                pyogrio.write_dataframe(_ogr_safe(frame).to_crs("EPSG:4326"), str(self.path), driver="GeoJSON")
            else:
                if len(frame) > 1_048_575:
                    raise InputError(f"{len(frame)} rows do not fit in an XLSX sheet: write .parquet or .gpkg")
                flat = pd.DataFrame(frame.drop(columns="geometry"))
                flat["wkt"] = shapely.to_wkt(np.asarray(frame.geometry.values, dtype=object), rounding_precision=3)
                for c in flat.columns:
                    if isinstance(flat[c].dtype, pd.DatetimeTZDtype):
                        flat[c] = flat[c].dt.tz_convert("UTC").dt.tz_localize(None)  # Excel has no time zones
                flat["findings"] = flat["findings"].map(lambda s: s if s is None or len(s) < 32000 else s[:31990] + "…")
                flat.to_excel(self.path, index=False, sheet_name="screen")


def _ogr_safe(frame):
    """Object columns as text (GDAL wants one type per field)."""
    out = frame.copy()
    for c in out.columns:
        if c != "geometry" and out[c].dtype == object:
            out[c] = out[c].map(lambda v: None if _na(v) else (v if isinstance(v, str) else _text(v)))
    return out

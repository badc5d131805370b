"""``check``: the verdict on the applications of one file (or frame), with every reason.

A check is a screen of one input kept in memory (:func:`mineplan.engine.runners.run` with a
memory spill and sink): the same chunk evaluation, cross rules, merge and serialised findings
as ``mineplan screen``, read back into :class:`~mineplan.findings.Result` objects.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from mineplan.engine.options import ConstraintLayer, RunOptions, constraint_layers
from mineplan.engine.pipeline import Engine
from mineplan.engine.runners import run
from mineplan.engine.spill import MemorySpill
from mineplan.findings import Finding, Result, worst_verdict
from mineplan.pack import PlanPack, load_pack

__all__ = ["CheckReport", "check_file", "check_frame", "constraint_layers"]


@dataclass
class CheckReport:
    """The results of checking one input, with how it was read."""

    results: list[Result]
    pack: PlanPack
    source: str = ""
    source_crs: str = ""
    notes: list[str] = field(default_factory=list)
    frame: object = None  # the features as read (GeoDataFrame, work CRS)

    @property
    def verdict(self) -> str:
        return worst_verdict(r.verdict for r in self.results)

    def as_dict(self) -> dict:
        return {"plan": self.pack.identity(), "verdict": self.verdict, "results": [r.as_dict() for r in self.results]}


class MemorySink:
    """Keeps the written rows (``check`` reads them back as results)."""

    def __init__(self):
        self.tables: list = []

    def write(self, table) -> None:
        self.tables.append(table)

    def close(self) -> None:
        pass


def results_of(engine: Engine, frames, *, path: str | None = None, collect: bool = False) -> list[Result]:
    """Run ``frames`` (readers' frames in the work CRS) through the one path, in memory."""
    if engine.options.findings != "json":
        engine = Engine(engine.pack, dataclasses.replace(engine.options, findings="json"))
    spill, sink = MemorySpill(), MemorySink()
    run(frames, engine, spill, sink, chunk_size=1 << 62, workers=1, collect=collect, path=path)
    where = [(batch, i) for batch in spill.kept for i in range(batch.n)]
    out: list[Result] = []
    for table in sink.tables:
        for rid, error, text in zip(table["id"].tolist(), table["error"].tolist(), table["findings"].tolist(),
                                    strict=True):
            batch, i = where[len(out)]
            error = error if isinstance(error, str) else None
            found = [Finding(**d) for d in orjson.loads(text)] if isinstance(text, str) else []
            out.append(Result(id=str(rid), index=len(out), findings=found, error=error,
                              attributes={} if error else batch.attributes(i)))
    return out


def _options(options: RunOptions | None, **given) -> RunOptions:
    if options is not None:
        return options
    constraints = tuple(c if isinstance(c, ConstraintLayer) else ConstraintLayer(*c) for c in given.pop("constraints")
                        or ())
    rules = given.pop("rules")
    codes = None if rules is None else tuple(r if isinstance(r, str) else r.code for r in rules)
    return RunOptions(constraints=constraints, rules=codes, findings="json", **given)


def check_frame(frame, *, pack: PlanPack | None = None, overrides: dict | None = None, path: str | None = None,
                collect: bool = False, radius: float | None = None, constraints=None, existing=None, rules=None,
                options: RunOptions | None = None) -> list[Result]:
    """Check every row of ``frame`` (a GeoDataFrame in the work CRS, as the readers return it).
    One :class:`Result` per row, in order. With ``collect`` a refused row becomes an error result;
    otherwise the first raises :class:`~mineplan.errors.InputError`. ``existing``: rights already
    granted or pending (GeoDataFrame, work CRS); ``rules``: limit the run to some rules."""
    pack = pack or load_pack()
    if frame.crs is not None and frame.crs != pack.work_crs:
        frame = frame.to_crs(pack.work_crs)
    engine = Engine(pack, _options(options, overrides=overrides or {}, radius=radius, constraints=constraints,
                                   existing=existing, rules=rules))
    return results_of(engine, [frame], path=path, collect=collect)


def check_file(path: str | Path, *, pack: PlanPack | None = None, overrides: dict | None = None,
               layer: str | None = None, crs: str | None = None, fix: bool = False, radius: float | None = None,
               constraints: list[tuple[str, str]] | None = None, existing=None,
               options: RunOptions | None = None) -> CheckReport:
    """Read an application file (any format the readers accept) and check every feature."""
    from mineplan.readers import read_applications

    pack = pack or load_pack()
    if options is None:
        options = RunOptions(overrides=overrides or {}, constraints=constraint_layers(pack, constraints),
                             existing=existing, radius=radius, fix=fix, layer=layer, crs=crs, findings="json")
    read = read_applications(path, work_crs=pack.work_crs, layer=options.layer, crs=options.crs, fix=options.fix,
                             plan_area=pack.county_geometry, angle_format=options.angle_format,
                             encoding=options.encoding)
    results = results_of(Engine(pack, options), [read.frame], path=str(path))
    return CheckReport(results=results, pack=pack, source=str(path), source_crs=read.source_crs,
                       notes=list(read.notes), frame=read.frame)



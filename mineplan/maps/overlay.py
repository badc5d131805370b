"""Applications to overlay on a map, with their verdicts.

Either a screening output (a layer with a ``verdict`` column, e.g. ``mineplan check --format
geojson``) or any application file the readers accept, checked on the fly.
"""

from __future__ import annotations

import json
from pathlib import Path


def applications_frame(path: str | Path, pack, *, layer: str | None = None, crs: str | None = None):
    """A GeoDataFrame in the pack's work CRS with ``id``, ``verdict``, ``findings`` (list of dicts) and
    ``geometry``, one row per application of ``path``."""
    from mineplan.readers import read_applications

    read = read_applications(path, work_crs=pack.work_crs, layer=layer, crs=crs, on_error="collect",
                             plan_area=pack.county_geometry)
    frame = read.frame
    if "verdict" in frame.columns:
        ids = frame["id"] if "id" in frame.columns else frame["_label"]
        findings = [_findings(v) for v in frame["findings"]] if "findings" in frame.columns else [[]] * len(frame)
        verdicts = [str(v) if isinstance(v, str) and v else "error" for v in frame["verdict"]]
    else:
        from mineplan.checker import check_frame, constraint_layers

        results = check_frame(frame, pack=pack, path=str(path), collect=True, constraints=constraint_layers(pack))
        ids = [r.id for r in results]
        verdicts = [r.verdict for r in results]
        findings = [[f.as_dict() for f in r.findings] for r in results]
    return frame_of(ids, verdicts, findings, frame.geometry.values, crs=frame.crs)


def report_frame(report):
    """The same table from a :class:`mineplan.checker.CheckReport`."""
    return frame_of([r.id for r in report.results], [r.verdict for r in report.results],
                    [[f.as_dict() for f in r.findings] for r in report.results], report.frame.geometry.values,
                    crs=report.frame.crs)


def frame_of(ids, verdicts, findings, geoms, *, crs):
    """The overlay table; ``geoms`` in ``crs`` (the pack's work CRS)."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"id": [str(i) for i in ids], "verdict": list(verdicts), "findings": list(findings)},
                             geometry=list(geoms), crs=crs)
    return frame[frame.geometry.notna() & ~frame.geometry.is_empty].reset_index(drop=True)


def _findings(value) -> list[dict]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [{"rule": "", "severity": "", "clause": "", "message_zh": value, "message_en": value}]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []

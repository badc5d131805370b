"""Applications to overlay on a map, with their verdicts.

Either a screening output (a layer with a ``verdict`` column, e.g. ``mineplan check --format
geojson``) or any application file the readers accept, checked on the fly.
"""

from __future__ import annotations

import json
from pathlib import Path

from mineplan import WORK_CRS


def applications_frame(path: str | Path, pack, *, layer: str | None = None, crs: str | None = None):
    """A GeoDataFrame in EPSG:4549 with ``id``, ``verdict``, ``findings`` (list of dicts) and
    ``geometry``, one row per application of ``path``."""
    from mineplan.readers import read_applications

    read = read_applications(path, layer=layer, crs=crs, on_error="collect", plan_area=pack.county_geometry)
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
    return frame_of(ids, verdicts, findings, frame.geometry.values)


def report_frame(report):
    """The same table from a :class:`mineplan.checker.CheckReport`."""
    return frame_of([r.id for r in report.results], [r.verdict for r in report.results],
                    [[f.as_dict() for f in r.findings] for r in report.results], report.frame.geometry.values)


def frame_of(ids, verdicts, findings, geoms):
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"id": [str(i) for i in ids], "verdict": list(verdicts), "findings": list(findings)},
                             geometry=list(geoms), crs=WORK_CRS)
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

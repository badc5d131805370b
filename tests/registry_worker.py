"""Helpers for the registry tests, and a worker process for the kill and concurrency tests.

As a script: ``python registry_worker.py TRACE DELAY POST_DELAY mineplan-args...`` runs the
``mineplan`` CLI with the registry slowed down: every insert appends a line to TRACE and sleeps
DELAY seconds (inside the open transaction); after the commit, before the rtree index is
updated, it appends ``committed`` and sleeps POST_DELAY seconds. The tests kill it in between.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

WORK_CRS = "EPSG:4549"


def squares(n: int, *, size: float = 40.0, start=None, step: float = 100.0):
    """``n`` disjoint squares (EPSG:4549) on a grid inside the county."""
    import shapely

    if start is None:
        from mineplan.pack import load_pack

        pt = load_pack().county_geometry.representative_point()
        start = (pt.x, pt.y)
    per_row = 20
    return [shapely.box(start[0] + (k % per_row) * step, start[1] + (k // per_row) * step,
                        start[0] + (k % per_row) * step + size, start[1] + (k // per_row) * step + size)
            for k in range(n)]


def rights_file(path: Path, rows: list[tuple[dict, object]]) -> Path:
    """Write (properties, geometry in EPSG:4549) rows as a GeoJSON file (WGS84 longitude/latitude)."""
    import geopandas as gpd

    props = [p for p, _ in rows]
    keys = sorted({k for p in props for k in p})
    frame = gpd.GeoDataFrame({k: [p.get(k) for p in props] for k in keys}, geometry=[g for _, g in rows],
                             crs=WORK_CRS).to_crs("EPSG:4326")
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def mine(id_: str, geom, **props) -> tuple[dict, object]:
    base = {"id": id_, "right_type": "采矿权", "mineral": "建筑石料用灰岩", "method": "露天", "annual_output": 250,
            "output_unit": "万吨/年", "applicant": "示例建材有限公司", "green_mine": "是"}
    base.update(props)
    return {k: v for k, v in base.items() if v is not None}, geom


def _install_hooks(trace: Path, delay: float, post_delay: float) -> None:
    from mineplan import registry

    original_insert = registry._Tx.insert
    original_apply = registry.Registry._index_apply

    def log(text: str) -> None:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"t": time.time(), "event": text}) + "\n")
            fh.flush()

    def slow_insert(self, rec, **kwargs):
        fid = original_insert(self, rec, **kwargs)
        log(f"insert {rec['id']}")
        time.sleep(delay)
        return fid

    def slow_apply(self, before, after, inserted):
        log("committed")
        time.sleep(post_delay)
        result = original_apply(self, before, after, inserted)
        log("indexed")
        return result

    registry._Tx.insert = slow_insert
    registry.Registry._index_apply = slow_apply


def main(argv: list[str]) -> None:
    trace, delay, post_delay, *args = argv
    _install_hooks(Path(trace), float(delay), float(post_delay))
    from mineplan.cli import cli

    cli.main(args=args, prog_name="mineplan")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Time the siting surface (``mineplan where``) over the whole county.

    python benchmarks/where.py [--repeat 5] [--parcels 2000] [--rights 300] [--seed 42]

Cases: the quarry profile (建筑石料用灰岩, open pit, 250 万吨/年, 15 years, green mine, 挂牌), an
exploration right (地热) and a site on the bundled plan; then the quarry again with a synthetic
constraint layer of ``--parcels`` farmland-like parcels and a registry of ``--rights`` granted rights
(more faces, and the cross rules K301/K302 asked in rounds). Prints faces, the phases and the median
wall time of ``--repeat`` runs (the pack's index is built once, before timing).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import shapely

QUARRY = {"right_type": "mining", "mineral": "建筑石料用灰岩", "method": "open_pit", "annual_output": 250,
          "output_unit": "万吨/年", "licence_years": 15, "green_mine": True, "grant": "挂牌"}
EXPLORATION = {"right_type": "exploration", "mineral": "地热", "stage": "详查", "green_mine": True, "grant": "挂牌"}
SITE = {"right_type": "site"}


def scatter(pack, n: int, size: tuple[float, float], rng) -> np.ndarray:
    """``n`` rotated rectangles of ``size`` (m, min–max side) with centres inside the county."""
    county = pack.county_geometry
    x0, y0, x1, y1 = county.bounds
    out = []
    while len(out) < n:
        pts = shapely.points(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n))
        pts = pts[shapely.contains(county, pts)]
        for p in pts[: n - len(out)]:
            w, h = rng.uniform(*size, 2)
            box = shapely.box(p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2)
            out.append(shapely.affinity.rotate(box, rng.uniform(0, 90)))
    return np.asarray(out, dtype=object)


def timed(fn, repeat: int):
    times, value = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


def main() -> None:
    import geopandas as gpd

    from mineplan.engine.options import ConstraintLayer, RunOptions, constraint_layers
    from mineplan.index import index_for
    from mineplan.pack import load_pack
    from mineplan.siting import surface

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--parcels", type=int, default=2000)
    ap.add_argument("--rights", type=int, default=300)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    t = time.perf_counter()
    pack = load_pack()
    index_for(pack)
    print(f"pack and index: {time.perf_counter() - t:.2f} s")
    rng = np.random.default_rng(args.seed)
    parcels = gpd.GeoDataFrame({"code": [f"P{k}" for k in range(args.parcels)]},
                               geometry=scatter(pack, args.parcels, (80, 400), rng), crs=pack.work_crs)
    rights = gpd.GeoDataFrame([{"id": f"R{k}", "holder": f"H{k}", "right_type": "mining", "mineral": "建筑石料用灰岩",
                                "method": "open_pit", "status": "granted"} for k in range(args.rights)],
                              geometry=scatter(pack, args.rights, (200, 900), rng), crs=pack.work_crs)
    base = constraint_layers(pack)
    cases = [
        ("quarry", RunOptions(overrides=QUARRY, constraints=base)),
        ("exploration 地热", RunOptions(overrides=EXPLORATION, constraints=base)),
        ("site", RunOptions(overrides=SITE, constraints=base)),
        (f"quarry + {args.parcels} parcels + {args.rights} registry rights",
         RunOptions(overrides=QUARRY, existing=rights,
                    constraints=(*base, ConstraintLayer("farmland", "永久基本农田", "forbidden", parcels)))),
    ]
    print(f"{'case':<52} {'faces':>7} {'partition':>10} {'engine':>8} {'dissolve':>9} {'median':>8}  areas km²")
    for name, opts in cases:
        median, s = timed(lambda opts=opts: surface(pack, opts), args.repeat)
        t = s.timings
        areas = ", ".join(f"{v} {a:.2f}" for v, a in s.area_by_verdict().items())
        print(f"{name:<52} {t['faces']:>7} {t['partition_s']:>9.2f}s {t['engine_s']:>7.2f}s {t['dissolve_s']:>8.2f}s "
              f"{median:>7.2f}s  {areas}")


if __name__ == "__main__":
    main()

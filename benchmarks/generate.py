"""Seeded synthetic applications over the county, for benchmarks (not tests).

    python benchmarks/generate.py N OUT.parquet [--seed 42]

A realistic mix: 40 % sites (建设项目), 40 % mining rights, 20 % exploration rights; 20 % points,
70 % small polygons (50–200 m squares, rotated), 10 % large polygons (0.5–1.5 km); 5 % of the rights
sit on a planning block of their mineral; ~0.1 % bow-tie (invalid) polygons and ~0.05 % unknown
minerals become error rows. Coordinates are in the pack's work CRS ([plan] crs; Changle: EPSG:4549, metres);
written as GeoParquet in row groups of 100 000.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import shapely

MINING = [("建筑石料用灰岩", 0.40), ("地热", 0.15), ("矿泉水", 0.10), ("花岗岩", 0.10), ("建筑用砂", 0.08),
          ("水泥用石灰岩", 0.07), ("膨润土", 0.05), ("铁矿", 0.05)]
EXPLORATION = [("地热", 0.35), ("矿泉水", 0.25), ("油页岩", 0.30), ("铜矿", 0.10)]


def _pick(rng, table, n):
    names, p = zip(*table, strict=True)
    return rng.choice(np.array(names, dtype=object), size=n, p=np.array(p) / sum(p))


def generate(n: int, seed: int = 42, pack=None):
    import geopandas as gpd

    from mineplan.pack import load_pack

    pack = pack or load_pack()
    rng = np.random.default_rng(seed)
    county = pack.county_geometry
    minx, miny, maxx, maxy = county.bounds
    # centres inside the county (rejection sampling, vectorised)
    xs, ys = np.empty(0), np.empty(0)
    while len(xs) < n:
        x = rng.uniform(minx, maxx, 2 * n)
        y = rng.uniform(miny, maxy, 2 * n)
        keep = shapely.contains_xy(county, x, y)
        xs, ys = np.concatenate([xs, x[keep]]), np.concatenate([ys, y[keep]])
    xs, ys = xs[:n], ys[:n]
    right = rng.choice(np.array(["site", "mining", "exploration"], dtype=object), size=n, p=[0.4, 0.4, 0.2])
    mineral = np.where(right == "mining", _pick(rng, MINING, n), _pick(rng, EXPLORATION, n)).astype(object)
    mineral[right == "site"] = None
    # 5 % of the rights on a block of their mineral (its representative point)
    blocks = pack.layers_with_role("exploration_block")[0].frame, pack.layers_with_role("mining_block")[0].frame
    on_block = (right != "site") & (rng.random(n) < 0.05)
    for k in np.flatnonzero(on_block):
        frame = blocks[0] if right[k] == "exploration" else blocks[1]
        row = frame.iloc[int(rng.integers(len(frame)))]
        p = row.geometry.representative_point()
        xs[k], ys[k] = p.x, p.y
        if row["mineral"]:
            mineral[k] = row["mineral"]
    kind = rng.choice(np.array(["point", "small", "large"]), size=n, p=[0.2, 0.7, 0.1])
    half = np.where(kind == "small", rng.uniform(25, 100, n), rng.uniform(250, 750, n))
    angle = rng.uniform(0, np.pi / 2, n)
    c, s = np.cos(angle) * half, np.sin(angle) * half
    ring = np.stack([np.column_stack([xs + dx, ys + dy]) for dx, dy in
                     ((c - s, s + c), (-c - s, -s + c), (-c + s, -s - c), (c + s, s - c), (c - s, s + c))], axis=1)
    bowtie = (kind != "point") & (rng.random(n) < 0.001)
    ring[bowtie, 1], ring[bowtie, 2] = ring[bowtie, 2].copy(), ring[bowtie, 1].copy()
    polys = shapely.polygons(ring)
    geoms = np.where(kind == "point", shapely.points(xs, ys), polys)
    method = np.where(
        np.isin(mineral, ["地热", "矿泉水"]), "well",
        rng.choice(np.array(["open_pit", "underground"], dtype=object), size=n, p=[0.8, 0.2]),
    ).astype(object)
    method[right != "mining"] = None
    unknown = rng.random(n) < 0.0005
    mineral[unknown & (right != "site")] = "unobtainium"
    output = np.round(rng.lognormal(np.log(50), 1.0, n), 2)
    unit = np.where(np.isin(mineral, ["地热", "矿泉水", "建筑用砂"]), "万立方米/年", "万吨/年").astype(object)
    stage = rng.choice(np.array(["普查", "详查", "勘探"], dtype=object), size=n)
    frame = pd.DataFrame({
        "id": [f"APP{seed:02d}-{k:07d}" for k in range(n)],
        "right_type": right,
        "mineral": mineral,
        "method": method,
        "stage": np.where(right == "exploration", stage, None),
        "annual_output": np.where(right == "mining", output, np.nan),
        "output_unit": np.where(right == "mining", unit, None),
        "licence_years": np.where(right == "mining", rng.choice([5.0, 10.0, 15.0, 20.0], size=n), np.nan),
        "green_mine": np.where(right == "site", None, rng.random(n) < 0.9).astype(object),
        "grant": np.where(
            right == "site", None,
            rng.choice(np.array(["挂牌", "拍卖", "招标", "协议"], dtype=object), size=n, p=[.5, .2, .2, .1]),
        ),
        "applicant": [f"公司{k}" for k in rng.integers(0, max(10, n // 20), n)],
        "submitted": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, n), unit="s"),
    })
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=pack.work_crs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)
    frame = generate(args.n, args.seed)
    frame.to_parquet(args.out, row_group_size=100_000) if args.out.endswith(".parquet") else frame.to_file(args.out)
    print(f"wrote {len(frame)} applications to {args.out}")


if __name__ == "__main__":
    main()

# Copied verbatim from the workplace's shared/bench/peer.py (the peer the issue names), so a clone
# without shared/ can run benchmarks/run.py --peer.
"""The peer: what a GIS analyst would write in an afternoon with geopandas + shapely 2 to
screen a file of applications against the plan layers, and the physical limit.

It reads the pack's plan.toml itself (layers by role), computes for every application the
share inside the county, key zones and planning blocks, the nearest "three zones, two lines"
feature and its distance, and a crude verdict; then writes the result as GeoParquet.
It checks far less than mineplan (no attributes, no clauses, no cross-application rules):
it is the floor that a real engine must beat, not a reference for verdicts.

    python peer.py IN.parquet OUT_DIR [PACK_DIR]    (PACK_DIR: default data/ of the checkout)

Prints three lines: rows, limit (GeoParquet read + write) and peer (read + check + write),
each with seconds and rows per second.
"""
import sys
import time
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

src, out = sys.argv[1], Path(sys.argv[2])
pack_dir = Path(sys.argv[3] if len(sys.argv) > 3 else "data")
plan = tomllib.loads((pack_dir / "plan.toml").read_text(encoding="utf-8"))
T = {}

t = time.perf_counter(); df = gpd.read_parquet(src); T["read"] = time.perf_counter() - t
n = len(df)
t = time.perf_counter(); df.to_parquet(out / "limit.parquet"); T["write"] = time.perf_counter() - t


def layer(role, crs):
    frames = [gpd.read_file(pack_dir / spec["file"]).to_crs(crs)
              for spec in plan["layers"].values() if spec.get("role") == role]
    return pd.concat(frames, ignore_index=True) if frames else None


t = time.perf_counter()
county = layer("county", 4326)
work = county.estimate_utm_crs()                     # a metric CRS for the pack's area
df = df.to_crs(work)
g = np.asarray(df.geometry.values)
valid = shapely.is_valid(g)
g = np.where(valid, g, None)
area = shapely.area(g)
areal = area > 0
cols = {}
for role in ["county", "key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block"]:
    lay = layer(role, work)
    if lay is None:
        continue
    geoms = np.asarray(lay.geometry.values)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(g, predicate="intersects")
    covered = shapely.covers(geoms[b], g[a])
    inter = np.where(covered, area[a], 0.0)
    m = ~covered
    inter[m] = shapely.area(shapely.intersection(g[a][m], geoms[b][m]))
    share = np.bincount(a, weights=inter, minlength=n) / np.where(areal, area, 1.0)
    if (~areal).any():                                # points and lines: inside when they touch
        hit = np.zeros(n); hit[np.unique(a)] = 1.0
        share[~areal] = hit[~areal]
    cols["share_" + role] = share
lines = pd.concat([x for x in (layer("three_zones", work), layer("two_lines", work)) if x is not None],
                  ignore_index=True)
lg = np.asarray(lines.geometry.values)
idx, dist = shapely.STRtree(lg).query_nearest(g, return_distance=True, all_matches=False)
nearest = np.full(n, -1); nd = np.full(n, np.inf)
nearest[idx[0]] = idx[1]; nd[idx[0]] = dist
cols["nearest_3z2l_m"] = nd
cols["nearest_3z2l"] = lines["code"].to_numpy()[np.maximum(nearest, 0)] if "code" in lines else nearest
rt = df["right_type"].astype(str).to_numpy() if "right_type" in df else np.array(["mining"] * n)
forbidden = ((cols["share_county"] < 0.999) | ((rt == "mining") & (cols.get("share_mining_block", 0) < 0.999))
             | (nd < 1000))
verdict = np.where(~valid, "error", np.where(forbidden, "forbidden", "allowed"))
res = df.assign(**cols, verdict=verdict)
T["check"] = time.perf_counter() - t
t = time.perf_counter(); res.to_parquet(out / "peer.parquet"); T["write_result"] = time.perf_counter() - t

lim = T["read"] + T["write"]
peer = T["read"] + T["check"] + T["write_result"]
print(f"rows {n}")
print(f"limit {lim:.3f} s {n / lim:.0f}/s")
print(f"peer {peer:.3f} s {n / peer:.0f}/s check {T['check']:.3f} s")

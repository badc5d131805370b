"""Write examples/: an allowed, a restricted and a forbidden application of each right type.

The geometries are derived from the bundled plan pack (a right that takes a whole block, a
quarry beside the railway …), so the examples stay true when the layers are regenerated.
Run: python scripts/make_examples.py  (then the README's verdict table is checked by
tests/test_examples.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Point, box, mapping

from mineplan.index import index_for
from mineplan.pack import load_pack

OUT = Path(__file__).resolve().parent.parent / "examples"
TO_WGS = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)


def feature_by(index, role, mineral=None, n=0):
    f = index.features
    rows = f[(f["role"] == role) & ((f["mineral"] == mineral) if mineral else True)]
    return rows.iloc[n]


def write(name: str, props: dict, geom, description: str) -> None:
    wgs = shapely.transform(geom, lambda xy: np.column_stack(TO_WGS.transform(xy[:, 0], xy[:, 1])))
    wgs = shapely.set_precision(wgs, 1e-7)
    doc = {
        "type": "FeatureCollection",
        "name": name,
        "description": description,
        "features": [{"type": "Feature", "properties": props, "geometry": mapping(wgs)}],
    }
    (OUT / f"{name}.geojson").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_notice(block) -> None:
    """The 杏山 block as the corner-point table of a mining-right notice (CGCS2000 GK zone 40)."""
    to_4528 = Transformer.from_crs("EPSG:4549", "EPSG:4528", always_xy=True)
    ring = list(block.geometry.exterior.coords)[:-1]
    lines = [f"矿区范围由{len(ring)}个拐点圈定，拐点坐标一览表（2000国家大地坐标系）", "拐点编号  X坐标  Y坐标"]
    for n, (x, y) in enumerate(ring, 1):
        east, north = to_4528.transform(x, y)
        lines.append(f"{n}  {north:.2f}  {east:.2f}")
    lines.append("开采深度为 +180.0 米至 +60.0 米")
    (OUT / "mining-notice.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    pack = load_pack()
    index = index_for(pack)
    OUT.mkdir(exist_ok=True)
    geothermal = feature_by(index, "exploration_block", "地热")
    water = feature_by(index, "exploration_block", "矿泉水")
    oil = feature_by(index, "exploration_block", "油页岩")
    xingshan, panlong = feature_by(index, "mining_block", n=0), feature_by(index, "mining_block", n=1)
    county = pack.county_geometry
    railway = index.features[index.features["class"] == "railway"].iloc[0]

    write("exploration-allowed", {"id": "EXP-A", "right_type": "探矿权", "mineral": "地热", "stage": "普查",
                                  "green_mine": "是", "grant": "挂牌", "applicant": "示例地热勘查有限公司"},
          geothermal.geometry, f"Geothermal survey right taking the whole block {geothermal['code']}: allowed")
    write("exploration-restricted", {"id": "EXP-R", "right_type": "exploration", "mineral": "矿泉水", "stage": "详查",
                                     "green_mine": True, "grant": "协议", "applicant": "Example Water Co."},
          water.geometry, f"Mineral-water right on block {water['code']}, granted by agreement: restricted")
    write("exploration-forbidden", {"id": "EXP-F", "right_type": "exploration", "mineral": "膨润土", "stage": "普查",
                                    "green_mine": True, "grant": "招标"},
          oil.geometry.centroid.buffer(1500, quad_segs=8),
          "Bentonite exploration (a prohibited mineral) off every block boundary: forbidden")
    mine = {"right_type": "采矿权", "mineral": "建筑石料用灰岩", "method": "露天", "annual_output": 250,
            "output_unit": "万吨/年", "licence_years": 15, "green_mine": "是", "grant": "拍卖", "clean_grant": "是",
            "restoration_plan": "是", "mine_status": "新建"}
    # a limestone quarry cannot be allowed: 5.3.3's 200万吨/年 for 10 years exceeds both blocks'
    # stated resources (X224); the allowed mine is a geothermal well field (探转采, 5.3.1)
    write("mining-allowed", {"id": "MIN-A", "right_type": "采矿权", "mineral": "地热", "method": "地热井",
                             "annual_output": 10, "output_unit": "万立方米/年", "licence_years": 10, "green_mine": "是",
                             "grant": "挂牌", "clean_grant": "是", "restoration_plan": "是", "mine_status": "新建",
                             "applicant": "示例地热勘查有限公司"},  # EXP-A's holder: its own exploration right
          geothermal.geometry.centroid.buffer(300, quad_segs=16),
          f"Geothermal well field in block {geothermal['code']} (探转采 by the exploration right's holder), "
          "10万m³/年 (medium), 10 years: allowed")
    write("mining-restricted", {"id": "MIN-R", **mine, "licence_years": 6, "applicant": "示例石料有限公司"},
          panlong.geometry, f"Quarry on block {panlong['code']} with a 6-year licence: restricted")
    # a quarry 600 m from the railway, outside every block and the key mining zone
    rail_pt = railway.geometry.interpolate(0.5, normalized=True)
    quarry = Point(rail_pt.x, rail_pt.y - 600).buffer(250, quad_segs=8)
    if not county.contains(quarry):
        quarry = Point(rail_pt.x, rail_pt.y + 600).buffer(250, quad_segs=8)
    write("mining-forbidden", {"id": "MIN-F", **mine, "annual_output": 80, "applicant": "示例采石场"}, quarry,
          "Limestone quarry 600 m from the Jiaoji railway, outside the key mining zone: forbidden")
    write_notice(xingshan)
    # sites: away from any planned resource / across a block / across the county boundary
    minx, _, _, maxy = county.bounds
    free = None
    for dx in range(0, 20000, 500):
        candidate = Point(minx + 8000 + dx, maxy - 9000).buffer(300, quad_segs=8)
        if county.contains(candidate) and not index.overlaps([candidate], roles=(
                "exploration_block", "mining_block", "key_exploration_zone", "key_mining_zone")).shape[0]:
            free = candidate
            break
    write("site-allowed", {"id": "SITE-A", "right_type": "site", "applicant": "示例物流园"}, free,
          "A logistics park that covers no planned mineral resource: allowed")
    c = water.geometry.centroid
    write("site-restricted", {"id": "SITE-R", "right_type": "建设项目", "applicant": "示例光伏电站"},
          box(c.x - 400, c.y - 300, c.x + 400, c.y + 300),
          f"A solar farm inside the mineral-water block {water['code']}: restricted (压覆 assessment)")
    edge = county.exterior if county.geom_type == "Polygon" else max(county.geoms, key=lambda g: g.area).exterior
    p = edge.interpolate(0.3, normalized=True)
    # only a forbidding constraint layer forbids a site; the part of one outside the county is outside
    # the plan's scope (总则) and not judged: restricted
    write("site-outside", {"id": "SITE-O", "right_type": "site", "applicant": "示例项目"},
          p.buffer(400, quad_segs=8),
          "A project straddling the county boundary: restricted (half outside the plan's area)")


if __name__ == "__main__":
    main()

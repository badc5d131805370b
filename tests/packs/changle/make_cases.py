"""Write tests/packs/changle/cases.geojson from the bundled Changle pack and examples/.

The Changle pack is the bundled one (data/, see pack.txt); the cases are applications placed on its
own features (EPSG:4549), each with the verdict and rule codes the plan's rules give it. Re-running
gives the same file:

    python tests/packs/changle/make_cases.py
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, box

from mineplan.pack import load_pack

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parents[2] / "examples"
WORK_CRS = "EPSG:4549"  # the Changle pack's work CRS

EXPLORE = {"right_type": "探矿权", "stage": "普查", "green_mine": "是", "grant": "挂牌"}
QUARRY = {"right_type": "采矿权", "mineral": "建筑石料用灰岩", "method": "露天", "annual_output": 250,
          "output_unit": "万吨/年", "licence_years": 15, "green_mine": "是", "grant": "挂牌", "clean_grant": "是",
          "restoration_plan": "是", "mine_status": "新建"}
WELL = {"right_type": "采矿权", "mineral": "地热", "method": "钻井", "annual_output": 10, "output_unit": "万立方米/年",
        "licence_years": 10, "green_mine": "是", "grant": "挂牌", "clean_grant": "是", "restoration_plan": "是",
        "mine_status": "新建"}

# examples/*.geojson with the verdict and rules README.md's table gives them
EXAMPLE_CASES = {
    "exploration-allowed": ("allowed", "", "E200,E201,E202,T260,G251"),
    "exploration-restricted": ("restricted", "T260", "E200,E201"),
    "exploration-forbidden": ("forbidden", "M100,E200,E201", ""),
    "mining-allowed": ("allowed", "", "X210,X221,K312"),
    "mining-restricted": ("restricted", "X223,X224", "X210,X212,X220,V230"),
    "mining-forbidden": ("forbidden", "X210,X220,X222,V230,L240", "L241"),
    "site-allowed": ("allowed", "", "S270,B100"),
    "site-restricted": ("restricted", "S270", "B100"),
    "site-outside": ("restricted", "B100", "S270"),
}


def feature(pack, code: str):
    for layer in pack.layers.values():
        hit = layer.frame[layer.frame["code"] == code]
        if len(hit):
            return hit.geometry.iloc[0]
    raise KeyError(code)


def quiet_spot(pack) -> shapely.Geometry:
    """The first grid point of the county (1 km grid, south to north, west to east) at least 2 km
    from every three-zones/two-lines feature and bridge and outside every zone and block."""
    near = [layer.frame.geometry.union_all() for layer in pack.layers.values()
            if layer.role in ("three_zones", "two_lines", "road_bridge")]
    planned = [layer.frame.geometry.union_all() for layer in pack.layers.values()
               if layer.role in ("key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block")]
    county = pack.county_geometry.buffer(-2000)
    x0, y0, x1, y1 = county.bounds
    for y in np.arange(np.ceil(y0 / 1000) * 1000, y1, 1000.0):
        for x in np.arange(np.ceil(x0 / 1000) * 1000, x1, 1000.0):
            p = Point(x, y)
            if county.covers(p) and all(g.distance(p) > 2000 for g in near) and \
                    all(g.distance(p) > 1000 for g in planned):
                return box(x - 150, y - 150, x + 150, y + 150)
    raise RuntimeError("no quiet spot")


def cases(pack) -> list[tuple[dict, shapely.Geometry]]:
    out = []
    for stem, (verdict, rules, not_) in EXAMPLE_CASES.items():
        frame = gpd.read_file(EXAMPLES / f"{stem}.geojson").to_crs(WORK_CRS)
        props = {k: v for k, v in frame.drop(columns="geometry").iloc[0].to_dict().items()
                 if v is not None and v == v}
        props["id"] = "CL-" + stem.upper()
        out.append(({**props, "expect_verdict": verdict, "expect_rules": rules, "expect_not": not_},
                    frame.geometry.iloc[0]))
    qiaoguan, wutu, fangshan = (feature(pack, c) for c in ("CL-EB-01", "CL-EB-02", "CL-EB-03"))
    xingshan = feature(pack, "CL-MB-01")
    bridge = feature(pack, "CL-BR-03")
    geopark = feature(pack, "CL-3Z-GEO-01")
    x0, y0, x1, y1 = xingshan.bounds
    west = xingshan.intersection(box(x0, y0, (x0 + x1) / 2, y1))
    # 500 m south of the geopark's southernmost point: inside its 1000 m visibility range
    south = min(shapely.get_coordinates(geopark.exterior), key=lambda c: c[1])
    out += [
        ({"id": "CL-MIN-OUTSIDE-ZONE", **QUARRY, "holder": "示例采石场甲", "expect_verdict": "forbidden",
          "expect_rules": "X210,X220", "expect_not": "V230,L240,L241"}, quiet_spot(pack)),
        ({"id": "CL-MIN-BRIDGE", **QUARRY, "holder": "示例采石场乙", "expect_verdict": "forbidden",
          "expect_rules": "X210,X220,V230,L241", "expect_not": "L240"},
         box(bridge.x + 60, bridge.y + 60, bridge.x + 260, bridge.y + 260)),
        ({"id": "CL-MIN-GEOPARK", **QUARRY, "holder": "示例采石场丙", "expect_verdict": "forbidden",
          "expect_rules": "X210,X220,V230", "expect_not": "L240,L241"},
         box(south[0] - 150, south[1] - 800, south[0] + 150, south[1] - 500)),
        ({"id": "CL-MIN-SMALL", **QUARRY, "holder": "示例采石场丁", "expect_verdict": "forbidden",
          "expect_rules": "X212", "expect_not": "X210,X220,V230"}, west),
        ({"id": "CL-MIN-OIL-SHALE", **QUARRY, "mineral": "油页岩", "method": "地下", "annual_output": 30,
          "holder": "示例公司", "expect_verdict": "forbidden", "expect_rules": "X210", "expect_not": ""},
         wutu.centroid.buffer(300, quad_segs=16)),
        # 12 万m³/年 alone passes the plan's geothermal total of 10 (K312)
        ({"id": "CL-GEO-CAP", **WELL, "annual_output": 12, "holder": "示例热力公司", "expect_verdict": "restricted",
          "expect_rules": "K312", "expect_not": "X210,X221"}, qiaoguan.centroid.buffer(300, quad_segs=16)),
    ]
    # the cap of 3 exploration rights, checked as one batch: the fourth, a second holder in the
    # 乔官 block, is beyond the cap and in a block that has a holder already
    for i, (block, mineral) in enumerate(((qiaoguan, "地热"), (wutu, "油页岩"), (fangshan, "矿泉水"),
                                          (qiaoguan, "地热")), start=1):
        last = i == 4
        out.append(({"id": f"CL-CAP-{i}", **EXPLORE, "mineral": mineral, "holder": f"勘查单位{i}",
                     "group": "exploration-cap", "expect_verdict": "restricted" if last else "allowed",
                     "expect_rules": "K310,K300" if last else "", "expect_not": "" if last else "K310,K300,K302"},
                    block))
    return out


def main() -> None:
    pack = load_pack()
    found = cases(pack)
    rows = [props for props, _ in found]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    frame = gpd.GeoDataFrame([{k: r.get(k) for k in keys} for r in rows], geometry=[g for _, g in found],
                             crs=WORK_CRS).to_crs("EPSG:4326")
    path = HERE / "cases.geojson"
    path.unlink(missing_ok=True)
    frame.to_file(path, engine="pyogrio", driver="GeoJSON", COORDINATE_PRECISION=9)
    print(json.dumps({"cases": len(rows)}))


if __name__ == "__main__":
    main()

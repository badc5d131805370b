"""Write the zhongxiang test pack's layer files and cases from the coordinates below.

SYNTHETIC TEST FIXTURE. Every geometry here is invented: a 钟祥市-style county-level plan placed
near the real city (112.4–113.0°E, 30.9–31.5°N) to prove that a second county's pack runs the same
rule tests as Changle's (issue 14). It is not the real 钟祥市 plan and no feature is a real boundary.

Run from anywhere (re-running gives the same files):

    python tests/packs/zhongxiang/make_pack.py

Coordinates are in kilometres east/north of ORIGIN in the pack's work CRS, EPSG:4547 (CGCS2000 /
3-degree Gauss-Krüger CM 114°E), except the county boundary, which is drawn in lon/lat (EPSG:4490).
Each layer is then written in the format, CRS and encoding its plan.toml entry names.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import geopandas as gpd
import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box

HERE = Path(__file__).resolve().parent
WORK_CRS = "EPSG:4547"      # CGCS2000 / 3-degree GK CM 114E (no zone prefix)
ZONE38_CRS = "EPSG:4526"    # CGCS2000 / 3-degree GK zone 38 (eastings carry the 38 prefix)
LONLAT_CRS = "EPSG:4490"    # CGCS2000 geographic
ORIGIN = (112.70, 31.20)    # lon, lat of the local (0, 0)

_to_work = Transformer.from_crs(LONLAT_CRS, WORK_CRS, always_xy=True)
X0, Y0 = _to_work.transform(*ORIGIN)


def at(x_km: float, y_km: float) -> tuple[float, float]:
    """A point ``x_km`` east and ``y_km`` north of ORIGIN, in EPSG:4547 metres."""
    return X0 + x_km * 1000.0, Y0 + y_km * 1000.0


def rect(x1, y1, x2, y2) -> Polygon:
    (a, b), (c, d) = at(x1, y1), at(x2, y2)
    return box(a, b, c, d)


def line(*points) -> LineString:
    return LineString([at(x, y) for x, y in points])


# -- county (drawn in lon/lat, EPSG:4490) -----------------------------------------------------------
COUNTY_LONLAT = [(112.42, 31.05), (112.50, 30.93), (112.68, 30.91), (112.90, 30.92), (112.99, 31.05),
                 (112.97, 31.30), (112.88, 31.46), (112.70, 31.49), (112.52, 31.44), (112.43, 31.28)]

# -- key zones and exploration blocks (km from ORIGIN) ----------------------------------------------
KEZ_01 = rect(4, -14, 14, -4)        # 岩盐重点勘查区, 100 km²
KMZ_01 = rect(2, 12, 12, 22)         # 磷矿重点开采区, 100 km²
KMZ_02 = rect(12, -24, 20, -16)      # 建筑石料用灰岩重点开采区, 64 km²
EB_01 = rect(6, -12, 10, -9)         # 岩盐普查, 12 km²
EB_02 = rect(10.5, -7, 13, -5)       # 岩盐详查, 5 km²
EB_03 = rect(9, 18, 11, 21)          # 磷矿详查 (in the phosphate key mining zone), 6 km²

# -- mining blocks (written as a GDZB table in EPSG:4526) ---------------------------------------------
MB_01 = rect(5, 15, 7.5, 17)         # 磷矿 (underground), 5 km²
# 建筑石料用灰岩 block of 0.9402 km² (the 2024 钟祥 case): 1200 m × 783.5 m centred at (16, -20) km
MB02_W, MB02_H = 1200.0, 783.5
MB02_C = at(16, -20)
MB_02 = box(MB02_C[0] - MB02_W / 2, MB02_C[1] - MB02_H / 2, MB02_C[0] + MB02_W / 2, MB02_C[1] + MB02_H / 2)

# -- 居民点 (residential points, the 300 m blasting setback) -------------------------------------------
BLAST_M = 300.0
MINING_AREA_KM2 = 0.6752             # the block cut back by the 300 m setback (the 2024 case's figure)


def segment_offset(radius: float, area: float) -> float:
    """Distance of a circle's centre outside a straight edge so that the disc cuts ``area`` off."""
    lo, hi = 0.0, radius
    for _ in range(80):
        d = (lo + hi) / 2
        cut = radius**2 * math.acos(d / radius) - d * math.sqrt(radius**2 - d**2)
        lo, hi = (d, hi) if cut > area else (lo, d)
    return round((lo + hi) / 2, 2)


# two houses just outside the block (north and east edges), each cutting half of 0.9402 - 0.6752 km²
HOUSE_OFFSET_M = segment_offset(BLAST_M, (MB02_W * MB02_H - MINING_AREA_KM2 * 1e6) / 2)
RESIDENTIAL = [
    # code, name, (x, y) in EPSG:4547
    ("ZX-JMD-01", "王家湾", (MB02_C[0], MB02_C[1] + MB02_H / 2 + HOUSE_OFFSET_M)),
    ("ZX-JMD-02", "李家台", (MB02_C[0] + MB02_W / 2 + HOUSE_OFFSET_M, MB02_C[1])),
    ("ZX-JMD-03", "石门村", at(13.2, -18.0)),
    ("ZX-JMD-04", "张家集", at(6.25, 18.5)),
    ("ZX-JMD-05", "冯家岗", at(-2.0, -20.0)),
]

# -- "three zones, two lines" (EPSG:4547) ------------------------------------------------------------
URBAN = shapely.Point(at(-10, -3)).buffer(3500, quad_segs=16)
RESERVOIR = rect(16, 2, 19, 4)
RAILWAY = line((-6, -35), (-4, -10), (-5, 10), (-7, 35))
RIVER = line((-14, -35), (-12.5, -10), (-14, 5), (-17, 35))
ROAD = line((-25, -8), (25, -8))
BRIDGE = ROAD.intersection(RIVER)    # the road's bridge over the river (a point)

THREE_ZONES = [
    ("ZX-3Z-URB-01", "钟祥市城市规划区（示意）", "Zhongxiang urban planning area (schematic)", "urban_area", URBAN),
    ("ZX-3Z-RES-01", "温峡水库（示意）", "Wenxia Reservoir (schematic)", "reservoir", RESERVOIR),
]
TWO_LINES = [
    ("ZX-2L-RW-01", "焦柳铁路（示意）", "Jiaozuo–Liuzhou Railway (schematic)", "railway", RAILWAY),
    ("ZX-2L-RIV-01", "汉江（示意）", "Han River (schematic)", "river", RIVER),
    ("ZX-2L-PR-01", "S311省道（示意）", "Provincial road S311 (schematic)", "provincial_road", ROAD),
]


def mining_area() -> shapely.Geometry:
    """MB-02 cut back by the 300 m blasting setback (the engine's reading of the mining area)."""
    houses = shapely.union_all([Point(xy).buffer(BLAST_M, quad_segs=64) for _, _, xy in RESIDENTIAL])
    return MB_02.difference(houses)


def km2(geom) -> float:
    return round(geom.area / 1e6, 4)


# -- writers ------------------------------------------------------------------------------------------
def _clean(stem: Path) -> None:
    for path in stem.parent.glob(stem.name + ".*"):
        path.unlink()


def write_shapefile(frame: gpd.GeoDataFrame, path: Path, *, cpg: bool) -> None:
    """A GBK-encoded Shapefile; without ``cpg`` neither a .cpg nor a DBF language id says GBK."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _clean(path.with_suffix(""))
    frame.to_file(path, engine="pyogrio", encoding="GBK")
    cpg_path = path.with_suffix(".cpg")
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[1:4] = bytes([124, 6, 1])  # DBF "last update" 2024-06-01, not today: the same bytes each run
    if cpg:
        cpg_path.write_text("GBK", encoding="ascii")  # what GDAL writes, stated explicitly
    else:
        cpg_path.unlink(missing_ok=True)
        data[29] = 0  # no language-driver id: only the plan.toml entry's `encoding` tells
    dbf.write_bytes(bytes(data))


def gdzb(geom: Polygon) -> str:
    """The ring as a GDZB string ``X1,Y1;X2,Y2;…`` in EPSG:4526: X northing, Y easting with the 38
    zone prefix, metres with 2 decimals; the first corner repeated at the end."""
    to38 = Transformer.from_crs(WORK_CRS, ZONE38_CRS, always_xy=True)
    ring = shapely.geometry.polygon.orient(geom, 1.0).exterior.coords
    parts = []
    for x, y in ring:
        e, n = to38.transform(x, y)
        parts.append(f"{n:.2f},{e:.2f}")
    return ";".join(parts)


def main() -> None:
    os.environ["OGR_CURRENT_DATE"] = "2024-06-01T00:00:00Z"  # GeoPackage timestamps: the same bytes each run
    county = Polygon(COUNTY_LONLAT)
    county_work = gpd.GeoSeries([county], crs=LONLAT_CRS).to_crs(WORK_CRS).iloc[0]

    # 1. county: GeoPackage in EPSG:4490 (lon/lat), canonical field names
    out = HERE / "zones" / "county.gpkg"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    gpd.GeoDataFrame([{"code": "ZX-COUNTY", "name_zh": "钟祥市（测试用虚构边界）",
                       "name_en": "Zhongxiang (synthetic test boundary)", "kind": "county",
                       "stated_area_km2": km2(county_work), "provenance": "synthetic"}],
                     geometry=[county], crs=LONLAT_CRS).to_file(out, layer="county", engine="pyogrio")

    # 2. key zones: one shared GBK Shapefile (third-round names), .cpg says GBK, EPSG:4547
    zones = [("ZX-KEZ-01", "钟祥东部岩盐重点勘查区", "重点勘查区", "岩盐", KEZ_01),
             ("ZX-KMZ-01", "钟祥北部磷矿重点开采区", "重点开采区", "磷矿", KMZ_01),
             ("ZX-KMZ-02", "钟祥东南建筑石料用灰岩重点开采区", "重点开采区", "建筑石料用灰岩", KMZ_02)]
    write_shapefile(gpd.GeoDataFrame(
        [{"GHQBH": c, "GHQMC": n, "GHQLB": lb, "GHQMJ": km2(g), "KZ": kz} for c, n, lb, kz, g in zones],
        geometry=[g for *_, g in zones], crs=WORK_CRS), HERE / "planning" / "GHQ_420881.shp", cpg=True)

    # 3. exploration blocks: fourth-round-style file name, GBK without .cpg, in EPSG:4490
    blocks = [("ZX-EB-01", "钟祥东部岩盐普查", "岩盐", "普查", EB_01),
              ("ZX-EB-02", "钟祥东部岩盐详查", "岩盐", "详查", EB_02),
              ("ZX-EB-03", "钟祥北部磷矿详查", "磷矿", "详查", EB_03)]
    frame = gpd.GeoDataFrame(
        [{"GHQBH": c, "GHQMC": n, "GHQLB": "勘查规划区块", "GHQMJ": km2(g), "KZ": kz, "KCJD": st}
         for c, n, kz, st, g in blocks], geometry=[g for *_, g in blocks], crs=WORK_CRS).to_crs(LONLAT_CRS)
    write_shapefile(frame, HERE / "planning" / "D1_420881_E_2020_KCGHQK.shp", cpg=False)

    # 4. mining blocks: a table of GDZB coordinate strings in EPSG:4526 (no geometry column)
    mines = [("ZX-MB-01", "钟祥北部磷矿开采规划区块", "磷矿", 1724, MB_01),
             ("ZX-MB-02", "钟祥东南建筑石料用灰岩开采规划区块", "建筑石料用灰岩", 1500, MB_02)]
    rows = ["GHQBH,GHQMC,GHQLB,GHQMJ,KZ,ZYL,GDZB"]
    for c, n, kz, zyl, g in mines:
        rows.append(f'{c},{n},开采规划区块,{km2(g)},{kz},{zyl},"{gdzb(g)}"')
    (HERE / "planning" / "mining_blocks_gdzb.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    # 5. three zones and two lines: one GeoPackage, two layers, EPSG:4547, canonical fields
    out = HERE / "zones" / "sanqu_lianxian.gpkg"
    out.unlink(missing_ok=True)
    for layer, feats in (("three_zones", THREE_ZONES), ("two_lines", TWO_LINES)):
        gpd.GeoDataFrame([{"code": c, "name_zh": zh, "name_en": en, "class": cls, "provenance": "synthetic"}
                          for c, zh, en, cls, _ in feats], geometry=[g for *_, g in feats],
                         crs=WORK_CRS).to_file(out, layer=layer, engine="pyogrio")

    # 6. road bridges: GeoJSON (WGS84)
    out = HERE / "zones" / "road_bridges.geojson"
    out.unlink(missing_ok=True)
    gpd.GeoDataFrame([{"code": "ZX-BR-01", "name_zh": "S311汉江大桥（示意）", "name_en": "S311 Han River bridge",
                       "kind": "road_bridge", "provenance": "synthetic"}],
                     geometry=[BRIDGE], crs=WORK_CRS).to_crs("EPSG:4326").to_file(out, engine="pyogrio")

    # 7. 居民点 (setback role): GBK Shapefile with .cpg, short field names, EPSG:4547
    write_shapefile(gpd.GeoDataFrame([{"BH": c, "MC": n, "LB": "居民点"} for c, n, _ in RESIDENTIAL],
                                     geometry=[Point(xy) for *_, xy in RESIDENTIAL], crs=WORK_CRS),
                    HERE / "setback" / "JMD_420881.shp", cpg=True)

    write_cases(HERE / "cases.geojson")
    print(f"house offset {HOUSE_OFFSET_M} m; mining area {mining_area().area / 1e6:.4f} km² "
          f"(block {MB_02.area / 1e6:.4f} km²); county {county_work.area / 1e6:.1f} km²")
    print(json.dumps({"bridge": BRIDGE.wkt}))


# -- cases: applications with the verdict and rules the plan's rules give them ----------------------
EXPLORE = {"right_type": "探矿权", "stage": "普查", "green_mine": "是", "grant": "挂牌"}
QUARRY = {"right_type": "采矿权", "mineral": "建筑石料用灰岩", "method": "露天", "annual_output": 100,
          "output_unit": "万吨/年", "licence_years": 15, "green_mine": "是", "grant": "挂牌", "clean_grant": "是",
          "restoration_plan": "是", "mine_status": "新建"}
PHOSPHATE = {**QUARRY, "mineral": "磷矿", "method": "地下", "annual_output": 50, "licence_years": 15}


def _quarry_near(geom, distance_m: float, side=(1.0, 0.0), size_m: float = 300.0) -> Polygon:
    """A square quarry ``distance_m`` from ``geom`` (edge to edge) on ``side`` (a unit vector)."""
    nearest = geom.centroid if geom.geom_type == "Point" else None
    if nearest is None:
        far = shapely.Point(geom.centroid.x + side[0] * 1e5, geom.centroid.y + side[1] * 1e5)
        nearest = shapely.ops.nearest_points(geom, far)[0]
    cx = nearest.x + side[0] * (distance_m + size_m / 2)
    cy = nearest.y + side[1] * (distance_m + size_m / 2)
    return box(cx - size_m / 2, cy - size_m / 2, cx + size_m / 2, cy + size_m / 2)


def cases() -> list[tuple[dict, Polygon]]:
    area = mining_area()
    # the mining area cut with 302 m discs drawn finely: every corner more than 300 m from a house
    houses = shapely.union_all([Point(xy).buffer(BLAST_M + 2, quad_segs=16) for _, _, xy in RESIDENTIAL])
    drawn = MB_02.difference(houses)
    west_half = drawn.intersection(box(*MB_02.bounds[:2], MB02_C[0] - 100, MB_02.bounds[3]))
    rail_at = shapely.ops.nearest_points(RAILWAY, Point(at(-4, -20)))[0]
    site = rect(9, -10.5, 11.5, -9.5)  # a logistics park reaching into ZX-EB-01
    out = [
        ({"id": "ZX-EXP-A", **EXPLORE, "mineral": "岩盐", "holder": "甲勘查院",
          "expect_verdict": "allowed", "expect_rules": "", "expect_not": "E200,E201,E202,T260,G251,K310"}, EB_01),
        ({"id": "ZX-EXP-PROHIBITED", **EXPLORE, "mineral": "可耕地砖瓦用粘土", "holder": "乙公司",
          "expect_verdict": "forbidden", "expect_rules": "M100,E200", "expect_not": ""}, rect(-2, 25, 0, 27)),
        # T260's severity is raised to forbidden by [catalogue.T260] severity
        ({"id": "ZX-EXP-AGREEMENT", **EXPLORE, "mineral": "岩盐", "stage": "详查", "grant": "协议",
          "holder": "丙勘查院", "expect_verdict": "forbidden", "expect_rules": "T260",
          "expect_not": "E200,E201,E202"}, EB_02),
        ({"id": "ZX-MIN-PHOSPHATE-A", **PHOSPHATE, "holder": "丁磷化公司", "expect_verdict": "allowed",
          "expect_rules": "", "expect_not": "X210,X211,X212,X221,X224,K312,L242,V230"}, MB_01),
        # 150 万吨/年 alone passes the phosphate output cap of 120 (the [[indicators]] entry for K312)
        ({"id": "ZX-MIN-PHOSPHATE-CAP", **PHOSPHATE, "annual_output": 150, "licence_years": 10,
          "holder": "戊磷化公司", "expect_verdict": "restricted", "expect_rules": "K312",
          "expect_not": "X210,X212,X221,X224"}, MB_01),
        # no 探转采 mineral in this plan: a phosphate mine in the phosphate exploration block is outside
        ({"id": "ZX-MIN-PHOSPHATE-EB", **PHOSPHATE, "holder": "己公司", "expect_verdict": "forbidden",
          "expect_rules": "X210", "expect_not": ""}, EB_03.centroid.buffer(400, quad_segs=16)),
        # the mining area (0.6752 km², 72 % of the block): covers the cut area, so no 大矿小开
        ({"id": "ZX-MIN-LIMESTONE-A", **QUARRY, "holder": "庚建材公司", "expect_verdict": "allowed",
          "expect_rules": "", "expect_not": "X210,X212,X220,X222,X223,X224,V230,L240,L241,L242"}, drawn),
        # the whole 0.9402 km² block reaches 15 m from two houses: the 300 m blasting distance
        ({"id": "ZX-MIN-LIMESTONE-BLAST", **QUARRY, "holder": "辛建材公司", "expect_verdict": "forbidden",
          "expect_rules": "L242", "expect_not": "X212,X220,V230,L240"}, MB_02),
        ({"id": "ZX-MIN-LIMESTONE-SMALL", **QUARRY, "holder": "壬建材公司", "expect_verdict": "forbidden",
          "expect_rules": "X212", "expect_not": "L242,X220"}, west_half),
        ({"id": "ZX-MIN-LIMESTONE-SHORT", **QUARRY, "annual_output": 80, "licence_years": 6,
          "holder": "癸建材公司", "expect_verdict": "forbidden", "expect_rules": "X222,X223",
          "expect_not": "L242,X212"}, drawn),
        ({"id": "ZX-MIN-OUTSIDE-ZONE", **QUARRY, "holder": "子建材公司", "expect_verdict": "forbidden",
          "expect_rules": "X210,X220", "expect_not": "V230,L240,L241,L242"}, rect(18, -12.3, 18.4, -11.9)),
        ({"id": "ZX-MIN-RAILWAY", **QUARRY, "holder": "丑建材公司", "expect_verdict": "forbidden",
          "expect_rules": "X210,X220,V230,L240", "expect_not": "L241"},
         box(rail_at.x + 600, rail_at.y - 150, rail_at.x + 900, rail_at.y + 150)),
        ({"id": "ZX-MIN-RESERVOIR", **QUARRY, "holder": "寅建材公司", "expect_verdict": "forbidden",
          "expect_rules": "X210,X220,V230", "expect_not": "L240,L241"}, _quarry_near(RESERVOIR, 300, (0, -1))),
        ({"id": "ZX-MIN-BRIDGE", **QUARRY, "holder": "卯建材公司", "expect_verdict": "forbidden",
          "expect_rules": "X210,X220,V230,L241", "expect_not": "L240"},
         box(BRIDGE.x + 60, BRIDGE.y + 60, BRIDGE.x + 260, BRIDGE.y + 260)),
        ({"id": "ZX-SITE-COVERS", "right_type": "建设项目", "holder": "辰物流公司", "expect_verdict": "restricted",
          "expect_rules": "S270", "expect_not": "B100"}, site),
        ({"id": "ZX-SITE-A", "right_type": "建设项目", "holder": "巳光伏公司", "expect_verdict": "allowed",
          "expect_rules": "", "expect_not": "S270,B100"}, rect(-2, -26, 0, -25)),
    ]
    # the cap of 3 exploration rights, checked as one batch (group): the fourth, a second holder
    # in ZX-EB-01, is beyond the cap and in a block that has a holder already
    for i, (block, mineral, stage) in enumerate(((EB_01, "岩盐", "普查"), (EB_02, "岩盐", "详查"),
                                                 (EB_03, "磷矿", "详查"), (EB_01, "岩盐", "普查")), start=1):
        last = i == 4
        out.append(({"id": f"ZX-CAP-{i}", **EXPLORE, "mineral": mineral, "stage": stage,
                     "holder": f"勘查单位{i}", "group": "exploration-cap",
                     "expect_verdict": "restricted" if last else "allowed",
                     "expect_rules": "K310,K300" if last else "", "expect_not": "" if last else "K310,K300,K302"},
                    block))
    assert abs(area.area / 1e6 - MINING_AREA_KM2) < 0.0005, area.area
    county = gpd.GeoSeries([Polygon(COUNTY_LONLAT)], crs=LONLAT_CRS).to_crs(WORK_CRS).iloc[0].buffer(-1000)
    for geom in (KEZ_01, KMZ_01, KMZ_02, EB_01, EB_02, EB_03, MB_01, MB_02, *(g for _, g in out)):
        assert county.covers(geom), geom.bounds  # 1 km inside the county
    assert drawn.area / area.area > 0.99
    return out


def write_cases(path: Path) -> None:
    rows = [props for props, _ in cases()]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    frame = gpd.GeoDataFrame([{k: r.get(k) for k in keys} for r in rows],
                             geometry=[g for _, g in cases()], crs=WORK_CRS).to_crs("EPSG:4326")
    path.unlink(missing_ok=True)
    frame.to_file(path, engine="pyogrio", driver="GeoJSON", COORDINATE_PRECISION=9)


if __name__ == "__main__":
    main()

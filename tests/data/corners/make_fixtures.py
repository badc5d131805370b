"""Writes the corner-point fixtures of this folder and ``expected.json`` (run from the repo root:
``python tests/data/corners/make_fixtures.py``). The parcels are made up, placed in Changle
(Shandong); the layouts follow published mining-right notices (see README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import shapely
from pyproj import Transformer

HERE = Path(__file__).resolve().parent
#: Made-up parcels in Changle (lon, lat), unclosed rings.
PARCELS = {
    "A": [(118.8800, 36.5200), (118.8870, 36.5200), (118.8870, 36.5245), (118.8800, 36.5245)],
    "B": [(118.9100, 36.5400), (118.9160, 36.5390), (118.9185, 36.5440), (118.9140, 36.5470), (118.9095, 36.5445)],
}
T = {code: Transformer.from_crs(4490, code, always_xy=True) for code in (4528, 4549, 2364)}
TO_WORK = Transformer.from_crs(4490, 4549, always_xy=True)


def survey(name, code=4528):
    """[(X northing, Y easting)] rounded to the centimetre as documents print them."""
    e, n = T[code].transform(*zip(*PARCELS[name], strict=True))
    return [(round(b, 2), round(a, 2)) for a, b in zip(e, n, strict=True)]


def dms(v, packed=False, sep=("°", "′", "″")):
    d = int(v)
    m = int(round((v - d) * 60, 9))
    s = round(((v - d) * 60 - m) * 60, 2)
    if s >= 60:
        m, s = m + 1, 0.0
    if packed:  # ddd.mmss, seconds to 2 decimals: ddd.mmssss
        return f"{d}.{m:02d}{int(s):02d}{round((s - int(s)) * 100):02d}"
    return f"{d}{sep[0]}{m}{sep[1]}{s:.2f}{sep[2]}"


def expected(names):
    out = []
    for n in names:
        x, y = TO_WORK.transform(*zip(*PARCELS[n], strict=True))
        g = shapely.Polygon(list(zip(x, y, strict=True)))
        out.append({"parcel": n, "area_m2": round(g.area, 1),
                    "centroid_4549": [round(g.centroid.x, 1), round(g.centroid.y, 1)]})
    return out


def write(name, text, enc="utf-8"):
    (HERE / name).write_bytes(text.encode(enc))


def main():
    exp = {}
    a40, b40 = survey("A"), survey("B")
    a49, _b49 = survey("A", 4549), survey("B", 4549)

    # 1 Word table pasted into Excel: title rows, merged title, two point columns side by side,
    #   a 矿段 column filled on the first row only, a 面积/标高 sentence row per segment.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["某建筑石料用灰岩矿采矿权范围拐点坐标"])
    ws.merge_cells("A1:G1")
    ws.append(["(2000国家大地坐标系,3度带)"])
    ws.append(["矿段", "点号", "X", "Y", "点号", "X", "Y"])
    for seg, pts in (("东段", a40), ("西段", b40)):
        half = (len(pts) + 1) // 2
        left, right = pts[:half], pts[half:]
        for i, (x, y) in enumerate(left):
            row = [seg if i == 0 else None, i + 1, x, y]
            if i < len(right):
                row += [half + i + 1, right[i][0], right[i][1]]
            ws.append(row)
        ws.append([f"面积0.0{len(pts)}平方公里,开采标高由+220米至+100米"] + [None] * 6)
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=7)
    wb.save(HERE / "word_table_side_by_side.xlsx")
    exp["word_table_side_by_side.xlsx"] = {"labels": ["东段", "西段"], "parcels": expected("AB"),
                                           "crs": "EPSG:4528", "elevations": [[220, 100], [220, 100]]}

    # 2 Zero terminator rows (Xinjiang-style tables): '11 | 0 | 0' ends a ring.
    rows = ["点号,X,Y"]
    k = 1
    for pts in (a40, b40):
        for x, y in pts:
            rows.append(f"{k},{x:.2f},{y:.2f}")
            k += 1
        rows.append(f"{k},0,0")
        k += 1
    write("zero_terminator.csv", "\n".join(rows) + "\n")
    exp["zero_terminator.csv"] = {"parcels": expected("AB"), "crs": "EPSG:4528"}

    # 3 '*' terminator lines carrying the ended parcel's elevations and name.
    lines = []
    for pts, elev, name in ((a40, (220, 100), "一采区"), (b40, (180, 50), "二采区")):
        lines += [f"{i},{x:.2f},{y:.2f}" for i, (x, y) in enumerate(pts, 1)]
        lines.append(f"*,{elev[0]},{elev[1]},{name},1,")
    write("star_terminator.txt", "\n".join(lines) + "\n")
    exp["star_terminator.txt"] = {"labels": ["一采区", "二采区"], "parcels": expected("AB"),
                                  "elevations": [[220, 100], [180, 50]], "crs": "EPSG:4528"}

    # 4 All corners on one line (text copied from a PDF).
    write("one_line.txt", "拐点坐标(2000国家大地坐标系):\n"
          + " ".join(f"{i} {x:.2f} {y:.2f}" for i, (x, y) in enumerate(a40, 1)) + "\n")
    exp["one_line.txt"] = {"parcels": expected("A"), "crs": "EPSG:4528"}

    # 5 Two corners per line, circled numbers glued to X.
    circ = "①②③④⑤⑥⑦⑧⑨⑩"
    pairs = [f"{circ[i]}{x:.3f} {y:.3f}" for i, (x, y) in enumerate(b40)]
    write("circled_two_per_line.txt", "\n".join("  ".join(pairs[i:i + 2]) for i in range(0, len(pairs), 2)) + "\n")
    exp["circled_two_per_line.txt"] = {"parcels": expected("B"), "crs": "EPSG:4528"}

    # 6 All corners of a right in one multi-line cell.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "矿山名称", "拐点坐标(2000国家大地坐标系)", "面积(km2)"])
    ws.append([1, "甲石料矿", "\n".join(f"{i},{x:.2f},{y:.2f}" for i, (x, y) in enumerate(a40, 1)), 0.25])
    ws.append([2, "乙石料矿", "\n".join(f"{i},{x:.2f},{y:.2f}" for i, (x, y) in enumerate(b40, 1)), 0.21])
    wb.save(HERE / "multiline_cell.xlsx")
    exp["multiline_cell.xlsx"] = {"parcels": expected("AB"), "crs": "EPSG:4528"}

    # 7 Bare 'lon,lat' lines, no point numbers.
    write("bare_lonlat.txt", "\n".join(f"{lon:.6f},{lat:.6f}" for lon, lat in PARCELS["B"]) + "\n")
    exp["bare_lonlat.txt"] = {"parcels": expected("B"), "tol_m": 0.5}

    # 8 带号=40 header over eastings without the prefix (移除大数 export).
    write("header_zone_unprefixed.txt", "坐标系:2000国家大地坐标系\n带号=40\n点号 X Y\n"
          + "\n".join(f"J{i} {x:.2f} {y:.2f}" for i, (x, y) in enumerate(a49, 1)) + "\n")
    exp["header_zone_unprefixed.txt"] = {"parcels": expected("A"), "crs": "EPSG:4549"}

    # 9 报盘 text with an empty 标高 line, GBK.
    lines = ["[项目信息]", "矿山名称=某石料矿", "坐标系统=2000国家大地坐标系"]
    k = 1
    for pts in (a40, b40):
        for i, (x, y) in enumerate(pts, 1):
            lines.append(f"XY{k:03d}={i},{x:.2f},{y:.2f}")
            k += 1
        lines.append(f"XY{k:03d}=标高,,,,")
        k += 1
    write("baopan_empty_elevation.txt", "\r\n".join(lines) + "\r\n", "gbk")
    exp["baopan_empty_elevation.txt"] = {"parcels": expected("AB"), "crs": "EPSG:4528"}

    # 10 '1980年西安坐标系' with zone-prefixed eastings: Xian 1980 zone 40 (EPSG:2364).
    x80 = survey("A", 2364)
    write("xian80_spelled.txt", "坐标系统:1980年西安坐标系 3度带\n"
          + "\n".join(f"{i}\t{x:.2f}\t{y:.2f}" for i, (x, y) in enumerate(x80, 1)) + "\n")
    exp["xian80_spelled.txt"] = {"parcels": expected("A"), "crs": "EPSG:2364"}

    # 11 北京54 without a zone: refused naming the missing zone.
    write("beijing54_no_zone.txt", "北京54坐标系\n" + "\n".join(f"{i} {x:.2f} {y:.2f}" for i, (x, y) in
                                                                 enumerate(a49, 1)) + "\n")
    exp["beijing54_no_zone.txt"] = {"error": "Beijing 1954 but names no zone (带号)"}

    # 12 Full-width punctuation, 东经/北纬 prefixes, degree symbols in their variants.
    variants = [("°", "′", "″"), ("º", "’", "”"), ("度", "分", "秒"), ("°", "'", "''")]
    lines = ["拐点坐标（2000国家大地坐标系）："]
    for i, (lon, lat) in enumerate(PARCELS["A"], 1):
        v = variants[(i - 1) % len(variants)]
        lines.append(f"{i}：东经{dms(lon, sep=v)}，北纬{dms(lat, sep=v)}")
    write("fullwidth_dms.txt", "\n".join(lines) + "\n")
    exp["fullwidth_dms.txt"] = {"parcels": expected("A"), "crs": "EPSG:4490", "tol_m": 0.5}

    # 13 X/Y swapped columns: 8-digit eastings under X.
    write("xy_swapped.csv", "点号,X,Y\n" + "\n".join(f"{i},{y:.2f},{x:.2f}" for i, (x, y) in enumerate(b40, 1)) + "\n")
    exp["xy_swapped.csv"] = {"parcels": expected("B"), "crs": "EPSG:4528", "note": "X/Y swapped"}

    # 14 ddd.mmss decimals in a 纬度/经度 table, enough values to tell.
    write("packed_dms.csv", "拐点,纬度,经度\n" + "\n".join(
        f"{i},{dms(lat, packed=True)},{dms(lon, packed=True)}" for i, (lon, lat) in enumerate(PARCELS["B"], 1)) + "\n")
    exp["packed_dms.csv"] = {"parcels": expected("B"), "note": "ddd.mmss", "tol_m": 0.5}

    # 15 MapGIS DDDMMSS.SS degrees (lon, lat), header says 度分秒.
    def packed_int(v):
        return dms(v, packed=True).replace(".", "")[:-2] + "." + dms(v, packed=True)[-2:]
    write("mapgis_dddmmss.txt", "坐标格式:度分秒(DDDMMSS.SS)\n" + "\n".join(
        f"{i},{packed_int(lon)},{packed_int(lat)}" for i, (lon, lat) in enumerate(PARCELS["A"], 1)) + "\n")
    exp["mapgis_dddmmss.txt"] = {"parcels": expected("A"), "note": "DDDMMSS", "tol_m": 0.5}

    # 16 采区 column filled on the first row of each parcel only.
    rows = ["采区,点号,X,Y"]
    for name, pts in (("一采区", a40), ("二采区", b40)):
        rows += [f"{name if i == 1 else ''},{i},{x:.2f},{y:.2f}" for i, (x, y) in enumerate(pts, 1)]
    write("parcel_column.csv", "\n".join(rows) + "\n")
    exp["parcel_column.csv"] = {"labels": ["一采区", "二采区"], "parcels": expected("AB"), "crs": "EPSG:4528"}

    # 17 区域 headings as section lines, numbering restarting at 1.
    lines = ["拐点编号  X坐标  Y坐标"]
    for name, pts in (("区域1", a40), ("区域2", b40)):
        lines.append(name)
        lines += [f"{i}  {x:.2f}  {y:.2f}" for i, (x, y) in enumerate(pts, 1)]
    write("section_headings.txt", "\n".join(lines) + "\n")
    exp["section_headings.txt"] = {"labels": ["区域1", "区域2"], "parcels": expected("AB"), "crs": "EPSG:4528"}

    # Conflicts: refused naming both sides.
    a41 = [(x, y + 1_000_000) for x, y in a40]
    write("zone_prefix_41_header_40.txt", "2000国家大地坐标系 带号=40\n"
          + "\n".join(f"{i} {x:.2f} {y:.2f}" for i, (x, y) in enumerate(a41, 1)) + "\n")
    exp["zone_prefix_41_header_40.txt"] = {
        "error": "zone prefix 41 (3-degree zone 41, CM 123°E) but the file says 带号=40"}
    write("zone_prefix_41.txt", "\n".join(f"{i} {x:.2f} {y:.2f}" for i, (x, y) in enumerate(a41, 1)) + "\n")
    exp["zone_prefix_41.txt"] = {"crs_option": "EPSG:4528", "error": "zone prefix 41 (3-degree zone 41, CM 123°E) "
                                 "but --crs EPSG:4528"}
    a14 = [(x, y - 26_000_000) for x, y in a40]
    write("six_degree_zone_14.txt", "\n".join(f"{i} {x:.2f} {y:.2f}" for i, (x, y) in enumerate(a14, 1)) + "\n")
    exp["six_degree_zone_14.txt"] = {"crs_option": "EPSG:4528", "error": "zone prefix 14 (6-degree zone 14, CM 81°E)"}
    write("missing_prefix.txt", "\n".join(f"{i} {x:.2f} {y:.2f}" for i, (x, y) in enumerate(a49, 1)) + "\n")
    exp["missing_prefix.txt"] = {"crs_option": "EPSG:4528", "error": "the zone prefix is missing; without it use "
                                 "EPSG:4549"}
    (HERE / "expected.json").write_text(json.dumps(exp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Corner-point inputs: CSV/XLSX tables, notice text, 报盘 and 部标 TXT."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from mineplan.errors import AmbiguousCRSError, InputError
from mineplan.readers import read_applications

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

TO_WORK = Transformer.from_crs(4490, 4549, always_xy=True)
TO_4528 = Transformer.from_crs(4490, 4528, always_xy=True)
#: Two parcels near Changle (lon, lat), unclosed.
P1 = [(118.75, 36.60), (118.76, 36.60), (118.76, 36.61), (118.75, 36.61)]
P2 = [(118.80, 36.50), (118.81, 36.50), (118.805, 36.51)]


def changle_area():
    box = shapely.box(118.6, 36.3, 119.1, 36.8).segmentize(0.01)
    return shapely.transform(box, lambda p: np.column_stack(TO_WORK.transform(p[:, 0], p[:, 1])))


AREA = changle_area()


def survey(pts, t=TO_4528):
    """(X northing, Y easting) to the centimetre, as printed in documents."""
    e, n = t.transform([p[0] for p in pts], [p[1] for p in pts])
    return [(f"{b:.2f}", f"{a:.2f}") for a, b in zip(e, n, strict=False)]


def expected(pts):
    return np.column_stack(TO_WORK.transform([p[0] for p in pts], [p[1] for p in pts]))


def shell(g):
    return shapely.get_coordinates(g.exterior)[:-1]


def check(frame, i, pts, tol=0.011):
    # The survey values are rounded to 1 cm: allow that, nothing more.
    assert np.allclose(shell(frame.geometry[i]), expected(pts), atol=tol)


def test_csv_chinese_headers_two_parcels(tmp_path):
    lines = ["区块号,点号,X,Y,开采深度"]
    for pc, pts, depth in (("1", P1, "+124.9米至+12.3米"), ("2", P2, "+100米至+50米")):
        for i, (x, y) in enumerate(survey(pts), 1):
            lines.append(f"{pc},{i},{x},{y},{depth if i == 1 else ''}")
    p = tmp_path / "corners.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = read_applications(p, plan_area=AREA, work_crs=WORK_CRS)
    f = res.frame
    assert len(f) == 2 and list(f["_label"]) == ["1", "2"]
    check(f, 0, P1)
    check(f, 1, P2)
    assert f["开采深度"][0] == "+124.9米至+12.3米"
    assert "EPSG:4528" in res.source_crs and "swapped" not in res.source_crs  # X = northing
    assert "closed ring of parcel 2" in res.notes


def test_csv_english_headers_closed_ring_gbk(tmp_path):
    pts = survey(P1, Transformer.from_crs(4490, 4549, always_xy=True))
    rows = ["point,X,Y,owner"] + [f"{i},{x},{y},昌乐县某石材有限公司" for i, (x, y) in enumerate(pts, 1)]
    rows.append(f"1,{pts[0][0]},{pts[0][1]},")
    p = tmp_path / "c.csv"
    p.write_bytes("\n".join(rows).encode("gbk"))
    res = read_applications(p, crs="EPSG:4549", plan_area=AREA, work_crs=WORK_CRS)
    check(res.frame, 0, P1)
    assert res.frame["owner"][0] == "昌乐县某石材有限公司"
    assert not any(n.startswith("closed ring") for n in res.notes)


def test_csv_lat_lon_dms(tmp_path):
    def dms(v):
        d = int(v)
        m = int((v - d) * 60)
        s = ((v - d) * 60 - m) * 60
        return f"{d}°{m}′{s:.4f}″"
    rows = ["拐点编号,纬度,经度"] + [f"{i},{dms(lat)},{dms(lon)}" for i, (lon, lat) in enumerate(P1, 1)]
    p = tmp_path / "dms.csv"
    p.write_text("\n".join(rows), encoding="utf-8")
    res = read_applications(p, crs="EPSG:4490", work_crs=WORK_CRS)
    check(res.frame, 0, P1, tol=0.01)


def test_table_errors(tmp_path):
    x = survey(P1)
    p = tmp_path / "dup.csv"
    p.write_text("点号,X,Y\n" + "\n".join(f"1,{a},{b}" if i == 2 else f"{i},{a},{b}" for i, (a, b) in enumerate(x, 1)),
                 encoding="utf-8")
    with pytest.raises(InputError, match="duplicate point number 1 \\(line 2 and line 3\\)"):
        read_applications(p, crs="EPSG:4528", work_crs=WORK_CRS)
    p.write_text("点号,X,Y\n1,{},{}\n2,{},{}\n".format(*x[0], *x[1]), encoding="utf-8")
    with pytest.raises(InputError, match="needs at least 3 distinct points, has 2"):
        read_applications(p, crs="EPSG:4528", work_crs=WORK_CRS)
    p.write_text("点号,X,Y\n", encoding="utf-8")
    with pytest.raises(InputError, match="header only"):
        read_applications(p, crs="EPSG:4528", work_crs=WORK_CRS)
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no header row"):
        read_applications(p, work_crs=WORK_CRS)
    p.write_text("点号,X,Y\n1,4O63946.79,40388297.26\n2,1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: X: '4O63946\.79' is not a number"):
        read_applications(p, crs="EPSG:4528", work_crs=WORK_CRS)


def test_xlsx_sheet_two_parcels_and_collect(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "拐点坐标"
    ws.append(["拐点坐标一览表（2000国家大地坐标系）"])
    ws.append(["区块", "拐点", "X", "Y", "标高上限", "标高下限"])
    for i, (x, y) in enumerate(survey(P1), 1):
        first = i == 1
        ws.append(["北区" if first else None, i, float(x), float(y), 124.9 if first else None, 12.3 if first else None])
    ws.append(["南区", 1, float(survey(P2)[0][0]), float(survey(P2)[0][1])])
    ws.append([None, 2, "40 bad", 1.0])
    other = wb.create_sheet("empty")
    p = tmp_path / "t.xlsx"
    wb.save(p)
    res = read_applications(p, plan_area=AREA, on_error="collect", work_crs=WORK_CRS)
    f = res.frame
    assert list(f["_label"]) == ["北区", "南区"]
    check(f, 0, P1)
    assert f["标高上限"][0] == 124.9 and f["标高下限"][0] == 12.3
    assert "sheet 拐点坐标 row 8: X: '40 bad' is not a number" in f["_error"][1]
    with pytest.raises(InputError, match="empty table"):
        read_applications(p, layer="empty", work_crs=WORK_CRS)
    with pytest.raises(InputError, match="no sheet 'nope'"):
        read_applications(p, layer="nope", work_crs=WORK_CRS)
    assert other is not None


def test_notice_text(tmp_path):
    body = ["矿区范围由7个拐点圈定，拐点坐标一览表（2000国家大地坐标系）", "拐点编号  X坐标  Y坐标"]
    body += [f"{i}  {x}  {y}" for i, (x, y) in enumerate(survey(P1), 1)]
    body += ["开采深度为 +124.9 米至 +12.3 米", "", "二号区块"]
    body += [f"{i}，{x}，{y}" for i, (x, y) in enumerate(survey(P2), 1)]
    body += ["标高,220,100"]
    p = tmp_path / "notice.txt"
    p.write_text("\n".join(body) + "\n", encoding="utf-8")
    res = read_applications(p, plan_area=AREA, work_crs=WORK_CRS)
    f = res.frame
    assert len(f) == 2
    check(f, 0, P1)
    check(f, 1, P2)
    assert (f["标高上限"][0], f["标高下限"][0]) == (124.9, 12.3)
    assert (f["标高上限"][1], f["标高下限"][1]) == (220, 100)
    assert f["_label"][1] == "二号区块"
    assert "read as corner-point text (point, X, Y lines)" in res.notes


def test_notice_typo_names_the_line(tmp_path):
    x = survey(P1)
    p = tmp_path / "typo.txt"
    p.write_text(f"1 {x[0][0]} {x[0][1]}\n2 {x[1][0]} 4038x297.26\n3 {x[2][0]} {x[2][1]}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: Y: '4038x297\.26' is not a number"):
        read_applications(p, plan_area=AREA, work_crs=WORK_CRS)


def test_notice_xian80_with_zone_prefix_is_read(tmp_path):
    x = survey(P1)
    p = tmp_path / "x80.txt"
    p.write_text("1980西安坐标系\n" + "\n".join(f"{i} {a} {b}" for i, (a, b) in enumerate(x, 1)), encoding="utf-8")
    for crs in (None, "EPSG:2364"):  # the datum from the text, the zone from the prefix: EPSG:2364
        res = read_applications(p, crs=crs, plan_area=AREA, work_crs=WORK_CRS)
        assert "EPSG:2364" in res.source_crs
    t = Transformer.from_crs(2364, 4549, always_xy=True)
    e, n = t.transform([float(b) for a, b in x], [float(a) for a, b in x])
    assert np.allclose(shell(res.frame.geometry[0]), np.column_stack([e, n]), atol=0.001)


def test_baopan_gbk(tmp_path):
    lines = ["[项目信息]", "矿山名称=昌乐县某建筑石料用灰岩矿", "坐标系=2000国家大地坐标系"]
    k = 1
    for ring, pts in enumerate((P1, P2), 1):
        for i, (x, y) in enumerate(survey(pts), 1):
            lines.append(f"XY{k:03d}={i},{x},{y}")
            k += 1
        lines.append(f"XY{k:03d}=标高,220,100,,{ring}")
        k += 1
    p = tmp_path / "baopan.txt"
    p.write_bytes("\r\n".join(lines).encode("gbk"))
    res = read_applications(p, plan_area=AREA, work_crs=WORK_CRS)
    f = res.frame
    check(f, 0, P1)
    check(f, 1, P2)
    assert f["矿山名称"][0] == "昌乐县某建筑石料用灰岩矿" and list(f["ring"]) == [1, 2]
    assert any("报盘" in n for n in res.notes) and any("GBK" in n for n in res.notes)


def test_bubiao(tmp_path):
    hole = [(118.752, 36.602), (118.754, 36.602), (118.754, 36.604)]
    lines = ["[属性描述]", "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格", "计量单位=米",
             "带号=40", "精度=0.01", "转换参数=,,,,,,", "[地块坐标]",
             "9,12.5,CL-2024-01,某矿区,面,,采矿用地,,@"]
    for i, (x, y) in enumerate([*survey(P1), survey(P1)[0]], 1):
        lines.append(f"J{i},1,{x},{y}")
    for i, (x, y) in enumerate(survey(hole), 1):
        lines.append(f"K{i},2,{x},{y}")
    p = tmp_path / "bubiao.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    res = read_applications(p, work_crs=WORK_CRS)  # the header names the CRS: no plan area needed
    f = res.frame
    assert "EPSG:4528" in res.source_crs and "[属性描述]" in res.source_crs
    assert f["_label"][0] == "CL-2024-01" and f["地块名称"][0] == "某矿区"
    check(f, 0, P1)
    g = f.geometry[0]
    assert len(g.interiors) == 1
    assert np.allclose(shapely.get_coordinates(g.interiors[0])[:-1], expected(hole), atol=0.011)


def test_unlabeled_survey_without_plan_area_is_ambiguous(tmp_path):
    p = tmp_path / "n.txt"
    p.write_text("\n".join(f"{i} {a} {b}" for i, (a, b) in enumerate(survey(P1), 1)), encoding="utf-8")
    with pytest.raises(AmbiguousCRSError):
        read_applications(p, work_crs=WORK_CRS)


def test_notice_packed_dms_degrees(tmp_path):
    # 纬度 36°36′00″ / 36°36′45″, 经度 118°45′00″ / 118°45′45″ written as ddd.mmss, X = latitude.
    pts = [(118.75, 36.60), (118.7625, 36.60), (118.7625, 36.6125), (118.75, 36.6125)]
    text = "1 36.3600 118.4500\n2 36.3600 118.4545\n3 36.3645 118.4545\n4 36.3645 118.4500\n"
    p = tmp_path / "dms.txt"
    p.write_text(text, encoding="utf-8")
    res = read_applications(p, plan_area=AREA, work_crs=WORK_CRS)
    assert any("degrees read as ddd.mmss: only that reading of the 4 values falls in the plan area" in n
               for n in res.notes)
    check(res.frame, 0, pts, tol=0.01)


@pytest.mark.parametrize("hx, hy", [("纵坐标X", "横坐标Y"), ("X坐标(m)", "Y坐标(m)"), ("Ｘ", "Ｙ"),
                                    ("北坐标", "东坐标")])
def test_header_spellings(tmp_path, hx, hy):
    rows = [f"拐点号,{hx},{hy}"] + [f"{i},{a},{b}" for i, (a, b) in enumerate(survey(P1), 1)]
    p = tmp_path / "h.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    check(read_applications(p, plan_area=AREA, work_crs=WORK_CRS).frame, 0, P1)


def test_csv_ring_column_hole_and_note_row(tmp_path):
    hole = [(118.752, 36.602), (118.754, 36.602), (118.754, 36.604)]
    rows = ["区块号,圈号,点号,X,Y,备注"]
    rows += [f"A,1,{i},{x},{y}," for i, (x, y) in enumerate(survey(P1), 1)]
    rows.append(",,,,,以下为扣除范围")  # a note alone in an attribute column: no parcel break
    rows += [f"A,2,{i},{x},{y}," for i, (x, y) in enumerate(survey(hole), 1)]
    p = tmp_path / "hole.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    f = read_applications(p, plan_area=AREA, work_crs=WORK_CRS).frame
    assert len(f) == 1 and len(f.geometry[0].interiors) == 1
    check(f, 0, P1)
    assert f["备注"][0] == "以下为扣除范围"

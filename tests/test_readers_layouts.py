"""Coordinate files shaped like published mining-right notices (tests/data/corners, see its
README): each is read to the expected place and area, or refused with the real reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mineplan.errors import InputError
from mineplan.readers import read_applications

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

DATA = Path(__file__).resolve().parent / "data" / "corners"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
READ = sorted(k for k, v in EXPECTED.items() if "error" not in v)
REFUSED = sorted(k for k, v in EXPECTED.items() if "error" in v)


@pytest.mark.parametrize("name", READ)
def test_layout_is_read_to_the_right_place(name, pack):
    exp = EXPECTED[name]
    res = read_applications(DATA / name, crs=exp.get("crs_option"), plan_area=pack.county_geometry, work_crs=WORK_CRS)
    f = res.frame
    assert f["_error"].isna().all(), list(f["_error"])
    assert len(f) == len(exp["parcels"]), (list(f["_label"]), res.notes)
    tol = exp.get("tol_m", 0.05)  # survey values are printed to the centimetre; DMS to 0.01″
    for i, want in enumerate(exp["parcels"]):
        g = f.geometry[i]
        assert g.area == pytest.approx(want["area_m2"], rel=1e-4, abs=20 * tol), (i, res.notes)
        assert g.centroid.distance(type(g.centroid)(want["centroid_4549"])) < tol + 0.1, (i, g.centroid, res.notes)
    if "labels" in exp:
        assert list(f["_label"]) == exp["labels"]
    if "elevations" in exp:
        got = [[row["标高上限"], row["标高下限"]] for _, row in f.iterrows()]
        assert got == exp["elevations"]
    if "crs" in exp:
        assert exp["crs"] in res.source_crs, res.source_crs
    if "note" in exp:
        assert any(exp["note"] in n for n in res.notes), res.notes
    assert any(n.startswith(f"{len(f)} parcel") for n in res.notes)  # the parcels found are stated


@pytest.mark.parametrize("name", REFUSED)
def test_conflict_is_refused_naming_both(name, pack):
    exp = EXPECTED[name]
    with pytest.raises(InputError) as err:
        read_applications(DATA / name, crs=exp.get("crs_option"), plan_area=pack.county_geometry, work_crs=WORK_CRS)
    assert exp["error"] in str(err.value)
    assert str(DATA / name) in str(err.value) and "\n" not in str(err.value)


def test_every_fixture_has_an_expectation():
    files = {p.name for p in DATA.iterdir() if p.suffix in (".txt", ".csv", ".xlsx")}
    assert files == set(EXPECTED)


def test_angle_format_decides_few_packed_values(tmp_path, pack):
    # 4 distinct values all fit ddd.mmss by chance as often as 1 in 60: the file must say which.
    p = tmp_path / "few.txt"
    p.write_text("1,36.3100,118.5300\n2,36.3100,118.5330\n3,36.3130,118.5330\n4,36.3130,118.5300\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"read as decimal degrees and as ddd\.mmss .* alike: say which with "
                                         r"--angle-format dms\|deg"):
        read_applications(p, work_crs=WORK_CRS)
    res = read_applications(p, angle_format="dms", work_crs=WORK_CRS)
    assert "degrees read as ddd.mmss (--angle-format dms)" in res.notes
    deg = read_applications(p, angle_format="deg", work_crs=WORK_CRS)
    assert "degrees read as decimal degrees (--angle-format deg)" in deg.notes
    # 118°53′ vs 118.53°: about 28 km apart
    assert res.frame.geometry[0].centroid.distance(deg.frame.geometry[0].centroid) > 20_000
    with pytest.raises(InputError, match="angle format must be 'dms' or 'deg'"):
        read_applications(p, angle_format="dd", work_crs=WORK_CRS)


def test_header_zone_contradicting_crs_option(pack):
    with pytest.raises(InputError, match=r"the file says 带号=40 \(CM 120°E\) but --crs EPSG:4509"):
        read_applications(DATA / "header_zone_unprefixed.txt", crs="EPSG:4509", work_crs=WORK_CRS)


def test_mapgis_dddmmss_without_header(tmp_path, pack):
    # MapGIS DDDMMSS.SS with no 度分秒 header: as metres no column is a northing in China.
    lines = (DATA / "mapgis_dddmmss.txt").read_text(encoding="utf-8").splitlines()[1:]
    p = tmp_path / "mapgis.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = read_applications(p, plan_area=pack.county_geometry, work_crs=WORK_CRS)
    assert any(n.startswith("degrees read as packed DDDMMSS.SS: all 4 values") for n in res.notes)
    want = EXPECTED["mapgis_dddmmss.txt"]["parcels"][0]
    assert res.frame.geometry[0].area == pytest.approx(want["area_m2"], rel=1e-3)
    with pytest.raises(InputError):
        read_applications(p, plan_area=pack.county_geometry, angle_format="deg", work_crs=WORK_CRS)


def test_text_variants_of_numbering_and_terminators(tmp_path, pack):
    """'11 | 0 | 0' and '0,0' lines end rings; '1.' / '2)' numbering; 'X=…, Y=…' pairs."""
    exp = EXPECTED["zero_terminator.csv"]
    rows = (DATA / "zero_terminator.csv").read_text(encoding="utf-8").splitlines()[1:]
    lines, k = [], 0
    for row in rows:
        no, x, y = row.split(",")
        if x == "0":
            lines.append(f"{no} | 0 | 0" if k == 0 else "0,0")
            k += 1
            continue
        lines.append(f"{no}. X={x}, Y={y}" if k == 0 else f"{no}) {x} | {y}")
    p = tmp_path / "variants.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    f = read_applications(p, plan_area=pack.county_geometry, work_crs=WORK_CRS).frame
    assert len(f) == 2
    for i, want in enumerate(exp["parcels"]):
        assert f.geometry[i].area == pytest.approx(want["area_m2"], rel=1e-4)


def test_side_by_side_numbered_across_and_heading_rows(tmp_path, pack):
    """Point numbers running across the row (1 | 2, 3 | 4 …) and a 矿段 name on a row of its own."""
    exp = EXPECTED["parcel_column.csv"]
    rows = (DATA / "parcel_column.csv").read_text(encoding="utf-8").splitlines()[1:]
    parcels: dict[str, list] = {}
    name = None
    for row in rows:
        n, _no, x, y = row.split(",")
        name = n or name
        parcels.setdefault(name, []).append((x, y))
    out = ["矿段,点号,X,Y,点号,X,Y"]
    for name, pts in parcels.items():
        out.append(f"{name},,,,,,")
        for i in range(0, len(pts), 2):
            cells = [""]
            for k in (i, i + 1):
                cells += [str(k + 1), *pts[k]] if k < len(pts) else ["", "", ""]
            out.append(",".join(cells))
    p = tmp_path / "across.csv"
    p.write_text("\n".join(out) + "\n", encoding="utf-8")
    f = read_applications(p, plan_area=pack.county_geometry, work_crs=WORK_CRS).frame
    assert list(f["_label"]) == ["一采区", "二采区"]
    for i, want in enumerate(exp["parcels"]):
        assert f.geometry[i].area == pytest.approx(want["area_m2"], rel=1e-4)


def test_one_broken_parcel_does_not_lose_the_next(tmp_path, pack):
    lines = (DATA / "section_headings.txt").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(".", "x", 1)  # a typo in the first parcel's first point
    p = tmp_path / "typo.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    f = read_applications(p, plan_area=pack.county_geometry, on_error="collect", work_crs=WORK_CRS).frame
    assert list(f["_label"]) == ["区域1", "区域2"]
    assert "line 3" in f["_error"][0] and "is not a number" in f["_error"][0]
    assert f["_error"][1] is None
    assert f.geometry[1].area == pytest.approx(EXPECTED["section_headings.txt"]["parcels"][1]["area_m2"], rel=1e-4)


def test_header_zone_41_over_unprefixed_eastings(tmp_path):
    """移除大数 export from zone 41: the header's zone gives CM 123°E (EPSG:4550), no plan area needed."""
    from pyproj import Transformer

    lonlat = [(122.60, 37.10), (122.61, 37.10), (122.61, 37.11), (122.60, 37.11)]
    e, n = Transformer.from_crs(4490, 4550, always_xy=True).transform(*zip(*lonlat, strict=True))
    p = tmp_path / "z41.txt"
    p.write_text("坐标系:CGCS2000 带号=41\n" + "\n".join(f"{i} {b:.2f} {a:.2f}" for i, (a, b) in
                                                        enumerate(zip(e, n, strict=True), 1)) + "\n", encoding="utf-8")
    res = read_applications(p, work_crs=WORK_CRS)
    assert "EPSG:4550" in res.source_crs and "带号=41" in res.source_crs
    back = Transformer.from_crs(4549, 4490, always_xy=True).transform(*res.frame.geometry[0].exterior.coords[0])
    assert abs(back[0] - 122.60) < 1e-6 and abs(back[1] - 37.10) < 1e-6


def test_bubiao_xian80_header(tmp_path):
    """A 部标 header naming Xian 1980, 3-degree zone 40, prefixed eastings: EPSG:2364 from the header."""
    from pyproj import Transformer

    lonlat = [(118.90, 36.53), (118.91, 36.53), (118.91, 36.54), (118.90, 36.54)]
    e, n = Transformer.from_crs(4610, 2364, always_xy=True).transform(*zip(*lonlat, strict=True))
    lines = ["[属性描述]", "坐标系=1980西安坐标系", "几度分带=3", "带号=40", "[地块坐标]",
             "4,0.9,X-1,某矿,面,,采矿用地,,@"]
    lines += [f"J{i},1,{b:.3f},{a:.3f}" for i, (a, b) in enumerate(zip(e, n, strict=True), 1)]
    p = tmp_path / "bb.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = read_applications(p, work_crs=WORK_CRS)
    assert "EPSG:2364" in res.source_crs and "[属性描述]" in res.source_crs

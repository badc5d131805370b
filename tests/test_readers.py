"""read_applications on GeoJSON and WKT: structure, CRS handling, labels, fix, on_error."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from mineplan import crs as C
from mineplan.errors import AmbiguousCRSError, InputError
from mineplan.readers import ReadResult, read_applications

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

TO_WORK = Transformer.from_crs(4490, 4549, always_xy=True)
TO_4528 = Transformer.from_crs(4490, 4528, always_xy=True)
#: A parcel near Changle's county town (lon, lat), closed.
RING = [(118.75, 36.60), (118.76, 36.60), (118.76, 36.61), (118.75, 36.61), (118.75, 36.60)]


def changle_area():
    box = shapely.box(118.6, 36.3, 119.1, 36.8).segmentize(0.01)
    return shapely.transform(box, lambda p: np.column_stack(TO_WORK.transform(p[:, 0], p[:, 1])))


def expected_work(ring=RING):
    return np.column_stack(TO_WORK.transform([p[0] for p in ring], [p[1] for p in ring]))


def fc(*features, **extra):
    return {"type": "FeatureCollection", "features": list(features), **extra}


def feat(coords, gtype="Polygon", **props):
    return {"type": "Feature", "properties": props, "geometry": {"type": gtype, "coordinates": coords}}


def write(tmp_path, doc, name="in.geojson"):
    p = tmp_path / name
    p.write_text(json.dumps(doc, ensure_ascii=False) if not isinstance(doc, str) else doc, encoding="utf-8")
    return p


def ring_4528(swap=False):
    e, n = TO_4528.transform([p[0] for p in RING], [p[1] for p in RING])
    return [[round(b, 3), round(a, 3)] if swap else [round(a, 3), round(b, 3)] for a, b in zip(e, n, strict=True)]


def test_wgs84_feature_collection(tmp_path):
    p = write(tmp_path, fc(feat([RING], 编号="CL-001", 矿种="建筑石料用灰岩"), feat([RING], name="second"),
                          feat([RING])))
    res = read_applications(p, work_crs=WORK_CRS)
    assert isinstance(res, ReadResult)
    f = res.frame
    assert str(f.crs) == "EPSG:4549" and list(f.index) == [0, 1, 2]
    assert list(f["_label"]) == ["CL-001", "second", "#3"]
    assert f["矿种"][0] == "建筑石料用灰岩" and f["_error"].isna().all() and not f["_repaired"].any()
    got = shapely.get_coordinates(f.geometry[0])
    assert np.allclose(got, expected_work(), atol=0.01)
    assert res.source_crs.startswith("EPSG:4326")


def test_legacy_crs_member_4528(tmp_path):
    doc = fc(feat([ring_4528()], id="A"), crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4528"}})
    res = read_applications(write(tmp_path, doc), work_crs=WORK_CRS)
    assert "EPSG:4528" in res.source_crs and "declared" in res.source_crs
    assert np.allclose(shapely.get_coordinates(res.frame.geometry[0]), expected_work(), atol=0.01)


def test_legacy_crs_northing_first_is_swapped_inside_plan_area(tmp_path):
    doc = fc(feat([ring_4528(swap=True)]), crs={"type": "name", "properties": {"name": "EPSG:4528"}})
    res = read_applications(write(tmp_path, doc), plan_area=changle_area(), work_crs=WORK_CRS)
    assert "X/Y swapped" in res.source_crs
    assert any("swapped" in n for n in res.notes)
    assert np.allclose(shapely.get_coordinates(res.frame.geometry[0]), expected_work(), atol=0.01)


def test_projected_without_crs_member_is_inferred(tmp_path):
    p = write(tmp_path, fc(feat([ring_4528(swap=True)])))
    res = read_applications(p, plan_area=changle_area(), work_crs=WORK_CRS)
    assert "EPSG:4528" in res.source_crs and "inferred" in res.source_crs
    assert any("inferred" in n for n in res.notes)
    assert np.allclose(shapely.get_coordinates(res.frame.geometry[0]), expected_work(), atol=0.01)
    with pytest.raises(AmbiguousCRSError, match="candidate readings"):
        read_applications(p, work_crs=WORK_CRS)  # no plan area: no inference
    res = read_applications(p, crs="EPSG:4528", plan_area=changle_area(), work_crs=WORK_CRS)
    assert "named with --crs" in res.source_crs


def test_metres_in_a_file_that_claims_degrees(tmp_path):
    doc = fc(feat([ring_4528()]), crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}})
    with pytest.raises(InputError, match="clearly projected metres, but the file claims degrees"):
        read_applications(write(tmp_path, doc), work_crs=WORK_CRS)


def test_degrees_with_a_projected_crs(tmp_path):
    with pytest.raises(InputError, match="look like degrees"):
        read_applications(write(tmp_path, fc(feat([RING]))), crs="EPSG:4528", work_crs=WORK_CRS)


def test_gcj02_named(tmp_path):
    glon, glat = C.wgs84_to_gcj02([p[0] for p in RING], [p[1] for p in RING])
    p = write(tmp_path, fc(feat([[list(v) for v in zip(glon.tolist(), glat.tolist(), strict=True)]])))
    res = read_applications(p, crs="gcj02", work_crs=WORK_CRS)
    assert "converted from GCJ-02 to WGS84" in res.notes and "GCJ-02" in res.source_crs
    # WGS84 -> EPSG:4549 as pyproj does it (CGCS2000 = WGS84 at this precision in PROJ).
    t = Transformer.from_crs(4326, 4549, always_xy=True)
    exp = np.column_stack(t.transform([p[0] for p in RING], [p[1] for p in RING]))
    assert np.allclose(shapely.get_coordinates(res.frame.geometry[0]), exp, atol=0.01)


def test_bd09_named(tmp_path):
    blon, blat = C.wgs84_to_bd09(118.75, 36.6)
    p = write(tmp_path, {"type": "Point", "coordinates": [float(blon), float(blat)]})
    res = read_applications(p, crs="BD-09", work_crs=WORK_CRS)
    t = Transformer.from_crs(4326, 4549, always_xy=True)
    assert np.allclose(shapely.get_coordinates(res.frame.geometry[0]), [t.transform(118.75, 36.6)], atol=0.01)
    assert "converted from BD-09 to WGS84" in res.notes


def test_collect_keeps_every_row(tmp_path):
    bad_ring = RING[:-1]  # unclosed
    bow = [(118.75, 36.60), (118.76, 36.61), (118.76, 36.60), (118.75, 36.61), (118.75, 36.60)]
    doc = fc(feat([RING], id="ok1"), feat([bad_ring], id="open"),
             {"type": "Feature", "properties": {"id": "none"}, "geometry": None},
             feat([["1", "2"]], "LineString", id="str"), feat([bow], id="bow"), feat([RING], id="ok2"))
    p = write(tmp_path, doc)
    with pytest.raises(InputError) as info:
        read_applications(p, work_crs=WORK_CRS)
    assert str(info.value).startswith(f"{p}: feature open: Polygon ring 1 is not closed")
    res = read_applications(p, on_error="collect", work_crs=WORK_CRS)
    f = res.frame
    assert list(f["_label"]) == ["ok1", "open", "none", "str", "bow", "ok2"]
    err = dict(zip(f["_label"], f["_error"], strict=True))
    assert err["ok1"] is None and err["ok2"] is None
    assert "not closed" in err["open"] and err["none"] == "no geometry"
    assert 'coordinate "1" is not a number' in err["str"]
    assert err["bow"].startswith("self-intersection at (118.755, 36.605)")
    assert f.geometry[[1, 2, 3, 4]].isna().all() and f.geometry[[0, 5]].notna().all()
    fixed = read_applications(p, on_error="collect", fix=True, work_crs=WORK_CRS).frame
    assert fixed["_repaired"].tolist() == [False, False, False, False, True, False]
    assert fixed.geometry[4].is_valid and fixed.geometry[4].geom_type == "MultiPolygon"


def test_nan_and_booleans_refused(tmp_path):
    p = write(tmp_path, '{"type": "Point", "coordinates": [NaN, 36.6]}')
    with pytest.raises(InputError, match="not a finite number"):
        read_applications(p, work_crs=WORK_CRS)
    p = write(tmp_path, '{"type": "Point", "coordinates": [true, 36.6]}')
    with pytest.raises(InputError, match="coordinate true is not a number"):
        read_applications(p, work_crs=WORK_CRS)


def test_empty_geometry(tmp_path):
    with pytest.raises(InputError, match="empty geometry"):
        read_applications(write(tmp_path, {"type": "Polygon", "coordinates": []}), work_crs=WORK_CRS)


@pytest.mark.parametrize("content, message", [
    ("", "empty file"),
    ("{not json", "not JSON"),
    ("[1, 2]", "not a GeoJSON object"),
    ('{"type": "FeatureCollection", "features": []}', "no features"),
])
def test_file_level_errors_always_raise(tmp_path, content, message):
    p = write(tmp_path, content)
    with pytest.raises(InputError, match=message):
        read_applications(p, on_error="collect", work_crs=WORK_CRS)


def test_missing_and_unknown(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_applications(tmp_path / "nope.geojson", work_crs=WORK_CRS)
    p = tmp_path / "x.docx"
    p.write_text("x")
    with pytest.raises(InputError, match="unknown format"):
        read_applications(p, work_crs=WORK_CRS)
    with pytest.raises(InputError, match="unknown CRS"):
        read_applications(write(tmp_path, fc(feat([RING]))), crs="EPSG:123456789", work_crs=WORK_CRS)


def test_gbk_geojson(tmp_path):
    p = tmp_path / "gbk.geojson"
    p.write_bytes(json.dumps(fc(feat([RING], 名称="昌乐矿区")), ensure_ascii=False).encode("gbk"))
    res = read_applications(p, work_crs=WORK_CRS)
    assert res.frame["名称"][0] == "昌乐矿区" and res.frame["_label"][0] == "昌乐矿区"
    assert any("GBK" in n for n in res.notes)


def test_wkt_lines_and_srid(tmp_path):
    e, n = TO_4528.transform(118.75, 36.6)
    p = tmp_path / "in.wkt"
    p.write_text(f"# parcels\nSRID=4528;POINT({e:.3f} {n:.3f})\n\nPOLYGON((0 0, 1 0, 1 1))\n", encoding="utf-8")
    res = read_applications(p, on_error="collect", work_crs=WORK_CRS)
    f = res.frame
    assert "EPSG:4528" in res.source_crs and len(f) == 2
    assert np.allclose(shapely.get_coordinates(f.geometry[0]), [TO_WORK.transform(118.75, 36.6)], atol=0.01)
    assert f["_error"][1].startswith("line 4: not valid WKT")


def test_lat_lon_swapped_geojson_with_plan_area(tmp_path):
    p = write(tmp_path, fc(feat([[[lat, lon] for lon, lat in RING]])))
    with pytest.raises(InputError, match=r"latitude 118\.75 outside"):
        read_applications(p, work_crs=WORK_CRS)
    res = read_applications(p, plan_area=changle_area(), work_crs=WORK_CRS)
    assert "lat/lon swapped" in res.source_crs
    assert np.allclose(shapely.get_coordinates(res.frame.geometry[0]), expected_work(), atol=0.01)

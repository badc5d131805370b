"""Formats read through GDAL/pyogrio and GeoParquet."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from mineplan.errors import InputError
from mineplan.readers import read_applications

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

TO_WORK = Transformer.from_crs(4490, 4549, always_xy=True)
RING = [(118.75, 36.60), (118.76, 36.60), (118.76, 36.61), (118.75, 36.61), (118.75, 36.60)]


def changle_area():
    box = shapely.box(118.6, 36.3, 119.1, 36.8).segmentize(0.01)
    return shapely.transform(box, lambda p: np.column_stack(TO_WORK.transform(p[:, 0], p[:, 1])))


def frame(crs="EPSG:4490"):
    g = gpd.GeoDataFrame({"编号": ["CL-1", "CL-2"], "矿种": ["建筑石料用灰岩", "膨润土"]},
                         geometry=[shapely.Polygon(RING), shapely.Polygon([(x + 0.02, y) for x, y in RING])],
                         crs="EPSG:4490")
    return g.to_crs(crs)


def expected(dx=0.0):
    return np.column_stack(TO_WORK.transform([p[0] + dx for p in RING], [p[1] for p in RING]))


def check(res, tol=0.01):
    f = res.frame
    assert str(f.crs) == "EPSG:4549" and list(f["_label"]) == ["CL-1", "CL-2"]
    assert f["矿种"][1] == "膨润土"
    got = shapely.get_coordinates(shapely.normalize(f.geometry[0]))
    assert np.allclose(got, shapely.get_coordinates(shapely.normalize(shapely.Polygon(expected()))), atol=tol)


def test_geopackage_layers(tmp_path):
    p = tmp_path / "a.gpkg"
    frame("EPSG:4528").to_file(p, layer="parcels", engine="pyogrio")
    frame().to_file(p, layer="other", engine="pyogrio", mode="a")
    res = read_applications(p, layer="parcels", work_crs=WORK_CRS)
    check(res)
    assert "EPSG:4528" in res.source_crs and "declared" in res.source_crs
    res = read_applications(p, work_crs=WORK_CRS)
    assert any("2 layers" in n for n in res.notes)
    with pytest.raises(InputError, match="no layer 'x'"):
        read_applications(p, layer="x", work_crs=WORK_CRS)


@pytest.mark.parametrize("cpg", ["GBK", "UTF-8"])
def test_shapefile_encodings_folder_and_zip(tmp_path, cpg):
    d = tmp_path / "shp"
    d.mkdir()
    frame("EPSG:4528").to_file(d / "parcels.shp", engine="pyogrio", encoding=cpg)
    assert (d / "parcels.cpg").read_text().strip().upper().replace("-", "") in (cpg.replace("-", ""), "936", "CP936")
    if cpg == "GBK":
        assert "膨润土".encode("gbk") in (d / "parcels.dbf").read_bytes()
    check(read_applications(d / "parcels.shp", work_crs=WORK_CRS))
    check(read_applications(d, work_crs=WORK_CRS))  # the folder
    z = tmp_path / "parcels.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in d.iterdir():
            zf.write(f, f.name)
    check(read_applications(z, work_crs=WORK_CRS))


def test_shapefile_without_prj_uses_crs_or_inference(tmp_path):
    frame("EPSG:4528").to_file(tmp_path / "p.shp", engine="pyogrio")
    (tmp_path / "p.prj").unlink()
    check(read_applications(tmp_path / "p.shp", crs="EPSG:4528", work_crs=WORK_CRS))
    res = read_applications(tmp_path / "p.shp", plan_area=changle_area(), work_crs=WORK_CRS)
    check(res)
    assert "inferred" in res.source_crs


@pytest.mark.parametrize("suffix, driver", [(".kml", "KML"), (".fgb", "FlatGeobuf")])
def test_kml_and_flatgeobuf(tmp_path, suffix, driver):
    p = tmp_path / f"a{suffix}"
    frame("EPSG:4326" if driver == "KML" else "EPSG:4528").to_file(p, driver=driver, engine="pyogrio")
    res = read_applications(p, work_crs=WORK_CRS)
    f = res.frame
    assert len(f) == 2 and f["_error"].isna().all()
    # FlatGeobuf stores features in spatial-index order: find the parcel by its label.
    first = f.geometry[list(f["_label"]).index("CL-1")] if "CL-1" in set(f["_label"]) else f.geometry[0]
    got = shapely.get_coordinates(shapely.normalize(first))
    assert np.allclose(got, shapely.get_coordinates(shapely.normalize(shapely.Polygon(expected()))), atol=0.01)


def test_kmz(tmp_path):
    kml = tmp_path / "doc.kml"
    frame("EPSG:4326").to_file(kml, driver="KML", engine="pyogrio")
    kmz = tmp_path / "a.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
    res = read_applications(kmz, work_crs=WORK_CRS)
    assert len(res.frame) == 2 and res.frame["_error"].isna().all()


def test_geoparquet(tmp_path):
    p = tmp_path / "a.parquet"
    frame("EPSG:4528").to_parquet(p)
    check(read_applications(p, work_crs=WORK_CRS))
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(InputError, match="not a readable GeoParquet"):
        read_applications(bad, work_crs=WORK_CRS)


def dxf_text(polys) -> str:
    """A minimal R12-style DXF with closed LWPOLYLINEs (CASS exports look like this)."""
    out = ["0", "SECTION", "2", "ENTITIES"]
    for ring in polys:
        out += ["0", "LWPOLYLINE", "8", "0", "90", str(len(ring)), "70", "1"]
        for x, y in ring:
            out += ["10", f"{x:.3f}", "20", f"{y:.3f}"]
    out += ["0", "TEXT", "8", "0", "10", "0", "20", "0", "40", "1", "1", "label"]
    out += ["0", "ENDSEC", "0", "EOF"]
    return "\n".join(out) + "\n"


def test_dxf_closed_polylines(tmp_path):
    t = Transformer.from_crs(4490, 4528, always_xy=True)
    ring = [t.transform(*p) for p in RING[:-1]]
    p = tmp_path / "a.dxf"
    p.write_text(dxf_text([ring]), encoding="ascii")
    res = read_applications(p, crs="EPSG:4528", work_crs=WORK_CRS)
    f = res.frame
    assert len(f) == 1 and f.geom_type[0] == "Polygon"
    got = shapely.get_coordinates(shapely.normalize(f.geometry[0]))
    assert np.allclose(got, shapely.get_coordinates(shapely.normalize(shapely.Polygon(expected()))), atol=0.01)
    assert any("ignored 1 other" in n for n in res.notes)


def test_unreadable(tmp_path):
    p = tmp_path / "x.gpkg"
    p.write_text("nope")
    with pytest.raises(InputError, match="not readable"):
        read_applications(p, work_crs=WORK_CRS)

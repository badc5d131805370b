"""Hostile and broken input: each is refused with one line naming the file (exit 2 through the
CLI), never an internal error, never unbounded memory."""

from __future__ import annotations

import json
import os
import zipfile

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import Polygon

from mineplan.cli import cli
from mineplan.errors import InputError
from mineplan.readers import read_applications

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

LON, LAT = 118.90, 36.53
SQUARE = Polygon([(LON, LAT), (LON + 0.01, LAT), (LON + 0.01, LAT + 0.01), (LON, LAT + 0.01)])


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_deeply_nested_json_is_an_input_error(tmp_path):
    p = tmp_path / "deep.geojson"
    p.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputError, match="nested too deeply"):
        read_applications(p, work_crs=WORK_CRS)
    result = run("convert", p, tmp_path / "out.geojson")
    assert result.exit_code == 2, result.output
    assert str(p) in result.output and "nested too deeply" in result.output


def test_huge_coordinate_is_refused_by_reader_and_convert(tmp_path):
    ring = [[40401679.0, 4044895.0], [1e308, 4044895.0], [40401679.0, 4044995.0], [40401679.0, 4044895.0]]
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:4528"}},
           "features": [{"type": "Feature", "properties": {"id": "H-1"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    p = tmp_path / "huge.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match=r"feature H-1: coordinate \(1e\+308, 4044895\.00\) lies outside the area"):
        read_applications(p, work_crs=WORK_CRS)
    out = tmp_path / "out.geojson"
    result = run("convert", p, out)
    assert result.exit_code == 2 and "lies outside the area of use of EPSG:4528" in result.output
    assert not out.exists()


def test_size_limit_bytes_and_features(tmp_path, monkeypatch):
    gdf = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, geometry=[SQUARE] * 3, crs="EPSG:4326")
    p = tmp_path / "three.geojson"
    gdf.to_file(p, driver="GeoJSON")
    with pytest.raises(InputError, match=r"3 features, more than the limit of 2 \(raise it with MINEPLAN_MAX_FEAT"):
        read_applications(p, max_features=2, work_crs=WORK_CRS)
    monkeypatch.setenv("MINEPLAN_MAX_FEATURES", "2")
    with pytest.raises(InputError, match="more than the limit of 2"):
        read_applications(p, work_crs=WORK_CRS)
    monkeypatch.setenv("MINEPLAN_MAX_FEATURES", "10")
    assert len(read_applications(p, work_crs=WORK_CRS).frame) == 3
    with pytest.raises(InputError, match=r"larger than the limit of 0\.0001 MB \(raise it with MINEPLAN_MAX_INPUT_MB"):
        read_applications(p, max_input_mb=0.0001, work_crs=WORK_CRS)
    gpkg = tmp_path / "three.gpkg"
    gdf.to_file(gpkg, driver="GPKG")
    with pytest.raises(InputError, match="3 features, more than the limit of 2"):
        read_applications(gpkg, max_features=2, work_crs=WORK_CRS)
    monkeypatch.setenv("MINEPLAN_MAX_INPUT_MB", "0.0001")
    result = run("convert", p, tmp_path / "o.geojson")
    assert result.exit_code == 2 and "MINEPLAN_MAX_INPUT_MB" in result.output


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_named_geojson_is_bounded(tmp_path, monkeypatch):
    p = tmp_path / "zero.geojson"
    p.symlink_to("/dev/zero")
    monkeypatch.setenv("MINEPLAN_MAX_INPUT_MB", "4")
    with pytest.raises(InputError, match="larger than the limit of 4 MB"):
        read_applications(p, work_crs=WORK_CRS)


def _shapefile(tmp_path, name="gbk"):
    gdf = gpd.GeoDataFrame({"id": ["甲-1", "乙-2"], "holder": ["昌乐县某石材有限公司", "某矿业公司"]},
                           geometry=[SQUARE, SQUARE], crs="EPSG:4326")
    p = tmp_path / f"{name}.shp"
    gdf.to_file(p, driver="ESRI Shapefile", encoding="gbk")
    return p


def test_gbk_dbf_without_cpg_is_detected(tmp_path):
    p = _shapefile(tmp_path)
    p.with_suffix(".cpg").unlink(missing_ok=True)
    res = read_applications(p, work_crs=WORK_CRS)
    assert list(res.frame["id"]) == ["甲-1", "乙-2"] and res.frame["holder"][0] == "昌乐县某石材有限公司"
    assert any("decoded as GBK/GB18030" in n for n in res.notes)
    forced = read_applications(p, encoding="gbk", work_crs=WORK_CRS)
    assert forced.frame["id"][0] == "甲-1" and any("named with --encoding" in n for n in forced.notes)
    with pytest.raises(InputError, match=r"attributes cannot be decoded as utf-8 .*--encoding"):
        read_applications(p, encoding="utf-8", work_crs=WORK_CRS)


def test_lying_cpg_names_the_cpg_and_the_fix(tmp_path):
    p = _shapefile(tmp_path)
    p.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    with pytest.raises(InputError, match=r"gbk\.cpg says UTF-8 but the attributes are not UTF-8 "
                                         r"\(they decode as GBK\): correct the \.cpg"):
        read_applications(p, work_crs=WORK_CRS)
    assert read_applications(p, encoding="gbk", work_crs=WORK_CRS).frame["id"][0] == "甲-1"


def test_zip_errors_speak_of_the_archive(tmp_path):
    p = _shapefile(tmp_path)
    z = tmp_path / "parcels.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            if p.with_suffix(ext).exists():
                zf.write(p.with_suffix(ext), "data/" + p.with_suffix(ext).name)
    assert list(read_applications(z, work_crs=WORK_CRS).frame["id"]) == ["甲-1", "乙-2"]
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("data/gbk.shp", b"not a shapefile at all")
    with pytest.raises(InputError) as err:
        read_applications(broken, work_crs=WORK_CRS)
    assert "/vsizip" not in str(err.value) and str(broken) in str(err.value)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    with pytest.raises(InputError, match=r"the zip archive holds no \.shp file \(members: readme\.txt\)"):
        read_applications(empty, work_crs=WORK_CRS)
    notzip = tmp_path / "not.zip"
    notzip.write_bytes(b"PK but not really")
    with pytest.raises(InputError, match="not a readable zip archive"):
        read_applications(notzip, work_crs=WORK_CRS)


def test_zip_with_two_shapefiles_names_them_and_layer_picks_one(tmp_path):
    a, b = _shapefile(tmp_path, "east"), _shapefile(tmp_path, "west")
    z = tmp_path / "two.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in (a, b):
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                if p.with_suffix(ext).exists():
                    zf.write(p.with_suffix(ext), p.with_suffix(ext).name)
    with pytest.raises(InputError, match=r"several \.shp files \(east\.shp, west\.shp\): name one with --layer"):
        read_applications(z, work_crs=WORK_CRS)
    assert list(read_applications(z, layer="west", work_crs=WORK_CRS).frame["id"]) == ["甲-1", "乙-2"]


def test_huge_json_integer_is_refused_not_crashed(tmp_path):
    p = tmp_path / "bigint.geojson"
    p.write_text('{"type": "Point", "coordinates": [1' + "0" * 400 + ', 36.5]}', encoding="utf-8")
    with pytest.raises(InputError, match="too large to be a number"):
        read_applications(p, work_crs=WORK_CRS)

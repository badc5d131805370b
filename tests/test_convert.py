"""mineplan.writers and ``mineplan convert`` (through click's CliRunner)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from mineplan.cli import cli
from mineplan.errors import InputError
from mineplan.readers import read_applications
from mineplan.writers import write_frame

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

RING = [(118.75, 36.60), (118.76, 36.60), (118.76, 36.61), (118.75, 36.61), (118.75, 36.60)]
HOLE = [(118.752, 36.602), (118.754, 36.602), (118.754, 36.604), (118.752, 36.602)]


@pytest.fixture
def src(tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"编号": "CL-1", "矿种": "建筑石料用灰岩"},
         "geometry": {"type": "Polygon", "coordinates": [RING, HOLE]}}]}
    p = tmp_path / "in.geojson"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def test_corner_csv_in_4528_has_zone_prefix_and_round_trips(tmp_path, src):
    frame = read_applications(src, work_crs=WORK_CRS).frame
    out = tmp_path / "out.csv"
    write_frame(frame, out, to_crs="EPSG:4528")
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "区块号,圈号,点号,X,Y"
    name, ring, no, x, y = lines[1].split(",")
    e, n = Transformer.from_crs(4490, 4528, always_xy=True).transform(*RING[0])
    assert (name, ring, no) == ("CL-1", "1", "1")
    assert abs(float(x) - n) < 0.01 and abs(float(y) - e) < 0.01 and float(y) > 40_000_000
    back = read_applications(out, crs="EPSG:4528", work_crs=WORK_CRS).frame
    assert back.geometry[0].equals_exact(frame.geometry[0].normalize(), 0.01) or \
        shapely.normalize(back.geometry[0]).equals_exact(shapely.normalize(frame.geometry[0]), 0.01)


def test_corner_csv_geographic(tmp_path, src):
    out = tmp_path / "deg.csv"
    write_frame(read_applications(src, work_crs=WORK_CRS).frame, out)  # default EPSG:4490
    header, first = out.read_text(encoding="utf-8-sig").splitlines()[:2]
    assert header == "区块号,圈号,点号,纬度,经度"
    lat, lon = map(float, first.split(",")[3:])
    assert abs(lat - 36.60) < 1e-8 and abs(lon - 118.75) < 1e-8


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp", ".kml"])
def test_geo_formats_round_trip(tmp_path, src, suffix):
    frame = read_applications(src, work_crs=WORK_CRS).frame
    out = tmp_path / f"out{suffix}"
    write_frame(frame, out, to_crs="EPSG:4528" if suffix != ".kml" else "EPSG:4490")
    back = read_applications(out, work_crs=WORK_CRS).frame
    assert len(back) == 1 and back["_error"].isna().all()
    assert shapely.normalize(back.geometry[0]).equals_exact(shapely.normalize(frame.geometry[0]), 0.01)
    if suffix != ".kml":
        assert back["矿种"][0] == "建筑石料用灰岩"


def test_write_refusals(tmp_path, src):
    frame = read_applications(src, work_crs=WORK_CRS).frame
    with pytest.raises(InputError, match="input-only datum"):
        write_frame(frame, tmp_path / "a.geojson", to_crs="gcj02")
    with pytest.raises(InputError, match="cannot write this format"):
        write_frame(frame, tmp_path / "a.docx")
    pts = gpd.GeoDataFrame({"_label": ["p"]}, geometry=[shapely.Point(400000, 4060000)], crs="EPSG:4549")
    with pytest.raises(InputError, match="polygons only"):
        write_frame(pts, tmp_path / "p.csv")


def test_cli_convert(tmp_path, src):
    out = tmp_path / "out.gpkg"
    r = CliRunner().invoke(cli, ["convert", str(src), str(out), "--to-crs", "EPSG:4549"])
    assert r.exit_code == 0, r.output
    assert "read 1 feature(s)" in r.output and "EPSG:4549" in r.output
    g = gpd.read_file(out)
    assert g.crs.to_epsg() == 4549
    exp = Transformer.from_crs(4490, 4549, always_xy=True).transform(*RING[0])
    assert np.min(np.hypot(*(shapely.get_coordinates(g.geometry[0]) - exp).T)) < 0.01


def test_cli_convert_infers_from_plan_pack_or_reports(tmp_path):
    # Survey coordinates without any CRS: the county from the plan pack decides the reading.
    t = Transformer.from_crs(4490, 4528, always_xy=True)
    lines = ["点号,X,Y"] + [f"{i},{n:.2f},{e:.2f}" for i, (e, n) in
                           enumerate((t.transform(*p) for p in RING[:-1]), 1)]
    p = tmp_path / "c.csv"
    p.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "o.geojson"
    r = CliRunner().invoke(cli, ["convert", str(p), str(out)])
    if r.exit_code == 0:
        assert "EPSG:4528" in r.output and "inferred" in r.output
        g = json.loads(out.read_text(encoding="utf-8"))
        lon, lat = g["features"][0]["geometry"]["coordinates"][0][0]
        assert abs(lon - 118.75) < 1e-6 and abs(lat - 36.60) < 1e-6
    else:  # no usable plan pack in this checkout: a one-line refusal, exit code 2
        assert r.exit_code == 2 and "mineplan: error:" in r.output and "\n" not in r.output.strip()


def test_cli_convert_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Polygon", "coordinates": [[[118.75, 36.6], [118.76, 36.6], [118.76, 36.61]]]}')
    r = CliRunner().invoke(cli, ["convert", str(bad), str(tmp_path / "o.gpkg")])
    assert r.exit_code == 2
    assert r.output.strip().count("\n") == 0 and "ring 1: a ring needs at least 4 positions" in r.output
    r = CliRunner().invoke(cli, ["convert", str(bad), str(tmp_path / "o.gpkg"), "--crs", "EPSG:999999"])
    assert r.exit_code == 2 and "unknown CRS" in r.output


def test_convert_angle_format_option(tmp_path):
    from click.testing import CliRunner

    from mineplan.cli import cli

    src = tmp_path / "few.txt"
    src.write_text("1,36.3100,118.5300\n2,36.3100,118.5330\n3,36.3130,118.5330\n4,36.3130,118.5300\n",
                   encoding="utf-8")
    out = tmp_path / "out.geojson"
    # Four values fit ddd.mmss by chance too often to tell; the plan area does: 118°53′ is in Changle.
    auto = CliRunner().invoke(cli, ["convert", str(src), str(out)])
    assert auto.exit_code == 0, auto.output
    assert "degrees read as ddd.mmss: only that reading of the 4 values falls in the plan area" in auto.output
    forced = CliRunner().invoke(cli, ["convert", str(src), str(out), "--angle-format", "dms"])
    assert forced.exit_code == 0 and "degrees read as ddd.mmss (--angle-format dms)" in forced.output
    deg = CliRunner().invoke(cli, ["convert", str(src), str(tmp_path / "deg.geojson"), "--angle-format", "deg"])
    assert deg.exit_code == 2 and "no reading of the coordinates falls in the plan area" in deg.output

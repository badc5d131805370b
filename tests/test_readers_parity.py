"""One finish for every reader: each input check gives the same error text whatever the format
(GeoJSON, Shapefile, GeoPackage, GeoParquet) and whether the file is read whole
(``read_applications``) or in chunks (``readers.stream.iter_chunks``)."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from mineplan.readers import read_applications
from mineplan.readers.stream import iter_chunks

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

# NaN vertices are written on purpose: shapely's and pyogrio's warnings about them are expected.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# A small square in Changle (lon, lat), and one in CGCS2000 zone 40 (8-digit eastings).
LON, LAT = 118.90, 36.53
E, N = 40_401_679.0, 4_044_895.0


def square(x, y, d):
    return Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)])


DEGREE_CASES = {
    "ok": (square(LON, LAT, 0.01), None),
    "longitude": (square(190.0, LAT, 0.01), "longitude 190 outside [-180, 180]"),
    "latitude": (square(LON, 95.0, 0.01), "latitude 95 outside [-90, 90]"),
    "metres": (square(400_000.0, 4_040_000.0, 100.0),
               "coordinates (400000.00, 4040000.00) are clearly projected metres, but the file claims degrees"),
    "span": (Polygon([(-100, 10), (100, 10), (100, 11), (-100, 11), (-100, 10)]),
             "spans more than 180° of longitude (crosses the antimeridian?); split it"),
    "bowtie": (Polygon([(LON, LAT), (LON + 0.01, LAT + 0.01), (LON + 0.01, LAT), (LON, LAT + 0.01), (LON, LAT)]),
               "self-intersection at (118.905, 36.535) (--fix repairs it)"),
    "nan": (Polygon([(LON, LAT), (math.nan, LAT), (LON + 0.01, LAT + 0.01), (LON, LAT)]),
            "coordinate is not a finite number"),
}

PROJECTED_CASES = {
    "ok": (square(E, N, 100.0), None),
    "huge": (Polygon([(E, N), (1e308, N), (E, N + 100), (E, N)]),
             "coordinate (1e+308, 4044895.00) lies outside the area of use of EPSG:4528"),
    "far": (square(E, N + 5_000_000.0, 100.0), "lies outside the area of use of EPSG:4528"),
    "bowtie": (Polygon([(E, N), (E + 100, N + 100), (E + 100, N), (E, N + 100), (E, N)]),
               "self-intersection at (40401729.00, 4044945.00) (--fix repairs it)"),
}

WRITERS = {
    "geojson": ("cases.geojson", "GeoJSON"),
    "shp": ("cases.shp", "ESRI Shapefile"),
    "gpkg": ("cases.gpkg", "GPKG"),
    "parquet": ("cases.parquet", None),
}


def write(tmp_path, fmt, cases, epsg):
    # GDAL refuses to write a NaN vertex to a Shapefile, so that format cannot carry the case.
    names = [k for k in cases if not (fmt == "shp" and k == "nan")]
    gdf = gpd.GeoDataFrame({"name": names}, geometry=[cases[k][0] for k in names], crs=f"EPSG:{epsg}")
    fname, driver = WRITERS[fmt]
    path = tmp_path / fname
    if driver is None:
        gdf.to_parquet(path)
    elif fmt == "geojson":  # GDAL would write a NaN vertex as a null geometry
        features = json.loads(gdf.to_json())["features"]  # NaN stays NaN
        doc = {"type": "FeatureCollection",
               "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}},
               "features": features}
        path.write_text(json.dumps(doc), encoding="utf-8")
    else:
        gdf.to_file(path, driver=driver)
    return path, names


def check(errors: list, names: list, cases: dict) -> None:
    for name, err in zip(names, errors, strict=True):
        want = cases[name][1]
        if want is None:
            assert err is None, (name, err)
        else:
            assert err is not None and want in err, (name, err)
            assert "\n" not in err


class _Pack:
    def __init__(self, pack):
        self.county_geometry = pack.county_geometry
        self.work_crs = pack.work_crs


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize("cases, epsg", [(DEGREE_CASES, 4326), (PROJECTED_CASES, 4528)], ids=["degrees", "zone40"])
def test_same_error_text_for_every_format_and_path(tmp_path, pack, fmt, cases, epsg):
    path, names = write(tmp_path, fmt, cases, epsg)
    whole = read_applications(path, on_error="collect", plan_area=pack.county_geometry, work_crs=WORK_CRS).frame
    check(list(whole["_error"]), names, cases)
    notes: list[str] = []
    chunks = list(iter_chunks(path, pack=_Pack(pack), chunk_size=3, notes=notes))
    assert f"coordinates read as EPSG:{epsg}" in " ".join(notes)  # the CRS used is stated
    streamed = [e for c in chunks for e in c["_error"]]
    assert streamed == list(whole["_error"])
    assert [lab for c in chunks for lab in c["_label"]] == list(whole["_label"])
    ok = names.index("ok")
    assert whole.geometry[ok].equals_exact(chunks[ok // 3].geometry[ok], 1e-6)


def test_one_broken_number_does_not_spoil_the_inference_of_the_others(tmp_path, pack):
    """No CRS in the file: the plan area infers it from the sane features; the 1e308 one is refused."""
    good = square(E, N, 100.0)
    broken = Polygon([(E, N), (1e308, N), (E, N + 100), (E, N)])
    doc = json.loads(gpd.GeoDataFrame({"id": ["ok", "huge"]}, geometry=[good, broken]).to_json())
    p = tmp_path / "nocrs.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    res = read_applications(p, on_error="collect", plan_area=pack.county_geometry, work_crs=WORK_CRS)
    assert "EPSG:4528" in res.source_crs
    assert res.frame["_error"][0] is None
    assert "lies outside the area of use of EPSG:4528" in res.frame["_error"][1]


@pytest.mark.parametrize("cases, epsg", [(DEGREE_CASES, 4326), (PROJECTED_CASES, 4528)], ids=["degrees", "zone40"])
def test_streamed_geojson_matches_the_whole_read(tmp_path, pack, monkeypatch, cases, epsg):
    """A large GeoJSON is read feature by feature for screen: same errors, labels and geometry."""
    import mineplan.readers.stream as stream

    path, names = write(tmp_path, "geojson", cases, epsg)
    doc = json.loads(path.read_text(encoding="utf-8"))
    # GeoJSON's own structural checks and feature ids too
    doc["features"].append({"type": "Feature", "id": "F-9", "properties": {},
                            "geometry": {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + 1, LAT], [LON, LAT + 1],
                                                                            [LON + 1, LAT + 1]]]}})
    doc["features"].append({"type": "Feature", "id": "F-10", "properties": None, "geometry": None})
    path.write_text(json.dumps(doc), encoding="utf-8")
    whole = read_applications(path, on_error="collect", plan_area=pack.county_geometry, work_crs=WORK_CRS).frame
    monkeypatch.setattr(stream, "GEOJSON_STREAM_BYTES", 0)
    notes: list[str] = []
    chunks = list(iter_chunks(path, pack=_Pack(pack), chunk_size=3, notes=notes))
    assert "GeoJSON read feature by feature (large file)" in notes
    assert [e for c in chunks for e in c["_error"]] == list(whole["_error"])
    assert [lab for c in chunks for lab in c["_label"]] == list(whole["_label"]) == [*names, "F-9", "F-10"]
    assert "is not closed" in whole["_error"].iloc[-2] and whole["_error"].iloc[-1] == "no geometry"
    ok = names.index("ok")
    assert whole.geometry[ok].equals_exact(chunks[ok // 3].geometry[ok], 1e-6)


def test_streamed_geojson_with_crs_after_features_is_read_whole(tmp_path, pack, monkeypatch):
    import mineplan.readers.stream as stream

    monkeypatch.setattr(stream, "GEOJSON_STREAM_BYTES", 0)
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[square(E, N, 100.0)], crs="EPSG:4528")
    doc = json.loads(gdf.to_json())
    doc = {"type": "FeatureCollection", "features": doc["features"],
           "crs": {"type": "name", "properties": {"name": "EPSG:4528"}}}
    p = tmp_path / "late.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    notes: list[str] = []
    frame = next(iter_chunks(p, pack=_Pack(pack), notes=notes))
    assert frame["_error"][0] is None and "GeoJSON read feature by feature (large file)" not in notes


def test_a_site_far_outside_the_county_is_read_not_refused(tmp_path):
    """400 km west of CM 120°E (about 115.5°E) is outside EPSG:4549's nominal zone but inside its
    margin: such a site is judged (outside the plan's scope), not refused as a broken number."""
    gdf = gpd.GeoDataFrame({"id": ["far"]}, geometry=[square(100_000.0, 4_000_000.0, 100.0)], crs="EPSG:4549")
    p = tmp_path / "far.gpkg"
    gdf.to_file(p, driver="GPKG")
    assert read_applications(p, work_crs=WORK_CRS).frame["_error"][0] is None

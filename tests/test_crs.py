"""mineplan.crs: naming CRSs, GCJ-02/BD-09, and inferring the reading of survey coordinates."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from mineplan import crs as C
from mineplan.errors import AmbiguousCRSError, InputError

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

GEOD = Geod(ellps="WGS84")


def changle_area():
    """A stand-in for the county boundary (the real one comes from the plan pack): the
    lon 118.6-119.1, lat 36.3-36.8 box, in EPSG:4549."""
    t = Transformer.from_crs(4490, 4549, always_xy=True)
    box = shapely.box(118.6, 36.3, 119.1, 36.8).segmentize(0.01)
    return shapely.transform(box, lambda p: np.column_stack(t.transform(p[:, 0], p[:, 1])))


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


# ---------------------------------------------------------------- the EPSG codes we rely on
@pytest.mark.parametrize("code, name", [
    (4528, "CGCS2000 / 3-degree Gauss-Kruger zone 40"),
    (4549, "CGCS2000 / 3-degree Gauss-Kruger CM 120E"),
    (4498, "CGCS2000 / Gauss-Kruger zone 20"),
    (4509, "CGCS2000 / Gauss-Kruger CM 117E"),
    (2416, "Beijing 1954 / 3-degree Gauss-Kruger zone 40"),
    (2364, "Xian 1980 / 3-degree Gauss-Kruger zone 40"),
])
def test_epsg_codes(code, name):
    assert CRS.from_epsg(code).name == name


def test_parse_crs_names():
    assert C.parse_crs("EPSG:4528").crs.to_epsg() == 4528
    assert C.parse_crs("4528").crs.to_epsg() == 4528
    assert C.parse_crs("urn:ogc:def:crs:EPSG::4528").crs.to_epsg() == 4528
    assert C.parse_crs("GCJ-02").web == "gcj02"
    assert C.parse_crs("bd09").web == "bd09"
    assert C.parse_crs("cgcs2000").crs.to_epsg() == 4490
    assert "GCJ-02" in C.parse_crs("gcj02").describe()
    assert C.parse_crs("EPSG:4528").describe() == "EPSG:4528 (CGCS2000 / 3-degree Gauss-Kruger zone 40)"
    with pytest.raises(InputError, match="unknown CRS 'EPSG:99999'"):
        C.parse_crs("EPSG:99999")


# ---------------------------------------------------------------- GCJ-02 / BD-09
# Published vectors. eviltransform python/test.py (wgsLat, wgsLng, gcjLat, gcjLng), checked there
# to 6 decimals; gcoord test/unit/crs/*.spec.ts, checked there to 5 decimals.
EVIL = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize("wlat, wlon, glat, glon", EVIL)
def test_gcj02_published_vectors(wlat, wlon, glat, glon):
    lon, lat = C.wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9) and lat == pytest.approx(glat, abs=1e-9)
    lon, lat = C.gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, wlon, wlat) < 0.001  # the iterative inverse: < 1 mm


def test_gcoord_vectors():
    assert np.allclose(C.wgs84_to_gcj02(123, 45), (123.00607541, 45.00197815), atol=5e-6)
    assert np.allclose(C.gcj02_to_wgs84(123, 45), (122.99395597, 44.99804071), atol=5e-6)
    assert np.allclose(C.gcj02_to_bd09(123, 45), (123.00636499, 45.00636899), atol=5e-6)
    assert np.allclose(C.bd09_to_gcj02(123, 45), (122.99363304, 44.99365430), atol=5e-6)
    assert np.allclose(C.wgs84_to_bd09(123, 45), (123.0124491, 45.0083293), atol=5e-6)
    assert np.allclose(C.bd09_to_wgs84(123, 45), (122.98762210, 44.99171540), atol=5e-6)


# eviltransform's BD-09 test vectors (TESTS_bd) are not reproduced by its own published code
# (5e-5 degrees off even with its one-step approximate inverse), so they are not used here;
# gcoord's BD-09 vectors above are.


def test_round_trips_around_changle_under_a_millimetre():
    rng = np.random.default_rng(1)
    lon = rng.uniform(118.6, 119.1, 500)
    lat = rng.uniform(36.3, 36.8, 500)
    glon, glat = C.wgs84_to_gcj02(lon, lat)
    offset = metres(lon, lat, glon, glat)
    assert offset.min() > 400 and offset.max() < 650  # CONTEXT.md: 490-540 m around Changle
    back = C.gcj02_to_wgs84(glon, glat)
    assert metres(*back, lon, lat).max() < 0.001
    blon, blat = C.wgs84_to_bd09(lon, lat)
    assert metres(lon, lat, blon, blat).min() > 1100
    assert metres(*C.bd09_to_wgs84(blon, blat), lon, lat).max() < 0.001


# ---------------------------------------------------------------- inference
T4528 = Transformer.from_crs(4490, 4528, always_xy=True)
PTS = [(118.75, 36.60), (118.76, 36.60), (118.76, 36.61), (118.75, 36.61)]


def survey_pairs(code=4528):
    t = Transformer.from_crs(4490, code, always_xy=True)
    e, n = t.transform([p[0] for p in PTS], [p[1] for p in PTS])
    return np.asarray(n), np.asarray(e)  # X = northing, Y = easting


def test_infer_zone_prefixed_northing_first():
    x, y = survey_pairs(4528)
    assert np.all(y > 40_000_000)
    inf = C.choose_reading(C.projected_candidates(x, y, WORK_CRS), x, y, changle_area(), work_crs=WORK_CRS)
    assert inf.reading.src.crs.to_epsg() == 4528 and inf.reading.swap
    assert "X/Y swapped" in inf.reading.describe()
    e, n = inf.reading.to_work(x, y, WORK_CRS)
    ee, nn = Transformer.from_crs(4490, 4549, always_xy=True).transform([p[0] for p in PTS], [p[1] for p in PTS])
    assert np.allclose(e, ee, atol=0.01) and np.allclose(n, nn, atol=0.01)


def test_infer_no_prefix_and_easting_first():
    x, y = survey_pairs(4549)
    inf = C.choose_reading(C.projected_candidates(y, x, WORK_CRS), y, x, changle_area(), work_crs=WORK_CRS)
    assert inf.reading.src.crs.to_epsg() == 4549 and not inf.reading.swap


def test_infer_six_degree_zone_20():
    x, y = survey_pairs(4498)
    assert np.all((y > 20_000_000) & (y < 21_000_000))
    inf = C.choose_reading(C.projected_candidates(x, y, WORK_CRS), x, y, changle_area(), work_crs=WORK_CRS)
    assert inf.reading.src.crs.to_epsg() == 4498


def test_wrong_zone_prefix_is_dropped_with_a_note():
    x, y = survey_pairs(4549)
    y = y + 39_000_000  # zone 39 written in front of a zone-40 easting
    inf = C.choose_reading(C.projected_candidates(x, y, WORK_CRS), x, y, changle_area(), work_crs=WORK_CRS)
    assert inf.reading.src.crs.to_epsg() == 4549 and "zone prefix 39 dropped" in inf.reading.describe()


def test_no_plan_area_refuses_ambiguity():
    x, y = survey_pairs(4528)
    with pytest.raises(AmbiguousCRSError, match=r"candidate readings: .*EPSG:4528"):
        C.choose_reading(C.projected_candidates(x, y, WORK_CRS), x, y, None, work_crs=WORK_CRS)


def test_nothing_in_the_plan_area():
    x, y = survey_pairs(4528)
    x = x + 500_000  # 500 km north
    with pytest.raises(InputError, match="no reading of the coordinates falls in the plan area"):
        C.choose_reading(C.projected_candidates(x, y, WORK_CRS), x, y, changle_area(), work_crs=WORK_CRS)


def test_ambiguous_in_plan_area():
    # A point list that lands in the plan area read two ways: lat/lon vs ddd.mmss is
    # not ambiguous here, so build an explicit pair of identical-looking readings.
    a = np.array([118.7])
    b = np.array([36.6])
    r1 = C.Reading(C.parse_crs("EPSG:4490"))
    r2 = C.Reading(C.parse_crs("gcj02"))  # 500 m apart: both inside
    with pytest.raises(AmbiguousCRSError, match="several readings"):
        C.choose_reading([r1, r2], a, b, changle_area(), work_crs=WORK_CRS)


def test_degrees_decimal_or_packed_dms():
    lat = np.array([36.3530, 36.3530, 36.3600])  # 36°35′30″ ...
    lon = np.array([118.4512, 118.4600, 118.4600])  # 118°45′12″ ...
    inf = C.choose_reading(C.geographic_candidates(lat, lon), lat, lon, changle_area(), work_crs=WORK_CRS)
    assert "ddd.mmss" in inf.reading.describe() and inf.reading.swap
    x, y = inf.reading.xy(lat, lon)
    assert x[0] == pytest.approx(118 + 45 / 60 + 12 / 3600) and y[0] == pytest.approx(36 + 35 / 60 + 30 / 3600)


def test_dms_helper():
    assert C.dddmmss_to_degrees(118.4530) == pytest.approx(118.758333333, abs=1e-9)
    assert C.dddmmss_to_degrees(-36.3000) == pytest.approx(-36.5)

"""The bundled plan pack: its invariants, each tested, and `plan validate` on broken packs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from tests_support import copy_pack, setback

from mineplan.errors import PlanPackError
from mineplan.pack import FEATURE_FIELDS, load_pack, read_pack
from mineplan.validate import validate_pack

STATED = {  # the plan's areas (km²), 4.2
    "乔官地区地热重点勘查区": 99.15,
    "乔官地区地热资源普查": 61.4,
    "五图地区油页岩普查": 16.94,
    "方山地区矿泉水资源普查": 8,
    "杏山—蟠龙山石灰岩重点开采区": 43.2,
    "杏山建筑石料用灰岩矿区": 0.64,
    "蟠龙山建筑石料用灰岩矿区": 0.31,
}


def by_name(index, name):
    rows = index.features[index.features["name_zh"] == name]
    assert len(rows) == 1, name
    return rows.iloc[0]


@pytest.mark.parametrize(("name", "km2"), STATED.items())
def test_every_area_within_half_a_percent_in_epsg_4549(index, name, km2):
    feature = by_name(index, name)
    assert feature["stated_area_km2"] == km2
    assert abs(feature.geometry.area / 1e6 - km2) <= 0.005 * km2


def test_county_is_the_official_boundary_near_the_stated_area(pack):
    county = pack.layers_with_role("county")[0].frame.iloc[0]
    assert county["provenance"] == "official" and "Tianditu" in county["source"]
    assert pack.county_geometry.area / 1e6 == pytest.approx(1100.6, abs=0.5)  # plan: 1101 km²


def test_blocks_lie_in_their_zones_and_county(index, pack):
    zone = by_name(index, "乔官地区地热重点勘查区").geometry
    assert zone.covers(by_name(index, "乔官地区地热资源普查").geometry)
    kmz = by_name(index, "杏山—蟠龙山石灰岩重点开采区").geometry
    assert kmz.covers(by_name(index, "杏山建筑石料用灰岩矿区").geometry)
    assert kmz.covers(by_name(index, "蟠龙山建筑石料用灰岩矿区").geometry)
    for name in STATED:
        assert pack.county_geometry.covers(by_name(index, name).geometry), name


def test_blocks_do_not_overlap(index):
    blocks = index.features[index.features["role"].isin(["exploration_block", "mining_block"])].geometry.to_numpy()
    for i in range(len(blocks)):
        for j in range(i + 1, len(blocks)):
            assert shapely.intersection(blocks[i], blocks[j]).area < 1.0


def test_shapes_are_irregular_not_boxes_or_circles(index):
    for name in STATED:
        g = by_name(index, name).geometry
        assert len(shapely.get_coordinates(g)) >= 12, name
        rect_ratio = g.area / shapely.minimum_rotated_rectangle(g).area
        circle_ratio = 4 * np.pi * g.area / g.length**2
        assert rect_ratio < 0.95 and circle_ratio < 0.95, name


def test_zones_and_blocks_lie_where_the_plan_says(index):
    to_work = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)

    def km(name, lon, lat):
        return by_name(index, name).geometry.distance(shapely.Point(*to_work.transform(lon, lat))) / 1000

    assert km("乔官地区地热重点勘查区", 118.88115, 36.56647) == 0  # contains the 乔官镇 seat
    assert km("方山地区矿泉水资源普查", 118.91397, 36.63883) < 2  # around 方山
    seat = by_name(index, "五图地区油页岩普查").geometry.centroid
    county_seat = shapely.Point(*to_work.transform(118.8244, 36.70673))
    assert seat.x > county_seat.x and seat.y < county_seat.y  # south-east of the urban area
    assert km("蟠龙山建筑石料用灰岩矿区", 118.99121, 36.52949) < km("杏山建筑石料用灰岩矿区", 118.99121, 36.52949)


def test_plan_mining_blocks_are_minable(index, pack):
    """The plan placed its mining blocks to be mined: outside every visibility range and setback."""
    vis = index.features[index.features["role"].isin(["three_zones", "two_lines"])]
    for name in ("杏山建筑石料用灰岩矿区", "蟠龙山建筑石料用灰岩矿区"):
        block = by_name(index, name).geometry
        for _, feature in vis.iterrows():
            assert block.distance(feature.geometry) > pack.visibility_distance(feature["class"]), (
                name, feature["code"])
        railway, bridge_setback = setback(pack, "L240"), setback(pack, "L241")
        for _, rail in vis[vis["class"].isin(railway["classes"])].iterrows():
            assert block.distance(rail.geometry) > railway["distance_m"]
        for bridge in index.features[index.features["role"] == "road_bridge"].geometry:
            assert block.distance(bridge) > bridge_setback["distance_m"]


def test_every_feature_carries_code_names_kind_and_provenance(pack):
    for layer in pack.layers.values():
        for row in layer.frame.itertuples():
            assert row.code and row.name_zh and row.name_en and row.kind, (layer.name, row.code)
            assert row.provenance in ("official", "reconstructed")
            if row.provenance == "reconstructed":
                assert row.anchors and row.source, row.code
    for layer in pack.layers_with_role("exploration_block"):
        assert set(layer.frame["stage"]) == {"普查"} and layer.frame["mineral"].notna().all()


def test_bundled_pack_validates(pack):
    result = validate_pack()
    assert result.ok, result.problems
    assert {a["code"] for a in result.areas} >= {"CL-COUNTY", "CL-KEZ-01", "CL-MB-02"}


def test_data_hash_is_stable_and_changes_with_the_data(tmp_path, pack):
    root = copy_pack(tmp_path, load=False)
    copy, problems = read_pack(root)
    assert not problems and copy.data_sha256 == pack.data_sha256
    (root / "plan.toml").write_text((root / "plan.toml").read_text(encoding="utf-8") + "\n# edit\n", encoding="utf-8")
    assert read_pack(root)[0].data_sha256 != pack.data_sha256


def test_feature_fields_complete(pack):
    for layer in pack.layers.values():
        assert list(layer.frame.columns) == [*FEATURE_FIELDS, "geometry"]
        assert layer.frame.crs == "EPSG:4549"


# -- broken packs -----------------------------------------------------------------------
def _edit_geometry(root, layer_file, code, fn):
    path = root / layer_file
    doc = json.loads(path.read_text(encoding="utf-8"))
    for f in doc["features"]:
        if f["properties"]["code"] == code:
            f["geometry"] = fn(f["geometry"])
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _scale(geometry, factor):
    g = shapely.geometry.shape(geometry)
    return shapely.geometry.mapping(shapely.affinity.scale(g, factor, factor))


def _shift(geometry, dlon, dlat):
    return shapely.geometry.mapping(shapely.affinity.translate(shapely.geometry.shape(geometry), dlon, dlat))


BROKEN = {
    "area off": (lambda r: _edit_geometry(r, "blocks/mining_blocks.geojson", "CL-MB-01", lambda g: _scale(g, 1.05)),
                 "CL-MB-01: area"),
    "block out of its zone": (
        lambda r: _edit_geometry(r, "blocks/exploration_blocks.geojson", "CL-EB-01", lambda g: _shift(g, 0.05, 0)),
        "CL-EB-01: not inside zone CL-KEZ-01"),
    "blocks overlap": (
        lambda r: _edit_geometry(r, "blocks/exploration_blocks.geojson", "CL-EB-03",
                                 lambda g: _shift(g, -0.05, -0.005)),
        "overlaps block"),
    "outside county": (
        lambda r: _edit_geometry(r, "blocks/exploration_blocks.geojson", "CL-EB-02", lambda g: _shift(g, -0.6, 0)),
        "CL-EB-02: lies partly outside the county"),
    "mining block by a road": (
        lambda r: _edit_geometry(r, "blocks/mining_blocks.geojson", "CL-MB-02", lambda g: _shift(g, 0.03, 0.045)),
        "CL-MB-02"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_validate_rejects_a_broken_invariant(tmp_path, case):
    root = copy_pack(tmp_path, load=False)
    breaker, message = BROKEN[case]
    breaker(root)
    result = validate_pack(root)
    assert not result.ok
    assert any(message in p for p in result.problems), result.problems
    for problem in result.problems:
        assert "\n" not in problem


def test_structural_errors_each_one_line(tmp_path):
    root = copy_pack(tmp_path, load=False)
    doc = json.loads((root / "blocks/mining_blocks.geojson").read_text(encoding="utf-8"))
    doc["features"][1]["properties"]["code"] = doc["features"][0]["properties"]["code"]  # duplicate code
    (root / "blocks/mining_blocks.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bowtie = {"type": "Polygon",
              "coordinates": [[[118.85, 36.55], [118.86, 36.56], [118.86, 36.55], [118.85, 36.56], [118.85, 36.55]]]}
    _edit_geometry(root, "blocks/exploration_blocks.geojson", "CL-EB-03", lambda g: bowtie)
    toml = (root / "plan.toml").read_text(encoding="utf-8")
    toml = toml.replace('role = "road_bridge"', 'role = "bridge_of_sighs"')
    (root / "plan.toml").write_text(toml, encoding="utf-8")
    _, problems = read_pack(root)
    text = "\n".join(problems)
    assert "duplicate code" in text
    assert "CL-EB-03: invalid geometry: Self-intersection" in text
    assert "unknown role 'bridge_of_sighs'" in text
    with pytest.raises(PlanPackError, match="more: run `mineplan plan validate`"):
        load_pack(root)


@pytest.mark.filterwarnings("ignore:Column names longer than 10:UserWarning", "ignore::RuntimeWarning")
def test_missing_crs_is_an_error(tmp_path):
    import geopandas as gpd

    root = copy_pack(tmp_path, load=False)
    frame = gpd.read_file(root / "blocks/mining_blocks.geojson")
    shp = root / "blocks" / "mining_blocks.shp"
    frame.to_crs(4549).to_file(shp, engine="pyogrio", encoding="utf-8")
    shp.with_suffix(".prj").unlink()
    toml = (root / "plan.toml").read_text(encoding="utf-8").replace("blocks/mining_blocks.geojson",
                                                                    "blocks/mining_blocks.shp")
    (root / "plan.toml").write_text(toml, encoding="utf-8")
    _, problems = read_pack(root)
    assert any("mining_blocks.shp: layer 'mining_blocks': no CRS defined" in p for p in problems), problems


@pytest.mark.filterwarnings("ignore:Column names longer than 10:UserWarning", "ignore::RuntimeWarning")
def test_official_layers_in_another_format_and_crs_with_field_mapping(tmp_path):
    """A bureau's layers: Shapefile in EPSG:4528 with GHQBH/GHQMC field names work unchanged."""
    import geopandas as gpd

    root = copy_pack(tmp_path, load=False)
    frame = gpd.read_file(root / "blocks/mining_blocks.geojson").to_crs("EPSG:4528")
    frame = frame.rename(columns={"code": "GHQBH", "name_zh": "GHQMC", "stated_area_km2": "GHQMJ"})
    frame.to_file(root / "blocks" / "KAICQK.shp", engine="pyogrio", encoding="utf-8")
    toml = (root / "plan.toml").read_text(encoding="utf-8").replace(
        'file = "blocks/mining_blocks.geojson"',
        'file = "blocks/KAICQK.shp"\nfields = { code = "GHQBH", name_zh = "GHQMC", stated_area_km2 = "GHQMJ" }')
    (root / "plan.toml").write_text(toml, encoding="utf-8")
    result = validate_pack(root)
    assert result.ok, result.problems
    pack = load_pack(root)
    assert set(pack.layers["mining_blocks"].frame["code"]) == {"CL-MB-01", "CL-MB-02"}
    shutil.rmtree(root)


def test_catalogue_must_match_the_rules(tmp_path):
    root = copy_pack(tmp_path, load=False)
    toml = (root / "plan.toml").read_text(encoding="utf-8")
    toml = toml.replace("[catalogue.V230]", "[catalogue.V999]")
    (root / "plan.toml").write_text(toml, encoding="utf-8")
    problems = validate_pack(root).problems
    assert any("[catalogue.V999]: unknown rule code" in p for p in problems)
    assert any("[catalogue.V230]: missing, or has no clause" in p for p in problems)

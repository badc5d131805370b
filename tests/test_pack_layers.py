"""Official layers drop in: [layers.NAME] keys where, fields, encoding, crs and coordinates.

Each test writes a bureau-style file (GBK Shapefile with the planning database's field names, a
shared layer, a coordinate-string table) into a copy of the bundled pack and loads it through
the same loader and `plan validate` as the bundled layers."""

from __future__ import annotations

import math
import re
import warnings

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from tests_support import copy_pack

from mineplan.cli import cli
from mineplan.errors import PlanPackError
from mineplan.pack import FEATURE_FIELDS, ROLES, load_pack, read_pack
from mineplan.readers.corners import string_polygon
from mineplan.validate import validate_pack

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")

#: the planning database's names (third round: 规划区编号, 名称, 类别, 面积 km²; 矿种, 勘查阶段, 资源量)
OFFICIAL = {"code": "GHQBH", "name_zh": "GHQMC", "class": "GHQLB", "stated_area_km2": "GHQMJ", "mineral": "KZ",
            "stage": "KCJD", "resource_wm3": "ZYL"}
FOURTH_ROUND = "D1_370725_E_2020_GJGHKQ.shp"  # 第四轮: one Shapefile per layer, named by adcode and layer


def _official(frame, crs="EPSG:4526"):
    """A pack layer as a bureau exports it: official field names, another CRS."""
    out = frame.to_crs(crs)
    out = out.assign(ZYL=[500.0 + i for i in range(len(out))])
    return out.rename(columns={v: k for k, v in {"GHQBH": "code", "GHQMC": "name_zh", "GHQMJ": "stated_area_km2",
                                                     "KZ": "mineral", "KCJD": "stage"}.items()})[
        ["GHQBH", "GHQMC", "GHQMJ", "KZ", "KCJD", "ZYL", "geometry"]]


def _entry(toml: str, name: str, body: str) -> str:
    """plan.toml text with the [layers.NAME] table's body replaced."""
    pattern = re.compile(rf"(\[layers\.{name}\]\n)(.*?)(?=\n\[|\n#)", re.S)
    assert pattern.search(toml), name
    return pattern.sub(lambda m: m.group(1) + body.strip() + "\n", toml, count=1)


def _set_entry(root, name, body):
    path = root / "plan.toml"
    path.write_text(_entry(path.read_text(encoding="utf-8"), name, body), encoding="utf-8")


def _blocks(root, layer="mining_blocks"):
    return gpd.read_file(root / "blocks" / f"{layer}.geojson")


def _same_shapes(loaded, original, tol_m):
    loaded = loaded.set_index("code").sort_index()
    original = original.to_crs(loaded.crs).set_index("code").sort_index()
    assert list(loaded.index) == list(original.index)
    for code in loaded.index:
        assert shapely.hausdorff_distance(loaded.geometry[code], original.geometry[code]) < tol_m, code


# ------------------------------------------------------------------ GBK Shapefile, fields, encoding
def test_gbk_shapefile_with_official_names_and_fourth_round_file_name(tmp_path):
    root = copy_pack(tmp_path, load=False)
    original = _blocks(root)
    _official(original).to_file(root / "blocks" / FOURTH_ROUND, engine="pyogrio", encoding="GBK")
    assert "杏山".encode("gbk") in (root / "blocks" / FOURTH_ROUND).with_suffix(".dbf").read_bytes()
    assert (root / "blocks" / FOURTH_ROUND).with_suffix(".cpg").read_text().strip() == "GBK"
    fields = ", ".join(f'{k} = "{v}"' for k, v in OFFICIAL.items() if k != "class")
    _set_entry(root, "mining_blocks", f'role = "mining_block"\nfile = "blocks/{FOURTH_ROUND}"\nfields = {{ {fields} }}')
    result = validate_pack(root)
    assert result.ok, result.problems
    frame = load_pack(root).layers["mining_blocks"].frame
    assert list(frame.columns) == [*FEATURE_FIELDS, "geometry"]
    assert set(frame["name_zh"]) == {"杏山建筑石料用灰岩矿区", "蟠龙山建筑石料用灰岩矿区"}  # the .cpg was honoured
    assert sorted(frame["resource_wm3"]) == [500.0, 501.0]
    assert frame["stated_area_km2"].dtype == float and set(frame["stated_area_km2"]) == {0.64, 0.31}
    _same_shapes(frame, original, 0.01)


def test_encoding_key_reads_a_gbk_dbf_without_cpg(tmp_path):
    root = copy_pack(tmp_path, load=False)
    _official(_blocks(root)).to_file(root / "blocks" / "KAICQK.shp", engine="pyogrio", encoding="GBK")
    (root / "blocks" / "KAICQK.cpg").unlink()
    body = 'role = "mining_block"\nfile = "blocks/KAICQK.shp"\nfields = { code = "GHQBH", name_zh = "GHQMC" }'
    _set_entry(root, "mining_blocks", body)
    garbled, problems = read_pack(root)  # without the key: GDAL's default (Latin-1), not Chinese
    assert not problems
    assert "杏山建筑石料用灰岩矿区" not in set(garbled.layers["mining_blocks"].frame["name_zh"])
    _set_entry(root, "mining_blocks", body + '\nencoding = "GBK"')
    pack, problems = read_pack(root)
    assert not problems, problems
    assert set(pack.layers["mining_blocks"].frame["name_zh"]) == {"杏山建筑石料用灰岩矿区", "蟠龙山建筑石料用灰岩矿区"}


def test_unknown_encoding_is_one_line(tmp_path):
    root = copy_pack(tmp_path, load=False)
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/mining_blocks.geojson"\nencoding = "GBQ"')
    _, problems = read_pack(root)
    assert any(p.endswith("layer 'mining_blocks': encoding: unknown encoding 'GBQ' (e.g. GBK, UTF-8)")
               for p in problems), problems


def test_a_mapped_column_the_file_lacks_is_an_error(tmp_path):
    root = copy_pack(tmp_path, load=False)
    _official(_blocks(root)).to_file(root / "blocks" / "KAICQK.shp", engine="pyogrio", encoding="GBK")
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/KAICQK.shp"\n'
                                      'fields = { code = "GHQBH", name_zh = "GHQMC", stage = "KCJDX" }')
    _, problems = read_pack(root)
    line = next(p for p in problems if "KCJDX" in p)
    assert "KAICQK.shp: layer 'mining_blocks': fields: stage = 'KCJDX': no field 'KCJDX' in the file" in line
    assert "GHQBH" in line and "\n" not in line  # the fields it has are named
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/KAICQK.shp"\nfields = { kode = "GHQBH" }')
    assert any("fields: unknown feature column 'kode'" in p for p in read_pack(root)[1])


def test_a_stated_area_that_is_not_a_number_names_the_feature(tmp_path):
    root = copy_pack(tmp_path, load=False)
    frame = _official(_blocks(root)).astype({"GHQMJ": str})
    frame.loc[frame["GHQBH"] == "CL-MB-02", "GHQMJ"] = "0.31平方千米"
    frame.to_file(root / "blocks" / "KAICQK.gpkg", engine="pyogrio")
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/KAICQK.gpkg"\n'
                                      'fields = { code = "GHQBH", stated_area_km2 = "GHQMJ" }')
    _, problems = read_pack(root)
    assert any(p.endswith("layer 'mining_blocks': feature CL-MB-02: stated_area_km2 '0.31平方千米' is not a number")
               for p in problems), problems


# ------------------------------------------------------------------ crs
def test_crs_key_gives_a_file_without_prj_its_zone_prefixed_crs(tmp_path):
    root = copy_pack(tmp_path, load=False)
    original = _blocks(root)
    shp = root / "blocks" / "KAICQK.shp"
    _official(original, "EPSG:4526").to_file(shp, engine="pyogrio", encoding="UTF-8")
    shp.with_suffix(".prj").unlink()
    body = 'role = "mining_block"\nfile = "blocks/KAICQK.shp"\nfields = { code = "GHQBH" }'
    _set_entry(root, "mining_blocks", body)
    assert any("KAICQK.shp: layer 'mining_blocks': no CRS defined" in p for p in read_pack(root)[1])
    _set_entry(root, "mining_blocks", body + '\ncrs = "EPSG:4526"')
    pack, problems = read_pack(root)
    assert not problems, problems
    layer = pack.layers["mining_blocks"]
    assert layer.source_crs == "EPSG:4526"
    x = shapely.get_coordinates(gpd.read_file(shp).geometry.iloc[0])[0, 0]
    assert 38_000_000 < x < 39_000_000  # the eastings carry zone 38's prefix
    _same_shapes(layer.frame, original, 0.01)


def test_crs_key_overrides_a_wrong_prj_and_rejects_a_non_crs(tmp_path):
    root = copy_pack(tmp_path, load=False)
    original = _blocks(root)
    shp = root / "blocks" / "KAICQK.shp"
    _official(original, "EPSG:4526").set_crs("EPSG:4549", allow_override=True).to_file(shp, engine="pyogrio")
    body = 'role = "mining_block"\nfile = "blocks/KAICQK.shp"\nfields = { code = "GHQBH" }\ncrs = "EPSG:4526"'
    _set_entry(root, "mining_blocks", body)
    pack, problems = read_pack(root)
    assert not problems
    _same_shapes(pack.layers["mining_blocks"].frame, original, 0.01)
    _set_entry(root, "mining_blocks", body.replace("EPSG:4526", "EPSG:45260"))
    assert any("layer 'mining_blocks': crs: 'EPSG:45260' is not a CRS" in p for p in read_pack(root)[1])


# ------------------------------------------------------------------ where
def _shared_layer(root):
    """Exploration and mining blocks in one GBK Shapefile, told apart by GHQLB (and a number)."""
    frames = []
    for layer, cls, kind in (("exploration_blocks", "330201", 2), ("mining_blocks", "330101", 1)):
        frame = _official(_blocks(root, layer))
        frames.append(frame.assign(GHQLB=cls, LX=kind))
    shared = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    shared.to_file(root / "blocks" / "GHQ.shp", engine="pyogrio", encoding="GBK")


def test_where_picks_each_layer_out_of_a_shared_layer(tmp_path):
    root = copy_pack(tmp_path, load=False)
    _shared_layer(root)
    fields = 'fields = { code = "GHQBH", name_zh = "GHQMC", stated_area_km2 = "GHQMJ", class = "GHQLB" }'
    _set_entry(root, "mining_blocks",
               f'role = "mining_block"\nfile = "blocks/GHQ.shp"\nwhere = {{ GHQLB = "330101" }}\n{fields}')
    _set_entry(root, "exploration_blocks", 'role = "exploration_block"\nfile = "blocks/GHQ.shp"\n'
                                           f'where = {{ LX = [2, 3], GHQLB = ["330201", "330202"] }}\n{fields}\n'
                                           'encoding = "GBK"')
    result = validate_pack(root)
    assert result.ok, result.problems
    pack = load_pack(root)
    assert set(pack.layers["mining_blocks"].frame["code"]) == {"CL-MB-01", "CL-MB-02"}
    assert set(pack.layers["exploration_blocks"].frame["code"]) == {"CL-EB-01", "CL-EB-02", "CL-EB-03"}
    assert set(pack.layers["mining_blocks"].frame["class"]) == {"330101"}


def test_where_on_a_field_the_file_lacks_is_one_line(tmp_path):
    root = copy_pack(tmp_path, load=False)
    _shared_layer(root)
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/GHQ.shp"\nwhere = { QHQLB = "330101" }\n'
                                      'fields = { code = "GHQBH" }')
    _, problems = read_pack(root)
    line = next(p for p in problems if "QHQLB" in p)
    assert re.fullmatch(r".*GHQ\.shp: layer 'mining_blocks': where: no field 'QHQLB' in the file \(fields: .*GHQLB.*\)",
                        line)
    with pytest.raises(PlanPackError, match="where: no field 'QHQLB'"):
        load_pack(root)


def test_where_selecting_nothing_says_so(tmp_path):
    root = copy_pack(tmp_path, load=False)
    _shared_layer(root)
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/GHQ.shp"\nwhere = { GHQLB = "330103" }\n'
                                      'fields = { code = "GHQBH" }')
    assert any("GHQ.shp: layer 'mining_blocks': no features" in p for p in read_pack(root)[1])


# ------------------------------------------------------------------ coordinates
def _gdzb(geom) -> str:
    """X1,Y1;X2,Y2;… (X northing, Y easting) of a polygon's exterior, as the planning database writes it."""
    return ";".join(f"{y:.3f},{x:.3f}" for x, y in shapely.get_coordinates(geom.exterior)[:-1])


def _ddmmss(value: float) -> str:
    d = int(value)
    m = int((value - d) * 60)
    s = ((value - d) * 60 - m) * 60
    return f"{d}{m:02d}{s:05.2f}"


def test_gdzb_table_in_zone_38_becomes_the_blocks(tmp_path):
    root = copy_pack(tmp_path, load=False)
    original = _blocks(root)
    table = _official(original, "EPSG:4526")
    table = pd.DataFrame(table.drop(columns="geometry")).assign(GDZB=[_gdzb(g) for g in table.geometry])
    table.to_csv(root / "blocks" / "KAICAQ.csv", index=False, encoding="utf-8")
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/KAICAQ.csv"\n'
                                      'fields = { code = "GHQBH", name_zh = "GHQMC", stated_area_km2 = "GHQMJ" }\n'
                                      'coordinates = { field = "GDZB", format = "gdzb", crs = "EPSG:4526" }')
    result = validate_pack(root)
    assert result.ok, result.problems
    frame = load_pack(root).layers["mining_blocks"].frame
    _same_shapes(frame, original, 0.01)
    assert frame["stated_area_km2"].tolist() == [0.64, 0.31]  # CSV text, read as numbers


def test_gdzb_in_dddmmss_latitude_longitude(tmp_path):
    root = copy_pack(tmp_path, load=False)
    original = _blocks(root)
    degrees = original.to_crs("EPSG:4490")
    gdzb = [";".join(f"{_ddmmss(lat)},{_ddmmss(lon)}" for lon, lat in shapely.get_coordinates(g.exterior)[:-1])
            for g in degrees.geometry]
    pd.DataFrame({"GHQBH": original["code"], "GDZB": gdzb}).to_csv(root / "blocks" / "KAICAQ.csv", index=False)
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/KAICAQ.csv"\nfields = { code = "GHQBH" }\n'
                                      'coordinates = { field = "GDZB", format = "gdzb", angle = "dddmmss" }')
    pack, problems = read_pack(root)
    assert not problems, problems
    assert gdzb[0].split(";")[0].startswith("36")  # latitude first, e.g. 363145.12
    _same_shapes(pack.layers["mining_blocks"].frame, original, 0.5)  # seconds to 0.01″ ≈ 0.3 m


def _rings(geom, numbered: bool, marker: str = "") -> str:
    coords = shapely.get_coordinates(geom.exterior)[:-1]
    points = [(f"{n},{y:.2f},{x:.2f}" if numbered else f"{y:.2f},{x:.2f}") for n, (x, y) in enumerate(coords, 1)]
    return f"{len(coords)}," + ",".join(points) + marker


def test_rings_table_in_xlsx_with_markers_and_holes(tmp_path):
    root = copy_pack(tmp_path, load=False)
    original = _blocks(root).to_crs("EPSG:4526")
    hole = original.geometry.iloc[0].centroid.buffer(50, quad_segs=2)
    with_hole = original.geometry.iloc[0].difference(hole)
    strings = [f"2,{_rings(with_hole, True, ',*,220,100,一采区,1,')},{_rings(hole, False, ',*,,,,-1')}",
               f"1,{_rings(original.geometry.iloc[1], False)}"]
    pd.DataFrame({"GHQBH": original["code"], "QYZB": strings}).to_excel(root / "blocks" / "KAICAQ.xlsx", index=False,
                                                                       sheet_name="开采区")
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/KAICAQ.xlsx"\nlayer = "开采区"\n'
                                      'fields = { code = "GHQBH" }\n'
                                      'coordinates = { field = "QYZB", format = "rings", crs = "EPSG:4526" }')
    pack, problems = read_pack(root)
    assert not problems, problems
    frame = pack.layers["mining_blocks"].frame.set_index("code").to_crs("EPSG:4526")
    assert len(frame.geometry["CL-MB-01"].interiors) == 1
    assert frame.geometry["CL-MB-01"].area == pytest.approx(with_hole.area, rel=1e-5)  # corners to 1 cm
    assert shapely.hausdorff_distance(frame.geometry["CL-MB-02"], original.geometry.iloc[1]) < 0.01


def test_dbf_table_of_setback_features_in_gbk(tmp_path):
    """A DBF without geometry (居民点 as small GDZB rings) as a setback layer, encoding from the entry."""
    root = copy_pack(tmp_path, load=False)
    county = gpd.read_file(root / "zones" / "county.geojson").to_crs("EPSG:4526").geometry.iloc[0]
    p = county.representative_point()
    squares = [shapely.box(p.x + dx, p.y, p.x + dx + 80, p.y + 60) for dx in (0, 500)]
    table = pd.DataFrame({"BH": ["JMD-1", "JMD-2"], "MC": ["王家庄", "李家村"], "LX": ["村庄", "村庄"],
                          "GDZB": [_gdzb(s) for s in squares]})
    pyogrio.write_dataframe(table, root / "zones" / "JMD.dbf", driver="ESRI Shapefile", encoding="GBK")
    (root / "zones" / "JMD.cpg").unlink()
    toml = (root / "plan.toml").read_text(encoding="utf-8")
    toml += ('\n[layers.residential]\nrole = "setback"\nfile = "zones/JMD.dbf"\nencoding = "GBK"\n'
             'fields = { code = "BH", name_zh = "MC", kind = "LX" }\n'
             'coordinates = { field = "GDZB", format = "gdzb", crs = "EPSG:4526" }\n')
    (root / "plan.toml").write_text(toml, encoding="utf-8")
    assert ROLES["setback"] == "any"
    pack, problems = read_pack(root)
    assert not problems, problems
    frame = pack.layers["residential"].frame
    assert frame["name_zh"].tolist() == ["王家庄", "李家村"] and set(frame["kind"]) == {"村庄"}
    assert pack.layers_with_role("setback")[0].frame.to_crs("EPSG:4526").area.tolist() == pytest.approx([4800, 4800])


BAD = {
    "a pair without Y": ("gdzb", "4000000,38500000;4000100", "row 2 (feature B-2): GDZB: point 2: expected X,Y, got "
                                                              "'4000100'"),
    "a letter O": ("gdzb", "4000000,38500000;4OOO100,38500000;4000100,38500100",
                   "row 2 (feature B-2): GDZB: point 2: X: '4OOO100' is not a number"),
    "two points": ("gdzb", "4000000,38500000;4000100,38500000", "needs at least 3 distinct points, has 2"),
    "bowtie": ("gdzb", "4000000,38500000;4000100,38500100;4000100,38500000;4000000,38500100",
               "invalid polygon: Self-intersection"),
    "short ring": ("rings", "1,4,4000000,38500000,4000100,38500000,4000100,38500100",
                   "GDZB: ring 1 declares 4 corners but the string ends after 3"),
    "missing ring": ("rings", "2,3,4000000,38500000,4000100,38500000,4000100,38500100",
                     "GDZB: the string ends where ring 2: 拐点数 (the number of corners) is expected"),
    "bad ring count": ("rings", "x,3,4000000,38500000,4000100,38500000,4000100,38500100",
                       "GDZB: 区域数 (the number of rings): 'x' is not a whole number"),
    "empty": ("gdzb", "", "row 2 (feature B-2): GDZB: empty coordinate string"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_coordinate_string_is_one_line_naming_row_and_problem(tmp_path, case):
    fmt, bad, message = BAD[case]
    root = copy_pack(tmp_path, load=False)
    good = "4000000,38500000;4000100,38500000;4000100,38500100"
    if fmt == "rings":
        good = "1,3,4000000,38500000,4000100,38500000,4000100,38500100"
    pd.DataFrame({"BH": ["B-1", "B-2"], "GDZB": [good, bad]}).to_csv(root / "zones" / "t.csv", index=False)
    toml = (root / "plan.toml").read_text(encoding="utf-8")
    toml += (f'\n[layers.t]\nrole = "setback"\nfile = "zones/t.csv"\nfields = {{ code = "BH" }}\n'
             f'coordinates = {{ field = "GDZB", format = "{fmt}", crs = "EPSG:4526" }}\n')
    (root / "plan.toml").write_text(toml, encoding="utf-8")
    _, problems = read_pack(root)
    lines = [p for p in problems if "t.csv" in p]
    assert len(lines) == 1 and "\n" not in lines[0], problems
    assert lines[0].startswith(str(root / "zones" / "t.csv") + ": layer 't': row 2 (feature B-2): GDZB: ")
    assert message in lines[0], lines[0]


@pytest.mark.parametrize(("coordinates", "message"), [
    ('{ field = "GDZB", format = "gdzb" }', "coordinates: no 'crs'"),
    ('{ field = "ZB", format = "gdzb", crs = "EPSG:4526" }',
     "coordinates: no field 'ZB' in the file (fields: BH, GDZB)"),
    ('{ field = "GDZB", format = "wkt", crs = "EPSG:4526" }', "coordinates: unknown format 'wkt' (known: gdzb, rings)"),
    ('{ field = "GDZB", angle = "dms", crs = "EPSG:4526" }', "coordinates: unknown angle 'dms'"),
    ('{ field = "GDZB", zone = 38 }', "coordinates: unknown key(s) zone"),
])
def test_a_bad_coordinates_entry_is_one_line(tmp_path, coordinates, message):
    root = copy_pack(tmp_path, load=False)
    pd.DataFrame({"BH": ["B-1"], "GDZB": ["4000000,38500000;4000100,38500000;4000100,38500100"]}).to_csv(
        root / "zones" / "t.csv", index=False)
    toml = (root / "plan.toml").read_text(encoding="utf-8")
    toml += (f'\n[layers.t]\nrole = "setback"\nfile = "zones/t.csv"\nfields = {{ code = "BH" }}\n'
             f"coordinates = {coordinates}\n")
    (root / "plan.toml").write_text(toml, encoding="utf-8")
    _, problems = read_pack(root)
    assert any(f"t.csv: layer 't': {message}" in p for p in problems), problems


def test_coordinate_string_parsers_directly():
    square = string_polygon("4000000,38500000；4000000,38500100；4000100,38500100；4000100,38500000", "gdzb")
    assert square.area == pytest.approx(10_000) and square.bounds == (38500000, 4000000, 38500100, 4000100)
    deg = string_polygon("365130,1185248;365130,1185348;365230,1185348", "gdzb", angle="dddmmss")
    lon, lat = 118 + 52 / 60 + 48 / 3600, 36 + 51 / 60 + 30 / 3600
    assert shapely.get_coordinates(deg)[0].tolist() == pytest.approx([lon, lat])
    with pytest.raises(ValueError, match="not DDDMMSS"):
        string_polygon("366130,1185248;365130,1185348;365230,1185348", "gdzb", angle="dddmmss")
    with pytest.raises(ValueError, match=r"point 1: X: '1185248' is not a latitude \(first of each pair\)"):
        string_polygon("1185248,365130;1185348,365130;1185348,365230", "gdzb", angle="dddmmss")
    two = string_polygon("2,3,0,0,0,10,10,10,*,,,,1,3,100,100,100,110,110,110,*,,,,1", "rings")
    assert two.geom_type == "MultiPolygon" and math.isclose(two.area, 100)
    with pytest.raises(ValueError, match="1 field"):
        string_polygon("1,3,0,0,0,10,10,10,99", "rings")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert string_polygon("1,3,1,0,0,2,0,10,3,10,10", "rings").area == pytest.approx(50)  # numbered points


def test_plan_validate_cli_on_an_official_pack(tmp_path):
    root = copy_pack(tmp_path, load=False)
    _shared_layer(root)
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/GHQ.shp"\nwhere = { GHQLB = "330101" }\n'
                                      'fields = { code = "GHQBH", name_zh = "GHQMC", stated_area_km2 = "GHQMJ" }')
    result = CliRunner().invoke(cli, ["plan", "validate", "--data", str(root)])
    assert result.exit_code == 0, result.output
    _set_entry(root, "mining_blocks", 'role = "mining_block"\nfile = "blocks/GHQ.shp"\nwhere = { GHQLX = "330101" }')
    result = CliRunner().invoke(cli, ["plan", "validate", "--data", str(root)])
    assert result.exit_code == 1
    assert "where: no field 'GHQLX'" in result.output

"""Issue 13, part A: the rules say what the plan says.

Each case builds an application from the bundled pack's own features (EPSG:4549), runs it through
``check_frame`` and through ``screen(..., findings="json")``, and asserts the verdict, the rule that
decides and the clause and plan sentence reported with it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from mineplan.checker import check_frame
from mineplan.engine.options import RunOptions
from mineplan.screen import screen

EXPLORATION = {"right_type": "exploration", "stage": "普查", "green_mine": True, "grant": "招标"}
MINE = {"right_type": "mining", "mineral": "建筑石料用灰岩", "method": "open_pit", "annual_output": 250,
        "output_unit": "万吨/年", "licence_years": 15, "green_mine": True, "grant": "挂牌"}
# an allowed mine (a limestone quarry is at best restricted: X224): a geothermal well field, as examples/MIN-A
WELL = {"right_type": "mining", "mineral": "地热", "method": "well", "annual_output": 10, "output_unit": "万立方米/年",
        "licence_years": 10, "green_mine": True, "grant": "挂牌", "clean_grant": True, "restoration_plan": True,
        "mine_status": "new"}


def well_field(index):
    return feature(index, "exploration_block", "地热").geometry.centroid.buffer(300, quad_segs=16)


def feature(index, role, mineral=None):
    f = index.features
    return f[(f["role"] == role) & ((f["mineral"] == mineral) if mineral else True)].iloc[0]


def both(pack, tmp_path, geom, constraints=None, **attrs):
    """(check's result, screen's row as (verdict, findings by rule)) for one application."""
    frame = gpd.GeoDataFrame([{"id": "A-1", **attrs}], geometry=[geom], crs="EPSG:4549")
    checked = check_frame(frame, pack=pack, constraints=constraints)[0]
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    frame.astype({c: object for c in frame.columns if c not in ("geometry",)}).to_parquet(src)
    options = {"constraints": constraints} if constraints else {}
    if constraints:
        from mineplan.engine.options import ConstraintLayer
        options["constraints"] = tuple(ConstraintLayer(*c) for c in constraints)
    screen(src, out, pack=pack, findings="json", **options)
    row = gpd.read_parquet(out).iloc[0]
    screened = (row["verdict"], {f["rule"]: f for f in json.loads(row["findings"])})
    return checked, screened


def pack_with(tmp_path, **rules):
    """A copy of the bundled pack with some [rules] keys set (values as TOML text)."""
    import re

    from tests_support import copy_pack

    from mineplan.pack import load_pack

    root = copy_pack(tmp_path, load=False)
    toml = root / "plan.toml"
    text = toml.read_text(encoding="utf-8")
    for key, value in rules.items():
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
        if not n:
            text = text.replace("\n[rules]\n", f"\n[rules]\n{key} = {value}\n", 1)
    toml.write_text(text, encoding="utf-8")
    return load_pack(root)


def finding(result, code):
    hits = [f for f in result.findings if f.rule == code]
    assert len(hits) <= 1, hits
    return hits[0] if hits else None


def assert_reported(pack, checked, screened, code, severity, verdict):
    """Both paths give ``verdict`` and ``code`` at ``severity``, with the pack's clause; check's JSON
    and screen's carry the same finding."""
    f = finding(checked, code)
    assert checked.verdict == verdict, [(x.rule, x.severity, x.message_en) for x in checked.findings]
    assert f is not None and f.severity == severity, f
    entry = pack.config["catalogue"][code]
    assert f.clause == entry["clause"]
    assert screened[0] == verdict
    s = screened[1][code]
    assert s["severity"] == severity and s["clause"] == entry["clause"]
    assert s == json.loads(json.dumps(f.as_dict(), ensure_ascii=False))
    return f


def plan_text(shared):
    return (shared / "plan" / "changle-mineral-plan-2021-2025.zh.txt").read_text(encoding="utf-8")


def in_plan(text: str, sentence: str) -> bool:
    """The plan's sentence is in the plan (its lines are broken and paged: compare without white space)."""
    squash = "".join(text.split())
    return "".join(sentence.split()) in squash


@pytest.fixture(scope="module")
def shared():
    """The repository's copy of the plan's public text (docs/plan/, kept by the repo for tests)."""
    return Path(__file__).resolve().parents[1] / "docs"


# -- point 1: 探转采 only for the minerals the plan names (5.3.1) -----------------------------------

def test_oil_shale_mine_in_its_exploration_block_is_forbidden(pack, index, tmp_path, shared):
    oil = feature(index, "exploration_block", "油页岩")
    checked, screened = both(pack, tmp_path, oil.geometry.centroid.buffer(300),
                             **{**MINE, "mineral": "油页岩", "method": "underground", "annual_output": 30})
    f = assert_reported(pack, checked, screened, "X210", "forbidden", "forbidden")
    assert f.facts["exploration_block"] == oil["code"] and f.facts["convertible_minerals"] == ["地热", "矿泉水"]
    assert "5.3.1" in f.clause and "探转采" in f.message_zh
    assert pack.rules["exploration_to_mining_minerals"] == ["地热", "矿泉水"]
    assert in_plan(plan_text(shared), "探转采的地热、矿泉水资源按中型矿山规模进行开发")


def test_mineral_water_mine_in_its_exploration_block_is_inside(pack, index, tmp_path):
    water = feature(index, "exploration_block", "矿泉水")
    checked, screened = both(pack, tmp_path, water.geometry.centroid.buffer(100),
                             **{**MINE, "mineral": "矿泉水", "method": "well", "annual_output": 5,
                                "output_unit": "万立方米/年", "licence_years": 10})
    f = assert_reported(pack, checked, screened, "X210", "pass", checked.verdict)
    assert f.facts["block"] == water["code"]


def test_convertible_minerals_are_pack_data(tmp_path, index):
    pack2 = pack_with(tmp_path, exploration_to_mining_minerals='["地热"]')
    water = feature(index, "exploration_block", "矿泉水")
    frame = gpd.GeoDataFrame([{**MINE, "mineral": "矿泉水", "method": "well", "annual_output": 5,
                               "output_unit": "万立方米/年"}], geometry=[water.geometry.centroid.buffer(100)],
                             crs="EPSG:4549")
    f = finding(check_frame(frame, pack=pack2)[0], "X210")
    assert f.severity == "forbidden" and f.facts["convertible_minerals"] == ["地热"]


# -- point 4: 范围一致 is a surveying tolerance (4.2.2(2)) ----------------------------------------------

def _jittered(geom, amplitude, seed=1):
    """``geom`` with every vertex (one each 50 m) moved by at most ``amplitude`` metres."""
    rng = np.random.default_rng(seed)
    ring = np.asarray(shapely.segmentize(geom, 50).exterior.coords)
    d = rng.uniform(-1, 1, ring.shape)
    d /= np.maximum(1.0, np.linalg.norm(d, axis=1))[:, None]
    ring = ring + amplitude * d
    ring[-1] = ring[0]
    return shapely.make_valid(shapely.Polygon(ring))


def _lobed(block, share):
    """``block`` with a round lobe outside it of about ``share`` of its area."""
    at = Point(block.boundary.interpolate(0.3, normalized=True))
    radius = 50.0
    while at.buffer(radius).difference(block).area < share * block.area:
        radius *= 1.02
    return block.union(at.buffer(radius))


def test_lobe_of_0_8_percent_is_not_coinciding(pack, index, tmp_path, shared):
    block = feature(index, "exploration_block", "地热")
    lobed = _lobed(block.geometry, 0.008)
    assert 0.008 <= lobed.difference(block.geometry).area / block.geometry.area < 0.0085  # under the old 1 %
    checked, screened = both(pack, tmp_path, lobed, **EXPLORATION, mineral="地热")
    f = assert_reported(pack, checked, screened, "E200", "forbidden", "forbidden")
    assert f.facts["exceeded"] == ["boundary_offset"] and f.facts["boundary_offset_m"] > 100
    assert f.facts["symmetric_difference_share"] < f.facts["share_cap"]
    assert "范围不一致" in f.message_zh and "tolerance 1 m" in f.message_en
    entry = pack.config["catalogue"]["E200"]
    assert "范围一致" in entry["text_zh"] and in_plan(plan_text(shared), "拟投放探矿权应与勘查规划区块范围一致")


def test_half_a_metre_of_jitter_coincides(pack, index, tmp_path):
    block = feature(index, "exploration_block", "地热")
    checked, screened = both(pack, tmp_path, _jittered(block.geometry, 0.5), **EXPLORATION, mineral="地热")
    f = assert_reported(pack, checked, screened, "E200", "pass", "allowed")
    assert 0 < f.facts["boundary_offset_m"] <= 0.5 + 1e-6 and f.facts["offset_tolerance_m"] == 1.0
    assert f.facts["block"] == block["code"]


def test_the_share_cap_still_bounds_the_area(tmp_path, index):
    pack2 = pack_with(tmp_path, coincide_offset_m="10000.0")  # an offset that lets anything through
    block = feature(index, "exploration_block", "地热")
    frame = gpd.GeoDataFrame([{**EXPLORATION, "mineral": "地热"}], geometry=[_lobed(block.geometry, 0.02)],
                             crs="EPSG:4549")
    f = finding(check_frame(frame, pack=pack2)[0], "E200")
    assert f.severity == "forbidden" and f.facts["exceeded"] == ["share_cap"]


# -- point 5: out of the plan's area is out of its scope (总则) -----------------------------------------

def test_site_straddling_the_county_boundary_is_not_judged_outside(pack, tmp_path, shared):
    edge = pack.county_geometry.boundary.interpolate(0.2, normalized=True)
    checked, screened = both(pack, tmp_path, edge.buffer(300), right_type="site")
    f = assert_reported(pack, checked, screened, "B100", "restricted", "restricted")
    assert 0.2 < f.facts["share_outside"] < 0.8 and f.facts["area_outside_m2"] > 0
    assert "适用范围" in f.message_zh and "not judged" in f.message_en
    assert "所辖行政区域" in pack.config["catalogue"]["B100"]["text_zh"]
    assert in_plan(plan_text(shared), "《规划》适用范围为昌乐县所辖行政区域")


def test_site_wholly_outside_the_county_is_outside_the_scope(pack, tmp_path):
    checked, screened = both(pack, tmp_path, Point(100000, 4000000).buffer(100), right_type="site")
    f = assert_reported(pack, checked, screened, "B100", "restricted", "restricted")
    assert f.facts["share_outside"] == 1.0 and f.facts["distance_to_county_m"] > 0
    assert "outside this plan's scope" in f.message_en


def test_application_of_unknown_type_straddling_is_not_judged_outside(pack):
    # without a type it is not known to need a block: the part outside is not judged, like a site's
    edge = pack.county_geometry.boundary.interpolate(0.2, normalized=True)
    frame = gpd.GeoDataFrame([{"id": "A-1"}], geometry=[edge.buffer(300)], crs="EPSG:4549")
    result = check_frame(frame, pack=pack)[0]
    assert finding(result, "B100").severity == "restricted" and finding(result, "A001").severity == "cannot_judge"


def test_right_straddling_the_county_boundary_stays_forbidden(pack, tmp_path):
    edge = pack.county_geometry.boundary.interpolate(0.2, normalized=True)
    checked, screened = both(pack, tmp_path, edge.buffer(300), **EXPLORATION, mineral="地热")
    f = assert_reported(pack, checked, screened, "B100", "forbidden", "forbidden")
    assert f.message_en.startswith("straddles the county boundary")


# -- point 8: 压覆 needs area ----------------------------------------------------------------------------

def test_site_sharing_only_an_edge_with_a_block_covers_nothing(pack, index, tmp_path, shared):
    block = feature(index, "exploration_block", "矿泉水").geometry
    ring = block.buffer(200).difference(block)  # a ring road round the block: every edge shared, no area
    assert ring.touches(block) and ring.intersection(block).area == 0
    checked, screened = both(pack, tmp_path, ring, right_type="site")
    f = assert_reported(pack, checked, screened, "S270", "pass", "allowed")
    assert "covered" not in f.facts


def test_site_touching_a_block_at_a_corner_covers_nothing(pack, index, tmp_path):
    block = feature(index, "exploration_block", "矿泉水").geometry
    x, y = min(block.exterior.coords)  # the westmost corner
    corner = box(x - 400, y - 200, x, y + 200)
    assert corner.intersects(block) and corner.intersection(block).area == 0
    checked, screened = both(pack, tmp_path, corner, right_type="site")
    assert_reported(pack, checked, screened, "S270", "pass", "allowed")


def test_site_with_an_area_in_a_block_covers_it(pack, index, tmp_path, shared):
    water = feature(index, "exploration_block", "矿泉水")
    c = water.geometry.centroid
    checked, screened = both(pack, tmp_path, box(c.x - 200, c.y - 200, c.x + 200, c.y + 200), right_type="site")
    f = assert_reported(pack, checked, screened, "S270", "restricted", "restricted")
    assert [x["code"] for x in f.facts["covered"]] == [water["code"]]
    assert f.facts["covered"][0]["overlap_m2"] == pytest.approx(160000, rel=1e-6)
    assert in_plan(plan_text(shared), "加强矿业权出让，矿产资源勘查、开发利用与保护等工程项目实施的规划审查")


def test_points_and_lines_cover_a_block_only_from_inside(pack, index, tmp_path):
    block = feature(index, "exploration_block", "矿泉水").geometry
    coords = list(block.exterior.coords)
    on_edge = shapely.LineString(coords[:4])  # along the boundary
    for geom, severity in ((block.centroid, "restricted"), (Point(coords[0]), "pass"), (on_edge, "pass"),
                           (shapely.LineString([block.centroid, (block.centroid.x, block.bounds[3] + 500)]),
                            "restricted")):
        checked, screened = both(pack, tmp_path, geom, right_type="site")
        assert_reported(pack, checked, screened, "S270", severity, "restricted" if severity != "pass" else "allowed")


# -- point 10: "not checked" is visible (1.4.1) --------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _StrictOptions(RunOptions):
    """RunOptions with the strict flag, whether or not RunOptions has it yet."""

    strict: bool = True


def strict_options(**values) -> RunOptions:
    if "strict" in {f.name for f in dataclasses.fields(RunOptions)}:
        return RunOptions(strict=True, **values)
    return _StrictOptions(**values)


def test_no_red_line_or_farmland_layer_is_reported_not_checked(pack, index, tmp_path, shared):
    mine = well_field(index)
    checked, screened = both(pack, tmp_path, mine, **WELL)
    f = assert_reported(pack, checked, screened, "C280", "info", "allowed")
    assert f.facts["not_checked"] == ["生态保护红线", "永久基本农田"]
    assert "未核查" in f.message_zh and "conditional" in f.message_en
    assert "永久基本农田" in pack.config["catalogue"]["C280"]["text_zh"]
    assert in_plan(plan_text(shared), "我县山区大部分被划入红线范围，未划入红线的区域也受到退让林地、草地、耕地"
                                      "甚至永久基本农田保护")


def test_a_red_line_layer_leaves_farmland_not_checked(pack, index, tmp_path):
    mine = well_field(index)
    over = gpd.GeoDataFrame({"code": ["RL-1"]}, geometry=[mine.centroid.buffer(100)], crs="EPSG:4549")
    clear = gpd.GeoDataFrame({"code": ["RL-1"]}, geometry=[Point(0, 0).buffer(10)], crs="EPSG:4549")
    red = [("redline", "生态保护红线", "forbidden", clear)]
    checked, screened = both(pack, tmp_path, mine, constraints=red, **WELL)
    f = assert_reported(pack, checked, screened, "C280", "info", "allowed")
    assert f.facts["not_checked"] == ["永久基本农田"] and "does not overlap 生态保护红线" in f.message_en
    hit, screened = both(pack, tmp_path, mine, constraints=[("redline", "生态保护红线", "forbidden", over)], **WELL)
    g = assert_reported(pack, hit, screened, "C280", "forbidden", "forbidden")
    assert g.facts["not_checked"] == ["永久基本农田"] and g.facts["feature"] == "RL-1"
    both_layers = [("redline", "生态保护红线", "forbidden", clear), ("farmland", "永久基本农田", "restricted", clear)]
    done, screened = both(pack, tmp_path, mine, constraints=both_layers, **WELL)
    h = assert_reported(pack, done, screened, "C280", "pass", "allowed")
    assert "not_checked" not in h.facts


def test_strict_or_the_pack_make_not_checked_restricted(pack, index, tmp_path):
    mine = feature(index, "mining_block").geometry
    frame = gpd.GeoDataFrame([{"id": "A-1", **MINE}], geometry=[mine], crs="EPSG:4549")
    strict = check_frame(frame, pack=pack, options=strict_options(findings="json"))[0]
    assert strict.verdict == "restricted" and finding(strict, "C280").severity == "restricted"
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    frame.astype({c: object for c in frame.columns if c != "geometry"}).to_parquet(src)
    screen(src, out, pack=pack, options=strict_options(findings="json"))
    assert gpd.read_parquet(out).iloc[0]["verdict"] == "restricted"
    pack2 = pack_with(tmp_path, constraint_not_checked_severity='"restricted"')
    by_pack = check_frame(frame, pack=pack2)[0]
    assert by_pack.verdict == "restricted" and finding(by_pack, "C280").facts["not_checked"]


def test_a_constraint_file_is_of_the_kind_its_name_says(pack, index, tmp_path):
    from mineplan.engine.options import constraint_layers

    mine = well_field(index)
    layer = gpd.GeoDataFrame({"code": ["X"]}, geometry=[Point(0, 0).buffer(10)], crs="EPSG:4549")
    for name in ("redline", "永久基本农田"):
        layer.to_file(tmp_path / f"{name}.gpkg")
    layers = constraint_layers(pack, [(str(tmp_path / "redline.gpkg"), "forbidden"),
                                      (str(tmp_path / "永久基本农田.gpkg"), "restricted")])
    frame = gpd.GeoDataFrame([{"id": "A-1", **WELL}], geometry=[mine], crs="EPSG:4549")
    result = check_frame(frame, pack=pack, constraints=layers)[0]
    assert finding(result, "C280").severity == "pass" and result.verdict == "allowed"
    only_other = constraint_layers(pack, [(str(tmp_path / "redline.gpkg"), "forbidden")])
    layer.to_file(tmp_path / "wetlands.gpkg")
    named_else = constraint_layers(pack, [(str(tmp_path / "wetlands.gpkg"), "forbidden")])
    unchecked = finding(check_frame(frame, pack=pack, constraints=only_other)[0], "C280").facts["not_checked"]
    assert unchecked == ["永久基本农田"]
    unchecked = finding(check_frame(frame, pack=pack, constraints=named_else)[0], "C280").facts["not_checked"]
    assert unchecked == ["生态保护红线", "永久基本农田"]


@pytest.mark.parametrize("shift", [0.3, 0.9, 1.2, 3.0, 40.0])
def test_a_shifted_right_coincides_within_the_offset_only(pack, index, shift):
    # a right moved by d metres has boundaries d apart: measured or inferred, the decision is the same
    block = feature(index, "exploration_block", "矿泉水").geometry
    moved = shapely.affinity.translate(block, shift * 0.6, shift * 0.8)
    frame = gpd.GeoDataFrame([{**EXPLORATION, "mineral": "矿泉水"}], geometry=[moved], crs="EPSG:4549")
    f = finding(check_frame(frame, pack=pack)[0], "E200")
    assert f.severity == ("pass" if shift <= 1.0 else "forbidden")
    assert f.facts["boundary_offset_m"] == pytest.approx(shift, abs=0.01)


def test_a_pack_constraint_layer_declares_its_kind(tmp_path, index):
    from tests_support import copy_pack

    from mineplan.engine.options import constraint_layers
    from mineplan.pack import load_pack

    root = copy_pack(tmp_path, load=False)
    gpd.GeoDataFrame({"code": ["Z-1"]}, geometry=[Point(0, 0).buffer(10)], crs="EPSG:4549").to_file(
        root / "layer_a.geojson")
    toml = root / "plan.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[layers.layer_a]\nrole = "constraint"\n'
                    'file = "layer_a.geojson"\ntitle_zh = "甲图层"\ntitle_en = "Layer A"\nkind = "red_line"\n',
                    encoding="utf-8")
    pack2 = load_pack(root)
    mine = feature(index, "mining_block").geometry
    frame = gpd.GeoDataFrame([{"id": "A-1", **MINE}], geometry=[mine], crs="EPSG:4549")
    f = finding(check_frame(frame, pack=pack2, constraints=constraint_layers(pack2))[0], "C280")
    assert f.severity == "info" and f.facts["not_checked"] == ["永久基本农田"] and "甲图层" in f.message_zh

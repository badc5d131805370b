"""Issue 14: the pack configures the rules — on/off, severity, titles, setbacks, caps, missing
layers, the mining area — with no Python change. Each case edits a copy of the bundled pack."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from tests_support import copy_pack

from mineplan.checker import check_frame
from mineplan.cli import cli
from mineplan.errors import RuleConfigError
from mineplan.pack import load_pack
from mineplan.validate import validate_pack

MINE = {"right_type": "mining", "mineral": "建筑石料用灰岩", "method": "open_pit", "annual_output": 250,
        "output_unit": "万吨/年", "licence_years": 15, "green_mine": True, "grant": "挂牌", "clean_grant": True,
        "restoration_plan": True, "mine_status": "new"}


def pack_with(tmp_path, text: str = "", replace: dict[str, str] | None = None):
    """A copy of the bundled pack with TOML ``text`` appended and ``replace`` applied to plan.toml."""
    root = copy_pack(tmp_path, load=False)
    toml = root / "plan.toml"
    body = toml.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in body, old
        body = body.replace(old, new)
    toml.write_text(body + "\n" + text, encoding="utf-8")
    return root


def block(pack, code):
    f = pack.features("mining_block")
    return f[f["code"] == code].geometry.iloc[0]


def run(pack, geom, **attrs):
    frame = gpd.GeoDataFrame([{"id": "T-1", **attrs}], geometry=[geom], crs=pack.work_crs)
    return check_frame(frame, pack=pack)[0]


def finding(result, code):
    hits = [f for f in result.findings if f.rule == code]
    return hits[0] if hits else None


def test_a_rule_disabled_by_the_pack_is_gone_everywhere(tmp_path):
    off = {"[catalogue.T260]\nclause": "[catalogue.T260]\nenabled = false\nclause"}
    pack = load_pack(pack_with(tmp_path, replace=off))
    assert "T260" not in pack.rule_set.codes and pack.rule_set.disabled == ("T260",)
    result = run(pack, block(pack, "CL-MB-01"), **{**MINE, "grant": "协议"})
    assert finding(result, "T260") is None
    out = CliRunner().invoke(cli, ["--data", str(pack.root), "rules", "T260"])
    assert out.exit_code == 2 and "disabled by the pack" in out.output
    assert validate_pack(pack.root).ok


def test_the_pack_sets_a_rules_severity_and_title(tmp_path):
    root = pack_with(tmp_path, replace={
        "[catalogue.T260]\nclause":
            '[catalogue.T260]\nseverity = "forbidden"\ntitle_en = "No agreement grants"\nclause',
        "min_licence_years = 10": "min_licence_years = 8"})
    pack = load_pack(root)
    f = finding(run(pack, block(pack, "CL-MB-01"), **{**MINE, "grant": "协议"}), "T260")
    assert f.severity == "forbidden"
    assert pack.rule_set.by_code["T260"].title_en == "No agreement grants"
    # titles are templates over the pack's values: X223 follows min_licence_years
    assert pack.rule_set.by_code["X223"].title_zh == "采矿许可证有效期原则上不少于8年"
    assert load_pack().rule_set.by_code["X223"].title_zh == "采矿许可证有效期原则上不少于10年"


def test_a_rule_without_its_layer_reports_not_checked(tmp_path):
    layer = ('[layers.road_bridges]\nrole = "road_bridge"\nfile = "zones/road_bridges.geojson"\n'
             'title_zh = "大中型公路桥梁"\ntitle_en = "Large and medium road bridges"\n')
    root = pack_with(tmp_path, replace={layer: ""})
    pack = load_pack(root)
    result = run(pack, block(pack, "CL-MB-01"), **MINE)
    f = finding(result, "L241")
    assert f.severity == "cannot_judge" and f.facts == {"role": "road_bridge"}
    assert f.message_en == "not checked: no layer for role road_bridge"
    v = validate_pack(root)
    assert any("rule L241 is enabled but the pack has no layer for role road_bridge" in n for n in v.notes)
    # the pack can make "not checked" a note only
    info = load_pack(pack_with(tmp_path / "b", replace={'not_checked_severity = "cannot_judge"':
                                                         'not_checked_severity = "info"'}))
    assert info.rule_set.by_code["L241"].not_checked_severity == "info"


def test_a_county_adds_its_own_setback(tmp_path):
    """A 300 m blasting distance (爆破安全距离) to residential points (居民点): a new layer of role
    setback and one [[setbacks]] entry."""
    pack0 = load_pack()
    xingshan = block(pack0, "CL-MB-01")
    house = shapely.Point(xingshan.exterior.coords[0])  # on the block's edge
    root = copy_pack(tmp_path, load=False)
    gpd.GeoDataFrame({"code": ["JMD-1"], "name_zh": ["某村"], "name_en": ["a village"]}, geometry=[house],
                     crs=pack0.work_crs).to_file(root / "zones" / "houses.gpkg", engine="pyogrio")
    (root / "plan.toml").write_text((root / "plan.toml").read_text(encoding="utf-8") + '''
[layers.houses]
role = "setback"
file = "zones/houses.gpkg"
title_zh = "居民点"
title_en = "Residential points"

[[setbacks]]
code = "L242"
role = "setback"
layer = "houses"
distance_m = 300
severity = "forbidden"
right_types = ["mining"]
feature_zh = "居民点"
feature_en = "residential point"
action_zh = "在爆破安全距离内"
action_en = "inside the blasting safety distance"

[catalogue.L242]
clause = "爆破安全规程 GB 6722"
text_zh = ""
note = "test: a county's own setback"
''', encoding="utf-8")
    pack = load_pack(root)
    assert pack.rule_set.codes.index("L242") == pack.rule_set.codes.index("L241") + 1
    assert pack.rule_set.by_code["L242"].title_zh == "居民点300米范围内不得设置矿山"
    f = finding(run(pack, xingshan, **MINE), "L242")
    assert f.severity == "forbidden" and f.facts["feature"] == "JMD-1" and f.facts["distance_m"] == 0
    assert "inside the blasting safety distance" in f.message_en
    far = shapely.affinity.translate(xingshan, 0, -5000)
    clear = finding(run(pack, far, **MINE), "L242")
    assert clear.severity == "pass" and clear.facts["distance_m"] > 300 and clear.facts["feature"] == "JMD-1"
    # an underground mine is not judged by an open-pit setback; with open_pit_only = false it is
    assert finding(run(pack, xingshan, **{**MINE, "method": "underground"}), "L242") is None


def test_the_mining_area_cut_back_by_setbacks(tmp_path):
    """[rules] mining_area = "within_block_after_setbacks": 大矿小开 is measured against the block
    minus its setbacks (the 钟祥 2024 case: a block cut back by a 300 m blasting distance)."""
    pack0 = load_pack()
    xingshan = block(pack0, "CL-MB-01")
    house = shapely.Point(xingshan.exterior.coords[0])
    root = copy_pack(tmp_path, load=False)
    gpd.GeoDataFrame({"code": ["JMD-1"]}, geometry=[house], crs=pack0.work_crs).to_file(
        root / "zones" / "houses.gpkg", engine="pyogrio")
    body = (root / "plan.toml").read_text(encoding="utf-8").replace('mining_area = "coincide"',
                                                                    'mining_area = "within_block_after_setbacks"')
    (root / "plan.toml").write_text(body + '''
[layers.houses]
role = "setback"
file = "zones/houses.gpkg"

[[setbacks]]
code = "L242"
role = "setback"
distance_m = 300
feature_zh = "居民点"
feature_en = "residential point"
cuts_block = true

[catalogue.L242]
clause = "test"
''', encoding="utf-8")
    pack = load_pack(root)
    cut = shapely.difference(xingshan, house.buffer(300, quad_segs=64))
    mining_area = shapely.buffer(cut, -0.5)  # the mining area as a bureau draws it, clear of the setback
    whole = run(pack, mining_area, **MINE)
    assert finding(whole, "X212").severity == "pass"
    assert finding(whole, "X212").facts["mining_area_m2"] == pytest.approx(cut.area, rel=1e-3)
    assert finding(whole, "L242").severity == "pass"
    # half the mining area is 大矿小开 of the mining area, not of the block
    half = shapely.intersection(mining_area, shapely.box(*xingshan.bounds[:2], xingshan.centroid.x, xingshan.bounds[3]))
    f = finding(run(pack, half, **MINE), "X212")
    share = half.area / cut.area
    assert f.severity == "forbidden" and f.facts["share_of_block"] == pytest.approx(share, abs=1e-3)
    assert "mining area (after setbacks)" in f.message_en
    # the same right under "coincide" is measured against the whole block
    f0 = finding(run(pack0, half, **MINE), "X212")
    assert f0.facts["share_of_block"] == pytest.approx(half.area / xingshan.area, abs=1e-3)


def test_a_cap_of_the_packs_own(tmp_path):
    """An [[indicators]] entry with a rule: at most one building-stone limestone mine."""
    root = pack_with(tmp_path, '''
[[indicators]]
key = "limestone_mines"
title_zh = "建筑石料用灰岩矿山数"
title_en = "Building-stone limestone mines"
counts = "mining_rights"
minerals = ["建筑石料用灰岩"]
limit = 1
kind = "max"
clause = "test"
rule = "K314"
severity = "forbidden"

[catalogue.K314]
clause = "test"
''')
    pack = load_pack(root)
    a, b = block(pack, "CL-MB-01"), block(pack, "CL-MB-02")
    frame = gpd.GeoDataFrame([{"id": "Q1", **MINE}, {"id": "Q2", **MINE}], geometry=[a, b], crs=pack.work_crs)
    first, second = check_frame(frame, pack=pack)
    assert finding(first, "K314").severity == "pass"
    f = finding(second, "K314")
    assert f.severity == "forbidden" and f.facts["cap"] == 1 and f.facts["within_cap"] == ["Q1"]
    assert pack.rule_set.by_code["K314"].title_zh == "建筑石料用灰岩矿山数上限 1"


@pytest.mark.parametrize(("text", "error"), [
    ('[[setbacks]]\ncode = "L249"\nrole = "two_lines"\nfeature_zh = "河"\nfeature_en = "river"\n', "no 'distance_m'"),
    ('[[setbacks]]\ncode = "L249"\nrole = "canal"\ndistance_m = 5\nfeature_zh = "河"\nfeature_en = "river"\n',
     "unknown role 'canal'"),
    ('[[setbacks]]\ncode = "L240"\nrole = "two_lines"\ndistance_m = 5\nfeature_zh = "河"\nfeature_en = "river"\n',
     "rule code L240 is used twice"),
    ('[[indicators]]\nkey = "x"\ntitle_zh = "x"\ntitle_en = "x"\ncounts = "wells"\nlimit = 1\nkind = "max"\n',
     "counts 'wells' is not one of"),
])
def test_a_bad_rule_entry_is_one_line_naming_it(tmp_path, text, error):
    root = pack_with(tmp_path, text)
    with pytest.raises(RuleConfigError, match=error) as exc:
        load_pack(root).rule_set  # noqa: B018
    assert str(root / "plan.toml") in str(exc.value) and "\n" not in str(exc.value)
    assert any(error in p for p in validate_pack(root).problems)


def test_validate_wants_a_clause_for_every_enabled_rule(tmp_path):
    root = pack_with(tmp_path, replace={'[catalogue.X223]\nclause = "5.3.3"': '[catalogue.X223]\nclause = ""'})
    problems = validate_pack(root).problems
    assert any("[catalogue.X223]: missing, or has no clause" in p for p in problems)
    off = pack_with(tmp_path / "b", replace={'[catalogue.X223]\nclause = "5.3.3"':
                                             '[catalogue.X223]\nenabled = false\nclause = ""'})
    assert validate_pack(off).ok


def test_validate_wants_the_parameters_of_every_enabled_rule(tmp_path):
    root = pack_with(tmp_path, replace={"min_licence_years = 10\n": ""})
    assert any("[rules] has no 'min_licence_years' (rule X223 reads it" in p for p in validate_pack(root).problems)


def test_rules_command_explains_a_setback_from_the_pack():
    out = CliRunner().invoke(cli, ["rules", "L240"])
    assert out.exit_code == 0, out.output
    assert "铁路线路两侧1000米内" in out.output and "role 'two_lines' of classes railway" in out.output


def test_an_indicator_counts_the_minerals_of_a_class(tmp_path):
    """classes = ["key_mining"]: every key-mining mineral (Changle: 地热 and 建筑石料用灰岩) counts."""
    root = pack_with(tmp_path, '''
[[indicators]]
key = "key_mines"
title_zh = "重点开采矿种矿山数"
title_en = "Mines of key mining minerals"
counts = "mining_rights"
classes = ["key_mining"]
limit = 1
kind = "max"
rule = "K315"

[catalogue.K315]
clause = "test"
''')
    pack = load_pack(root)
    assert set(pack.rule_set.by_code["K315"].minerals) == {"地热", "建筑石料用灰岩"}
    a, b = block(pack, "CL-MB-01"), block(pack, "CL-MB-02")
    frame = gpd.GeoDataFrame([{"id": "Q1", **MINE}, {"id": "Q2", **MINE}], geometry=[a, b], crs=pack.work_crs)
    assert [finding(r, "K315").severity for r in check_frame(frame, pack=pack)] == ["pass", "restricted"]


def test_validate_can_measure_stated_areas_on_the_ellipsoid(tmp_path):
    """Official areas are ellipsoidal: [validation] area_method = "ellipsoidal" measures on the
    datum's ellipsoid, free of the projection's scale (zhongxiang's blocks lie 1.3–1.5° off CM 114E,
    where the projected area is about 0.03 % larger)."""
    import shutil
    from pathlib import Path

    from mineplan.validate import ellipsoidal_area

    source = Path(__file__).resolve().parent / "packs" / "zhongxiang"
    root = tmp_path / "zx"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("cases.geojson", "__pycache__"))
    toml = root / "plan.toml"
    body = toml.read_text(encoding="utf-8").replace("area_tolerance = 0.005", "area_tolerance = 0.0001")
    toml.write_text(body, encoding="utf-8")
    assert validate_pack(root).ok  # the fixture's GHQMJ are projected areas
    toml.write_text(body.replace("[validation]\n", '[validation]\narea_method = "ellipsoidal"\n'), encoding="utf-8")
    problems = validate_pack(root).problems
    assert any("ZX-MB-02: area 0.940 km² differs from the plan's 0.9402 km²" in p for p in problems), problems
    pack = load_pack(root)
    square = shapely.box(500_000, 3_400_000, 501_000, 3_401_000)  # 1 km² on the central meridian
    assert ellipsoidal_area(square, pack.work_crs) == pytest.approx(1e6, rel=2e-4)


def test_a_plan_without_exploration_blocks_loads_and_says_not_checked(tmp_path):
    """Many county plans set no exploration block: the pack loads, validates (with a note) and an
    exploration right gets "not checked" from the block rules, never a silent pass."""
    layer = ('[layers.exploration_blocks]\nrole = "exploration_block"\nfile = "blocks/exploration_blocks.geojson"\n'
             'title_zh = "勘查规划区块"\ntitle_en = "Exploration planning blocks"\n')
    root = pack_with(tmp_path, replace={layer: ""})
    body = (root / "plan.toml").read_text(encoding="utf-8")
    body = "\n".join(line for line in body.splitlines() if not line.startswith('"CL-EB-01" = "CL-KEZ-01"'))
    (root / "plan.toml").write_text(body.replace('[validation.places."CL-EB-01"]', '[validation.unused."CL-EB-01"]')
                                    .replace('[validation.places."CL-EB-02"]', '[validation.unused."CL-EB-02"]')
                                    .replace('[validation.places."CL-EB-03"]', '[validation.unused."CL-EB-03"]'),
                                    encoding="utf-8")
    v = validate_pack(root)
    assert v.ok, v.problems
    assert any("rule E200 is enabled but the pack has no layer for role exploration_block" in n for n in v.notes)
    pack = load_pack(root)
    zone = pack.features("key_exploration_zone").geometry.iloc[0]
    result = run(pack, zone.centroid.buffer(300), right_type="exploration", mineral="地热", stage="普查",
                 green_mine=True, grant="招标")
    for code in ("E200", "E201", "E202", "K300"):
        assert finding(result, code).message_en == "not checked: no layer for role exploration_block", code
    assert result.verdict == "restricted"


def test_a_bad_not_checked_severity_is_one_line(tmp_path):
    root = pack_with(tmp_path, replace={'not_checked_severity = "cannot_judge"': 'not_checked_severity = "warn"'})
    with pytest.raises(RuleConfigError, match="not_checked_severity 'warn' is not one of"):
        load_pack(root).rule_set  # noqa: B018

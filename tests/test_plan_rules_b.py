"""Issue 13, part B: the rules say what the plan says — stages, the scope of 5.3.3, green mines,
stated assumptions, output against resource, the plan's own sentences, admission items.

Each application is built from the bundled pack's own features (EPSG:4549) and judged twice: by
``check_frame`` and by ``screen(..., findings="json")``, which must agree. The assertions name the
verdict, the rule that decides it and the plan sentence (clause) it cites.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from mineplan.checker import check_frame
from mineplan.cli import cli
from mineplan.screen import screen

REPO = Path(__file__).resolve().parents[1]
PLAN_TEXT = REPO / "docs" / "plan" / "changle-mineral-plan-2021-2025.zh.txt"
LAW_TEXT = REPO / "docs" / "plan" / "laws-cited.zh.txt"

#: a geothermal well field inside the 乔官 exploration block (探转采, 5.3.1) with every attribute the
#: rules ask for: allowed. The limestone blocks cannot give an allowed mine since X224 (see below).
WELL = {"right_type": "mining", "mineral": "地热", "method": "well", "annual_output": 10,
        "output_unit": "万立方米/年", "licence_years": 10, "green_mine": True, "grant": "挂牌",
        "clean_grant": True, "restoration_plan": True}
QUARRY = {"right_type": "mining", "mineral": "建筑石料用灰岩", "method": "open_pit", "annual_output": 200,
          "output_unit": "万吨/年", "licence_years": 10, "green_mine": True, "grant": "拍卖",
          "clean_grant": True, "restoration_plan": True}
SURVEY = {"right_type": "exploration", "mineral": "地热", "stage": "普查", "green_mine": True, "grant": "挂牌"}


def block(index, role, mineral=None, n=0):
    f = index.features
    rows = f[(f["role"] == role) & ((f["mineral"] == mineral) if mineral else True)]
    return rows.iloc[n]


@pytest.fixture(scope="module")
def places(index):
    geothermal = block(index, "exploration_block", "地热")
    return {
        "geothermal": geothermal.geometry,
        "well": geothermal.geometry.centroid.buffer(300),
        "water_well": block(index, "exploration_block", "矿泉水").geometry.centroid.buffer(200),
        "xingshan": block(index, "mining_block", n=0).geometry,
        "panlong": block(index, "mining_block", n=1).geometry,
    }


class Judged:
    """One application's verdict and findings, the same from check and from screen."""

    def __init__(self, result):
        self.verdict = result.verdict
        self.findings = {f.rule: f.as_dict() for f in result.findings}

    def __getitem__(self, code):
        return self.findings[code]

    def rules(self, severity):
        return [code for code, f in self.findings.items() if f["severity"] == severity]


def judge(pack, tmp_path, geom, **attrs) -> Judged:
    frame = gpd.GeoDataFrame([{"id": "T-1", **attrs}], geometry=[geom], crs="EPSG:4549")
    checked = check_frame(frame, pack=pack)[0]
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    frame.to_parquet(src)
    screen(src, out, pack=pack, findings="json")
    row = gpd.read_parquet(out).iloc[0]
    as_json = json.loads(json.dumps([f.as_dict() for f in checked.findings], ensure_ascii=False))
    assert (row["verdict"], json.loads(row["findings"])) == (checked.verdict, as_json)
    return Judged(checked)


def cites(pack, finding, clause, words):
    """The finding cites ``clause`` and the catalogue's plan sentence holds ``words``."""
    assert finding["clause"] == clause == pack.config["catalogue"][finding["rule"]]["clause"]
    assert words in pack.config["catalogue"][finding["rule"]]["text_zh"]


def test_the_well_field_is_allowed(pack, tmp_path, places):
    j = judge(pack, tmp_path, places["well"], **WELL)
    assert j.verdict == "allowed", {k: f["message_en"] for k, f in j.findings.items() if f["severity"] != "pass"}


# -- 2. stages ---------------------------------------------------------------------------------
def test_2_reconnaissance_is_below_a_survey_block(pack, tmp_path, places):
    # before: reconnaissance was an alias of 普查 and passed E202; 预查 < 普查 now
    j = judge(pack, tmp_path, places["geothermal"], **{**SURVEY, "stage": "reconnaissance"})
    assert j.verdict == "forbidden" and j["E202"]["severity"] == "forbidden"
    assert j["E202"]["facts"]["stage"] == "预查" and j["E202"]["facts"]["block_stage"] == "普查"
    cites(pack, j["E202"], "4.2.2(2)", "不得降低勘查阶段")
    assert pack.rules["stages"] == ["预查", "普查", "详查", "勘探"]
    assert judge(pack, tmp_path, places["geothermal"], **{**SURVEY, "stage": "详查"})["E202"]["severity"] == "pass"


def test_2_unknown_stage_cannot_be_judged(pack, tmp_path, places):
    # the normaliser keeps the stage as given (no error row); E202 must say it cannot judge it
    j = judge(pack, tmp_path, places["geothermal"], **{**SURVEY, "stage": "pre-survey"})
    assert j.verdict == "restricted" and j["E202"]["severity"] == "cannot_judge"
    assert "普查" in j["E202"]["message_zh"]


# -- 3. the scope of 5.3.3 ---------------------------------------------------------------------
def test_3_licence_term_is_for_new_limestone_mines_only(pack, tmp_path, places):
    # before: a mineral-water licence of 5 years was restricted by X223
    water = judge(pack, tmp_path, places["water_well"], **{**WELL, "mineral": "矿泉水", "annual_output": 5,
                                                            "licence_years": 5})
    assert "X223" not in water.findings and "X222" not in water.findings
    assert water.verdict == "allowed", water.rules("restricted") + water.rules("cannot_judge")
    quarry = judge(pack, tmp_path, places["xingshan"], **{**QUARRY, "licence_years": 5})
    assert quarry.verdict == "restricted" and quarry["X223"]["severity"] == "restricted"
    cites(pack, quarry["X223"], "5.3.3", "全县建筑石料用灰岩新建矿山最低开采规模为 200 万吨/年")
    # an existing mine (a renewal) is not a new mine: 5.3.3 does not speak of it
    existing = judge(pack, tmp_path, places["xingshan"], **{**QUARRY, "licence_years": 5, "annual_output": 100,
                                                             "mine_status": "延续"})
    assert "X222" not in existing.findings and "X223" not in existing.findings


def test_3_rules_command_states_the_scope(pack):
    out = CliRunner().invoke(cli, ["rules", "X223"]).output
    assert "mineral 建筑石料用灰岩" in out and "new mines" in out and "[rules.scope.X223]" in out
    assert pack.rules["scope"]["X223"] == {"right_types": ["mining"], "minerals": ["建筑石料用灰岩"],
                                           "mine_status": ["new"]}


# -- 6. green mine -----------------------------------------------------------------------------
def test_6_new_mine_without_green_commitment_is_forbidden(pack, tmp_path, places):
    # before: restricted
    j = judge(pack, tmp_path, places["well"], **{**WELL, "green_mine": False})
    assert j.verdict == "forbidden" and j.rules("forbidden") == ["G250"]
    cites(pack, j["G250"], "3.1.5, 6.3.1", "新建矿山必须达到绿色矿山要求")
    assert judge(pack, tmp_path, places["well"], **{**WELL, "green_mine": None})["G250"]["severity"] == "cannot_judge"
    # green exploration (6.1, 4.2.2(2)): required, enforced by supervision, not a bar: restricted
    e = judge(pack, tmp_path, places["geothermal"], **{**SURVEY, "green_mine": False})
    assert e.verdict == "restricted" and e["G251"]["severity"] == "restricted"
    cites(pack, e["G251"], "4.2.2(2), 6.1", "全面实施绿色勘查")


# -- 7. assumptions are findings -----------------------------------------------------------------
def test_7_bare_limestone_cannot_be_judged(pack, tmp_path, places):
    # before: 石灰岩 was taken as 建筑石料用灰岩 without a word
    j = judge(pack, tmp_path, places["xingshan"], **{**QUARRY, "mineral": "石灰岩"})
    assert j.verdict == "restricted" and j["M101"]["severity"] == "cannot_judge"
    assert j["M101"]["facts"]["candidates"] == ["建筑石料用灰岩", "水泥用石灰岩", "熔剂用石灰岩"]
    assert "水泥用石灰岩" in j["M101"]["message_zh"]
    cites(pack, j["M101"], "1.2.1, 4.1", "水泥用石灰岩")
    assert j.rules("forbidden") == []  # not "differs from the block's mineral": unknown, not wrong
    assert judge(pack, tmp_path, places["xingshan"], **{**QUARRY, "mineral": "limestone"})["M101"]["severity"] \
        == "cannot_judge"


def test_7_output_without_unit_cannot_judge_the_scale(pack, tmp_path, places):
    # before: the mineral's usual unit (万立方米/年) was assumed and the well field was allowed
    j = judge(pack, tmp_path, places["well"], **{**WELL, "output_unit": None})
    assert j.verdict == "restricted" and j["X221"]["severity"] == "cannot_judge"
    assert "unit" in j["X221"]["message_en"]
    cites(pack, j["X221"], "4.2.3, 5.3.1", "新建矿山规模应达到中型以上")


def test_7_defaults_are_reported(pack, tmp_path, places):
    j = judge(pack, tmp_path, places["well"], **WELL)
    assert j["A002"]["severity"] == "info" and j["A002"]["facts"]["assumed"] == ["mine_status=new"]
    cites(pack, j["A002"], "1.2.3", "2 处采矿权全部到期灭失")
    assert "A002" not in judge(pack, tmp_path, places["well"], **{**WELL, "mine_status": "新建"}).findings
    # a density used to convert 万吨 to 万立方米 is stated on the finding that used it
    q = judge(pack, tmp_path, places["xingshan"], **QUARRY)
    assert q["X221"]["facts"]["density_t_per_m3"] == 2.65 and q["X224"]["facts"]["density_t_per_m3"] == 2.65


# -- 9. output and resource ----------------------------------------------------------------------
def test_9_output_over_the_term_against_the_block_resource(pack, tmp_path, places):
    # 200 万吨/年 ÷ 2.65 t/m³ = 75.5 万m³/年; over 10 years 755 万m³ > 蟠龙山's 408 万m³
    j = judge(pack, tmp_path, places["panlong"], **QUARRY)
    f = j["X224"]
    assert j.verdict == "restricted" and f["severity"] == "restricted"
    assert f["facts"]["block"] == "CL-MB-02" and f["facts"]["resource_wm3"] == 408
    assert f["facts"]["output_wm3"] == pytest.approx(200 / 2.65, abs=1e-3)
    assert f["facts"]["output_over_term_wm3"] == pytest.approx(2000 / 2.65, abs=1e-3)
    assert f["facts"]["service_life_years"] == pytest.approx(408 / (200 / 2.65), abs=0.01)
    assert "408" in f["facts"]["resource_source"]
    cites(pack, f, "5.3", "矿山设计开采规模与矿区储量规模相适应")
    # 5 years at 200 万吨 on 杏山 (500 万m³): 377 万m³, within the resource (X223 restricts the term)
    short = judge(pack, tmp_path, places["xingshan"], **{**QUARRY, "licence_years": 5})
    assert short["X224"]["severity"] == "pass" and short["X224"]["facts"]["service_life_years"] == pytest.approx(
        500 / (200 / 2.65), abs=0.01)
    # no resource stated for an exploration block: said, not silently passed
    assert judge(pack, tmp_path, places["well"], **WELL)["X224"]["severity"] == "info"


# -- 12. plan sentences are the plan's -----------------------------------------------------------
def _flat(text: str) -> str:
    text = re.sub(r"^\s*-\s*\d+\s*-\s*$", "", text, flags=re.MULTILINE)  # the plan's page numbers
    return re.sub(r"\s+", "", text)


def test_12_every_text_zh_is_the_plan_or_the_law_word_for_word(pack):
    sources = _flat(PLAN_TEXT.read_text(encoding="utf-8")) + "\n" + _flat(LAW_TEXT.read_text(encoding="utf-8"))
    for code, entry in pack.config["catalogue"].items():
        text = entry["text_zh"]
        assert text or entry.get("note"), code
        for part in filter(None, (p for p in text.split("……"))):
            assert _flat(part) in sources, (code, part)


def test_12_glosses_moved_to_notes(pack):
    cat = pack.config["catalogue"]
    for code in ("S270", "K302", "L240", "A001"):  # they carried a bracketed gloss
        assert "（" not in cat[code]["text_zh"] and cat[code]["note"], code
    assert "5.3.1：" not in cat["X210"]["text_zh"] and cat["X210"]["note"]
    assert "压覆" not in cat["S270"]["text_zh"] and "压覆" in cat["S270"]["note"]
    out = CliRunner().invoke(cli, ["rules", "S270"]).output
    assert "mineplan's reading (not the plan's words)" in out


# -- 13. admission items ---------------------------------------------------------------------------
def test_13_clean_grant(pack, tmp_path, places):
    j = judge(pack, tmp_path, places["well"], **{**WELL, "clean_grant": False})
    assert j.verdict == "restricted" and j.rules("restricted") == ["T261"]
    cites(pack, j["T261"], "1.5, 4.2.3", "确保采矿权“净矿”出让")
    absent = judge(pack, tmp_path, places["well"], **{**WELL, "clean_grant": None})
    assert absent.verdict == "restricted" and absent["T261"]["severity"] == "cannot_judge"


def test_13_restoration_plan(pack, tmp_path, places):
    j = judge(pack, tmp_path, places["well"], **{**WELL, "restoration_plan": "否"})
    assert j.verdict == "restricted" and j.rules("restricted") == ["G252"]
    cites(pack, j["G252"], "6.3.1", "采前有规划，过程能控制，采后可修复")
    absent = judge(pack, tmp_path, places["well"], **{**WELL, "restoration_plan": None})
    assert absent["G252"]["severity"] == "cannot_judge"
    # an existing mine: the clause speaks of new mines
    assert "G252" not in judge(pack, tmp_path, places["well"], **{**WELL, "restoration_plan": None,
                                                                 "mine_status": "existing"}).findings


def test_13_attributes_by_their_chinese_names(pack, tmp_path, places):
    attrs = {k: v for k, v in WELL.items() if k not in ("clean_grant", "restoration_plan")}
    j = judge(pack, tmp_path, places["well"], **attrs, 净矿="是", 复垦方案="是", 矿山性质="新建")
    assert j.verdict == "allowed" and "A002" not in j.findings

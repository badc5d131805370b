"""Cross-application rules (K300–K313): a batch of applications, and rights already granted."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from tests_support import indicator

from mineplan.checker import check_frame
from mineplan.pack import load_pack as _load_pack

BY_CODE = _load_pack().rule_set.by_code
CATALOGUE = _load_pack().rule_set.rules

GOOD_MINE = {"right_type": "mining", "mineral": "建筑石料用灰岩", "method": "open_pit", "annual_output": 250,
             "output_unit": "万吨/年", "licence_years": 15, "green_mine": True, "grant": "挂牌",
             "clean_grant": True, "restoration_plan": True}
GOOD_EXPLORATION = {"right_type": "exploration", "stage": "普查", "green_mine": True, "grant": "招标"}
WELL = {"right_type": "mining", "method": "well", "output_unit": "万立方米/年", "licence_years": 10,
        "green_mine": True, "grant": "挂牌"}


def batch(pack, rows, existing=None):
    """rows: (id, geometry, attrs) -> {id: Result}."""
    frame = gpd.GeoDataFrame([{"_label": rid, "id": rid, **attrs} for rid, _g, attrs in rows],
                             geometry=[g for _r, g, _a in rows], crs="EPSG:4549")
    return {r.id: r for r in check_frame(frame, pack=pack, existing=existing)}


def found(result, code):
    hits = [f for f in result.findings if f.rule == code]
    assert len(hits) <= 1, hits
    return hits[0] if hits else None


def existing_frame(rows):
    cols = ("id", "holder", "right_type", "mineral", "method", "stage", "annual_output", "output_unit", "status")
    recs = [{c: r.get(c) for c in cols} for r, _g in rows]
    return gpd.GeoDataFrame(recs, geometry=[g for _r, g in rows], crs="EPSG:4549")


@pytest.fixture(scope="module")
def blocks(index):
    f = index.features

    def one(role, mineral=None, n=0):
        rows = f[(f["role"] == role) & ((f["mineral"] == mineral) if mineral else True)]
        return rows.iloc[n].geometry

    return {"geothermal": one("exploration_block", "地热"), "water": one("exploration_block", "矿泉水"),
            "oil": one("exploration_block", "油页岩"), "xingshan": one("mining_block", n=0),
            "panlong": one("mining_block", n=1)}


def test_cross_rules_are_marked_and_in_the_catalogue():
    cross = [r.code for r in CATALOGUE if getattr(r, "cross", False)]
    assert cross == ["K300", "K301", "K302", "K310", "K311", "K312", "K313"]
    for code in cross:
        rule = BY_CODE[code]
        assert rule.title_zh and rule.title_en and rule.what and rule.severity


def test_single_application_gets_pass_findings(pack, blocks):
    r = batch(pack, [("E1", blocks["geothermal"], {**GOOD_EXPLORATION, "mineral": "地热", "applicant": "甲"})])["E1"]
    for code in ("K300", "K302", "K310"):
        assert found(r, code).severity == "pass", code
    assert r.verdict == "allowed"
    m = batch(pack, [("M1", blocks["xingshan"], GOOD_MINE)])["M1"]
    for code in ("K301", "K302", "K311"):
        assert found(m, code).severity == "pass", code
    # restricted by X224 alone (250 万吨/年 for 15 years exceeds 杏山's 500 万m³, issue 13)
    assert found(m, "K312") is None and m.verdict == "restricted" and found(m, "X224").severity == "restricted"


def test_k300_second_holder_in_an_exploration_block(pack, blocks):
    g = blocks["geothermal"]
    attrs = {**GOOD_EXPLORATION, "mineral": "地热"}
    res = batch(pack, [("E1", g, {**attrs, "applicant": "甲"}), ("E2", g, {**attrs, "applicant": "乙"}),
                       ("E3", g, {**attrs, "applicant": "甲"}), ("E4", g, attrs)])
    assert found(res["E1"], "K300").severity == "pass"
    f = found(res["E2"], "K300")  # competing applications: only one can be granted (issue 13, point 11)
    assert f.severity == "restricted" and f.facts["block_holder"] == "甲" and f.facts["block_holder_right"] == "E1"
    assert "E1" in f.message_en and "competing" in f.message_en
    assert found(res["E3"], "K300").severity == "pass"
    assert found(res["E4"], "K300").severity == "cannot_judge"
    # an existing right's holder holds the block before any application
    ex = existing_frame([({"id": "R1", "holder": "丙", "right_type": "exploration", "mineral": "地热",
                           "status": "granted"}, g)])
    res = batch(pack, [("E1", g, {**attrs, "applicant": "甲"})], existing=ex)
    f = found(res["E1"], "K300")
    assert f.severity == "forbidden" and f.facts["block_holder_right"] == "R1" and f.facts["block_holder_existing"]
    expired = ex.assign(status="expired")
    assert found(batch(pack, [("E1", g, {**attrs, "applicant": "甲"})], existing=expired)["E1"],
                 "K300").severity == "pass"
    pending = ex.assign(status="pending")  # a pending right is an earlier application: competing
    assert found(batch(pack, [("E1", g, {**attrs, "applicant": "甲"})], existing=pending)["E1"],
                 "K300").severity == "restricted"


def test_k301_second_mine_in_a_block(pack, blocks):
    g = blocks["xingshan"]
    res = batch(pack, [("M1", g, {**GOOD_MINE, "applicant": "甲"}), ("M2", g, {**GOOD_MINE, "applicant": "甲"})])
    assert found(res["M1"], "K301").severity == "pass"
    f = found(res["M2"], "K301")  # two bidders for one block: the second competes (restricted), not forbidden
    assert f.severity == "restricted" and f.facts["first_right"] == "M1" and "competing" in f.message_en
    ex = existing_frame([({"id": "R9", "holder": "乙", "right_type": "mining", "mineral": "建筑石料用灰岩",
                           "status": "granted"}, g)])
    f = found(batch(pack, [("M1", g, GOOD_MINE)], existing=ex)["M1"], "K301")
    assert f.severity == "forbidden" and f.facts["first_right"] == "R9" and f.facts["first_existing"]
    # the same right already pending in the registry is not a second one
    same = ex.assign(id="M1", status="pending")
    assert found(batch(pack, [("M1", g, GOOD_MINE)], existing=same)["M1"], "K301").severity == "pass"


def test_k302_overlaps_name_the_other_and_the_area(pack, blocks):
    g = blocks["xingshan"]
    shifted = shapely.affinity.translate(g, 100, 0)
    touching_box = shapely.box(g.bounds[2], g.bounds[1], g.bounds[2] + 300, g.bounds[1] + 300)
    res = batch(pack, [("M1", g, GOOD_MINE), ("M2", shifted, GOOD_MINE), ("M3", touching_box, GOOD_MINE)])
    f1, f2 = found(res["M1"], "K302"), found(res["M2"], "K302")
    # overlapping applications compete: the first in rank passes, the later one is restricted
    assert f1.severity == "pass" and f2.severity == "restricted" and f2.facts["competing_with"] == "M1"
    assert f1.facts["overlaps"][0]["id"] == "M2" and f2.facts["overlaps"][0]["id"] == "M1"
    expected = shapely.area(shapely.intersection(g, shifted))
    assert f1.facts["overlaps"][0]["overlap_m2"] == pytest.approx(expected, abs=0.1)
    assert found(res["M3"], "K302").severity == "pass"  # touching edges only
    # an existing right; and 探转采: a mine over the same holder's exploration right
    well = blocks["geothermal"].centroid.buffer(300)
    ex = existing_frame([({"id": "T1", "holder": "甲", "right_type": "exploration", "mineral": "地热",
                           "status": "granted"}, blocks["geothermal"])])
    mine = {**WELL, "mineral": "地热", "annual_output": 10}
    own = batch(pack, [("W1", well, {**mine, "applicant": "甲"})], existing=ex)["W1"]
    assert found(own, "K302").severity == "pass"
    other = batch(pack, [("W1", well, {**mine, "applicant": "乙"})], existing=ex)["W1"]
    f = found(other, "K302")
    assert f.severity == "forbidden" and f.facts["overlaps"][0] == {"id": "T1", "existing": True,
                                                                     "overlap_m2": pytest.approx(well.area, abs=1)}


def test_k310_exploration_cap_ranked_in_batch_order(pack, blocks):
    rows = [(f"E{n}", blocks[b], {**GOOD_EXPLORATION, "mineral": m, "applicant": f"A{n}"})
            for n, (b, m) in enumerate([("geothermal", "地热"), ("water", "矿泉水"), ("oil", "油页岩"),
                                        ("oil", "油页岩")], start=1)]
    res = batch(pack, rows)
    assert [found(res[f"E{n}"], "K310").severity for n in range(1, 5)] == ["pass", "pass", "pass", "restricted"]
    f = found(res["E4"], "K310")
    assert f.facts["within_cap"] == ["E1", "E2", "E3"]
    assert f.facts["cap"] == indicator(pack, "exploration_rights")["limit"]
    assert "E1" in f.message_zh
    ex = existing_frame([({"id": f"R{k}", "holder": "X", "right_type": "exploration", "status": "granted"},
                          shapely.box(0, 0, 1, 1)) for k in range(2)])
    res = batch(pack, rows[:2], existing=ex)
    assert found(res["E1"], "K310").severity == "pass"
    assert found(res["E2"], "K310").facts["within_cap"] == ["R0", "R1", "E1"]


def test_k311_mines_cap(pack, blocks):
    spots = [blocks["xingshan"].centroid.buffer(50 + 10 * k) for k in range(6)]
    res = batch(pack, [(f"M{k}", spots[k], GOOD_MINE) for k in range(6)])
    assert [found(res[f"M{k}"], "K311").severity for k in range(6)] == ["pass"] * 5 + ["restricted"]
    assert found(res["M5"], "K311").facts["within_cap"] == [f"M{k}" for k in range(5)]


@pytest.mark.parametrize(("code", "block", "mineral", "limit"),
                         [("K312", "geothermal", "地热", 10), ("K313", "water", "矿泉水", 5)])
def test_extraction_caps(pack, blocks, code, block, mineral, limit):
    c = blocks[block].centroid
    rows = [("W1", c.buffer(100), {**WELL, "mineral": mineral, "annual_output": limit * 0.6}),
            ("W2", shapely.affinity.translate(c.buffer(100), 500, 0), {**WELL, "mineral": mineral,
                                                                        "annual_output": limit * 0.6}),
            ("W3", shapely.affinity.translate(c.buffer(100), -500, 0), {**WELL, "mineral": mineral,
                                                                         "annual_output": limit * 0.4}),
            ("W4", shapely.affinity.translate(c.buffer(100), 0, 500), {**WELL, "mineral": mineral})]
    res = batch(pack, rows)
    assert found(res["W1"], code).severity == "pass"
    f = found(res["W2"], code)
    assert f.severity == "restricted" and f.facts["total_with_this"] == pytest.approx(limit * 1.2)
    assert f.facts["counted_before"] == ["W1"] and f.facts["limit"] == limit and f.facts["unit"] == "万立方米/年"
    # a refused application does not use the allowance: W3 fits after W1
    assert found(res["W3"], code).severity == "pass"
    assert found(res["W3"], code).facts["total_with_this"] == pytest.approx(limit)
    assert found(res["W4"], code).severity == "cannot_judge"


def test_k302_slicing_does_not_change_findings(pack, blocks, monkeypatch):
    """The overlap join runs slice by slice to bound memory; any slice size gives the same findings."""
    import mineplan.overlaps as overlaps

    g = blocks["xingshan"]
    rows = [(f"M{k}", shapely.affinity.translate(g, 60 * k, 30 * k), GOOD_MINE) for k in range(7)]
    whole = batch(pack, rows)
    monkeypatch.setattr(overlaps, "OVERLAP_SLICE", 2)
    monkeypatch.setattr(overlaps, "PRUNE_AT", 3)
    sliced = batch(pack, rows)
    for rid, result in whole.items():
        assert found(sliced[rid], "K302").facts == found(result, "K302").facts
    assert found(whole["M3"], "K302").facts["overlaps_count"] == 6

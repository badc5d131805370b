"""``mineplan report``: the indicator table (3.1) against a registry built here."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from registry_worker import mine, rights_file, squares
from tests_support import indicator

from mineplan.cli import cli
from mineplan.indicators import status_of

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"


def run(*args, ok=True):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output + str(result.exception)
    return result


def explo(id_, geom, status="granted"):
    return {"id": id_, "right_type": "探矿权", "mineral": "地热", "stage": "普查", "applicant": "甲",
            "status": status}, geom


@pytest.fixture
def registry(tmp_path):
    """3 exploration rights (one pending), 5 counted mines and one expired:
    limestone 150 万吨/年 (large, green), limestone 100 万吨/年 (medium, not green),
    geothermal 8 万m³/年 pending (small), mineral water 6 万m³/年 (medium, green not stated),
    geothermal 4 万m³/年 (small, green); an expired limestone mine of 500 万吨/年 does not count."""
    g = squares(10)
    rows = [
        explo("E1", g[0]), explo("E2", g[1]), explo("E3", g[2], status="pending"),
        mine("M1", g[3], annual_output=150),
        mine("M2", g[4], annual_output=100, green_mine="否"),
        mine("M3", g[5], mineral="地热", method="钻井", annual_output=8, output_unit="万立方米/年", status="pending"),
        mine("M4", g[6], mineral="矿泉水", method="钻井", annual_output=6, output_unit="万立方米/年", green_mine=None),
        mine("M5", g[7], mineral="地热", method="钻井", annual_output=4, output_unit="万立方米/年"),
        mine("M6", g[8], annual_output=500, status="expired"),
    ]
    path = tmp_path / "registry.gpkg"
    run("registry", "--registry", path, "add", rights_file(tmp_path / "rights.geojson", rows))
    return path


def indicators(path) -> dict:
    doc = json.loads(run("report", "--registry", path, "--format", "json").output)
    return {i["key"]: i for i in doc["indicators"]}


def test_report_numbers(registry, pack):
    ind = indicators(registry)
    assert list(ind) == ["exploration_rights", "mines", "geothermal", "mineral_water", "limestone",
                         "medium_or_larger_share", "green_mine_share"]
    expect = {  # key: (value, limit, status)
        "exploration_rights": (3, 3, "at_limit"),
        "mines": (5, 5, "at_limit"),
        "geothermal": (12, 10, "over"),
        "mineral_water": (6, 5, "over"),
        "limestone": (250, 200, "on_track"),
        "medium_or_larger_share": (60, 100, "below_floor"),  # M1, M2, M4 of 5
        "green_mine_share": (50, 100, "below_floor"),  # M1, M5 of the granted M1, M2, M4, M5
    }
    for key, (value, limit, status) in expect.items():
        assert (pytest.approx(ind[key]["value"]), ind[key]["limit"], ind[key]["status"]) == (value, limit, status), key
    assert ind["exploration_rights"]["detail_en"] == "2 granted, 1 pending"
    assert sorted(ind["geothermal"]["counted"]) == ["M3", "M5"]
    assert sorted(ind["medium_or_larger_share"]["counted"]) == ["M1", "M2", "M4"]
    assert "1 not stated (M4)" in ind["green_mine_share"]["detail_en"]
    # limits come from the pack
    assert ind["limestone"]["limit"] == indicator(pack, "limestone")["limit"]
    assert ind["mineral_water"]["limit"] == indicator(pack, "mineral_water")["limit"]


def test_report_follows_status_changes(registry):
    run("registry", "--registry", registry, "set-status", "M1", "revoked")
    run("registry", "--registry", registry, "set-status", "M5", "revoked")
    run("registry", "--registry", registry, "set-status", "E1", "expired")
    ind = indicators(registry)
    assert (ind["limestone"]["value"], ind["limestone"]["status"]) == (100, "below_floor")
    assert (ind["mines"]["value"], ind["mines"]["status"]) == (3, "on_track")
    assert (ind["geothermal"]["value"], ind["geothermal"]["status"]) == (8, "on_track")
    assert ind["exploration_rights"]["status"] == "on_track"


def test_report_converts_units_like_the_rules(tmp_path):
    """Limestone given in 万立方米/年 counts in 万吨/年 through the pack's density (2.65 t/m³)."""
    path = tmp_path / "r.gpkg"
    f = rights_file(tmp_path / "a.geojson", [mine("L1", squares(1)[0], annual_output=100, output_unit="万立方米/年")])
    run("registry", "--registry", path, "add", f)
    ind = indicators(path)
    assert ind["limestone"]["value"] == pytest.approx(265) and ind["limestone"]["status"] == "on_track"


def test_report_on_an_empty_registry(tmp_path):
    path = tmp_path / "r.gpkg"
    from mineplan.registry import open_registry

    open_registry(path, create=True, work_crs=WORK_CRS)
    ind = indicators(path)
    assert ind["mines"]["value"] == 0 and ind["mines"]["status"] == "on_track"
    assert ind["limestone"]["status"] == "below_floor"
    assert ind["green_mine_share"]["value"] is None and ind["green_mine_share"]["status"] == "no_data"


def test_report_table_and_chart(registry, tmp_path):
    chart = tmp_path / "chart.png"
    out = run("report", "--registry", registry, "--chart", chart).output
    assert "探矿权投放数" in out and "超出上限" in out and "已达上限" in out
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 20000
    out = run("report", "--registry", registry, "--lang", "en").output
    assert "Geothermal" in out and "over" in out and "below" in out and "Share of" in out
    doc = json.loads(run("report", "--registry", registry, "--format", "json").output)
    assert doc["plan"]["id"] and doc["registry"]["changes"] == 1 and doc["counted_statuses"] == ["granted", "pending"]


def test_report_without_registry_file(tmp_path):
    result = run("report", "--registry", tmp_path / "none.gpkg", ok=False)
    assert result.exit_code == 2 and "no registry here" in result.output


@pytest.mark.parametrize(("value", "limit", "kind", "status"), [
    (2, 3, "max", "on_track"), (3, 3, "max", "at_limit"), (4, 3, "max", "over"),
    (199.9, 200, "min", "below_floor"), (200, 200, "min", "on_track"), (None, 100, "min", "no_data"),
])
def test_status_of(value, limit, kind, status):
    assert status_of(value, limit, kind) == status

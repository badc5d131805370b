"""Attribute normalisation: canonical keys, Chinese aliases, values, CLI overrides."""

from __future__ import annotations

import pandas as pd
import pytest

from mineplan.applications import Normaliser, find_columns
from mineplan.errors import InputError
from mineplan.minerals import MineralCatalog
from mineplan.pack import bundled_data_dir, read_config


@pytest.fixture(scope="module")
def normaliser():
    config = read_config(bundled_data_dir())
    return Normaliser(MineralCatalog(config), config["rules"])


def test_chinese_keys_and_values(normaliser):
    app = normaliser.one(0, "#1", {"编号": "A-1", "矿业权类型": "采矿权", "矿种": "建筑用灰岩", "开采方式": "露天",
                                    "生产规模": "250", "规模单位": "万吨/年", "有效期": 12, "绿色矿山": "是",
                                    "出让方式": "挂牌出让", "申请人": "某公司"})
    assert (app.id, app.right_type, app.mineral, app.method) == ("A-1", "mining", "建筑石料用灰岩", "open_pit")
    assert (app.annual_output, app.output_unit, app.licence_years) == (250.0, "wt", 12.0)
    assert (app.green_mine, app.grant, app.applicant) == (True, "挂牌", "某公司")


def test_english_aliases(normaliser):
    app = normaliser.one(0, "#1", {"id": "E1", "right_type": "exploration", "mineral": "Geothermal",
                                    "stage": "detailed", "green_mine": "no", "grant": "auction"})
    assert (app.right_type, app.mineral, app.stage, app.green_mine, app.grant) == (
        "exploration", "地热", "详查", False, "拍卖")


def test_override_wins_and_label_used_without_id(normaliser):
    app = normaliser.one(3, "#4", {"mineral": "煤"}, {"mineral": "矿泉水", "right_type": "site"})
    assert (app.id, app.mineral, app.right_type) == ("#4", "矿泉水", "site")


def test_missing_values_stay_none(normaliser):
    app = normaliser.one(0, "#1", {"right_type": "mining", "annual_output": None, "grant": ""})
    assert app.annual_output is None and app.grant is None and app.mineral is None


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"mineral": "unobtainium"}, "unknown mineral 'unobtainium'; known: 地热"),
        ({"right_type": "lease"}, "unknown right type"),
        ({"annual_output": "lots"}, "annual output is not a number"),
        ({"annual_output": -5}, "must be a finite number >= 0"),
        ({"grant": "gift"}, "unknown grant method"),
        ({"green_mine": "maybe"}, "not a yes/no value"),
    ],
)
def test_bad_values_name_the_problem(normaliser, props, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        normaliser.one(0, "#1", props)


def test_unknown_stage_is_kept_as_given(normaliser):
    # issue 13: an unknown stage is not a refused row; E202 cannot judge it (and names the known ones)
    assert normaliser.one(0, "#1", {"stage": "pre-survey"}).stage == "pre-survey"
    assert normaliser.one(0, "#1", {"stage": "reconnaissance"}).stage == "预查"


def test_frame_raises_with_file_and_feature_or_collects(normaliser):
    frame = pd.DataFrame({"_label": ["a", "b"], "mineral": ["地热", "gold"]})
    with pytest.raises(InputError, match=r"^x\.geojson: feature b: unknown mineral 'gold'"):
        normaliser.frame(frame, path="x.geojson")
    apps, errors = normaliser.frame(frame, collect=True)
    assert apps[0].mineral == "地热" and apps[1] is None and "unknown mineral" in errors[1]


def test_first_alias_present_wins():
    assert find_columns(["ID", "矿种", "mineral"])["mineral"] == "mineral"
    assert find_columns(["ID"])["id"] == "ID"

"""Issue 14's proof: the same rule cases run on every plan pack in tests/packs/.

Each directory of tests/packs/ with a cases.geojson is a pack (its own plan.toml, or a pack.txt
saying ``bundled``: the bundled Changle pack). For each: ``plan validate`` finds no problem, and
every case (an application with ``expect_verdict``, ``expect_rules`` -- codes that must fire, i.e.
restricted, forbidden or cannot_judge -- and ``expect_not`` -- codes that must not) gives that
through ``check_frame`` and through ``screen(..., findings="json")``. Cases with the same ``group``
are checked together (the cross rules: caps, one holder per block); the others each alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mineplan.checker import check_frame
from mineplan.pack import bundled_data_dir, load_pack
from mineplan.screen import screen
from mineplan.validate import validate_pack

PACKS = Path(__file__).resolve().parent / "packs"
FIRES = ("restricted", "forbidden", "cannot_judge")
EXPECT = ("expect_verdict", "expect_rules", "expect_not", "group")


def pack_root(folder: Path) -> Path:
    if (folder / "plan.toml").is_file():
        return folder
    pointer = folder / "pack.txt"
    lines = [ln.strip() for ln in pointer.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines == ["bundled"], f"{pointer}: expected 'bundled'"
    return bundled_data_dir()


def _packs() -> list:
    out = []
    for folder in sorted(p for p in PACKS.iterdir() if (p / "cases.geojson").is_file()):
        out.append(pytest.param(folder, id=folder.name))
    return out


def _batches(folder: Path) -> list:
    """(pack folder, group frame) per batch, with pytest ids naming pack and case ids."""
    cases = gpd.read_file(folder / "cases.geojson")
    groups = cases["group"].fillna("") if "group" in cases.columns else pd.Series([""] * len(cases))
    out = []
    for key in dict.fromkeys(groups):
        if key:
            batch = cases[groups == key]
            out.append(pytest.param(folder, batch, id=f"{folder.name}-{key}"))
        else:
            for i in cases.index[groups == ""]:
                out.append(pytest.param(folder, cases.loc[[i]], id=f"{folder.name}-{cases.at[i, 'id']}"))
    return out


BATCHES = [b for p in _packs() for b in _batches(p.values[0])]


def _codes(text) -> set[str]:
    if text is None or (isinstance(text, float) and text != text):
        return set()
    return {c.strip() for c in str(text).split(",") if c.strip()}


def _application(batch: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The batch as an application file holds it: no expectation columns, no all-empty ones."""
    frame = batch.drop(columns=[c for c in EXPECT if c in batch.columns])
    empty = [c for c in frame.columns if c != "geometry" and frame[c].isna().all()]
    return frame.drop(columns=empty).reset_index(drop=True)


def _assert_case(case, verdict: str, findings: list[dict], path: str, disabled: set[str]) -> None:
    fired = {f["rule"] for f in findings if f["severity"] in FIRES}
    what = f"{case['id']} ({path}): verdict {verdict}, fired {sorted(fired)}"
    assert verdict == case["expect_verdict"], what
    assert _codes(case["expect_rules"]) <= fired, what
    assert not (_codes(case.get("expect_not")) & fired), what
    assert not ({f["rule"] for f in findings} & disabled), f"{what}: a disabled rule reported"


def _disabled(pack) -> set[str]:
    return {code for code, entry in pack.config.get("catalogue", {}).items() if entry.get("enabled") is False}


@pytest.mark.parametrize("folder", _packs())
def test_pack_validates(folder):
    result = validate_pack(pack_root(folder))
    assert result.problems == []


@pytest.mark.parametrize(("folder", "batch"), BATCHES)
def test_cases_through_check_and_screen(folder, batch, tmp_path):
    pack = load_pack(pack_root(folder))
    disabled = _disabled(pack)
    app = _application(batch)
    results = check_frame(app.to_crs(pack.work_crs), pack=pack)
    assert [r.id for r in results] == list(batch["id"])
    for (_, case), result in zip(batch.iterrows(), results, strict=True):
        _assert_case(case, result.verdict, [f.as_dict() for f in result.findings], "check", disabled)
    src, out = tmp_path / "in.geojson", tmp_path / "out.parquet"
    app.to_file(src, engine="pyogrio")
    screen(src, out, pack=pack, findings="json")
    rows = gpd.read_parquet(out)
    assert [str(i) for i in rows["id"]] == list(batch["id"])
    for (_, case), verdict, text in zip(batch.iterrows(), rows["verdict"], rows["findings"], strict=True):
        _assert_case(case, verdict, json.loads(text), "screen", disabled)


# -- the zhongxiang files themselves, read directly (they do not need the engine) ---------------------
ZX = PACKS / "zhongxiang"


def _read(name: str, **kw) -> gpd.GeoDataFrame:
    return gpd.read_file(ZX / name, engine="pyogrio", **kw)


def test_zhongxiang_gbk_shapefiles():
    zones = _read("planning/GHQ_420881.shp")  # .cpg says GBK
    assert (ZX / "planning/GHQ_420881.cpg").read_text().strip() == "GBK"
    assert set(zones["GHQLB"]) == {"重点勘查区", "重点开采区"}
    assert {"GHQBH", "GHQMC", "GHQLB", "GHQMJ", "KZ"} <= set(zones.columns)
    blocks_path = ZX / "planning/D1_420881_E_2020_KCGHQK.shp"
    assert not blocks_path.with_suffix(".cpg").exists()
    assert blocks_path.with_suffix(".dbf").read_bytes()[29] == 0  # no DBF language id either
    raw = _read("planning/D1_420881_E_2020_KCGHQK.shp")
    assert "钟祥东部岩盐普查" not in set(raw["GHQMC"])  # read without the pack's encoding: mojibake
    blocks = _read("planning/D1_420881_E_2020_KCGHQK.shp", encoding="GBK")
    assert list(blocks["GHQMC"]) == ["钟祥东部岩盐普查", "钟祥东部岩盐详查", "钟祥北部磷矿详查"]
    assert list(blocks["KCJD"]) == ["普查", "详查", "详查"]
    homes = _read("setback/JMD_420881.shp")
    assert set(homes["LB"]) == {"居民点"} and homes.geom_type.eq("Point").all()


def test_zhongxiang_crs_of_each_source():
    assert _read("zones/county.gpkg").crs.to_epsg() == 4490
    assert _read("planning/GHQ_420881.shp").crs.to_epsg() == 4547
    assert _read("planning/D1_420881_E_2020_KCGHQK.shp").crs.to_epsg() == 4490
    assert _read("setback/JMD_420881.shp").crs.to_epsg() == 4547
    assert _read("zones/sanqu_lianxian.gpkg", layer="two_lines").crs.to_epsg() == 4547
    lon0, lat0, lon1, lat1 = _read("zones/county.gpkg").total_bounds
    assert 112.4 <= lon0 < lon1 <= 113.0 and 30.9 <= lat0 < lat1 <= 31.5


def _mining_blocks() -> gpd.GeoDataFrame:
    """The GDZB table read by hand: X northing, Y easting with the zone-38 prefix, EPSG:4526."""
    table = pd.read_csv(ZX / "planning/mining_blocks_gdzb.csv", dtype={"GHQBH": str})
    rings = [[tuple(float(v) for v in pair.split(","))[::-1] for pair in text.split(";")] for text in table["GDZB"]]
    assert all(str(int(x)).startswith("38") and len(str(int(x))) == 8 for ring in rings for x, _ in ring)
    return gpd.GeoDataFrame(table.drop(columns="GDZB"), geometry=[shapely.Polygon(r) for r in rings],
                            crs="EPSG:4526").to_crs("EPSG:4547")


def test_zhongxiang_stated_areas_match_in_epsg_4547():
    frames = [_read("planning/GHQ_420881.shp").to_crs("EPSG:4547"),
              _read("planning/D1_420881_E_2020_KCGHQK.shp", encoding="GBK").to_crs("EPSG:4547"),
              _mining_blocks()]
    for frame in frames:
        for code, stated, geom in zip(frame["GHQBH"], frame["GHQMJ"], frame.geometry, strict=True):
            assert geom.area / 1e6 == pytest.approx(float(stated), rel=1e-4), code


def test_zhongxiang_mining_area_after_the_300_m_blasting_setback():
    blocks = _mining_blocks().set_index("GHQBH")
    block = blocks.geometry["ZX-MB-02"]
    assert block.area / 1e6 == pytest.approx(0.9402, abs=1e-4)
    homes = _read("setback/JMD_420881.shp").to_crs("EPSG:4547")
    cut = block.difference(homes.geometry.buffer(300, quad_segs=64).union_all())
    assert cut.area / 1e6 == pytest.approx(0.6752, abs=5e-4)
    # the allowed quarry of the cases is that mining area: >= 90 % of the cut area, < 90 % of the block,
    # and more than 300 m from every house
    cases = gpd.read_file(ZX / "cases.geojson").to_crs("EPSG:4547").set_index("id")
    quarry = cases.geometry["ZX-MIN-LIMESTONE-A"]
    assert quarry.intersection(cut).area / cut.area > 0.99 > 0.9 > quarry.area / block.area
    assert homes.distance(quarry).min() > 300
    assert homes.distance(cases.geometry["ZX-MIN-LIMESTONE-BLAST"]).min() < 300

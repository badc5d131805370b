"""The CLI through click's CliRunner, and once through a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES

from mineplan import __version__
from mineplan.cli import cli

EXPECTED = {  # example -> (verdict, exit code); the README's table says the same
    "exploration-allowed": ("allowed", 0),
    "exploration-restricted": ("restricted", 3),
    "exploration-forbidden": ("forbidden", 4),
    "mining-allowed": ("allowed", 0),
    "mining-restricted": ("restricted", 3),
    "mining-forbidden": ("forbidden", 4),
    "site-allowed": ("allowed", 0),
    "site-restricted": ("restricted", 3),
    "site-outside": ("restricted", 3),  # issue 13: the part outside the county is outside the plan's scope
}


@pytest.fixture
def runner():
    return CliRunner()


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("name", EXPECTED)
def test_examples_give_the_readme_verdicts(runner, name):
    verdict, code = EXPECTED[name]
    result = runner.invoke(cli, ["check", str(EXAMPLES / f"{name}.geojson"), "--format", "json"])
    assert result.exit_code == code, result.output
    doc = json.loads(result.stdout)
    assert doc["verdict"] == verdict
    assert set(doc["plan"]) == {"id", "version", "data_sha256"}
    for res in doc["results"]:
        assert set(res) == {"id", "verdict", "findings"}
        for f in res["findings"]:
            assert set(f) == {"rule", "severity", "clause", "message_zh", "message_en", "facts"}


def test_readme_lists_the_same_verdicts():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for name, (verdict, code) in EXPECTED.items():
        assert f"| `examples/{name}.geojson` | {verdict} | {code} |" in readme, name


def test_table_output_in_both_languages(runner):
    zh = runner.invoke(cli, ["check", str(EXAMPLES / "mining-restricted.geojson")])
    assert zh.exit_code == 3 and "限制" in zh.output and "X223" in zh.output
    en = runner.invoke(cli, ["check", str(EXAMPLES / "mining-restricted.geojson"), "--lang", "en"])
    assert "RESTRICTED" in en.output and "licence term" in en.output


def test_options_override_properties(runner):
    result = runner.invoke(cli, ["check", str(EXAMPLES / "mining-restricted.geojson"), "--licence-years", "3",
                                 "--grant", "协议", "--format", "json", "--id", "X-1"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 3 and doc["results"][0]["id"] == "X-1"
    severities = {f["rule"]: f["severity"] for f in doc["results"][0]["findings"]}
    assert severities["X223"] == "restricted" and severities["T260"] == "restricted"


def test_geojson_output_carries_verdicts(runner, tmp_path):
    out = tmp_path / "out.geojson"
    result = runner.invoke(cli, ["check", str(EXAMPLES / "site-restricted.geojson"), "--format", "geojson",
                                 "-o", str(out)])
    assert result.exit_code == 3
    doc = json.loads(out.read_text(encoding="utf-8"))
    props = doc["features"][0]["properties"]
    assert props["verdict"] == "restricted" and [f["rule"] for f in props["findings"]][-2:] == ["S270", "C280"]
    assert doc["features"][0]["geometry"]["type"] == "Polygon"


def test_point_with_radius(runner, tmp_path):
    src = json.loads((EXAMPLES / "site-restricted.geojson").read_text(encoding="utf-8"))
    lon, lat = src["features"][0]["geometry"]["coordinates"][0][0]
    point = {"type": "Feature", "properties": {"id": "P", "right_type": "site"},
             "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(point), encoding="utf-8")
    result = runner.invoke(cli, ["check", str(path), "--radius", "50", "--format", "json"])
    s270 = next(f for f in json.loads(result.stdout)["results"][0]["findings"] if f["rule"] == "S270")
    assert s270["facts"]["covered"][0]["overlap_m2"] == pytest.approx(3.14159 * 50**2, rel=0.01)


def test_constraints_option(runner, tmp_path):
    import geopandas as gpd

    blocks = gpd.read_file(EXAMPLES / "mining-allowed.geojson")
    layer = tmp_path / "redline.gpkg"
    gpd.GeoDataFrame({"code": ["RL"]}, geometry=blocks.geometry, crs=blocks.crs).to_file(layer)
    forbid = runner.invoke(cli, ["check", str(EXAMPLES / "mining-allowed.geojson"), "--constraints", str(layer)])
    assert forbid.exit_code == 4 and "C280" in forbid.output
    soft = runner.invoke(cli, ["check", str(EXAMPLES / "mining-allowed.geojson"), "--constraints",
                               f"{layer}=restricted"])
    assert soft.exit_code == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("{not json", "JSON"),
        ('{"type": "FeatureCollection", "features": []}', "no features"),
        ('{"type": "Feature", "properties": {"mineral": "gold"}, '
         '"geometry": {"type": "Point", "coordinates": [118.9, 36.5]}}',
         "unknown mineral 'gold'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runner, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0], result.stderr


def test_fix_repairs_and_reports(runner, tmp_path):
    bowtie = {"type": "Feature", "properties": {"id": "B", "right_type": "site"},
              "geometry": {"type": "Polygon", "coordinates": [[[118.70, 36.60], [118.71, 36.61], [118.71, 36.60],
                                                                [118.70, 36.61], [118.70, 36.60]]]}}
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps(bowtie), encoding="utf-8")
    refused = runner.invoke(cli, ["check", str(path)])
    assert refused.exit_code == 2 and "elf-intersection" in refused.stderr
    fixed = runner.invoke(cli, ["check", str(path), "--fix", "--format", "json"])
    rules = [f["rule"] for f in json.loads(fixed.stdout)["results"][0]["findings"]]
    assert "F001" in rules


def test_rules_list_and_explain(runner):
    listing = runner.invoke(cli, ["rules", "--lang", "en"])
    assert listing.exit_code == 0 and "V230" in listing.output and "5.4.2" in listing.output
    one = runner.invoke(cli, ["rules", "v230"])
    assert one.exit_code == 0 and "三区两线" in one.output and "严禁设置开采建筑石料等露天矿山" in one.output
    bad = runner.invoke(cli, ["rules", "Z999"])
    assert bad.exit_code == 2 and "unknown rule" in bad.output


def test_plan_table_and_validate(runner, tmp_path):
    table = runner.invoke(cli, ["plan", "--lang", "en"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "CL-MB-01" in table.output and "reconstructed" in table.output
    ok = runner.invoke(cli, ["plan", "validate"])
    assert ok.exit_code == 0 and "every invariant holds" in ok.output and "1101" in ok.output
    from tests_support import copy_pack

    root = copy_pack(tmp_path, load=False)
    (root / "zones" / "county.geojson").unlink()
    bad = runner.invoke(cli, ["--data", str(root), "plan", "validate"])
    assert bad.exit_code == 1 and "county.geojson: layer 'county': file not found" in bad.stderr
    also = runner.invoke(cli, ["plan", "validate", "--data", str(root)])
    assert also.exit_code == 1 and also.stderr == bad.stderr


def test_data_option_and_env_point_at_another_pack(runner, tmp_path):
    from tests_support import copy_pack

    root = copy_pack(tmp_path, load=False)
    text = (root / "plan.toml").read_text(encoding="utf-8").replace('version = "', 'version = "bureau-', 1)
    (root / "plan.toml").write_text(text, encoding="utf-8")
    args = ["check", str(EXAMPLES / "site-allowed.geojson"), "--format", "json"]
    via_option = json.loads(runner.invoke(cli, ["--data", str(root), *args]).stdout)
    via_env = json.loads(runner.invoke(cli, args, env={"MINEPLAN_DATA": str(root)}).stdout)
    assert via_option["plan"]["version"].startswith("bureau-") and via_env["plan"] == via_option["plan"]


def test_internal_error_is_one_line_with_exit_1(runner, monkeypatch):
    import mineplan.checker

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(mineplan.checker, "check_file", boom)
    result = runner.invoke(cli, ["check", str(EXAMPLES / "site-allowed.geojson")])
    assert result.exit_code == 1 and "internal error: RuntimeError: kaboom" in result.stderr


def test_real_subprocess_from_another_directory(tmp_path):
    """The installed console script, run from elsewhere, finds the bundled plan."""
    exe = shutil.which("mineplan", path=os.path.dirname(sys.executable)) or shutil.which("mineplan")
    assert exe, "the mineplan console script is not installed"
    example = tmp_path / "app.geojson"
    shutil.copy(EXAMPLES / "mining-forbidden.geojson", example)
    env = {k: v for k, v in os.environ.items() if k != "MINEPLAN_DATA"}
    proc = subprocess.run([exe, "check", "app.geojson", "--format", "json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["verdict"] == "forbidden"
    severity = {f["rule"]: f["severity"] for f in doc["results"][0]["findings"]}
    assert severity["V230"] == "forbidden" and severity["L240"] == "restricted"
    bad = subprocess.run([exe, "check", "missing.geojson"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_help_does_not_import_heavy_modules():
    """`mineplan --help` stays instant: no geopandas, shapely or pandas behind it."""
    code = ("import sys\nfrom click.testing import CliRunner\nfrom mineplan.cli import cli\n"
            "r = CliRunner().invoke(cli, ['--help'])\nassert r.exit_code == 0 and 'check' in r.output, r.output\n"
            "heavy = {'geopandas', 'shapely', 'pandas', 'matplotlib'} & set(sys.modules)\nassert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_chinese_option_values(runner):
    result = runner.invoke(cli, ["check", str(EXAMPLES / "mining-allowed.geojson"), "--right-type", "采矿权",
                                 "--method", "地下", "--output-unit", "万立方米/年", "--annual-output", "10",
                                 "--format", "json"])
    attrs = {f["rule"] for f in json.loads(result.stdout)["results"][0]["findings"]}
    assert result.exit_code == 0 and "V230" not in attrs  # underground: no open-pit visibility rule
    bad = runner.invoke(cli, ["check", str(EXAMPLES / "mining-allowed.geojson"), "--method", "blasting"])
    assert bad.exit_code == 2 and "--method" in bad.output


def test_notice_text_example_with_options(runner):
    result = runner.invoke(cli, ["check", str(EXAMPLES / "mining-notice.txt"), "--id", "XS-1", "--right-type", "采矿权",
                                 "--mineral", "建筑石料用灰岩", "--method", "露天", "--annual-output", "250",
                                 "--output-unit", "万吨/年", "--licence-years", "15", "--green-mine", "--grant", "挂牌",
                                 "--clean-grant", "--restoration-plan", "--format", "json"])
    # 250 万吨/年 for 15 years exceeds the 杏山 block's 500 万m³ (X224, issue 13): restricted, by X224 only
    assert result.exit_code == 3, result.output
    findings = json.loads(result.stdout)["results"][0]["findings"]
    assert [f["rule"] for f in findings if f["severity"] not in ("pass", "info")] == ["X224"]
    assert "EPSG:4528" in result.stderr  # the inferred reading is printed
    assert json.loads(result.stdout)["results"][0]["id"] == "XS-1"

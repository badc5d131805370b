"""Dated versions of a plan: versions/<name>/plan.toml beside the pack, [plan] effective, --as-of."""

from __future__ import annotations

import datetime
import json
import re

import geopandas as gpd
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES
from tests_support import copy_pack

from mineplan.cli import cli
from mineplan.errors import PlanPackError
from mineplan.pack import load_pack, pack_versions, version_in_force
from mineplan.validate import validate_pack

PLAN_ID = "370725-kczygh-2021-2025"
ROOT_VERSION = "2023.06.26-r1"  # the bundled pack's own version, effective on its issue date 2023-06-26


def _add_version(root, name, *, version, effective, edit=lambda s: s, key="effective"):
    """versions/<name>/plan.toml: the pack's plan.toml with another version and date, its layers
    shared with the pack (../../zones/…)."""
    text = (root / "plan.toml").read_text(encoding="utf-8")
    text = re.sub(r'file = "(zones|blocks)/', r'file = "../../\1/', text)
    text = re.sub(r'(?m)^version = ".*"$', f'version = "{version}"\n{key} = "{effective}"', text, count=1)
    folder = root / "versions" / name
    folder.mkdir(parents=True)
    (folder / "plan.toml").write_text(edit(text), encoding="utf-8")
    return folder


def _small_geothermal(text: str) -> str:
    """The 2022 version sized geothermal mines more strictly: 10万m³/年 was small, not medium."""
    old = '[scale_tables.geothermal]\nunit = "万立方米/年"\nlarge = 20\nmedium = 10'
    assert old in text
    return text.replace(old, '[scale_tables.geothermal]\nunit = "万立方米/年"\nlarge = 30\nmedium = 15')


@pytest.fixture
def dated(tmp_path):
    root = copy_pack(tmp_path, load=False)
    _add_version(root, "2022", version="2022.01.01-r0", effective="2022-01-01", edit=_small_geothermal)
    _add_version(root, "2030-draft", version="2030.01.01-d1", effective="2030-01-01")
    return root


def test_versions_are_found_oldest_first(dated):
    found = [(v.name, v.version, v.effective.isoformat()) for v in pack_versions(dated)]
    assert found == [("2022", "2022.01.01-r0", "2022-01-01"), ("", ROOT_VERSION, "2023-06-26"),
                     ("2030-draft", "2030.01.01-d1", "2030-01-01")]


@pytest.mark.parametrize(("as_of", "version"), [
    ("2022-01-01", "2022.01.01-r0"), ("2023-06-25", "2022.01.01-r0"), ("2023-06-26", ROOT_VERSION),
    ("2029-12-31", ROOT_VERSION), ("2030-01-01", "2030.01.01-d1"), (None, ROOT_VERSION),
])
def test_load_pack_as_of_picks_the_version_in_force(dated, as_of, version):
    pack = load_pack(dated, as_of=None if as_of is None else datetime.date.fromisoformat(as_of))
    assert pack.identity()["version"] == version and pack.identity()["id"] == PLAN_ID
    assert pack.effective <= (datetime.date.fromisoformat(as_of) if as_of else pack.effective)


def test_each_version_has_its_own_data_hash_and_shares_layers(dated):
    old = load_pack(dated, as_of=datetime.date(2022, 6, 1))
    new = load_pack(dated)
    assert old.root == (dated / "versions" / "2022").resolve() and new.root == dated.resolve()
    assert old.data_sha256 != new.data_sha256
    assert old.layers["mining_blocks"].path == new.layers["mining_blocks"].path
    assert old.config["scale_tables"]["geothermal"]["medium"] == 15


def test_before_every_version_is_an_error(dated):
    with pytest.raises(PlanPackError, match=re.escape(
            f"no version of {PLAN_ID} in force on 2021-12-31 (earliest: 2022.01.01-r0 effective 2022-01-01)")):
        load_pack(dated, as_of=datetime.date(2021, 12, 31))
    with pytest.raises(PlanPackError, match="in force on 2023-06-25"):
        version_in_force(copy_pack(dated.parent / "plain", load=False), datetime.date(2023, 6, 25))


def test_effective_defaults_to_issued_and_can_be_a_toml_date(tmp_path):
    root = copy_pack(tmp_path, load=False)
    assert load_pack(root).effective == datetime.date(2023, 6, 26)  # no effective: issued
    _add_version(root, "amended", version="2024.05.01-a1", effective="2024-05-01", key="issued")
    text = (root / "versions" / "amended" / "plan.toml").read_text(encoding="utf-8")
    text = text.replace('issued = "2024-05-01"', "effective = 2024-05-02", 1)
    (root / "versions" / "amended" / "plan.toml").write_text(text, encoding="utf-8")
    assert [v.effective for v in pack_versions(root)][-1] == datetime.date(2024, 5, 2)
    text = (root / "plan.toml").read_text(encoding="utf-8").replace('issued = "2023-06-26"',
                                                                     'issued = "2023-06-26"\neffective = ""', 1)
    (root / "plan.toml").write_text(text, encoding="utf-8")
    assert pack_versions(root)[0].effective == datetime.date(2023, 6, 26)  # an empty placeholder: issued


def _check(root, *args):
    result = CliRunner().invoke(cli, ["--data", str(root), "check", str(EXAMPLES / "mining-allowed.geojson"),
                                      "--format", "json", *args])
    doc = json.loads(result.stdout) if result.stdout.strip() else None
    return result, doc


def test_check_as_of_reports_the_older_version_and_its_verdict(dated):
    result, doc = _check(dated)
    assert result.exit_code == 0 and doc["verdict"] == "allowed"
    assert doc["plan"]["version"] == ROOT_VERSION and doc["plan"]["id"] == PLAN_ID
    result, old = _check(dated, "--as-of", "2023-01-15")
    assert old["plan"]["version"] == "2022.01.01-r0"
    old_hash = load_pack(dated / "versions" / "2022").data_sha256
    assert old["plan"]["data_sha256"] == old_hash != doc["plan"]["data_sha256"]
    assert old["verdict"] == "forbidden" and result.exit_code == 4  # 10万m³/年 was a small geothermal mine then
    fired = {f["rule"] for r in old["results"] for f in r["findings"] if f["severity"] == "forbidden"}
    assert fired == {"X221"}
    result, same = _check(dated, "--as-of", "2024-01-01")
    assert same["plan"] == doc["plan"] and same["verdict"] == "allowed"


def test_check_as_of_before_the_plan_and_a_bad_date(dated):
    result, _ = _check(dated, "--as-of", "2020-01-01")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"mineplan: error: no version of {PLAN_ID} in force on 2020-01-01 "
                                      "(earliest: 2022.01.01-r0 effective 2022-01-01)")
    result, _ = _check(dated, "--as-of", "2023/01/15")
    assert result.exit_code == 2 and "--as-of" in result.stderr


def test_screen_as_of_uses_the_older_version(dated, tmp_path):
    verdicts = {}
    for as_of in (None, "2023-01-15"):
        out = tmp_path / f"screened-{as_of}.parquet"
        args = ["--data", str(dated), "screen", str(EXAMPLES / "mining-allowed.geojson"), "-o", str(out), "-q",
                "--workers", "1"]
        result = CliRunner().invoke(cli, [*args, *(["--as-of", as_of] if as_of else [])])
        assert result.exit_code == 0, result.output
        verdicts[as_of] = gpd.read_parquet(out)["verdict"].tolist()
    assert verdicts == {None: ["allowed"], "2023-01-15": ["forbidden"]}


def test_plan_lists_the_versions_with_their_dates(dated):
    result = CliRunner().invoke(cli, ["--data", str(dated), "plan", "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    start = lines.index("versions (effective date, version, where):")
    assert lines[start + 1:start + 4] == ["2022-01-01  2022.01.01-r0  versions/2022",
                                          f"2023-06-26  {ROOT_VERSION}  plan.toml (this pack)",
                                          "2030-01-01  2030.01.01-d1  versions/2030-draft"]


def test_validate_checks_the_versions(dated):
    assert validate_pack(dated).ok, validate_pack(dated).problems
    other = _add_version(dated, "other-plan", version="x", effective="2025-01-01",
                         edit=lambda s: s.replace(f'id = "{PLAN_ID}"', 'id = "420881-kczygh-2021-2025"'))
    problems = validate_pack(dated).problems
    assert problems == [f"{other / 'plan.toml'}: [plan] id '420881-kczygh-2021-2025' is not the pack's '{PLAN_ID}': "
                        "a version must be of the same plan"]
    (other / "plan.toml").unlink()
    twin = _add_version(dated, "twin", version="2022.01.01-r9", effective="2022-01-01")
    assert any(re.fullmatch(r".*/versions/(twin|2022)/plan\.toml: effective 2022-01-01 is also the date of .*", p)
               for p in validate_pack(dated).problems)
    (twin / "plan.toml").write_text((twin / "plan.toml").read_text(encoding="utf-8").replace(
        'effective = "2022-01-01"', 'effective = "2022-13-01"'), encoding="utf-8")
    problems = validate_pack(dated).problems
    assert any(p.endswith("[plan] effective '2022-13-01' is not a date (YYYY-MM-DD)") for p in problems)
    (twin / "plan.toml").write_text((twin / "plan.toml").read_text(encoding="utf-8").replace(
        'effective = "2022-13-01"', 'effective = "2022-02-01"').replace(
        "../../blocks/mining_blocks", "../../blocks/none"), encoding="utf-8")
    assert any("none.geojson: layer 'mining_blocks': file not found" in p for p in validate_pack(dated).problems)


def test_serve_as_of_loads_the_version_in_force(dated, monkeypatch):
    """serve --as-of: the app serves the version in force (uvicorn itself is not started here)."""
    import uvicorn

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.setdefault("pack", app.state.settings.pack))
    result = CliRunner().invoke(cli, ["--data", str(dated), "serve", "--as-of", "2023-01-15"])
    assert result.exit_code == 0, result.output
    assert served["pack"].plan["version"] == "2022.01.01-r0"
    early = CliRunner().invoke(cli, ["--data", str(dated), "serve", "--as-of", "2020-01-01"])
    assert early.exit_code == 2 and "no version of" in early.stderr

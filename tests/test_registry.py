"""The rights registry: GeoPackage layout, the existing-rights contract, the rtree index, the CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES
from registry_worker import mine, rights_file, squares

from mineplan.cli import cli
from mineplan.registry import COLUMNS, RegistryError, open_registry, rights_from_file

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"


def run(*args, ok=True):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output + str(result.exception)
    return result


@pytest.fixture
def reg_path(tmp_path):
    return tmp_path / "reg" / "registry.gpkg"


@pytest.fixture
def three(tmp_path):
    """A file of three rights: a mine (Chinese values), an exploration right, an expired mine."""
    g = squares(3)
    return rights_file(tmp_path / "three.geojson", [
        mine("M-1", g[0], mineral="building-stone limestone", applicant="甲"),  # a bare limestone: M101
        ({"id": "E-1", "right_type": "探矿权", "mineral": "geothermal", "stage": "survey", "applicant": "乙",
          "licence_start": "2023年1月5日", "licence_years": 5}, g[1]),
        mine("M-2", g[2], status="已注销", annual_output=30, output_unit="万立方米/年", green_mine="否"),
    ])


# -- GeoPackage layout --------------------------------------------------------------------------
def test_registry_is_a_geopackage_gdal_reads(reg_path, three, pack):
    import pyogrio

    reg = open_registry(reg_path, create=True, work_crs=WORK_CRS)
    reg.add(rights_from_file(three, pack=pack))
    layers = dict(pyogrio.list_layers(reg_path))
    assert {"rights", "audit", "meta"} <= set(layers)
    frame = pyogrio.read_dataframe(reg_path, layer="rights")
    assert frame.crs.to_epsg() == 4549 and len(frame) == 3 and frame.geometry.is_valid.all()
    assert sorted(frame["id"]) == ["E-1", "M-1", "M-2"]
    info = pyogrio.read_info(reg_path, layer="rights")
    assert info["geometry_name"] == "geom" and info["fid_column"] == "fid"
    with sqlite3.connect(reg_path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT srs_id, geometry_type_name FROM gpkg_geometry_columns").fetchall() == [
            (4549, "GEOMETRY")]
        extent = conn.execute("SELECT min_x, max_x FROM gpkg_contents WHERE table_name = 'rights'").fetchone()
        assert extent[0] < extent[1]
        assert dict(conn.execute("SELECT key, value FROM meta"))["schema_version"] == "1"


def test_existing_rights_contract(reg_path, three, pack):
    reg = open_registry(reg_path, create=True, work_crs=WORK_CRS)
    reg.add(rights_from_file(three, pack=pack))
    frame = reg.existing_rights()
    assert list(frame.columns) == [*COLUMNS, "geometry"] == [
        "id", "holder", "right_type", "mineral", "method", "stage", "annual_output", "output_unit", "status",
        "licence_start", "licence_end", "green_mine", "geometry"]
    assert frame.crs.to_epsg() == 4549
    assert list(frame["id"]) == ["M-1", "E-1"]  # the revoked M-2 does not count
    m1, e1 = frame.iloc[0], frame.iloc[1]
    assert (m1.right_type, m1.mineral, m1.method, m1.output_unit, m1.annual_output, m1.holder, m1.green_mine) == (
        "mining", "建筑石料用灰岩", "open_pit", "wt", 250.0, "甲", True)
    assert (e1.right_type, e1.mineral, e1.stage, e1.licence_start, e1.licence_end) == (
        "exploration", "地热", "普查", "2023-01-05", "2028-01-05")
    assert frame.geometry.area.round().tolist() == [1600.0, 1600.0]
    everything = reg.existing_rights(statuses=("granted", "pending", "expired", "revoked"))
    assert everything.set_index("id").loc["M-2", "status"] == "revoked"
    assert everything.set_index("id").loc["M-2", "green_mine"] is False


def test_empty_registry_frame(reg_path):
    frame = open_registry(reg_path, create=True, work_crs=WORK_CRS).existing_rights()
    assert list(frame.columns) == [*COLUMNS, "geometry"] and len(frame) == 0 and frame.crs.to_epsg() == 4549


def test_query_and_bbox_use_the_index(reg_path, three, pack):
    import shapely

    reg = open_registry(reg_path, create=True, work_crs=WORK_CRS)
    reg.add(rights_from_file(three, pack=pack))
    g = squares(3)
    assert list(reg.query(g[0].buffer(5))["id"]) == ["M-1"]
    assert list(reg.query(shapely.union_all(g))["id"]) == ["M-1", "E-1"]  # M-2 is revoked
    assert list(reg.query(g[2], statuses=("revoked",))["id"]) == ["M-2"]
    assert len(reg.query(g[0].centroid.buffer(1e6).difference(g[0].centroid.buffer(1e5)))) == 0
    assert list(reg.existing_rights(bbox=g[1].bounds)["id"]) == ["E-1"]


# -- the rtree index ----------------------------------------------------------------------------
def test_index_grows_incrementally_and_survives_restarts(reg_path, pack, tmp_path):
    g = squares(6)
    reg = open_registry(reg_path, create=True, work_crs=WORK_CRS)
    reg.add(rights_from_file(rights_file(tmp_path / "a.geojson", [mine("A", g[0])]), pack=pack))
    assert reg.index_rebuilds == 1  # the first write creates the index
    for k in range(1, 6):
        reg.add(rights_from_file(rights_file(tmp_path / "b.geojson", [mine(f"B{k}", g[k])]), pack=pack))
    assert reg.index_rebuilds == 1  # five inserts, no rebuild
    again = open_registry(reg_path, work_crs=WORK_CRS)  # a new process would see the same files
    assert again.check_index() is True and again.index_rebuilds == 0
    assert list(again.query(g[4])["id"]) == ["B4"]
    assert again.index_rebuilds == 0


@pytest.mark.parametrize("damage", ["delete", "stale", "foreign", "garbage"])
def test_index_rebuilt_when_missing_or_stale(reg_path, three, pack, damage):
    reg = open_registry(reg_path, create=True, work_crs=WORK_CRS)
    reg.add(rights_from_file(three, pack=pack))
    sidecar = reg.sidecar
    if damage == "delete":
        for p in reg._index_files():
            p.unlink()
    elif damage == "stale":
        side = json.loads(sidecar.read_text())
        sidecar.write_text(json.dumps({**side, "changes": side["changes"] - 1}))
    elif damage == "foreign":
        side = json.loads(sidecar.read_text())
        sidecar.write_text(json.dumps({**side, "uuid": "another-registry"}))
    else:
        reg._index_files()[0].write_bytes(b"\0garbage" * 100)
    fresh = open_registry(reg_path, work_crs=WORK_CRS)
    assert list(fresh.query(squares(3)[0])["id"]) == ["M-1"]
    assert fresh.index_rebuilds == 1
    assert fresh.check_index() is True


def test_index_with_wrong_entries_is_not_trusted(reg_path, three, pack):
    from rtree import index

    reg = open_registry(reg_path, create=True, work_crs=WORK_CRS)
    reg.add(rights_from_file(three, pack=pack))
    idx = index.Index(reg.index_base)
    idx.insert(999, (0, 0, 1, 1))  # an entry the registry does not have; the sidecar still "matches"
    idx.close()
    assert open_registry(reg_path, work_crs=WORK_CRS).check_index() is False


# -- safety -----------------------------------------------------------------------------------
def test_newer_schema_refused(reg_path, three):
    run("registry", "--registry", reg_path, "add", three)
    with sqlite3.connect(reg_path) as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with pytest.raises(RegistryError, match="schema version 2 is newer"):
        open_registry(reg_path, work_crs=WORK_CRS)
    result = run("registry", "--registry", reg_path, "list", ok=False)
    assert result.exit_code == 2
    assert "schema version 2 is newer than this mineplan understands (1)" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_not_a_registry_refused(tmp_path):
    other = tmp_path / "other.gpkg"
    other.write_bytes(b"not sqlite at all" * 100)
    result = run("registry", "--registry", other, "list", ok=False)
    assert result.exit_code == 2 and "not a mineplan registry" in result.output
    result = run("registry", "--registry", tmp_path / "none.gpkg", "list", ok=False)
    assert result.exit_code == 2 and "no registry here" in result.output


def test_import_is_all_or_nothing(reg_path, three, tmp_path):
    run("registry", "--registry", reg_path, "add", three)
    g = squares(5, start=(500000, 4040000))
    bad = rights_file(tmp_path / "bad.geojson", [mine("N-1", g[0]), mine("N-2", g[1], mineral="unobtainium")])
    result = run("registry", "--registry", reg_path, "import", bad, ok=False)
    assert result.exit_code == 2 and "unobtainium" in result.output
    dup = rights_file(tmp_path / "dup.geojson", [mine("N-3", g[2]), mine("M-1", g[3])])
    result = run("registry", "--registry", reg_path, "import", dup, ok=False)
    assert result.exit_code == 2 and "'M-1' is already in the registry" in result.output
    reg = open_registry(reg_path, work_crs=WORK_CRS)
    assert sorted(reg.rights()["id"]) == ["E-1", "M-1", "M-2"]
    assert len(reg.history()) == 3 and reg.changes() == 1
    assert reg.check_index() is True


def test_rights_without_id_or_type_refused(tmp_path, pack):
    g = squares(1)
    with pytest.raises(Exception, match="no id"):
        rights_from_file(rights_file(tmp_path / "a.geojson", [({"right_type": "采矿权"}, g[0])]), pack=pack)
    with pytest.raises(Exception, match="no right type"):
        rights_from_file(rights_file(tmp_path / "b.geojson", [({"id": "X"}, g[0])]), pack=pack)


# -- the CLI ------------------------------------------------------------------------------------
def test_cli_add_list_show_set_status_history(reg_path, three, tmp_path):
    out = run("registry", "--registry", reg_path, "add", three).output
    assert "3 right(s)" in out and "M-1, E-1, M-2" in out
    out = run("registry", "--registry", reg_path, "list").output
    assert "M-1" in out and "E-1" in out and "M-2" in out
    listed = json.loads(run("registry", "--registry", reg_path, "list", "--format", "json").output)
    assert [r["id"] for r in listed] == ["M-1", "E-1", "M-2"] and listed[0]["area_m2"] == 1600.0
    # filters (and --registry after the subcommand)
    ids = lambda *a: [r["id"] for r in json.loads(run("registry", "list", "--registry", reg_path, "--format",  # noqa: E731
                                                        "json", *a).output)]
    assert ids("--status", "revoked") == ["M-2"]
    assert ids("--status", "granted", "--status", "pending") == ["M-1", "E-1"]
    assert ids("--right-type", "探矿权") == ["E-1"]
    assert ids("--mineral", "building-stone limestone") == ["M-1", "M-2"]
    shown = json.loads(run("registry", "--registry", reg_path, "show", "E-1", "--format", "json").output)
    assert shown["mineral"] == "地热" and shown["licence_end"] == "2028-01-05" and shown["geometry_type"] == "Polygon"
    assert "E-1" in run("registry", "--registry", reg_path, "show", "E-1").output
    assert run("registry", "--registry", reg_path, "show", "nope", ok=False).exit_code == 2
    # set-status, recorded with who
    out = run("registry", "--registry", reg_path, "--who", "王科长", "set-status", "M-1", "expired").output
    assert "granted → expired" in out
    assert "already expired" in run("registry", "--registry", reg_path, "set-status", "M-1", "expired").output
    assert run("registry", "--registry", reg_path, "set-status", "nope", "expired", ok=False).exit_code == 2
    assert run("registry", "--registry", reg_path, "set-status", "M-1", "lost", ok=False).exit_code == 2
    history = json.loads(run("registry", "--registry", reg_path, "history", "M-1", "--format", "json").output)
    assert [h["action"] for h in history] == ["add", "set-status"]
    assert history[1] | {"when": None, "seq": None} == {"seq": None, "when": None, "who": "王科长",
                                                         "action": "set-status", "right_id": "M-1",
                                                         "field": "status", "old": "granted", "new": "expired"}
    assert history[1]["when"].endswith("Z") and history[0]["seq"] < history[1]["seq"]
    assert json.loads(history[0]["new"])["mineral"] == "建筑石料用灰岩"
    out = run("registry", "--registry", reg_path, "history", "M-1").output
    assert "set-status" in out and "王科长" in out
    assert open_registry(reg_path, work_crs=WORK_CRS).existing_rights()["id"].tolist() == ["E-1"]


def test_cli_add_status_and_attribute_options(reg_path, tmp_path):
    g = squares(2)
    f = rights_file(tmp_path / "p.geojson", [({"编号": "P-1"}, g[0])])
    run("registry", "--registry", reg_path, "add", f, "--status", "pending", "--right-type", "mining",
        "--mineral", "地热", "--holder", "丙")
    rec = open_registry(reg_path, work_crs=WORK_CRS).get("P-1")
    assert (rec["status"], rec["right_type"], rec["mineral"], rec["holder"]) == ("pending", "mining", "地热", "丙")


@pytest.mark.parametrize("suffix", ["gpkg", "shp", "geojson", "csv"])
def test_cli_export_import_round_trip(reg_path, three, tmp_path, suffix):
    run("registry", "--registry", reg_path, "add", three)
    out = tmp_path / f"out.{suffix}"
    run("registry", "--registry", reg_path, "export", out)
    copy = tmp_path / "copy.gpkg"
    extra = ["--right-type", "mining"] if suffix == "csv" else []  # corner points carry geometry and id only
    run("registry", "--registry", copy, "import", out, *extra)
    a, b = open_registry(reg_path, work_crs=WORK_CRS).rights(), open_registry(copy, work_crs=WORK_CRS).rights()
    assert list(a["id"]) == list(b["id"])
    assert (a.geometry.symmetric_difference(b.geometry, align=False).area < 0.5).all()
    if suffix != "csv":
        cols = [c for c in COLUMNS if c != "geometry"]
        assert a[cols].astype(str).values.tolist() == b[cols].astype(str).values.tolist()
    assert [h["action"] for h in open_registry(copy, work_crs=WORK_CRS).history()] == ["import"] * 3


def test_default_path_from_xdg(monkeypatch, tmp_path, three):
    monkeypatch.delenv("MINEPLAN_REGISTRY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    run("registry", "add", three)
    assert (tmp_path / "xdg" / "mineplan" / "registry.gpkg").is_file()
    assert "M-1" in run("registry", "list").output


def test_examples_register(reg_path, pack):
    reg = open_registry(reg_path, create=True, work_crs=WORK_CRS)
    for name in ("mining-allowed", "exploration-allowed", "site-allowed"):
        reg.add(rights_from_file(EXAMPLES / f"{name}.geojson", pack=pack))
    assert set(reg.existing_rights()["right_type"]) == {"mining", "exploration", "site"}


# -- check --registry ------------------------------------------------------------------------------
def test_check_with_registry_sees_an_existing_right(reg_path, tmp_path, pack):
    """An application over an existing right of another holder is forbidden (K302, 矿业权重叠)."""
    import geopandas as gpd

    app = EXAMPLES / "mining-allowed.geojson"
    frame = gpd.read_file(app)
    frame["id"], frame["applicant"] = "R-OLD", "另一公司"
    old = tmp_path / "old.geojson"
    frame.to_file(old, driver="GeoJSON", engine="pyogrio")
    run("registry", "--registry", reg_path, "add", old)
    existing = open_registry(reg_path, work_crs=WORK_CRS).existing_rights()
    assert list(existing["id"]) == ["R-OLD"] and existing.iloc[0]["holder"] == "另一公司"
    result = run("check", app, "--format", "json", "--registry", reg_path, ok=False)
    assert result.exit_code == 4, result.output
    doc = json.loads(result.output)
    finding = next(f for f in doc["results"][0]["findings"] if f["rule"] == "K302")
    assert finding["severity"] == "forbidden"
    hit = finding["facts"]["overlaps"][0]
    assert hit["id"] == "R-OLD" and hit["existing"] is True and hit["overlap_m2"] > 250000  # the 300 m well field
    # without the registry the same application is allowed
    assert run("check", app, "--format", "json", ok=False).exit_code == 0
    # once the old right is revoked it no longer blocks
    run("registry", "--registry", reg_path, "set-status", "R-OLD", "revoked")
    assert run("check", app, "--format", "json", "--registry", reg_path, ok=False).exit_code == 0

"""Batch screening: same verdicts and findings as ``check`` whatever the chunking and order; error
rows; every output format; atomic writes; the command."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from generate import generate

from mineplan.checker import check_frame
from mineplan.cli import cli
from mineplan.findings import SEVERITIES
from mineplan.readers import read_applications
from mineplan.screen import screen

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"


@pytest.fixture(scope="module")
def apps(pack, index):
    """~120 synthetic applications plus hand-made conflicts and bad records."""
    frame = generate(100, seed=7, pack=pack)
    f = index.features
    geo = f[(f["role"] == "exploration_block") & (f["mineral"] == "地热")].iloc[0].geometry
    mine = f[f["role"] == "mining_block"].iloc[0].geometry
    extra = [
        {"id": "X-E1", "right_type": "exploration", "mineral": "地热", "stage": "普查", "applicant": "甲",
         "submitted": pd.Timestamp("2025-03-01"), "geometry": geo},
        {"id": "X-E2", "right_type": "探矿权", "mineral": "地热", "stage": "普查", "applicant": "乙",
         "submitted": pd.Timestamp("2025-01-01"), "geometry": geo},
        {"id": "X-M1", "right_type": "mining", "mineral": "建筑石料用灰岩", "method": "open_pit", "annual_output": 250,
         "output_unit": "万吨/年", "applicant": "丙", "submitted": pd.Timestamp("2025-02-01"), "geometry": mine},
        {"id": "X-M2", "right_type": "mining", "mineral": "建筑石料用灰岩", "method": "open_pit", "annual_output": 250,
         "output_unit": "万吨/年", "applicant": "丁", "submitted": pd.Timestamp("2025-01-15"),
         "geometry": shapely.affinity.translate(mine, 50, 0)},
        {"id": "BAD-MINERAL", "right_type": "mining", "mineral": "unobtainium", "submitted": pd.Timestamp("2025-01-02"),
         "geometry": mine.centroid.buffer(100)},
        {"id": "BAD-BOWTIE", "right_type": "mining", "mineral": "地热", "submitted": pd.Timestamp("2025-01-03"),
         "geometry": shapely.Polygon([(mine.centroid.x, mine.centroid.y),
                                      (mine.centroid.x + 100, mine.centroid.y + 100),
                                      (mine.centroid.x + 100, mine.centroid.y),
                                      (mine.centroid.x, mine.centroid.y + 100)])},
    ]
    add = gpd.GeoDataFrame(extra, geometry="geometry", crs="EPSG:4549")
    return pd.concat([frame, add], ignore_index=True)


def write(frame, path):
    frame = frame.copy()
    frame["green_mine"] = frame["green_mine"].astype(object)
    frame.to_parquet(path) if str(path).endswith(".parquet") else frame.to_file(path, engine="pyogrio")
    return path


def expected(pack, path):
    """What ``check`` says on the same file: id -> (verdict, worst rule, findings as JSON values)."""
    read = read_applications(path, on_error="collect", plan_area=pack.county_geometry, work_crs=WORK_CRS)
    out = {}
    for r in check_frame(read.frame, pack=pack, collect=True):
        dicts = json.loads(json.dumps([f.as_dict() for f in r.findings], ensure_ascii=False))
        worst = r.worst
        counts = worst is not None and SEVERITIES.index(worst.severity) > 1
        out[r.id] = (r.verdict, worst.rule if counts else None, dicts, r.error)
    return out


def screened(path):
    frame = gpd.read_parquet(path) if str(path).endswith(".parquet") else gpd.read_file(path)
    return {row["id"]: (row["verdict"], None if pd.isna(row["worst_rule"]) else row["worst_rule"],
                        json.loads(row["findings"]), None if pd.isna(row["error"]) else row["error"])
            for _, row in frame.iterrows()}


@pytest.mark.parametrize(("chunk", "workers"), [(1, 2), (7, 1), (7, 2), (10_000, None)])
def test_same_as_check_whatever_the_chunking(pack, apps, tmp_path, chunk, workers, caplog, monkeypatch):
    # workers=2: the chunks past the first 7 rows are checked in two spawned processes (mineplan.engine.runners)
    import mineplan.engine.runners as runners

    monkeypatch.setattr(runners, "POOL_AFTER_ROWS", 7)
    src = write(apps, tmp_path / "in.parquet")
    want = expected(pack, src)
    out = tmp_path / "out.parquet"
    with caplog.at_level("INFO", logger="mineplan.screen"):
        summary = screen(src, out, pack=pack, chunk_size=chunk, workers=workers, findings="json")
    many = workers != 1  # None: one per core, 2 here
    assert ("in 2 worker processes" if many else "in this process") in caplog.text
    got = screened(out)
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == want[key], key
    assert summary.rows == len(apps) and summary.error_count == 2
    fired = Counter()  # the summary's per-rule counts are the output's "fired" column, counted
    for text in gpd.read_parquet(out)["fired"].dropna():
        fired.update(tuple(item.split(":")) for item in text.split(";") if item)
    assert {(code, sev): n for code, c in summary.rules.items() for sev, n in c.items()} == dict(fired)
    assert fired[("K301", "restricted")] >= 1  # two applications for one block compete
    # the hand-made conflicts fire, in input order
    assert any(f["rule"] == "K300" and f["severity"] == "restricted" for f in got["X-E2"][2])
    assert any(f["rule"] == "K301" and f["severity"] == "restricted" for f in got["X-M2"][2])
    assert got["BAD-MINERAL"][0] == "error" and "unknown mineral" in got["BAD-MINERAL"][3]
    assert got["BAD-BOWTIE"][0] == "error" and "self-intersection" in got["BAD-BOWTIE"][3]


def test_shuffled_input_and_priority(pack, apps, tmp_path):
    shuffled = apps.sample(frac=1.0, random_state=3).reset_index(drop=True)
    src = write(shuffled, tmp_path / "shuffled.parquet")
    out = tmp_path / "out.parquet"
    screen(src, out, pack=pack, chunk_size=7, findings="json")
    assert screened(out) == expected(pack, src)
    # with --priority the ranking no longer depends on the input order
    by_date = write(apps.sort_values("submitted", kind="stable").reset_index(drop=True), tmp_path / "by_date.parquet")
    want = expected(pack, by_date)
    for source in (src, write(apps, tmp_path / "orig.parquet")):
        screen(source, out, pack=pack, chunk_size=13, priority="submitted", findings="json")
        assert screened(out) == want
    got = screened(out)
    # X-E2 was submitted first: it holds the block now, X-E1 is the second holder
    assert any(f["rule"] == "K300" and f["severity"] == "restricted" for f in got["X-E1"][2])
    assert all(f["severity"] == "pass" for f in got["X-E2"][2] if f["rule"] == "K300")


def test_gpkg_input_streamed_and_every_output_format(pack, apps, tmp_path):
    src = write(apps, tmp_path / "in.gpkg")
    want = expected(pack, src)
    for suffix in (".parquet", ".gpkg", ".geojson", ".csv", ".xlsx"):
        out = tmp_path / f"out{suffix}"
        summary = screen(src, out, pack=pack, chunk_size=50)
        assert out.exists() and summary.rows == len(apps)
        if suffix == ".csv":
            frame = pd.read_csv(out, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            frame = pd.read_excel(out)
        else:
            frame = gpd.read_file(out) if suffix != ".parquet" else gpd.read_parquet(out)
        assert len(frame) == len(apps)
        verdicts = dict(zip(frame["id"].astype(str), frame["verdict"], strict=True))
        assert verdicts == {k: v[0] for k, v in want.items()}, suffix
        for col in ("worst_rule", "reason_zh", "reason_en", "sev_B100", "sev_K302", "share_county"):
            assert col in frame.columns
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_geojson_input_through_the_readers(pack, apps, tmp_path):
    src = tmp_path / "in.geojson"
    apps.head(30).assign(submitted=apps["submitted"].astype(str)).to_crs("EPSG:4326").to_file(src)
    out = tmp_path / "out.parquet"
    screen(src, out, pack=pack, chunk_size=8, findings="json")
    assert screened(out) == expected(pack, src)


def test_priority_with_small_write_batches(pack, apps, tmp_path, monkeypatch):
    # rows are merged with their cross results batch by batch: batches smaller than a chunk change nothing
    import mineplan.engine.runners as runners

    by_date = write(apps.sort_values("submitted", kind="stable").reset_index(drop=True), tmp_path / "by_date.parquet")
    want = expected(pack, by_date)
    shuffled = write(apps.sample(frac=1.0, random_state=5).reset_index(drop=True), tmp_path / "shuffled.parquet")
    monkeypatch.setattr(runners, "WRITE_BATCH", 9)
    out = tmp_path / "out.parquet"
    screen(shuffled, out, pack=pack, chunk_size=11, priority="submitted", findings="json")
    assert screened(out) == want
    assert sorted(p.name for p in tmp_path.iterdir()) == ["by_date.parquet", "out.parquet", "shuffled.parquet"]


def test_interrupted_write_leaves_the_old_file(pack, apps, tmp_path, monkeypatch):
    from mineplan.writers import TableSink

    src = write(apps, tmp_path / "in.parquet")
    out = tmp_path / "out.gpkg"
    out.write_bytes(b"old")
    calls = {"n": 0}
    real = TableSink.write

    def boom(self, frame):
        calls["n"] += 1
        real(self, frame)
        raise RuntimeError("disk full")

    monkeypatch.setattr(TableSink, "write", boom)
    with pytest.raises(RuntimeError):
        screen(src, out, pack=pack, chunk_size=40)
    assert out.read_bytes() == b"old" and calls["n"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.gpkg"]
    fresh = tmp_path / "fresh.parquet"
    with pytest.raises(RuntimeError):
        screen(src, fresh, pack=pack)
    assert not fresh.exists()


def test_problems_only_keeps_the_verdicts(pack, apps, tmp_path):
    src = write(apps, tmp_path / "in.parquet")
    screen(src, tmp_path / "all.parquet", pack=pack, chunk_size=30, findings="json")
    screen(src, tmp_path / "few.parquet", pack=pack, chunk_size=30, problems_only=True, findings="json")
    a, b = screened(tmp_path / "all.parquet"), screened(tmp_path / "few.parquet")
    assert {k: v[:2] for k, v in a.items()} == {k: v[:2] for k, v in b.items()}
    assert all(f["severity"] != "pass" for v in b.values() for f in v[2])


def test_cli_screen(pack, apps, tmp_path):
    src = write(apps, tmp_path / "in.parquet")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["screen", str(src), "-o", str(out), "--chunk-size", "25"])
    assert result.exit_code == 0, result.output
    assert "forbidden" in result.output and "K301" in result.output and "error" in result.output
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == len(apps)
    quiet = CliRunner().invoke(cli, ["screen", str(src), "-o", str(tmp_path / "q.parquet"), "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""


def test_verbose_logs_the_phases(pack, apps, tmp_path, caplog):
    src = write(apps, tmp_path / "in.parquet")
    with caplog.at_level("INFO", logger="mineplan.screen"):
        result = CliRunner().invoke(cli, ["--verbose", "screen", str(src), "-o", str(tmp_path / "o.parquet"),
                                          "--quiet", "--workers", "1", "--chunk-size", "10"])
    assert result.exit_code == 0, result.output
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"checked {len(apps)} rows in {-(-len(apps) // 10)} chunks in this process" in text
    assert "K302: " in text and "overlapping pairs" in text and "peak RSS" in text
    assert "cross rules evaluated" in text and "rows merged and written" in text


def test_cli_unusable_input_exits_2(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    result = CliRunner().invoke(cli, ["screen", str(bad), "-o", str(tmp_path / "o.parquet")])
    assert result.exit_code == 2 and "GeoParquet" in result.output
    assert not (tmp_path / "o.parquet").exists()
    result = CliRunner().invoke(cli, ["screen", str(bad), "-o", str(tmp_path / "o.shp")])
    assert result.exit_code == 2 and "output format" in result.output
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.box(400000, 4050000, 400100, 4050100)], crs="EPSG:4549")
    frame.to_parquet(tmp_path / "ok.parquet")
    result = CliRunner().invoke(cli, ["screen", str(tmp_path / "ok.parquet"), "-o", str(tmp_path / "o.parquet"),
                                      "--priority", "nope"])
    assert result.exit_code == 2 and "nope" in result.output


def test_measures_are_the_shares(pack, index, tmp_path):
    f = index.features
    mine = f[f["role"] == "mining_block"].iloc[0].geometry
    frame = gpd.GeoDataFrame([{"id": "m", "right_type": "mining"}], geometry=[mine], crs="EPSG:4549")
    src = write(frame.assign(green_mine=None, submitted=pd.Timestamp("2025-01-01")), tmp_path / "one.parquet")
    screen(src, tmp_path / "o.parquet", pack=pack)
    row = gpd.read_parquet(tmp_path / "o.parquet").iloc[0]
    assert row["share_mining_block"] == pytest.approx(1.0) and row["share_county"] == pytest.approx(1.0)
    assert np.isnan(gpd.read_parquet(tmp_path / "o.parquet")["share_key_exploration_zone"]).sum() == 0


def test_real_subprocess_screen_with_worker_processes(pack, apps, tmp_path):
    """The installed console script spawns its worker processes and gives check's verdicts."""
    import os
    import shutil
    import subprocess

    exe = shutil.which("mineplan", path=os.path.dirname(sys.executable)) or shutil.which("mineplan")
    assert exe, "the mineplan console script is not installed"
    src = write(apps, tmp_path / "in.parquet")
    env = dict(os.environ, MINEPLAN_POOL_AFTER_ROWS="30")  # workers from the second chunk on
    proc = subprocess.run([exe, "--verbose", "screen", "in.parquet", "-o", "out.parquet", "--workers", "2",
                           "--chunk-size", "30", "--quiet", "--findings", "json"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "chunks in 2 worker processes" in proc.stderr
    assert screened(tmp_path / "out.parquet") == expected(pack, src)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet"]


def _children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_screen_leaves_no_workers_and_its_spill_is_removed_next_time(pack, tmp_path, how):
    """kill -9 or SIGTERM of a screen: its worker processes end with it, and the next screen in the
    same folder removes the dead run's spill folder (issue 17)."""
    import os
    import shutil
    import signal
    import subprocess
    import time

    exe = shutil.which("mineplan", path=os.path.dirname(sys.executable)) or shutil.which("mineplan")
    frame = generate(3000, seed=9, pack=pack)
    write(frame, tmp_path / "in.parquet")
    env = dict(os.environ, MINEPLAN_POOL_AFTER_ROWS="0")
    proc = subprocess.Popen([exe, "screen", "in.parquet", "-o", "out.parquet", "--workers", "2", "--chunk-size", "50",
                             "--quiet"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    workers: set[int] = set()
    while time.time() < deadline and proc.poll() is None:
        workers = {c for c in _children(proc.pid) if Path(f"/proc/{c}").exists()}
        if len(workers) >= 2 and list(tmp_path.glob(".out.parquet.*")):
            break
        time.sleep(0.1)
    assert proc.poll() is None and workers, "the screen ended before it could be killed"
    proc.send_signal(signal.SIGKILL if how == "SIGKILL" else signal.SIGTERM)
    proc.wait(timeout=30)
    deadline = time.time() + 20
    while time.time() < deadline and any(Path(f"/proc/{w}").exists() and "zombie" not in
                                         Path(f"/proc/{w}/status").read_text().lower() for w in workers):
        time.sleep(0.2)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()
             and "zombie" not in Path(f"/proc/{w}/status").read_text().lower()]
    assert not alive, f"worker processes outlived the screen: {alive}"
    assert not (tmp_path / "out.parquet").exists()
    if how == "SIGTERM":  # handled like Ctrl-C: the run cleaned up after itself
        assert not list(tmp_path.glob(".out.parquet.*"))
    # the next run removes what a killed one left
    small = write(frame.head(20), tmp_path / "small.parquet")
    done = subprocess.run([exe, "screen", small.name, "-o", "out.parquet", "--quiet"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet", "small.parquet"]


def test_outputs_carry_no_live_formula_and_the_geojson_is_named_after_the_output(pack, tmp_path):
    """Issue 17: an applicant '=HYPERLINK(…)' from an input file stays text in CSV (quoted, as OWASP
    recommends) and in XLSX (a text cell); a screened GeoJSON's name is its file's, not a temporary one's."""
    import json as _json

    import openpyxl

    evil = '=HYPERLINK("http://example.invalid","x")'
    frame = gpd.GeoDataFrame([{"id": "E-1", "right_type": "site", "applicant": evil}],
                             geometry=[shapely.box(400000, 4050000, 400100, 4050100)], crs="EPSG:4549")
    src = write(frame.assign(green_mine=None), tmp_path / "in.parquet")
    screen(src, tmp_path / "out.csv", pack=pack)
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "'" + evil.replace('"', '""') in text
    screen(src, tmp_path / "out.xlsx", pack=pack)
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("applicant") + 1)
    assert cell.value == evil and cell.data_type == "s"
    screen(src, tmp_path / "screened.geojson", pack=pack)
    assert _json.loads((tmp_path / "screened.geojson").read_text(encoding="utf-8"))["name"] == "screened"


def test_a_missing_output_folder_is_exit_2_naming_it(tmp_path):
    """Issue 17: a missing output folder is a user error (exit 2, the folder named), for check -o,
    check --report and screen, and nothing is written."""
    example = str(Path(__file__).resolve().parents[1] / "examples" / "mining-forbidden.geojson")
    missing = tmp_path / "no" / "such"
    for args in (["check", example, "--format", "json", "-o", str(missing / "r.json")],
                 ["check", example, "--report", str(missing / "r.html")],
                 ["screen", example, "-o", str(missing / "out.parquet")]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert str(missing) in result.output and "internal error" not in result.output
    assert not (tmp_path / "no").exists()

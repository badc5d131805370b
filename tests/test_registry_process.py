"""The registry under real processes: SIGKILL in the middle of an import, two concurrent writers.

The worker (``tests/registry_worker.py``) runs the real CLI with the registry slowed down and
every insert logged to a trace file, so a test knows when the import is half-way.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from registry_worker import mine, rights_file, squares

from mineplan.cli import cli
from mineplan.registry import open_registry

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

WORKER = Path(__file__).resolve().parent / "registry_worker.py"
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def start(trace: Path, delay: float, post_delay: float, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), str(trace), str(delay), str(post_delay), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def events(trace: Path) -> list[dict]:
    if not trace.exists():
        return []
    return [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines() if line.endswith("}")]


def wait_for(trace: Path, what, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if what(events(trace)):
            return
        if proc.poll() is not None:
            raise AssertionError(f"worker ended early ({proc.returncode}): {proc.stderr.read()}")
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("worker did not get there in time")


def snapshot(path: Path) -> dict:
    reg = open_registry(path, work_crs=WORK_CRS)
    frame = reg.rights()
    return {"ids": list(frame["id"]), "statuses": list(frame["status"]), "history": reg.history(),
            "changes": reg.changes(), "wkb": [g.wkb for g in frame.geometry]}


@pytest.fixture
def base(tmp_path):
    """A registry holding two rights, and a file of 200 more."""
    path = tmp_path / "registry.gpkg"
    g = squares(202)
    first = rights_file(tmp_path / "first.geojson", [mine("OLD-1", g[0]), mine("OLD-2", g[1], applicant="乙")])
    result = CliRunner().invoke(cli, ["registry", "--registry", str(path), "add", str(first)])
    assert result.exit_code == 0, result.output
    big = rights_file(tmp_path / "big.geojson", [mine(f"NEW-{k:03d}", g[2 + k]) for k in range(200)])
    return path, big


def test_sigkill_during_import_leaves_the_registry_as_it_was(base, tmp_path):
    path, big = base
    before = snapshot(path)
    trace = tmp_path / "trace.jsonl"
    proc = start(trace, 0.02, 0, "registry", "--registry", path, "import", big)
    wait_for(trace, lambda ev: sum(e["event"].startswith("insert") for e in ev) >= 40, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not any(e["event"] == "committed" for e in events(trace))
    # the registry is exactly as before; SQLite rolled the hot journal back on the next open
    assert snapshot(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM rights").fetchone()[0] == 2
    import pyogrio

    assert len(pyogrio.read_dataframe(path, layer="rights")) == 2
    reg = open_registry(path, work_crs=WORK_CRS)
    assert reg.check_index() is True  # the index was never touched: the import never committed
    # the lock died with the process: the same import now goes through
    result = CliRunner().invoke(cli, ["registry", "--registry", str(path), "import", str(big)])
    assert result.exit_code == 0, result.output
    reg = open_registry(path, work_crs=WORK_CRS)
    assert len(reg.rights()) == 202 and reg.changes() == before["changes"] + 1
    assert list(reg.query(squares(202)[150])["id"]) == ["NEW-148"]


def test_sigkill_after_commit_before_the_index_update(base, tmp_path):
    """Killed between the commit and the rtree update: the import stands and the stale index is rebuilt."""
    path, big = base
    trace = tmp_path / "trace.jsonl"
    proc = start(trace, 0, 30, "registry", "--registry", path, "import", big)
    wait_for(trace, lambda ev: any(e["event"] == "committed" for e in ev), proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    reg = open_registry(path, work_crs=WORK_CRS)
    assert len(reg.rights()) == 202
    assert list(reg.query(squares(202)[77])["id"]) == ["NEW-075"]
    assert reg.index_rebuilds == 1
    assert reg.check_index() is True


def test_two_concurrent_writers_are_serialised_and_both_land(base, tmp_path):
    path, _big = base
    before = snapshot(path)
    g = squares(60, start=(squares(1)[0].bounds[0], squares(1)[0].bounds[1] + 5000))
    files = [rights_file(tmp_path / f"w{w}.geojson", [mine(f"W{w}-{k:02d}", g[w * 30 + k]) for k in range(30)])
             for w in range(2)]
    traces = [tmp_path / f"trace{w}.jsonl" for w in range(2)]
    procs = [start(traces[w], 0.01, 0.05, "registry", "--registry", path, "--who", f"worker{w}", "import", files[w])
             for w in range(2)]
    # and a third writer changing a status meanwhile
    trace3 = tmp_path / "trace3.jsonl"
    procs.append(start(trace3, 0, 0, "registry", "--registry", path, "set-status", "OLD-1", "pending"))
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    reg = open_registry(path, work_crs=WORK_CRS)
    frame = reg.rights()
    assert len(frame) == 62
    assert {f"W{w}-{k:02d}" for w in range(2) for k in range(30)} <= set(frame["id"])
    assert frame.set_index("id").loc["OLD-1", "status"] == "pending"
    assert reg.changes() == before["changes"] + 3  # no lost update of the change counter
    history = reg.history()
    assert len(history) == len(before["history"]) + 61
    assert {h["who"] for h in history[-61:]} >= {"worker0", "worker1"}
    # serialised: one worker's transaction (first insert .. commit) never overlaps the other's
    spans = []
    for trace in traces:
        ev = events(trace)
        inserts = [e["t"] for e in ev if e["event"].startswith("insert")]
        commit = next(e["t"] for e in ev if e["event"] == "committed")
        spans.append((min(inserts), commit))
    (_a0, a1), (b0, _b1) = sorted(spans)
    assert a1 <= b0
    assert reg.check_index() is True and reg.index_rebuilds == 0
    assert list(reg.query(g[45])["id"]) == ["W1-15"]

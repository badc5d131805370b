"""--engine dask on a two-worker LocalCluster gives the local engine's results."""

from __future__ import annotations

import sys
from pathlib import Path

import distributed  # the test extra installs dask-geopandas and distributed: no skipping
import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate

from mineplan.cli import cli
from mineplan.engine.dask import screen_dask
from mineplan.screen import screen


@pytest.fixture(scope="module")
def client():
    # process workers, as a real cluster runs them
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_engine_equals_local(pack, client, tmp_path, caplog):
    frame = generate(300, seed=11, pack=pack)
    frame["green_mine"] = frame["green_mine"].astype(object)
    src = tmp_path / "in.parquet"
    frame.to_parquet(src, row_group_size=70)  # five partitions
    screen(src, tmp_path / "local.parquet", pack=pack, chunk_size=64, priority="submitted")
    with caplog.at_level("INFO", logger="mineplan.screen"):
        summary = screen_dask(src, tmp_path / "dask.parquet", pack=pack, client=client, priority="submitted")
    assert "checked 300 rows in 5 partitions on the cluster" in caplog.text
    local = gpd.read_parquet(tmp_path / "local.parquet")
    dist = gpd.read_parquet(tmp_path / "dask.parquet")
    assert summary.rows == 300 and len(client.scheduler_info()["workers"]) == 2
    pd.testing.assert_frame_equal(local.drop(columns="geometry"), dist.drop(columns="geometry"))
    assert local.geometry.geom_equals_exact(dist.geometry, 0).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dask.parquet", "in.parquet", "local.parquet"]


def test_cli_engine_dask_with_scheduler(pack, client, tmp_path):
    frame = generate(50, seed=5, pack=pack)
    frame["green_mine"] = frame["green_mine"].astype(object)
    src = tmp_path / "in.parquet"
    frame.to_parquet(src, row_group_size=20)
    address = client.scheduler.address
    result = CliRunner().invoke(cli, ["screen", str(src), "-o", str(tmp_path / "o.parquet"), "--engine", "dask",
                                      "--scheduler", address])
    assert result.exit_code == 0, result.output
    assert len(gpd.read_parquet(tmp_path / "o.parquet")) == 50
    bad = CliRunner().invoke(cli, ["screen", str(tmp_path / "o.parquet"), "-o", str(tmp_path / "x.csv"), "--engine",
                                   "dask", "--scheduler", address, "--layer", "x"])
    assert bad.exit_code == 2

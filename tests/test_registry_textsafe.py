"""Text from input files never becomes a live spreadsheet formula (OWASP CSV injection), and
`registry import` reports a count (ids with --verbose)."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from click.testing import CliRunner
from registry_worker import mine, rights_file, squares

from mineplan.cli import cli
from mineplan.textsafe import csv_safe, csv_safe_frame


@pytest.mark.parametrize("value, safe", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+1+2", "'+1+2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"),
    ("甲-1", "甲-1"), ("M-1", "M-1"), ("", ""), (-5, -5), (3.5, 3.5), (None, None),
])
def test_csv_safe(value, safe):
    assert csv_safe(value) == safe


def test_csv_safe_frame_leaves_numbers_and_geometry():
    df = pd.DataFrame({"id": ["=1+1", "ok"], "n": [-1, 2]})
    out = csv_safe_frame(df)
    assert out["id"].tolist() == ["'=1+1", "ok"] and out["n"].tolist() == [-1, 2]
    assert df["id"].tolist() == ["=1+1", "ok"]  # a copy


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result


def test_registry_export_csv_neutralises_formulas(tmp_path):
    g = squares(2)
    src = rights_file(tmp_path / "evil.geojson", [mine("=HYPERLINK(\"http://evil\",\"x\")", g[0]), mine("M-2", g[1])])
    reg = tmp_path / "reg.gpkg"
    added = run("registry", "--registry", reg, "import", src)
    assert "import: 2 right(s) into" in added.output and "M-2" not in added.output
    out = tmp_path / "out.csv"
    run("registry", "--registry", reg, "export", out)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in cells
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)


def test_registry_import_verbose_lists_ids(tmp_path):
    g = squares(2)
    src = rights_file(tmp_path / "two.geojson", [mine("M-1", g[0]), mine("M-2", g[1])])
    out = run("registry", "--registry", tmp_path / "reg.gpkg", "import", src, "--verbose").output
    assert out.splitlines()[1:] == ["M-1", "M-2"]


def test_registry_in_an_impossible_folder_is_a_user_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    g = squares(1)
    src = rights_file(tmp_path / "one.geojson", [mine("M-1", g[0])])
    result = CliRunner().invoke(cli, ["registry", "--registry", str(blocker / "reg.gpkg"), "add", str(src)])
    assert result.exit_code == 2, result.output
    assert "cannot create the registry" in result.output and str(blocker) in result.output

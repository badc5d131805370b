"""``mineplan check FILE --report``: the one-page HTML/PDF report."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from mineplan.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def forbidden(pack):
    from mineplan.checker import check_file

    return check_file(EXAMPLES / "mining-forbidden.geojson", pack=pack)


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


def test_html_report_content(tmp_path, pack, forbidden):
    from mineplan.report import write_report

    out = write_report(forbidden, tmp_path / "r.html", lang="zh", now=NOW)
    text = out.read_text(encoding="utf-8")
    ident = pack.identity()
    assert "禁止" in text and "MIN-F" in text
    for code in ("X210", "X220", "X222", "V230", "L240"):
        assert f">{code}<" in text
    # the plan's own sentence of a failed rule, its clause, the attributes, the pack, the time
    assert pack.config["catalogue"]["X222"]["text_zh"][:20] in text
    assert "5.3.3" in text and "示例采石场" in text and "建筑石料用灰岩" in text
    assert ident["id"] in text and ident["version"] in text and ident["data_sha256"] in text
    assert "2026-01-02T03:04:05+00:00" in text
    assert "reconstructed layers" in text
    assert text.count("data:image/png;base64,") == 1
    assert "<script" not in text and "http" not in re.sub(r'xmlns="[^"]+"', "", text)


def test_report_english_and_allowed(tmp_path, pack):
    from mineplan.checker import check_file
    from mineplan.report import write_report

    report = check_file(EXAMPLES / "mining-allowed.geojson", pack=pack)
    text = write_report(report, tmp_path / "a.html", lang="en").read_text(encoding="utf-8")
    # the geothermal well field: allowed, with X224's "not checked" (no resource stated for the block)
    assert "ALLOWED" in text and "Rules passed" in text and "X224" in text
    # issue 13: red-line/farmland layers were not checked (C280, info)
    assert "not checked: no ecological protection red line / permanent basic farmland layer" in text


def test_cli_writes_report(tmp_path):
    out = tmp_path / "cli.html"
    res = CliRunner().invoke(cli, ["check", str(EXAMPLES / "site-restricted.geojson"), "--report", str(out)])
    assert res.exit_code == 3, res.output
    assert "限制" in out.read_text(encoding="utf-8")


def test_unknown_report_format(tmp_path, forbidden):
    from mineplan.errors import InputError
    from mineplan.report import write_report

    with pytest.raises(InputError):
        write_report(forbidden, tmp_path / "r.docx")


def test_pdf_without_a_browser(tmp_path, forbidden, monkeypatch):
    from mineplan import report as rep

    monkeypatch.setattr(rep, "find_chromium", lambda: None)
    out = rep.write_report(forbidden, tmp_path / "r.pdf", now=NOW)
    assert out.read_bytes().startswith(b"%PDF") and _pdf_pages(out) == 1


def test_pdf_printed_by_chromium_is_one_a4_page(tmp_path, forbidden):
    from browser import require_browser

    require_browser()
    from mineplan.report import write_report

    out = write_report(forbidden, tmp_path / "r.pdf", now=NOW)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and _pdf_pages(out) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert box and abs(float(box.group(1)) - 595.3) < 2 and abs(float(box.group(2)) - 841.9) < 2  # A4 in points


def test_report_in_offline_chromium(tmp_path, forbidden):
    from browser import offline_page

    from mineplan.report import write_report

    out = write_report(forbidden, tmp_path / "r.html", now=NOW)
    with offline_page(out, tmp_path, viewport=(794, 1123)) as (page, log):
        page.emulate_media(media="print")
        assert page.evaluate("document.querySelector('img.map').naturalWidth") > 500
        assert "禁止" in page.locator(".banner").inner_text()
        assert page.locator("table.findings tbody tr").count() == 5  # X210 X220 X222 V230 L240
        assert "C280" in page.locator("p.note").inner_text()  # not checked: a note the verdict is conditional on
        # one A4 page: 297 mm less the 2 × 10 mm margins, at 96 px per inch
        height = page.evaluate("document.querySelector('.page').getBoundingClientRect().height")
        assert height <= 277 / 25.4 * 96, height
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 20_000
    assert not log.problems, log.problems

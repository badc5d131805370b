"""Text from an input file never becomes markup or script in an HTML output: the interactive map
(tooltips, popups) and the HTML report, loaded in headless Chromium with hostile ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser import offline_page

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EVIL = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(3)>", "`${alert(4)}`\\", "'><svg onload=alert(5)>"]


@pytest.fixture(scope="module")
def evil_apps(tmp_path_factory):
    """The forbidden example, once per hostile id (and a hostile applicant)."""
    doc = json.loads((EXAMPLES / "mining-forbidden.geojson").read_text(encoding="utf-8"))
    base = doc["features"][0]
    feats = []
    for k, ident in enumerate(EVIL):
        f = json.loads(json.dumps(base))
        f["properties"]["id"] = ident
        f["properties"]["applicant"] = EVIL[(k + 1) % len(EVIL)]
        feats.append(f)
    doc["features"] = feats
    path = tmp_path_factory.mktemp("evil") / "evil.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _no_injection(page, dialogs):
    assert dialogs == [], dialogs
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("svg[onload]").count() == 0
    scripts = page.evaluate("Array.from(document.scripts).map(s => s.textContent)")
    assert not any(s.strip() == "alert(1)" for s in scripts)


def test_map_with_hostile_ids(evil_apps, tmp_path, pack):
    from mineplan.maps import render_map

    out = tmp_path / "map.html"
    result = render_map(pack, out, applications=evil_apps)
    with offline_page(out, tmp_path) as (page, log):
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        # the page's main script ran to the end: every layer is there
        assert page.evaluate("typeof L") == "object"
        layers = page.evaluate("window.MINEPLAN_LAYERS")
        assert set(layers) == set(result.layers) and "applications" in layers
        # open every tooltip and popup of the applications
        texts = page.evaluate("""(id) => { const out = []; window[id].eachLayer(function (g) {
            g.eachLayer(function (l) {
                const at = l.getBounds ? l.getBounds().getCenter() : l.getLatLng();
                l.fire('mouseover', {latlng: at}, true);  // the GeoJson group's tooltip opens
                const owner = l.getTooltip() ? l : g;
                out.push(owner.getTooltip().getElement().innerText);
                l.fire('click', {latlng: at}, true);
                out.push(document.querySelector('.leaflet-popup-content').innerText);
            }); });
            return out; }""", layers["applications"])
        page.wait_for_timeout(300)
        _no_injection(page, dialogs)
        joined = "\n".join(texts)
        for ident in EVIL:  # shown as text, exactly
            assert ident in joined, (ident, joined)
    assert not log.page_errors, log.page_errors


def test_html_report_with_hostile_ids(evil_apps, tmp_path, pack):
    from mineplan.checker import check_file
    from mineplan.report import write_report

    report = check_file(evil_apps, pack=pack)
    out = write_report(report, tmp_path / "r.html", lang="en")
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text and "<img src=x" not in text
    with offline_page(out, tmp_path) as (page, log):
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.wait_for_timeout(200)
        _no_injection(page, dialogs)
        body = page.locator("body").inner_text()
        for ident in EVIL:
            assert ident in body
    assert not log.page_errors

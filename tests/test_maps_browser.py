"""The interactive map in a real headless Chromium with the network off."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import offline_page

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def html_map(tmp_path_factory, pack):
    from mineplan.maps import render_map

    out = tmp_path_factory.mktemp("web") / "map.html"
    result = render_map(pack, out, applications=EXAMPLES / "mining-forbidden.geojson")
    return out, result


def test_page_is_self_contained(html_map):
    text = html_map[0].read_text(encoding="utf-8")
    assert "<script src=" not in text and 'rel="stylesheet" href=' not in text
    assert "cdn.jsdelivr" not in text and "code.jquery" not in text


def test_offline_page_layers_popup(html_map, tmp_path):
    path, result = html_map
    with offline_page(path, tmp_path) as (page, log):
        assert page.evaluate("typeof L") == "object"
        layers = page.evaluate("window.MINEPLAN_LAYERS")
        assert set(layers) == set(result.layers)
        assert {"county", "mining_blocks", "exploration_blocks", "visibility_buffers", "applications"} <= set(layers)
        # every layer has drawn something: SVG paths in the overlay pane, one set per layer
        counts = page.evaluate("""(ids) => {
            const out = {};
            for (const [name, id] of Object.entries(ids)) {
                let n = 0;
                window[id].eachLayer(function walk(l) {
                    if (l.eachLayer) { l.eachLayer(walk); return; }
                    if (l._path && document.body.contains(l._path)) n += 1;
                });
                out[name] = n;
            }
            return out;
        }""", layers)
        assert all(n > 0 for n in counts.values()), repr(counts)
        assert page.locator(".leaflet-overlay-pane path").count() >= sum(counts.values())
        # the layer control lists every layer; the measure control and the legend are there
        control = page.locator(".leaflet-control-layers").inner_text()
        for title in ("县域界线", "开采规划区块", "三区两线可视范围", "申请"):
            assert title in control
        assert page.locator(".leaflet-control-measure").count() == 1
        assert "图例" in page.locator("#mp-legend").inner_text()
        assert "GCJ-02" in page.locator("#mp-legend").inner_text()
        # a click on the application opens its popup with the verdict and findings
        page.evaluate("""(id) => { window[id].eachLayer(function walk(l) {
            if (l.eachLayer) { l.eachLayer(walk); return; } l.fire('click', {latlng: l.getBounds ?
            l.getBounds().getCenter() : l.getLatLng()}, true); }); }""", layers["applications"])
        page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        popup = page.locator(".leaflet-popup-content").inner_text()
        assert "MIN-F" in popup and "禁止" in popup and "X210" in popup
        page.screenshot(path=str(tmp_path / "map.png"))
        assert (tmp_path / "map.png").stat().st_size > 10_000
        # a real mouse click on a mining block opens its attribute popup
        page.evaluate("window[document.querySelector('.folium-map').id].closePopup()")
        assert page.locator(".leaflet-popup-content").count() == 0
        first_leaf = """(id) => { let r = null; window[id].eachLayer(function walk(l) {
            if (l.eachLayer) { l.eachLayer(walk); return; } if (!r) r = l; }); return r; }"""
        page.evaluate(f"(id) => ({first_leaf})(id)._map.fitBounds(({first_leaf})(id).getBounds())",
                      layers["mining_blocks"])
        page.wait_for_timeout(500)
        box = page.evaluate(f"""(id) => {{ const b = ({first_leaf})(id)._path.getBoundingClientRect();
            return {{x: b.x + b.width / 2, y: b.y + b.height / 2}}; }}""", layers["mining_blocks"])
        page.mouse.click(box["x"], box["y"])
        page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        assert "CL-MB-" in page.locator(".leaflet-popup-content").inner_text()
    assert not log.problems, log.problems


def test_basemaps(tmp_path, pack, monkeypatch):
    from mineplan.maps import render_map

    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    render_map(pack, tmp_path / "a.html", lang="en")
    text = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" in text and "tianditu.gov.cn" not in text
    assert "TIANDITU_KEY is not set" in text and "GCJ-02" in text
    monkeypatch.setenv("TIANDITU_KEY", "abc123")
    render_map(pack, tmp_path / "b.html")
    text = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "tianditu.gov.cn/vec_w/wmts" in text and "tk=abc123" in text and "cva_w" in text

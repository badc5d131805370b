"""The interactive map: one self-contained Leaflet page written with folium.

Every plan layer is an overlay in a layer control, with popups carrying the features'
attributes; applications carry their verdict and findings. Leaflet and leaflet-measure are
inlined from ``mineplan/maps/vendor`` (BSD-2 / MIT, see the LICENSE files there) and folium's
other CDN assets (jQuery, Bootstrap, Font Awesome), which these pages do not use, are left
out, so the page works with no network. Basemaps: none (the default), OpenStreetMap, and
天地图 when ``TIANDITU_KEY`` is set.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import numpy as np

from mineplan.crs import work_crs_words
from mineplan.maps.static import MapResult, provenance_note, provenance_reconstructed, resolve_extent
from mineplan.maps.style import ROLE_ORDER, STYLES, VERDICT_COLORS, VERDICT_LABELS, style_for

VENDOR = Path(__file__).resolve().parent / "vendor"
#: A 1×1 transparent PNG: the "no basemap" tile, so the base-layer radio has an offline choice.
BLANK_TILE = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpe"
              "qz8AAAAASUVORK5CYII=")
TIANDITU_URL = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
                "&tk={key}")
#: folium builds HTML popups with jQuery's ``$(html)[0]``; this is all of jQuery those pages use.
JQUERY_SHIM = ("<script>if (!window.$) { window.$ = function (h) { var t = document.createElement('template');"
               " t.innerHTML = String(h).trim(); return [t.content.firstChild]; }; }</script>")
POPUP_FIELDS = ("code", "name_zh", "name_en", "kind", "class", "mineral", "stage", "stated_area_km2",
                "provenance", "anchors", "source")

T = {
    "zh": {"none": "无底图（离线）", "osm": "OpenStreetMap", "tdt": "天地图 矢量", "tdt_label": "天地图 注记",
           "apps": "申请", "legend": "图例", "verdict": "结论", "findings": "审查意见", "rule": "规则",
           "severity": "级别", "clause": "条款", "message": "说明", "buffers": "三区两线可视范围",
           "gcj": "底图说明：天地图为 CGCS2000，无偏移；OpenStreetMap 为 WGS84。国内高德、腾讯等网络底图采用 GCJ-02 "
                  "加密坐标，在本县偏移约 500 米，不得直接叠加。",
           "tdt_missing": "未设置 TIANDITU_KEY，天地图底图未添加。",
           "crs": "数据坐标：面积和距离按 {crs} 计算，网页显示为经纬度。"},
    "en": {"none": "No basemap (offline)", "osm": "OpenStreetMap", "tdt": "Tianditu 天地图 (vector)",
           "tdt_label": "Tianditu labels", "apps": "Applications", "legend": "Legend", "verdict": "Verdict",
           "findings": "Findings", "rule": "Rule", "severity": "Severity", "clause": "Clause", "message": "Message",
           "buffers": "“Three zones, two lines” visibility range",
           "gcj": "Basemaps: Tianditu is CGCS2000 with no offset; OpenStreetMap is WGS84. Chinese web basemaps "
                  "such as Amap or Tencent use GCJ-02, about 500 m off here: never overlay them directly.",
           "tdt_missing": "TIANDITU_KEY is not set: the Tianditu basemap is not added.",
           "crs": "Data: areas and distances measured in {crs}, shown in longitude/latitude."},
}


def esc(value) -> str:
    """Text for every HTML and JS-template context of the page: HTML-escaped, and the characters
    a JavaScript template literal gives meaning to (backtick, ``$``, backslash) as entities —
    folium puts tooltips and popups inside `` `…` `` literals and GeoJSON popup values into
    ``innerHTML`` as they are."""
    return (html.escape(str(value), quote=True).replace("`", "&#96;").replace("$", "&#36;")
            .replace("\\", "&#92;"))


def _clean(value):
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if hasattr(value, "item") and not isinstance(value, (str, list, dict)):
        value = value.item()
    if isinstance(value, str):
        return esc(value)  # shown through innerHTML by folium's GeoJsonPopup/Tooltip
    return value


def _geojson(frame, props: dict[str, list]) -> dict:
    """A FeatureCollection in WGS84 from a GeoDataFrame in the work CRS and property columns."""
    wgs = frame.to_crs("EPSG:4326") if frame.crs is not None else frame
    features = []
    for i, geom in enumerate(wgs.geometry.values):
        if geom is None or geom.is_empty:
            continue
        features.append({"type": "Feature", "properties": {k: _clean(v[i]) for k, v in props.items()},
                         "geometry": geom.__geo_interface__})
    return {"type": "FeatureCollection", "features": features}


def _style_fn(style_by_class: dict, default: dict):
    def fn(feature):
        return style_by_class.get(feature["properties"].get("class"), default)

    return fn


def render_web(pack, path: str | Path, *, lang: str = "zh", apps=None, extent: str | None = None) -> MapResult:
    """Write the interactive map to ``path`` (.html)."""
    import folium
    import geopandas as gpd
    from folium.plugins import MeasureControl

    from mineplan.index import index_for

    path = Path(path)
    t = T["zh" if lang == "zh" else "en"]
    xmin, ymin, xmax, ymax = resolve_extent(pack, extent, apps)
    box = gpd.GeoSeries.from_xy([xmin, xmax], [ymin, ymax], crs=pack.work_crs).to_crs("EPSG:4326")
    bounds = [[box.y.min(), box.x.min()], [box.y.max(), box.x.max()]]
    m = folium.Map(location=[box.y.mean(), box.x.mean()], zoom_start=10, tiles=None, control_scale=True)
    folium.TileLayer(BLANK_TILE, attr="mineplan", name=t["none"], overlay=False, show=True).add_to(m)
    folium.TileLayer("OpenStreetMap", name=t["osm"], overlay=False, show=False).add_to(m)
    key = os.environ.get("TIANDITU_KEY", "").strip()
    if key:
        attr = "天地图 Tianditu (CGCS2000)"
        folium.TileLayer(TIANDITU_URL.replace("{layer}", "vec").replace("{key}", key), attr=attr, name=t["tdt"],
                         subdomains="01234567", overlay=False, show=False, max_zoom=18).add_to(m)
        folium.TileLayer(TIANDITU_URL.replace("{layer}", "cva").replace("{key}", key), attr=attr,
                         name=t["tdt_label"], subdomains="01234567", overlay=True, show=False, max_zoom=18).add_to(m)

    used = []
    layer_ids: dict[str, str] = {}
    index = index_for(pack)
    for role in ROLE_ORDER:
        for layer in pack.layers_with_role(role):
            frame = layer.frame
            title = layer.title_zh if lang == "zh" else layer.title_en
            classes = [c for c in frame["class"].dropna().unique()] if role in ("three_zones", "two_lines") else []
            by_class = {esc(c): style_for(role, c).leaflet() for c in classes}
            default = style_for(role, None).leaflet()
            for c in classes:
                used.append(style_for(role, c))
            if not classes:
                used.append(style_for(role))
            fields = [f for f in POPUP_FIELDS if frame[f].notna().any()]
            data = _geojson(frame, {f: frame[f].tolist() for f in fields})
            group = folium.FeatureGroup(name=title, show=True)
            kwargs = {}
            if role == "road_bridge":
                s = STYLES["road_bridge"]
                kwargs["marker"] = folium.CircleMarker(radius=5, color=s.color, weight=2, fill=True,
                                                       fill_color=s.fill, fill_opacity=1)
            folium.GeoJson(
                data, name=title, style_function=_style_fn(by_class, default),
                popup=folium.GeoJsonPopup(fields=fields, aliases=[f"{f}:" for f in fields], max_width=420),
                tooltip=folium.GeoJsonTooltip(fields=["name_zh" if lang == "zh" else "name_en"], labels=False)
                if ("name_zh" in fields and "name_en" in fields) else None,
                **kwargs,
            ).add_to(group)
            group.add_to(m)
            layer_ids[layer.name] = group.get_name()
        if role == "three_zones" and len(index.visibility_buffers):
            feats = index.features.iloc[index.visibility_positions]
            frame = gpd.GeoDataFrame({"code": feats["code"].to_numpy()}, geometry=list(index.visibility_buffers),
                                     crs=pack.work_crs)
            props = {"code": feats["code"].tolist(), "name_zh": feats["name_zh"].tolist(),
                     "class": feats["class"].tolist(), "distance_m": index.visibility_distances.tolist()}
            s = STYLES["visibility_buffer"]
            group = folium.FeatureGroup(name=t["buffers"], show=True)
            folium.GeoJson(_geojson(frame, props), name=t["buffers"], style_function=lambda f, s=s: s.leaflet(),
                           popup=folium.GeoJsonPopup(fields=list(props), max_width=360)).add_to(group)
            group.add_to(m)
            layer_ids["visibility_buffers"] = group.get_name()
            used.append(s)
    verdicts = []
    if apps is not None and len(apps):
        group = folium.FeatureGroup(name=t["apps"], show=True)
        for i in range(len(apps)):
            row = apps.iloc[i]
            color = VERDICT_COLORS.get(row["verdict"], VERDICT_COLORS["error"])
            if row["verdict"] not in verdicts:
                verdicts.append(row["verdict"])
            one = _geojson(apps.iloc[[i]], {"id": [row["id"]], "verdict": [row["verdict"]]})
            style = {"color": color, "weight": 3, "fillColor": color, "fillOpacity": 0.5}
            folium.GeoJson(one, style_function=lambda f, style=style: style,
                           marker=folium.CircleMarker(radius=8, color="#111111", weight=1.5, fill=True,
                                                      fill_color=color, fill_opacity=0.9),
                           popup=folium.Popup(_app_popup(row, lang, t), max_width=520),
                           tooltip=f"{esc(row['id'])}: {esc(row['verdict'])}").add_to(group)
        group.add_to(m)
        layer_ids["applications"] = group.get_name()
    MeasureControl(position="topleft", primary_length_unit="kilometers", secondary_length_unit="meters",
                   primary_area_unit="hectares", secondary_area_unit="sqmeters").add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.fit_bounds(bounds)
    legend = _legend_html(pack, lang, t, used, verdicts, key)
    m.get_root().html.add_child(folium.Element(legend))
    m.get_root().header.add_child(folium.Element(
        f"<title>{html.escape(pack.plan['name_zh'] if lang == 'zh' else pack.plan.get('name_en', ''))}</title>"
        f"<script>window.MINEPLAN_LAYERS = {json.dumps(layer_ids)};</script>" + JQUERY_SHIM))
    text = inline_assets(m.get_root().render())
    path.write_text(text, encoding="utf-8")
    return MapResult(path=path, lang=lang, layers=list(layer_ids))


def _app_popup(row, lang: str, t: dict) -> str:
    verdict = row["verdict"]
    label = VERDICT_LABELS.get(verdict, (verdict, verdict))[0 if lang == "zh" else 1]
    color = VERDICT_COLORS.get(verdict, "#777")
    rows = []
    for f in row["findings"] or []:
        if f.get("severity") == "pass":
            continue
        msg = f.get("message_zh") if lang == "zh" else f.get("message_en")
        rows.append(f"<tr><td>{esc(f.get('rule', ''))}</td><td>{esc(f.get('severity', ''))}"
                    f"</td><td>{esc(f.get('clause', ''))}</td><td>{esc(msg or '')}</td></tr>")
    passes = sum(1 for f in row["findings"] or [] if f.get("severity") == "pass")
    table = ("<table class='mp-findings'><tr><th>{rule}</th><th>{severity}</th><th>{clause}</th><th>{message}</th>"
             "</tr>{rows}</table>").format(rows="".join(rows), **t) if rows else ""
    more = f"<div>+ {passes} pass</div>" if passes else ""
    return (f"<div class='mp-app'><b>{esc(row['id'])}</b> — {t['verdict']}: "
            f"<span style='color:{color};font-weight:bold'>{esc(label)}</span>"
            f"<div>{t['findings']}:</div>{table}{more}</div>")


def _legend_html(pack, lang: str, t: dict, used, verdicts, key: str) -> str:
    items = []
    for s in {s.key: s for s in used}.values():
        opts = s.leaflet()
        dash = "dashed" if opts.get("dashArray") else "solid"
        if s.kind == "line":
            sw = (f"<span class='mp-sw' style='height:0;border-top:{max(2, int(s.width))}px {dash} {s.color};"
                  f"margin-top:7px'></span>")
        elif s.kind == "point":
            sw = f"<span class='mp-sw' style='border-radius:50%;border:2px solid {s.color};background:{s.fill}'></span>"
        else:
            sw = (f"<span class='mp-sw' style='border:2px {dash} {s.color};background:{s.fill or 'none'};"
                  f"opacity:{0.55 + 0.45 * s.fill_opacity:.2f}'></span>")
        items.append(f"<div>{sw}{esc(s.label(lang))}</div>")
    for v in verdicts:
        c = VERDICT_COLORS.get(v, "#777")
        items.append(f"<div><span class='mp-sw' style='border:2px solid {c};background:{c}'></span>"
                     f"{esc(VERDICT_LABELS.get(v, (v, v))[0 if lang == 'zh' else 1])}</div>")
    plan = pack.plan
    title = plan["name_zh"] if lang == "zh" else plan.get("name_en", plan["name_zh"])
    notes = [t["crs"].format(crs=work_crs_words(pack.work_crs, "zh" if lang == "zh" else "en")), t["gcj"]]
    if not key:
        notes.append(t["tdt_missing"])
    prov = provenance_note(pack, lang)
    ident = pack.identity()
    return f"""
<style>
.leaflet-container {{background:#ffffff}}
.leaflet-control-layers {{font-size:12px;line-height:1.3}}
.mp-legend {{position:fixed;left:10px;bottom:56px;z-index:1000;background:rgba(255,255,255,.94);padding:8px 10px;
  border:1px solid #888;border-radius:4px;font:12px/1.45 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;
  max-width:330px;max-height:70vh;overflow:auto}}
.mp-legend h4 {{margin:0 0 4px;font-size:13px}}
.mp-sw {{display:inline-block;width:22px;height:12px;margin-right:6px;vertical-align:top;box-sizing:border-box}}
.mp-note {{color:#555;font-size:11px;margin-top:6px}}
.mp-prov {{color:#8c2d04;font-size:11px;margin-top:4px}}
.mp-title {{position:fixed;left:60px;top:10px;z-index:1000;background:rgba(255,255,255,.94);padding:4px 10px;
  border:1px solid #888;border-radius:4px;font:bold 15px "Noto Sans CJK SC",sans-serif}}
.mp-title small {{font-weight:normal;color:#444;margin-left:8px}}
table.mp-findings {{border-collapse:collapse;font-size:12px}}
table.mp-findings td, table.mp-findings th {{border:1px solid #ccc;padding:2px 4px;vertical-align:top}}
</style>
<div class="mp-title">{html.escape(title)}<small>{html.escape(plan.get('document', ''))}</small></div>
<div class="mp-legend" id="mp-legend"><h4>{t['legend']}</h4>{''.join(items)}
<div class="mp-prov">{html.escape(prov)}</div>
<div class="mp-note">{'<br>'.join(html.escape(n) for n in notes)}</div>
<div class="mp-note">{html.escape(ident['id'])} {html.escape(ident['version'])} · data {ident['data_sha256'][:12]}</div>
</div>"""


_SCRIPT = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>')
_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>')
_VENDORED = {"leaflet.js": "leaflet.js", "leaflet-measure.min.js": "leaflet-measure.min.js",
             "leaflet-measure.js": "leaflet-measure.min.js", "leaflet.css": "leaflet.css",
             "leaflet-measure.css": "leaflet-measure.css", "leaflet-measure.min.css": "leaflet-measure.css"}


def inline_assets(text: str) -> str:
    """Inline the vendored Leaflet files in place of their CDN links; drop the CDN assets the
    page does not use (jQuery, Bootstrap, Font Awesome, awesome-markers)."""

    def script(m):
        name = m.group(1).rsplit("/", 1)[-1]
        if name in _VENDORED:
            code = (VENDOR / _VENDORED[name]).read_text(encoding="utf-8").replace("</script", "<\\/script")
            return f"<script>/* {name}, vendored: see mineplan/maps/vendor */\n{code}\n</script>"
        return ""

    def link(m):
        name = m.group(1).rsplit("/", 1)[-1]
        if name in _VENDORED:
            return f"<style>/* {name}, vendored */\n{(VENDOR / _VENDORED[name]).read_text(encoding='utf-8')}\n</style>"
        return ""

    return _LINK.sub(lambda m: link(m), _SCRIPT.sub(lambda m: script(m), text))


__all__ = ["inline_assets", "provenance_reconstructed", "render_web"]

"""The siting surface drawn in the style of ``mineplan map``: the plan's layers over the surface's
polygons coloured by verdict, with a legend of the rules that decide them."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from mineplan.maps.static import STATIC_SUFFIXES, MapResult

TITLES = {
    "zh": ("选址分析：{profile}", "允许", "限制", "禁止", "决定规则", "拟申请", "保留部分"),
    "en": ("Where it could go: {profile}", "allowed", "restricted", "forbidden", "Deciding rules", "application",
           "kept part"),
}


def profile_text(profile: dict, lang: str = "zh") -> str:
    """The profile in a line: 采矿权 · 建筑石料用灰岩 · 露天 · 250 万吨/年 · 15 年 · 绿色矿山 · 挂牌."""
    from mineplan.applications import METHODS, RIGHT_TYPES

    zh = lang == "zh"
    p = dict(profile)
    out = []
    rt = p.get("right_type")
    if rt is not None:
        name = next((k for k, names in RIGHT_TYPES.items() if rt in names), rt)
        out.append({"exploration": "探矿权", "mining": "采矿权", "site": "建设项目"}.get(name, name) if zh else name)
    if p.get("mineral"):
        out.append(str(p["mineral"]))
    if p.get("method"):
        name = next((k for k, names in METHODS.items() if p["method"] in names), p["method"])
        out.append({"open_pit": "露天", "underground": "地下", "well": "钻井"}.get(name, name) if zh else name)
    if p.get("stage"):
        out.append(str(p["stage"]))
    if p.get("annual_output") is not None:
        out.append(f"{p['annual_output']:g} {p.get('output_unit') or ''}".strip())
    if p.get("licence_years") is not None:
        out.append(f"{p['licence_years']:g} 年" if zh else f"{p['licence_years']:g} years")
    if p.get("green_mine") is not None:
        green = ("绿色矿山", "green mine") if p["green_mine"] else ("未承诺绿色矿山", "no green mine")
        out.append(green[0] if zh else green[1])
    if p.get("grant"):
        out.append(str(p["grant"]))
    return " · ".join(out)


def used_rules(pack, frame) -> list[str]:
    order = pack.rule_set.order
    codes = {c for text in frame["rules"].tolist() if text for c in text.split(",")}
    return sorted(codes, key=lambda c: order.get(c, 999))


def render_surface(pack, surface, path: str | Path, *, lang: str = "zh", dpi: int = 150, clipped=None) -> MapResult:
    """Write the surface map to ``path``: .png/.svg/.pdf (matplotlib) or .html (folium)."""
    from mineplan.errors import InputError
    from mineplan.maps import _require

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in STATIC_SUFFIXES:
        _require("matplotlib")
        return _static(pack, surface, path, lang=lang, dpi=dpi, clipped=clipped)
    if suffix in (".html", ".htm"):
        _require("folium")
        return _web(pack, surface, path, lang=lang, clipped=clipped)
    raise InputError(f"unknown map format {suffix or 'none'!r} (use .png, .svg, .pdf or .html)", path=str(path))


def _static(pack, surface, path: Path, *, lang: str, dpi: int, clipped) -> MapResult:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.patches import Patch

    from mineplan.maps.fonts import font_rc, resolve_lang
    from mineplan.maps.static import (
        _metadata,
        _rgba,
        _titles,
        draw_graticule,
        draw_north_arrow,
        draw_plan,
        draw_scale_bar,
        fit_aspect,
        legend_handle,
        resolve_extent,
    )
    from mineplan.maps.style import VERDICT_COLORS

    by_code = pack.rule_set.by_code

    lang, family, warning = resolve_lang(lang)
    t = TITLES["zh" if lang == "zh" else "en"]
    rc = {**font_rc(family, lang), "pdf.fonttype": 42, "svg.fonttype": "path", "hatch.linewidth": 0.6}
    box = resolve_extent(pack, "county")
    frame = surface.frame
    with plt.rc_context(rc):
        fig = plt.figure(figsize=(11.0, 10.0))
        ax = fig.add_axes((0.06, 0.085, 0.62, 0.8))
        box = fit_aspect(ax, box)
        ax.set_facecolor("#ffffff")
        styles = draw_plan(ax, pack, lang=lang, box=box, buffers=False, line_scale=0.8)
        present = _draw_surface(ax, pack, frame, box, clipped)
        draw_graticule(ax, box, work_crs=pack.work_crs, lang=lang)
        draw_scale_bar(ax, box, lang=lang)
        draw_north_arrow(ax, lang=lang)
        ax.set_xticks([])
        ax.set_yticks([])
        areas = surface.area_by_verdict()
        handles, labels = [], []
        for v in present:
            handles.append(Patch(facecolor=_rgba(VERDICT_COLORS[v], 0.55), edgecolor=VERDICT_COLORS[v], linewidth=1.5))
            name = t[1 + ("allowed", "restricted", "forbidden").index(v)]
            labels.append(f"{name}  {areas[v]:,.2f} km²")
        if clipped:
            handles += [Patch(facecolor="none", edgecolor="#111111", linestyle="--"),
                        Patch(facecolor=_rgba("#2166ac", 0.6), edgecolor="#2166ac")]
            labels += [t[5], t[6]]
        handles += [legend_handle(s) for s in styles]
        labels += [s.label(lang) for s in styles]
        leg = fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.70, 0.885), frameon=True,
                         title="图例" if lang == "zh" else "Legend", fontsize=8, title_fontsize=10, handlelength=2.4,
                         labelspacing=0.55, handler_map={tuple: HandlerTuple(ndivide=1)})
        leg.get_frame().set_edgecolor("#333333")
        # the rules box under the legend, the detail inset in the room left under both
        fig.canvas.draw()
        to_fig = fig.transFigure.inverted()
        bottom = leg.get_window_extent().transformed(to_fig).y0 - 0.015
        rules = used_rules(pack, frame)
        if rules:
            lines = [t[4] + ":"] + [f"{c}  {by_code[c].title_zh if lang == 'zh' else by_code[c].title_en}"
                                    for c in rules]
            note = fig.text(0.705, bottom, "\n".join(_wrap(x, 34 if lang == "zh" else 50) for x in lines),
                            fontsize=7.5, va="top", ha="left",
                            bbox={"facecolor": "white", "edgecolor": "#333333", "pad": 6})
            fig.canvas.draw()
            bottom = note.get_window_extent().transformed(to_fig).y0 - 0.03
        inset = _inset_box(frame, clipped, box)
        if inset is not None and bottom - 0.085 > 0.08:
            _draw_inset(fig, ax, pack, frame, clipped, inset, (0.70, 0.085, 0.28, bottom - 0.085), lang)
        first = len(fig.texts)
        _titles(fig, pack, lang, cjk=family is not None)
        title, sub = fig.texts[first], fig.texts[first + 1]
        plan = pack.plan  # the sheet's title; the profile on the line under it
        title.set_text(f"{plan['name_zh']} 选址分析" if lang == "zh" else
                       f"{plan.get('name_en', plan['name_zh'])}: where it could go")
        sub.set_text(f"{profile_text(surface.profile, lang)}　·　{sub.get_text()}")
        fig.savefig(path, dpi=dpi, metadata=_metadata(pack, path.suffix.lower()))
        plt.close(fig)
    return MapResult(path=path, lang=lang, font=family, warning=warning, layers=[s.key for s in styles])


def _draw_surface(ax, pack, frame, box, clipped, *, markers: bool = True) -> list[str]:
    """The surface's polygons on ``ax``: forbidden and restricted ground above the county's fill and
    below the zones (darker where more rules decide), allowed ground above the blocks, outlined;
    returns the verdicts drawn."""
    from mineplan.maps.static import _rgba, mark_small
    from mineplan.maps.style import VERDICT_COLORS

    present = []
    for verdict in ("forbidden", "restricted", "allowed"):
        part = frame[frame["verdict"] == verdict]
        if not len(part):
            continue
        present.append(verdict)
        counts = np.array([len(r.split(",")) if r else 0 for r in part["rules"].tolist()])
        for n in sorted(set(counts.tolist())):
            sel = part[counts == n]
            alpha = 0.8 if verdict == "allowed" else min(0.12 + 0.1 * n, 0.6)
            sel.plot(ax=ax, facecolor=_rgba(VERDICT_COLORS[verdict], alpha), edgecolor="none",
                     zorder=6.5 if verdict == "allowed" else 1.5)
        if verdict != "forbidden":
            part.boundary.plot(ax=ax, color=VERDICT_COLORS[verdict], linewidth=1.4, zorder=9)
            if markers:
                mark_small(ax, part.geometry.values, box, facecolor=VERDICT_COLORS[verdict], edgecolor="#111111",
                           size=90, marker="D", zorder=10)
    if clipped:
        import geopandas as gpd

        orig = gpd.GeoSeries([c.original for c in clipped], crs=pack.work_crs)
        orig.boundary.plot(ax=ax, color="#111111", linewidth=1.2, linestyle="--", zorder=11)
        kept = [c.part for c in clipped if not c.empty]
        if kept:
            gpd.GeoSeries(kept, crs=pack.work_crs).plot(ax=ax, facecolor=_rgba("#2166ac", 0.6), edgecolor="#2166ac",
                                                        linewidth=1.5, zorder=12)
    return present


def _draw_inset(fig, ax, pack, frame, clipped, inset, rect, lang: str) -> None:
    """A detail of the sheet in ``rect`` (figure fraction), its box outlined on the main map."""
    from matplotlib.patches import Rectangle

    from mineplan.maps.static import draw_plan, fit_aspect

    sub = fig.add_axes(rect)
    inset = fit_aspect(sub, inset)
    draw_plan(sub, pack, lang=lang, box=inset, labels=False, buffers=False, line_scale=0.8)
    _draw_surface(sub, pack, frame, inset, clipped, markers=False)
    sub.set_xlim(inset[0], inset[2])
    sub.set_ylim(inset[1], inset[3])
    sub.set_xticks([])
    sub.set_yticks([])
    sub.set_xlabel("")
    sub.set_ylabel("")
    sub.set_title("局部放大" if lang == "zh" else "Detail", fontsize=8)
    ax.add_patch(Rectangle((inset[0], inset[1]), inset[2] - inset[0], inset[3] - inset[1], fill=False,
                           edgecolor="#111111", linewidth=1.0, zorder=14))


def _inset_box(frame, clipped, box):
    """A detail box around the allowed and restricted ground (and a clipped application) when it is
    small on the county sheet (under a fifth of its width); None otherwise."""
    import shapely

    geoms = list(frame.geometry.values[frame["verdict"].isin(("allowed", "restricted")).to_numpy()])
    geoms += [c.original for c in clipped or []]
    if not geoms:
        return None
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(geoms, dtype=object))
    size = max(x1 - x0, y1 - y0)
    if size > 0.2 * (box[2] - box[0]):
        return None
    pad = max(size * 0.25, 800.0)
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _wrap(text: str, width: int) -> str:
    import textwrap

    if len(text) <= width:
        return text
    return "\n      ".join(textwrap.wrap(text, width)) if " " in text else "\n      ".join(
        text[i:i + width] for i in range(0, len(text), width))


def _web(pack, surface, path: Path, *, lang: str, clipped) -> MapResult:
    """The plan's interactive map (``mineplan map`` .html) with the surface's polygons as its
    applications layer (popups list the deciding rules and conditions) and a legend of rules."""
    import geopandas as gpd

    from mineplan.maps.web import render_web

    by_code = pack.rule_set.by_code

    frame = surface.frame
    findings = []
    for verdict, rules, cond_en, cond_zh in zip(frame["verdict"], frame["rules"], frame["conditions"],
                                                 frame["conditions_zh"], strict=True):
        severity = {"allowed": "pass", "restricted": "restricted", "forbidden": "forbidden"}.get(verdict, verdict)
        items = [{"rule": c, "severity": severity, "clause": "", "message_zh": by_code[c].title_zh,
                  "message_en": by_code[c].title_en} for c in (rules.split(",") if rules else [])]
        for text_en, text_zh in zip(cond_en.split("; ") if cond_en else [], cond_zh.split("；") if cond_zh else [],
                                    strict=False):
            code = text_en.split(":", 1)[0]
            items.append({"rule": code, "severity": "condition", "clause": "", "message_zh": text_zh,
                          "message_en": text_en.split(": ", 1)[-1]})
        findings.append(items)
    apps = gpd.GeoDataFrame({"id": [f"{v} {r or ''} {a:.2f} km²".replace("  ", " ") for v, r, a in
                                    zip(frame["verdict"], frame["rules"], frame["area_km2"], strict=True)],
                             "verdict": frame["verdict"].tolist(), "findings": findings},
                            geometry=frame.geometry.values, crs=frame.crs)
    if clipped:
        kept = [c for c in clipped if not c.empty]
        extra = gpd.GeoDataFrame({"id": [f"{c.id} (kept {c.kept_km2:.3f} km²)" for c in kept],
                                  "verdict": [c.result.verdict for c in kept],
                                  "findings": [[f.as_dict() for f in c.result.findings] for c in kept]},
                                 geometry=[c.part for c in kept], crs=frame.crs)
        apps = gpd.GeoDataFrame(__import__("pandas").concat([apps, extra], ignore_index=True), crs=frame.crs)
    result = render_web(pack, path, lang=lang, apps=apps.to_crs(pack.work_crs), extent="county")
    t = TITLES["zh" if lang == "zh" else "en"]
    rules = used_rules(pack, frame)
    titles = [by_code[c].title_zh if lang == "zh" else by_code[c].title_en for c in rules]
    items = "".join(f"<div><b>{html.escape(c)}</b> {html.escape(title)}</div>" for c, title in zip(rules, titles,
                                                                                                     strict=True))
    box = (f"<div id='mp-rules' style='position:fixed;bottom:24px;right:12px;z-index:9999;background:white;"
           f"padding:6px 10px;border:1px solid #333;font:12px sans-serif;max-width:420px'>"
           f"<b>{html.escape(t[0].format(profile=profile_text(surface.profile, lang)))}</b>"
           f"<div style='margin-top:4px'>{html.escape(t[4])}:</div>{items}</div>")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("</body>", box + "</body>", 1), encoding="utf-8")
    return result

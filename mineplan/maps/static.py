"""Static maps with matplotlib: PNG, SVG, PDF, all drawn in the plan pack's work CRS (metres).

:func:`draw_plan` puts the plan's layers on an axes (the report's site map uses it too);
:func:`render_static` makes the whole sheet: title and document number, legend, scale bar,
north arrow, CGCS2000 graticule and the data's provenance note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from mineplan.maps.style import ROLE_ORDER, STYLES, VERDICT_COLORS, VERDICT_LABELS, Style, style_for

STATIC_SUFFIXES = (".png", ".svg", ".pdf")


@dataclass
class MapResult:
    """What was written: the file, the label language actually used, the CJK font, any warning."""

    path: Path
    lang: str
    font: str | None = None
    warning: str | None = None
    layers: list[str] = field(default_factory=list)


# -- extent ----------------------------------------------------------------------------------
def resolve_extent(pack, extent: str | None, apps=None) -> tuple[float, float, float, float]:
    """``county`` (default), ``zones``, ``applications`` or ``W,S,E,N`` → a box in the pack's work
    CRS (``pack.work_crs``).

    ``W,S,E,N`` is read as CGCS2000 degrees when every value is within ±180, else as work-CRS
    metres.
    """
    from mineplan.errors import InputError

    extent = (extent or "county").strip()
    if extent == "county":
        box = pack.county_geometry.bounds
    elif extent == "zones":
        geoms = [g for role in ("key_exploration_zone", "key_mining_zone", "exploration_block", "mining_block")
                 for g in pack.features(role).geometry.values]
        box = shapely.total_bounds(np.asarray(geoms, dtype=object)) if geoms else pack.county_geometry.bounds
    elif extent == "applications":
        if apps is None or len(apps) == 0:
            raise InputError("--extent applications needs --applications FILE with at least one feature")
        box = tuple(apps.total_bounds)
    else:
        try:
            w, s, e, n = (float(v) for v in extent.split(","))
        except ValueError:
            raise InputError(f"--extent {extent!r}: expected county, zones, applications or W,S,E,N") from None
        if w >= e or s >= n:
            raise InputError(f"--extent {extent!r}: west must be less than east and south less than north")
        if all(abs(v) <= 180 for v in (w, s, e, n)):
            from pyproj import Transformer

            t = Transformer.from_crs("EPSG:4490", pack.work_crs, always_xy=True)
            lon = np.concatenate([np.linspace(w, e, 20), np.full(20, e), np.linspace(e, w, 20), np.full(20, w)])
            lat = np.concatenate([np.full(20, s), np.linspace(s, n, 20), np.full(20, n), np.linspace(n, s, 20)])
            x, y = t.transform(lon, lat)
            box = (min(x), min(y), max(x), max(y))
        else:
            box = (w, s, e, n)
    xmin, ymin, xmax, ymax = box
    size = max(xmax - xmin, ymax - ymin, 2000.0)  # at least 2 km across
    pad = 0.06 * size
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half_w = max(xmax - xmin, size * 0.25) / 2 + pad
    half_h = max(ymax - ymin, size * 0.25) / 2 + pad
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def fit_aspect(ax, box) -> tuple[float, float, float, float]:
    """Grow ``box`` to the axes' aspect ratio (equal scale in x and y) and apply it."""
    xmin, ymin, xmax, ymax = box
    fig = ax.figure
    pos = ax.get_position()
    ratio = (pos.width * fig.get_figwidth()) / (pos.height * fig.get_figheight())
    w, h = xmax - xmin, ymax - ymin
    if w / h < ratio:
        grow = (h * ratio - w) / 2
        xmin, xmax = xmin - grow, xmax + grow
    else:
        grow = (w / ratio - h) / 2
        ymin, ymax = ymin - grow, ymax + grow
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="box")
    return xmin, ymin, xmax, ymax


# -- layers ----------------------------------------------------------------------------------
def _polygon_artist(style: Style, alpha_scale: float = 1.0):
    from matplotlib.patches import Patch

    return Patch(facecolor=_rgba(style.fill, style.fill_opacity * alpha_scale) if style.fill else "none",
                 edgecolor=style.color, linewidth=style.width, linestyle=style.dash or "-",
                 hatch=style.hatch)


def _rgba(color: str, alpha: float):
    from matplotlib.colors import to_rgba

    return to_rgba(color, alpha)


def _line_handle(style: Style):
    from matplotlib.lines import Line2D

    if style.key in ("railway", "high_speed_railway"):
        return (Line2D([], [], color=style.color, linewidth=style.width),
                Line2D([], [], color=style.casing, linewidth=style.width * 0.5, linestyle=(0, (3, 3))))
    if style.casing:
        return (Line2D([], [], color=style.casing, linewidth=style.width + 1.4),
                Line2D([], [], color=style.color, linewidth=style.width))
    return Line2D([], [], color=style.color, linewidth=style.width, linestyle=style.dash or "-")


def legend_handle(style: Style):
    from matplotlib.lines import Line2D

    if style.kind == "polygon":
        return _polygon_artist(style)
    if style.kind == "line":
        return _line_handle(style)
    return Line2D([], [], marker="s", color="none", markerfacecolor=style.fill, markeredgecolor=style.color,
                  markeredgewidth=style.width, markersize=7)


def draw_geoms(ax, geoms, style: Style, *, zorder: int | None = None, scale: float = 1.0) -> None:
    """Draw shapely geometries (work CRS) in ``style``."""
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    z = style.zorder if zorder is None else zorder
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if style.kind == "polygon":
        patches = []
        for g in geoms:
            for poly in getattr(g, "geoms", [g]):
                if poly.geom_type != "Polygon":
                    continue
                rings = [poly.exterior, *poly.interiors]
                verts = np.concatenate([np.asarray(r.coords) for r in rings])
                codes = np.concatenate([[MPath.MOVETO] + [MPath.LINETO] * (len(r.coords) - 2) + [MPath.CLOSEPOLY]
                                        for r in rings])
                patches.append(PathPatch(MPath(verts, codes)))
        if patches:
            ax.add_collection(PatchCollection(
                patches, facecolor=_rgba(style.fill, style.fill_opacity) if style.fill else "none",
                edgecolor=style.color, linewidth=style.width * scale, linestyle=style.dash or "-",
                hatch=style.hatch, zorder=z))
    elif style.kind == "line":
        segs = [np.asarray(part.coords) for g in geoms for part in getattr(g, "geoms", [g])
                if part.geom_type == "LineString"]
        if not segs:
            return
        w = style.width * scale
        if style.key in ("railway", "high_speed_railway"):
            ax.add_collection(LineCollection(segs, colors=style.color, linewidths=w, zorder=z, capstyle="butt"))
            ax.add_collection(LineCollection(segs, colors=style.casing, linewidths=w * 0.5, zorder=z + 0.1,
                                             linestyles=(0, (4, 4)), capstyle="butt"))
        else:
            if style.casing:
                ax.add_collection(LineCollection(segs, colors=style.casing, linewidths=w + 1.4 * scale, zorder=z))
            ax.add_collection(LineCollection(segs, colors=style.color, linewidths=w, zorder=z + 0.1,
                                             linestyles=style.dash or "-"))
    else:
        xy = np.array([(p.x, p.y) for g in geoms for p in getattr(g, "geoms", [g])])
        if len(xy):
            ax.scatter(xy[:, 0], xy[:, 1], marker="s", s=36 * scale, facecolor=style.fill, edgecolor=style.color,
                       linewidth=style.width, zorder=z)


def mark_small(ax, geoms, box, *, facecolor, edgecolor, size: float = 55, marker: str = "o",
               zorder: float = 9) -> int:
    """A marker on every polygon too small to see at this scale (under 3 % of the map width)."""
    limit = 0.03 * (box[2] - box[0])
    geoms = np.asarray([g for g in geoms if g is not None and not g.is_empty], dtype=object)
    if not len(geoms):
        return 0
    b = shapely.bounds(geoms)
    small = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) < limit
    if small.any():
        pts = shapely.point_on_surface(geoms[small])
        ax.scatter(shapely.get_x(pts), shapely.get_y(pts), s=size, marker=marker, facecolor=facecolor,
                   edgecolor=edgecolor, linewidth=1.4, zorder=zorder)
    return int(small.sum())


def _halo(size: float = 2.5):
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=size, foreground="white")]


def feature_name(row, lang: str) -> str:
    name = row.get("name_zh") if lang == "zh" else row.get("name_en")
    if not isinstance(name, str) or not name:
        name = row.get("name_en") or row.get("name_zh") or row.get("code") or ""
    return str(name)


def draw_plan(ax, pack, *, lang: str, box=None, labels: bool = True, buffers: bool = True,
              font_scale: float = 1.0, line_scale: float = 1.0) -> list[Style]:
    """Draw every layer of ``pack`` on ``ax`` (its work CRS); return the styles used, legend order."""
    from mineplan.index import index_for

    used: list[Style] = []
    clip = shapely.box(*box) if box is not None else None

    def note(style: Style) -> None:
        if style not in used:
            used.append(style)

    for role in ROLE_ORDER:
        for layer in pack.layers_with_role(role):
            frame = layer.frame
            if role in ("three_zones", "two_lines"):
                for cls, part in frame.groupby(frame["class"].fillna(""), sort=False):
                    style = style_for(role, cls or None)
                    draw_geoms(ax, part.geometry.values, style, scale=line_scale)
                    note(style)
            else:
                style = style_for(role)
                draw_geoms(ax, frame.geometry.values, style, scale=line_scale)
                if role in ("exploration_block", "mining_block") and box is not None:
                    mark_small(ax, frame.geometry.values, box, facecolor=style.fill, edgecolor=style.color)
                note(style)
            if role == "county":
                county_outline = STYLES["county"]
                ax.add_collection(_outline(frame.geometry.values, county_outline, line_scale))
        if role == "three_zones" and buffers:
            index = index_for(pack)
            if len(index.visibility_buffers):
                style = STYLES["visibility_buffer"]
                draw_geoms(ax, index.visibility_buffers, style, scale=line_scale)
                note(style)
    if labels:
        _label_features(ax, pack, lang, clip, font_scale)
    order = list(STYLES.values())
    return sorted(used, key=lambda s: order.index(s) if s in order else 99)


def _outline(geoms, style: Style, scale: float):
    """The county boundary again, on top of the fills, so it is never hidden."""
    from matplotlib.collections import LineCollection

    segs = []
    for g in geoms:
        for poly in getattr(g, "geoms", [g]):
            segs.append(np.asarray(poly.exterior.coords))
    return LineCollection(segs, colors=style.color, linewidths=style.width * scale, linestyles=style.dash,
                          zorder=8)


def _label_features(ax, pack, lang: str, clip, font_scale: float) -> None:
    sizes = {"key_exploration_zone": 8.5, "key_mining_zone": 8.5, "exploration_block": 7.5,
             "mining_block": 7.5, "three_zones": 7, "two_lines": 6.5}
    colors = {"key_exploration_zone": "#08306b", "key_mining_zone": "#67000d", "exploration_block": "#08306b",
              "mining_block": "#67000d", "three_zones": "#00441b", "two_lines": "#3f3f3f"}
    for role, size in sizes.items():
        for layer in pack.layers_with_role(role):
            seen: set[str] = set()
            for _, row in layer.frame.iterrows():
                geom = row.geometry
                if clip is not None:
                    geom = geom.intersection(clip)
                if geom.is_empty:
                    continue
                name = feature_name(row, lang)
                if not name or name in seen:
                    continue
                seen.add(name)
                if geom.geom_type in ("LineString", "MultiLineString"):
                    line = max(getattr(geom, "geoms", [geom]), key=lambda p: p.length)
                    pt = line.interpolate(0.5, normalized=True)
                    style = "italic"
                else:
                    pt = _label_point(geom, "top" if role.startswith("key_") else
                                      "bottom" if role == "three_zones" else "center")
                    style = "normal"
                ax.annotate(name, (pt.x, pt.y), fontsize=size * font_scale, color=colors[role], ha="center",
                            va="center", fontstyle=style, zorder=12, path_effects=_halo(), annotation_clip=True)


def _label_point(geom, where: str):
    """A point inside ``geom``: near its top, its bottom or its middle (keeps nested labels apart)."""
    if where == "center":
        return geom.representative_point()
    xmin, ymin, xmax, ymax = geom.bounds
    lo, hi = (0.72, 0.9) if where == "top" else (0.1, 0.28)
    band = geom.intersection(shapely.box(xmin, ymin + lo * (ymax - ymin), xmax, ymin + hi * (ymax - ymin)))
    return band.representative_point() if not band.is_empty else geom.representative_point()


def draw_applications(ax, apps, *, lang: str, font_scale: float = 1.0, labels: bool = True,
                      box=None) -> list[str]:
    """Applications coloured by verdict; return the verdicts present (legend order)."""
    present = []
    for verdict in ("forbidden", "restricted", "allowed", "error"):
        part = apps[apps["verdict"] == verdict]
        if len(part) == 0:
            continue
        present.append(verdict)
        color = VERDICT_COLORS[verdict]
        polys = part[part.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
        points = part[part.geometry.geom_type.isin(["Point", "MultiPoint"])]
        lines = part[part.geometry.geom_type.isin(["LineString", "MultiLineString"])]
        if len(polys):
            polys.plot(ax=ax, facecolor=_rgba(color, 0.55), edgecolor=color, linewidth=2.2, zorder=10)
            polys.boundary.plot(ax=ax, color="#111111", linewidth=0.6, zorder=10.1)
        if len(lines):
            lines.plot(ax=ax, color=color, linewidth=3, zorder=10)
        if len(points):
            points.plot(ax=ax, color=color, markersize=70, edgecolor="#111111", linewidth=0.8, zorder=10)
        if box is not None and len(polys):
            mark_small(ax, polys.geometry.values, box, facecolor=color, edgecolor="#111111", size=80, marker="D",
                       zorder=10.5)
    ax.set_xlabel("")
    ax.set_ylabel("")
    if labels:
        for _, row in apps.iterrows():
            pt = row.geometry.representative_point()
            ax.annotate(str(row["id"]), (pt.x, pt.y), xytext=(6, 6), textcoords="offset points",
                        fontsize=8 * font_scale, fontweight="bold", color="#111111", zorder=13,
                        path_effects=_halo(3), annotation_clip=True)
    return present


# -- furniture ---------------------------------------------------------------------------------
def _nice(value: float) -> float:
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if m * exp >= value:
            return m * exp
    return 10 * exp


def draw_scale_bar(ax, box, *, lang: str, font_scale: float = 1.0) -> float:
    """A four-segment black-and-white scale bar in km at the lower left; returns its length (m)."""
    from matplotlib.patches import Rectangle

    xmin, ymin, xmax, ymax = box
    width = xmax - xmin
    length = _nice(width * 0.22)
    seg = length / 4
    x0, y0 = xmin + width * 0.04, ymin + (ymax - ymin) * 0.035
    h = (ymax - ymin) * 0.008
    ax.add_patch(Rectangle((x0 - width * 0.015, y0 - h * 2.2), length + width * 0.05, h * 6.5,
                           facecolor="white", edgecolor="#888888", linewidth=0.5, alpha=0.9, zorder=19))
    for i in range(4):
        ax.add_patch(Rectangle((x0 + i * seg, y0), seg, h, facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.6, zorder=20))

    def km(v: float) -> str:
        return f"{v / 1000:g}"

    for v in (0, length / 2, length):
        ax.text(x0 + v, y0 + h * 1.6, km(v), ha="center", va="bottom", fontsize=7 * font_scale, zorder=21)
    ax.text(x0 + length + width * 0.012, y0 + h / 2, "千米" if lang == "zh" else "km", ha="left", va="center",
            fontsize=7 * font_scale, zorder=21)
    return length


def draw_north_arrow(ax, *, lang: str, font_scale: float = 1.0, at=(0.93, 0.9)) -> None:
    from matplotlib.patches import Polygon

    x, y = at
    s = 0.035
    t = ax.transAxes
    ax.add_patch(Polygon([(x, y + s), (x - s * 0.45, y - s * 0.8), (x, y - s * 0.35)], closed=True,
                         facecolor="black", edgecolor="black", transform=t, zorder=20, linewidth=0.8))
    ax.add_patch(Polygon([(x, y + s), (x + s * 0.45, y - s * 0.8), (x, y - s * 0.35)], closed=True,
                         facecolor="white", edgecolor="black", transform=t, zorder=20, linewidth=0.8))
    ax.text(x, y + s * 1.15, "北" if lang == "zh" else "N", transform=t, ha="center", va="bottom",
            fontsize=11 * font_scale, fontweight="bold", zorder=21, path_effects=_halo())


def _dms(value: float, axis: str, lang: str) -> str:
    deg = math.floor(value + 1e-9)
    minutes = round((value - deg) * 60)
    if minutes == 60:
        deg, minutes = deg + 1, 0
    hemi = ("E" if axis == "lon" else "N")
    return f"{deg}°{minutes:02d}′{hemi}"


def draw_graticule(ax, box, *, work_crs, lang: str, font_scale: float = 1.0) -> float:
    """CGCS2000 meridians and parallels (EPSG:4490) drawn in ``work_crs`` (the box's CRS), labelled
    on the frame.

    Returns the spacing in degrees."""
    from pyproj import Transformer

    xmin, ymin, xmax, ymax = box
    inv = Transformer.from_crs(work_crs, "EPSG:4490", always_xy=True)
    fwd = Transformer.from_crs("EPSG:4490", work_crs, always_xy=True)
    xs = np.array([xmin, xmax, xmax, xmin])
    ys = np.array([ymin, ymin, ymax, ymax])
    lon, lat = inv.transform(xs, ys)
    span = max(max(lon) - min(lon), max(lat) - min(lat))
    step = next((s for s in (1 / 60, 2 / 60, 5 / 60, 10 / 60, 15 / 60, 0.5, 1.0) if span / s <= 7), 1.0)
    frame = shapely.box(xmin, ymin, xmax, ymax)
    bottom = shapely.LineString([(xmin, ymin), (xmax, ymin)])
    left = shapely.LineString([(xmin, ymin), (xmin, ymax)])
    kw = {"color": "#6e6e6e", "linewidth": 0.45, "linestyle": (0, (6, 3)), "zorder": 9, "alpha": 0.8}
    lat_range = np.linspace(min(lat) - step, max(lat) + step, 60)
    lon_range = np.linspace(min(lon) - step, max(lon) + step, 60)
    for v in np.arange(math.floor(min(lon) / step) * step, max(lon) + step, step):
        x, y = fwd.transform(np.full_like(lat_range, v), lat_range)
        line = shapely.LineString(np.column_stack([x, y])).intersection(frame)
        if line.is_empty:
            continue
        ax.plot(x, y, **kw)
        hit = line.intersection(bottom)
        if not hit.is_empty:
            ax.text(hit.centroid.x, ymin, _dms(v, "lon", lang), ha="center", va="top", fontsize=6.5 * font_scale,
                    color="#444444", clip_on=False)
    for v in np.arange(math.floor(min(lat) / step) * step, max(lat) + step, step):
        x, y = fwd.transform(lon_range, np.full_like(lon_range, v))
        line = shapely.LineString(np.column_stack([x, y])).intersection(frame)
        if line.is_empty:
            continue
        ax.plot(x, y, **kw)
        hit = line.intersection(left)
        if not hit.is_empty:
            ax.text(xmin, hit.centroid.y, _dms(v, "lat", lang) + " ", ha="right", va="center",
                    fontsize=6.5 * font_scale, color="#444444", rotation=90, clip_on=False)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    return step


def provenance_reconstructed(pack) -> bool:
    if pack.plan.get("layers_provenance") == "reconstructed":
        return True
    for layer in pack.layers.values():
        prov = layer.frame["provenance"].dropna().astype(str)
        if prov.str.contains("reconstruct").any():
            return True
    return False


def provenance_note(pack, lang: str) -> str:
    if provenance_reconstructed(pack):
        if lang == "zh":
            return ("数据来源说明：规划文本未公布边界坐标，除县界外各图层均为依据规划文本重建的示意图层"
                    "（reconstructed layers），不是官方界线，仅供参考。")
        return ("Data provenance: reconstructed layers. The plan publishes no boundaries; except for the county "
                "boundary every layer is reconstructed from the plan's text and is not an official boundary.")
    return "数据来源：规划数据包图层。" if lang == "zh" else "Data: the plan pack's layers."


# -- the sheet ---------------------------------------------------------------------------------
def render_static(pack, path: str | Path, *, dpi: int = 150, lang: str = "zh", apps=None,
                  extent: str | None = None) -> MapResult:
    """Write the plan map to ``path`` (.png, .svg or .pdf)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from mineplan.maps.fonts import font_rc, resolve_lang

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in STATIC_SUFFIXES:
        from mineplan.errors import InputError

        raise InputError(f"unknown map format {suffix!r} (use .png, .svg, .pdf or .html)", path=str(path))
    lang, family, warning = resolve_lang(lang)
    rc = {**font_rc(family, lang), "pdf.fonttype": 42, "svg.fonttype": "path", "hatch.linewidth": 0.6}
    box = resolve_extent(pack, extent, apps)
    with plt.rc_context(rc):
        fig = plt.figure(figsize=(11.0, 10.0))
        ax = fig.add_axes((0.06, 0.085, 0.62, 0.8))
        box = fit_aspect(ax, box)
        ax.set_facecolor("#ffffff")
        styles = draw_plan(ax, pack, lang=lang, box=box)
        verdicts = draw_applications(ax, apps, lang=lang, box=box) if apps is not None and len(apps) else []
        draw_graticule(ax, box, work_crs=pack.work_crs, lang=lang)
        draw_scale_bar(ax, box, lang=lang)
        draw_north_arrow(ax, lang=lang)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_linewidth(1.2)
        _legend(fig, styles, verdicts, lang)
        _titles(fig, pack, lang, cjk=family is not None)
        fig.savefig(path, dpi=dpi, metadata=_metadata(pack, suffix))
        plt.close(fig)
    return MapResult(path=path, lang=lang, font=family, warning=warning, layers=[s.key for s in styles])


def _legend(fig, styles: list[Style], verdicts: list[str], lang: str) -> None:
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.patches import Patch

    handles = [legend_handle(s) for s in styles]
    labels = [s.label(lang) for s in styles]
    for v in verdicts:
        handles.append(Patch(facecolor=_rgba(VERDICT_COLORS[v], 0.55), edgecolor=VERDICT_COLORS[v], linewidth=2))
        labels.append(VERDICT_LABELS[v][0 if lang == "zh" else 1])
    leg = fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.70, 0.885), frameon=True,
                     title="图例" if lang == "zh" else "Legend", fontsize=8.5, title_fontsize=10,
                     handlelength=2.6, handleheight=1.3, borderpad=0.9, labelspacing=0.7,
                     handler_map={tuple: HandlerTuple(ndivide=1)})
    leg.get_frame().set_edgecolor("#333333")


def _titles(fig, pack, lang: str, cjk: bool = True) -> None:
    from mineplan.crs import work_crs_words
    from mineplan.maps.fonts import latin

    plan = pack.plan
    if lang == "zh":
        title = f"{plan['name_zh']} 规划图"
        sub = f"{plan.get('issuer_zh', '')} {plan.get('document', '')}　（{plan.get('issued', '')} 印发）".strip()
        crs = f"坐标系：{work_crs_words(pack.work_crs, 'zh')}；经纬网为 CGCS2000 地理坐标"
    else:
        title = f"{plan.get('name_en', plan['name_zh'])}: planning map"
        doc = plan.get("document", "") if cjk else latin(plan.get("document", ""))
        sub = f"{plan.get('issuer_en', 'Document')} {doc} ({plan.get('issued', '')})"
        crs = (f"Coordinates: {work_crs_words(pack.work_crs, 'en')}; "
               "graticule in CGCS2000 geographic coordinates")
    fig.text(0.06, 0.955, title, fontsize=17 if lang == "zh" else 14, fontweight="bold", ha="left", va="center")
    fig.text(0.06, 0.918, sub, fontsize=10.5, ha="left", va="center", color="#333333")
    fig.text(0.06, 0.045, crs, fontsize=7.5, ha="left", va="center", color="#333333")
    fig.text(0.06, 0.025, provenance_note(pack, lang), fontsize=7.5, ha="left", va="center", color="#8c2d04")
    ident = pack.identity()
    fig.text(0.99, 0.008, f"mineplan · {ident['id']} {ident['version']} · data {ident['data_sha256'][:12]}",
             fontsize=6, ha="right", va="bottom", color="#777777")


def _metadata(pack, suffix: str) -> dict:
    title = pack.plan["name_zh"]
    if suffix == ".png":
        return {"Title": title, "Software": "mineplan"}
    if suffix == ".pdf":
        return {"Title": title, "Creator": "mineplan"}
    return {"Title": title}

"""The site map of a report: one application with its surroundings and the distances to the
nearest block, zone, "three zones, two lines" feature and bridge drawn and labelled."""

from __future__ import annotations

import io

import numpy as np
import shapely

from mineplan.maps.static import (
    _halo,
    _rgba,
    draw_applications,
    draw_north_arrow,
    draw_plan,
    draw_scale_bar,
    feature_name,
    fit_aspect,
)

#: Roles whose nearest feature gets a distance line, with their labels.
NEAREST_ROLES = {
    "mining_block": ("最近开采规划区块", "nearest mining block"),
    "exploration_block": ("最近勘查规划区块", "nearest exploration block"),
    "key_mining_zone": ("重点开采区", "key mining zone"),
    "key_exploration_zone": ("重点勘查区", "key exploration zone"),
    "three_zones": ("三区", "three zones"),
    "two_lines": ("两线", "two lines"),
    "road_bridge": ("桥梁", "bridge"),
}
#: Distance lines longer than this are listed, not drawn (they would shrink the site to a dot).
MAX_DRAWN_M = 8000.0
#: Three-zones / two-lines features of other classes within this distance are shown too.
CLASS_RADIUS_M = 3000.0


def nearest_table(pack, geom) -> list[dict]:
    """For one application geometry (work CRS): the nearest feature of each role, its distance
    (m, 0 when they touch or overlap) and the shortest line between them."""
    from mineplan.index import index_for

    index = index_for(pack)
    geoms = np.asarray([geom], dtype=object)
    rows = []

    def add(role, table, zh, en):
        if len(table) == 0:
            return
        pos = int(table["feature"].iloc[0])
        feature = index.features.iloc[pos]
        dist = float(table["distance"].iloc[0])
        rows.append({"role": role, "label_zh": zh, "label_en": en, "code": feature["code"],
                     "name_zh": feature["name_zh"], "name_en": feature["name_en"], "class": feature["class"],
                     "distance_m": dist, "line": shapely.shortest_line(geom, index.geoms[pos]) if dist > 0 else None})

    for role, (zh, en) in NEAREST_ROLES.items():
        if role in ("three_zones", "two_lines"):
            # the nearest of every class: a railway 300 m off matters even when a road is nearer
            classes = index.features["class"].iloc[index.positions(role)].dropna().unique()
            found = [(c, index.nearest_of_class(geoms, role, (c,))) for c in classes]
            found = [(c, t) for c, t in found if len(t)]
            if not found:
                continue
            nearest = min(float(t["distance"].iloc[0]) for _, t in found)
            for _, t in sorted(found, key=lambda ct: float(ct[1]["distance"].iloc[0])):
                d = float(t["distance"].iloc[0])
                if d == nearest or d <= CLASS_RADIUS_M:
                    add(role, t, zh, en)
        else:
            add(role, index.nearest(geoms, role), zh, en)
    return rows


def site_map_png(pack, apps, i: int, *, lang: str, family: str | None, dpi: int = 170,
                 size: tuple[float, float] = (7.4, 3.5)) -> tuple[bytes, list[dict]]:
    """A PNG of application ``i`` of ``apps`` (work-CRS frame with id/verdict) in its
    surroundings; returns the image and the nearest-feature table it drew."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from mineplan.maps.fonts import font_rc
    from mineplan.maps.static import draw_graticule

    geom = apps.geometry.iloc[i]
    rows = nearest_table(pack, geom)
    parts = [geom] + [r["line"] for r in rows if r["line"] is not None and r["distance_m"] <= MAX_DRAWN_M]
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.asarray(parts, dtype=object))
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half = max(xmax - xmin, ymax - ymin, 2500.0) / 2 * 1.15
    box = (cx - half, cy - half, cx + half, cy + half)
    with plt.rc_context({**font_rc(family, lang), "hatch.linewidth": 0.5}):
        fig = plt.figure(figsize=size)
        ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
        box = fit_aspect(ax, box)
        draw_plan(ax, pack, lang=lang, box=box, font_scale=0.95)
        draw_applications(ax, apps.iloc[[i]], lang=lang, box=box)
        for r in rows:
            line = r["line"]
            if line is None or r["distance_m"] > MAX_DRAWN_M:
                continue
            xy = np.asarray(line.coords)
            ax.plot(xy[:, 0], xy[:, 1], color="#111111", linewidth=1.1, linestyle=(0, (4, 2)), zorder=14)
            ax.scatter(xy[:, 0], xy[:, 1], s=10, color="#111111", zorder=14)
            # the label sits at the feature's end of the line, so labels of nearby features spread out
            end = line.interpolate(0.8, normalized=True)
            name = feature_name(r, lang)
            short = line.length < 0.08 * (box[2] - box[0])  # crowded near the site: the distance only
            text = f"{r['distance_m']:,.0f} m" if short else f"{r['distance_m']:,.0f} m\n{name}"
            ax.annotate(text, (end.x, end.y), fontsize=6.5, ha="center", va="center",
                        zorder=15, color="#111111", path_effects=_halo(2.5),
                        bbox={"boxstyle": "round,pad=0.2", "fc": _rgba("#ffffff", 0.75), "ec": "#999999", "lw": 0.4})
        draw_graticule(ax, box, work_crs=pack.work_crs, lang=lang, font_scale=0.8)
        draw_scale_bar(ax, box, lang=lang, font_scale=0.9)
        draw_north_arrow(ax, lang=lang, font_scale=0.8, at=(0.95, 0.86))
        ax.set_xticks([])
        ax.set_yticks([])
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        plt.close(fig)
    return buf.getvalue(), rows

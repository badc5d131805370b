"""Corner-point (拐点) inputs: CSV/XLSX tables and the text layouts of Chinese mining documents.

Every layout ends as a list of :class:`Parcel` (named rings of numbered points, X = northing
first, Y = easting) which :func:`to_raws` turns into polygons in (easting, northing) order —
or (lon, lat) for degree tables — for :func:`mineplan.readers._core.finish`.
The grammar of each layout is in ``docs/input-formats.md``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import shapely

from mineplan import crs as crsmod
from mineplan.errors import InputError
from mineplan.readers._core import Raw

# ------------------------------------------------------------------------ numbers
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋：", "0123456789.,-+:")
_DMS = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分])?\s*(?:(\d+(?:\.\d+)?)\s*(?:[\"″”秒]|'')?)?$")
_UNIT = re.compile(r"\s*(m|米|M)$")


def parse_number(text, where: str) -> float:
    """A coordinate cell: ``2588801.00``, ``39 438 457.00``? no — spaces are refused; DMS
    ``118°45′30.12″`` / ``118度45分30.12秒`` -> decimal degrees. Raises ValueError(where...)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    s = str(text).strip().translate(_FULLWIDTH)
    s = _UNIT.sub("", s)
    m = _DMS.match(s)
    if m:
        d, mi, se = m.group(1), m.group(2) or "0", m.group(3) or "0"
        if float(mi) >= 60 or float(se) >= 60:
            raise ValueError(f"{where}: minutes or seconds of {text!r} not below 60")
        sign = -1 if d.startswith("-") else 1
        return sign * (abs(float(d)) + float(mi) / 60 + float(se) / 3600)
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", s):
        return float(s)
    raise ValueError(f"{where}: {str(text)!r} is not a number")


# ------------------------------------------------------------------------ parcels
@dataclass
class Point:
    no: str
    x: float  # northing (or latitude)
    y: float  # easting (or longitude)
    where: str


@dataclass
class Parcel:
    name: str | None
    props: dict = field(default_factory=dict)
    rings: dict = field(default_factory=dict)  # ring number -> [Point]
    error: str | None = None

    def add(self, pt: Point, ring: int = 1) -> None:
        self.rings.setdefault(ring, []).append(pt)

    def add_text(self, number: str, x_text: str, y_text: str, where: str) -> Point | None:
        """Add a point from its text; a bad number becomes the parcel's first error (None)."""
        try:
            x, y = parse_number(x_text, f"{where}: X"), parse_number(y_text, f"{where}: Y")
        except ValueError as exc:
            if self.error is None:
                self.error = str(exc)
            return None
        pt = Point(number, x, y, where)
        self.add(pt)
        return pt

    @property
    def empty(self) -> bool:
        return not any(self.rings.values())


def _ring_coords(pts: list[Point], label: str, notes: list[str]) -> list[tuple]:
    closed = len(pts) > 1 and (pts[0].x, pts[0].y) == (pts[-1].x, pts[-1].y)
    body = pts[:-1] if closed else pts
    seen: dict[str, str] = {}
    for p in body:
        if p.no:
            if p.no in seen:
                raise ValueError(f"duplicate point number {p.no} ({seen[p.no]} and {p.where})")
            seen[p.no] = p.where
    distinct = {(p.x, p.y) for p in body}
    if len(distinct) < 3:
        raise ValueError(f"needs at least 3 distinct points, has {len(distinct)}")
    if not closed:
        notes.append(f"closed ring of parcel {label}")
    coords = [(p.y, p.x) for p in body]  # (easting, northing) / (lon, lat)
    return [*coords, coords[0]]


def to_raws(parcels: list[Parcel], notes: list[str]) -> list[Raw]:
    raws = []
    for n, pc in enumerate(parcels, 1):
        label = pc.name or f"#{n}"
        if pc.error:
            raws.append(Raw(pc.props, error=pc.error, fid=pc.name))
            continue
        try:
            if 1 not in pc.rings and pc.rings:
                raise ValueError(f"no outer ring (ring 1); rings found: {sorted(pc.rings)}")
            shell = _ring_coords(pc.rings[1], label, notes)
            holes = [_ring_coords(pc.rings[k], f"{label} ring {k}", notes) for k in sorted(pc.rings) if k != 1]
        except ValueError as exc:
            raws.append(Raw(pc.props, error=str(exc), fid=pc.name))
            continue
        raws.append(Raw(pc.props, shapely.Polygon(shell, holes), fid=pc.name))
    return raws


# ------------------------------------------------------------------------ tables
def _norm(h) -> str:
    s = str(h or "").strip().lower()
    s = re.sub(r"[（(][^)）]*[)）]", "", s)
    return re.sub(r"[\s_:：]", "", s)


HEADERS = {
    "point": {"点号", "拐点编号", "拐点号", "拐点", "界址点号", "点名", "序号", "point", "pt", "pointno", "no"},
    "x": {"x", "x坐标", "纵坐标", "北坐标", "northing", "north", "n"},
    "y": {"y", "y坐标", "横坐标", "东坐标", "easting", "east", "e"},
    "lat": {"纬度", "lat", "latitude", "b"},
    "lon": {"经度", "lon", "lng", "long", "longitude", "l"},
    "parcel": {"区块号", "区块", "区块编号", "地块号", "地块编号", "矿区", "范围", "parcel", "block", "area"},
    "ring": {"圈号", "环号", "ring"},
}


def _roles(header: list) -> dict[str, int]:
    roles: dict[str, int] = {}
    for i, h in enumerate(header):
        k = _norm(h)
        for role, names in HEADERS.items():
            if k in names and role not in roles:
                roles[role] = i
    return roles


def parse_table(rows: list[tuple[str, list]], path: str, unit: str = "row") -> list[Parcel]:
    """``rows``: (where, cells). The header is the first row naming X/Y or lat/lon columns."""
    rows = [(w, [("" if c is None else c) for c in cells]) for w, cells in rows]
    nonblank = [(w, c) for w, c in rows if any(str(v).strip() for v in c)]
    if not nonblank:
        raise InputError("empty table", path=path)
    hdr_at, roles = None, {}
    for i, (_w, cells) in enumerate(rows):
        r = _roles(cells)
        if ("x" in r and "y" in r) or ("lat" in r and "lon" in r):
            hdr_at, roles = i, r
            break
        if any(str(v).strip() for v in cells) and i > 20:
            break
    if hdr_at is None:
        raise InputError("no header row with X and Y (or 纬度/经度, lat/lon) columns found", path=path)
    header = [str(h).strip() for h in rows[hdr_at][1]]
    degrees = "x" not in roles or "y" not in roles
    xi, yi = (roles["lat"], roles["lon"]) if degrees else (roles["x"], roles["y"])
    pi, ki, ri = roles.get("point"), roles.get("parcel"), roles.get("ring")
    used = {v for v in (xi, yi, pi, ki, ri) if v is not None}
    attr_cols = [(i, h) for i, h in enumerate(header) if i not in used and h]

    parcels: list[Parcel] = []
    cur: Parcel | None = None
    for where, cells in rows[hdr_at + 1:]:
        cells = list(cells) + [""] * (len(header) - len(cells))
        if not any(str(v).strip() for v in cells):
            if cur is not None and ki is None and not cur.empty:
                cur = None  # a blank row separates parcels when there is no parcel column
            continue
        name = str(cells[ki]).strip() if ki is not None else ""
        if ki is not None and name == "" and cur is not None:
            name = cur.name or ""
        if cur is None or (ki is not None and name != (cur.name or "")):
            cur = Parcel(name or None)
            if ki is not None:
                cur.props[header[ki]] = cells[ki] if name == str(cells[ki]).strip() else name
            parcels.append(cur)
        for i, h in attr_cols:
            v = cells[i]
            if str(v).strip() != "" and h not in cur.props:
                cur.props[h] = v
        try:
            x = parse_number(cells[xi], f"{unit} {where}: {header[xi]}")
            y = parse_number(cells[yi], f"{unit} {where}: {header[yi]}")
            ring = int(parse_number(cells[ri], f"{unit} {where}: {header[ri]}")) if ri is not None and str(cells[ri]).strip() else 1
        except ValueError as exc:
            if cur.error is None:
                cur.error = str(exc)
            continue
        no = _point_no(cells[pi]) if pi is not None else ""
        cur.add(Point(no, x, y, f"{unit} {where}"), ring)
    if not parcels:
        raise InputError("header only: no corner points", path=path)
    return parcels


def _point_no(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_csv_rows(text: str) -> list[tuple[str, list]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [(str(i), row) for i, row in enumerate(csv.reader(io.StringIO(text), dialect), 1)]


def read_xlsx_rows(path, layer, path_s: str) -> tuple[list[tuple[str, list]], str]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, InvalidFileException, KeyError ...
        raise InputError(f"not a readable XLSX workbook ({type(exc).__name__})", path=path_s) from None
    try:
        if layer is not None:
            if layer not in wb.sheetnames:
                raise InputError(f"no sheet {layer!r} (sheets: {', '.join(wb.sheetnames)})", path=path_s)
            ws = wb[layer]
        else:
            ws = wb.worksheets[0]
        rows = [(str(i), list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), 1)]
        return rows, ws.title
    finally:
        wb.close()


# ------------------------------------------------------------------------ text layouts
_ELEV = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(?:m|米)?\s*(?:至|到|~|～|—|-{1,2})\s*([+-]?\d+(?:\.\d+)?)\s*(?:m|米)?")
_ELEV_CSV = re.compile(r"^\s*(?:标高|开采深度|开采标高|elevation)\s*[,，\s]\s*([^,，\s]+)\s*[,，\s]\s*([^,，\s]+)")
_SEP = re.compile(r"^\s*([-=*_#~—]{3,})\s*$")
_PARCEL_NAME = re.compile(r"(区块|地块|矿区|采区|范围|parcel|block)", re.I)
_TOKEN_SPLIT = re.compile(r"[\s,，、;；]+")


def datum_hint(text: str) -> str | None:
    if re.search(r"西安\s*80|1980\s*西安|西安\s*1980|xian\s*1980", text, re.I):
        return "Xian 1980"
    if re.search(r"北京\s*54|1954\s*北京|北京\s*1954|beijing\s*1954", text, re.I):
        return "Beijing 1954"
    if re.search(r"2000\s*国家大地|cgcs\s*2000|国家2000", text, re.I):
        return "CGCS2000"
    return None


def _elevation(line: str):
    m = _ELEV_CSV.match(line)
    if m:
        return m.group(1), m.group(2)
    if re.search(r"标高|深度|米至|m至|至\s*[+-]?\d", line):
        m = _ELEV.search(line)
        if m:
            return m.group(1), m.group(2)
    return None


def parse_notice(lines: list[str], path: str) -> list[Parcel]:
    """Mining-right notice text: runs of ``point X Y`` lines, parcels separated by a blank
    line, a separator line or a named line; optional elevation lines."""
    parcels: list[Parcel] = []
    cur: Parcel | None = None
    pending_name: str | None = None
    pending_elev = None

    def close():
        nonlocal cur
        cur = None

    for n, raw in enumerate(lines, 1):
        line = raw.strip().translate(_FULLWIDTH)
        where = f"line {n}"
        elev = _elevation(line) if line else None
        if elev:
            top, bottom = elev
            try:
                vals = (parse_number(top, where), parse_number(bottom, where))
            except ValueError as exc:
                raise InputError(str(exc), path=path) from None
            if cur is not None and not cur.empty:
                cur.props.update({"标高上限": vals[0], "标高下限": vals[1]})
                close()
            else:
                pending_elev = vals
            continue
        toks = [t for t in _TOKEN_SPLIT.split(line) if t]
        if len(toks) == 3 and all(re.search(r"\d", t) for t in toks[1:]):
            if cur is None:
                cur = Parcel(pending_name)
                if pending_name:
                    cur.props["name"] = pending_name
                if pending_elev:
                    cur.props.update({"标高上限": pending_elev[0], "标高下限": pending_elev[1]})
                pending_name, pending_elev = None, None
                parcels.append(cur)
            pt = cur.add_text(toks[0], toks[1], toks[2], where)
            if pt is not None and len(cur.rings[1]) > 3 and (pt.x, pt.y) == (cur.rings[1][0].x, cur.rings[1][0].y):
                close()  # the ring came back to its first point
            continue
        # any other line ends the current parcel
        if cur is not None and not cur.empty:
            close()
        if line and not _SEP.match(line) and _PARCEL_NAME.search(line) and not re.search(r"[XxYy]\s*坐标|拐点\s*[,，\s]", line):
            pending_name = line.strip(" :：")[:60]
    if not parcels:
        raise InputError("no corner-point lines (point, X, Y) found", path=path)
    return parcels


_BAOPAN = re.compile(r"^\s*XY(\d+)\s*=\s*(.*)$", re.I)


def parse_baopan(lines: list[str], path: str) -> tuple[list[Parcel], dict]:
    """报盘 registration text: ``XY001=1,2588801.00,39438457.00`` point lines and
    ``XY005=标高,220,100,,1`` elevation lines (which end a ring); other ``key=value`` lines
    become attributes of every parcel."""
    parcels: list[Parcel] = []
    attrs: dict = {}
    cur: Parcel | None = None
    for n, raw in enumerate(lines, 1):
        line = raw.strip().translate(_FULLWIDTH)
        where = f"line {n}"
        if not line or line.startswith(("[", "#", ";")):
            continue
        m = _BAOPAN.match(line)
        if not m:
            if "=" in line:
                k, _, v = line.partition("=")
                attrs[k.strip()] = v.strip()
            continue
        fields = [f.strip() for f in m.group(2).split(",")]
        if fields and fields[0] in ("标高", "开采深度", "elevation"):
            try:
                top = parse_number(fields[1], f"{where}: upper elevation")
                bottom = parse_number(fields[2], f"{where}: lower elevation")
            except (ValueError, IndexError) as exc:
                raise InputError(str(exc) if isinstance(exc, ValueError) else f"{where}: elevation line needs upper and lower",
                                 path=path) from None
            if cur is None:
                raise InputError(f"{where}: elevation line before any point", path=path)
            cur.props.update({"标高上限": top, "标高下限": bottom})
            cur = None
            continue
        if len(fields) < 3:
            raise InputError(f"{where}: expected XYnnn=point,X,Y", path=path)
        if cur is None:
            cur = Parcel(None)
            parcels.append(cur)
        cur.add_text(fields[0], fields[1], fields[2], where)
    if not parcels:
        raise InputError("no XYnnn= point lines found", path=path)
    for i, pc in enumerate(parcels, 1):
        pc.props = {**attrs, "ring": i, **pc.props}
    return parcels, attrs


def parse_bubiao(lines: list[str], path: str) -> tuple[list[Parcel], dict]:
    """部标 land-parcel text: ``[属性描述]`` key=value lines, then ``[地块坐标]`` with a parcel
    header ending in ``@`` and point lines ``点号,圈号,X,Y``."""
    section = None
    header: dict = {}
    parcels: list[Parcel] = []
    cur: Parcel | None = None
    names = ["界址点数", "地块面积", "地块编号", "地块名称", "记录图形属性", "图幅号", "地块用途", "地类编码"]
    for n, raw in enumerate(lines, 1):
        line = raw.strip().translate(_FULLWIDTH)
        where = f"line {n}"
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section == "属性描述":
            k, _, v = line.partition("=")
            header[k.strip()] = v.strip()
            continue
        if section != "地块坐标":
            continue
        if line.endswith("@"):
            vals = [v.strip() for v in line[:-1].split(",")]
            props = {k: v for k, v in zip(names, vals, strict=False) if k}
            cur = Parcel(props.get("地块编号") or props.get("地块名称") or None, props)
            parcels.append(cur)
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 4:
            raise InputError(f"{where}: expected 点号,圈号,X,Y", path=path)
        if cur is None:
            raise InputError(f"{where}: point line before a parcel header (a line ending in @)", path=path)
        try:
            ring = int(parse_number(fields[1], f"{where}: 圈号"))
            x, y = parse_number(fields[2], f"{where}: X"), parse_number(fields[3], f"{where}: Y")
        except ValueError as exc:
            if cur.error is None:
                cur.error = str(exc)
            continue
        cur.add(Point(fields[0], x, y, where), ring)
    if "地块坐标" not in {section} and not parcels:
        raise InputError("no [地块坐标] parcels found", path=path)
    return parcels, header


def bubiao_crs(header: dict, parcels: list[Parcel], path: str) -> crsmod.SourceCRS | None:
    """The CRS a 部标 header names: datum from 坐标系, zone width from 几度分带, zone from 带号;
    the zone prefix is expected in the easting when the eastings have 8 digits."""
    datum = datum_hint(header.get("坐标系", ""))
    if datum is None:
        return None
    width = header.get("几度分带", "3").strip() or "3"
    zone_s = header.get("带号", "").strip()
    if not zone_s.isdigit():
        return None
    zone = int(zone_s)
    ys = [p.y for pc in parcels for ring in pc.rings.values() for p in ring]
    prefixed = bool(ys) and all(y >= 1_000_000 for y in ys)
    if datum != "CGCS2000":
        raise InputError(f"the file says {datum}: name its EPSG code with --crs "
                         "(e.g. Beijing 1954 zone 40: EPSG:2416, Xian 1980 zone 40: EPSG:2364)", path=path)
    code = crsmod._cgcs_3deg(zone) if width == "3" else crsmod._cgcs_6deg(zone)
    if code is None:
        return None
    if not prefixed:
        cm = 3 * zone if width == "3" else 6 * zone - 3
        from pyproj import CRS

        code = {120: 4549, 117: 4548 if width == "3" else 4509}.get(cm)
        if code is None:
            return None
        return crsmod.SourceCRS(CRS.from_epsg(code))
    from pyproj import CRS

    return crsmod.SourceCRS(CRS.from_epsg(code))

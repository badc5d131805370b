"""Corner-point (拐点) inputs: CSV/XLSX tables and the text layouts of Chinese mining documents.

One pipeline for every layout (``docs/input-formats.md`` has the grammar):

* a **tokenizer** (:func:`norm`, :func:`classify`) that turns a cell or a line into tokens —
  full-width punctuation, ° ′ ″ variants, 东经/北纬 prefixes and circled numbers ①② normalised;
* a **layout reader** per family (:func:`parse_table` for tables with an X/Y header,
  :func:`parse_lines` for copied text and header-less tables, 报盘 and 部标 texts) that turns the
  file into events: point, parcel heading, elevation, terminator, break;
* one **assembler** (:class:`Assembler`) that turns events into :class:`Parcel` s (named rings of
  numbered points, X = northing first, Y = easting; or latitude, longitude);
* the facts a file states about its CRS (:func:`facts_from_text`), weighed against the numbers
  and ``--crs`` in :mod:`mineplan.readers.resolve`.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from dataclasses import dataclass, field

import shapely

from mineplan.errors import InputError
from mineplan.readers._core import Raw

# ------------------------------------------------------------------------ tokenizer
_TRANS = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "．": ".", "，": ",", "－": "-", "＋": "+", "：": ":", "；": ";", "（": "(", "）": ")", "＝": "=",
    "\u3000": " ", "\xa0": " ", "｜": "|", "、": ",",
    "º": "°", "˚": "°", "゜": "°", "℃": "°",
    "′": "'", "’": "'", "‘": "'", "´": "'", "ʹ": "'", "＇": "'",
    "″": '"', "”": '"', "“": '"', "〃": '"', "ʺ": '"', "＂": '"',
    "Ｘ": "X", "Ｙ": "Y", "ｘ": "x", "ｙ": "y",
})
_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ① .. ⑳
_CIRCLED.update({chr(0x2776 + i): i + 1 for i in range(10)})  # ❶ .. ❿
_DMS = re.compile(r"^([+-]?\d+(?:\.\d+)?)°(?:(\d+(?:\.\d+)?)')?(?:(\d+(?:\.\d+)?)\"?)?$")
_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_LABEL = re.compile(r"^[A-Za-z]{0,3}[-_]?\d{1,4}[A-Za-z]?$|^[A-Za-z]{1,3}$")


def norm(text) -> str:
    """One cell or line in plain ASCII punctuation: ``东经118°45′30″`` -> ``118°45'30"``."""
    s = str(text).translate(_TRANS)
    s = "".join(f" {_CIRCLED[c]} " if c in _CIRCLED else c for c in s)
    s = s.replace("''", '"')
    s = re.sub(r"^(\s*[A-Za-z]{0,3}\d{1,4})[.)]\s+", r"\1 ", s)  # "1. X Y", "2) X Y"
    s = re.sub(r"(\d)\s*度\s*", r"\1°", s)
    s = re.sub(r"(\d)\s*分\s*", r"\1'", s)
    s = re.sub(r"(\d)\s*秒", r'\1"', s)
    s = re.sub(r"([°'])\s+(?=\d)", r"\1", s)  # 118° 45′ 30″
    s = re.sub(r"(?:(?:东经|北纬|经度|纬度|拐点|[EN])\s*[=:]?|[XYxy]\s*[=:])\s*(?=[-+]?\d)", " ", s)
    s = re.sub(r"(\d)\s*(?:m|米)(?=[\s,;]|$)", r"\1", s)
    return s.strip()


def parse_coord(text, where: str) -> tuple[float, bool]:
    """A coordinate cell -> (value, written with degree symbols). Decimal, or ``118°45'30.12"``
    (after :func:`norm`) converted to decimal degrees. Raises ValueError naming ``where``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text), False
    s = norm(text).replace(" ", "")
    m = _DMS.match(s)
    if m:
        d, mi, se = m.group(1), m.group(2) or "0", m.group(3) or "0"
        if float(mi) >= 60 or float(se) >= 60:
            raise ValueError(f"{where}: minutes or seconds of {str(text)!r} not below 60")
        sign = -1 if d.startswith("-") else 1
        return sign * (abs(float(d)) + float(mi) / 60 + float(se) / 3600), True
    if _NUM.match(s):
        return float(s), False
    raise ValueError(f"{where}: {str(text)!r} is not a number")


def parse_number(text, where: str) -> float:
    return parse_coord(text, where)[0]


def classify(tok: str) -> str:
    """'coord' (a number with a decimal point, ≥ 5 digits, zero, or degrees), 'label' (a point
    number such as 1, J12, K-3) or 'text'."""
    if _DMS.match(tok):
        return "coord"
    if _NUM.match(tok):
        digits = tok.lstrip("+-").split(".")[0]
        if "." in tok or len(digits) >= 5 or float(tok) == 0:
            return "coord"
        return "label"
    return "label" if _LABEL.match(tok) else "text"


_SPLIT = re.compile(r"[\s,;:|/\t]+")


def tokens(line: str) -> list[str]:
    return [t for t in _SPLIT.split(norm(line)) if t]


# ------------------------------------------------------------------------ parcels
@dataclass
class Point:
    no: str
    x: float  # northing (or the first number of the pair)
    y: float  # easting (or the second number)
    where: str
    dms: bool = False  # written with degree symbols (already decimal)


@dataclass
class Parcel:
    name: str | None
    props: dict = field(default_factory=dict)
    rings: dict = field(default_factory=dict)  # ring number -> [Point]
    error: str | None = None
    ring: int = 1  # the ring points are added to

    def add(self, pt: Point, ring: int | None = None) -> None:
        self.rings.setdefault(self.ring if ring is None else ring, []).append(pt)

    @property
    def empty(self) -> bool:
        return not any(self.rings.values())

    @property
    def points(self) -> list[Point]:
        return [p for r in self.rings.values() for p in r]


PARCEL_WORDS = ("区块", "矿段", "采区", "区域", "块段", "范围", "地块", "矿区", "分区", "井田")
_PARCEL_RE = re.compile("|".join(PARCEL_WORDS) + r"|parcel|block", re.I)


class Assembler:
    """Events -> parcels. ``keyed``: parcels come from a parcel column, so a closed ring or a
    terminator starts the parcel's next ring instead of a new parcel."""

    def __init__(self, *, keyed: bool = False):
        self.parcels: list[Parcel] = []
        self.cur: Parcel | None = None
        self.keyed = keyed
        self.pending_name: str | None = None
        self.pending_props: dict = {}
        self.pending_elev = None

    def _open(self) -> Parcel:
        if self.cur is None:
            self.cur = Parcel(self.pending_name, dict(self.pending_props))
            if self.pending_elev:
                self.cur.props.update(_elev_props(*self.pending_elev))
            self.pending_name, self.pending_props, self.pending_elev = None, {}, None
            self.parcels.append(self.cur)
        return self.cur

    def heading(self, name: str, props: dict | None = None) -> None:
        """A parcel heading (a section line or a new value in a parcel column)."""
        self.brk()
        if self.cur is not None and self.cur.empty and not self.cur.error:  # a heading right after another
            self.parcels.remove(self.cur)
            self.cur = None
        self.pending_name = name
        self.pending_props = dict(props or {"name": name})

    def point(self, no: str, a: float, b: float, where: str, dms: bool = False) -> None:
        pc = self._open()
        ring = pc.rings.get(pc.ring, [])
        if len(ring) >= 3 and no and no == ring[0].no and (a, b) != (ring[0].x, ring[0].y):
            # the numbering starts again: a new parcel (or ring) without a heading
            self.end_ring()
            pc = self._open()
        pc.add(Point(no, a, b, where, dms))
        ring = pc.rings[pc.ring]
        if len(ring) > 3 and (a, b) == (ring[0].x, ring[0].y):
            self.end_ring()  # the ring came back to its first point

    def error(self, msg: str) -> None:
        pc = self._open()
        if pc.error is None:
            pc.error = msg

    def elevation(self, top: float | None, bottom: float | None) -> None:
        """An elevation line: of the parcel whose points precede it (which it ends), or of the next."""
        if self.cur is not None and not self.cur.empty:
            self.cur.props.update(_elev_props(top, bottom))
            self.cur = None
        else:
            self.pending_elev = (top, bottom)

    def terminate(self, name: str | None = None, top=None, bottom=None, hole: bool = False) -> None:
        """A terminator (``*`` line, a zero row) ends the current ring; what it carries (name,
        elevations) belongs to the parcel it ends."""
        pc = self.cur
        if pc is None or pc.empty:
            return
        if name:
            pc.name = name
            pc.props.setdefault("name", name)
        if top is not None or bottom is not None:
            pc.props.update(_elev_props(top, bottom))
        if hole and len(self.parcels) > 1 and pc.ring == 1 and set(pc.rings) == {1}:
            prev = self.parcels[-2]
            prev.rings[max(prev.rings) + 1] = pc.rings[1]
            self.parcels.remove(pc)
            self.cur = None
            return
        self.end_ring()

    def end_ring(self) -> None:
        if self.cur is None:
            return
        if self.keyed:
            self.cur.ring = max(self.cur.rings, default=0) + 1
        else:
            self.cur = None

    def brk(self) -> None:
        if self.cur is not None and (not self.cur.empty or self.cur.error):
            self.cur = None

    def result(self) -> list[Parcel]:
        return [p for p in self.parcels if not p.empty or p.error]


def _elev_props(top, bottom) -> dict:
    out = {}
    if top is not None:
        out["标高上限"] = top
    if bottom is not None:
        out["标高下限"] = bottom
    return out


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
    """Parcels -> polygons in (easting, northing) order. Ring 1 is the shell; a later ring inside
    it is a hole, one outside it another part (MultiPolygon)."""
    raws = []
    for n, pc in enumerate(parcels, 1):
        label = pc.name or f"#{n}"
        if pc.error:
            raws.append(Raw(pc.props, error=pc.error, fid=pc.name))
            continue
        try:
            rings = [k for k in sorted(pc.rings) if pc.rings[k]]
            if 1 not in rings:
                raise ValueError(f"no outer ring (ring 1); rings found: {rings}")
            coords = {k: _ring_coords(pc.rings[k], label if k == 1 else f"{label} ring {k}", notes) for k in rings}
        except ValueError as exc:
            raws.append(Raw(pc.props, error=str(exc), fid=pc.name))
            continue
        shell = shapely.Polygon(coords[1])
        holes, parts = [], []
        for k in rings[1:]:
            ring = shapely.Polygon(coords[k])
            (holes if shell.is_valid and shell.contains(ring.representative_point()) else parts).append(coords[k])
        g = shapely.Polygon(coords[1], holes)
        if parts:
            g = shapely.MultiPolygon([g, *(shapely.Polygon(c) for c in parts)])
        raws.append(Raw(pc.props, g, fid=pc.name))
    return raws


# ------------------------------------------------------------------------ file facts
@dataclass
class Facts:
    """What a file's text says about its coordinates."""

    datum: str | None = None
    zone: int | None = None  # 带号
    width: int | None = None  # 3 or 6 (几度分带, 3度带)
    cm: int | None = None  # 中央子午线
    dms: bool = False  # 度分秒 / ddd.mmss named in a header
    origin: str = "the file"  # where the facts were read


_DATUMS = [
    ("Xian 1980", r"西安\s*(?:19)?80|(?:19)?80\s*年?\s*西安|xian\s*(?:19)?80|西安坐标系"),
    ("Beijing 1954", r"北京\s*(?:19)?54|(?:19)?54\s*年?\s*北京|beijing\s*(?:19)?54|北京坐标系"),
    ("CGCS2000", r"2000\s*国家大地|cgcs\s*2000|国家\s*2000|2000\s*(?:年\s*)?(?:国家)?\s*(?:大地)?坐标系"
                 r"|中国大地坐标系"),
    ("WGS84", r"wgs\s*-?\s*84"),
]


def datum_hint(text: str) -> str | None:
    for name, pattern in _DATUMS:
        if re.search(pattern, text, re.I):
            return name
    return None


def facts_from_text(text: str) -> Facts:
    t = norm(text[:20000])
    f = Facts(datum=datum_hint(t))
    for pattern in (r"带\s*号\s*[=:]?\s*(\d{2})(?!\d)", r"第\s*(\d{2})\s*带", r"(?<![\d.])(\d{2})\s*带(?![宽号])"):
        m = re.search(pattern, t)
        if m:
            f.zone = int(m.group(1))
            break
    m = re.search(r"(?:几度分带|分带)\s*[=:]?\s*([36])\b|([36三六])\s*[°度]\s*(?:分\s*)?带", t)
    if m:
        w = m.group(1) or m.group(2)
        f.width = {"三": 3, "六": 6}.get(w) or int(w)
    m = re.search(r"中央(?:子午线|经线)\s*[=:]?\s*(\d{2,3})", t)
    if m:
        f.cm = int(m.group(1))
    if re.search(r"度\s*分\s*秒|°'\"|ddd\.?mmss|dd\.?mmss|度分秒", text[:20000], re.I):
        f.dms = True
    return f


# ------------------------------------------------------------------------ tables
def _norm_header(h) -> str:
    s = norm(h or "").lower()
    s = re.sub(r"\([^)]*\)", "", s)
    return re.sub(r"[\s_:=]", "", s)


HEADERS = {
    "point": {"点号", "拐点编号", "拐点号", "拐点", "界址点号", "点名", "序号", "point", "pt", "pointno", "no", "编号",
              "拐点序号", "点"},
    "x": {"x", "x坐标", "纵坐标", "北坐标", "northing", "north", "n", "x坐标值", "纵坐标x", "x纵坐标", "北坐标x",
          "x值", "x(m)", "坐标x"},
    "y": {"y", "y坐标", "横坐标", "东坐标", "easting", "east", "e", "y坐标值", "横坐标y", "y横坐标", "东坐标y",
          "y值", "y(m)", "坐标y"},
    "lat": {"纬度", "lat", "latitude", "b", "北纬"},
    "lon": {"经度", "lon", "lng", "long", "longitude", "l", "东经"},
    "ring": {"圈号", "环号", "ring"},
}
_PARCEL_HEADER = re.compile(r"^(?:" + "|".join(PARCEL_WORDS) + r"|parcel|block|area)(?:号|名|名称|编号|号码)?$")


def _role(h) -> str | None:
    k = _norm_header(h)
    if not k:
        return None
    for role, names in HEADERS.items():
        if k in names:
            return role
    if _PARCEL_HEADER.match(k):
        return "parcel"
    return None


@dataclass
class _Group:
    a: int  # X (northing) or latitude column
    b: int  # Y (easting) or longitude column
    no: int | None


def _groups(roles: list[str | None]) -> tuple[list[_Group], bool] | None:
    """The point column groups of a header row: (point,) X, Y — or 纬度, 经度 — once or side by side."""
    for first, second, degrees in (("x", "y", False), ("lat", "lon", True)):
        xs = [i for i, r in enumerate(roles) if r == first]
        ys = [i for i, r in enumerate(roles) if r == second]
        if not xs or not ys or len(xs) != len(ys):
            continue
        groups = []
        for i, (a, b) in enumerate(zip(sorted(xs), sorted(ys), strict=True)):
            lo = min(a, b)
            prev = max(sorted(xs)[i - 1], sorted(ys)[i - 1]) if i else -1
            nos = [k for k, r in enumerate(roles) if r == "point" and prev < k < lo]
            groups.append(_Group(a, b, nos[-1] if nos else None))
        return groups, degrees
    return None


def cell_text(v) -> str:
    """A table cell as text (whole floats below 10000 as integers: point numbers)."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e4:
        return str(int(v))
    return str(v).strip()


def _sentence(cells: list[str]) -> str | None:
    """A row whose non-empty cells all hold the same text (a merged cell across the table)."""
    vals = {c for c in cells if c}
    return vals.pop() if len(vals) == 1 and sum(1 for c in cells if c) >= 1 else None


def parse_table(rows: list[tuple[str, list]], path: str, unit: str = "row") -> list[Parcel] | None:
    """A table with a header naming X/Y (or 纬度/经度) columns, once or side by side; rows above
    it (titles) are skipped. Returns None when no such header is found (the caller reads the
    table as lines)."""
    rows = [(w, [cell_text(c) for c in cells], list(cells)) for w, cells in rows]
    if not any(any(c) for _w, c, _r in rows):
        raise InputError("empty table", path=path)
    found = None
    for i, (_w, cells, _raw) in enumerate(rows[:40]):
        roles = [_role(c) for c in cells]
        g = _groups(roles)
        if g:
            found = (i, roles, g)
            break
    if found is None:
        return None
    hdr_at, roles, (groups, _degrees) = found
    header = rows[hdr_at][1]
    pcol = next((i for i, r in enumerate(roles) if r == "parcel"), None)
    rcol = next((i for i, r in enumerate(roles) if r == "ring"), None)
    used = {pcol, rcol} | {k for g in groups for k in (g.a, g.b, g.no)}
    attr_cols = [(i, h) for i, h in enumerate(header) if i not in used and h]
    attr_index = {i for i, _h in attr_cols}
    asm = Assembler(keyed=pcol is not None)
    current = None
    segment: list[list] = [[] for _ in groups]  # per group: (where, no, xa, yb) of the rows of one segment

    def flush():
        order = _segment_order(segment)
        for where, no, xa, yb, ring, k in order:
            try:
                a, da = parse_coord(xa, f"{unit} {where}: {header[groups[k].a]}")
                b, db = parse_coord(yb, f"{unit} {where}: {header[groups[k].b]}")
            except ValueError as exc:
                asm.error(str(exc))
                continue
            if a == 0 and b == 0:
                asm.terminate()
                continue
            if ring is not None:
                asm._open().ring = ring
            asm.point(no, a, b, f"{unit} {where}", da or db)
        for s in segment:
            s.clear()

    for where, cells, raw in rows[hdr_at + 1:]:
        cells = cells + [""] * (len(header) - len(cells))
        raw = raw + [None] * (len(header) - len(raw))
        if not any(cells):
            flush()
            if pcol is None:
                asm.brk()
            continue
        if all(_role(c) == r for c, r in zip(cells, roles, strict=False) if c) and any(_role(c) for c in cells):
            flush()  # the header again (a table continued on a new page)
            continue
        filled = {i for i, c in enumerate(cells) if c}
        sentence = _sentence(cells) if not filled <= attr_index else None  # a note in an attribute column stays one
        if sentence is not None and not any(_NUM.match(c.replace(" ", "")) for c in cells if c):
            flush()
            if (pcol is not None and cells[pcol] == sentence and not _elevation(norm(sentence))
                    and len(sentence) <= 30 and not _NOT_HEADING.search(sentence)):
                current = sentence  # a parcel name on a row of its own
                asm.heading(current, {header[pcol]: current})
            else:
                _text_event(asm, norm(sentence), raw=sentence)
            continue
        if pcol is not None and cells[pcol] and cells[pcol] != current:
            flush()
            current = cells[pcol]
            asm.heading(current, {header[pcol]: current})
        for k, g in enumerate(groups):
            if not cells[g.a] and not cells[g.b]:
                continue
            no = cells[g.no] if g.no is not None else ""
            ring = None
            if rcol is not None and cells[rcol]:
                try:
                    ring = int(parse_number(cells[rcol], f"{unit} {where}: {header[rcol]}"))
                except ValueError as exc:
                    asm.error(str(exc))
                    continue
            xa = raw[g.a] if raw[g.a] is not None else ""
            yb = raw[g.b] if raw[g.b] is not None else ""
            segment[k].append((where, no, xa, yb, ring, k))
        if attr_cols:
            pc = asm._open() if any(segment) else asm.cur
            if pc is not None:
                for i, h in attr_cols:
                    if cells[i] and h not in pc.props:
                        pc.props[h] = raw[i]
    flush()
    parcels = asm.result()
    if not parcels:
        raise InputError("header only: no corner points", path=path)
    return parcels


def _segment_order(segment: list[list]) -> list:
    """Rows of side-by-side point columns in reading order: down the left column, then down the
    right one — unless the point numbers run across the rows (1 | 2, 3 | 4 …)."""
    if len(segment) == 1:
        return list(segment[0])
    down = [r for s in segment for r in s]
    longest = max(len(s) for s in segment)
    across = [s[i] for i in range(longest) for s in segment if i < len(s)]

    def runs(seq):
        try:
            nums = [int(r[1]) for r in seq]
        except ValueError:
            return False
        return all(b == a + 1 for a, b in itertools.pairwise(nums))

    if not runs(down) and runs(across) and len(across) == len(down):
        return across
    return down


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
_ELEV_CSV = re.compile(r"^\s*(?:标高|开采深度|开采标高|elevation)\s*[,\s]\s*([^,\s]*)\s*[,\s]\s*([^,\s]*)")
_ELEV_WORDS = re.compile(r"标高|深度|米至|m至|至\s*[+-]?\d")


def _elevation(line: str):
    """An elevation line -> (top, bottom) texts, or None."""
    m = _ELEV_CSV.match(line)
    if m:
        return m.group(1), m.group(2)
    if _ELEV_WORDS.search(line):
        m = _ELEV.search(line)
        if m:
            return m.group(1), m.group(2)
        if re.search(r"标高|深度", line) and not re.search(r"\d", line):
            return "", ""  # an empty elevation line
    return None


def _num_or_none(t: str, where: str) -> float | None:
    return parse_number(t, where) if t.strip() else None


_NOT_HEADING = re.compile(r"坐标|一览|由\s*\d*\s*个|圈定|面积|拐点|[XxYy]\s*[,\s]|编号\s*[,\s]")


def _is_heading(line: str) -> bool:
    """A short line naming a parcel (二号区块, 一采区, 区域2, 矿段: 东段), not a sentence about the table."""
    return bool(_PARCEL_RE.search(line)) and len(line) <= 30 and not _NOT_HEADING.search(line)


def _text_event(asm: Assembler, line: str, where: str = "", raw: str | None = None) -> bool:
    """A line of words: an elevation sentence, a parcel heading, or other text (a break)."""
    elev = _elevation(line)
    if elev:
        try:
            asm.elevation(_num_or_none(elev[0], where), _num_or_none(elev[1], where))
        except ValueError as exc:
            asm.error(str(exc))
        return True
    if _is_heading(line):
        asm.heading((raw or line).strip(" :,：，")[:60])
        return True
    asm.brk()
    return False


def _terminator_line(asm: Assembler, line: str, where: str) -> None:
    """``*,起标高,止标高,采区名,1,`` ends the ring; its name and elevations are of that parcel."""
    fields = [f.strip() for f in norm(line).lstrip("*").split(",")]
    fields = fields[1:] if fields and fields[0] == "" else fields
    fields += [""] * (4 - len(fields))
    try:
        top, bottom = _num_or_none(fields[0], f"{where}: 起标高"), _num_or_none(fields[1], f"{where}: 止标高")
    except ValueError as exc:
        asm.error(str(exc))
        top = bottom = None
    hole = fields[3] == "-1"
    asm.terminate(fields[2] or None, top, bottom, hole=hole)


def _point_tokens(asm: Assembler, toks: list[str], kinds: list[str], where: str) -> str | None:
    """Corner points on one line: ``no X Y`` triples, ``X Y`` pairs, any number of them; a zero
    pair ends the ring. Returns an error text, or None."""
    i = 0
    n = 0
    while i < len(toks):
        no = ""
        if kinds[i] == "label":
            no = toks[i]
            i += 1
        if i + 1 >= len(toks) or kinds[i] != "coord" or kinds[i + 1] != "coord":
            return f"{where}: cannot read {' '.join(toks)!r} as corner points (point, X, Y)"
        try:
            a, da = parse_coord(toks[i], f"{where}: X")
            b, db = parse_coord(toks[i + 1], f"{where}: Y")
        except ValueError as exc:
            return str(exc)
        i += 2
        n += 1
        if a == 0 and b == 0:
            asm.terminate()
            continue
        asm.point(no, a, b, where, da or db)
    return None


def parse_lines(lines: list[str], path: str, *, unit: str = "line") -> list[Parcel]:
    """Text of corner points in any of the copied layouts: ``point X Y`` lines; all corners on one
    line; two per line with circled numbers; bare ``X,Y`` (or ``lon,lat``) lines; parcel headings;
    elevation lines; ``*`` and zero terminators. Any other line ends the current parcel."""
    asm = Assembler()
    for n, raw in enumerate(lines, 1):
        where = f"{unit} {n}"
        line = norm(raw)
        if not line:
            asm.brk()
            continue
        if line.startswith("*"):
            _terminator_line(asm, line, where)
            continue
        toks = tokens(line)
        kinds = [classify(t) for t in toks]
        if "text" not in kinds and kinds.count("coord") >= 2:
            err = _point_tokens(asm, toks, kinds, where)
            if err:
                asm.error(err)
            continue
        if re.match(r"^[A-Za-z]{0,3}\d{1,4}\s*[\s,]", line) and sum(k == "coord" for k in kinds) >= 1 \
                and not _ELEV_WORDS.search(line):
            # a point line with a broken number: name it
            for t, k in zip(toks[1:3], kinds[1:3], strict=False):
                if k != "coord":
                    axis = "X" if t == toks[1] else "Y"
                    asm.error(f"{where}: {axis}: {t!r} is not a number")
                    break
            continue
        _text_event(asm, line, where, raw.strip())
    parcels = asm.result()
    if not parcels:
        raise InputError("no corner-point lines (point, X, Y) found", path=path)
    return parcels


def table_lines(rows: list[tuple[str, list]]) -> list[tuple[str, str]]:
    """A table without an X/Y header, as text lines: a multi-line cell gives its lines (all
    corners of a right in one cell, after a line naming the row's other cells)."""
    out = []
    for where, cells in rows:
        texts = [cell_text(c) for c in cells]
        multi = [t for t in texts if "\n" in t]
        if multi:
            others = [t for t in texts if t and "\n" not in t and not _NUM.match(t)]
            if others:
                out.append((where, "区块 " + " ".join(others)))
            for t in multi:
                out.extend((where, ln) for ln in t.splitlines())
            out.append((where, ""))
        else:
            out.append((where, "  ".join(t for t in texts if t)))
    return out


_BAOPAN = re.compile(r"^\s*XY(\d+)\s*=\s*(.*)$", re.I)


def is_baopan(lines: list[str]) -> bool:
    """Text with ``XYnnn=`` point lines (报盘)."""
    return any(_BAOPAN.match(line) for line in lines)


def parse_baopan(lines: list[str], path: str) -> tuple[list[Parcel], dict]:
    """报盘 registration text: ``XY001=1,2588801.00,39438457.00`` point lines and
    ``XY005=标高,220,100,,1`` elevation lines (which end a ring; empty elevations allowed);
    other ``key=value`` lines become attributes of every parcel."""
    attrs: dict = {}
    asm = Assembler()
    for n, raw in enumerate(lines, 1):
        line = norm(raw)
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
            fields += ["", ""]
            try:
                top = _num_or_none(fields[1], f"{where}: upper elevation")
                bottom = _num_or_none(fields[2], f"{where}: lower elevation")
            except ValueError as exc:
                raise InputError(str(exc), path=path) from None
            if asm.cur is None or asm.cur.empty:
                raise InputError(f"{where}: elevation line before any point", path=path)
            asm.terminate(None, top, bottom)
            continue
        if len(fields) < 3:
            raise InputError(f"{where}: expected XYnnn=point,X,Y", path=path)
        try:
            a, da = parse_coord(fields[1], f"{where}: X")
            b, db = parse_coord(fields[2], f"{where}: Y")
        except ValueError as exc:
            asm.error(str(exc))
            continue
        asm.point(fields[0], a, b, where, da or db)
    parcels = asm.result()
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
        line = norm(raw)
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
    if not parcels:
        raise InputError("no [地块坐标] parcels found", path=path)
    return parcels, header


def bubiao_facts(header: dict) -> Facts:
    """The CRS facts of a 部标 header: datum from 坐标系, zone width from 几度分带, zone from 带号."""
    f = Facts(datum=datum_hint(header.get("坐标系", "")), origin="[属性描述] of the file")
    zone = header.get("带号", "").strip()
    if zone.isdigit():
        f.zone = int(zone)
    width = header.get("几度分带", "").strip()
    if width in ("3", "6"):
        f.width = int(width)
    return f


# ------------------------------------------------------------------------ coordinate strings
# One polygon written in one attribute of a table row (a plan pack's ``coordinates`` option):
# the planning database's GDZB ``X1,Y1;X2,Y2;…`` and the national ring string
# ``区域数,拐点数,x,y,…`` with ``*`` ring markers. Both go through the :class:`Assembler` and
# :func:`to_raws`, as the corner tables do.
COORDINATE_FORMATS = ("gdzb", "rings")
ANGLE_FORMATS = ("dddmmss",)


def _string_coord(token: str, what: str, angle: str | None, axis: str) -> float:
    """One number of a coordinate string: metres, or with ``angle="dddmmss"`` packed degrees
    (``1185248.5`` = 118°52′48.5″; written with ° ′ ″ it is read as such). ``axis`` is
    "lat" or "lon" for angles. Raises ValueError naming ``what``."""
    value, symbols = parse_coord(token, what)
    if angle is None or symbols:
        degrees = value
    else:
        a = abs(value)
        minutes = math.floor(a / 100) % 100
        seconds = a - math.floor(a / 100) * 100
        if minutes >= 60 or seconds >= 60:
            raise ValueError(f"{what}: {token!r} is not DDDMMSS (minutes or seconds not below 60)")
        degrees = math.copysign(math.floor(a / 10000) + minutes / 60 + seconds / 3600, value)
    if angle is not None:
        limit = 90 if axis == "lat" else 180
        if abs(degrees) > limit:
            name = "latitude (first of each pair)" if axis == "lat" else "longitude (second of each pair)"
            raise ValueError(f"{what}: {token!r} is not a {name}: {degrees:.4f}°")
    return degrees


def _string_fields(text: str) -> list[str]:
    """Comma-separated fields of a string (full-width punctuation normalised), empties kept."""
    s = norm(str(text).replace("\r", "\n").replace("\n", ","))
    fields = [f.strip() for f in re.split(r"[,;]", s)]
    while fields and fields[-1] == "":
        fields.pop()
    return fields


def parse_gdzb(text, *, angle: str | None = None) -> Parcel:
    """GDZB ``X1,Y1;X2,Y2;…``: one ring, X the northing and Y the easting (metres), or with
    ``angle="dddmmss"`` latitude and longitude as DDMMSS / DDDMMSS. Errors land on the parcel."""
    asm = Assembler(keyed=True)
    pairs = [p.strip() for p in norm(str(text)).split(";")]
    while pairs and pairs[-1] == "":
        pairs.pop()
    if not pairs:
        asm.error("empty coordinate string")
    for n, pair in enumerate(pairs, 1):
        where = f"point {n}"
        parts = [p.strip() for p in pair.split(",")]
        if len(parts) != 2 or not all(parts):
            asm.error(f"{where}: expected X,Y, got {pair!r}")
            break
        try:
            x = _string_coord(parts[0], f"{where}: X", angle, "lat")
            y = _string_coord(parts[1], f"{where}: Y", angle, "lon")
        except ValueError as exc:
            asm.error(str(exc))
            break
        asm.point(str(n), x, y, where)
    return asm.parcels[0]


def parse_ring_string(text, *, angle: str | None = None) -> Parcel:
    """The national ring string ``区域数,拐点数,x,y,x,y,…``: the number of rings, then for each ring
    its number of corners and the corners — ``x,y`` pairs, or ``no,x,y`` triples when each pair is
    preceded by a point number — and optionally a ring marker ``*,起标高,止标高,名称,标识`` (标识 -1:
    a hole). A later ring inside the first is a hole, outside it another part. Errors land on the parcel."""
    asm = Assembler(keyed=True)
    fields = _string_fields(text)
    parcel = asm._open()

    def count(i: int, what: str) -> int:
        if i >= len(fields):
            raise ValueError(f"the string ends where {what} is expected")
        try:
            value = float(fields[i])
        except ValueError:
            raise ValueError(f"{what}: {fields[i]!r} is not a whole number") from None
        if value != int(value) or value < 1:
            raise ValueError(f"{what}: {fields[i]!r} is not a whole number above 0")
        return int(value)

    try:
        rings = count(0, "区域数 (the number of rings)")
        i = 1
        for r in range(1, rings + 1):
            while i < len(fields) and fields[i] == "":  # the empty field after a marker's 标识 (``…,1,``)
                i += 1
            corners = count(i, f"ring {r}: 拐点数 (the number of corners)")
            i += 1
            body = fields[i:]
            numbered = len(body) >= 3 * corners and all(classify(body[3 * k]) == "label" for k in range(corners))
            step = 3 if numbered else 2
            if len(body) < step * corners:
                raise ValueError(f"ring {r} declares {corners} corners but the string ends after "
                                 f"{len(body) // step}")
            for k in range(corners):
                no = body[step * k] if numbered else str(k + 1)
                a, b = body[step * k + step - 2], body[step * k + step - 1]
                where = f"ring {r} point {k + 1}"
                if "*" in (a, b):
                    raise ValueError(f"ring {r} declares {corners} corners but its marker '*' comes after {k}")
                asm.point(no, _string_coord(a, f"{where}: x", angle, "lat"),
                          _string_coord(b, f"{where}: y", angle, "lon"), where)
            i += step * corners
            if i < len(fields) and fields[i] == "*":
                marker = [*fields[i + 1:i + 5], "", "", "", ""][:4]
                top = _num_or_none(marker[0], f"ring {r} marker: 起标高")
                bottom = _num_or_none(marker[1], f"ring {r} marker: 止标高")
                if marker[3] not in ("", "1", "-1", "0"):
                    raise ValueError(f"ring {r} marker: 标识 {marker[3]!r} is not 1 or -1")
                asm.terminate(marker[2] or None, top, bottom)
                i += 5
            else:
                asm.terminate()
        extra = [f for f in fields[i:] if f]
        if extra:
            raise ValueError(f"{len(extra)} field(s) left after the {rings} ring(s) declared: {', '.join(extra[:3])}…")
        found = len([k for k in parcel.rings if parcel.rings[k]])
        if found != rings:
            raise ValueError(f"declares {rings} ring(s), found {found}")
    except ValueError as exc:
        asm.error(str(exc))
    return parcel


def string_polygon(text, fmt: str, *, angle: str | None = None):
    """A coordinate string -> a shapely polygon in (easting, northing) or (lon, lat) order.
    Raises ValueError with what is wrong."""
    if fmt not in COORDINATE_FORMATS:
        raise ValueError(f"unknown coordinate format {fmt!r} (known: {', '.join(COORDINATE_FORMATS)})")
    if text is None or (isinstance(text, float) and text != text) or str(text).strip() == "":
        raise ValueError("empty coordinate string")
    parcel = (parse_gdzb if fmt == "gdzb" else parse_ring_string)(text, angle=angle)
    raw = to_raws([parcel], [])[0]
    if raw.error:
        raise ValueError(raw.error)
    if not raw.geom.is_valid:
        raise ValueError(f"invalid polygon: {shapely.is_valid_reason(raw.geom)}")
    return raw.geom

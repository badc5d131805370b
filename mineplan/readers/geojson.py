"""GeoJSON: FeatureCollection, a single Feature or a bare geometry (RFC 7946, plus the legacy
``crs`` member of the 2008 spec).

The structure is checked here, on the parsed JSON, before shapely sees it: shapely would
silently close an unclosed ring and accept coordinates written as strings.
"""

from __future__ import annotations

import json
import re

import shapely

from mineplan import crs as crsmod
from mineplan.errors import InputError
from mineplan.readers._core import Raw

GEOMETRY_TYPES = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                  "MultiPolygon": 3}


class StructureError(Exception):
    """A feature-level structural problem (one line)."""


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _position(p, where: str) -> tuple:
    if not isinstance(p, list):
        raise StructureError(f"{where}: a position must be an array of 2 or 3 numbers, not {_show(p)}")
    if not 2 <= len(p) <= 3:
        raise StructureError(f"{where}: a position must have 2 or 3 numbers, not {len(p)}")
    for v in p:
        if not _is_number(v):
            raise StructureError(f"{where}: coordinate {_show(v)} is not a number")
        # a non-finite number (NaN, Infinity) is refused in finish(), like in every other format
    try:
        return tuple(float(v) for v in p)
    except OverflowError:  # a JSON integer of hundreds of digits
        raise StructureError(f"{where}: coordinate {_show(p)} is too large to be a number") from None


def _show(v) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 40 else s[:37] + "..."


def _plain(arr: list) -> bool:
    """Every position a list of 2 (or every one of 3) JSON numbers: the common case, checked
    without building tuples (any other case goes through :func:`_position` for its message)."""
    if not arr or type(arr[0]) is not list:
        return False
    n = len(arr[0])
    if n not in (2, 3):
        return False
    for p in arr:
        if type(p) is not list or len(p) != n:
            return False
        for v in p:
            t = type(v)
            if t is not float and (t is not int or not -1e300 < v < 1e300):
                return False
    return True


def _positions(arr, where: str, minimum: int) -> list:
    if not isinstance(arr, list):
        raise StructureError(f"{where}: expected an array of positions, not {_show(arr)}")
    pts = arr if _plain(arr) else [_position(p, f"{where} position {i + 1}") for i, p in enumerate(arr)]
    if len(pts) < minimum:
        raise StructureError(f"{where}: needs at least {minimum} positions, has {len(pts)}")
    return pts


def _ring(arr, where: str) -> list[tuple]:
    pts = _positions(arr, where, 0)
    if len(pts) < 4:
        raise StructureError(f"{where}: a ring needs at least 4 positions (first = last), has {len(pts)}")
    if pts[0][:2] != pts[-1][:2]:
        first, last = (tuple(float(v) for v in q[:2]) for q in (pts[0], pts[-1]))
        raise StructureError(f"{where} is not closed: first position {first} differs from last {last}")
    return pts


def _polygon(arr, where: str) -> list[list[tuple]]:
    if not isinstance(arr, list) or (arr and not isinstance(arr[0], list)):
        raise StructureError(f"{where}: expected an array of rings, not {_show(arr)}")
    for i, ring in enumerate(arr):
        if not isinstance(ring, list) or (ring and not isinstance(ring[0], list)):
            raise StructureError(f"{where} ring {i + 1}: expected an array of positions, not {_show(ring)}")
    return [_ring(ring, f"{where} ring {i + 1}") for i, ring in enumerate(arr)]


def _depth(v) -> int:
    d = 0
    while isinstance(v, list) and v:
        v = v[0]
        d += 1
    return d


def geometry(obj) -> shapely.Geometry:
    """A GeoJSON geometry object -> shapely (in file numbers), or :class:`StructureError`."""
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise StructureError(f"geometry must be an object or null, not {_show(obj)}")
    gtype = obj.get("type")
    if gtype is None:
        raise StructureError("geometry has no 'type'")
    _check_bbox(obj)
    if gtype == "GeometryCollection":
        raise StructureError("GeometryCollection is not supported (one geometry per feature)")
    if gtype not in GEOMETRY_TYPES:
        raise StructureError(f"unknown geometry type {_show(gtype)}")
    if "coordinates" not in obj:
        raise StructureError(f"{gtype} has no 'coordinates'")
    c = obj["coordinates"]
    if c is None or c == []:
        return shapely.from_wkt(f"{gtype.upper()} EMPTY")
    if not isinstance(c, list):
        raise StructureError(f"{gtype} coordinates must be an array, not {_show(c)}")
    want = GEOMETRY_TYPES[gtype] + 1
    got = _depth(c)
    if got != want and not (got < want and _depth_has_empty(c)):
        raise StructureError(f"{gtype} coordinates nested {got} deep, expected {want} "
                             f"(is it really a {gtype}?)")
    if gtype == "Point":
        return shapely.Point(_position(c, "Point"))
    if gtype == "MultiPoint":
        return shapely.MultiPoint(_positions(c, "MultiPoint", 1))
    if gtype == "LineString":
        return shapely.LineString(_positions(c, "LineString", 2))
    if gtype == "MultiLineString":
        return shapely.MultiLineString([_positions(p, f"MultiLineString part {i + 1}", 2) for i, p in enumerate(c)])
    if gtype == "Polygon":
        rings = _polygon(c, "Polygon")
        return shapely.Polygon(rings[0], rings[1:]) if rings else shapely.Polygon()
    parts = []
    for i, p in enumerate(c):
        rings = _polygon(p, f"MultiPolygon part {i + 1}")
        if not rings:
            raise StructureError(f"MultiPolygon part {i + 1} is empty")
        parts.append(shapely.Polygon(rings[0], rings[1:]))
    return shapely.MultiPolygon(parts)


def _depth_has_empty(c) -> bool:
    v = c
    while isinstance(v, list):
        if not v:
            return True
        v = v[0]
    return False


def _check_bbox(obj: dict) -> None:
    if "bbox" not in obj:
        return
    bb = obj["bbox"]
    if not isinstance(bb, list) or len(bb) not in (4, 6) or not all(_is_number(v) for v in bb):
        raise StructureError(f"bbox must be an array of 4 or 6 numbers, not {_show(bb)}")


def _legacy_crs(doc: dict, path: str) -> crsmod.SourceCRS | None:
    member = doc.get("crs")
    if member is None:
        return None
    name = None
    if isinstance(member, dict):
        props = member.get("properties")
        if member.get("type") == "name" and isinstance(props, dict):
            name = props.get("name")
        elif member.get("type") == "EPSG" and isinstance(props, dict):
            name = f"EPSG:{props.get('code')}"
    if not isinstance(name, str):
        raise InputError(f"unreadable 'crs' member {_show(member)}", path=path)
    m = re.fullmatch(r"urn:ogc:def:crs:(\w+):[\d.]*:(\w+)", name.strip(), flags=re.I)
    if m:
        auth, code = m.group(1).upper(), m.group(2)
        name = "OGC:CRS84" if (auth, code.upper()) == ("OGC", "CRS84") else f"{auth}:{code}"
    return crsmod.parse_crs(name, path=path)


def _feature(obj) -> Raw:
    if not isinstance(obj, dict):
        return Raw({}, error=f"feature must be an object, not {_show(obj)}")
    if obj.get("type") != "Feature":
        return Raw({}, error=f"expected a Feature, found type {_show(obj.get('type'))}")
    props = obj.get("properties", {})
    fid = obj.get("id")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        return Raw({}, fid=fid, error=f"properties must be an object or null, not {_show(props)}")
    if fid is not None and (not isinstance(fid, (str, int, float)) or isinstance(fid, bool)):
        return Raw(props, error=f"feature id must be a string or a number, not {_show(fid)}")
    if "geometry" not in obj:
        return Raw(props, fid=fid, error="feature has no 'geometry' member")
    try:
        _check_bbox(obj)
        g = geometry(obj["geometry"])
    except StructureError as exc:
        return Raw(props, fid=fid, error=str(exc))
    return Raw(props, g, fid=fid)


def parse(path, data: bytes, notes: list[str]):
    """-> (raws, declared SourceCRS or None). File-level problems raise InputError."""
    path_s = str(path)
    if not data.strip():
        raise InputError("empty file", path=path_s)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
            notes.append("file is not UTF-8; decoded as GBK/GB18030")
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", path=path_s) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", path=path_s) from None
    except RecursionError:
        raise InputError("JSON nested too deeply to be GeoJSON (arrays or objects thousands of levels deep)",
                         path=path_s) from None
    if not isinstance(doc, dict):
        raise InputError(f"not a GeoJSON object (top level is {type(doc).__name__})", path=path_s)
    declared = _legacy_crs(doc, path_s)
    t = doc.get("type")
    if t == "FeatureCollection":
        feats = doc.get("features")
        if feats is None:
            raise InputError("FeatureCollection has no 'features' member", path=path_s)
        if not isinstance(feats, list):
            raise InputError(f"'features' must be an array, not {type(feats).__name__}", path=path_s)
        if not feats:
            raise InputError("no features", path=path_s)
        try:
            _check_bbox(doc)
        except StructureError as exc:
            raise InputError(str(exc), path=path_s) from None
        return [_feature(f) for f in feats], declared
    if t == "Feature":
        return [_feature(doc)], declared
    if t in GEOMETRY_TYPES or t == "GeometryCollection":
        try:
            g = geometry(doc)
        except StructureError as exc:
            return [Raw({}, error=str(exc))], declared
        return [Raw({}, g)], declared
    if t is None and "coordinates" in doc:
        raise InputError("geometry has no 'type'", path=path_s)
    raise InputError(f"unknown GeoJSON type {_show(t)} (expected FeatureCollection, Feature or a geometry; "
                     "type names are case-sensitive)", path=path_s)


# ------------------------------------------------------------------------ streaming
#: the largest feature the streaming reader holds in memory (characters)
MAX_FEATURE_CHARS = 64 * 2**20
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _Stream:
    """A JSON text read block by block; :meth:`value` decodes one value at the cursor."""

    def __init__(self, fh, path: str):
        import codecs

        self.fh = fh
        self.path = path
        self.dec = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.started = False

    def fill(self) -> bool:
        if self.eof:
            return False
        data = self.fh.read(1 << 20)
        try:
            text = self.dec.decode(data, final=not data)
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text (a GBK GeoJSON is read whole: convert it to UTF-8 to stream it)",
                             path=self.path) from None
        if not self.started:
            text = text.lstrip("\ufeff")
            self.started = True
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        if not data:
            self.eof = True
        return bool(data) or bool(text)

    def peek(self) -> str:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def expect(self, ch: str) -> None:
        got = self.peek()
        if got != ch:
            raise InputError(f"not JSON: expected {ch!r}, found {got or 'the end of the file'!r}", path=self.path)
        self.pos += 1

    def value(self):
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if not self.eof and len(self.buf) - self.pos < MAX_FEATURE_CHARS and self.fill():
                    continue  # the value goes on in the next block
                raise InputError(f"not JSON: {exc.msg} (character {exc.pos - self.pos} of a feature)",
                                 path=self.path) from None
            except RecursionError:
                raise InputError("JSON nested too deeply to be GeoJSON", path=self.path) from None
            if end == len(self.buf) and not self.eof and self.fill():
                continue  # a number may go on in the next block
            self.pos = end
            return obj


def _tail_has_crs(fh) -> bool:
    """Whether a ``"crs"`` key follows the last ``]`` of the file (a legacy crs member written
    after the features)."""
    import os

    size = fh.seek(0, os.SEEK_END)
    fh.seek(max(0, size - (1 << 20)))
    tail = fh.read()
    fh.seek(0)
    return b'"crs"' in tail[tail.rfind(b"]") + 1:]


def _after_features(s: _Stream, path: str) -> None:
    """The members after ``features``: a crs member there came too late for the features read."""
    while True:
        c = s.peek()
        if c in ("}", ""):
            return
        if c == ",":
            s.pos += 1
            continue
        key = s.value()
        s.expect(":")
        s.value()
        if key == "crs":
            raise InputError("the 'crs' member follows the features: write it before them to read this large "
                             "file in chunks (or name the CRS with --crs)", path=path)


def stream(path) -> tuple[crsmod.SourceCRS | None, object] | None:
    """A FeatureCollection read feature by feature: (declared CRS, iterator of :class:`Raw`), with
    the same structural checks as :func:`parse`. None when the file is not a FeatureCollection
    whose members before ``features`` tell its CRS (the caller then reads it whole)."""
    path_s = str(path)
    fh = open(path, "rb")  # noqa: SIM115 -- kept open by the returned iterator, which closes it
    try:
        if _tail_has_crs(fh):
            fh.close()
            return None  # a crs member may follow the features: read whole
        s = _Stream(fh, path_s)
        if s.peek() != "{":
            fh.close()
            return None
        s.pos += 1
        members: dict = {}
        while True:
            c = s.peek()
            if c == ",":
                s.pos += 1
                continue
            if c in ("}", ""):
                fh.close()
                return None
            key = s.value()
            s.expect(":")
            if key == "features":
                break
            members[key] = s.value()
        if members.get("type") != "FeatureCollection" or s.peek() != "[":
            fh.close()
            return None
        declared = _legacy_crs(members, path_s)
        s.pos += 1
    except BaseException:
        fh.close()
        raise

    def raws():
        try:
            first = True
            while True:
                c = s.peek()
                if c == "]":
                    s.pos += 1
                    _after_features(s, path_s)
                    return
                if not first:
                    if c != ",":
                        raise InputError(f"not JSON: expected ',' or ']' between features, found {c!r}", path=path_s)
                    s.pos += 1
                first = False
                yield _feature(s.value())
        finally:
            fh.close()

    return declared, raws()

"""The rights registry: granted and pending rights in a GeoPackage, with an audit trail.

The registry is one GeoPackage (a SQLite file) written with :mod:`sqlite3` directly:

* ``rights`` — a feature table (geometry column ``geom`` in the plan pack's work CRS, ``[plan] crs``,
  whose EPSG code is the table's ``srs_id``; Changle: 4549) with
  ``id`` (unique), ``holder``, ``right_type``, ``mineral``, ``method``, ``stage``,
  ``annual_output``, ``output_unit``, ``licence_start``, ``licence_end``, ``status``,
  ``green_mine``. Values are canonical (:class:`mineplan.applications.Normaliser`).
* ``audit`` — every change: ``seq``, ``when`` (UTC), ``who``, ``action``, ``right_id``,
  ``field``, ``old``, ``new``.
* ``meta`` — ``schema_version``, ``uuid`` and ``changes`` (a counter bumped by every write).

Beside it: ``<file>.rtree.dat/.idx`` (an on-disk :mod:`rtree` index of the rights' bounds,
updated incrementally), ``<file>.rtree.json`` (the registry uuid and change counter the index
was last brought up to) and ``<file>.lock`` (a file lock serialising writers). An index whose
sidecar does not match the registry, or whose size does not match the table, is rebuilt.

Every write is one SQLite transaction (``BEGIN IMMEDIATE``): an import is all or nothing, and a
process killed in the middle leaves the registry as it was. See ``docs/registry.md``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import math
import os
import re
import sqlite3
import struct
import uuid as uuidmod
from pathlib import Path
from typing import Any

from mineplan.errors import InputError, MineplanError

SCHEMA_VERSION = 1
STATUSES = ("granted", "pending", "expired", "revoked")
#: The statuses whose rights count against caps, holders and overlaps.
COUNTING = ("granted", "pending")
#: The columns of :meth:`Registry.existing_rights`, in order (then ``geometry``).
COLUMNS = ("id", "holder", "right_type", "mineral", "method", "stage", "annual_output", "output_unit",
           "status", "licence_start", "licence_end", "green_mine")
_SQL_TYPES = {"annual_output": "REAL", "licence_start": "DATE", "licence_end": "DATE", "green_mine": "BOOLEAN",
              "id": "TEXT NOT NULL UNIQUE", "status": "TEXT NOT NULL"}
BUSY_TIMEOUT_S = 60.0

STATUS_ALIASES = {
    "granted": ("granted", "valid", "active", "有效", "已登记", "登记", "已颁发", "颁发", "已授予", "已出让"),
    "pending": ("pending", "applied", "申请中", "待批", "待审批", "审批中", "拟设", "拟投放"),
    "expired": ("expired", "过期", "已过期", "到期", "已到期"),
    "revoked": ("revoked", "cancelled", "canceled", "注销", "已注销", "吊销", "已吊销", "撤销", "已撤销"),
}
#: Extra input properties the registry reads besides the Normaliser's canonical keys.
EXTRA_ALIASES = {
    "status": ("status", "状态", "登记状态", "权属状态"),
    "licence_start": ("licence_start", "license_start", "valid_from", "start_date", "有效期起", "有效期起始",
                      "有效期自", "发证日期"),
    "licence_end": ("licence_end", "license_end", "valid_to", "end_date", "有效期止", "有效期至", "到期日期"),
}


#: Columns that name a parcel in corner-point tables, used as the id when there is no id column.
ID_FALLBACKS = ("区块号", "区块编号", "地块号", "地块编号", "block", "parcel")


class RegistryError(MineplanError):
    """The registry file cannot be used (missing, not a registry, newer schema) or a change is refused."""

    exit_code = 2


def default_path() -> Path:
    """``$MINEPLAN_REGISTRY``, else ``$XDG_DATA_HOME/mineplan/registry.gpkg`` (``~/.local/share`` fallback)."""
    env = os.environ.get("MINEPLAN_REGISTRY")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mineplan" / "registry.gpkg"


def open_registry(path: str | os.PathLike | None = None, *, work_crs, create: bool = False) -> Registry:
    """Open the registry at ``path`` (default: :func:`default_path`) whose geometries are in
    ``work_crs`` (the plan pack's ``pack.work_crs``); ``create`` makes a new one when the file does
    not exist. Raises :class:`RegistryError` for a missing file, a file that is not a registry, one
    written by a newer mineplan, or one whose SRS is not ``work_crs``."""
    registry = Registry(Path(path) if path is not None else default_path(), work_crs)
    registry.open(create=create)
    return registry


# -- GeoPackage geometry blobs -------------------------------------------------------------
def gpkg_blob(geom, srs_id: int) -> bytes | None:
    """A GeoPackage binary geometry: header (magic, version, flags, srs_id, xy envelope) + WKB."""
    import shapely

    if geom is None:
        return None
    if geom.is_empty:
        return b"GP\x00" + bytes([0b00010001]) + struct.pack("<i", srs_id) + shapely.to_wkb(geom, byte_order=1)
    minx, miny, maxx, maxy = geom.bounds
    header = b"GP\x00" + bytes([0b00000011]) + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geom, byte_order=1, output_dimension=2)


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _blob_parts(blob: bytes) -> tuple[tuple[float, float, float, float] | None, bytes]:
    if blob[:2] != b"GP":
        raise RegistryError("a geometry in the registry is not a GeoPackage blob")
    flags = blob[3]
    little = flags & 1
    kind = (flags >> 1) & 0b111
    size = _ENVELOPE_BYTES.get(kind)
    if size is None:
        raise RegistryError(f"bad GeoPackage envelope code {kind}")
    envelope = None
    if kind:
        minx, maxx, miny, maxy = struct.unpack(("<" if little else ">") + "4d", blob[8:40])
        envelope = (minx, miny, maxx, maxy)
    return envelope, blob[8 + size:]


def from_blob(blob: bytes | None):
    import shapely

    if blob is None:
        return None
    return shapely.from_wkb(_blob_parts(blob)[1])


def blob_bounds(blob: bytes) -> tuple[float, float, float, float] | None:
    envelope, _wkb = _blob_parts(blob)
    if envelope is None:
        geom = from_blob(blob)
        return None if geom.is_empty else tuple(geom.bounds)
    return envelope


# -- input values --------------------------------------------------------------------------
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ].*)?$")


def parse_date(value) -> str | None:
    """An ISO date (``YYYY-MM-DD``) from a date, a timestamp or text (2023-01-05, 2023/1/5,
    2023年1月5日, 20230105); None when missing. Raises ValueError otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "date") and callable(value.date):  # datetime, pandas.Timestamp
        if value != value:  # NaT
            return None
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not text or text.lower() in ("nat", "none", "nan"):
        return None
    m = _DATE.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if not m:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD)")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise ValueError(f"not a date: {value!r}") from None


def parse_status(value) -> str:
    text = str(value).strip().lower()
    for status, names in STATUS_ALIASES.items():
        if text in {n.lower() for n in names}:
            return status
    raise ValueError(f"unknown status {value!r} (known: {', '.join(STATUSES)})")


def _add_years(start: str, years: float) -> str:
    d = dt.date.fromisoformat(start)
    if float(years).is_integer():
        try:
            return d.replace(year=d.year + int(years)).isoformat()
        except ValueError:  # 29 February
            return d.replace(year=d.year + int(years), day=28).isoformat()
    return (d + dt.timedelta(days=round(years * 365.25))).isoformat()


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def rights_from_file(path, *, pack, status: str | None = None, layer: str | None = None, crs: str | None = None,
                     fix: bool = False, overrides: dict | None = None) -> list[dict]:
    """Read any input the readers accept and normalise it into registry records (dicts with
    :data:`COLUMNS` and ``geometry`` in ``pack.work_crs``). ``status`` overrides the file's status
    column; without either a right is "granted". Raises :class:`InputError` on the first bad
    feature (a registry takes whole files or nothing)."""
    from mineplan.applications import Normaliser
    from mineplan.minerals import MineralCatalog
    from mineplan.readers import read_applications

    read = read_applications(path, work_crs=pack.work_crs, layer=layer, crs=crs, fix=fix,
                             plan_area=pack.county_geometry)
    frame = read.frame
    if not len(frame):
        raise InputError("no features", path=str(path))
    apps, _ = Normaliser(MineralCatalog(pack.config), pack.rules).frame(frame, overrides, path=str(path))
    lowered = {str(c).strip().lower(): c for c in frame.columns if not str(c).startswith("_") and c != "geometry"}
    extra_cols = {}
    for key, names in EXTRA_ALIASES.items():
        for name in names:
            if name.lower() in lowered:
                extra_cols[key] = lowered[name.lower()]
                break
    from mineplan.applications import find_columns

    id_col = find_columns(frame.columns).get("id")
    if id_col is None:  # corner-point tables name each parcel in a 区块号 column
        id_col = next((lowered[k] for k in ID_FALLBACKS if k in lowered), None)
    labels = frame["_label"].tolist() if "_label" in frame.columns else [f"#{i + 1}" for i in range(len(frame))]
    records = []
    for i, app in enumerate(apps):
        label = labels[i]
        geom = frame.geometry.iloc[i]
        try:
            if (overrides or {}).get("id") is not None:
                right_id = str(overrides["id"]).strip()
            elif id_col is None or _missing(frame[id_col].iloc[i]):
                raise ValueError("no id: a registered right needs one (an id / 编号 / 矿业权编号 property)")
            else:
                right_id = str(frame[id_col].iloc[i]).strip()
            if app.right_type is None:
                raise ValueError("no right type (right_type / 矿业权类型: exploration, mining or site)")
            if geom is None or geom.is_empty:
                raise ValueError("empty geometry")
            raw = {key: frame[col].iloc[i] for key, col in extra_cols.items()}
            the_status = status or (parse_status(raw["status"]) if not _missing(raw.get("status")) else "granted")
            start = parse_date(raw.get("licence_start"))
            end = parse_date(raw.get("licence_end"))
            if end is None and start is not None and app.licence_years is not None:
                end = _add_years(start, app.licence_years)
            if start and end and end < start:
                raise ValueError(f"licence ends ({end}) before it starts ({start})")
        except ValueError as exc:
            raise InputError(str(exc), path=str(path), feature=label) from None
        records.append({
            "id": right_id, "holder": app.applicant, "right_type": app.right_type, "mineral": app.mineral,
            "method": app.method, "stage": app.stage, "annual_output": app.annual_output,
            "output_unit": app.output_unit, "status": the_status, "licence_start": start, "licence_end": end,
            "green_mine": app.green_mine, "geometry": geom,
        })
    seen: set[str] = set()
    for rec, label in zip(records, labels, strict=True):
        if rec["id"] in seen:
            raise InputError(f"id {rec['id']!r} appears twice in the file", path=str(path), feature=label)
        seen.add(rec["id"])
    return records


# -- the registry ----------------------------------------------------------------------------
def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def work_srs(work_crs) -> tuple[int, object]:
    """The registry's ``srs_id`` for the work CRS (its EPSG code) and the pyproj CRS. A work CRS
    without an EPSG code cannot be recorded in ``gpkg_spatial_ref_sys`` by code: RegistryError."""
    from pyproj import CRS

    crs = CRS.from_user_input(work_crs)
    code = crs.to_epsg()
    if code is None:
        raise RegistryError(f"the plan pack's work CRS {work_crs!r} has no EPSG code; the registry records its "
                            "SRS by EPSG code (use an EPSG CRS in [plan] crs)")
    return code, crs


def _srs_rows(work_crs) -> list[tuple]:
    from pyproj import CRS

    code, crs = work_srs(work_crs)
    rows = [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, CRS.from_epsg(4326).to_wkt("WKT1_GDAL"),
         "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
    ]
    if code != 4326:
        rows.append((crs.name, code, "EPSG", code, crs.to_wkt("WKT1_GDAL"), "the plan pack's work CRS"))
    return rows


_DDL = [
    """CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
       organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
       description TEXT)""",
    """CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
       identifier TEXT UNIQUE, description TEXT DEFAULT '',
       last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
       min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
       CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
       geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
       CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
       CONSTRAINT uk_gc_table_name UNIQUE (table_name),
       CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
       CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
    "CREATE TABLE rights (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom GEOMETRY, "
    + ", ".join(f'"{c}" {_SQL_TYPES.get(c, "TEXT")}' for c in COLUMNS) + ")",
    """CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "when" DATETIME NOT NULL,
       who TEXT, action TEXT NOT NULL, right_id TEXT, field TEXT, old TEXT, new TEXT)""",
    "CREATE INDEX audit_right_id ON audit(right_id)",
    "CREATE TABLE meta (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, key TEXT NOT NULL UNIQUE, value TEXT)",
]


class Registry:
    """A rights registry file. Methods open a short-lived SQLite connection each; writes take
    the file lock, then ``BEGIN IMMEDIATE``, and bring the rtree index up to date after commit."""

    def __init__(self, path: Path, work_crs):
        self.path = Path(path)
        self.work_crs = work_crs
        self.srs_id, _crs = work_srs(work_crs)
        self.lock_path = Path(str(self.path) + ".lock")
        self.index_base = str(self.path) + ".rtree"
        self.sidecar = Path(self.index_base + ".json")
        self.uuid: str | None = None
        self.index_rebuilds = 0  # how often this object rebuilt the rtree (tests look at it)

    # -- opening -------------------------------------------------------------------------
    def open(self, *, create: bool = False) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            if not create:
                raise RegistryError(f"{self.path}: no registry here (create one with `mineplan registry add` "
                                    "or `mineplan registry import`)")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self._locked():
                    if not self.path.exists() or self.path.stat().st_size == 0:
                        self._create()
            except OSError as exc:  # a file where the folder should be, no permission, disk full
                raise RegistryError(f"{self.path}: cannot create the registry: {exc.strerror or exc}"
                                    + (f" ({exc.filename})" if exc.filename else "")) from None
        conn = self._connect()
        try:
            self._check_schema(conn)
        finally:
            conn.close()

    def _create(self) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.new")
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
            conn.execute("PRAGMA user_version = 10300")  # GeoPackage 1.3
            conn.execute("BEGIN")
            for ddl in _DDL:
                conn.execute(ddl)
            conn.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", _srs_rows(self.work_crs))
            now = _now()
            conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, "
                         "srs_id) VALUES ('rights', 'features', 'rights', 'mineplan rights registry', ?, ?)",
                         (now, self.srs_id))
            conn.executemany("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                             "last_change) VALUES (?, 'attributes', ?, ?, ?)",
                             [("audit", "audit", "every change to the registry", now),
                              ("meta", "meta", "registry schema version and change counter", now)])
            conn.execute("INSERT INTO gpkg_geometry_columns VALUES ('rights', 'geom', 'GEOMETRY', ?, 0, 0)",
                         (self.srs_id,))
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                             [("schema_version", str(SCHEMA_VERSION)), ("uuid", uuidmod.uuid4().hex),
                              ("changes", "0"), ("created", now)])
            conn.execute("COMMIT")
        finally:
            conn.close()
        os.replace(tmp, self.path)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        except sqlite3.Error as exc:
            raise RegistryError(f"{self.path}: cannot open the registry: {exc}") from None
        return conn

    def _check_schema(self, conn: sqlite3.Connection) -> None:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise RegistryError(f"{self.path}: not a mineplan registry ({exc})") from None
        if app_id != 1196444487 or "schema_version" not in rows:
            raise RegistryError(f"{self.path}: not a mineplan registry (no GeoPackage id or no schema_version)")
        try:
            version = int(rows["schema_version"])
        except ValueError:
            raise RegistryError(f"{self.path}: bad schema_version {rows['schema_version']!r}") from None
        if version > SCHEMA_VERSION:
            raise RegistryError(f"{self.path}: registry schema version {version} is newer than this mineplan "
                                f"understands ({SCHEMA_VERSION}); upgrade mineplan to use it")
        self._check_srs(conn)
        self.uuid = rows.get("uuid")

    def _check_srs(self, conn: sqlite3.Connection) -> None:
        """The rights table's SRS must be the plan pack's work CRS: geometries in another CRS would
        be measured against the plan's layers as if they were in this one."""
        row = conn.execute("SELECT g.srs_id, s.organization, s.organization_coordsys_id, s.srs_name "
                           "FROM gpkg_geometry_columns g LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
                           "WHERE g.table_name = 'rights'").fetchone()
        if row is None:
            raise RegistryError(f"{self.path}: not a mineplan registry (no geometry column for 'rights')")
        srs_id, org, org_id, name = row
        if srs_id == self.srs_id and (org is None or (str(org).upper() == "EPSG" and org_id == self.srs_id)):
            return
        held = f"EPSG:{org_id}" if org is not None and str(org).upper() == "EPSG" else f"srs_id {srs_id}"
        raise RegistryError(f"{self.path}: the registry's geometries are in {held}"
                            + (f" ({name})" if name else "")
                            + f" but the plan pack's work CRS is {self.work_crs}: use a registry made with this "
                              "plan pack (export the rights and import them into a new registry)")

    # -- locking and transactions ----------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self):
        """An exclusive lock on ``<file>.lock`` (fcntl; on systems without it, SQLite's lock alone)."""
        try:
            import fcntl
        except ImportError:  # Windows: SQLite's own lock serialises the writes; the rtree is rebuilt when stale
            yield
            return
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _write(self, who: str | None):
        """One write transaction: yields a :class:`_Tx`; commits (bumping ``changes``) on success,
        rolls back on any error; then applies the inserts to the rtree index."""
        with self._locked():
            conn = self._connect()
            try:
                self._check_schema(conn)
                conn.execute("BEGIN IMMEDIATE")
                changes = int(conn.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()[0])
                tx = _Tx(self, conn, who or current_user())
                yield tx
                if tx.dirty:
                    conn.execute("UPDATE meta SET value = ? WHERE key = 'changes'", (str(changes + 1),))
                    self._update_contents(conn)
                    conn.execute("COMMIT")
                else:
                    conn.execute("ROLLBACK")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                conn.close()
            if tx.dirty:
                self._index_apply(changes, changes + 1, tx.inserted)

    def _update_contents(self, conn: sqlite3.Connection) -> None:
        extent = None
        for (blob,) in conn.execute("SELECT geom FROM rights WHERE geom IS NOT NULL"):
            b = blob_bounds(blob)
            if b is None:
                continue
            extent = b if extent is None else (min(extent[0], b[0]), min(extent[1], b[1]),
                                               max(extent[2], b[2]), max(extent[3], b[3]))
        extent = extent or (None, None, None, None)
        conn.execute("UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ? "
                     "WHERE table_name = 'rights'", (_now(), *extent))
        conn.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name IN ('audit', 'meta')", (_now(),))

    # -- the rtree index -------------------------------------------------------------------
    def _read_sidecar(self) -> dict:
        try:
            return json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_sidecar(self, changes: int, count: int) -> None:
        tmp = self.sidecar.with_name(self.sidecar.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"uuid": self.uuid, "changes": changes, "count": count}), encoding="utf-8")
        os.replace(tmp, self.sidecar)

    def _index_files(self) -> list[Path]:
        return [Path(self.index_base + ".dat"), Path(self.index_base + ".idx")]

    def _index_apply(self, before: int, after: int, inserted: list[tuple[int, tuple]]) -> None:
        """After a commit (under the lock): add the new rights to the index when it was current
        before the write; otherwise rebuild it. The sidecar is written last, so a crash anywhere
        here leaves a sidecar that no longer matches and the next open rebuilds."""
        from rtree import index

        side = self._read_sidecar()
        files_there = all(p.exists() for p in self._index_files())
        if side.get("uuid") == self.uuid and side.get("changes") == before and files_there:
            try:
                idx = index.Index(self.index_base)
                try:
                    if len(idx) == side.get("count"):
                        for fid, bounds in inserted:
                            idx.insert(fid, bounds)
                        count = len(idx)
                    else:
                        count = None
                finally:
                    idx.close()
                if count is not None:
                    self._write_sidecar(after, count)
                    return
            except Exception:  # a damaged index: rebuild below
                pass
        self._rebuild_index()

    def _rebuild_index(self, conn: sqlite3.Connection | None = None) -> None:
        from rtree import index

        own = conn is None
        conn = conn or self._connect()
        try:
            changes = int(conn.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()[0])
            items = []
            for fid, blob in conn.execute("SELECT fid, geom FROM rights WHERE geom IS NOT NULL"):
                b = blob_bounds(blob)
                if b is not None:
                    items.append((fid, b, None))
        finally:
            if own:
                conn.close()
        self.sidecar.unlink(missing_ok=True)
        for p in self._index_files():
            p.unlink(missing_ok=True)
        idx = index.Index(self.index_base, iter(items)) if items else index.Index(self.index_base)
        count = len(idx)
        idx.close()
        self._write_sidecar(changes, count)
        self.index_rebuilds += 1

    def _index_current(self, conn: sqlite3.Connection) -> bool:
        from rtree import index

        side = self._read_sidecar()
        changes = int(conn.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()[0])
        if side.get("uuid") != self.uuid or side.get("changes") != changes:
            return False
        if not all(p.exists() for p in self._index_files()):
            return False
        rows = conn.execute("SELECT count(*) FROM rights WHERE geom IS NOT NULL").fetchone()[0]
        try:
            idx = index.Index(self.index_base)
            try:
                return len(idx) == rows == side.get("count")
            finally:
                idx.close()
        except Exception:
            return False

    def candidates(self, bounds: tuple[float, float, float, float]) -> list[int]:
        """fids of the rights whose bounding box meets ``bounds`` (work CRS), from the rtree
        index — checked against the registry first and rebuilt when missing or stale."""
        from rtree import index

        with self._locked():
            conn = self._connect()
            try:
                conn.execute("BEGIN")  # a read snapshot: nobody commits while we hold the lock anyway
                if not self._index_current(conn):
                    self._rebuild_index(conn)
                conn.execute("COMMIT")
            finally:
                conn.close()
            idx = index.Index(self.index_base)
            try:
                return sorted(idx.intersection(bounds))
            finally:
                idx.close()

    def check_index(self) -> bool:
        """True when the on-disk index is current; rebuild it otherwise (returns False then)."""
        with self._locked():
            conn = self._connect()
            try:
                if self._index_current(conn):
                    return True
                self._rebuild_index(conn)
                return False
            finally:
                conn.close()

    # -- writing -----------------------------------------------------------------------------
    def add(self, records: list[dict], *, who: str | None = None, action: str = "add",
            source: str | None = None) -> list[str]:
        """Insert rights (dicts with :data:`COLUMNS` and ``geometry`` in the work CRS) in one
        transaction. An id already in the registry refuses the whole batch."""
        with self._write(who) as tx:
            for rec in records:
                tx.insert(rec, action=action, source=source)
        return [rec["id"] for rec in records]

    def set_status(self, right_id: str, status: str, *, who: str | None = None) -> str | None:
        """Change a right's status; returns the old status (None when it was already ``status``)."""
        status = parse_status(status) if status not in STATUSES else status
        with self._write(who) as tx:
            row = tx.conn.execute("SELECT status FROM rights WHERE id = ?", (right_id,)).fetchone()
            if row is None:
                raise RegistryError(f"{self.path}: no right with id {right_id!r}")
            if row[0] == status:
                return None
            tx.conn.execute("UPDATE rights SET status = ? WHERE id = ?", (status, right_id))
            tx.audit("set-status", right_id, "status", row[0], status)
        return row[0]

    # -- reading -----------------------------------------------------------------------------
    def _select(self, where: str = "", params: tuple = ()) -> list[tuple]:
        conn = self._connect()
        try:
            cols = ", ".join(f'"{c}"' for c in COLUMNS)
            return conn.execute(f"SELECT fid, {cols}, geom FROM rights {where} ORDER BY fid", params).fetchall()
        finally:
            conn.close()

    def _frame(self, rows: list[tuple]):
        import geopandas as gpd
        import pandas as pd

        data = {c: [r[1 + k] for r in rows] for k, c in enumerate(COLUMNS)}
        data["annual_output"] = pd.array([r[1 + COLUMNS.index("annual_output")] for r in rows], dtype="float64") \
            if rows else pd.array([], dtype="float64")
        data["green_mine"] = [None if v is None else bool(v) for v in data["green_mine"]]
        geoms = [from_blob(r[-1]) for r in rows]
        frame = gpd.GeoDataFrame(data, geometry=geoms, crs=self.work_crs)
        frame["annual_output"] = frame["annual_output"].astype("float64")
        for col in COLUMNS:
            if col not in ("annual_output",):
                frame[col] = frame[col].astype(object)
        return frame

    def rights(self, *, statuses=None, right_type: str | None = None, mineral: str | None = None,
               ids: list[str] | None = None):
        """Rights as a GeoDataFrame (the work CRS; :data:`COLUMNS` + geometry), filtered."""
        clauses, params = [], []
        if statuses is not None:
            statuses = tuple(statuses)
            clauses.append(f"status IN ({', '.join('?' * len(statuses))})")
            params.extend(statuses)
        if right_type is not None:
            clauses.append("right_type = ?")
            params.append(right_type)
        if mineral is not None:
            clauses.append("mineral = ?")
            params.append(mineral)
        if ids is not None:
            clauses.append(f"id IN ({', '.join('?' * len(ids))})")
            params.extend(ids)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._frame(self._select(where, tuple(params)))

    def existing_rights(self, bbox: tuple[float, float, float, float] | None = None, *, statuses=COUNTING):
        """The rights that count (granted or pending by default): a GeoDataFrame in the work CRS
        with columns :data:`COLUMNS` + ``geometry``. With ``bbox`` (minx, miny, maxx, maxy in
        the work CRS) only those whose bounding box meets it, found through the rtree index."""
        if bbox is None:
            return self.rights(statuses=statuses)
        fids = self.candidates(tuple(float(v) for v in bbox))
        if not fids:
            return self._frame([])
        statuses = tuple(statuses)
        where = (f"WHERE fid IN ({', '.join('?' * len(fids))}) "
                 f"AND status IN ({', '.join('?' * len(statuses))})")
        return self._frame(self._select(where, (*fids, *statuses)))

    def query(self, geometry, *, statuses=COUNTING):
        """The counting rights whose geometry intersects ``geometry`` (shapely, work CRS)."""
        import shapely

        frame = self.existing_rights(bbox=geometry.bounds, statuses=statuses)
        if not len(frame):
            return frame
        hits = shapely.intersects(frame.geometry.values, geometry)
        return frame[hits].reset_index(drop=True)

    def get(self, right_id: str) -> dict | None:
        frame = self.rights(ids=[right_id])
        if not len(frame):
            return None
        return frame.iloc[0].to_dict()

    def history(self, right_id: str | None = None) -> list[dict]:
        conn = self._connect()
        try:
            sql = 'SELECT seq, "when", who, action, right_id, field, old, new FROM audit'
            rows = conn.execute(sql + (" WHERE right_id = ?" if right_id else "") + " ORDER BY seq",
                                (right_id,) if right_id else ()).fetchall()
        finally:
            conn.close()
        keys = ("seq", "when", "who", "action", "right_id", "field", "old", "new")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def changes(self) -> int:
        conn = self._connect()
        try:
            return int(conn.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()[0])
        finally:
            conn.close()


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers): still record something
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _json_value(value: Any):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class _Tx:
    """The open write transaction of :meth:`Registry._write`."""

    def __init__(self, registry: Registry, conn: sqlite3.Connection, who: str):
        self.registry = registry
        self.conn = conn
        self.who = who
        self.dirty = False
        self.inserted: list[tuple[int, tuple]] = []

    def audit(self, action: str, right_id: str | None, field: str | None, old, new) -> None:
        self.conn.execute('INSERT INTO audit ("when", who, action, right_id, field, old, new) '
                          "VALUES (?, ?, ?, ?, ?, ?, ?)", (_now(), self.who, action, right_id, field, old, new))
        self.dirty = True

    def insert(self, rec: dict, *, action: str = "add", source: str | None = None) -> int:
        values = [_json_value(rec.get(c)) for c in COLUMNS]
        if rec.get("status") not in STATUSES:
            raise RegistryError(f"right {rec.get('id')!r}: unknown status {rec.get('status')!r}")
        green = values[COLUMNS.index("green_mine")]
        values[COLUMNS.index("green_mine")] = None if green is None else int(bool(green))
        blob = gpkg_blob(rec["geometry"], self.registry.srs_id)
        cols = ", ".join(f'"{c}"' for c in COLUMNS)
        try:
            cur = self.conn.execute(f"INSERT INTO rights (geom, {cols}) VALUES (?, {', '.join('?' * len(COLUMNS))})",
                                    (blob, *values))
        except sqlite3.IntegrityError:
            raise RegistryError(f"{self.registry.path}: right {rec['id']!r} is already in the registry "
                                "(nothing was written)") from None
        fid = cur.lastrowid
        attrs = {c: _json_value(rec.get(c)) for c in COLUMNS if c != "id"}
        geom = rec["geometry"]
        attrs["area_m2"] = round(float(geom.area), 1)
        if source:
            attrs["source"] = str(source)
        self.audit(action, rec["id"], None, None, json.dumps(attrs, ensure_ascii=False))
        bounds = blob_bounds(blob)
        if bounds is not None:
            self.inserted.append((fid, bounds))
        return fid

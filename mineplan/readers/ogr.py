"""Formats read through GDAL (pyogrio): Shapefile (file, folder or .zip), GeoPackage, KML/KMZ,
FlatGeobuf, DXF; and GeoParquet through geopandas. A CRS the file declares (.prj, GPKG, ...)
is used; otherwise ``crs`` or inference decides, in :func:`mineplan.readers._core.finish`."""

from __future__ import annotations

import contextlib
import math
import re
from pathlib import Path

from mineplan import crs as crsmod
from mineplan.errors import InputError
from mineplan.readers._core import Raw


def _clean(v):
    """numpy / pandas scalars -> plain Python, NaN -> None (attributes stay as in the file)."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _source(p: Path, fmt: str, path_s: str, layer) -> tuple[str, str | None]:
    """-> (the GDAL path, the archive member read or None)."""
    if fmt == "shp-dir":
        shps = sorted(p.glob("*.shp"))
        if not shps:
            raise InputError("folder holds no .shp file", path=path_s)
        if len(shps) > 1:
            raise InputError("folder holds several .shp files: name one ("
                             + ", ".join(s.name for s in shps) + ")", path=path_s)
        return str(shps[0]), None
    if fmt in ("kmz", "zip"):
        import zipfile

        kind = "KMZ" if fmt == "kmz" else "zip archive"
        want = ".kml" if fmt == "kmz" else ".shp"
        try:
            with zipfile.ZipFile(p) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"not a readable {kind} ({exc})", path=path_s) from None
        found = [n for n in names if n.lower().endswith(want)]
        if fmt == "zip" and layer is not None and any(Path(n).stem == layer for n in found):
            found = [n for n in found if Path(n).stem == layer]
        if not found:
            raise InputError(f"the {kind} holds no {want} file (members: {', '.join(names[:10]) or 'none'})",
                             path=path_s)
        if len(found) > 1 and fmt == "zip":
            raise InputError(f"the {kind} holds several .shp files ({', '.join(found)}): name one with --layer "
                             "(its name without .shp)", path=path_s)
        return f"/vsizip/{p}/{found[0]}", found[0]
    return str(p), None


def _gdal_message(exc: Exception, gdal_path: str, member: str | None, path_s: str) -> str:
    """GDAL's first line, with /vsizip/ paths spoken of as the archive and its member."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if member is not None:
        msg = msg.replace(gdal_path, f"member {member!r} of the archive")
        msg = re.sub(r"/vsizip/[^:\s]*", "the archive", msg)
    return msg.replace(path_s + ": ", "")


# ------------------------------------------------------------------------ DBF encodings
_CPG_NAMES = {"utf-8": "utf-8", "utf8": "utf-8", "65001": "utf-8", "gbk": "gbk", "936": "gbk", "cp936": "gbk",
              "gb2312": "gbk", "gb18030": "gb18030", "big5": "big5", "950": "big5"}


#: bytes of a DBF looked at to detect its encoding
DBF_SAMPLE = 8 * 2**20


def _dbf_bytes(gdal_path: str, p: Path, member: str | None) -> tuple[bytes | None, str | None, str | None]:
    """(the first DBF_SAMPLE bytes of a Shapefile's DBF, the .cpg text, the .cpg's name), from a
    file or an archive member."""
    stem = member[:-4] if member else gdal_path[:-4]
    if member is None:
        dbf = next((Path(stem + e) for e in (".dbf", ".DBF") if Path(stem + e).exists()), None)
        cpg = next((Path(stem + e) for e in (".cpg", ".CPG") if Path(stem + e).exists()), None)
        data = None
        if dbf:
            with open(dbf, "rb") as fh:
                data = fh.read(DBF_SAMPLE)
        return data, (cpg.read_text("ascii", "replace").strip() if cpg else None), (cpg.name if cpg else None)
    import zipfile

    with zipfile.ZipFile(p) as zf:
        names = {n.lower(): n for n in zf.namelist()}
        dbf = names.get(stem.lower() + ".dbf")
        cpg = names.get(stem.lower() + ".cpg")
        data = None
        if dbf:
            with zf.open(dbf) as fh:
                data = fh.read(DBF_SAMPLE)
        text = zf.read(cpg).decode("ascii", "replace").strip() if cpg else None
    return data, text, (Path(cpg).name if cpg else None)


def _decodes(data: bytes, encoding: str) -> str | None:
    """``data`` decoded (a sequence cut at the end of the sample is no error), or None."""
    import codecs

    try:
        return codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return None


def _records(dbf: bytes) -> bytes:
    """The record area of a DBF (after its header)."""
    if len(dbf) < 32:
        return b""
    header_len = int.from_bytes(dbf[8:10], "little")
    return dbf[header_len:]


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in text)


def shapefile_encoding(gdal_path: str, p: Path, member: str | None, encoding: str | None, path_s: str,
                       notes: list[str]) -> str | None:
    """The attribute encoding to read a Shapefile with: ``encoding`` if given; else its .cpg,
    checked against the bytes (a lying .cpg is an error naming it); else detected — valid
    UTF-8, else GB18030 when that decodes cleanly and yields CJK. None: leave it to GDAL."""
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r} (e.g. utf-8, gbk)", path=path_s) from None
        notes.append(f"attributes decoded as {encoding} (named with --encoding)")
        return encoding
    try:
        dbf, cpg, cpg_name = _dbf_bytes(gdal_path, p, member)
    except OSError:
        return None
    if dbf is None:
        return None
    body = _records(dbf)
    if body.isascii():
        return None
    utf8 = _decodes(body, "utf-8") is not None
    gb = _decodes(body, "gb18030")
    gb_ok = gb is not None and _has_cjk(gb)
    if cpg is not None:
        said = _CPG_NAMES.get(cpg.lower().replace(" ", ""))
        if said == "utf-8" and not utf8:
            better = " (they decode as GBK)" if gb_ok else ""
            raise InputError(f"{cpg_name} says {cpg} but the attributes are not UTF-8{better}: correct the .cpg "
                             "(write GBK into it) or read with --encoding gbk", path=path_s)
        if said in ("gbk", "gb18030") and utf8 and not gb_ok:
            raise InputError(f"{cpg_name} says {cpg} but the attributes are UTF-8: correct the .cpg (write UTF-8 "
                             "into it) or read with --encoding utf-8", path=path_s)
        return None
    if utf8:
        notes.append("no .cpg: attributes decoded as UTF-8 (they are valid UTF-8)")
        return "utf-8"
    if gb_ok:
        notes.append("no .cpg: attributes decoded as GBK/GB18030 (not UTF-8; they decode cleanly to Chinese); "
                     "--encoding forces another")
        return "gb18030"
    return None


def read(p: Path, fmt: str, *, layer, notes: list[str], encoding: str | None = None, limits=None):
    """-> (raws, declared SourceCRS or None)."""
    import pyogrio

    path_s = str(p)
    if limits is not None and p.is_file():
        limits.check_bytes(p.stat().st_size, path_s)
    if fmt == "parquet":
        import geopandas as gpd

        if limits is not None:
            try:
                import pyarrow.parquet as pq

                limits.check_features(pq.ParquetFile(p).metadata.num_rows, path_s)
            except InputError:
                raise
            except Exception:  # unreadable: read_parquet says why below
                pass
        try:
            gdf = gpd.read_parquet(p)
        except Exception as exc:  # pyarrow errors, missing geo metadata
            raise InputError(f"not a readable GeoParquet file: {str(exc).splitlines()[0]}", path=path_s) from None
    else:
        src, member = _source(p, fmt, path_s, layer)
        options = {}
        if fmt == "dxf":
            options["DXF_CLOSED_LINE_AS_POLYGON"] = "TRUE"
        try:
            layers = pyogrio.list_layers(src)
        except Exception as exc:
            raise InputError(f"not readable as {fmt.upper()}: {_gdal_message(exc, src, member, path_s)}",
                             path=path_s) from None
        names = [str(n) for n in layers[:, 0]] if len(layers) else []
        if not names:
            raise InputError("no layers", path=path_s)
        if fmt == "zip" and member is not None and layer is not None and layer not in names:
            layer = None  # --layer named the archive member
        if layer is not None and layer not in names:
            raise InputError(f"no layer {layer!r} (layers: {', '.join(names)})", path=path_s)
        use = layer if layer is not None else names[0]
        if layer is None and len(names) > 1:
            notes.append(f"read layer {use!r}; the file has {len(names)} layers ({', '.join(names)}): "
                         "choose with --layer")
        kwargs = {}
        if fmt in ("shp", "shp-dir", "zip"):
            enc = shapefile_encoding(src, p, member, encoding, path_s, notes)
            if enc:
                kwargs["encoding"] = enc
        try:
            if limits is not None:
                n = pyogrio.read_info(src, layer=use, **kwargs).get("features", 0)
                limits.check_features(int(n or 0), path_s)
            pyogrio.set_gdal_config_options(options or {"DXF_CLOSED_LINE_AS_POLYGON": None})
            gdf = pyogrio.read_dataframe(src, layer=use, **kwargs)
        except InputError:
            raise
        except UnicodeDecodeError as exc:
            enc = kwargs.get("encoding") or "the declared encoding"
            raise InputError(f"attributes cannot be decoded as {enc} ({exc.reason} at byte {exc.start}): name the "
                             "encoding with --encoding (e.g. gbk, utf-8)", path=path_s) from None
        except Exception as exc:
            raise InputError(f"not readable: {_gdal_message(exc, src, member, path_s)}", path=path_s) from None
        finally:
            pyogrio.set_gdal_config_options({"DXF_CLOSED_LINE_AS_POLYGON": None})
    if len(gdf) == 0:
        raise InputError("no features", path=path_s)
    if fmt == "dxf":
        keep = gdf.geom_type.isin(["Polygon", "MultiPolygon"])
        dropped = int((~keep).sum())
        gdf = gdf[keep].reset_index(drop=True)
        if dropped:
            notes.append(f"DXF: kept {len(gdf)} closed polylines as parcels, ignored {dropped} other entities")
        if len(gdf) == 0:
            raise InputError("DXF holds no closed polylines (parcels)", path=path_s)
    declared = crsmod.SourceCRS(gdf.crs) if gdf.crs is not None else None
    geom_col = gdf.geometry.name
    cols = [c for c in gdf.columns if c != geom_col]
    raws = []
    for rec, g in zip(gdf[cols].itertuples(index=False, name=None), gdf.geometry.values, strict=False):
        props = {c: _clean(v) for c, v in zip(cols, rec, strict=False)}
        raws.append(Raw(props, g))
    return raws, declared

"""Formats read through GDAL (pyogrio): Shapefile (file, folder or .zip), GeoPackage, KML/KMZ,
FlatGeobuf, DXF; and GeoParquet through geopandas. A CRS the file declares (.prj, GPKG, ...)
is used; otherwise ``crs`` or inference decides, in :func:`mineplan.readers._core.finish`."""

from __future__ import annotations

import contextlib
import math
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


def _source(p: Path, fmt: str, path_s: str) -> str:
    if fmt == "shp-dir":
        shps = sorted(p.glob("*.shp"))
        if not shps:
            raise InputError("folder holds no .shp file", path=path_s)
        if len(shps) > 1:
            raise InputError("folder holds several .shp files: name one ("
                             + ", ".join(s.name for s in shps) + ")", path=path_s)
        return str(shps[0])
    if fmt == "kmz":
        import zipfile

        try:
            with zipfile.ZipFile(p) as zf:
                kmls = [n for n in zf.namelist() if n.lower().endswith(".kml")]
        except zipfile.BadZipFile:
            raise InputError("not a KMZ (zip) file", path=path_s) from None
        if not kmls:
            raise InputError("KMZ holds no .kml document", path=path_s)
        return f"/vsizip/{p}/{kmls[0]}"
    if fmt == "zip":
        return f"/vsizip/{p}"
    return str(p)


def read(p: Path, fmt: str, *, layer, notes: list[str]):
    """-> (raws, declared SourceCRS or None)."""
    import pyogrio

    path_s = str(p)
    if fmt == "parquet":
        import geopandas as gpd

        try:
            gdf = gpd.read_parquet(p)
        except Exception as exc:  # pyarrow errors, missing geo metadata
            raise InputError(f"not a readable GeoParquet file: {str(exc).splitlines()[0]}", path=path_s) from None
    else:
        src = _source(p, fmt, path_s)
        options = {}
        if fmt == "dxf":
            options["DXF_CLOSED_LINE_AS_POLYGON"] = "TRUE"
        try:
            layers = pyogrio.list_layers(src)
        except Exception as exc:
            raise InputError(f"not readable as {fmt.upper()}: {str(exc).splitlines()[0]}", path=path_s) from None
        names = [str(n) for n in layers[:, 0]] if len(layers) else []
        if not names:
            raise InputError("no layers", path=path_s)
        if layer is not None and layer not in names:
            raise InputError(f"no layer {layer!r} (layers: {', '.join(names)})", path=path_s)
        use = layer if layer is not None else names[0]
        if layer is None and len(names) > 1:
            notes.append(f"read layer {use!r}; the file has {len(names)} layers ({', '.join(names)}): "
                         "choose with --layer")
        try:
            pyogrio.set_gdal_config_options(options or {"DXF_CLOSED_LINE_AS_POLYGON": None})
            gdf = pyogrio.read_dataframe(src, layer=use)
        except Exception as exc:
            raise InputError(f"not readable: {str(exc).splitlines()[0]}", path=path_s) from None
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

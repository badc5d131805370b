"""WKT text: one geometry per line (blank lines and ``#`` comments skipped). An EWKT
``SRID=4528;`` prefix declares the CRS. GEOS's WKT parser refuses unclosed rings and rings
of fewer than 4 points; non-finite numbers are refused later, in :func:`finish`."""

from __future__ import annotations

import re
import warnings

import shapely

from mineplan import crs as crsmod
from mineplan.errors import InputError
from mineplan.readers._core import Raw

_SRID = re.compile(r"^\s*SRID\s*=\s*(\d+)\s*;\s*", re.I)


def parse_lines(lines, path) -> tuple[list[Raw], crsmod.SourceCRS | None]:
    raws: list[Raw] = []
    srids = set()
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        m = _SRID.match(text)
        if m:
            srids.add(m.group(1))
            text = text[m.end():]
        if text.upper().startswith("LINEARRING"):
            raws.append(Raw({"line": n}, error=f"line {n}: LINEARRING is not a feature geometry (write a POLYGON)"))
            continue
        try:
            with warnings.catch_warnings():  # NaN in WKT: refused later, as non-finite
                warnings.simplefilter("ignore", RuntimeWarning)
                g = shapely.from_wkt(text)
        except Exception as exc:  # shapely.errors.GEOSException: the message is one line
            msg = str(exc).split("\n")[0]
            msg = re.sub(r"^\w+Exception:\s*", "", msg)
            raws.append(Raw({"line": n}, error=f"line {n}: not valid WKT: {msg}"))
            continue
        raws.append(Raw({"line": n}, g))
    if len(srids) > 1:
        raise InputError(f"lines declare different SRIDs: {', '.join(sorted(srids))}", path=str(path))
    declared = crsmod.parse_crs(f"EPSG:{srids.pop()}", path=str(path)) if srids else None
    return raws, declared

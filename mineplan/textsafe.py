"""Text from input files made safe for spreadsheets (CSV and XLSX writers).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken for a
formula by Excel, LibreOffice and WPS (CSV injection, OWASP). :func:`csv_safe` prefixes such a
text with a single quote, as OWASP recommends, so that it is shown as text; numbers are left as
they are. The quote stays in the file: a reader of the CSV sees ``'=HYPERLINK(…)``.
"""

from __future__ import annotations

from typing import Any

#: first characters that make a spreadsheet cell a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is a text a spreadsheet would take for a formula;
    anything else (numbers, None, safe text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe_frame(df):
    """A copy of ``df`` with every text cell of its object/string columns passed through
    :func:`csv_safe` (the geometry column, if any, is left alone)."""
    import pandas as pd

    out = df.copy()
    geometry = getattr(df, "_geometry_column_name", None)
    for col in out.columns:
        if col == geometry:
            continue
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(csv_safe).astype(object)
    return out

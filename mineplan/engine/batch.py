"""A batch of applications as columns: what every rule reads.

:func:`normalise` turns a frame from the readers (``_label``, ``_error``, ``_repaired``, geometry in
the pack's work CRS) into a :class:`Batch`: canonical attributes column by column (each distinct
value converted once), the geometry checks every input gets (empty, invalid with GEOS's reason),
points turned into discs with ``radius``, and one error per refused row. Rows keep their input
row number, so chunks of one input and a whole input give the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from mineplan.applications import CANONICAL_KEYS, Normaliser, find_columns
from mineplan.errors import InputError

ATTRIBUTE_KEYS = CANONICAL_KEYS[1:]


@dataclass
class Batch:
    rows: np.ndarray  # input row numbers (int64)
    labels: np.ndarray  # the readers' feature labels (for messages)
    ids: np.ndarray  # application ids (the label where none is given)
    errors: np.ndarray  # None, or why the row is refused
    geoms: np.ndarray  # shapely geometries in the work CRS; None for refused rows
    repaired: np.ndarray  # the geometry was repaired by --fix
    attrs: dict[str, np.ndarray]  # canonical key -> column (objects with None, or floats with NaN)
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # e.g. the --priority column

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def n(self) -> int:
        return len(self.rows)

    @property
    def usable(self) -> np.ndarray:
        return (self.errors == None) & ~shapely.is_missing(self.geoms)  # noqa: E711

    def __getitem__(self, key: str) -> np.ndarray:
        return self.attrs[key]

    def right_type_is(self, types) -> np.ndarray:
        """Usable rows whose right type is one of ``types``."""
        return self.usable & np.isin(self.attrs["right_type"], list(types))

    def geom_types(self, rows) -> np.ndarray:
        return np.array([g.geom_type for g in self.geoms[rows]], dtype=object)

    def attributes(self, i: int) -> dict:
        """Row i's canonical attributes as Python values (None when not given)."""
        out = {"id": self.ids[i]}
        for key in ATTRIBUTE_KEYS:
            value = self.attrs[key][i]
            if isinstance(value, float) and np.isnan(value):
                value = None
            elif isinstance(value, np.generic):
                value = value.item()
            out[key] = value
        return out

    def take(self, idx: np.ndarray) -> Batch:
        idx = np.asarray(idx, dtype=np.int64)
        return Batch(self.rows[idx], self.labels[idx], self.ids[idx], self.errors[idx], self.geoms[idx],
                     self.repaired[idx], {k: v[idx] for k, v in self.attrs.items()},
                     {k: v[idx] for k, v in self.extra.items()})

    @staticmethod
    def concat(batches: list[Batch]) -> Batch:
        if not batches:
            return empty_batch()
        if len(batches) == 1:
            return batches[0]

        def cat(name):
            return np.concatenate([getattr(b, name) for b in batches])

        keys = batches[0].extra.keys()
        return Batch(cat("rows"), cat("labels"), cat("ids"), cat("errors"), cat("geoms"), cat("repaired"),
                     {k: np.concatenate([b.attrs[k] for b in batches]) for k in batches[0].attrs},
                     {k: np.concatenate([b.extra[k] for b in batches]) for k in keys})


def empty_batch() -> Batch:
    none = np.zeros(0, dtype=object)
    attrs = {k: (np.zeros(0) if k in ("annual_output", "licence_years") else none.copy()) for k in ATTRIBUTE_KEYS}
    return Batch(np.zeros(0, dtype=np.int64), none.copy(), none.copy(), none.copy(), none.copy(),
                 np.zeros(0, dtype=bool), attrs)


def _labels(frame) -> np.ndarray:
    if "_label" in frame.columns:
        return frame["_label"].astype(object).to_numpy(dtype=object)
    return np.array([f"#{i + 1}" for i in range(len(frame))], dtype=object)


def normalise(frame, normaliser: Normaliser, *, overrides: dict | None = None, radius: float | None = None,
              path: str | None = None, collect: bool = True, extra: tuple[str, ...] = ()) -> Batch:
    """The batch of ``frame`` (a readers' frame in the work CRS). With ``collect`` a refused row
    keeps its error; otherwise the first one raises :class:`InputError` naming the file and the
    feature."""
    n = len(frame)
    labels = _labels(frame)
    geoms = np.asarray(frame.geometry.values, dtype=object).copy()
    columns = find_columns([c for c in frame.columns if not str(c).startswith("_") and c != "geometry"])
    attrs, errors, ids = normaliser.columns({key: frame[col] for key, col in columns.items()}, labels, overrides)
    if "_error" in frame.columns:
        read = frame["_error"].to_numpy(dtype=object)
        bad = np.array([e is not None and not (isinstance(e, float) and np.isnan(e)) for e in read], dtype=bool)
        errors[bad] = np.array([str(e) for e in read[bad]], dtype=object)
    missing = shapely.is_missing(geoms)
    empty = ~missing & (errors == None)  # noqa: E711
    empty[empty] = shapely.is_empty(geoms[empty])
    errors[(missing | empty) & (errors == None)] = "empty geometry"  # noqa: E711
    # the readers refuse invalid geometries; a frame built by a caller may still hold one, and GEOS
    # overlays on it fail: refuse it here with GEOS's reason
    check = np.flatnonzero(errors == None)  # noqa: E711
    invalid = check[~shapely.is_valid(geoms[check])]
    for i in invalid:
        errors[i] = f"invalid geometry: {shapely.is_valid_reason(geoms[i])}"
    if not collect:
        bad = np.flatnonzero(errors != None)  # noqa: E711
        if len(bad):
            raise InputError(str(errors[bad[0]]), path=path, feature=labels[bad[0]])
    geoms[errors != None] = None  # noqa: E711
    if radius is not None:
        if radius <= 0:
            raise InputError(f"--radius must be positive, got {radius:g}")
        points = ~shapely.is_missing(geoms)
        points[points] = np.isin(shapely.get_type_id(geoms[points]), (0, 4))
        geoms[points] = shapely.buffer(geoms[points], radius, quad_segs=32)
    repaired = frame["_repaired"].to_numpy(dtype=bool) if "_repaired" in frame.columns else np.zeros(n, dtype=bool)
    rows = np.asarray(frame.index, dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    if n and not (frame.index.is_monotonic_increasing and frame.index.is_unique):
        rows = np.arange(n, dtype=np.int64)
    ex = {name: frame[name].to_numpy(dtype=object) for name in extra if name in frame.columns}
    return Batch(rows, labels, ids, errors, geoms, repaired, attrs, ex)

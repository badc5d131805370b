"""What a rule returns for a batch: an outcome per row and arrays of facts (no strings per row).

A rule declares its possible outcomes once (:class:`Outcome`: a severity, a Chinese and an English
message template, the facts a finding carries). Evaluating a batch fills a :class:`RuleResult`:
``outcome[i]`` is the index of row i's outcome (-1: the rule does not apply to the row) and
``facts[name]`` an array over the rows. Finding objects are built from these only when an output
asks for them (:mod:`mineplan.engine.serialise`).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mineplan.findings import SEVERITIES

#: severity name -> its rank (pass 0 … forbidden 4)
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
#: an outcome whose severity is the rule's own (``Rule.severity``, which the pack may set)
FIRE = "fire"
#: an outcome whose severity is the pack's "not checked" severity ([rules] not_checked_severity)
NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class Outcome:
    """One way a rule can end for an application. ``zh``/``en`` are :meth:`str.format` templates
    over the row's facts (names starting with ``_`` feed templates but are not reported)."""

    severity: str
    zh: str
    en: str
    facts: tuple[str, ...] = ()

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The fact names the templates use."""
        names = []
        for template in (self.zh, self.en):
            for _text, name, _spec, _conv in string.Formatter().parse(template):
                if name and name not in names:
                    names.append(name)
        return tuple(names)


def cannot(zh: str, en: str, facts: tuple[str, ...] = ()) -> Outcome:
    """A "cannot judge" outcome: something the rule needs is missing."""
    return Outcome("cannot_judge", "无法判定：" + zh, "cannot judge: " + en, facts)


def passes(zh: str, en: str, facts: tuple[str, ...] = ()) -> Outcome:
    return Outcome("pass", zh, en, facts)


def fires(zh: str, en: str, facts: tuple[str, ...] = ()) -> Outcome:
    return Outcome(FIRE, zh, en, facts)


class RuleResult:
    """A rule's answer for a batch of ``n`` applications."""

    __slots__ = ("facts", "lazy", "outcome", "rule")

    def __init__(self, rule, n: int):
        self.rule = rule
        self.outcome = np.full(n, -1, dtype=np.int16)
        self.facts: dict[str, np.ndarray] = {}
        #: facts computed only for the rows serialised: name -> fn(rows) -> list of values
        self.lazy: dict[str, Callable[[np.ndarray], list]] = {}

    def __len__(self) -> int:
        return len(self.outcome)

    def set(self, name: str, rows) -> None:
        """Give ``rows`` (a boolean mask or positions) the outcome ``name``."""
        self.outcome[rows] = self.rule.outcome_index[name]

    def fact(self, name: str, values, *, digits: int | None = None, rows=None) -> None:
        """Set a fact: ``values`` over every row (an array or a scalar), or over ``rows`` only
        (other rows keep what they had: NaN or None until set)."""
        n = len(self.outcome)
        if rows is None:
            arr = np.asarray(values)
            if arr.ndim == 0 and isinstance(values, str | type(None)):
                arr = np.empty(n, dtype=object)
                arr.fill(values)  # one shared object: np.full made a copy of the text per row (210 MB at 1M)
            elif arr.ndim == 0:
                arr = np.full(n, values)
        else:
            arr = self.facts.get(name)
            vals = np.asarray(values)
            if arr is None:
                numeric = vals.dtype.kind in "fiub" and vals.dtype != object
                arr = np.full(n, np.nan) if numeric else np.full(n, None, dtype=object)
            arr[rows] = vals
        if digits is not None and arr.dtype.kind == "f":
            arr = np.round(arr, digits)
        self.facts[name] = arr

    def choice(self, name: str, index: np.ndarray, options: tuple) -> None:
        """A fact that is one of a few ``options`` per row, kept as a byte per row (``index``) and
        looked up only for the rows serialised (a text per row would cost its length per row)."""
        index = np.asarray(index, dtype=np.int8)
        values = np.empty(len(options), dtype=object)
        values[:] = list(options)
        self.lazy[name] = lambda rows: values[index[rows]].tolist()

    def lazy_fact(self, name: str, fn: Callable[[np.ndarray], list], *, where=None, values=None) -> None:
        """A fact computed only for the rows serialised: ``fn(rows) -> list``. With ``where`` (a
        mask) and ``values`` (an array), rows in ``where`` take ``values`` and only the others ``fn``."""
        if where is None:
            self.lazy[name] = fn
            return

        def merged(rows: np.ndarray) -> list:
            rows = np.asarray(rows, dtype=np.int64)
            out: list = [None] * len(rows)
            eager = where[rows]
            for k, v in zip(np.flatnonzero(eager).tolist(), values[rows[eager]].tolist(), strict=True):
                out[k] = v
            rest = np.flatnonzero(~eager)
            for k, v in zip(rest.tolist(), fn(rows[rest]) if len(rest) else [], strict=True):
                out[k] = v
            return out

        self.lazy[name] = merged

    @property
    def severity(self) -> np.ndarray:
        """Per row: the severity rank of its outcome, -1 where the rule does not apply."""
        table = np.append(self.rule.outcome_severity, -1).astype(np.int8)
        return table[self.outcome]  # -1 indexes the appended "does not apply"

    def take(self, rows: np.ndarray) -> RuleResult:
        """The result for a subset of the rows (lazy facts are asked with the original positions)."""
        out = RuleResult(self.rule, 0)
        out.outcome = self.outcome[rows]
        out.facts = {k: v[rows] for k, v in self.facts.items()}
        rows = np.asarray(rows)
        out.lazy = {k: _remapped(fn, rows) for k, fn in self.lazy.items()}
        return out


def _remapped(fn: Callable[[np.ndarray], list], rows: np.ndarray) -> Callable[[np.ndarray], list]:
    """A lazy fact of a subset: positions in the subset asked with the original positions."""
    return lambda sel: fn(rows[sel])

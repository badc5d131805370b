"""Findings built from rule results, only for the rows and rules an output asks for.

A finding is ``{"rule", "severity", "clause", "message_zh", "message_en", "facts"}``: the same
objects in ``check --format json``, screen's ``findings`` column, the report and the web API.
Messages are the rule's templates formatted with the row's facts; the clause comes from the pack.
"""

from __future__ import annotations

import math

import numpy as np
import orjson

from mineplan.engine.result import RuleResult
from mineplan.findings import SEVERITIES


def _py(value):
    """A JSON-ready Python value (numpy scalars unwrapped, NaN as None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def rule_findings(result: RuleResult, rows: np.ndarray, clause: str, problems_only: bool = False
                  ) -> dict[int, dict]:
    """The findings of one rule for ``rows`` (positions in the result): position -> finding."""
    rule = result.rule
    outcome = result.outcome[rows]
    out: dict[int, dict] = {}
    for k in np.unique(outcome[outcome >= 0]).tolist():
        sel = rows[outcome == k]
        o = rule.outcome(k)
        severity = rule.severity_of(k)
        if problems_only and severity == "pass":
            continue
        names = list(dict.fromkeys((*o.facts, *o.fields)))
        columns = {name: _column(result, name, sel) for name in names}
        for j, pos in enumerate(sel.tolist()):
            values = {name: columns[name][j] for name in names}
            out[pos] = {
                "rule": rule.code,
                "severity": severity,
                "clause": clause,
                "message_zh": _format(o.zh, values),
                "message_en": _format(o.en, values),
                "facts": {name: values[name] for name in o.facts if values[name] is not None},
            }
    return out


class _Missing:
    """A value a message needs but the row does not have: shown as a dash whatever the format."""

    def __format__(self, spec: str) -> str:
        return "—"


_MISSING = _Missing()


def _format(template: str, values: dict) -> str:
    return template.format_map({k: _MISSING if v is None else v for k, v in values.items()})


def messages(result: RuleResult, rows: np.ndarray) -> tuple[list, list]:
    """Only the Chinese and English messages of one rule for ``rows`` (the deciding reason of
    screen's rows): the facts a message does not use are never fetched."""
    rows = np.asarray(rows, dtype=np.int64)
    zh: list = [None] * len(rows)
    en: list = [None] * len(rows)
    outcome = result.outcome[rows]
    for k in np.unique(outcome[outcome >= 0]).tolist():
        at = np.flatnonzero(outcome == k)
        o = result.rule.outcome(k)
        columns = {name: _column(result, name, rows[at]) for name in o.fields}
        for j, pos in enumerate(at.tolist()):
            values = {name: columns[name][j] for name in o.fields}
            zh[pos], en[pos] = _format(o.zh, values), _format(o.en, values)
    return zh, en


def _column(result: RuleResult, name: str, sel: np.ndarray) -> list:
    if name in result.facts:
        return [_py(v) for v in result.facts[name][sel].tolist()]
    if name in result.lazy:
        return result.lazy[name](sel)
    return [None] * len(sel)


def findings(results: list[RuleResult], rows: np.ndarray, clauses: dict[str, str], problems_only: bool = False
             ) -> list[list[dict]]:
    """Per row of ``rows``: its findings in rule order."""
    rows = np.asarray(rows, dtype=np.int64)
    per_row: list[list[dict]] = [[] for _ in range(len(rows))]
    slot = {int(p): j for j, p in enumerate(rows.tolist())}
    for result in results:
        for pos, finding in rule_findings(result, rows, clauses.get(result.rule.code, ""), problems_only).items():
            per_row[slot[pos]].append(finding)
    return per_row


def findings_json(results: list[RuleResult], rows: np.ndarray, clauses: dict[str, str],
                  problems_only: bool = False) -> list[str]:
    """:func:`findings` as compact JSON text per row (orjson)."""
    return [orjson.dumps(f).decode() for f in findings(results, rows, clauses, problems_only)]


def fired_text(results: list[RuleResult], rows: np.ndarray) -> np.ndarray:
    """Per row: the rules that fired (severity above info) as "CODE:severity;…", column-wise."""
    out = np.full(len(rows), "", dtype=object)
    for result in results:
        sev = result.severity[rows]
        hit = sev > 1
        if hit.any():
            labels = np.array([f"{result.rule.code}:{s}" for s in SEVERITIES], dtype=object)
            add = labels[sev[hit]]
            cur = out[hit]
            out[hit] = np.where(cur == "", add, cur + ";" + add)
    return out

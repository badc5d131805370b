"""Run rules on a batch and decide: the verdict is the heaviest severity found, one reduction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineplan.engine.batch import Batch
from mineplan.engine.context import RuleContext
from mineplan.engine.result import RuleResult

#: severity rank -> verdict (pass, info -> allowed; cannot judge, restricted -> restricted)
VERDICT_OF_RANK = np.array(["allowed", "allowed", "restricted", "restricted", "forbidden"], dtype=object)


@dataclass
class Evaluation:
    """The rules' answers for one batch, in catalogue order."""

    batch: Batch
    results: list[RuleResult]

    def severity_matrix(self) -> np.ndarray:
        """(rows, rules) severity ranks, -1 where a rule does not apply."""
        if not self.results:
            return np.full((self.batch.n, 0), -1, dtype=np.int8)
        return np.column_stack([r.severity for r in self.results])

    def worst(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the heaviest severity rank (-1: no finding) and the first rule that has it
        (a position in ``results``, -1 for none)."""
        m = self.severity_matrix()
        if m.shape[1] == 0:
            return np.full(self.batch.n, -1, dtype=np.int8), np.full(self.batch.n, -1, dtype=np.int64)
        rank = m.max(axis=1)
        first = np.argmax(m == rank[:, None], axis=1)
        return rank, np.where(rank >= 0, first, -1)


def verdicts(rank: np.ndarray, errors: np.ndarray) -> np.ndarray:
    """Verdict per row from its heaviest severity rank; refused rows are "error"."""
    out = VERDICT_OF_RANK[np.maximum(rank, 0)]
    out[errors != None] = "error"  # noqa: E711
    return out


def evaluate(ctx: RuleContext, rules) -> Evaluation:
    """Every rule of ``rules`` on the context's batch; a rule whose layer roles the pack lacks
    reports "not checked" (:meth:`~mineplan.rules.base.Rule.not_checked`) instead."""
    results = []
    refused = ~ctx.batch.usable
    for rule in rules:
        missing = rule.missing_roles(ctx.index)
        result = rule.not_checked(ctx, missing) if missing else rule.evaluate(ctx)
        result.outcome[refused] = -1  # refused rows get no finding
        results.append(result)
    return Evaluation(ctx.batch, results)

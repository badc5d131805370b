"""Which applications a clause speaks of: right types, minerals, new or existing mines.

A clause such as 5.3.3 (全县建筑石料用灰岩新建矿山……) limits itself to some minerals and to new
mines. The limits are pack data (``[rules.scope.CODE]`` in plan.toml) so ``mineplan rules CODE``
can say them; a pack without an entry leaves the rule to its own right types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mineplan.engine.context import RuleContext
    from mineplan.pack import PlanPack

STATUS_WORDS = {"new": ("新建矿山", "new mines"), "existing": ("已有矿山", "existing mines")}


def scope_entry(rules: dict, code: str) -> dict:
    """The ``[rules.scope.CODE]`` entry of a pack's rules (empty when none)."""
    return dict(rules.get("scope", {}).get(code, {}))


def mine_status(ctx: RuleContext) -> np.ndarray:
    """Per row: the mine status given, else the pack's ``default_mine_status`` (A002 reports it)."""
    status = np.asarray(ctx.batch["mine_status"], dtype=object).copy()
    default = ctx.pack.rules.get("default_mine_status")
    if default is not None:
        status[status == None] = default  # noqa: E711
    return status


def in_scope(ctx: RuleContext, code: str, right_types: tuple[str, ...]) -> np.ndarray:
    """Mask of the usable rows the clause of rule ``code`` speaks of (``right_types``: the rule's
    own, used when the pack's scope names none)."""
    scope = scope_entry(ctx.pack.rules, code)
    rows = ctx.rows(tuple(scope.get("right_types", right_types)))
    if "minerals" in scope:
        rows &= np.isin(ctx.batch["mineral"], list(scope["minerals"]))
    if "mine_status" in scope:
        rows &= np.isin(mine_status(ctx), list(scope["mine_status"]))
    return rows


def describe(pack: PlanPack, code: str, right_types: tuple[str, ...]) -> str:
    """The scope of rule ``code`` in a sentence, for ``mineplan rules CODE``."""
    scope = scope_entry(pack.rules, code)
    parts = [", ".join(scope.get("right_types", right_types)) + " applications"]
    if "minerals" in scope:
        parts.append("mineral " + " / ".join(scope["minerals"]))
    if "mine_status" in scope:
        parts.append(" / ".join(f"{STATUS_WORDS[s][1]} ({STATUS_WORDS[s][0]})" if s in STATUS_WORDS else s
                                for s in scope["mine_status"]))
    where = "[rules.scope." + code + "]" if scope else "the rule's own right types"
    return "; ".join(parts) + f"  (from {where})"

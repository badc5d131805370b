"""The rule catalogue as plain data: what ``mineplan rules [CODE]`` shows, for JSON consumers.

Each rule joins the code's definition (:data:`mineplan.rules.CATALOGUE`) with the plan pack's
catalogue entry (the clause and the plan's own sentence). The web API returns these objects.
"""

from __future__ import annotations

from mineplan.pack import PlanPack


def rule_entry(rule, pack: PlanPack) -> dict:
    """One rule: code, titles, severity, what it applies to, what it checks, clause and plan text."""
    entry = pack.config.get("catalogue", {}).get(rule.code, {})
    return {
        "code": rule.code,
        "title_zh": rule.title_zh,
        "title_en": rule.title_en,
        "severity": rule.severity,
        "applies_to": list(rule.applies_to),
        "what": rule.what,
        "clause": entry.get("clause", ""),
        "text_zh": entry.get("text_zh", ""),
    }


def rule_list(pack: PlanPack) -> list[dict]:
    """Every rule of the catalogue, in catalogue order."""
    from mineplan.rules import CATALOGUE

    return [rule_entry(rule, pack) for rule in CATALOGUE]


def find_rule(pack: PlanPack, code: str) -> dict | None:
    """The rule with ``code`` (case-insensitive), or None when there is no such rule."""
    from mineplan.rules import BY_CODE

    rule = BY_CODE.get(code.upper())
    return None if rule is None else rule_entry(rule, pack)

"""The rule catalogue as plain data: what ``mineplan rules [CODE]`` shows, for JSON consumers.

Each rule joins the code's definition (the pack's :attr:`~mineplan.pack.PlanPack.rule_set`) with the plan pack's
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
    """Every rule the pack enables, in report order."""
    return [rule_entry(rule, pack) for rule in pack.rule_set.rules]


def find_rule(pack: PlanPack, code: str) -> dict | None:
    """The rule with ``code`` (case-insensitive), or None when there is no such rule."""
    rule = pack.rule_set.by_code.get(code.upper())
    return None if rule is None else rule_entry(rule, pack)

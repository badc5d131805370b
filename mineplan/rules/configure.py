"""The rules of a plan pack: mineplan's catalogue as the pack configures it.

The pack decides which rules run and how (``[catalogue.CODE]``: ``enabled``, ``severity``,
``title_zh``/``title_en``), and adds rules of its own from data: one setback rule per
``[[setbacks]]`` entry, one cap rule per ``[[indicators]]`` entry that names a ``rule``. The
order is the report order: the fixed rules in catalogue order, the setbacks where the distance
rules stand, the caps last.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from mineplan.errors import RuleConfigError
from mineplan.rules.base import Rule


@dataclass(frozen=True)
class RuleSet:
    """The enabled, configured rules of one pack, in report order."""

    rules: tuple[Rule, ...]
    disabled: tuple[str, ...] = ()

    @cached_property
    def by_code(self) -> dict[str, Rule]:
        return {rule.code: rule for rule in self.rules}

    @cached_property
    def order(self) -> dict[str, int]:
        return {rule.code: n for n, rule in enumerate(self.rules)}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(rule.code for rule in self.rules)


def build_rule_set(pack) -> RuleSet:
    """The pack's rules: the fixed catalogue, its setbacks and its caps, configured and filtered."""
    from mineplan.rules import FIXED_RULES, SETBACKS_AFTER
    from mineplan.rules.cross import cap_rule, check_indicator
    from mineplan.rules.setbacks import Setback

    toml = pack.root / "plan.toml"
    catalogue = pack.config.get("catalogue", {})
    setbacks = [Setback.from_entry(entry, pack, k) for k, entry in enumerate(pack.config.get("setbacks", []))]
    indicators = pack.config.get("indicators", [])
    if not isinstance(indicators, list):
        raise RuleConfigError(f"{toml}: indicators must be a list of [[indicators]] tables")
    for k, entry in enumerate(indicators):
        check_indicator(entry, pack, k)
    caps = [cap_rule(entry, pack, k) for k, entry in enumerate(indicators) if entry.get("rule")]
    ordered: list[Rule] = []
    for rule in FIXED_RULES:
        ordered.append(rule)
        if rule.code == SETBACKS_AFTER:
            ordered.extend(setbacks)
    ordered.extend(caps)
    seen: dict[str, Rule] = {}
    for rule in ordered:
        if rule.code in seen:
            raise RuleConfigError(f"{toml}: rule code {rule.code} is used twice (by {type(seen[rule.code]).__name__}"
                                  f" and {type(rule).__name__}); give each [[setbacks]] / [[indicators]] rule its "
                                  "own code")
        seen[rule.code] = rule
    enabled, disabled = [], []
    for rule in ordered:
        entry = catalogue.get(rule.code, {})
        if not isinstance(entry, dict):
            raise RuleConfigError(f"{toml}: [catalogue.{rule.code}] must be a table")
        on = entry.get("enabled", True)
        if not isinstance(on, bool):
            raise RuleConfigError(f"{toml}: [catalogue.{rule.code}] enabled must be true or false, got {on!r}")
        if on:
            missing = [name for name in rule.params if name not in pack.rules]
            if missing:
                raise RuleConfigError(f"{toml}: [rules] has no {missing[0]!r} (rule {rule.code} reads it; "
                                      f"or disable the rule with [catalogue.{rule.code}] enabled = false)")
            enabled.append(rule.configure(pack, entry))
        else:
            disabled.append(rule.code)
    return RuleSet(tuple(enabled), tuple(disabled))

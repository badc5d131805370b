"""mineplan's rules. :data:`FIXED_RULES` are the rules written in Python, in the order findings
are reported; a plan pack adds its setbacks and caps and configures them all
(:func:`mineplan.rules.configure.build_rule_set`, through ``PlanPack.rule_set``)."""

from __future__ import annotations

from mineplan.rules.assumptions import Assumptions, MineralNamed
from mineplan.rules.base import Rule
from mineplan.rules.blocks import (
    ExplorationCoincidesWithBlock,
    ExplorationKeepsMineral,
    ExplorationStage,
    LargeDepositSmallMine,
    MiningInsideBlock,
    MiningKeepsMineral,
    OneDepositManyMines,
)
from mineplan.rules.conduct import CleanGrant, CompetitiveGrant, GreenExploration, GreenMine, RestorationPlan
from mineplan.rules.cross import OneExplorationHolder, OneMinePerBlock, RightsOverlap
from mineplan.rules.general import GeometryRepaired, PlanningArea, ProhibitedMineral, RightTypeGiven
from mineplan.rules.mining import (
    LicenceTerm,
    MediumScale,
    MinimumOutput,
    OutputWithinResource,
    SandGravelOutsideKeyZone,
)
from mineplan.rules.setbacks import ThreeZonesTwoLines
from mineplan.rules.sites import ConstraintLayers, SiteCoversPlannedResources

FIXED_RULES: tuple[Rule, ...] = (
    RightTypeGiven(),
    GeometryRepaired(),
    Assumptions(),
    PlanningArea(),
    ProhibitedMineral(),
    MineralNamed(),
    ExplorationCoincidesWithBlock(),
    ExplorationKeepsMineral(),
    ExplorationStage(),
    MiningInsideBlock(),
    MiningKeepsMineral(),
    LargeDepositSmallMine(),
    OneDepositManyMines(),
    SandGravelOutsideKeyZone(),
    MediumScale(),
    MinimumOutput(),
    LicenceTerm(),
    OutputWithinResource(),
    ThreeZonesTwoLines(),
    CompetitiveGrant(),
    CleanGrant(),
    GreenMine(),
    RestorationPlan(),
    GreenExploration(),
    SiteCoversPlannedResources(),
    ConstraintLayers(),
    OneExplorationHolder(),
    OneMinePerBlock(),
    RightsOverlap(),
)
#: the pack's [[setbacks]] rules are reported after this rule
SETBACKS_AFTER = "V230"

__all__ = ["FIXED_RULES", "SETBACKS_AFTER", "Rule"]

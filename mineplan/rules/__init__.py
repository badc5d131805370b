"""The rule catalogue, in the order findings are reported."""

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
from mineplan.rules.cross import (
    ExplorationRightsCap,
    GeothermalCap,
    MineralWaterCap,
    MinesCap,
    OneExplorationHolder,
    OneMinePerBlock,
    RightsOverlap,
)
from mineplan.rules.general import GeometryRepaired, PlanningArea, ProhibitedMineral, RightTypeGiven
from mineplan.rules.mining import (
    LicenceTerm,
    LimestoneMinimumOutput,
    MediumScale,
    OutputWithinResource,
    SandGravelOutsideKeyZone,
)
from mineplan.rules.setbacks import BridgeSetback, RailwaySetback, ThreeZonesTwoLines
from mineplan.rules.sites import ConstraintLayers, SiteCoversPlannedResources

CATALOGUE: tuple[Rule, ...] = (
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
    LimestoneMinimumOutput(),
    LicenceTerm(),
    OutputWithinResource(),
    ThreeZonesTwoLines(),
    RailwaySetback(),
    BridgeSetback(),
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
    ExplorationRightsCap(),
    MinesCap(),
    GeothermalCap(),
    MineralWaterCap(),
)

BY_CODE = {rule.code: rule for rule in CATALOGUE}
ORDER = {rule.code: n for n, rule in enumerate(CATALOGUE)}

__all__ = ["BY_CODE", "CATALOGUE", "ORDER", "Rule"]

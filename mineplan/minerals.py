"""The plan's mineral catalogue: names, aliases, classes, units and scale tables (plan.toml)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mineplan.errors import RuleConfigError


@dataclass(frozen=True)
class Mineral:
    name: str  # the plan's Chinese name, the canonical key
    en: str
    classes: frozenset[str] = field(default_factory=frozenset)
    unit: str | None = None
    sand_gravel: bool = False
    scale_table: str | None = None
    density: float | None = None  # t/m³, to convert 万吨 <-> 万立方米

    @property
    def prohibited(self) -> bool:
        return "prohibited" in self.classes


class MineralCatalog:
    """Resolve user-given mineral names (Chinese, English, aliases) to the plan's minerals."""

    def __init__(self, config: dict):
        self.minerals: dict[str, Mineral] = {}
        self._lookup: dict[str, str] = {}
        for name, entry in config.get("minerals", {}).items():
            mineral = Mineral(
                name=name,
                en=entry.get("en", name),
                classes=frozenset(entry.get("classes", [])),
                unit=entry.get("unit"),
                sand_gravel=bool(entry.get("sand_gravel", False)),
                scale_table=entry.get("scale_table"),
                density=entry.get("density_t_per_m3"),
            )
            if mineral.scale_table and mineral.scale_table not in config.get("scale_tables", {}):
                raise RuleConfigError(f"plan.toml: mineral {name}: unknown scale_table {mineral.scale_table!r}")
            self.minerals[name] = mineral
            for alias in (name, mineral.en, *entry.get("aliases", [])):
                self._lookup[_key(alias)] = name
        self.scale_tables: dict[str, dict] = config.get("scale_tables", {})

    def resolve(self, text: str) -> Mineral | None:
        return self.minerals.get(self._lookup.get(_key(text), ""))

    def known_names(self) -> list[str]:
        return [f"{m.name} ({m.en})" for m in self.minerals.values()]

    def with_class(self, cls: str) -> list[Mineral]:
        return [m for m in self.minerals.values() if cls in m.classes]


def _key(text: str) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").replace("-", " ").split())

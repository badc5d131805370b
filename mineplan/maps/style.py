"""The documented style of every map layer (see docs/maps.md), shared by the static and web maps.

Colours follow the conventions of Chinese mineral-planning maps where they exist: exploration
in blue, mining in red, key zones as translucent hatched areas of the same hues, the county
boundary as a dash-dot line, railways as the black-and-white "chequered" line, water in blue.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Style:
    """One legend entry: its labels and how matplotlib and Leaflet draw it."""

    key: str
    zh: str
    en: str
    kind: str  # "polygon", "line" or "point"
    color: str  # outline / line / marker colour
    fill: str | None = None
    fill_opacity: float = 0.0
    width: float = 1.0
    dash: str | None = None  # matplotlib linestyle: "--", "-.", ":"
    hatch: str | None = None
    casing: str | None = None  # a line drawn under the line (roads), or the dash colour (railways)
    zorder: int = 2
    extra: dict = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def leaflet(self) -> dict:
        """Leaflet path options (for folium's ``style_function``)."""
        out = {"color": self.color, "weight": max(self.width, 1.0), "opacity": 0.95,
               "fillColor": self.fill or self.color, "fillOpacity": self.fill_opacity if self.fill else 0.0}
        if self.dash == "--":
            out["dashArray"] = "8 4"
        elif self.dash == "-.":
            out["dashArray"] = "10 4 2 4"
        elif self.dash == ":":
            out["dashArray"] = "2 4"
        if self.kind == "line" and self.casing and self.key in ("railway", "high_speed_railway"):
            out["dashArray"] = "10 6"
        return out


STYLES: dict[str, Style] = {s.key: s for s in (
    Style("county", "县界", "County boundary", "polygon", "#3a3a3a", fill="#fbf7ec", fill_opacity=1.0,
          width=1.8, dash="-.", zorder=1),
    Style("key_exploration_zone", "重点勘查区", "Key exploration zone", "polygon", "#2166ac", fill="#92c5de",
          fill_opacity=0.30, width=1.3, dash="--", hatch="///", zorder=3),
    Style("key_mining_zone", "重点开采区", "Key mining zone", "polygon", "#b2182b", fill="#f4a582",
          fill_opacity=0.35, width=1.3, dash="--", hatch="\\\\\\", zorder=3),
    Style("exploration_block", "勘查规划区块", "Exploration block", "polygon", "#08519c", fill="#4292c6",
          fill_opacity=0.75, width=1.2, zorder=6),
    Style("mining_block", "开采规划区块", "Mining block", "polygon", "#99000d", fill="#ef3b2c",
          fill_opacity=0.85, width=1.2, zorder=6),
    # three zones (三区), by class
    Style("nature_reserve", "自然保护区", "Nature reserve", "polygon", "#238b45", fill="#74c476",
          fill_opacity=0.45, width=0.9, zorder=2),
    Style("geopark", "地质公园", "Geopark", "polygon", "#238b45", fill="#a1d99b", fill_opacity=0.50,
          width=0.9, hatch="..", zorder=2),
    Style("scenic_area", "风景名胜区", "Scenic area", "polygon", "#006d2c", fill="#41ab5d", fill_opacity=0.50,
          width=0.9, zorder=2),
    Style("urban_area", "城市规划区", "Urban planning area", "polygon", "#7f6a4f", fill="#d8c8a8",
          fill_opacity=0.70, width=0.9, zorder=2),
    Style("reservoir", "水库", "Reservoir", "polygon", "#2171b5", fill="#9ecae1", fill_opacity=0.85,
          width=0.9, zorder=2),
    # two lines (两线), by class
    Style("railway", "铁路", "Railway", "line", "#111111", width=2.6, casing="#ffffff", zorder=5),
    Style("high_speed_railway", "高速铁路", "High-speed railway", "line", "#4a1486", width=3.0, casing="#ffffff",
          zorder=5),
    Style("expressway", "高速公路", "Expressway", "line", "#d94801", width=2.8, casing="#7f2704", zorder=5),
    Style("national_road", "国道", "National road", "line", "#e6550d", width=2.0, zorder=5),
    Style("provincial_road", "省道", "Provincial road", "line", "#fd8d3c", width=1.6, zorder=5),
    Style("river", "河流", "River", "line", "#3182bd", width=1.4, zorder=4),
    Style("visibility_buffer", "三区两线可视范围", "“Three zones, two lines” visibility range", "polygon",
          "#c9a227", fill="#fee391", fill_opacity=0.35, width=0.6, dash=":", zorder=2),
    Style("road_bridge", "大中型公路桥梁", "Large/medium road bridge", "point", "#252525", fill="#ffffff",
          fill_opacity=1.0, width=1.2, zorder=7),
    Style("constraint", "其他约束区", "Other constraint", "polygon", "#6a51a3", fill="#bcbddc",
          fill_opacity=0.4, width=0.9, hatch="xx", zorder=2),
    Style("setback", "退让要素", "Setback feature", "point", "#8c2d04", fill="#fdae6b", fill_opacity=1.0,
          width=1.0, zorder=7),
)}

#: Fallback style of a three-zones / two-lines class the table lacks.
DEFAULT_ZONE = Style("three_zones", "三区", "Three zones", "polygon", "#238b45", fill="#a1d99b",
                     fill_opacity=0.45, width=0.9, zorder=2)
DEFAULT_LINE = Style("two_lines", "两线", "Two lines", "line", "#636363", width=1.6, zorder=5)

#: Applications, by verdict (traffic-light colours used by the terminal output too).
VERDICT_COLORS = {"allowed": "#1a9850", "restricted": "#f39c12", "forbidden": "#d7191c", "error": "#7b3294"}
VERDICT_LABELS = {
    "allowed": ("申请：允许", "Application: allowed"),
    "restricted": ("申请：限制", "Application: restricted"),
    "forbidden": ("申请：禁止", "Application: forbidden"),
    "error": ("申请：输入错误", "Application: input error"),
}


def style_for(role: str, feature_class: str | None = None) -> Style:
    """The style of a feature of ``role`` (three zones and two lines also by ``class``)."""
    if role in ("three_zones", "two_lines"):
        if feature_class in STYLES:
            return STYLES[feature_class]
        return DEFAULT_ZONE if role == "three_zones" else DEFAULT_LINE
    return STYLES.get(role, STYLES["constraint"])


#: The order layers are drawn in (bottom first) by role.
ROLE_ORDER = ("county", "three_zones", "constraint", "key_exploration_zone", "key_mining_zone",
              "two_lines", "exploration_block", "mining_block", "road_bridge", "setback")

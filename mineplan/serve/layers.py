"""The plan's layers for the web: GeoJSON in EPSG:4326 by role, and the map style of each layer."""

from __future__ import annotations

import json
from functools import cache

from mineplan.pack import PlanPack


def _style(style) -> dict:
    return {**style.leaflet(), "kind": style.kind, "label_zh": style.zh, "label_en": style.en}


def layer_summaries(pack: PlanPack) -> list[dict]:
    """Each layer: name, role, titles, feature count and its default map style, in drawing order."""
    from mineplan.maps.style import ROLE_ORDER, style_for

    order = {role: i for i, role in enumerate(ROLE_ORDER)}
    layers = sorted(pack.layers.values(), key=lambda la: (order.get(la.role, len(order)), la.name))
    return [{"name": la.name, "role": la.role, "title_zh": la.title_zh, "title_en": la.title_en,
             "features": len(la.frame), "style": _style(style_for(la.role))} for la in layers]


def class_styles() -> dict[str, dict]:
    """Styles of the feature classes of the three zones and two lines (``class`` attribute)."""
    from mineplan.maps.style import STYLES

    return {key: _style(style) for key, style in STYLES.items()}


class LayerCache:
    """GeoJSON text of every role, built once per pack (the pack does not change while serving)."""

    def __init__(self, pack: PlanPack):
        self.pack = pack
        self.text = cache(self._build)

    def roles(self) -> list[str]:
        return sorted({la.role for la in self.pack.layers.values()})

    def _build(self, role: str) -> str:
        import geopandas as gpd
        import pandas as pd

        frames = [la.frame.assign(layer=la.name) for la in self.pack.layers_with_role(role)]
        frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs).to_crs("EPSG:4326")
        for column in frame.columns:
            if column != "geometry" and frame[column].dtype == object:  # lists (anchors) as JSON-safe values
                frame[column] = frame[column].map(lambda v: v if v is None or isinstance(v, (str, int, float))
                                                  else json.loads(json.dumps(v, default=str)))
        doc = json.loads(frame.to_json(na="null", drop_id=True))
        doc["role"] = role
        doc["crs"] = "EPSG:4326"
        return json.dumps(doc, ensure_ascii=False)

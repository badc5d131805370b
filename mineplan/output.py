"""Rendering check results: a rich panel and table on the terminal, JSON, GeoJSON."""

from __future__ import annotations

import json
import math

from mineplan.checker import CheckReport
from mineplan.findings import Result

VERDICT_STYLE = {"allowed": "bold green", "restricted": "bold yellow", "forbidden": "bold red", "error": "bold magenta"}
VERDICT_ZH = {"allowed": "允许", "restricted": "限制", "forbidden": "禁止", "error": "输入错误"}
SEVERITY_STYLE = {"pass": "green", "info": "cyan", "cannot_judge": "yellow", "restricted": "yellow", "forbidden": "red"}
SEVERITY_ZH = {"pass": "通过", "info": "提示", "cannot_judge": "无法判定", "restricted": "限制", "forbidden": "禁止"}


def _clean(value):
    """JSON-safe values: numpy scalars to Python, NaN to None."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def to_json(report: CheckReport) -> str:
    return json.dumps(_clean(report.as_dict()), ensure_ascii=False, indent=2)


def to_geojson(report: CheckReport, frame) -> str:
    """The input features (in WGS84) with verdict and findings as properties."""
    wgs = frame.to_crs("EPSG:4326")
    features = []
    for result, geom, (_, row) in zip(report.results, wgs.geometry, wgs.iterrows(), strict=True):
        props = {k: v for k, v in row.items() if k != "geometry" and not str(k).startswith("_")}
        props.update(id=result.id, verdict=result.verdict, findings=[f.as_dict() for f in result.findings])
        if result.error:
            props["error"] = result.error
        features.append({"type": "Feature", "properties": _clean(props),
                         "geometry": None if geom is None else geom.__geo_interface__})
    doc = {"type": "FeatureCollection", "plan": report.pack.identity(), "verdict": report.verdict, "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def _facts_text(facts: dict) -> str:
    parts = []
    for key, value in facts.items():
        if isinstance(value, list):
            value = ", ".join(v.get("code", str(v)) if isinstance(v, dict) else str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items() if k in ("code", "distance_m", "limit_m"))
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{key}={value}")
    return "; ".join(parts)


def render(console, report: CheckReport, lang: str = "zh", show_passes: bool = True) -> None:
    """Print a verdict panel and a findings table per application."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    plan = report.pack.plan
    title = plan["name_zh"] if lang == "zh" else plan.get("name_en", plan["name_zh"])
    for note in report.notes:
        console.print(f"[cyan]note:[/] {note}")
    for result in report.results:
        _render_one(console, result, lang, title, show_passes, Panel, Table, Text)
    if len(report.results) > 1:
        verdict = report.verdict
        label = VERDICT_ZH[verdict] if lang == "zh" else verdict
        console.print(Text(f"{'总体结论' if lang == 'zh' else 'Overall'}: {label}", style=VERDICT_STYLE[verdict]))


def _render_one(console, result: Result, lang, title, show_passes, Panel, Table, Text) -> None:
    verdict = result.verdict
    label = f"{VERDICT_ZH[verdict]} {verdict.upper()}" if lang == "zh" else verdict.upper()
    body = Text(label, style=VERDICT_STYLE[verdict], justify="center")
    if result.error:
        body.append(f"\n{result.error}", style="magenta")
    console.print(Panel(body, title=f"{result.id}", subtitle=title, expand=True))
    shown = [f for f in result.findings if show_passes or f.severity != "pass"]
    if not shown:
        return
    table = Table(show_lines=False, expand=True)
    table.add_column("rule" if lang == "en" else "规则", no_wrap=True)
    table.add_column("severity" if lang == "en" else "结果", no_wrap=True)
    table.add_column("clause" if lang == "en" else "条款", ratio=1, overflow="fold")
    table.add_column("message" if lang == "en" else "说明", ratio=4, overflow="fold")
    table.add_column("facts" if lang == "en" else "量测事实", ratio=3, overflow="fold")
    for f in shown:
        sev = f.severity if lang == "en" else SEVERITY_ZH[f.severity]
        table.add_row(f.rule, Text(sev, style=SEVERITY_STYLE[f.severity]), f.clause,
                      f.message_en if lang == "en" else f.message_zh, _facts_text(f.facts))
    console.print(table)

"""Rendering check results on the terminal: a rich panel and a findings table."""

from __future__ import annotations

from mineplan.checker import CheckReport
from mineplan.findings import Result

VERDICT_STYLE = {"allowed": "bold green", "restricted": "bold yellow", "forbidden": "bold red", "error": "bold magenta"}
VERDICT_ZH = {"allowed": "允许", "restricted": "限制", "forbidden": "禁止", "error": "输入错误"}
SEVERITY_STYLE = {"pass": "green", "info": "cyan", "cannot_judge": "yellow", "restricted": "yellow", "forbidden": "red"}
SEVERITY_ZH = {"pass": "通过", "info": "提示", "cannot_judge": "无法判定", "restricted": "限制", "forbidden": "禁止"}


def to_json(report: CheckReport) -> str:
    """``check --format json`` (the writers module builds it)."""
    from mineplan.writers import report_json

    return report_json(report)


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

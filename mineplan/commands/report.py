"""``mineplan report``: the plan's indicator table (3.1) against the rights registry."""

from __future__ import annotations

import json

import click

from mineplan.commands.options import console, lang_opt


@click.command()
@click.option("--registry", "registry_path", type=click.Path(dir_okay=False), default=None,
              help="Registry GeoPackage (default: as for `mineplan registry`).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, writable=True),
              help="Also draw the indicators (value vs limit) as a PNG.")
@lang_opt
@click.pass_context
def report(ctx, registry_path, fmt, chart_path, lang):
    """Plan implementation: exploration rights, mines, extraction, scale and green-mine shares
    in the registry (granted + pending) against the plan's indicator table."""
    from mineplan.commands.options import pack_from
    from mineplan.indicators import STATUS_TEXT, evaluate, report_dict, write_chart
    from mineplan.registry import _now, open_registry

    pack = pack_from(ctx)
    reg = open_registry(registry_path, work_crs=pack.work_crs)
    indicators = evaluate(reg.existing_rights(), pack)
    if chart_path:
        title = f"{pack.plan.get('name_zh', '')} — 规划实施情况 / plan implementation"
        note = (f"counted: granted + pending rights\nregistry: {reg.path.name} (change {reg.changes()})\n"
                f"plan pack: {pack.plan['id']} {pack.plan['version']}\ndrawn: {_now()[:16].replace('T', ' ')} UTC")
        write_chart(indicators, chart_path, title=title, note=note)
    if fmt == "json":
        click.echo(json.dumps(report_dict(indicators, pack, reg), ensure_ascii=False, indent=1))
        if chart_path:
            click.echo(f"chart: {chart_path}", err=True)
        return
    from rich.table import Table

    zh = lang == "zh"
    table = Table(title=("规划指标实施情况" if zh else "Plan indicators") + f" — {reg.path}")
    heads = (("指标", "现状", "规划", "单位", "状态", "说明") if zh
             else ("indicator", "value", "plan", "unit", "status", "detail"))
    for i, head in enumerate(heads):
        table.add_column(head, justify="right" if i in (1, 2) else "left", overflow="fold")
    colour = {"on_track": "green", "at_limit": "yellow", "over": "red", "below_floor": "red", "no_data": "dim"}
    for ind in indicators:
        bound = ("≤ " if ind.kind == "max" else "≥ ") + f"{ind.limit:g}"
        value = "—" if ind.value is None else f"{ind.value:.4g}"
        status = STATUS_TEXT[ind.status][0 if zh else 1]
        table.add_row(ind.title_zh if zh else ind.title_en, value, bound, ind.unit,
                      f"[{colour[ind.status]}]{status}[/]", ind.detail_zh if zh else ind.detail_en)
    out = console()
    out.print(table)
    if chart_path:
        out.print(f"chart: {chart_path}")

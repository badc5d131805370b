"""``mineplan check FILE``: the verdict on one application file, with every reason."""

from __future__ import annotations

import click

from mineplan.applications import METHODS, MINE_STATUS, RIGHT_TYPES, UNITS
from mineplan.commands.options import console, lang_opt, run_options


def aliases(table: dict[str, tuple[str, ...]]) -> click.Choice:
    """A choice of the canonical values and their aliases (Chinese included)."""
    return click.Choice([name for names in table.values() for name in names], case_sensitive=False)


@click.command()
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=True, exists=True))
@click.option("--id", "id_", help="Application id (overrides the file's).")
@click.option("--right-type", type=aliases(RIGHT_TYPES), help="exploration 探矿权, mining 采矿权 or site 建设项目.")
@click.option("--mineral", help="Mineral, e.g. 建筑石料用灰岩, 地热, 矿泉水, limestone.")
@click.option("--method", type=aliases(METHODS), help="open_pit 露天, underground 地下 or well 钻井.")
@click.option("--stage", help="Exploration stage: 预查, 普查, 详查, 勘探.")
@click.option("--annual-output", type=float, help="Design output per year (see --output-unit).")
@click.option("--output-unit", type=aliases(UNITS), help="Unit of --annual-output: 万吨/年 (wt) or 万立方米/年 (wm3).")
@click.option("--licence-years", type=float, help="Licence term in years.")
@click.option("--green-mine/--no-green-mine", default=None, help="Green-mine (or green-exploration) commitment.")
@click.option("--grant", help="Grant method: 招标, 拍卖, 挂牌, 协议.")
@click.option("--mine-status", type=aliases(MINE_STATUS), help="new 新建 or existing 已有 mine (default: the pack's).")
@click.option("--clean-grant/--no-clean-grant", default=None, help="The mining right is granted clean (净矿出让).")
@click.option("--restoration-plan/--no-restoration-plan", default=None,
              help="The mine's restoration plan (矿山地质环境保护与土地复垦方案) is prepared.")
@click.option("--applicant", help="Applicant.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "geojson"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write json/geojson here.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="Also write a one-page report (.html or .pdf).")
@click.option("--all/--problems-only", "show_passes", default=True, help="Show passing findings in the table.")
@run_options
@lang_opt
@click.pass_context
def check(ctx, path, id_, right_type, mineral, method, stage, annual_output, output_unit, licence_years,
          green_mine, grant, mine_status, clean_grant, restoration_plan, applicant, radius, constraints, fix, strict,
          fmt, output, report_path, registry_path, show_passes, layer, input_crs, lang):
    """Check an application (a right or a site) against the plan.

    Exit status: 0 allowed, 3 restricted, 4 forbidden, 2 unusable input, 1 internal error.
    """
    from mineplan.checker import check_file
    from mineplan.commands.options import options_from, pack_from
    from mineplan.findings import EXIT_CODES
    from mineplan.output import render
    from mineplan.writers import report_geojson, report_json, write_text

    overrides = {"id": id_, "right_type": right_type, "mineral": mineral, "method": method, "stage": stage,
                 "annual_output": annual_output, "output_unit": output_unit, "licence_years": licence_years,
                 "green_mine": green_mine, "grant": grant, "applicant": applicant, "mine_status": mine_status,
                 "clean_grant": clean_grant, "restoration_plan": restoration_plan}
    pack = pack_from(ctx)
    options = options_from(ctx, pack, radius=radius, constraints=constraints, fix=fix, strict=strict,
                           registry_path=registry_path,
                           layer=layer, input_crs=input_crs, overrides=overrides, problems_only=not show_passes
                           and fmt != "table")
    report = check_file(path, pack=pack, options=options)
    if report_path:
        from mineplan.report import write_report

        write_report(report, report_path, lang=lang)
    if fmt == "table":
        render(console(), report, lang=lang, show_passes=show_passes)
    else:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        text = report_json(report) if fmt == "json" else report_geojson(report)
        if output:
            write_text(output, text + "\n")
        else:
            click.echo(text)
    ctx.exit(EXIT_CODES[report.verdict])

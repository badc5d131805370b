"""``mineplan check FILE``: the verdict on one application file, with every reason."""

from __future__ import annotations

import click

from mineplan.commands.options import as_of_opt, console, lang_opt, profile_from, profile_options, run_options


@click.command()
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=True, exists=True))
@click.option("--id", "id_", help="Application id (overrides the file's).")
@profile_options
@click.option("--format", "fmt", type=click.Choice(["table", "json", "geojson"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write json/geojson here.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="Also write a one-page report (.html or .pdf).")
@click.option("--all/--problems-only", "show_passes", default=True, help="Show passing findings in the table.")
@run_options
@as_of_opt
@lang_opt
@click.pass_context
def check(ctx, path, id_, radius, constraints, fix, strict, fmt, output, report_path, registry_path, show_passes,
          layer, input_crs, angle_format, encoding, lang, as_of, **profile):
    """Check an application (a right or a site) against the plan.

    Exit status: 0 allowed, 3 restricted, 4 forbidden, 2 unusable input, 1 internal error.
    """
    from mineplan.checker import check_file
    from mineplan.commands.options import options_from, pack_from
    from mineplan.findings import EXIT_CODES
    from mineplan.output import render
    from mineplan.writers import report_geojson, report_json, write_text

    overrides = {"id": id_, **profile_from(profile)}
    pack = pack_from(ctx, as_of=as_of)
    options = options_from(ctx, pack, radius=radius, constraints=constraints, fix=fix, strict=strict,
                           registry_path=registry_path,
                           layer=layer, input_crs=input_crs, angle_format=angle_format,
                           encoding=encoding, overrides=overrides, problems_only=not show_passes
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

"""``mineplan screen INPUT -o OUTPUT``: screen a batch of applications, one row each out."""

from __future__ import annotations

import sys

import click

from mineplan.commands.options import as_of_opt, console, run_options


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=True, exists=True))
@click.option("-o", "--output", "output_path", required=True, type=click.Path(dir_okay=False),
              help="Output file; format by suffix: .gpkg, .geojson, .parquet, .csv, .xlsx.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="Applications per chunk (memory is bounded by the chunk, not the input).")
@click.option("--priority", metavar="FIELD",
              help="Rank applications for the cross rules (caps, one holder per block) by this attribute, "
                   "ascending; default: input order.")
@click.option("--problems-only", is_flag=True, help="Leave passing findings out (findings column or severity columns).")
@click.option("--findings", "findings", type=click.Choice(["columns", "json"]), default="columns", show_default=True,
              help="columns: one severity column per rule (sev_CODE) beside the deciding reason; json: every "
                   "finding as JSON text in a findings column, as `check --format json` gives it.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: stream on this machine; dask: dask-geopandas partitions (GeoParquet in and out).")
@click.option("--scheduler", metavar="ADDRESS", help="dask.distributed scheduler (default: a LocalCluster).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="local engine: processes that check chunks (default: one per core, at most 2).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary table.")
@run_options
@as_of_opt
@click.pass_context
def screen(ctx, input_path, output_path, chunk_size, priority, problems_only, findings, engine, scheduler, workers,
           quiet, radius, constraints, fix, strict, registry_path, layer, input_crs, angle_format, encoding,
           as_of):
    """Screen every application in INPUT against the plan and write one row each to OUTPUT.

    Each row: the id and attributes, verdict, worst rule, findings (JSON text) and key measures.
    A bad record becomes an "error" row; the others are still screened. Exit status: 0 when the
    screen ran (whatever the verdicts), 2 for unusable input, 1 for an internal error.
    """
    from mineplan.commands.options import options_from, pack_from

    pack = pack_from(ctx, as_of=as_of)
    options = options_from(ctx, pack, radius=radius, constraints=constraints, fix=fix, strict=strict,
                           registry_path=registry_path,
                           layer=layer, input_crs=input_crs, angle_format=angle_format,
                           encoding=encoding, priority=priority, problems_only=problems_only,
                           findings=findings)
    out = console(stderr=True)
    show = not quiet and sys.stderr.isatty()
    if engine == "dask":
        from mineplan.engine.dask import screen_dask

        summary = screen_dask(input_path, output_path, pack=pack, options=options, scheduler=scheduler,
                              n_workers=workers or 2)
    else:
        from mineplan.screen import count_rows
        from mineplan.screen import screen as run

        kwargs = dict(pack=pack, options=options, chunk_size=chunk_size, workers=workers)  # workers None: per core
        if show:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(TextColumn("screening"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=out, transient=True) as bar:
                task = bar.add_task("screen", total=count_rows(input_path, layer))
                summary = run(input_path, output_path, progress=lambda done: bar.update(task, completed=done),
                              **kwargs)
        else:
            summary = run(input_path, output_path, **kwargs)
    if not quiet:
        for note in summary.notes:
            click.echo(f"note: {note}", err=True)
        render_summary(console(), summary, pack)


def render_summary(out, summary, pack) -> None:
    from rich.table import Table

    head = Table(title=f"{summary.rows} applications screened in {summary.seconds:.1f} s → {summary.output}")
    head.add_column("verdict")
    head.add_column("rows", justify="right")
    for verdict in ("allowed", "restricted", "forbidden", "error"):
        head.add_row(verdict, str(summary.verdicts.get(verdict, 0)))
    out.print(head)
    types = Table(title="per right type")
    types.add_column("right type")
    types.add_column("rows", justify="right")
    for name, n in sorted(summary.right_types.items()):
        types.add_row(name, str(n))
    out.print(types)
    if summary.rules:
        rules = Table(title="per rule (rows where it fired)")
        for col in ("rule", "title", "forbidden", "restricted", "cannot judge"):
            rules.add_column(col, justify="right" if col not in ("rule", "title") else "left")
        for code, counts in sorted(summary.rules.items()):
            rule = pack.rule_set.by_code.get(code)
            rules.add_row(code, rule.title_zh if rule else "", str(counts.get("forbidden", 0)),
                          str(counts.get("restricted", 0)), str(counts.get("cannot_judge", 0)))
        out.print(rules)
    if summary.errors:
        errs = Table(title=f"errors: {summary.error_count} rows")
        errs.add_column("reason")
        errs.add_column("rows", justify="right")
        for reason, n in summary.errors.most_common(10):
            errs.add_row(reason, str(n))
        out.print(errs)

"""``mineplan plan``: show the plan pack's layers; ``mineplan plan validate``: check a pack."""

from __future__ import annotations

import click

from mineplan.commands.options import console, lang_opt


@click.group(invoke_without_command=True)
@lang_opt
@click.pass_context
def plan(ctx: click.Context, lang: str) -> None:
    """List the plan pack's layers: code, name, stated and measured area, provenance."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from mineplan.commands.options import pack_from
    from mineplan.pack import VERSIONS_DIR, pack_versions

    pack = pack_from(ctx)
    out = console()
    meta = pack.plan
    out.print(f"[bold]{meta['name_zh'] if lang == 'zh' else meta.get('name_en') or meta['name_zh']}[/]  "
              f"{meta.get('document', '')}  {meta['issued']}  {meta['period'][0]}–{meta['period'][1]}  "
              f"adcode {meta['adcode']}")
    out.print(f"pack {meta['id']} version {meta['version']}  sha256 {pack.data_sha256[:16]}…  {pack.root}")
    out.print("versions (effective date, version, where):")
    for version in pack_versions(pack.root):
        where = f"{VERSIONS_DIR}/{version.name}" if version.name else "plan.toml (this pack)"
        out.print(f"  {version.effective.isoformat()}  {version.version}  {where}")
    table = Table(expand=True)
    table.add_column("code", no_wrap=True)
    table.add_column("name", overflow="fold")
    table.add_column("km² (plan)", justify="right", no_wrap=True)
    table.add_column("km² measured", justify="right", no_wrap=True)
    table.add_column("provenance", no_wrap=True)
    for layer in pack.layers.values():
        table.add_section()
        table.add_row("", f"[bold]{layer.title_zh if lang == 'zh' else layer.title_en}[/] ({layer.name})")
        for row in layer.frame.itertuples():
            measured = row.geometry.area / 1e6 if row.geometry.area > 0 else None
            stated = row.stated_area_km2
            table.add_row(
                row.code, row.name_zh if lang == "zh" else (row.name_en or row.name_zh),
                "" if stated is None or stated != stated else f"{stated:g}",
                "" if measured is None else f"{measured:.3f}",
                row.provenance or "",
            )
    out.print(table)


@plan.command()
@click.option("--data", "data_dir", type=click.Path(file_okay=False, exists=True),
              help="The pack to check (default: the one chosen by mineplan --data / MINEPLAN_DATA, or the bundled "
                   "one).")
@click.pass_context
def validate(ctx: click.Context, data_dir: str | None) -> None:
    """Check a plan pack's layers and invariants; one line per problem, exit 1 on any."""
    from mineplan.validate import validate_pack

    data_dir = data_dir or ctx.find_root().obj.get("data_dir")
    result = validate_pack(data_dir)
    out = console()
    if result.pack is None and result.problems:  # a pack still being written (plan init's skeleton)
        for problem in result.problems:
            click.echo(problem, err=True)
        click.echo(f"{len(result.problems)} key(s) or entries missing in the plan pack", err=True)
        ctx.exit(1)
    county = [a for a in result.areas if a["layer"] and a["stated_km2"] and a["code"] and "county" in a["layer"]]
    for area in county:
        out.print(f"county {area['code']}: measured {area['measured_km2']:.1f} km² ({result.pack.work_crs}) "
                  f"vs the plan's {area['stated_km2']:g} km²")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if result.ok:
        out.print(f"[green]ok[/]: {len(result.pack.layers)} layers, "
                  f"{sum(len(la.frame) for la in result.pack.layers.values())} features, every invariant holds")
        return
    for problem in result.problems:
        click.echo(problem, err=True)
    click.echo(f"{len(result.problems)} problem(s) in the plan pack", err=True)
    ctx.exit(1)


@plan.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Start a new plan pack in DIR: a commented skeleton plan.toml (every key, what it means,
    whether it is required) and empty zones/ and blocks/ folders. Refuses a DIR with a plan.toml.
    Then `mineplan plan validate --data DIR` lists what is still missing."""
    from mineplan.skeleton import init_pack

    toml = init_pack(directory)
    click.echo(f"wrote {toml}; fill it in, then: mineplan plan validate --data {directory}")

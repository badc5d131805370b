"""Options shared by several commands, defined once (after rasterio's rio/options.py)."""

from __future__ import annotations

import click
from rich.console import Console

lang_opt = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                        help="Language of messages and labels.")
layer_opt = click.option("--layer", default=None, help="Layer of a multi-layer input (GeoPackage, KML …).")
crs_opt = click.option("--crs", "input_crs", default=None, metavar="CRS",
                       help="CRS of the input where the file does not say: EPSG:4528, EPSG:2416, gcj02, bd09 …")


def pack_from(ctx: click.Context):
    """The plan pack chosen by --data / MINEPLAN_DATA (or the bundled one)."""
    from mineplan.pack import load_pack

    return load_pack((ctx.find_root().obj or {}).get("data_dir"))


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def run_options(f):
    """The options that shape a run of the rules (check, screen): defined once, read by
    :func:`options_from` into one :class:`~mineplan.engine.options.RunOptions`."""
    for option in reversed((
        click.option("--radius", type=float, help="Check points as discs of this radius (m)."),
        click.option("--constraints", "constraints", multiple=True, metavar="FILE[=SEVERITY]",
                     help="A constraint layer (ecological red line, farmland …) and the verdict it gives "
                          "(forbidden by default; or restricted). Repeatable."),
        click.option("--fix", is_flag=True, help="Repair invalid geometries with make_valid (reported as a finding)."),
        click.option("--strict", is_flag=True,
                     help="What could not be checked (e.g. no red-line or farmland layer) restricts the verdict."),
        click.option("--registry", "registry_path", type=click.Path(dir_okay=False),
                     help="Rights registry (GeoPackage) to check against: overlaps, holders, caps."),
        layer_opt,
        crs_opt,
    )):
        f = option(f)
    return f


def options_from(ctx: click.Context, pack, *, radius, constraints, fix, strict, registry_path, layer, input_crs,
                 **more):
    """One RunOptions from the shared run options (and any more of its fields)."""
    from mineplan.engine.options import RunOptions, constraint_layers, parse_constraint

    existing = None
    if registry_path:
        from mineplan.registry import open_registry

        existing = open_registry(registry_path).existing_rights()
    return RunOptions(constraints=constraint_layers(pack, [parse_constraint(c) for c in constraints]),
                      existing=existing, radius=radius, fix=fix, strict=strict, layer=layer, crs=input_crs, **more)

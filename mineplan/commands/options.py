"""Options shared by several commands, defined once (after rasterio's rio/options.py)."""

from __future__ import annotations

import click
from rich.console import Console

lang_opt = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                        help="Language of messages and labels.")
layer_opt = click.option("--layer", default=None, help="Layer of a multi-layer input (GeoPackage, KML …).")
angle_format_opt = click.option("--angle-format", type=click.Choice(["dms", "deg"]), default=None,
                                help="Degrees in a corner table: dms = ddd.mmss packed (121.5530 = 121°55′30″), deg = "
                                     "decimal (default: the file's header, else detected)")
encoding_opt = click.option("--encoding", default=None, metavar="ENC",
                            help="Attribute encoding of a Shapefile (default: its .cpg, else detected: UTF-8 or GBK).")
crs_opt = click.option("--crs", "input_crs", default=None, metavar="CRS",
                       help="CRS of the input where the file does not say: EPSG:4528, EPSG:2416, gcj02, bd09 …")

as_of_opt = click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                         metavar="YYYY-MM-DD",
                         help="Judge by the version of the plan in force on this date (the pack or one of its "
                              "versions/*; default: the pack's own plan.toml).")


def pack_from(ctx: click.Context, as_of=None):
    """The plan pack chosen by --data / MINEPLAN_DATA (or the bundled one); with ``as_of`` (a date
    or datetime, from ``--as-of``) the version of it in force on that date."""
    from mineplan.pack import load_pack

    if as_of is not None and hasattr(as_of, "date"):
        as_of = as_of.date()
    return load_pack((ctx.find_root().obj or {}).get("data_dir"), as_of=as_of)


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
        angle_format_opt,
        encoding_opt,
    )):
        f = option(f)
    return f


def options_from(ctx: click.Context, pack, *, radius, constraints, fix, strict, registry_path, layer, input_crs,
                 angle_format=None, encoding=None, **more):
    """One RunOptions from the shared run options (and any more of its fields)."""
    from mineplan.engine.options import RunOptions, constraint_layers, parse_constraint

    existing = None
    if registry_path:
        from mineplan.registry import open_registry

        existing = open_registry(registry_path, work_crs=pack.work_crs).existing_rights()
    return RunOptions(constraints=constraint_layers(pack, [parse_constraint(c) for c in constraints]),
                      existing=existing, radius=radius, fix=fix, strict=strict, layer=layer, crs=input_crs,
                      angle_format=angle_format, encoding=encoding, **more)


def _aliases(table: dict[str, tuple[str, ...]]) -> click.Choice:
    """A choice of the canonical values and their aliases (Chinese included)."""
    return click.Choice([name for names in table.values() for name in names], case_sensitive=False)


#: the attribute options of a profile (check, where): option values override the file's attributes
PROFILE_KEYS = ("right_type", "mineral", "method", "stage", "annual_output", "output_unit", "licence_years",
                "green_mine", "grant", "mine_status", "clean_grant", "restoration_plan", "applicant")


def profile_options(f):
    """The application attributes as options (``check``, ``where``), defined once; read them with
    :func:`profile_from`."""
    from mineplan.applications import METHODS, MINE_STATUS, RIGHT_TYPES, UNITS

    for option in reversed((
        click.option("--right-type", type=_aliases(RIGHT_TYPES),
                     help="exploration 探矿权, mining 采矿权 or site 建设项目."),
        click.option("--mineral", help="Mineral, e.g. 建筑石料用灰岩, 地热, 矿泉水, limestone."),
        click.option("--method", type=_aliases(METHODS), help="open_pit 露天, underground 地下 or well 钻井."),
        click.option("--stage", help="Exploration stage: 预查, 普查, 详查, 勘探."),
        click.option("--annual-output", type=float, help="Design output per year (see --output-unit)."),
        click.option("--output-unit", type=_aliases(UNITS),
                     help="Unit of --annual-output: 万吨/年 (wt) or 万立方米/年 (wm3)."),
        click.option("--licence-years", type=float, help="Licence term in years."),
        click.option("--green-mine/--no-green-mine", default=None,
                     help="Green-mine (or green-exploration) commitment."),
        click.option("--grant", help="Grant method: 招标, 拍卖, 挂牌, 协议."),
        click.option("--mine-status", type=_aliases(MINE_STATUS),
                     help="new 新建 or existing 已有 mine (default: the pack's)."),
        click.option("--clean-grant/--no-clean-grant", default=None,
                     help="The mining right is granted clean (净矿出让)."),
        click.option("--restoration-plan/--no-restoration-plan", default=None,
                     help="The mine's restoration plan (矿山地质环境保护与土地复垦方案) is prepared."),
        click.option("--applicant", help="Applicant."),
    )):
        f = option(f)
    return f


def profile_from(params: dict) -> dict:
    """The profile options' values (None where not given) from a command's parameters."""
    return {key: params.pop(key) for key in PROFILE_KEYS}

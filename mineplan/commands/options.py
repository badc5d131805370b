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

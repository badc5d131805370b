"""``mineplan map -o FILE``: the plan's map as PNG, SVG, PDF or one self-contained HTML page."""

from __future__ import annotations

import click

from mineplan.commands.options import crs_opt, lang_opt, layer_opt


@click.command("map")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The map file: .png, .svg, .pdf (static) or .html (interactive).")
@click.option("--dpi", type=click.IntRange(30, 1200), default=150, show_default=True, help="Resolution of a PNG.")
@click.option("--applications", "applications", type=click.Path(exists=True),
              help="Applications to overlay, coloured by verdict: a screening output (with a 'verdict' "
                   "column) or any application file, checked on the fly.")
@click.option("--extent", default="county", show_default=True, metavar="county|zones|applications|W,S,E,N",
              help="Area shown; W,S,E,N in CGCS2000 degrees (or metres in the plan's work CRS).")
@layer_opt
@crs_opt
@lang_opt
@click.pass_context
def map_(ctx, output, dpi, applications, extent, layer, input_crs, lang):
    """Draw the plan's map: zones, blocks, "three zones, two lines" with visibility ranges."""
    from mineplan.commands.options import pack_from
    from mineplan.maps import render_map

    suffix = output.rsplit(".", 1)[-1].lower() if "." in output else ""
    if suffix not in ("png", "svg", "pdf", "html", "htm"):
        raise click.BadParameter(f"{output}: unknown map format (use .png, .svg, .pdf or .html)",
                                 param_hint="-o/--output")
    pack = pack_from(ctx)
    result = render_map(pack, output, dpi=dpi, lang=lang, applications=applications, extent=extent,
                        layer=layer, crs=input_crs)
    if result.warning:
        click.echo(result.warning, err=True)
    click.echo(f"wrote {result.path}", err=True)

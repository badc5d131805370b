"""``mineplan convert IN OUT``: read any supported input, write it in another format and CRS."""

from __future__ import annotations

import click

from mineplan import crs as crsmod
from mineplan.commands.options import angle_format_opt, crs_opt, encoding_opt, layer_opt


@click.command()
@click.argument("src", metavar="IN", type=click.Path(exists=True, dir_okay=True))
@click.argument("dst", metavar="OUT", type=click.Path(dir_okay=False))
@click.option("--to-crs", default="EPSG:4490", show_default=True, metavar="CRS",
              help="CRS of the output: EPSG:4490, EPSG:4528 (zone-prefixed eastings), EPSG:4549 …")
@crs_opt
@layer_opt
@click.option("--out-layer", default=None, help="Layer name in a GeoPackage output (default: the file name).")
@click.option("--fix", is_flag=True, help="Repair invalid polygons with make_valid.")
@angle_format_opt
@encoding_opt
@click.pass_context
def convert(ctx: click.Context, src: str, dst: str, to_crs: str, input_crs: str | None, layer: str | None,
            out_layer: str | None, fix: bool, angle_format: str | None, encoding: str | None) -> None:
    """Convert IN (GeoJSON, Shapefile, GeoPackage, KML/KMZ, corner-point CSV/XLSX/TXT …) to OUT
    (.geojson, .gpkg, .shp, .kml or corner-point .csv), reprojected to --to-crs."""
    from mineplan.readers import read_applications
    from mineplan.writers import write_frame

    work_crs, plan_area, why = _plan_area(ctx, to_crs)
    res = read_applications(src, work_crs=work_crs, layer=layer, crs=input_crs, fix=fix, plan_area=plan_area,
                            angle_format=angle_format, encoding=encoding)
    click.echo(f"read {len(res.frame)} feature(s) from {src}: {res.source_crs}", err=True)
    if why:
        click.echo(f"note: {why}", err=True)
    for note in res.notes:
        click.echo(f"note: {note}", err=True)
    frame = res.frame
    if dst.lower().endswith(".csv"):  # ids as text, never as spreadsheet formulas
        from mineplan.textsafe import csv_safe_frame

        frame = csv_safe_frame(frame)
    for note in write_frame(frame, dst, to_crs=to_crs, layer=out_layer):
        click.echo(note, err=True)


def _plan_area(ctx: click.Context, to_crs: str):
    """(work CRS, county boundary, why not) from the plan pack: the features are read into the
    pack's work CRS, and the county decides unlabeled coordinates. Without a pack they are read
    into the output CRS (EPSG:4490 for a web datum, which the writer refuses) and the boundary is None."""
    from mineplan.errors import MineplanError

    def no_pack(why: str):
        target = crsmod.parse_crs(to_crs)
        return (target.crs if target.crs is not None else "EPSG:4490"), None, why

    try:
        from mineplan.pack import load_pack
    except ImportError:
        return no_pack("no plan pack module: coordinates without a CRS cannot be inferred")
    try:
        pack = load_pack((ctx.find_root().obj or {}).get("data_dir"))
    except MineplanError as exc:
        return no_pack(f"plan pack not loaded ({exc}): coordinates without a CRS cannot be inferred")
    return pack.work_crs, pack.county_geometry, None

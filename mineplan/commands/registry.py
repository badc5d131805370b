"""``mineplan registry …``: the rights registry (add, import, list, show, set-status, export, history)."""

from __future__ import annotations

import json
import warnings

import click

from mineplan.commands.options import console, crs_opt, layer_opt

SHAPEFILE_NAMES = {"annual_output": "output", "output_unit": "unit", "licence_start": "valid_from",
                   "licence_end": "valid_to"}
STATUS_CHOICE = click.Choice(["granted", "pending", "expired", "revoked"], case_sensitive=False)


def registry_option(fn):
    """``--registry PATH`` (on the group and on every subcommand; the subcommand's wins)."""
    return click.option("--registry", "registry_path", type=click.Path(dir_okay=False), default=None,
                        help="Registry GeoPackage. Default: $MINEPLAN_REGISTRY, else "
                             "$XDG_DATA_HOME/mineplan/registry.gpkg (~/.local/share/mineplan/registry.gpkg).")(fn)


def _path(ctx: click.Context, registry_path: str | None):
    from mineplan.registry import default_path

    return registry_path or (ctx.obj or {}).get("registry_path") or default_path()


def _open(ctx: click.Context, registry_path: str | None, *, create: bool = False):
    from mineplan.commands.options import pack_from
    from mineplan.registry import open_registry

    return open_registry(_path(ctx, registry_path), work_crs=pack_from(ctx).work_crs, create=create)


def _who(ctx: click.Context) -> str | None:
    return (ctx.obj or {}).get("who")


def _right_type(value: str | None) -> str | None:
    from mineplan.applications import RIGHT_TYPES

    if value is None:
        return None
    for canonical, names in RIGHT_TYPES.items():
        if value.strip().lower() in {n.lower() for n in names}:
            return canonical
    raise click.BadParameter(f"unknown right type {value!r} (known: {', '.join(RIGHT_TYPES)})",
                             param_hint="--right-type")


def _mineral(ctx: click.Context, value: str | None) -> str | None:
    if value is None:
        return None
    from mineplan.commands.options import pack_from
    from mineplan.minerals import MineralCatalog

    mineral = MineralCatalog(pack_from(ctx).config).resolve(value)
    if mineral is None:
        raise click.BadParameter(f"unknown mineral {value!r}", param_hint="--mineral")
    return mineral.name


def _plain(value):
    """A JSON-friendly value (NaN → None)."""
    if isinstance(value, float) and value != value:
        return None
    return value


def _records(frame) -> list[dict]:
    from mineplan.registry import COLUMNS

    out = []
    for row in frame.itertuples(index=False):
        rec = {c: _plain(getattr(row, c)) for c in COLUMNS}
        rec["area_m2"] = round(float(row.geometry.area), 1) if row.geometry is not None else None
        out.append(rec)
    return out


def _fmt_output(rec: dict) -> str:
    if rec["annual_output"] is None:
        return ""
    unit = {"wt": "万吨/年", "wm3": "万m³/年"}.get(rec["output_unit"] or "", rec["output_unit"] or "")
    return f"{rec['annual_output']:g} {unit}".strip()


def _compact(text: str | None) -> str:
    """An audit value for the table: a JSON record as `key=value` pairs without the empty ones."""
    if not text:
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if not isinstance(value, dict):
        return text
    return ", ".join(f"{k}={v}" for k, v in value.items() if v is not None and k != "source")


@click.group()
@registry_option
@click.option("--who", default=None, help="Name recorded in the audit trail (default: the login name).")
@click.pass_context
def registry(ctx: click.Context, registry_path: str | None, who: str | None) -> None:
    """The rights registry: granted and pending rights the checks compare with."""
    ctx.ensure_object(dict)
    ctx.obj["registry_path"] = registry_path
    ctx.obj["who"] = who


def _add(ctx, path, status, registry_path, layer, input_crs, fix, action, overrides, verbose=False):
    from mineplan.commands.options import pack_from
    from mineplan.registry import rights_from_file

    records = rights_from_file(path, pack=pack_from(ctx), status=status and status.lower(), layer=layer,
                               crs=input_crs, fix=fix, overrides=overrides)
    reg = _open(ctx, registry_path, create=True)
    ids = reg.add(records, who=_who(ctx), action=action, source=path)
    if action == "add":  # a few rights, named
        click.echo(f"{action}: {len(ids)} right(s) into {reg.path}: {', '.join(ids)}")
        return
    click.echo(f"{action}: {len(ids)} right(s) into {reg.path}")
    if verbose or (ctx.find_root().obj or {}).get("verbose"):
        for right_id in ids:
            click.echo(right_id)


_status_help = "Status of the rights (default: the file's status column, else granted)."


def attribute_options(fn):
    """Attributes for every feature of the file (they override the file's; a corner-point CSV has none)."""
    for option in reversed([
        click.option("--id", "id_", help="Right id (a one-feature file only)."),
        click.option("--right-type", help="exploration 探矿权, mining 采矿权 or site."),
        click.option("--mineral", help="Mineral (any name or alias)."),
        click.option("--holder", help="Right holder (矿业权人)."),
    ]):
        fn = option(fn)
    return fn


def _overrides(id_, right_type, mineral, holder) -> dict:
    return {"id": id_, "right_type": right_type, "mineral": mineral, "applicant": holder}


def _adding_command(action: str, doc: str) -> click.Command:
    """`registry add` and `registry import`: the same all-or-nothing insert, audited as ``action``."""

    @click.argument("path", metavar="FILE", type=click.Path(exists=True))
    @click.option("--status", type=STATUS_CHOICE, default=None, help=_status_help)
    @click.option("--fix", is_flag=True, help="Repair invalid geometries with make_valid.")
    @click.option("--verbose", "-v", "verbose", is_flag=True, help="List the ids added, one a line.")
    @attribute_options
    @registry_option
    @layer_opt
    @crs_opt
    @click.pass_context
    def command(ctx, path, status, fix, verbose, id_, right_type, mineral, holder, registry_path, layer, input_crs):
        _add(ctx, path, status, registry_path, layer, input_crs, fix, action,
             _overrides(id_, right_type, mineral, holder), verbose)

    command.__doc__ = doc
    return registry.command(action)(command)


add = _adding_command("add", "Register the rights in FILE (any format `check` reads), all or none.")
import_ = _adding_command(
    "import", "Import rights (GeoPackage, Shapefile, GeoJSON, corner-point CSV, e.g. an `export`) in one transaction.")


@registry.command("list")
@click.option("--status", "statuses", type=STATUS_CHOICE, multiple=True, help="Only these statuses (repeatable).")
@click.option("--right-type", help="exploration 探矿权, mining 采矿权 or site.")
@click.option("--mineral", help="Only this mineral (any name or alias).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@registry_option
@click.pass_context
def list_(ctx, statuses, right_type, mineral, fmt, registry_path):
    """List the registered rights."""
    reg = _open(ctx, registry_path)
    frame = reg.rights(statuses=[s.lower() for s in statuses] or None, right_type=_right_type(right_type),
                       mineral=_mineral(ctx, mineral))
    records = _records(frame)
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=1))
        return
    from rich.table import Table

    table = Table(title=f"{reg.path} — {len(records)} right(s)")
    for col in ("id", "holder", "type", "mineral", "output", "status", "licence", "area (ha)"):
        table.add_column(col, justify="right" if col == "area (ha)" else "left")
    for rec in records:
        licence = " → ".join(v for v in (rec["licence_start"], rec["licence_end"]) if v) or ""
        table.add_row(rec["id"], rec["holder"] or "", rec["right_type"] or "", rec["mineral"] or "",
                      _fmt_output(rec), rec["status"], licence,
                      f"{rec['area_m2'] / 1e4:.2f}" if rec["area_m2"] is not None else "")
    console().print(table)


@registry.command()
@click.argument("right_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@registry_option
@click.pass_context
def show(ctx, right_id, fmt, registry_path):
    """Show one right (and its last changes)."""
    from mineplan.registry import RegistryError

    reg = _open(ctx, registry_path)
    frame = reg.rights(ids=[right_id])
    if not len(frame):
        raise RegistryError(f"{reg.path}: no right with id {right_id!r}")
    rec = _records(frame)[0]
    geom = frame.geometry.iloc[0]
    rec["crs"] = reg.work_crs
    rec["bounds"] = [round(v, 2) for v in geom.bounds]
    rec["geometry_type"] = geom.geom_type
    if fmt == "json":
        click.echo(json.dumps(rec, ensure_ascii=False, indent=1))
        return
    from rich.table import Table

    table = Table(title=f"right {right_id}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in rec.items():
        table.add_row(key, "" if value is None else str(value))
    out = console()
    out.print(table)
    changes = reg.history(right_id)
    out.print(f"{len(changes)} change(s); `mineplan registry history {right_id}` lists them")


@registry.command("set-status")
@click.argument("right_id", metavar="ID")
@click.argument("status", type=STATUS_CHOICE)
@registry_option
@click.pass_context
def set_status(ctx, right_id, status, registry_path):
    """Change a right's status (granted, pending, expired, revoked)."""
    reg = _open(ctx, registry_path)
    old = reg.set_status(right_id, status.lower(), who=_who(ctx))
    if old is None:
        click.echo(f"{right_id}: already {status.lower()} (nothing changed)")
    else:
        click.echo(f"{right_id}: {old} → {status.lower()}")


@registry.command()
@click.argument("path", metavar="OUT")
@click.option("--status", "statuses", type=STATUS_CHOICE, multiple=True, help="Only these statuses (repeatable).")
@click.option("--right-type", help="exploration 探矿权, mining 采矿权 or site.")
@click.option("--mineral", help="Only this mineral.")
@click.option("--to-crs", default="EPSG:4490", show_default=True, help="CRS to write.")
@registry_option
@click.pass_context
def export(ctx, path, statuses, right_type, mineral, to_crs, registry_path):
    """Export rights to OUT: .gpkg, .shp, .geojson or .csv (corner points; geometry and id only)."""
    from mineplan.writers import write_frame

    reg = _open(ctx, registry_path)
    frame = reg.rights(statuses=[s.lower() for s in statuses] or None, right_type=_right_type(right_type),
                       mineral=_mineral(ctx, mineral))
    frame["green_mine"] = frame["green_mine"].map({True: "是", False: "否"})
    frame["_label"] = frame["id"]
    if path.lower().endswith(".shp"):  # dBase names are 10 characters: names `import` reads back
        frame = frame.rename(columns=SHAPEFILE_NAMES)
    if path.lower().endswith(".csv"):  # no live formulas in a spreadsheet (docs/registry.md)
        from mineplan.textsafe import csv_safe_frame

        frame = csv_safe_frame(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's field-name laundering notes
        notes = write_frame(frame, path, to_crs=to_crs, layer="rights")
    for note in notes:
        click.echo(note)


@registry.command()
@click.argument("right_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@registry_option
@click.pass_context
def history(ctx, right_id, fmt, registry_path):
    """Every recorded change to one right: when, who, what, old and new values."""
    from mineplan.registry import RegistryError

    reg = _open(ctx, registry_path)
    rows = reg.history(right_id)
    if not rows and reg.get(right_id) is None:
        raise RegistryError(f"{reg.path}: no right with id {right_id!r}")
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    from rich.table import Table

    table = Table(title=f"history of {right_id}")
    for col in ("seq", "when (UTC)", "who", "action", "field", "old", "new"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r["seq"]), r["when"], r["who"] or "", r["action"], r["field"] or "", r["old"] or "",
                      _compact(r["new"]))
    console().print(table)

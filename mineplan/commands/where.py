"""``mineplan where``: where a right of a profile could be allowed, and ``--clip APP``: the part of an
application the plan allows."""

from __future__ import annotations

import click

from mineplan.commands.options import as_of_opt, console, lang_opt, profile_from, profile_options, run_options

#: output suffixes written as tables (TableSink) and as features (write_frame)
TABLE_SUFFIXES = (".gpkg", ".geojson", ".json", ".parquet", ".geoparquet")
FRAME_SUFFIXES = (".shp", ".kml")


@click.command()
@profile_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the surface (or with --clip the kept parts) here: .gpkg, .geojson, .parquet, .shp, .kml.")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, writable=True),
              help="Draw the surface: .png, .svg, .pdf or .html.")
@click.option("--clip", "clip_path", type=click.Path(exists=True),
              help="Cut this application file back to its part no location rule forbids, and check that part.")
@click.option("--largest", is_flag=True, help="With --clip: keep only the largest piece of each kept part.")
@click.option("--margin", type=float, default=2.0, show_default=True,
              help="With --clip: metres the kept part stays clear of forbidden ground (edges count as touching).")
@click.option("--dpi", type=click.IntRange(30, 1200), default=150, show_default=True, help="Resolution of a PNG map.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="What to print: a table, or the areas and polygons as JSON.")
@run_options
@as_of_opt
@lang_opt
@click.pass_context
def where(ctx, output, map_path, clip_path, largest, margin, dpi, fmt, radius, constraints, fix, strict,
          registry_path, layer, input_crs, angle_format, encoding, lang, as_of, **profile):
    """Where could a right of this profile be allowed? Polygons covering the county, each with its
    verdict, the rules that decide it and the conditions a right there must still meet.

    The surface comes from the rules: the county is cut into faces on which every location rule
    is constant, and a small disc in each face is checked by the same engine as `mineplan check`.
    """
    from mineplan.commands.options import options_from, pack_from
    from mineplan.siting import clip, surface

    overrides = profile_from(profile)
    if output:
        _check_suffix(output, "-o/--output")
    pack = pack_from(ctx, as_of=as_of)
    options = options_from(ctx, pack, radius=radius, constraints=constraints, fix=fix, strict=strict,
                           registry_path=registry_path, layer=layer, input_crs=input_crs, overrides=overrides,
                           angle_format=angle_format, encoding=encoding)
    surf = surface(pack, options)
    clipped = None
    if clip_path:
        from mineplan.readers import read_applications

        read = read_applications(clip_path, work_crs=pack.work_crs, layer=options.layer, crs=options.crs,
                                 fix=options.fix, plan_area=pack.county_geometry)
        clipped = clip(pack, options, read.frame, surf, margin=margin, largest=largest)
    out = console()
    if fmt == "json":
        click.echo(_json(surf, clipped))
    else:
        _print_surface(out, surf, lang)
        if clipped is not None:
            _print_clipped(out, clipped, lang, pack)
    if output:
        from mineplan.siting import clipped_frame

        frame = clipped_frame(pack, clipped) if clipped is not None else surf.frame
        if clipped is not None and frame.geometry.isna().all():
            click.echo(f"nothing left of {clip_path}: {output} not written", err=True)
        else:
            for note in write(frame.dropna(subset=["geometry"]) if clipped is not None else frame, output):
                click.echo(note, err=True)
    if map_path:
        from mineplan.siting.maps import render_surface

        result = render_surface(pack, surf, map_path, lang=lang, dpi=dpi, clipped=clipped)
        if result.warning:
            click.echo(result.warning, err=True)
        click.echo(f"wrote {result.path}", err=True)


def _check_suffix(path: str, hint: str) -> None:
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in TABLE_SUFFIXES + FRAME_SUFFIXES:
        raise click.BadParameter(f"{path}: unknown format (use {', '.join(TABLE_SUFFIXES + FRAME_SUFFIXES)})",
                                 param_hint=hint)


def write(frame, path: str) -> list[str]:
    """Write the surface (or kept parts) by suffix: GeoPackage, GeoJSON, GeoParquet atomically
    (:class:`~mineplan.writers.TableSink`), Shapefile and KML by :func:`~mineplan.writers.write_frame`."""
    from pathlib import Path

    from mineplan.writers import TableSink, write_frame

    suffix = Path(path).suffix.lower()
    if suffix in FRAME_SUFFIXES:
        notes = []
        if suffix == ".shp":  # 10-character field names, 254-byte texts: the codes only
            frame = frame.rename(columns={"removed_km2": "removed", "margin_km2": "margin"})
            text = [c for c in ("reasons_zh", "reasons_en", "conditions_zh") if c in frame.columns]
            if "conditions" in frame.columns:
                frame = frame.assign(conditions=[",".join(p.split(":", 1)[0] for p in c.split("; ")) if c else ""
                                                 for c in frame["conditions"]])
            frame = frame.drop(columns=text)
            notes.append("Shapefile: reasons left out and conditions as rule codes (254-byte fields); "
                         "write .gpkg for the full text")
        return notes + write_frame(frame, path)
    sink = TableSink(path, "geojson" if suffix == ".json" else None)
    try:
        sink.write(frame)
        sink.close()
    except BaseException:
        sink.abort()
        raise
    return [f"wrote {len(frame)} feature(s) to {path}"]


def _verdict_name(verdict: str, lang: str) -> str:
    names = {"allowed": "允许", "restricted": "限制", "forbidden": "禁止", "nothing_left": "无剩余"}
    return names.get(verdict, verdict) if lang == "zh" else verdict


def _print_surface(out, surf, lang: str) -> None:
    from rich.table import Table

    from mineplan.siting.maps import profile_text

    zh = lang == "zh"
    areas = surf.area_by_verdict()
    total = sum(areas.values()) or 1.0
    out.print(("选址面：" if zh else "Surface: ") + profile_text(surf.profile, lang))
    out.print(" · ".join(f"{_verdict_name(v, lang)} {a:,.2f} km² ({a / total:.1%})" for v, a in areas.items()))
    table = Table(show_lines=False)
    for col in (("结论", "verdict"), ("规则", "rules"), ("面积 km²", "area km²"), ("条件", "conditions")):
        table.add_column(col[0] if zh else col[1], overflow="fold")
    for row in surf.frame.itertuples():
        conditions = (row.conditions_zh.replace("；", "\n") if zh else row.conditions.replace("; ", "\n")) or ""
        table.add_row(_verdict_name(row.verdict, lang), row.rules or "—", f"{row.area_km2:,.3f}", conditions)
    out.print(table)
    t = surf.timings
    out.print(f"{t['faces']} faces, {t['total_s']:.2f} s" if not zh else f"{t['faces']} 个面，{t['total_s']:.2f} 秒")


def _print_clipped(out, clipped, lang: str, pack) -> None:
    by_code = pack.rule_set.by_code

    zh = lang == "zh"
    for c in clipped:
        out.print()
        if zh:
            out.print(f"[b]{c.id}[/b]：面积 {c.area_km2:.4f} km²，保留 {c.kept_km2:.4f} km²，"
                      f"去除 {c.removed_km2:.4f} km²")
        else:
            out.print(f"[b]{c.id}[/b]: area {c.area_km2:.4f} km², kept {c.kept_km2:.4f} km², removed "
                      f"{c.removed_km2:.4f} km²")
        for code, area in c.removed_by.items():
            title = by_code[code].title_zh if zh else by_code[code].title_en
            out.print(f"  − {code} {title}: {area:.4f} km²")
        if c.margin_km2 > 0:
            out.print(f"  − 与禁止区保持间距（--margin）及舍弃的碎片: {c.margin_km2:.4f} km²" if zh else
                      f"  − kept clear of forbidden ground (--margin) and dropped pieces: {c.margin_km2:.4f} km²")
        if c.empty:
            takers = ", ".join(c.removed_by) or "—"
            out.print(f"  无剩余：被 {takers} 全部禁止" if zh else f"  nothing is left: {takers} forbid all of it")
            continue
        res = c.result
        out.print(("  保留部分的检查：" if zh else "  check of the kept part: ") + _verdict_name(res.verdict, lang))
        for f in res.findings:
            if f.severity in ("pass", "info"):
                continue
            out.print(f"    {f.rule} {f.severity}: {f.message_zh if zh else f.message_en}")


def _json(surf, clipped) -> str:
    import orjson

    doc = {"profile": surf.profile, "area_km2": surf.area_by_verdict(), "timings": surf.timings,
           "polygons": surf.frame.drop(columns="geometry").to_dict("records")}
    if clipped is not None:
        doc["clip"] = [{"id": c.id, "area_km2": c.area_km2, "kept_km2": c.kept_km2, "removed_km2": c.removed_km2,
                        "margin_km2": c.margin_km2, "removed_by": c.removed_by,
                        "verdict": c.result.verdict if c.result else "nothing_left",
                        "findings": [f.as_dict() for f in c.result.findings] if c.result else []} for c in clipped]
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY).decode()

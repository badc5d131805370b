"""The JSON API under ``/api/v1``: health, plan, rules, check, screen, where and layers.

Every check and screen goes through the same functions as the CLI (``check_file`` and
``screen``) on a temporary file: one read path, so the readers' checks apply to web input too.
Engine calls run in the thread pool; the event loop only moves bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from mineplan import __version__
from mineplan.errors import MineplanError
from mineplan.serve.auth import bearer, require_token
from mineplan.serve.errors import ApiError
from mineplan.serve.uploads import Scratch, safe_name

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token), Depends(bearer)])

SCREEN_FORMATS = {"csv": ("text/csv", ".csv"), "geojson": ("application/geo+json", ".geojson"),
                  "parquet": ("application/vnd.apache.parquet", ".parquet"),
                  "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")}

_ERRORS = {400: {"description": "Unusable input: `{\"error\": message}` (the CLI's one-line message)"},
           401: {"description": "Missing or wrong bearer token (only when the server runs with --token)"},
           413: {"description": "Body larger than the upload limit"},
           422: {"description": "A query parameter of the wrong type"}}
_UPLOAD_SCHEMA = {"type": "object", "required": ["file"],
                  "properties": {"file": {"type": "string", "format": "binary",
                                          "description": "Any input format the readers accept (by suffix)."}}}
_GEOJSON_SCHEMA = {"type": "object", "description": "A GeoJSON Feature or FeatureCollection; properties are the "
                   "application's attributes (id, right_type, mineral, method, annual_output, output_unit, …)"}


def _state(request: Request):
    return request.app.state


class CheckOptions:
    """The query parameters of POST /check: the CLI's attribute overrides and reading options."""

    def __init__(
        self,
        id: Annotated[str | None, Query(description="Application id (overrides the file's).")] = None,
        right_type: Annotated[str | None, Query(description="exploration, mining or site")] = None,
        mineral: Annotated[str | None, Query(description="e.g. 建筑石料用灰岩, 地热, limestone")] = None,
        method: Annotated[str | None, Query(description="open_pit 露天, underground 地下 or well 钻井")] = None,
        stage: Annotated[str | None, Query(description="Exploration stage: 普查, 详查, 勘探")] = None,
        annual_output: Annotated[float | None, Query(description="Design output per year")] = None,
        output_unit: Annotated[str | None, Query(description="万吨/年 (wt) or 万立方米/年 (wm3)")] = None,
        licence_years: Annotated[float | None, Query(description="Licence term in years")] = None,
        green_mine: Annotated[bool | None, Query(description="Green-mine commitment")] = None,
        grant: Annotated[str | None, Query(description="Grant method: 招标, 拍卖, 挂牌, 协议")] = None,
        mine_status: Annotated[str | None, Query(description="new 新建 or existing 已有 mine")] = None,
        clean_grant: Annotated[bool | None, Query(description="Granted clean (净矿出让)")] = None,
        restoration_plan: Annotated[bool | None, Query(description="Restoration plan prepared")] = None,
        applicant: Annotated[str | None, Query(description="Applicant")] = None,
        crs: Annotated[str | None, Query(description="CRS where the input does not say: EPSG:4528, gcj02 …")] = None,
        radius: Annotated[float | None, Query(gt=0, description="Check points as discs of this radius (m)")] = None,
        fix: Annotated[bool, Query(description="Repair invalid geometries (reported as a finding)")] = False,
        layer: Annotated[str | None, Query(description="Layer of a multi-layer upload")] = None,
    ):
        self.overrides = {"id": id, "right_type": right_type, "mineral": mineral, "method": method, "stage": stage,
                          "annual_output": annual_output, "output_unit": output_unit,
                          "licence_years": licence_years, "green_mine": green_mine, "grant": grant,
                          "mine_status": mine_status, "clean_grant": clean_grant,
                          "restoration_plan": restoration_plan, "applicant": applicant}
        self.crs, self.radius, self.fix, self.layer = crs, radius, fix, layer


@router.get("/health", summary="Liveness, version and the plan served")
def health(request: Request) -> dict:
    return {"status": "ok", "version": __version__, "plan": _state(request).pack.identity()}


@router.get("/plan", summary="The plan pack: id, version, hash and layers")
def plan(request: Request) -> dict:
    from mineplan.serve.layers import class_styles, layer_summaries

    pack = _state(request).pack
    return {**pack.identity(), "name_zh": pack.plan.get("name_zh", ""), "name_en": pack.plan.get("name_en", ""),
            "county_zh": pack.plan.get("county_zh", ""), "county_en": pack.plan.get("county_en", ""),
            "minerals": list(pack.config.get("minerals", {})), "layers": layer_summaries(pack),
            "class_styles": class_styles()}


@router.get("/rules", summary="The rule catalogue")
def rules(request: Request) -> list[dict]:
    from mineplan.catalogue_view import rule_list

    return rule_list(_state(request).pack)


@router.get("/rules/{code}", summary="One rule with its clause and the plan's sentence",
            responses={404: {"description": "No such rule"}})
def rule(code: str, request: Request) -> dict:
    from mineplan.catalogue_view import find_rule

    found = find_rule(_state(request).pack, code)
    if found is None:
        known = ", ".join(_state(request).pack.rule_set.codes)
        raise ApiError(404, f"unknown rule {code!r} (known: {known})")
    return found


@router.get("/layers/{role}", summary="The plan's features of one role as GeoJSON (EPSG:4326)",
            responses={200: {"content": {"application/geo+json": {}}}, 404: {"description": "No layer has this role"}})
def layer(role: str, request: Request) -> Response:
    layers = _state(request).layers
    if role not in layers.roles():
        raise ApiError(404, f"no layer with role {role!r} (roles: {', '.join(layers.roles())})")
    return Response(layers.text(role), media_type="application/geo+json")


async def _receive_upload(request: Request, scratch: Scratch, *, json_name: str | None) -> tuple[Path, str]:
    """Save the request's input in ``scratch``: a multipart ``file`` part, or (when ``json_name``
    is given) a GeoJSON body. Returns the saved path and the name the client knows it by."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        try:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise ApiError(400, "multipart body without a 'file' part")
            name = safe_name(upload.filename)
            path = await run_in_threadpool(scratch.save_file, name, upload.file)
        finally:
            await form.close()
        return path, name
    if json_name is None:
        raise ApiError(415, "send the file as multipart/form-data with a 'file' part")
    path = await scratch.save_stream(json_name, request.stream())
    return path, json_name


def _check(path, pack, options: CheckOptions) -> str:
    from mineplan.checker import check_file
    from mineplan.output import to_json

    report = check_file(path, pack=pack, overrides=options.overrides, layer=options.layer, crs=options.crs,
                        fix=options.fix, radius=options.radius)
    return to_json(report)


@router.post(
    "/check", summary="Check applications: exactly the JSON of `mineplan check --format json`",
    response_description="The report; the verdict is in the body (HTTP 200 for any verdict)",
    responses={**_ERRORS, 415: {"description": "Neither JSON nor multipart"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/geo+json": {"schema": _GEOJSON_SCHEMA}, "application/json": {"schema": _GEOJSON_SCHEMA},
        "multipart/form-data": {"schema": _UPLOAD_SCHEMA}}}},
)
async def check(request: Request, options: Annotated[CheckOptions, Depends()]) -> Response:
    scratch = Scratch()
    try:
        path, _ = await _receive_upload(request, scratch, json_name="request.geojson")
        try:
            text = await run_in_threadpool(_check, path, _state(request).pack, options)
        except MineplanError as exc:
            raise ApiError(400, scratch.scrub(str(exc))) from exc
        return Response(scratch.scrub(text), media_type="application/json")
    finally:
        scratch.remove()


class ScreenOptions:
    def __init__(
        self,
        format: Annotated[Literal["csv", "geojson", "parquet", "xlsx"], Query(description="Output format")] = "csv",
        crs: Annotated[str | None, Query(description="CRS where the input does not say")] = None,
        radius: Annotated[float | None, Query(gt=0, description="Screen points as discs of this radius (m)")] = None,
        fix: Annotated[bool, Query(description="Repair invalid geometries")] = False,
        layer: Annotated[str | None, Query(description="Layer of a multi-layer upload")] = None,
    ):
        self.format, self.crs, self.radius, self.fix, self.layer = format, crs, radius, fix, layer


def _screen(path, out, pack, options: ScreenOptions, slots) -> dict:
    from mineplan.screen import screen

    with slots:  # at most Settings.max_screens at once; the others wait in their worker thread
        summary = screen(path, out, pack=pack, layer=options.layer, crs=options.crs, fix=options.fix,
                         radius=options.radius, workers=1)
    return {"rows": summary.rows, "verdicts": dict(summary.verdicts), "errors": summary.error_count,
            "seconds": round(summary.seconds, 3)}


@router.post(
    "/screen", summary="Screen a batch file: the screened file back, one row per application",
    response_description="The screened file (streamed); X-Mineplan-Summary holds rows and verdict counts as JSON",
    responses={**_ERRORS, 200: {"content": {t: {} for t, _ in SCREEN_FORMATS.values()}}},
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _UPLOAD_SCHEMA}}}},
)
async def screen(request: Request, options: Annotated[ScreenOptions, Depends()]) -> Response:
    scratch = Scratch()
    try:
        path, name = await _receive_upload(request, scratch, json_name=None)
        media_type, suffix = SCREEN_FORMATS[options.format]
        out_name = f"{Path(name).stem}-screened{suffix}"
        out = scratch.subdir(".result") / ("screened" + suffix)  # no upload is named ".…" (safe_name)
        try:
            summary = await run_in_threadpool(_screen, path, out, _state(request).pack, options,
                                              _state(request).screen_slots)
        except MineplanError as exc:
            raise ApiError(400, scratch.scrub(str(exc))) from exc
    except BaseException:
        scratch.remove()
        raise
    return ScratchFileResponse(out, scratch, media_type=media_type, filename=out_name,
                               headers={"X-Mineplan-Summary": json.dumps(summary)})


class ScratchFileResponse(FileResponse):
    """A file streamed from a request's scratch directory, which is removed once the response is
    over: sent, failed, or cut short by the client."""

    def __init__(self, path: Path, scratch: Scratch, **kwargs):
        super().__init__(path, **kwargs)
        self.scratch = scratch

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.scratch.remove()



def _where(pack, options: CheckOptions) -> str:
    from mineplan.engine.options import RunOptions
    from mineplan.siting import surface, surface_geojson

    profile = {k: v for k, v in options.overrides.items() if k != "id"}
    return surface_geojson(surface(pack, RunOptions(overrides=profile)))


@router.get("/where", summary="Where a right of this profile could be allowed: the siting surface (GeoJSON, WGS84)",
            responses={**_ERRORS, 200: {"content": {"application/geo+json": {}}}})
async def where(request: Request, options: Annotated[CheckOptions, Depends()]) -> Response:
    """The surface of `mineplan where` for the profile in the query (the same parameters as /check):
    polygons covering the county with verdict, the rules that decide it there and the conditions a
    right there must still meet."""
    try:
        text = await run_in_threadpool(_where, _state(request).pack, options)
    except MineplanError as exc:
        raise ApiError(400, str(exc)) from exc
    return Response(text, media_type="application/geo+json")

"""The FastAPI application: the API router, the page and its static files, errors and limits."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from mineplan import __version__
from mineplan.pack import PlanPack

STATIC = Path(__file__).resolve().parent / "static"
#: Leaflet, vendored for the offline web map (mineplan/maps/vendor): the page uses the same copy.
VENDOR = Path(__file__).resolve().parent.parent / "maps" / "vendor"
DEFAULT_MAX_UPLOAD = 200_000_000


@dataclass(frozen=True)
class Settings:
    """What one server serves: the plan pack, the bearer token (None: no token), the upload limit and
    how many batch screens may run at once (more wait their turn: a screen holds a chunk of
    applications and their findings in memory)."""

    pack: PlanPack
    token: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    max_screens: int = 2


def warm_up(pack: PlanPack) -> None:
    """Check one site at the county's centre before requests arrive, so that whatever the engine
    builds lazily for a pack (its spatial index, the county outline, the mineral catalogue) is built
    once here and not raced for by concurrent first requests. Uses only the public ``check_file``;
    a failure is logged, not fatal (the first request then pays the cost)."""
    import json
    import logging
    import tempfile

    from mineplan.checker import check_file

    try:
        county = pack.layers_with_role("county")[0].frame.to_crs("EPSG:4326")
        point = county.geometry.iloc[0].representative_point()
        feature = {"type": "Feature", "properties": {"id": "warm-up", "right_type": "site"},
                   "geometry": {"type": "Point", "coordinates": [point.x, point.y]}}
        with tempfile.TemporaryDirectory(prefix="mineplan-serve-") as tmp:
            path = Path(tmp) / "warm-up.geojson"
            path.write_text(json.dumps(feature), encoding="utf-8")
            check_file(path, pack=pack, radius=50)
    except Exception as exc:
        logging.getLogger("mineplan.serve").warning("warm-up check failed (%s: %s)", type(exc).__name__, exc)


def create_app(settings: Settings) -> FastAPI:
    """The application serving ``settings.pack``: the page at ``/``, the API at ``/api/v1``."""
    from mineplan.serve.api import router
    from mineplan.serve.errors import ErrorBoundary, install_handlers
    from mineplan.serve.headers import SecurityHeaders
    from mineplan.serve.layers import LayerCache
    from mineplan.serve.limits import BodyLimit

    plan = settings.pack.plan
    app = FastAPI(
        title="mineplan",
        version=__version__,
        summary=f"{plan.get('name_zh', '')} — spatial compliance checks over HTTP",
        description="The same engine as the `mineplan` command: `POST /api/v1/check` answers exactly what "
                    "`mineplan check FILE --format json` prints. Errors are `{\"error\": message}`.",
        docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.pack = settings.pack
    app.state.layers = LayerCache(settings.pack)
    app.state.screen_slots = threading.BoundedSemaphore(settings.max_screens)
    warm_up(settings.pack)
    install_handlers(app)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/vendor", StaticFiles(directory=VENDOR), name="vendor")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ErrorBoundary)  # outermost: whatever escapes becomes a logged 500
    return app

"""Errors as JSON: a bad request gets ``{"error": message}`` with a 4xx status, an internal error a
500 with an id that is logged with its traceback (the client never sees a traceback).
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from mineplan.errors import MineplanError

log = logging.getLogger("mineplan.serve")


class ApiError(Exception):
    """A request the API refuses: ``status`` (4xx) and a one-line ``message`` for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_response(status: int, message: str, headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = " ".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body"))
        kind = {"query": "query parameter", "path": "path parameter"}.get(str((err.get("loc") or ("",))[0]), "")
        parts.append(f"{kind} {where}: {err.get('msg', 'invalid')}".strip())
    return "; ".join(parts) or "invalid request"


class StartTracker:
    """An ASGI ``send`` that remembers whether the response has started (after that, an error can
    no longer be answered with a response of its own)."""

    def __init__(self, send):
        self.send = send
        self.started = False

    async def __call__(self, message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


def install_handlers(app: FastAPI) -> None:
    """Map the library's and the framework's exceptions to JSON errors."""

    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    async def library_error(_request: Request, exc: MineplanError) -> JSONResponse:
        return error_response(400, str(exc))

    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, _validation_message(exc))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(MineplanError, library_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


class ErrorBoundary:
    """ASGI middleware: any exception that escapes the app becomes a 500 with a logged error id.

    The traceback goes to the ``mineplan.serve`` log under that id; the body says only
    ``{"error": "internal error", "error_id": ...}``. The server keeps serving.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracking_send = StartTracker(send)
        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:  # the client went away mid-upload: nobody to answer, nothing broken
            log.info("client disconnected during %s %s", scope.get("method"), scope.get("path"))
        except Exception as exc:
            error_id = uuid.uuid4().hex[:12]
            log.error("internal error %s on %s %s", error_id, scope.get("method"), scope.get("path"), exc_info=exc)
            if not tracking_send.started:
                response = error_response(500, "internal error", error_id=error_id)
                await response(scope, receive, send)

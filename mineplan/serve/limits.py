"""The request-size limit: a body larger than the limit is refused with 413 before or while it
arrives (by its Content-Length, or by counting the bytes of a chunked body)."""

from __future__ import annotations

from mineplan.serve.errors import StartTracker, error_response


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a body passes the limit."""


class BodyLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with 413."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _refuse(self):
        mb = self.max_bytes / 1_000_000
        return error_response(413, f"request body larger than the upload limit ({mb:g} MB)")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._refuse()(scope, receive, send)
                    return
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        tracking_send = StartTracker(send)
        try:
            await self.app(scope, counted_receive, tracking_send)
        except BodyTooLarge:
            if not tracking_send.started:
                await self._refuse()(scope, receive, send)

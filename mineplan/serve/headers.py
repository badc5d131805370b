"""Security headers on every response; the page gets a Content-Security-Policy that allows only
this server's own scripts, styles and requests (no CDN, no inline script)."""

from __future__ import annotations

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    """ASGI middleware adding nosniff, a referrer policy and, on the page, the CSP."""

    def __init__(self, app, page_paths: tuple[str, ...] = ("/",)):
        self.app = app
        self.page_paths = page_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_page = scope.get("path") in self.page_paths

        async def add_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                if is_page:
                    headers.append((b"content-security-policy", PAGE_CSP.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)

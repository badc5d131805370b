"""The bearer token: required on every ``/api`` request when the server was started with one."""

from __future__ import annotations

import ipaddress
import secrets

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mineplan.serve.errors import ApiError

bearer = HTTPBearer(auto_error=False, description="Needed when the server runs with --token.")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: addresses only this machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_matches(expected: str, credentials: HTTPAuthorizationCredentials | None) -> bool:
    if credentials is None or credentials.scheme.lower() != "bearer":
        return False
    return secrets.compare_digest(credentials.credentials.encode(), expected.encode())


async def require_token(request: Request) -> None:
    """FastAPI dependency: 401 unless the request carries ``Authorization: Bearer <token>``."""
    expected = request.app.state.settings.token
    if not expected:
        return
    if not token_matches(expected, await bearer(request)):
        raise ApiError(401, "missing or wrong bearer token (Authorization: Bearer TOKEN)",
                       headers={"WWW-Authenticate": "Bearer"})

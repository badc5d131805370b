"""``mineplan serve``: a local web page and a REST API (``/api/v1``) over the same engine as the CLI.

:func:`create_app` builds the FastAPI application for a loaded plan pack; the ``serve`` command
runs it with uvicorn. The page (``static/``) is plain HTML, CSS and JavaScript with the vendored
Leaflet of :mod:`mineplan.maps`, so it works with no network beyond the server itself.
"""

from __future__ import annotations

from mineplan.serve.app import Settings, create_app

__all__ = ["Settings", "create_app"]

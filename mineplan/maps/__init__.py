"""Maps of the plan: static sheets (matplotlib) and one-page interactive maps (folium).

``render_map(pack, path, ...)`` picks the renderer by the file's extension: ``.png``, ``.svg``,
``.pdf`` (:mod:`mineplan.maps.static`) or ``.html`` (:mod:`mineplan.maps.web`).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from mineplan.maps.static import STATIC_SUFFIXES, MapResult


def render_map(pack, path: str | Path, *, dpi: int = 150, lang: str = "zh", applications: str | Path | None = None,
               extent: str | None = None, layer: str | None = None, crs: str | None = None) -> MapResult:
    """Write the plan map to ``path`` (format from the suffix), with ``applications`` overlaid."""
    from mineplan.errors import InputError

    path = Path(path)
    suffix = path.suffix.lower()
    _require("folium" if suffix in (".html", ".htm") else "matplotlib")
    check_output(path)
    apps = None
    if applications is not None:
        from mineplan.maps.overlay import applications_frame

        apps = applications_frame(applications, pack, layer=layer, crs=crs)
    if suffix in STATIC_SUFFIXES:
        from mineplan.maps.static import render_static

        with _write_errors(path):
            return render_static(pack, path, dpi=dpi, lang=lang, apps=apps, extent=extent)
    if suffix in (".html", ".htm"):
        from mineplan.maps.web import render_web

        with _write_errors(path):
            return render_web(pack, path, lang=lang, apps=apps, extent=extent)
    raise InputError(f"unknown map format {suffix or 'none'!r} (use .png, .svg, .pdf or .html)", path=str(path))


def check_output(path: Path) -> None:
    """An output path whose folder is missing, not a folder or not writable is a user error."""
    import os

    from mineplan.errors import InputError

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise InputError(f"the output folder {folder} does not exist", path=str(path))
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder", path=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file name", path=str(path))
    if not os.access(folder, os.W_OK):
        raise InputError(f"the output folder {folder} is not writable", path=str(path))


@contextmanager
def _write_errors(path: Path):
    """OS errors while writing the map (disk full, permissions) as one line naming the file."""
    from mineplan.errors import InputError

    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None


def _require(module: str) -> None:
    """A one-line error naming the extra to install when a map library is missing."""
    import importlib.util

    from mineplan.errors import MineplanError

    if importlib.util.find_spec(module) is None:
        raise MineplanError(f"maps need {module}, a dependency of mineplan: reinstall mineplan (pip install mineplan)")


__all__ = ["MapResult", "render_map"]

"""Uploads on disk: each request gets its own temporary directory, files in it get names the
server chooses (only a known suffix comes from the client), and the directory is removed when the
request is done. Bodies are copied in chunks, never held whole in memory.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from mineplan.serve.errors import ApiError

CHUNK = 1 << 20
#: A client file name is kept (for messages) only when it is this simple; otherwise "upload".
_SAFE_NAME = re.compile(r"^[\w\-. ()\u4e00-\u9fff]{1,100}$")
_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")


def safe_name(client_name: str | None, default_suffix: str = "") -> str:
    """A file name for an upload: the client's base name if it is plain, else ``upload`` plus its suffix.

    Only the last path component is ever looked at, so ``../../etc/passwd`` becomes ``passwd``.
    """
    base = Path((client_name or "").replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    if not _SAFE_SUFFIX.match(suffix):
        suffix = default_suffix
    if base and _SAFE_NAME.match(base) and not base.startswith("."):
        return Path(base).stem + suffix
    return "upload" + suffix


class Scratch:
    """A temporary directory for one request. ``scrub`` removes its path from messages."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mineplan-serve-"))

    def path(self, name: str) -> Path:
        return self.dir / name

    def subdir(self, name: str) -> Path:
        """A directory inside this one (for outputs, so no upload's name can collide with them)."""
        sub = self.dir / name
        sub.mkdir(exist_ok=True)
        return sub

    def scrub(self, text: str) -> str:
        """``text`` with this directory's path taken out (the client sees only its file's name)."""
        return text.replace(str(self.dir) + "/", "").replace(str(self.dir), "")

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    async def save_stream(self, name: str, chunks) -> Path:
        """Write an async iterator of bytes to ``name``; an empty body is a 400."""
        target = self.path(name)
        size = 0
        with open(target, "wb") as fh:
            async for chunk in chunks:
                size += len(chunk)
                fh.write(chunk)
        if size == 0:
            raise ApiError(400, "empty request body")
        return target

    def save_file(self, name: str, source: BinaryIO) -> Path:
        """Copy a (spooled) upload to ``name`` in chunks; an empty file is a 400."""
        target = self.path(name)
        with open(target, "wb") as fh:
            shutil.copyfileobj(source, fh, CHUNK)
        if target.stat().st_size == 0:
            raise ApiError(400, f"{name}: the uploaded file is empty")
        return target

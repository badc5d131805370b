"""Helpers for tests that need a modified copy of the bundled plan pack."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from mineplan.pack import bundled_data_dir, load_pack


def copy_pack(tmp_path: Path, edit: dict[str, Callable[[dict], dict]] | None = None, load: bool = True):
    """Copy the bundled pack to ``tmp_path/pack``; ``edit`` maps a layer name to a function
    applied to each feature's properties. Returns the loaded pack (or its directory)."""
    root = tmp_path / "pack"
    shutil.copytree(bundled_data_dir(), root, ignore=shutil.ignore_patterns("__pycache__"))
    import tomllib

    config = tomllib.loads((root / "plan.toml").read_text(encoding="utf-8"))
    for layer, fn in (edit or {}).items():
        path = root / config["layers"][layer]["file"]
        doc = json.loads(path.read_text(encoding="utf-8"))
        for feature in doc["features"]:
            feature["properties"] = fn(feature["properties"])
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return load_pack(root) if load else root


def indicator(pack, key: str) -> dict:
    """The pack's [[indicators]] entry with ``key``."""
    return next(entry for entry in pack.indicators if entry["key"] == key)


def setback(pack, code: str) -> dict:
    """The pack's [[setbacks]] entry with rule ``code``."""
    return next(entry for entry in pack.config["setbacks"] if entry["code"] == code)

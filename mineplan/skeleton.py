"""``mineplan plan init DIR``: a new plan pack to fill in.

The skeleton is ``mineplan/templates/plan.toml`` (shipped in the wheel): every key of the schema
with what it means and whether it is required, required values left as empty placeholders that
``mineplan plan validate`` lists as missing, and one ``[catalogue.CODE]`` per rule of mineplan.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from mineplan.errors import PlanPackError

#: folders a new pack starts with (the layer files go there)
FOLDERS = ("zones", "blocks")


def skeleton_text() -> str:
    """The commented skeleton plan.toml, with a catalogue entry for every rule."""
    from mineplan.rules import FIXED_RULES

    template = resources.files("mineplan").joinpath("templates", "plan.toml").read_text(encoding="utf-8")
    entries = []
    for rule in FIXED_RULES:
        title = " ".join(str(getattr(rule, "title_en", "") or "").split())
        entries.append(f"[catalogue.{rule.code}]" + (f"   # {title}" if title else "") + "\n"
                       'clause = ""                       # REQUIRED: the clause of the plan (or law) it enforces\n'
                       'text_zh = ""\nnote = ""\n')
    return template.replace("@CATALOGUE@\n", "\n".join(entries))


def init_pack(directory: str | Path) -> Path:
    """Write the skeleton plan.toml and empty layer folders into ``directory`` (created if need
    be); refuse a directory that already holds a plan.toml. Returns the plan.toml written."""
    root = Path(directory)
    toml = root / "plan.toml"
    if toml.exists():
        raise PlanPackError(f"{toml}: already exists: plan init starts a new pack (choose another directory)")
    if root.exists() and not root.is_dir():
        raise PlanPackError(f"{root}: not a directory")
    root.mkdir(parents=True, exist_ok=True)
    for folder in FOLDERS:
        (root / folder).mkdir(exist_ok=True)
    toml.write_text(skeleton_text(), encoding="utf-8")
    return toml

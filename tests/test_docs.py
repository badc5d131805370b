"""Documentation that cannot drift: the README's rule table and every rule's clause."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_readme_rule_table_is_generated_from_the_catalogue():
    spec = importlib.util.spec_from_file_location("gen_docs", REPO / "scripts" / "gen_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert gen.rendered(text) == text, "README rule table is stale: run python scripts/gen_docs.py"


def test_every_catalogue_entry_is_a_known_rule(pack):
    assert set(pack.config["catalogue"]) == set(pack.rule_set.codes)


def test_ci_runs_the_readme_test_command_word_for_word():
    readme = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    install, test = [line for line in readme[:8] if line.startswith("python3 -m venv")]
    assert "mineplan check examples/" in install and "pytest" in test
    assert test in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_every_package_is_in_the_wheel():
    """pyproject.toml lists the packages by hand (data/ ships as mineplan._data): a new package left
    out installs nothing, and the installed command fails where the checkout works."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "mineplan").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)


#: tables whose keys are the pack's own names (layer names, minerals, rule codes …), not schema keys
_NAMED = {("layers",), ("minerals",), ("scale_tables",), ("resources",), ("catalogue",), ("visibility", "distance_m"),
          ("rules", "scope"), ("rules", "constraint_kinds"), ("rules", "ambiguous_minerals"),
          ("rules", "stage_aliases"), ("rules", "grant_aliases"), ("validation", "block_in_zone"),
          ("validation", "places")}


def _schema_keys(table, path=()) -> set[str]:
    keys = set()
    items = table.items() if isinstance(table, dict) else ()
    for key, value in items:
        named = path in _NAMED
        if not named:
            keys.add(key)
        sub = path if named else (*path, key)
        if isinstance(value, dict):
            keys |= _schema_keys(value, sub)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for entry in value:
                keys |= _schema_keys(entry, sub)
    return keys


@pytest.mark.parametrize("pack_dir", ["data", "tests/packs/zhongxiang"])
def test_plan_packs_doc_covers_every_key_a_pack_uses(pack_dir):
    import tomllib

    config = tomllib.loads((REPO / pack_dir / "plan.toml").read_text(encoding="utf-8"))
    doc = (REPO / "docs" / "plan-packs.md").read_text(encoding="utf-8")
    missing = sorted(k for k in _schema_keys(config)
                     if not any(form in doc for form in (f"`{k}`", f"[{k}", f".{k}")))
    assert not missing, f"docs/plan-packs.md does not document: {missing}"

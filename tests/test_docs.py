"""Documentation that cannot drift: the README's rule table and every rule's clause."""

from __future__ import annotations

import importlib.util
from pathlib import Path

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

"""`mineplan plan init DIR`: a commented skeleton, and `plan validate` saying exactly what it lacks."""

from __future__ import annotations

import fnmatch
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from mineplan.cli import cli
from mineplan.pack import FEATURE_FIELDS, REQUIRED_ROLES, ROLES, bundled_data_dir, load_pack
from mineplan.rules import FIXED_RULES
from mineplan.skeleton import init_pack, skeleton_text
from mineplan.validate import validate_pack

REPO = Path(__file__).resolve().parents[1]
#: the [plan] keys the skeleton leaves as placeholders, in the order validate names them
CODES = [rule.code for rule in FIXED_RULES]
PLAN_KEYS = ("id", "version", "name_zh", "issued", "period", "adcode", "crs")
SKELETON_LAYERS = ("county", "key_mining_zones", "exploration_blocks", "mining_blocks")


def _init(tmp_path) -> Path:
    root = tmp_path / "new-county"
    result = CliRunner().invoke(cli, ["plan", "init", str(root)])
    assert result.exit_code == 0, result.output
    assert f"wrote {root / 'plan.toml'}" in result.output
    return root


def test_init_writes_the_skeleton_and_empty_layer_folders(tmp_path):
    root = _init(tmp_path)
    assert sorted(p.name for p in root.iterdir()) == ["blocks", "plan.toml", "zones"]
    assert not any((root / "zones").iterdir()) and not any((root / "blocks").iterdir())
    config = tomllib.loads((root / "plan.toml").read_text(encoding="utf-8"))
    assert set(config["catalogue"]) == set(CODES)
    roles = {e["role"] for e in config["layers"].values()}
    assert roles == {"county", "key_mining_zone", "exploration_block", "mining_block"} and set(REQUIRED_ROLES) <= roles


def test_init_refuses_a_directory_with_a_plan(tmp_path):
    root = _init(tmp_path)
    (root / "plan.toml").write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", "init", str(root)])
    assert result.exit_code == 2
    assert result.stderr == f"mineplan: error: {root / 'plan.toml'}: already exists: plan init starts a new pack " \
                            "(choose another directory)\n"
    assert (root / "plan.toml").read_text(encoding="utf-8") == "# mine\n"
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with pytest.raises(Exception, match="not a directory"):
        init_pack(tmp_path / "a-file")


def test_validate_on_the_skeleton_lists_exactly_what_is_missing(tmp_path):
    root = _init(tmp_path)
    toml = root / "plan.toml"
    result = CliRunner().invoke(cli, ["plan", "validate", "--data", str(root)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    want = [*(f"{toml}: [plan] {key!r} is missing" for key in PLAN_KEYS),
            *(f"{toml}: [layers.{name}]: no 'file'" for name in SKELETON_LAYERS),
            f"{toml}: [minerals]: no mineral",
            *(f"{toml}: [catalogue.{code}]: missing, or has no clause (rule {code} is enabled" for code in CODES),
            *(f"{toml}: [rules] has no {name!r} (read by rule " for name in
              dict.fromkeys(name for rule in FIXED_RULES for name in rule.params))]
    assert len(lines) == len(want) + 1
    for line, start in zip(lines, want, strict=False):
        assert line.startswith(start), (line, start)
    assert lines[-1] == f"{len(want)} key(s) or entries missing in the plan pack"
    assert "no plan.toml" not in result.stderr and "Traceback" not in result.output


def test_load_pack_on_the_skeleton_is_one_line(tmp_path):
    root = _init(tmp_path)
    result = CliRunner().invoke(cli, ["--data", str(root), "plan"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"mineplan: error: {root / 'plan.toml'}: [plan] crs ")  # the first problem
    assert result.stderr.count("\n") == 1


def _fill(root: Path) -> None:
    """Fill the skeleton with the bundled Changle plan: [plan] values, the layer files, and its
    minerals, rules and catalogue in place of the skeleton's commented examples."""
    data = bundled_data_dir()
    bundled = (data / "plan.toml").read_text(encoding="utf-8")
    plan = tomllib.loads(bundled)["plan"]
    text = (root / "plan.toml").read_text(encoding="utf-8")
    text = text[:text.index("# Minerals: one")]
    for key in PLAN_KEYS:
        value = plan.get(key, "EPSG:4549")
        text = re.sub(rf'(?m)^{key} = (""|\[\])', f"{key} = {value!r}".replace("'", '"'), text, count=1)
    for name in (*SKELETON_LAYERS, "key_exploration_zones"):
        entry = tomllib.loads(bundled)["layers"][name]
        shutil.copy(data / entry["file"], root / entry["file"])
        text = re.sub(rf'(\[layers\.{name}\]\nrole = "\w+"\n)file = ""', rf'\1file = "{entry["file"]}"', text)
    text += bundled[bundled.index('[minerals."地热"]'):]
    text += ('\n[layers.key_exploration_zones]\nrole = "key_exploration_zone"\n'
             'file = "zones/key_exploration_zones.geojson"\n')
    (root / "plan.toml").write_text(text, encoding="utf-8")


def test_a_filled_skeleton_validates_and_loads(tmp_path):
    root = _init(tmp_path)
    _fill(root)
    result = CliRunner().invoke(cli, ["plan", "validate", "--data", str(root)])
    assert result.exit_code == 0, result.output
    pack = load_pack(root)
    assert pack.identity()["id"] == "370725-kczygh-2021-2025"
    assert set(pack.layers["mining_blocks"].frame["code"]) == {"CL-MB-01", "CL-MB-02"}


def test_half_filled_skeleton_lists_only_what_is_left(tmp_path):
    root = _init(tmp_path)
    text = (root / "plan.toml").read_text(encoding="utf-8")
    text = text.replace('id = ""', 'id = "420881-kczygh-2021-2025"', 1)
    text = text.replace("period = []", "period = [2021, 2025]", 1)
    (root / "plan.toml").write_text(text, encoding="utf-8")
    problems = validate_pack(root).problems
    assert not any("'id'" in p or "'period'" in p for p in problems)
    assert any("[plan] 'version' is missing" in p for p in problems)


def test_the_skeleton_names_every_key_of_the_schema():
    text = skeleton_text()
    plan_keys = ("id", "version", "name_zh", "name_en", "issuer_zh", "document", "issued", "effective", "period",
                 "outlook", "base_year", "adcode", "crs", "county_zh", "county_en", "stated_area_km2",
                 "layers_provenance")
    layer_keys = ("role", "file", "layer", "title_zh", "title_en", "where", "fields", "encoding", "crs",
                  "coordinates", "kind", "verdict", "format", "angle", "gdzb", "rings", "dddmmss")
    others = ("[visibility.distance_m]", '[minerals."', "aliases", "classes", "unit", "sand_gravel", "scale_table",
              "density_t_per_m3", "[scale_tables.", "[rules]", "[rules.scope.", "right_types", "mine_status",
              "[rules.constraint_kinds.", "[rules.ambiguous_minerals]", "[resources.", "[[setbacks]]", "distance_m",
              "cuts_block", "open_pit_only", "[[indicators]]", "counts", "limit", "[validation]",
              "[validation.block_in_zone]", "[validation.places.", "enabled = false", "severity", "text_zh", "note",
              "not_checked_severity", "mining_area", "versions/")
    plan_section = text[text.index("[plan]"):text.index("[layers.")]
    for key in plan_keys:  # each [plan] key, set or commented, with a comment saying what it is
        assert re.search(rf"(?m)^#?\s*{key} = .*# (REQUIRED|optional): \S", plan_section), key
    layer_doc = text[text.index("# Layers:"):text.index("[layers.county]")]
    for key in layer_keys[:12]:  # each [layers.NAME] key described in the layers' comment block
        assert re.search(rf"(?m)^#\s+{key}\b.*\S", layer_doc), key
    for word in layer_keys[12:]:
        assert word in layer_doc, word
    for word in (*others, *ROLES, *FEATURE_FIELDS):
        assert word in text, word
    bundled = tomllib.loads((bundled_data_dir() / "plan.toml").read_text(encoding="utf-8"))["rules"]
    flat = [key for key, value in bundled.items() if not isinstance(value, dict)]
    for key in {*flat, *(name for rule in FIXED_RULES for name in rule.params)}:
        # every flat rule parameter of the bundled pack, and every one a rule reads, is described
        assert re.search(rf"(?m)^# {key} = .+# \S", text), key


def test_every_required_line_says_so():
    text = skeleton_text()
    for line in text.splitlines():
        if re.match(r'^\w+ = (""|\[\])', line) and not line.startswith(("text_zh", "note", "name_en", "issuer_zh",
                                                                          "document")):
            assert "REQUIRED" in line, line


def test_the_template_ships_in_the_wheel():
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "mineplan" in setuptools["packages"]
    globs = setuptools["package-data"]["mineplan"]
    assert any(fnmatch.fnmatch("templates/plan.toml", g) for g in globs), globs
    assert (REPO / "mineplan" / "templates" / "plan.toml").is_file()

"""Static maps: written, not blank, several colours, the asked size, the Chinese font found."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from mineplan.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _pixels(path: Path) -> np.ndarray:
    import matplotlib.image as mpimg

    return mpimg.imread(path)


def _colours(img: np.ndarray) -> int:
    rgb = (img[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    return len(np.unique(rgb // 16, axis=0))  # distinct colours, coarsely binned


def test_cjk_font_found_where_installed():
    """In CI (.ci/run installs fonts-noto-cjk) and wherever Debian's Noto CJK is installed, the
    Chinese font path must be taken."""
    from mineplan.maps.fonts import SAMPLE, _covers, find_cjk_font

    family = find_cjk_font()
    noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if family is None:
        if os.environ.get("CI") or noto.exists():
            pytest.fail("fonts-noto-cjk is installed (or this is CI) but no CJK font was found")
        pytest.skip("no CJK font installed")
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert _covers(path), f"{family} ({path}) lacks {SAMPLE}"
    if noto.exists():
        assert family.startswith("Noto Sans CJK")


def test_png_map_non_trivial_and_sized(tmp_path, pack):
    from mineplan.maps import render_map

    out = tmp_path / "plan.png"
    result = render_map(pack, out, dpi=72)
    img = _pixels(out)
    assert img.shape[1] == round(11.0 * 72) and img.shape[0] == round(10.0 * 72)
    assert img[..., :3].std() > 0.05, "image is blank"
    assert _colours(img) >= 20
    assert {"county", "key_mining_zone", "exploration_block", "mining_block", "visibility_buffer",
            "road_bridge"} <= set(result.layers)
    if result.font:
        assert result.lang == "zh"


def test_dpi_sets_size(tmp_path):
    out = tmp_path / "m.png"
    res = CliRunner().invoke(cli, ["map", "-o", str(out), "--dpi", "40", "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert _pixels(out).shape[:2] == (400, 440)


def test_chinese_labels_use_the_cjk_font(tmp_path, pack, recwarn):
    from mineplan.maps import render_map
    from mineplan.maps.fonts import find_cjk_font

    if find_cjk_font() is None:
        pytest.skip("no CJK font installed")
    result = render_map(pack, tmp_path / "zh.png", dpi=50, lang="zh")
    assert result.lang == "zh" and result.font == find_cjk_font() and result.warning is None
    assert not [w for w in recwarn if "missing from font" in str(w.message)], "tofu: glyphs missing"


def test_no_cjk_font_falls_back_to_english(tmp_path, pack, monkeypatch, recwarn):
    from mineplan.maps import fonts, render_map

    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    result = render_map(pack, tmp_path / "en.png", dpi=40, lang="zh")
    assert result.lang == "en" and result.warning == fonts.FALLBACK_WARNING
    assert not [w for w in recwarn if "missing from font" in str(w.message)], "tofu: glyphs missing"


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_vector_formats(tmp_path, suffix, magic):
    out = tmp_path / f"m{suffix}"
    res = CliRunner().invoke(cli, ["map", "-o", str(out), "--extent", "zones"])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(magic) and out.stat().st_size > 20_000


def test_applications_overlay_by_verdict(tmp_path, pack):
    from mineplan.maps import render_map
    from mineplan.maps.overlay import applications_frame
    from mineplan.maps.style import VERDICT_COLORS

    apps = applications_frame(EXAMPLES / "mining-forbidden.geojson", pack)
    assert apps["verdict"].tolist() == ["forbidden"]
    out = tmp_path / "apps.png"
    render_map(pack, out, dpi=60, applications=EXAMPLES / "mining-forbidden.geojson", extent="applications")
    img = (_pixels(out)[..., :3] * 255).astype(int)
    red = np.array([int(VERDICT_COLORS["forbidden"][i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(img - red).sum(axis=-1) < 30).sum() > 50, "the forbidden application is not drawn in red"


def test_screening_output_overlay(tmp_path, pack):
    """A file with a verdict column is drawn as it says, not checked again."""
    from mineplan.maps.overlay import applications_frame

    res = CliRunner().invoke(cli, ["check", str(EXAMPLES / "mining-restricted.geojson"), "--format", "geojson",
                                   "-o", str(tmp_path / "screen.geojson")])
    assert res.exit_code == 3, res.output
    apps = applications_frame(tmp_path / "screen.geojson", pack)
    assert apps["verdict"].tolist() == ["restricted"]
    assert any(f["rule"] for f in apps["findings"][0])


@pytest.mark.parametrize("extent", ["county", "zones", "118.8,36.4,118.95,36.55", "bad", "1,2"])
def test_extent(tmp_path, extent):
    res = CliRunner().invoke(cli, ["map", "-o", str(tmp_path / "e.png"), "--dpi", "30", "--extent", extent])
    if extent in ("bad", "1,2"):
        assert res.exit_code == 2 and "--extent" in res.output
    else:
        assert res.exit_code == 0, res.output


def test_unknown_format(tmp_path):
    res = CliRunner().invoke(cli, ["map", "-o", str(tmp_path / "m.txt")])
    assert res.exit_code == 2


def test_every_style_is_documented():
    from mineplan.maps.style import STYLES

    doc = (Path(__file__).resolve().parent.parent / "docs" / "maps.md").read_text(encoding="utf-8")
    missing = [key for key, s in STYLES.items() if f"| `{key}` | {s.zh} |" not in doc or s.color not in doc]
    assert not missing, f"docs/maps.md lacks the style of {missing}"


def test_map_output_folder_errors_are_user_errors(tmp_path):
    from click.testing import CliRunner

    from mineplan.cli import cli

    for out in (tmp_path / "missing" / "map.png", tmp_path / "missing" / "map.html"):
        result = CliRunner().invoke(cli, ["map", "-o", str(out)])
        assert result.exit_code == 2, result.output
        assert f"the output folder {out.parent} does not exist" in result.output
    result = CliRunner().invoke(cli, ["map", "-o", str(tmp_path)])
    assert result.exit_code == 2

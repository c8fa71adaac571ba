"""Chinese chart labels render with the CJK font: glyphs, never boxes."""

from __future__ import annotations

import warnings

import pytest

from classifiers.charts_font import cjk_font_path, use_cjk_font

LABELS = "区人民法院公安分局检察院司法局政法委效率不高徇私枉法"


def test_the_font_covers_the_chinese_labels():
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(cjk_font_path()), fontNumber=0, lazy=True).getBestCmap()
    assert all(ord(ch) in cmap for ch in LABELS)


def test_a_chart_with_chinese_labels_renders_with_glyphs(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib import font_manager

    family = use_cjk_font()
    assert font_manager.findfont(font_manager.FontProperties(family=family)) == str(cjk_font_path())
    fig, ax = plt.subplots(figsize=(3, 1), dpi=100)
    ax.axis("off")
    ax.text(0.02, 0.3, "区人民法院", fontsize=28)
    path = tmp_path / "glyphs.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" on a fallback
        fig.savefig(path)
    plt.close(fig)
    image = plt.imread(path)
    ink = (image[..., :3].mean(axis=2) < 0.5).mean()
    assert 0.02 < ink < 0.6  # real strokes, not an empty picture


def test_missing_glyphs_would_be_caught(tmp_path):
    """The check above can fail: DejaVu Sans has no CJK glyphs and matplotlib warns about them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.text(0.1, 0.5, "区人民法院", family="DejaVu Sans")
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(tmp_path / "boxes.png")
    plt.close(fig)

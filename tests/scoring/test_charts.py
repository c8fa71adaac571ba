"""Chinese text on the bulletin charts renders as glyphs, never as boxes."""

from __future__ import annotations

import dataclasses
import io
import warnings

import pytest

from classifiers.charts_font import cjk_font_path
from pipelines.bulletin import charts
from pipelines.scoring import score_units
from pipelines.scoring.config import ScoringConfig

from tests.scoring.builders import UNITS, answers, case

CFG = ScoringConfig()


def charmap(path) -> set[int]:
    from matplotlib.ft2font import FT2Font

    return set(FT2Font(str(path)).get_charmap())


def uncovered(texts: list[str], path) -> set[str]:
    codes = charmap(path)
    return {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in codes}


def rendered(fig) -> list[str]:
    """Draw ``fig``; fail on any missing-glyph warning; return its texts."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert not missing, missing
    return charts.figure_texts(fig)


@pytest.fixture(scope="module")
def rankings():
    survey = (answers("public_security", 27, 3, positive=10, neutral=3) + answers("court", 8, 22, negative=12)
              + answers("procuratorate", 28, 2, positive=9) + answers("justice_bureau", 25, 5, positive=8)
              + answers("political_legal_committee", 3, 2, positive=2))
    survey = [a if a.sentiment != "negative" else dataclasses.replace(a, aspects=("abuse_for_profit",))
              for a in survey]
    return score_units(UNITS, survey, [case(1, ("court",), ("abuse_for_profit",))], CFG)


def figures(rankings):
    return {
        "ranking": charts.ranking_figure(rankings, CFG.tiers, "2018年度各单位综合得分及95%区间"),
        "sentiment": charts.sentiment_figure(rankings, "各单位企业开放式意见情感分布"),
        "aspects": charts.aspects_figure(rankings, "企业意见反映的问题（答卷数）"),
        "trend": charts.trend_figure({"court": 3, "public_security": 1}, {"court": 1}, ("2018年第一季度", "2018年第二季度"),
                                     "各单位严重问题投诉"),
    }


@pytest.mark.parametrize("name", ["ranking", "sentiment", "aspects", "trend"])
def test_every_chinese_label_is_drawn_with_the_cjk_font(rankings, name):
    from matplotlib.font_manager import findfont
    from matplotlib.text import Text

    fig = figures(rankings)[name]
    texts = rendered(fig)
    joined = "".join(texts)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in joined), "the chart should carry Chinese labels"
    assert not uncovered(texts, cjk_font_path())
    for artist in fig.findobj(Text):
        if any("\u4e00" <= ch <= "\u9fff" for ch in artist.get_text()):
            assert findfont(artist.get_fontproperties()) == str(cjk_font_path()), artist.get_text()


def test_the_ranking_chart_names_units_in_chinese_and_marks_the_interview(rankings):
    texts = rendered(figures(rankings)["ranking"])
    assert any("区人民法院" in t for t in texts) and any("约谈" in t for t in texts)
    assert any("样本不足" in t and "区委政法委" in t for t in texts)


def test_the_coverage_check_would_catch_a_latin_only_font():
    from matplotlib import font_manager

    latin = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    assert uncovered(["区人民法院"], latin)  # so a fallback to such a font cannot pass unnoticed

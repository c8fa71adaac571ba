"""Per-unit measures and the composite, against hand-computed values."""

from __future__ import annotations

import pytest

from pipelines.scoring.config import ScoringConfig
from pipelines.scoring.inputs import Answer, Case, is_mismatch
from pipelines.scoring.units import ScoringInputError, combine, Component, measure_units

from tests.scoring.builders import UNITS, answers, case

CFG = ScoringConfig()


def test_satisfied_means_tick_first_then_score():
    assert Answer("a", "court", score=2, choice="基本满意").satisfied(4) is True
    assert Answer("a", "court", score=5, choice="不满意").satisfied(4) is False
    assert Answer("a", "court", score=4).satisfied(4) is True
    assert Answer("a", "court", score=3).satisfied(4) is False
    assert Answer("a", "court", score=3).satisfied(3) is True
    assert Answer("a", "court").satisfied(4) is None


def test_composite_by_hand_with_complaints_and_peer():
    # court: 8 of 10 satisfied, no open answers (sentiment drops out), cases of weight 3 + 1 = 4
    # → complaint component 10 / (10 + 4); peer 80 on 0..100 → 0.8.
    # composite = 100 * (0.5*0.8 + 0.2*0.714286 + 0.1*0.8) / (0.5 + 0.2 + 0.1) = 77.857
    # low  = 100 * (0.5*0.490163 + 0.2*0.714286 + 0.1*0.8) / 0.8 = 58.492 (Wilson low of 8/10)
    # high = 100 * (0.5*0.943318 + 0.2*0.714286 + 0.1*0.8) / 0.8 = 86.815
    ans = answers("court", 8, 2)
    cases = [case(1, ("court",), ("abuse_for_profit",)), case(2, ("court",), ("low_efficiency", "formalism"))]
    [m] = measure_units(["court"], ans, cases, CFG, peer={"court": 80})
    assert m.n == 10 and m.satisfied == 8 and m.satisfaction == pytest.approx(0.8)
    assert m.complaints.weighted == 4 and m.complaints.pressure == 4
    assert {c.name for c in m.components} == {"satisfaction", "complaints", "peer"}
    assert m.composite == pytest.approx(77.857, abs=1e-3)
    assert m.composite_low == pytest.approx(58.492, abs=1e-3)
    assert m.composite_high == pytest.approx(86.815, abs=1e-3)
    assert any("情感指数未计入" in n for n in m.notes)


def test_sentiment_index_and_its_component():
    # 4 positive, 2 neutral, 4 negative texts → index 0; component 0.5
    ans = answers("court", 5, 5, positive=4, neutral=2, negative=4)
    [m] = measure_units(["court"], ans, [], CFG)
    assert m.texts == 10 and m.sentiment_index == pytest.approx(0.0)
    assert m.sentiment_low < 0 < m.sentiment_high
    sentiment = next(c for c in m.components if c.name == "sentiment")
    assert sentiment.value == pytest.approx(0.5)
    # no complaints stored in the period at all: the complaint component is dropped, with a note
    assert "complaints" not in {c.name for c in m.components}
    assert any("没有已入库的投诉数据" in n for n in m.notes)
    # composite = 100 * (0.5*0.5 + 0.2*0.5) / 0.7 = 50
    assert m.composite == pytest.approx(50.0)


def test_combine_renormalises_weights():
    parts = [Component("satisfaction", 0.5, 1.0, 0.8, 1.0), Component("sentiment", 0.2, 0.5, 0.4, 0.6),
             Component("peer", 0.0, 0.0, 0.0, 0.0)]
    composite, low, high = combine(parts)
    assert composite == pytest.approx(100 * (0.5 + 0.1) / 0.7)
    assert low == pytest.approx(100 * (0.4 + 0.08) / 0.7)
    assert high == pytest.approx(100 * (0.5 + 0.12) / 0.7)
    assert combine([]) is None


def test_severity_weighting_counts_a_case_once_at_its_most_serious_category():
    sev = CFG.complaints.severity_weights
    assert case(1, ("court",), ("low_efficiency", "perverting_justice")).weight(sev) == 3.0
    assert case(2, ("court",), ("inaction_misconduct",)).weight(sev) == 1.5
    assert case(3, ("court",), ()).weight(sev) == 0.0


def test_out_of_scope_cases_are_not_counted_and_shares_are_of_in_scope_cases():
    cases = [case(1, ("court",), ("low_efficiency",)), case(2, ("court",), ()),
             case(3, ("procuratorate",), ("perverting_justice",)), case(4, ("court", "procuratorate"), ("formalism",))]
    court, proc = measure_units(["court", "procuratorate"], [], cases, CFG)
    assert court.complaints.cases == 2 and court.complaints.share == pytest.approx(2 / 3)
    assert proc.complaints.serious_cases == 1 and proc.complaints.serious_share == pytest.approx(1.0)
    assert court.composite is None  # no survey answers: nothing to rank


def test_pressure_per_case_volume():
    # weights 3 + 1 = 4 over 2000 handled cases → 2.0 per 1000; component 5 / (5 + 2)
    cases = [case(1, ("court",), ("abuse_for_profit",)), case(2, ("court",), ("formalism",))]
    [m] = measure_units(["court"], answers("court", 10, 0), cases, CFG, volume={"court": 2000})
    assert m.complaints.per_volume and m.complaints.pressure == pytest.approx(2.0)
    component = next(c for c in m.components if c.name == "complaints")
    assert component.value == pytest.approx(5 / 7)


def test_volume_must_cover_every_unit_with_cases():
    cases = [case(1, ("court",), ("formalism",)), case(2, ("procuratorate",), ("formalism",))]
    with pytest.raises(ScoringInputError, match="procuratorate"):
        measure_units(UNITS, [], cases, CFG, volume={"court": 100})


def test_peer_outside_its_scale_is_an_error_and_missing_peer_is_noted():
    with pytest.raises(ScoringInputError):
        measure_units(["court"], answers("court", 5, 5), [], CFG, peer={"court": 120})
    court, proc = measure_units(["court", "procuratorate"], answers("court", 5, 5) + answers("procuratorate", 5, 5),
                                [], CFG, peer={"court": 70})
    assert "peer" in {c.name for c in court.components}
    assert "peer" not in {c.name for c in proc.components}
    assert any("互评" in n for n in proc.notes)


@pytest.mark.parametrize(("score", "choice", "sentiment", "p", "expected"), [
    (5, None, "negative", 0.9, True),
    (None, "满意", "negative", 0.95, True),
    (4, None, "negative", 0.6, False),  # not confident enough
    (2, None, "positive", 0.9, True),
    (None, "不满意", "positive", 0.85, True),
    (3, "基本满意", "negative", 0.99, False),  # a lukewarm tick is not contradicted
    (5, None, "positive", 0.99, False),
    (5, None, None, 0.0, False),
])
def test_tick_text_mismatch(score, choice, sentiment, p, expected):
    assert is_mismatch(score=score, choice=choice, sentiment=sentiment,
                       sentiment_scores={sentiment: p} if sentiment else {}, min_confidence=0.8) is expected


def test_case_serious():
    assert Case("c", ("court",), ("abuse_for_profit",), "", case(1, (), ()).received_at).serious
    assert not case(1, ("court",), ("formalism",)).serious


def test_item_means_are_reported_per_item():
    ans = [Answer("1", "court", score=4, choice="满意", items={"efficiency": 2, "integrity": 5}),
           Answer("2", "court", score=2, choice="不满意", items={"efficiency": 3}),
           Answer("3", "court", choice="满意")]
    [m] = measure_units(["court"], ans, [], CFG)
    assert m.item_means == {"score": 3.0, "efficiency": 2.5, "integrity": 5.0}

"""Ranks, tiers and flags: who gets 约谈, who is barred from 优秀, who becomes 整顿重点."""

from __future__ import annotations

import dataclasses

import pytest

from pipelines.scoring import score_units
from pipelines.scoring.config import InterviewPolicy, ScoringConfig
from pipelines.scoring.ranking import INSUFFICIENT

from tests.scoring.builders import UNITS, answers, case

CFG = ScoringConfig()


def by_unit(rankings):
    return {r.unit: r for r in rankings}


def clear_worst_survey():
    """court is clearly worst: 8 of 30 satisfied and mostly negative texts; the others 26–29 of 30."""
    return (answers("public_security", 27, 3, positive=12, neutral=3)
            + answers("court", 8, 22, negative=15, neutral=3, positive=2)
            + answers("procuratorate", 29, 1, positive=14, neutral=1)
            + answers("justice_bureau", 26, 4, positive=10, neutral=3, negative=2)
            + answers("political_legal_committee", 28, 2, positive=13, neutral=2))


def test_tiers_by_configured_thresholds():
    assert [CFG.tier_for(x) for x in (100, 85, 84.99, 75, 74.9, 60, 59.99, 0)] == [
        "好", "好", "较好", "较好", "一般", "一般", "差", "差"]


def test_the_clearly_worst_unit_is_last_interviewed_and_barred_from_excellent():
    result = score_units(UNITS, clear_worst_survey(), [], CFG)
    units = by_unit(result)
    court = units["court"]
    assert court.rank == 5 and [r.unit for r in result][-1] == "court"
    assert court.interview and not court.excellent_eligible
    assert court.tier == "差"
    interview = next(x for x in court.reasons if x.flag == "interview")
    assert "约谈" in interview.text and "优秀" in interview.text
    assert interview.evidence and all(e.kind == "answer" for e in interview.evidence)
    for other in ("public_security", "procuratorate", "justice_bureau", "political_legal_committee"):
        assert not units[other].interview and units[other].excellent_eligible and not units[other].focus
    top_two = [r for r in result if r.rank in (1, 2)]
    assert len(top_two) == 2 and not any(r.interview or r.focus for r in top_two)
    assert units["justice_bureau"].distinguishable_from_next is True  # the unit ranked just above court
    assert "court" not in units["procuratorate"].tied_with


def test_overlapping_intervals_mean_no_interview():
    survey = (answers("public_security", 10, 2) + answers("court", 8, 4) + answers("procuratorate", 10, 2)
              + answers("justice_bureau", 11, 1) + answers("political_legal_committee", 9, 3))
    result = score_units(UNITS, survey, [], CFG)
    assert not any(r.interview for r in result)
    assert all(r.excellent_eligible for r in result)
    last = result[-1]
    assert last.unit == "court" and last.rank == 5
    assert last.distinguishable_from_next is None and last.tied_with
    assert any(x.flag == "not_separated" and "不作约谈认定" in x.text for x in last.reasons)
    assert result[0].distinguishable_from_next is False


def test_too_few_respondents_is_not_ranked_nor_interviewed():
    survey = clear_worst_survey()
    survey = [a for a in survey if a.unit != "court"] + answers("court", 0, 6, negative=6)
    units = by_unit(score_units(UNITS, survey, [], CFG))
    court = units["court"]
    assert court.rank is None and court.tier == INSUFFICIENT and court.measures.n == 6
    assert not court.interview and court.excellent_eligible
    assert any(x.flag == "insufficient" and "样本不足" in x.text for x in court.reasons)
    assert sorted(r.rank for r in units.values() if r.rank) == [1, 2, 3, 4]


def test_many_complaints_but_good_surveys_is_focus_not_interview():
    survey = clear_worst_survey()
    # 8 of 12 in-scope cases name public_security (share 67 % ≥ 35 %), 3 of them serious
    cases = [case(i, ("public_security",), ("abuse_for_profit",) if i < 3 else ("low_efficiency",), day=i + 1)
             for i in range(8)]
    cases += [case(10 + i, ("court",), ("formalism",)) for i in range(2)]
    cases += [case(20 + i, ("justice_bureau",), ("low_competence",)) for i in range(2)]
    units = by_unit(score_units(UNITS, survey, cases, CFG))
    ps = units["public_security"]
    assert ps.focus and not ps.interview and ps.excellent_eligible
    focus = next(x for x in ps.reasons if x.flag == "focus")
    assert "整顿重点" in focus.text and "66.7%" in focus.text
    assert [e.kind for e in focus.evidence] == ["complaint"] * CFG.evidence_per_flag
    assert "以权谋利" in focus.evidence[0].detail  # the heaviest cases come first
    assert units["court"].interview and not units["court"].focus
    assert not units["justice_bureau"].focus  # 2 cases: under the minimum count


def test_serious_share_alone_can_make_a_focus():
    cases = [case(1, ("procuratorate",), ("perverting_justice",)), case(2, ("procuratorate",), ("abuse_for_profit",)),
             case(3, ("court",), ("perverting_justice",))] + [case(10 + i, ("court",), ("formalism",)) for i in range(6)]
    units = by_unit(score_units(UNITS, clear_worst_survey(), cases, CFG))
    proc = units["procuratorate"]
    assert proc.measures.complaints.share == pytest.approx(2 / 9)  # below 35 %
    assert proc.focus and "严重问题" in next(x.text for x in proc.reasons if x.flag == "focus")


def test_two_bottom_units_tied_with_each_other_but_clearly_below_the_rest_are_both_interviewed():
    survey = (answers("public_security", 29, 1) + answers("court", 9, 21) + answers("procuratorate", 29, 1)
              + answers("justice_bureau", 10, 20) + answers("political_legal_committee", 28, 2))
    units = by_unit(score_units(UNITS, survey, [], CFG))
    assert units["court"].interview and units["justice_bureau"].interview
    assert "justice_bureau" in units["court"].tied_with
    assert sum(r.interview for r in units.values()) == 2


def test_the_minimum_gap_is_respected():
    cfg = dataclasses.replace(CFG, interview=InterviewPolicy(max_units=2, min_gap_points=60))
    assert not any(r.interview for r in score_units(UNITS, clear_worst_survey(), [], cfg))


def test_one_ranked_unit_is_never_interviewed():
    result = score_units(UNITS, answers("court", 2, 28), [], CFG)
    court = by_unit(result)["court"]
    assert court.rank == 1 and not court.interview


def test_mismatched_answers_are_reported_with_evidence():
    survey = clear_worst_survey()
    survey[0] = dataclasses.replace(survey[0], mismatch=True, text="窗口办事拖拉", sentiment="negative")
    ps = by_unit(score_units(UNITS, survey, [], CFG))["public_security"]
    reason = next(x for x in ps.reasons if x.flag == "mismatch")
    assert "1 份" in reason.text and reason.evidence[0].text == "窗口办事拖拉"


def test_scores_do_not_depend_on_input_order():
    survey = clear_worst_survey()
    a = score_units(UNITS, survey, [], CFG)
    b = score_units(tuple(reversed(UNITS)), list(reversed(survey)), [], CFG)
    assert [(r.unit, r.rank, r.measures.composite, r.interview) for r in a] == \
        [(r.unit, r.rank, r.measures.composite, r.interview) for r in b]

"""Scoring inputs from storage: the period's cases, human corrections first, one count per case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from pipelines.bulletin.negative_cases import summarise
from pipelines.scoring.config import ScoringConfig
from pipelines.scoring.period import parse_period
from pipelines.unit_scoring import load_cases, score_stored_period
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import SurveyResponse, UnitScore

from tests.scoring.stored import add_case, add_complaint, add_label


def test_cases_of_a_period(database_url):
    factory = connect(database_url)
    with session_scope(factory) as s:
        shared = add_case(s)
        add_complaint(s, "H-1", datetime(2018, 4, 2, 8), ["abuse_for_profit"], ["court"], case_id=shared)
        add_complaint(s, "O-1", datetime(2018, 4, 3, 8), ["low_efficiency"], ["court"], case_id=shared,
                      channel="online")  # the same grievance posted online: one case
        wrong = add_complaint(s, "H-2", datetime(2018, 6, 30, 23, 59), ["formalism"], ["court"])
        add_label(s, wrong, "categories", ["perverting_justice"])
        add_label(s, wrong, "agencies", ["procuratorate"])
        add_complaint(s, "H-3", datetime(2018, 7, 1, 0, 0), ["formalism"], ["court"])  # next quarter
        add_complaint(s, "H-4", datetime(2018, 5, 1), [], ["justice_bureau"])  # out of scope
        stale = add_complaint(s, "H-5", datetime(2018, 5, 2), ["formalism"], ["court"], model_version="categories:v0")
        s.flush()
        from qingfeng.storage.tables import TriageResult

        s.add(TriageResult(complaint_id=stale.id, model_version="categories:v2", categories=["low_competence"],
                           agencies=["justice_bureau"], category_scores={}, agency_scores={}))
    with session_scope(factory) as s:
        cases = {c.id: c for c in load_cases(s, parse_period("2018Q2"))}
    assert len(cases) == 4
    merged = cases[f"case-{shared}"]
    assert merged.units == ("court",) and merged.categories == ("abuse_for_profit", "low_efficiency")
    relabelled = next(c for c in cases.values() if c.confirmed)
    assert relabelled.units == ("procuratorate",) and relabelled.categories == ("perverting_justice",)
    newest = next(c for c in cases.values() if c.categories == ("low_competence",))
    assert newest.units == ("justice_bureau",)  # the newest triage result wins
    assert any(c.categories == () for c in cases.values())


def test_scoring_from_storage_writes_one_unit_score_per_unit(database_url):
    factory = connect(database_url)
    with session_scope(factory) as s:
        for i in range(12):
            s.add(SurveyResponse(period="2018Q2", source_id=f"S-{i}", unit="court", choice="满意" if i % 3 else "不满意",
                                 text=""))
        add_complaint(s, "H-1", datetime(2018, 5, 1), ["abuse_for_profit"], ["court"])
    period = parse_period("2018Q2")
    first = score_stored_period(factory, period, ScoringConfig())
    score_stored_period(factory, period, ScoringConfig())  # a rerun replaces, never duplicates
    court = next(r for r in first.rankings if r.unit == "court")
    assert court.measures.n == 12 and court.measures.satisfied == 8 and court.measures.complaints.cases == 1
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(UnitScore)) == 5
        row = s.scalar(select(UnitScore).where(UnitScore.unit == "court"))
        assert row.rank == 1 and row.satisfaction == court.measures.satisfaction and row.reasons
        insufficient = s.scalar(select(UnitScore).where(UnitScore.unit == "procuratorate"))
        assert insufficient.tier == "样本不足" and insufficient.rank is None


def test_negative_case_summary_and_trend(database_url):
    factory = connect(database_url)
    with session_scope(factory) as s:
        add_complaint(s, "Q1-1", datetime(2018, 2, 1), ["abuse_for_profit"], ["court"])
        add_complaint(s, "Q2-1", datetime(2018, 4, 1), ["abuse_for_profit"], ["court"])
        add_complaint(s, "Q2-2", datetime(2018, 5, 1), ["perverting_justice", "abuse_for_profit"], ["court"])
        add_complaint(s, "Q2-3", datetime(2018, 6, 1), ["perverting_justice"], [])
        add_complaint(s, "Q2-4", datetime(2018, 6, 2), ["formalism"], ["procuratorate"])
        add_complaint(s, "Q1-2", datetime(2018, 3, 1), ["perverting_justice"], ["public_security"])
    with session_scope(factory) as s:
        summary = summarise(load_cases(s, parse_period("2018Q2")), load_cases(s, parse_period("2018Q1")))
    assert summary.current == {"court": 2, "unattributed": 1}
    assert summary.previous == {"court": 1, "public_security": 1}
    assert summary.by_category["court"] == {"abuse_for_profit": 2, "perverting_justice": 1}
    assert summary.trend("court") == "上升 1 件" and summary.trend("public_security") == "下降 1 件"
    assert summary.trend("procuratorate") == "持平"
    assert [c.received_at.month for c in summary.cases["court"]] == [5, 4]

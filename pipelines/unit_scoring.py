"""Unit scoring against storage: load a period's answers and complaint cases, score, store ``UnitScore``.

Complaints: those received in the period's date range. Each complaint's categories and agencies come from
its newest triage result, overridden by the newest human label (confirmed or corrected) when there is one.
Complaints sharing a case (near-duplicates, also across channels) count once, as their most serious one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipelines.scoring import score_units
from pipelines.scoring.config import ScoringConfig
from pipelines.scoring.inputs import Answer, Case
from pipelines.scoring.period import Period
from pipelines.scoring.ranking import UnitRanking
from qingfeng.codes import AGENCY_CODES, Provenance
from qingfeng.storage.db import session_scope
from qingfeng.storage.tables import Complaint, Label, SurveyResponse, TriageResult, UnitScore

HUMAN = (Provenance.human_confirmed.value, Provenance.human_corrected.value)


@dataclass
class ScoredPeriod:
    period: Period
    rankings: list[UnitRanking]
    answers: list[Answer]
    cases: list[Case]
    peer: dict[str, float] = field(default_factory=dict)
    unanalysed: int = 0


def load_answers(session: Session, period_label: str) -> list[Answer]:
    rows = session.scalars(select(SurveyResponse).where(SurveyResponse.period == period_label)
                           .order_by(SurveyResponse.id)).all()
    return [Answer(id=r.source_id, unit=r.unit, score=r.score, choice=r.choice, text=r.text or "",
                   sentiment=r.sentiment, sentiment_scores=dict(r.sentiment_scores or {}),
                   aspects=tuple(r.aspects or ()), mismatch=bool(r.tick_text_mismatch),
                   items=dict(r.items or {})) for r in rows]


def _label_values(value, key: str) -> list[str]:
    if isinstance(value, dict):
        value = value.get(key, [])
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or []]


def load_cases(session: Session, period: Period) -> list[Case]:
    """The period's complaints as cases (see module doc)."""
    start, end = period.bounds()
    complaints = session.scalars(select(Complaint).where(Complaint.received_at >= start, Complaint.received_at < end)
                                 .order_by(Complaint.received_at, Complaint.id)).all()
    if not complaints:
        return []
    ids = [c.id for c in complaints]
    triage: dict[int, TriageResult] = {}
    for t in session.scalars(select(TriageResult).where(TriageResult.complaint_id.in_(ids))
                             .order_by(TriageResult.created_at, TriageResult.id)):
        triage[t.complaint_id] = t  # newest wins
    human: dict[tuple[int, str], Label] = {}
    for lab in session.scalars(select(Label).where(Label.complaint_id.in_(ids), Label.provenance.in_(HUMAN),
                                                   Label.task.in_(("categories", "agencies")))
                               .order_by(Label.created_at, Label.id)):
        human[(lab.complaint_id, lab.task)] = lab
    by_case: dict[str, list[tuple[Complaint, list[str], list[str], bool]]] = {}
    for c in complaints:
        t = triage.get(c.id)
        cats = list(t.categories) if t else []
        units = list(t.agencies) if t else []
        confirmed = False
        if (c.id, "categories") in human:
            cats, confirmed = _label_values(human[(c.id, "categories")].value, "categories"), True
        if (c.id, "agencies") in human:
            units = _label_values(human[(c.id, "agencies")].value, "agencies")
        if t is None and not confirmed:
            continue  # not triaged yet: nothing to attribute
        key = f"case-{c.case_id}" if c.case_id else f"complaint-{c.id}"
        by_case.setdefault(key, []).append((c, cats, units, confirmed))
    cases = []
    for key, members in by_case.items():
        cats = sorted({x for _, cs, _, _ in members for x in cs})
        units = sorted({u for _, _, us, _ in members for u in us if u in AGENCY_CODES})
        lead = max(members, key=lambda m: (len(m[1]), -m[0].id))[0]
        cases.append(Case(id=key, units=tuple(units), categories=tuple(cats), text=lead.text,
                          received_at=min(m[0].received_at for m in members),
                          confirmed=all(m[3] for m in members)))
    return cases


def store_rankings(session: Session, period_label: str, rankings: Sequence[UnitRanking]) -> None:
    """Replace the period's ``UnitScore`` rows by these (one per unit)."""
    for r in rankings:
        m = r.measures
        row = session.scalar(select(UnitScore).where(UnitScore.period == period_label, UnitScore.unit == m.unit))
        if row is None:
            row = UnitScore(period=period_label, unit=m.unit)
            session.add(row)
        row.n, row.satisfaction = m.n, m.satisfaction
        row.satisfaction_low, row.satisfaction_high = m.satisfaction_low, m.satisfaction_high
        row.sentiment_index, row.complaint_pressure = m.sentiment_index, m.complaints.pressure
        row.composite, row.composite_low, row.composite_high = m.composite, m.composite_low, m.composite_high
        row.rank, row.tier = r.rank, r.tier
        row.interview, row.excellent_eligible, row.focus = r.interview, r.excellent_eligible, r.focus
        row.reasons = [x.as_dict() for x in r.reasons]


def score_stored_period(factory: sessionmaker[Session], period: Period, cfg: ScoringConfig, *,
                        peer: Mapping[str, float] | None = None, volume: Mapping[str, float] | None = None,
                        units: Sequence[str] = AGENCY_CODES, store: bool = True) -> ScoredPeriod:
    """Score ``period`` from storage (answers must already be analysed for the sentiment component)."""
    with session_scope(factory) as s:
        answers = load_answers(s, period.label)
        cases = load_cases(s, period)
        rankings = score_units(units, answers, cases, cfg, peer=peer, volume=volume)
        if store:
            store_rankings(s, period.label, rankings)
    unanalysed = sum(1 for a in answers if a.text.strip() and a.sentiment is None)
    return ScoredPeriod(period, rankings, answers, cases, dict(peer or {}), unanalysed)

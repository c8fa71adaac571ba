"""The daily report: numbers computed from stored data only (compute), then rendered (report_render).

Scope of a date D: complaints taken in by the nightly runs of D, plus complaints that came in through the
API (no run) with a receipt time on D. Only redacted text and codes are read; the restricted contact
table and quarantine payloads are never touched, so no reporter data can reach the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import Session

from pipelines.drift import DriftReference, DriftResult, compute_drift
from qingfeng.codes import SERIOUS_CATEGORIES
from qingfeng.storage.tables import Complaint, IngestionRun, QuarantineItem, SourceFile
from qingfeng.storage.tables import TriageResult as TriageRow

NO_AGENCY = "unidentified"
LIST_LIMIT = 200


@dataclass(frozen=True)
class ItemLine:
    complaint_id: int
    channel: str
    source_id: str
    received_at: datetime
    categories: list[str]
    agencies: list[str]
    handler: str | None
    case_id: int | None
    text: str  # redacted


@dataclass(frozen=True)
class CaseGroup:
    case_id: int
    members: list[tuple[int, str, str, datetime]]  # complaint id, channel, source id, received at

    @property
    def channels(self) -> list[str]:
        return sorted({m[1] for m in self.members})


@dataclass
class DailyReport:
    run_date: str
    total: int = 0
    by_channel: Counter = field(default_factory=Counter)
    matrix: Counter = field(default_factory=Counter)  # (category, agency, channel) -> n
    by_category: Counter = field(default_factory=Counter)
    by_category_channel: Counter = field(default_factory=Counter)  # (category, channel) -> complaints
    by_agency: Counter = field(default_factory=Counter)
    out_of_scope: Counter = field(default_factory=Counter)  # channel -> n
    review_total: int = 0
    review: list[ItemLine] = field(default_factory=list)
    serious_total: int = 0
    serious: list[ItemLine] = field(default_factory=list)
    out_of_scope_items: list[ItemLine] = field(default_factory=list)
    cases: list[CaseGroup] = field(default_factory=list)
    custody: list[dict] = field(default_factory=list)
    quarantine: Counter = field(default_factory=Counter)  # (channel, reason) -> n
    quarantine_items: list[dict] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    model_versions: list[str] = field(default_factory=list)
    drift: DriftResult | None = None  # predictions vs the training distribution (pipelines.drift)


def scope_condition(run_date: date | str):
    """SQL condition selecting the complaints of a report date."""
    day = date.fromisoformat(str(run_date))
    start = datetime(day.year, day.month, day.day)
    runs = select(IngestionRun.id).where(IngestionRun.run_date == day.isoformat())
    return or_(Complaint.run_id.in_(runs),
               and_(Complaint.run_id.is_(None), Complaint.received_at >= start,
                    Complaint.received_at < start + timedelta(days=1)))


def latest_triage(session: Session, complaint_ids: list[int]) -> dict[int, TriageRow]:
    """The newest stored triage (ORM rows) of each complaint id."""
    latest: dict[int, TriageRow] = {}
    for start in range(0, len(complaint_ids), 500):
        part = complaint_ids[start: start + 500]
        for row in session.scalars(select(TriageRow).where(TriageRow.complaint_id.in_(part))):
            if row.complaint_id not in latest or row.id > latest[row.complaint_id].id:
                latest[row.complaint_id] = row
    return latest


def iter_triaged(session: Session, condition, *, with_text: bool = False, batch: int = 2000) -> Iterator[Row]:
    """Complaints matching ``condition`` with the columns of their newest triage, by id, in batches.

    One streamed query over plain columns (no ORM objects, no evidence; fetched ``batch`` rows at a time,
    server-side cursor on PostgreSQL), so memory stays flat however many complaints a day holds. Triage
    columns are None for a complaint without triage. Run no other statement on ``session`` while iterating.
    """
    # newest triage id per complaint of the scope, as a derived table joined by equality (hash/merge
    # joins on both databases; a correlated subquery in the join condition degrades to O(n²) on PostgreSQL)
    newest = (select(TriageRow.complaint_id, func.max(TriageRow.id).label("triage_id"))
              .where(TriageRow.complaint_id.in_(select(Complaint.id).where(condition)))
              .group_by(TriageRow.complaint_id).subquery("newest"))
    columns = [Complaint.id, Complaint.channel, Complaint.source_id, Complaint.received_at, Complaint.location,
               Complaint.case_id, TriageRow.categories, TriageRow.category_scores, TriageRow.agencies,
               TriageRow.sub_units, TriageRow.handler, TriageRow.needs_review, TriageRow.model_version]
    if with_text:
        columns.append(Complaint.text)
    query = (select(*columns).outerjoin(newest, newest.c.complaint_id == Complaint.id)
             .outerjoin(TriageRow, TriageRow.id == newest.c.triage_id).where(condition).order_by(Complaint.id))
    result = session.execute(query.execution_options(yield_per=batch))
    try:
        yield from result
    finally:
        result.close()


def compute(session: Session, run_date: date | str, list_limit: int = LIST_LIMIT,
            drift_reference: DriftReference | None = None, drift_threshold: float = 0.2) -> DailyReport:
    """All numbers of the report of ``run_date``; a pure function of what is stored."""
    report = DailyReport(str(run_date))
    versions: set[str] = set()
    predictions: list[tuple[list[str], dict]] = []  # (categories, top category score) for the drift check
    wanted: dict[str, list[int]] = {"serious": [], "review": [], "out_of_scope": []}
    lines: dict[int, Row] = {}
    for r in iter_triaged(session, scope_condition(run_date)):
        report.total += 1
        report.by_channel[r.channel] += 1
        triaged = r.model_version is not None
        categories = list(r.categories or [])
        agencies = list(r.agencies or [])
        if triaged:
            versions.add(r.model_version)
            if drift_reference is not None:  # only the top score matters to the confidence (drift.item_confidence)
                top = max((r.category_scores or {}).items(), key=lambda kv: kv[1], default=None)
                predictions.append((categories, dict([top]) if top else {}))
        for category in categories:
            report.by_category[category] += 1
            report.by_category_channel[(category, r.channel)] += 1
            for agency in agencies or [NO_AGENCY]:
                report.matrix[(category, agency, r.channel)] += 1
        for agency in agencies:
            report.by_agency[agency] += 1
        flags = {"serious": bool(SERIOUS_CATEGORIES & set(categories)),
                 "review": bool(triaged and r.needs_review), "out_of_scope": triaged and not categories}
        report.serious_total += flags["serious"]
        report.review_total += flags["review"]
        report.out_of_scope[r.channel] += flags["out_of_scope"]
        for target, flagged in flags.items():
            if flagged and len(wanted[target]) < list_limit:
                wanted[target].append(r.id)
                lines[r.id] = r
    texts = _texts(session, list(lines))
    for target, ids in wanted.items():
        for cid in ids:
            r = lines[cid]
            getattr(report, {"out_of_scope": "out_of_scope_items"}.get(target, target)).append(
                ItemLine(cid, r.channel, r.source_id, r.received_at, list(r.categories or []),
                         list(r.agencies or []), r.handler, r.case_id, texts.get(cid, "")))
    report.model_versions = sorted(versions)
    if drift_reference is not None:
        report.drift = compute_drift(predictions, drift_reference, threshold=drift_threshold)
    report.cases = _cases(session, run_date, list_limit)
    report.custody = _custody(session, str(run_date))
    _quarantine(session, report, str(run_date), list_limit)
    report.runs = [{"id": run.id, "status": run.status, "started_at": run.started_at,
                    "finished_at": run.finished_at}
                   for run in session.scalars(select(IngestionRun).where(IngestionRun.run_date == str(run_date))
                                              .order_by(IngestionRun.id))]
    return report


def _texts(session: Session, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        found.update(tuple(r) for r in session.execute(
            select(Complaint.id, Complaint.text).where(Complaint.id.in_(ids[start:start + 500]))))
    return found


def _cases(session: Session, run_date: date | str, limit: int) -> list[CaseGroup]:
    """Cases of the day's complaints that hold more than one complaint (members of any date)."""
    day_cases = select(Complaint.case_id).where(scope_condition(run_date), Complaint.case_id.is_not(None))
    multi = session.scalars(select(Complaint.case_id).where(Complaint.case_id.in_(day_cases))
                            .group_by(Complaint.case_id).having(func.count() > 1)
                            .order_by(Complaint.case_id).limit(limit)).all()
    groups = []
    for case_id in multi:
        members = session.execute(select(Complaint.id, Complaint.channel, Complaint.source_id, Complaint.received_at)
                                  .where(Complaint.case_id == case_id).order_by(Complaint.received_at)).all()
        groups.append(CaseGroup(case_id, [tuple(m) for m in members]))
    return groups


def _custody(session: Session, run_date: str) -> list[dict]:
    files = session.scalars(select(SourceFile).where(SourceFile.channel == "report_box",
                                                     SourceFile.run_date == run_date).order_by(SourceFile.id))
    return [dict(f.custody, path=f.path) for f in files if f.custody]


def _quarantine(session: Session, report: DailyReport, run_date: str, limit: int) -> None:
    items = session.execute(select(QuarantineItem.channel, QuarantineItem.reason, QuarantineItem.source_id,
                                   QuarantineItem.source_file, QuarantineItem.detail)
                            .where(QuarantineItem.run_date == run_date).order_by(QuarantineItem.id))
    for channel, reason, source_id, source_file, detail in items:
        report.quarantine[(channel, reason)] += 1
        if len(report.quarantine_items) < limit:
            report.quarantine_items.append({"channel": channel, "reason": reason, "source_id": source_id,
                                            "source_file": source_file, "detail": detail})

"""Export stored complaints as JSON Lines (redacted text and triage; never reporter contacts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.report import latest_triage, scope_condition
from qingfeng.storage.tables import Complaint

_BATCH = 1000


def export_rows(session: Session, *, run_date: date | str | None = None, since: datetime | None = None,
                until: datetime | None = None) -> Iterator[dict]:
    """Complaints of a report date, or received in [since, until), oldest id first, streamed in batches."""
    query = select(Complaint.id, Complaint.channel, Complaint.source_id, Complaint.received_at, Complaint.text,
                   Complaint.location, Complaint.case_id, Complaint.run_id).order_by(Complaint.id)
    if run_date is not None:
        query = query.where(scope_condition(run_date))
    if since is not None:
        query = query.where(Complaint.received_at >= since)
    if until is not None:
        query = query.where(Complaint.received_at < until)
    last_id = 0
    while True:
        rows = session.execute(query.where(Complaint.id > last_id).limit(_BATCH)).all()
        if not rows:
            return
        triage = latest_triage(session, [r.id for r in rows])
        for r in rows:
            t = triage.get(r.id)
            yield {
                "id": r.id, "channel": r.channel, "source_id": r.source_id,
                "received_at": r.received_at.isoformat(), "text": r.text, "location": r.location,
                "categories": list(t.categories) if t else [], "agencies": list(t.agencies) if t else [],
                "sub_units": list(t.sub_units) if t else [], "handler": t.handler if t else None,
                "case_id": r.case_id, "needs_review": bool(t.needs_review) if t else None,
                "model_version": t.model_version if t else None,
            }
        last_id = rows[-1].id


def export_jsonl(session: Session, out, **filters) -> int:
    """Write one JSON object per line to the text stream ``out``; returns the number written."""
    n = 0
    for row in export_rows(session, **filters):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n

"""Export stored complaints as JSON Lines (redacted text and triage; never reporter contacts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import true

from pipelines.report import iter_triaged, scope_condition
from qingfeng.storage.tables import Complaint


def export_rows(session, *, run_date: date | str | None = None, since: datetime | None = None,
                until: datetime | None = None) -> Iterator[dict]:
    """Complaints of a report date, or received in [since, until), oldest id first, streamed in batches."""
    condition = true()
    if run_date is not None:
        condition = condition & scope_condition(run_date)
    if since is not None:
        condition = condition & (Complaint.received_at >= since)
    if until is not None:
        condition = condition & (Complaint.received_at < until)
    for r in iter_triaged(session, condition, with_text=True, batch=1000):
        triaged = r.model_version is not None
        yield {
            "id": r.id, "channel": r.channel, "source_id": r.source_id, "received_at": r.received_at.isoformat(),
            "text": r.text, "location": r.location, "categories": list(r.categories or []),
            "agencies": list(r.agencies or []), "sub_units": list(r.sub_units or []), "handler": r.handler,
            "case_id": r.case_id, "needs_review": bool(r.needs_review) if triaged else None,
            "model_version": r.model_version,
        }


def export_jsonl(session, out, **filters) -> int:
    """Write one JSON object per line to the text stream ``out``; returns the number written."""
    n = 0
    for row in export_rows(session, **filters):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n

"""Quarantine: rejected input kept whole (reason code + raw payload), stored once per payload and reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.records import Rejection
from pipelines.sql import batched, insert_ignore
from qingfeng.storage.tables import QuarantineItem

_CONFLICT = ("channel", "payload_hash", "reason")


def add_rejections(session: Session, rejections: Sequence[Rejection], *, run_id: int | None,
                   run_date: str | None) -> int:
    """Quarantine ``rejections`` in the session's transaction; returns how many were new."""
    unique: dict[tuple[str, str, str], Rejection] = {}
    for item in rejections:
        unique.setdefault((item.channel, item.payload_hash, item.reason.value), item)
    if not unique:
        return 0
    seen: set[tuple[str, str, str]] = set()
    by_channel: dict[str, list[str]] = {}
    for channel, digest, _ in unique:
        by_channel.setdefault(channel, []).append(digest)
    for channel, digests in by_channel.items():  # served by the unique index (channel, payload_hash, reason)
        for part in batched(sorted(set(digests)), 500):
            rows = session.execute(select(QuarantineItem.payload_hash, QuarantineItem.reason)
                                   .where(QuarantineItem.channel == channel, QuarantineItem.payload_hash.in_(part)))
            seen.update((channel, digest, reason) for digest, reason in rows)
    new = [item for key, item in unique.items() if key not in seen]
    insert_ignore(session, QuarantineItem, [
        {"run_id": run_id, "run_date": run_date, "channel": item.channel, "source_id": item.source_id,
         "source_file": item.source_file, "reason": item.reason.value, "detail": item.detail,
         "raw_payload": item.raw, "payload_hash": item.payload_hash}
        for item in new
    ], _CONFLICT)
    return len(new)


def list_quarantine(session: Session, run_date: date | str | None = None) -> list[QuarantineItem]:
    """Quarantined items, oldest first; only those of ``run_date`` when given."""
    query = select(QuarantineItem).order_by(QuarantineItem.id)
    if run_date is not None:
        query = query.where(QuarantineItem.run_date == str(run_date))
    return list(session.scalars(query))

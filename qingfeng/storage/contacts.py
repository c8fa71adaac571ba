"""Reporter contacts: the restricted table. The only reader is ``read_contact``, and it is audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qingfeng.storage import audit
from qingfeng.storage.tables import ReporterContact, utcnow


@dataclass(frozen=True)
class Contact:
    complaint_id: int
    name: str | None
    phones: tuple[str, ...]
    id_numbers: tuple[str, ...]


def store_contact(session: Session, complaint_id: int, *, name: str | None, phones: list[str],
                  id_numbers: list[str], other: dict | None = None) -> None:
    """Keep a reporter's contact apart from the complaint text (no audit: writing is not disclosure)."""
    if not (name or phones or id_numbers or other):
        return
    session.add(ReporterContact(complaint_id=complaint_id, name=name, phones=sorted(set(phones)),
                                id_numbers=sorted(set(id_numbers)), other=other or {}))


def store_contacts(session: Session, contacts: list[dict]) -> None:
    """``store_contact`` for many complaints in one multi-row INSERT: dicts with ``complaint_id``, ``name``,
    ``phones``, ``id_numbers`` and ``other``; those with nothing to keep are skipped."""
    now = utcnow()
    rows = [{"complaint_id": c["complaint_id"], "name": c["name"], "phones": sorted(set(c["phones"])),
             "id_numbers": sorted(set(c["id_numbers"])), "other": c["other"] or {}, "created_at": now}
            for c in contacts if c["name"] or c["phones"] or c["id_numbers"] or c["other"]]
    if rows:
        session.execute(insert(ReporterContact.__table__), rows)


def read_contact(session: Session, complaint_id: int, *, actor: str, reason: str) -> Contact | None:
    """Disclose a reporter's contact to ``actor`` for ``reason``; every call is written to the audit log."""
    if not actor or not reason:
        raise ValueError("读取举报人联系方式必须注明操作人和事由 (actor and reason are required)")
    row = session.scalar(select(ReporterContact).where(ReporterContact.complaint_id == complaint_id))
    audit.record(session, actor=actor, action="read_reporter_contact", target=f"complaint:{complaint_id}",
                 reason=reason, found=row is not None)
    if row is None:
        return None
    return Contact(complaint_id, row.name, tuple(row.phones or ()), tuple(row.id_numbers or ()))

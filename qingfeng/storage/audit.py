"""The audit log: who did what to which record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qingfeng.storage.tables import AuditLog


def record(session: Session, *, actor: str, action: str, target: str | None = None, **detail) -> AuditLog:
    """Add an audit entry to the session's transaction (committed with the caller's work)."""
    entry = AuditLog(actor=actor, action=action, target=target, detail=detail)
    session.add(entry)
    return entry

"""Small SQL helpers that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session


def insert_ignore(session: Session, entity: type, rows: Sequence[dict[str, Any]], conflict: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT (conflict) DO NOTHING, in the session's transaction."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise ValueError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")
    statement = insert(entity).on_conflict_do_nothing(index_elements=list(conflict))
    session.execute(statement, list(rows))


def refresh_statistics(session: Session, table: str) -> None:
    """``ANALYZE table`` on PostgreSQL, nothing on SQLite.

    A bulk load outgrows the planner's row estimates faster than autovacuum refreshes them, and stale
    estimates give poor plans for the night's lookups (before migration 0002 dropped it, PostgreSQL read
    whole channels through a one-column channel index for ``channel = ? AND source_id IN (...)``).
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text(f"ANALYZE {table}"))


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start: start + size]

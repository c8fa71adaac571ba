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
        raise NotImplementedError(f"unsupported database dialect {dialect!r}")
    statement = insert(entity).on_conflict_do_nothing(index_elements=list(conflict))
    session.execute(statement, list(rows))


def refresh_statistics(session: Session, table: str) -> None:
    """``ANALYZE table`` on PostgreSQL, nothing on SQLite.

    A bulk load outgrows the planner's row estimates faster than autovacuum refreshes them; with stale
    estimates PostgreSQL answers ``channel = ? AND source_id IN (...)`` from the one-column channel index
    (every row of the channel) instead of the unique (channel, source_id) index.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text(f"ANALYZE {table}"))


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start: start + size]

"""Bookkeeping of nightly runs: ingestion runs, the source files seen (with custody), the online cursor."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipelines.sql import insert_ignore
from qingfeng.storage.tables import IngestionRun, SourceFile, utcnow

FLOW_NAME = "nightly"


def open_run(session: Session, run_date: str, source_dir: str | None) -> int:
    run = IngestionRun(flow=FLOW_NAME, run_date=run_date, source_dir=source_dir, status="running", counts={})
    session.add(run)
    session.flush()
    return run.id


def close_run(session: Session, run_id: int, status: str, counts: dict[str, Any]) -> None:
    session.execute(update(IngestionRun).where(IngestionRun.id == run_id)
                    .values(status=status, finished_at=utcnow(), counts=counts))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_source_file(session: Session, *, channel: str, path: str, sha256: str, run_date: str,
                       status: str = "seen", custody: dict | None = None) -> None:
    """Remember a source file once per (channel, content); custody is kept from the first sighting."""
    insert_ignore(session, SourceFile, [{"channel": channel, "path": path, "sha256": sha256, "run_date": run_date,
                                         "status": status, "custody": custody or {}, "created_at": utcnow()}],
                  ("channel", "sha256"))


def set_custody(session: Session, *, channel: str, sha256: str, custody: dict, status: str = "checked") -> None:
    session.execute(update(SourceFile).where(SourceFile.channel == channel, SourceFile.sha256 == sha256)
                    .values(custody=custody, status=status))


def last_online_cursor(session: Session, api_url: str) -> str | None:
    """The cursor the last completed run reached on ``api_url`` (None: start from the beginning)."""
    runs = session.scalars(select(IngestionRun).where(IngestionRun.flow == FLOW_NAME,
                                                      IngestionRun.status == "completed")
                           .order_by(IngestionRun.id.desc()).limit(50))
    for run in runs:
        online = (run.counts or {}).get("online_api") or {}
        if online.get("url") == api_url and online.get("cursor") is not None:
            return str(online["cursor"])
    return None

"""Survey answers into storage: idempotent upsert by (period, source_id), quarantine, model analysis."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipelines.scoring.inputs import is_mismatch
from pipelines.survey.parse import ParseOutcome, SurveyRejection
from qingfeng.storage.db import session_scope
from qingfeng.storage.tables import IngestionRun, QuarantineItem, SurveyResponse, utcnow

CHANNEL = "survey"
PROBE_TEXT = "服务很好，满意。"


class Analyzer(Protocol):  # classifiers.survey.SurveyAnalyzer
    def analyse_batch(self, texts: list[str]) -> list: ...


@dataclass
class IngestReport:
    period: str
    source_file: str | None
    added: int = 0
    unchanged: int = 0
    quarantined: int = 0
    blank_rows: int = 0
    run_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def summary_zh(self) -> str:
        return (f"{self.source_file}: 新增 {self.added} 份，已存在 {self.unchanged} 份，"
                f"隔离 {self.quarantined} 行，空行 {self.blank_rows} 行")


def _payload_hash(raw: str) -> str:
    return hashlib.sha256(f"{CHANNEL}\n{raw}".encode("utf-8")).hexdigest()


def quarantine(session: Session, rejections: list[SurveyRejection], *, run_id: int | None) -> int:
    """Keep each rejected row once (the same payload and reason is not stored twice)."""
    added = 0
    for r in rejections:
        digest = _payload_hash(r.raw)
        exists = session.scalar(select(QuarantineItem.id).where(
            QuarantineItem.channel == CHANNEL, QuarantineItem.payload_hash == digest,
            QuarantineItem.reason == r.reason))
        if exists is None:
            session.add(QuarantineItem(run_id=run_id, run_date=date.today().isoformat(), channel=CHANNEL,
                                       source_id=r.source_id, source_file=r.source_file, reason=r.reason,
                                       detail=r.detail, raw_payload=r.raw, payload_hash=digest))
            session.flush()
        added += 1
    return added


def store_outcome(session: Session, period: str, outcome: ParseOutcome, *, source_file: str | None,
                  run_id: int | None) -> IngestReport:
    """Add new answers; an existing (period, source_id) with the same content is left as it is, one with
    different content is quarantined as a conflict (a stored answer is never silently overwritten)."""
    report = IngestReport(period=period, source_file=source_file, blank_rows=outcome.blank_rows, run_id=run_id)
    conflicts: list[SurveyRejection] = []
    for a in outcome.answers:
        existing = session.scalar(select(SurveyResponse).where(
            SurveyResponse.period == period, SurveyResponse.source_id == a.source_id))
        if existing is None:
            session.add(SurveyResponse(period=period, source_id=a.source_id, respondent=a.respondent, unit=a.unit,
                                       score=a.score, items=a.items, choice=a.choice, text=a.text))
            report.added += 1
        elif _stored_content(existing) == a.content():
            report.unchanged += 1
        else:
            conflicts.append(SurveyRejection(
                "source_id_conflict", f"第 {a.row} 行：编号 {a.source_id} 在 {period} 已有内容不同的答卷，未覆盖",
                json.dumps({**a.content(), "id": a.source_id}, ensure_ascii=False, sort_keys=True),
                a.source_id, a.source_file, a.row))
    session.flush()
    report.quarantined = quarantine(session, [*outcome.rejections, *conflicts], run_id=run_id)
    return report


def _stored_content(row: SurveyResponse) -> dict:
    return {"respondent": row.respondent, "unit": row.unit, "score": row.score, "items": dict(row.items or {}),
            "choice": row.choice, "text": row.text}


def ingest_outcome(factory: sessionmaker[Session], period: str, outcome: ParseOutcome,
                   source_file: Path | str | None) -> IngestReport:
    """Store one parsed file as one ingestion run (``IngestionRun.flow = "survey_ingest"``)."""
    with session_scope(factory) as s:
        run = IngestionRun(flow="survey_ingest", run_date=date.today().isoformat(),
                           source_dir=str(source_file) if source_file else None)
        s.add(run)
        s.flush()
        report = store_outcome(s, period, outcome, source_file=str(source_file) if source_file else None,
                               run_id=run.id)
        run.status, run.finished_at = "done", utcnow()
        run.counts = {k: v for k, v in report.as_dict().items() if isinstance(v, int)}
    return report


def analyse_period(factory: sessionmaker[Session], analyzer: Analyzer, period: str, *,
                   min_confidence: float, chunk: int = 500) -> int:
    """Sentiment, aspects and the tick/text mismatch flag for every answer of ``period`` not yet analysed
    by the analyzer's current model version. Returns how many answers were (re)analysed."""
    version = getattr(analyzer, "model_version", None) or analyzer.analyse_batch([PROBE_TEXT])[0].model_version
    done = 0
    with session_scope(factory) as s:
        rows = s.scalars(select(SurveyResponse).where(
            SurveyResponse.period == period,
            (SurveyResponse.model_version.is_(None)) | (SurveyResponse.model_version != version),
        ).order_by(SurveyResponse.id)).all()
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            with_text = [r for r in part if r.text.strip()]
            results = analyzer.analyse_batch([r.text for r in with_text]) if with_text else []
            for row, result in zip(with_text, results, strict=True):
                row.sentiment = result.sentiment
                row.sentiment_scores = {k: round(float(v), 4) for k, v in result.sentiment_scores.items()}
                row.aspects = list(result.aspects)
                row.model_version = result.model_version
                row.tick_text_mismatch = is_mismatch(
                    score=row.score, choice=row.choice, sentiment=row.sentiment,
                    sentiment_scores=row.sentiment_scores, min_confidence=min_confidence)
            for row in part:
                if not row.text.strip():
                    row.sentiment, row.sentiment_scores, row.aspects = None, {}, []
                    row.tick_text_mismatch, row.model_version = False, version
            done += len(part)
    return done

"""The relational schema. Changes go through an Alembic revision in ``qingfeng/migrations``."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class IngestionRun(Base):
    __tablename__ = "ingestion_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    run_date: Mapped[str] = mapped_column(String(10), index=True)
    source_dir: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)


class Case(Base):
    """A grievance; near-duplicate complaints (also across channels) share one case."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Complaint(Base):
    """The canonical complaint record. ``text`` is always the redacted text."""

    __tablename__ = "complaints"
    __table_args__ = (UniqueConstraint("channel", "source_id", name="uq_complaint_source"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # looked up through uq_complaint_source
    source_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    location: Mapped[str | None] = mapped_column(String(128))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    band0: Mapped[int | None] = mapped_column(Integer, index=True)
    band1: Mapped[int | None] = mapped_column(Integer, index=True)
    band2: Mapped[int | None] = mapped_column(Integer, index=True)
    band3: Mapped[int | None] = mapped_column(Integer, index=True)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingestion_runs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReporterContact(Base):
    """Restricted: who complained. Read only through ``storage.contacts.read_contact`` (audited)."""

    __tablename__ = "reporter_contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    name: Mapped[str | None] = mapped_column(String(128))
    phones: Mapped[list] = mapped_column(JSON, default=list)
    id_numbers: Mapped[list] = mapped_column(JSON, default=list)
    other: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TriageResult(Base):
    __tablename__ = "triage_results"
    __table_args__ = (UniqueConstraint("complaint_id", "model_version", name="uq_triage_model"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    model_version: Mapped[str] = mapped_column(String(128))
    categories: Mapped[list] = mapped_column(JSON, default=list)
    category_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    agencies: Mapped[list] = mapped_column(JSON, default=list)
    agency_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    sub_units: Mapped[list] = mapped_column(JSON, default=list)
    handler: Mapped[str | None] = mapped_column(Text)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class QuarantineItem(Base):
    """Rejected input, kept whole for repair. ``raw_payload`` holds the raw row (bytes as base64)."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("channel", "payload_hash", "reason", name="uq_quarantine_payload"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingestion_runs.id"))
    run_date: Mapped[str | None] = mapped_column(String(10), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str | None] = mapped_column(String(128))
    source_file: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    raw_payload: Mapped[str] = mapped_column(Text)
    payload_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SourceFile(Base):
    """Each export file seen, with its custody-check result (report-box openings)."""

    __tablename__ = "source_files"
    __table_args__ = (UniqueConstraint("channel", "sha256", name="uq_source_file"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    run_date: Mapped[str | None] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(16), default="seen")
    custody: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("period", "source_id", name="uq_survey_source"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(16), index=True)
    source_id: Mapped[str] = mapped_column(String(128))
    respondent: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32), index=True)
    score: Mapped[int | None] = mapped_column(Integer)
    items: Mapped[dict] = mapped_column(JSON, default=dict)
    choice: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    sentiment: Mapped[str | None] = mapped_column(String(16))
    sentiment_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    aspects: Mapped[list] = mapped_column(JSON, default=list)
    tick_text_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    model_version: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UnitScore(Base):
    __tablename__ = "unit_scores"
    __table_args__ = (UniqueConstraint("period", "unit", name="uq_unit_score"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(16), index=True)
    unit: Mapped[str] = mapped_column(String(32))
    n: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[float | None] = mapped_column(Float)
    satisfaction_low: Mapped[float | None] = mapped_column(Float)
    satisfaction_high: Mapped[float | None] = mapped_column(Float)
    sentiment_index: Mapped[float | None] = mapped_column(Float)
    complaint_pressure: Mapped[float | None] = mapped_column(Float)
    composite: Mapped[float | None] = mapped_column(Float)
    composite_low: Mapped[float | None] = mapped_column(Float)
    composite_high: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    tier: Mapped[str | None] = mapped_column(String(16))
    interview: Mapped[bool] = mapped_column(Boolean, default=False)
    excellent_eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    focus: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Label(Base):
    """A label on an item, with provenance. Only human labels ever become training data."""

    __tablename__ = "labels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task: Mapped[str] = mapped_column(String(32), index=True)  # categories | agencies | sentiment
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    survey_response_id: Mapped[int | None] = mapped_column(ForeignKey("survey_responses.id"))
    channel: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)  # redacted
    value: Mapped[list | dict | str] = mapped_column(JSON)
    provenance: Mapped[str] = mapped_column(String(32), index=True)
    annotator: Mapped[str | None] = mapped_column(String(128))
    model_version: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(256))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


Index("ix_triage_needs_review_created", TriageResult.needs_review, TriageResult.created_at)

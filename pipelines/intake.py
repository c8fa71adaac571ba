"""The one storage path for complaints, used by the nightly flow and by the API's POST /v1/complaints.

``store_complaints`` takes validated records and, inside the caller's transaction: masks reporter data
(``classifiers.pii.redact`` plus the names/numbers the source gave), sends the contact to the restricted
table, keeps one complaint per (channel, source_id) (an exact repeat is not stored again; the same id with
different content is quarantined), links near-duplicates into one case, triages the new ones in one
batch and stores the triage. No Prefect, no FastAPI: plain SQLAlchemy sessions.

Two writers racing on the same source id make the later commit fail on the unique constraint; retrying
the batch resolves it (the retry finds the row and reports ``created=False``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from classifiers.pii import MASK, redact
from classifiers.results import TriageResult
from classifiers.spans import Span
from pipelines.dedupe import DedupeConfig, batch_fingerprints, to_signed
from pipelines.linking import CaseLinker, ShingleMemory
from pipelines.quarantine import add_rejections
from pipelines.records import CanonicalComplaint, Reason, Rejection
from pipelines.sql import batched
from qingfeng.storage import contacts
from qingfeng.storage.tables import Case, Complaint
from qingfeng.storage.tables import TriageResult as TriageRow
from qingfeng.storage.tables import utcnow


class Triager(Protocol):
    def triage_batch(self, texts: list[str], channels: list[str | None] | None = None) -> list[TriageResult]: ...


@dataclass(frozen=True)
class StoreOutcome:
    channel: str
    source_id: str
    complaint_id: int | None
    case_id: int | None
    created: bool
    triage: TriageResult | None = None
    quarantined: str | None = None  # a ``Reason`` code when the record went to quarantine


@dataclass(frozen=True)
class IntakeOptions:
    max_text_chars: int = 20_000
    dedupe: DedupeConfig = field(default_factory=DedupeConfig)
    run_date: str | None = None  # quarantine rows are filed under this date (default: today, local time)
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class Protected:
    """A record with its text masked and the reporter's data set apart for the restricted table."""

    record: CanonicalComplaint
    text: str
    content_hash: str
    name: str | None
    phones: list[str]
    id_numbers: list[str]
    other: dict[str, Any]


_DIGITS = re.compile(r"\D")


def _mask_known(text: str, values: Sequence[str]) -> str:
    """Mask literal occurrences of data the source itself gave (the caller's name and number)."""
    for value in sorted({v for v in values if v and len(v) >= 2}, key=len, reverse=True):
        text = text.replace(value, MASK * len(value))
    return text


def protect(record: CanonicalComplaint) -> Protected:
    """Redact the text and collect the reporter's personal data (pure)."""
    redacted = redact(record.text)
    phones = [p for p in record.reporter_phones if p]
    phones += [s.text for s in redacted.spans if s.label in ("phone", "landline")]
    digits_only = [_DIGITS.sub("", p) for p in phones]
    text = _mask_known(redacted.text, [record.reporter_name or "", *phones, *digits_only])
    other = dict(record.reporter_other)
    for label, key in (("name", "names_in_text"), ("email", "emails"), ("bank_card", "bank_cards"),
                       ("plate", "plates")):
        values = sorted({s.text for s in redacted.spans if s.label == label})
        if values:
            other[key] = sorted(set(other.get(key, [])) | set(values))
    ids = sorted({s.text for s in redacted.spans if s.label == "id_number"})
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Protected(record, text, digest, record.reporter_name, sorted(set(phones)), ids, other)


def protect_records(records: Sequence[CanonicalComplaint], max_text_chars: int) -> list[Protected | None]:
    """``protect`` of each record that ``store_complaints`` would store (pure); None where it would quarantine
    the record instead (empty or over-long text). Hand the list to ``store_complaints(protected=...)``."""
    return [protect(r) if r.text.strip() and len(r.text) <= max_text_chars else None for r in records]


def _reject(p: CanonicalComplaint, reason: Reason, detail: str) -> Rejection:
    return Rejection(p.channel.value, reason, p.raw or p.model_dump_json(), p.source_file, p.source_id, detail)


def _existing(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int | None, str]]:
    """Stored (id, case id, content hash) by (channel, source_id).

    One ``channel = ? AND source_id IN (...)`` per channel: both databases answer it from the unique index
    (a row-value IN list makes PostgreSQL scan a whole channel).
    """
    by_channel: dict[str, list[str]] = {}
    for channel, source_id in keys:
        by_channel.setdefault(channel, []).append(source_id)
    found: dict[tuple[str, str], tuple[int, int | None, str]] = {}
    for channel, source_ids in by_channel.items():
        for part in batched(source_ids, 500):
            rows = session.execute(select(Complaint.source_id, Complaint.id, Complaint.case_id, Complaint.content_hash)
                                   .where(Complaint.channel == channel, Complaint.source_id.in_(part)))
            for source_id, cid, case_id, digest in rows:
                found[(channel, source_id)] = (cid, case_id, digest)
    return found


def store_complaints(session: Session, records: Sequence[CanonicalComplaint], triager: Triager,
                     run_id: int | None = None, *, options: IntakeOptions = IntakeOptions(),
                     protected: Sequence[Protected | None] | None = None,
                     shingles: ShingleMemory | None = None) -> list[StoreOutcome]:
    """Store ``records`` in the caller's transaction; one outcome per record, in order. Does not commit.

    ``protected``: ``protect_records(records, ...)`` when the caller already has it (an item made from
    another record is redone); ``shingles``: a memory kept across the calls of one run (``CaseLinker``).
    """
    if protected is not None and len(protected) != len(records):
        raise ValueError(f"{len(protected)} protected items for {len(records)} records")
    outcomes: list[StoreOutcome | None] = [None] * len(records)
    rejections: list[Rejection] = []
    masked: dict[int, Protected] = {}
    for i, record in enumerate(records):
        if not record.text.strip():
            rejections.append(_reject(record, Reason.empty_text, "内容为空"))
        elif len(record.text) > options.max_text_chars:
            rejections.append(_reject(record, Reason.text_too_long, f"内容超过 {options.max_text_chars} 字"))
        else:
            given = protected[i] if protected is not None else None
            mine = given is not None and (given.record is record or given.record == record)
            masked[i] = given if mine else protect(record)
            continue
        outcomes[i] = StoreOutcome(record.channel.value, record.source_id, None, None, False,
                                   quarantined=rejections[-1].reason.value)

    first: dict[tuple[str, str], int] = {}
    repeats: dict[int, int] = {}
    for i, p in masked.items():
        key = (p.record.channel.value, p.record.source_id)
        if key not in first:
            first[key] = i
        elif masked[first[key]].content_hash == p.content_hash:
            repeats[i] = first[key]
        else:
            rejections.append(_reject(p.record, Reason.source_id_conflict, "同一编号在本批中内容不同"))
            outcomes[i] = StoreOutcome(*key, None, None, False, quarantined=Reason.source_id_conflict.value)

    existing = _existing(session, list(first))
    new: list[int] = []
    for key, i in first.items():
        if key not in existing:
            new.append(i)
            continue
        cid, case_id, digest = existing[key]
        if digest == masked[i].content_hash:
            outcomes[i] = StoreOutcome(*key, cid, case_id, False)
        else:
            rejections.append(_reject(masked[i].record, Reason.source_id_conflict, "编号已入库但内容不同"))
            outcomes[i] = StoreOutcome(*key, cid, case_id, False, quarantined=Reason.source_id_conflict.value)

    if new:
        _store_new(session, [masked[i] for i in new], triager, run_id, options, outcomes, new, shingles)
    for i, j in repeats.items():
        o = outcomes[j]
        assert o is not None
        outcomes[i] = StoreOutcome(o.channel, o.source_id, o.complaint_id, o.case_id, False,
                                   quarantined=o.quarantined)
    if rejections:
        add_rejections(session, rejections, run_id=run_id,
                       run_date=options.run_date or datetime.now(ZoneInfo(options.timezone)).date().isoformat())
    return [o for o in outcomes if o is not None]


def _store_new(session: Session, items: list[Protected], triager: Triager, run_id: int | None,
               options: IntakeOptions, outcomes: list[StoreOutcome | None], positions: list[int],
               shingles: ShingleMemory | None) -> None:
    texts = [p.text for p in items]
    fingerprints, code_sets = batch_fingerprints(texts, options.dedupe)
    linker = CaseLinker(session, options.dedupe, shingles)
    links = linker.link(texts, [p.record.received_at for p in items], fingerprints, code_sets)
    linker.memory.add([p.content_hash for p in items], code_sets)  # the next batch's candidates
    results = triager.triage_batch(texts, [p.record.channel.value for p in items])
    if len(results) != len(items):
        raise RuntimeError(f"triage_batch returned {len(results)} results for {len(items)} texts")

    # Core INSERTs of plain dicts (no ORM units of work): one executemany, or multi-row VALUES batches
    # (insertmanyvalues) where ids come back, per table; ORM bulk inserts split into many small statements
    # whenever rows differ in which columns are None.
    now = utcnow()
    fresh = sorted({slot for slot in links if isinstance(slot, str)})
    case_ids: dict[str, int] = {}
    if fresh:  # any new ids will do, so the unordered (batched) RETURNING is enough
        ids = session.scalars(insert(Case.__table__).returning(Case.__table__.c.id),
                              [{"created_at": now} for _ in fresh]).all()
        case_ids = dict(zip(fresh, sorted(ids)))
    rows = []
    for p, (simhash, _), slot in zip(items, fingerprints, links):
        rows.append({
            "channel": p.record.channel.value, "source_id": p.record.source_id,
            "received_at": p.record.received_at, "text": p.text, "content_hash": p.content_hash,
            "location": p.record.location, "case_id": case_ids[slot] if isinstance(slot, str) else slot,
            "simhash": to_signed(simhash), "band0": simhash & 0xFFFF, "band1": (simhash >> 16) & 0xFFFF,
            "band2": (simhash >> 32) & 0xFFFF, "band3": (simhash >> 48) & 0xFFFF,
            "extra": p.record.extra, "run_id": run_id, "created_at": now,
        })
    session.execute(insert(Complaint.__table__), rows)
    stored = _existing(session, [(r["channel"], r["source_id"]) for r in rows])  # ids by natural key
    complaint_ids = [stored[(r["channel"], r["source_id"])][0] for r in rows]
    triage_rows, contact_rows = [], []
    for p, cid, row, result, pos in zip(items, complaint_ids, rows, results, positions):
        contact_rows.append({"complaint_id": cid, "name": p.name, "phones": p.phones, "id_numbers": p.id_numbers,
                             "other": p.other or None})
        triage_rows.append({
            "complaint_id": cid, "model_version": result.model_version, "categories": list(result.categories),
            "category_scores": _floats(result.category_scores), "agencies": list(result.agencies),
            "agency_scores": _floats(result.agency_scores), "sub_units": list(result.sub_units),
            "handler": result.handler, "needs_review": bool(result.needs_review),
            "evidence": [s.as_dict() for s in result.evidence], "created_at": now,
        })
        outcomes[pos] = StoreOutcome(p.record.channel.value, p.record.source_id, cid, row["case_id"], True, result)
    contacts.store_contacts(session, contact_rows)
    session.execute(insert(TriageRow.__table__), triage_rows)


def _floats(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 6) for k, v in scores.items()}


def stored_triage(session: Session, complaint_id: int) -> TriageResult | None:
    """The latest stored triage of a complaint (e.g. to answer a repeated POST of the same source id)."""
    row = session.scalars(select(TriageRow).where(TriageRow.complaint_id == complaint_id)
                          .order_by(TriageRow.id.desc()).limit(1)).first()
    if row is None:
        return None
    return TriageResult(categories=list(row.categories), category_scores=dict(row.category_scores),
                        agencies=list(row.agencies), agency_scores=dict(row.agency_scores),
                        sub_units=list(row.sub_units), handler=row.handler, needs_review=row.needs_review,
                        evidence=[Span(**e) for e in row.evidence], model_version=row.model_version)

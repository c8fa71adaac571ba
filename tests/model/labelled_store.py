"""Helpers for the retraining-loop tests: a database with complaints and their triage results."""

from __future__ import annotations

from datetime import datetime, timedelta

from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Complaint, Label, TriageResult

MODEL_VERSION = "categories:test-v1+agencies:test-v1"

ITEMS = [
    # (text, categories, agencies, needs_review)
    ("来电人反映派出所户籍窗口民警态度恶劣，让他来回跑了三趟，电话13904671258。", ["low_efficiency"], ["public_security"], True),
    ("法院执行局执行法官收了对方的钱，案子一直拖着不执行。", ["perverting_justice"], ["court"], True),
    ("请问身份证丢了补办要带什么材料？", [], ["public_security"], False),
    ("司法所调解员回访只让我签满意，问题根本没解决。", ["formalism"], ["justice_bureau"], False),
    ("交警罚款不开票，还暗示要好处费。", ["abuse_for_profit"], ["public_security"], True),
    ("小区物业乱收停车费，希望有关部门管管。", [], [], False),
]


def seed_complaints(url: str, day: datetime = datetime(2026, 11, 20, 9, 0)) -> list[int]:
    """Store ``ITEMS`` as complaints received on ``day`` (one hour apart) with a triage result each."""
    factory = connect(url)
    ids = []
    with session_scope(factory) as session:
        for i, (text, cats, agencies, review) in enumerate(ITEMS):
            complaint = Complaint(channel="hotline", source_id=f"t-{i}", received_at=day + timedelta(hours=i),
                                  text=text, content_hash=f"h{i}")
            session.add(complaint)
            session.flush()
            session.add(TriageResult(complaint_id=complaint.id, model_version=MODEL_VERSION, categories=cats,
                                     category_scores={c: 0.8 for c in cats} | {"formalism": 0.3} if cats else {"formalism": 0.2},
                                     agencies=agencies, agency_scores={a: 0.9 for a in agencies},
                                     needs_review=review))
            ids.append(complaint.id)
    return ids


def count_labels(url: str) -> int:
    with session_scope(connect(url)) as session:
        return session.query(Label).count()


def labels(url: str) -> list[Label]:
    with session_scope(connect(url)) as session:
        return list(session.query(Label).order_by(Label.id))

"""Complaints with triage results (and human labels) written straight into storage for scoring tests."""

from __future__ import annotations

import hashlib
from datetime import datetime

from qingfeng.storage.tables import Case as CaseRow
from qingfeng.storage.tables import Complaint, Label, TriageResult


def add_complaint(session, source_id: str, when: datetime, categories: list[str], agencies: list[str], *,
                  text: str = "来电人***反映民警索要好处费", case_id: int | None = None,
                  model_version: str = "categories:v1", channel: str = "hotline") -> Complaint:
    c = Complaint(channel=channel, source_id=source_id, received_at=when, text=text,
                  content_hash=hashlib.sha256(f"{source_id}{text}".encode()).hexdigest(), case_id=case_id)
    session.add(c)
    session.flush()
    session.add(TriageResult(complaint_id=c.id, model_version=model_version, categories=categories,
                             agencies=agencies, category_scores={}, agency_scores={}))
    session.flush()
    return c


def add_case(session) -> int:
    row = CaseRow()
    session.add(row)
    session.flush()
    return row.id


def add_label(session, complaint: Complaint, task: str, value: list[str], provenance: str = "human_corrected"):
    session.add(Label(task=task, complaint_id=complaint.id, text=complaint.text, value=value, provenance=provenance,
                      annotator="reviewer-1"))
    session.flush()

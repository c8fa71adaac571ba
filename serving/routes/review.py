"""Analysts: GET /v1/review-queue (what the model was unsure about) and POST /v1/labels (a correction or
confirmation, stored with provenance through the same code as the review-sheet import)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from classifiers.pii import redact
from pipelines.review import HUMAN_PROVENANCES
from pipelines.review_import import ImportSummary, LabelDecision, store_labels
from qingfeng.storage.tables import Complaint, Label, TriageResult
from serving.deps import AnalystCaller, RequestIdDep, SessionDep
from serving.errors import ApiError
from serving.present import stored_triage_view
from serving.schemas import LabelCreate, LabelPublic, LabelsPublic, ReviewItem, ReviewPage

router = APIRouter(prefix="/v1", tags=["复核"])


@router.get("/review-queue", response_model=ReviewPage, summary="待复核的投诉（最新分类结果 needs_review，已脱敏，分页）")
def review_queue(_caller: AnalystCaller, session: SessionDep,
                 limit: Annotated[int, Query(ge=1, le=200, description="每页条数")] = 50,
                 offset: Annotated[int, Query(ge=0, le=10_000_000, description="跳过的条数")] = 0,
                 include_labelled: Annotated[bool, Query(description="也列出已有人工标签的投诉")] = False) -> ReviewPage:
    newest = (select(TriageResult.complaint_id, func.max(TriageResult.id).label("tid"))
              .group_by(TriageResult.complaint_id).subquery())
    query = (select(Complaint, TriageResult).join(newest, newest.c.complaint_id == Complaint.id)
             .join(TriageResult, TriageResult.id == newest.c.tid).where(TriageResult.needs_review.is_(True)))
    if not include_labelled:
        labelled = select(Label.complaint_id).where(Label.provenance.in_(HUMAN_PROVENANCES),
                                                    Label.complaint_id.is_not(None))
        query = query.where(Complaint.id.not_in(labelled))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Complaint.received_at, Complaint.id).limit(limit).offset(offset)).all()
    items = [ReviewItem(complaint_id=c.id, case_id=c.case_id, channel=c.channel, received_at=c.received_at,
                        text=redact(c.text).text, triage=stored_triage_view(t)) for c, t in rows]
    return ReviewPage(total=total, limit=limit, offset=offset, items=items)


@router.post("/labels", response_model=LabelsPublic, summary="人工确认或更正一条已保存投诉的类别/单位",
             responses={404: {"description": "投诉不存在"}, 409: {"description": "该投诉没有模型分类结果"}})
def create_labels(body: LabelCreate, caller: AnalystCaller, session: SessionDep,
                  request_id: RequestIdDep) -> LabelsPublic:
    complaint = session.get(Complaint, body.complaint_id)
    if complaint is None:
        raise ApiError(404, "complaint_not_found", f"投诉 {body.complaint_id} 不存在", {"complaint_id": body.complaint_id})
    predicted = session.scalar(select(TriageResult).where(TriageResult.complaint_id == complaint.id)
                               .order_by(TriageResult.id.desc()).limit(1))
    if predicted is None:
        raise ApiError(409, "no_prediction", f"投诉 {complaint.id} 没有模型分类结果，无法比较", None)
    summary = ImportSummary()
    for task, codes in (("categories", body.categories), ("agencies", body.agencies)):
        if codes is None:
            continue
        value = sorted({c.value for c in codes})
        model_value = sorted(getattr(predicted, task) or [])
        provenance = "human_confirmed" if value == model_value else "human_corrected"
        summary.labels.append(LabelDecision(complaint.id, task, value, provenance, caller.name, predicted.model_version))
    stored = store_labels(session, summary, source="api:/v1/labels", actor=caller.name)
    return LabelsPublic(request_id=request_id, complaint_id=complaint.id, annotator=caller.name, stored=stored,
                        labels=[LabelPublic(task=d.task, value=d.value, provenance=d.provenance,
                                            model_version=d.model_version) for d in summary.labels])

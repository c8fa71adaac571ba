"""POST /v1/complaints: intake through the one storage path of the nightly flow (``pipelines.intake``):
redaction, reporter contact to the restricted table, idempotency on channel + source_id, case linking,
triage. The reporter's contact is stored and never echoed."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from pipelines.intake import IntakeOptions, StoreOutcome, store_complaints, stored_triage
from pipelines.records import CanonicalComplaint
from qingfeng.settings import Settings
from qingfeng.storage.db import session_scope
from serving.deps import IntakeCaller, RequestIdDep, RuntimeDep, TriagerDep
from serving.errors import ApiError, clean_validation_errors
from serving.present import triage_view
from serving.routes.triage import check_text_length
from serving.schemas import ComplaintCreate, ComplaintPublic

router = APIRouter(prefix="/v1", tags=["受理"])


def to_record(body: ComplaintCreate, settings: Settings, submitted_by: str) -> CanonicalComplaint:
    """The API body as the canonical complaint every channel produces (422 when it does not fit)."""
    received_at = body.received_at or datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None)
    data = {
        "channel": body.channel, "source_id": body.source_id, "received_at": received_at, "text": body.text,
        "location": body.location, "extra": {"submitted_by": submitted_by, "via": "api"},
        # what a quarantine entry keeps of this submission: the submission without the reporter's contact
        "raw": json.dumps({"channel": body.channel.value, "source_id": body.source_id, "text": body.text,
                           "received_at": received_at.isoformat(), "location": body.location},
                          ensure_ascii=False, sort_keys=True),
    }
    if body.reporter is not None:
        data["reporter_name"] = body.reporter.name
        data["reporter_phones"] = (body.reporter.phone,) if body.reporter.phone else ()
    try:
        return CanonicalComplaint.model_validate(data, context={"max_text_chars": settings.api_max_text_chars,
                                                                "timezone": settings.timezone})
    except ValidationError as exc:
        errors = clean_validation_errors(exc.errors(include_input=False, include_url=False))
        first = errors[0]["msg"] if errors else ""
        raise ApiError(422, "validation_error", f"请求参数校验失败：{first}",
                       [{**e, "loc": ["body", *e["loc"]]} for e in errors]) from None


@router.post("/complaints", response_model=ComplaintPublic, status_code=201,
             summary="受理一条投诉：脱敏、查重、归并案件、分类并保存（同一渠道编号幂等）",
             responses={200: {"description": "同一渠道编号已提交过（内容相同），返回已保存的结果",
                              "model": ComplaintPublic},
                        409: {"description": "同一渠道编号已提交过但内容不同（已转入隔离区）"}})
def create_complaint(body: ComplaintCreate, caller: IntakeCaller, runtime: RuntimeDep, triager: TriagerDep,
                     request_id: RequestIdDep, response: Response) -> ComplaintPublic:
    settings = runtime.settings
    check_text_length(body.text, settings.api_max_text_chars)
    record = to_record(body, settings, caller.name)
    options = IntakeOptions(max_text_chars=settings.api_max_text_chars, timezone=settings.timezone)
    if runtime.sessions is None:
        raise ApiError(503, "database_unavailable", "数据库尚未就绪，请稍后再试")
    for attempt in (1, 2):  # a concurrent writer of the same source id wins once; the retry finds its row
        try:
            with session_scope(runtime.sessions) as session:
                outcome = store_complaints(session, [record], triager, options=options)[0]
                triage = outcome.triage
                if triage is None and outcome.complaint_id is not None and not outcome.quarantined:
                    triage = stored_triage(session, outcome.complaint_id)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    _refuse_quarantined(outcome)
    if not outcome.created:
        response.status_code = 200
    return ComplaintPublic(request_id=request_id, complaint_id=outcome.complaint_id, case_id=outcome.case_id,
                           created=outcome.created, triage=triage_view(triage) if triage is not None else None)


def _refuse_quarantined(outcome: StoreOutcome) -> None:
    if outcome.quarantined == "source_id_conflict":
        raise ApiError(409, "source_id_conflict",
                       "该渠道下此编号已提交过，但内容不同：本次提交未保存，已转入隔离区待人工核对",
                       {"channel": outcome.channel, "source_id": outcome.source_id,
                        "complaint_id": outcome.complaint_id})
    if outcome.quarantined:
        raise ApiError(422, outcome.quarantined, "投诉未保存：内容为空或超长，已转入隔离区", None)

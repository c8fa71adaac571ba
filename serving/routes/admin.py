"""POST /v1/models/reload (admin): load the PRODUCTION models now instead of waiting for the watcher."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from serving.deps import AdminCaller, RequestIdDep, RuntimeDep
from serving.errors import ApiError
from serving.runtime import load_warm
from serving.schemas import ReloadResult

log = logging.getLogger("qingfeng.api")
router = APIRouter(prefix="/v1", tags=["管理"])


@router.post("/models/reload", response_model=ReloadResult, summary="重新加载生产模型",
             responses={503: {"description": "没有可用的生产模型"}})
async def reload_models(caller: AdminCaller, runtime: RuntimeDep, request_id: RequestIdDep) -> ReloadResult:
    from classifiers.triage import ModelsMissing

    previous = runtime.triager.model_version if runtime.triager is not None else None
    try:
        fresh = await run_in_threadpool(load_warm, runtime.settings)
    except ModelsMissing:
        raise ApiError(503, "models_missing", "没有可用的生产模型：请先运行 qingfeng train", None) from None
    runtime.triager = fresh
    log.info("models reloaded by %s: model_version=%s", caller.name, fresh.model_version)
    return ReloadResult(request_id=request_id, previous_model_version=previous,
                        model_version=fresh.model_version, changed=fresh.model_version != previous)

"""Liveness and readiness probes (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from serving.deps import RuntimeDep
from serving.errors import ApiError
from serving.runtime import Runtime
from serving.schemas import Health, Readiness

router = APIRouter(tags=["运维"])


@router.get("/healthz", response_model=Health, summary="存活探针（不做任何工作）")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, summary="就绪探针：模型已加载且数据库可达，否则 503",
            responses={503: {"description": "未就绪"}})
async def readyz(runtime: RuntimeDep) -> Readiness:
    database = await run_in_threadpool(_database_reachable, runtime)
    version = runtime.triager.model_version if runtime.triager is not None else None
    if version is None or not database:
        raise ApiError(503, "not_ready", "服务未就绪：" + "；".join(
            why for ok, why in ((version is not None, "模型未加载"), (database, "数据库不可达")) if not ok),
            {"model_version": version, "database": database})
    return Readiness(status="ready", model_version=version, database=database)


def _database_reachable(runtime: Runtime) -> bool:
    if runtime.sessions is None:
        return False
    try:
        with runtime.sessions() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False
